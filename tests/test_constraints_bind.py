"""Every constraint family binds somewhere: solve without the limit, then with it, and check
that the answer changes exactly as a hand calculation says it must.

Shared numbers (horizon 36 months, so a 60-month box is amortised over the months counted):

* one 8x H100 box (``hgx-h100-8`` re-priced by ``overrides.hardware``): USD 120,000, 10 kW
  (idle 0, typical 10 kW, so an installed box costs nothing while idle), 8 U, 60 months, no
  ops cost -> capex 120,000 / 60 = USD 2,000 a month (lifecycle: P / L);
* site power 10 kW x PUE 1.5 x USD 0.20/kWh = USD 3.00 per running hour;
* the equivalent cloud box (``p5.48xlarge``, on-demand only) re-priced to USD 20.00 an hour.

Every workload needs one whole box (8 accelerators, one replica) and sends no data, so
egress is zero and a month costs ``hours x rate`` (+ capex when a box is bought).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

import advisor
from advisor.catalog import Catalog
from advisor.milp import SolverSettings, solver
from advisor.milp.constraints import FAMILIES, assignment
from advisor.milp.formulate import formulate
from advisor.milp.model import build
from advisor.options import build_options
from advisor.schema import parse_scenario
from advisor.schema.load import catalog_for
from advisor.schema.scenario import Scenario

HORIZON = 36
BOX = "hgx-h100-8"
BOX_PRICE = 120_000.0
BOX_KW = 10.0
BOX_LIFE = 60
CAPEX_MONTH = BOX_PRICE / BOX_LIFE  # 2,000
PUE = 1.5
USD_PER_KWH = 0.2
SITE_PER_HOUR = BOX_KW * PUE * USD_PER_KWH  # 3.00
CLOUD_PER_HOUR = 20.0
NORTH = "aws:eu-north-1"
LONDON = "aws:eu-west-2"
DC = "site:dc"


# --- scenario builders -------------------------------------------------------------------------
def box_override(**changes: Any) -> dict:
    row = {
        "sku": BOX,
        "tier": "local",
        "accelerator": "H100",
        "accelerator_count": 8,
        "vcpus": 128,
        "memory_gb": 1024,
        "list_price_usd": BOX_PRICE,
        "power_kw": BOX_KW,
        "idle_kw": 0.0,
        "typical_kw": BOX_KW,
        "rack_units": 8,
        "useful_life_months": BOX_LIFE,
        "ops_usd_per_month": 0.0,
    }
    return {**row, **changes}


def site(site_id: str = "dc", *, owned: int = 0, buy: int = 4, **extra: Any) -> dict:
    """A Stockholm site with ``owned`` boxes and up to ``buy`` more purchasable."""
    power = {"usd_per_kwh": USD_PER_KWH, "pue": PUE}
    power.update(extra.pop("power", {}))
    out = {
        "id": site_id,
        "kind": "local",
        "country": "SE",
        "location": {"lat": 59.33, "lon": 18.07},
        "power": power,
        "can_buy": [BOX] if buy else [],
        "max_buy_per_sku": buy,
        "inventory": [{"sku": BOX, "count": owned}] if owned else [],
    }
    out.update(extra)
    return out


def gpu8(wid: str, hours: float = 730.0, **extra: Any) -> dict:
    """A workload that needs one whole 8x H100 box for ``hours`` a month."""
    return {
        "id": wid,
        "accelerators": {"count": 8, "types": ["H100"]},
        "demand": {"replicas": 1, "hours_per_month": hours},
        **extra,
    }


def price(code: str, usd_per_hour: float, instance_type: str | None = "p5.48xlarge") -> dict:
    provider, region = code.split(":")
    row = {
        "provider": provider,
        "region": region,
        "pricing": "on_demand",
        "usd_per_hour": usd_per_hour,
    }
    if instance_type:
        row["instance_type"] = instance_type
    return row


def scenario(
    workloads: list[dict],
    *,
    sites: tuple[dict, ...] = (),
    regions: tuple[str, ...] = (NORTH,),
    prices: tuple[dict, ...] | None = None,
    **sections: Any,
) -> Scenario:
    providers = sorted({r.split(":")[0] for r in regions})
    data = {
        "name": "binding",
        "settings": {"horizon_months": HORIZON, "mip_gap": 0.0},
        "sites": list(sites),
        "clouds": {
            "providers": providers,
            "pricing": ["on_demand"],
            "allow_regions": list(regions),
        },
        "overrides": {
            "hardware": [box_override()],
            "prices": list(prices if prices is not None else [price(NORTH, CLOUD_PER_HOUR)]),
        },
        "workloads": workloads,
        **sections,
    }
    return parse_scenario(data)


# --- solving and reading plans ------------------------------------------------------------------
def verified(plan: advisor.Plan) -> advisor.Plan:
    """Run the independent verifier on ``plan`` when it is available."""
    if importlib.util.find_spec("advisor.plan.verify") is None:
        return plan
    from advisor.plan.verify import verify_plan

    check = verify_plan(plan)
    assert check.ok, check.violations
    return plan


def solved(scn: Scenario) -> advisor.Plan:
    plan = advisor.solve(scn, mip_gap=0.0, sensitivity=False)
    assert plan.status == "optimal"
    return verified(plan)


def where(plan: advisor.Plan) -> dict[str, str]:
    """unit -> target."""
    return dict(zip(plan.assignments["unit"], plan.assignments["target"], strict=True))


def bought(plan: advisor.Plan) -> int:
    return int(plan.purchases["count"].sum()) if len(plan.purchases) else 0


def objective(*monthly: float, boxes: int = 0) -> float:
    """TCO objective: months x monthly opex + amortised-over-horizon capex of bought boxes."""
    return HORIZON * sum(monthly) + boxes * CAPEX_MONTH * HORIZON


def local(hours: float) -> float:
    return SITE_PER_HOUR * hours


def cloud(hours: float, rate: float = CLOUD_PER_HOUR) -> float:
    return rate * hours


# --- the meta-test ------------------------------------------------------------------------------
def test_every_family_has_a_binding_test():
    names = [f.__name__ for f in FAMILIES]
    assert len(names) == len(set(names))
    tests = {name for name, obj in globals().items() if name.startswith("test_") and callable(obj)}
    missing = [n for n in names if f"test_binds_{n}" not in tests]
    assert not missing, f"constraint families without a binding test: {missing}"


def test_every_family_states_its_math():
    for family in FAMILIES:
        assert family.__doc__ and "=" in family.__doc__, family.__name__


# --- assignment ---------------------------------------------------------------------------------
def test_binds_assignment(monkeypatch):
    """Without assign[u] the cheapest 'plan' places nothing; with it each unit gets one option."""
    scn = scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(),))
    opts = build_options(scn, catalog_for(scn))
    problem = formulate(scn, opts)
    settings = SolverSettings(mip_gap=0.0)
    with_rule, _ = solver.run(problem, settings)
    without_assign = tuple(f for f in FAMILIES if f is not assignment)
    monkeypatch.setattr(solver, "build", lambda p, e=False: build(p, e, families=without_assign))
    without, _ = solver.run(problem, settings)
    assert without.status == "optimal"
    assert without.chosen == () and without.objective == pytest.approx(0.0, abs=1e-6)
    units = problem.options["unit"].iloc[list(with_rule.chosen)]
    assert sorted(units) == ["w1", "w2"]
    # both local on bought boxes: 2 x 2,000 capex + 3 x (730 + 400) power a month
    assert with_rule.objective == pytest.approx(objective(local(730), local(400), boxes=2))


# --- site capacity ------------------------------------------------------------------------------
def test_binds_site_capacity():
    """Two owned boxes hold both workloads; one owned box (none to buy) holds only one."""
    free = solved(scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(owned=2, buy=0),)))
    assert where(free) == {"w1": DC, "w2": DC}
    assert free.objective == pytest.approx(objective(local(730), local(400)))
    tight = solved(scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(owned=1, buy=0),)))
    # moving w1 to cloud would cost (20 - 3) x 730 = 12,410; w2 only (20 - 3) x 400 = 6,800
    assert where(tight) == {"w1": DC, "w2": NORTH}
    assert tight.objective == pytest.approx(objective(local(730), cloud(400)))
    usage = tight.site_usage.set_index("site")
    assert usage.at["dc", "accelerators_used"] == usage.at["dc", "accelerators_installed"] == 8


def test_binds_site_capacity_through_max_buy():
    free = solved(scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(buy=4),)))
    assert where(free) == {"w1": DC, "w2": DC} and bought(free) == 2
    tight = solved(scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(buy=1),)))
    assert where(tight) == {"w1": DC, "w2": NORTH} and bought(tight) == 1
    assert tight.objective == pytest.approx(objective(local(730), cloud(400), boxes=1))


# --- site power and space -----------------------------------------------------------------------
def test_binds_site_power():
    """A 12 kW cap allows one 10 kW box, so the workload that saves less goes to cloud."""
    free = solved(scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(),)))
    assert where(free) == {"w1": DC, "w2": DC} and bought(free) == 2
    capped = solved(
        scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(power={"max_kw": 12}),))
    )
    assert where(capped) == {"w1": DC, "w2": NORTH} and bought(capped) == 1
    assert capped.objective == pytest.approx(objective(local(730), cloud(400), boxes=1))
    assert capped.site_usage.set_index("site").at["dc", "kw_installed"] == pytest.approx(10.0)


def test_binds_site_power_with_owned_box_counted():
    """Owned boxes draw power too: 1 owned (10 kW) under an 18 kW cap leaves no room to buy."""
    scn = scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(owned=1, power={"max_kw": 18}),))
    plan = solved(scn)
    assert where(plan) == {"w1": DC, "w2": NORTH} and bought(plan) == 0


def test_binds_site_space():
    """12 free rack units hold one 8 U box."""
    free = solved(scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(),)))
    assert bought(free) == 2
    tight = solved(
        scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(space={"rack_units": 12}),))
    )
    assert where(tight) == {"w1": DC, "w2": NORTH} and bought(tight) == 1
    assert tight.site_usage.set_index("site").at["dc", "rack_units_installed"] == 8


# --- budgets ------------------------------------------------------------------------------------
CHEAP_CLOUD = 5.0  # 5 x 730 = 3,650 a month, below local 2,000 + 3 x 730 = 4,190 but all opex


def test_binds_budgets():
    """An opex cap (all) below cloud's 3,650 forces the capex-heavy local box (opex 2,190)."""
    cheap = (price(NORTH, CHEAP_CLOUD),)
    free = solved(scenario([gpu8("w1", 730)], sites=(site(),), prices=cheap))
    assert where(free) == {"w1": NORTH}
    assert free.kpis["monthly_opex_usd"] == pytest.approx(cloud(730, CHEAP_CLOUD))
    capped = solved(
        scenario(
            [gpu8("w1", 730)],
            sites=(site(),),
            prices=cheap,
            budgets=[{"scope": "all", "opex_usd_per_month_max": 3000}],
        )
    )
    assert where(capped) == {"w1": DC} and bought(capped) == 1
    use = capped.budget_usage.set_index(["scope", "kind"])
    assert use.at[("all", "opex"), "used_usd"] == pytest.approx(local(730))  # 2,190


