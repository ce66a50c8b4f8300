"""Solve one variant into a small, picklable :class:`Outcome` (what sweeps and Monte Carlo
ship between processes), never raising for an infeasible variant."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from advisor.errors import InfeasibleScenario, InvalidScenario, SolverLimitReached
from advisor.schema.scenario import Scenario
from advisor.whatif.cache import Resolver

PLACEMENT_COLUMNS = [
    "unit",
    "workload",
    "tier",
    "target",
    "hardware",
    "precision",
    "pricing",
    "units",
    "opex_usd",
    "total_usd",
    "latency_ms",
    "risk",
    "carbon_kg",
]
KPI_COLUMNS = [
    "monthly_total_usd",
    "horizon_tco_usd",
    "monthly_opex_usd",
    "monthly_capex_amortised_usd",
    "capex_usd",
    "privacy_risk",
    "carbon_kg_per_month",
]

_WORKER_RESOLVER = Resolver()
"""One cache per process: pool and Dask workers reuse it across the tasks they run."""


@dataclass(frozen=True, eq=False)
class Outcome:
    """What one solved variant returns: status, KPIs, the placement and purchases."""

    status: str
    """``optimal``, ``time_limit`` (feasible, not proven), ``infeasible`` or ``no_plan``."""
    message: str = ""
    kpis: dict[str, Any] = field(default_factory=dict)
    placement: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PLACEMENT_COLUMNS))
    purchases: pd.DataFrame = field(default_factory=pd.DataFrame)
    flows_usd_per_month: float = 0.0
    gap: float | None = None
    seconds: float = 0.0
    plan: Any = None

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "time_limit")

    def targets(self) -> dict[str, str]:
        """Workload -> target(s) it runs on (HA groups joined with ``+``)."""
        p = self.placement
        return p.groupby("workload")["target"].agg(lambda t: "+".join(sorted(t))).to_dict()

    def row(self) -> dict[str, Any]:
        """KPIs flattened for a tidy frame (NaN when there is no plan)."""
        k = self.kpis
        out: dict[str, Any] = {"status": self.status}
        for c in KPI_COLUMNS:
            out[c] = float(k[c]) if c in k else float("nan")
        tiers = k.get("workloads_per_tier", {})
        for t in ("local", "edge", "cloud"):
            out[f"workloads_{t}"] = int(tiers[t]) if self.has_plan else pd.NA
        lat = self.placement["latency_ms"]
        out["latency_ms_max"] = float(lat.max()) if self.has_plan and len(lat) else float("nan")
        out["gap"] = self.gap
        out["seconds"] = self.seconds
        out["message"] = self.message
        return out


def solve_outcome(
    scn: Scenario,
    *,
    resolver: Resolver | None = None,
    keep_plan: bool = False,
    **solve_kw: Any,
) -> Outcome:
    """Solve ``scn`` (sensitivity off unless asked) and summarise; infeasible is an outcome."""
    r = resolver or _WORKER_RESOLVER
    t0 = time.perf_counter()
    solve_kw.setdefault("sensitivity", False)
    solve_kw.setdefault("split_comparison", False)  # a point needs its own plan only
    try:
        plan = r.solve(scn, **solve_kw)
    except InfeasibleScenario as exc:
        first = "; ".join(c.format() for c in exc.conflicts[:3])
        return Outcome("infeasible", first, seconds=time.perf_counter() - t0)
    except (SolverLimitReached, InvalidScenario) as exc:
        return Outcome("no_plan", str(exc).splitlines()[0], seconds=time.perf_counter() - t0)
    a = plan.assignments
    placement = a.reindex(columns=PLACEMENT_COLUMNS).reset_index(drop=True)
    return Outcome(
        status="optimal" if plan.proven_optimal else "time_limit",
        kpis=dict(plan.kpis),
        placement=placement,
        purchases=plan.purchases.reset_index(drop=True),
        flows_usd_per_month=float(plan.kpis["flows_usd_per_month"]),
        gap=plan.gap,
        seconds=time.perf_counter() - t0,
        plan=plan if keep_plan else None,
    )


def solve_task(task: tuple[Scenario, dict[str, Any]]) -> Outcome:
    """Module-level (picklable) entry point for pool and Dask workers."""
    scn, kw = task
    return solve_outcome(scn, **kw)


CHAIN = 8
"""Consecutive points one task solves in order, each warm-started from the one before. A
fixed length (not the worker count) keeps the results the same on every engine."""


def chains(scenarios: list[Scenario], kw: dict[str, Any]) -> list[tuple[list[Scenario], dict]]:
    """The points cut into :data:`CHAIN`-long runs of neighbours (input order kept)."""
    return [(scenarios[i : i + CHAIN], kw) for i in range(0, len(scenarios), CHAIN)]


def solve_chain_task(task: tuple[list[Scenario], dict[str, Any]]) -> list[Outcome]:
    """Solve neighbouring points in order; each starts from the last plan found (its
    placement and purchases, matched by option key: see :mod:`advisor.milp.warm`)."""
    scns, kw = task
    out: list[Outcome] = []
    prev = kw.get("warm_from")
    for scn in scns:
        o = solve_outcome(scn, **{**kw, "warm_from": prev})
        if o.has_plan:
            prev = (o.placement, o.purchases)
        out.append(o)
    return out


def moved(base: Outcome, other: Outcome) -> list[str]:
    """Workloads whose target differs between two outcomes (sorted)."""
    if not (base.has_plan and other.has_plan):
        return []
    a, b = base.targets(), other.targets()
    return sorted(w for w in a if b.get(w) != a[w])
