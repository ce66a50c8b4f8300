"""Escalation (cascades): schema errors, derived demand, inherited data rules, the named
conflict, the traffic flows, the verifier, the sweep and brute force on a small case."""

from __future__ import annotations

import dataclasses
import json
from itertools import product
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
import yaml
from helpers_scenarios import EU_REGIONS, US_REGIONS, build, llm_workload, scenario_dict

import advisor
from advisor.catalog import Catalog
from advisor.errors import InfeasibleScenario, InvalidScenario
from advisor.milp.formulate import formulate
from advisor.options import build_options
from advisor.options.assumptions import ESCALATION_BYTES_PER_TOKEN
from advisor.options.escalation import derived_demands, escalation_traffic
from advisor.options.frames import unit_frame
from advisor.plan.json_schema import plan_schema
from advisor.plan.verify import verify_plan
from advisor.schema import load_scenario
from advisor.schema.published import scenario_schema
from advisor.whatif.cascade import no_cascade

CAT = Catalog.load()
DEMO = Path(__file__).parent / "data" / "scenarios" / "escalation-demo.yaml"
SECONDS_PER_MONTH = 730 * 3600


def cascade(
    fraction: float = 0.2,
    src_extra: dict | None = None,
    tgt_extra: dict | None = None,
    regions: tuple[str, ...] = ("aws:eu-central-1", "aws:us-east-1"),
    **extra,
) -> dict:
    """A small 7B model escalating to a 13B model, cloud only, few regions."""
    src = llm_workload(
        "small",
        params_billion=7,
        requests_per_second=4,
        tokens_per_request=200,
        escalation={"to": "large", "fraction": fraction},
        **(src_extra or {}),
    )
    tgt = llm_workload("large", params_billion=13, accelerator="L4", **(tgt_extra or {}))
    tgt["demand"] = {"tokens_per_request": 400}
    return scenario_dict([src, tgt], regions=regions, **extra)


def issues_of(data: dict) -> list:
    with pytest.raises(InvalidScenario) as exc:
        build(data)
    return exc.value.issues


# --- schema -----------------------------------------------------------------------------------


def test_unknown_target_gets_did_you_mean():
    data = cascade()
    data["workloads"][0]["escalation"]["to"] = "lrage"
    (issue,) = [i for i in issues_of(data) if "escalation" in i.path]
    assert issue.path == "workloads[0].escalation.to"
    assert "unknown workload 'lrage'" in issue.message
    assert "did you mean 'large'?" in issue.hint


def test_self_cycle_and_non_request_workloads_are_refused():
    data = cascade()
    data["workloads"][0]["escalation"]["to"] = "small"
    assert any("cannot escalate to itself" in i.message for i in issues_of(data))

    data = cascade()
    data["workloads"][1]["escalation"] = {"to": "small", "fraction": 0.5}
    data["workloads"][1]["demand"] = {"requests_per_second": 1, "tokens_per_request": 100}
    msgs = [i.message for i in issues_of(data)]
    assert any("escalation cycle: small -> large -> small" in m for m in msgs)

    data = cascade()
    data["workloads"][1] = {
        "id": "large",
        "accelerators": {"types": ["L4"]},
        "demand": {"replicas": 1},
    }
    assert any("'large' does not serve LLM requests" in i.message for i in issues_of(data))

    data = cascade()
    data["workloads"][1]["ha"] = {"groups": 2}
    assert any("ha workload is not supported" in i.message for i in issues_of(data))


def test_fraction_range_is_checked_with_its_path():
    for bad in (0, 1.5, -0.1):
        data = cascade(fraction=bad)
        fields = [i.path for i in issues_of(data)]
        assert "workloads[0].escalation.fraction" in fields


