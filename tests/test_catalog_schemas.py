"""Issue 14 defect 2: every catalog table has a typed schema with ranges; a user catalog with a
nonsense value is refused on load (file, row, column, value, hint; exit 2), never solved into a
negative-cost plan."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from robust_helpers import TINY, cli, write_yaml

from advisor.catalog import TABLES, Catalog, bundled_catalog_dir
from advisor.errors import CatalogError

BUNDLED = bundled_catalog_dir()


def _row(table: str, **changes: str) -> str:
    """The header and first bundled row of ``table``, with ``changes`` applied, as CSV."""
    with (BUNDLED / TABLES[table].file).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        row = next(reader)
        fields = reader.fieldnames
    row.update(changes)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    return buf.getvalue()


def _catalog(tmp_path: Path, table: str, **changes: str) -> Path:
    folder = tmp_path / "usercat"
    folder.mkdir(exist_ok=True)
    (folder / TABLES[table].file).write_text(_row(table, **changes), encoding="utf-8")
    return folder


BAD_VALUES = [
    ("hardware", "list_price_usd", "-1000000"),
    ("hardware", "ops_usd_per_month", "-50000"),
    ("hardware", "power_kw", "inf"),
    ("hardware", "list_price_usd", "nan"),
    ("hardware", "accelerator_count", "-8"),
    ("hardware", "rack_units", "-2"),
    ("hardware", "accelerator_count", "2.5"),
    ("hardware", "tier", "moon"),
    ("hardware", "accelerator", "H900-imaginary"),
    ("instance_prices", "usd_per_hour", "inf"),
    ("instance_prices", "usd_per_hour", "-3"),
    ("instance_prices", "pricing", "free"),
    ("instance_prices", "provider", "oracle"),
    ("instance_types", "accelerator_count", "-1"),
    ("instance_types", "accelerator", "unobtainium"),
    ("egress", "usd_per_gb", "-0.09"),
    ("regions", "latitude", "91"),
    ("accelerators", "memory_gb", "1e400"),
    ("carbon", "gco2e_per_kwh", "-5"),
]


@pytest.mark.parametrize("table,column,value", BAD_VALUES, ids=lambda v: str(v))
def test_user_catalog_value_refused_with_row_column_value(tmp_path, table, column, value):
    folder = _catalog(tmp_path, table, **{column: value})
    with pytest.raises(CatalogError) as info:
        Catalog.load(folder)
    text = str(info.value)
    assert TABLES[table].file in text
    assert f":2: {column}" in text, text  # file line 2 (the first row), the column
    assert value.lstrip("-")[:4].lower() in text.lower() or "inf" in text.lower(), text


def test_negative_price_catalog_does_not_plan(tmp_path):
    """The issue's reproduction: a -$1M box made an 'optimal' plan of -$330k/month."""
    folder = _catalog(tmp_path, "hardware", list_price_usd="-1000000")
    data = {
        **TINY,
        "catalog": str(folder),
        "sites": [
            {
                "id": "dc1",
                "kind": "local",
                "country": "DE",
                "location": {"lat": 50.1, "lon": 8.7},
                "can_buy": [_first_sku()],
            }
        ],
    }
    r = cli("plan", write_yaml(tmp_path / "s.yaml", data), "--out", tmp_path / "out", "-q")
    assert r.code == 2, r.output
    assert "list_price_usd" in r.output and "hardware.csv:2" in r.output
    assert not (tmp_path / "out").exists()


def test_plan_with_catalog_option_reports_the_bad_row(tmp_path):
    folder = _catalog(tmp_path, "instance_prices", usd_per_hour="-3")
    r = cli(
        "plan",
        write_yaml(tmp_path / "s.yaml", TINY),
        "--catalog",
        folder,
        "-q",
        "--out",
        tmp_path / "out",
    )
    assert r.code == 2, r.output
    assert "instance_prices.csv:2: usd_per_hour" in r.output
    assert "expected" in r.output  # the hint states the range


def _first_sku() -> str:
    with (BUNDLED / "hardware.csv").open(newline="", encoding="utf-8") as fh:
        return next(csv.DictReader(fh))["sku"]


@pytest.mark.parametrize("table", sorted(TABLES))
def test_bundled_tables_pass_their_schema(table):
    """The shipped catalog is held to the same schema a user catalog is checked against."""
    from advisor.catalog.schemas import validate_table

    cat = Catalog.load()
    frame = cat.tables[table]
    validate_table(TABLES[table], frame[frame["origin"] == "bundled"], TABLES[table].file)


def test_enumerations_match_the_scenario_schema():
    from advisor.catalog import schemas
    from advisor.schema import types

    assert schemas.PROVIDERS == types.PROVIDERS
    assert tuple(types.PRICING_TERM_MONTHS) == schemas.PRICINGS
    assert schemas.CONTROLS == types.CONTROLS
    assert set(schemas.TIERS) < set(types.TIERS)


def test_every_numeric_column_is_finite_even_without_a_stated_range(monkeypatch):
    """A column another change adds to a TableSpec is checked as a finite number at once."""
    from advisor.catalog import schemas

    schemas.row_model.cache_clear()
    schemas._rows_adapter.cache_clear()
    monkeypatch.setitem(schemas.RANGES, "hardware", {})
    try:
        model = schemas.row_model("hardware")
        with pytest.raises(Exception, match="finite"):
            model(
                **{c: "x" for c in TABLES["hardware"].text}
                | {c: float("inf") for c in TABLES["hardware"].numbers}
            )
    finally:
        schemas.row_model.cache_clear()
        schemas._rows_adapter.cache_clear()
