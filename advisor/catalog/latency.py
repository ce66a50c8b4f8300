"""Round-trip time where nothing is measured: continuous in distance, by path class.

Two curves from the catalog (``latency_model.csv``, fitted on measured region pairs by
``tools/build_catalogs.py``), each ``rtt = intercept + near min(km, knee) + far max(km - knee, 0)``:

* ``backbone``: region <-> region of one provider (its own network);
* ``public``: everything that leaves a provider's network: a site, edge site or user
  location reaching anything, and region <-> region across providers.

An unmeasured path may also ride a measured one: from the origin to a region R whose RTT to
the target is measured, then that measurement. The estimate is the least of the direct
curve and every such detour, ``min(curve(km(o, t)), min_R curve(km(o, R)) + measured(R, t))``,
never below the fibre bound. Every term is continuous in the origin's position, so the
estimate is too: no step at any distance (the old 2 ms -> 10.9 ms jump at 50 km is gone),
and long corridors that are better than average (transatlantic) inherit their measured RTT.
Per-distance-band errors of this estimator (leave-one-out over the measured pairs) are in
``tests/data/latency_error_by_band.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from advisor.catalog.geo import great_circle_km

BANDS_KM = (0.0, 50.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 8000.0, 12000.0, 21000.0)
"""Distance bands of the error table."""


@dataclass(frozen=True)
class PathCurve:
    """``rtt = intercept + near min(km, knee) + far max(km - knee, 0)``, in ms."""

    intercept_ms: float
    near_ms_per_km: float
    far_ms_per_km: float
    knee_km: float

    def rtt_ms(self, km):
        """RTT in ms at great-circle distance ``km`` (element-wise).

        >>> c = PathCurve(3.0, 0.02, 0.015, 1000.0)
        >>> [round(float(c.rtt_ms(k)), 2) for k in (0.0, 49.0, 51.0, 2000.0)]
        [3.0, 3.98, 4.02, 38.0]
        """
        km = np.asarray(km, dtype=float)
        return (
            self.intercept_ms
            + self.near_ms_per_km * np.minimum(km, self.knee_km)
            + self.far_ms_per_km * np.maximum(km - self.knee_km, 0.0)
        )


@dataclass(frozen=True)
class LatencyModel:
    """The catalog's curves, the fibre bound and the measured pairs (by region code)."""

    backbone: PathCurve
    public: PathCurve
    fibre_ms_per_km: float
    lan_rtt_ms: float
    measured: pd.DataFrame  # src, dst (provider:region), rtt_ms, src_lat, src_lon, src_provider

    @classmethod
    def from_catalog(cls, cat) -> LatencyModel:
        def curve(c: str) -> PathCurve:
            return PathCurve(
                cat.latency_param(f"{c}_intercept_ms"),
                cat.latency_param(f"{c}_near_ms_per_km"),
                cat.latency_param(f"{c}_far_ms_per_km"),
                cat.latency_param(f"{c}_knee_km"),
            )

        m = cat.latency_measured
        reg = cat.regions.assign(code=cat.regions["provider"] + ":" + cat.regions["region"])
        xy = reg.set_index("code")[["latitude", "longitude"]].astype(float)
        meas = pd.DataFrame(
            {
                "src": m["src_provider"] + ":" + m["src_region"],
                "dst": m["dst_provider"] + ":" + m["dst_region"],
                "rtt_ms": m["rtt_ms"].astype(float),
            }
        )
        meas = meas[meas["src"].isin(xy.index) & meas["dst"].isin(xy.index)]
        meas["src_lat"] = meas["src"].map(xy["latitude"]).to_numpy()
        meas["src_lon"] = meas["src"].map(xy["longitude"]).to_numpy()
        meas["src_provider"] = meas["src"].str.split(":").str[0]
        return cls(
            curve("backbone"),
            curve("public"),
            cat.latency_param("fibre_min_ms_per_km"),
            cat.latency_param("lan_rtt_ms"),
            meas.reset_index(drop=True),
        )

    def estimate(
        self,
        lat: float,
        lon: float,
        provider: str,
        targets: pd.DataFrame,
        exclude: str = "",
    ) -> tuple[np.ndarray, np.ndarray]:
        """(RTT ms, path label) from a point to each target (columns target, lat, lon,
        provider; provider '' for sites). ``provider`` is the origin's cloud provider ('' for
        a site or location); measured pairs starting at ``exclude`` are not used (for
        leave-one-out checks). Labels: ``backbone``, ``public`` or ``via <region>``."""
        t_lat = targets["lat"].to_numpy(float)
        t_lon = targets["lon"].to_numpy(float)
        t_prov = targets["provider"].to_numpy(object)
        km = great_circle_km(lat, lon, t_lat, t_lon)
        same = (t_prov == provider) & (provider != "")
        best = np.where(same, self.backbone.rtt_ms(km), self.public.rtt_ms(km))
        label = np.where(same, "backbone", "public").astype(object)
        m = self.measured
        if exclude:
            m = m[m["src"] != exclude]
        pos = {t: i for i, t in enumerate(targets["target"])}
        m = m[m["dst"].isin(pos)]
        if len(m):
            leg_km = great_circle_km(lat, lon, m["src_lat"].to_numpy(), m["src_lon"].to_numpy())
            leg_same = m["src_provider"].to_numpy() == provider
            leg = np.where(
                leg_same & (provider != ""),
                self.backbone.rtt_ms(leg_km),
                self.public.rtt_ms(leg_km),
            )
            via = leg + m["rtt_ms"].to_numpy()
            idx = m["dst"].map(pos).to_numpy()
            order = np.lexsort((via, idx))
            first = np.r_[True, idx[order][1:] != idx[order][:-1]]
            j, v = idx[order][first], via[order][first]
            src = m["src"].to_numpy()[order][first]
            better = v < best[j]
            best[j[better]] = v[better]
            label[j[better]] = np.array(["via " + s for s in src[better]], dtype=object)
        floor = self.fibre_ms_per_km * km
        return np.maximum(best, floor), label


