"""Build the array model of a :class:`Problem`, solve it with HiGHS (or CBC), read it back.

Every solver call gets the time it is given (``settings.time_limit_s``) and honours it.
Solutions are mapped back by column position, never by parsing names.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from typing import Any

import numpy as np

from advisor.milp import reduce
from advisor.milp.model import Model, build
from advisor.milp.problem import Problem, SlackRecord, Solution, SolverSettings


def run(
    problem: Problem,
    settings: SolverSettings,
    elastic: bool = False,
    start: np.ndarray | None = None,
    relax: frozenset[str] | None = None,
) -> tuple[Solution, Model]:
    """Build and solve. ``start`` (column values, e.g. of a neighbouring what-if point) is
    the first incumbent when it is feasible (HiGHS only; see :mod:`advisor.milp.highs` for
    why a start can never make a wrong plan "optimal").

    HiGHS (default) solves each independent component (:mod:`advisor.milp.reduce`) with the
    LP-guided strategy of :mod:`advisor.milp.highs`; CBC gets the whole model through PuLP.
    """
    if settings.solver not in ("highs", "cbc"):
        raise ValueError(f"unknown solver {settings.solver!r}; use 'highs' or 'cbc'")
    t0 = time.perf_counter()
    model = build(problem, elastic) if relax is None else build(problem, elastic, relax=relax)
    t1 = time.perf_counter()
    remaining = max(settings.time_limit_s - (t1 - t0), 0.01)
    timed = SolverSettings(**{**settings.__dict__, "time_limit_s": remaining})
    with contextlib.nullcontext() if settings.msg else _silenced_stdout():
        if settings.solver == "cbc":
            from advisor.milp import cbc

            if not cbc.available():
                raise RuntimeError("CBC is not available; pip install pulp (it bundles CBC)")
            status, values, objective = cbc.solve(model.arrays, timed)
            bound = None
            name = "cbc"
        else:
            res = reduce.solve_by_component(model, timed, warm=not elastic, start=start)
            status, values, objective, bound = res.status, res.values, res.objective, res.bound
            name = "highs"
    t2 = time.perf_counter()
    if status == "infeasible" and name == "cbc" and t2 - t1 >= 0.9 * remaining:
        status = "limit_no_solution"  # CBC reports 'infeasible' when it runs out of time
    return _solution(
        model, name, status, values, objective, bound, settings, t1 - t0, t2 - t1
    ), model


def _solution(
    model: Model,
    name: str,
    status: str,
    values: np.ndarray | None,
    objective: float | None,
    bound: float | None,
    settings: SolverSettings,
    build_s: float,
    solve_s: float,
) -> Solution:
    lay = model.layout
    a = model.arrays
    common: dict[str, Any] = dict(
        solver=name,
        build_seconds=build_s,
        solve_seconds=solve_s,
        n_variables=a.n_cols,
        n_constraints=a.n_rows,
    )
    if status not in ("optimal", "feasible") or values is None:
        return Solution(status=status, objective=None, best_bound=None, gap=None, **common)
    x = values[: lay.n_x]
    buys = np.round(values[lay.buy0 : lay.flow0]).astype(int)
    if objective is None:
        objective = float(a.cost @ values + a.offset)
    bound, gap = _bound(name, objective, status, bound, settings.mip_gap)
    slacks = tuple(
        SlackRecord(s.name, s.family, s.subject, float(values[s.column]), s.unit)
        for s in model.slacks
        if values[s.column] > 1e-6
    )
    return Solution(
        status=status,
        objective=objective,
        best_bound=bound,
        gap=gap,
        chosen=tuple(int(i) for i in np.flatnonzero(x > 0.5)),
        buys={k: int(b) for k, b in zip(lay.buy_keys, buys, strict=True) if b > 0},
        flow_usd={
            n: float(v) for n, v in zip(lay.flow_names, values[lay.flow0 : lay.new0], strict=True)
        },
        slacks=slacks,
        team_new={
            k: float(v) for k, v in zip(lay.new_keys, values[lay.new0 : lay.n_cols], strict=True)
        },
        values=values,
        **common,
    )


def _bound(
    name: str, objective: float, status: str, bound: float | None, mip_gap: float
) -> tuple[float | None, float | None]:
    if bound is not None and not math.isfinite(bound):
        bound = None
    if bound is None and status == "optimal" and (name == "highs" or mip_gap == 0):
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
