"""Diagnoses name the real cause: a too-small capex cap, and the rule that removes the last
candidates of a workload with no feasible option."""

from __future__ import annotations

import pytest

import advisor


def _infeasible(scn) -> advisor.InfeasibleScenario:
    with pytest.raises(advisor.InfeasibleScenario) as info:
        advisor.solve(scn, sensitivity=False)
    return info.value


def test_a_too_small_capex_cap_is_named_with_its_shortfall(report_scenario, report_plan):
    budgets = [
        b.model_copy(update={"capex_usd_max": 1000.0}) if b.scope == "all" else b
        for b in report_scenario.budgets
    ]
    scn = advisor.revalidate(report_scenario.model_copy(update={"budgets": tuple(budgets)}))
    exc = _infeasible(scn)
    assert [c.kind for c in exc.conflicts] == ["budget"], str(exc)
    c = exc.conflicts[0]
    needed = report_plan.kpis["capex_usd"]  # the feasible plan buys exactly this
    assert c.subject == "all" and c.unit == "USD"
    assert c.shortfall == pytest.approx(needed - 1000.0)
    assert f"capex budget 'all' is short by ${needed - 1000:,.0f}" in c.detail
    assert "the limit is $1,000" in c.detail
    bought = set(map(tuple, report_plan.purchases[["site", "sku"]].to_numpy()))
    a = report_plan.assignments
    on_new = a[[(s, h) in bought for s, h in zip(a["site"], a["hardware"], strict=True)]]
    assert set(c.workloads) == set(on_new["workload"])  # who needs the new boxes
    assert "capacity" not in str(exc)


def test_no_option_names_the_rule_that_removed_the_last_candidates(report_no_option):
    c = next(x for x in report_no_option.conflicts if x.kind == "no_option")
    parts = dict(
        p.strip().split(": ", 1) for p in c.detail.split("no feasible option. ")[1].split(" | ")
    )
    # cloud: residency leaves Brazil's regions, hardware and memory leave the big GPU offers,
    # and none of those offers has confidential computing: privacy is the cause
    assert parts["cloud"].startswith("privacy removed the last"), parts["cloud"]
    assert "lacks confidential_computing" in parts["cloud"]
    assert "other rules that applied: residency" in parts["cloud"]
    # local: the only site is in Germany; residency is the cause whatever the hardware
    assert parts["local"].startswith("residency removed the last 1 candidate(s)")
    assert "site:fra-dc1 is in DE" in parts["local"]
    assert parts["edge"].startswith("no candidate")


def test_a_hardware_screen_is_named_when_every_target_survives(report_scenario):
    """A model too large for any accelerator anywhere: memory, not residency or privacy."""
    w = list(report_scenario.workloads)
    model = w[0].model.model_copy(update={"params_billion": 5000.0, "variants": ()})
    w[0] = w[0].model_copy(update={"model": model})
    scn = advisor.revalidate(report_scenario.model_copy(update={"workloads": tuple(w)}))
    c = next(x for x in _infeasible(scn).conflicts if x.kind == "no_option")
    local = next(p for p in c.detail.split(" | ") if "local:" in p)
    assert "memory removed the last" in local, c.detail
