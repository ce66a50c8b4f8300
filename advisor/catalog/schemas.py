"""Typed row schemas of every catalog table: one pydantic model per table, built from
:data:`advisor.catalog.tables.TABLES` plus the ranges and enumerations below.

Every number must be finite; the columns listed in :data:`RANGES` must also lie in their range
(a negative price, an infinite power draw or a negative GPU count would make the optimiser
"earn" money); text columns listed in :data:`ENUMS` take one of their values; the columns in
:data:`INTEGERS` must be whole numbers. :data:`REFERENCES` name the rows another table must
have (an unknown accelerator). A bad row raises :class:`~advisor.errors.CatalogError` with the
file, row, column, value and a hint.

Extending a table: add the column to its :class:`~advisor.catalog.tables.TableSpec` (it is
checked as a finite number or as text at once), then state its range here, e.g.
``RANGES["hardware"]["idle_kw"] = Range(ge=0, le=500, hint="...")``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from advisor.catalog.tables import OPTIONAL_NUMBERS, TABLES, TableSpec
from advisor.errors import CatalogError

PROVIDERS = ("aws", "azure", "gcp")
"""Cloud providers a catalog row may name (as :data:`advisor.schema.types.PROVIDERS`)."""
PRICINGS = ("on_demand", "spot", "reserved_1y", "reserved_3y")
TIERS = ("local", "edge")
"""Tiers of owned hardware (cloud capacity comes from instance_types)."""
CONTROLS = (
    "confidential_computing",
    "gpu_confidential_computing",
    "hipaa_baa",
    "cmk",
    "dedicated_host",
)


@dataclass(frozen=True)
class Range:
    """Bounds of one numeric column (``None``: unbounded on that side), with a hint."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    hint: str = ""

    def describe(self) -> str:
        low = (
            f">= {self.ge:g}"
            if self.ge is not None
            else (f"> {self.gt:g}" if self.gt is not None else "")
        )
        high = f"<= {self.le:g}" if self.le is not None else ""
        return " and ".join(p for p in (low, high) if p) or "a finite number"


RANGES: dict[str, dict[str, Range]] = {
    "regions": {
        "latitude": Range(ge=-90, le=90, hint="decimal degrees, north positive"),
        "longitude": Range(ge=-180, le=180, hint="decimal degrees, east positive"),
    },
    "instance_types": {
        "accelerator_count": Range(ge=0, le=64, hint="accelerators per instance"),
        "accelerator_memory_gb": Range(gt=0, le=10_000, hint="memory of one accelerator"),
        "vcpus": Range(gt=0, le=100_000),
        "memory_gb": Range(gt=0, le=100_000),
    },
    "instance_prices": {
        "usd_per_hour": Range(gt=0, le=10_000, hint="USD per instance-hour, e.g. 3.06"),
    },
    "accelerators": {
        "memory_gb": Range(gt=0, le=10_000),
        "memory_bandwidth_gbps": Range(gt=0, le=1_000_000),
        "fp16_tflops_dense": Range(gt=0, le=1_000_000),
        "int8_tops_dense": Range(gt=0, le=1_000_000),
        "tdp_watts": Range(gt=0, le=10_000),
    },
    "hardware": {
        "accelerator_count": Range(ge=0, le=1024, hint="accelerators per box, 0 for CPU-only"),
        "vcpus": Range(ge=1, le=100_000),
        "memory_gb": Range(gt=0, le=100_000),
        "list_price_usd": Range(ge=0, le=1e9, hint="purchase price of one box in USD"),
        "power_kw": Range(gt=0, le=500, hint="power draw of one box in kW, e.g. 6.5"),
        "rack_units": Range(ge=0, le=100, hint="height in rack units, 0 for edge devices"),
        "useful_life_months": Range(ge=1, le=240, hint="depreciation life, e.g. 60"),
        "ops_usd_per_month": Range(ge=0, le=1e7, hint="support and admin per box per month"),
    },
    "latency_measured": {"rtt_ms": Range(gt=0, le=10_000)},
    "latency_model": {"value": Range(ge=0, le=1e7)},
    "egress": {
        "tier_from_gb": Range(ge=0, le=1e12),
        "tier_to_gb": Range(gt=0, le=1e12),
        "usd_per_gb": Range(ge=0, le=100, hint="USD per GB transferred, e.g. 0.09"),
    },
    "carbon": {
        "gco2e_per_kwh": Range(ge=0, le=2_000),
        "pue": Range(ge=1, le=3),
        "year": Range(ge=1990, le=2100),
    },
    "country_carbon": {"gco2e_per_kwh": Range(ge=0, le=2_000)},
}
ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "regions": {"provider": PROVIDERS, "partition": ("commercial", "restricted", "china")},
    "instance_types": {"provider": PROVIDERS},
    "instance_prices": {"provider": PROVIDERS, "pricing": PRICINGS},
    "hardware": {"tier": TIERS},
    "controls": {"provider": PROVIDERS, "control": CONTROLS, "available": ("true", "false")},
    "egress": {"provider": PROVIDERS},
    "carbon": {"provider": PROVIDERS},
    "latency_measured": {"src_provider": PROVIDERS, "dst_provider": PROVIDERS},
}
INTEGERS: dict[str, tuple[str, ...]] = {
    "instance_types": ("accelerator_count", "vcpus"),
    "hardware": ("accelerator_count", "vcpus", "rack_units", "useful_life_months"),
    "carbon": ("year",),
}
REQUIRED_TEXT: dict[str, tuple[str, ...]] = {
    spec.name: tuple(c for c in spec.key if c in spec.text) for spec in TABLES.values()
}
"""Key columns may not be empty."""
REFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("hardware", "accelerator"): ("accelerators", "accelerator"),
    ("instance_types", "accelerator"): ("accelerators", "accelerator"),
}
"""A non-empty value of (table, column) must exist in (table, column) of the merged catalog."""


