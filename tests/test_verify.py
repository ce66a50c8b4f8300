"""The independent verifier accepts every example plan and catches every kind of tampering.

Tampered plans are made with ``dataclasses.replace(plan, ...)`` on the assignments,
purchases, flows, objective or scenario; each must produce the specific violation. The last
tests (``test_fixed_*``) reproduce engine bugs the verifier (or the brute force) found; they
were strict xfails and now pin the fixes.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from helpers_scenarios import (
    cpu_workload,
    gpu_workload,
    scenario,
    scenario_dict,
    site,
)

import advisor
from advisor.catalog import Catalog
from advisor.options import build_options
from advisor.plan.verify import PlanVerificationError, Verification, verify_plan
from advisor.schema import parse_scenario

EXAMPLES = sorted(Path(advisor.example_path("eu-insurer.yaml")).parent.glob("*.yaml"))


def solve(scn: advisor.Scenario) -> advisor.Plan:
    return advisor.solve(scn, sensitivity=False)


def checks(v: Verification) -> set[str]:
    return {x.check for x in v.violations}


def subjects(v: Verification, check: str) -> set[str]:
    return {x.subject for x in v.of(check)}


def edit_rows(plan: advisor.Plan, unit: str, **values) -> advisor.Plan:
    a = plan.assignments.copy()
    mask = a["unit"] == unit
    assert mask.sum() == 1, unit
    for col, value in values.items():
        a.loc[mask, col] = value
    return dataclasses.replace(plan, assignments=a)


def with_scenario(plan: advisor.Plan, **update) -> advisor.Plan:
    return dataclasses.replace(
        plan, scenario=advisor.revalidate(plan.scenario.model_copy(update=update))
    )


@pytest.fixture(scope="module")
def insurer() -> advisor.Plan:
    """The EU insurer: PHI LLM on the owned H100 box, transcription in aws:eu-north-1, a bought
    CPU server for fraud scoring, one flow."""
    return solve(advisor.load_scenario(advisor.example_path("eu-insurer.yaml")))


@pytest.fixture(scope="module")
def rules() -> advisor.Plan:
    """An HA workload, a co-location and an anti-affinity rule, a site and two regions."""
    scn = scenario(
        [
            gpu_workload("web", ha={"groups": 2}),
            gpu_workload("a"),
            gpu_workload("b"),
            gpu_workload("c"),
        ],
        sites=[site("dc", inventory={"l4-2": 1}, can_buy=("l4-2",), max_buy_per_sku=1)],
        regions=("aws:eu-central-1", "aws:eu-north-1"),
        placement_rules=[
            {"kind": "colocate", "workloads": ["a", "b"]},
            {"kind": "anti_affinity", "workloads": ["a", "c"]},
        ],
        flows=[{"from_workload": "c", "to_workload": "a", "gb_per_month": 500}],
    )
    return solve(scn)


# --- the verifier accepts real plans -----------------------------------------------------------


INFEASIBLE_BY_DESIGN: set[str] = set()
"""Examples that demonstrate an infeasibility report (none today). Any other example must
solve and verify: an infeasible result or a solver limit is a failure, never a skip."""


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_verifier_accepts_every_example_plan(path):
    scn = advisor.load_scenario(path)
    if path.stem in INFEASIBLE_BY_DESIGN:
        with pytest.raises(advisor.InfeasibleScenario):
            advisor.solve(scn, sensitivity=False)
        return
    plan = advisor.solve(scn, sensitivity=False)
    v = verify_plan(plan)
    assert v.ok, v.format()
    assert v.checks >= 20 * len(plan.assignments)
    assert v.recomputed["objective"] == pytest.approx(plan.objective, rel=1e-6)
    v.raise_if_failed()


def test_base_catalog_and_effective_catalog_agree(insurer):
    """Given the base catalog, the verifier applies the scenario's discounts itself."""
    base = verify_plan(insurer, catalog=Catalog.load())
    assert base.ok, base.format()
    assert base.recomputed == pytest.approx(verify_plan(insurer).recomputed)


