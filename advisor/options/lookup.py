"""Lookups on long key columns, done once per distinct key.

The cloud cross product has hundreds of thousands of rows but only a handful of distinct
pricing models or targets, and ``Series.map`` on a string column pays per row in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd


def map_by_unique(keys: pd.Series, mapping: Mapping | pd.Series | Callable) -> pd.Series:
    """``keys.map(mapping)``: the same values, dtype, index and name, mapped per distinct key
    (``mapping`` a dict, a Series or a function of one key, e.g. ``"{:.0f} ms".format``)."""
    codes, uniques = pd.factorize(keys)
    if (codes < 0).any():  # missing keys: let pandas apply its own rule to them
        return keys.map(mapping)
    out = pd.Series(uniques, name=keys.name).map(mapping).take(codes)
    out.index = keys.index
    return out


def holds_by_unique(keys: pd.Series, predicate: Callable[[str], bool]) -> pd.Series:
    """A boolean Series: ``predicate`` of each key, evaluated once per distinct key."""
    uniques = pd.unique(keys)
    return keys.isin([k for k in uniques if predicate(k)])


def as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its categorical columns back to the dtype of their categories (for a
    few rows whose text is built with string operations)."""
    cats = {c: frame[c].cat.categories.dtype for c in frame.columns if frame[c].dtype == "category"}
    return frame.astype(cats) if cats else frame
