"""Integrity tests for the shipped data catalogs (catalogs/*.csv, schema_version 1).

These read the CSVs directly with pandas, so they do not depend on the advisor package.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advisor.catalog import faults

REPO = Path(__file__).parents[1]
CATALOGS = REPO / "catalogs"
BASIS = {"listed", "derived", "derived_rule", "estimate", "authored"}
PRICING = {"on_demand", "spot", "reserved_1y", "reserved_3y"}
TABLES = sorted(p.stem for p in CATALOGS.glob("*.csv"))


def load(name: str) -> pd.DataFrame:
    """Read a catalog CSV keeping text like 'NA' as text; only '' is missing."""
    return pd.read_csv(CATALOGS / f"{name}.csv", keep_default_na=False, na_values=[""])


def test_expected_tables_present() -> None:
    expected = {
        "regions", "instance_types", "instance_prices", "accelerators", "hardware",
        "controls", "latency_measured", "latency_model", "egress", "carbon",
        "country_carbon", "excluded_prices",
    }  # fmt: skip
    assert expected <= set(TABLES)


def test_priced_regions_exist_with_coordinates_and_jurisdiction() -> None:
    regions = load("regions").set_index(["provider", "region"])
    assert regions.index.is_unique
    prices = load("instance_prices")
    keys = set(zip(prices.provider, prices.region, strict=True))
    missing = keys - set(regions.index)
    assert not missing, f"priced regions not in regions.csv: {sorted(missing)}"
    sub = regions.loc[sorted(keys)]
    assert sub.latitude.between(-90, 90).all() and sub.longitude.between(-180, 180).all()
    for (p, r), row in sub.iterrows():
        tokens = str(row.jurisdictions).split(";")
        assert row.country_iso2 in tokens, (p, r, row.jurisdictions)
        assert tokens == sorted(tokens), (p, r, row.jurisdictions)


def test_all_regions_have_coordinates_and_valid_partition() -> None:
    regions = load("regions")
    assert regions[["latitude", "longitude", "country_iso2"]].notna().all().all()
    assert set(regions.partition) <= {"commercial", "gov", "china", "restricted"}


def test_referenced_accelerators_exist() -> None:
    accs = set(load("accelerators").accelerator)
    for name in ("instance_types", "hardware"):
        df = load(name)
        used = set(df.accelerator.dropna())
        assert used <= accs, f"{name}: unknown accelerators {sorted(used - accs)}"
        cpu = df[df.accelerator.isna()]
        assert (cpu.accelerator_count == 0).all(), f"{name}: CPU rows need count 0"
        gpu = df[df.accelerator.notna()]
        assert (gpu.accelerator_count > 0).all(), f"{name}: accelerator rows need count > 0"


def test_prices_reference_known_instance_types() -> None:
    types = load("instance_types")
    assert not types.duplicated(["provider", "instance_type"]).any()
    known = set(zip(types.provider, types.instance_type, strict=True))
    prices = load("instance_prices")
    used = set(zip(prices.provider, prices.instance_type, strict=True))
    assert used <= known, sorted(used - known)[:10]


def test_prices_positive_unique_and_pricing_values() -> None:
    prices = load("instance_prices")
    assert set(prices.pricing) <= PRICING
    bad = prices[~(prices.usd_per_hour > 0)]
    assert bad.empty, bad.head()
    assert not prices.duplicated(["provider", "region", "instance_type", "pricing"]).any()


def test_spot_and_reserved_not_above_on_demand() -> None:
    prices = load("instance_prices")
    wide = prices.pivot_table(
        index=["provider", "region", "instance_type"], columns="pricing", values="usd_per_hour"
    )
    for col in ("spot", "reserved_1y", "reserved_3y"):
        both = wide[[col, "on_demand"]].dropna()
        above = both[both[col] > both.on_demand]
        assert above.empty, f"{col} above on-demand:\n{above.head()}"


def test_every_row_has_source_and_as_of_date() -> None:
    for name in TABLES:
        df = load(name)
        assert len(df) > 0, name
        for col in ("source", "as_of"):
            assert col in df.columns, (name, col)
            assert df[col].notna().all() and (df[col].astype(str).str.strip() != "").all(), (
                name,
                col,
            )
        ok = df.as_of.astype(str).str.fullmatch(r"\d{4}-\d{2}-\d{2}")
        assert ok.all(), (name, df.as_of[~ok].unique()[:5])
        for value in df.as_of.unique():
            dt.date.fromisoformat(value)


def test_basis_allowed_and_notes_present() -> None:
    for name in TABLES:
        df = load(name)
        if name == "excluded_prices":
            assert "basis" not in df.columns
            continue
        assert list(df.columns[-4:]) == ["source", "as_of", "basis", "note"], name
        assert set(df.basis) <= BASIS, (name, set(df.basis) - BASIS)
        needs = df[df.basis.isin(["estimate", "derived_rule", "authored"])]
        blank = needs[needs.note.isna() | (needs.note.astype(str).str.strip() == "")]
        assert blank.empty, (name, blank.head())


def test_excluded_rows_have_reason() -> None:
    ex = load("excluded_prices")
    cols = ["provider", "region", "instance_type", "pricing", "raw_value", "reason"]
    assert list(ex.columns) == [*cols, "source", "as_of"]
    assert ex.reason.notna().all() and (ex.reason.str.strip() != "").all()
    assert set(ex.pricing) <= PRICING


def test_manifest_lists_every_csv() -> None:
    manifest = json.loads((CATALOGS / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == 1
    assert set(manifest["tables"]) == set(TABLES)
    for name, entry in manifest["tables"].items():
        payload = (CATALOGS / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(payload).hexdigest(), name
        assert entry["rows"] == len(load(name)), name
        assert entry["description"], name
        assert b"\r\n" not in payload, name


def test_controls_vocabulary() -> None:
    controls = load("controls")
    allowed = {
        "confidential_computing", "gpu_confidential_computing", "hipaa_baa", "cmk",
        "dedicated_host",
    }  # fmt: skip
    assert set(controls.control) <= allowed
    assert set(controls.available.astype(str).str.lower()) <= {"true", "false"}
    assert not controls.duplicated(["provider", "region", "family", "control"]).any()


def _haversine_km(lat1, lon1, lat2, lon2, radius_km: float):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * radius_km * np.arcsin(np.sqrt(h))


def test_latency_estimate_error_against_measured_pairs() -> None:
    model = load("latency_model").set_index("parameter").value
    regions = load("regions").set_index(["provider", "region"])
    meas = load("latency_measured")
    assert not (
        (meas.src_provider == meas.dst_provider) & (meas.src_region == meas.dst_region)
    ).any()
    src = regions.loc[list(zip(meas.src_provider, meas.src_region, strict=True))]
    dst = regions.loc[list(zip(meas.dst_provider, meas.dst_region, strict=True))]
    km = _haversine_km(
        src.latitude.to_numpy(), src.longitude.to_numpy(),
        dst.latitude.to_numpy(), dst.longitude.to_numpy(), model["earth_radius_km"],
    )  # fmt: skip
    y = meas.rtt_ms.to_numpy(float)
    same = (meas.src_provider == meas.dst_provider).to_numpy()
    for cls, mask in (("backbone", same), ("public", ~same)):
        knee = model[f"{cls}_knee_km"]
        est = (
            model[f"{cls}_intercept_ms"]
            + model[f"{cls}_near_ms_per_km"] * np.minimum(km[mask], knee)
            + model[f"{cls}_far_ms_per_km"] * np.maximum(km[mask] - knee, 0.0)
        )
        err = np.abs(est - y[mask])
        med_abs, med_rel = np.median(err), np.median(err / y[mask])
        print(
            f"\n{cls} curve vs {mask.sum()} measured pairs: median abs error {med_abs:.2f} ms, "
            f"median relative error {med_rel:.1%}"
        )
        # physics: >= 0.01 ms/km at every distance (the curve is concave: check the far slope)
        assert model[f"{cls}_far_ms_per_km"] >= model["fibre_min_ms_per_km"]
        assert med_rel < 0.35
        assert med_abs < 40
        assert model[f"{cls}_n_pairs"] == mask.sum()
        assert abs(model[f"{cls}_median_abs_error_ms"] - med_abs) < 1e-3
        assert abs(model[f"{cls}_median_rel_error"] - med_rel) < 1e-3


def _shared_data_dir() -> Path:
    default = Path(__file__).parents[2] / "shared" / "data"
    return Path(os.environ.get("ADVISOR_SHARED_DATA", default))


def _price_tables_dir(data: Path) -> Path:
    return Path(os.environ.get("ADVISOR_PRICE_TABLES", data / "price-tables"))


def test_build_is_reproducible(tmp_path: Path) -> None:
    data = _shared_data_dir()
    if not data.is_dir():
        pytest.skip(f"shared data not found at {data} (set ADVISOR_SHARED_DATA)")
    tables = _price_tables_dir(data)
    if not (tables / "SOURCE.md").is_file():
        pytest.skip(
            f"price tables not found at {tables} (make them with tools/extract_price_tables.py "
            "and set ADVISOR_PRICE_TABLES)"
        )
    script = REPO / "tools" / "build_catalogs.py"
    subprocess.run(
        [
            sys.executable,
            str(script),
            "--data",
            str(data),
            "--price-tables",
            str(tables),
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    shipped = sorted(p.name for p in CATALOGS.iterdir() if p.is_file())
    rebuilt = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert rebuilt == shipped
    for name in shipped:
        same = (tmp_path / name).read_bytes() == (CATALOGS / name).read_bytes()
        assert same, f"{name} differs from a fresh build"


# --- issue 9: price fault rules and reference prices ----------------------------------------
# The rules themselves are tested in tests/test_catalog_faults.py; here they run on what ships.
REFERENCE = Path(__file__).parent / "data" / "reference_prices.csv"


def _priced_with_specs() -> pd.DataFrame:
    prices = faults.with_specs(load("instance_prices"), load("instance_types"))
    return faults.with_areas(prices, load("regions"))


def test_spot_and_reserved_strictly_below_on_demand() -> None:
    rows = load("instance_prices")
    od = rows[rows.pricing == "on_demand"].set_index(["provider", "region", "instance_type"])
    flags = faults.not_below_on_demand(rows, od.usd_per_hour, flag_unreferenced=True)
    assert flags.empty, flags.head().to_dict("records")


def test_no_shipped_price_is_an_accelerator_outlier() -> None:
    flags = faults.accelerator_outliers(_priced_with_specs())
    assert flags.empty, flags.head().to_dict("records")


def test_no_shipped_price_is_flat_across_continents() -> None:
    flags = faults.flat_across_regions(_priced_with_specs())
    assert flags.empty, flags.head().to_dict("records")


def test_audit_rows_are_corrected_or_excluded_with_reasons() -> None:
    ex = load("excluded_prices")

    def reason(region: str, itype: str, source_part: str) -> str:
        hit = ex[(ex.region == region) & (ex.instance_type == itype) & (ex.pricing == "on_demand")]
        hit = hit[hit.source.str.contains(source_part, regex=False)]
        return hit.reason.iloc[0] if len(hit) else ""

    for region, itype in [("us-east-1", "g5.48xlarge"), ("us-east-1", "g6e.12xlarge"),
                          ("us-east-2", "g5.2xlarge"), ("us-east-2", "g6.16xlarge")]:  # fmt: skip
        assert reason(region, itype, "libcloud").startswith("round_multiple"), (region, itype)
    assert reason("us-east-1", "p4d.24xlarge", "libcloud").startswith("stale_pre_cut")
    assert reason("us-central1", "a3-highgpu-8g", "skypilot").startswith("flat_across_regions")
    prices = load("instance_prices")
    p3 = prices[prices.instance_type.str.startswith("p3")]
    assert not p3.note.str.contains("price cut").any()


def test_reference_prices_within_5_percent_or_documented() -> None:
    ref = pd.read_csv(REFERENCE, keep_default_na=False)
    assert len(ref) >= 30 and set(ref.provider) == {"aws", "azure", "gcp"}
    assert ref.source_url.str.startswith("https://").all()
    prices = load("instance_prices").set_index(["provider", "region", "instance_type", "pricing"])
    lines, bad = [], []
    for r in ref.itertuples(index=False):
        key = (r.provider, r.region, r.instance_type, r.pricing)
        ours = prices.usd_per_hour.get(key)
        diff = None if ours is None else ours / r.usd_per_hour - 1
        ok = diff is not None and abs(diff) <= 0.05
        status = "ok" if ok else ("known difference" if r.known_difference else "FAIL")
        if r.known_difference and ok:
            status = "FAIL (documented difference no longer exists)"
        if status.startswith("FAIL"):
            bad.append(key)
        shown = "not priced" if diff is None else f"{ours:.4f} ({diff:+.1%})"
        lines.append(f"{'/'.join(key)}: reference {r.usd_per_hour:g}, catalog {shown}: {status}")
    print("\n" + "\n".join(lines))
    assert not bad, bad
