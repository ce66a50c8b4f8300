"""HiGHS backend: the array model (:mod:`advisor.milp.model`) passed to ``highspy`` in one
call, and a warm-started MIP solve.

Solve strategy (:func:`solve_mip`), each step exact or a pure heuristic that only supplies a
feasible plan:

1. LP relaxation of the full model. Its value is a valid lower bound; if it is infeasible,
   so is the MIP (returned at once); if it is integral, it is the optimum.
2. The LP's neighbourhood (:func:`neighbourhood`), a quick heuristic MIP over fewer options
   whose plans are feasible for the full model (purchases, flows and capex-split variables
   stay free): units touching a fractional purchase choose among their candidates
   (:func:`candidate_options`: LP support, least reduced cost, cheapest, cheapest cloud), the
   others keep their LP option. It finds a first plan fast even at 10,000 workloads. Like
   every quick MIP it stops once its plan is within the gap of the lower bound (then that
   plan is returned with the bound as its proof), or once it has a plan after
   :data:`QUICK_SHARE` of the time limit (at most :data:`QUICK_MAX_S`; this first one at
   most :data:`NEIGHBOURHOOD_MAX_S`), or, without one, after :data:`QUICK_FIRST_PLAN_SHARE`
   of the time left. This settles models whose LP bound is already tight (a fleet of 100:
   0.3 s, against 2 s for the full MIP).
3. The placement relaxation (:func:`placement_relaxation`: purchases integer, placements
   fractional), when the neighbourhood's plan is already near the LP bound
   (:data:`RELAX_REACH`) and there is time for it. Its bound is the LP's lifted by the
   integrality of the boxes, which is where the LP bound is weak (saas-fleet: LP 3,468,326,
   relaxation 3,506,748, best plan about 3,511,500). Where the lift matters at the scale of the gap
   (:data:`RELAX_WORTH`), a quick MIP over the relaxation's neighbourhood follows
   (:func:`relaxation_neighbourhood`); where it does not, the relaxation is stopped early
   (:data:`RELAX_PROBE_S`).
4. A quick MIP in which every unit chooses among its candidates, started from the best plan.
5. Otherwise the full MIP (unless too little time is left for it to run, see
   :data:`FULL_MIP_MIN_LP_TIMES`), cold (see :data:`QUICK_MAX_S` for why the quick plan is
   not offered as its start), stopped as soon as its plan is within the gap of the best
   bound so far; the better of its plan and the quick ones is returned, with the better of
   the lower bounds.

A warm start (a neighbouring plan, :mod:`advisor.milp.warm`) is first completed by an LP with
its integers fixed (:func:`complete`); when it fits, it is the first incumbent, and when its
cost is already within the gap of the LP bound it is returned at once with that proof.

Nothing HiGHS reports is taken on trust (:func:`_run`): the objective is the returned columns
re-costed by ``cost @ x + offset``, and a run whose own objective disagrees with that is a
misled run (below). A result is "optimal" only when that re-costed objective is within the
gap of a lower bound, never because HiGHS said so.

Why: HiGHS 1.16 maps a start (``setSolution``) into its presolved space and, when presolve
has removed columns the start uses, values it without their cost ("MIP start solution is
feasible in the reduced space: objective value is ..."). That figure can lie below the true
optimum; HiGHS then prunes every node against it, returns the start itself and reports the
low figure as incumbent and bound, status optimal (a Monte Carlo sample of eu-insurer: start
135,974, reported 55,266, optimum 93,187; ``tests/test_warm_start.py``). A misled run always
shows: its incumbent is the mis-valued start, so its reported objective differs from the
re-costed one. (When the mis-valuation lies above the optimum, pruning against it is still
valid for anything better, and any better plan HiGHS returns is valued correctly.) Such a
run is thrown away and the MIP solved again without the start (:func:`_mip_run`). A small
model (fewer than :data:`WARM_START_MIN_OPTIONS` columns) given a start is solved without
presolve, where the start is valued as it is, so it is not solved twice.

Every MIP is also interrupted at its share of the time limit (HiGHS's own limit can be
overrun in the root cut loop). Without a time-out everything is deterministic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import highspy
import numpy as np
import pandas as pd

from advisor.milp.constraints import pool_of_options
from advisor.milp.model import Arrays, Model
from advisor.milp.problem import SolverSettings

INF = highspy.kHighsInf
CANDIDATES = 10
"""Options per unit (least LP reduced cost) the heuristic restricted MIP may use."""
QUICK_SHARE = 0.05
"""Share of the time limit each quick heuristic MIP may take once it has a plan (step 2)."""
QUICK_FIRST_PLAN_SHARE = 0.5
"""Share of the remaining time a quick heuristic MIP may take to find its first plan: on
large models (10,000 workloads, 660,000 options) the full MIP may find none in the time
left, and a plan with a stated gap is worth more to a user than none."""
QUICK_MAX_S = 1.0
"""At most this long for each quick heuristic MIP once it has a plan. Where the LP bound is
weak (site pools whose boxes the LP buys in fractions), no restricted plan reaches the gap
of the LP bound, and time spent there is lost: measured on 2 cores at gap 0.5 %, the earlier strategy (a
neighbourhood MIP, then the restricted MIP to half the gap, then the full MIP started from
the best plan) took 14-16 s on saas-fleet and 58 s on a fleet of 200, where the full MIP
alone takes 4.3 s and 13 s; offering the restricted plan as the full MIP's start made it
slower again (saas 15.9 s against 10.8 s cold, fleet-200 36.9 s against 20.3 s)."""
FULL_MIP_MIN_LP_TIMES = 10.0
"""The full MIP is not started with less time left than this many LP relaxation solves when
a heuristic plan is already in hand: its root alone (presolve, LP, cut rounds, heuristics)
takes several LP times, and HiGHS cannot be interrupted inside a simplex solve. Measured at
10,000 workloads (661,627 columns, LP 7.5 s on 2 cores): given 45 s, the full MIP found no
plan and returned 15 s past its limit; the plan is then the heuristic's, with its gap."""
NEIGHBOURHOOD_MAX_S = 0.5
"""The LP's neighbourhood MIP (step 2) stops this long after it started once it has a plan
(at most :data:`QUICK_MAX_S`). Its plan decides whether the relaxation runs
(:data:`RELAX_REACH`) and seeds the candidates MIP; past its first plans it rarely improves.
Measured on 2 cores: saas-fleet's last plan came at 0.30 s and none in the next 0.7 s; a
fleet of 1,000's at 0.17 s, none in the next 0.97 s; a fleet of 200's MIP was solved in
0.40 s."""
RELAX_SHARE = 0.25
"""Share of the time left that the placement relaxation (step 3) may take."""
RELAX_MAX_S = 2.0
"""Once it has a solution, the relaxation runs at most this long (its root cuts give most of
its bound)."""
RELAX_GAP_FACTOR = 0.1
"""The relaxation is solved to this fraction of the plan's gap, so that the bound it returns
is close to its optimum (saas-fleet: proved optimal in about 0.8 s)."""
RELAX_WORTH = 0.2
"""The relaxation is worth its time when it lifts the LP bound by at least this share of the
gap (relative to the bound): then its plan guides a quick MIP over its neighbourhood.
Without such a lift after :data:`RELAX_PROBE_S` it is stopped. Measured at gap 0.5 % on 2
cores: saas-fleet's relaxation lifts the LP bound by 1.1 % (its 42 purchase pools are few
and their boxes dear); fleets of 200 and 1,000 (210 pools, most of them large) by 0.007 %
and 0.06 %, where the relaxation took 2 s and its neighbourhood's plans were 4 % and 25 %
above its bound."""
RELAX_REACH = 0.10
"""The relaxation runs only when the plan the LP's neighbourhood returns (a caller's start
counts only through it) is within this share above the LP bound's target. How far that plan
lies measures how much the LP's placements must change to become whole; where they must
change much, the gap is in the placements, which the relaxation leaves fractional, and a
better plan is needed more than a better bound. Measured on 2 cores: saas-fleet's plan is
1.6-1.8 % above the target after 0.3 s, its earlier plans 8.5 %, and the relaxation's bound
then proves a plan in 2.6 s; the plans of fleets of 100, 200 and 1,000 and of the points of a
price sweep of the 200 were 15-98 % above it, where the relaxation cost 1-2 s a solve for
nothing. 10 % lets a slower machine, whose neighbourhood MIP stops
(:data:`NEIGHBOURHOOD_MAX_S`) at one of saas-fleet's earlier plans, still run it."""
RELAX_PROBE_S = 0.5
RELAX_PROBE_LP_TIMES = 5.0
"""A relaxation whose bound has not lifted by :data:`RELAX_WORTH` is stopped this many
seconds, plus this many LP solves (its root: presolve, LP, cuts), after it started."""
WARM_START_MIN_OPTIONS = 200
"""Below this many options HiGHS solves the full MIP directly."""


