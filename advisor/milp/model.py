"""The placement MILP as arrays: columns, one sparse block per constraint family, the objective.

Columns, in this order (``Layout``):

* ``x[o]``      binary, one per option (row ``o`` of ``Problem.options``);
* ``buy[s,k]``  integer in [0, max_buy], one per purchasable (site, SKU) some option uses;
* ``c[f]``      continuous >= 0, the monthly cost of flow ``f``;
* ``new[s,k,g]`` continuous >= 0, team ``g``'s units on newly bought boxes (team capex only);
* ``slack``     continuous >= 0, one per elastic row (elastic mode only).

Each family (:mod:`advisor.milp.constraints`) returns a :class:`Block`: its rows
``lo <= A x <= hi`` as COO triplets over these columns, vectorised over options, with each
row's index name (``capacity[fra-dc1,hgx-h100-8]``), subject, unit and shortfall scale.
:func:`build` stacks the blocks into one CSR matrix (:class:`Arrays`); HiGHS takes it as is
and the CBC fallback derives its PuLP model from it, so there is one formulation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from advisor.milp.problem import Problem

INF = float("inf")


@dataclass(frozen=True, eq=False)
class Block:
    """Rows ``lo <= A x <= hi`` of one family; ``row`` indexes into this block's rows."""

    family: str
    names: list[str]
    subjects: list[str]
    row: np.ndarray
    col: np.ndarray
    val: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    units: list[str] = field(default_factory=list)
    scale: np.ndarray | None = None
    elastic: bool = True

    @property
    def n_rows(self) -> int:
        return len(self.names)


def block(
    family: str,
    names: list[str],
    subjects: list[str],
    terms: tuple[Any, Any, Any],
    lo: np.ndarray | float,
    hi: np.ndarray | float,
    *,
    unit: str | list[str] = "",
    scale: np.ndarray | float = 1.0,
    elastic: bool = True,
) -> Block:
    """A block from ``terms = (row, col, val)``; scalar bounds, units and scales broadcast."""
    n = len(names)
    row, col, val = (np.asarray(t) for t in terms)
    return Block(
        family,
        list(names),
        list(subjects),
        row.astype(np.int64),
        col.astype(np.int64),
        val.astype(float),
        np.broadcast_to(np.asarray(lo, float), (n,)).copy(),
        np.broadcast_to(np.asarray(hi, float), (n,)).copy(),
        [unit] * n if isinstance(unit, str) else list(unit),
        np.maximum(np.broadcast_to(np.asarray(scale, float), (n,)), 1e-9),
        elastic,
    )


def empty_block(family: str) -> Block:
    none = np.zeros(0)
    return block(family, [], [], (none, none, none), none, none)


@dataclass(eq=False)
class Layout:
    """Column positions and the option arrays the families read (built once per problem)."""

    problem: Problem
    n_x: int
    buy_keys: list[tuple[str, str]]
    flow_names: list[str]
    new_keys: list[tuple[str, str, str]]
    unit: np.ndarray
    target: np.ndarray
    site_option: np.ndarray  # bool: a site (local/edge) option
    _pairs: dict | None = field(default=None, repr=False)

    @property
    def buy0(self) -> int:
        return self.n_x

    @property
    def flow0(self) -> int:
        return self.buy0 + len(self.buy_keys)

    @property
    def new0(self) -> int:
        return self.flow0 + len(self.flow_names)

    @property
    def n_cols(self) -> int:
        return self.new0 + len(self.new_keys)

    def buy_col(self) -> dict[tuple[str, str], int]:
        return {k: self.buy0 + i for i, k in enumerate(self.buy_keys)}

    def options_at(self) -> dict[tuple[str, str], np.ndarray]:
        """(unit, target) -> positions of the unit's options there (the support of z[u,t])."""
        if self._pairs is None:
            frame = pd.DataFrame({"u": self.unit, "t": self.target})
            self._pairs = {
                k: np.asarray(v, np.int64) for k, v in frame.groupby(["u", "t"]).indices.items()
            }
        return self._pairs

    def targets_of(self, unit: str) -> list[str]:
        return sorted(t for (u, t) in self.options_at() if u == unit)


