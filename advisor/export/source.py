"""What an export reads: the deployment units of a solved plan, from a Plan or a plan.json.

A plan.json is checked like any input (:func:`advisor.plan.planfile.load_plan_json`), and its
``deployment`` records are validated field by field, so a hand-edited or older file is refused
with the field that is wrong (exit 2) rather than exported half right. A plan that is not
feasible is never exported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.errors import InvalidScenario, Issue
from advisor.safeio import clip

if TYPE_CHECKING:
    from advisor.plan import Plan

EXPORTABLE_STATUSES = frozenset({"optimal", "feasible"})
"""Plan statuses that carry a complete placement (anything else has nothing to deploy)."""


class DeployUnit(BaseModel):
    """One placement unit to deploy (a row of :func:`advisor.plan.deployment.deployment_frame`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    workload: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    team: str | None = None
    kind: Literal["inference", "training", "batch"]
    tier: Literal["local", "edge", "cloud"]
    target: str
    site: str = ""
    provider: str = ""
    region: str = ""
    instance_type: str = Field(min_length=1)
    accelerator: str = ""
    accelerators_per_replica: int = Field(ge=0, le=1024)
    replicas: int = Field(ge=1, le=100_000)
    pricing: str
    use_spot: bool
    interruptible: bool
    ha_group: int = Field(ge=1)
    ha_groups: int = Field(ge=1)
    vcpus_per_replica: int = Field(ge=1)
    memory_gb_per_replica: int = Field(ge=1)
    disk_gb: int = Field(ge=1)
    precision: str = ""
    model_weights_gb: float = Field(ge=0, allow_inf_nan=False)
    billed_boxes: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    hours_per_month: float | None = Field(default=None, gt=0, le=744, allow_inf_nan=False)

    @property
    def vms(self) -> int:
        """Cloud VMs the plan pays for: its billed boxes, else one VM per replica."""
        if self.billed_boxes > 0:
            return max(1, math.ceil(self.billed_boxes - 1e-9))
        return self.replicas


@dataclass(frozen=True)
class ExportSource:
    """A feasible plan's identity and its deployment units."""

    scenario: str
    status: str
    advisor_version: str
    units: tuple[DeployUnit, ...]

    def by_tier(self, *tiers: str) -> list[DeployUnit]:
        return [u for u in self.units if u.tier in tiers]


def _refuse(display: str, path: str, message: str, hint: str = "") -> InvalidScenario:
    return InvalidScenario([Issue(display, None, path, message, hint=hint)])


def _from_records(
    display: str, scenario: str, status: str, version: str, deployment: object, boxes: dict
) -> ExportSource:
    if status not in EXPORTABLE_STATUSES:
        raise _refuse(
            display,
            "status",
            f"the plan's status is {status!r}: there is no feasible placement to export",
            hint="fix the scenario until 'advisor plan' finds a plan, then export that plan",
        )
    if not isinstance(deployment, list):
        raise _refuse(
            display,
            "deployment",
            "this plan.json has no deployment section (written by an older advisor)",
            hint="re-run 'advisor plan' to write a plan.json that can be exported",
        )
    units = []
    for i, rec in enumerate(deployment):
        if not isinstance(rec, dict):
            raise _refuse(display, f"deployment.{i}", "expected an object")
        try:
            unit = DeployUnit.model_validate(
                {**rec, "billed_boxes": boxes.get(rec.get("unit"), 0.0)}
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise _refuse(display, f"deployment.{i}.{where}", clip(first["msg"], 200)) from None
        units.append(unit)
    names = [u.unit for u in units]
    if len(set(names)) != len(names):
        raise _refuse(display, "deployment", "a placement unit is listed twice")
    return ExportSource(scenario, status, version, tuple(units))


def load_export_source(plan: Plan | str | Path) -> ExportSource:
    """The deployment units of ``plan`` (a :class:`~advisor.plan.Plan` or a plan.json path)."""
    if isinstance(plan, str | Path):
        from advisor.plan.planfile import load_plan_json

        doc = load_plan_json(plan)
        boxes = {
            a.get("unit"): float(a.get("billed_boxes") or 0.0) for a in doc.get("assignments", [])
        }
        return _from_records(
            str(plan),
            str(doc.get("scenario", "")),
            str(doc.get("status", "")),
            str(doc.get("advisor_version", "")),
            doc.get("deployment"),
            boxes,
        )
    from advisor import __version__

    boxes = dict(zip(plan.assignments["unit"], plan.assignments["billed_boxes"], strict=True))
    return _from_records(
        f"plan of {plan.scenario.name}",
        plan.scenario.name,
        plan.status,
        __version__,
        plan.deployment.to_dict(orient="records"),
        boxes,
    )
