"""Exact decomposition of the array model into independent components.

Two columns are *coupled* when some row has a non-zero coefficient on both; a component is
a connected set of columns under that relation, with the rows touching it. The objective is
a sum over columns and every row lies inside one component, so

    min { c x : row_lo <= A x <= row_hi, lo <= x <= hi }  =  sum_k min { c_k x_k : (same)_k }

and a plan is optimal exactly when each component's part is. Each component is solved on
its own (:func:`solve_by_component`); their objectives and lower bounds add up. Bounds add
up too, so when every component ends within the relative gap g of its bound and the
objectives are non-negative, sum(obj) - sum(bound) <= g sum(obj): the whole is within g.

Two kinds of component need no solver:

* a column in no row: it sits at its lower bound when its cost is >= 0 (else its finite
  upper bound);
* one assignment row ``sum_o x[o] = 1`` over binaries and nothing else (a unit no capacity,
  budget, cap, rule or flow touches, e.g. a cloud-only unit without budgets): the optimum
  sets the cheapest x to 1 (ties to the lowest column, as the deterministic order).

Proven by brute force in ``tests/test_reduce.py``.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from advisor.milp import highs
from advisor.milp.model import Arrays, Layout, Model
from advisor.milp.problem import SolverSettings

SEPARATE_MAX = 16
"""At most this many non-trivial components get their own solve; more are solved together
(still exact: solving several independent components in one model is the same problem)."""


def column_components(a: Arrays) -> np.ndarray:
    """A component label per column (the smallest column index in its component)."""
    n = a.n_cols
    label = np.arange(n)
    if not a.n_rows or not len(a.index):
        return label
    counts = np.diff(a.start)
    rows_nonempty = np.flatnonzero(counts > 0)
    starts = a.start[:-1][rows_nonempty]
    row_of_entry = np.repeat(np.arange(a.n_rows), counts)
    while True:
        row_min = np.full(a.n_rows, n)
        row_min[rows_nonempty] = np.minimum.reduceat(label[a.index], starts)
        new = label.copy()
        np.minimum.at(new, a.index, row_min[row_of_entry])
        new = new[new]  # pointer jumping: follow labels to their root
        if np.array_equal(new, label):
            return label
        label = new


def _labelled(report, part: int, parts: int):
    """A progress callback that says which independent part of the model is being solved."""

    def inner(info: dict) -> None:
        report({**info, "part": part, "parts": parts})

    return inner


def solve_by_component(
    model: Model, settings: SolverSettings, warm: bool = True, start: np.ndarray | None = None
) -> highs.Result:
    """Solve every component of ``model`` (module docstring); the same result as one solve."""
    t0 = time.perf_counter()
    a = model.arrays
    label = column_components(a)
    values = np.where(a.cost >= 0, a.lo, np.where(np.isfinite(a.hi), a.hi, a.lo)).astype(float)
    if not np.isfinite(values).all():
        return highs.solve(model, settings, warm, start)  # unbounded column: let HiGHS say so
    counts = np.diff(a.start)
    row_label = np.full(a.n_rows, -1)
    nonempty = counts > 0
    row_label[nonempty] = label[a.index[a.start[:-1][nonempty]]]
    trivial = _trivial_assignment_rows(model, a, row_label, counts)
    for r in trivial:
        values[a.index[a.start[r] : a.start[r + 1]]] = 0.0
    values[_cheapest(a, trivial)] = 1.0
    if np.any((row_label < 0) & ((a.row_lo > 0) | (a.row_hi < 0))):
        return highs.Result("infeasible", None, None, None)  # an empty row that cannot hold
    rest = np.setdiff1d(np.unique(row_label[row_label >= 0]), label[a.index[a.start[trivial]]])
    groups = [rest] if len(rest) > SEPARATE_MAX else [np.array([c]) for c in rest]
    in_group = np.isin(label, rest)
    bound = float(a.cost[~in_group] @ values[~in_group]) + a.offset
    status = "optimal"
    total = max(int(in_group.sum()), 1)
    for gi, g in enumerate(groups):
        cols = np.flatnonzero(np.isin(label, g))
        rows = np.flatnonzero(np.isin(row_label, g))
        left = settings.time_limit_s - (time.perf_counter() - t0)
        share = left * len(cols) / total
        total -= len(cols)
        sub = submodel(model, cols, rows)
        sub_start = start[cols] if start is not None and len(start) == a.n_cols else None
        part = replace(settings, time_limit_s=max(share, 0.01))
        if settings.progress is not None and len(groups) > 1:
            part = replace(part, progress=_labelled(settings.progress, gi + 1, len(groups)))
        res = highs.solve(sub, part, warm, sub_start)
        if res.values is None or res.objective is None:
            return highs.Result(res.status, None, None, None)
        values[cols] = res.values
        bound += res.bound if res.bound is not None else -np.inf
        if res.status != "optimal":
            status = "feasible"
    objective = float(a.cost @ values) + a.offset
    # optimal when every component is (each within the gap of its own bound, so the sum is)
    return highs.Result(status, values, objective, bound if np.isfinite(bound) else None)


def _trivial_assignment_rows(
    model: Model, a: Arrays, row_label: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """Rows that are a whole component: ``sum x = 1`` over binaries with unit coefficients."""
    labels, n_rows = np.unique(row_label[row_label >= 0], return_counts=True)
    alone = np.isin(row_label, labels[n_rows == 1]) & (a.row_lo == 1) & (a.row_hi == 1)
    entry_row = np.repeat(np.arange(a.n_rows), counts)
    col = a.index
    bad = (a.value != 1) | (col >= model.n_x) | (a.lo[col] != 0) | (a.hi[col] != 1)
    spoilt = np.zeros(a.n_rows, bool)
    spoilt[entry_row[bad]] = True
    return np.flatnonzero(alone & ~spoilt)


def _cheapest(a: Arrays, rows: np.ndarray) -> np.ndarray:
    """The cheapest column of each row in ``rows`` (ties: the lowest column)."""
    if not len(rows):
        return np.zeros(0, np.int64)
    counts = np.diff(a.start)[rows]
    take = np.concatenate([np.arange(a.start[r], a.start[r + 1]) for r in rows])
    row = np.repeat(np.arange(len(rows)), counts)
    col = a.index[take]
    order = np.lexsort((col, a.cost[col], row))
    first = np.r_[True, row[order][1:] != row[order][:-1]]
    return col[order][first]


def submodel(model: Model, cols: np.ndarray, rows: np.ndarray) -> Model:
    """The model restricted to ``cols`` (sorted) and ``rows``; the columns keep their order,
    so options come first, then purchases, flows, team splits and slacks."""
    a = model.arrays
    pos = np.full(a.n_cols, -1)
    pos[cols] = np.arange(len(cols))
    counts = np.diff(a.start)[rows]
    take = (
        np.concatenate([np.arange(a.start[r], a.start[r + 1]) for r in rows])
        if len(rows)
        else np.zeros(0, np.int64)
    )
    index = pos[a.index[take]].astype(np.int32)
    sub = Arrays(
        a.cost[cols],
        0.0,
        a.lo[cols],
        a.hi[cols],
        a.integer[cols],
        a.row_lo[rows],
        a.row_hi[rows],
        np.r_[0, np.cumsum(counts)].astype(np.int32),
        index,
        a.value[take],
    )
    lay = model.layout
    x = cols[cols < lay.n_x]
    buy = cols[(cols >= lay.buy0) & (cols < lay.flow0)] - lay.buy0
    flow = cols[(cols >= lay.flow0) & (cols < lay.new0)] - lay.flow0
    new = cols[(cols >= lay.new0) & (cols < lay.n_cols)] - lay.new0
    problem = replace(lay.problem, options=lay.problem.options.iloc[x].reset_index(drop=True))
    sub_layout = Layout(
        problem,
        len(x),
        [lay.buy_keys[i] for i in buy],
        [lay.flow_names[i] for i in flow],
        [lay.new_keys[i] for i in new],
        lay.unit[x],
        lay.target[x],
        lay.site_option[x],
    )
    names = [model.rows[r] for r in rows] if model.rows else []
    return Model(sub_layout, sub, names, [], model.elastic)
