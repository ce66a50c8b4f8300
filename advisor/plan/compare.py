"""Compare two plans (objects or ``plan.json`` dicts): what moved, the cost delta, and why."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.plan.result import Plan

_KEYS = [
    "workload",
    "unit",
    "tier",
    "target",
    "hardware",
    "precision",
    "pricing",
    "total_usd",
    "latency_ms",
    "team",
]


@dataclass(frozen=True, eq=False)
class Comparison:
    """Per unit before/after, the totals, and a reason for every move."""

    name_a: str
    name_b: str
    units: pd.DataFrame
    kpis_a: dict
    kpis_b: dict
    plan_a: Plan | None = None
    plan_b: Plan | None = None

    @property
    def moved(self) -> pd.DataFrame:
        return self.units[self.units["moved"]]

    @property
    def delta_usd_per_month(self) -> float:
        return float(self.kpis_b["monthly_total_usd"] - self.kpis_a["monthly_total_usd"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.name_a,
            "b": self.name_b,
            "monthly_total_usd": {
                "a": self.kpis_a["monthly_total_usd"],
                "b": self.kpis_b["monthly_total_usd"],
            },
            "delta_usd_per_month": self.delta_usd_per_month,
            "moved": self.moved.replace({np.nan: None}).to_dict(orient="records"),
            "unchanged": int((~self.units["moved"]).sum()),
        }

    def _repr_html_(self) -> str:
        from advisor.report.notebook import comparison_html

        return comparison_html(self)


def _frame(plan: Plan | dict) -> tuple[str, pd.DataFrame, dict]:
    if isinstance(plan, Plan):
        return plan.scenario.name, plan.assignments[_KEYS].copy(), plan.kpis
    frame = pd.DataFrame(plan["assignments"])
    return plan["scenario"], frame.reindex(columns=_KEYS), plan["kpis"]


def compare(a: Plan | dict, b: Plan | dict) -> Comparison:
    """What moved between plan ``a`` and plan ``b`` and why (cost, tier, latency)."""
    name_a, fa, ka = _frame(a)
    name_b, fb, kb = _frame(b)
    m = fa.merge(fb, on="unit", how="outer", suffixes=("_a", "_b"))
    m["workload"] = m["workload_a"].fillna(m["workload_b"])
    m["moved"] = (
        (m["target_a"] != m["target_b"])
        | (m["hardware_a"] != m["hardware_b"])
        | (m["pricing_a"] != m["pricing_b"])
    )
    m["delta_usd"] = m["total_usd_b"].fillna(0.0) - m["total_usd_a"].fillna(0.0)
    m["why"] = [_why(r, b if isinstance(b, Plan) else None) for r in m.itertuples(index=False)]
    cols = [
        "workload",
        "unit",
        "moved",
        "tier_a",
        "target_a",
        "hardware_a",
        "pricing_a",
        "total_usd_a",
        "tier_b",
        "target_b",
        "hardware_b",
        "pricing_b",
        "total_usd_b",
        "delta_usd",
        "why",
    ]
    units = (
        m[cols]
        .sort_values(["moved", "delta_usd", "unit"], ascending=[False, True, True])
        .reset_index(drop=True)
    )
    units.attrs["unit"] = "USD per month"
    return Comparison(
        name_a,
        name_b,
        units,
        ka,
        kb,
        a if isinstance(a, Plan) else None,
        b if isinstance(b, Plan) else None,
    )


def _why(r, plan_b: Plan | None) -> str:
    if pd.isna(r.target_a):
        return "new workload"
    if pd.isna(r.target_b):
        return "workload removed"
    if not r.moved:
        return "unchanged"
    parts = []
    if r.tier_a != r.tier_b:
        parts.append(f"{r.tier_a} -> {r.tier_b}")
    if r.delta_usd < 0:
        parts.append(f"${-r.delta_usd:,.0f}/month cheaper")
    elif r.delta_usd > 0:
        parts.append(
            f"${r.delta_usd:,.0f}/month dearer: the previous option is no longer feasible or no longer fits shared limits"
        )
    if plan_b is not None:
        gone = plan_b.rejections[
            (plan_b.rejections["unit"] == r.unit) & (plan_b.rejections["target"] == r.target_a)
        ]
        if len(gone):
            parts.append(f"{r.target_a} now rejected: {gone['detail'].iat[0]}")
    return "; ".join(parts)


def load_plan_json(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
