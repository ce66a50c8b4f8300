"""Federated training: the data stays where it is, only model updates move.

A training workload with ``federated:`` is placed as several placement units: one per data
shard (``<workload>/<shard>``), each trained where its data lives, and one aggregator
(``<workload>/aggregator``) placed by the MILP. The expansion into units is in
:mod:`advisor.schema.federated_units`; these are the fields a user writes.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, PrivateAttr, model_validator

from advisor.schema.types import Classification, Id, Residency, Strict, Tier

PosFloat = Annotated[float, Field(gt=0)]


class Shard(Strict):
    """One slice of the training data and where it lives: a site, a cloud region, or any
    site or region within a residency. The shard trains there; its data never moves."""

    id: Id
    """Id of the shard, unique within the workload; the unit is ``<workload>/<id>``."""
    site: Id | None = None
    """The site that holds the data; the shard trains at that site."""
    region: str | None = None
    """The cloud region that holds the data (``provider:region``); the shard trains there."""
    residency: tuple[Residency, ...] = ()
    """Jurisdictions the data may not leave; the shard trains at any site or region there."""
    data_gb: PosFloat = Field(le=1e9)
    """Size of the shard's data in GB; the job's compute is split by this share."""

    @model_validator(mode="after")
    def _one_home(self) -> Shard:
        given = [n for n in ("site", "region") if getattr(self, n) is not None]
        if self.residency:
            given.append("residency")
        if len(given) != 1:
            raise ValueError(
                f"shard '{self.id}': give exactly one of site, region or residency"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class AggregatorSize(Strict):
    """CPU resources of the aggregator (one replica)."""

    vcpus: int = Field(ge=1, le=1024)
    """vCPUs of the aggregator."""
    memory_gb: PosFloat = Field(le=100_000)
    """Memory of the aggregator in GB."""


class Aggregator(Strict):
    """Where the aggregator (the server that averages the shards' updates) may run."""

    allowed_tiers: tuple[Tier, ...] = ()
    """Tiers the aggregator may use (on top of the policy of ``classification``); empty: any."""
    residency: tuple[Residency, ...] | None = None
    """Jurisdictions the aggregator may run in; omitted: the workload's ``data.residency``."""
    classification: Classification = "internal"
    """Classification of the model updates it handles. Default ``internal``: updates are
    derived parameters, not records, yet not public either, since gradients can leak
    training examples (Zhu et al., "Deep Leakage from Gradients", NeurIPS 2019)."""
    cpu: AggregatorSize | None = None
    """Its size; omitted: the estimate of :func:`advisor.schema.federated_units.aggregator_size`."""


class Federated(Strict):
    """Train one model across data shards that stay where they are (federated averaging)."""

    shards: tuple[Shard, ...] = Field(min_length=1, max_length=200)
    """The data shards and where each lives."""
    rounds_per_month: PosFloat = Field(le=1e6)
    """Aggregation rounds a month."""
    update_gb_per_round: PosFloat = Field(le=1e6)
    """Size of one model update (and of the model sent down) per shard and round, in GB."""
    aggregator: Aggregator = Aggregator()
    """Where the aggregator may run and how big it is."""
    max_rtt_ms: PosFloat | None = Field(None, le=60_000)
    """Most network round trip between a shard and the aggregator, in ms; omit for none."""
    centralised_refresh_per_month: PosFloat = Field(1.0, le=1e4)
    """For the centralised alternative the report offers beside the plan: how often a month
    all shards' data is copied to the one place that trains (1: a full copy once a month)."""

    _centralised: bool = PrivateAttr(False)
    """Set only on the derived scenario of the centralised alternative
    (:func:`advisor.schema.federated_units.centralised`); never by a user."""

    @model_validator(mode="after")
    def _unique_shards(self) -> Federated:
        seen: set[str] = set()
        for s in self.shards:
            if s.id in seen:
                raise ValueError(f"duplicate shard id '{s.id}'; shard ids must be unique")
            if s.id == "aggregator":
                raise ValueError("'aggregator' is the aggregator's unit; rename the shard")
            seen.add(s.id)
        return self
