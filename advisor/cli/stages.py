"""Where a command's time went: wall seconds per stage, for ``advisor plan --format json``.

The stages tile the command: each lap runs from the end of the previous one, and the first
from the deadline's start (the process's start when :func:`advisor.cli.entry` ran), so they
add up to ``total`` (rounding aside). ``solve`` is split into the planner's own timings
(:attr:`advisor.Plan.timings`): options, formulate, solver, explanations, comparisons.
"""

from __future__ import annotations

from typing import Any

from advisor.plan import deadline as clock

PLAN_PARTS = {
    "options": "options_seconds",
    "formulate": "formulate_seconds",
    "solver": "solve_wall_seconds",
    "explanations": "explain_seconds",
    "comparisons": "comparisons_seconds",
}
"""The planner's timings that make up the ``solve`` lap, and the name each is printed as."""


class Stages:
    """Laps on the deadline's clock (:func:`advisor.plan.deadline.now`) from ``began_s``."""

    def __init__(self, began_s: float) -> None:
        self.began_s = began_s
        self.last_s = began_s
        self.seconds: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        """``stage`` took the time since the previous lap (added up when it recurs)."""
        t = clock.now()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + t - self.last_s
        self.last_s = t

    def as_dict(self, plan_timings: dict[str, float] | None = None) -> dict[str, Any]:
        """``{stage: seconds}`` in order, with the ``solve`` lap split into the planner's
        parts (what they leave is ``solve_other``), and ``total``."""
        out: dict[str, Any] = {}
        for stage, s in self.seconds.items():
            if stage == "solve" and plan_timings:
                parts = {k: float(plan_timings.get(v, 0.0)) for k, v in PLAN_PARTS.items()}
                out |= {k: round(v, 3) for k, v in parts.items()}
                out["solve_other"] = round(s - sum(parts.values()), 3)
            else:
                out[stage] = round(s, 3)
        out["total"] = round(self.last_s - self.began_s, 3)
        return out
