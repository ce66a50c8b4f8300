"""What a federated training workload means as placement units (the scenario's semantics).

A workload ``w`` with ``federated: {shards: [...], ...}`` becomes:

* one **shard** unit ``w/<shard>`` per shard: the same model / accelerators as ``w``, with
  the share ``s = data_gb / sum(data_gb)`` of the job's compute: ``gpu_hours_per_month x s``,
  or ``max(1, ceil(replicas x s))`` replicas for a replica-sized job (each shard needs at
  least one replica, so replica jobs round up). Its data does not move: no ingress, no
  egress; ``data.source`` is the shard's site or region (none for a residency-only shard,
  whose data is wherever in its residency it trains). Classification and residency are the
  workload's; the shard's own site / region / residency pins it further
  (:mod:`advisor.options.federated`).
* one **aggregator** unit ``w/aggregator``: a CPU server, one replica, running the job's
  ``hours_per_month``; data classification ``aggregator.classification`` (model updates,
  default ``internal``), residency ``aggregator.residency`` (default the workload's),
  tiers ``aggregator.allowed_tiers``; it publishes the model, so the workload's
  ``data.egress_gb_per_month`` leaves from it.
* per shard two **update flows**, priced like any flow by where both ends land: the update
  up (``w/<shard>->w/aggregator``) and the global model down (``w/aggregator->w/<shard>``),
  each ``rounds_per_month x update_gb_per_round`` GB a month, so ``2 x rounds x update``
  per shard in all (the model sent down is taken to be the size of an update). The up
  flow carries ``federated.max_rtt_ms``: the round trip from the shard's target to the
  aggregator's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.schema.federated import AggregatorSize, Shard
from advisor.schema.scenario import CpuNeeds, DataSpec, Demand, Flow, Workload

AGGREGATOR_VCPUS = 4
"""Estimate: federated averaging is a weighted sum of the shards' updates, memory- and
network-bound rather than compute-bound (Flower and TensorFlow Federated run their servers
on CPU); 4 vCPUs keep deserialising and summing a few GB a round to seconds."""
AGGREGATOR_MIN_MEMORY_GB = 8.0
"""Estimate: the smallest aggregator memory (a general-purpose 4-vCPU VM has 16 GB)."""
AGGREGATOR_MEMORY_FACTOR = 2.0
"""Estimate: memory holds the global model and every shard's update of a round, x 2 for
deserialisation buffers: memory_gb = max(8, 2 x (shards + 1) x update_gb_per_round)."""


@dataclass(frozen=True)
class FederatedUnit:
    """One placement unit of a federated workload and the plain workload it behaves as."""

    unit: str
    role: str  # "shard" | "aggregator"
    workload: Workload  # id is the parent workload's id
    shard: Shard | None = None


def aggregator_size(w: Workload) -> AggregatorSize:
    """``aggregator.cpu`` if given, else the documented estimate above."""
    fed = w.federated
    if fed is None:
        raise ValueError(f"workload '{w.id}' is not federated")
    if fed.aggregator.cpu is not None:
        return fed.aggregator.cpu
    mem = AGGREGATOR_MEMORY_FACTOR * (len(fed.shards) + 1) * fed.update_gb_per_round
    return AggregatorSize(
        vcpus=AGGREGATOR_VCPUS, memory_gb=max(AGGREGATOR_MIN_MEMORY_GB, math.ceil(mem))
    )


def shard_share(w: Workload, shard: Shard) -> float:
    """The shard's share of the job's compute: its data_gb over all shards' data_gb."""
    fed = w.federated
    if fed is None:
        raise ValueError(f"workload '{w.id}' is not federated")
    return shard.data_gb / sum(s.data_gb for s in fed.shards)


