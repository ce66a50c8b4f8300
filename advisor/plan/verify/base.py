"""The verifier's state and helpers: tolerances, the violation list, units and targets."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from advisor.options.assumptions import CLOUD_PUE_DEFAULT, WORLD_GCO2E_PER_KWH
from advisor.options.jurisdiction import country_tokens
from advisor.plan.verify.facts import ABS_TOL, Facts, Recomputed, Target, number
from advisor.plan.verify.verdict import Violation

if TYPE_CHECKING:
    from advisor.plan.verify.burst import VPart
    from advisor.schema.scenario import Scenario, Workload


class VerifierBase:
    """Holds the scenario, the facts, the tolerance and what has been found so far."""

    if TYPE_CHECKING:
        # Defined by the check families that ``Verifier`` composes, which call one another;
        # declared here so that mypy checks those calls against the real signatures.
        def unit_part(self, unit: str) -> tuple[Workload, VPart] | None: ...  # BurstChecks
        def part_units(self, w: Workload) -> list[tuple[VPart, str]]: ...  # BurstChecks
        def federated_workload(self, unit: str) -> Workload | None: ...  # FederatedChecks
        def federated_unit_names(self, w: Workload) -> list[str]: ...  # FederatedChecks
        def flow_rate(self, a: str, b: str) -> float: ...  # CouplingChecks
        def rtt_between(  # RowChecks
            self, origin: tuple[float, float, str | None] | None, t: Target
        ) -> tuple[float, str]: ...

    def __init__(self, scn: Scenario, facts: Facts, rel_tol: float):
        self.scn, self.f, self.rel_tol = scn, facts, rel_tol
        self.horizon = float(scn.settings.horizon_months)
        self.violations: list[Violation] = []
        self.checks = 0
        self.recomputed: dict[str, Any] = {}
        self.done: dict[int, Recomputed] = {}
        self.installed: tuple[float, float] = (0.0, 0.0)  # set by ``sites`` (USD, kgCO2e)
        self.risk_class: dict[str, str] = {}  # escalation targets: strictest data they carry

    # -- lifecycle (the verifier's own copy): a box priced P with useful life L is replaced at
    # the end of each life that starts in the horizon h (n = ceil(h / L) purchases) and is
    # worth P (n L - h) / L at the end, so it costs P / L a month and P h / L net; every
    # installed box (owned or bought) draws idle_kw all 730 hours and pays its ops.
    def box_fixed(self, site_id: str, sku: str) -> tuple[float, float]:
        """(USD, kgCO2e) a month of one installed box whether used or not."""
        s, h = self.f.sites[site_id], self.f.hardware[sku]
        kwh = float(h["idle_kw"]) * s.power.pue * 730.0
        t = self.target(f"site:{site_id}")
        assert t is not None, f"site {site_id} is in the facts, so it is a target"
        grid = t.grid
        return kwh * s.power.usd_per_kwh + float(h["ops_usd_per_month"]), kwh * grid / 1000.0

    def installed_fixed(self, bought: dict[tuple[str, str], int]) -> tuple[float, float]:
        """Fixed USD and idle kgCO2e a month of every installed box (inventory + bought)."""
        usd = kg = 0.0
        for s in self.scn.sites:
            inv = {i.sku: i.count for i in s.inventory}
            for sku in set(inv) | {k for (site, k) in bought if site == s.id}:
                if sku not in self.f.hardware:
                    continue
                n = inv.get(sku, 0) + bought.get((s.id, sku), 0)
                one_usd, one_kg = self.box_fixed(s.id, sku)
                usd, kg = usd + n * one_usd, kg + n * one_kg
        return usd, kg

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

    def target(self, code: str) -> Target | None:
        kind, _, rest = code.partition(":")
        if kind == "site":
            s = self.f.sites.get(rest)
            if s is None:
                return None
            grid = s.grid_gco2e_per_kwh
            if grid is None:
                grid = self.f.country_carbon.get(s.country) or WORLD_GCO2E_PER_KWH
            return Target(
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
        grid = number(c.get("gco2e_per_kwh"))
        if grid is None:
            grid = self.f.country_carbon.get(r["country_iso2"], WORLD_GCO2E_PER_KWH)
        pue = number(c.get("pue"))
        tokens = frozenset(x for x in str(r["jurisdictions"]).split(";") if x)
        return Target(
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
