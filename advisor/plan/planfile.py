"""Reading a ``plan.json`` back (``advisor compare A.json B.json``): checked before use.

A truncated, foreign or hand-edited file is an input error (exit 2) naming the file and the
first field that is wrong, never a traceback deep inside the comparison.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.errors import InvalidScenario, Issue
from advisor.safeio import UnsafePath, clip, read_input_bytes

MAX_PLAN_JSON_BYTES = 200_000_000
"""Largest plan.json read (a 100,000-workload plan is about 60 MB)."""

FiniteUsd = float


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class _Kpis(_Open):
    monthly_total_usd: float = Field(allow_inf_nan=False)


class _Assignment(_Open):
    workload: str
    unit: str
    target: str | None = None
    hardware: str | None = None
    pricing: str | None = None
    total_usd: float = Field(allow_inf_nan=False)


class _PlanFile(_Open):
    plan_schema_version: Literal[1]
    scenario: str
    kpis: _Kpis
    assignments: list[_Assignment]


def _issue(display: str, path: str, message: str, hint: str = "") -> InvalidScenario:
    return InvalidScenario([Issue(display, None, path, message, hint=hint)])


def load_plan_json(path: str | Path) -> dict:
    """The content of an advisor ``plan.json``; raises :class:`InvalidScenario` otherwise."""
    path = Path(path)
    display = str(path)
    hint = "give a plan.json written by 'advisor plan', or a scenario YAML"
    try:
        data = read_input_bytes(path, MAX_PLAN_JSON_BYTES, "plan.json")
    except UnsafePath as exc:
        raise _issue(display, "", str(exc)) from None
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _issue(display, "", "not UTF-8 text", hint=hint) from None
    except json.JSONDecodeError as exc:
        raise InvalidScenario(
            [Issue(display, exc.lineno, "", f"not valid JSON ({exc.msg})", hint=hint)]
        ) from None
    except RecursionError:
        raise _issue(display, "", "nested too deeply to be a plan.json", hint=hint) from None
    if not isinstance(doc, dict):
        raise _issue(
            display, "", f"the top level is a JSON {type(doc).__name__}, not an object", hint=hint
        )
    try:
        _PlanFile.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _issue(
            display, where, f"not an advisor plan.json: {clip(first['msg'], 200)}", hint=hint
        ) from None
    return doc
