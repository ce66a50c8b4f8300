"""The price fault rules (advisor/catalog/faults.py): each flags its fault and nothing clean."""

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
    ).assign(provider=provider)


def test_spot_and_reserved_must_be_below_on_demand():
    p = frame(
        [
            ("us-central1", "a3-highgpu-8g", "on_demand", 88.0),
            ("us-central1", "a3-highgpu-8g", "spot", 88.0),  # equal: flagged
            ("us-central1", "a3-highgpu-8g", "reserved_1y", 55.0),
            ("us-east4", "a3-highgpu-8g", "reserved_3y", 90.0),  # no on-demand there: not judged
        ]
    )
    flags = faults.not_below_on_demand(p)
    assert flags.index.tolist() == [1]
    assert "spot 88 is not below on-demand 88" in flags.loc[1, "reason"]


def test_accelerator_hour_outlier_against_the_median_across_regions():
    regions = ["us-central1", "us-east4", "europe-west4", "europe-west3", "europe-west2"]
    values = [88.0, 88.0, 92.0, 95.0, 40.0]  # the last is under half the median
    p = frame([(r, "a3-highgpu-8g", "on_demand", v) for r, v in zip(regions, values, strict=True)])
    flags = faults.accelerator_hour_outliers(p, TYPES)
    assert flags.index.tolist() == [4]
    assert "5 USD per H100-hour is 0.45x" in flags.loc[4, "reason"]
    # A CPU type, and a group smaller than min_rows, are never judged.
    cpu = frame(
        [(r, "c2-standard-16", "on_demand", v) for r, v in zip(regions, values, strict=True)]
    )
    assert faults.accelerator_hour_outliers(cpu, TYPES).empty
    assert faults.accelerator_hour_outliers(p.head(2), TYPES).empty


def test_identical_price_across_countries_is_flagged_but_not_one_multi_region_sku():
    copied = ["europe-west4", "europe-west3", "europe-west2", "asia-northeast1",
              "australia-southeast1"]  # fmt: skip
    rows = [(r, "gpu:H100", "on_demand", 4.20) for r in copied]
    rows += [
        ("us-central1", "gpu:H100", "on_demand", 9.80),
        ("us-east4", "gpu:H100", "on_demand", 9.80),
    ]
    p = frame(rows)
    flags = faults.identical_across_regions(p, REGIONS)
    assert sorted(flags.index) == [0, 1, 2, 3, 4]
    assert "identical in 5 regions across 5 countries" in flags.iloc[0]["reason"]
    # One SKU covering the five regions is the provider's own single price: not a fault.
    one_sku = p.assign(sku=["EMEA-1"] * 5 + ["US-1", "US-1"])
    assert faults.identical_across_regions(one_sku, REGIONS, source_col="sku").empty
    # Four countries are below the default threshold (AWS prices some APAC regions alike).
    assert faults.identical_across_regions(p.drop(index=0), REGIONS).empty
    # A price the provider never varies anywhere is not judged either.
    assert faults.identical_across_regions(p.head(5), REGIONS).empty


@pytest.mark.parametrize(
    ("value", "other", "multiple"),
    [(17.92, 16.288, 1.1), (11.54, 10.493, 1.1), (2.0, 1.0, 2.0), (0.579, 0.526, 1.1)],
)
def test_round_multiple_of_another_source(value, other, multiple):
    a = frame([("us-central1", "a3-highgpu-8g", "on_demand", value)], provider="aws")
    b = a.assign(usd_per_hour=other)
    flags = faults.round_multiples(a, b)
    assert flags["multiple"].tolist() == [multiple]


def test_round_multiple_ignores_near_misses_and_missing_rows():
    a = frame([("us-central1", "a3-highgpu-8g", "on_demand", 17.95)], provider="aws")
    assert faults.round_multiples(a, a.assign(usd_per_hour=16.288)).empty
    other = a.assign(usd_per_hour=16.288, region="us-east4")
    assert faults.round_multiples(a, other).empty


def test_find_faults_joins_reasons_per_row():
    p = frame(
        [
            ("us-central1", "a3-highgpu-8g", "on_demand", 88.0),
            ("us-east4", "a3-highgpu-8g", "on_demand", 90.0),
            ("europe-west4", "a3-highgpu-8g", "on_demand", 92.0),
            ("us-central1", "a3-highgpu-8g", "spot", 30.0),
            ("us-east4", "a3-highgpu-8g", "spot", 31.0),
            ("europe-west4", "a3-highgpu-8g", "spot", 200.0),  # above on-demand and an outlier
        ]
    )
    flags = faults.find_faults(p, TYPES, REGIONS)
    assert flags.index.tolist() == [5]
    assert flags.loc[5, "rule"] == "not_below_on_demand,accelerator_hour_outlier"
