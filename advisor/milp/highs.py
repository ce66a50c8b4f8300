"""Direct HiGHS backend: the PuLP model as sparse arrays, and a warm-started MIP solve.

The constraint families still build a PuLP model (one documented function per family); this
module only turns it into arrays (columns in the order x, buy, flow, new, slack) and hands
them to ``highspy`` in one call instead of one Python call per column and row.

Solve strategy (:func:`solve_mip`), each step exact or a pure heuristic that only supplies a
feasible start:

1. LP relaxation of the full model. Its value is a valid lower bound; if it is infeasible,
   so is the MIP (returned at once).
2. Heuristics, each a MIP over fewer options whose plans are feasible for the full model:
   (a) the LP's neighbourhood (:func:`neighbourhood`): units touching a fractional purchase
   re-choose among their candidates, the others keep their LP option; (b) every unit
   chooses among its candidates (:func:`candidate_options`: LP support, least reduced
   cost, cheapest, cheapest cloud), warm-started with (a). Every purchase, flow and
   capex-split variable stays free. Each stops once its plan is within the gap of the LP
   bound, and that plan is returned with the LP bound as its proof.
3. Otherwise: exact reduced-cost fixing against the best plan, then the full MIP with that
   plan as its starting incumbent.

Every MIP is also interrupted at its share of the time limit (HiGHS's own limit can be
overrun in the root cut loop). Without a time-out everything is deterministic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from advisor.milp.model import ModelContext
from advisor.milp.problem import SolverSettings

INF = highspy.kHighsInf
CANDIDATES = 10
"""Options per unit (least LP reduced cost) the heuristic restricted MIP may use."""
NEIGHBOURHOOD_SHARE = 0.5
"""Share of the remaining time the neighbourhood MIP may take."""
SUB_SHARE = 0.4
"""Share of the remaining time the restricted MIP may take."""
WARM_START_MIN_OPTIONS = 200
"""Below this many options HiGHS solves the full MIP directly."""


@dataclass
class Arrays:
    """A MILP in HiGHS form: min cost x  s.t. row_lo <= A x <= row_hi, lo <= x <= hi."""

    variables: list
    cost: np.ndarray
    offset: float
    lo: np.ndarray
    hi: np.ndarray
    integer: np.ndarray  # bool per column
    row_lo: np.ndarray
    row_hi: np.ndarray
    start: np.ndarray  # row-wise CSR
    index: np.ndarray
    value: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lo)


def arrays(ctx: ModelContext) -> Arrays:
    """The PuLP model of ``ctx`` as arrays; column i < len(ctx.x) is option i."""
    variables = list(ctx.x) + list(ctx.buy.values()) + list(ctx.flow_cost.values())
    variables += list(ctx.team_new.values()) + [s.var for s in ctx.slacks]
    pos = {id(v): i for i, v in enumerate(variables)}
    row_lo, row_hi, start, index, value = [], [], [0], [], []
    for c in ctx.prob.constraints.values():
        for v, a in c.items():
            if a != 0:
                j = pos.get(id(v))
                if j is None:
                    j = pos[id(v)] = len(variables)
                    variables.append(v)
                index.append(j)
                value.append(a)
        start.append(len(index))
        lb, ub = c.getLb(), c.getUb()
        row_lo.append(-INF if lb is None else lb)
        row_hi.append(INF if ub is None else ub)
    cost = np.zeros(len(variables))
    obj = ctx.prob.objective
    for v, a in obj.items():
        cost[pos[id(v)]] = a
    lo = np.array([-INF if v.lowBound is None else v.lowBound for v in variables], float)
    hi = np.array([INF if v.upBound is None else v.upBound for v in variables], float)
    integer = np.array([v.cat == "Integer" for v in variables], bool)
    return Arrays(
        variables,
        cost,
        float(obj.constant or 0.0),
        lo,
        hi,
        integer,
        np.asarray(row_lo, float),
        np.asarray(row_hi, float),
        np.asarray(start, np.int32),
        np.asarray(index, np.int32),
        np.asarray(value, float),
    )


@dataclass
class Result:
    status: str  # optimal | feasible | infeasible | limit_no_solution | error
    values: np.ndarray | None
    objective: float | None
    bound: float | None


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


def _run(h, a: Arrays, mip: bool) -> Result:
    h.run()
    st = h.getModelStatus()
    S = highspy.HighsModelStatus
    info = h.getInfo()
    has = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(h.getSolution().col_value, float) if has else None
    objective = float(info.objective_function_value) if has else None
    bound = None
    if mip and a.integer.any():
        b = float(info.mip_dual_bound)
        bound = b if np.isfinite(b) else None
    elif st == S.kOptimal:
        bound = objective
    if st == S.kOptimal:
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
    return Result(status, values, objective, bound)


def _with_upper(a: Arrays, drop: np.ndarray) -> Arrays:
    """The same model with the columns in ``drop`` (bool per column) fixed to 0."""
    hi = a.hi.copy()
    hi[drop] = np.minimum(hi[drop], 0.0)
    return Arrays(**{**a.__dict__, "hi": hi})


def _per_unit_rank(units: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, rank): options sorted by (unit, key, position) and each one's rank in its unit."""
    order = np.lexsort((np.arange(len(units)), key, units))
    su = units[order]
    starts = np.r_[0, np.flatnonzero(su[1:] != su[:-1]) + 1]
    sizes = np.diff(np.r_[starts, len(order)])
    rank = np.arange(len(order)) - np.repeat(starts, sizes)
    return order, rank