@dataclass
class Result:
    status: str  # optimal | feasible | infeasible | limit_no_solution | error
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    misled: bool = False
    """HiGHS's own objective disagreed with the re-costed columns (see the module docstring)."""


AGREE_TOL = 1e-6
"""Relative tolerance between HiGHS's objective and ``cost @ x + offset``."""


PROGRESS_EVERY_S = 0.5
"""Least interval between two progress reports of a MIP, in seconds."""


def _highs(a: Arrays, settings: SolverSettings, time_limit: float, gap: float, mip: bool):
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(settings.msg))
    h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    h.setOptionValue("mip_rel_gap", float(gap))
    if settings.threads:
        h.setOptionValue("threads", int(settings.threads))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.n_cols, a.n_rows
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = a.cost, a.lo, a.hi
    lp.row_lower_, lp.row_upper_ = a.row_lo, a.row_hi
    lp.offset_ = a.offset
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = a.n_cols, a.n_rows
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.start, a.index, a.value
    h.passModel(lp)
    if mip and a.integer.any():
        ix = np.flatnonzero(a.integer).astype(np.int32)
        h.changeColsIntegrality(len(ix), ix, np.ones(len(ix), np.uint8))
    return h


def _run(h, a: Arrays, mip: bool, gap: float = 0.0) -> Result:
    """Run ``h`` (built from ``a``); "optimal" only within ``gap`` of the re-costed objective."""
    h.run()
    st = h.getModelStatus()
    S = highspy.HighsModelStatus
    info = h.getInfo()
    has = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(h.getSolution().col_value, float) if has else None
    if values is not None and mip:
        values = _integral(values, a)
    objective = float(a.cost @ values) + a.offset if values is not None else None
    misled = False
    if objective is not None:
        reported = float(info.objective_function_value)
        misled = abs(reported - objective) > AGREE_TOL * max(1.0, abs(objective))
    bound = None
    if mip and a.integer.any():
        b = float(info.mip_dual_bound)
        bound = b if np.isfinite(b) and not misled else None
    elif st == S.kOptimal:
        bound = objective
    if objective is not None and bound is not None:
        bound = min(bound, objective)
    if st == S.kOptimal and mip and a.integer.any():
        within = (
            bound is not None
            and objective is not None
            and objective - bound <= gap * max(abs(objective), 1e-9) + 1e-9
        )
        status = "optimal" if within else "feasible"
    elif st == S.kOptimal:
        status = "optimal"
    elif st in (S.kInfeasible, S.kUnboundedOrInfeasible):
        status = "infeasible"
    elif st == S.kUnbounded:
        status = "error"
    elif has:
        status = "feasible"
    elif st in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt, S.kSolutionLimit, S.kNotset):
        status = "limit_no_solution"
    else:
        status = "error"
    return Result(status, values, objective, bound, misled)


