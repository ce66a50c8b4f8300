"""Comparison report: statistics and view model for two plans (Plans or ``plan.json`` dicts).

What moved, the cost delta per workload and in total, and why (the reason comes from
:func:`advisor.plan.compare.compare`; with full Plans, plan B's alternatives and rejections
add the detail lines).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from advisor.plan.compare import Comparison, compare
from advisor.report import figures
from advisor.report.audit import placement_reasons
from advisor.report.fmt import money, num, signed_money
from advisor.report.tables import Column, data_table
from advisor.report.view import chart, records

KPIS = [
    ("monthly_total_usd", "Monthly cost", 0, "$"),
    ("monthly_opex_usd", "Monthly opex", 0, "$"),
    ("monthly_capex_amortised_usd", "Amortised capex / month", 0, "$"),
    ("horizon_tco_usd", "Horizon TCO", 0, "$"),
    ("capex_usd", "New hardware (capex)", 0, "$"),
    ("carbon_kg_per_month", "kgCO2e / month", 0, ""),
    ("privacy_risk", "Privacy risk points", 1, ""),
    ("workloads", "Workloads", 0, ""),
]


def as_comparison(a: Any, b: Any = None) -> Comparison:
    """A Comparison from two plans, or the Comparison itself."""
    return a if b is None and isinstance(a, Comparison) else compare(a, b)


def kpi_table(comp: Comparison) -> pd.DataFrame:
    """KPI, A, B and B - A (numbers), one row per KPI both plans carry."""
    rows = []
    for key, label, digits, prefix in KPIS:
        if key in comp.kpis_a and key in comp.kpis_b:
            va, vb = float(comp.kpis_a[key]), float(comp.kpis_b[key])
            rows.append(
                {
                    "key": key,
                    "kpi": label,
                    "a": va,
                    "b": vb,
                    "delta": vb - va,
                    "digits": digits,
                    "money": prefix == "$",
                }
            )
    frame = pd.DataFrame(rows, columns=["key", "kpi", "a", "b", "delta", "digits", "money"])
    frame.attrs["unit"] = "per KPI (USD, kgCO2e, points, count)"
    return frame


def tier_costs(comp: Comparison) -> pd.DataFrame:
    """Monthly cost of placed units per tier in A and B (tidy: plan, tier, usd)."""
    u = comp.units
    parts = []
    for side, name in (("a", comp.name_a), ("b", comp.name_b)):
        g = u.groupby(f"tier_{side}")[f"total_usd_{side}"].sum()
        parts.append(
            pd.DataFrame({"plan": f"{side.upper()}: {name}", "tier": g.index, "usd": g.to_numpy()})
        )
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs["unit"] = "USD per month"
    return frame


def scenario_diff(a: Any, b: Any, limit: int = 200) -> pd.DataFrame:
    """Input fields that differ between two Plans' scenarios (path, A, B); empty otherwise."""
    if not (hasattr(a, "scenario") and hasattr(b, "scenario")):
        return pd.DataFrame(columns=["path", "a", "b"])
    fa = _flatten(a.scenario.model_dump(mode="json"))
    fb = _flatten(b.scenario.model_dump(mode="json"))
    rows = [
        {"path": k, "a": fa.get(k, "(absent)"), "b": fb.get(k, "(absent)")}
        for k in sorted(set(fa) | set(fb))
        if fa.get(k) != fb.get(k)
    ]
    frame = pd.DataFrame(rows[:limit], columns=["path", "a", "b"])
    frame.attrs["unit"] = "text"
    frame.attrs["total"] = len(rows)
    return frame


