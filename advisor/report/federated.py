"""The report's federated training section and the topology lines on the map."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.plan.federated import topology

if TYPE_CHECKING:
    from advisor.plan.result import Plan


def map_topology(plan: Plan) -> pd.DataFrame:
    """shard -> aggregator lines: workload, shard, shard_lat/lon, agg_lat/lon."""
    t = topology(plan)
    cols = ["workload", "shard", "shard_lat", "shard_lon", "agg_lat", "agg_lon"]
    if not len(t):
        return pd.DataFrame(columns=cols)
    xy = plan.options.targets.set_index("target")[["lat", "lon"]]
    s = xy.reindex(t["shard_target"]).to_numpy(float)
    a = xy.reindex(t["aggregator_target"]).to_numpy(float)
    return pd.DataFrame(
        {
            "workload": t["workload"].to_numpy(),
            "shard": t["shard"].to_numpy(),
            "shard_lat": s[:, 0],
            "shard_lon": s[:, 1],
            "agg_lat": a[:, 0],
            "agg_lon": a[:, 1],
        }
    ).dropna()


def section(plan: Plan) -> dict[str, Any] | None:
    """Topology rows and the federated vs centralised comparison (None: no federated job)."""
    t = topology(plan)
    if not len(t):
        return None
    c = plan.centralised
    out: dict[str, Any] = {
        "rows": [
            {
                **r,
                "shard_target": r["shard_target"].removeprefix("site:"),
                "aggregator_target": r["aggregator_target"].removeprefix("site:"),
                "usd": r["usd_up"] + r["usd_down"],
                "gb": r["gb_up_per_month"] + r["gb_down_per_month"],
            }
            for r in t.astype(object).where(t.notna(), None).to_dict(orient="records")
        ],
        "jobs": [
            {
                "id": w.id,
                "classification": w.data.classification,
                "updates": w.federated.aggregator.classification,
                "refresh": w.federated.centralised_refresh_per_month,
            }
            for w in plan.scenario.workloads
            if w.federated is not None
        ],
        "offered": bool(c and c.offered),
        "computed": bool(c is None or c.computed),
        "reasons": list(c.reasons) if c else [],
        "winner": c.winner if c else "",
        "why": c.why if c else "",
        "central": [
            {"workload": k, "target": v.removeprefix("site:")}
            for k, v in (c.central_targets.items() if c else [])
        ],
        "unpriced": list(c.unpriced) if c else [],
        "metrics": [],
    }
    if c is not None and c.offered:
        m = c.metrics
        out["metrics"] = [
            {
                "metric": name,
                "federated": float(r["federated"]),
                "centralised": float(r["centralised"]),
                "difference": float(r["difference"]),
                "money": name.endswith("(USD/month)"),
            }
            for name, r in m.iterrows()
        ]
    return out
