"""Display formatting shared by the jinja filters and the view model (one place, one style).

Missing values (None, NaN) show as an em dash; infinite limits show as a word, never as 'inf'.
"""

from __future__ import annotations

import math
from typing import Any

DASH = "—"


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def money(value: Any, digits: int = 0, inf: str = "unlimited") -> str:
    """``$1,234`` (negative: ``-$1,234``); ``digits`` decimals.

    >>> money(1234.5), money(-0.4), money(float("inf")), money(None)
    ('$1,234', '$0', 'unlimited', '—')
    """
    x = _number(value)
    if x is None:
        return DASH
    if math.isinf(x):
        return inf
    if round(x, digits) == 0:
        x = 0.0
    text = f"${abs(x):,.{digits}f}"
    return "-" + text if x < 0 else text


def signed_money(value: Any, digits: int = 0) -> str:
    """``+$1,234`` / ``-$1,234`` / ``$0``, for deltas."""
    x = _number(value)
    if x is None:
        return DASH
    if round(x, digits) == 0:
        return money(0, digits)
    return ("+" if x > 0 else "") + money(x, digits)


def pct(value: Any, digits: int = 1) -> str:
    """A ratio as a percentage.

    >>> pct(0.1234), pct(0.5, 0)
    ('12.3%', '50%')
    """
    x = _number(value)
    if x is None or math.isinf(x):
        return DASH
    return f"{x * 100:,.{digits}f}%"


def ms(value: Any, inf: str = "no SLO") -> str:
    """Milliseconds: ``284 ms`` (below 10 ms one decimal)."""
    x = _number(value)
    if x is None:
        return DASH
    if math.isinf(x):
        return inf
    return f"{x:,.1f} ms" if abs(x) < 10 else f"{x:,.0f} ms"


def num(value: Any, digits: int = 0, inf: str = "unlimited") -> str:
    """A plain number with thousands separators; ``digits`` decimals, trailing zeros kept."""
    x = _number(value)
    if x is None:
        return DASH
    if math.isinf(x):
        return inf
    if round(x, digits) == 0:
        x = 0.0
    return f"{x:,.{digits}f}"


def qty(value: Any) -> str:
    """A count that may be fractional: ``6``, ``0.13``, ``1.5``."""
    x = _number(value)
    if x is None:
        return DASH
    if math.isinf(x):
        return "unlimited"
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}" if abs(x) < 100 else f"{x:,.0f}"
