"""The placement map: real coastlines and borders (Natural Earth, bundled), drawn offline.

Deliberately not a plotly ``geo`` map: geo layouts fetch their coastlines from a CDN, and a
report must make no network request. Instead the map is a plain ``scatter`` plane in an
equirectangular projection whose aspect ratio is corrected at the view's mid latitude
(1° of longitude = cos(lat) x 1° of latitude), with Natural Earth's 1:110m country outlines
(:mod:`advisor.report.basemap`) as a filled trace underneath. The view is fitted to the
points and never leaves [-180°, 180°] x [-85°, 85°]; plotly shrinks the plot area to keep
the aspect ratio rather than widening the longitude range.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from advisor.report import basemap
from advisor.report.figdict import FigureDict
from advisor.report.figures import MAP_LABELS_MAX, TIER_COLORS, apply_layout, escape_label
from advisor.report.maplabels import place_labels

LAND = "#efece3"
BORDER = "#b8b2a2"
SEA = "#e4eef7"
MIN_SPAN_DEG = 16.0
"""The view is at least this wide/tall, so one site still shows its coastline and neighbours."""
PAD_SHARE = 0.12
"""Margin around the points, as a share of their spread."""
LON_LIMITS = (-180.0, 180.0)
LAT_LIMITS = (-85.0, 85.0)
PLOT_WIDTH_PX = 1250
"""Roughly the plot width of a full-width chart, to choose the map's height."""
HEIGHT_PX = (420, 640)
LAND_TRACE = "land (Natural Earth 1:110m)"
CHROME_PX = 110
"""Title, legend and axes: the figure height less the plot's."""


def view(points: pd.DataFrame) -> tuple[tuple[float, float], tuple[float, float]]:
    """Longitude and latitude ranges that hold every point with a margin, inside the world."""
    lon = points["lon"].to_numpy(float) if len(points) else np.array([0.0])
    lat = points["lat"].to_numpy(float) if len(points) else np.array([20.0])
    out = []
    for values, (lo, hi) in ((lon, LON_LIMITS), (lat, LAT_LIMITS)):
        a, b = float(values.min()), float(values.max())
        pad = max(PAD_SHARE * (b - a), 2.0)
        a, b = a - pad, b + pad
        if b - a < MIN_SPAN_DEG:
            mid = (a + b) / 2
            a, b = mid - MIN_SPAN_DEG / 2, mid + MIN_SPAN_DEG / 2
        if a < lo:
            a, b = lo, min(hi, b + (lo - a))
        if b > hi:
            a, b = max(lo, a - (b - hi)), hi
        out.append((a, b))
    return out[0], out[1]


def placement_map(
    points: pd.DataFrame,
    links: pd.DataFrame,
    title: str = "Where workloads run",
    topology: pd.DataFrame | None = None,
) -> FigureDict:
    """Sites, user locations and used cloud regions over coastlines and borders.

    Lines join each request/data origin to the target it is served from; ``topology``
    (``advisor.report.federated.map_topology``) adds dashed shard -> aggregator lines of
    federated training jobs.
    """
    (x0, x1), (y0, y1), ratio, height = fit(*view(points))
    fig = FigureDict()
    xs, ys = basemap.outline((x0 - 5, x1 + 5), (y0 - 5, y1 + 5))
    fig.add_scatter(
        x=xs,
        y=ys,
        mode="lines",
        fill="toself",
        fillcolor=LAND,
        line={"color": BORDER, "width": 0.6},
        hoverinfo="skip",
        showlegend=False,
        name=LAND_TRACE,
    )
    labelled = len(points) <= MAP_LABELS_MAX
    opacity = 0.55 if len(links) <= 50 else 0.25
    for tier in ("local", "edge", "cloud"):
        sub = links[links["tier"] == tier]
        if sub.empty:
            continue
        lx: list[float | None] = []
        ly: list[float | None] = []
        for r in sub.to_dict(orient="records"):
            lx += [r["origin_lon"], r["target_lon"], None]
            ly += [r["origin_lat"], r["target_lat"], None]
        fig.add_scatter(
            x=lx,
            y=ly,
            mode="lines",
            name=f"to {tier}",
            hoverinfo="skip",
            line={"color": TIER_COLORS[tier], "width": 1.6 if labelled else 1.0},
            opacity=opacity,
        )
    if topology is not None and len(topology):
        _topology_lines(fig, topology)
    symbols = {"local": "square", "edge": "triangle-up", "cloud": "circle", "location": "diamond"}
    colors = {**TIER_COLORS, "location": "#6b7280"}
    for kind, symbol in symbols.items():
        sub = points[points["kind"] == kind]
        if sub.empty:
            continue
        fig.add_scatter(
            x=sub["lon"],
            y=sub["lat"],
            mode="markers",
            name=kind,
            marker={
                "symbol": symbol,
                "size": 12 if labelled else 9,
                "color": colors[kind],
                "line": {"width": 1, "color": "#ffffff"},
            },
            customdata=np.stack(
                [[escape_label(v) for v in sub["label"]], sub["workloads"]], axis=-1
            ),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]} workload(s)<extra></extra>",
        )
    if labelled:
        _labels(fig, points, (x0, x1), (y0, y1), ratio, height)
    apply_layout(fig, title)
    _frame(fig, (x0, x1), (y0, y1))
    return fig


