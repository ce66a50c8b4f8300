"""The report's burst section: each split workload's parts and what the split saves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.plan.result import Plan


def burst_section(plan: Plan) -> dict[str, Any] | None:
    """Parts per split workload and the single-target comparison; None when nothing is split."""
    parts = plan.burst_parts
    if not len(parts):
        return None
    c = plan.burst_comparison
    workloads = [
        {
            "workload": wid,
            "parts": g.to_dict(orient="records"),
            "total_usd": float(g["monthly_usd"].sum()),
            "single": (c.placements.get(str(wid), "") if c is not None else ""),
        }
        for wid, g in parts.groupby("workload", sort=False)
    ]
    return {
        "workloads": workloads,
        "computed": c is not None and c.computed,
        "not_computed": c.status if c is not None and not c.computed else "",
        "feasible": c is not None and c.saving_usd_per_month is not None,
        "saving_usd": None if c is None else c.saving_usd_per_month,
        "single_usd": None if c is None else c.single_monthly_usd,
        "plan_usd": plan.kpis["monthly_total_usd"],
        "status": "" if c is None else c.status,
        "method": "" if c is None else c.method,
    }
