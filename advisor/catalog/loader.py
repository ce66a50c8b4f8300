"""The one way catalogs are read: schema version check, typed columns, bad rows named.

A user's catalog directory extends or overrides the bundled one table by table: its rows
replace bundled rows with the same key and add the rest.
"""

from __future__ import annotations

import functools
import io
import json
from pathlib import Path

import pandas as pd

from advisor.catalog.schemas import check_references, validate_table
from advisor.catalog.tables import (
    BASES,
    INFORMATIONAL_FILES,
    OPTIONAL_NUMBERS,
    SCHEMA_VERSION,
    TABLES,
    TableSpec,
)
from advisor.errors import CatalogError
from advisor.safeio.paths import UnsafePath, clip, read_input_bytes

MAX_TABLE_BYTES = 100_000_000
"""Largest catalog file read (the bundled instance_prices.csv is under 1 MB)."""


def bundled_catalog_dir() -> Path:
    """The catalogs shipped with advisor (inside the wheel, or the repo's ``catalogs/``)."""
    here = Path(__file__).resolve().parent.parent
    installed = here / "_bundled" / "catalogs"
    if installed.is_dir():
        return installed
    return here.parent / "catalogs"


def read_manifest(directory: Path, required: bool) -> dict:
    path = directory / "manifest.json"
    if not path.exists():
        if required:
            raise CatalogError(str(path), "manifest.json is missing")
        return {}
    try:
        manifest = json.loads(read_input_bytes(path, 1_000_000, "manifest").decode("utf-8"))
    except UnsafePath as exc:
        raise CatalogError(str(path), str(exc)) from None
    except UnicodeDecodeError:
        raise CatalogError(str(path), "not UTF-8 text; expected a JSON object") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(str(path), f"invalid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise CatalogError(str(path), "JSON nested too deeply") from None
    if not isinstance(manifest, dict):
        raise CatalogError(
            str(path),
            f"the top level is a JSON {type(manifest).__name__}; expected an object such as "
            f'{{"schema_version": {SCHEMA_VERSION}}}',
        )
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        raise CatalogError(
            str(path),
            f"catalog schema_version is {clip(repr(version), 40)}; this advisor reads version "
            f"{SCHEMA_VERSION}",
            column="schema_version",
        )
    return manifest


def read_table(spec: TableSpec, path: Path, user: bool = False) -> pd.DataFrame:
    """Read and type-check one table file; raise CatalogError naming the bad row."""
    try:
        raw = read_input_bytes(path, MAX_TABLE_BYTES, "catalog table")
        text = raw.decode("utf-8-sig")
    except UnsafePath as exc:
        raise CatalogError(str(path), str(exc)) from None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CatalogError(str(path), "not UTF-8 text; save the table as CSV UTF-8", line) from None
    if not text.strip():
        raise CatalogError(
            str(path), f"the file is empty; expected a header row: {','.join(spec.columns)}", 1
        )
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise CatalogError(str(path), f"cannot parse CSV: {clip(exc, 200)}") from None
    required = spec.text + spec.numbers + (("source", "as_of") if spec.provenance else ())
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise CatalogError(
            str(path),
            f"missing columns {missing} (the header has {len(frame.columns)} columns)",
            1,
        )
    for col in ("basis", "note"):
        if spec.provenance and col not in frame.columns:
            frame[col] = "user" if (col == "basis" and user) else ""
    for col in spec.text:
        frame[col] = frame[col].str.strip()
    for col in spec.numbers:
        _to_number(frame, col, path, optional=col in OPTIONAL_NUMBERS)
    if user:  # the bundled tables are held to the same schemas by tests/test_catalog_schemas.py
        validate_table(spec, frame, str(path))
    for col in spec.positive:
        bad = frame.index[frame[col] <= 0]
        if len(bad):
            raise CatalogError(
                str(path), f"must be > 0, got {frame.at[bad[0], col]}", int(bad[0]) + 2, col
            )
    if spec.provenance:
        for col in ("source", "as_of"):
            bad = frame.index[frame[col].str.strip() == ""]
            if len(bad):
                raise CatalogError(str(path), "every row needs provenance", int(bad[0]) + 2, col)
        bad = frame.index[~frame["basis"].isin(BASES)]
        if len(bad):
            raise CatalogError(
                str(path), f"basis must be one of {', '.join(BASES)}", int(bad[0]) + 2, "basis"
            )
    dupes = frame.duplicated(list(spec.key), keep=False)
    if dupes.any():
        first = frame.index[dupes][0]
        key = ", ".join(f"{k}={frame.at[first, k]}" for k in spec.key)
        raise CatalogError(str(path), f"duplicate key ({key})", int(first) + 2)
    return frame


def _to_number(frame: pd.DataFrame, col: str, path: Path, optional: bool) -> None:
    raw = frame[col].str.strip()
    numbers = pd.to_numeric(raw.where(raw != "", None), errors="coerce")
    bad = raw.ne("") & numbers.isna()
    if not optional:
        bad |= raw.eq("")
    if bad.any():
        first = frame.index[bad][0]
        raise CatalogError(
            str(path),
            f"expected a number, got {clip(repr(raw.iat[frame.index.get_loc(first)]), 80)}",
            int(first) + 2,
            col,
        )
    frame[col] = numbers.astype(float)


@functools.lru_cache(maxsize=32)
def _bundled_table(name: str, path: Path, mtime_ns: int) -> pd.DataFrame:
    """A bundled table, parsed once per process (and again if the file changes); callers get a
    copy, so the cached frame is never modified."""
    frame = read_table(TABLES[name], path)
    frame["origin"] = "bundled"
    return frame


def load_tables(user_dir: Path | None = None) -> tuple[dict[str, pd.DataFrame], dict, dict]:
    """Read every table (bundled, then the user's overlay). Returns tables, manifests."""
    bundled = bundled_catalog_dir()
    manifest = read_manifest(bundled, required=True)
    user_manifest: dict = {}
    if user_dir is not None:
        if not user_dir.is_dir():
            raise CatalogError(str(user_dir), "user catalog directory not found")
        user_manifest = read_manifest(user_dir, required=False)
        unknown = sorted(
            p.name
            for p in user_dir.glob("*.csv")
            if p.name not in {t.file for t in TABLES.values()} | INFORMATIONAL_FILES
        )
        if unknown:
            known = ", ".join(t.file for t in TABLES.values())
            raise CatalogError(
                str(user_dir / clip(unknown[0], 100)), f"unknown catalog table; known: {known}"
            )
    tables: dict[str, pd.DataFrame] = {}
    user_rows: dict[str, pd.DataFrame] = {}
    user_files: dict[str, str] = {}
    for name, spec in TABLES.items():
        path = bundled / spec.file
        if not path.exists():
            raise CatalogError(str(path), "catalog table is missing")
        frame = _bundled_table(name, path, path.stat().st_mtime_ns).copy()
        if user_dir is not None and (user_dir / spec.file).exists():
            extra = read_table(spec, user_dir / spec.file, user=True)
            extra["origin"] = "user"
            user_rows[name], user_files[name] = extra, str(user_dir / spec.file)
            frame = pd.concat([frame, extra], ignore_index=True)
            frame = frame.drop_duplicates(list(spec.key), keep="last")
        tables[name] = frame.reset_index(drop=True)
    check_references(tables, user_rows, user_files)
    return tables, manifest, user_manifest
