"""Price fault rules (issue 9 §1), written once for both users of them.

* The bundled catalog's build (``tools/build_catalogs.py``) judges ranked candidate rows
  from several sources per price key, and keeps the best-ranked candidate that passes.
* ``advisor catalog update`` judges what it fetched from one provider's price API (a single
  source) and cross-checks the catalog it updates.

Every rule is a pure pandas function over a price frame with ``provider, region,
instance_type, pricing, usd_per_hour`` (and, where a rule says so, ``source``,
``accelerator``, ``accelerator_count`` and ``area``). It returns the flagged rows as a frame
indexed like the input with ``rule`` and ``reason`` columns; nothing is dropped here. The
caller moves flagged rows to ``excluded_prices.csv`` with ``rule: reason``
(:func:`reason_text`), or corrects them. :func:`with_specs` and :func:`with_areas` add the
accelerator and area columns from the catalog's own tables.

Rules, and why each threshold is what it is:

* ``not_below_on_demand``: spot and reserved must be strictly below on-demand for the same
  provider, region and instance type (a discount that is not one is a data fault).
* ``accelerator_outliers``: USD per accelerator-hour of an on-demand row under
  ``OUTLIER_LOW`` (0.5x) or over ``OUTLIER_HIGH`` (2x) the provider's median for that
  instance type across regions. Per instance type, because the vCPU and memory bundled with
  one GPU differ 4x between sizes of one family (g4dn.xlarge vs g4dn.16xlarge: one T4 each).
  List prices of one type vary by region by well under 2x (the audit's faults were 0.42-0.49x
  and 1.5-2.3x), so the band leaves regional pricing alone. Groups of fewer than
  ``OUTLIER_MIN_REGIONS`` (3) regions are not judged: a median of two says little. On-demand
  only: spot is a market or discount price that legitimately moves further than 2x.
* ``flat_across_regions``: one on-demand accelerator price identical in at least
  ``FLAT_MIN_SHARE`` (half) of a source's regions for that instance type, spread over
  ``FLAT_MIN_AREAS`` (3) or more continents (regions.csv ``area``). All three providers price
  GPUs by region (Europe and Asia-Pacific dearer than the US), so such a value is a
  placeholder copied across regions (GCP's flat 4.20 USD H100 component). The two
  conditions leave genuine price tiers alone: AWS prices some Asia-Pacific countries alike
  (one continent), and Azure shares one NC A100 v4 tier among 8 of 27 regions on several
  continents (under half). A value that one provider statement (one SKU) gives for several
  regions is the provider's own single price, not a copy, and is not judged.
* ``round_multiples``: a row that is an exact round multiple (``ROUND_MULTIPLES``: 1.1x, 2x,
  ...) of the same row from another source, either way round: a mark-up or unit slip (the
  libcloud rows at 1.1x list). Exact means equal within the rounding of the printed value
  (never looser than ``ROUND_MAX_TOLERANCE``, 0.5%, so that an integer 2 is not 1.5x 1.3), or
  within ``ROUND_RELATIVE_TOLERANCE`` (0.05%): sources that round a computed price to 4-6
  decimals stay inside it, while a genuine price difference between sources does not.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

KEY = ["provider", "region", "instance_type", "pricing"]
FLAG_COLUMNS = ["rule", "reason"]
OUTLIER_LOW = 0.5
OUTLIER_HIGH = 2.0
OUTLIER_MIN_REGIONS = 3
FLAT_MIN_AREAS = 3
FLAT_MIN_SHARE = 0.5
ROUND_MULTIPLES = (1.1, 1.2, 1.25, 1.5, 2.0, 3.0, 10.0)
ROUND_MAX_TOLERANCE = 0.005
ROUND_RELATIVE_TOLERANCE = 5e-4


# --- inputs and outputs ---------------------------------------------------------------
def with_specs(prices: pd.DataFrame, instance_types: pd.DataFrame) -> pd.DataFrame:
    """``prices`` with ``accelerator`` and ``accelerator_count`` from ``instance_types``
    (types not in it get no accelerator, so the accelerator rules do not judge them)."""
    specs = instance_types[["provider", "instance_type", "accelerator", "accelerator_count"]]
    merged = prices.merge(
        specs.drop_duplicates(["provider", "instance_type"]),
        on=["provider", "instance_type"],
        how="left",
    )
    merged.index = prices.index
    count = pd.to_numeric(merged["accelerator_count"], errors="coerce").fillna(0)
    accelerator = merged["accelerator"].fillna("").astype(str)
    return merged.assign(
        accelerator=accelerator, accelerator_count=count.where(accelerator != "", 0)
    )


def with_areas(prices: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """``prices`` with ``area``, the continent key of regions.csv ('' for unknown regions)."""
    geo = regions[["provider", "region", "area"]].drop_duplicates(["provider", "region"])
    merged = prices.merge(geo, on=["provider", "region"], how="left")
    merged.index = prices.index
    return merged.assign(area=merged["area"].fillna("").astype(str))


def _flags(rows: pd.DataFrame, rule: str | pd.Series, reasons: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame({"rule": rule, "reason": reasons}, index=rows.index)
    return out[FLAG_COLUMNS]


def _texts(texts: list[str], index: pd.Index) -> pd.Series:
    return pd.Series(texts, index=index, dtype=object)


def _none() -> pd.DataFrame:
    return pd.DataFrame(columns=FLAG_COLUMNS)


def reason_text(flags: pd.DataFrame, index: pd.Index) -> pd.Series:
    """Per row of ``index``: ``'rule: reason'`` where flagged, else ``''``."""
    text = (flags["rule"] + ": " + flags["reason"]) if len(flags) else pd.Series(dtype=object)
    return text.reindex(index).fillna("").astype(object)


def combine_flags(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Merge several rules' flags: one row per flagged index, rules and reasons joined."""
    frames = [p[FLAG_COLUMNS] for p in parts if len(p)]
    if not frames:
        return _none()
    flags = pd.concat(frames)
    return flags.groupby(level=0).agg(
        rule=("rule", ",".join), reason=("reason", lambda r: "; ".join(r))
    )


