"""Published JSON Schemas: scenario files (editors, check-jsonschema) and plan.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from advisor.cli import app
from advisor.plan.json_schema import plan_schema
from advisor.schema.published import scenario_schema

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
runner = CliRunner()


def _properties(schema: dict):
    for name, defn in [("Scenario", schema), *schema["$defs"].items()]:
        for field, prop in defn.get("properties", {}).items():
            yield f"{name}.{field}", prop


def test_check_jsonschema_accepts_every_example(tmp_path):
    r = runner.invoke(app, ["schema"])
    assert r.exit_code == 0
    schema = tmp_path / "scenario.schema.json"
    schema.write_text(r.stdout)
    cmd = [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema)]
    done = subprocess.run([*cmd, *map(str, EXAMPLES)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert any(p.name == "saas-fleet.yaml" for p in EXAMPLES)  # inventories, no workloads
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsites: []\n")  # neither workloads nor workload_inventories
    done = subprocess.run([*cmd, str(bad)], capture_output=True, text=True)
    assert done.returncode == 1 and "workloads" in done.stdout


def test_scenario_schema_is_documented():
    schema = scenario_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:advisor:schema:scenario")
    undocumented = [k for k, p in _properties(schema) if not p.get("description")]
    assert undocumented == []
    props = dict(_properties(schema))
    assert "Default: 36." in props["Settings.horizon_months"]["description"]
    assert "months" in props["Settings.horizon_months"]["description"]
    assert "kW" in props["Power.max_kw"]["description"]
    jsonschema.Draft202012Validator.check_schema(schema)


def test_workloads_or_inventories():
    v = jsonschema.Draft202012Validator(scenario_schema())
    assert not list(v.iter_errors({"name": "x", "workload_inventories": ["a.csv"]}))
    assert list(v.iter_errors({"name": "x"}))


def test_init_writes_the_modeline_and_the_schema(tmp_path):
    target = tmp_path / "s.yaml"
    r = runner.invoke(app, ["init", str(target)])
    assert r.exit_code == 0, r.stdout
    first = target.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=./advisor-scenario.schema.json"
    schema = json.loads((tmp_path / "advisor-scenario.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(target.read_text()), schema)
    other = tmp_path / "t.yaml"
    r = runner.invoke(app, ["init", str(other), "--schema-url", "https://example.org/s.json"])
    assert other.read_text().startswith(
        "# yaml-language-server: $schema=https://example.org/s.json"
    )


def test_plan_schema_accepts_a_plan_and_catches_faults(report_plan):
    r = runner.invoke(app, ["schema", "--plan"])
    assert r.exit_code == 0
    schema = json.loads(r.stdout)
    assert schema == plan_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = json.loads(report_plan.to_json())
    jsonschema.validate(doc, schema)
    bad = json.loads(report_plan.to_json())
    bad["assignments"][0]["slo_ms"] = None  # what an infinite SLO used to become
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    bad = json.loads(report_plan.to_json())
    bad["kpis"].pop("monthly_total_usd")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_plan_json_keeps_infinity_and_full_precision(report_plan, tmp_path):
    from advisor.plan.compare import load_plan_json

    path = tmp_path / "plan.json"
    path.write_text(report_plan.to_json())
    assert '"slo_ms": "Infinity"' in path.read_text()
    doc = load_plan_json(path)
    a = report_plan.assignments
    for row, (_, want) in zip(doc["assignments"], a.iterrows(), strict=True):
        assert row["slo_ms"] == want["slo_ms"]  # inf == inf, exact floats otherwise
        assert row["total_usd"] == want["total_usd"]
