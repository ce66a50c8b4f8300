"""``solve(scenario) -> Plan``: options, formulation, solve, and every result frame."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from advisor.catalog import Catalog
from advisor.errors import InfeasibleScenario, InvalidScenario, SolverLimitReached
from advisor.milp import SolverSettings, solve_problem, start_from
from advisor.milp.formulate import formulate, objective_factor
from advisor.options import OptionSet, build_options
from advisor.plan.assemble import assignments_frame, budget_usage, purchases_frame, site_usage
from advisor.plan.baselines import baselines
from advisor.plan.explain import alternatives
from advisor.plan.infeasible import elastic_conflicts, presolve_conflicts
from advisor.plan.result import Plan
from advisor.plan.sensitivity import binding_limits, not_computed, value_of_relaxing
from advisor.schema.errors import issues_from_validation
from advisor.schema.load import catalog_for
from advisor.schema.scenario import Scenario
from advisor.schema.sourcemap import SourceMap


def solve(
    scenario: Scenario,
    catalog: Catalog | None = None,
    *,
    solver: str | None = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    objective: str | None = None,
    sensitivity: bool | None = None,
    progress: Any = None,
    options: OptionSet | None = None,
    warm_from: Any = None,
) -> Plan:
    """Find the cheapest compliant placement of every workload.

    ``time_limit_s`` (default: the scenario's ``settings.time_limit_s``) bounds the whole
    call: option building, the solve and, when asked for, the sensitivity re-solves (the
    solver gets what is left after the options, minus a reserve for the explanations).
    ``sensitivity``: also compute the value of relaxing each binding limit (warm-started
    re-solves within the same time limit); default off, see :meth:`Plan.sensitivity`, which
    computes it on demand. Without it the plan lists the binding limits as not computed.
    ``options`` lets a caller that already built the option set for exactly this scenario
    (the what-if cache, :class:`advisor.whatif.Resolver`) skip rebuilding it.
    ``warm_from``: a neighbouring solved Plan, or its ``(assignments, purchases)`` frames;
    its placement, matched by option key, is offered to the solver as a first incumbent
    (what-if sweeps, Pareto and Monte Carlo points start from the nearest solved plan).
    Raises :class:`InfeasibleScenario` (with conflicts) or :class:`SolverLimitReached`.
    """
    t0 = time.perf_counter()
    scn = with_settings_used(
        scenario, objective=objective, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap
    )
    s = scn.settings
    settings = SolverSettings(solver=s.solver, time_limit_s=s.time_limit_s, mip_gap=s.mip_gap)
    cat = catalog if catalog is not None else catalog_for(scn)
    _step(progress, "building options")
    opts = options if options is not None else build_options(scn, cat)
    conflicts = presolve_conflicts(opts)
    if conflicts:
        raise InfeasibleScenario(conflicts, report={"scenario": scn, "options": opts})
    _step(progress, f"solving ({len(opts.options):,} options)")
    problem = formulate(scn, opts)
    total_s = settings.time_limit_s
    start = None
    if warm_from is not None:
        placement, bought = (
            (warm_from.assignments, warm_from.purchases)
            if isinstance(warm_from, Plan)
            else warm_from
        )
        start = start_from(problem, placement, bought)
    sol = solve_problem(problem, _left(settings, t0, total_s, EXPLAIN_RESERVE), start=start)
    if sol.status == "infeasible":
        _step(progress, "infeasible: elastic re-solve to find the smallest shortfall")
        found, elastic = elastic_conflicts(problem, _left(settings, t0, total_s, 0.0))
        if not elastic.has_plan:
            raise SolverLimitReached(
                f"the solver reported infeasible and the elastic re-solve ended {elastic.status}; "
                "raise settings.time_limit_s to get a diagnosis"
            )
        raise InfeasibleScenario(found, report={"scenario": scn, "options": opts})
    if not sol.has_plan or sol.objective is None:
        raise SolverLimitReached(
            f"the solver stopped ({sol.status}) after {sol.solve_seconds:.1f} s without a feasible plan; "
            "raise settings.time_limit_s or relax the gap",
        )
    _step(progress, "explaining")
    purchases = purchases_frame(problem, sol)
    assignments = assignments_frame(problem, sol, purchases)
    usage = site_usage(scn, problem, assignments, purchases)
    budgets = budget_usage(scn, assignments, purchases, sol, problem)
    months = objective_factor(scn)
    kpis = _kpis(scn, assignments, purchases, sol)
    base = baselines(scn, opts, problem, kpis["monthly_total_usd"])
    items = binding_limits(problem, sol, usage, budgets)
    if sensitivity:
        _step(progress, f"sensitivity ({min(len(items), SENSITIVITY_LIMITS)} re-solves)")
        left = total_s - (time.perf_counter() - t0)
        sens = value_of_relaxing(
            problem, sol, settings, items, months, SENSITIVITY_LIMITS, time_budget_s=left
        )
    else:
        sens = not_computed(items, "on demand: --sensitivity or plan.sensitivity()")
    t1 = time.perf_counter()
    return Plan(
        scenario=scn,
        status=sol.status,
        objective=float(sol.objective),
        best_bound=sol.best_bound,
        gap=sol.gap,
        solver=sol.solver,
        assignments=assignments,
        purchases=purchases,
        site_usage=usage,
        budget_usage=budgets,
        alternatives=alternatives(opts, assignments),
        baselines=base,
        relaxing=sens,
        flows_usd=dict(sol.flow_usd),
        kpis=kpis,
        options=opts,
        problem=problem,
        solution=sol,
        timings={
            "options_seconds": opts.stats["build_seconds"],
            "model_build_seconds": sol.build_seconds,
            "solve_seconds": sol.solve_seconds,
            "total_seconds": t1
            - t0
            + (opts.stats["build_seconds"] if options is not None else 0.0),
        },
    )


def with_settings_used(scenario: Scenario, **overrides: Any) -> Scenario:
    """``scenario`` whose settings are the ones this solve uses (arguments such as the CLI's
    ``--time-limit`` override the file), validated against the same ranges; so the plan, its
    report and plan.json show what was actually used."""
    given = {k: v for k, v in overrides.items() if v is not None}
    if not given:
        return scenario
    try:
        settings = type(scenario.settings).model_validate(scenario.settings.model_dump() | given)
    except ValidationError as exc:
        raise InvalidScenario(
            issues_from_validation(exc, SourceMap("<solve arguments>"), type(scenario.settings))
        ) from None
    return scenario.model_copy(update={"settings": settings})


SENSITIVITY_LIMITS = 6
"""Binding limits re-solved by the sensitivity analysis (the first ones found)."""
EXPLAIN_RESERVE = 0.1
"""Share of the time limit kept back from the solver for the explanations and outputs."""


def _left(settings: SolverSettings, t0: float, total_s: float, reserve: float) -> SolverSettings:
    """The settings with the time left of ``total_s`` since ``t0``, minus the reserve share."""
    left = total_s * (1.0 - reserve) - (time.perf_counter() - t0)
    return replace(settings, time_limit_s=max(left, MIN_SOLVE_S))


MIN_SOLVE_S = 0.5
"""The solver always gets at least this long (reported if the limit is already spent)."""


def _kpis(scn: Scenario, a, purchases, sol) -> dict:
    flows = float(sum(sol.flow_usd.values()))
    opex = float(a["opex_usd"].sum()) + flows
    amort = float(purchases["amortised_usd_per_month"].sum()) if len(purchases) else 0.0
    capex = float(purchases["capex_usd"].sum()) if len(purchases) else 0.0
    h = scn.settings.horizon_months
    horizon_capex = amort * h  # = P min(h, L) / L per box (monthly amortised is P / max(L, h))
    counts = a.drop_duplicates("workload").groupby("tier").size()
    return {
        "workloads": int(a["workload"].nunique()),
        "units": len(a),
        "monthly_opex_usd": opex,
        "monthly_capex_amortised_usd": amort,
        "monthly_total_usd": opex + amort,
        "horizon_months": h,
        "horizon_tco_usd": opex * h + horizon_capex,
        "capex_usd": capex,
        "flows_usd_per_month": flows,
        "privacy_risk": float(a["risk"].sum()),
        "carbon_kg_per_month": float(a["carbon_kg"].sum()),
        "workloads_per_tier": {t: int(counts.get(t, 0)) for t in ("local", "edge", "cloud")},
    }


def _step(progress: Any, text: str) -> None:
    if progress is not None:
        progress(text)
