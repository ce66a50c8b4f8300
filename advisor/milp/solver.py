"""Build the PuLP model from a :class:`Problem`, run HiGHS (or CBC), read the solution back.

Objective (minimise):
    sum_o obj[o] x[o] + sum_{s,k} capex_obj[s,k] buy[s,k] + flow_factor * sum_f c[f]
In elastic mode the objective is the total relative shortfall sum(slack / scale), plus a tiny
cost term to pick a cheap plan among equally short ones.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time

import numpy as np
import pulp

from advisor.milp.constraints import FAMILIES, team_capex_split
from advisor.milp.model import ModelContext
from advisor.milp.problem import Problem, SlackRecord, Solution, SolverSettings


def build(
    problem: Problem, elastic: bool = False, relax: frozenset[str] | None = None
) -> ModelContext:
    """Variables, every constraint family and the objective."""
    ctx = ModelContext(problem, elastic=elastic, relax=relax)
    n = len(problem.options)
    ctx.x = [pulp.LpVariable(f"x{i}", cat=pulp.LpBinary) for i in range(n)]
    used_keys = set(zip(problem.options["site"], problem.options["hardware"], strict=True))
    for p in problem.purchasables.itertuples(index=False):
        if p.max_buy > 0 and (p.site, p.sku) in used_keys:
            ctx.buy[(p.site, p.sku)] = pulp.LpVariable(
                f"buy{len(ctx.buy)}", lowBound=0, upBound=int(p.max_buy), cat=pulp.LpInteger
            )
    for f in problem.flows:
        ctx.flow_cost[f.name] = pulp.LpVariable(f"flow{len(ctx.flow_cost)}", lowBound=0)
    if problem.team_capex:
        team_capex_split(ctx)
    for family in FAMILIES:
        family(ctx)
    obj = problem.options["obj_usd"].to_numpy(float)
    terms = [(ctx.x[i], float(obj[i])) for i in range(n) if obj[i] != 0]
    pur = problem.purchasables.set_index(["site", "sku"])
    terms += [(v, float(pur.at[k, "capex_obj_usd"])) for k, v in ctx.buy.items()]
    terms += [(v, problem.flow_obj_factor) for v in ctx.flow_cost.values()]
    cost = pulp.LpAffineExpression(terms)
    if elastic:
        short = pulp.LpAffineExpression([(s.var, 1.0 / s.scale) for s in ctx.slacks])
        scale = max(1.0, float(np.abs(obj).sum()) + float(pur["capex_obj_usd"].abs().sum()))
        ctx.prob.setObjective(short + cost * (1e-6 / scale))
    else:
        ctx.prob.setObjective(cost)
    return ctx


def _solver(settings: SolverSettings):
    opts = {"msg": settings.msg, "timeLimit": settings.time_limit_s, "gapRel": settings.mip_gap}
    if settings.threads:
        opts["threads"] = settings.threads
    if settings.solver not in ("highs", "cbc"):
        raise ValueError(f"unknown solver {settings.solver!r}; use 'highs' or 'cbc'")
    if settings.solver == "highs":
        solver = pulp.HiGHS(**opts)
        if solver.available():
            return solver, "highs"
    solver = pulp.PULP_CBC_CMD(**opts)
    if not solver.available():
        raise RuntimeError("neither HiGHS (highspy) nor CBC is available; pip install highspy")
    return solver, "cbc"


def run(
    problem: Problem,
    settings: SolverSettings,
    elastic: bool = False,
    relax: frozenset[str] | None = None,
) -> tuple[Solution, ModelContext]:
    """Build and solve; map the solution back by position (never by parsing names).

    HiGHS runs through :mod:`advisor.milp.highs` (arrays in one call, LP-guided warm start;
    no warm start in elastic mode); CBC through PuLP.
    """
    t0 = time.perf_counter()
    ctx = build(problem, elastic, relax)
    ctx.mip_gap = settings.mip_gap
    t1 = time.perf_counter()
    solver, name = _solver(settings)
    bound = None
    if name == "highs":
        from advisor.milp import highs

        with contextlib.nullcontext() if settings.msg else _silenced_stdout():
            res = highs.solve(ctx, settings, warm=not elastic)
        status, objective, bound = res.status, res.objective, res.bound
    else:
        with contextlib.nullcontext() if settings.msg else _silenced_stdout():
            ctx.prob.solve(solver)
        status = _status(ctx.prob)
        objective = None
    t2 = time.perf_counter()
    if status == "infeasible" and name == "cbc" and t2 - t1 >= 0.9 * settings.time_limit_s:
        status = "limit_no_solution"  # CBC reports 'infeasible' when it runs out of time
    gap = None
    chosen: tuple[int, ...] = ()
    buys: dict = {}
    flow_usd: dict = {}
    slacks: tuple[SlackRecord, ...] = ()
    team_new: dict = {}
    if status in ("optimal", "feasible"):
        vals = np.array([v.varValue or 0.0 for v in ctx.x])
        chosen = tuple(int(i) for i in np.flatnonzero(vals > 0.5))
        buys = {k: round(v.varValue or 0) for k, v in ctx.buy.items() if round(v.varValue or 0) > 0}
        flow_usd = {k: float(v.varValue or 0.0) for k, v in ctx.flow_cost.items()}
        team_new = {k: float(v.varValue or 0.0) for k, v in ctx.team_new.items()}
        if objective is None:
            objective = float(pulp.value(ctx.prob.objective) or 0.0)
        bound, gap = _bound(ctx, name, objective, status, bound)
        if elastic:
            slacks = tuple(
                SlackRecord(s.name, s.family, s.subject, float(s.var.varValue or 0.0), s.unit)
                for s in ctx.slacks
                if (s.var.varValue or 0) > 1e-6
            )
    else:
        objective = None
    sol = Solution(
        status=status,
        objective=objective,
        best_bound=bound,
        gap=gap,
        chosen=chosen,
        buys=buys,
        flow_usd=flow_usd,
        slacks=slacks,
        team_new=team_new,
        solver=name,
        build_seconds=t1 - t0,
        solve_seconds=t2 - t1,
        n_variables=len(ctx.x)
        + len(ctx.buy)
        + len(ctx.flow_cost)
        + len(ctx.team_new)
        + len(ctx.slacks),
        n_constraints=ctx.prob.numConstraints(),
    )
    return sol, ctx


def _status(prob: pulp.LpProblem) -> str:
    if prob.status == pulp.LpStatusOptimal:
        return "optimal" if prob.sol_status in (pulp.LpSolutionOptimal, None) else "feasible"
    if prob.status == pulp.LpStatusInfeasible:
        return "infeasible"
    if prob.sol_status == pulp.LpSolutionIntegerFeasible:
        return "feasible"
    if prob.status == pulp.LpStatusNotSolved:
        return "limit_no_solution"
    if prob.status == pulp.LpStatusUnbounded:
        return "error"
    return "limit_no_solution"


def _bound(
    ctx: ModelContext, name: str, objective: float, status: str, bound: float | None
) -> tuple[float | None, float | None]:
    if bound is not None and not math.isfinite(bound):
        bound = None
    if bound is None and status == "optimal" and (name == "highs" or ctx.mip_gap == 0):
        bound = objective  # proven optimal at zero gap; CBC exposes no bound otherwise
    if bound is None:
        return None, None
    bound = min(bound, objective)
    gap = abs(objective - bound) / max(abs(objective), 1e-9) if objective else 0.0
    return bound, gap


@contextlib.contextmanager
def _silenced_stdout():
    """HiGHS prints its banner from C even with output off; hide fd 1 while solving.

    Always the process's fd 1, not ``sys.stdout.fileno()``: under Jupyter ``sys.stdout`` is
    the kernel's stream while C code still writes to fd 1, which the kernel forwards.
    """
    fd = 1
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stdout.flush()
    try:
        saved = os.dup(fd)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        with contextlib.suppress(AttributeError, OSError, ValueError):
            sys.stdout.flush()
        os.dup2(saved, fd)
        os.close(saved)
