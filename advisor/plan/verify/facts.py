"""Catalog and scenario facts for the verifier, as plain dicts, and its row records.

Built from the catalog tables and the scenario only (never from the option builder), so a
bug in the options cannot hide here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.catalog import Catalog
    from advisor.plan.verify.burst import VPart
    from advisor.schema.scenario import Scenario, Workload

ABS_TOL = 1e-6
"""Absolute tolerance on top of ``rel_tol`` (USD, ms, kg, risk points)."""
EARTH_RADIUS_KM = 6371.0088
LOW_PRECISIONS = ("int8", "fp8", "int4")


class Facts:
    """The catalog tables and the scenario's places, as dicts keyed the way the rules ask."""

    def __init__(self, scn: Scenario, cat: Catalog):
        t = cat.tables
        self.regions = {
            f"{r['provider']}:{r['region']}": r for r in t["regions"].to_dict("records")
        }
        self.bare = {code.split(":", 1)[1]: code for code in self.regions}
        self.acc = {r["accelerator"]: r for r in t["accelerators"].to_dict("records")}
        self.itypes = {
            (r["provider"], r["instance_type"]): r for r in t["instance_types"].to_dict("records")
        }
        ip = t["instance_prices"]
        self.prices = dict(
            zip(
                zip(ip["provider"], ip["region"], ip["instance_type"], ip["pricing"], strict=True),
                ip["usd_per_hour"].astype(float).tolist(),
                strict=True,
            )
        )
        self.priced_regions = {(p, r) for p, r, _, _ in self.prices}
        self.hardware = {r["sku"]: r for r in t["hardware"].to_dict("records")}
        self.controls = {
            (r["provider"], r["region"], r["family"], r["control"]): str(r["available"]).lower()
            in ("true", "1", "yes")
            for r in t["controls"].to_dict("records")
        }
        lm = t["latency_measured"]
        self.measured = dict(
            zip(
                zip(
                    (lm["src_provider"] + ":" + lm["src_region"]).tolist(),
                    (lm["dst_provider"] + ":" + lm["dst_region"]).tolist(),
                    strict=True,
                ),
                lm["rtt_ms"].astype(float).tolist(),
                strict=True,
            )
        )
        # destination -> [(source, rtt)]: the measured pairs an unmeasured path may ride
        self.measured_into: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for (src, dst), ms in self.measured.items():
            self.measured_into[dst].append((src, ms))
        self.latency = {
            r["parameter"]: float(r["value"]) for r in t["latency_model"].to_dict("records")
        }
        # (provider, destination, source area) -> tiers; area "*" applies to any source
        self.egress: dict[tuple[str, str, str], list[tuple[float, float, float]]] = defaultdict(
            list
        )
        for r in t["egress"].to_dict("records"):
            hi = r["tier_to_gb"]
            hi = math.inf if hi is None or (isinstance(hi, float) and math.isnan(hi)) else float(hi)
            area = str(r.get("source_area") or "*")
            self.egress[(r["provider"], r["destination"], area)].append(
                (float(r["tier_from_gb"]), hi, float(r["usd_per_gb"]))
            )
        for tiers in self.egress.values():
            tiers.sort()
        self.carbon = {(r["provider"], r["region"]): r for r in t["carbon"].to_dict("records")}
        self.country_carbon = {
            r["country_iso2"]: float(r["gco2e_per_kwh"])
            for r in t["country_carbon"].to_dict("records")
        }
        self.sites = {s.id: s for s in scn.sites}
        self.locations = {loc.id: loc for loc in scn.locations}
        self.workloads = {w.id: w for w in scn.workloads}

    def control(self, provider: str, region: str, family: str, control: str) -> bool:
        """controls.csv, most specific row first: family+region, family+*, *+region, *+*."""
        for fam, reg in ((family, region), (family, "*"), ("*", region), ("*", "*")):
            hit = self.controls.get((provider, reg, fam, control))
            if hit is not None:
                return hit
        return False

    def area(self, code: str) -> str:
        """Continent key of a ``provider:region`` code (regions.csv ``area``), else ``*``."""
        r = self.regions.get(code)
        return str(r.get("area") or "*") if r is not None else "*"

    def tiers(self, provider: str, destination: str, area: str) -> list:
        """The source area's own egress tiers if listed, else the ``*`` tiers."""
        own = self.egress.get((provider, destination, area))
        return own if own else self.egress.get((provider, destination, "*"), [])

    def tiered_usd(self, provider: str, destination: str, gb: float, area: str = "*") -> float:
        """USD for ``gb`` a month through the marginal volume tiers of egress.csv."""
        return sum(
            max(0.0, min(gb, hi) - lo) * usd
            for lo, hi, usd in self.tiers(provider, destination, area)
        )

    def first_tier(self, provider: str, destination: str, area: str = "*") -> float | None:
        """The first *paid* tier's rate (flows are priced past the free allowance)."""
        tiers = self.tiers(provider, destination, area)
        if not tiers:
            return None
        paid = [t for t in tiers if t[2] > 0]
        return paid[0][2] if paid else 0.0

    def place(self, ref: str | None) -> tuple[float, float, str | None] | None:
        """(lat, lon, target code or None) of a site, location or cloud region reference."""
        if not ref:
            return None
        if ref in self.sites:
            s = self.sites[ref]
            return s.location.lat, s.location.lon, f"site:{ref}"
        if ref in self.locations:
            loc = self.locations[ref]
            return loc.location.lat, loc.location.lon, None
        code = ref if ref in self.regions else self.bare.get(ref)
        if code is None:
            return None
        r = self.regions[code]
        return float(r["latitude"]), float(r["longitude"]), code

    def home(self, ref: str | None) -> str | None:
        """The target code where data lives: ``site:<id>`` or ``provider:region``; else None."""
        p = self.place(ref)
        return p[2] if p else None


@dataclass
class Target:
    code: str
    tier: str
    provider: str
    region: str
    site: str
    lat: float
    lon: float
    tokens: frozenset
    grid: float
    pue: float


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


class Row:
    """One assignment row; missing/NaN text becomes ''."""

    def __init__(self, rec: dict[str, Any]):
        self.rec = rec

    def text(self, key: str) -> str:
        v = self.rec.get(key)
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

    def num(self, key: str) -> float:
        v: Any = self.rec.get(key)  # any cell value; float() decides
        try:
            return float(v)
        except (TypeError, ValueError):
            return math.nan


@dataclass
class Recomputed:
    """Everything recomputed for one row."""

    unit: str
    workload: Workload
    part: VPart  # the workload's part the unit serves (the whole workload unless split)
    target: Target
    site_sku: tuple[str, str] | None = None
    units: float = 0.0
    box_units: float = 0.0
    replicas: float = 0.0
    gpus: float = 0.0
    item: tuple[float, float] | None = None  # one replica's (units, memory GB) for packing
    box_memory: float = 0.0  # memory of a CPU box (packing by memory)
    boxes: float = 0.0  # instances needed (cloud); fractional for GPU-hours
    hours: float = 0.0  # hours a month a box runs
    need: float = 0.0  # replicas the unit's demand needs (fractional for rates)
    compute_ms: float = 0.0
    opex: float = 0.0
    claimed_capex: float = (
        0.0  # the row's capex_usd and total_usd, checked once purchases are known
    )
    claimed_total: float = 0.0
    latency: float = 0.0
    risk: float = 0.0
    carbon: float = 0.0
    fixed_share: float = 0.0  # the row's share of its box's idle power + ops (in opex)
    idle_kg_share: float = 0.0  # the row's share of its box's idle carbon (in carbon)


def number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x