def _flatten(value: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
        out = {}
        for v in value:
            out.update(_flatten(v, f"{prefix}[{v['id']}]"))
        return out
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    if isinstance(value, list):
        return {prefix: ", ".join(str(v) for v in value)}
    return {prefix: "" if value is None else str(value)}


def tier_chart(frame: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for plan in dict.fromkeys(frame["plan"]):
        sub = frame[frame["plan"] == plan]
        fig.add_bar(
            x=sub["tier"],
            y=sub["usd"],
            name=figures.escape_label(plan),
            marker_color="#93c5fd" if plan.startswith("A:") else "#1f4e79",
            hovertemplate="%{x}: $%{y:,.0f}/month<extra></extra>",
        )
    figures.apply_layout(fig, "Monthly cost by tier: A vs B", barmode="group")
    fig.update_yaxes(tickprefix="$", tickformat=",.0f", title_text="USD per month")
    return fig


def delta_chart(units: pd.DataFrame) -> go.Figure:
    f = units[units["delta_usd"].abs() > 0.5].copy()
    f = f.reindex(f["delta_usd"].abs().sort_values(ascending=False).index).head(figures.TOP_N)
    f = f.iloc[::-1]
    fig = go.Figure(
        go.Bar(
            y=[figures.escape_label(u) for u in f["unit"]],
            x=f["delta_usd"],
            orientation="h",
            marker_color=np.where(f["delta_usd"] < 0, "#166534", "#b91c1c"),
            hovertemplate="%{y}: %{x:+$,.0f}/month<extra></extra>",
        )
    )
    figures.apply_layout(
        fig,
        "Cost change per workload (B - A)",
        showlegend=False,
        height=max(220, 110 + 24 * len(f)),
    )
    fig.update_xaxes(tickprefix="$", tickformat=",.0f", title_text="USD per month")
    return fig


UNIT_COLUMNS = [
    Column("unit", "Workload"),
    Column("moved_text", "Moved"),
    Column("tier_a", "A tier"),
    Column("where_a", "A target"),
    Column("hardware_a", "A hardware"),
    Column("total_usd_a", "A USD/month", money),
    Column("tier_b", "B tier"),
    Column("where_b", "B target"),
    Column("hardware_b", "B hardware"),
    Column("total_usd_b", "B USD/month", money),
    Column("delta_usd", "Delta", signed_money),
    Column("why", "Why", css="wide"),
]


def unit_table(comp: Comparison) -> dict[str, Any]:
    u = comp.units.copy()
    u["moved_text"] = np.where(u["moved"], "moved", "same")
    for side in ("a", "b"):
        u[f"where_{side}"] = u[f"target_{side}"].fillna("").astype(str).str.removeprefix("site:")
    details = None
    if comp.plan_b is not None:
        reasons = placement_reasons(comp.plan_b).set_index("unit")["details"]
        details = [
            reasons.get(x, []) if m else [] for x, m in zip(u["unit"], u["moved"], strict=True)
        ]
    return data_table("units", UNIT_COLUMNS, records(u), details)


def _kpi_row(r: dict[str, Any]) -> dict[str, str]:
    d = int(r["digits"])
    if r["money"]:
        return {
            "kpi": r["kpi"],
            "a": money(r["a"]),
            "b": money(r["b"]),
            "delta": signed_money(r["delta"]),
        }
    delta = num(r["delta"], d)
    return {
        "kpi": r["kpi"],
        "a": num(r["a"], d),
        "b": num(r["b"], d),
        "delta": ("+" + delta) if round(r["delta"], d) > 0 else delta,
    }


def comparison_view(a: Any, b: Any = None) -> dict[str, Any]:
    """Everything ``comparison.html.j2`` shows."""
    comp = as_comparison(a, b)
    kpis = kpi_table(comp)
    diff = scenario_diff(comp.plan_a, comp.plan_b)
    total_a = float(comp.kpis_a["monthly_total_usd"])
    return {
        "title": f"Comparison: {comp.name_a} vs {comp.name_b}",
        "name_a": comp.name_a,
        "name_b": comp.name_b,
        "delta_usd": comp.delta_usd_per_month,
        "delta_share": comp.delta_usd_per_month / total_a if total_a else None,
        "monthly_a": total_a,
        "monthly_b": float(comp.kpis_b["monthly_total_usd"]),
        "moved": int(comp.units["moved"].sum()),
        "units": len(comp.units),
        "kpis": [_kpi_row(r) for r in kpis.to_dict(orient="records")],
        "table": unit_table(comp),
        "diff": records(diff),
        "diff_total": int(diff.attrs.get("total", 0)),
        "charts": {
            "tier": chart("tiers", tier_chart(tier_costs(comp))),
            "delta": chart("delta", delta_chart(comp.units)),
        },
    }
