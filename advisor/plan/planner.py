"""``solve(scenario) -> Plan``: options, formulation, solve, and every result frame."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pandas as pd
from pydantic import ValidationError

from advisor.catalog import Catalog
from advisor.errors import InfeasibleScenario, InvalidScenario, SolverLimitReached
from advisor.milp import SolverSettings, solve_problem, start_from
from advisor.milp.formulate import formulate, objective_constant, objective_factor
from advisor.options import OptionSet, build_options
from advisor.options.burst import split_workloads
from advisor.plan.assemble import (
    assignments_frame,
    budget_usage,
    idle_capacity,
    purchases_frame,
    site_usage,
)
from advisor.plan.baselines import baselines
from advisor.plan.burst import burst_parts, single_target_comparison
from advisor.plan.deadline import Deadline, expected_solve_s
from advisor.plan.explain import alternatives
from advisor.plan.infeasible import elastic_conflicts, presolve_conflicts
from advisor.plan.price_provenance import with_price_provenance
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
    split_comparison: bool = True,
    deadline: Deadline | None = None,
) -> Plan:
    """Find the cheapest compliant placement of every workload.

    ``progress(text)`` is told each step; if it has a ``solver`` attribute, that callable gets
    the HiGHS incumbent, bound and gap while the MIP runs (see ``SolverSettings.progress``).

    ``time_limit_s`` (default: the scenario's ``settings.time_limit_s``) bounds the whole
    call (:mod:`advisor.plan.deadline`): option building, the solve, the explanations, the
    split comparison and, when asked for, the sensitivity re-solves. The solver gets what is
    left after the options minus a reserve for the explanations; when the options took it
    all, :class:`SolverLimitReached` says so. A comparison that no longer fits is recorded
    as ``not computed (time limit reached: ...)``. ``deadline``: a deadline already running
    (the ``plan`` command starts one before solving and spends the rest on the centralised
    comparison, the outputs and ``--sensitivity``); it replaces ``time_limit_s`` as the bound.
    ``sensitivity``: also compute the value of relaxing each binding limit (warm-started
    re-solves within the same time limit); default off, see :meth:`Plan.sensitivity`, which
    computes it on demand. Without it the plan lists the binding limits as not computed.
    ``options`` lets a caller that already built the option set for exactly this scenario
    (the what-if cache, :class:`advisor.whatif.Resolver`) skip rebuilding it.
    ``warm_from``: a neighbouring solved Plan, or its ``(assignments, purchases)`` frames;
    its placement, matched by option key, is offered to the solver as a first incumbent
    (what-if sweeps, Pareto and Monte Carlo points start from the nearest solved plan).
    ``split_comparison``: when a workload is ``split``, also solve once with the split off
    to say what the split saves (``Plan.burst_comparison``); what-if sweeps switch it off.
    Raises :class:`InfeasibleScenario` (with conflicts) or :class:`SolverLimitReached`.
    """
    t0 = time.perf_counter()
    scn = with_settings_used(
        scenario, objective=objective, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap
    )
    s = scn.settings
    clock = deadline if deadline is not None else Deadline.start(s.time_limit_s)
    settings = SolverSettings(solver=s.solver, time_limit_s=s.time_limit_s, mip_gap=s.mip_gap)
    cat = catalog if catalog is not None else catalog_for(scn)
    _step(progress, "building options")
    began = clock.elapsed_s()
    opts = options if options is not None else build_options(scn, cat)
    # durations as the deadline sees them: what a comparison that repeats them will need
    built_s = clock.elapsed_s() - began if options is None else opts.stats["build_seconds"]
    conflicts = presolve_conflicts(opts)
    if conflicts:
        raise InfeasibleScenario(conflicts, report={"scenario": scn, "options": opts})
    _step(progress, f"solving ({len(opts.options):,} options)")
    began = clock.elapsed_s()
    problem = formulate(scn, opts)
    formulated_s = clock.elapsed_s() - began
    start = None
    if warm_from is not None:
        placement, bought = (
            (warm_from.assignments, warm_from.purchases)
            if isinstance(warm_from, Plan)
            else warm_from
        )
        start = start_from(problem, placement, bought)
    clock = clock.sized_by(built_s)  # the explanations and outputs grow with the options
    solving = clock.keeping(clock.reserve_s)  # the explanations and outputs keep the rest
    if solving.left_s() <= 0:
        raise SolverLimitReached(_no_time_left(clock, opts))
    live = getattr(progress, "solver", None)  # incumbent / bound / gap while HiGHS runs
    timed = solving.for_solver(settings)
    began = clock.elapsed_s()
    sol = solve_problem(problem, replace(timed, progress=live) if live else timed, start=start)
    solved_s = clock.elapsed_s() - began
    if sol.status == "infeasible":
        _step(progress, "infeasible: elastic re-solve to find the smallest shortfall")
        found, elastic = elastic_conflicts(problem, settings, solving)
        if elastic is None or not elastic.has_plan:
            raise SolverLimitReached(
                "the solver reported infeasible and the elastic re-solve "
                + ("was not started" if elastic is None else f"ended {elastic.status}")
                + f" ({clock.reason()}); raise settings.time_limit_s to get a diagnosis"
            )
        raise InfeasibleScenario(found, report={"scenario": scn, "options": opts})
    if not sol.has_plan or sol.objective is None:
        raise SolverLimitReached(
            f"the solver stopped ({sol.status}) without a feasible plan in the "
            f"{timed.time_limit_s:.1f} s it had: the time limit of {clock.total_s:g} s covers "
            f"option building ({opts.stats['build_seconds']:.1f} s here), the solve, and "
            f"{clock.reserve_s:.1f} s kept for the explanations and outputs; "
            "raise settings.time_limit_s (--time-limit) or relax the gap",
        )
    _step(progress, "explaining: assignments, site and budget usage")
    explain_began = clock.elapsed_s()
    purchases = purchases_frame(problem, sol, scn.settings.horizon_months)
    assignments = with_price_provenance(assignments_frame(problem, sol, purchases), opts.catalog)
    idle = idle_capacity(problem, sol, assignments)
    usage = site_usage(scn, problem, assignments, purchases)
    budgets = budget_usage(scn, assignments, purchases, sol, problem, idle)
    months = objective_factor(scn)
    kpis = _kpis(scn, assignments, purchases, sol, idle)
    constant = objective_constant(scn, problem.purchasables)
    _step(progress, "explaining: baselines (all-cloud, all-on-prem, greedy)")
    base = baselines(scn, opts, problem, kpis["monthly_total_usd"])
    objective_value = float(sol.objective) + constant
    burst = None
    comparisons_began = clock.elapsed_s()
    if split_comparison and any(w.split for w in scn.workloads):
        _step(progress, "burst: best placement with the split workloads kept whole")
        burst = single_target_comparison(
            scn,
            cat,
            opts,
            settings,
            objective_value,
            kpis["monthly_total_usd"],
            deadline=solving,
            need_s=_comparison_need_s(opts, built_s, solved_s, split_workloads(scn)),
        )
        if burst is not None and not burst.computed:
            _step(progress, f"burst: comparison {burst.status}")
    items = binding_limits(problem, sol, usage, budgets)
    if sensitivity:
        _step(progress, f"sensitivity ({min(len(items), SENSITIVITY_LIMITS)} re-solves)")
        sens = value_of_relaxing(
            problem, sol, settings, items, months, SENSITIVITY_LIMITS, deadline=solving
        )
    else:
        sens = not_computed(items, "on demand: --sensitivity or plan.sensitivity()")
    comparisons_s = clock.elapsed_s() - comparisons_began
    _step(progress, "explaining: alternatives per workload")
    alts = alternatives(opts, assignments)
    explain_s = clock.elapsed_s() - explain_began - comparisons_s
    t1 = time.perf_counter()
    return Plan(
        scenario=scn,
        status=sol.status,
        objective=objective_value,
        best_bound=None if sol.best_bound is None else sol.best_bound + constant,
        gap=sol.gap,
        solver=sol.solver,
        assignments=assignments,
        purchases=purchases,
        site_usage=usage,
        budget_usage=budgets,
        alternatives=alts,
        baselines=base,
        relaxing=sens,
        flows_usd=dict(sol.flow_usd),
        idle_capacity=idle,
        burst_parts=burst_parts(scn, assignments),
        burst_comparison=burst,
        base_catalog=cat,
        kpis=kpis,
        options=opts,
        problem=problem,
        solution=sol,
        timings={
            "options_seconds": built_s,
            "formulate_seconds": formulated_s,
            "model_build_seconds": sol.build_seconds,
            "solve_seconds": sol.solve_seconds,
            "solve_wall_seconds": solved_s,
            "explain_seconds": explain_s,
            "comparisons_seconds": comparisons_s,
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


def _comparison_need_s(
    opts: OptionSet, built_s: float, solved_s: float, workloads: tuple[str, ...]
) -> float:
    """What the split-off comparison needs: the option build of the split workloads' share of
    the units, plus a solve as long as the plan's (see :func:`expected_solve_s`)."""
    units = opts.units
    share = float(units["workload"].isin(workloads).mean()) if len(units) else 1.0
    return expected_solve_s(built_s * share, solved_s)


def _no_time_left(clock: Deadline, opts: OptionSet) -> str:
    """Why the solver was not started: the option build took the time limit's solver share."""
    return (
        f"no time left for the solver: building {len(opts.options):,} options took "
        f"{opts.stats['build_seconds']:.1f} s ({clock.reason()}), and "
        f"{clock.reserve_s:.1f} s stay for the explanations and outputs; the time limit "
        "covers the whole call: raise settings.time_limit_s (--time-limit)"
    )


def _kpis(scn: Scenario, a, purchases, sol, idle) -> dict:
    """Plan totals. Opex includes the fixed cost of idle capacity; capex follows the
    lifecycle convention (``options/lifecycle``): P / L a month, P h / L net over the
    horizon (= purchases and replacements, ``horizon_capex_gross_usd``, minus the residual
    value at the horizon end)."""
    flows = float(sum(sol.flow_usd.values()))
    idle_usd = float(idle["usd"].sum()) if len(idle) else 0.0
    opex = float(a["opex_usd"].sum()) + flows + idle_usd
    total = purchases.sum(numeric_only=True) if len(purchases) else pd.Series(dtype=float)
    amort = float(total.get("amortised_usd_per_month", 0.0))
    h = scn.settings.horizon_months
    # a workload counts on every tier one of its units runs on (split parts, federated
    # shards and HA groups may span tiers); ``workloads_across_tiers`` says how many do
    counts = a.drop_duplicates(["workload", "tier"]).groupby("tier").size()
    across = int((a.groupby("workload")["tier"].nunique() > 1).sum()) if len(a) else 0
    return {
        "workloads": int(a["workload"].nunique()),
        "units": len(a),
        "monthly_opex_usd": opex,
        "monthly_capex_amortised_usd": amort,
        "monthly_total_usd": opex + amort,
        "horizon_months": h,
        "horizon_tco_usd": (opex + amort) * h,
        "capex_usd": float(total.get("capex_usd", 0.0)),
        "horizon_capex_gross_usd": float(total.get("horizon_capex_gross_usd", 0.0)),
        "residual_value_usd": float(total.get("residual_value_usd", 0.0)),
        "monthly_idle_capacity_usd": idle_usd,
        "flows_usd_per_month": flows,
        "privacy_risk": float(a["risk"].sum()),
        "carbon_kg_per_month": float(a["carbon_kg"].sum())
        + (float(idle["carbon_kg"].sum()) if len(idle) else 0.0),
        "workloads_per_tier": {t: int(counts.get(t, 0)) for t in ("local", "edge", "cloud")},
        "workloads_across_tiers": across,
    }


def _step(progress: Any, text: str) -> None:
    if progress is not None:
        progress(text)