def _with_upper(a: Arrays, drop: np.ndarray) -> Arrays:
    """The same model with the columns in ``drop`` (bool per column) fixed to 0."""
    hi = a.hi.copy()
    hi[drop] = np.minimum(hi[drop], 0.0)
    return a.with_bounds(hi=hi)


def _per_unit_rank(units: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, rank): options sorted by (unit, key, position) and each one's rank in its unit."""
    order = np.lexsort((np.arange(len(units)), key, units))
    su = units[order]
    starts = np.r_[0, np.flatnonzero(su[1:] != su[:-1]) + 1]
    sizes = np.diff(np.r_[starts, len(order)])
    rank = np.arange(len(order)) - np.repeat(starts, sizes)
    return order, rank


def candidate_options(
    model: Model, lp_x: np.ndarray, reduced: np.ndarray, per_unit: int = CANDIDATES
) -> np.ndarray:
    """Options for the heuristic restricted MIP (bool per option): what the LP uses, each
    unit's ``per_unit`` options of least LP reduced cost, its cheapest option and its
    cheapest uncapacitated (cloud) option."""
    o = model.problem.options
    units = o["unit"].to_numpy()
    keep = lp_x > 1e-6
    order, rank = _per_unit_rank(units, reduced)
    keep[order[rank < per_unit]] = True
    obj = o["obj_usd"].to_numpy(float)
    order, rank = _per_unit_rank(units, obj)
    keep[order[rank == 0]] = True
    cloud = (o["tier"] == "cloud").to_numpy()
    order, rank = _per_unit_rank(units, np.where(cloud, obj, np.inf))
    keep[order[(rank == 0) & cloud[order]]] = True
    return keep


