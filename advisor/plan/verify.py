"""An independent verifier: recompute every constraint and every cost of a plan, no solver.

It reads only ``plan.scenario``, ``plan.assignments``, ``plan.purchases``, ``plan.flows_usd``,
``plan.objective``, ``plan.kpis`` and catalog tables, and re-derives everything with plain
scalar Python from the *documented* formulas (:mod:`advisor.options.assumptions`, the
docstrings of ``advisor.options.costing`` and ``advisor.solve.constraints``). It shares no
code with the option builder, the formulation or the solver, so a bug there cannot hide here.

The decisions are taken from each assignment row: ``unit``, ``target``, ``hardware``,
``precision``, ``pricing``, ``gpus_per_replica``, ``replicas`` and ``billed_boxes``; and the
purchases. Everything else is recomputed and compared within ``rel_tol``.

Checks (``Violation.check``):

==============  =============================================================================
assignment      every workload, and every HA group ``id#k``, assigned exactly once
row             row facts agree with the scenario and catalog (workload, team, tier, ...)
scope           provider, region (partition, allow/deny lists) and pricing model in scope
tier            tier allowed by the classification policy and the workload's allowed_tiers
residency       target jurisdiction tokens intersect the workload's residency (empty = any)
controls        cloud controls the policy requires, most specific controls.csv row wins
pricing         spot only if interruptible; reserved term <= horizon; sites are ``owned``
hardware        SKU owned or buyable at the site; accelerator type / memory; CPU vs GPU box
memory          gpus x memory x USABLE_MEMORY >= need; gpus <= accelerators per box
throughput      replicas x per-replica throughput >= demand (roofline or measured)
units, boxes    capacity units as claimed; cloud billed instances enough for the replicas
latency         RTT (LAN / measured / distance estimate) + compute time <= SLO
cost            compute, egress, power, ops and opex of each row
risk, carbon    per-row privacy risk and carbon, then the plan caps
capacity        per (site, SKU): units used <= box units x (inventory + bought); a replica
                uses the box share it blocks: B / floor(B / k) of a B-unit box (CPU: B / p,
                p replicas per box by vCPUs and memory), since replicas never span boxes
packing         whole replicas fit in whole boxes (flagged only when provably impossible)
power, space    installed kW and rack units (inventory + purchases) <= the site caps
purchase        only ``can_buy`` SKUs, whole counts <= max_buy_per_sku, row values right
budget          opex per month (all / team, flows charged to the sender's team), capex
                total, and team capex (see :func:`_team_capex_feasible`)
ha, colocate,   replica groups on distinct targets; co-located workloads on one target;
anti_affinity   anti-affine workloads on distinct targets
flow            each flow's monthly cost from where both ends landed, vs ``flows_usd``
                (keyed ``from->to``; a repeated pair's later flows ``from->to#2``, ...)
kpi, objective  monthly opex, amortised capex, TCO and the objective value; a box priced P
                with useful life L costs P / max(L, h) a month over a horizon of h months
                (P / L as usual; bought once, so P / h if h > L) and P min(h, L) / L over
                the horizon, so horizon TCO = h x monthly total
==============  =============================================================================

Where the documentation leaves room, the verifier reads it as follows (and says so here):
an HA workload with N groups sizes each group for demand / (N - 1), data volumes included;
RTT is the LAN value whenever the origin *is* the target (a site or a cloud region); a
bare region name (``eu-west-1``) is the same place as ``aws:eu-west-1``; flows use each
provider's first *paid* tier; a team's capex is feasible when the bought boxes can be paid
for by the teams using them, each at most pro rata to its own units (max-flow, below); a
replica never spans boxes (tensor parallelism stays within one box).
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.errors import AdvisorError
from advisor.options.assumptions import (
    CLASSIFICATION_WEIGHT,
    CLOUD_PUE_DEFAULT,
    CONTROL_MITIGATION,
    CPU_WATTS_PER_VCPU,
    HOST_WATTS_PER_ACCELERATOR,
    MBU,
    MFU,
    SAME_CONTINENT_KM,
    TIER_EXPOSURE,
    TRAINING_BYTES_PER_PARAM,
    USABLE_MEMORY,
    WORLD_GCO2E_PER_KWH,
)
from advisor.options.jurisdiction import country_tokens
from advisor.schema.types import BYTES_PER_PARAM, CONTROLS, HOURS_IN_MONTH, PRICING_TERM_MONTHS

if TYPE_CHECKING:
    from advisor.catalog import Catalog
    from advisor.plan.result import Plan
    from advisor.schema.scenario import Scenario, Workload

ABS_TOL = 1e-6
"""Absolute tolerance on top of ``rel_tol`` (USD, ms, kg, risk points)."""
EARTH_RADIUS_KM = 6371.0088
LOW_PRECISIONS = ("int8", "fp8", "int4")


@dataclass(frozen=True)
class Violation:
    """One broken rule or one number that does not recompute."""

    check: str
    subject: str
    detail: str

    def format(self) -> str:
        return f"[{self.check}] {self.subject}: {self.detail}"


@dataclass(frozen=True)
class Verification:
    """The verdict: ``ok`` when nothing is violated; ``recomputed`` holds the plan KPIs."""

    ok: bool
    violations: tuple[Violation, ...]
    checks: int
    recomputed: dict = field(default_factory=dict)

    def of(self, check: str) -> tuple[Violation, ...]:
        """The violations of one check family."""
        return tuple(v for v in self.violations if v.check == check)

    def format(self) -> str:
        head = f"{self.checks} checks, {len(self.violations)} violations"
        return "\n".join([head, *(v.format() for v in self.violations)])

    def raise_if_failed(self) -> None:
        if not self.ok:
            raise PlanVerificationError(self)


class PlanVerificationError(AdvisorError):
    """The independent verifier found a plan that breaks a rule or misstates a number."""

    exit_code = 4

    def __init__(self, verification: Verification):
        self.verification = verification
        super().__init__("the plan failed independent verification:\n" + verification.format())


def verify_plan(plan: Plan, catalog: Catalog | None = None, rel_tol: float = 1e-6) -> Verification:
    """Recompute every constraint, cost and KPI of ``plan``; never raises on a bad plan.

    ``catalog`` is the *base* catalog (as loaded); the scenario's discounts and overrides are
    applied here. Without it the plan's effective catalog (``plan.options.catalog``) is used.
    """
    scn = plan.scenario
    cat = (
        plan.options.catalog
        if catalog is None
        else catalog.with_overrides(scn.overrides, scn.clouds)
    )
    v = _Verifier(scn, _Facts(scn, cat), rel_tol)
    rows = [_Row(r) for r in plan.assignments.to_dict("records")]
    purchases = plan.purchases.to_dict("records") if len(plan.purchases) else []
    v.assignment(rows)
    for r in rows:
        v.row(r)
    bought = v.purchases(purchases)
    v.sites(rows, bought)
    flows = v.flows(rows, dict(plan.flows_usd))
    v.budgets(rows, bought, flows)
    v.placement(rows)
    v.caps(rows)
    v.totals(rows, bought, flows, plan.objective, plan.kpis)
    return Verification(not v.violations, tuple(v.violations), v.checks, v.recomputed)


# --- catalog facts as plain dicts --------------------------------------------------------------


class _Facts:
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
        self.prices = {
            (r["provider"], r["region"], r["instance_type"], r["pricing"]): float(r["usd_per_hour"])
            for r in t["instance_prices"].to_dict("records")
        }
        self.priced_regions = {(p, r) for p, r, _, _ in self.prices}
        self.hardware = {r["sku"]: r for r in t["hardware"].to_dict("records")}
        self.controls = {
            (r["provider"], r["region"], r["family"], r["control"]): str(r["available"]).lower()
            in ("true", "1", "yes")
            for r in t["controls"].to_dict("records")
        }
        self.measured = {
            (
                f"{r['src_provider']}:{r['src_region']}",
                f"{r['dst_provider']}:{r['dst_region']}",
            ): float(r["rtt_ms"])
            for r in t["latency_measured"].to_dict("records")
        }
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
class _Target:
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


def _great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


class _Row:
    """One assignment row; missing/NaN text becomes ''."""

    def __init__(self, rec: dict[str, Any]):
        self.rec = rec

    def text(self, key: str) -> str:
        v = self.rec.get(key)
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

    def num(self, key: str) -> float:
        v = self.rec.get(key)
        try:
            return float(v)
        except (TypeError, ValueError):
            return math.nan


@dataclass
class _Recomputed:
    """Everything recomputed for one row."""

    unit: str
    workload: Workload
    target: _Target
    site_sku: tuple[str, str] | None = None
    units: float = 0.0
    box_units: float = 0.0
    replicas: float = 0.0
    gpus: float = 0.0
    item: tuple[float, float] | None = None  # one replica's (units, memory GB) for packing
    box_memory: float = 0.0  # memory of a CPU box (packing by memory)
    boxes: float = 0.0  # instances needed (cloud); fractional for GPU-hours
    hours: float = 0.0  # hours a month a box runs
    compute_ms: float = 0.0
    opex: float = 0.0
    claimed_capex: float = (
        0.0  # the row's capex_usd and total_usd, checked once purchases are known
    )
    claimed_total: float = 0.0
    latency: float = 0.0
    risk: float = 0.0
    carbon: float = 0.0


# --- the verifier ------------------------------------------------------------------------------


class _Verifier:
    def __init__(self, scn: Scenario, facts: _Facts, rel_tol: float):
        self.scn, self.f, self.rel_tol = scn, facts, rel_tol
        self.horizon = float(scn.settings.horizon_months)
        self.violations: list[Violation] = []
        self.checks = 0
        self.recomputed: dict[str, Any] = {}
        self.done: dict[int, _Recomputed] = {}

    # -- helpers
    def check(self, ok: bool, check: str, subject: str, detail: str) -> bool:
        self.checks += 1
        if not ok:
            self.violations.append(Violation(check, subject, detail))
        return ok

    def close(self, a: float, b: float) -> bool:
        if math.isnan(a) or math.isnan(b):
            return False
        if math.isinf(a) or math.isinf(b):
            return a == b
        return abs(a - b) <= max(self.rel_tol * max(abs(a), abs(b)), ABS_TOL)

    def le(self, a: float, cap: float) -> bool:
        return a <= cap + max(self.rel_tol * abs(cap), ABS_TOL)

    def same(self, claimed: float, value: float, check: str, subject: str, what: str) -> bool:
        return self.check(
            self.close(claimed, value),
            check,
            subject,
            f"{what} is {claimed:.6g}; recomputed {value:.6g}",
        )

    def unit_workload(self, unit: str) -> Workload | None:
        wid, _, k = unit.partition("#")
        w = self.f.workloads.get(wid)
        if w is None:
            return None
        groups = w.ha.groups if w.ha else 1
        if groups == 1:
            return w if not k else None
        return w if k.isdigit() and 1 <= int(k) <= groups else None

    def target(self, code: str) -> _Target | None:
        kind, _, rest = code.partition(":")
        if kind == "site":
            s = self.f.sites.get(rest)
            if s is None:
                return None
            grid = s.grid_gco2e_per_kwh
            if grid is None:
                grid = self.f.country_carbon.get(s.country) or WORLD_GCO2E_PER_KWH
            return _Target(
                code,
                s.kind,
                "",
                "",
                s.id,
                s.location.lat,
                s.location.lon,
                country_tokens(s.country),
                float(grid),
                s.power.pue,
            )
        r = self.f.regions.get(code)
        if r is None:
            return None
        c = self.f.carbon.get((r["provider"], r["region"]), {})
        grid = _number(c.get("gco2e_per_kwh"))
        if grid is None:
            grid = self.f.country_carbon.get(r["country_iso2"], WORLD_GCO2E_PER_KWH)
        pue = _number(c.get("pue"))
        tokens = frozenset(x for x in str(r["jurisdictions"]).split(";") if x)
        return _Target(
            code,
            "cloud",
            r["provider"],
            r["region"],
            "",
            float(r["latitude"]),
            float(r["longitude"]),
            tokens,
            float(grid),
            CLOUD_PUE_DEFAULT if pue is None else pue,
        )

    # -- assignment
    def assignment(self, rows: list[_Row]) -> None:
        seen: dict[str, int] = defaultdict(int)
        for r in rows:
            seen[r.text("unit")] += 1
        expected = []
        for w in self.scn.workloads:
            g = w.ha.groups if w.ha else 1
            expected += [w.id] if g == 1 else [f"{w.id}#{k + 1}" for k in range(g)]
        for u in expected:
            self.check(
                seen.get(u, 0) == 1,
                "assignment",
                u,
                f"assigned {seen.get(u, 0)} times; expected exactly once",
            )
        for u in sorted(set(seen) - set(expected)):
            self.check(False, "assignment", u, "not a workload or HA group of the scenario")

    # -- one row
    def row(self, r: _Row) -> None:
        unit, code = r.text("unit"), r.text("target")
        w = self.unit_workload(unit)
        t = self.target(code)
        if not self.check(w is not None, "row", unit, "unknown unit"):
            return
        if not self.check(t is not None, "row", unit, f"unknown target '{code}'"):
            return
        for col, want in (
            ("workload", w.id),
            ("team", w.team),
            ("tier", t.tier),
            ("site", t.site),
            ("provider", t.provider),
            ("region", t.region),
            ("classification", w.data.classification),
            ("slo_ms", str(float(w.latency_slo_ms or math.inf))),
        ):
            self.check(
                r.text(col) == want, "row", unit, f"{col} is '{r.text(col)}'; expected '{want}'"
            )
        rc = _Recomputed(
            unit, w, t, claimed_capex=r.num("capex_usd"), claimed_total=r.num("total_usd")
        )
        self.policy(r, rc)
        box = self.box(r, rc)
        if box is None:
            return
        if not self.size(r, rc, box):
            return
        self.cost(r, rc, box)
        self.done[id(r)] = rc

    def policy(self, r: _Row, rc: _Recomputed) -> None:
        w, t, u = rc.workload, rc.target, rc.unit
        pol = self.scn.policy(w.data.classification)
        self.check(
            t.tier in pol.allowed_tiers,
            "tier",
            u,
            f"{w.data.classification} data may use {list(pol.allowed_tiers)}; {t.code} is {t.tier}",
        )
        if w.allowed_tiers:
            self.check(
                t.tier in w.allowed_tiers,
                "tier",
                u,
                f"workload allows {list(w.allowed_tiers)}; {t.code} is {t.tier}",
            )
        res = set(w.data.residency)
        self.check(
            not res or bool(res & t.tokens),
            "residency",
            u,
            f"{t.code} is in {sorted(t.tokens)}; workload allows {sorted(res)}",
        )
        pricing = r.text("pricing")
        if t.tier != "cloud":
            self.check(pricing == "owned", "pricing", u, f"site rows are 'owned', not '{pricing}'")
            return
        c = self.scn.clouds
        self.check(
            t.provider in c.providers,
            "scope",
            u,
            f"provider {t.provider} not in {list(c.providers)}",
        )
        partition = self.f.regions[t.code]["partition"]
        self.check(
            partition == "commercial" or c.include_restricted_partitions,
            "scope",
            u,
            f"{t.code} is in the {partition} partition",
        )
        if c.allow_regions:
            self.check(
                t.code in c.allow_regions or t.region in c.allow_regions,
                "scope",
                u,
                f"{t.code} not in allow_regions",
            )
        self.check(
            not (t.code in c.deny_regions or t.region in c.deny_regions),
            "scope",
            u,
            f"{t.code} is denied",
        )
        self.check(
            pricing in c.pricing, "scope", u, f"pricing '{pricing}' not in {list(c.pricing)}"
        )
        self.check(
            pricing != "spot" or w.interruptible,
            "pricing",
            u,
            "spot needs an interruptible workload",
        )
        term = PRICING_TERM_MONTHS.get(pricing, 0)
        self.check(
            term <= self.scn.settings.horizon_months,
            "pricing",
            u,
            f"{pricing} commits {term} months > horizon {self.scn.settings.horizon_months}",
        )

    def box(self, r: _Row, rc: _Recomputed) -> dict | None:
        """The hardware as a dict: n_acc, vcpus, memory_gb, accelerator (+ site / price facts)."""
        t, u, hw = rc.target, rc.unit, r.text("hardware")
        if t.tier == "cloud":
            it = self.f.itypes.get((t.provider, hw))
            if not self.check(
                it is not None, "hardware", u, f"unknown {t.provider} instance type '{hw}'"
            ):
                return None
            price = self.f.prices.get((t.provider, t.region, hw, r.text("pricing")))
            if not self.check(
                price is not None, "scope", u, f"no {r.text('pricing')} price for {hw} in {t.code}"
            ):
                return None
            missing = [
                c
                for c in self.scn.policy(rc.workload.data.classification).cloud_requires
                if not self.f.control(t.provider, t.region, it["family"], c)
            ]
            self.check(
                not missing,
                "controls",
                u,
                f"{hw} ({it['family']}) in {t.code} lacks {', '.join(missing)}",
            )
            box = {
                "n_acc": float(it["accelerator_count"]),
                "vcpus": float(it["vcpus"]),
                "memory_gb": float(it["memory_gb"]),
                "accelerator": it["accelerator"] or "",
                "usd_per_hour": price,
                "family": it["family"],
            }
        else:
            s = self.f.sites[t.site]
            owned = {i.sku for i in s.inventory} | set(s.can_buy)
            if not self.check(
                hw in owned, "hardware", u, f"{hw} is neither owned nor buyable at {s.id}"
            ):
                return None
            h = self.f.hardware.get(hw)
            if not self.check(h is not None, "hardware", u, f"unknown SKU '{hw}'"):
                return None
            box = {
                "n_acc": float(h["accelerator_count"]),
                "vcpus": float(h["vcpus"]),
                "memory_gb": float(h["memory_gb"]),
                "accelerator": h["accelerator"] or "",
                "power_kw": float(h["power_kw"]),
                "ops": float(h["ops_usd_per_month"]),
            }
            rc.site_sku = (t.site, hw)
        self.check(
            r.text("accelerator") == box["accelerator"],
            "row",
            u,
            f"accelerator is '{r.text('accelerator')}'; {hw} has '{box['accelerator']}'",
        )
        return box

    def size(self, r: _Row, rc: _Recomputed, box: dict) -> bool:
        """Memory fit, throughput, units and boxes. False when the row cannot be costed."""
        w, u, d = rc.workload, rc.unit, rc.workload.demand
        groups = w.ha.groups if w.ha else 1
        share = 1.0 / (groups - 1) if groups > 1 else 1.0
        replicas = r.num("replicas")
        if not self.check(
            replicas >= 1 and float(replicas).is_integer(),
            "throughput",
            u,
            f"replicas must be a whole number >= 1, got {replicas}",
        ):
            return False
        rc.replicas = replicas
        if d.replicas is not None and d.mode == "replicas":
            need = math.ceil(d.replicas * share - 1e-9)
            self.check(
                replicas >= need, "throughput", u, f"{replicas:g} replicas < {need} required"
            )
        if w.cpu is not None:
            return self.size_cpu(r, rc, box)
        if not self.check(
            box["n_acc"] > 0, "hardware", u, f"needs accelerators; {r.text('hardware')} has none"
        ):
            return False
        acc = self.f.acc.get(box["accelerator"])
        if not self.check(
            acc is not None, "hardware", u, f"unknown accelerator '{box['accelerator']}'"
        ):
            return False
        prec = r.text("precision")
        allowed = (w.model.precision, *w.model.variants) if w.model else ("fp16",)
        self.check(prec in allowed, "memory", u, f"precision {prec} not in {list(allowed)}")
        if w.accelerators is not None:
            types = w.accelerators.types
            self.check(
                not types or box["accelerator"] in types,
                "hardware",
                u,
                f"{box['accelerator']} not in {list(types)}",
            )
            mn = w.accelerators.min_memory_gb or 0.0
            self.check(
                float(acc["memory_gb"]) >= mn,
                "hardware",
                u,
                f"{box['accelerator']} has < {mn:g} GB",
            )
        g = r.num("gpus_per_replica")
        if not self.check(
            g >= 1 and float(g).is_integer() and g <= box["n_acc"],
            "memory",
            u,
            f"{g:g} accelerators per replica on a {box['n_acc']:g}-accelerator box",
        ):
            return False
        rc.gpus = g
        if w.accelerators is not None:
            self.check(
                g >= w.accelerators.count,
                "memory",
                u,
                f"{g:g} < {w.accelerators.count} accelerators required",
            )
        params = w.model.params_billion if w.model else 0.0
        weights = params * BYTES_PER_PARAM.get(prec, 2.0)
        need = (
            params * TRAINING_BYTES_PER_PARAM
            if w.kind == "training" and w.model
            else (weights * (1.0 + w.model.kv_cache_overhead) if w.model else 0.0)
        )
        mem = float(acc["memory_gb"])
        self.check(
            g * mem * USABLE_MEMORY >= need * (1 - self.rel_tol),
            "memory",
            u,
            f"{need:.1f} GB needed > {g:g} x {mem:g} GB x {USABLE_MEMORY} usable",
        )
        fp16 = _number(acc["fp16_tflops_dense"]) or 0.0
        int8 = _number(acc["int8_tops_dense"]) or 0.0
        tf = (
            (int8 if int8 > 0 else 2 * fp16)
            if prec in LOW_PRECISIONS
            else (fp16 / 2 if prec == "fp32" else fp16)
        )
        flops = g * tf * 1e12 * MFU
        bw = (_number(acc["memory_bandwidth_gbps"]) or 0.0) * 1e9 * MBU
        compute_ms = 0.0
        if d.mode == "tokens":
            demand = d.requests_per_second * d.tokens_per_request * share
            decode = w.model.batch_size * g * bw / (weights * 1e9)
            tput = d.throughput_per_replica or min(
                decode, flops / (2 * params * 1e9) if flops else 0.0
            )
            if flops > 0 and bw > 0:
                compute_ms = (
                    2 * params * 1e9 * w.model.prompt_tokens / flops + weights * 1e9 / (g * bw)
                ) * 1e3
            else:
                compute_ms = math.inf
            self.throughput(u, replicas, tput, demand, "tokens/s")
        elif d.mode == "images":
            demand = d.images_per_second * share
            tput = d.throughput_per_replica or (flops / (d.gflops_per_image * 1e9))
            compute_ms = d.gflops_per_image * 1e9 / flops * 1e3 if flops > 0 else math.inf
            self.throughput(u, replicas, tput, demand, "images/s")
        rc.compute_ms = compute_ms
        rc.box_units = box["n_acc"]
        if d.mode == "gpu_hours":
            ref = self.f.acc.get(d.reference_accelerator)
            ref_tf = _number(ref["fp16_tflops_dense"]) if ref else None
            if not self.check(
                bool(ref_tf) and fp16 > 0,
                "throughput",
                u,
                "no FP16 throughput to rescale GPU-hours",
            ):
                return False
            gpu_hours = d.gpu_hours_per_month * share * ref_tf / fp16
            rc.units = gpu_hours / HOURS_IN_MONTH
            rc.boxes = gpu_hours / box["n_acc"] / HOURS_IN_MONTH
            rc.hours = HOURS_IN_MONTH
        else:
            per_box = math.floor(box["n_acc"] / g)
            rc.units = replicas * box["n_acc"] / per_box  # the box share each replica blocks
            rc.boxes = math.ceil(replicas / per_box - 1e-9)
            rc.hours = d.hours_per_month
            rc.item = (g, 0.0)
        return True

    def size_cpu(self, r: _Row, rc: _Recomputed, box: dict) -> bool:
        w, u = rc.workload, rc.unit
        if not self.check(
            box["n_acc"] <= 0,
            "hardware",
            u,
            f"cpu workload; {r.text('hardware')} is an accelerator box",
        ):
            return False
        per_box = min(
            math.floor(box["vcpus"] / w.cpu.vcpus), math.floor(box["memory_gb"] / w.cpu.memory_gb)
        )
        if not self.check(
            per_box >= 1,
            "memory",
            u,
            f"needs {w.cpu.vcpus} vCPU / {w.cpu.memory_gb:g} GB; "
            f"{r.text('hardware')} has {box['vcpus']:g} / {box['memory_gb']:g} GB",
        ):
            return False
        rc.units = rc.replicas * box["vcpus"] / per_box  # the box share each replica blocks
        rc.box_units = box["vcpus"]
        rc.boxes = math.ceil(rc.replicas / per_box - 1e-9)
        rc.hours = w.demand.hours_per_month
        rc.compute_ms = 0.0
        rc.item = (float(w.cpu.vcpus), float(w.cpu.memory_gb))
        rc.box_memory = box["memory_gb"]
        return True

    def throughput(self, u: str, replicas: float, tput: float, demand: float, what: str) -> None:
        ok = tput > 0 and replicas * tput >= demand * (1 - self.rel_tol)
        self.check(
            ok, "throughput", u, f"{replicas:g} replicas x {tput:.6g} {what} < demand {demand:.6g}"
        )

    def cost(self, r: _Row, rc: _Recomputed, box: dict) -> None:
        w, t, u = rc.workload, rc.target, rc.unit
        groups = w.ha.groups if w.ha else 1
        share = 1.0 / (groups - 1) if groups > 1 else 1.0
        self.same(r.num("units"), rc.units, "units", u, "units")
        if t.tier == "cloud":
            billed = r.num("billed_boxes")
            reserved = r.text("pricing").startswith("reserved")
            need = math.ceil(rc.boxes - 1e-9) if reserved else rc.boxes
            ok = billed >= need * (1 - self.rel_tol) and (
                not reserved or float(billed).is_integer()
            )
            self.check(
                ok,
                "boxes",
                u,
                f"{billed:g} billed instances of {r.text('hardware')}; {need:.6g} needed",
            )
            hours = HOURS_IN_MONTH if reserved else rc.hours
            compute = billed * hours * box["usd_per_hour"]
            self.same(r.num("usd_per_hour"), box["usd_per_hour"], "cost", u, "usd_per_hour")
            power = ops = 0.0
            watts = (
                box["n_acc"]
                * (float(self.f.acc[box["accelerator"]]["tdp_watts"]) + HOST_WATTS_PER_ACCELERATOR)
                if box["n_acc"] > 0
                else box["vcpus"] * CPU_WATTS_PER_VCPU
            )
            energy = rc.boxes * rc.hours * watts / 1000.0 * t.pue
        else:
            s = self.f.sites[t.site]
            share_boxes = rc.units / rc.box_units
            self.same(
                r.num("billed_boxes"), share_boxes, "cost", u, "billed_boxes (share of a box)"
            )
            energy = share_boxes * box["power_kw"] * s.power.pue * rc.hours
            compute, power, ops = 0.0, energy * s.power.usd_per_kwh, share_boxes * box["ops"]
        egress = self.egress(
            rc, w.data.egress_gb_per_month * share, w.data.ingress_gb_per_month * share
        )
        opex = compute + egress + power + ops
        for col, val in (
            ("compute_usd", compute),
            ("egress_usd", egress),
            ("power_usd", power),
            ("ops_usd", ops),
            ("opex_usd", opex),
        ):
            self.same(r.num(col), val, "cost", u, col)
        rc.opex = opex
        self.latency(r, rc)
        rc.risk = self.risk(rc, box, share)
        self.same(r.num("risk"), rc.risk, "risk", u, "risk")
        self.same(r.num("energy_kwh"), energy, "carbon", u, "energy_kwh")
        rc.carbon = energy * t.grid / 1000.0
        self.same(r.num("carbon_kg"), rc.carbon, "carbon", u, "carbon_kg")

    def egress(self, rc: _Recomputed, out_gb: float, in_gb: float) -> float:
        """Results to users at the target's internet (site: WAN) rate + input data moved in."""
        t = rc.target
        usd = (
            self.f.tiered_usd(t.provider, "internet", out_gb)
            if t.tier == "cloud"
            else (out_gb * self.f.sites[t.site].wan_egress_usd_per_gb)
        )
        src = self.f.home(rc.workload.data.source)
        if in_gb <= 0 or src is None or src == t.code:
            return usd
        if src.startswith("site:"):
            return usd + in_gb * self.f.sites[src[5:]].wan_egress_usd_per_gb
        s_prov = src.split(":", 1)[0]
        if s_prov != t.provider:
            return usd + self.f.tiered_usd(s_prov, "internet", in_gb)
        reg = self.f.regions[src]
        km = _great_circle_km(float(reg["latitude"]), float(reg["longitude"]), t.lat, t.lon)
        dest = (
            "inter_region_same_continent"
            if km < SAME_CONTINENT_KM
            else "inter_region_other_continent"
        )
        return usd + self.f.tiered_usd(s_prov, dest, in_gb, self.f.area(src))

    def rtt(self, rc: _Recomputed) -> tuple[float, str]:
        w, t = rc.workload, rc.target
        origin = self.f.place(w.requests_from or w.data.source)
        if origin is None:
            return 0.0, "none"
        lat, lon, code = origin
        lm = self.f.latency
        if code is not None and code == t.code:
            return lm["lan_rtt_ms"], "lan"
        if code is not None and (code, t.code) in self.f.measured:
            return self.f.measured[(code, t.code)], "measured"
        km = _great_circle_km(lat, lon, t.lat, t.lon)
        if km < lm["same_metro_max_km"]:
            return lm["same_metro_rtt_ms"], "estimate"
        return lm["intercept_ms"] + lm["ms_per_km"] * km, "estimate"

    def latency(self, r: _Row, rc: _Recomputed) -> None:
        u, w = rc.unit, rc.workload
        rtt, basis = self.rtt(rc)
        rc.latency = rtt + rc.compute_ms
        if w.latency_slo_ms is not None:
            self.check(
                self.le(rc.latency, w.latency_slo_ms),
                "latency",
                u,
                f"{rc.latency:.1f} ms (RTT {rtt:.1f} via {basis}) > SLO {w.latency_slo_ms:g} ms",
            )
        self.check(
            r.text("rtt_basis") == basis,
            "latency",
            u,
            f"rtt_basis is {r.text('rtt_basis')}; expected {basis}",
        )
        self.same(r.num("rtt_ms"), rtt, "latency", u, "rtt_ms")
        self.same(r.num("latency_ms"), rc.latency, "latency", u, "latency_ms")

    def risk(self, rc: _Recomputed, box: dict, share: float) -> float:
        """weight(classification) x exposure(tier) x control mitigations x volume factor."""
        w, t = rc.workload, rc.target
        mitigation = 1.0
        if t.tier == "cloud":
            for c in CONTROLS:
                if self.f.control(t.provider, t.region, box["family"], c):
                    mitigation *= CONTROL_MITIGATION[c]
        leaving = w.data.egress_gb_per_month * share
        if self.f.home(w.data.source) != t.code:
            leaving += w.data.ingress_gb_per_month * share
        volume = 1.0 + math.log10(1.0 + max(leaving, 0.0))
        return (
            CLASSIFICATION_WEIGHT[w.data.classification]
            * TIER_EXPOSURE[t.tier]
            * mitigation
            * volume
        )

    # -- purchases and sites
    def purchases(self, purchases: list[dict]) -> dict[tuple[str, str], int]:
        bought: dict[tuple[str, str], int] = {}
        for p in purchases:
            site, sku, n = str(p.get("site")), str(p.get("sku")), float(p.get("count", math.nan))
            subj = f"{site}/{sku}"
            s, h = self.f.sites.get(site), self.f.hardware.get(sku)
            if not self.check(
                s is not None and h is not None, "purchase", subj, "unknown site or SKU"
            ):
                continue
            self.check(
                (site, sku) not in bought, "purchase", subj, "purchased in more than one row"
            )
            self.check(sku in s.can_buy, "purchase", subj, f"{sku} is not in can_buy of {site}")
            ok = n >= 0 and float(n).is_integer() and n <= s.max_buy_per_sku
            self.check(
                ok, "purchase", subj, f"count {n:g} not a whole number in [0, {s.max_buy_per_sku}]"
            )
            price, life = float(h["list_price_usd"]), float(h["useful_life_months"])
            for col, val in (
                ("unit_price_usd", price),
                ("capex_usd", n * price),
                ("useful_life_months", life),
                ("amortised_usd_per_month", n * price / max(life, self.horizon)),
                ("power_kw", n * float(h["power_kw"])),
                ("rack_units", n * float(h["rack_units"])),
            ):
                if col in p:
                    self.same(float(p[col]), val, "purchase", subj, col)
            bought[(site, sku)] = bought.get((site, sku), 0) + int(n) if not math.isnan(n) else 0
        return bought

    def sites(self, rows: list[_Row], bought: dict[tuple[str, str], int]) -> None:
        used: dict[tuple[str, str], list[_Recomputed]] = defaultdict(list)
        for r in rows:
            rc = self.done.get(id(r))
            if rc is not None and rc.site_sku is not None:
                used[rc.site_sku].append(rc)
            elif rc is not None:
                self.row_capex(rc, 0.0)
        for s in self.scn.sites:
            inv = {i.sku: i.count for i in s.inventory}
            skus = sorted(set(inv) | {k for (site, k) in bought if site == s.id})
            kw = ru = 0.0
            for sku in skus:
                h = self.f.hardware.get(sku)
                if h is None:
                    continue
                n = inv.get(sku, 0) + bought.get((s.id, sku), 0)
                kw += n * float(h["power_kw"])
                ru += n * float(h["rack_units"])
            for sku in sorted({k for (site, k) in used if site == s.id}):
                rcs = used[(s.id, sku)]
                n = inv.get(sku, 0) + bought.get((s.id, sku), 0)
                per_box = rcs[0].box_units
                total = sum(rc.units for rc in rcs)
                self.check(
                    self.le(total, per_box * n),
                    "capacity",
                    f"{s.id}/{sku}",
                    f"{total:g} units used > {per_box:g} x {n} boxes (inventory + bought)",
                )
                self.packing(s.id, sku, rcs, n)
                h = self.f.hardware[sku]
                amortised = (
                    bought.get((s.id, sku), 0)
                    * float(h["list_price_usd"])
                    / max(float(h["useful_life_months"]), self.horizon)
                )
                for rc in rcs:
                    self.row_capex(rc, amortised * rc.units / total if total > 0 else 0.0)
            if s.power.max_kw is not None:
                self.check(
                    self.le(kw, s.power.max_kw),
                    "power",
                    s.id,
                    f"{kw:.2f} kW installed > cap {s.power.max_kw:g} kW",
                )
            if s.space.rack_units is not None:
                self.check(
                    self.le(ru, s.space.rack_units),
                    "space",
                    s.id,
                    f"{ru:g} rack units installed > cap {s.space.rack_units}",
                )

    def row_capex(self, rc: _Recomputed, capex: float) -> None:
        """A row's capex_usd: its pro-rata share (by units used) of the pool's bought boxes'
        amortised capex; total_usd = opex + capex."""
        self.same(rc.claimed_capex, capex, "cost", rc.unit, "capex_usd")
        self.same(rc.claimed_total, rc.opex + capex, "cost", rc.unit, "total_usd")

    def packing(self, site: str, sku: str, rcs: list[_Recomputed], boxes: int) -> None:
        """Whole replicas in whole boxes (a replica never spans boxes; TP is within one box).

        Flagged only when a lower bound proves it impossible: per replica size (at most
        floor(box/size) per box), by total size, and (CPU) by memory. GPU-hours workloads
        time-share and count as fluid units.
        """
        items = [(rc.item, rc.replicas) for rc in rcs if rc.item is not None]
        if not items:
            return
        cap = rcs[0].box_units
        fluid = sum(rc.units for rc in rcs if rc.item is None)
        need = math.ceil((sum(it[0] * n for it, n in items) + fluid) / cap - 1e-9) if cap else 0
        by_size: dict[float, float] = defaultdict(float)
        for (size, _), n in items:
            by_size[size] += n
        for size, n in by_size.items():
            need = max(
                need, math.ceil(n / math.floor(cap / size) - 1e-9) if size <= cap else math.inf
            )
        box_mem = rcs[0].box_memory
        if box_mem:
            need = max(need, math.ceil(sum(it[1] * n for it, n in items) / box_mem - 1e-9))
            for (v, m), n in items:
                need = max(
                    need, math.ceil(n / min(math.floor(cap / v), math.floor(box_mem / m)) - 1e-9)
                )
        self.check(
            need <= boxes,
            "packing",
            f"{site}/{sku}",
            f"whole replicas need at least {need} boxes; {boxes} installed",
        )

    # -- flows, budgets, rules, caps
    def flows(self, rows: list[_Row], flows_usd: dict[str, float]) -> dict[str, tuple[str, float]]:
        """name -> (sender team, USD/month), following the documented flow pricing."""
        where = {r.text("unit"): r.text("target") for r in rows}
        out: dict[str, tuple[str, float]] = {}
        seen: dict[str, int] = defaultdict(int)
        for fl in self.scn.flows:
            name = f"{fl.from_workload}->{fl.to_workload}"
            seen[name] += 1
            if seen[name] > 1:  # each flow is charged on its own: 'a->b', 'a->b#2', ...
                name = f"{name}#{seen[name]}"
            a, b = where.get(fl.from_workload), where.get(fl.to_workload)
            if a is None or b is None:
                continue
            usd = fl.gb_per_month * self.flow_rate(a, b)
            out[name] = (self.f.workloads[fl.from_workload].team, usd)
        for name, (_, usd) in out.items():
            claimed = flows_usd.get(name)
            self.check(claimed is not None, "flow", name, "no cost reported for this flow")
            if claimed is not None:
                self.same(float(claimed), usd, "flow", name, "USD/month")
        return out

    def flow_rate(self, a: str, b: str) -> float:
        """0 on one target; sender on a site: its WAN rate; same provider: first-tier
        inter_region_same_continent rate; otherwise the sender's first internet tier."""
        if a == b:
            return 0.0
        if a.startswith("site:"):
            return self.f.sites[a[5:]].wan_egress_usd_per_gb
        pa, pb = a.split(":", 1)[0], b.split(":", 1)[0]
        out = self.f.first_tier(pa, "internet") or 0.0
        if pa == pb:
            inter = self.f.first_tier(pa, "inter_region_same_continent", self.f.area(a))
            return out if inter is None else inter
        return out

    def budgets(self, rows: list[_Row], bought: dict, flows: dict[str, tuple[str, float]]) -> None:
        rcs = [rc for r in rows if (rc := self.done.get(id(r))) is not None]
        for b in self.scn.budgets:
            team = None if b.scope == "all" else b.scope[5:]
            if b.opex_usd_per_month_max is not None:
                opex = sum(rc.opex for rc in rcs if team is None or rc.workload.team == team)
                opex += sum(usd for t, usd in flows.values() if team is None or t == team)
                self.check(
                    self.le(opex, b.opex_usd_per_month_max),
                    "budget",
                    b.scope,
                    f"opex {opex:,.2f} USD/month > {b.opex_usd_per_month_max:,.2f}",
                )
            if b.capex_usd_max is not None and team is None:
                capex = sum(
                    n * float(self.f.hardware[k]["list_price_usd"]) for (_, k), n in bought.items()
                )
                self.check(
                    self.le(capex, b.capex_usd_max),
                    "budget",
                    b.scope,
                    f"capex {capex:,.2f} USD > {b.capex_usd_max:,.2f}",
                )
        team_caps = {
            b.scope[5:]: b.capex_usd_max
            for b in self.scn.budgets
            if b.scope != "all" and b.capex_usd_max is not None
        }
        if team_caps:
            self._team_capex_feasible(rcs, bought, team_caps)

    def _team_capex_feasible(
        self, rcs: list[_Recomputed], bought: dict, caps: dict[str, float]
    ) -> None:
        """Team capex: a team pays list price / box units for each unit it uses on newly bought
        boxes; owned inventory may go to any team first. Per (site, SKU) pool the units beyond
        the inventory, D = max(0, used - U x inventory), must be paid by the teams using the
        pool (each at most its own use). Feasible iff a max-flow source -> pool (D x price/U)
        -> team (use x price/U) -> sink (team cap, unbounded without a cap) saturates the
        source. Also reported per team: its lower bound when all inventory went to it."""
        use: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for rc in rcs:
            if rc.site_sku is not None:
                use[rc.site_sku][rc.workload.team] += rc.units
        pools = []
        for (site, sku), teams in sorted(use.items()):
            s, h = self.f.sites[site], self.f.hardware[sku]
            cap_units = float(h["accelerator_count"]) or float(h["vcpus"])
            inv = sum(i.count for i in s.inventory if i.sku == sku)
            per_unit = float(h["list_price_usd"]) / cap_units
            demand = max(0.0, sum(teams.values()) - cap_units * inv)
            pools.append(
                (f"{site}/{sku}", demand * per_unit, {g: u * per_unit for g, u in teams.items()})
            )
            for g, u in teams.items():
                if g in caps:
                    low = max(0.0, u - cap_units * inv) * per_unit
                    self.check(
                        self.le(low, caps[g]),
                        "budget",
                        f"team:{g}",
                        f"capex at least {low:,.2f} USD on {site}/{sku} > {caps[g]:,.2f}",
                    )
        need = sum(p[1] for p in pools)
        if need <= 0:
            return
        got = _max_flow(pools, caps)
        self.check(
            self.le(need, got),
            "budget",
            "team capex",
            f"new boxes' units need {need:,.2f} USD of team capex; the teams' budgets absorb {got:,.2f}",
        )

    def placement(self, rows: list[_Row]) -> None:
        where: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            wid = r.text("unit").partition("#")[0]
            where[wid].append(r.text("target"))
        for w in self.scn.workloads:
            if w.ha:
                t = where.get(w.id, [])
                self.check(
                    len(t) == len(set(t)), "ha", w.id, f"replica groups share targets {sorted(t)}"
                )
        for rule in self.scn.placement_rules:
            t = [x for wid in rule.workloads for x in where.get(wid, [])]
            subj = " & ".join(rule.workloads)
            if rule.kind == "colocate":
                self.check(
                    len(set(t)) <= 1, "colocate", subj, f"on different targets {sorted(set(t))}"
                )
            else:
                self.check(
                    len(t) == len(set(t)), "anti_affinity", subj, f"share a target: {sorted(t)}"
                )

    def caps(self, rows: list[_Row]) -> None:
        rcs = [rc for r in rows if (rc := self.done.get(id(r))) is not None]
        lim = self.scn.limits
        self.recomputed["privacy_risk"] = risk = sum(rc.risk for rc in rcs)
        self.recomputed["carbon_kg_per_month"] = carbon = sum(rc.carbon for rc in rcs)
        if lim.privacy_risk_max is not None:
            self.check(
                self.le(risk, lim.privacy_risk_max),
                "risk",
                "plan",
                f"risk {risk:.4g} > cap {lim.privacy_risk_max:g}",
            )
        if lim.carbon_kg_per_month_max is not None:
            self.check(
                self.le(carbon, lim.carbon_kg_per_month_max),
                "carbon",
                "plan",
                f"{carbon:,.1f} kgCO2e/month > cap {lim.carbon_kg_per_month_max:g}",
            )

    def totals(
        self, rows: list[_Row], bought: dict, flows: dict, objective: float, kpis: dict
    ) -> None:
        rcs = [rc for r in rows if (rc := self.done.get(id(r))) is not None]
        s = self.scn.settings
        h = s.horizon_months
        flow_usd = sum(usd for _, usd in flows.values())
        opex = sum(rc.opex for rc in rcs) + flow_usd
        capex = amort = horizon_capex = 0.0
        for (_, sku), n in bought.items():
            hw = self.f.hardware[sku]
            price, life = float(hw["list_price_usd"]), float(hw["useful_life_months"])
            capex += n * price
            amort += n * price / max(life, h)
            horizon_capex += n * price * min(h, life) / life
        rec = self.recomputed
        rec.update(
            monthly_opex_usd=opex,
            monthly_capex_amortised_usd=amort,
            monthly_total_usd=opex + amort,
            horizon_tco_usd=opex * h + horizon_capex,
            capex_usd=capex,
            flows_usd_per_month=flow_usd,
        )
        if s.objective == "monthly_cost":
            rec["objective"] = opex + amort
        else:
            extra = 0.0
            if s.objective == "weighted":
                w = s.weights
                extra = sum(
                    w.usd_per_latency_ms * rc.latency
                    + w.usd_per_risk_point * rc.risk
                    + w.usd_per_tonne_co2e * rc.carbon / 1000.0
                    for rc in rcs
                )
            rec["objective"] = (opex + extra) * h + horizon_capex
        if len(rcs) == len(rows):
            self.same(float(objective), rec["objective"], "objective", s.objective, "objective")
            for key, val in rec.items():
                if key != "objective" and key in kpis:
                    self.same(float(kpis[key]), val, "kpi", key, key)


def _max_flow(pools: list[tuple[str, float, dict[str, float]]], caps: dict[str, float]) -> float:
    """Edmonds-Karp on source -> pools -> teams -> sink (capacities in USD)."""
    cap: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for name, supply, teams in pools:
        cap["<src>"]["p:" + name] += supply
        for g, usd in teams.items():
            cap["p:" + name]["t:" + g] += usd
            cap["t:" + g]["<sink>"] = caps.get(g, math.inf)
    total = 0.0
    while True:
        prev: dict[str, str] = {"<src>": ""}
        queue = deque(["<src>"])
        while queue and "<sink>" not in prev:
            node = queue.popleft()
            for nxt, c in list(cap[node].items()):
                if c > 1e-12 and nxt not in prev:
                    prev[nxt] = node
                    queue.append(nxt)
        if "<sink>" not in prev:
            return total
        path, node = [], "<sink>"
        while node != "<src>":
            path.append((prev[node], node))
            node = prev[node]
        push = min(cap[a][b] for a, b in path)
        for a, b in path:
            cap[a][b] -= push
            cap[b][a] += push
        total += push


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x