def test_rules_plan_is_accepted(rules):
    v = verify_plan(rules)
    assert v.ok, v.format()
    where = rules.assignments.set_index("unit")["target"]
    assert where["web#1"] != where["web#2"] and where["a"] == where["b"] != where["c"]


def test_failed_verification_raises_a_typed_error(insurer):
    bad = dataclasses.replace(insurer, objective=insurer.objective * 1.01)
    with pytest.raises(PlanVerificationError, match="objective") as info:
        verify_plan(bad).raise_if_failed()
    assert isinstance(info.value, advisor.AdvisorError)
    assert not info.value.verification.ok


# --- tampering: placement rules ------------------------------------------------------------------


def test_phi_moved_to_a_non_compliant_region(insurer):
    bad = edit_rows(
        insurer, "claims-llm", tier="cloud", target="aws:us-east-1", site="", provider="aws",
        region="us-east-1", hardware="p5.48xlarge", pricing="on_demand", gpus_per_replica=8.0,
    )  # fmt: skip
    v = verify_plan(bad)
    assert {"residency", "controls"} <= checks(v)
    assert subjects(v, "residency") == {"claims-llm"}
    assert "confidential_computing" in v.of("controls")[0].detail


def test_tier_forbidden_by_the_policy(insurer):
    policies = {**insurer.scenario.policies}
    policies["phi"] = policies["phi"].model_copy(update={"allowed_tiers": ("cloud",)})
    v = verify_plan(with_scenario(insurer, policies=policies))
    assert subjects(v, "tier") == {"claims-llm"}


def test_region_out_of_scope(insurer):
    clouds = insurer.scenario.clouds.model_copy(update={"deny_regions": ("aws:eu-north-1",)})
    v = verify_plan(with_scenario(insurer, clouds=clouds))
    assert subjects(v, "scope") == {"call-transcription"}


def test_spot_for_a_workload_that_is_not_interruptible(insurer):
    v = verify_plan(edit_rows(insurer, "call-transcription", pricing="spot"))
    assert "spot" in " ".join(x.detail for x in v.of("pricing"))


def test_reserved_term_longer_than_the_horizon(insurer):
    settings = insurer.scenario.settings.model_copy(update={"horizon_months": 6})
    v = verify_plan(with_scenario(insurer, settings=settings))
    assert subjects(v, "pricing") == {"call-transcription"}  # reserved_3y


def test_latency_slo_missed(insurer):
    workloads = [
        w.model_copy(update={"latency_slo_ms": 5.0}) if w.id == "call-transcription" else w
        for w in insurer.scenario.workloads
    ]
    v = verify_plan(with_scenario(insurer, workloads=tuple(workloads)))
    assert subjects(v, "latency") == {"call-transcription"}


# --- tampering: assignment and sizing ------------------------------------------------------------


def test_dropped_workload(insurer):
    a = insurer.assignments[insurer.assignments["unit"] != "fraud-scoring"]
    v = verify_plan(dataclasses.replace(insurer, assignments=a))
    assert subjects(v, "assignment") == {"fraud-scoring"}


def test_workload_assigned_twice(insurer):
    a = pd.concat([insurer.assignments, insurer.assignments.iloc[[0]]], ignore_index=True)
    v = verify_plan(dataclasses.replace(insurer, assignments=a))
    assert subjects(v, "assignment") == {insurer.assignments["unit"].iloc[0]}


def test_model_that_does_not_fit_in_memory(insurer):
    v = verify_plan(edit_rows(insurer, "claims-llm", precision="fp16", gpus_per_replica=1.0))
    assert subjects(v, "memory") == {"claims-llm"}


