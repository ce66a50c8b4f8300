"""Federated topology of a plan: where each shard trains, where the aggregator runs, what
the update flows cost and how long their round trips are (for explain and the report)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from advisor.options.flow_rtt import target_rtt

if TYPE_CHECKING:
    from advisor.plan.result import Plan

TOPOLOGY_COLUMNS = [
    "workload",
    "shard",
    "unit",
    "shard_target",
    "aggregator_target",
    "data_gb",
    "gb_up_per_month",
    "gb_down_per_month",
    "usd_up",
    "usd_down",
    "rtt_ms",
    "max_rtt_ms",
]


def topology(plan: Plan) -> pd.DataFrame:
    """One row per shard of every federated workload: its target, the aggregator's, the
    update flows (GB and USD a month each way) and the shard -> aggregator round trip."""
    at = dict(zip(plan.assignments["unit"], plan.assignments["target"], strict=True))
    rows = []
    for w in plan.scenario.workloads:
        fed = w.federated
        if fed is None:
            continue
        agg_unit = f"{w.id}/aggregator"
        gb = fed.rounds_per_month * fed.update_gb_per_round
        for s in fed.shards:
            unit = f"{w.id}/{s.id}"
            rows.append(
                {
                    "workload": w.id,
                    "shard": s.id,
                    "unit": unit,
                    "shard_target": at.get(unit, ""),
                    "aggregator_target": at.get(agg_unit, ""),
                    "data_gb": s.data_gb,
                    "gb_up_per_month": gb,
                    "gb_down_per_month": gb,
                    "usd_up": plan.flows_usd.get(f"{unit}->{agg_unit}", 0.0),
                    "usd_down": plan.flows_usd.get(f"{agg_unit}->{unit}", 0.0),
                    "max_rtt_ms": fed.max_rtt_ms,
                }
            )
    frame = pd.DataFrame(rows, columns=[c for c in TOPOLOGY_COLUMNS if c != "rtt_ms"])
    if len(frame):
        rtt = target_rtt(
            plan.scenario,
            plan.options.catalog,
            plan.options.targets,
            sorted(set(frame["shard_target"]) - {""}),
        ).set_index(["src", "dst"])["rtt_ms"]
        keys = pd.MultiIndex.from_frame(frame[["shard_target", "aggregator_target"]])
        frame["rtt_ms"] = rtt.reindex(keys).to_numpy(float)
    else:
        frame["rtt_ms"] = pd.Series(dtype=float)
    frame = frame[TOPOLOGY_COLUMNS]
    frame.attrs["unit"] = "GB and USD per month; ms"
    return frame


def federated_lines(plan: Plan, workload: str) -> list[str]:
    """Explain text for a federated workload: what stays, what moves, what it costs."""
    w = next((x for x in plan.scenario.workloads if x.id == workload), None)
    if w is None or w.federated is None:
        return []
    t = topology(plan)
    t = t[t["workload"] == workload]
    fed = w.federated
    agg = t["aggregator_target"].iloc[0] if len(t) else ""
    usd = float((t["usd_up"] + t["usd_down"]).sum())
    lines = [
        f"federated training: {len(t)} shard(s) train where their data lives "
        f"({w.data.classification} raw data never moves); the aggregator "
        f"({fed.aggregator.classification} model updates) runs at {agg.removeprefix('site:')}.",
        f"  update flows: {fed.rounds_per_month:g} rounds x {fed.update_gb_per_round:g} GB "
        f"each way per shard = {2 * fed.rounds_per_month * fed.update_gb_per_round:,.0f} "
        f"GB/month per shard, ${usd:,.2f}/month in all (priced where both ends landed; "
        "moving the aggregator changes this cost too).",
    ]
    for r in t.itertuples(index=False):
        limit = "" if r.max_rtt_ms is None or pd.isna(r.max_rtt_ms) else f" <= {r.max_rtt_ms:g}"
        lines.append(
            f"  shard {r.shard} ({r.data_gb:,.0f} GB) at {r.shard_target.removeprefix('site:')}: "
            f"round trip to the aggregator {r.rtt_ms:.0f} ms{limit}; "
            f"updates ${r.usd_up + r.usd_down:,.2f}/month"
        )
    return lines


def federated_document(plan: Plan) -> dict:
    """plan.json's ``federated`` part (absent without a federated workload): the topology
    and the centralised comparison (offered, reasons, winner, why, metrics, where)."""
    t = topology(plan)
    if not len(t):
        return {}
    c = plan.centralised
    central: dict = {"offered": False, "reasons": []}
    if c is not None:
        central = {
            "offered": c.offered,
            "reasons": list(c.reasons),
            "winner": c.winner,
            "why": c.why,
            "targets": dict(c.central_targets),
            "unpriced_moves": list(c.unpriced),
            "metrics": [
                {"metric": name, **{k: float(v) for k, v in row.items()}}
                for name, row in c.metrics.iterrows()
            ]
            if len(c.metrics)
            else [],
        }
    rows = t.astype(object).where(t.notna(), None).to_dict(orient="records")
    return {"federated": {"topology": rows, "centralised": central}}