def solve(model: Model, settings: SolverSettings, warm: bool = True, start=None) -> Result:
    """Solve ``model`` (see the module docstring for the strategy).

    ``start`` (column values of a solved neighbouring model, e.g. the previous what-if point)
    is offered to HiGHS as its first incumbent when it is feasible.
    """
    return solve_mip(model, model.arrays, settings, warm, start)


def _stop_at(
    h,
    target: float,
    deadline: float,
    report: Any = None,
    soft: float = np.inf,
    probe: tuple[float, float] | None = None,
) -> None:
    """Interrupt a MIP once its incumbent is at or below ``target``, at ``soft`` once it has
    an incumbent, or at ``deadline`` (``time.perf_counter()``; HiGHS can overrun its own time
    limit in the root cut loop); with ``probe = (at, bound)``, also from ``at`` on while its
    lower bound is below ``bound`` (a relaxation not worth its time).
    ``report`` (``SolverSettings.progress``, with the solve's start time) gets the incumbent,
    bound and gap at most every :data:`PROGRESS_EVERY_S`."""
    last = [0.0]

    def check(e) -> None:
        now = time.perf_counter()
        if report is not None and now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            d = e.data_out
            inc = float(d.mip_primal_bound)
            bound = float(d.mip_dual_bound)
            report[0](
                {
                    "elapsed_s": now - report[1],
                    "incumbent": inc if np.isfinite(inc) else None,
                    "bound": bound if np.isfinite(bound) else None,
                    "gap": float(d.mip_gap) if np.isfinite(inc) else None,
                }
            )
        inc = e.data_out.mip_primal_bound
        weak = probe is not None and now > probe[0] and e.data_out.mip_dual_bound < probe[1]
        if inc <= target or now > deadline or (now > soft and np.isfinite(inc)) or weak:
            e.interrupt()

    h.cbMipInterrupt.subscribe(check)


def placement_relaxation(a: Arrays, n_x: int) -> Arrays:
    """The model with its placements ``x`` continuous in [0, 1] and every other integer
    column (the purchases) still integer: a relaxation, so its optimum, and any lower bound
    HiGHS proves for it, is a lower bound of the MIP, never below the LP bound."""
    integer = a.integer.copy()
    integer[:n_x] = False
    return replace(a, integer=integer)