def test_too_few_replicas_for_the_demand(insurer):
    replicas = insurer.assignments.set_index("unit").at["claims-llm", "replicas"]
    assert replicas >= 2
    v = verify_plan(edit_rows(insurer, "claims-llm", replicas=replicas - 1))
    assert subjects(v, "throughput") == {"claims-llm"}


def test_too_few_billed_instances(insurer):
    v = verify_plan(edit_rows(insurer, "call-transcription", billed_boxes=1.0))
    assert subjects(v, "boxes") == {"call-transcription"}


# --- tampering: costs and totals -----------------------------------------------------------------


def test_understated_compute_cost(insurer):
    row = insurer.assignments.set_index("unit").loc["call-transcription"]
    v = verify_plan(edit_rows(insurer, "call-transcription", compute_usd=row["compute_usd"] / 2))
    assert [x.detail.split(" ")[0] for x in v.of("cost")] == ["compute_usd"]


def test_understated_site_power_cost(insurer):
    row = insurer.assignments.set_index("unit").loc["claims-llm"]
    v = verify_plan(edit_rows(insurer, "claims-llm", power_usd=row["power_usd"] * 0.9))
    assert subjects(v, "cost") == {"claims-llm"}


def test_understated_flow_cost():
    """A flow out of GCP is charged; claiming it free is caught (flow, objective, KPIs)."""
    scn = scenario(
        [cpu_workload("a", vcpus=8, memory_gb=30), cpu_workload("b", vcpus=8, memory_gb=30)],
        regions=("gcp:europe-west4", "gcp:europe-west3"),
        placement_rules=[{"kind": "anti_affinity", "workloads": ["a", "b"]}],
        flows=[{"from_workload": "a", "to_workload": "b", "gb_per_month": 1000}],
    )
    plan = solve(scn)
    assert verify_plan(plan).ok
    assert plan.flows_usd["a->b"] == pytest.approx(1000 * 0.02)
    bad = dataclasses.replace(plan, flows_usd={"a->b": 0.0})
    v = verify_plan(bad)
    assert subjects(v, "flow") == {"a->b"}
    assert checks(v) == {"flow"}  # totals are recomputed from the recomputed flow cost


def test_misstated_objective(insurer):
    v = verify_plan(dataclasses.replace(insurer, objective=insurer.objective - 100.0))
    assert checks(v) == {"objective"}


# --- tampering: sites, purchases, budgets, caps ---------------------------------------------------


def test_extra_purchase_exceeds_site_power(insurer):
    extra = pd.DataFrame([{"site": "fra-dc1", "sku": "hgx-h100-8", "count": 3}])
    bad = dataclasses.replace(
        insurer, purchases=pd.concat([insurer.purchases, extra], ignore_index=True)
    )
    v = verify_plan(bad)
    assert subjects(v, "power") == {"fra-dc1"}
    assert "objective" in checks(v)


def test_purchase_of_a_sku_that_may_not_be_bought(insurer):
    extra = pd.DataFrame([{"site": "fra-dc1", "sku": "a100-80gb-8", "count": 1}])
    bad = dataclasses.replace(
        insurer, purchases=pd.concat([insurer.purchases, extra], ignore_index=True)
    )
    assert "fra-dc1/a100-80gb-8" in subjects(verify_plan(bad), "purchase")


def test_site_capacity_exceeded(insurer):
    """Dropping the bought CPU server leaves fraud scoring with nowhere to run."""
    bad = dataclasses.replace(insurer, purchases=insurer.purchases.iloc[0:0])
    v = verify_plan(bad)
    assert subjects(v, "capacity") == {"fra-dc1/cpu-2s-128"}
    assert subjects(v, "cost") == {"fraud-scoring"}  # its capex share was for a box not bought


def test_opex_budget_exceeded(insurer):
    b = insurer.scenario.budgets[1].model_copy(update={"opex_usd_per_month_max": 100.0})
    v = verify_plan(with_scenario(insurer, budgets=(insurer.scenario.budgets[0], b)))
    assert subjects(v, "budget") == {"team:claims"}


