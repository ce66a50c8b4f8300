"""Coastlines and borders for the offline map: Natural Earth 1:110m countries, bundled.

``vendor/countries-110m.json`` is world-atlas 2.0.2's TopoJSON of Natural Earth's Admin-0
countries (public domain; see ``vendor/VENDORED.md``). It is decoded once into one ring of
(lon, lat) points per polygon part; :func:`outline` returns the rings that touch a view as one
``None``-separated path, ready for a filled plotly ``scatter`` trace, so a European plan embeds
Europe and not the world.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ATLAS = Path(__file__).parent / "vendor" / "countries-110m.json"
DECIMALS = 2
"""Coordinates are rounded to 0.01° (about 1 km) in the report; 1:110m is coarser than that."""


@dataclass(frozen=True)
class Ring:
    """One closed outline (a polygon part, holes included as their own rings)."""

    country: str
    lon: np.ndarray
    lat: np.ndarray

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )


def _decode_arcs(topo: dict) -> list[np.ndarray]:
    """Quantised, delta-encoded arcs -> arrays of absolute (lon, lat)."""
    scale = np.asarray(topo["transform"]["scale"], float)
    shift = np.asarray(topo["transform"]["translate"], float)
    return [np.cumsum(np.asarray(a, float), axis=0) * scale + shift for a in topo["arcs"]]


def _ring(arcs: list[np.ndarray], indices: list[int]) -> np.ndarray:
    """Join arcs into one ring; a negative index ``~i`` is arc ``i`` reversed."""
    parts = []
    for k, i in enumerate(indices):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if k == 0 else a[1:])
    return np.concatenate(parts)


@functools.cache
def rings() -> tuple[Ring, ...]:
    """Every country's outline rings, decoded once per process."""
    topo = json.loads(ATLAS.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topo)
    out = []
    for g in topo["objects"]["countries"]["geometries"]:
        name = str(g.get("properties", {}).get("name", ""))
        polygons = [g["arcs"]] if g["type"] == "Polygon" else g.get("arcs", [])
        for polygon in polygons:
            for ring_arcs in polygon:
                xy = _ring(arcs, ring_arcs)
                out += _wrapped(name, xy[:, 0], xy[:, 1])
    return tuple(out)


def _wrapped(country: str, lon: np.ndarray, lat: np.ndarray) -> list[Ring]:
    """A ring that crosses the antimeridian (Russia, Fiji) made continuous, plus a copy 360°
    to the other side, so each side of the ±180° line draws its part without a stripe."""
    lon = np.unwrap(lon, period=360.0)
    out = [Ring(country, lon, lat)]
    if lon.max() > 180.0:
        out.append(Ring(country, lon - 360.0, lat))
    if lon.min() < -180.0:
        out.append(Ring(country, lon + 360.0, lat))
    return out


def outline(
    lon_range: tuple[float, float], lat_range: tuple[float, float]
) -> tuple[list[float | None], list[float | None]]:
    """The rings that overlap the view, as x/y lists with ``None`` between rings."""
    (x0, x1), (y0, y1) = lon_range, lat_range
    xs: list[float | None] = []
    ys: list[float | None] = []
    for r in rings():
        bx0, by0, bx1, by1 = r.bounds
        if bx1 < x0 or bx0 > x1 or by1 < y0 or by0 > y1:
            continue
        xs += [*np.round(r.lon, DECIMALS).tolist(), None]
        ys += [*np.round(r.lat, DECIMALS).tolist(), None]
    return xs, ys
