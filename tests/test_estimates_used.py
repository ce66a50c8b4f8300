"""The report's "estimates used" section and how explain names each latency's source."""

from __future__ import annotations

import numpy as np
import pytest

import advisor
from advisor.plan.explain import rtt_source
from advisor.report.estimates import estimates_used
from advisor.report.write import report_html


@pytest.fixture(scope="module")
def plan():
    return advisor.solve(advisor.load_scenario(advisor.example_path("eu-insurer")))


def test_every_kind_the_plan_rests_on_is_listed(plan):
    e = estimates_used(plan)
    a = plan.assignments
    kinds = set(e["quantity"])
    # the insurer's plan uses a reserved cloud price, owned boxes with estimated power draw,
    # estimated RTTs under SLOs, sized LLMs, a cloud region's carbon value and egress
    assert {"throughput", "reserved price", "power draw", "rtt", "carbon"} <= kinds
    rtt = e[e["quantity"] == "rtt"]
    est = a[(a["rtt_basis"] == "estimate") & np.isfinite(a["slo_ms"])]
    assert len(rtt) == len(est)
    assert rtt["note"].str.contains("margin").all()
    reserved = a[a["pricing"].str.startswith("reserved")]
    assert (
        len(e[e["quantity"] == "reserved price"])
        == reserved[["provider", "region", "hardware", "pricing"]].drop_duplicates().shape[0]
    )
    assert e[e["quantity"] == "reserved price"]["note"].str.contains("on_demand x").all()
    power = e[e["quantity"] == "power draw"]
    installed = {(s.id, i.sku) for s in plan.scenario.sites for i in s.inventory} | set(
        zip(plan.purchases["site"], plan.purchases["sku"], strict=True)
    )
    assert {tuple(s.split(" at ")[::-1]) for s in power["subject"]} == installed
    # a listed carbon value is still shown, with the spread against the other source
    assert e.loc[e["quantity"] != "carbon", "basis"].ne("listed").all()
    assert e.loc[e["quantity"] == "carbon", "note"].str.contains("spread|no second").all()


def test_measured_throughput_is_not_an_estimate():
    scn = advisor.load_scenario(advisor.example_path("eu-insurer"))
    w = next(w for w in scn.workloads if w.demand.tokens_per_request)
    demand = w.demand.model_copy(update={"throughput_per_replica": 5_000.0})
    edited = scn.model_copy(
        update={
            "workloads": tuple(
                x.model_copy(update={"demand": demand}) if x.id == w.id else x
                for x in scn.workloads
            )
        }
    )
    e = estimates_used(advisor.solve(advisor.revalidate(edited)))
    assert not e[e["quantity"] == "throughput"]["subject"].str.startswith(w.id).any()


def test_report_has_the_section(plan):
    html = report_html(plan)
    assert 'id="estimates"' in html and "Estimates used" in html
    assert 'id="breakeven-studies"' in html


def test_explain_names_how_each_rtt_was_obtained(plan):
    for w in plan.assignments["workload"].unique():
        text = plan.explain(w)
        row = plan.assignments[plan.assignments["workload"] == w].iloc[0]
        assert rtt_source(row["rtt_basis"], row["rtt_path"], row["target"]) in text
    assert rtt_source("measured", "") == "measured"
    assert rtt_source("estimate", "public").startswith("estimated from distance")
