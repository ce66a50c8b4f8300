"""The "decisions and next steps" block at the top of the plan report.

What to buy, where the workloads go (cloud commitments to sign, own sites to use), what binds
the plan, and what relaxing each binding limit would save, all from data the plan already
holds (purchases, assignments, site and budget usage, baselines, sensitivity). When the value
of relaxing a limit was not computed, the block says so instead of implying it is zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.plan.sensitivity import NOT_COMPUTED, binding_limits
from advisor.report import stats
from advisor.report.fmt import money, num, pct, qty
from advisor.report.instances import instance_hours, instances_text

if TYPE_CHECKING:
    from advisor.plan import Plan

LISTED = 8
"""Purchases, commitments and sites listed at most; the sections below have every row."""
SLO_TIGHT = 0.95
"""A unit at or above this share of its latency SLO counts as bound by it."""
CAP_TIGHT = 0.98
"""A privacy-risk or carbon cap at or above this share of its limit counts as binding."""


def _buys(plan: Plan) -> list[str]:
    p = plan.purchases
    if not len(p):
        return []
    p = p.sort_values(["capex_usd", "site", "sku"], ascending=[False, True, True])
    return [
        f"{qty(r['count'])} × {r['sku']} for {r['site']}: {money(r['capex_usd'])} "
        f"({money(r['amortised_usd_per_month'])}/month over {num(r['useful_life_months'])} months)"
        for r in p.to_dict(orient="records")
    ]


def _cloud_commitments(a: pd.DataFrame) -> list[str]:
    c = a[a["tier"] == "cloud"]
    if c.empty:
        return []
    g = (
        c.assign(hours=instance_hours(c))
        .groupby(["target", "hardware", "pricing"], as_index=False)
        .agg(
            boxes=("billed_boxes", "sum"),
            hours=("hours", "sum"),
            usd=("total_usd", "sum"),
            workloads=("workload", lambda w: ", ".join(sorted(set(w)))),
            n=("workload", "nunique"),
        )
        .sort_values(["usd", "target"], ascending=[False, True])
    )
    out = []
    for r in g.to_dict(orient="records"):
        what = "commit to" if str(r["pricing"]).startswith("reserved") else "run"
        who = r["workloads"] if r["n"] <= 3 else f"{r['n']} workloads"
        fleet = instances_text(f"{r['hardware']} ({r['pricing']})", r["boxes"], r["hours"])
        out.append(f"{what} {fleet} in {r['target']} for {who}: {money(r['usd'])}/month")
    return out


def _own_sites(plan: Plan) -> list[str]:
    a = plan.assignments
    own = a[a["tier"] != "cloud"]
    if own.empty:
        return []
    g = (
        own.groupby(["site", "tier"], as_index=False)
        .agg(n=("workload", "nunique"), usd=("total_usd", "sum"))
        .sort_values(["usd", "site"], ascending=[False, True])
    )
    usage = plan.site_usage.set_index("site")
    out = []
    for r in g.to_dict(orient="records"):
        text = f"{r['site']} ({r['tier']}): {num(r['n'])} workload(s), {money(r['usd'])}/month"
        if r["site"] in usage.index:
            u = usage.loc[r["site"]]
            parts = []
            if u["accelerators_installed"] > 0:
                parts.append(
                    f"{qty(u['accelerators_used'])} of {qty(u['accelerators_installed'])} "
                    "accelerators"
                )
            if u["vcpus_installed"] > 0:
                parts.append(f"{qty(u['vcpus_used'])} of {qty(u['vcpus_installed'])} vCPUs")
            if parts:
                text += "; uses " + ", ".join(parts)
        out.append(text)
    return out


def _binding(plan: Plan) -> tuple[list[dict[str, Any]], str, str]:
    """Binding limits with their relaxation value (or why it is missing), a state word, and
    the reason the plan gives for values it did not compute."""
    items = binding_limits(plan.problem, plan.solution, plan.site_usage, plan.budget_usage)
    relaxing = plan.relaxing.set_index("limit") if len(plan.relaxing) else None
    reasons: list[str] = []
    rows = []
    for it in items:
        saving, computed = None, False
        if relaxing is not None and it["limit"] in relaxing.index:
            method = str(relaxing.at[it["limit"], "method"])
            computed = not method.startswith(NOT_COMPUTED)
            v = float(relaxing.at[it["limit"], "saving_usd_per_month"])
            saving = v if computed and v == v else None
            if not computed:
                reasons.append(method.removeprefix(NOT_COMPUTED).strip(" ()"))
        rows.append(
            {
                "limit": it["limit"],
                "relax": f"{num(it['step'], 1 if it['step'] < 100 else 0)} {it['unit']}",
                "saving_usd": saving,
                "computed": computed,
            }
        )
    k, p = plan.kpis, plan.problem
    for name, used, cap, unit in (
        ("privacy_risk_cap", k["privacy_risk"], p.risk_max, "points"),
        ("carbon_cap", k["carbon_kg_per_month"], p.carbon_max_kg, "kgCO2e/month"),
    ):
        if cap is not None and cap > 0 and used >= CAP_TIGHT * cap:
            rows.append(
                {
                    "limit": f"{name}: {num(used, 1)} of {num(cap, 1)} {unit}",
                    "relax": "",
                    "saving_usd": None,
                    "computed": False,
                }
            )
    if not rows:
        state = "none"
    elif all(r["computed"] for r in rows):
        state = "computed"
    elif any(r["computed"] for r in rows):
        state = "partial"
    else:
        state = "not computed"
    reason = "; ".join(dict.fromkeys(r for r in reasons if r)) or "not requested"
    return rows, state, reason


def _forced(plan: Plan) -> list[str]:
    """Units a baseline could not place: no compliant cloud option, or no own-site option."""
    b = plan.baselines.set_index("baseline")
    out = []
    for name, where in (("all-cloud", "cloud"), ("all-on-prem", "own site")):
        if name in b.index and len(b.at[name, "missing"]):
            units = list(b.at[name, "missing"])
            shown = ", ".join(units[:LISTED]) + (
                f" and {len(units) - LISTED:,} more" if len(units) > LISTED else ""
            )
            out.append(f"no {where} option meets the rules of {shown}")
    return out


def _tight_slos(plan: Plan) -> int:
    share = stats.latency(plan)["slo_share"]
    return int((share.notna() & (share >= SLO_TIGHT)).sum())


def _best_valid(plan: Plan) -> dict[str, Any] | None:
    sv = stats.savings(plan)
    ok = sv[sv["status"] == "valid"]
    if ok.empty:
        return None
    best = ok.sort_values(["monthly_usd", "baseline"]).iloc[0]
    return {
        "name": str(best["baseline"]),
        "saving_usd": float(best["saving_usd_per_month"]),
        "share": float(best["saving_usd_per_month"] / best["monthly_usd"])
        if best["monthly_usd"] > 0
        else None,
    }


def decisions(plan: Plan) -> dict[str, Any]:
    """The decisions block's view model (every sentence computed here, not in the template)."""
    a = plan.assignments
    buys = _buys(plan)
    cloud = _cloud_commitments(a)
    sites = _own_sites(plan)
    binding, state, reason = _binding(plan)
    best = _best_valid(plan)
    in_cloud = (a["tier"] == "cloud").groupby(a["workload"]).agg(["any", "all"])
    n_cloud = int(in_cloud["all"].sum())
    n_both = int((in_cloud["any"] & ~in_cloud["all"]).sum())
    n_own = len(in_cloud) - n_cloud - n_both
    summary = []
    boxes = float(plan.purchases["count"].sum()) if len(plan.purchases) else 0.0
    summary.append(
        f"Buy {qty(boxes)} server(s) ({len(buys)} SKU/site line(s)) for "
        f"{money(plan.kpis['capex_usd'])}."
        if buys
        else "Buy nothing: the existing inventory and the cloud cover every workload."
    )
    both = f", {num(n_both)} on both (split, sharded or HA parts)" if n_both else ""
    summary.append(
        f"Run {num(n_own)} workload(s) on own sites, {num(n_cloud)} in the cloud{both}, "
        f"for {money(plan.kpis['monthly_total_usd'])}/month."
    )
    if best is not None:
        share = f" ({pct(best['share'])})" if best["share"] is not None else ""
        summary.append(
            f"That is {money(best['saving_usd'])}/month{share} less than {best['name']}, "
            "the cheapest baseline that meets every limit."
            if best["saving_usd"] >= 0
            else f"The {best['name']} baseline is {money(-best['saving_usd'])}/month cheaper: "
            "the solver stopped before proving optimality."
        )
    else:
        summary.append("No baseline meets every limit, so there is no valid saving to quote.")
    relax_note = {
        "none": "No budget, power, space, purchase cap or risk/carbon cap binds: relaxing one "
        "would not lower the cost. Prices, policies and SLOs shape this plan.",
        "computed": "Each binding limit was relaxed by one step and the plan re-solved; the "
        "saving is per month.",
        "partial": f"Only some binding limits were re-solved; the others were not computed "
        f"({reason}).",
        "not computed": f"The value of relaxing these limits was not computed for this plan "
        f"({reason})."
        + (
            ""
            if "sensitivity" in reason
            else " A longer --time-limit leaves time for it."
            if "time limit" in reason
            else " advisor plan --sensitivity computes it."
        ),
    }[state]
    return {
        "summary": " ".join(summary),
        "buy": buys[:LISTED],
        "buy_more": max(len(buys) - LISTED, 0),
        "cloud": cloud[:LISTED],
        "cloud_more": max(len(cloud) - LISTED, 0),
        "sites": sites[:LISTED],
        "sites_more": max(len(sites) - LISTED, 0),
        "binding": binding,
        "sensitivity_state": state,
        "relax_note": relax_note,
        "forced": _forced(plan),
        "tight_slos": _tight_slos(plan),
        "slo_tight_share": SLO_TIGHT,
    }
