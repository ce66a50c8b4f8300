"""``advisor export``: SkyPilot tasks, Kubernetes manifests and Terraform variables.

The exported files must say what the plan decided (target, instance type, spot, replicas,
per-replica requests, HA separation), pass the ecosystem's own validators (SkyPilot's task
schema, kubernetes-validate), come out the same from a Plan and from its plan.json, and never
be written for a plan that cannot be deployed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers_scenarios import cpu_workload, gpu_workload, scenario, site
from hypothesis import given
from hypothesis import strategies as st

import advisor
from advisor.export import export_plan, load_export_source, render_export
from advisor.export.names import dns_label

ROOT = Path(__file__).resolve().parents[1]
VALIDATOR = ROOT / "tests" / "validators" / "validate_exports.py"
DNS = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


@pytest.fixture(scope="module")
def deploy_plan():
    """Two local sites with an HA pair, a CPU batch job at a site, an interruptible training
    job that goes to cloud spot and an inference service in the cloud."""
    scn = scenario(
        [
            gpu_workload(
                "ha-api",
                accelerator="L40S",
                replicas=2,
                ha={"groups": 2},
                allowed_tiers=["local"],
                kind="inference",
            ),
            cpu_workload(
                "nightly_etl",
                vcpus=16,
                memory_gb=64,
                replicas=3,
                kind="batch",
                allowed_tiers=["local"],
            ),
            gpu_workload(
                "trainer",
                accelerator="A10G",
                replicas=2,
                kind="training",
                interruptible=True,
                allowed_tiers=["cloud"],
            ),
            gpu_workload("chat.v2", accelerator="L4", replicas=3, allowed_tiers=["cloud"]),
        ],
        sites=[
            site("fra-dc", inventory={"l40s-4": 1, "cpu-2s-128": 1}),
            site("par-dc", place="paris", inventory={"l40s-4": 1}),
        ],
        regions=("aws:eu-central-1", "aws:eu-west-1"),
        pricing=("on_demand", "spot"),
        name="deploy test",
    )
    return advisor.solve(scn)


@pytest.fixture(scope="module")
def example_plans(tmp_path_factory):
    """plan.json of the bundled examples with cloud and site units, written by the CLI."""
    plans = {}
    for ex in ("eu-insurer", "manufacturer", "retailer"):
        out = tmp_path_factory.mktemp(ex)
        r = _cli("plan", str(ROOT / "examples" / f"{ex}.yaml"), "--out", str(out / "plan"), "-q")
        assert r.returncode == 0, r.stderr
        plans[ex] = out / "plan" / "plan.json"
    return plans


def test_deployment_frame_follows_the_plan(deploy_plan):
    d = deploy_plan.deployment.set_index("unit")
    a = deploy_plan.assignments.set_index("unit")
    assert sorted(d.index) == sorted(a.index)
    for unit, row in d.iterrows():
        assert row["target"] == a.at[unit, "target"]
        assert row["instance_type"] == a.at[unit, "hardware"]
        assert row["replicas"] == round(a.at[unit, "replicas"])
        assert row["use_spot"] == (a.at[unit, "pricing"] == "spot")
    # the HA groups are two units on two different sites
    ha = d[d["workload"] == "ha-api"]
    assert len(ha) == 2 and set(ha["ha_groups"]) == {2} and set(ha["ha_group"]) == {1, 2}
    assert ha["site"].nunique() == 2
    # a CPU workload asks for what it declared; a GPU replica for its share of the box, less
    # the node reserve
    etl = d.loc["nightly_etl"]
    assert (etl["vcpus_per_replica"], etl["memory_gb_per_replica"]) == (16, 64)
    hw = deploy_plan.options.catalog.hardware.set_index("sku").loc["l40s-4"]
    api = d.loc[ha.index[0]]
    assert 1 <= api["vcpus_per_replica"] <= hw["vcpus"] * api["accelerators_per_replica"] / 4
    assert api["memory_gb_per_replica"] <= hw["memory_gb"] * api["accelerators_per_replica"] / 4


def test_skypilot_tasks_pin_what_the_plan_chose(deploy_plan):
    src = load_export_source(deploy_plan)
    files = render_export(src, "skypilot")
    cloud = deploy_plan.assignments[deploy_plan.assignments["tier"] == "cloud"]
    assert len(files) == len(cloud) >= 2
    docs = {yaml.safe_load(t)["envs"]["ADVISOR_UNIT"]: yaml.safe_load(t) for t in files.values()}
    for a in cloud.itertuples():
        doc = docs[a.unit]
        res = doc["resources"]
        assert (res["cloud"], res["region"], res["instance_type"]) == (
            a.provider,
            a.region,
            a.hardware,
        )
        assert res["use_spot"] == (a.pricing == "spot")
        assert DNS.match(doc["name"])
    trainer = docs["trainer"]
    assert "service" not in trainer and trainer["num_nodes"] >= 1
    assert trainer["resources"]["use_spot"] is True  # interruptible: the plan took spot
    chat = docs["chat.v2"]
    assert (
        chat["service"]["replica_policy"]["min_replicas"]
        == chat["service"]["replica_policy"]["max_replicas"]
        >= 1
    )
    assert "num_nodes" not in chat


def test_kubernetes_manifests(deploy_plan):
    files = render_export(load_export_source(deploy_plan), "kubernetes", namespace="ml-prod")
    assert sorted(files) == ["k8s-fra-dc.yaml", "k8s-par-dc.yaml"]
    docs = [d for t in files.values() for d in yaml.safe_load_all(t)]
    kinds = {d["metadata"]["labels"]["advisor.io/workload"]: d["kind"] for d in docs}
    assert kinds["ha-api"] == "Deployment" and kinds["nightly_etl"] == "Job"
    for d in docs:
        assert d["metadata"]["namespace"] == "ml-prod"
        assert DNS.match(d["metadata"]["name"])
        pod = d["spec"]["template"]["spec"]
        assert pod["nodeSelector"]["advisor.io/site"] in ("fra-dc", "par-dc")
        res = pod["containers"][0]["resources"]
        unit = d["metadata"]["labels"]["advisor.io/unit"]
        row = deploy_plan.deployment.assign(u=lambda f: f["unit"].map(dns_label)).set_index("u")
        row = row.loc[unit]
        assert res["requests"]["cpu"] == str(row["vcpus_per_replica"])
        if row["accelerators_per_replica"]:
            gpus = str(row["accelerators_per_replica"])
            assert res["limits"]["nvidia.com/gpu"] == res["requests"]["nvidia.com/gpu"] == gpus
        else:
            assert "nvidia.com/gpu" not in res["limits"]
    ha = [d for d in docs if d["metadata"]["labels"]["advisor.io/workload"] == "ha-api"]
    assert len(ha) == 2
    for d in ha:
        required = d["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"
        ]
        assert required[0]["topologyKey"] == "advisor.io/site"
    job = next(d for d in docs if d["kind"] == "Job")
    assert job["spec"]["parallelism"] == job["spec"]["completions"] == 3


def test_terraform_variables_parse_back(deploy_plan):
    files = render_export(load_export_source(deploy_plan), "terraform")
    declared = set(re.findall(r'^variable "([a-z_]+)"', files["variables.tf"], re.M))
    block = files["variables.tf"].split("object({", 1)[1].split("})", 1)[0]
    object_fields = set(re.findall(r"^\s+(\w+)\s+=", block, re.M))
    cloud = deploy_plan.assignments[deploy_plan.assignments["tier"] == "cloud"]
    seen = 0
    for name, text in files.items():
        if name == "variables.tf":
            continue
        doc = json.loads(text)
        assert set(doc) == declared
        assert name == f"{doc['cloud_provider']}-{doc['region']}.auto.tfvars.json"
        for inst in doc["instances"]:
            assert set(inst) == object_fields
            a = cloud[cloud["unit"].map(dns_label) == inst["name"]].iloc[0]
            assert (a.provider, a.region, a.hardware) == (
                doc["cloud_provider"],
                doc["region"],
                inst["instance_type"],
            )
            assert inst["count"] >= 1 and inst["use_spot"] == (a.pricing == "spot")
            seen += 1
    assert seen == len(cloud)


def test_plan_json_gives_the_same_files_as_the_plan(deploy_plan, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(deploy_plan.to_json())
    for to in ("skypilot", "kubernetes", "terraform"):
        assert render_export(load_export_source(path), to) == render_export(
            load_export_source(deploy_plan), to
        )


def test_cli_exports_every_example_and_the_validators_accept_them(example_plans, tmp_path):
    folders = []
    for ex, plan_json in example_plans.items():
        for to in ("skypilot", "kubernetes", "terraform"):
            out = tmp_path / f"{ex}-{to}"
            r = _cli("export", str(plan_json), "--to", to, "--out", str(out))
            assert r.returncode == 0, r.stderr
            assert (out / "manifest.json").is_file()
            folders.append(out)
    names = {p.name for f in folders for p in f.iterdir()}
    assert any(n.startswith("skypilot-") for n in names)
    assert any(n.startswith("k8s-") for n in names)
    assert any(n.endswith(".auto.tfvars.json") for n in names)
    _validate(folders)


def test_validators_reject_a_broken_export(deploy_plan, tmp_path):
    """The validators are live: a wrong field in either file is reported."""
    src = load_export_source(deploy_plan)
    bad = tmp_path / "bad"
    bad.mkdir()
    sky_name, sky_text = next(iter(render_export(src, "skypilot").items()))
    sky = yaml.safe_load(sky_text)
    sky["resources"]["use_spot"] = "sometimes"
    (bad / sky_name).write_text(yaml.safe_dump(sky))
    k8s_name, k8s_text = next(iter(render_export(src, "kubernetes").items()))
    docs = list(yaml.safe_load_all(k8s_text))
    docs[0]["spec"]["template"]["spec"]["containers"][0]["gpuCount"] = 1
    (bad / k8s_name).write_text(yaml.safe_dump_all(docs))
    report = _validate([bad], expect_ok=False)
    assert report[str(bad / sky_name)] and report[str(bad / k8s_name)]


def _export_python() -> Path | None:
    venv = Path(os.environ.get("ADVISOR_EXPORT_VENV", ROOT / ".venv-export"))
    python = venv / "bin" / "python"
    return python if python.is_file() else None


def _validate(folders: list[Path], expect_ok: bool = True) -> dict:
    python = _export_python()
    if python is None:
        if os.environ.get("ADVISOR_REQUIRE_VALIDATORS"):
            pytest.fail("the export validators' virtualenv (.venv-export) is missing")
        pytest.skip("export validators not installed (sh scripts/test.sh creates .venv-export)")
    r = subprocess.run(
        [str(python), str(VALIDATOR), *map(str, folders)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode in (0, 1), r.stderr
    report = json.loads(r.stdout)
    if expect_ok:
        assert r.returncode == 0, json.dumps({k: v for k, v in report.items() if v}, indent=2)
    return report


def test_refuses_what_cannot_be_deployed(example_plans, tmp_path):
    doc = json.loads(example_plans["eu-insurer"].read_text())
    cases = {
        "infeasible": ({**doc, "status": "infeasible"}, "no feasible placement"),
        "old": ({k: v for k, v in doc.items() if k != "deployment"}, "no deployment section"),
        "tampered": (
            {**doc, "deployment": [{**doc["deployment"][0], "replicas": -3}]},
            "deployment.0.replicas",
        ),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(content))
        out = tmp_path / f"out-{name}"
        r = _cli("export", str(path), "--to", "kubernetes", "--out", str(out))
        assert r.returncode == 2, (name, r.stdout, r.stderr)
        assert message in r.stderr and "Traceback" not in r.stderr
        assert not out.exists()
    r = _cli(
        "export",
        str(example_plans["eu-insurer"]),
        "--to",
        "kubernets",
        "--out",
        str(tmp_path / "x"),
    )
    assert r.returncode == 2 and "did you mean 'kubernetes'" in r.stderr
    assert not (tmp_path / "x").exists()
    r = _cli(
        "export",
        str(ROOT / "examples" / "eu-insurer.yaml"),
        "--to",
        "skypilot",
        "--out",
        str(tmp_path / "y"),
    )
    assert r.returncode == 2 and "run 'advisor plan" in r.stderr


def test_plan_export_api_writes_a_whole_set(deploy_plan, tmp_path):
    written = deploy_plan.export("terraform", tmp_path / "tf")
    assert set(written) == {p.name for p in (tmp_path / "tf").iterdir()} - {"manifest.json"}
    manifest = json.loads((tmp_path / "tf" / "manifest.json").read_text())
    assert set(manifest["files"]) == set(written)
    # the same plan exported twice gives the same bytes (deterministic)
    again = export_plan(deploy_plan, "terraform", tmp_path / "tf2")
    for name in written:
        assert written[name].read_bytes() == again[name].read_bytes()


@given(
    st.lists(
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._#-]{0,80}", fullmatch=True),
        min_size=2,
        max_size=6,
        unique=True,
    )
)
def test_dns_labels_are_valid_and_distinct(ids):
    labels = [dns_label(i) for i in ids]
    assert all(DNS.match(x) and len(x) <= 63 for x in labels)
    assert len(set(labels)) == len(labels)
