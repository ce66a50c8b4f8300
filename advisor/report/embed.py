"""Putting data and charts inside one HTML file safely and deterministically.

JSON inside ``<script>`` is escaped so no string (a workload called ``</script>``) can end the
element: ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026``, which JSON.parse
reads back unchanged. Charts are plotly figure JSON drawn by one inline loader, with fixed ids.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from advisor.report.figdict import FigureDict

if TYPE_CHECKING:
    import plotly.graph_objects as go

_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def escape_json_text(text: str) -> str:
    """Make JSON text safe to place verbatim inside a ``<script>`` element."""
    for raw, esc in _ESCAPES.items():
        text = text.replace(raw, esc)
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def script_json(value: Any) -> Markup:
    """``value`` as JSON for a ``<script type="application/json">`` block (NaN/inf -> null)."""
    text = json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Markup(escape_json_text(text))


def figure_json(fig: FigureDict | go.Figure) -> Markup:
    """A plotly figure's JSON (data + layout), escaped for a script block."""
    if isinstance(fig, FigureDict):
        text = fig.to_json()
    else:
        import plotly.io as pio

        text = pio.to_json(fig, validate=False, pretty=False, engine="json")
    return Markup(escape_json_text(text))


VENDOR = Path(__file__).parent / "vendor"
PLOTLY_BUNDLE = VENDOR / "plotly-cartesian.min.js"
"""plotly.js's official *cartesian* partial bundle (see ``vendor/VENDORED.md``)."""


@functools.cache
def bundle_traces() -> frozenset[str]:
    """The trace types the vendored bundle can draw, read from the bundle itself."""
    text = PLOTLY_BUNDLE.read_text(encoding="utf-8")
    return frozenset(re.findall(r'moduleType:"trace",name:"(\w+)"', text))


@functools.cache
def plotly_js() -> Markup:
    """The vendored plotly.js partial bundle, ready to inline once."""
    text = PLOTLY_BUNDLE.read_text(encoding="utf-8")
    return Markup(text.replace("</script", "<\\/script"))
