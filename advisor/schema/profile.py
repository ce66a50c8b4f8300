"""Load profiles: a workload's demand as steps of (fraction of peak, hours a month).

Two spellings, one meaning:

* ``{base_fraction: 0.6, peak_hours_per_month: 120}`` is the steps
  ``[(0.6, hours_per_month), (0.4, 120)]``: 60% of the peak runs every hour the workload runs,
  the other 40% only in the 120 peak hours;
* a list of steps ``[{fraction: 0.6, hours_per_month: 730}, {fraction: 0.4, hours_per_month:
  120}]`` (or pairs ``[[0.6, 730], [0.4, 120]]``), base first.

Step k is a *layer* of the load: ``fraction_k`` of the peak demand, present
``hours_per_month_k`` hours a month. Fractions are > 0 and sum to 1; hours do not increase
from one step to the next and none exceeds the demand's ``hours_per_month``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from advisor.schema.types import Strict

FRACTION_SUM_TOL = 1e-6
"""How far the fractions may sum from 1 (rounding in hand-written decimals)."""


def _step(value: Any) -> Any:
    """A pair ``[fraction, hours]`` becomes a step mapping; anything else is left to pydantic."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(
                f"a profile step pair is [fraction, hours_per_month]; got {len(value)} values"
            )
        return {"fraction": value[0], "hours_per_month": value[1]}
    return value


def _normalise(value: Any) -> Any:
    """Both spellings as a list of step mappings (the base/peak form needs the demand's hours,
    so it becomes a marker the demand resolves: see :meth:`Demand._profile_rules`)."""
    if isinstance(value, dict) and ("base_fraction" in value or "peak_hours_per_month" in value):
        unknown = sorted(set(value) - {"base_fraction", "peak_hours_per_month"})
        if unknown:
            raise ValueError(
                f"unknown key(s) {', '.join(unknown)} in a base/peak profile; give "
                "base_fraction and peak_hours_per_month, or a list of steps"
            )
        missing = [k for k in ("base_fraction", "peak_hours_per_month") if k not in value]
        if missing:
            raise ValueError(f"a base/peak profile needs {' and '.join(missing)}")
        b, peak = value["base_fraction"], value["peak_hours_per_month"]
        if not isinstance(b, (int, float)) or isinstance(b, bool) or not 0 < b < 1:
            raise ValueError(
                f"base_fraction must be a number between 0 and 1 (exclusive); got {b!r}"
            )
        return [
            {"fraction": b, "hours_per_month": None},
            {"fraction": 1 - b, "hours_per_month": peak},
        ]
    if isinstance(value, (list, tuple)):
        return [_step(v) for v in value]
    if isinstance(value, dict):
        raise ValueError(
            "a profile is {base_fraction, peak_hours_per_month} or a list of steps "
            "[{fraction, hours_per_month}, ...]"
        )
    return value


class ProfileStep(Strict):
    """One layer of the load profile."""

    fraction: float = Field(gt=0, le=1)
    """Fraction of the peak demand this layer carries (0 to 1)."""
    hours_per_month: float | None = Field(None, gt=0, le=744)
    """Hours a month this layer is present; omitted: the demand's hours_per_month."""


PROFILE_JSON_SCHEMA = {
    "description": (
        "Load profile: {base_fraction, peak_hours_per_month}, or a list of steps "
        "[{fraction, hours_per_month}] / [[fraction, hours]], base first; fractions sum to 1."
    ),
    "anyOf": [
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["base_fraction", "peak_hours_per_month"],
            "properties": {
                "base_fraction": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "exclusiveMaximum": 1,
                    "description": "Fraction of the peak demand present every hour the workload runs.",
                },
                "peak_hours_per_month": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 744,
                    "description": "Hours a month the rest (the peak) is present.",
                },
            },
        },
        {
            "type": "array",
            "minItems": 1,
            "items": {
                "anyOf": [
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["fraction"],
                        "properties": {
                            "fraction": {
                                "type": "number",
                                "exclusiveMinimum": 0,
                                "maximum": 1,
                                "description": "Fraction of the peak demand this layer carries.",
                            },
                            "hours_per_month": {
                                "type": "number",
                                "exclusiveMinimum": 0,
                                "maximum": 744,
                                "description": "Hours a month this layer is present (default: the demand's).",
                            },
                        },
                    },
                    {
                        "type": "array",
                        "minItems": 2,
                        "maxItems": 2,
                        "items": {"type": "number"},
                        "description": "[fraction, hours_per_month]",
                    },
                ]
            },
        },
    ],
}