def test_team_capex_budget_exceeded(insurer):
    """Fraud scoring's two 48-vCPU replicas fit two to a 128-vCPU box, so each blocks 64 vCPUs:
    it uses the whole bought server, at least USD 25,000 of capex."""
    scn = insurer.scenario
    budgets = (*scn.budgets, scn.budgets[0].model_copy(update={"scope": "team:fraud",
               "opex_usd_per_month_max": None, "capex_usd_max": 10_000.0}))  # fmt: skip
    v = verify_plan(with_scenario(insurer, budgets=budgets))
    assert "team:fraud" in subjects(v, "budget")
    assert "25,000" in " ".join(x.detail for x in v.of("budget"))


def test_privacy_risk_and_carbon_caps_exceeded(insurer):
    limits = insurer.scenario.limits.model_copy(
        update={"privacy_risk_max": 1.0, "carbon_kg_per_month_max": 10.0}
    )
    v = verify_plan(with_scenario(insurer, limits=limits))
    assert {"risk", "carbon"} <= checks(v)


# --- tampering: HA and placement rules -----------------------------------------------------------


def test_broken_ha_spread(rules):
    first = rules.assignments.set_index("unit").loc["web#1"]
    values = {c: first[c] for c in rules.assignments.columns if c not in ("unit",)}
    v = verify_plan(edit_rows(rules, "web#2", **values))
    assert subjects(v, "ha") == {"web"}


def test_broken_colocation(rules):
    other = rules.assignments.set_index("unit").loc["c"]
    values = {c: other[c] for c in rules.assignments.columns if c not in ("unit", "workload")}
    v = verify_plan(edit_rows(rules, "b", **values))
    assert subjects(v, "colocate") == {"a & b"}


def test_broken_anti_affinity(rules):
    other = rules.assignments.set_index("unit").loc["a"]
    values = {c: other[c] for c in rules.assignments.columns if c not in ("unit", "workload")}
    v = verify_plan(edit_rows(rules, "c", **values))
    assert subjects(v, "anti_affinity") == {"a & c"}


# --- engine bugs found by the verifier and the brute force ---------------------------------------


def test_fixed_duplicate_flows_are_each_charged():
    """Fixed: formulate.py named a flow f'{from}->{to}', so two flows with the same pair shared
    one cost variable (a dict key collision) and the model charged max(gb1, gb2) x rate. Each
    flow now has its own name (``from->to#2``) and cost column."""
    scn = scenario(
        [cpu_workload("a", vcpus=8, memory_gb=30), cpu_workload("b", vcpus=8, memory_gb=30)],
        regions=("gcp:europe-west4", "gcp:europe-west3"),
        placement_rules=[{"kind": "anti_affinity", "workloads": ["a", "b"]}],
        flows=[
            {"from_workload": "a", "to_workload": "b", "gb_per_month": 1000},
            {"from_workload": "a", "to_workload": "b", "gb_per_month": 500},
        ],
    )
    v = verify_plan(solve(scn))
    assert v.ok, v.format()


def test_fixed_bare_region_source_is_home_for_risk():
    """Fixed: build._source_target kept 'eu-west-1' as is, so data living in aws:eu-west-1
    counted as leaving home when the workload ran there (risk x3 here). A bare region name
    now means the same place as 'aws:eu-west-1'."""
    data = {"classification": "pii", "source": "eu-west-1", "ingress_gb_per_month": 100}
    plan = solve(
        scenario([gpu_workload("r", accelerator="T4", data=data)], regions=("aws:eu-west-1",))
    )
    v = verify_plan(plan)
    assert v.ok, v.format()


