"""Turn pydantic validation errors into :class:`~advisor.errors.Issue` objects users can act on.

Every issue says what is wrong in plain words (never pydantic's "Input should be ..."), what
was expected and, where it helps, a hint: "did you mean ...?" for near-miss names and values,
where a misplaced field belongs, or how to write a number without its unit.
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from advisor.errors import Issue
from advisor.schema.profile import PROFILE_ERROR_HELP
from advisor.schema.sourcemap import Loc, SourceMap, format_loc

MAX_ISSUES = 50
"""Issues reported for one file; the rest are counted, not listed."""

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_NUMBER_WITH_UNIT_RE = re.compile(r"^\s*(-?[\d.]+)\s*([A-Za-z/$%€£]+)\s*$")
_THOUSANDS_RE = re.compile(r"^\s*-?\d{1,3}([,_ ']\d{3})+(\.\d+)?\s*$")
_ID_EXPECTED = (
    "an id: ASCII letters, digits, '-', '_' or '.', at most 64 characters, "
    "starting with a letter or digit"
)
_RESIDENCY_GROUPS = ("EU", "EEA", "EU_ADEQUATE", "US_DPF")
_LIST_EXPECTED = "a list: lines starting with '- ', or [a, b]"
_MAPPING_EXPECTED = "a mapping: 'key: value' lines, or {key: value}"

_LABELS = {
    "providers": "provider",
    "provider": "provider",
    "pricing": "pricing model",
    "allowed_tiers": "tier",
    "tier": "tier",
    "cloud_requires": "control",
    "variants": "precision",
    "precision": "precision",
    "classification": "classification",
    "kind": "kind",
    "objective": "objective",
    "solver": "solver",
    "schema_version": "schema version",
}
"""How a field's values are called in messages ('phi2' is not a known classification)."""

_EXAMPLES = {
    "name": "name: acme-2027",
    "id": "id: claims-llm",
    "demand": "demand: {requests_per_second: 2, tokens_per_request: 300}",
    "kind": "kind: local",
    "country": "country: DE",
    "location": "location: {lat: 50.11, lon: 8.68}",
    "params_billion": "params_billion: 70",
    "vcpus": "vcpus: 8",
    "scope": "scope: all",
    "sku": "sku: hgx-h100-8",
    "count": "count: 1",
    "provider": "provider: aws",
    "factor": "factor: 0.9",
    "from_workload": "from_workload: call-transcription",
    "to_workload": "to_workload: claims-llm",
    "gb_per_month": "gb_per_month: 40",
}
"""One-line examples for required fields, shown when a field is missing."""

_MISSING_EXPECTED = {
    "name": "a short name for this scenario",
    "id": _ID_EXPECTED,
    "demand": "how much work: requests_per_second with tokens_per_request, images_per_second, "
    "gpu_hours_per_month, or replicas",
}

_VALUE_ERROR_HINTS = {
    "give only one of requests_per_second": "keep the one that describes this workload and "
    "remove the others",
    "requests_per_second needs tokens_per_request": "add tokens_per_request: the average "
    "number of tokens generated per request, e.g. 300",
    "give one of requests_per_second": "e.g. demand: {requests_per_second: 2, "
    "tokens_per_request: 300}, or demand: {replicas: 1} with accelerators or cpu",
    "give model, accelerators or cpu": "e.g. model: {params_billion: 8} for an LLM, "
    "accelerators: {count: 1} for another GPU job, or cpu: {vcpus: 8}",
    "a cpu workload sizes by demand.replicas": "e.g. demand: {replicas: 2}",
    "demand.replicas needs accelerators or cpu": "add accelerators: {count: 1} or "
    "cpu: {vcpus: 8}, or size by requests_per_second with a model",
}


def issues_from_validation(
    exc: ValidationError, smap: SourceMap, root: type[BaseModel]
) -> list[Issue]:
    """One Issue per pydantic error, located in the user's file."""
    errors = exc.errors(include_url=False)
    locs: list[Loc] = [tuple(p for p in err["loc"] if p != "[key]") for err in errors]
    out: list[Issue] = []
    for n, (err, loc) in enumerate(zip(errors, locs, strict=True)):
        if len(out) >= MAX_ISSUES:
            rest = len(errors) - n
            out.append(
                Issue(
                    smap.default_file,
                    None,
                    "",
                    f"... and {rest} more problem{'s' if rest != 1 else ''} not shown",
                    hint="fix the problems above first",
                )
            )
            break
        if err["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in locs
        ):
            # pydantic also calls a list "too short" when some of its items are invalid;
            # the item's own error is the one that helps.
            continue
        file, line = smap.locate(loc)
        issue = _issue(err, loc, file, line, root)
        out.append(replace(issue, path=smap.path_for(loc, file)))
    return _dedupe(out)


