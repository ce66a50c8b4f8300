"""SkyPilot task YAML, one file per cloud placement unit.

Each task pins what the plan chose: ``resources.cloud``, ``region``, ``instance_type``,
``use_spot`` and ``disk_size`` (the accelerators follow from the instance type, so they are
named in a comment, not pinned, to avoid a second name for the same GPU). An inference unit
becomes a SkyServe service with ``replica_policy`` fixed at the VMs the plan pays for; a
training or batch unit runs on ``num_nodes`` VMs. Replicas that share one VM (several model
replicas on a multi-GPU instance) are passed as ``ADVISOR_REPLICAS_PER_NODE``.

Reserved / committed pricing has no SkyPilot field: the commitment is bought with the
provider, and the on-demand launch is then billed at the committed rate. The task says so.
``setup``/``run`` are left to the team (advisor does not know the container); a comment marks
where they go.
"""

from __future__ import annotations

import math

import yaml

from advisor.export.names import dns_label
from advisor.export.source import DeployUnit, ExportSource

SERVE_READINESS_PATH = "/health"
"""Readiness probe of inference services (vLLM, TGI and Triton all answer on /health)."""


def task(u: DeployUnit, plan_name: str) -> dict:
    """The SkyPilot task of one cloud unit, as a dict in SkyPilot's task schema."""
    nodes = u.vms
    resources: dict = {
        "cloud": u.provider,
        "region": u.region,
        "instance_type": u.instance_type,
        "use_spot": bool(u.use_spot),
        "disk_size": int(u.disk_gb),
        "labels": {
            "advisor-plan": dns_label(plan_name),
            "advisor-workload": dns_label(u.workload),
        },
    }
    envs = {
        "ADVISOR_PLAN": plan_name,
        "ADVISOR_WORKLOAD": u.workload,
        "ADVISOR_UNIT": u.unit,
        "ADVISOR_REPLICAS": str(u.replicas),
        "ADVISOR_REPLICAS_PER_NODE": str(max(1, math.ceil(u.replicas / nodes))),
        "ADVISOR_ACCELERATORS_PER_REPLICA": str(u.accelerators_per_replica),
        "ADVISOR_PRECISION": u.precision,
    }
    doc: dict = {"name": dns_label(u.unit), "resources": resources, "envs": envs}
    if u.kind == "inference":
        doc["service"] = {
            "readiness_probe": SERVE_READINESS_PATH,
            "replica_policy": {"min_replicas": nodes, "max_replicas": nodes},
        }
    else:
        doc["num_nodes"] = nodes
    return doc


def _header(u: DeployUnit, plan_name: str) -> str:
    how = "sky serve up" if u.kind == "inference" else "sky launch"
    lines = [
        f"# SkyPilot task for {u.unit} ({u.kind}) of plan {plan_name!r}, written by advisor.",
        f"# Launch: {how} <this file>",
        f"# Chosen: {u.provider}:{u.region} {u.instance_type} ({u.pricing})"
        + (f", {u.accelerator} x{u.accelerators_per_replica} per replica" if u.accelerator else ""),
    ]
    if u.pricing.startswith("reserved"):
        lines.append(
            f"# {u.pricing}: buy the commitment with {u.provider}; the launch below is then "
            "billed at the committed rate."
        )
    if "~" in u.unit and u.hours_per_month is not None:  # a step of a split workload
        lines.append(
            f"# Burst part of {u.workload}'s load profile: the plan pays for "
            f"{u.hours_per_month:g} h a month; launch it for those hours and take it down after."
        )
    lines.append("# Add your setup: and run: commands (image, model, server) below.")
    return "\n".join(lines) + "\n"


def skypilot_files(source: ExportSource) -> dict[str, str]:
    """``skypilot-<unit>.yaml`` for every cloud unit of the plan."""
    files = {}
    for u in source.by_tier("cloud"):
        body = yaml.safe_dump(task(u, source.scenario), sort_keys=False, allow_unicode=True)
        files[f"skypilot-{dns_label(u.unit)}.yaml"] = _header(u, source.scenario) + body
    return files
