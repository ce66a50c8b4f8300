"""Warm starts: the integer part of a solved neighbouring plan, mapped onto another model.

A what-if point, a relaxed limit or a Monte Carlo sample changes a few prices, bounds or
options; the plan already solved for a neighbour is usually feasible and near-optimal for it.
Options are matched by their key (unit, target, hardware, precision, pricing) and purchases
by (site, SKU), never by position, since pruning may keep different options. Continuous
columns (flow costs, team splits) are left unknown (NaN); :func:`advisor.milp.highs.complete`
fills them by an LP with the integers fixed, or rejects the start when it is infeasible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.milp.model import Layout

KEYS = ["unit", "target", "hardware", "precision", "pricing"]


def start_values(lay: Layout, placement: pd.DataFrame, purchases: pd.DataFrame) -> np.ndarray:
    """Column values for ``lay``'s model: x = 1 on the options ``placement`` chose, the
    purchases' counts on buy columns, NaN on continuous columns."""
    values = np.full(lay.n_cols, np.nan)
    o = lay.problem.options
    values[: lay.n_x] = 0.0
    if len(placement) and len(o):
        chosen = pd.MultiIndex.from_frame(placement[KEYS].astype(str))
        mine = pd.MultiIndex.from_frame(o[KEYS].astype(str))
        values[: lay.n_x] = mine.isin(chosen).astype(float)
    counts = {}
    if len(purchases):
        counts = dict(
            zip(
                zip(purchases["site"], purchases["sku"], strict=True),
                purchases["count"],
                strict=True,
            )
        )
    values[lay.buy0 : lay.flow0] = [float(counts.get(k, 0)) for k in lay.buy_keys]
    return values
