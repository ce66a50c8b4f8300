"""The analytic break-even: an 8-GPU server against the equivalent cloud instance.

One workload needs 8 H100 for ``H`` hours a month. On-prem it runs on a bought 8x H100 box,
costed by the lifecycle rules (``advisor/options/lifecycle.py``), written out by hand here:

    capex a month = P / L                    (replaced at end of life, straight-line residual)
    fixed a month = idle_kw x PUE x USD/kWh x 730 + ops     (every hour the box exists)
    busy power    = (typical_kw - idle_kw) x PUE x USD/kWh x H  (the hours it is used)

In cloud it runs on ``p5.48xlarge`` (8x H100) at an overridden on-demand price p:
``p x H`` (no data moves, so egress is 0). Setting both equal gives

    H* = (capex + fixed) / (p - (typical_kw - idle_kw) x PUE x USD/kWh)

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
    kw: float  # nameplate maximum (site caps)
    pue: float
    usd_per_kwh: float
    ops_usd_per_month: float
    cloud_usd_per_hour: float  # p
    sku: str = "hgx-h100-8"  # a catalog SKU re-priced through overrides.hardware
    idle_kw: float = 2.0
    typical_kw: float = 8.0

    @property
    def capex_month(self) -> float:
        return self.price_usd / self.life_months

    @property
    def fixed_month(self) -> float:
        return self.idle_kw * self.pue * self.usd_per_kwh * 730 + self.ops_usd_per_month

    @property
    def site_per_hour(self) -> float:
        return (self.typical_kw - self.idle_kw) * self.pue * self.usd_per_kwh

    @property
    def breakeven_hours(self) -> float:
        return (self.capex_month + self.fixed_month) / (
            self.cloud_usd_per_hour - self.site_per_hour
        )

    def on_prem_monthly(self, hours: float) -> float:
        return self.capex_month + self.fixed_month + self.site_per_hour * hours

    def cloud_monthly(self, hours: float) -> float:
        return self.cloud_usd_per_hour * hours


# 180,000 / 60 = 3,000 capex; fixed 2 kW x 1.5 x 0.20 x 730 = 438 + 1,000 ops;
# busy 6 kW x 1.5 x 0.20 = 1.8/h vs 11/h -> H* = 4,438 / 9.2 = 482.4
MAIN = Case(180_000, 60, 36, 10.0, 1.5, 0.2, 1_000, 11.0)
# 240,000 / 48 = 5,000 + 1.2 kW idle (x 1.2 x 0.25 x 730 = 262.8) + 500 ops;
# busy (5.2 - 1.2) x 1.2 x 0.25 = 1.2/h vs 15/h -> H* = 5,762.8 / 13.8 = 417.6
SHORT_HORIZON = Case(240_000, 48, 24, 6.5, 1.2, 0.25, 500, 15.0, idle_kw=1.2, typical_kw=5.2)
# horizon beyond life: the box is replaced at month 60, so capex stays 3,000 a month (not
# 180,000 spread over 72 months): H* is MAIN's
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
                        "idle_kw": case.idle_kw,
                        "typical_kw": case.typical_kw,
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
    assert MAIN.breakeven_hours == pytest.approx(4_438 / 9.2)
    assert SHORT_HORIZON.breakeven_hours == pytest.approx(5_762.8 / 13.8)
    assert LONG_HORIZON.breakeven_hours == pytest.approx(MAIN.breakeven_hours)
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
    idle_power = case.fixed_month - case.ops_usd_per_month
    assert row["power_usd"] == pytest.approx(case.site_per_hour * hours + idle_power)
    assert row["ops_usd"] == pytest.approx(case.ops_usd_per_month)
    assert row["opex_usd"] == pytest.approx(case.site_per_hour * hours + case.fixed_month)
    assert row["box_share_usd"] == pytest.approx(case.fixed_month)
    assert plan.purchases["count"].tolist() == [1]
    assert plan.objective == pytest.approx(case.horizon_months * case.on_prem_monthly(hours))
    assert plan.kpis["horizon_tco_usd"] == pytest.approx(plan.objective)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_reported_monthly_costs_match_hand_formula(case: Case):
    """Any horizon: the plan's monthly figures are the hand formula for both sides."""
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
    """Report schedule, KPIs and objective share one lifecycle convention: cash for every
    purchase and replacement, less the residual value, is the horizon capex."""
    from advisor.report.stats import capex_schedule

    scn = advisor.load_scenario(advisor.example_path("eu-insurer")).with_settings(horizon_months=84)
    plan = advisor.solve(scn)
    sched = capex_schedule(plan)
    assert len(plan.purchases) and (plan.purchases["useful_life_months"] < 84).all()
    horizon_capex = plan.kpis["horizon_tco_usd"] - 84 * plan.kpis["monthly_opex_usd"]
    assert sched["amortised_usd"].sum() == pytest.approx(horizon_capex, rel=1e-9)
    assert sched["cash_usd"].sum() - sched["residual_usd"].sum() == pytest.approx(horizon_capex)
    assert sched["cash_usd"].sum() == pytest.approx(2 * plan.purchases["capex_usd"].sum())


def test_120_month_horizon_with_60_month_boxes_buys_twice_and_says_so():
    """Done criterion of issue 10: replacement at month 61, no residual at month 120, the
    horizon capex is twice the price, and the report's capex section says so."""
    from advisor.report.stats import capex_schedule
    from advisor.report.write import report_html

    case = Case(180_000, 60, 120, 10.0, 1.5, 0.2, 1_000, 11.0)
    plan = solved(build(case, case.breakeven_hours + EPS_HOURS))
    p = plan.purchases.iloc[0]
    assert (p["count"], p["purchases_in_horizon"], p["purchase_months"]) == (1, 2, "0 60")
    assert p["horizon_capex_gross_usd"] == pytest.approx(360_000)
    assert p["residual_value_usd"] == pytest.approx(0.0)
    assert plan.kpis["horizon_capex_gross_usd"] == pytest.approx(360_000)
    sched = capex_schedule(plan)
    buys = sched[sched["cash_usd"] > 0]
    assert buys["month"].tolist() == [1, 61]
    assert buys["event"].tolist() == ["purchase", "replacement"]
    assert sched["amortised_usd"].sum() == pytest.approx(360_000)
    html = report_html(plan)
    assert "is bought 2 times in the horizon (months 1, 61)" in html


def test_residual_value_when_the_horizon_ends_mid_life():
    """36 months of a 60-month box: bought once, 24/60 of the price left at the end."""
    plan = solved(build(MAIN, MAIN.breakeven_hours + EPS_HOURS))
    p = plan.purchases.iloc[0]
    assert p["purchases_in_horizon"] == 1
    assert p["residual_value_usd"] == pytest.approx(180_000 * 24 / 60)
    net = plan.kpis["horizon_tco_usd"] - 36 * plan.kpis["monthly_opex_usd"]
    assert net == pytest.approx(180_000 - 180_000 * 24 / 60)
