"""Workload inventories from CSV or Excel (e.g. a CMDB export).

Columns are workload field paths in dotted form (``demand.requests_per_second``); list fields
take ``;``-separated values. Empty cells mean "not given". Every row remembers its line.
"""

from __future__ import annotations

import csv
import difflib
import io
from pathlib import Path
from typing import Any

from advisor.errors import InvalidScenario, Issue
from advisor.safeio.paths import UnsafePath, check_input_file, clip, read_input_bytes
from advisor.schema.sourcemap import SourceMap

LIST_COLUMNS = {"model.variants", "accelerators.types", "data.residency", "allowed_tiers"}
COLUMNS = (
    "id",
    "name",
    "team",
    "kind",
    "model.preset",
    "model.params_billion",
    "model.active_params_billion",
    "model.precision",
    "model.variants",
    "model.prompt_tokens",
    "model.kv_cache_overhead",
    "model.batch_size",
    "model.kv_cache_precision",
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
    "ttft_ms",
    "tpot_ms",
    "requests_from",
    "data.classification",
    "data.residency",
    "data.source",
    "data.ingress_gb_per_month",
    "data.egress_gb_per_month",
    "interruptible",
    "ha.groups",
    "allowed_tiers",
    "escalation.to",
    "escalation.fraction",
    "escalation.gb_per_month",
)
REQUIRED = ("id",)
MAX_INVENTORY_BYTES = 20_000_000
"""Largest inventory file read (about 100,000 workloads); checked before reading."""


def read_inventory(path: Path, display: str) -> tuple[list[dict[str, Any]], SourceMap]:
    """Read a CSV/XLSX inventory into workload dicts plus a source map keyed by row index."""
    rows = _read_rows(path, display)
    if not rows:
        raise InvalidScenario(
            [
                Issue(
                    display,
                    1,
                    "",
                    "the inventory is empty",
                    expected="a header row naming the columns, then one workload per row",
                )
            ]
        )
    header_line, header = rows[0]
    _check_header(display, header_line, header)
    smap = SourceMap(display)
    out: list[dict[str, Any]] = []
    issues: list[Issue] = []
    for line, cells in rows[1:]:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            issues.append(
                Issue(
                    display,
                    line,
                    "",
                    f"this row has {len(cells)} cells but the header has {len(header)} columns",
                    expected="one cell per column",
                    hint='a value that contains a comma must be in double quotes: "a, b"',
                )
            )
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
    if issues:
        raise InvalidScenario(issues)
    return out, smap


def _fail(display: str, line: int | None, message: str, expected: str = "", hint: str = ""):
    return InvalidScenario([Issue(display, line, "", message, expected, hint)])