def test_binds_budgets_opex_team():
    """Only team a is capped: its workload goes local, team b's identical one stays in cloud."""
    cheap = (price(NORTH, CHEAP_CLOUD),)
    workloads = [gpu8("wa", 730, team="a"), gpu8("wb", 730, team="b")]
    free = solved(scenario(workloads, sites=(site(),), prices=cheap))
    assert where(free) == {"wa": NORTH, "wb": NORTH}
    capped = solved(
        scenario(
            workloads,
            sites=(site(),),
            prices=cheap,
            budgets=[{"scope": "team:a", "opex_usd_per_month_max": 3000}],
        )
    )
    assert where(capped) == {"wa": DC, "wb": NORTH}
    assert capped.objective == pytest.approx(
        objective(local(730), cloud(730, CHEAP_CLOUD), boxes=1)
    )


def test_binds_budgets_capex_all():
    """A 150,000 capex cap buys one 120,000 box."""
    workloads = [gpu8("w1", 730), gpu8("w2", 400)]
    free = solved(scenario(workloads, sites=(site(),)))
    assert bought(free) == 2
    capped = solved(
        scenario(workloads, sites=(site(),), budgets=[{"scope": "all", "capex_usd_max": 150_000}])
    )
    assert where(capped) == {"w1": DC, "w2": NORTH} and bought(capped) == 1
    assert capped.kpis["capex_usd"] == pytest.approx(BOX_PRICE)


