"""The :class:`Plan`: a new object holding everything the solver decided and why."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from advisor.plan.explain import explain_text
from advisor.plan.federated import federated_document

if TYPE_CHECKING:
    from advisor.catalog import Catalog
    from advisor.milp import Problem, Solution
    from advisor.options import OptionSet
    from advisor.plan.burst import BurstComparison
    from advisor.plan.centralised import CentralisedComparison
    from advisor.plan.deadline import Deadline
    from advisor.schema.scenario import Scenario

PLAN_SCHEMA_VERSION = 1


@dataclass(frozen=True, eq=False)
class Plan:
    """A placement plan. Never a mutation of the scenario; every frame is tidy with units."""

    scenario: Scenario
    status: str
    objective: float
    best_bound: float | None
    gap: float | None
    solver: str
    assignments: pd.DataFrame
    purchases: pd.DataFrame
    site_usage: pd.DataFrame
    budget_usage: pd.DataFrame
    alternatives: pd.DataFrame
    baselines: pd.DataFrame
    relaxing: pd.DataFrame
    """Value of relaxing each binding limit; ``method`` says whether it was computed."""
    flows_usd: dict[str, float]
    kpis: dict[str, Any]
    options: OptionSet = field(repr=False)
    problem: Problem = field(repr=False)
    solution: Solution = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict)
    """Wall seconds of the solve's steps: ``options_seconds``, ``formulate_seconds``,
    ``solve_wall_seconds`` (the solver call: model arrays, reductions, HiGHS or CBC; of it
    ``model_build_seconds`` and ``solve_seconds`` as the solver reports them),
    ``explain_seconds`` (frames, KPIs, baselines, binding limits, alternatives),
    ``comparisons_seconds`` (the split comparison, listing the binding limits, and the
    sensitivity re-solves when asked for) and ``total_seconds``. Never in plan.json (same input, same output)."""
    idle_capacity: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Fixed cost (idle power + ops) and carbon of installed boxes no workload uses."""
    burst_parts: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The parts of split workloads (:func:`advisor.plan.burst.burst_parts`); empty if none."""
    burst_comparison: BurstComparison | None = None
    """The plan against the best placement with the split workloads kept whole; None when
    no workload is split."""
    base_catalog: Catalog | None = field(default=None, repr=False)
    """The catalog the plan was solved with, before the scenario's overrides (what the
    centralised comparison is priced with; ``options.catalog`` has the overrides applied)."""
    centralised_comparison: CentralisedComparison | None = field(default=None, repr=False)
    """Set by :meth:`with_centralised` (within a time limit); else :attr:`centralised`
    computes it on first use."""

    @property
    def sensitivity_computed(self) -> bool:
        return (
            bool(len(self.relaxing))
            and not self.relaxing["method"].str.startswith("not computed").any()
        )

    def sensitivity(self, time_limit_s: float | None = None) -> pd.DataFrame:
        """The value of relaxing each binding limit (USD per month), computed on demand:
        one re-solve per limit, warm-started from this plan, all within ``time_limit_s``
        (default: the scenario's ``settings.time_limit_s``)."""
        return self.with_sensitivity(time_limit_s).relaxing

    def with_sensitivity(
        self, time_limit_s: float | None = None, *, deadline: Deadline | None = None
    ) -> Plan:
        """A new Plan whose ``relaxing`` table is computed (this one if it already is), by
        ``deadline`` if given (the ``plan`` command's), else within ``time_limit_s``."""
        if self.sensitivity_computed or not len(self.relaxing):
            return self
        from advisor.plan.sensitivity import relax_plan

        return self._replace(relaxing=relax_plan(self, time_limit_s, deadline))

    def with_centralised(
        self, time_limit_s: float | None = None, *, deadline: Deadline | None = None
    ) -> Plan:
        """A new Plan whose federated-vs-centralised comparison is made now, by ``deadline``
        if given, else within ``time_limit_s`` (default: the scenario's); when too little
        time is left it says ``not computed (time limit reached: ...)``. This plan if it
        has no federated workload or the comparison is already made."""
        if self.centralised_comparison is not None or "_centralised_lazy" in self.__dict__:
            return self
        if not any(w.federated is not None for w in self.scenario.workloads):
            return self
        from advisor.plan.centralised import compare_centralised
        from advisor.plan.deadline import Deadline

        limit = self.scenario.settings.time_limit_s if time_limit_s is None else time_limit_s
        clock = deadline if deadline is not None else Deadline.start(limit)
        return self._replace(centralised_comparison=compare_centralised(self, deadline=clock))

    def _replace(self, **changes: Any) -> Plan:
        """A copy with ``changes``; a centralised comparison already made comes along."""
        from dataclasses import replace

        made = self.__dict__.get("_centralised_lazy")
        if made is not None and "centralised_comparison" not in changes:
            changes["centralised_comparison"] = made
        return replace(self, **changes)

    @property
    def proven_optimal(self) -> bool:
        return self.status == "optimal"

    @property
    def rejections(self) -> pd.DataFrame:
        """The audit trail: every rejected combination with its rule and detail."""
        return self.options.rejections

    def explain(self, workload: str) -> str:
        """Why ``workload`` went where it did, its alternatives, and what rejected the rest;
        for a split workload, its parts and what the split saves."""
        from advisor.plan.binding import why_not_used
        from advisor.plan.burst import explain_split
        from advisor.plan.cascade import explain_lines
        from advisor.plan.federated import federated_lines
        from advisor.plan.owned import inventory_of

        text = explain_text(
            self.options,
            self.assignments,
            self.alternatives,
            workload,
            reasons=lambda unit, target, sku, team: why_not_used(self, unit, target, sku, team),
            purchases=self.purchases,
            inventory=inventory_of(self.scenario),
        )
        text = "\n".join([*federated_lines(self, workload), text]) + explain_split(
            self.burst_parts, self.burst_comparison, workload
        )
        cascade = explain_lines(self.cascades, workload)
        return "\n".join([text, *cascade]) if cascade else text

    @property
    def cascades(self) -> pd.DataFrame:
        """One row per escalation edge: fraction, derived demand, inherited data rules, where
        both ends landed, traffic and its cost (:mod:`advisor.plan.cascade`)."""
        from advisor.plan.cascade import plan_cascades

        return plan_cascades(self)

    def summary(self) -> pd.DataFrame:
        """One row per tier: workloads, monthly cost split, carbon."""
        a = self.assignments
        g = a.groupby("tier").agg(
            workloads=("workload", "nunique"),
            opex_usd=("opex_usd", "sum"),
            capex_usd=("capex_usd", "sum"),
            total_usd=("total_usd", "sum"),
            carbon_kg=("carbon_kg", "sum"),
        )
        g.attrs["unit"] = "USD per month, kgCO2e per month"
        return g.reindex([t for t in ("local", "edge", "cloud") if t in g.index])

    @property
    def figures(self):
        from advisor.report.figures import PlanFigures

        return PlanFigures(self)

    def write_report(self, path: str | Path) -> Path:
        """Write the self-contained, offline HTML report to ``path``; returns the path.

        >>> import advisor, tempfile, pathlib
        >>> plan = advisor.solve(advisor.load_scenario(advisor.example_path("eu-insurer")))
        >>> out = plan.write_report(pathlib.Path(tempfile.mkdtemp()) / "report.html")
        >>> out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        True
        """
        from advisor.report import write_report

        return write_report(self, path)

    @property
    def deployment(self) -> pd.DataFrame:
        """What deploying each placement unit takes (kind, replicas, per-replica requests,
        spot, HA group), as ``advisor export`` uses it; see :mod:`advisor.plan.deployment`."""
        from advisor.plan.deployment import deployment_frame

        return deployment_frame(self)

    @property
    def centralised(self) -> CentralisedComparison | None:
        """Federated training vs the same jobs trained in one place (one extra solve, made
        once, only for a plan with a federated workload; None otherwise); see
        :mod:`advisor.plan.centralised`. Made on first use within the scenario's time
        limit, unless :meth:`with_centralised` made it already."""
        if self.centralised_comparison is not None:
            return self.centralised_comparison
        return self._centralised_lazy

    @cached_property
    def _centralised_lazy(self) -> CentralisedComparison | None:
        from advisor.plan.centralised import compare_centralised

        return compare_centralised(self)

    def export(self, to: str, out: str | Path) -> dict[str, Path]:
        """Write deployment files for this plan (``skypilot``, ``kubernetes`` or
        ``terraform``) into ``out`` as one output set; the paths written."""
        from advisor.export import export_plan

        return export_plan(self, to, out)

    def to_dict(self) -> dict[str, Any]:
        """The versioned, deterministic ``plan.json`` content (no timings, no paths); it
        carries the validated scenario (``scenario_input``) so that ``advisor verify`` can
        re-check it alone."""
        from advisor import __version__

        frames = {
            "assignments": self.assignments,
            "purchases": self.purchases,
            "idle_capacity": self.idle_capacity,
            "budgets": self.budget_usage,
            "site_usage": self.site_usage,
            "baselines": self.baselines.drop(columns=["missing"]),
            "sensitivity": self.relaxing,
            "deployment": self.deployment,
            "cascades": self.cascades,
        }
        doc = _clean(
            {
                "plan_schema_version": PLAN_SCHEMA_VERSION,
                "advisor_version": __version__,
                "catalog_version": self.options.catalog.version,
                "scenario": self.scenario.name,
                "objective_kind": self.scenario.settings.objective,
                "horizon_months": self.scenario.settings.horizon_months,
                "status": self.status,
                "proven_optimal": self.proven_optimal,
                "objective": self.objective,
                "best_bound": self.best_bound,
                "gap": self.gap,
                "solver": self.solver,
                "kpis": self.kpis,
                "flows_usd_per_month": self.flows_usd,
                "scenario_input": self.scenario.model_dump(
                    mode="json", exclude_defaults=True, exclude={"workload_inventories"}
                ),
                "burst": {
                    "parts": self.burst_parts.to_dict(orient="records"),
                    "comparison": (
                        None if self.burst_comparison is None else self.burst_comparison.to_dict()
                    ),
                },
                **federated_document(self),
            }
        )
        return doc | {k: _records(f) for k, f in frames.items()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"

    def _repr_html_(self) -> str:
        from advisor.report.notebook import plan_html

        return plan_html(self)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``_clean(frame.to_dict(orient="records"))``, cleaned a column at a time: numpy float,
    integer and bool columns in one array operation each (a plan of 10,000 workloads has half
    a million such values), any other column value by value."""
    columns: dict[str, list[Any]] = {}
    for name in frame.columns:
        col = frame[name]
        kind = col.dtype.kind if isinstance(col.dtype, np.dtype) else ""
        if kind == "f":
            v = col.to_numpy(dtype=float) + 0.0  # -0.0 -> 0.0
            out = v.astype(object)
            out[np.isnan(v)] = None
            out[np.isposinf(v)] = "Infinity"
            out[np.isneginf(v)] = "-Infinity"
            columns[str(name)] = out.tolist()
        elif kind in ("i", "u", "b"):
            columns[str(name)] = col.to_numpy().tolist()
        else:
            columns[str(name)] = [_clean(x) for x in col.tolist()]
    if not columns:
        return [{} for _ in range(len(frame))]
    keys = list(columns)
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _clean(value: Any) -> Any:
    """JSON-safe and deterministic: floats at full precision (``repr`` round-trips, so a saved
    plan re-checks exactly), ``±inf`` as the strings ``"Infinity"``/``"-Infinity"`` (JSON has
    no infinity; :func:`advisor.plan.compare.load_plan_json` reads them back), nan as None,
    numpy unwrapped."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if np.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if np.isnan(value):
            return None
        return value + 0.0  # -0.0 -> 0.0
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value
