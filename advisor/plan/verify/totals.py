"""Totals: monthly opex, amortised capex, horizon TCO and the objective, recomputed.

A box priced P with useful life L is bought ceil(h / L) times over a horizon of h months
and is worth P (n L - h) / L at its end, so it costs P / L a month and P h / L net over the
horizon; every installed box pays idle power and ops (the verifier's own copy of the rule).
"""

from __future__ import annotations

import math

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
        idle_usd = self.installed[0] - sum(rc.fixed_share for rc in rcs)
        opex = sum(rc.opex for rc in rcs) + flow_usd + idle_usd
        capex = amort = horizon_capex = gross = residual = 0.0
        for (_, sku), n in bought.items():
            hw = self.f.hardware[sku]
            price, life = float(hw["list_price_usd"]), float(hw["useful_life_months"])
            times = math.ceil(h / life - 1e-9)
            capex += n * price
            amort += n * price / life
            gross += n * price * times
            residual += n * price * (times * life - h) / life
            horizon_capex += n * price * times - n * price * (times * life - h) / life
        rec = self.recomputed
        rec.update(
            monthly_opex_usd=opex,
            monthly_capex_amortised_usd=amort,
            monthly_total_usd=opex + amort,
            horizon_tco_usd=opex * h + horizon_capex,
            capex_usd=capex,
            horizon_capex_gross_usd=gross,
            residual_value_usd=residual,
            monthly_idle_capacity_usd=idle_usd,
            flows_usd_per_month=flow_usd,
        )
        if s.objective == "monthly_cost":
            rec["objective"] = opex + amort
        else:
            extra = 0.0
            if s.objective == "weighted":
                w = s.weights
                extra = (
                    sum(
                        w.usd_per_latency_ms * rc.latency + w.usd_per_risk_point * rc.risk
                        for rc in rcs
                    )
                    + w.usd_per_tonne_co2e * rec["carbon_kg_per_month"] / 1000.0
                )
            rec["objective"] = (opex + extra) * h + horizon_capex
        if len(rcs) == len(rows):
            self.same(float(objective), rec["objective"], "objective", s.objective, "objective")
            for key, val in rec.items():
                if key != "objective" and key in kpis:
                    self.same(float(kpis[key]), val, "kpi", key, key)