def _number_field(table: str, col: str) -> tuple[Any, Any]:
    r = RANGES.get(table, {}).get(col, Range())
    field = Field(ge=r.ge, gt=r.gt, le=r.le, allow_inf_nan=False)
    if col in OPTIONAL_NUMBERS:
        return (float | None, Field(None, ge=r.ge, gt=r.gt, le=r.le, allow_inf_nan=False))
    return (float, field)


def _text_field(table: str, col: str) -> tuple[Any, Any]:
    allowed = ENUMS.get(table, {}).get(col)
    if allowed:
        return (Literal[allowed], ...)  # type: ignore[valid-type]
    min_length = 1 if col in REQUIRED_TEXT.get(table, ()) else 0
    return (str, Field(min_length=min_length, max_length=1000 if col != "note" else 100_000))


@cache
def row_model(table: str) -> type[BaseModel]:
    """The pydantic model of one row of ``table`` (extra columns are ignored)."""
    spec = TABLES[table]
    fields: dict[str, Any] = {c: _text_field(table, c) for c in spec.text}
    fields |= {c: _number_field(table, c) for c in spec.numbers}
    return create_model(  # type: ignore[call-overload, no-any-return]
        f"{table.title().replace('_', '')}Row",
        __config__=ConfigDict(extra="ignore", frozen=True),
        **fields,
    )


@cache
def _rows_adapter(table: str) -> TypeAdapter:
    return TypeAdapter(list[row_model(table)])  # type: ignore[misc]


def _hint(table: str, col: str) -> str:
    if col in ENUMS.get(table, {}):
        return "one of: " + ", ".join(ENUMS[table][col])
    r = RANGES.get(table, {}).get(col)
    if r is not None:
        text = f"a finite number {r.describe()}"
        return f"{text} ({r.hint})" if r.hint else text
    return ""


def _records(spec: TableSpec, frame: pd.DataFrame) -> list[dict[str, Any]]:
    cols = [c for c in spec.text + spec.numbers if c in frame.columns]
    sub = frame[cols].astype(object).where(frame[cols].notna(), None)
    return sub.to_dict(orient="records")


def validate_table(spec: TableSpec, frame: pd.DataFrame, file: str) -> None:
    """Check every row of ``frame`` (typed by the loader) against its schema; raise
    :class:`CatalogError` naming the first bad row (file line), column, value and a hint."""
    from advisor.safeio.paths import clip

    problems: list[tuple[int, str, Any, str]] = []
    try:
        _rows_adapter(spec.name).validate_python(_records(spec, frame))
    except ValidationError as exc:
        for e in exc.errors(include_url=False):
            if len(e["loc"]) >= 2:
                problems.append((int(e["loc"][0]), str(e["loc"][1]), e.get("input"), e["msg"]))
    for col in INTEGERS.get(spec.name, ()):
        if col in frame.columns:
            values = frame[col]
            bad = values.notna() & values.map(
                lambda v: isinstance(v, float) and math.isfinite(v) and not float(v).is_integer()
            )
            problems += [
                (frame.index.get_loc(i), col, values[i], "must be a whole number")
                for i in frame.index[bad]
            ]
    if not problems:
        return
    problems.sort(key=lambda p: p[0])
    pos, col, value, msg = problems[0]
    more = (
        f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
        if len(problems) > 1
        else ""
    )
    hint = _hint(spec.name, col)
    raise CatalogError(
        file,
        f"value {clip(repr(value), 80)}: {msg}{more}" + (f"; expected {hint}" if hint else ""),
        pos + 2,
        col,
    )


def check_references(
    tables: dict[str, pd.DataFrame], user_rows: dict[str, pd.DataFrame], files: dict[str, str]
) -> None:
    """Every non-empty reference in a user row names an existing row (e.g. an accelerator)."""
    import difflib

    from advisor.safeio.paths import clip

    for (table, col), (target, target_col) in REFERENCES.items():
        rows = user_rows.get(table)
        if rows is None or col not in rows.columns or target not in tables:
            continue
        known = set(tables[target][target_col])
        bad = rows.index[(rows[col] != "") & ~rows[col].isin(known)]
        if len(bad):
            value = rows.at[bad[0], col]
            close = difflib.get_close_matches(str(value)[:200], sorted(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else ""
            raise CatalogError(
                files[table],
                f"unknown {target_col} {clip(repr(value), 80)}; "
                + (hint or f"add it to {target}.csv or use one of `advisor catalog show {target}`"),
                int(rows.index.get_loc(bad[0])) + 2,
                col,
            )