def candidate_options(
    ctx: ModelContext, lp_x: np.ndarray, reduced: np.ndarray, per_unit: int = CANDIDATES
) -> np.ndarray:
    """Options for the heuristic restricted MIP (bool per option): what the LP uses, each
    unit's ``per_unit`` options of least LP reduced cost, its cheapest option and its
    cheapest uncapacitated (cloud) option."""
    o = ctx.problem.options
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


def solve(ctx: ModelContext, settings: SolverSettings, warm: bool = True) -> Result:
    """Solve the model of ``ctx`` and write the values back to its PuLP variables."""
    a = arrays(ctx)
    res = solve_mip(ctx, a, settings, warm)
    if res.values is not None:
        for v, x in zip(a.variables, res.values.tolist(), strict=True):
            v.varValue = x
    return res


def _stop_at(h, target: float, deadline: float, report: Any = None) -> None:
    """Interrupt a MIP once its incumbent is at or below ``target`` or at ``deadline``
    (``time.perf_counter()``; HiGHS can overrun its own time limit in the root cut loop).
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
        if e.data_out.mip_primal_bound <= target or now > deadline:
            e.interrupt()

    h.cbMipInterrupt.subscribe(check)


def neighbourhood(
    ctx: ModelContext, a: Arrays, lp_values: np.ndarray, candidates: np.ndarray
) -> Arrays:
    """RINS-style neighbourhood of the LP solution (heuristic): units whose LP option is
    fractional, sits in a pool whose LP purchase is fractional, or that have a candidate in
    such a pool may choose among their candidates; every other unit keeps its LP option."""
    o = ctx.problem.options
    n_x = len(ctx.x)
    x = lp_values[:n_x]
    buys = lp_values[n_x : n_x + len(ctx.buy)]
    frac_pools = {k for k, v in zip(ctx.buy, buys, strict=True) if abs(v - round(v)) > 1e-6}
    site = (o["tier"] != "cloud").to_numpy()
    in_frac = site & np.fromiter(
        ((s, k) in frac_pools for s, k in zip(o["site"], o["hardware"], strict=True)),
        bool,
        n_x,
    )
    units = o["unit"].to_numpy()
    fractional = (x > 1e-6) & (x < 1 - 1e-6)
    touched = (candidates & in_frac) | fractional | ((x > 1e-6) & in_frac)
    free = np.isin(units, np.unique(units[touched]))
    one = x > 1 - 1e-6
    lo, hi = a.lo.copy(), a.hi.copy()
    hi[:n_x] = np.where(np.where(free, candidates, one), hi[:n_x], 0.0)
    lo[:n_x] = np.where(~free & one, 1.0, lo[:n_x])
    return Arrays(**{**a.__dict__, "lo": lo, "hi": hi})


def _start(h, values: np.ndarray | None, a: Arrays) -> None:
    if values is not None:
        start = highspy.HighsSolution()
        start.col_value = _integral(values, a).tolist()
        start.value_valid = True
        h.setSolution(start)


def solve_mip(ctx: ModelContext, a: Arrays, settings: SolverSettings, warm: bool) -> Result:
    """Solve ``a``, the arrays of ``ctx`` (see the module docstring for the strategy)."""
    t0 = time.perf_counter()
    n_x = len(ctx.x)
    limit = float(settings.time_limit_s)
    gap = float(settings.mip_gap)
    deadline = t0 + limit

    def left() -> float:
        return deadline - time.perf_counter()

    def mip(arr: Arrays, share: float, target: float, sub_gap: float, start=None) -> Result:
        h = _highs(arr, settings, share * left(), sub_gap, mip=True)
        _start(h, start, a)
        report = (settings.progress, t0) if settings.progress is not None else None
        _stop_at(h, target, time.perf_counter() + share * left(), report)
        res = _run(h, a, mip=True)
        if settings.progress is not None:  # the state this MIP ended in
            inc, bound = res.objective, res.bound
            gap_now = abs(inc - bound) / max(abs(inc), 1e-9) if None not in (inc, bound) else None
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
        return mip(a, 1.0, -np.inf, gap)
    h_lp = _highs(a, settings, limit, gap, mip=False)
    lp = _run(h_lp, a, mip=False)
    if lp.status == "infeasible":
        return lp  # no plan satisfies even the relaxation, so none satisfies the MIP
    if lp.status != "optimal" or lp.values is None or lp.objective is None:
        return mip(a, 1.0, -np.inf, gap)
    lower = lp.objective
    reduced = np.asarray(h_lp.getSolution().col_dual, float)
    frac = np.abs(lp.values - np.round(lp.values))[a.integer]
    if not len(frac) or frac.max() <= 1e-7:
        return Result("optimal", _integral(lp.values, a), lower, lower)
    target = lower / (1.0 - gap) if gap < 1 else np.inf
    cand = candidate_options(ctx, lp.values[:n_x], reduced[:n_x])
    # 2. heuristics, each stopped once its plan is provably within the gap of the LP bound
    best: Result | None = None
    keep = np.ones(a.n_cols, bool)
    keep[:n_x] = cand
    for arr, share in (
        (neighbourhood(ctx, a, lp.values, cand), NEIGHBOURHOOD_SHARE),
        (_with_upper(a, ~keep), SUB_SHARE),
    ):
        sub = mip(arr, share, target, gap / 2, best.values if best else None)
        if sub.values is not None and (best is None or sub.objective < best.objective):
            best = sub
        if best is not None and best.objective <= target:
            return Result("optimal", _integral(best.values, a), best.objective, lower)
    if best is None:
        return mip(a, 1.0, -np.inf, gap)
    # 3. exact: an option whose LP reduced cost exceeds incumbent - LP bound is 0 in every
    # plan better than the incumbent (reduced-cost fixing); then the full MIP, warm-started
    inc = best.objective
    slack = inc - lower + 1e-9 * max(abs(inc), 1.0)
    drop = np.zeros(a.n_cols, bool)
    drop[:n_x] = (reduced[:n_x] > slack) & (best.values[:n_x] < 0.5)
    res = mip(_with_upper(a, drop), 1.0, -np.inf, gap, best.values)
    if res.values is None or res.objective is None or res.objective > inc:
        res = Result("feasible", _integral(best.values, a), inc, res.bound)
    bound = max(lower, res.bound) if res.bound is not None else lower
    bound = min(bound, res.objective)
    within = res.objective - bound <= gap * max(abs(res.objective), 1e-9)
    return Result("optimal" if within else "feasible", res.values, res.objective, bound)


def _integral(values: np.ndarray, a: Arrays) -> np.ndarray:
    v = values.copy()
    v[a.integer] = np.round(v[a.integer])
    return v