def relaxation_neighbourhood(model: Model, a: Arrays, values: np.ndarray) -> Arrays:
    """The placement relaxation's neighbourhood (heuristic): units with a fractional option,
    and the units the relaxation places in a (site, SKU) pool one of those options uses, may
    choose any of their options; every other unit keeps its option. Purchases stay free."""
    n_x = model.n_x
    x = values[:n_x]
    pool, _ = pool_of_options(model.layout)
    fractional = (x > 1e-6) & (x < 1 - 1e-6)
    pools = np.zeros(pool.max() + 2 if n_x else 1, bool)  # index -1 (cloud) lands on the last
    pools[pool[fractional & (pool >= 0)]] = True
    touched = fractional | ((x > 1e-6) & (pool >= 0) & pools[pool])
    return _free_touched_units(model, a, x, touched, np.ones(n_x, bool))


def _free_touched_units(
    model: Model, a: Arrays, x: np.ndarray, touched: np.ndarray, allowed: np.ndarray
) -> Arrays:
    """``a`` with every unit that has a ``touched`` option free to choose among its
    ``allowed`` options, and every other unit fixed to its option of value 1 in ``x``."""
    n_x = model.n_x
    unit_code = pd.factorize(model.problem.options["unit"])[0]  # isin on strings: quadratic
    free = np.zeros(unit_code.max() + 1 if n_x else 0, bool)
    free[unit_code[touched]] = True
    free = free[unit_code]
    one = x > 1 - 1e-6
    lo, hi = a.lo.copy(), a.hi.copy()
    hi[:n_x] = np.where(np.where(free, allowed, one), hi[:n_x], 0.0)
    lo[:n_x] = np.where(~free & one, 1.0, lo[:n_x])
    return a.with_bounds(lo, hi)


def neighbourhood(model: Model, a: Arrays, lp_values: np.ndarray, candidates: np.ndarray) -> Arrays:
    """RINS-style neighbourhood of the LP solution (heuristic): units whose LP option is
    fractional, sits in a pool whose LP purchase is fractional, or that have a candidate in
    such a pool may choose among their candidates; every other unit keeps its LP option."""
    o = model.problem.options
    n_x = model.n_x
    lay = model.layout
    x = lp_values[:n_x]
    buys = lp_values[lay.buy0 : lay.flow0]
    frac = [k for k, v in zip(lay.buy_keys, buys, strict=True) if abs(v - round(v)) > 1e-6]
    site = (o["tier"] != "cloud").to_numpy()
    pools = pd.MultiIndex.from_tuples(frac, names=["site", "hardware"]) if frac else None
    in_frac = site & (
        pools.get_indexer(pd.MultiIndex.from_arrays([o["site"], o["hardware"]])) >= 0
        if pools is not None
        else np.zeros(n_x, bool)
    )
    fractional = (x > 1e-6) & (x < 1 - 1e-6)
    touched = (candidates & in_frac) | fractional | ((x > 1e-6) & in_frac)
    return _free_touched_units(model, a, x, touched, candidates)


def _mip_run(
    arr: Arrays,
    settings: SolverSettings,
    stop: float,
    target: float,
    gap: float,
    start: np.ndarray | None,
    report: Any,
    soft: float = np.inf,
    probe: tuple[float, float] | None = None,
) -> Result:
    """One HiGHS MIP on ``arr`` until ``stop`` (``time.perf_counter()``), ``target``, or
    ``soft`` once it has a plan, offered ``start`` as its first incumbent (``probe``: see
    :func:`_stop_at`)."""
    h = _highs(arr, settings, stop - time.perf_counter(), gap, mip=True)
    if start is not None and arr.n_cols < WARM_START_MIN_OPTIONS:
        h.setOptionValue("presolve", "off")  # small: no presolved space to mis-value a start in
    _start(h, start, arr)
    _stop_at(h, target, stop, report, soft, probe)
    return _run(h, arr, mip=True, gap=gap)


def _start(h, values: np.ndarray | None, a: Arrays) -> None:
    if values is not None and len(values) == a.n_cols:
        start = highspy.HighsSolution()
        start.col_value = _integral(values, a).tolist()
        start.value_valid = True
        h.setSolution(start)