def _issue(
    err: ErrorDetails, loc: Loc, file: str, line: int | None, root: type[BaseModel]
) -> Issue:
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    path = format_loc(loc)
    last = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    label = f"'{last}'" if loc and isinstance(loc[-1], str) else "this item"
    message = err["msg"].removeprefix("Value error, ")
    expected = ""
    hint = ""
    if kind == "extra_forbidden":
        allowed = _fields_at(root, loc[:-1])
        close = _closest(last, allowed, cutoff=0.6)
        message = f"unknown field '{last}'"
        if close:
            hint = f"did you mean '{close}'?"
            allowed = [close] + [f for f in allowed if f != close]
        else:
            home = _home_of(root, last, loc[:-1])
            hint = (
                f"'{last}' belongs under '{home}'" if home else "remove it, or check the spelling"
            )
        expected = "one of: " + ", ".join(allowed) if allowed else ""
    elif kind == "missing":
        message = f"required field '{last}' is missing"
        expected = (
            _MISSING_EXPECTED.get(last) or _describe_field(root, loc) or f"a value for '{last}'"
        )
        hint = f"add it, e.g. '{_EXAMPLES[last]}'" if last in _EXAMPLES else ""
    elif kind in ("literal_error", "enum"):
        raw = str(ctx.get("expected", ""))
        allowed = re.findall(r"'([^']*)'", raw) or [raw]
        if "[key]" in err["loc"]:
            what = "classification" if loc[:1] == ("policies",) else "key"
        else:
            what = _LABELS.get(last, "value")
        message = f"{_show(value)} is not a known {what}"
        expected = "one of: " + ", ".join(allowed)
        close = _closest(str(value), allowed, cutoff=0.5)
        hint = f"did you mean '{close}'?" if close else ""
        if last == "schema_version":
            hint = f"this version of advisor reads schema_version {raw}"
    elif kind == "string_pattern_mismatch":
        message, expected, hint = _pattern(loc, last, str(value))
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        if isinstance(value, float) and math.isnan(value):
            message = "nan is not a number"
            expected = "a number"
        else:
            too = "large" if kind.startswith("less") else "small"
            message = f"{_show(value, bare=True)} is too {too}"
            expected = _range_text(kind, ctx)
            hint = _range_hint(last, kind, value)
    elif kind in ("float_parsing", "int_parsing", "float_type", "int_type", "int_from_float"):
        whole = kind.startswith("int")
        expected = "a whole number" if whole else "a number"
        if isinstance(value, str):
            message = f"{_show(value)} is not {expected}"
            hint = _number_hint(last, value)
        elif kind == "int_from_float":
            message = f"{_show(value)} is not a whole number"
        elif value is None:
            message = f"{label} is empty"
        else:
            message = f"{label} must be {expected}, not {_kind(value)}"
    elif kind in ("bool_parsing", "bool_type"):
        message = f"{_show(value)} is not true or false"
        expected = "true or false"
    elif kind == "string_type":
        expected = _describe_field(root, loc) or "text"
        if value is None:
            message = f"{label} is empty"
        else:
            message = f"{label} must be text, not {_kind(value)}"
            if isinstance(value, bool):
                hint = (
                    "YAML reads unquoted yes/no/on/off as true/false; put the value in quotes, "
                    "e.g. 'NO'"
                )
            elif isinstance(value, int | float):
                hint = f"put it in quotes: '{_show(value, bare=True)}'"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        expected = _MAPPING_EXPECTED
        if value is None:
            message = f"{label} is empty"
            hint = "give its keys on the lines below, indented, or remove the line"
        else:
            message = f"{label} must be a mapping, not {_kind(value)}"
            if isinstance(value, list | tuple):
                hint = "remove the '- ' in front of its keys"
            else:
                hint = "put its 'key: value' lines below it, indented"
    elif kind in ("tuple_type", "list_type"):
        expected = _LIST_EXPECTED
        if value is None:
            message = f"{label} is empty"
            hint = "list its items, write [] for none, or remove the line"
        else:
            message = f"{label} must be a list, not {_kind(value)}"
            if isinstance(value, dict):
                hint = "start each item with '- ' (e.g. '- id: chat')"
            else:
                hint = "write [a, b], or one '- item' per line; a single item is [a]"
    elif kind == "too_short":
        need, got = ctx.get("min_length"), ctx.get("actual_length")
        if loc == ("workloads",):
            message = "there are no workloads to place"
            expected = "at least one workload under 'workloads:' or in a workload_inventories file"
            hint = f"add one, e.g. '- id: chat' with its model and {_EXAMPLES['demand']}"
        else:
            message = f"{label} needs at least {need} item{'s' if need != 1 else ''}, found {got}"
            expected = f"at least {need} item{'s' if need != 1 else ''}"
    elif kind == "too_long":
        message = f"{label} has too many items ({ctx.get('actual_length')})"
        expected = f"at most {ctx.get('max_length')} items"
    elif kind == "string_too_long":
        message = f"{label} is too long ({len(str(value))} characters)"
        expected = f"at most {ctx.get('max_length')} characters"
    elif kind == "string_too_short":
        message = f"{label} is empty"
        expected = f"at least {ctx.get('min_length')} character(s)"
    elif kind == "value_error":
        for start, text in _VALUE_ERROR_HINTS.items():
            if message.startswith(start):
                hint = text
                break
        for start, (want, text) in PROFILE_ERROR_HELP.items():
            if message.startswith(start):
                expected, hint = want, text
                break
    return Issue(file, line, path, message, expected, hint)