# --- the rules ------------------------------------------------------------------------
def not_below_on_demand(
    rows: pd.DataFrame, on_demand: pd.Series | None = None, flag_unreferenced: bool = False
) -> pd.DataFrame:
    """Spot and reserved rows at or above on-demand for the same provider, region and type.

    ``on_demand`` is indexed by ``(provider, region, instance_type)``; by default it is the
    on-demand rows of ``rows`` itself. A row with no on-demand reference is flagged
    ``no_on_demand_reference`` when ``flag_unreferenced`` (a whole catalog must hold the
    on-demand price of every spot row; an update adds rows to a catalog that does).

    >>> p = pd.DataFrame({"provider": "gcp", "region": "r", "instance_type": "t",
    ...     "pricing": ["on_demand", "spot", "reserved_1y"], "usd_per_hour": [4.0, 4.5, 3.0]})
    >>> not_below_on_demand(p).to_dict("records")
    [{'rule': 'spot_not_below_on_demand', 'reason': '4.5 >= on-demand 4'}]
    """
    if on_demand is None:
        od_rows = rows[rows["pricing"] == "on_demand"].drop_duplicates(KEY[:3])
        on_demand = od_rows.set_index(KEY[:3])["usd_per_hour"]
    other = rows[rows["pricing"] != "on_demand"]
    keys = list(zip(other["provider"], other["region"], other["instance_type"], strict=True))
    od = pd.Series(on_demand.reindex(keys).to_numpy(), index=other.index, dtype=float)
    value = other["usd_per_hour"]
    above = other[(value >= od).fillna(False)]
    why = [f"{value[i]:g} >= on-demand {od[i]:g}" for i in above.index]
    parts = [_flags(above, above["pricing"] + "_not_below_on_demand", _texts(why, above.index))]
    if flag_unreferenced:
        lone = other[od.isna()]
        why = [f"no on-demand price for this key ({p})" for p in lone["pricing"]]
        parts.append(_flags(lone, "no_on_demand_reference", _texts(why, lone.index)))
    flags = pd.concat([p for p in parts if len(p)]) if any(len(p) for p in parts) else _none()
    return flags.loc[rows.index[rows.index.isin(flags.index)]]