def solve_mip(model: Model, a: Arrays, settings: SolverSettings, warm: bool, start=None) -> Result:
    """Solve ``a``, the arrays of ``model`` (see the module docstring for the strategy)."""
    t0 = time.perf_counter()
    n_x = model.n_x
    limit = float(settings.time_limit_s)
    gap = float(settings.mip_gap)
    deadline = t0 + limit
    start = complete(a, start, settings)

    def left() -> float:
        return deadline - time.perf_counter()

    def mip(
        arr: Arrays, seconds: float, target: float, sub_gap: float, start=None, soft_s=np.inf
    ) -> Result:
        report = (settings.progress, t0) if settings.progress is not None else None
        now = time.perf_counter()
        stop, soft = now + min(seconds, left()), now + soft_s
        res = _mip_run(arr, settings, stop, target, sub_gap, start, report, soft)
        if res.misled and start is not None:  # HiGHS mis-valued the start: solve without it
            res = _mip_run(arr, settings, stop, target, sub_gap, None, report, soft)
        if settings.progress is not None:  # the state this MIP ended in
            inc, bound = res.objective, res.bound
            gap_now = (
                abs(inc - bound) / max(abs(inc), 1e-9)
                if inc is not None and bound is not None
                else None
            )
            settings.progress(
                {
                    "elapsed_s": time.perf_counter() - t0,
                    "incumbent": inc,
                    "bound": bound,
                    "gap": gap_now,
                }
            )
        return res

    if not warm or not a.integer.any() or n_x < WARM_START_MIN_OPTIONS:
        return mip(a, np.inf, -np.inf, gap, start)
    lp_began = time.perf_counter()
    h_lp = _highs(a, settings, limit, gap, mip=False)
    lp = _run(h_lp, a, mip=False)
    lp_s = time.perf_counter() - lp_began
    if lp.status == "infeasible":
        return lp  # no plan satisfies even the relaxation, so none satisfies the MIP
    if lp.status != "optimal" or lp.values is None or lp.objective is None:
        return mip(a, np.inf, -np.inf, gap)
    lower = lp.objective
    reduced = np.asarray(h_lp.getSolution().col_dual, float)
    del h_lp  # its copy of the model is not held while the MIPs run
    frac = np.abs(lp.values - np.round(lp.values))[a.integer]
    if not len(frac) or frac.max() <= 1e-7:
        return Result("optimal", _integral(lp.values, a), lower, lower)
    target = lower / (1.0 - gap) if gap < 1 else np.inf
    best_x: np.ndarray | None = None  # the incumbent: a neighbour's plan, then heuristics'
    best_obj = np.inf
    if start is not None:
        best_x, best_obj = start, float(a.cost @ start) + a.offset
        if best_obj <= target:  # the neighbour's plan is already within the gap of the LP bound
            return Result("optimal", start, best_obj, lower)
    # 2. the LP's neighbourhood (the fast path when the LP bound is already tight), a small
    # MIP that finds a first plan fast even on 10,000 workloads
    cand = candidate_options(model, lp.values[:n_x], reduced[:n_x])
    keep = np.ones(a.n_cols, bool)
    keep[:n_x] = cand
    soft = min(QUICK_SHARE * limit, QUICK_MAX_S)

    def quick(arr: Arrays, first: np.ndarray | None, soft_s: float = soft) -> float:
        """One quick heuristic MIP; its plan's objective (inf without one)."""
        nonlocal best_x, best_obj
        res = mip(arr, QUICK_FIRST_PLAN_SHARE * left(), target, gap, first, soft_s=soft_s)
        if res.values is None or res.objective is None:
            return np.inf
        if res.objective < best_obj:
            best_x, best_obj = _integral(res.values, a), res.objective
        return res.objective

    nb_obj = quick(neighbourhood(model, a, lp.values, cand), best_x, min(soft, NEIGHBOURHOOD_MAX_S))
    if best_x is not None and best_obj <= target:
        return Result("optimal", best_x, best_obj, lower)
    # 3. the placement relaxation (purchases integer, placements fractional), when the plan
    # is near and there is time for it: its bound lifts the LP's by the boxes' integrality,
    # and where the lift matters its plan guides a quick MIP over its neighbourhood
    lp_lower = lower
    worth = RELAX_WORTH * gap * abs(lower)  # a lift that matters at the scale of the gap
    if nb_obj <= target * (1.0 + RELAX_REACH) and left() >= FULL_MIP_MIN_LP_TIMES * lp_s:
        now = time.perf_counter()
        rel = _mip_run(
            placement_relaxation(a, n_x),
            settings,
            now + RELAX_SHARE * left(),
            -np.inf,
            gap * RELAX_GAP_FACTOR,
            None,
            None,
            soft=now + RELAX_MAX_S,
            probe=(now + RELAX_PROBE_S + RELAX_PROBE_LP_TIMES * lp_s, lower + worth),
        )
        if rel.status == "infeasible":
            return rel  # no plan satisfies the relaxation, so none satisfies the MIP
        if rel.bound is not None and rel.bound > lower:
            lower = rel.bound
            target = lower / (1.0 - gap) if gap < 1 else np.inf
        if best_x is not None and best_obj <= target:
            return Result("optimal", best_x, best_obj, lower)
        if rel.values is not None and lower > lp_lower + worth:
            quick(relaxation_neighbourhood(model, a, rel.values), None)
            if best_obj <= target:
                return Result("optimal", best_x, best_obj, lower)
    # 4. every unit among its candidates, started from the best plan
    quick(_with_upper(a, ~keep), best_x)
    if best_x is not None and best_obj <= target:
        return Result("optimal", best_x, best_obj, lower)
    # 5. the full MIP (offered the caller's start only, see QUICK_MAX_S), when it can run; it
    # stops once its plan is within the gap of the best bound so far
    if best_x is not None and left() < FULL_MIP_MIN_LP_TIMES * lp_s:
        return Result("feasible", best_x, best_obj, lower)
    res = mip(a, np.inf, target, gap, start)
    values, objective = best_x, best_obj
    if res.values is not None and res.objective is not None and res.objective <= best_obj:
        values, objective = res.values, res.objective
    if values is None or objective is None:
        return res
    bound = max(lower, res.bound) if res.bound is not None else lower
    bound = min(bound, objective)
    within = objective - bound <= gap * max(abs(objective), 1e-9)
    return Result("optimal" if within else "feasible", values, objective, bound)


