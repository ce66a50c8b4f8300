"""Plotly figures as plain dicts: the report's charts without plotly's graph_objects.

Building a ``plotly.graph_objects.Figure`` validates every property through plotly's Python
object tree, which costs most of a report's chart time, and importing it costs start-up time
on every command. The report only needs the figure's JSON for plotly.js, so its charts are
built as :class:`FigureDict`: the same calls (``add_bar``, ``update_layout``, magic underscores
such as ``title_text``, ``add_vline``) on a plain ``{"data": [...], "layout": {...}}`` with
plotly's own update rules (nested dicts merge), its ``template`` expansion and its JSON
encoding (numeric arrays as plotly.js typed arrays ``{"dtype", "bdata"}``, NaN as null). The
JSON plotly.js receives equals what ``plotly.io.to_json`` gives for the same calls
(``tests/test_figdict.py`` holds every report chart of the examples to that).

The notebook API still returns real figures: :meth:`FigureDict.figure` builds a validated
``go.Figure`` from the dict (plotly is imported only then).
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import plotly.graph_objects as go

TEMPLATES: dict[str, dict[str, Any]] = {"none": {"data": {"scatter": [{"type": "scatter"}]}}}
"""Named templates as plotly expands them into ``layout.template`` (plotly 6/7: ``none``)."""

UNDERSCORE_PROPS = frozenset({"error_x", "error_y", "paper_bgcolor", "plot_bgcolor"})
"""Property names that contain an underscore (never split as a magic-underscore path)."""

TYPED = {
    "int8": "i1",
    "uint8": "u1",
    "int16": "i2",
    "uint16": "u2",
    "int32": "i4",
    "uint32": "u4",
    "float32": "f4",
    "float64": "f8",
}
"""numpy dtypes plotly.js reads as typed arrays (plotly's ``plotlyjsShortTypes``)."""


def _value(v: Any) -> Any:
    """A property value as plotly holds it: Series/Index -> numpy, dicts expanded."""
    if isinstance(v, pd.Series | pd.Index):
        return v.to_numpy()
    if isinstance(v, dict):
        return expand(v)
    return v


def expand(props: dict[str, Any]) -> dict[str, Any]:
    """``{"title_text": t}`` -> ``{"title": {"text": t}}``; None values are left out (unset)."""
    out: dict[str, Any] = {}
    for key, value in props.items():
        if value is None:
            continue
        if "_" in key and key not in UNDERSCORE_PROPS:
            head, rest = key.split("_", 1)
            merge(out, {head: expand({rest: value})})
        else:
            merge(out, {key: _value(value)})
    return out


def merge(target: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Plotly's update rule: a dict updates a nested object key by key, anything else replaces."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value
    return target


class FigureDict:
    """A plotly figure as ``{"data": [...], "layout": {...}}`` built with plotly's API subset."""

    def __init__(self) -> None:
        self.data: list[dict[str, Any]] = []
        self.layout: dict[str, Any] = {}

    def add_trace(self, trace_type: str, **props: Any) -> FigureDict:
        self.data.append({**expand(props), "type": trace_type})
        return self

    def add_bar(self, **props: Any) -> FigureDict:
        return self.add_trace("bar", **props)

    def add_scatter(self, **props: Any) -> FigureDict:
        return self.add_trace("scatter", **props)

    def update_layout(self, **props: Any) -> FigureDict:
        props = dict(props)
        if isinstance(props.get("template"), str):
            name = props["template"]
            if name not in TEMPLATES:
                raise ValueError(f"unknown plotly template {name!r}; known: {sorted(TEMPLATES)}")
            props["template"] = json.loads(json.dumps(TEMPLATES[name]))
        merge(self.layout, expand(props))
        return self

    def update_xaxes(self, **props: Any) -> FigureDict:
        merge(self.layout, {"xaxis": expand(props)})
        return self

    def update_yaxes(self, **props: Any) -> FigureDict:
        merge(self.layout, {"yaxis": expand(props)})
        return self

    def _shape(self, shape: dict[str, Any], props: dict[str, Any]) -> FigureDict:
        self.layout.setdefault("shapes", []).append(merge(shape, expand(props)))
        return self

    def add_vline(self, x: float, **props: Any) -> FigureDict:
        """A vertical line at ``x`` across the plot (as ``go.Figure.add_vline``)."""
        shape = {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1}
        return self._shape({**shape, "yref": "y domain"}, props)

    def add_hline(self, y: float, **props: Any) -> FigureDict:
        """A horizontal line at ``y`` across the plot (as ``go.Figure.add_hline``)."""
        shape = {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y}
        return self._shape({**shape, "yref": "y"}, props)

    def to_dict(self) -> dict[str, Any]:
        return {"data": self.data, "layout": self.layout}

    def to_json(self) -> str:
        """The figure JSON plotly.js reads, encoded as ``plotly.io.to_json`` encodes it."""
        text = json.dumps(
            _encode(self.to_dict()), separators=(",", ":"), default=_default, allow_nan=True
        )
        if "NaN" in text or "Infinity" in text:
            text = json.dumps(
                json.loads(text, parse_constant=lambda _: None), separators=(",", ":")
            )
        return text

    def figure(self) -> go.Figure:
        """A validated ``plotly.graph_objects.Figure`` of the same chart (imports plotly)."""
        import plotly.graph_objects as go

        return go.Figure(self.to_dict())


def _typed_array(v: np.ndarray) -> Any:
    """plotly's typed-array spec for a numeric array (int64 narrowed as plotly does)."""
    if v.size == 0:
        return v
    if v.dtype == np.int64 or v.dtype == np.uint64:
        for t in (
            ("int8", "int16", "int32") if v.dtype == np.int64 else ("uint8", "uint16", "uint32")
        ):
            info = np.iinfo(t)
            if v.min() >= info.min and v.max() <= info.max:
                v = v.astype(t)
                break
        else:
            return v
    code = TYPED.get(str(v.dtype))
    if code is None:
        return v
    # ``.data`` (the array's memoryview): numpy's stubs give ndarray ``__buffer__`` only from
    # Python 3.12, so the array itself is not a ``Buffer`` to mypy on 3.11; the bytes are equal
    raw = np.ascontiguousarray(v).data
    spec = {"dtype": code, "bdata": base64.b64encode(raw).decode("ascii")}
    if v.ndim > 1:
        spec["shape"] = str(v.shape)[1:-1]
    return spec


UNTYPED_KEYS = frozenset({"geojson", "layer", "layers", "range"})
"""Keys whose arrays plotly never writes as typed arrays."""


def _encode(obj: Any, key: str = "") -> Any:
    if isinstance(obj, dict):
        return {k: _encode(v, k) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_encode(v) for v in obj]
    if isinstance(obj, np.ndarray) and key not in UNTYPED_KEYS:
        return _typed_array(obj)
    return obj


def _default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