def federated_units(w: Workload) -> list[FederatedUnit]:
    """The shard units, then the aggregator unit, of a federated workload (see module doc)."""
    fed = w.federated
    if fed is None:
        return []
    out = []
    for s in fed.shards:
        share = shard_share(w, s)
        d = w.demand
        demand = d.model_copy(
            update={
                "gpu_hours_per_month": None
                if d.gpu_hours_per_month is None
                else d.gpu_hours_per_month * share,
                "replicas": None if d.replicas is None else max(1, math.ceil(d.replicas * share)),
            }
        )
        data = DataSpec(
            classification=w.data.classification,
            residency=w.data.residency,
            source=s.site or s.region,
        )
        out.append(
            FederatedUnit(
                f"{w.id}/{s.id}",
                "shard",
                w.model_copy(update={"demand": demand, "data": data, "federated": None}),
                s,
            )
        )
    agg = fed.aggregator
    size = aggregator_size(w)
    out.append(
        FederatedUnit(
            f"{w.id}/aggregator",
            "aggregator",
            Workload(
                id=w.id,
                name=w.name,
                team=w.team,
                kind="training",
                cpu=CpuNeeds(vcpus=size.vcpus, memory_gb=size.memory_gb),
                demand=Demand(replicas=1, hours_per_month=w.demand.hours_per_month),
                data=DataSpec(
                    classification=agg.classification,
                    residency=w.data.residency if agg.residency is None else agg.residency,
                    egress_gb_per_month=w.data.egress_gb_per_month,
                ),
                allowed_tiers=agg.allowed_tiers,
            ),
        )
    )
    return out


def update_flows(w: Workload) -> list[tuple[str, Flow, str, str]]:
    """(name, flow, sender unit, receiver unit) of every update flow of ``w``: per shard
    the update up (with ``max_rtt_ms``) and the model down."""
    fed = w.federated
    if fed is None or fed._centralised:
        return []
    gb = fed.rounds_per_month * fed.update_gb_per_round
    agg = f"{w.id}/aggregator"
    out = []
    for s in fed.shards:
        shard = f"{w.id}/{s.id}"
        up = Flow.model_construct(
            from_workload=w.id, to_workload=w.id, gb_per_month=gb, max_rtt_ms=fed.max_rtt_ms
        )
        down = Flow.model_construct(
            from_workload=w.id, to_workload=w.id, gb_per_month=gb, max_rtt_ms=None
        )
        out.append((f"{shard}->{agg}", up, shard, agg))
        out.append((f"{agg}->{shard}", down, agg, shard))
    return out


def is_centralised(w: Workload) -> bool:
    """True for the single-unit centralised variant of a federated workload."""
    return w.federated is not None and w.federated._centralised


def centralised(w: Workload) -> Workload:
    """The same job trained in one place: the federated workload marked centralised, so the
    option builder places it as one unit ``w`` with the whole demand, inside the workload's
    residency and every shard's own residency, paying to move each shard's data there
    ``centralised_refresh_per_month`` times a month (:mod:`advisor.options.federated`)."""
    if w.federated is None:
        raise ValueError(f"workload '{w.id}' is not federated")
    fed = w.federated.model_copy()
    fed._centralised = True
    return w.model_copy(update={"federated": fed})


def central_workload(w: Workload) -> Workload:
    """The plain workload the centralised unit behaves as: the whole demand, the workload's
    classification and residency, all shards' data arriving each month (``ingress``)."""
    fed = w.federated
    if fed is None:
        raise ValueError(f"workload '{w.id}' is not federated")
    moved = sum(s.data_gb for s in fed.shards) * fed.centralised_refresh_per_month
    data = w.data.model_copy(update={"ingress_gb_per_month": moved, "source": None})
    return w.model_copy(update={"data": data, "federated": None})


def data_moves(w: Workload) -> tuple[tuple[str, float], ...]:
    """(where the data lives, GB a month) of every shard with a known home (site or region)
    for the centralised variant; a residency-only shard's data is somewhere in its residency,
    which the central target must be in, and its move is not priced (stated in the report)."""
    fed = w.federated
    if fed is None:
        return ()
    r = fed.centralised_refresh_per_month
    return tuple((home, s.data_gb * r) for s in fed.shards if (home := s.site or s.region))
