"""The files each command writes, rendered as text and written as one whole output set.

The plan stage knows nothing of files or HTML: this module turns a :class:`~advisor.plan.Plan`
into ``plan.json``, ``plan.csv``, ``report.html`` and ``focus.csv`` and hands them to
:func:`advisor.safeio.write_output_set`, which switches them into the folder together.
Every CSV goes through :func:`advisor.safeio.csv_text` (formula-injection neutralisation).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.safeio import OutputSet, csv_text, write_output_set

if TYPE_CHECKING:
    from advisor.errors import InfeasibleScenario
    from advisor.plan import Plan

PLAN_FILES = ("plan.json", "plan.csv", "report.html", "focus.csv")
"""What ``advisor plan`` owns in its folder (an infeasible run replaces them all)."""


def plan_csv(plan: Plan) -> str:
    """The assignments table as CSV (floats at 6 decimals, stable order, cells neutralised)."""
    return csv_text(plan.assignments, float_format="%.6f")


def plan_outputs(plan: Plan) -> dict[str, str]:
    """Every file of a solved plan, as text, keyed by file name."""
    from advisor.report.focus import focus_frame
    from advisor.report.write import report_html

    return {
        "plan.json": plan.to_json(),
        "plan.csv": plan_csv(plan),
        "report.html": report_html(plan),
        "focus.csv": csv_text(focus_frame(plan)),
    }


def write_plan_outputs(
    plan: Plan, folder: str | Path, on_wait: Callable[[str], None] | None = None
) -> dict[str, Path]:
    """Write :func:`plan_outputs` into ``folder`` as one set; the paths written."""
    written: OutputSet = write_output_set(
        folder, plan_outputs(plan), owns=PLAN_FILES, command="plan", on_wait=on_wait
    )
    return written.files


def write_infeasible_outputs(
    exc: InfeasibleScenario, folder: str | Path, on_wait: Callable[[str], None] | None = None
) -> Path:
    """Write the infeasibility report as ``report.html`` (dropping the last plan's files)."""
    from advisor.report.write import infeasible_html

    written = write_output_set(
        folder,
        {"report.html": infeasible_html(exc)},
        owns=PLAN_FILES,
        command="plan",
        on_wait=on_wait,
    )
    return written.files["report.html"]