def test_binds_budgets_capex_team():
    """Team a may spend 100,000 < one box, so its workload (the one that saves more) moves."""
    workloads = [gpu8("wa", 730, team="a"), gpu8("wb", 400, team="b")]
    free = solved(scenario(workloads, sites=(site(),)))
    assert where(free) == {"wa": DC, "wb": DC}
    capped = solved(
        scenario(
            workloads, sites=(site(),), budgets=[{"scope": "team:a", "capex_usd_max": 100_000}]
        )
    )
    assert where(capped) == {"wa": NORTH, "wb": DC} and bought(capped) == 1
    assert capped.objective == pytest.approx(objective(cloud(730), local(400), boxes=1))
    use = capped.budget_usage.set_index(["scope", "kind"])
    assert use.at[("team:a", "capex"), "used_usd"] == pytest.approx(0.0)


def test_team_capex_pools_the_owned_box_to_the_capped_team():
    """One owned + one bought box: the team with zero capex must get the owned one."""
    workloads = [gpu8("wa", 730, team="a"), gpu8("wb", 400, team="b")]
    plan = solved(
        scenario(
            workloads,
            sites=(site(owned=1),),
            budgets=[
                {"scope": "team:a", "capex_usd_max": 0},
                {"scope": "team:b", "capex_usd_max": BOX_PRICE},
            ],
        )
    )
    assert where(plan) == {"wa": DC, "wb": DC} and bought(plan) == 1
    use = plan.budget_usage.set_index(["scope", "kind"])["used_usd"]
    assert use[("team:a", "capex")] == pytest.approx(0.0)
    assert use[("team:b", "capex")] == pytest.approx(BOX_PRICE)


