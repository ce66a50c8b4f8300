"""Explanations of a plan, and of scenarios that have no plan.

Infeasible scenarios use the same round numbers as ``test_constraints_bind.py``: an 8x H100
box (``hgx-h100-8`` re-priced) draws 10 kW; ``p5.48xlarge`` costs USD 20.00 an hour.
"""

from __future__ import annotations

import importlib.util
from functools import cache

import pytest

import advisor
from advisor.errors import Conflict
from advisor.schema import parse_scenario

BOX = "hgx-h100-8"
BOX_KW = 10.0
CLOUD_PER_HOUR = 20.0


@cache
def eu_insurer_plan() -> advisor.Plan:
    plan = advisor.solve(
        advisor.load_scenario(advisor.example_path("eu-insurer.yaml")), sensitivity=False
    )
    if importlib.util.find_spec("advisor.plan.verify") is not None:
        from advisor.plan.verify import verify_plan

        check = verify_plan(plan)
        assert check.ok, check.violations
    return plan


def scenario(
    workloads: list[dict], *, max_kw: float | None = None, with_site: bool = True, **sections
) -> advisor.Scenario:
    power = {"usd_per_kwh": 0.2, "pue": 1.5}
    if max_kw is not None:
        power["max_kw"] = max_kw
    sites = (
        [
            {
                "id": "dc",
                "kind": "local",
                "country": "SE",
                "location": {"lat": 59.33, "lon": 18.07},
                "power": power,
                "can_buy": [BOX],
                "max_buy_per_sku": 4,
            }
        ]
        if with_site
        else []
    )
    return parse_scenario(
        {
            "name": "explain",
            "settings": {"mip_gap": 0.0},
            "sites": sites,
            "clouds": {
                "providers": ["aws"],
                "pricing": ["on_demand"],
                "allow_regions": ["aws:eu-north-1"],
            },
            "overrides": {
                "hardware": [
                    {
                        "sku": BOX,
                        "tier": "local",
                        "accelerator": "H100",
                        "accelerator_count": 8,
                        "vcpus": 128,
                        "memory_gb": 1024,
                        "list_price_usd": 120_000,
                        "power_kw": BOX_KW,
                        "rack_units": 8,
                        "useful_life_months": 60,
                    }
                ],
                "prices": [
                    {
                        "provider": "aws",
                        "region": "eu-north-1",
                        "instance_type": "p5.48xlarge",
                        "pricing": "on_demand",
                        "usd_per_hour": CLOUD_PER_HOUR,
                    }
                ],
            },
            "workloads": workloads,
            **sections,
        }
    )


def gpu8(wid: str, hours: float = 730.0, **extra) -> dict:
    return {
        "id": wid,
        "accelerators": {"count": 8, "types": ["H100"]},
        "demand": {"replicas": 1, "hours_per_month": hours},
        **extra,
    }


def conflicts_of(scn: advisor.Scenario) -> list[Conflict]:
    with pytest.raises(advisor.InfeasibleScenario) as info:
        advisor.solve(scn, sensitivity=False)
    assert info.value.conflicts, "an infeasible scenario must say why"
    return info.value.conflicts


def only(conflicts: list[Conflict], kind: str) -> Conflict:
    hits = [c for c in conflicts if c.kind == kind]
    assert len(hits) == 1, conflicts
    return hits[0]


def tier_part(detail: str, tier: str) -> str:
    """The ``<tier>: ...`` part of a no_option detail."""
    parts = [p.strip() for p in detail.split("|")]
    hits = [p for p in parts if p.startswith(f"{tier}:") or f" {tier}:" in p.split("(")[0]]
    assert len(hits) == 1, detail
    return hits[0]