def complete(a: Arrays, start: np.ndarray | None, settings: SolverSettings) -> np.ndarray | None:
    """A full feasible start from ``start`` (NaN = unknown): its integer columns fixed, the
    continuous ones from an LP; None when it does not fit this model."""
    if start is None or len(start) != a.n_cols:
        return None
    known = ~np.isnan(start)
    if not (known | ~a.integer).all():
        return None  # an integer column without a value: no complete start
    fixed = _integral(np.where(known, start, 0.0), a)
    if known.all():
        return fixed if feasible(a, fixed) else None
    lo = np.where(a.integer, fixed, a.lo)
    hi = np.where(a.integer, fixed, a.hi)
    if (lo < a.lo - 1e-9).any() or (hi > a.hi + 1e-9).any():
        return None
    h = _highs(a.with_bounds(lo, hi), settings, settings.time_limit_s, 0.0, mip=False)
    res = _run(h, a, mip=False)
    if res.status != "optimal" or res.values is None:
        return None
    out = _integral(res.values, a)
    return out if feasible(a, out) else None


def feasible(a: Arrays, values: np.ndarray, tol: float = 1e-6) -> bool:
    """Whether ``values`` satisfies every bound and row of ``a`` (integers already rounded)."""
    if (values < a.lo - tol).any() or (values > a.hi + tol).any():
        return False
    rows = np.repeat(np.arange(a.n_rows), np.diff(a.start))
    act = np.bincount(rows, weights=a.value * values[a.index], minlength=a.n_rows)
    scale = tol * np.maximum(1.0, np.abs(act))
    return bool(((act >= a.row_lo - scale) & (act <= a.row_hi + scale)).all())


def _integral(values: np.ndarray, a: Arrays) -> np.ndarray:
    v = values.copy()
    v[a.integer] = np.round(v[a.integer])
    return v