def _shape(steps: tuple[ProfileStep, ...]) -> tuple[ProfileStep, ...]:
    """Fractions sum to 1 and hours do not increase (a step without hours runs the demand's
    hours, checked by the demand)."""
    problem = profile_problems(
        tuple((s.fraction, s.hours_per_month or float("inf")) for s in steps), float("inf")
    )
    if problem:
        raise ValueError(problem)
    return steps


Profile = Annotated[
    tuple[ProfileStep, ...],
    BeforeValidator(_normalise),
    AfterValidator(_shape),
    WithJsonSchema(PROFILE_JSON_SCHEMA),
    Field(min_length=1, max_length=24),
]
"""The parsed profile: steps base first; the base/peak form's base hours are filled in by the
demand (its ``hours_per_month``)."""


def resolved_steps(
    profile: tuple[ProfileStep, ...], hours_per_month: float
) -> tuple[tuple[float, float], ...]:
    """(fraction, hours) per step, the base/peak form's base step at ``hours_per_month``."""
    return tuple(
        (s.fraction, hours_per_month if s.hours_per_month is None else s.hours_per_month)
        for s in profile
    )


PROFILE_ERROR_HELP = {
    "profile fractions must sum to 1": (
        "fractions of the peak demand, each > 0, summing to 1",
        "e.g. [[0.6, 730], [0.4, 120]]: 60% of the peak all month, 40% for 120 peak hours",
    ),
    "profile hours must not increase": (
        "steps base first, each running no more hours than the one before",
        "list the base (the longest-running step) first, then the peaks",
    ),
    "profile step": (
        "step hours <= the demand's hours_per_month",
        "raise demand.hours_per_month or shorten the step",
    ),
    "a base/peak profile needs": (
        "{base_fraction: 0..1, peak_hours_per_month: hours}",
        "e.g. profile: {base_fraction: 0.6, peak_hours_per_month: 120}",
    ),
    "base_fraction must be": (
        "a number between 0 and 1 (exclusive)",
        "the share of the peak demand present all month, e.g. 0.6",
    ),
    "a profile is": (
        "{base_fraction, peak_hours_per_month} or a list of steps",
        "e.g. profile: {base_fraction: 0.6, peak_hours_per_month: 120}",
    ),
    "a profile step pair": ("[fraction, hours_per_month]", "e.g. [0.4, 120]"),
    "unknown key(s)": (
        "base_fraction and peak_hours_per_month",
        "or write the steps as a list: [{fraction: 0.6, hours_per_month: 730}, ...]",
    ),
    "split: true needs": (
        "demand.profile with at least 2 steps",
        "add demand.profile: {base_fraction: 0.6, peak_hours_per_month: 120}, or drop split",
    ),
    "a load profile needs a rate": (
        "requests_per_second, images_per_second or replicas with a profile",
        "drop the profile: GPU-hours are spread over the month already",
    ),
}
"""Expected value and hint per profile error (by message prefix), for the schema errors."""


def profile_problems(steps: tuple[tuple[float, float], ...], hours_per_month: float) -> str:
    """What is wrong with resolved steps, as one sentence; '' when they are a valid profile."""
    total = sum(f for f, _ in steps)
    if abs(total - 1.0) > FRACTION_SUM_TOL:
        shown = " + ".join(f"{f:g}" for f, _ in steps)
        return f"profile fractions must sum to 1; {shown} = {total:g}"
    for k in range(1, len(steps)):
        if steps[k][1] > steps[k - 1][1]:
            return (
                f"profile hours must not increase from one step to the next (base first); step "
                f"{k + 1} runs {steps[k][1]:g} h > step {k} {steps[k - 1][1]:g} h"
            )
    for k, (_, h) in enumerate(steps):
        if h > hours_per_month:
            return (
                f"profile step {k + 1} runs {h:g} h a month, more than the demand's "
                f"hours_per_month {hours_per_month:g}"
            )
    return ""


def volume_shares(steps: tuple[tuple[float, float], ...]) -> tuple[float, ...]:
    """Share of the month's served volume each step carries: fraction_k x hours_k / sum."""
    vol = [f * h for f, h in steps]
    total = sum(vol)
    return tuple(v / total for v in vol)