# --- a feasible plan explains itself -----------------------------------------------------------
def test_claims_llm_names_its_target_and_why_cloud_was_rejected():
    plan = eu_insurer_plan()
    row = plan.assignments.set_index("workload").loc["claims-llm"]
    text = plan.explain("claims-llm")
    where = row["target"].removeprefix("site:")
    assert (row["tier"], where) == ("local", "fra-dc1")
    assert f"{row['tier']} at {where} on {row['hardware']}" in text
    cloud = [line for line in text.splitlines() if line.strip().startswith("no cloud option")]
    assert len(cloud) == 1, text
    assert "privacy" in cloud[0] and "residency" in cloud[0]
    privacy = [line for line in text.splitlines() if "rule privacy" in line]
    assert privacy and "phi in cloud requires" in privacy[0]
    assert "confidential_computing" in privacy[0]
    residency = [line for line in text.splitlines() if "rule residency" in line]
    assert residency and "workload allows [EU]" in residency[0]


def test_every_workload_can_be_explained_and_unknown_ones_cannot():
    plan = eu_insurer_plan()
    for wid in plan.assignments["workload"].unique():
        row = plan.assignments.set_index("workload").loc[wid]
        assert row["target"].removeprefix("site:") in plan.explain(wid)
    with pytest.raises(KeyError):
        plan.explain("no-such-workload")


# --- no option at all --------------------------------------------------------------------------
def test_special_category_without_a_local_site_names_rule_per_tier():
    scn = scenario([gpu8("records", data={"classification": "special_category"})], with_site=False)
    conflict = only(conflicts_of(scn), "no_option")
    assert conflict.subject == "records"
    assert "records" in conflict.format()
    assert "no candidate" in tier_part(conflict.detail, "local")
    assert "no candidate" in tier_part(conflict.detail, "edge")
    cloud = tier_part(conflict.detail, "cloud")
    assert "tier" in cloud and "special_category data may use tiers [local]" in cloud


def test_local_only_workload_whose_site_cannot_power_a_box():
    """The only allowed tier exists but a 10 kW box exceeds the 5 kW cap: rule capacity."""
    scn = scenario([gpu8("records", data={"classification": "special_category"})], max_kw=5)
    conflict = only(conflicts_of(scn), "no_option")
    assert conflict.subject == "records"
    local = tier_part(conflict.detail, "local")
    assert "capacity" in local and "10.0 kW > site cap 5 kW" in local
    assert "tier" in tier_part(conflict.detail, "cloud")


# --- coupled conflicts (elastic re-solve) ------------------------------------------------------
LOCAL_ONLY = {"internal": {"allowed_tiers": ["local"]}}


def test_two_workloads_that_each_fit_but_not_together_give_a_power_shortfall():
    """Each needs one 10 kW box; cap 15 kW; cloud forbidden -> 2 x 10 - 15 = 5 kW short."""
    scn = scenario([gpu8("w1", 730), gpu8("w2", 400)], max_kw=15, policies=LOCAL_ONLY)
    for wid in ("w1", "w2"):
        alone = scenario([gpu8(wid)], max_kw=15, policies=LOCAL_ONLY)
        assert advisor.solve(alone, sensitivity=False).assignments["target"].tolist() == ["site:dc"]
    conflicts = conflicts_of(scn)
    power = only(conflicts, "power")
    assert power.subject == "dc"
    assert power.unit == "kW"
    assert power.shortfall == pytest.approx(2 * BOX_KW - 15)
    assert sorted(power.workloads) == ["w1", "w2"]
    assert "5.0 kW" in power.detail
    assert [c.kind for c in conflicts] == ["power"]


def test_too_small_team_budget_gives_its_shortfall_per_month():
    """Team ml's only option costs 20 x 730 = 14,600 a month against 10,000: short 4,600."""
    scn = scenario(
        [gpu8("train", 730, team="ml"), gpu8("other", 730, team="ops")],
        with_site=False,
        budgets=[{"scope": "team:ml", "opex_usd_per_month_max": 10_000}],
    )
    conflicts = conflicts_of(scn)
    budget = only(conflicts, "budget")
    assert budget.subject == "team:ml"
    assert budget.unit == "USD/month"
    assert budget.shortfall == pytest.approx(CLOUD_PER_HOUR * 730 - 10_000)
    assert budget.workloads == ("train",)
    assert "$4,600/month" in budget.detail
    assert [c.kind for c in conflicts] == ["budget"]
