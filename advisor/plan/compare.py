"""Compare two plans (objects or ``plan.json`` dicts): what moved, the cost delta, and why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.options.costing import standalone_monthly_usd
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
    "usd_per_hour",
    "replicas",
    "gpus_per_replica",
    "billed_boxes",
    "compute_usd",
    "egress_usd",
    "power_usd",
    "ops_usd",
    "capex_usd",
]
_COMPONENTS = ["compute", "egress", "power", "ops", "capex"]
_COUNTS = [
    ("replicas", "replicas"),
    ("gpus_per_replica", "accelerators per replica"),
    ("billed_boxes", "boxes billed"),
]
CENT = 0.005
"""Cost differences below half a cent are rounding, not a change."""


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
    def repriced(self) -> pd.DataFrame:
        """Units that stayed on the same target, hardware and pricing but whose cost changed."""
        u = self.units
        return u[~u["moved"] & u["target_a"].notna() & (u["delta_usd"].abs() >= CENT)]

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
            "repriced": self.repriced.replace({np.nan: None}).to_dict(orient="records"),
            "unchanged": int((~self.units["moved"]).sum()) - len(self.repriced),
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


def _usd(x: float) -> str:
    return f"${x:,.0f}" if abs(x) >= 10 else f"${x:,.2f}"


def _rate(x: float) -> str:
    return f"${x:,.4f}" if abs(x) < 10 else f"${x:,.2f}"


def _signed_usd(x: float) -> str:
    return ("+" if x >= 0 else "-") + _usd(abs(x))


def _num(x: float) -> str:
    return f"{x:g}"


def _get(r, key: str) -> Any:
    value = getattr(r, key, None)
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _changes(r) -> list[str]:
    """What differs between the two placements of one unit, besides where it runs."""
    parts = []
    for key in ("hardware", "precision", "pricing"):
        a, b = _get(r, f"{key}_a"), _get(r, f"{key}_b")
        if a is not None and b is not None and a != b:
            parts.append(f"{key} {a} -> {b}")
    for key, label in _COUNTS:
        a, b = _get(r, f"{key}_a"), _get(r, f"{key}_b")
        if a is not None and b is not None and not np.isclose(a, b, rtol=1e-9, atol=1e-9):
            parts.append(f"{label} {_num(a)} -> {_num(b)}")
    a, b = _get(r, "usd_per_hour_a"), _get(r, "usd_per_hour_b")
    if a is not None and b is not None and not np.isclose(a, b, rtol=1e-6, atol=1e-6):
        parts.append(f"price per hour {_rate(a)} -> {_rate(b)}")
    return parts


def _component_deltas(r) -> list[str]:
    out = []
    for comp in _COMPONENTS:
        a, b = _get(r, f"{comp}_usd_a"), _get(r, f"{comp}_usd_b")
        if a is not None and b is not None and abs(b - a) >= CENT:
            out.append(f"{comp} {_signed_usd(b - a)}")
    return out


def _why(r, plan_b: Plan | None) -> str:
    """One line: what changed for this unit between plan A and plan B, and why if known."""
    if pd.isna(r.target_a):
        return "new workload"
    if pd.isna(r.target_b):
        return "workload removed"
    delta = float(r.delta_usd)
    if not r.moved:
        changes = _changes(r)
        if abs(delta) < CENT:
            return "unchanged" if not changes else "same cost; " + "; ".join(changes)
        direction = "dearer" if delta > 0 else "cheaper"
        parts = [f"same target; {_usd(abs(delta))}/month {direction}", *changes]
        components = _component_deltas(r)
        if components:
            parts.append("by component: " + ", ".join(components))
        if not changes and not components:
            parts.append("its price or sizing inputs changed")
        return "; ".join(parts)
    parts = []
    if r.tier_a != r.tier_b:
        parts.append(f"{r.tier_a} -> {r.tier_b}")
    parts += _changes(r)
    if delta <= -CENT:
        parts.append(f"{_usd(-delta)}/month cheaper")
    elif delta >= CENT:
        parts.append(f"{_usd(delta)}/month dearer")
    if plan_b is not None:
        parts.append(_old_option_in_b(r, plan_b))
    elif delta >= CENT:  # a saved plan.json has no option tables: say what the cases are
        parts.append(
            "the previous option was rejected, no longer fits shared limits, or became "
            "dearer itself (compare live plans to learn which)"
        )
    return "; ".join(p for p in parts if p)


def _old_option_in_b(r, plan_b: Plan) -> str:
    """What became of A's option (same target and hardware) in plan B's option tables:
    rejected by a rule, dearer than B's choice (it became dearer itself), or still cheaper
    (then only plan B's shared limits or rules can have moved the unit)."""
    rej = plan_b.rejections
    hw = rej["hardware"].fillna("")
    gone = rej[
        (rej["unit"] == r.unit)
        & (rej["target"] == r.target_a)
        & ((hw == r.hardware_a) | (hw == ""))
    ]
    if len(gone):
        return f"{r.target_a} on {r.hardware_a} now rejected: {gone['detail'].iat[0]}"
    for frame in (plan_b.options.options, plan_b.options.dominated):
        if frame is None or frame.empty:
            continue
        same = frame[
            (frame["unit"] == r.unit)
            & (frame["target"] == r.target_a)
            & (frame["hardware"] == r.hardware_a)
        ]
        if len(same):
            old = float(standalone_monthly_usd(same).min())
            where = f"the previous option ({r.target_a}, {r.hardware_a})"
            new = _get(r, "total_usd_b")
            if new is not None and old > new + CENT:
                return f"{where} now costs {_usd(old)}/month, more than the new choice"
            return (
                f"{where} is still feasible at {_usd(old)}/month on its own, but the "
                "plan's shared limits or placement rules (capacity, budgets, caps, HA, "
                "anti-affinity) no longer leave room for it"
            )
    return (
        f"the previous option ({r.target_a}, {r.hardware_a}) is no longer a candidate in "
        "plan B (pruned as dominated by a cheaper option there, or gone from the catalog)"
    )


def load_plan_json(path: str | Path) -> dict:
    """A checked saved ``plan.json`` (see :mod:`advisor.plan.planfile`); the strings
    ``"Infinity"``/``"-Infinity"`` become floats."""
    from advisor.plan.planfile import load_plan_json as load

    return _infinities(load(path))


def _infinities(value):
    if isinstance(value, dict):
        return {k: _infinities(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_infinities(v) for v in value]
    if value in ("Infinity", "-Infinity"):
        return float(value)
    return value