def layout(problem: Problem) -> Layout:
    o = problem.options
    pur = problem.purchasables
    used = set(zip(o["site"], o["hardware"], strict=True))
    buy_keys = [
        (s, k)
        for s, k, m in zip(pur["site"], pur["sku"], pur["max_buy"], strict=True)
        if m > 0 and (s, k) in used
    ]
    new_keys: list[tuple[str, str, str]] = []
    site_option = (o["tier"] != "cloud").to_numpy()
    if problem.team_capex and len(o):
        buyable = set(buy_keys)
        triples = o.loc[site_option, ["site", "hardware", "team"]].drop_duplicates()
        new_keys = sorted(
            (s, k, g) for s, k, g in triples.itertuples(index=False, name=None) if (s, k) in buyable
        )
    return Layout(
        problem,
        len(o),
        buy_keys,
        [f.name for f in problem.flows],
        new_keys,
        o["unit"].to_numpy(),
        o["target"].to_numpy(),
        site_option,
    )


@dataclass(eq=False)
class Arrays:
    """A MILP in HiGHS form: min cost x + offset  s.t. row_lo <= A x <= row_hi, lo <= x <= hi.

    ``A`` is row-wise CSR (``start``, ``index``, ``value``).
    """

    cost: np.ndarray
    offset: float
    lo: np.ndarray
    hi: np.ndarray
    integer: np.ndarray  # bool per column
    row_lo: np.ndarray
    row_hi: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lo)

    def with_bounds(self, lo: np.ndarray | None = None, hi: np.ndarray | None = None) -> Arrays:
        """The same model with other column bounds (the matrix is shared, not copied)."""
        return replace(self, lo=self.lo if lo is None else lo, hi=self.hi if hi is None else hi)


@dataclass(frozen=True)
class RowInfo:
    name: str
    family: str
    subject: str


@dataclass(frozen=True)
class SlackColumn:
    """An elastic row's slack: its column, the row it relaxes, and the shortfall's unit."""

    column: int
    name: str
    family: str
    subject: str
    unit: str
    scale: float


@dataclass(eq=False)
class Model:
    """The built model: the layout, its arrays, row names and (elastic mode) slack columns."""

    layout: Layout
    arrays: Arrays
    rows: list[RowInfo]
    slacks: list[SlackColumn]
    elastic: bool

    @property
    def problem(self) -> Problem:
        return self.layout.problem

    @property
    def n_x(self) -> int:
        return self.layout.n_x