def test_fixed_cpu_site_capacity_counts_memory():
    """Fixed: four 8-vCPU / 256-GB replicas need two 512-GB cpu-2s-128 boxes; the capacity
    row (constraints.site_capacity) used to count 32 of 128 vCPUs and fit them in one. Now
    each replica blocks half a box (64 vCPUs), so one box is bought; with nothing to buy the
    scenario is infeasible."""
    dc = site("dc", inventory={"cpu-2s-128": 1}, can_buy=("cpu-2s-128",))
    workloads = [cpu_workload("c", vcpus=8, memory_gb=256, replicas=4, allowed_tiers=["local"])]
    plan = solve(scenario(workloads, sites=[dc], regions=("aws:eu-west-1",)))
    v = verify_plan(plan)
    assert v.ok, v.format()
    assert plan.purchases["count"].tolist() == [1]
    assert plan.assignments["units"].tolist() == [4 * 64]
    with pytest.raises(advisor.InfeasibleScenario):
        solve(
            scenario(
                workloads,
                sites=[site("dc", inventory={"cpu-2s-128": 1})],
                regions=("aws:eu-west-1",),
            )
        )


def test_fixed_replicas_never_split_across_boxes():
    """Fixed: accelerators.count=3 on 4-GPU l40s-4 boxes means one replica per box, so four
    replicas need four boxes; the capacity row used to accept 12 GPUs in three boxes. Now one
    box is bought, and with nothing to buy the scenario is infeasible."""
    workloads = [
        gpu_workload("g", accelerator="L40S", count=3, replicas=4, allowed_tiers=["local"])
    ]
    dc = site("dc", inventory={"l40s-4": 3}, can_buy=("l40s-4",))
    plan = solve(scenario(workloads, sites=[dc], regions=("aws:eu-west-1",)))
    v = verify_plan(plan)
    assert v.ok, v.format()
    assert plan.purchases["count"].tolist() == [1]
    with pytest.raises(advisor.InfeasibleScenario):
        solve(
            scenario(
                workloads, sites=[site("dc", inventory={"l40s-4": 3})], regions=("aws:eu-west-1",)
            )
        )


def test_fixed_no_crash_when_no_site_option_survives():
    """Fixed: for a site whose hardware no workload can use, build._site_options built a
    detail string on an empty float Series ('needs ' + Series) and numpy raised a TypeError."""
    scn = scenario(
        [gpu_workload("w", accelerator="T4")],
        sites=[site("s", can_buy=("a100-80gb-8",))],
        regions=("aws:eu-central-1",),
    )
    build_options(scn, Catalog.load())


def test_fixed_no_crash_for_a_site_without_hardware():
    """Fixed: for a site with no inventory and nothing to buy, assemble.site_usage indexed an
    empty purchasables frame with an object-typed 'is_gpu' column (KeyError 'units_used')."""
    solve(
        scenario(
            [gpu_workload("w", accelerator="T4")], sites=[site("s")], regions=("aws:eu-central-1",)
        )
    )


def test_fixed_flow_rate_when_internet_is_cheaper(tmp_path):
    """Fixed: constraints.flows only applied the same-provider rate when r_out > r_in; with a
    user egress table where AWS internet (0.01) is below inter-region (0.02) an AWS->AWS flow
    was charged 0.01/GB instead of the documented inter_region_same_continent 0.02/GB."""
    (tmp_path / "egress.csv").write_text(
        "provider,destination,tier_from_gb,tier_to_gb,usd_per_gb,source,as_of\n"
        "aws,internet,0.0,1.0,0.01,test,2026-01-01\n"
    )
    data = scenario_dict(
        [cpu_workload("a", vcpus=8, memory_gb=30), cpu_workload("b", vcpus=8, memory_gb=30)],
        regions=("aws:eu-central-1", "aws:eu-west-1"),
        placement_rules=[{"kind": "anti_affinity", "workloads": ["a", "b"]}],
        flows=[{"from_workload": "a", "to_workload": "b", "gb_per_month": 1000}],
        catalog=".",
    )
    v = verify_plan(solve(parse_scenario(data, base_dir=tmp_path)))
    assert v.ok, v.format()
