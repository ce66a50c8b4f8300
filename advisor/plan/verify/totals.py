"""Totals: monthly opex, amortised capex, horizon TCO and the objective, recomputed.

A box priced P with useful life L costs P / max(L, h) a month over a horizon of h months and
P min(h, L) / L over the horizon (the verifier's own copy of the documented rule).
"""

from __future__ import annotations

from advisor.plan.verify.base import VerifierBase
from advisor.plan.verify.facts import Row


class TotalsChecks(VerifierBase):
    """The plan-level totals and the objective."""

    def totals(
        self, rows: list[Row], bought: dict, flows: dict, objective: float, kpis: dict
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
