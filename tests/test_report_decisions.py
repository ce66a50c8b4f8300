"""The top of the plan report: decisions and next steps, honest baselines, compliant break-even."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import advisor
from advisor.options.jurisdiction import EU
from advisor.report import stats
from advisor.report.breakeven import NO_COMPLIANT_CLOUD
from advisor.report.decisions import decisions
from advisor.report.view import breakeven as breakeven_view
from advisor.report.write import report_html


@pytest.fixture(scope="module")
def capped(report_scenario):
    """The insurer with a capex budget exactly at what the plan buys: the budget binds."""
    budget = report_scenario.budgets[0].model_copy(update={"capex_usd_max": 25_000.0})
    scn = advisor.revalidate(
        report_scenario.model_copy(update={"budgets": (budget, *report_scenario.budgets[1:])})
    )
    return scn


def test_decisions_say_what_to_buy_and_where_workloads_go(report_plan):
    d = decisions(report_plan)
    p = report_plan.purchases.iloc[0]
    assert len(d["buy"]) == len(report_plan.purchases)
    assert d["buy"][0].startswith(f"{p['count']} × {p['sku']} for {p['site']}")
    cloud = report_plan.assignments[report_plan.assignments["tier"] == "cloud"].iloc[0]
    assert any(cloud["target"] in c and cloud["hardware"] in c for c in d["cloud"])
    assert any(c.startswith("commit to") for c in d["cloud"])  # reserved pricing is a commitment
    assert d["sites"][0].startswith("fra-dc1 (local): 4 workload(s)")
    assert d["sensitivity_state"] == "none"
    assert "relaxing one would not lower the cost" in d["relax_note"]
    assert "claims-llm" in d["forced"][0]  # PHI needs confidential computing: no cloud option
    assert "the cheapest baseline that meets every limit" in d["summary"]


def test_report_opens_with_the_decisions(report_plan):
    html = report_html(report_plan)
    assert html.index('<section id="decisions"') < html.index('<section id="summary">')
    assert "Decisions and next steps" in html


def test_binding_limit_without_sensitivity_says_not_computed(capped):
    plan = advisor.solve(capped, sensitivity=False)
    d = decisions(plan)
    assert d["sensitivity_state"] == "not computed"
    row = next(r for r in d["binding"] if r["limit"] == "capex[all]")
    assert row["saving_usd"] is None
    assert "was not computed for this plan" in d["relax_note"]
    assert "not computed" in report_html(plan)


def test_binding_limit_with_sensitivity_gives_its_value(capped):
    plan = advisor.solve(capped, sensitivity=True)
    d = decisions(plan)
    row = next(r for r in d["binding"] if r["limit"] == "capex[all]")
    assert row["computed"] and row["saving_usd"] is not None and row["saving_usd"] >= 0
    assert row["saving_usd"] == pytest.approx(
        float(plan.sensitivity().set_index("limit").at["capex[all]", "saving_usd_per_month"])
    )


def test_baseline_that_breaks_a_limit_shows_no_saving(capped):
    plan = advisor.solve(capped, sensitivity=False)
    sv = stats.savings(plan).set_index("baseline")
    on_prem = sv.loc["all-on-prem"]
    assert on_prem["status"] == "breaks limits" and on_prem["limits_broken"] >= 1
    assert np.isnan(on_prem["saving_usd_per_month"])
    html = report_html(plan)
    assert "breaks limits" in html and "not comparable" in html
    assert "so it is no valid alternative: capex[all]" in html


def test_incomplete_baseline_is_compared_like_for_like(report_plan):
    sv = stats.savings(report_plan).set_index("baseline")
    cloud = sv.loc["all-cloud"]
    assert cloud["status"] == "incomplete" and np.isnan(cloud["saving_usd_per_month"])
    missing = set(report_plan.baselines.set_index("baseline").at["all-cloud", "missing"])
    a = report_plan.assignments
    assert cloud["units_placed"] == len(a) - len(missing)
    assert cloud["plan_same_units_usd"] == pytest.approx(
        a.loc[~a["unit"].isin(missing), "total_usd"].sum()
    )
    assert cloud["monthly_usd"] < sv.loc["this plan", "monthly_usd"]  # cheaper only on paper
    html = report_html(report_plan)
    assert "places only 3 of 5 placement units" in html
    fig = report_plan.figures.savings()
    assert "all-cloud (incomplete)" in fig.data[0].x
    hatch = dict(zip(fig.data[0].x, fig.data[0].marker.pattern.shape, strict=True))
    assert hatch["all-cloud (incomplete)"] != "" and hatch["this plan"] == ""


def test_breakeven_is_priced_in_compliant_regions_only(report_plan):
    f = stats.breakeven(report_plan)
    assert len(f) and (f["compliant_for"] != "").all()
    countries = report_plan.options.targets.set_index("target")["country"]
    assert f["cloud_target"].map(countries).isin(EU).all(), set(f["cloud_target"])
    h100 = f[(f["accelerator"] == "H100") & (f["pricing"] == "on_demand")].iloc[0]
    assert h100["cloud_target"] != "gcp:us-central1"
    assert h100["cheapest_any_target"] == "gcp:us-central1"  # cheaper, but outside the EU
    assert h100["cloud_usd_per_accelerator_hour"] >= h100["cheapest_any_usd_per_accelerator_hour"]
    # spot only for interruptible workloads
    spot = f[f["pricing"] == "spot"]
    assert set(", ".join(spot["compliant_for"]).split(", ")) <= {"fraud-model-training"}
    view = breakeven_view(report_plan)
    assert "gcp:us-central1" in view["policy_excluded"]


def test_breakeven_without_compliant_cloud_says_owning_is_the_only_option(report_plan):
    units = report_plan.options.units.assign(tiers=[("local",)] * len(report_plan.options.units))
    local_only = dataclasses.replace(
        report_plan, options=dataclasses.replace(report_plan.options, units=units)
    )
    f = stats.breakeven(local_only)
    assert len(f) and (f["cloud_target"] == NO_COMPLIANT_CLOUD).all()
    assert f["breakeven_utilisation"].isna().all()
    view = breakeven_view(local_only)
    assert not len(view["frame"])  # nothing to chart
    assert "only owning complies" in view["table"]["json"]


def test_edited_scenarios_get_a_derived_name(report_scenario, report_plan):
    cheaper = report_scenario.with_prices("aws", factor=0.8)
    assert cheaper.name == "eu-insurer (what-if: aws prices ×0.8)"
    both = cheaper.with_budget("all", factor=0.9)
    assert both.name == "eu-insurer (what-if: aws prices ×0.8; budget all ×0.9)"
    assert report_scenario.name == "eu-insurer"
    comp = advisor.compare(report_plan, advisor.solve(cheaper))
    assert (comp.name_a, comp.name_b) == ("eu-insurer", cheaper.name)
