"""Workload inventories from CSV or Excel (e.g. a CMDB export).

Columns are workload field paths in dotted form (``demand.requests_per_second``); list fields
take ``;``-separated values. Empty cells mean "not given". Every row remembers its line.
"""

from __future__ import annotations

import csv
import difflib
from pathlib import Path
from typing import Any

from advisor.errors import Issue, InvalidScenario
from advisor.schema.sourcemap import SourceMap

LIST_COLUMNS = {"model.variants", "accelerators.types", "data.residency", "allowed_tiers"}
COLUMNS = (
    "id",
    "name",
    "team",
    "kind",
    "model.params_billion",
    "model.precision",
    "model.variants",
    "model.prompt_tokens",
    "model.kv_cache_overhead",
    "model.batch_size",
    "accelerators.count",
    "accelerators.min_memory_gb",
    "accelerators.types",
    "cpu.vcpus",
    "cpu.memory_gb",
    "demand.requests_per_second",
    "demand.tokens_per_request",
    "demand.images_per_second",
    "demand.gflops_per_image",
    "demand.gpu_hours_per_month",
    "demand.reference_accelerator",
    "demand.replicas",
    "demand.hours_per_month",
    "demand.throughput_per_replica",
    "latency_slo_ms",
    "requests_from",
    "data.classification",
    "data.residency",
    "data.source",
    "data.ingress_gb_per_month",
    "data.egress_gb_per_month",
    "interruptible",
    "ha.groups",
    "allowed_tiers",
)
REQUIRED = ("id",)


def read_inventory(path: Path, display: str) -> tuple[list[dict[str, Any]], SourceMap]:
    """Read a CSV/XLSX inventory into workload dicts plus a source map keyed by row index."""
    rows = _read_rows(path, display)
    if not rows:
        raise InvalidScenario([Issue(display, 1, "", "the inventory has no header row")])
    header_line, header = rows[0]
    _check_header(display, header_line, header)
    smap = SourceMap(display)
    out: list[dict[str, Any]] = []
    for line, cells in rows[1:]:
        if not any(c.strip() for c in cells):
            continue
        idx = len(out)
        record: dict[str, Any] = {}
        for col, raw in zip(header, cells, strict=False):
            value = raw.strip()
            if value == "":
                continue
            _put(record, col.split("."), _parse(col, value))
        out.append(record)
        smap.where[(idx,)] = (display, line)
        for col in header:
            smap.where[(idx, *col.split("."))] = (display, line)
    return out, smap


def _read_rows(path: Path, display: str) -> list[tuple[int, list[str]]]:
    if not path.exists():
        raise InvalidScenario(
            [Issue(display, None, "", "inventory file not found", hint="paths are relative to the scenario file")]
        )
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import pandas as pd

        frame = pd.read_excel(path, dtype=str, header=None, keep_default_na=False)
        return [(i + 1, [str(v) for v in row]) for i, row in enumerate(frame.values.tolist())]
    if path.suffix.lower() != ".csv":
        raise InvalidScenario(
            [Issue(display, None, "", f"unsupported inventory type '{path.suffix}'", expected=".csv or .xlsx")]
        )
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            rows = []
            for cells in reader:
                rows.append((reader.line_num, cells))
            return rows
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidScenario([Issue(display, None, "", f"cannot read CSV: {exc}")]) from None


def _check_header(display: str, line: int, header: list[str]) -> None:
    issues = []
    clean = [h.strip() for h in header]
    header[:] = clean
    for col in REQUIRED:
        if col not in clean:
            issues.append(
                Issue(display, line, col, f"missing required column '{col}'", expected=f"columns include {', '.join(REQUIRED)}")
            )
    if not any(c.startswith("demand.") for c in clean):
        issues.append(
            Issue(
                display,
                line,
                "demand",
                "no demand column",
                expected="at least one demand.* column, e.g. demand.requests_per_second",
            )
        )
    for col in clean:
        if col not in COLUMNS:
            close = difflib.get_close_matches(col, COLUMNS, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "see 'advisor schema' for column names"
            issues.append(Issue(display, line, col, f"unknown column '{col}'", hint=hint))
    seen: set[str] = set()
    for col in clean:
        if col in seen:
            issues.append(Issue(display, line, col, f"duplicate column '{col}'"))
        seen.add(col)
    if issues:
        raise InvalidScenario(issues)


def _parse(col: str, value: str) -> Any:
    if col in LIST_COLUMNS:
        return [v.strip() for v in value.split(";") if v.strip()]
    return value


def _put(record: dict[str, Any], parts: list[str], value: Any) -> None:
    node = record
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
