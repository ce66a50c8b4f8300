"""Federated training end to end: validation, units, placement where the data lives, the
update flows and their round trip, the verifier catching a wrong plan, and exports."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
import yaml

import advisor
from advisor.errors import InvalidScenario
from advisor.plan.json_schema import plan_schema
from advisor.plan.verify import verify_plan
from advisor.schema import load_scenario, parse_scenario

DEMO = Path(__file__).parent / "data" / "federated-demo.yaml"


def demo_data() -> dict:
    return yaml.safe_load(DEMO.read_text())


def fed_of(data: dict) -> dict:
    return data["workloads"][0]["federated"]


def issues_of(data: dict, tmp_path: Path) -> list:
    path = tmp_path / "scn.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(InvalidScenario) as err:
        load_scenario(path)
    return err.value.issues


@pytest.fixture(scope="module")
def plan() -> advisor.Plan:
    return advisor.solve(load_scenario(DEMO), mip_gap=0.0)


# --- validation ----------------------------------------------------------------------------------
def test_unknown_shard_site_is_named_with_a_suggestion_and_its_line(tmp_path):
    data = demo_data()
    fed_of(data)["shards"][0]["site"] = "store-hub-d"
    (issue,) = issues_of(data, tmp_path)
    assert "unknown site 'store-hub-d'" in issue.message
    assert "store-hub-de" in issue.hint and issue.line is not None
    assert issue.path == "workloads[0].federated.shards[0].site"


def test_unknown_shard_region_gets_did_you_mean(tmp_path):
    data = demo_data()
    fed_of(data)["shards"][1]["region"] = "aws:eu-west-33"
    (issue,) = issues_of(data, tmp_path)
    assert "unknown cloud region" in issue.message and "aws:eu-west-3" in issue.hint
    assert issue.path == "workloads[0].federated.shards[1].region"


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda d: fed_of(d)["shards"][1].update(id="de"), "duplicate shard id 'de'"),
        (lambda d: fed_of(d)["shards"][0].update(data_gb=0), "0 is too small"),
        (lambda d: d["workloads"][0].update(kind="inference"), "kind: training"),
        (lambda d: fed_of(d)["shards"][0].update(region="aws:eu-west-3"), "exactly one of"),
        (lambda d: d["workloads"][0]["data"].update(source="store-hub-de"), "drop data.source"),
        (lambda d: fed_of(d).update(rounds_per_month=-1), "-1 is too small"),
    ],
)
def test_bad_federated_fields_are_clear_errors(tmp_path, edit, needle):
    data = demo_data()
    edit(data)
    issues = issues_of(data, tmp_path)
    text = " ".join(i.message for i in issues)
    assert needle in text, text
    assert all(i.path.startswith("workloads[0]") for i in issues)
    assert all(i.line is not None for i in issues)


def test_flows_cannot_name_a_federated_workload():
    data = demo_data()
    data["workloads"].append(
        {"id": "other", "cpu": {"vcpus": 2, "memory_gb": 4}, "demand": {"replicas": 1}}
    )
    data["flows"] = [
        {"from_workload": "other", "to_workload": "demand-forecast", "gb_per_month": 1}
    ]
    with pytest.raises(InvalidScenario) as err:
        parse_scenario(data)
    assert "is federated" in err.value.issues[0].message


def test_scenario_json_schema_has_the_federated_fields():
    schema = advisor.Scenario.model_json_schema()
    defs = schema["$defs"]
    assert "federated" in defs["Workload"]["properties"]
    assert {"shards", "rounds_per_month", "update_gb_per_round", "aggregator", "max_rtt_ms"} <= set(
        defs["Federated"]["properties"]
    )
    assert "max_rtt_ms" in defs["Flow"]["properties"]


# --- the plan --------------------------------------------------------------------------------------
def test_units_train_where_their_data_lives(plan):
    at = dict(zip(plan.assignments["unit"], plan.assignments["target"], strict=True))
    assert set(at) == {f"demand-forecast/{u}" for u in ("de", "fr", "it", "aggregator")}
    assert at["demand-forecast/de"] == "site:store-hub-de"
    assert at["demand-forecast/fr"] == "aws:eu-west-3"
    it = plan.options.targets.set_index("target").loc[at["demand-forecast/it"]]
    assert "IT" in it["jurisdictions"]
    agg = plan.assignments.set_index("unit").loc["demand-forecast/aggregator"]
    assert agg["tier"] in ("cloud", "local") and agg["classification"] == "internal"
    assert (plan.assignments["workload"] == "demand-forecast").all()


def test_compute_is_split_by_data_share(plan):
    units = plan.options.units.set_index("unit")
    shares = {"de": 800 / 1600, "fr": 500 / 1600, "it": 300 / 1600}
    for shard, share in shares.items():
        assert units.at[f"demand-forecast/{shard}", "gpu_hours"] == pytest.approx(400 * share)
    assert units.at["demand-forecast/aggregator", "cpu_vcpus"] == 4
    # 2 x (3 shards + 1) x 2.5 GB = 20 GB
    assert units.at["demand-forecast/aggregator", "cpu_mem"] == pytest.approx(20.0)


def test_update_flows_both_ways_priced_by_where_the_ends_landed(plan):
    flows = plan.flows_usd
    assert len(flows) == 6  # up and down per shard
    rates = plan.problem.flow_rates.set_index("target")
    at = dict(zip(plan.assignments["unit"], plan.assignments["target"], strict=True))
    agg = at["demand-forecast/aggregator"]
    gb = 30 * 2.5
    for shard in ("de", "fr", "it"):
        src = at[f"demand-forecast/{shard}"]
        up = flows[f"demand-forecast/{shard}->demand-forecast/aggregator"]
        if src == agg:
            assert up == pytest.approx(0.0)
        else:
            r = rates.loc[src]
            same = r["provider"] and r["provider"] == rates.at[agg, "provider"]
            want = r["usd_per_gb_inter"] if same else r["usd_per_gb_out"]
            assert up == pytest.approx(gb * want)
    assert plan.kpis["flows_usd_per_month"] == pytest.approx(sum(flows.values()))
    assert verify_plan(plan).ok


def test_raw_data_does_not_move_so_shard_risk_has_no_volume_term(plan):
    shards = plan.assignments[plan.assignments["unit"] != "demand-forecast/aggregator"]
    opts = plan.options.options
    for r in shards.itertuples():
        row = opts[(opts["unit"] == r.unit) & (opts["target"] == r.target)].iloc[0]
        assert row["egress_usd"] == pytest.approx(0.0)
    # confidential weight x tier exposure x (1 + log10(1 + 0)): no data leaves a shard
    assert (shards["classification"] == "confidential").all()


def test_max_rtt_moves_the_aggregator(plan):
    """A round trip limit below the current shard -> aggregator RTTs forces it closer."""
    rtt = plan.problem.flow_rtt.set_index(["src", "dst"])["rtt_ms"]
    at = dict(zip(plan.assignments["unit"], plan.assignments["target"], strict=True))
    agg = at["demand-forecast/aggregator"]
    worst = max(rtt.loc[(at[f"demand-forecast/{s}"], agg)] for s in ("de", "fr", "it"))
    data = demo_data()
    fed_of(data)["max_rtt_ms"] = float(worst) - 0.5
    tight = advisor.solve(parse_scenario(data), mip_gap=0.0)
    t_at = dict(zip(tight.assignments["unit"], tight.assignments["target"], strict=True))
    new = t_at["demand-forecast/aggregator"]
    assert new != agg
    t_rtt = tight.problem.flow_rtt.set_index(["src", "dst"])["rtt_ms"]
    for s in ("de", "fr", "it"):
        assert t_rtt.loc[(t_at[f"demand-forecast/{s}"], new)] <= worst - 0.5
    assert tight.objective >= plan.objective - 1e-6
    assert verify_plan(tight).ok


def test_impossible_round_trip_is_infeasible():
    data = demo_data()
    fed_of(data)["max_rtt_ms"] = 5.0  # the shards sit in three countries: no aggregator fits
    with pytest.raises(advisor.InfeasibleScenario) as err:
        advisor.solve(parse_scenario(data), mip_gap=0.0)
    found = [c for c in err.value.conflicts if c.kind == "flow_rtt"]
    assert found and "max_rtt_ms" in found[0].detail
    assert "demand-forecast/aggregator" in found[0].workloads


# --- the verifier ----------------------------------------------------------------------------------
def _tampered(plan: advisor.Plan, **changes) -> advisor.Plan:
    a = plan.assignments.copy()
    flows = dict(plan.flows_usd)
    for unit, target in changes.get("move", {}).items():
        a.loc[a["unit"] == unit, "target"] = target
    for name, usd in changes.get("flows", {}).items():
        flows[name] = usd
    return plan.__class__(**{**plan.__dict__, "assignments": a, "flows_usd": flows})


def test_verifier_catches_a_shard_away_from_its_data(plan):
    moved = _tampered(plan, move={"demand-forecast/fr": "aws:eu-central-1"})
    checks = {v.check for v in verify_plan(moved).violations}
    assert "data_location" in checks


def test_verifier_catches_a_mispriced_update_flow(plan):
    name = "demand-forecast/fr->demand-forecast/aggregator"
    wrong = _tampered(plan, flows={name: plan.flows_usd[name] + 5.0})
    found = [v for v in verify_plan(wrong).violations if v.subject == name]
    assert found and found[0].check == "flow"


def test_verifier_catches_a_round_trip_over_the_limit(plan):
    scn = plan.scenario
    w = scn.workloads[0]
    tight = w.model_copy(update={"federated": w.federated.model_copy(update={"max_rtt_ms": 1.0})})
    bad = plan.__class__(
        **{**plan.__dict__, "scenario": scn.model_copy(update={"workloads": (tight,)})}
    )
    checks = {v.check for v in verify_plan(bad).violations}
    assert "flow_rtt" in checks


# --- outputs ---------------------------------------------------------------------------------------
def test_plan_json_matches_its_schema_and_keeps_the_units(plan):
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(plan.to_json())
    jsonschema.validate(doc, plan_schema())
    units = {a["unit"] for a in doc["assignments"]}
    assert "demand-forecast/aggregator" in units
    assert len(doc["flows_usd_per_month"]) == 6
    fed = doc["federated"]
    assert [r["shard"] for r in fed["topology"]] == ["de", "fr", "it"]
    assert fed["centralised"]["offered"] and fed["centralised"]["winner"] == plan.centralised.winner
    assert plan.centralised is plan.centralised  # solved once


def test_exports_site_shards_as_jobs_and_cloud_shards_as_skypilot(plan, tmp_path):
    for to in ("kubernetes", "skypilot", "terraform"):
        plan.export(to, tmp_path / to)
    k8s = "\n".join(p.read_text() for p in (tmp_path / "kubernetes").rglob("*.yaml"))
    assert "kind: Job" in k8s and "demand-forecast-de" in k8s
    sky = [p.name for p in (tmp_path / "skypilot").rglob("*.yaml")]
    assert any("demand-forecast-fr" in n for n in sky), sky
    assert any("demand-forecast-it" in n for n in sky), sky
    from test_export import _validate  # the ecosystem's validators (skip when not installed)

    _validate([tmp_path / "kubernetes", tmp_path / "skypilot"])


def test_inputs_are_not_modified():
    data = demo_data()
    before = copy.deepcopy(data)
    advisor.solve(parse_scenario(data), mip_gap=0.0)
    assert data == before
    assert math.isclose(sum(s["data_gb"] for s in fed_of(data)["shards"]), 1600)


# --- the centralised alternative -------------------------------------------------------------------
def _aws_internet_usd(gb: float) -> float:
    """AWS internet egress through its published volume tiers, summed by hand."""
    cat = advisor.Catalog.load()
    usd = 0.0
    for lo, hi, rate in cat.egress_tiers("aws", "internet")[
        ["tier_from_gb", "tier_to_gb", "usd_per_gb"]
    ].itertuples(index=False):
        top = math.inf if hi != hi else hi  # NaN: no upper bound
        usd += max(0.0, min(gb, top) - lo) * rate
    return usd


def test_centralised_alternative_is_solved_and_compared(plan):
    from advisor.plan.centralised import compare_centralised

    c = compare_centralised(plan)
    assert c.offered and c.winner in ("federated", "centralised")
    m = c.metrics
    assert m.at["plan total (USD/month)", "federated"] == pytest.approx(
        plan.kpis["monthly_total_usd"]
    )
    winner_total = m.at["plan total (USD/month)", c.winner]
    assert winner_total == pytest.approx(
        m.loc["plan total (USD/month)", ["federated", "centralised"]].min()
    )
    # the central place must hold the Italian shard's data: it is in Italy
    target = c.central_targets["demand-forecast"]
    assert "IT" in plan.options.targets.set_index("target").at[target, "jurisdictions"]
    # every shard's data crosses once a month; updates: 2 x 30 x 2.5 GB x 3 shards
    assert m.at["GB crossing boundaries a month", "centralised"] == pytest.approx(1600)
    assert m.at["GB crossing boundaries a month", "federated"] == pytest.approx(450)
    # raw data moving raises the privacy risk
    assert m.at["privacy risk (points)", "centralised"] > m.at["privacy risk (points)", "federated"]
    assert c.unpriced == ("demand-forecast/it",)


def test_centralised_data_moves_are_priced_from_each_home():
    """fr's 500 GB leave AWS Paris at AWS internet rates (the centre is not on AWS here),
    de's 800 GB leave the hub at its WAN rate, it's location is unknown (not priced)."""
    from advisor.plan.centralised import compare_centralised

    data = demo_data()
    data["sites"][0]["wan_egress_usd_per_gb"] = 0.05
    data["clouds"]["providers"] = ["gcp", "aws"]
    plan = advisor.solve(parse_scenario(data), mip_gap=0.0)
    c = compare_centralised(plan)
    assert c.offered
    assert c.central_targets["demand-forecast"].startswith("gcp:")
    want = 800 * 0.05 + _aws_internet_usd(500)
    assert c.metrics.at["data movement (USD/month)", "centralised"] == pytest.approx(want)


def test_centralised_is_not_offered_when_residency_forbids_it_and_says_why():
    from advisor.plan.centralised import compare_centralised

    data = demo_data()
    fed_of(data)["shards"].append({"id": "fr2", "residency": ["FR"], "data_gb": 100})
    plan = advisor.solve(parse_scenario(data), mip_gap=0.0)
    c = compare_centralised(plan)
    assert not c.offered
    (reason,) = c.reasons
    assert "shard it must stay in [IT]" in reason and "shard fr2 must stay in [FR]" in reason


def test_report_draws_the_topology_and_compares(plan, tmp_path):
    html = plan.write_report(tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="federated"' in html and "Federated or centralised?" in html
    assert "federated updates (shard to aggregator)" in html
    assert "demand-forecast/it" in html


def test_cli_plan_verify_and_explain(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    env_run = [sys.executable, "-m", "advisor"]
    r = subprocess.run(
        [*env_run, "plan", str(DEMO), "--out", str(out), "--quiet"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    r = subprocess.run([*env_run, "verify", str(out / "plan.json")], capture_output=True, text=True)
    assert r.returncode == 0 and "verified" in r.stdout, r.stdout + r.stderr
    r = subprocess.run(
        [*env_run, "explain", str(DEMO), "demand-forecast", "--plan", str(out / "plan.json")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "demand-forecast/aggregator" in r.stdout
    assert "federated training: 3 shard(s)" in r.stdout and "round trip" in r.stdout


def test_verifier_checks_max_rtt_on_scenario_flows():
    """The generic flows' max_rtt_ms: a plan whose ends sit farther apart fails 'flow_rtt'."""
    data = {
        "name": "rtt",
        "settings": {"mip_gap": 0.0},
        "clouds": {
            "providers": ["gcp"],
            "pricing": ["on_demand"],
            "allow_regions": ["gcp:europe-west3", "gcp:europe-north1"],
        },
        "workloads": [
            {
                "id": "producer",
                "cpu": {"vcpus": 2, "memory_gb": 4},
                "demand": {"replicas": 1},
                "data": {"residency": ["DE"]},
            },
            {
                "id": "consumer",
                "cpu": {"vcpus": 2, "memory_gb": 4},
                "demand": {"replicas": 1},
                "data": {"residency": ["FI"]},
            },
        ],
        "flows": [{"from_workload": "producer", "to_workload": "consumer", "gb_per_month": 1}],
    }
    plan = advisor.solve(parse_scenario(data), mip_gap=0.0)
    assert verify_plan(plan).ok
    flow = plan.scenario.flows[0].model_copy(update={"max_rtt_ms": 2.0})
    strict = plan.scenario.model_copy(update={"flows": (flow,)})
    bad = plan.__class__(**{**plan.__dict__, "scenario": strict})
    found = [v for v in verify_plan(bad).violations if v.check == "flow_rtt"]
    assert found and "producer->consumer" in found[0].subject
