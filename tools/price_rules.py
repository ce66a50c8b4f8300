"""Fault rules for cloud price rows (issue 9 §1), shared by the catalog build and its tests.

Every function is pure: it takes a frame of price rows and returns, per row, a reason code
with a sentence ('' = passes). A flagged row is never emitted; the build either takes the
next-best source for the same key or records the row in excluded_prices.csv.

Columns used: provider, region, instance_type, pricing, usd_per_hour, source, and for the
per-accelerator rules accelerator, accelerator_count and continent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OUTLIER_LOW = 0.5  # flag per-accelerator-hour on-demand below 0.5x the provider median
OUTLIER_HIGH = 2.0  # ... or above 2x
ROUND_MULTIPLES = (1.1, 2.0)  # a row that is exactly k x (or 1/k x) another source's row
ROUND_TOLERANCE = 5e-4  # relative; source rounding to 4-6 decimals stays inside this
FLAT_MIN_CONTINENTS = 3  # one identical price on 3+ continents ...
FLAT_MIN_SHARE = 0.5  # ... in at least half of the source's regions = a flat placeholder
KEY = ["provider", "region", "instance_type", "pricing"]


def _reasons(index: pd.Index) -> pd.Series:
    return pd.Series("", index=index, dtype=object)


def accelerator_outliers(rows: pd.DataFrame) -> pd.Series:
    """On-demand rows whose USD per accelerator-hour is < 0.5x or > 2x the provider's median
    for that accelerator in the same instance type across regions (one row per key, the
    best-ranked; rows must come sorted by rank). Per instance type, because the vCPU and
    memory bundled with one GPU differ 4x between sizes of one family."""
    out = _reasons(rows.index)
    od = rows[(rows.pricing == "on_demand") & (rows.accelerator_count > 0)]
    if od.empty:
        return out
    per_acc = od.usd_per_hour / od.accelerator_count
    first = od.assign(per_acc=per_acc).drop_duplicates(KEY)
    median = first.groupby(["provider", "instance_type"]).per_acc.median()
    ref = pd.Series(
        median.reindex(list(zip(od.provider, od.instance_type, strict=True))).to_numpy(),
        index=od.index,
    )
    ratio = per_acc / ref
    bad = (ratio < OUTLIER_LOW) | (ratio > OUTLIER_HIGH)
    for i in od.index[bad]:
        out[i] = (
            f"accelerator_price_outlier: {per_acc[i]:.4g} USD per {od.accelerator[i]}-hour is "
            f"{ratio[i]:.2f}x the {od.provider[i]} median {ref[i]:.4g} of {od.instance_type[i]} "
            "across regions (rule: 0.5x-2x)"
        )
    return out


def flat_across_regions(rows: pd.DataFrame, value_col: str = "flat_check_usd") -> pd.Series:
    """Rows of one source and instance type whose (component) price is identical in at least
    half of the source's regions for that type, spread over 3 or more continents. All three
    providers price GPUs by region (Europe and Asia-Pacific dearer than the US), so such a
    value is a placeholder. Azure legitimately shares one price tier among a few regions on
    several continents (e.g. 8 of 27 regions for NC A100 v4), hence the share condition.
    ``value_col`` falls back to usd_per_hour where empty."""
    out = _reasons(rows.index)
    value = rows.get(value_col, pd.Series(np.nan, index=rows.index)).fillna(rows.usd_per_hour)
    od = rows[(rows.pricing == "on_demand") & (rows.accelerator_count > 0)].assign(v=value)
    for (_, _, _), g in od.groupby(["source", "provider", "instance_type"]):
        for v, same in g.groupby(g.v.round(6)):
            wide = same.continent.nunique() >= FLAT_MIN_CONTINENTS
            if wide and len(same) >= FLAT_MIN_SHARE * len(g):
                regions = len(same)
                for i in same.index:
                    out[i] = (
                        f"flat_across_regions: {v:g} identical in {regions} of {len(g)} regions "
                        f"on {same.continent.nunique()} continents in this source"
                    )
    return out


def round_multiples(rows: pd.DataFrame, rank_col: str = "priority") -> pd.Series:
    """Rows that are an exact round multiple (1.1x, 2x, or the inverse) of the best-ranked
    row of another source for the same key."""
    out = _reasons(rows.index)
    for _, g in rows.groupby(KEY):
        if g.source.nunique() < 2:
            continue
        best = g.sort_values(rank_col, kind="mergesort").iloc[0]
        for i, r in g.iterrows():
            if r.source == best.source:
                continue
            ratio = r.usd_per_hour / best.usd_per_hour
            for k in ROUND_MULTIPLES:
                for target in (k, 1 / k):
                    if abs(ratio / target - 1) < ROUND_TOLERANCE:
                        out[i] = (
                            f"round_multiple: {r.usd_per_hour:g} is {ratio:.4f}x "
                            f"({k:g}x rule) of {best.usd_per_hour:g} from {best.source}"
                        )
    return out


def not_below_on_demand(rows: pd.DataFrame, on_demand: pd.Series) -> pd.Series:
    """Spot and reserved rows at or above the chosen on-demand price of the same key.
    ``on_demand`` is indexed by (provider, region, instance_type)."""
    out = _reasons(rows.index)
    other = rows[rows.pricing != "on_demand"]
    keys = list(zip(other.provider, other.region, other.instance_type, strict=True))
    od = pd.Series(on_demand.reindex(keys).to_numpy(), index=other.index)
    bad = other.usd_per_hour >= od
    for i in other.index[bad.fillna(False)]:
        out[i] = (
            f"{other.pricing[i]}_not_below_on_demand: {other.usd_per_hour[i]:g} >= "
            f"on-demand {od[i]:g}"
        )
    for i in other.index[od.isna()]:
        out[i] = f"no_on_demand_reference: no on-demand price for this key ({other.pricing[i]})"
    return out
