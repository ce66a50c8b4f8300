"""Plan statistics: pure functions from a Plan to tidy frames that carry ``attrs["unit"]``.

Charts (``figures.py``) and the view model (``view.py``) read these frames, never the solver.
Every cost frame reconciles with ``plan.kpis["monthly_total_usd"]``: data flows between
workloads are charged to the sending workload's placement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from advisor.options import lifecycle
from advisor.schema.types import HOURS_IN_MONTH

if TYPE_CHECKING:
    from advisor.plan import Plan

COMPONENTS = ("compute", "egress", "flows", "power", "ops", "capex")
"""Monthly cost components; ``capex`` is purchases amortised over their useful life."""
TIERS = ("local", "edge", "cloud")
IDLE_CAPACITY = "(idle capacity)"
"""Workload label of the fixed cost (idle power + ops) of boxes no workload uses."""


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
    for r in plan.idle_capacity.to_dict(orient="records"):
        tier = next(s.kind for s in plan.scenario.sites if s.id == r["site"])
        row = {
            "workload": IDLE_CAPACITY,
            "unit": f"{IDLE_CAPACITY} {r['site']}/{r['sku']}",
            "team": "",
            "tier": tier,
            "target": f"site:{r['site']}",
            "provider": "",
            "site": r["site"],
        }
        parts.append(
            pd.DataFrame(
                [
                    {**row, "component": "power", "usd": r["power_usd"]},
                    {**row, "component": "ops", "usd": r["ops_usd"]},
                ]
            )
        )
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
    """The plan and each baseline: monthly cost, and the plan's saving against it."""
    b = plan.baselines
    rows = [
        {
            "baseline": "this plan",
            "monthly_usd": plan.kpis["monthly_total_usd"],
            "saving_usd_per_month": 0.0,
            "complete": True,
            "broken": "",
        }
    ]
    for r in b.itertuples(index=False):
        rows.append(
            {
                "baseline": r.baseline,
                "monthly_usd": float(r.monthly_usd),
                "saving_usd_per_month": float(r.saving_usd_per_month),
                "complete": len(r.missing) == 0,
                "broken": "; ".join(r.broken),
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
    """Per month of the horizon and purchase line: cash paid (the purchase in month 1 and
    each replacement at the end of a useful life, ``options/lifecycle``), the residual value
    credited in the last month, and capex amortised (count x P / L every month), so the cash
    less the residual sums to the amortised total, the horizon capex in the KPIs."""
    p = plan.purchases
    horizon = int(plan.kpis["horizon_months"])
    rows = []
    for r in p.to_dict(orient="records"):
        buys = {int(m) + 1 for m in str(r["purchase_months"]).split()}
        for m in range(1, horizon + 1):
            rows.append(
                {
                    "month": m,
                    "site": r["site"],
                    "sku": r["sku"],
                    "event": ("purchase" if m == 1 else "replacement") if m in buys else "",
                    "cash_usd": r["capex_usd"] if m in buys else 0.0,
                    "residual_usd": r["residual_value_usd"] if m == horizon else 0.0,
                    "amortised_usd": r["amortised_usd_per_month"],
                }
            )
    cols = ["month", "site", "sku", "event", "cash_usd", "residual_usd", "amortised_usd"]
    return _tidy(pd.DataFrame(rows, columns=cols), "USD")


def cheapest_cloud_per_accelerator(plan: Plan) -> pd.DataFrame:
    """Per accelerator and pricing model: the cheapest in-scope cloud USD per accelerator-hour."""
    cat = plan.options.catalog
    scn = plan.scenario
    regions = plan.options.targets
    regions = regions[regions["tier"] == "cloud"][["provider", "region", "target"]]
    types = cat.instance_types[["provider", "instance_type", "accelerator", "accelerator_count"]]
    types = types[types["accelerator_count"] > 0]
    prices = cat.instance_prices[["provider", "region", "instance_type", "pricing", "usd_per_hour"]]
    prices = prices[prices["pricing"].isin(scn.clouds.pricing)]
    p = prices.merge(types, on=["provider", "instance_type"]).merge(
        regions, on=["provider", "region"]
    )
    p["usd_per_accelerator_hour"] = p["usd_per_hour"] / p["accelerator_count"]
    p = p.sort_values(
        ["accelerator", "pricing", "usd_per_accelerator_hour", "target", "instance_type"]
    )
    best = p.drop_duplicates(["accelerator", "pricing"])
    cols = ["accelerator", "pricing", "target", "instance_type", "usd_per_accelerator_hour"]
    return _tidy(best[cols], "USD per accelerator-hour")


def breakeven(plan: Plan) -> pd.DataFrame:
    """On-prem vs cloud break-even utilisation per purchasable accelerator SKU and pricing model.

    on-prem USD per accelerator-month = (P / L + idle power all month + ops + busy power
    increment at full use) / accelerators (``options/lifecycle``). The cloud costs ``p`` USD
    per accelerator-hour (cheapest in-scope region and instance of the same accelerator);
    break-even utilisation u* solves P/L + fixed + u 730 (typical - idle) PUE c = u 730 p
    (``lifecycle.breakeven_utilisation``): above it, owning is cheaper. Reserved capacity is
    billed every hour, so against reserved the test is simply break-even < 100%.
    """
    hw = plan.options.catalog.hardware.set_index("sku")
    sites = {s.id: s for s in plan.scenario.sites}
    pur = plan.problem.purchasables
    pur = pur[pur["is_gpu"]] if len(pur) else pur
    cloud = cheapest_cloud_per_accelerator(plan)
    rows = []
    for r in pur.to_dict(orient="records"):
        spec, site = hw.loc[r["sku"]], sites[r["site"]]
        n = float(spec["accelerator_count"])
        pue, kwh_usd = site.power.pue, site.power.usd_per_kwh
        capex = float(lifecycle.monthly_capex_usd(r["list_price_usd"], r["useful_life_months"])) / n
        idle = float(lifecycle.idle_power_usd_per_month(spec["idle_kw"], pue, kwh_usd))
        busy = float(
            lifecycle.busy_energy_kwh(1.0, spec["typical_kw"], spec["idle_kw"], pue, HOURS_IN_MONTH)
        )
        power = (idle + busy * kwh_usd) / n
        ops = float(spec["ops_usd_per_month"]) / n
        for c in cloud[cloud["accelerator"] == spec["accelerator"]].to_dict(orient="records"):
            cloud_month = c["usd_per_accelerator_hour"] * HOURS_IN_MONTH
            u_star = lifecycle.breakeven_utilisation(
                float(r["list_price_usd"]),
                float(r["useful_life_months"]),
                float(spec["idle_kw"]),
                float(spec["typical_kw"]),
                pue,
                kwh_usd,
                float(spec["ops_usd_per_month"]),
                c["usd_per_accelerator_hour"] * n,
            )
            rows.append(
                {
                    "site": r["site"],
                    "sku": r["sku"],
                    "accelerator": spec["accelerator"],
                    "capex_usd": capex,
                    "power_usd": power,
                    "ops_usd": ops,
                    "onprem_usd_per_accelerator_month": capex + power + ops,
                    "pricing": c["pricing"],
                    "cloud_target": c["target"],
                    "cloud_instance": c["instance_type"],
                    "cloud_usd_per_accelerator_hour": c["usd_per_accelerator_hour"],
                    "cloud_usd_per_accelerator_month": cloud_month,
                    "breakeven_utilisation": u_star,
                }
            )
    cols = [
        "site",
        "sku",
        "accelerator",
        "capex_usd",
        "power_usd",
        "ops_usd",
        "onprem_usd_per_accelerator_month",
        "pricing",
        "cloud_target",
        "cloud_instance",
        "cloud_usd_per_accelerator_hour",
        "cloud_usd_per_accelerator_month",
        "breakeven_utilisation",
    ]
    return _tidy(pd.DataFrame(rows, columns=cols), "USD per accelerator-month; utilisation ratio")
