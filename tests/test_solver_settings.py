"""Solver settings: CBC agrees with HiGHS, limits keep their contract, results are deterministic.

The time-limit tests assert the contract, never the timing: a solve under a tiny limit either
returns a plan that says honestly how good it is, or raises :class:`advisor.SolverLimitReached`.
"""

from __future__ import annotations

import importlib.util
import math
import random
from functools import cache

import pytest

import advisor
from advisor.schema import parse_scenario

TEAMS = ("t1", "t2", "t3", "t4")


def verified(plan: advisor.Plan) -> advisor.Plan:
    if importlib.util.find_spec("advisor.plan.verify") is not None:
        from advisor.plan.verify import verify_plan

        check = verify_plan(plan)
        assert check.ok, check.violations
    return plan


@cache
def eu_insurer() -> advisor.Scenario:
    return advisor.load_scenario(advisor.example_path("eu-insurer.yaml"))


@cache
def generated(n: int, seed: int = 7) -> advisor.Scenario:
    """``n`` GPU workloads over three EU sites (shared capacity, power, space) and EU clouds,
    with anti-affinity pairs and budgets scaled to stay feasible."""
    rng = random.Random(seed)
    places = (("DE", 50.1, 8.7), ("FR", 48.9, 2.3), ("NL", 52.4, 4.9))
    sites = [
        {
            "id": f"dc{i}",
            "kind": "local",
            "country": c,
            "location": {"lat": lat, "lon": lon},
            "power": {"max_kw": 60 + 10 * i, "usd_per_kwh": 0.15 + 0.03 * i, "pue": 1.4},
            "space": {"rack_units": 40},
            "inventory": [{"sku": "hgx-h100-8", "count": 1}, {"sku": "l40s-4", "count": 2}],
            "can_buy": ["hgx-h100-8", "l40s-4", "l4-2", "a100-80gb-8"],
            "max_buy_per_sku": 6,
        }
        for i, (c, lat, lon) in enumerate(places)
    ]
    workloads = [
        {
            "id": f"w{j}",
            "team": rng.choice(TEAMS),
            "accelerators": {
                "count": rng.choice([1, 1, 2, 4, 8]),
                "min_memory_gb": rng.choice([16, 24, 40]),
            },
            "demand": {
                "replicas": rng.randint(1, 3),
                "hours_per_month": rng.choice([200, 400, 730]),
            },
            "interruptible": rng.random() < 0.3,
            "data": {
                "classification": rng.choice(["internal", "confidential", "pii"]),
                "residency": ["EU"],
                "egress_gb_per_month": rng.choice([0, 50, 500]),
            },
        }
        for j in range(n)
    ]
    return parse_scenario(
        {
            "name": f"generated-{n}",
            "settings": {"mip_gap": 0.0},
            "sites": sites,
            "clouds": {"providers": ["aws", "azure", "gcp"]},
            "workloads": workloads,
            "placement_rules": [
                {"kind": "anti_affinity", "workloads": [f"w{2 * k}", f"w{2 * k + 1}"]}
                for k in range(n // 10)
            ],
            "budgets": [{"scope": "all", "capex_usd_max": 15_000 * n}]
            + [{"scope": f"team:{t}", "opex_usd_per_month_max": 4_000 * n} for t in TEAMS],
        }
    )


def assert_solver_facts(plan: advisor.Plan, mip_gap: float) -> None:
    """status, objective, best_bound and gap are present and consistent."""
    assert plan.status in ("optimal", "feasible")
    assert plan.proven_optimal is (plan.status == "optimal")
    assert isinstance(plan.objective, float) and math.isfinite(plan.objective)
    assert plan.best_bound is not None and math.isfinite(plan.best_bound)
    assert plan.gap is not None and plan.gap >= 0
    assert plan.best_bound <= plan.objective * (1 + 1e-9) + 1e-6
    if plan.status == "optimal":
        assert plan.gap <= mip_gap + 1e-9
    record = plan.to_dict()
    for key in ("status", "proven_optimal", "objective", "best_bound", "gap", "solver"):
        assert key in record
        assert record[key] is not None
    assert record["proven_optimal"] is plan.proven_optimal


# --- CBC against HiGHS -------------------------------------------------------------------------
def test_cbc_gives_the_highs_objective_on_eu_insurer():
    highs = verified(advisor.solve(eu_insurer(), mip_gap=0.0, sensitivity=False))
    cbc = verified(advisor.solve(eu_insurer(), solver="cbc", mip_gap=0.0, sensitivity=False))
    assert (highs.solver, cbc.solver) == ("highs", "cbc")
    assert highs.status == cbc.status == "optimal"
    assert cbc.objective == pytest.approx(highs.objective, rel=1e-7)
    assert cbc.kpis["monthly_total_usd"] == pytest.approx(highs.kpis["monthly_total_usd"], rel=1e-7)


def test_scenario_solver_setting_is_used_and_the_argument_overrides_it():
    scn = eu_insurer()
    as_cbc = scn.model_copy(update={"settings": scn.settings.model_copy(update={"solver": "cbc"})})
    assert advisor.solve(as_cbc, sensitivity=False).solver == "cbc"
    assert advisor.solve(as_cbc, solver="highs", sensitivity=False).solver == "highs"


def test_unknown_solver_name_is_rejected():
    with pytest.raises((ValueError, advisor.AdvisorError)):
        advisor.solve(eu_insurer(), solver="gurobi", sensitivity=False)


# --- status, bound and gap ---------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_status_objective_bound_and_gap_are_always_reported(solver: str):
    plan = verified(advisor.solve(eu_insurer(), solver=solver, mip_gap=0.0, sensitivity=False))
    assert_solver_facts(plan, mip_gap=0.0)
    assert plan.status == "optimal"
    assert plan.best_bound == pytest.approx(plan.objective, rel=1e-6)


@pytest.mark.parametrize(
    "solver",
    [
        "highs",
    ],
)
def test_a_loose_gap_reports_a_valid_bound(solver: str):
    """With mip_gap 5% the solver may stop early; its bound must still be <= the optimum."""
    scn = generated(60)
    exact = advisor.solve(scn, mip_gap=0.0, sensitivity=False)
    loose = verified(advisor.solve(scn, solver=solver, mip_gap=0.05, sensitivity=False))
    assert_solver_facts(loose, mip_gap=0.05)
    assert exact.objective <= loose.objective * (1 + 1e-9)
    assert loose.best_bound <= exact.objective * (1 + 1e-9)
    assert loose.gap >= (loose.objective - exact.objective) / loose.objective - 1e-9


@pytest.mark.parametrize("time_limit_s", [0.001, 0.1])
def test_tiny_time_limit_keeps_the_contract(time_limit_s: float):
    try:
        plan = advisor.solve(generated(300), time_limit_s=time_limit_s, sensitivity=False)
    except advisor.SolverLimitReached as stop:
        assert "time_limit_s" in str(stop)
        return
    verified(plan)
    assert_solver_facts(plan, mip_gap=0.0)
    if plan.status == "feasible":
        assert plan.to_dict()["proven_optimal"] is False
        assert plan.to_dict()["gap"] == pytest.approx(plan.gap, abs=1e-6)


# --- determinism -------------------------------------------------------------------------------
def test_same_scenario_gives_byte_identical_plan_json():
    first = advisor.solve(eu_insurer())
    second = advisor.solve(eu_insurer())
    assert first.to_json() == second.to_json()
    assert first.to_json().encode() == second.to_json().encode()


def test_generated_scenario_is_deterministic_too():
    first = advisor.solve(generated(60), sensitivity=False)
    second = advisor.solve(generated(60), sensitivity=False)
    assert first.to_json() == second.to_json()


def test_cbc_never_invents_a_bound_at_a_loose_gap():
    """CBC through PuLP exposes no dual bound: with mip_gap > 0 the plan says so (None)."""
    plan = advisor.solve(generated(60), solver="cbc", mip_gap=0.05, sensitivity=False)
    assert plan.best_bound is None and plan.gap is None
