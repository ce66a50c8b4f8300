"""Turn pydantic validation errors into :class:`~advisor.errors.Issue` objects users can act on."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from advisor.errors import Issue
from advisor.schema.sourcemap import Loc, SourceMap, format_loc

_UNIT_RE = re.compile(r"^\s*-?[\d.,]+\s*[A-Za-z/$%€£]+\s*$")
_ID_HINT = (
    "ids are ASCII letters, digits, '-', '_' or '.' (max 64, starting with a letter or digit); "
    "put free text in 'name'"
)
_EXPECTED = {
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "model_type": "a mapping (key: value lines)",
    "dict_type": "a mapping (key: value lines)",
    "tuple_type": "a list (lines starting with '- ', or [a, b])",
    "list_type": "a list (lines starting with '- ', or [a, b])",
    "missing": "this field to be present",
}


def issues_from_validation(exc: ValidationError, smap: SourceMap, root: type[BaseModel]) -> list[Issue]:
    """One Issue per pydantic error, located in the user's file."""
    out = []
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(p for p in err["loc"] if p != "[key]")
        file, line = smap.locate(loc)
        out.append(_issue(err, loc, file, line, root))
    return _dedupe(out)


def _issue(err: dict[str, Any], loc: Loc, file: str, line: int | None, root: type[BaseModel]) -> Issue:
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    path = format_loc(loc)
    message = err["msg"].removeprefix("Value error, ")
    expected = _EXPECTED.get(kind, "")
    hint = ""
    if kind == "extra_forbidden":
        field = str(loc[-1])
        allowed = _fields_at(root, loc[:-1])
        close = difflib.get_close_matches(field, allowed, n=1, cutoff=0.6)
        message = f"unknown field '{field}'"
        expected = "one of: " + ", ".join(allowed) if allowed else ""
        hint = f"did you mean '{close[0]}'?" if close else "remove it, or check the spelling"
    elif kind == "missing":
        message = f"required field '{loc[-1]}' is missing"
    elif kind in ("literal_error", "enum"):
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        message = f"{value!r} is not allowed"
        expected = "one of: " + ", ".join(allowed)
        close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else ""
    elif kind == "string_pattern_mismatch":
        message = f"{value!r} is not a valid value"
        last = str(loc[-1]) if loc else ""
        if "residency" in loc:
            expected = "an ISO country code (DE) or a group: EU, EEA, EU_ADEQUATE, US_DPF"
            groups = ["EU", "EEA", "EU_ADEQUATE", "US_DPF"]
            close = difflib.get_close_matches(str(value).upper(), groups, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'?" if close else ""
        elif last == "country":
            expected = "an ISO 3166-1 alpha-2 code in upper case, e.g. DE, US, GB"
        elif last == "scope":
            expected = "'all' or 'team:<team id>'"
        else:
            expected = "an id"
            hint = _ID_HINT
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        message = f"{value!r} is out of range"
        expected = _range_text(kind, ctx)
        hint = _absurd_hint(loc)
    elif kind in ("float_parsing", "int_parsing", "float_type", "int_type") and isinstance(value, str):
        message = f"{value!r} is not a number"
        if _UNIT_RE.match(value):
            hint = "write a plain number; the unit is part of the field name (e.g. _ms, _gb, _usd)"
    elif kind in ("too_short",):
        message = "the list is too short"
        expected = f"at least {ctx.get('min_length')} item(s)"
    elif kind in ("model_type", "dict_type") and value is None:
        message = "the section is empty"
    elif kind == "value_error":
        expected = ""
    return Issue(file, line, path, message, expected, hint)


def _range_text(kind: str, ctx: dict[str, Any]) -> str:
    sym = {
        "greater_than": "> {gt}",
        "greater_than_equal": ">= {ge}",
        "less_than": "< {lt}",
        "less_than_equal": "<= {le}",
    }[kind]
    return "a value " + sym.format(**{k: ctx.get(k) for k in ("gt", "ge", "lt", "le")})


def _absurd_hint(loc: Loc) -> str:
    last = str(loc[-1]) if loc else ""
    if last == "hours_per_month":
        return "a month has at most 744 hours (31 x 24)"
    if last == "pue":
        return "PUE is facility power / IT power: 1.0 (perfect) to about 2.0"
    if last.endswith("_gb") or last.endswith("_kw") or last.endswith("_ms"):
        return f"check the unit: '{last}' is in {last.rsplit('_', 1)[-1]}"
    return ""


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen, out = set(), []
    for i in issues:
        key = (i.file, i.line, i.path, i.message)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def _fields_at(root: type[BaseModel], loc: Loc) -> list[str]:
    """Field names of the model found at ``loc`` (walking tuples, dicts and optionals)."""
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
            return []
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