def _show(value: Any, bare: bool = False) -> str:
    """A user's value as they would recognise it (YAML spelling, shortened)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "an empty value"
    if isinstance(value, int | float):
        return _num(value)
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return text if bare else f"'{text}'"
    return _kind(value)


def _num(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _closest(value: str, choices: Iterable[str], cutoff: float) -> str:
    """The closest choice: same spelling in another case first, then by similarity."""
    pool = list(dict.fromkeys(choices))
    lowered = {c.lower(): c for c in pool}
    if value.lower() in lowered:
        return lowered[value.lower()]
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[close[0]] if close else ""


def _pattern(loc: Loc, last: str, value: str) -> tuple[str, str, str]:
    if "residency" in loc:
        hint = ""
        if re.fullmatch(r"[A-Z]{2}", value.upper()):
            hint = f"did you mean '{value.upper()}'?"
        else:
            close = _closest(value, _RESIDENCY_GROUPS, cutoff=0.5)
            hint = f"did you mean '{close}'?" if close else ""
        expected = "an ISO country code (DE) or a group: " + ", ".join(_RESIDENCY_GROUPS)
        return f"'{value}' is not a country code or residency group", expected, hint
    if last == "country":
        expected = "an ISO 3166-1 alpha-2 code in upper case, e.g. DE, US, GB"
        if value.upper() == "UK":
            hint = "the code of the United Kingdom is 'GB'"
        elif re.fullmatch(r"[A-Za-z]{2}", value):
            hint = f"did you mean '{value.upper()}'?"
        elif re.fullmatch(r"[A-Za-z]{3}", value):
            hint = "use the two-letter code (DE, not DEU)"
        else:
            hint = ""
        return f"'{value}' is not a country code", expected, hint
    if last == "scope":
        expected = "'all' or 'team:<team id>'"
        team = re.sub(r"^team[\s:_\-]*", "", value.strip(), flags=re.IGNORECASE)
        hint = f"did you mean 'team:{team}'?" if team and _ID_RE.match(team) else ""
        return f"'{value}' is not a budget scope", expected, hint
    shown = value if len(value) <= 60 else value[:57] + "..."
    if len(value) > 64:
        return f"'{shown}' is not a valid id", _ID_EXPECTED, "ids are at most 64 characters"
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    folded = re.sub(r"\s+", "-", folded.strip())
    if folded != value and _ID_RE.match(folded) and not re.search(r"[<>&\"']", value):
        hint = f"did you mean '{folded}'? Put free text (accents, spaces) in 'name'"
    else:
        hint = "ids appear in reports and file names; put free text in 'name'"
    return f"'{shown}' is not a valid id", _ID_EXPECTED, hint


def _range_text(kind: str, ctx: dict[str, Any]) -> str:
    words = {
        "greater_than": ("more than", "gt"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("less than", "lt"),
        "less_than_equal": ("at most", "le"),
    }
    word, key = words[kind]
    bound = ctx.get(key)
    return f"{word} {_num(bound) if isinstance(bound, int | float) else bound}"


def _range_hint(last: str, kind: str, value: Any) -> str:
    if last == "hours_per_month":
        return "a month has at most 744 hours (31 x 24)"
    if last == "pue":
        return "PUE is facility power / IT power: 1.0 (ideal) to about 2.0"
    if last == "params_billion":
        return "params_billion counts billions: write 70 for a 70B model"
    if last in ("lat", "lon"):
        return "latitude is -90..90 and longitude -180..180; check they are not swapped"
    if last == "factor":
        return "a factor multiplies list prices: 0.85 means 15% off"
    try:
        negative = float(value) < 0
    except (TypeError, ValueError):
        negative = False
    if negative and kind.startswith("greater"):
        return "this cannot be negative; use 0 for none"
    for suffix, unit in (("_gb", "GB"), ("_kw", "kW"), ("_ms", "milliseconds")):
        if last.endswith(suffix) or f"{suffix}_" in last:
            return f"check the unit: '{last}' is in {unit}"
    return ""


def _number_hint(last: str, value: str) -> str:
    unit = _NUMBER_WITH_UNIT_RE.match(value)
    if unit:
        return f"write {unit.group(1)}: the unit is already in the field name '{last}'"
    if _THOUSANDS_RE.match(value):
        digits = re.sub(r"[,_ ']", "", value.strip())
        return f"write {digits} without thousands separators"
    if not re.search(r"\d", value):
        return "write the number in digits"
    return ""


def _describe_field(root: type[BaseModel], loc: Loc) -> str:
    """A short description of the field at ``loc`` (its docstring or its type's)."""
    model = _as_model(_annotation_at(root, loc[:-1])) if loc else None
    if model is None or not isinstance(loc[-1], str) or loc[-1] not in model.model_fields:
        return ""
    info = model.model_fields[loc[-1]]
    text = info.description or ""
    if not text:
        inner = _as_model(info.annotation) or _as_model(_element(info.annotation))
        text = (inner.__doc__ or "") if inner is not None else ""
        if not text and typing.get_origin(info.annotation) is typing.Literal:
            text = "one of: " + ", ".join(map(str, typing.get_args(info.annotation)))
    text = text.strip().split("\n")[0].rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _home_of(root: type[BaseModel], name: str, here: Loc) -> str:
    """Where a field called ``name`` lives in the schema, if it is not ``here`` (shallowest)."""
    here_path = "".join("[]" if isinstance(p, int) else f".{p}" for p in here).lstrip(".")
    queue: list[tuple[type[BaseModel], str]] = [(root, "")]
    seen: set[type[BaseModel]] = set()
    while queue:
        model, path = queue.pop(0)
        if model in seen:
            continue
        seen.add(model)
        if name in model.model_fields and path and path != here_path:
            return path
        for field, info in model.model_fields.items():
            tp = info.annotation
            sub = _as_model(tp)
            if sub is not None:
                queue.append((sub, f"{path}.{field}" if path else field))
            else:
                sub = _as_model(_element(tp))
                if sub is not None:
                    queue.append((sub, (f"{path}.{field}" if path else field) + "[]"))
    return ""


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen, out = set(), []
    for i in issues:
        key = (i.file, i.line, i.path, i.message)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def _annotation_at(root: type[BaseModel], loc: Loc) -> Any:
    current: Any = root
    for part in loc:
        model = _as_model(current)
        if model is None:
            current = _element(current)
            model = _as_model(current)
        if model is not None and isinstance(part, str) and part in model.model_fields:
            current = model.model_fields[part].annotation
        elif isinstance(part, int | str):
            current = _element(current)
        else:
            return None
    return current


def _fields_at(root: type[BaseModel], loc: Loc) -> list[str]:
    """Field names of the model found at ``loc`` (walking tuples, dicts and optionals)."""
    current = _annotation_at(root, loc)
    model = _as_model(current) or _as_model(_element(current))
    return list(model.model_fields) if model else []


def _as_model(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            m = _as_model(arg)
            if m is not None:
                return m
    return None


def _element(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is not type(None):
                return _element(arg) if typing.get_origin(arg) else arg
    if origin in (tuple, list) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return tp