def leave_one_out(model: LatencyModel, regions: pd.DataFrame) -> pd.DataFrame:
    """The estimator scored on measured pairs: each source region is treated as an
    unmeasured point (a site at its coordinates, on the public internet), its own
    measurements withheld. Columns: src, dst, km, rtt_ms, estimate_ms, rel_error."""
    reg = regions.assign(target=regions["provider"] + ":" + regions["region"])
    reg = reg.rename(columns={"latitude": "lat", "longitude": "lon"})
    reg = reg[["target", "lat", "lon", "provider"]].drop_duplicates("target")
    xy = reg.set_index("target")
    rows = []
    for src, g in model.measured.groupby("src", sort=True):
        targets = reg[reg["target"].isin(set(g["dst"]))].reset_index(drop=True)
        lat, lon = float(xy.at[src, "lat"]), float(xy.at[src, "lon"])
        est, _ = model.estimate(lat, lon, "", targets, exclude=src)
        got = dict(zip(targets["target"], est, strict=True))
        km = dict(
            zip(
                targets["target"],
                great_circle_km(lat, lon, targets["lat"].to_numpy(), targets["lon"].to_numpy()),
                strict=True,
            )
        )
        for d, rtt in zip(g["dst"], g["rtt_ms"], strict=True):
            rows.append((src, d, float(km[d]), float(rtt), float(got[d])))
    out = pd.DataFrame(rows, columns=["src", "dst", "km", "rtt_ms", "estimate_ms"])
    out["rel_error"] = (out["estimate_ms"] - out["rtt_ms"]) / out["rtt_ms"]
    return out


def error_by_band(loo: pd.DataFrame) -> pd.DataFrame:
    """Per distance band: pairs, median absolute error (ms and relative), median signed
    relative error (bias) and 90th percentile relative error."""
    band = pd.cut(loo["km"], list(BANDS_KM), right=False)
    g = loo.assign(
        abs_ms=(loo["estimate_ms"] - loo["rtt_ms"]).abs(), abs_rel=loo["rel_error"].abs()
    )
    t = g.groupby(band, observed=True).agg(
        pairs=("rtt_ms", "size"),
        median_measured_ms=("rtt_ms", "median"),
        median_abs_error_ms=("abs_ms", "median"),
        median_abs_rel_error=("abs_rel", "median"),
        median_rel_bias=("rel_error", "median"),
        p90_abs_rel_error=("abs_rel", lambda s: float(np.percentile(s, 90))),
    )
    t.insert(0, "band_km", [f"{int(i.left)}-{int(i.right)}" for i in t.index])
    t = t.reset_index(drop=True)
    t.attrs["unit"] = "ms; fractions of the measured RTT"
    return t
