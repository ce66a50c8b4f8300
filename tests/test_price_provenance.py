"""Every cloud price in a plan says where it comes from and how old it is (issue 9 §4)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from advisor.catalog import Catalog
from advisor.plan.price_provenance import age_text, basis_text, with_price_provenance


def _assignments(rows: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["tier", "provider", "region", "hardware", "pricing"]).assign(
        unit=lambda d: [f"u{i}" for i in range(len(d))]
    )


def test_cloud_rows_get_basis_and_date_from_the_catalog() -> None:
    cat = Catalog.load()
    a = _assignments(
        [
            ("cloud", "gcp", "us-central1", "a3-highgpu-8g", "on_demand"),
            ("cloud", "aws", "us-east-1", "p4d.24xlarge", "reserved_3y"),
            ("local", "", "", "hgx-h100-8", "owned"),
        ]
    )
    out = with_price_provenance(a, cat)
    assert out["unit"].tolist() == ["u0", "u1", "u2"]
    assert out["price_basis"].tolist() == ["listed", "derived_rule", ""]
    assert out["price_as_of"].tolist()[0] == "2026-07-30"
    assert out["price_as_of"].tolist()[2] == ""


def test_user_catalog_rows_are_user_updated(tmp_path) -> None:
    pd.DataFrame(
        [
            {"provider": "gcp", "region": "us-central1", "instance_type": "a3-highgpu-8g",
             "pricing": "on_demand", "usd_per_hour": 80.0,
             "source": "https://cloudbilling.googleapis.com", "as_of": "2026-11-30"}
        ]
    ).to_csv(tmp_path / "instance_prices.csv", index=False)  # fmt: skip
    out = with_price_provenance(
        _assignments([("cloud", "gcp", "us-central1", "a3-highgpu-8g", "on_demand")]),
        Catalog.load(tmp_path),
    )
    assert out["price_basis"].tolist() == ["user-catalog"]
    assert out["price_as_of"].tolist() == ["2026-11-30"]


def test_basis_text_says_what_and_how_old() -> None:
    today = dt.date(2026, 12, 1)
    assert basis_text("listed", "2026-07-30", today) == "listed, 2026-07-30 (4 months old)"
    assert basis_text("derived_rule", "2026-11-28", today).startswith("estimate by rule, ")
    assert basis_text("user-catalog", "2026-11-30", today) == "user-updated, 2026-11-30 (1 day old)"
    assert basis_text("", "", today) == ""
    assert age_text("not a date", today) == ""
