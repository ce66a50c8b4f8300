"""The retailer example shows what it says it shows.

``examples/retailer.yaml`` is the bundled demonstration of the hybrid patterns (issue 11 §5).
These tests hold the example to its story: shopper video is analysed in its own store, the
plan is verified independently, and every hybrid piece appears in the plan and in its exports.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import advisor
from advisor.export import load_export_source, render_export
from advisor.export.names import dns_label

ROOT = Path(__file__).resolve().parents[1]
RETAILER = ROOT / "examples" / "retailer.yaml"


@pytest.fixture(scope="module")
def scenario():
    return advisor.load_scenario(RETAILER)


@pytest.fixture(scope="module")
def plan(scenario):
    return advisor.solve(scenario)


def test_the_plan_is_optimal_and_verified(plan):
    assert plan.status == "optimal"
    check = advisor.verify_plan(plan)
    assert check.ok, check.violations


def test_store_video_is_analysed_in_its_own_store(scenario, plan):
    """Each store's vision workload runs at the store its cameras are in: the frames would
    otherwise cross the store's metered uplink (and the residency is the store's country)."""
    vision = [w for w in scenario.workloads if w.id.startswith("vision-")]
    assert len(vision) == 6
    countries = {s.id: s.country for s in scenario.sites}
    assert len({countries[w.data.source] for w in vision}) == 4  # four countries
    placed = plan.assignments.set_index("workload")
    for w in vision:
        assert placed.at[w.id, "target"] == f"site:{w.data.source}", w.id
        assert placed.at[w.id, "tier"] == "edge"


def test_every_unit_is_exported_where_it_runs(plan):
    """Cloud units become SkyPilot tasks and Terraform instances, site units Kubernetes
    workloads on their site; no unit is left out or exported twice."""
    src = load_export_source(plan)
    a = plan.assignments
    cloud, sites = a[a["tier"] == "cloud"], a[a["tier"] != "cloud"]
    assert len(cloud) and len(sites)

    sky = [yaml.safe_load(t) for t in render_export(src, "skypilot").values()]
    assert sorted(d["envs"]["ADVISOR_UNIT"] for d in sky) == sorted(cloud["unit"])

    k8s = render_export(src, "kubernetes")
    docs = [d for t in k8s.values() for d in yaml.safe_load_all(t) if d]
    on_site = {d["metadata"]["labels"]["advisor.io/unit"]: d for d in docs}
    assert sorted(on_site) == sorted(sites["unit"].map(dns_label))
    for row in sites.itertuples():
        doc = on_site[dns_label(row.unit)]
        assert doc["spec"]["template"]["spec"]["nodeSelector"]["advisor.io/site"] == row.site
        assert doc["kind"] == ("Deployment" if row.unit in _inference_units(plan) else "Job")

    tf = render_export(src, "terraform")
    names = [
        i["name"] for n, t in tf.items() if n != "variables.tf" for i in json.loads(t)["instances"]
    ]
    assert sorted(names) == sorted(cloud["unit"].map(dns_label))


def _inference_units(plan) -> set[str]:
    kinds = {w.id: w.kind for w in plan.scenario.workloads}
    return {
        u
        for u, w in zip(plan.assignments["unit"], plan.assignments["workload"], strict=True)
        if kinds[w] == "inference"
    }


@pytest.mark.browser
def test_report_loads_offline_without_errors(plan, tmp_path):
    """The retailer's report in headless Chromium: every chart drawn, no console error, no
    request but the file itself."""
    from test_report_browser import ARGS, CHROMIUM, Visit

    playwright = pytest.importorskip("playwright.sync_api")
    path = plan.write_report(tmp_path / "report.html")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            v = Visit(browser, path)
            try:
                charts = v.page.locator(".chart")
                assert charts.count() >= 8
                for i in range(charts.count()):
                    assert charts.nth(i).locator("svg.main-svg").count() > 0
                v.page.wait_for_timeout(200)
                v.assert_clean()
            finally:
                v.close()
        finally:
            browser.close()


def _jurisdictions(plan, target: str) -> set[str]:
    t = plan.options.targets.set_index("target")
    return set(t.at[target, "jurisdictions"])


def test_the_weekly_refresh_bursts_from_owned_gpus_to_cloud_spot(scenario, plan):
    """Base on owned hardware all month, the weekly peak on interruptible cloud capacity, and
    the split never costs more than the workload kept whole (split can always copy it)."""
    w = next(w for w in scenario.workloads if w.id == "reco-refresh")
    assert w.split and len(w.demand.steps) == 2
    parts = plan.burst_parts.set_index("step")
    base, peak = parts.loc[1], parts.loc[2]
    assert (base["tier"], base["pricing"]) == ("local", "owned")
    assert (peak["tier"], peak["pricing"]) == ("cloud", "spot")
    (f1, h1), (f2, h2) = w.demand.steps
    assert (base["fraction"], base["hours_per_month"]) == (f1, h1)
    assert (peak["fraction"], peak["hours_per_month"]) == (f2, h2)
    assert base["replicas"] + peak["replicas"] == w.demand.replicas
    bc = plan.burst_comparison
    assert bc is not None and bc.plan_monthly_usd <= bc.single_monthly_usd + 1e-6
    # both parts are in the export: the peak as a SkyPilot task, the base as a site Job
    dep = plan.deployment.set_index("unit")
    assert dep.at["reco-refresh~2", "use_spot"]
    assert dep.at["reco-refresh~1", "site"] == base["target"].removeprefix("site:")


def test_the_70b_serves_the_escalated_share_under_the_sources_rules(scenario, plan):
    by_id = {w.id: w for w in scenario.workloads}
    sources = [w for w in scenario.workloads if w.escalation is not None]
    assert {w.escalation.to for w in sources} == {"support-70b"} and len(sources) == 2
    expected_rps = sum(w.escalation.fraction * w.demand.requests_per_second for w in sources)
    assert by_id["support-70b"].demand.requests_per_second is None  # derived, not typed
    c = plan.cascades
    assert sorted(c["source"]) == sorted(w.id for w in sources)
    assert c["target_rps"].iloc[0] == pytest.approx(expected_rps)
    assert set(c["inherited_classification"]) == {"pii"}
    at = plan.assignments.set_index("unit").at["support-70b", "target"]
    assert "EU" in _jurisdictions(plan, at)
    for w in sources:  # the escalated traffic is priced both ways, like any flow
        assert f"{w.id}->support-70b" in plan.flows_usd
        assert f"support-70b->{w.id}" in plan.flows_usd


def test_forecasting_shards_train_where_their_sales_data_lives(scenario, plan):
    w = next(w for w in scenario.workloads if w.id == "demand-forecast")
    at = plan.assignments.set_index("unit")["target"]
    for shard in w.federated.shards:
        target = at[f"demand-forecast/{shard.id}"]
        if shard.site:
            assert target == f"site:{shard.site}"
        elif shard.region:
            assert target == shard.region
        else:
            assert set(shard.residency) <= _jurisdictions(plan, target), (shard.id, target)
        for direction in (
            f"demand-forecast/{shard.id}->demand-forecast/aggregator",
            f"demand-forecast/aggregator->demand-forecast/{shard.id}",
        ):
            assert direction in plan.flows_usd
    assert "EU" in _jurisdictions(plan, at["demand-forecast/aggregator"])
    assert len({at[f"demand-forecast/{s.id}"] for s in w.federated.shards}) == 4


def test_the_notebook_map_draws_the_federated_topology(plan):
    """``plan.figures.map()`` (the notebook's map) draws a line per shard to its aggregator,
    as the report's map does."""
    fig = plan.figures.map()
    lines = [t for t in fig.data if t.name and t.name.startswith("federated updates")]
    assert len(lines) == 1
    w = next(w for w in plan.scenario.workloads if w.federated is not None)
    # one segment per shard: plotly separates segments with None
    assert sum(1 for x in lines[0].x if x is None) == len(w.federated.shards)
