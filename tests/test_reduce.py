"""The exact decomposition (advisor/milp/reduce.py) against brute force.

Random small 0/1 programs made of several independent blocks (knapsack rows, equality rows,
lone assignment rows and columns in no row) are solved three ways: by enumerating every 0/1
vector, as one HiGHS model, and component by component. All three optima must agree, and the
component solution must satisfy every row.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from advisor.milp import SolverSettings, highs, reduce
from advisor.milp.model import Arrays, Layout, Model, csr
from advisor.milp.problem import Problem

SETTINGS = SolverSettings(mip_gap=0.0, time_limit_s=30)


def model_of(a: Arrays, units: list[str]) -> Model:
    n = a.n_cols
    options = pd.DataFrame(
        {"unit": units, "target": ["t"] * n, "tier": ["cloud"] * n, "obj_usd": a.cost}
    )
    problem = Problem(options, pd.DataFrame(), pd.DataFrame())
    lay = Layout(problem, n, [], [], [], np.asarray(units), np.array(["t"] * n), np.zeros(n, bool))
    return Model(lay, a, [], [], False)


def random_program(rng: np.random.Generator) -> tuple[Arrays, list[str]]:
    n = int(rng.integers(6, 13))
    cost = rng.integers(-3, 10, n).astype(float)
    blocks = np.sort(rng.integers(0, 4, n))  # columns of block b interact only with block b
    rows, cols, vals, lo, hi = [], [], [], [], []
    units = [f"u{j}" for j in range(n)]
    for b in np.unique(blocks):
        members = np.flatnonzero(blocks == b)
        kind = rng.integers(0, 4)
        r = len(lo)
        if kind == 0 and len(members) >= 2:  # a lone assignment row: exactly one of them
            rows += [r] * len(members)
            cols += list(members)
            vals += [1.0] * len(members)
            lo.append(1.0)
            hi.append(1.0)
            for j in members:
                units[j] = f"a{b}"
        elif kind == 1:  # a knapsack row and an at-least row
            w = rng.integers(1, 6, len(members)).astype(float)
            rows += [r] * len(members) + [r + 1] * len(members)
            cols += list(members) * 2
            vals += list(w) + [1.0] * len(members)
            lo += [-np.inf, float(rng.integers(0, 2))]
            hi += [float(rng.integers(2, 10)), np.inf]
        elif kind == 2:  # an equality on a weighted sum
            w = rng.integers(-2, 3, len(members)).astype(float)
            rows += [r] * len(members)
            cols += list(members)
            vals += list(w)
            rhs = float(rng.integers(-1, 2))
            lo.append(rhs)
            hi.append(rhs)
        # kind 3: columns in no row
    start, index, value = csr(len(lo), np.asarray(rows), np.asarray(cols), np.asarray(vals))
    a = Arrays(
        cost,
        0.0,
        np.zeros(n),
        np.ones(n),
        np.ones(n, bool),
        np.asarray(lo, float),
        np.asarray(hi, float),
        start,
        index,
        value,
    )
    return a, units


def brute_force(a: Arrays) -> float | None:
    xs = np.array(list(itertools.product((0.0, 1.0), repeat=a.n_cols)))
    dense = np.zeros((a.n_rows, a.n_cols))
    for r in range(a.n_rows):
        s, e = a.start[r], a.start[r + 1]
        dense[r, a.index[s:e]] = a.value[s:e]
    act = xs @ dense.T
    ok = ((act >= a.row_lo - 1e-9) & (act <= a.row_hi + 1e-9)).all(axis=1)
    return float((xs[ok] @ a.cost).min()) if ok.any() else None


@pytest.mark.parametrize("seed", range(40))
def test_components_match_brute_force_and_one_solve(seed):
    rng = np.random.default_rng(seed)
    a, units = random_program(rng)
    model = model_of(a, units)
    best = brute_force(a)
    whole = highs.solve(model, SETTINGS, warm=False)
    parts = reduce.solve_by_component(model, SETTINGS, warm=False)
    if best is None:
        assert whole.status == "infeasible"
        assert parts.status == "infeasible"
        return
    assert whole.objective == pytest.approx(best, abs=1e-6)
    assert parts.status == "optimal"
    assert parts.objective == pytest.approx(best, abs=1e-6)
    assert highs.feasible(a, parts.values)
    assert float(a.cost @ parts.values) == pytest.approx(parts.objective, abs=1e-6)


def test_components_are_connected_sets_of_columns():
    # rows {0,1}, {1,2}, {4,5}; column 3 and 6 alone
    start, index, value = csr(
        3, np.array([0, 0, 1, 1, 2, 2]), np.array([0, 1, 1, 2, 4, 5]), np.ones(6)
    )
    a = Arrays(np.zeros(7), 0.0, np.zeros(7), np.ones(7), np.ones(7, bool), np.zeros(3), np.ones(3), start, index, value)  # fmt: skip
    label = reduce.column_components(a)
    assert label.tolist() == [0, 0, 0, 3, 4, 4, 6]
