"""``advisor.plan.compare``: every reason names what changed, not only where a workload runs."""

from __future__ import annotations

import json

import advisor
from advisor.plan.compare import compare

BASE = {
    "workload": "chat",
    "unit": "chat",
    "team": "t",
    "tier": "cloud",
    "target": "aws:eu-west-1",
    "hardware": "g5.xlarge",
    "precision": "fp16",
    "pricing": "on_demand",
    "usd_per_hour": 1.0,
    "replicas": 2.0,
    "gpus_per_replica": 1.0,
    "billed_boxes": 2.0,
    "compute_usd": 1460.0,
    "egress_usd": 10.0,
    "power_usd": 0.0,
    "ops_usd": 0.0,
    "capex_usd": 0.0,
    "total_usd": 1470.0,
    "latency_ms": 40.0,
}


def _plan(name: str, **change) -> dict:
    row = BASE | change
    return {
        "scenario": name,
        "assignments": [row],
        "kpis": {"monthly_total_usd": row["total_usd"]},
    }


def _why(**change) -> str:
    comp = compare(_plan("a"), _plan("b", **change))
    return comp.units["why"].iat[0]


def test_same_placement_same_cost_is_unchanged():
    comp = compare(_plan("a"), _plan("b"))
    assert comp.units["why"].tolist() == ["unchanged"]
    assert comp.repriced.empty


def test_price_change_on_same_target_says_what_changed():
    comp = compare(_plan("a"), _plan("b", usd_per_hour=1.2, compute_usd=1752.0, total_usd=1762.0))
    why = comp.units["why"].iat[0]
    assert not comp.units["moved"].iat[0]
    assert why.startswith("same target; $292/month dearer")
    assert "price per hour $1.0000 -> $1.2000" in why
    assert "compute +$292" in why
    assert "unchanged" not in why
    assert comp.repriced["unit"].tolist() == ["chat"]
    assert comp.to_dict()["repriced"][0]["why"] == why


def test_cheaper_egress_on_same_target():
    why = _why(egress_usd=4.0, total_usd=1464.0)
    assert why == "same target; $6.00/month cheaper; by component: egress -$6.00"


def test_count_change_on_same_target():
    why = _why(replicas=3.0, billed_boxes=3.0, compute_usd=2190.0, total_usd=2200.0)
    assert "$730/month dearer" in why
    assert "replicas 2 -> 3" in why and "boxes billed 2 -> 3" in why
    assert "price per hour" not in why


def test_precision_change_without_cost_change():
    assert _why(precision="int8") == "same cost; precision fp16 -> int8"


def test_moves_name_pricing_model_and_hardware():
    why = _why(pricing="reserved_1y", usd_per_hour=0.6, compute_usd=876.0, total_usd=886.0)
    assert "pricing on_demand -> reserved_1y" in why
    assert "$584/month cheaper" in why
    why = _why(
        tier="local",
        target="site:fra",
        hardware="hgx-h100-8",
        pricing="owned",
        usd_per_hour=0.0,
        compute_usd=0.0,
        power_usd=900.0,
        ops_usd=600.0,
        total_usd=1510.0,
    )
    assert why.startswith(
        "cloud -> local; hardware g5.xlarge -> hgx-h100-8; pricing on_demand -> owned"
    )
    assert "$40/month dearer" in why


def test_unknown_cost_inputs_still_explain_a_price_change():
    """plan.json files from older versions may lack the cost columns."""
    a, b = _plan("a"), _plan("b", total_usd=1500.0)
    for p in (a, b):
        p["assignments"] = [
            {
                k: v
                for k, v in p["assignments"][0].items()
                if not k.endswith("_usd") or k == "total_usd"
            }
            | {"usd_per_hour": None}
        ]
    why = compare(a, b).units["why"].iat[0]
    assert why == "same target; $30/month dearer; its price or sizing inputs changed"


def test_real_plans_price_change_is_reported(report_plan, report_scenario):
    """AWS 2% dearer: the AWS placement stays put and is reported as repriced, with why."""
    dearer = advisor.solve(report_scenario.with_prices("aws", factor=1.02))
    comp = compare(report_plan, dearer)
    repriced = comp.repriced
    assert len(repriced) >= 1
    for why in repriced["why"]:
        assert why.startswith("same target;") and "price per hour" in why, why
    same = comp.units[~comp.units["moved"] & (comp.units["delta_usd"].abs() < 0.005)]
    assert (same["why"] == "unchanged").all()
    via_json = compare(json.loads(report_plan.to_json()), json.loads(dearer.to_json()))
    assert via_json.units["why"].tolist() == comp.units["why"].tolist()


def _two_gpu_units(**extra):
    from helpers_scenarios import gpu_workload, scenario

    return scenario(
        [gpu_workload("a"), gpu_workload("b")],
        regions=("aws:eu-central-1", "gcp:europe-west4"),
        **extra,
    )


def test_a_move_forced_by_a_rule_names_the_shared_limits():
    """B adds anti-affinity: one unit leaves the cheapest target although its old option is
    still on offer at the old price; the reason says so instead of listing guesses."""
    a = advisor.solve(_two_gpu_units())
    b = advisor.solve(
        _two_gpu_units(placement_rules=[{"kind": "anti_affinity", "workloads": ["a", "b"]}])
    )
    assert a.assignments["target"].nunique() == 1
    moved = compare(a, b).moved
    assert len(moved) == 1
    why = moved["why"].iat[0]
    assert "dearer" in why and "still feasible at $" in why and "shared limits" in why, why
    assert "became dearer itself" not in why


def test_a_move_after_a_price_rise_says_the_old_option_now_costs_more():
    a = advisor.solve(_two_gpu_units())
    first = a.assignments["target"].iat[0]
    provider = first.split(":", 1)[0]
    b = advisor.solve(_two_gpu_units().with_prices(provider, factor=3.0))
    moved = compare(a, b).moved
    assert set(moved["target_a"]) == {first} and len(moved) == 2
    for why in moved["why"]:
        assert "now costs $" in why and "more than the new choice" in why, why


def test_a_saved_plan_without_option_tables_lists_the_possible_reasons():
    a = advisor.solve(_two_gpu_units())
    b = advisor.solve(
        _two_gpu_units(placement_rules=[{"kind": "anti_affinity", "workloads": ["a", "b"]}])
    )
    comp = compare(json.loads(a.to_json()), json.loads(b.to_json()))
    assert "compare live plans to learn which" in comp.moved["why"].iat[0]
