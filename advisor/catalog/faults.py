"""Price fault rules (issue 9 §1): pure pandas checks over a price frame.

The rules ``advisor catalog update`` applies to what it fetched from one provider's price
API (single source). The bundled catalog's build (``tools/build_catalogs.py``) ranks several
sources per price key and uses its own variants in ``tools/price_rules.py`` (outliers against
the best-ranked row, flat prices by continent and share, round multiples of the best-ranked
other source); the two are not yet one module. Every rule takes a frame
with ``provider, region, instance_type, pricing, usd_per_hour`` and returns the flagged rows
as a frame indexed like the input, with ``rule`` and ``reason`` columns. Nothing is dropped
here: the caller moves flagged rows to ``excluded_prices.csv`` (or corrects them).

Rules:

* ``not_below_on_demand``: spot and reserved must be strictly below on-demand for the same
  provider, region and instance type.
* ``accelerator_hour_outlier``: the price per accelerator-hour of one instance type in one
  region is under ``low`` or over ``high`` times the provider's median for that instance type
  and pricing across regions (``by="accelerator"`` pools every type of one accelerator; that
  misjudges CPU-heavy shapes such as g4dn.16xlarge, one T4 and 64 vCPU).
* ``identical_across_regions``: one price for one instance type (or price component) shared
  by regions in at least ``min_countries`` countries while the provider charges other prices
  for it elsewhere: a sign that a default was copied across regions. The default of 5
  countries leaves AWS's genuine price tiers alone (one price in 3-4 Asia-Pacific countries).
* ``round_multiple``: a row that is an exact round multiple (1.1x, 2x, ...) of the same row
  from another source (a mark-up or unit slip), within the rounding of the printed value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEY = ["provider", "region", "instance_type", "pricing"]
FLAG_COLUMNS = ["rule", "reason"]
ROUND_MULTIPLES = (1.1, 1.2, 1.25, 1.5, 2.0, 3.0, 10.0)


def _flags(frame: pd.DataFrame, mask: pd.Series, rule: str, reasons: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame({"rule": rule, "reason": reasons[mask]}, index=frame.index[mask])
    return out[FLAG_COLUMNS]


def not_below_on_demand(prices: pd.DataFrame) -> pd.DataFrame:
    """Spot or reserved rows priced at or above on-demand (same provider, region, type).

    >>> p = pd.DataFrame({"provider": "gcp", "region": "r", "instance_type": "t",
    ...     "pricing": ["on_demand", "spot", "reserved_1y"], "usd_per_hour": [4.0, 4.5, 3.0]})
    >>> not_below_on_demand(p)["rule"].tolist()
    ['not_below_on_demand']
    """
    od = prices.loc[prices["pricing"] == "on_demand", [*KEY[:3], "usd_per_hour"]]
    od = od.drop_duplicates(KEY[:3]).rename(columns={"usd_per_hour": "_od"})
    merged = prices[KEY[:3]].merge(od, on=KEY[:3], how="left")
    merged.index = prices.index
    mask = (prices["pricing"] != "on_demand") & (prices["usd_per_hour"] >= merged["_od"])
    reasons = (
        prices["pricing"]
        + " "
        + prices["usd_per_hour"].map("{:g}".format)
        + " is not below on-demand "
        + merged["_od"].map("{:g}".format)
    )
    return _flags(prices, mask.fillna(False), "not_below_on_demand", reasons)


def accelerator_hour_outliers(
    prices: pd.DataFrame,
    instance_types: pd.DataFrame,
    low: float = 0.5,
    high: float = 2.0,
    min_rows: int = 3,
    by: str = "instance_type",
) -> pd.DataFrame:
    """Rows whose USD per accelerator-hour is outside ``[low, high] x`` the provider median.

    The median is taken per provider, ``by`` (``instance_type`` or ``accelerator``) and
    pricing over ``prices`` itself; groups with fewer than ``min_rows`` rows are not judged
    (a median of two says little).
    """
    specs = instance_types[["provider", "instance_type", "accelerator", "accelerator_count"]]
    merged = prices[["provider", "instance_type", "pricing", "usd_per_hour"]].merge(
        specs.drop_duplicates(["provider", "instance_type"]),
        on=["provider", "instance_type"],
        how="left",
    )
    merged.index = prices.index
    count = pd.to_numeric(merged["accelerator_count"], errors="coerce")
    has_acc = merged["accelerator"].fillna("").astype(str).ne("") & (count > 0)
    per_acc = (merged["usd_per_hour"] / count).where(has_acc)
    groups = [merged["provider"], merged[by], merged["pricing"]]
    median = per_acc.groupby(groups, dropna=True).transform("median")
    size = per_acc.groupby(groups, dropna=True).transform("count")
    ratio = per_acc / median
    mask = has_acc & (size >= min_rows) & ((ratio < low) | (ratio > high))
    reasons = (
        per_acc.map("{:.4g}".format)
        + " USD per "
        + merged["accelerator"].astype(str)
        + "-hour is "
        + ratio.map("{:.2f}".format)
        + f"x the provider's median by {by} "
        + median.map("{:.4g}".format)
        + f" (allowed {low:g}-{high:g}x)"
    )
    return _flags(prices, mask.fillna(False), "accelerator_hour_outlier", reasons)


def identical_across_regions(
    prices: pd.DataFrame,
    regions: pd.DataFrame,
    min_countries: int = 5,
    source_col: str | None = None,
) -> pd.DataFrame:
    """One price shared across ``min_countries``+ countries while other regions differ.

    ``regions`` maps ``provider, region`` to ``country_iso2``. When ``source_col`` is given
    (e.g. a provider SKU id), rows from one source count once: a provider's own multi-region
    SKU states one price for its regions and is not a copied default.
    """
    geo = regions[["provider", "region", "country_iso2"]].drop_duplicates(["provider", "region"])
    merged = prices.merge(geo, on=["provider", "region"], how="left")
    merged.index = prices.index
    merged["_country"] = merged["country_iso2"].fillna(merged["region"])
    merged["_value"] = merged["usd_per_hour"].round(9)
    group = ["provider", "instance_type", "pricing"]
    distinct = merged.groupby(group)["_value"].transform("nunique")
    same = [*group, "_value"]
    countries = merged.groupby(same)["_country"].transform("nunique")
    n_regions = merged.groupby(same)["region"].transform("nunique")
    mask = (distinct > 1) & (countries >= min_countries)
    if source_col is not None:
        sources = merged.groupby(same)[source_col].transform("nunique")
        mask &= sources >= min_countries
    reasons = (
        merged["usd_per_hour"].map("{:g}".format)
        + " is identical in "
        + n_regions.astype(str)
        + " regions across "
        + countries.astype(str)
        + " countries while other regions are priced differently"
    )
    return _flags(prices, mask.fillna(False), "identical_across_regions", reasons)


def _half_last_digit(value: float) -> float:
    """Half a unit in the last printed decimal of ``value`` (its rounding tolerance)."""
    text = f"{value:.6f}".rstrip("0")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-decimals) + 1e-12


def round_multiples(
    prices: pd.DataFrame, other: pd.DataFrame, multiples: tuple[float, ...] = ROUND_MULTIPLES
) -> pd.DataFrame:
    """Rows of ``prices`` that are an exact round multiple of the same row in ``other``.

    Exact means equal after the rounding of the printed value: 17.92 is 1.1 x 16.288
    (17.9168 rounded to cents). Returns flags plus ``other_usd_per_hour`` and ``multiple``.

    >>> a = pd.DataFrame({"provider": ["aws"], "region": ["us-east-1"],
    ...     "instance_type": ["g5.48xlarge"], "pricing": ["on_demand"], "usd_per_hour": [17.92]})
    >>> round_multiples(a, a.assign(usd_per_hour=16.288))["multiple"].tolist()
    [1.1]
    """
    right = other[[*KEY, "usd_per_hour"]].drop_duplicates(KEY)
    merged = prices[[*KEY, "usd_per_hour"]].merge(
        right.rename(columns={"usd_per_hour": "_other"}), on=KEY, how="left"
    )
    merged.index = prices.index
    # Within the printed rounding, and never looser than 0.5% (an integer 2 is not 1.5 x 1).
    tol = np.minimum(merged["usd_per_hour"].map(_half_last_digit), 0.005 * merged["usd_per_hour"])
    found = pd.Series(np.nan, index=prices.index)
    best = pd.Series(np.inf, index=prices.index)
    for m in multiples:
        err = (merged["usd_per_hour"] - m * merged["_other"]).abs()
        hit = (err <= tol) & (err < best)
        found, best = found.mask(hit, m), best.mask(hit, err)
    mask = found.notna()
    reasons = (
        merged["usd_per_hour"].map("{:g}".format)
        + " is "
        + found.map("{:g}".format)
        + "x "
        + merged["_other"].map("{:g}".format)
        + " from the other source"
    )
    flags = _flags(prices, mask, "round_multiple", reasons)
    flags["other_usd_per_hour"] = merged.loc[mask, "_other"]
    flags["multiple"] = found[mask]
    return flags


def find_faults(
    prices: pd.DataFrame,
    instance_types: pd.DataFrame,
    regions: pd.DataFrame,
    min_countries: int = 5,
) -> pd.DataFrame:
    """All single-source rules on ``prices``; one row per flagged row, reasons joined."""
    parts = [
        not_below_on_demand(prices),
        accelerator_hour_outliers(prices, instance_types),
        identical_across_regions(prices, regions, min_countries=min_countries),
    ]
    return combine_flags(parts)


def combine_flags(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Merge several rules' flags: one row per flagged index, rules and reasons joined."""
    frames = [p[FLAG_COLUMNS] for p in parts if len(p)]
    if not frames:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    flags = pd.concat(frames)
    return flags.groupby(level=0).agg(
        rule=("rule", ",".join), reason=("reason", lambda r: "; ".join(r))
    )
