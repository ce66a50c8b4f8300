"""Kubernetes manifests for the plan's local and edge units, one file per site.

Per unit: a ``Deployment`` (inference: a long-running service) or a ``Job`` (training and
batch: run to completion, ``parallelism`` = ``completions`` = replicas), with

* ``nodeSelector`` on ``advisor.io/site`` (label each site's nodes with it) and
  ``advisor.io/hardware`` (the SKU the plan sized the replica for);
* requests from the sizing (``vcpus_per_replica``, ``memory_gb_per_replica``) and
  ``nvidia.com/gpu`` limits (= requests, as the device plugin requires);
* pod anti-affinity: the replicas of one unit prefer different nodes, and the groups of an HA
  workload may never share a site (``requiredDuringScheduling`` on ``advisor.io/site``), the
  rule the plan itself obeys.

Names are RFC 1123 labels derived from the ids (:func:`advisor.export.names.dns_label`). The
container image is a parameter (``image`` or ``registry``); advisor does not know it.
"""

from __future__ import annotations

import yaml

from advisor.export.names import dns_label, label_value
from advisor.export.source import DeployUnit, ExportSource

SITE_LABEL = "advisor.io/site"
HARDWARE_LABEL = "advisor.io/hardware"
WORKLOAD_LABEL = "advisor.io/workload"
UNIT_LABEL = "advisor.io/unit"
DEFAULT_NAMESPACE = "advisor"
DEFAULT_REGISTRY = "registry.example.com/advisor"
JOB_BACKOFF_LIMIT = 4


def _labels(u: DeployUnit, plan_name: str) -> dict[str, str]:
    labels = {
        "app.kubernetes.io/name": dns_label(u.workload),
        "app.kubernetes.io/managed-by": "advisor",
        "advisor.io/plan": label_value(plan_name) or "plan",
        WORKLOAD_LABEL: label_value(u.workload),
        UNIT_LABEL: dns_label(u.unit),
    }
    if u.team:
        labels["advisor.io/team"] = label_value(u.team)
    return {k: v for k, v in labels.items() if v}


def _affinity(u: DeployUnit) -> dict:
    spread = {
        "weight": 100,
        "podAffinityTerm": {
            "labelSelector": {"matchLabels": {UNIT_LABEL: dns_label(u.unit)}},
            "topologyKey": "kubernetes.io/hostname",
        },
    }
    anti: dict = {"preferredDuringSchedulingIgnoredDuringExecution": [spread]}
    if u.ha_groups > 1:
        anti["requiredDuringSchedulingIgnoredDuringExecution"] = [
            {
                "labelSelector": {
                    "matchExpressions": [
                        {
                            "key": WORKLOAD_LABEL,
                            "operator": "In",
                            "values": [label_value(u.workload)],
                        },
                        {"key": UNIT_LABEL, "operator": "NotIn", "values": [dns_label(u.unit)]},
                    ]
                },
                "topologyKey": SITE_LABEL,
            }
        ]
    return {"podAntiAffinity": anti}


def _pod_spec(u: DeployUnit, image: str, restart: str) -> dict:
    requests: dict[str, str | int] = {
        "cpu": str(u.vcpus_per_replica),
        "memory": f"{u.memory_gb_per_replica}Gi",
    }
    limits: dict[str, str | int] = {"memory": f"{u.memory_gb_per_replica}Gi"}
    if u.accelerators_per_replica > 0:
        requests["nvidia.com/gpu"] = str(u.accelerators_per_replica)
        limits["nvidia.com/gpu"] = str(u.accelerators_per_replica)
    env = [
        {"name": "ADVISOR_WORKLOAD", "value": u.workload},
        {"name": "ADVISOR_UNIT", "value": u.unit},
        {"name": "ADVISOR_PRECISION", "value": u.precision},
    ]
    spec: dict = {
        "nodeSelector": {
            SITE_LABEL: label_value(u.site),
            HARDWARE_LABEL: label_value(u.instance_type),
        },
        "affinity": _affinity(u),
        "containers": [
            {
                "name": "main",
                "image": image,
                "env": env,
                "resources": {"requests": requests, "limits": limits},
            }
        ],
        "restartPolicy": restart,
    }
    if u.accelerators_per_replica > 0:
        spec["tolerations"] = [
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
        ]
    return spec


def manifest(u: DeployUnit, plan_name: str, namespace: str, image: str) -> dict:
    """The Deployment (inference) or Job (training, batch) of one site unit."""
    labels = _labels(u, plan_name)
    meta = {"name": dns_label(u.unit), "namespace": namespace, "labels": dict(labels)}
    template = {"metadata": {"labels": dict(labels)}}
    if u.kind == "inference":
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": u.replicas,
                "selector": {"matchLabels": {UNIT_LABEL: labels[UNIT_LABEL]}},
                "template": {**template, "spec": _pod_spec(u, image, "Always")},
            },
        }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": {
            "parallelism": u.replicas,
            "completions": u.replicas,
            "backoffLimit": JOB_BACKOFF_LIMIT,
            "template": {**template, "spec": _pod_spec(u, image, "OnFailure")},
        },
    }


def kubernetes_files(
    source: ExportSource,
    namespace: str = DEFAULT_NAMESPACE,
    registry: str = DEFAULT_REGISTRY,
    image: str = "",
) -> dict[str, str]:
    """``k8s-<site>.yaml`` (multi-document) for every site that hosts a unit of the plan.

    ``image`` is used for every container when given; otherwise ``<registry>/<workload>:latest``.
    """
    ns = dns_label(namespace)
    by_site: dict[str, list[DeployUnit]] = {}
    for u in source.by_tier("local", "edge"):
        by_site.setdefault(u.site, []).append(u)
    files = {}
    for site, units in sorted(by_site.items()):
        docs = [
            manifest(u, source.scenario, ns, image or f"{registry}/{dns_label(u.workload)}:latest")
            for u in sorted(units, key=lambda x: x.unit)
        ]
        head = (
            f"# Kubernetes manifests for site {site} of plan {source.scenario!r}, written by "
            "advisor.\n"
            f"# Label the site's nodes: {SITE_LABEL}={label_value(site)} and "
            f"{HARDWARE_LABEL}=<sku>; then: kubectl apply -f <this file>\n"
        )
        body = yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True)
        files[f"k8s-{dns_label(site)}.yaml"] = head + body
    return files
