"""What it takes to deploy each placement unit of a plan: a tidy, solver-free frame.

One row per assignment (placement unit), with the facts a platform team needs and that
``plan.json`` carries under ``deployment`` so that ``advisor export`` works from the file alone:

============================  =================================================================
column                        meaning
============================  =================================================================
``kind``                      inference (a long-running service) / training / batch (run to end)
``interruptible``             the workload accepts preemption (may use spot)
``use_spot``                  the plan chose spot pricing for it
``ha_group`` / ``ha_groups``  replica group k of N (N > 1: the groups run on different targets)
``instance_type``             cloud instance type or on-prem/edge hardware SKU
``accelerators_per_replica``  accelerators one replica holds (0: CPU only)
``vcpus_per_replica``         CPU request of one replica (see below)
``memory_gb_per_replica``     memory request of one replica (see below)
``disk_gb``                   local disk of one replica (see below)
============================  =================================================================

Per-replica requests follow the sizing: a k-accelerator replica on a box with B accelerators is
given the box's share k/B of its vCPUs and memory, less :data:`SYSTEM_RESERVE` for the node's
own daemons (kubelet, container runtime, drivers), rounded down, at least 1 vCPU / 1 GB. A
CPU workload asks for what it declared (``cpu.vcpus``, ``cpu.memory_gb``), or else for the box
share its units occupy. Disk is an estimate: twice the model's weights (a downloaded copy and a
converted or cached one) plus :data:`BASE_DISK_GB` for the image and logs, never below
SkyPilot's default of 256 GB for cloud VMs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from advisor.schema.types import BYTES_PER_PARAM

if TYPE_CHECKING:
    from advisor.plan.result import Plan

SYSTEM_RESERVE = 0.10
"""Share of a box's vCPUs and memory kept for node daemons (estimate: Kubernetes' default
kube-reserved + system-reserved on an 8-GPU node is 5-10% of CPU and memory; GKE and EKS
reserve on the same order)."""

BASE_DISK_GB = 64.0
"""Container image, drivers and logs (estimate: CUDA runtime images are 10-20 GB)."""

CLOUD_MIN_DISK_GB = 256.0
"""SkyPilot's default ``disk_size`` (GB), used as the floor for cloud VMs."""

DEPLOYMENT_COLUMNS = [
    "workload",
    "unit",
    "team",
    "kind",
    "tier",
    "target",
    "site",
    "provider",
    "region",
    "instance_type",
    "accelerator",
    "accelerators_per_replica",
    "replicas",
    "pricing",
    "use_spot",
    "interruptible",
    "ha_group",
    "ha_groups",
    "vcpus_per_replica",
    "memory_gb_per_replica",
    "disk_gb",
    "precision",
    "model_weights_gb",
    "hours_per_month",
]


def _box_specs(plan: Plan) -> pd.DataFrame:
    """vCPUs, memory and accelerators of every box a plan may use, keyed by (tier kind, name)."""
    cat = plan.options.catalog
    hw = cat.hardware[["sku", "vcpus", "memory_gb", "accelerator_count"]].rename(
        columns={"sku": "name"}
    )
    hw["provider"] = ""
    it = cat.instance_types[
        ["provider", "instance_type", "vcpus", "memory_gb", "accelerator_count"]
    ].rename(columns={"instance_type": "name"})
    return pd.concat([hw, it], ignore_index=True).drop_duplicates(["provider", "name"])


def _floor_at_least_one(x: float) -> int:
    return max(1, math.floor(x + 1e-9))


def deployment_frame(plan: Plan) -> pd.DataFrame:
    """One row per assignment with what deploying it takes (see the module docstring)."""
    a = plan.assignments
    if not len(a):
        return pd.DataFrame(columns=DEPLOYMENT_COLUMNS)
    # dicts looked up per assignment (a frame row lookup each took most of a second at
    # 10,000 workloads)
    units = plan.options.units.set_index("unit").to_dict(orient="index")
    boxes = _box_specs(plan).set_index(["provider", "name"]).to_dict(orient="index")
    rows = []
    for r in a.itertuples(index=False):
        u = units[r.unit]
        box = boxes.get((r.provider if r.tier == "cloud" else "", r.hardware))
        acc = float(r.gpus_per_replica or 0.0)
        replicas = round(float(r.replicas))
        if acc > 0 and box is not None and float(box["accelerator_count"]) > 0:
            share = acc / float(box["accelerator_count"])
            vcpus = _floor_at_least_one(float(box["vcpus"]) * share * (1 - SYSTEM_RESERVE))
            mem = _floor_at_least_one(float(box["memory_gb"]) * share * (1 - SYSTEM_RESERVE))
        elif float(u["cpu_vcpus"]) > 0:
            vcpus = _floor_at_least_one(float(u["cpu_vcpus"]))
            mem = _floor_at_least_one(float(u["cpu_mem"]))
        elif box is not None:
            per = float(r.units) / max(replicas, 1) / max(float(box["vcpus"]), 1.0)
            vcpus = _floor_at_least_one(float(box["vcpus"]) * per * (1 - SYSTEM_RESERVE))
            mem = _floor_at_least_one(float(box["memory_gb"]) * per * (1 - SYSTEM_RESERVE))
        else:
            vcpus, mem = 1, 1
        params_b = float(u["params_b"]) if pd.notna(u["params_b"]) else 0.0
        weights_gb = params_b * float(BYTES_PER_PARAM.get(r.precision, 2.0))
        disk = math.ceil(2 * weights_gb + BASE_DISK_GB)
        if r.tier == "cloud":
            disk = max(disk, int(CLOUD_MIN_DISK_GB))
        groups = int(u["ha_groups"])
        rows.append(
            {
                "workload": r.workload,
                "unit": r.unit,
                "team": r.team,
                "kind": u["kind"],
                "tier": r.tier,
                "target": r.target,
                "site": r.site or "",
                "provider": r.provider or "",
                "region": r.region or "",
                "instance_type": r.hardware,
                "accelerator": r.accelerator if isinstance(r.accelerator, str) else "",
                "accelerators_per_replica": math.ceil(acc - 1e-9),
                "replicas": replicas,
                "pricing": r.pricing,
                "use_spot": r.pricing == "spot",
                "interruptible": bool(u["interruptible"]),
                "ha_group": int(r.unit.rsplit("#", 1)[1]) if groups > 1 else 1,
                "ha_groups": groups,
                "vcpus_per_replica": vcpus,
                "memory_gb_per_replica": mem,
                "disk_gb": int(disk),
                "precision": r.precision,
                "model_weights_gb": round(weights_gb, 3),
                "hours_per_month": float(u["hours"]),
            }
        )
    frame = pd.DataFrame(rows, columns=DEPLOYMENT_COLUMNS)
    frame.attrs["unit"] = "vCPU, GB (memory, disk, weights) per replica"
    return frame
