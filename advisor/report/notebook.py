"""Compact HTML for Jupyter (``Plan._repr_html_``): summary tables only, no plotly.js, no script."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advisor.report import stats
from advisor.report.burst import burst_section
from advisor.report.render import render
from advisor.report.view import headline, records

if TYPE_CHECKING:
    from advisor.plan import Plan
    from advisor.schema.scenario import Scenario

ROWS = 20
"""Workload rows shown inline; the full table is in ``plan.assignments``."""


def plan_html(plan: Plan) -> str:
    """Headline KPIs, baselines, tier counts and the first placements of a plan."""
    a = plan.assignments
    cols = ["unit", "tier", "target", "hardware", "pricing", "total_usd", "latency_ms", "slo_ms"]
    return render(
        "notebook_plan.html.j2",
        name=plan.scenario.name,
        h=headline(plan),
        cost=records(stats.cost_by_component(plan)),
        rows=records(a[cols].head(ROWS)),
        more=max(len(a) - ROWS, 0),
        burst=burst_section(plan),
    )


def scenario_html(scn: Scenario) -> str:
    """What a scenario asks for: sites, workloads by class and team, budgets."""
    workloads = [
        {
            "id": w.id,
            "name": w.name,
            "team": w.team,
            "kind": w.kind,
            "classification": w.data.classification,
            "residency": ", ".join(w.data.residency) or "anywhere",
            "slo_ms": w.latency_slo_ms,
        }
        for w in scn.workloads[:ROWS]
    ]
    return render(
        "notebook_scenario.html.j2",
        scn=scn,
        sites=[
            {"id": s.id, "kind": s.kind, "country": s.country, "name": s.name} for s in scn.sites
        ],
        workloads=workloads,
        more=max(len(scn.workloads) - ROWS, 0),
        budgets=[b.model_dump() for b in scn.budgets],
    )


def comparison_html(a: Any, b: Any = None) -> str:
    """Two plans (or an ``advisor.plan.compare.Comparison``): totals and what moved."""
    from advisor.report.comparison import as_comparison, kpi_table

    comp = as_comparison(a, b)
    moved = comp.units[comp.units["moved"]]
    return render(
        "notebook_comparison.html.j2",
        comp={
            "name_a": comp.name_a,
            "name_b": comp.name_b,
            "delta": comp.delta_usd_per_month,
            "moved": len(moved),
            "units": len(comp.units),
        },
        kpis=records(kpi_table(comp)),
        moved=records(moved.head(ROWS)),
        more=max(len(moved) - ROWS, 0),
    )
