"""The analytic break-even: an 8-GPU server against the equivalent cloud instance.

One workload needs 8 H100 for ``H`` hours a month. On-prem it runs on a bought 8x H100 box,
costed as in ``advisor/options/costing.py`` and ``advisor/milp/formulate.py``:

    capex a month = P x min(horizon, L) / L / horizon      (straight line, months counted)
    power a month = kW x PUE x USD/kWh x H                 (site power by running hours)
    ops a month   = ops_usd_per_month                      (one whole box, share 1)

In cloud it runs on ``p5.48xlarge`` (8x H100) at an overridden on-demand price p:
``p x H`` (no data moves, so egress is 0). Setting both equal gives

    H* = (capex + ops) / (p - kW x PUE x USD/kWh)

and the choice must flip from cloud (H* - eps) to on-prem (H* + eps).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import pytest

import advisor
from advisor.schema import parse_scenario

CLOUD = "aws:eu-north-1"
SITE = "site:dc"


@dataclass(frozen=True)
class Case:
    price_usd: float  # P
    life_months: int  # L
    horizon_months: int
    kw: float
    pue: float
    usd_per_kwh: float
    ops_usd_per_month: float
    cloud_usd_per_hour: float  # p
    sku: str = "hgx-h100-8"  # a catalog SKU re-priced through overrides.hardware

    @property
    def capex_month(self) -> float:
        return (
            self.price_usd
            * min(self.horizon_months, self.life_months)
            / self.life_months
            / (self.horizon_months)
        )

    @property
    def site_per_hour(self) -> float:
        return self.kw * self.pue * self.usd_per_kwh

    @property
    def breakeven_hours(self) -> float:
        return (self.capex_month + self.ops_usd_per_month) / (
            self.cloud_usd_per_hour - self.site_per_hour
        )

    def on_prem_monthly(self, hours: float) -> float:
        return self.capex_month + self.site_per_hour * hours + self.ops_usd_per_month

    def cloud_monthly(self, hours: float) -> float:
        return self.cloud_usd_per_hour * hours


# 180,000 / 60 = 3,000 capex + 1,000 ops; 10 kW x 1.5 x 0.20 = 3/h vs 11/h -> H* = 4,000 / 8 = 500
MAIN = Case(180_000, 60, 36, 10.0, 1.5, 0.2, 1_000, 11.0)
# 240,000 x 24 / 48 / 24 = 5,000 + 500 ops; 6.5 kW x 1.2 x 0.25 = 1.95/h vs 15/h -> H* = 421.46
SHORT_HORIZON = Case(240_000, 48, 24, 6.5, 1.2, 0.25, 500, 15.0)
# horizon beyond life: 180,000 x 60 / 60 / 72 = 2,500 + 1,000; 3/h vs 11/h -> H* = 437.5
LONG_HORIZON = Case(180_000, 60, 72, 10.0, 1.5, 0.2, 1_000, 11.0)
CASES = {"main": MAIN, "short-horizon": SHORT_HORIZON, "horizon-beyond-life": LONG_HORIZON}
EPS_HOURS = 5.0


def build(case: Case, hours: float) -> advisor.Scenario:
    return parse_scenario(
        {
            "name": "breakeven",
            "settings": {"horizon_months": case.horizon_months, "mip_gap": 0.0},
            "sites": [
                {
                    "id": "dc",
                    "kind": "local",
                    "country": "SE",
                    "location": {"lat": 59.33, "lon": 18.07},
                    "power": {"usd_per_kwh": case.usd_per_kwh, "pue": case.pue},
                    "can_buy": [case.sku],
                    "max_buy_per_sku": 1,
                }
            ],
            "clouds": {"providers": ["aws"], "pricing": ["on_demand"], "allow_regions": [CLOUD]},
            "overrides": {
                "hardware": [
                    {
                        "sku": case.sku,
                        "tier": "local",
                        "accelerator": "H100",
                        "accelerator_count": 8,
                        "vcpus": 128,
                        "memory_gb": 2048,
                        "list_price_usd": case.price_usd,
                        "power_kw": case.kw,
                        "rack_units": 8,
                        "useful_life_months": case.life_months,
                        "ops_usd_per_month": case.ops_usd_per_month,
                    }
                ],
                "prices": [
                    {
                        "provider": "aws",
                        "region": "eu-north-1",
                        "instance_type": "p5.48xlarge",
                        "pricing": "on_demand",
                        "usd_per_hour": case.cloud_usd_per_hour,
                    }
                ],
            },
            "workloads": [
                {
                    "id": "trainer",
                    "accelerators": {"count": 8, "types": ["H100"]},
                    "demand": {"replicas": 1, "hours_per_month": hours},
                }
            ],
        }
    )


def solved(scn: advisor.Scenario) -> advisor.Plan:
    plan = advisor.solve(scn, mip_gap=0.0, sensitivity=False)
    assert plan.status == "optimal"
    if importlib.util.find_spec("advisor.plan.verify") is not None:
        from advisor.plan.verify import verify_plan

        check = verify_plan(plan)
        assert check.ok, check.violations
    return plan


def chosen(plan: advisor.Plan) -> dict:
    assert len(plan.assignments) == 1
    return plan.assignments.iloc[0].to_dict()


def test_hand_numbers():
    assert MAIN.breakeven_hours == pytest.approx(500.0)
    assert SHORT_HORIZON.breakeven_hours == pytest.approx(5_500 / 13.05)
    assert LONG_HORIZON.breakeven_hours == pytest.approx(437.5)
    for case in CASES.values():
        assert 50 < case.breakeven_hours < 700
        h = case.breakeven_hours
        assert case.on_prem_monthly(h) == pytest.approx(case.cloud_monthly(h))


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_cloud_below_breakeven(case: Case):
    hours = case.breakeven_hours - EPS_HOURS
    plan = solved(build(case, hours))
    row = chosen(plan)
    assert (row["tier"], row["target"], row["hardware"]) == ("cloud", CLOUD, "p5.48xlarge")
    assert row["compute_usd"] == pytest.approx(case.cloud_monthly(hours))
    assert row["egress_usd"] == pytest.approx(0.0)
    assert row["total_usd"] == pytest.approx(case.cloud_monthly(hours))
    assert plan.kpis["monthly_total_usd"] == pytest.approx(case.cloud_monthly(hours))
    assert plan.objective == pytest.approx(case.horizon_months * case.cloud_monthly(hours))
    assert len(plan.purchases) == 0


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_on_prem_above_breakeven(case: Case):
    hours = case.breakeven_hours + EPS_HOURS
    plan = solved(build(case, hours))
    row = chosen(plan)
    assert (row["tier"], row["target"], row["hardware"]) == ("local", SITE, case.sku)
    assert row["power_usd"] == pytest.approx(case.site_per_hour * hours)
    assert row["ops_usd"] == pytest.approx(case.ops_usd_per_month)
    assert row["opex_usd"] == pytest.approx(case.site_per_hour * hours + case.ops_usd_per_month)
    assert plan.purchases["count"].tolist() == [1]
    assert plan.objective == pytest.approx(case.horizon_months * case.on_prem_monthly(hours))
    assert plan.kpis["horizon_tco_usd"] == pytest.approx(plan.objective)


@pytest.mark.parametrize("case", [MAIN, SHORT_HORIZON], ids=["main", "short-horizon"])
def test_reported_monthly_costs_match_hand_formula(case: Case):
    """Horizon <= life: the plan's monthly figures are the hand formula for both sides."""
    hours = case.breakeven_hours + EPS_HOURS
    plan = solved(build(case, hours))
    row = chosen(plan)
    assert row["capex_usd"] == pytest.approx(case.capex_month)
    assert row["total_usd"] == pytest.approx(case.on_prem_monthly(hours))
    assert plan.kpis["monthly_capex_amortised_usd"] == pytest.approx(case.capex_month)
    assert plan.kpis["monthly_total_usd"] == pytest.approx(case.on_prem_monthly(hours))
    alt = plan.alternatives.set_index("tier").loc["cloud"]
    assert alt["monthly_usd"] == pytest.approx(case.cloud_monthly(hours))
    assert alt["delta_usd"] == pytest.approx(
        case.cloud_monthly(hours) - case.on_prem_monthly(hours)
    )
    assert alt["delta_usd"] > 0


