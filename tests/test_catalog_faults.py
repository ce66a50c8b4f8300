"""The price fault rules (advisor/catalog/faults.py), shared by the catalog build and
``advisor catalog update``: each flags its fault and nothing clean."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.catalog import faults

REGIONS = pd.DataFrame(
    {
        "provider": "gcp",
        "region": ["us-central1", "us-east4", "europe-west4", "europe-west3", "europe-west2",
                   "asia-northeast1", "australia-southeast1", "europe-west9"],
        "country_iso2": ["US", "US", "NL", "DE", "GB", "JP", "AU", "FR"],
        "area": ["north_america", "north_america", "europe", "europe", "europe", "asia",
                 "oceania", "europe"],
    }
)  # fmt: skip
TYPES = pd.DataFrame(
    {
        "provider": "gcp",
        "instance_type": ["a3-highgpu-8g", "a3-highgpu-1g", "c2-standard-16"],
        "accelerator": ["H100", "H100", ""],
        "accelerator_count": [8, 1, 0],
    }
)


def frame(rows: list[tuple[str, str, str, float]], provider: str = "gcp") -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["region", "instance_type", "pricing", "usd_per_hour"]
    ).assign(provider=provider, source="api")


def judged(prices: pd.DataFrame) -> pd.DataFrame:
    return faults.with_areas(faults.with_specs(prices, TYPES), REGIONS)


def ranked(values: list[tuple[str, str, str, float]], count: int = 8) -> pd.DataFrame:
    """Candidate rows of the build: (region, area, source, value), 'good' ranked first."""
    return pd.DataFrame(
        [
            {"provider": "gcp", "region": r, "instance_type": "x-8g", "pricing": "on_demand",
             "usd_per_hour": v, "source": s, "accelerator": "H100", "accelerator_count": count,
             "area": a, "priority": 0 if s == "good" else 1}
            for r, a, s, v in values
        ]
    )  # fmt: skip


# --- not_below_on_demand ----------------------------------------------------------------
def test_spot_and_reserved_must_be_below_on_demand():
    p = frame(
        [
            ("us-central1", "a3-highgpu-8g", "on_demand", 88.0),
            ("us-central1", "a3-highgpu-8g", "spot", 88.0),  # equal: flagged
            ("us-central1", "a3-highgpu-8g", "reserved_1y", 55.0),
            ("us-east4", "a3-highgpu-8g", "reserved_3y", 90.0),  # no on-demand there
        ]
    )
    flags = faults.not_below_on_demand(p)
    assert flags.index.tolist() == [1]
    assert flags.loc[1].tolist() == ["spot_not_below_on_demand", "88 >= on-demand 88"]
    # A whole catalog must hold the on-demand price of every spot or reserved row.
    strict = faults.not_below_on_demand(p, flag_unreferenced=True)
    assert strict.index.tolist() == [1, 3]
    assert strict.loc[3, "rule"] == "no_on_demand_reference"
    # The reference can be another frame's on-demand (the build's chosen rows).
    od = pd.Series(
        [50.0], index=pd.MultiIndex.from_tuples([("gcp", "us-central1", "a3-highgpu-8g")])
    )
    assert faults.not_below_on_demand(p, od).index.tolist() == [1, 2]


# --- accelerator_outliers ---------------------------------------------------------------
def test_accelerator_outlier_against_the_median_across_regions():
    regions = ["us-central1", "us-east4", "europe-west4", "europe-west3", "europe-west2"]
    values = [88.0, 88.0, 92.0, 95.0, 40.0]  # the last is under half the median
    p = frame([(r, "a3-highgpu-8g", "on_demand", v) for r, v in zip(regions, values, strict=True)])
    flags = faults.accelerator_outliers(judged(p))
    assert flags.index.tolist() == [4]
    assert flags.loc[4, "rule"] == "accelerator_price_outlier"
    assert (
        "5 USD per H100-hour is 0.45x the gcp median 11 of a3-highgpu-8g" in flags.loc[4, "reason"]
    )
    # A CPU type, a group of fewer than 3 regions and spot rows are never judged.
    cpu = p.assign(instance_type="c2-standard-16")
    assert faults.accelerator_outliers(judged(cpu)).empty
    assert faults.accelerator_outliers(judged(p.iloc[[0, 4]])).empty
    assert faults.accelerator_outliers(judged(p.assign(pricing="spot"))).empty


def test_outlier_median_is_over_the_best_ranked_row_per_key():
    rows = ranked(
        [("us-a", "na", "good", 88.0), ("eu-a", "eu", "good", 100.0), ("as-a", "as", "good", 43.0),
         ("us-a", "na", "bad", 10.0)]
    )  # fmt: skip
    flags = faults.accelerator_outliers(rows)
    # The median is of 88, 100, 43 (not of the 'bad' duplicate); both low rows are flagged.
    assert flags.index.tolist() == [2, 3]
    assert "median 11" in flags.loc[2, "reason"]


# --- flat_across_regions ----------------------------------------------------------------
def test_flat_rule_flags_one_price_on_three_continents():
    rows = ranked(
        [("us-a", "na", "bad", 33.6), ("eu-a", "eu", "bad", 33.6), ("as-a", "as", "bad", 33.6),
         ("eu-b", "eu", "bad", 90.0)]
    )  # fmt: skip
    flags = faults.flat_across_regions(rows)
    assert flags.index.tolist() == [0, 1, 2]
    assert flags.loc[0, "reason"] == (
        "33.6 identical in 3 of 4 regions on 3 continents in this source"
    )
    rows.loc[2, "area"] = "eu"  # two continents only: a shared price tier, not a fault
    assert faults.flat_across_regions(rows).empty


def test_flat_rule_leaves_a_tier_shared_by_under_half_of_the_regions():
    # Azure's NC A100 v4 pattern: one tier in a minority of regions on several continents.
    values = [("us-a", "na", "s", 3.67), ("eu-a", "eu", "s", 3.67), ("as-a", "as", "s", 3.67)]
    values += [(f"r{i}", "eu", "s", 4.0 + i / 10) for i in range(4)]
    assert faults.flat_across_regions(ranked(values)).empty
    # Each source is judged on its own regions.
    values = [(r, a, "s" if r != "as-a" else "t", v) for r, a, _, v in values[:3]]
    assert faults.flat_across_regions(ranked(values)).empty


def test_flat_rule_on_gpu_components_and_single_sku():
    copied = ["europe-west4", "europe-west3", "europe-west2", "asia-northeast1",
              "australia-southeast1"]  # fmt: skip
    rows = [(r, "gpu:H100", "on_demand", 4.20) for r in copied]
    rows += [
        ("us-central1", "gpu:H100", "on_demand", 9.80),
        ("us-east4", "gpu:H100", "on_demand", 9.80),
    ]
    p = faults.with_areas(frame(rows).assign(accelerator="H100", accelerator_count=1), REGIONS)
    p = p.assign(sku=[f"H100-{i}" for i in range(5)] + ["US-1", "US-1"])
    flags = faults.flat_across_regions(p, source_col=None, statement_col="sku")
    assert flags.index.tolist() == [0, 1, 2, 3, 4]
    assert "4.2 identical in 5 of 7 regions on 3 continents" in flags.iloc[0]["reason"]
    # One SKU covering the five regions is the provider's own single price: not a fault.
    one_sku = p.assign(sku=["EMEA-1"] * 5 + ["US-1", "US-1"])
    assert faults.flat_across_regions(one_sku, source_col=None, statement_col="sku").empty
    # Without Oceania and Asia the copy stays on two continents: not judged a placeholder.
    assert faults.flat_across_regions(p.drop(index=[3, 4]), source_col=None).empty


def test_flat_rule_compares_the_named_component_column():
    rows = ranked(
        [("us-a", "na", "s", 40.0), ("eu-a", "eu", "s", 45.0), ("as-a", "as", "s", 50.0)]
    ).assign(gpu_usd=[33.6, 33.6, 33.6])
    assert faults.flat_across_regions(rows).empty
    assert len(faults.flat_across_regions(rows, value_col="gpu_usd")) == 3


# --- round_multiples --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "other", "multiple"),
    [(17.92, 16.288, 1.1), (11.54, 10.493, 1.1), (2.0, 1.0, 2.0), (0.579, 0.526, 1.1),
     (11.01545, 10.014, 1.1), (16.288, 17.92, 1 / 1.1)],
)  # fmt: skip
def test_round_multiple_of_another_source(value, other, multiple):
    a = frame([("us-central1", "a3-highgpu-8g", "on_demand", value)], provider="aws")
    b = a.assign(usd_per_hour=other, source="list")
    flags = faults.round_multiples(a, b)
    assert flags["multiple"].tolist() == [pytest.approx(multiple)]
    assert flags["other_usd_per_hour"].tolist() == [other]


def test_round_multiple_ignores_near_misses_same_source_and_missing_rows():
    a = frame([("us-central1", "a3-highgpu-8g", "on_demand", 17.95)], provider="aws")
    assert faults.round_multiples(a, a.assign(usd_per_hour=16.288, source="list")).empty
    # 0.2511 is 1.196x 0.21: near 1.2x, but not within the rounding of either value.
    b = a.assign(usd_per_hour=0.2511)
    assert faults.round_multiples(b, b.assign(usd_per_hour=0.21, source="list")).empty
    other = a.assign(usd_per_hour=16.288, region="us-east4", source="list")
    assert faults.round_multiples(a, other).empty
    same_source = a.assign(usd_per_hour=17.92 / 1.1)
    assert faults.round_multiples(a.assign(usd_per_hour=17.92), same_source).empty


def test_round_multiple_against_the_best_ranked_other_source():
    rows = ranked([("us-a", "na", "good", 16.288), ("us-a", "na", "bad", 17.9168)])
    flags = faults.round_multiples(rows, faults.best_ranked(rows, "priority"))
    assert flags.index.tolist() == [1]
    assert flags.loc[1, "reason"] == "17.9168 is 1.1000x (1.1x rule) of 16.288 from good"
    rows.loc[1, "usd_per_hour"] = 17.0  # 1.044x: an ordinary price difference
    assert faults.round_multiples(rows, faults.best_ranked(rows, "priority")).empty


# --- composing the rules ----------------------------------------------------------------
def test_find_faults_joins_reasons_per_row():
    p = frame(
        [
            ("us-central1", "a3-highgpu-8g", "on_demand", 88.0),
            ("us-east4", "a3-highgpu-8g", "on_demand", 90.0),
            ("europe-west4", "a3-highgpu-8g", "on_demand", 30.0),  # an outlier
            ("us-central1", "a3-highgpu-8g", "spot", 30.0),
            ("us-east4", "a3-highgpu-8g", "spot", 95.0),  # above on-demand
        ]
    )
    flags = faults.find_faults(p, TYPES, REGIONS)
    assert flags.index.tolist() == [2, 4]
    assert flags.loc[2, "rule"] == "accelerator_price_outlier"
    assert flags.loc[4, "rule"] == "spot_not_below_on_demand"
    both = faults.combine_flags([flags, flags.loc[[4]].assign(rule="other", reason="why")])
    assert both.loc[4].tolist() == ["spot_not_below_on_demand,other", "95 >= on-demand 90; why"]


def test_reason_text_is_rule_colon_reason_or_empty():
    p = frame([("r", "t", "on_demand", 1.0), ("r", "t", "spot", 2.0)])
    text = faults.reason_text(faults.not_below_on_demand(p), p.index)
    assert text.tolist() == ["", "spot_not_below_on_demand: 2 >= on-demand 1"]
    assert faults.reason_text(faults.not_below_on_demand(p.head(1)), p.index).tolist() == ["", ""]
