"""Inter-region egress depends on the source region (issue 9 §2): catalog rows and lookups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advisor.catalog import Catalog
from advisor.options.costing import tiered_usd


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return Catalog.load()


@pytest.mark.parametrize("provider", ["aws", "azure", "gcp"])
def test_inter_region_from_asia_and_south_america_dearer_than_from_europe(
    cat: Catalog, provider: str
) -> None:
    def rate(dest: str, area: str) -> float:
        return cat.egress_usd_per_gb(provider, f"inter_region_{dest}_continent", 100.0, area)

    assert 0.08 <= rate("same", "asia") <= 0.16
    assert rate("same", "asia") > rate("same", "europe")
    for area in ("asia", "south_america"):  # AWS has one South American region: no "same"
        assert rate("other", area) >= rate("other", "europe"), (area, rate("other", area))
        assert 0.08 <= rate("other", area) <= 0.16


def test_unknown_area_falls_back_to_the_generic_rows(cat: Catalog) -> None:
    generic = cat.egress_usd_per_gb("aws", "inter_region_same_continent", 100.0, "*")
    assert cat.egress_usd_per_gb("aws", "inter_region_same_continent", 100.0, "atlantis") == (
        generic
    )


def test_region_area_and_vectorised_tiers_agree(cat: Catalog) -> None:
    assert cat.region_area("aws:ap-south-1") == "asia"
    assert cat.region_area("gcp:europe-west4") == "europe"
    gb = np.array([0.0, 10.0, 1000.0])
    usd = tiered_usd(cat, "azure", "inter_region_same_continent", gb, "south_america")
    assert np.allclose(usd, gb * 0.16)


def test_user_catalog_without_source_area_column_still_loads(tmp_path) -> None:
    bundled = pd.read_csv(Catalog.load().directory / "egress.csv", keep_default_na=False)
    bundled[bundled.source_area == "*"].drop(columns="source_area").to_csv(
        tmp_path / "egress.csv", index=False
    )
    user = Catalog.load(tmp_path)
    assert (user.egress.source_area == "*").any()
    assert user.egress_usd_per_gb("gcp", "inter_region_same_continent", 10.0, "asia") > 0
