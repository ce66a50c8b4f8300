"""Burst checks: the parts of split workloads, re-derived from the scenario alone.

A workload with ``split: true`` and load steps (fraction_k, hours_k), base first, is placed as
units ``<id>~<k>`` (``<id>~<k>#<g>`` with HA). Each part must serve fraction_k of the peak
demand for hours_k a month and carries fraction_k x hours_k / sum_j fraction_j x hours_j of
the workload's data volumes and flows. A workload with a profile that is not split
autoscales in the cloud: at level c_k = fraction_1 + ... + fraction_k it runs
ceil(ceil(c_k R - 1e-9) / p) instances for hours_k - hours_{k+1} hours (R the replicas the
peak needs, p replicas per instance); on a site it is sized for the peak.

Written from the documentation (docs/model.md, the costing docstring), sharing no code with
``advisor.options.burst``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.plan.verify.base import VerifierBase

if TYPE_CHECKING:
    from advisor.plan.verify.facts import Row
    from advisor.schema.scenario import Workload


@dataclass(frozen=True)
class VPart:
    name: str
    step: int  # 0: the whole workload
    fraction: float
    hours: float
    volume: float  # share of data volumes and flows


def verifier_parts(w: Workload) -> list[VPart]:
    """The parts the documentation says ``w`` is placed as."""
    d = w.demand
    if not w.split:
        return [VPart(w.id, 0, 1.0, d.hours_per_month, 1.0)]
    steps = d.steps
    total = sum(f * h for f, h in steps)
    return [VPart(f"{w.id}~{k}", k, f, h, f * h / total) for k, (f, h) in enumerate(steps, start=1)]


def autoscaled_hours(steps: tuple[tuple[float, float], ...], need: float, per_box: int) -> float:
    """Billed hours per peak instance of an autoscaling cloud unit (module docstring)."""
    level, box_hours = 0.0, 0.0
    for k, (fraction, hours) in enumerate(steps):
        level = min(level + fraction, 1.0)
        after = steps[k + 1][1] if k + 1 < len(steps) else 0.0
        boxes = math.ceil(math.ceil(level * need - 1e-9) / per_box - 1e-9)
        box_hours += boxes * (hours - after)
    peak = math.ceil(math.ceil(need - 1e-9) / per_box - 1e-9)
    return box_hours / peak if peak > 0 else steps[0][1]


class BurstChecks(VerifierBase):
    """Unit -> part resolution and the coverage check of split workloads."""

    def part_units(self, w: Workload) -> list[tuple[VPart, str]]:
        groups = w.ha.groups if w.ha else 1
        return [
            (p, p.name if groups == 1 else f"{p.name}#{g}")
            for p in verifier_parts(w)
            for g in range(1, groups + 1)
        ]

    def unit_part(self, unit: str) -> tuple[Workload, VPart] | None:
        """The workload and part of a unit name, or None when it names neither."""
        head = unit.rsplit("#", 1)[0] if "#" in unit else unit
        if "/" in head:  # a federated shard or aggregator: never split, one whole part
            fw = self.federated_workload(unit)  # FederatedChecks
            return None if fw is None else (fw, VPart(unit, 0, 1.0, fw.demand.hours_per_month, 1.0))
        w = self.f.workloads.get(head.split("~", 1)[0])
        if w is None:
            return None
        for p, u in self.part_units(w):
            if u == unit:
                return w, p
        return None

    def profile_coverage(self, rows: list[Row]) -> None:
        """Every step of a split workload is placed, the steps cover the whole peak (fractions
        sum to 1) and the hours do not increase from the base up."""
        placed = {r.text("unit") for r in rows}
        for w in self.scn.workloads:
            if not w.split:
                continue
            ps = verifier_parts(w)
            missing = [u for p, u in self.part_units(w) if u not in placed]
            self.check(not missing, "burst", w.id, f"steps not placed: {', '.join(missing)}")
            total = sum(p.fraction for p in ps)
            self.check(
                abs(total - 1.0) <= 1e-6,
                "burst",
                w.id,
                f"parts serve {total:.6g} of the peak; expected 1",
            )
            self.check(
                all(ps[k].hours <= ps[k - 1].hours for k in range(1, len(ps))),
                "burst",
                w.id,
                "part hours increase from the base up",
            )
