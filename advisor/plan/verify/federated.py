"""Federated training checks: shards only where their data lives, the aggregator's rules,
the update flows priced from where both ends landed, and every flow's ``max_rtt_ms``.

The verifier's own reading of ``advisor/schema/federated_units.py``'s docstring (it does not
call that module): shard ``w/<s>`` gets ``data_gb / sum(data_gb)`` of the job's GPU-hours
(or ``max(1, ceil(replicas x share))`` replicas), the workload's classification and
residency, no data movement; the aggregator ``w/aggregator`` is one CPU replica (``cpu`` or
4 vCPUs and max(8, ceil(2 x (shards + 1) x update GB)) GB) with the updates'
classification, ``aggregator.residency`` (default the workload's) and ``allowed_tiers``;
per shard an update flow up and a model flow down of rounds x update GB a month each.
"""

from __future__ import annotations

import math

from advisor.plan.verify.base import VerifierBase
from advisor.plan.verify.escalation import escalation_flows
from advisor.plan.verify.facts import Row
from advisor.schema.scenario import CpuNeeds, DataSpec, Demand, Workload


class FederatedChecks(VerifierBase):
    """Units, placement and update flows of federated workloads; flow round trips."""

    def federated_unit_names(self, w: Workload) -> list[str]:
        fed = w.federated
        return [f"{w.id}/{s.id}" for s in fed.shards] + [f"{w.id}/aggregator"] if fed else []

    def federated_workload(self, unit: str) -> Workload | None:
        """The plain workload a federated unit behaves as (None if no such unit)."""
        wid, _, part = unit.rpartition("/")
        w = self.f.workloads.get(wid)
        if w is None or w.federated is None:
            return None
        fed = w.federated
        if part == "aggregator":
            agg = fed.aggregator
            if agg.cpu is not None:
                vcpus, mem = agg.cpu.vcpus, agg.cpu.memory_gb
            else:
                vcpus = 4
                mem = max(8.0, math.ceil(2.0 * (len(fed.shards) + 1) * fed.update_gb_per_round))
            return Workload(
                id=w.id,
                name=w.name,
                team=w.team,
                kind="training",
                cpu=CpuNeeds(vcpus=vcpus, memory_gb=mem),
                demand=Demand(replicas=1, hours_per_month=w.demand.hours_per_month),
                data=DataSpec(
                    classification=agg.classification,
                    residency=w.data.residency if agg.residency is None else agg.residency,
                    egress_gb_per_month=w.data.egress_gb_per_month,
                ),
                allowed_tiers=agg.allowed_tiers,
            )
        shard = next((s for s in fed.shards if s.id == part), None)
        if shard is None:
            return None
        share = shard.data_gb / sum(s.data_gb for s in fed.shards)
        d = w.demand
        demand = d.model_copy(
            update={
                "gpu_hours_per_month": (
                    None if d.gpu_hours_per_month is None else d.gpu_hours_per_month * share
                ),
                "replicas": None if d.replicas is None else max(1, math.ceil(d.replicas * share)),
            }
        )
        data = DataSpec(
            classification=w.data.classification,
            residency=w.data.residency,
            source=shard.site or shard.region,
        )
        return w.model_copy(update={"demand": demand, "data": data, "federated": None})

    def federated(self, rows: list[Row], flows_usd: dict[str, float]) -> dict:
        """Shards where their data lives; update flows priced and within max_rtt_ms.
        Returns name -> (sender team, USD/month) of the update flows (for budgets, totals)."""
        where = {r.text("unit"): r.text("target") for r in rows}
        out: dict[str, tuple[str, float]] = {}
        for w in self.scn.workloads:
            fed = w.federated
            if fed is None:
                continue
            agg = f"{w.id}/aggregator"
            gb = fed.rounds_per_month * fed.update_gb_per_round
            for s in fed.shards:
                unit = f"{w.id}/{s.id}"
                t = where.get(unit)
                if t is None:
                    continue
                self.shard_at_home(unit, s, t)
                ta = where.get(agg)
                if ta is None:
                    continue
                for name, a, b in ((f"{unit}->{agg}", t, ta), (f"{agg}->{unit}", ta, t)):
                    usd = gb * self.flow_rate(a, b)
                    out[name] = (w.team, usd)
                    claimed = flows_usd.get(name)
                    self.check(claimed is not None, "flow", name, "no cost reported")
                    if claimed is not None:
                        self.same(float(claimed), usd, "flow", name, "USD/month")
                if fed.max_rtt_ms is not None:
                    self.round_trip(f"{unit}->{agg}", t, ta, fed.max_rtt_ms)
        return out

    def shard_at_home(self, unit: str, shard, code: str) -> None:
        t = self.target(code)
        if t is None:
            return
        if shard.site is not None:
            ok, home = t.site == shard.site, f"site {shard.site}"
        elif shard.region is not None:
            ok = code == shard.region or t.region == shard.region
            home = f"region {shard.region}"
        else:
            ok, home = bool(set(shard.residency) & t.tokens), f"{list(shard.residency)}"
        self.check(ok, "data_location", unit, f"the data lives in {home}; trained at {code}")

    def flow_round_trips(self, rows: list[Row]) -> None:
        """Every flow with max_rtt_ms (the scenario's and the escalated requests): RTT from
        the sender's target to the receiver's within the limit, for every pair of parts of
        a split end (flows never name HA workloads)."""
        where = {r.text("unit"): r.text("target") for r in rows}
        by_id = {w.id: w for w in self.scn.workloads}

        def units(wid: str) -> list[str]:
            w = by_id.get(wid)
            return [u for _, u in self.part_units(w)] if w is not None else []

        for fl in (*self.scn.flows, *escalation_flows(self.scn)):
            if fl.max_rtt_ms is None:
                continue
            for ua in units(fl.from_workload):
                for ub in units(fl.to_workload):
                    a, b = where.get(ua), where.get(ub)
                    if a is not None and b is not None:
                        self.round_trip(f"{ua}->{ub}", a, b, fl.max_rtt_ms)

    def round_trip(self, name: str, a: str, b: str, limit_ms: float) -> None:
        src = self.f.place(a[5:] if a.startswith("site:") else a)
        tb = self.target(b)
        if tb is None:
            return
        rtt, basis = self.rtt_between(src, tb)
        self.check(
            self.le(rtt, limit_ms),
            "flow_rtt",
            name,
            f"round trip {a} -> {b} is {rtt:.1f} ms ({basis}) > max_rtt_ms {limit_ms:g}",
        )