def _read_rows(path: Path, display: str) -> list[tuple[int, list[str]]]:
    if not path.exists():
        raise _fail(
            display,
            None,
            "the inventory file does not exist",
            expected="a CSV or Excel file listed in workload_inventories",
            hint="paths in workload_inventories are relative to the scenario file's folder",
        )
    if path.is_dir():
        raise _fail(display, None, "this is a directory, not an inventory file")
    try:
        check_input_file(path, MAX_INVENTORY_BYTES, "inventory file")
    except UnsafePath as exc:
        raise _fail(
            display, None, str(exc), hint="split a very large inventory into several files"
        ) from None
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import pandas as pd

        try:
            frame = pd.read_excel(path, dtype=str, header=None, keep_default_na=False)
        except Exception:
            raise _fail(
                display,
                None,
                "cannot read this file as an Excel workbook",
                expected="an .xlsx workbook whose first sheet has a header row",
                hint="open and save it again in Excel, or export it as 'CSV UTF-8'",
            ) from None
        return [(i + 1, [str(v) for v in row]) for i, row in enumerate(frame.values.tolist())]
    if suffix != ".csv":
        raise _fail(
            display,
            None,
            f"unsupported inventory type '{path.suffix}'",
            expected=".csv or .xlsx",
            hint="export the inventory as 'CSV UTF-8' or as an Excel .xlsx workbook",
        )
    try:
        data = read_input_bytes(path, MAX_INVENTORY_BYTES, "inventory file")
    except UnsafePath as exc:
        raise _fail(display, None, str(exc)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(
            display,
            data[: exc.start].count(b"\n") + 1,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded)",
            expected="a UTF-8 encoded CSV file",
            hint="in Excel, save as 'CSV UTF-8 (Comma delimited)'; elsewhere choose UTF-8",
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise _fail(
            display,
            reader.line_num + 1,
            f"cannot read this CSV line ({exc})",
            hint="check the double quotes on this line: a quoted value must be closed",
        ) from None
    return rows


def _check_header(display: str, line: int, header: list[str]) -> None:
    issues = []
    clean = [h.strip() for h in header]
    header[:] = clean
    known = [c for c in clean if c in COLUMNS]
    if not known and not any(c.lower() == "id" for c in clean):
        # Not an inventory at all (perhaps a symlink to another file): say where and how many
        # columns, never what the line says.
        raise _fail(
            display,
            line,
            f"the first line has {len(clean)} column{'s' if len(clean) != 1 else ''} "
            f"(column 1 to {len(clean)}), none of them a workload field",
            expected="a header row with an 'id' column, e.g. "
            "id,kind,model.params_billion,demand.requests_per_second",
            hint="check that this is the inventory file you meant",
        )
    for col in REQUIRED:
        if col not in clean:
            same = [c for c in clean if c.lower() == col]
            if same:
                hint = f"did you mean '{col}'? Column names are lower case"
            elif not known:
                hint = "the first line must be the header row naming the columns"
            else:
                hint = f"add an '{col}' column with a unique workload id on each row"
            issues.append(
                Issue(
                    display,
                    line,
                    col,
                    f"the header has no '{col}' column",
                    expected="a header row with an 'id' column, e.g. "
                    "id,kind,model.params_billion,demand.requests_per_second",
                    hint=hint,
                )
            )
    if not any(c.startswith("demand.") for c in clean):
        issues.append(
            Issue(
                display,
                line,
                "demand",
                "no demand column",
                expected="at least one demand.* column, e.g. demand.requests_per_second",
                hint="e.g. demand.replicas with cpu.vcpus, or demand.requests_per_second and "
                "demand.tokens_per_request with model.params_billion",
            )
        )
    for n, col in enumerate(clean, start=1):
        if col == "":
            issues.append(
                Issue(
                    display,
                    line,
                    "",
                    f"column {n} has no name",
                    hint="name the column, or delete it",
                )
            )
        elif col not in COLUMNS and not (col.lower() == "id" and "id" not in clean):
            col = clip(col, 60)
            close = _closest_column(col)
            hint = (
                f"did you mean '{close}'?"
                if close
                else "remove the column, or rename it to a workload field in dotted form "
                "such as demand.replicas"
            )
            issues.append(
                Issue(
                    display,
                    line,
                    col,
                    f"unknown column '{col}'",
                    expected="a workload field in dotted form, e.g. id, kind, "
                    "model.params_billion, demand.requests_per_second, data.classification",
                    hint=hint,
                )
            )
    seen: set[str] = set()
    for col in clean:
        if col in seen and col:
            issues.append(
                Issue(display, line, col, f"duplicate column '{col}'", hint="remove one of them")
            )
        seen.add(col)
    if issues:
        raise InvalidScenario(issues)


def _closest_column(col: str) -> str:
    lowered = {c.lower(): c for c in COLUMNS}
    if col.lower() in lowered:
        return lowered[col.lower()]
    close = difflib.get_close_matches(col.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else ""


def _parse(col: str, value: str) -> Any:
    if col in LIST_COLUMNS:
        return [v.strip() for v in value.split(";") if v.strip()]
    return value


def _put(record: dict[str, Any], parts: list[str], value: Any) -> None:
    node = record
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