def test_demand_may_be_left_out_only_on_an_escalation_target(tmp_path):
    data = cascade()
    del data["workloads"][0]["escalation"]
    (issue,) = issues_of(data)
    assert issue.path == "workloads[1].demand"
    assert "no demand given" in issue.message
    assert "escalation.to" in issue.hint
    # from a file: the line of the workload's demand
    text = (
        "name: t\nclouds: {allow_regions: [aws:eu-central-1]}\nworkloads:\n"
        "  - id: a\n    model: {params_billion: 7}\n    demand: {tokens_per_request: 300}\n"
    )
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(InvalidScenario) as exc:
        load_scenario(path)
    (issue,) = exc.value.issues
    assert issue.file.endswith("s.yaml") and issue.line == 6


def test_demo_validates_and_the_json_schema_has_the_fields():
    scn = load_scenario(DEMO)
    assert scn.workloads[0].escalation.to == "support-70b"
    schema = scenario_schema()
    text = json.dumps(schema)
    for word in ("escalation", "fraction", "gb_per_month", "Escalation"):
        assert word in text
    jsonschema.validate(yaml.safe_load(DEMO.read_text()), schema)
    bad = yaml.safe_load(DEMO.read_text())
    bad["workloads"][0]["escalation"]["fraction"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


# --- derived demand ---------------------------------------------------------------------------


def test_derived_demand_sums_sources_and_follows_chains():
    a = llm_workload("a", requests_per_second=10, tokens_per_request=100)
    a["escalation"] = {"to": "b", "fraction": 0.2}
    b = llm_workload("b", requests_per_second=1, tokens_per_request=300)
    b["escalation"] = {"to": "c", "fraction": 0.5}
    d = llm_workload("d", requests_per_second=4, tokens_per_request=600)
    d["escalation"] = {"to": "c", "fraction": 0.25}
    c = llm_workload("c", params_billion=13)
    c["demand"] = {}
    scn = build(scenario_dict([a, b, c, d]))
    got = derived_demands(scn)
    assert got["b"].requests_per_second == pytest.approx(1 + 0.2 * 10)
    assert got["b"].tokens_per_request == 300  # its own
    # c: half of b's 3 req/s (at 300 tokens) + a quarter of d's 4 (at 600): weighted mean
    assert got["c"].requests_per_second == pytest.approx(0.5 * 3 + 0.25 * 4)
    assert got["c"].tokens_per_request == round((1.5 * 300 + 1.0 * 600) / 2.5)
    units = unit_frame(scn).set_index("unit")
    assert units.at["c", "tokens_per_s"] == pytest.approx(2.5 * got["c"].tokens_per_request)
    assert units.at["c", "output_tokens"] == got["c"].tokens_per_request
    assert units.at["a", "tokens_per_s"] == pytest.approx(10 * 100)  # a source is unchanged
    # c inherits a's data through b as well as b's and d's
    sources = {r.source for r in units.at["c", "inherited"]}
    assert sources == {"a", "b", "d"}


# --- inherited data rules ---------------------------------------------------------------------


def test_source_residency_moves_the_target():
    regions = ("aws:eu-central-1", "aws:us-east-1")
    free = advisor.solve(build(cascade(regions=regions)))
    assert free.assignments.set_index("workload").at["large", "target"] == "aws:us-east-1"
    bound = advisor.solve(
        build(cascade(regions=regions, src_extra={"data": {"residency": ["DE"]}}))
    )
    placed = bound.assignments.set_index("workload")["target"]
    assert placed["large"] == "aws:eu-central-1"
    assert placed["small"] == "aws:eu-central-1"
    assert bound.kpis["monthly_total_usd"] > free.kpis["monthly_total_usd"]
    rej = bound.rejections
    mine = rej[(rej["unit"] == "large") & (rej["rule"] == "escalation")]
    assert set(mine["target"]) == {"aws:us-east-1"}
    assert "(from small)" in mine["detail"].iloc[0]
    assert verify_plan(bound).ok


def test_source_classification_tiers_bind_the_target():
    sites = [
        {
            "id": "dc",
            "kind": "local",
            "country": "DE",
            "location": {"lat": 50.1, "lon": 8.7},
            "can_buy": ["l4-2"],
        }
    ]
    scn = build(
        cascade(
            sites=sites,
            src_extra={"data": {"classification": "special_category"}},
        )
    )
    plan = advisor.solve(scn)
    assert plan.assignments.set_index("workload").at["large", "tier"] == "local"
    assert verify_plan(plan).ok


def test_conflict_is_named():
    data = cascade(
        regions=US_REGIONS,
        src_extra={"data": {"classification": "pii", "residency": ["DE"]}},
    )
    data["workloads"][0]["allowed_tiers"] = []
    # the source itself may run in DE only: give it a site there; the target is cloud-only
    data["sites"] = [
        {
            "id": "dc",
            "kind": "local",
            "country": "DE",
            "location": {"lat": 50.1, "lon": 8.7},
            "can_buy": ["l4-2"],
        }
    ]
    data["workloads"][1]["allowed_tiers"] = ["cloud"]
    with pytest.raises(InfeasibleScenario) as exc:
        advisor.solve(build(data))
    (c,) = [c for c in exc.value.conflicts if c.subject == "large"]
    assert c.kind == "escalation"
    assert c.detail.startswith(
        "escalation small -> large: requests classified pii with residency DE cannot go to "
        "any target where large may run"
    )
    assert "aws:us-east-1" in c.detail


# --- traffic ----------------------------------------------------------------------------------


def test_flows_are_estimated_and_charged_by_where_both_ends_land():
    scn = build(cascade(regions=("aws:eu-central-1", "azure:westeurope")))
    (req, ans) = escalation_traffic(scn)
    requests = 0.2 * 4 * SECONDS_PER_MONTH
    prompt = scn.workloads[0].model.prompt_tokens
    assert req.gb_per_month == pytest.approx(requests * prompt * ESCALATION_BYTES_PER_TOKEN / 1e9)
    assert ans.gb_per_month == pytest.approx(requests * 400 * ESCALATION_BYTES_PER_TOKEN / 1e9)
    assert (req.source, req.target, ans.source, ans.target) == ("small", "large", "large", "small")
    plan = advisor.solve(scn)
    assert set(plan.flows_usd) == {"small->large", "large->small"}
    c = plan.cascades.iloc[0]
    assert c["flow_usd_per_month"] == pytest.approx(sum(plan.flows_usd.values()))
    if c["source_at"] == c["target_at"]:
        assert c["flow_usd_per_month"] == 0
    assert verify_plan(plan).ok


def test_given_volume_replaces_the_estimate_and_costs_when_apart():
    sites = [
        {
            "id": "dc",
            "kind": "local",
            "country": "DE",
            "location": {"lat": 50.1, "lon": 8.7},
            "can_buy": ["l4-2"],
            "wan_egress_usd_per_gb": 0.02,
        }
    ]
    data = cascade(
        regions=("aws:eu-central-1",),
        sites=sites,
        src_extra={"allowed_tiers": ["local"]},
        tgt_extra={"allowed_tiers": ["cloud"]},
    )
    data["workloads"][0]["escalation"]["gb_per_month"] = 1000
    scn = build(data)
    req, ans = escalation_traffic(scn)
    assert req.gb_per_month + ans.gb_per_month == pytest.approx(1000)
    assert req.gb_per_month / ans.gb_per_month == pytest.approx(
        scn.workloads[0].model.prompt_tokens / 400
    )
    plan = advisor.solve(scn)
    # the prompt leaves the site at its WAN rate; the answer leaves AWS at its internet rate
    assert plan.flows_usd["small->large"] == pytest.approx(req.gb_per_month * 0.02)
    assert plan.flows_usd["large->small"] > 0
    v = verify_plan(plan)
    assert v.ok, v.violations


# --- verifier ---------------------------------------------------------------------------------


def test_verifier_rechecks_inherited_rules_and_derived_demand():
    scn = build(cascade(regions=("aws:eu-central-1", "aws:us-east-1")))
    plan = advisor.solve(scn)
    assert plan.assignments.set_index("workload").at["large", "target"] == "aws:us-east-1"
    assert verify_plan(plan).ok
    # the same placement read against a source whose data must stay in DE
    stricter = build(cascade(src_extra={"data": {"residency": ["DE"]}}))
    small = stricter.workloads[0]
    stricter = stricter.model_copy(
        update={"workloads": (small, scn.workloads[1]), "clouds": scn.clouds}
    )
    bad = verify_plan(dataclasses.replace(plan, scenario=stricter))
    assert any(v.check == "escalation" and v.subject.startswith("large") for v in bad.violations)
    # ten times the source's requests: the target's replicas no longer carry its derived
    # demand (it types no demand of its own, so only the derivation can tell)
    src = scn.workloads[0]
    busier = scn.model_copy(
        update={
            "workloads": (
                src.model_copy(
                    update={"demand": src.demand.model_copy(update={"requests_per_second": 40})}
                ),
                scn.workloads[1],
            )
        }
    )
    worse = verify_plan(dataclasses.replace(plan, scenario=busier))
    (v,) = [v for v in worse.violations if v.check == "throughput" and v.subject == "large"]
    assert f"demand {0.2 * 40 * 400:g}" in v.detail


# --- explain, report, plan.json ---------------------------------------------------------------


def test_explain_report_and_plan_json_show_the_cascade(tmp_path):
    plan = advisor.solve(load_scenario(DEMO))
    text = plan.explain("support-70b")
    assert "escalation support-8b -> support-70b: 15% of support-8b's requests" in text
    assert "pii" in text and "DE" in text
    html = plan.write_report(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Escalation cascades" in html and "support-8b → support-70b" in html
    doc = plan.to_dict()
    jsonschema.validate(doc, plan_schema())
    (edge,) = doc["cascades"]
    assert edge["source"] == "support-8b" and edge["fraction"] == 0.15
    assert edge["target_rps"] == pytest.approx(0.15 * 20)
    assert edge["inherited_classification"] == "pii"
    assert verify_plan(plan).ok


# --- what-if ----------------------------------------------------------------------------------


def test_sweep_compares_with_the_no_cascade_alternative(tmp_path):
    scn = build(cascade(regions=("aws:eu-central-1",)))
    s = advisor.sweep(scn, "escalation:small", [0.1, 1.0], engine="inline", progress=False)
    f = s.frame.set_index("value")
    assert (f["status"] == "optimal").all()
    alt = advisor.solve(no_cascade(scn, "small"))
    assert f["no_cascade_usd"].iloc[0] == pytest.approx(alt.kpis["monthly_total_usd"])
    # at 1.0 the cascade serves every request twice: it cannot beat the target alone
    assert f.at[1.0, "cascade_saving_usd"] < 0
    assert f.at[0.1, "monthly_total_usd"] <= f.at[1.0, "monthly_total_usd"]
    assert "no cascade: large serves all of small's requests" in s.reference_label
    html = s.write_report(tmp_path / "sweep.html").read_text(encoding="utf-8")
    assert "Compared with the no cascade" in html and "Cascade saves" in html
    assert "costs more" in html or "stops paying off" in html
    # the alternative serves the source's whole rate on the target, with the source's data
    merged = {w.id: w for w in no_cascade(scn, "small").workloads}
    assert set(merged) == {"large"}
    assert merged["large"].demand.requests_per_second == pytest.approx(4)


def test_sweep_parameter_errors():
    scn = build(cascade())
    with pytest.raises(InvalidScenario) as exc:
        advisor.sweep(scn, "escalation:smal", [0.1], engine="inline", progress=False)
    assert "did you mean 'small'?" in str(exc.value.issues[0].hint)
    with pytest.raises(InvalidScenario):
        advisor.sweep(scn, "escalation:small", [0.0], engine="inline", progress=False)
    with pytest.raises(InvalidScenario) as exc:
        scn.with_escalation("large", 0.5)
    assert "does not escalate" in exc.value.issues[0].message


# --- brute force ------------------------------------------------------------------------------


def test_small_cascade_matches_brute_force():
    """Every (source option, target option) pair, priced from the option table and the flow
    rates, with the inherited residency applied independently: the solver's objective and
    choice must be the cheapest."""
    regions = (*EU_REGIONS[:3], *US_REGIONS[:2])
    scn = build(
        cascade(
            regions=regions,
            src_extra={"data": {"residency": ["EU"]}, "accelerators": {"types": ["L4"]}},
        )
    )
    problem = formulate(scn, build_options(scn, CAT, prune=False))
    o = problem.options.reset_index(drop=True)
    rates = problem.flow_rates.set_index("target")
    eu = {r.split(":")[1] for r in EU_REGIONS}
    flows = escalation_traffic(scn)
    months = scn.settings.horizon_months
    best = np.inf
    src_rows = np.flatnonzero(o["unit"] == "small")
    tgt_rows = np.flatnonzero(o["unit"] == "large")
    assert len(src_rows) * len(tgt_rows) > 1
    for i, j in product(src_rows, tgt_rows):
        where = {"small": o.at[i, "target"], "large": o.at[j, "target"]}
        if where["large"].split(":")[1] not in eu:  # the inherited residency, from scratch
            continue
        usd = 0.0
        for f in flows:
            a, b = where[f.source], where[f.target]
            pa, pb = rates.at[a, "provider"], rates.at[b, "provider"]
            rate = (
                0.0
                if a == b
                else rates.at[a, "usd_per_gb_inter"]
                if pa == pb
                else rates.at[a, "usd_per_gb_out"]
            )
            usd += f.gb_per_month * rate
        best = min(best, o.at[i, "obj_usd"] + o.at[j, "obj_usd"] + months * usd)
    plan = advisor.solve(scn)
    assert plan.objective == pytest.approx(best, rel=1e-6)
    assert plan.assignments.set_index("workload").at["large", "region"] in eu
    assert verify_plan(plan).ok


def test_target_risk_is_weighted_by_the_data_it_receives():
    def large_row(classification: str):
        scn = build(
            cascade(
                regions=("aws:eu-central-1",),
                src_extra={"data": {"classification": classification}},
            )
        )
        plan = advisor.solve(scn)
        assert verify_plan(plan).ok
        return plan.assignments.set_index("workload").loc["large"]

    internal, pii = large_row("internal"), large_row("pii")
    assert (pii["target"], pii["hardware"]) == (internal["target"], internal["hardware"])
    assert pii["classification"] == "internal"  # its own data is unchanged
    assert pii["risk"] == pytest.approx(5.0 * internal["risk"])  # pii weighs 5, internal 1


def test_inventory_rows_may_escalate(tmp_path):
    (tmp_path / "inv.csv").write_text(
        "id,model.params_billion,demand.requests_per_second,demand.tokens_per_request,"
        "escalation.to,escalation.fraction\n"
        "small,7,4,200,large,0.25\n"
        "large,13,,400,,\n"
    )
    (tmp_path / "s.yaml").write_text(
        "name: inv\nclouds: {allow_regions: [aws:eu-central-1]}\nworkload_inventories: [inv.csv]\n"
    )
    scn = load_scenario(tmp_path / "s.yaml")
    assert derived_demands(scn)["large"].requests_per_second == pytest.approx(1.0)
    (tmp_path / "inv.csv").write_text(
        "id,model.params_billion,demand.requests_per_second,demand.tokens_per_request,"
        "escalation.to,escalation.fraction\n"
        "small,7,4,200,lrge,0.25\n"
        "large,13,,400,,\n"
    )
    with pytest.raises(InvalidScenario) as exc:
        load_scenario(tmp_path / "s.yaml")
    (issue,) = [i for i in exc.value.issues if i.path.endswith("escalation.to")]
    assert issue.file.endswith("inv.csv") and issue.line == 2
    assert "did you mean 'large'?" in issue.hint


def test_cli_plan_explain_and_sweep(tmp_path):
    from typer.testing import CliRunner

    from advisor.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["plan", str(DEMO), "--out", str(tmp_path / "p"), "--quiet"])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "p" / "plan.json").read_text())
    assert doc["cascades"][0]["target"] == "support-70b"
    r = runner.invoke(app, ["verify", str(tmp_path / "p" / "plan.json")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app, ["explain", str(DEMO), "support-8b", "--plan", str(tmp_path / "p" / "plan.json")]
    )
    assert r.exit_code == 0 and "escalation support-8b -> support-70b" in r.output
    r = runner.invoke(
        app,
        ["sweep", str(DEMO), "escalation:support-8b", "0.15", "1.0", "--engine", "inline",
         "--out", str(tmp_path / "s")],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Compared with the no cascade: support-70b serves all of support-8b" in r.output
    frame = pd.read_csv(tmp_path / "s" / "sweep.csv")
    assert {"no_cascade_usd", "cascade_saving_usd"} <= set(frame.columns)
    assert frame.set_index("value").at[1.0, "cascade_saving_usd"] < 0


def test_sweep_says_when_there_is_no_alternative():
    a = llm_workload("a", requests_per_second=2, tokens_per_request=100)
    a["escalation"] = {"to": "b", "fraction": 0.5}
    b = llm_workload("b", requests_per_second=1, tokens_per_request=100)
    b["escalation"] = {"to": "c", "fraction": 0.5}
    c = llm_workload("c", params_billion=13)
    c["demand"] = {}
    scn = build(scenario_dict([a, b, c], regions=("aws:eu-central-1",)))
    s = advisor.sweep(scn, "escalation:b", [0.5], engine="inline", progress=False)
    assert s.reference is None
    assert s.frame["no_cascade_usd"].isna().all()
    assert "not computed: other workloads escalate to 'b' (a chain)" in s.reference_label
    from advisor.whatif.report import cascade_narrative

    (line,) = cascade_narrative(s.frame, s.reference_label)
    assert line.startswith("No-cascade alternative not computed: other workloads escalate")


def test_split_workloads_cannot_take_part():
    data = cascade()
    data["workloads"][0]["demand"]["profile"] = {"base_fraction": 0.6, "peak_hours_per_month": 120}
    data["workloads"][0]["split"] = True
    assert any("split workload is not supported" in i.message for i in issues_of(data))


def test_max_rtt_ms_bounds_the_round_trip_of_escalated_requests():
    """``escalation.max_rtt_ms`` bounds the round trip from where the source runs to where
    the target runs (the flow_latency family); it changes the plan when the free plan breaks
    it, and the verifier re-checks it on its own."""
    from helpers_scenarios import location

    def data(limit: float | None) -> dict:
        esc = {"to": "large", "fraction": 0.2, **({"max_rtt_ms": limit} if limit else {})}
        d = cascade(
            src_extra={"requests_from": "fra-users", "latency_slo_ms": 3000},
            regions=("aws:eu-central-1", "aws:us-east-1", "gcp:europe-west4"),
        )
        # the target runs on A10G (AWS g5 only): cheaper in Virginia than in Frankfurt
        d["workloads"][1]["accelerators"] = {"types": ["A10G"]}
        d["locations"] = [location("fra-users", "frankfurt")]
        d["workloads"][0]["escalation"] = esc
        return d

    free = advisor.solve(build(data(None)))
    where = dict(zip(free.assignments["unit"], free.assignments["target"], strict=True))
    bound_scn = build(data(30))
    rtt = formulate(bound_scn, build_options(bound_scn, CAT)).flow_rtt
    rtt = rtt.set_index(["src", "dst"])["rtt_ms"]
    assert rtt[(where["small"], where["large"])] > 30  # the free plan breaks the limit
    bound = advisor.solve(bound_scn)
    where_b = dict(zip(bound.assignments["unit"], bound.assignments["target"], strict=True))
    assert rtt[(where_b["small"], where_b["large"])] <= 30
    assert bound.kpis["monthly_total_usd"] > free.kpis["monthly_total_usd"]
    assert verify_plan(bound).ok
    # the verifier catches a plan that breaks the limit: the free plan under the bound scenario
    forged = dataclasses.replace(free, scenario=bound_scn)
    report = verify_plan(forged)
    assert any(v.check == "flow_rtt" for v in report.violations), report