# --- placement rules ----------------------------------------------------------------------------
def test_binds_ha_spread():
    """Two replica groups may not share the site even though it has two free owned boxes."""
    single = solved(scenario([gpu8("svc", 730)], sites=(site(owned=2, buy=0),)))
    assert where(single) == {"svc": DC}
    ha = solved(scenario([gpu8("svc", 730, ha={"groups": 2})], sites=(site(owned=2, buy=0),)))
    placed = where(ha)
    assert set(placed) == {"svc#1", "svc#2"}
    assert sorted(placed.values()) == sorted([DC, NORTH])
    assert ha.objective == pytest.approx(objective(local(730), cloud(730)))


def test_binds_ha_spread_across_two_sites():
    """With a second site the groups spread over both sites instead of using cloud."""
    sites = (site(owned=2, buy=0), site("dc2", owned=1, buy=0, power={"usd_per_kwh": 0.4}))
    plan = solved(scenario([gpu8("svc", 730, ha={"groups": 2})], sites=sites))
    assert sorted(where(plan).values()) == [DC, "site:dc2"]
    assert plan.objective == pytest.approx(objective(local(730), 2 * local(730)))


def test_binds_anti_affinity():
    workloads = [gpu8("w1", 730), gpu8("w2", 400)]
    free = solved(scenario(workloads, sites=(site(owned=2, buy=0),)))
    assert where(free) == {"w1": DC, "w2": DC}
    apart = solved(
        scenario(
            workloads,
            sites=(site(owned=2, buy=0),),
            placement_rules=[{"kind": "anti_affinity", "workloads": ["w1", "w2"]}],
        )
    )
    assert where(apart) == {"w1": DC, "w2": NORTH}
    assert apart.objective == pytest.approx(objective(local(730), cloud(400)))


def test_binds_colocate():
    """Apart, w2 (100 h) is cheaper in cloud (2,000) than on a new box (2,000 + 300);
    together, buying that box (+300) beats moving w1 to cloud (+12,410)."""
    workloads = [gpu8("w1", 730), gpu8("w2", 100)]
    apart = solved(scenario(workloads, sites=(site(owned=1),)))
    assert where(apart) == {"w1": DC, "w2": NORTH} and bought(apart) == 0
    together = solved(
        scenario(
            workloads,
            sites=(site(owned=1),),
            placement_rules=[{"kind": "colocate", "workloads": ["w1", "w2"]}],
        )
    )
    assert where(together) == {"w1": DC, "w2": DC} and bought(together) == 1
    assert together.objective == pytest.approx(objective(local(730), local(100), boxes=1))