LABEL_TRACE = "labels"


def _labels(
    fig: FigureDict,
    points: pd.DataFrame,
    lon: tuple[float, float],
    lat: tuple[float, float],
    ratio: float,
    height: int,
) -> None:
    """The places' names, placed apart (:mod:`advisor.report.maplabels`): co-located places
    share one label listing each name. The text rides invisible markers sized to the group,
    so plotly offsets it clear of the real ones."""
    shown = points.assign(id=[escape_label(i) for i in points["id"]])
    labels = place_labels(shown, lon, lat, ratio, height - CHROME_PX)
    fig.add_scatter(
        x=labels["lon"],
        y=labels["lat"],
        mode="markers+text",
        name=LABEL_TRACE,
        text=labels["text"],
        textposition=labels["textposition"],
        textfont={"size": 11, "color": "#1f2937"},
        marker={"size": labels["marker_px"], "opacity": 0},
        hoverinfo="skip",
        showlegend=False,
    )


FEDERATED_COLOR = "#7c3aed"


def _topology_lines(fig: FigureDict, t: pd.DataFrame) -> None:
    """Dashed shard -> aggregator lines (only model updates travel them)."""
    lx: list[float | None] = []
    ly: list[float | None] = []
    for r in t.to_dict(orient="records"):
        lx += [r["shard_lon"], r["agg_lon"], None]
        ly += [r["shard_lat"], r["agg_lat"], None]
    fig.add_scatter(
        x=lx,
        y=ly,
        mode="lines",
        name="federated updates (shard to aggregator)",
        hoverinfo="skip",
        line={"color": FEDERATED_COLOR, "width": 2.2, "dash": "dash"},
        opacity=0.9,
    )


def _widen(r: tuple[float, float], span: float, limits: tuple[float, float]) -> tuple[float, float]:
    """``r`` grown about its middle to ``span`` degrees (kept inside ``limits``)."""
    lo, hi = limits
    span = min(span, hi - lo)
    mid = (r[0] + r[1]) / 2
    a, b = mid - span / 2, mid + span / 2
    if a < lo:
        a, b = lo, lo + span
    if b > hi:
        a, b = hi - span, hi
    return (a, b) if b - a > r[1] - r[0] else r


def fit(
    lon: tuple[float, float], lat: tuple[float, float]
) -> tuple[tuple[float, float], tuple[float, float], float, int]:
    """Ranges widened to fill a full-width plot, the aspect ratio, and the figure height.

    The plot is ``PLOT_WIDTH_PX`` wide and between ``HEIGHT_PX`` tall; whichever of longitude
    or latitude is short for that box is widened (within the world), so the map fills it.
    """
    ratio = 1.0 / math.cos(math.radians(float(np.clip((lat[0] + lat[1]) / 2, -70, 70))))
    chrome = CHROME_PX
    lo_px, hi_px = HEIGHT_PX[0] - chrome, HEIGHT_PX[1] - chrome
    natural = PLOT_WIDTH_PX * (lat[1] - lat[0]) * ratio / (lon[1] - lon[0])
    plot_px = float(np.clip(natural, lo_px, hi_px))
    if natural > plot_px:  # tall and narrow: show more longitude
        lon = _widen(lon, PLOT_WIDTH_PX * (lat[1] - lat[0]) * ratio / plot_px, LON_LIMITS)
    elif natural < plot_px:  # wide and flat: show more latitude
        lat = _widen(lat, plot_px * (lon[1] - lon[0]) / PLOT_WIDTH_PX / ratio, LAT_LIMITS)
    return lon, lat, ratio, int(plot_px + chrome)


def _frame(fig: FigureDict, lon: tuple[float, float], lat: tuple[float, float]) -> None:
    lon, lat, ratio, height = fit(lon, lat)
    fig.update_layout(
        height=height,
        plot_bgcolor=SEA,
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0.0},
        margin={"t": 64, "l": 50, "r": 20, "b": 40},
    )
    span = max(lon[1] - lon[0], lat[1] - lat[0])
    step = 5 if span <= 40 else (10 if span <= 90 else 30)
    axis = {
        "showgrid": True,
        "gridcolor": "rgba(255,255,255,0.7)",
        "zeroline": False,
        "ticksuffix": "°",
        "dtick": step,
        "constrain": "domain",
    }
    fig.update_xaxes(range=list(lon), **axis)
    fig.update_yaxes(range=list(lat), scaleanchor="x", scaleratio=ratio, **axis)
