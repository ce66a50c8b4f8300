"""Range checks of CLI options (typer callbacks): every number finite and in a stated range.

click's ``FloatRange`` lets ``nan`` through (every comparison with nan is false), so options
use these callbacks instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import typer


def finite(
    low: float, high: float, low_open: bool = False
) -> Callable[[float | None], float | None]:
    """A callback accepting ``None`` or a finite number in ``[low, high]`` (``(low, high]``)."""
    bracket = "(" if low_open else "["

    def check(value: float | None) -> float | None:
        if value is None:
            return None
        too_low = value <= low if low_open else value < low
        if not math.isfinite(value) or too_low or value > high:
            raise typer.BadParameter(
                f"{value} is not a finite number in {bracket}{low:g}, {high:g}]"
            )
        return value

    return check


def int_in(low: int, high: int) -> Callable[[int | None], int | None]:
    """A callback accepting ``None`` or an integer in ``[low, high]``."""

    def check(value: int | None) -> int | None:
        if value is not None and not low <= value <= high:
            raise typer.BadParameter(f"{value} is not an integer in [{low}, {high}]")
        return value

    return check


TIME_LIMIT = finite(0, 86_400, low_open=True)
"""``--time-limit``: seconds, as ``settings.time_limit_s`` (0 < s <= one day)."""
GAP = finite(0, 0.5)
"""``--gap``: relative MIP gap, as ``settings.mip_gap`` (0 <= g <= 0.5)."""
SAMPLES = int_in(1, 100_000)
SEED = int_in(0, 2**32 - 1)
WORKERS = int_in(1, 1024)