# --- flows --------------------------------------------------------------------------------------
# GCP: a3-*-8g boxes in Frankfurt (europe-west3) at 11/h and Finland (europe-north1) at 10/h;
# the producer must stay in Germany. Same-provider inter-region transfer: USD 0.02/GB.
FRANKFURT, FINLAND = "gcp:europe-west3", "gcp:europe-north1"
GCP_PRICES = (price(FRANKFURT, 11.0, None), price(FINLAND, 10.0, None))
GCP_INTER_REGION = 0.02


def _flow_scenario(gb: float | None, prices=GCP_PRICES, regions=(FRANKFURT, FINLAND)) -> Scenario:
    producer = gpu8("producer", 730, data={"residency": ["DE"]})
    flows = (
        [{"from_workload": "producer", "to_workload": "consumer", "gb_per_month": gb}] if gb else []
    )
    return scenario([producer, gpu8("consumer", 730)], regions=regions, prices=prices, flows=flows)


def test_binds_flows():
    """Finland saves the consumer 730/month; 100,000 GB x 0.02 = 2,000 pulls it to Frankfurt."""
    alone = solved(_flow_scenario(None))
    assert where(alone) == {"producer": FRANKFURT, "consumer": FINLAND}
    heavy = solved(_flow_scenario(100_000))
    assert where(heavy) == {"producer": FRANKFURT, "consumer": FRANKFURT}
    assert heavy.kpis["flows_usd_per_month"] == pytest.approx(0.0)
    assert heavy.objective == pytest.approx(objective(cloud(730, 11), cloud(730, 11)))


def test_binds_flows_light_flow_is_paid_not_moved():
    """10,000 GB x 0.02 = 200 < 730: the consumer stays in Finland and the flow is charged."""
    light = solved(_flow_scenario(10_000))
    assert where(light) == {"producer": FRANKFURT, "consumer": FINLAND}
    assert light.kpis["flows_usd_per_month"] == pytest.approx(10_000 * GCP_INTER_REGION)
    assert light.objective == pytest.approx(
        objective(cloud(730, 11), cloud(730, 10), 10_000 * GCP_INTER_REGION)
    )


def test_binds_flows_between_aws_regions():
    """Same test on AWS (London 11/h, Stockholm 10/h, inter-region 0.02/GB)."""
    prices = (price(LONDON, 11.0), price(NORTH, 10.0))
    producer = gpu8("producer", 730, data={"residency": ["GB"]})
    heavy = solved(
        scenario(
            [producer, gpu8("consumer", 730)],
            regions=(LONDON, NORTH),
            prices=prices,
            flows=[
                {"from_workload": "producer", "to_workload": "consumer", "gb_per_month": 100_000}
            ],
        )
    )
    assert where(heavy) == {"producer": LONDON, "consumer": LONDON}


# --- flow round trips --------------------------------------------------------------------------
def _rtt_scenario(max_rtt_ms: float | None) -> Scenario:
    producer = gpu8("producer", 730, data={"residency": ["DE"]})
    flow = {"from_workload": "producer", "to_workload": "consumer", "gb_per_month": 1.0}
    if max_rtt_ms is not None:
        flow["max_rtt_ms"] = max_rtt_ms
    return scenario(
        [producer, gpu8("consumer", 730)],
        regions=(FRANKFURT, FINLAND),
        prices=GCP_PRICES,
        flows=[flow],
    )


def test_binds_flow_latency():
    """Finland saves the consumer 730/month and 1 GB costs 0.02; a round trip of at most
    5 ms (Frankfurt -> Helsinki is tens of ms, one region is the LAN value) forbids it."""
    free = solved(_rtt_scenario(None))
    assert where(free) == {"producer": FRANKFURT, "consumer": FINLAND}
    assert not len(free.problem.flow_rtt)  # no limit, no round trips computed
    near = solved(_rtt_scenario(5.0))
    rtt = near.problem.flow_rtt.set_index(["src", "dst"])["rtt_ms"]
    far = rtt.loc[(FRANKFURT, FINLAND)]
    assert far > 5.0 >= rtt.loc[(FRANKFURT, FRANKFURT)]
    assert where(near) == {"producer": FRANKFURT, "consumer": FRANKFURT}
    assert near.objective == pytest.approx(objective(cloud(730, 11), cloud(730, 11)))
    loose = solved(_rtt_scenario(float(far) + 1.0))
    assert where(loose) == {"producer": FRANKFURT, "consumer": FINLAND}