def _judged_accelerator_rows(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[(rows["pricing"] == "on_demand") & (rows["accelerator_count"] > 0)]


def accelerator_outliers(rows: pd.DataFrame) -> pd.DataFrame:
    """On-demand rows whose USD per accelerator-hour is outside ``[OUTLIER_LOW, OUTLIER_HIGH]``
    times the provider's median for that instance type across regions.

    Needs ``accelerator`` and ``accelerator_count``. The median is over one row per key: the
    first, so ranked candidates must come sorted best first (single-source rows have one
    per key); every row is judged against it.
    """
    od = _judged_accelerator_rows(rows)
    if od.empty:
        return _none()
    per_acc = od["usd_per_hour"] / od["accelerator_count"]
    first = od.assign(per_acc=per_acc).drop_duplicates(KEY)
    stats = first.groupby(["provider", "instance_type"])["per_acc"].agg(["median", "count"])
    where = pd.MultiIndex.from_arrays([od["provider"], od["instance_type"]])
    ref = pd.Series(stats["median"].reindex(where).to_numpy(), index=od.index)
    regions = pd.Series(stats["count"].reindex(where).to_numpy(), index=od.index)
    ratio = per_acc / ref
    bad = (regions >= OUTLIER_MIN_REGIONS) & ((ratio < OUTLIER_LOW) | (ratio > OUTLIER_HIGH))
    hit = od[bad]
    reasons = [
        f"{per_acc[i]:.4g} USD per {hit.accelerator[i]}-hour is {ratio[i]:.2f}x the "
        f"{hit.provider[i]} median {ref[i]:.4g} of {hit.instance_type[i]} across regions "
        f"(rule: {OUTLIER_LOW:g}x-{OUTLIER_HIGH:g}x)"
        for i in hit.index
    ]
    return _flags(hit, "accelerator_price_outlier", _texts(reasons, hit.index))


def flat_across_regions(
    rows: pd.DataFrame,
    value_col: str = "usd_per_hour",
    source_col: str | None = "source",
    statement_col: str | None = None,
) -> pd.DataFrame:
    """On-demand accelerator rows of one source and instance type whose price is identical in
    at least ``FLAT_MIN_SHARE`` of the source's regions for that type, on ``FLAT_MIN_AREAS``
    or more continents.

    Needs ``accelerator_count`` and ``area``. ``value_col`` is the price compared (empty
    values fall back to ``usd_per_hour``), e.g. the GPU component of a composed price.
    ``source_col=None`` treats ``rows`` as one source. With ``statement_col`` (e.g. a
    provider SKU id), a value given by a single statement is the provider's own price for
    those regions and is not judged.
    """
    value = (
        rows[value_col].fillna(rows["usd_per_hour"]) if value_col in rows else rows["usd_per_hour"]
    )
    od = _judged_accelerator_rows(rows).assign(_v=value)
    source = od[source_col] if source_col else pd.Series("", index=od.index)
    reasons: dict[object, str] = {}
    for _, g in od.groupby([source, od["provider"], od["instance_type"]]):
        for v, same in g.groupby(g["_v"].round(6)):
            areas = same["area"].nunique()
            wide = areas >= FLAT_MIN_AREAS and len(same) >= FLAT_MIN_SHARE * len(g)
            one_statement = statement_col is not None and same[statement_col].nunique() < 2
            if wide and not one_statement:
                why = (
                    f"{v:g} identical in {len(same)} of {len(g)} regions on {areas} continents "
                    "in this source"
                )
                reasons.update(dict.fromkeys(same.index, why))
    hit = rows[rows.index.isin(list(reasons))]
    return _flags(hit, "flat_across_regions", _texts([reasons[i] for i in hit.index], hit.index))


def best_ranked(rows: pd.DataFrame, rank_col: str) -> pd.DataFrame:
    """The best-ranked row per key (lowest ``rank_col``; ties keep the given order)."""
    return rows.sort_values(rank_col, kind="mergesort").drop_duplicates(KEY)


def _half_last_digit(value: float) -> float:
    """Half a unit in the last printed decimal of ``value`` (its rounding tolerance)."""
    text = f"{value:.6f}".rstrip("0")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-decimals) + 1e-12


