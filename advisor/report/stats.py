"""Plan statistics: pure functions from a Plan to tidy frames that carry ``attrs["unit"]``.

Charts (``figures.py``) and the view model (``view.py``) read these frames, never the solver.
Every cost frame reconciles with ``plan.kpis["monthly_total_usd"]``: data flows between
workloads are charged to the sending workload's placement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from advisor.report.breakeven import breakeven as compliant_breakeven

if TYPE_CHECKING:
    from advisor.plan import Plan

COMPONENTS = ("compute", "egress", "flows", "power", "ops", "capex")
"""Monthly cost components; ``capex`` is purchases amortised over their useful life."""
TIERS = ("local", "edge", "cloud")


def _tidy(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    frame.attrs["unit"] = unit
    return frame


def owner_label(provider: pd.Series, tier: pd.Series, site: pd.Series) -> pd.Series:
    """``aws`` for cloud rows, ``local: fra-dc1`` for site rows."""
    return provider.where(provider.fillna("") != "", tier + ": " + site.fillna(""))


def cost_lines(plan: Plan) -> pd.DataFrame:
    """One row per unit and non-zero cost component, plus one per data flow (sender's row)."""
    a = plan.assignments
    keys = ["workload", "unit", "team", "tier", "target", "provider", "site"]
    parts = []
    for comp in ("compute", "egress", "power", "ops", "capex"):
        p = a[keys].copy()
        p["component"] = comp
        p["usd"] = a[f"{comp}_usd"].to_numpy(float)
        parts.append(p)
    sender = a.drop_duplicates("unit").set_index("unit")[[k for k in keys if k != "unit"]]
    for f in plan.problem.flows:
        usd = float(plan.flows_usd.get(f.name, 0.0))
        if f.from_units and f.from_units[0] in sender.index:
            row = {"unit": f.from_units[0], **sender.loc[f.from_units[0]].to_dict()}
            parts.append(pd.DataFrame([{**row, "component": "flows", "usd": usd}]))
    lines = pd.concat(parts, ignore_index=True)
    lines = lines[lines["usd"].abs() > 1e-9]
    lines["owner"] = owner_label(lines["provider"], lines["tier"], lines["site"])
    return _tidy(lines, "USD per month")


def cost_by(plan: Plan, by: str) -> pd.DataFrame:
    """Monthly cost per ``by`` (tier, team, owner, target, workload) and component."""
    lines = cost_lines(plan)
    g = lines.groupby([by, "component"], sort=True, as_index=False)["usd"].sum()
    order = {c: i for i, c in enumerate(COMPONENTS)}
    g = g.sort_values([by, "component"], key=lambda s: s.map(order) if s.name == "component" else s)
    return _tidy(g, "USD per month")


def cost_by_component(plan: Plan) -> pd.DataFrame:
    """Monthly cost per component (all tiers), in the fixed component order."""
    lines = cost_lines(plan)
    g = lines.groupby("component")["usd"].sum().reindex(COMPONENTS).dropna()
    return _tidy(g.rename_axis("component").reset_index(), "USD per month")


def tier_counts(plan: Plan) -> pd.DataFrame:
    """Workloads and units per tier (a workload in several tiers counts in each)."""
    a = plan.assignments
    g = a.groupby("tier").agg(workloads=("workload", "nunique"), units=("unit", "nunique"))
    g = g.reindex(TIERS, fill_value=0).rename_axis("tier").reset_index()
    return _tidy(g, "count")


def savings(plan: Plan) -> pd.DataFrame:
    """The plan and each baseline: monthly cost, and what the plan saves against it.

    ``status`` is ``valid`` (places every workload within every limit), ``breaks limits``
    (places every workload but breaks a budget, capacity or cap, so its cost is no real
    alternative) or ``incomplete`` (some workloads have no option in it). A saving is given
    only against a valid baseline. For an incomplete one, ``plan_same_units_usd`` is what the
    plan spends on the units the baseline does place, the like-for-like comparison
    (``like_for_like_saving_usd``).
    """
    a = plan.assignments
    units_total = len(a)
    rows = [
        {
            "baseline": "this plan",
            "status": "plan",
            "monthly_usd": plan.kpis["monthly_total_usd"],
            "saving_usd_per_month": 0.0,
            "complete": True,
            "broken": "",
            "broken_limits": "",
            "limits_broken": 0,
            "units_placed": units_total,
            "units_total": units_total,
            "plan_same_units_usd": plan.kpis["monthly_total_usd"],
            "like_for_like_saving_usd": 0.0,
        }
    ]
    for r in plan.baselines.itertuples(index=False):
        missing = set(r.missing)
        limits = [b for b in r.broken if "have no option in this baseline" not in b]
        complete = not missing
        status = "incomplete" if missing else ("breaks limits" if limits else "valid")
        same = float(a.loc[~a["unit"].isin(missing), "total_usd"].sum())
        if complete:
            same = plan.kpis["monthly_total_usd"]
        rows.append(
            {
                "baseline": r.baseline,
                "status": status,
                "monthly_usd": float(r.monthly_usd),
                "saving_usd_per_month": float(r.monthly_usd) - plan.kpis["monthly_total_usd"]
                if status == "valid"
                else np.nan,
                "complete": complete,
                "broken": "; ".join(r.broken),
                "broken_limits": "; ".join(limits),
                "limits_broken": len(limits),
                "units_placed": units_total - len(missing),
                "units_total": units_total,
                "plan_same_units_usd": same,
                "like_for_like_saving_usd": float(r.monthly_usd) - same,
            }
        )
    return _tidy(pd.DataFrame(rows), "USD per month")


def site_capacity(plan: Plan) -> pd.DataFrame:
    """Per site and resource: used, available (inf = unlimited) and utilisation."""
    u = plan.site_usage
    specs = (
        ("accelerators", "accelerators_used", "accelerators_installed", "accelerators"),
        ("vCPUs", "vcpus_used", "vcpus_installed", "vCPUs"),
        ("power", "kw_installed", "kw_max", "kW"),
        ("rack space", "rack_units_installed", "rack_units_max", "U"),
    )
    rows = []
    for r in u.to_dict(orient="records"):
        for resource, used, avail, unit in specs:
            if r[avail] == 0 and r[used] == 0:
                continue
            util = r[used] / r[avail] if np.isfinite(r[avail]) and r[avail] > 0 else np.nan
            rows.append(
                {
                    "site": r["site"],
                    "kind": r["kind"],
                    "resource": resource,
                    "used": r[used],
                    "available": r[avail],
                    "utilisation": util,
                    "unit": unit,
                }
            )
    cols = ["site", "kind", "resource", "used", "available", "utilisation", "unit"]
    return _tidy(pd.DataFrame(rows, columns=cols), "see column unit; utilisation is a ratio")


def latency(plan: Plan) -> pd.DataFrame:
    """Per unit: end-to-end latency split into network RTT and compute, vs its SLO."""
    a = plan.assignments
    f = a[
        ["workload", "unit", "tier", "target", "latency_ms", "rtt_ms", "rtt_basis", "slo_ms"]
    ].copy()
    f["compute_ms"] = (f["latency_ms"] - f["rtt_ms"]).clip(lower=0.0)
    f["headroom_ms"] = f["slo_ms"] - f["latency_ms"]
    f["slo_share"] = np.where(np.isfinite(f["slo_ms"]), f["latency_ms"] / f["slo_ms"], np.nan)
    return _tidy(f.sort_values(["slo_share", "unit"], ascending=[False, True]), "ms")


def carbon(plan: Plan) -> pd.DataFrame:
    """Energy and emissions per tier and target, with the grid intensity used."""
    a = plan.assignments
    g = a.groupby(["tier", "target"], as_index=False)[["energy_kwh", "carbon_kg"]].sum()
    grid = plan.options.targets.set_index("target")["gco2e_per_kwh"]
    g["gco2e_per_kwh"] = g["target"].map(grid)
    g = g.sort_values(["carbon_kg", "target"], ascending=[False, True])
    return _tidy(g, "kWh and kgCO2e per month; gCO2e per kWh")


def budgets(plan: Plan) -> pd.DataFrame:
    """Each budget: used vs limit, with a display label (opex per month, capex in total)."""
    b = plan.budget_usage.copy()
    b["label"] = b["scope"] + " " + b["kind"]
    b["headroom_usd"] = b["limit_usd"] - b["used_usd"]
    return _tidy(b, "USD (opex per month, capex in total)")


def capex_schedule(plan: Plan) -> pd.DataFrame:
    """Per month of the horizon: cash paid for purchases (month 1) and capex amortised.

    Amortisation follows the plan's convention, ``P / max(life, horizon)`` every month of
    the horizon, so the schedule sums to the horizon capex in the KPIs, ``P min(h, L) / L``.
    """
    p = plan.purchases
    months = np.arange(1, int(plan.kpis["horizon_months"]) + 1)
    rows = []
    for r in p.to_dict(orient="records"):
        for m in months:
            rows.append(
                {
                    "month": int(m),
                    "site": r["site"],
                    "sku": r["sku"],
                    "cash_usd": r["capex_usd"] if m == 1 else 0.0,
                    "amortised_usd": r["amortised_usd_per_month"],
                }
            )
    cols = ["month", "site", "sku", "cash_usd", "amortised_usd"]
    return _tidy(pd.DataFrame(rows, columns=cols), "USD")


def breakeven(plan: Plan) -> pd.DataFrame:
    """On-prem vs compliant-cloud break-even (see :mod:`advisor.report.breakeven`)."""
    return compliant_breakeven(plan)