# --- plan-wide caps -----------------------------------------------------------------------------
PHI_ANY_CLOUD = {"phi": {"allowed_tiers": ["local", "cloud"], "cloud_requires": []}}


def test_binds_risk_cap():
    """PHI risk: weight 8 x exposure (local 0.1, cloud 1.0) x controls (p5 on AWS: cmk 0.8,
    BAA 1.0) x volume 1 -> local 0.8, cloud 6.4. A cap of 1.0 moves PHI off cloud."""
    cheap = (price(NORTH, CHEAP_CLOUD),)
    phi = gpu8("claims", 730, data={"classification": "phi"})
    free = solved(scenario([phi], sites=(site(),), prices=cheap, policies=PHI_ANY_CLOUD))
    assert where(free) == {"claims": NORTH}
    assert free.kpis["privacy_risk"] == pytest.approx(8 * 1.0 * 0.8)
    capped = solved(
        scenario(
            [phi],
            sites=(site(),),
            prices=cheap,
            policies=PHI_ANY_CLOUD,
            limits={"privacy_risk_max": 1.0},
        )
    )
    assert where(capped) == {"claims": DC}
    assert capped.kpis["privacy_risk"] == pytest.approx(8 * 0.1)
    assert capped.objective == pytest.approx(objective(local(730), boxes=1))


def _cloud_kg(code: str, hours: float) -> float:
    """kgCO2e of one p5.48xlarge: 8 x (700 W TDP + 150 W host) x hours x PUE x grid."""
    carbon = Catalog.load().carbon
    provider, region = code.split(":")
    row = carbon[(carbon["provider"] == provider) & (carbon["region"] == region)].iloc[0]
    return 8 * (700 + 150) / 1000 * hours * row["pue"] * row["gco2e_per_kwh"] / 1000


def test_binds_carbon_cap():
    """London is cheaper (18/h) but ~1,070 kg a month; Stockholm ~135 kg. A 500 kg cap moves it."""
    prices = (price(LONDON, 18.0), price(NORTH, 20.0))
    regions = (LONDON, NORTH)
    assert _cloud_kg(NORTH, 730) < 500 < _cloud_kg(LONDON, 730)
    free = solved(scenario([gpu8("w1", 730)], regions=regions, prices=prices))
    assert where(free) == {"w1": LONDON}
    assert free.kpis["carbon_kg_per_month"] == pytest.approx(_cloud_kg(LONDON, 730))
    capped = solved(
        scenario(
            [gpu8("w1", 730)],
            regions=regions,
            prices=prices,
            limits={"carbon_kg_per_month_max": 500},
        )
    )
    assert where(capped) == {"w1": NORTH}
    assert capped.kpis["carbon_kg_per_month"] == pytest.approx(_cloud_kg(NORTH, 730))


def test_binds_carbon_cap_between_sites():
    """Own grids: coal 800 g at 0.10/kWh vs hydro 20 g at 0.20/kWh; 10 kW x 1.5 x 730 h =
    10,950 kWh -> 8,760 kg vs 219 kg. A 1,000 kg cap moves the box to hydro."""
    sites = (
        site("coal", owned=1, buy=0, grid_gco2e_per_kwh=800, power={"usd_per_kwh": 0.1}),
        site("hydro", owned=1, buy=0, grid_gco2e_per_kwh=20),
    )
    kwh = BOX_KW * PUE * 730
    free = solved(scenario([gpu8("w1", 730)], sites=sites))
    assert where(free) == {"w1": "site:coal"}
    assert free.kpis["carbon_kg_per_month"] == pytest.approx(kwh * 0.8)
    capped = solved(
        scenario([gpu8("w1", 730)], sites=sites, limits={"carbon_kg_per_month_max": 1000})
    )
    assert where(capped) == {"w1": "site:hydro"}
    assert capped.kpis["carbon_kg_per_month"] == pytest.approx(kwh * 0.02)
    assert capped.objective == pytest.approx(objective(kwh * 0.2))
