"""The three HTML reports: a plan, a comparison of two plans, and an infeasible scenario."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.report.render import render
from advisor.safeio import atomic_write_text

if TYPE_CHECKING:
    from advisor.errors import InfeasibleScenario
    from advisor.plan import Plan


def report_html(plan: Plan) -> str:
    """The plan report as one self-contained HTML string."""
    from advisor.report.view import plan_view

    return render("report.html.j2", **plan_view(plan))


def write_report(plan: Plan, path: str | Path) -> Path:
    """Write the plan report to ``path`` (atomically; parent folders are created)."""
    return atomic_write_text(path, report_html(plan))


def comparison_html(plan_a: Any, plan_b: Any) -> str:
    """The comparison report: ``plan_a``/``plan_b`` are Plans or ``plan.json`` dicts."""
    from advisor.report.comparison import comparison_view

    return render("comparison.html.j2", **comparison_view(plan_a, plan_b))


def write_comparison_report(plan_a: Any, plan_b: Any, path: str | Path | None = None) -> Path:
    """Write what moved between two plans, the cost delta and why, to ``path``.

    Also accepts ``write_comparison_report(comparison, path)`` with an
    :class:`advisor.plan.compare.Comparison` (as ``advisor compare`` builds it).
    """
    if path is None:
        comp, path = plan_a, plan_b
        return atomic_write_text(path, comparison_html(comp, None))
    return atomic_write_text(path, comparison_html(plan_a, plan_b))


def infeasible_html(exc: InfeasibleScenario) -> str:
    from advisor.report.infeasible import infeasible_view

    return render("infeasible.html.j2", **infeasible_view(exc))


def write_infeasible_report(exc: InfeasibleScenario, path: str | Path) -> Path:
    """Write why no plan exists (conflicts, rules per workload, what to relax) to ``path``."""
    return atomic_write_text(path, infeasible_html(exc))
