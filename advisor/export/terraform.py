"""Terraform variables: one ``<provider>-<region>.auto.tfvars.json`` per provider and region.

Each file sets the variables declared in the ``variables.tf`` written beside it::

    variable "advisor_plan"   { type = string }
    variable "cloud_provider" { type = string }          # aws | azure | gcp
    variable "region"         { type = string }
    variable "instances" {
      type = list(object({
        name          = string   # RFC 1123 label of the placement unit
        workload      = string
        instance_type = string
        count         = number   # VMs the plan pays for
        pricing       = string   # on_demand | spot | reserved_1y | reserved_3y
        use_spot      = bool
        disk_gb       = number
        labels        = map(string)
      }))
    }

so a module of the team's own can ``for_each`` over ``var.instances``. Terraform loads
``*.auto.tfvars.json`` automatically; one folder per region keeps them apart (or pass one
with ``-var-file``).
"""

from __future__ import annotations

import json

from advisor.export.names import dns_label
from advisor.export.source import DeployUnit, ExportSource

VARIABLES_TF = """# Variables set by the *.auto.tfvars.json files advisor writes beside this file.
variable "advisor_plan" {
  type        = string
  description = "Name of the advisor plan these instances come from"
}

variable "cloud_provider" {
  type        = string
  description = "aws, azure or gcp"
}

variable "region" {
  type        = string
  description = "Provider region of every instance in this file"
}

variable "instances" {
  description = "One entry per placement unit: VMs to run, their type, pricing and disk"
  type = list(object({
    name          = string
    workload      = string
    instance_type = string
    count         = number
    pricing       = string
    use_spot      = bool
    disk_gb       = number
    labels        = map(string)
  }))
}
"""


def _instance(u: DeployUnit, plan_name: str) -> dict:
    return {
        "name": dns_label(u.unit),
        "workload": u.workload,
        "instance_type": u.instance_type,
        "count": u.vms,
        "pricing": u.pricing,
        "use_spot": bool(u.use_spot),
        "disk_gb": int(u.disk_gb),
        "labels": {
            "advisor-plan": dns_label(plan_name),
            "advisor-workload": dns_label(u.workload),
            **({"advisor-team": dns_label(u.team)} if u.team else {}),
        },
    }


def terraform_files(source: ExportSource) -> dict[str, str]:
    """The tfvars of every (provider, region) the plan uses, and ``variables.tf``."""
    groups: dict[tuple[str, str], list[DeployUnit]] = {}
    for u in source.by_tier("cloud"):
        groups.setdefault((u.provider, u.region), []).append(u)
    files = {}
    for (provider, region), units in sorted(groups.items()):
        doc = {
            "advisor_plan": source.scenario,
            "cloud_provider": provider,
            "region": region,
            "instances": [
                _instance(u, source.scenario) for u in sorted(units, key=lambda x: x.unit)
            ],
        }
        name = f"{dns_label(provider, region)}.auto.tfvars.json"
        files[name] = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if files:
        files["variables.tf"] = VARIABLES_TF
    return files
