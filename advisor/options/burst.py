"""Burst: a workload's load steps as placement units, and flows split by the volume they serve.

A ``split`` workload with profile steps (fraction_k, hours_k), base first, becomes one
placement unit per step, ``<id>~<k>`` (k = 1 the base; with HA ``<id>~<k>#<g>``): sized for
fraction_k of the peak demand and running hours_k a month. Each part carries the share of the
workload's data volumes (ingress, egress, flows) it serves: fraction_k x hours_k / sum_j
fraction_j x hours_j. The parts are ordinary units: residency, privacy, latency, HA and the
costs apply to each on its own, so no MILP family is added.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.options.escalation import all_flows
from advisor.schema.profile import volume_shares
from advisor.schema.scenario import Scenario, Workload

PART_SEP = "~"
"""Separates a workload id from its step number in a part's unit name (ids never hold it)."""


@dataclass(frozen=True)
class Part:
    """One step of a workload as it is placed: the whole workload when it is not split."""

    workload: str
    step: int  # 1-based step number; 0 when the workload is not split
    fraction: float  # of the peak demand
    hours: float  # a month
    volume_share: float  # of the workload's data volumes and flows

    @property
    def name(self) -> str:
        return self.workload if self.step == 0 else f"{self.workload}{PART_SEP}{self.step}"


def parts(w: Workload) -> tuple[Part, ...]:
    """The parts a workload is placed as: one per profile step when split, else itself."""
    steps = w.demand.steps
    if not w.split:
        return (Part(w.id, 0, 1.0, w.demand.hours_per_month, 1.0),)
    return tuple(
        Part(w.id, k + 1, f, h, v)
        for k, ((f, h), v) in enumerate(zip(steps, volume_shares(steps), strict=True))
    )


def part_of_unit(unit: str) -> str:
    """The part a unit belongs to (the unit without its HA group suffix)."""
    return unit.rsplit("#", 1)[0] if "#" in unit else unit


def workload_of_unit(unit: str) -> str:
    """The workload id of a unit name (``w``, ``w#2``, ``w~1``, ``w~1#2``)."""
    return part_of_unit(unit).split(PART_SEP, 1)[0]


@dataclass(frozen=True)
class FlowPart:
    """One flow between one part of the sender and one part of the receiver."""

    name: str
    from_part: str
    to_part: str
    gb_per_month: float
    team: str
    max_rtt_ms: float | None = None  # the flow's round-trip limit, on every pair of parts


def flow_parts(scn: Scenario) -> list[FlowPart]:
    """Every flow split over the parts of both ends, by the volume share each part serves.

    Names: ``from->to`` as before between unsplit workloads; a split end is named by its
    part (``a~1->b``); a repeated pair gets ``#2``, ``#3`` after the part names.
    """
    by_id = {w.id: w for w in scn.workloads}
    seen: dict[str, int] = {}
    out = []
    for f in all_flows(scn):  # the scenario's, then escalation traffic
        base = f"{f.from_workload}->{f.to_workload}"
        seen[base] = seen.get(base, 0) + 1
        suffix = "" if seen[base] == 1 else f"#{seen[base]}"
        team = by_id[f.from_workload].team
        for a in parts(by_id[f.from_workload]):
            for b in parts(by_id[f.to_workload]):
                out.append(
                    FlowPart(
                        f"{a.name}->{b.name}{suffix}",
                        a.name,
                        b.name,
                        f.gb_per_month * a.volume_share * b.volume_share,
                        team,
                        f.max_rtt_ms,
                    )
                )
    return out


def split_workloads(scn: Scenario) -> tuple[str, ...]:
    """Ids of the workloads placed part by part."""
    return tuple(w.id for w in scn.workloads if w.split)