def round_multiples(rows: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Rows that are an exact round multiple (or its inverse) of the same key's row in
    ``reference`` from another source.

    ``reference`` holds one row per key with ``usd_per_hour`` and ``source``: for ranked
    candidates :func:`best_ranked`, for an update the prices just fetched. Rows of the
    reference's own source are not judged. Exact means within the rounding of the row's
    printed value (17.92 is 1.1 x 16.288 = 17.9168 rounded to cents; capped at
    ``ROUND_MAX_TOLERANCE``), or within ``ROUND_RELATIVE_TOLERANCE`` (a source that rounds a
    computed price to 4-6 decimals stays inside it). Adds ``multiple`` (row / reference)
    and ``other_usd_per_hour``.

    >>> a = pd.DataFrame({"provider": ["aws"], "region": ["us-east-1"], "source": ["a"],
    ...     "instance_type": ["g5.48xlarge"], "pricing": ["on_demand"], "usd_per_hour": [17.92]})
    >>> round_multiples(a, a.assign(usd_per_hour=16.288, source="b"))["multiple"].tolist()
    [1.1]
    """
    ref = reference[[*KEY, "usd_per_hour", "source"]].drop_duplicates(KEY)
    ref = ref.rename(columns={"usd_per_hour": "_ref", "source": "_ref_source"})
    merged = rows[[*KEY, "usd_per_hour", "source"]].merge(ref, on=KEY, how="left")
    merged.index = rows.index
    value, other = merged["usd_per_hour"], merged["_ref"]
    judged = other.notna() & (merged["source"] != merged["_ref_source"])
    printed = np.minimum(value.map(_half_last_digit), ROUND_MAX_TOLERANCE * value)
    found = pd.Series(np.nan, index=rows.index)
    rule = pd.Series(np.nan, index=rows.index)
    best = pd.Series(np.inf, index=rows.index)
    for k in ROUND_MULTIPLES:
        for target in (k, 1 / k):
            relative = (value / (target * other) - 1).abs()
            exact = (relative < ROUND_RELATIVE_TOLERANCE) | (
                (value - target * other).abs() <= printed
            )
            hit = judged & exact & (relative < best)
            found, rule, best = found.mask(hit, target), rule.mask(hit, k), best.mask(hit, relative)
    hit = merged[found.notna()]
    reasons = [
        f"{r.usd_per_hour:g} is {r.usd_per_hour / r._ref:.4f}x ({rule[i]:g}x rule) "
        f"of {r._ref:g} from {r._ref_source}"
        for i, r in hit.iterrows()
    ]
    flags = _flags(hit, "round_multiple", _texts(reasons, hit.index))
    return flags.assign(other_usd_per_hour=hit["_ref"], multiple=found[hit.index])


def find_faults(
    prices: pd.DataFrame, instance_types: pd.DataFrame, regions: pd.DataFrame
) -> pd.DataFrame:
    """The single-source rules on ``prices`` (one source, one row per key); one row per
    flagged row, rules and reasons joined."""
    rows = with_areas(with_specs(prices, instance_types), regions)
    return combine_flags(
        [
            not_below_on_demand(rows),
            flat_across_regions(rows, source_col=None),
            accelerator_outliers(rows),
        ]
    )
