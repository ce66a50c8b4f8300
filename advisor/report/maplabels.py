"""Where the map's text labels go, so that places in one metro stay legible.

A Frankfurt data centre, AWS eu-central-1 and Azure germanywestcentral sit within a few
kilometres of each other: drawn "top center" each, their labels print over one another.
Here the points are first projected to pixels (the map's own scale), then

1. points closer than :data:`MERGE_PX` share one label that lists every name, one per line
   (their markers overlap, so one label per marker could not point at the right one);
2. each label takes the first of :data:`POSITIONS` around its point(s) whose box overlaps no
   label placed before it, no other marker and stays inside the plot; when none is free, the
   position with the least overlap.

Label boxes are estimated from the text (characters x :data:`CHAR_PX`, lines x
:data:`LINE_PX`) at the plot width the report lays the map out at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

MERGE_PX = 16.0
"""Points closer than this (pixels) share one label: their markers (12 px) overlap."""
MARKER_PX = 12.0
"""The labelled map's marker size (pixels)."""
CHAR_PX = 6.6
"""Width of one character of the 11 px label font, a little above its average (pixels)."""
LINE_PX = 14.0
"""Height of one label line (pixels)."""
GAP_PX = 2.0
"""Room between a marker and its label (pixels)."""
PLOT_PX = 1100.0
"""Plot width the label boxes are sized for: the map's plot area in a 1280 px window is
about 1150 px; a little less keeps the labels apart in somewhat narrower windows too."""
KIND_ORDER = {"local": 0, "edge": 1, "cloud": 2, "location": 3}
POSITIONS = (
    "top center",
    "bottom center",
    "middle right",
    "middle left",
    "top right",
    "top left",
    "bottom right",
    "bottom left",
)
"""Candidate text positions around a point, in order of preference (plotly's names)."""


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlap(self, other: Box) -> float:
        """Area (px²) this box shares with ``other``."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0.0

    def outside(self, width: float, height: float) -> float:
        """Area (px²) of this box outside the plot ``[0, width] x [0, height]``."""
        inside = Box(0.0, 0.0, width, height).overlap(self)
        return (self.x1 - self.x0) * (self.y1 - self.y0) - inside


def label_box(x: float, y: float, w: float, h: float, r: float, position: str) -> Box:
    """The box of a ``w`` x ``h`` label at ``position`` around a marker of radius ``r`` at
    (``x``, ``y``), y up (pixels)."""
    vertical, horizontal = position.split()
    d = r + GAP_PX
    if horizontal == "center":
        x0 = x - w / 2
    elif horizontal == "right":
        x0 = x + (d if vertical == "middle" else d * 0.5)
    else:
        x0 = x - w - (d if vertical == "middle" else d * 0.5)
    if vertical == "top":
        y0 = y + (d if horizontal == "center" else d * 0.5)
    elif vertical == "bottom":
        y0 = y - h - (d if horizontal == "center" else d * 0.5)
    else:
        y0 = y - h / 2
    return Box(x0, y0, x0 + w, y0 + h)


def _groups(px: np.ndarray) -> list[list[int]]:
    """Single-linkage groups of points closer than :data:`MERGE_PX` (indices, input order)."""
    n = len(px)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if math.dist(px[i], px[j]) < MERGE_PX:
                parent[root(j)] = root(i)
    out: dict[int, list[int]] = {}
    for i in range(n):
        out.setdefault(root(i), []).append(i)
    return list(out.values())


def place_labels(
    points: pd.DataFrame,
    lon: tuple[float, float],
    lat: tuple[float, float],
    ratio: float,
    height_px: float,
) -> pd.DataFrame:
    """One row per label: lon, lat (its anchor), text (names one per line, already
    escaped by the caller), textposition, marker_px (the invisible marker that offsets the
    text) and ``names`` (the ids it lists).

    ``points`` has kind, id (escaped label text), lon, lat; ``lon``/``lat`` are the map's
    ranges, ``ratio`` its y/x scale ratio (degrees of latitude are ``ratio`` times longer)
    and ``height_px`` the plot's height.
    """
    cols = ["lon", "lat", "text", "textposition", "marker_px", "names"]
    if points.empty:
        return pd.DataFrame(columns=cols)
    sx = PLOT_PX / (lon[1] - lon[0])
    sy = sx * ratio
    width = PLOT_PX
    height = max(height_px, (lat[1] - lat[0]) * sy)
    px = np.column_stack(
        [
            (points["lon"].to_numpy(float) - lon[0]) * sx,
            (points["lat"].to_numpy(float) - lat[0]) * sy,
        ]
    )
    kinds = points["kind"].map(KIND_ORDER).fillna(len(KIND_ORDER)).to_numpy()
    ids = points["id"].astype(str).to_numpy()
    markers = [
        Box(x - MARKER_PX / 2, y - MARKER_PX / 2, x + MARKER_PX / 2, y + MARKER_PX / 2)
        for x, y in px
    ]
    groups = _groups(px)
    # crowded groups first: they have the fewest free positions
    crowd = [sum(math.dist(px[g[0]], px[h[0]]) < 160 for h in groups) + len(g) for g in groups]
    order = sorted(range(len(groups)), key=lambda k: (-crowd[k], min(groups[k])))
    placed: list[Box] = []
    rows = []
    for k in order:
        g = sorted(groups[k], key=lambda i: (kinds[i], ids[i]))
        cx, cy = px[g].mean(axis=0)
        r = max(math.dist((cx, cy), px[i]) for i in g) + MARKER_PX / 2
        lines = [ids[i] for i in g]
        w = max(len(t) for t in lines) * CHAR_PX
        h = len(lines) * LINE_PX
        others = [markers[i] for i in range(len(markers)) if i not in g]
        best, best_cost = POSITIONS[0], math.inf
        for pos in POSITIONS:
            box = label_box(cx, cy, w, h, r, pos)
            cost = (
                sum(box.overlap(b) for b in placed)
                + sum(box.overlap(m) for m in others)
                + box.outside(width, height)
            )
            if cost < best_cost:
                best, best_cost = pos, cost
            if cost == 0:
                break
        placed.append(label_box(cx, cy, w, h, r, best))
        rows.append(
            {
                "lon": lon[0] + cx / sx,
                "lat": lat[0] + cy / sy,
                "text": "<br>".join(lines),
                "textposition": best,
                "marker_px": 2 * r,
                "names": lines,
            }
        )
    return pd.DataFrame(rows, columns=cols)
