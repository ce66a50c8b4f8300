"""CBC fallback: a PuLP model derived from the same arrays HiGHS gets (one formulation).

Uses PuLP's current API (``LpProblem.add_variable``, ``addConstraint`` by name).
"""

from __future__ import annotations

import numpy as np
import pulp

from advisor.milp.model import Arrays
from advisor.milp.problem import SolverSettings


def _command(**opts) -> pulp.COIN_CMD:
    """CBC through ``COIN_CMD``: a ``cbc`` on PATH, else the binary bundled with PuLP 3."""
    solver = pulp.COIN_CMD(**opts)
    if not solver.available():
        from pulp.apis import coin_api

        solver = pulp.COIN_CMD(path=coin_api.pulp_cbc_path, **opts)
    return solver


def available() -> bool:
    return bool(_command(msg=False).available())


def solve(a: Arrays, settings: SolverSettings) -> tuple[str, np.ndarray | None, float | None]:
    """(status, column values, objective) of ``a`` solved by CBC within the time limit."""
    prob = pulp.LpProblem("advisor", pulp.LpMinimize)
    cols = []
    for j in range(a.n_cols):
        lo = None if not np.isfinite(a.lo[j]) else float(a.lo[j])
        hi = None if not np.isfinite(a.hi[j]) else float(a.hi[j])
        cat = pulp.LpInteger if a.integer[j] else pulp.LpContinuous
        if a.integer[j] and lo == 0.0 and hi == 1.0:
            cat = pulp.LpBinary
        cols.append(prob.add_variable(f"c{j}", lo, hi, cat))
    nz = np.flatnonzero(a.cost)
    prob.setObjective(
        pulp.LpAffineExpression([(cols[j], float(a.cost[j])) for j in nz], constant=a.offset)
    )
    for r in range(a.n_rows):
        s, e = int(a.start[r]), int(a.start[r + 1])
        expr = pulp.LpAffineExpression(
            [(cols[int(j)], float(v)) for j, v in zip(a.index[s:e], a.value[s:e], strict=True)]
        )
        lo, hi = float(a.row_lo[r]), float(a.row_hi[r])
        if lo == hi:
            prob.addConstraint(expr == hi, f"r{r}")
            continue
        if np.isfinite(hi):
            prob.addConstraint(expr <= hi, f"r{r}")
        if np.isfinite(lo):
            prob.addConstraint(expr >= lo, f"r{r}_lo")
    opts: dict = {"msg": settings.msg, "timeLimit": settings.time_limit_s}
    opts["gapRel"] = settings.mip_gap
    if settings.threads:
        opts["threads"] = settings.threads
    prob.solve(_command(**opts))
    status = _status(prob)
    if status not in ("optimal", "feasible"):
        return status, None, None
    values = np.array([v.varValue or 0.0 for v in cols], float)
    return status, values, float(a.cost @ values + a.offset)


def _status(prob: pulp.LpProblem) -> str:
    if prob.status == pulp.LpStatusOptimal:
        return "optimal" if prob.sol_status in (pulp.LpSolutionOptimal, None) else "feasible"
    if prob.status == pulp.LpStatusInfeasible:
        return "infeasible"
    if prob.sol_status == pulp.LpSolutionIntegerFeasible:
        return "feasible"
    if prob.status == pulp.LpStatusUnbounded:
        return "error"
    return "limit_no_solution"
