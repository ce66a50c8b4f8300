"""The architect's CLI, run the way a user runs it: every command and every exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from helpers_focus import validate as validate_focus
from typer.testing import CliRunner

from advisor.cli import app
from advisor.plan.json_schema import plan_schema

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_validate_prints_summary():
    r = run("validate", str(ROOT / "examples/eu-insurer.yaml"), "--format", "json")
    assert r.exit_code == 0
    summary = json.loads(r.stdout)
    assert summary["workloads"] == 5
    assert summary["by_classification"]["phi"] == 1
    assert summary["sites"] == {"local": 1, "edge": 0}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_plan_every_example_exit_0(path: Path, tmp_path: Path):
    r = run("plan", str(path), "--out", str(tmp_path), "--format", "json")
    assert r.exit_code == 0, r.stdout
    out = json.loads(r.stdout)
    assert out["status"] in ("optimal", "feasible")
    for name in ("plan.json", "plan.csv", "report.html", "focus.csv"):
        assert (tmp_path / name).stat().st_size > 0
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["plan_schema_version"] == 1
    assert {a["workload"] for a in plan["assignments"]} == {w for w in _workload_ids(path)}
    jsonschema.validate(plan, plan_schema())  # every plan written matches `advisor schema --plan`
    focus = validate_focus(tmp_path / "focus.csv", tmp_path)  # the FinOps Foundation's validator
    assert "Validation succeeded" in focus.stdout and "failed" not in focus.stdout, focus.stdout
    assert json.loads((tmp_path / "focus-metadata.json").read_text())["FocusVersion"] == "1.2"
    r = run("verify", str(tmp_path / "plan.json"))  # plan.json round-trips through the verifier
    assert r.exit_code == 0 and "0 violations" in r.stdout, r.output


def _workload_ids(path: Path) -> set[str]:
    from advisor import load_scenario

    return {w.id for w in load_scenario(path).workloads}


def test_plan_is_deterministic(tmp_path: Path):
    src = str(ROOT / "examples/eu-insurer.yaml")
    run("plan", src, "--out", str(tmp_path / "a"), "--quiet")
    run("plan", src, "--out", str(tmp_path / "b"), "--quiet")
    for name in ("plan.json", "plan.csv", "report.html", "focus.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_invalid_exit_2(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nworkloads:\n  - id: a\n    demand: {requests_per_second: fast}\n")
    r = run("validate", str(bad))
    assert r.exit_code == 2
    assert "bad.yaml:4" in r.stderr
    assert "workloads[0].demand.requests_per_second" in r.stderr


def _infeasible(tmp_path: Path) -> Path:
    scn = yaml.safe_load((ROOT / "examples/eu-insurer.yaml").read_text())
    scn["budgets"] = [{"scope": "all", "opex_usd_per_month_max": 100}]
    path = tmp_path / "tight.yaml"
    path.write_text(yaml.safe_dump(scn))
    return path


def test_infeasible_exit_1_with_reasons(tmp_path: Path):
    r = run("plan", str(_infeasible(tmp_path)), "--out", str(tmp_path / "out"))
    assert r.exit_code == 1
    assert "opex budget 'all' is short by $" in r.stderr
    assert (tmp_path / "out" / "report.html").exists()


def test_solver_limit_exit_3(tmp_path: Path, monkeypatch):
    """The mapping of 'limit reached, no feasible plan' to exit code 3."""
    import advisor.plan.planner as planner
    from advisor.milp import Solution

    monkeypatch.setattr(
        planner,
        "solve_problem",
        lambda p, s, **kw: Solution("limit_no_solution", None, None, None),
    )
    r = run("plan", str(ROOT / "examples/eu-insurer.yaml"), "--out", str(tmp_path))
    assert r.exit_code == 3
    assert "without a feasible plan" in r.stderr


def test_explain_names_alternatives_and_rules():
    r = run("explain", str(ROOT / "examples/eu-insurer.yaml"), "claims-llm")
    assert r.exit_code == 0
    assert "claims-llm: local at fra-dc1" in r.stdout
    assert "privacy" in r.stdout and "residency" in r.stdout


def test_explain_unknown_workload_suggests():
    r = run("explain", str(ROOT / "examples/eu-insurer.yaml"), "claims-lm")
    assert r.exit_code == 2
    assert "did you mean 'claims-llm'?" in r.stderr


def test_compare_two_scenarios(tmp_path: Path):
    scn = yaml.safe_load((ROOT / "examples/eu-insurer.yaml").read_text())
    scn["name"] = "eu-insurer-no-buy"
    # owned boxes cost only their busy power at the margin: AWS must be much cheaper to win
    scn["clouds"]["discounts"] = [{"provider": "aws", "factor": 0.1}]
    b = tmp_path / "b.yaml"
    b.write_text(yaml.safe_dump(scn))
    r = run(
        "compare",
        str(ROOT / "examples/eu-insurer.yaml"),
        str(b),
        "--out",
        str(tmp_path),
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.stdout
    out = json.loads(r.stdout)
    assert out["b"] == "eu-insurer-no-buy"
    assert out["moved"] and all(m["why"] for m in out["moved"])
    assert out["delta_usd_per_month"] < 0
    assert Path(out["report"]).exists()


def test_plan_json_says_where_the_time_went(tmp_path: Path):
    """``--format json`` carries the command's stage times: every stage the plan went through,
    none negative, and together they are the total (rounding aside)."""
    from advisor.cli.stages import PLAN_PARTS

    r = run(
        "plan", str(ROOT / "examples/retailer.yaml"), "--out", str(tmp_path), "--format", "json"
    )
    assert r.exit_code == 0, r.stdout
    t = json.loads(r.stdout)["timings_s"]
    stages = {"startup", "load", *PLAN_PARTS, "solve_other", "centralised", "outputs", "verify"}
    assert set(t) == stages | {"total"}
    assert all(v >= -0.01 for v in t.values()), t
    assert t["solver"] > 0 and t["options"] > 0 and t["outputs"] > 0
    assert sum(t[k] for k in stages) == pytest.approx(t["total"], abs=0.02)


def test_catalog_list_and_show():
    r = run("catalog", "list")
    assert r.exit_code == 0 and "instance_prices" in r.stdout
    r = run("catalog", "show", "hardware", "-w", "sku=hgx-h100-8", "--format", "json")
    rows = json.loads(r.stdout)
    assert [x["sku"] for x in rows] == ["hgx-h100-8"]
    r = run("catalog", "show", "hardwre")
    assert r.exit_code == 2 and "did you mean 'hardware'?" in r.stderr


def test_schema_validates_examples():
    r = run("schema")
    schema = json.loads(r.stdout)
    for path in EXAMPLES:
        data = yaml.safe_load(path.read_text())
        if data.get("workload_inventories"):
            continue  # inventory rows are merged by the loader, not present in the YAML
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_init_writes_a_scenario_that_solves(tmp_path: Path):
    target = tmp_path / "starter.yaml"
    assert run("init", str(target)).exit_code == 0
    assert run("init", str(target)).exit_code == 2
    r = run("plan", str(target), "--out", str(tmp_path / "out"), "--format", "json")
    assert r.exit_code == 0, r.stdout


def test_help_has_examples_for_every_command():
    for cmd in ("validate", "plan", "explain", "compare", "schema", "init"):
        r = run(cmd, "--help")
        assert r.exit_code == 0 and "Example: advisor" in r.stdout, cmd
    for cmd in ("list", "show"):
        assert "Example: advisor catalog" in run("catalog", cmd, "--help").stdout


def test_console_script_no_traceback(tmp_path: Path):
    bad = tmp_path / "empty.yaml"
    bad.write_text("")
    r = subprocess.run(
        [sys.executable, "-m", "advisor", "validate", str(bad)], capture_output=True, text=True
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr + r.stdout
    assert "the file is empty" in r.stderr