def csr(
    n_rows: int, row: np.ndarray, col: np.ndarray, val: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """COO triplets -> row-wise CSR (start, index, value); duplicates summed, zeros dropped."""
    if len(row):
        key = row.astype(np.int64) * (int(col.max()) + 1) + col.astype(np.int64)
        uniq, inv = np.unique(key, return_inverse=True)
        summed = np.bincount(inv, weights=val, minlength=len(uniq))
        width = int(col.max()) + 1
        row, col, val = uniq // width, uniq % width, summed
        keep = val != 0
        row, col, val = row[keep], col[keep], val[keep]
    counts = np.bincount(row.astype(np.int64), minlength=n_rows) if len(row) else np.zeros(n_rows)
    start = np.r_[0, np.cumsum(counts)].astype(np.int32)
    return start, col.astype(np.int32), np.asarray(val, float)


def build(
    problem: Problem,
    elastic: bool = False,
    families: tuple | None = None,
    relax: frozenset[str] | None = None,
) -> Model:
    """Every family's block stacked into one matrix, the bounds and the objective.

    Objective (minimise):
        sum_o obj[o] x[o] + sum_{s,k} capex_obj[s,k] buy[s,k] + flow_factor * sum_f c[f]
    obj[o] and capex_obj[s,k] are columns of the Problem (advisor.milp.formulate), computed
    by the cost rules of advisor.options.costing (a box: box_capex_usd_per_month times the
    months counted); the model never re-derives a cost.
    In elastic mode every elastic row gets a slack and the objective is the total relative
    shortfall sum(slack / scale), plus the cost scaled by 1e-6 / (total cost magnitude) to
    pick a cheap plan among equally short ones. ``relax`` limits the slacks to those
    families (the others hold as written).
    """
    from advisor.milp import constraints

    lay = layout(problem)
    fams = constraints.FAMILIES if families is None else families
    blocks = [constraints.team_capex_split(lay)] + [f(lay) for f in fams]
    n_rows = sum(b.n_rows for b in blocks)
    rows: list[RowInfo] = []
    rr, cc, vv, lo, hi = [], [], [], [], []
    slacks: list[SlackColumn] = []
    offset_row = 0
    next_col = lay.n_cols
    for b in blocks:
        rr.append(b.row + offset_row)
        cc.append(b.col)
        vv.append(b.val)
        lo.append(b.lo)
        hi.append(b.hi)
        rows += [RowInfo(n, b.family, s) for n, s in zip(b.names, b.subjects, strict=True)]
        if elastic and b.elastic and b.n_rows and (relax is None or b.family in relax):
            scale = b.scale if b.scale is not None else np.ones(b.n_rows)
            for i in range(b.n_rows):
                r = offset_row + i
                # <= rows: A x - s <= hi; >= rows: A x + s >= lo; == rows: A x - s + s2 = rhs
                pairs = []
                if np.isfinite(b.hi[i]) and not np.isfinite(b.lo[i]):
                    pairs = [(-1.0, b.names[i])]
                elif np.isfinite(b.lo[i]) and not np.isfinite(b.hi[i]):
                    pairs = [(1.0, b.names[i])]
                else:
                    pairs = [(-1.0, b.names[i]), (1.0, b.names[i] + "-")]
                for sign, name in pairs:
                    rr.append(np.array([r]))
                    cc.append(np.array([next_col]))
                    vv.append(np.array([sign]))
                    slacks.append(
                        SlackColumn(next_col, name, b.family, b.subjects[i], b.units[i], scale[i])
                    )
                    next_col += 1
        offset_row += b.n_rows
    n_cols = next_col
    row = np.concatenate(rr) if rr else np.zeros(0, np.int64)
    col = np.concatenate(cc) if cc else np.zeros(0, np.int64)
    val = np.concatenate(vv) if vv else np.zeros(0)
    start, index, value = csr(n_rows, row, col, val)
    cost, c_lo, c_hi, integer = _columns(lay, n_cols)
    if elastic:
        total = _cost_magnitude(problem)
        cost = cost * (1e-6 / total)
        for s in slacks:
            cost[s.column] = 1.0 / s.scale
    arrays = Arrays(
        cost,
        0.0,
        c_lo,
        c_hi,
        integer,
        np.concatenate(lo) if lo else np.zeros(0),
        np.concatenate(hi) if hi else np.zeros(0),
        start,
        index,
        value,
    )
    return Model(lay, arrays, rows, slacks, elastic)


def _cost_magnitude(problem: Problem) -> float:
    obj = problem.options["obj_usd"].to_numpy(float)
    capex = problem.purchasables["capex_obj_usd"].to_numpy(float)
    return max(1.0, float(np.abs(obj).sum()) + float(np.abs(capex).sum()))


def _columns(lay: Layout, n_cols: int) -> tuple[np.ndarray, ...]:
    """Objective coefficients, bounds and integrality of every column."""
    p = lay.problem
    cost = np.zeros(n_cols)
    lo = np.zeros(n_cols)
    hi = np.full(n_cols, INF)
    integer = np.zeros(n_cols, bool)
    cost[: lay.n_x] = p.options["obj_usd"].to_numpy(float)
    hi[: lay.n_x] = 1.0
    integer[: lay.n_x] = True
    if lay.buy_keys:
        pur = p.purchasables.set_index(["site", "sku"])
        keys = pd.MultiIndex.from_tuples(lay.buy_keys)
        span = slice(lay.buy0, lay.flow0)
        cost[span] = pur["capex_obj_usd"].reindex(keys).to_numpy(float)
        hi[span] = np.floor(pur["max_buy"].reindex(keys).to_numpy(float))
        integer[span] = True
    cost[lay.flow0 : lay.new0] = p.flow_obj_factor
    return cost, lo, hi, integer
