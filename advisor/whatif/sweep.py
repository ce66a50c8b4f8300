"""``advisor.sweep``: solve the scenario once per value of one parameter.

Each point is a full re-optimisation of the edited scenario (not a re-costing of one plan),
so it answers "what would the best plan be if ...". ``moved`` lists the workloads whose
target differs from the plan of the unedited scenario.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from advisor.errors import InvalidScenario
from advisor.report.notebook_figure import returns_notebook_figure
from advisor.schema.scenario import Scenario
from advisor.whatif import cascade
from advisor.whatif.engines import run_tasks
from advisor.whatif.parameters import Edit, Parameter, parse
from advisor.whatif.runner import Outcome, chains, moved, solve_chain_task


@dataclass(frozen=True, eq=False)
class SweepResult:
    """One tidy row per value, the unedited baseline, and (optionally) each point's plan."""

    parameter: Parameter
    frame: pd.DataFrame
    baseline: Outcome
    outcomes: tuple[Outcome, ...] = field(repr=False)
    reference: Outcome | None = field(default=None, repr=False)
    """``escalation:<id>`` sweeps: the no-cascade alternative (:mod:`advisor.whatif.cascade`)."""
    reference_label: str = ""
    """What ``reference`` is, in words (or why it was not computed)."""

    @property
    def baseline_plan(self) -> Any:
        """The unedited scenario's :class:`~advisor.Plan` (``keep_plans=True``)."""
        return self.baseline.plan

    @property
    def plans(self) -> list[Any]:
        """Each point's :class:`~advisor.Plan` (``keep_plans=True``; ``None`` if infeasible)."""
        return [o.plan for o in self.outcomes]

    @returns_notebook_figure
    def figure(self):
        """Monthly cost against the value, and how many workloads sit in each tier."""
        from advisor.whatif.figures import sweep_figure

        return sweep_figure(self)

    def write_report(self, path: str | Path, scenario_name: str = "") -> Path:
        """Write the sweep's HTML report (what varied, points, the distinct plans) to ``path``."""
        from advisor.whatif.report import write_sweep_report

        return write_sweep_report(self, path, scenario_name)

    def _repr_html_(self) -> str:
        from advisor.whatif.figures import frame_html

        return frame_html(
            f"Sweep of {self.parameter.label}",
            self.frame.drop(columns=["seconds"]),
            note=f"baseline monthly total: {self.baseline.row()['monthly_total_usd']:,.0f} USD",
        )


def sweep(
    scenario: Scenario,
    parameter: str | Edit,
    values: Iterable[Any],
    *,
    engine: str = "local",
    scheduler: Any = None,
    workers: int | None = None,
    progress: bool = True,
    keep_plans: bool = False,
    **solve_kw: Any,
) -> SweepResult:
    """Re-solve ``scenario`` for each value of ``parameter`` (see
    :mod:`advisor.whatif.parameters`) on the chosen engine (:mod:`advisor.whatif.engines`).

    >>> import advisor
    >>> scn = advisor.load_scenario(advisor.example_path("eu-insurer"))
    >>> s = advisor.sweep(scn, "price:azure", [0.5, 1.0], engine="inline", progress=False)
    >>> list(s.frame["value"]), list(s.frame["status"])
    ([0.5, 1.0], ['optimal', 'optimal'])
    """
    param = parse(parameter)
    values = list(values)
    variants = [param.apply(scenario, v) for v in values]
    alternative, ref_label = _no_cascade(scenario, param.name)
    extra = [alternative] if alternative is not None else []
    outcomes = _solve_all(
        [scenario, *variants, *extra], keep_plans, engine, scheduler, workers, progress, solve_kw
    )
    base, points = outcomes[0], outcomes[1 : 1 + len(values)]
    reference = outcomes[-1] if extra else None
    rows = []
    for v, o in zip(values, points, strict=True):
        m = moved(base, o)
        rows.append({"parameter": param.name, "value": v, **o.row(), "moved": m, "n_moved": len(m)})
    frame = pd.DataFrame(rows)
    if param.name.startswith("escalation:"):
        ref_usd = reference.row()["monthly_total_usd"] if reference is not None else float("nan")
        frame = cascade.compare_frame(frame, ref_usd)
        if reference is not None and not reference.has_plan:
            ref_label += f" (no plan: {reference.message.splitlines()[0] if reference.message else reference.status})"
    return SweepResult(param, frame, base, tuple(points), reference, ref_label)


def _no_cascade(scenario: Scenario, name: str) -> tuple[Scenario | None, str]:
    """For ``escalation:<id>``: the no-cascade scenario and its label (or why there is none)."""
    if not name.startswith("escalation:"):
        return None, ""
    source = name.split(":", 1)[1]
    try:
        return cascade.no_cascade(scenario, source), cascade.label(scenario, source)
    except (cascade.NoAlternative, InvalidScenario) as exc:
        return None, f"no-cascade alternative not computed: {exc}"


def _solve_all(
    scenarios: Sequence[Scenario],
    keep_plans: bool,
    engine: str,
    scheduler: Any,
    workers: int | None,
    progress: bool,
    solve_kw: dict[str, Any],
) -> list[Outcome]:
    kw = {**solve_kw, "keep_plan": keep_plans}
    done = run_tasks(
        solve_chain_task,
        chains(list(scenarios), kw),
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        desc="sweep",
    )
    return [o for chain in done for o in chain]
