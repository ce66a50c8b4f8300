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


# --- explain names the limit that binds ----------------------------------------------------------
def test_explain_names_the_power_cap_that_keeps_a_workload_off_site():
    """Two 8-GPU workloads, one 10 kW box each, a 15 kW cap: the second goes to the cloud,
    and its explanation names the power cap (not 'shared capacity, budgets or rules')."""
    from test_explanations import gpu8, scenario

    plan = advisor.solve(scenario([gpu8("w1", 730), gpu8("w2", 730)], max_kw=15), sensitivity=False)
    where = plan.assignments.set_index("workload")["tier"]
    cloud = where[where == "cloud"].index[0]
    text = plan.explain(cloud)
    line = next(x for x in text.splitlines() if "not used" in x)
    assert "power at dc is at its cap (10.0 of 15.0 kW installed" in line, text
    assert "one more hgx-h100-8 needs 10.0 kW" in line
    assert "shared capacity" not in text


def test_explain_reads_a_saved_plan_without_solving(report_plan, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import advisor.plan.planner as planner
    from advisor.cli import app

    path = tmp_path / "plan.json"
    path.write_text(report_plan.to_json())

    def no_solve(*a, **k):
        raise AssertionError("explain --plan must not solve")

    monkeypatch.setattr(planner, "solve_problem", no_solve)
    r = CliRunner().invoke(
        app,
        [
            "explain",
            advisor.example_path("eu-insurer.yaml").as_posix(),
            "claims-llm",
            "--plan",
            str(path),
        ],
    )
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == report_plan.explain("claims-llm").strip()


# --- verification: every plan, and saved plans ---------------------------------------------------
def test_verify_rechecks_a_saved_plan_and_catches_tampering(tmp_path):
    import json

    from typer.testing import CliRunner

    from advisor.cli import app

    runner = CliRunner()
    src = advisor.example_path("eu-insurer.yaml").as_posix()
    assert runner.invoke(app, ["plan", src, "--out", str(tmp_path), "-q"]).exit_code == 0
    saved = tmp_path / "plan.json"
    r = runner.invoke(app, ["verify", str(saved), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["ok"] and out["violations"] == [] and out["checks"] > 100
    doc = json.loads(saved.read_text())
    doc["assignments"][0]["total_usd"] *= 1.01
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(doc))
    r = runner.invoke(app, ["verify", str(bad)])
    assert r.exit_code == 5
    assert "FAILED verification" in r.stderr and "total_usd" in r.stderr


def test_plan_exits_5_when_its_plan_fails_verification(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import advisor.plan.verify as verify
    from advisor.cli import app
    from advisor.plan.verify import Verification, Violation

    def failing(plan, catalog=None, rel_tol=1e-6):
        return Verification(False, (Violation("cost", "x", "made up for the test"),), 1)

    monkeypatch.setattr(verify, "verify_plan", failing)
    src = advisor.example_path("eu-insurer.yaml").as_posix()
    r = CliRunner().invoke(app, ["plan", src, "--out", str(tmp_path)])
    assert r.exit_code == 5
    assert "FAILED independent verification" in r.stderr and "made up for the test" in r.stderr