def test_reported_costs_agree_with_choice_when_horizon_exceeds_life():
    case = LONG_HORIZON
    hours = case.breakeven_hours + EPS_HOURS
    plan = solved(build(case, hours))
    assert chosen(plan)["tier"] == "local"
    alt = plan.alternatives.set_index("tier").loc["cloud"]
    assert alt["delta_usd"] >= 0
    assert plan.kpis["monthly_total_usd"] * case.horizon_months == pytest.approx(
        plan.kpis["horizon_tco_usd"]
    )


def test_breakeven_with_own_sku():
    case = Case(180_000, 60, 36, 10.0, 1.5, 0.2, 1_000, 11.0, sku="srv8")
    below = solved(build(case, case.breakeven_hours - EPS_HOURS))
    above = solved(build(case, case.breakeven_hours + EPS_HOURS))
    assert chosen(below)["tier"] == "cloud"
    assert (chosen(above)["tier"], chosen(above)["hardware"]) == ("local", "srv8")


def test_capex_schedule_sums_to_the_horizon_capex_when_the_horizon_outlives_the_box():
    """Report schedule, KPIs and objective share one amortisation convention."""
    from advisor.report.stats import capex_schedule

    scn = advisor.load_scenario(advisor.example_path("eu-insurer")).with_settings(horizon_months=84)
    plan = advisor.solve(scn)
    sched = capex_schedule(plan)
    assert len(plan.purchases) and (plan.purchases["useful_life_months"] < 84).all()
    horizon_capex = plan.kpis["horizon_tco_usd"] - 84 * plan.kpis["monthly_opex_usd"]
    assert sched["amortised_usd"].sum() == pytest.approx(horizon_capex, rel=1e-9)
    assert sched["cash_usd"].sum() == pytest.approx(plan.purchases["capex_usd"].sum())
