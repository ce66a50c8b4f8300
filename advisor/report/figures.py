"""Plotly charts. Each chart function takes a tidy frame from ``stats``/``places``; ``PlanFigures``
wires a plan's statistics to them (``plan.figures.cost_by_tier()``).

User-supplied labels are HTML-escaped before plotly sees them: plotly renders a small subset of
HTML in text, and a site called ``<b>x</b>`` must show as written.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from advisor.report import places, stats

if TYPE_CHECKING:
    from advisor.plan import Plan

TIER_COLORS = {"local": "#1f4e79", "edge": "#2a9d8f", "cloud": "#e76f51"}
COMPONENT_COLORS = {
    "compute": "#4c78a8",
    "egress": "#f58518",
    "flows": "#eeca3b",
    "power": "#54a24b",
    "ops": "#b279a2",
    "capex": "#9d755d",
}
PRICING_COLORS = {
    "on_demand": "#4c78a8",
    "spot": "#72b7b2",
    "reserved_1y": "#f58518",
    "reserved_3y": "#e45756",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
TOP_N = 40
"""Bars per chart at most; the tables carry every row."""


def escape_label(value: object) -> str:
    return html.escape(str(value), quote=False)


def apply_layout(fig: go.Figure, title: str, height: int = 320, **extra) -> go.Figure:
    fig.update_layout(
        template="none",
        title={"text": escape_label(title), "x": 0.0, "xanchor": "left", "font": {"size": 14}},
        font={"family": FONT, "size": 12, "color": "#1f2933"},
        height=height,
        margin={"l": 60, "r": 20, "t": 44, "b": 44},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        legend={"orientation": "h", "y": -0.18, "x": 0.0, "traceorder": "normal"},
        hoverlabel={"font": {"family": FONT}},
        **extra,
    )
    fig.update_xaxes(gridcolor="#e5e7eb", zerolinecolor="#9ca3af", automargin=True)
    fig.update_yaxes(gridcolor="#e5e7eb", zerolinecolor="#9ca3af", automargin=True)
    return fig


def stacked_cost(frame: pd.DataFrame, by: str, title: str) -> go.Figure:
    """Stacked bars: monthly cost per ``by`` split by component (frame from ``stats.cost_by``)."""
    fig = go.Figure()
    totals = frame.groupby(by)["usd"].sum().sort_values(ascending=False)
    keep = [str(k) for k in totals.index[:TOP_N]]
    for comp in stats.COMPONENTS:
        sub = frame[(frame["component"] == comp) & frame[by].astype(str).isin(keep)]
        if sub.empty:
            continue
        fig.add_bar(
            x=[escape_label(v) for v in sub[by]],
            y=sub["usd"],
            name=comp,
            marker_color=COMPONENT_COLORS[comp],
            hovertemplate="%{x}<br>" + comp + ": $%{y:,.0f}/month<extra></extra>",
        )
    apply_layout(fig, title, barmode="stack")
    fig.update_xaxes(categoryorder="array", categoryarray=[escape_label(k) for k in keep])
    fig.update_yaxes(title_text="USD per month", tickprefix="$", tickformat=",.0f")
    return fig


def component_bars(frame: pd.DataFrame, title: str = "Monthly cost by component") -> go.Figure:
    """One bar per cost component (frame from ``stats.cost_by_component``)."""
    fig = go.Figure(
        go.Bar(
            x=frame["component"],
            y=frame["usd"],
            marker_color=[COMPONENT_COLORS.get(c, "#888") for c in frame["component"]],
            hovertemplate="%{x}: $%{y:,.0f}/month<extra></extra>",
        )
    )
    apply_layout(fig, title, showlegend=False)
    fig.update_yaxes(title_text="USD per month", tickprefix="$", tickformat=",.0f")
    return fig


def savings_bars(frame: pd.DataFrame, title: str = "This plan vs baselines") -> go.Figure:
    """Monthly cost of the plan and each baseline (frame from ``stats.savings``)."""
    colors = [
        "#1f4e79" if b == "this plan" else ("#9ca3af" if not ok else "#93c5fd")
        for b, ok in zip(frame["baseline"], frame["complete"], strict=True)
    ]
    labels = [
        b if ok else f"{b} (incomplete)"
        for b, ok in zip(frame["baseline"], frame["complete"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=frame["monthly_usd"],
            marker_color=colors,
            hovertemplate="%{x}: $%{y:,.0f}/month<extra></extra>",
        )
    )
    apply_layout(fig, title, showlegend=False)
    fig.update_yaxes(title_text="USD per month", tickprefix="$", tickformat=",.0f")
    return fig


def utilisation_bars(frame: pd.DataFrame, title: str = "Site capacity used") -> go.Figure:
    """Utilisation per site and resource (frame from ``stats.site_capacity``)."""
    f = frame[frame["utilisation"].notna()]
    fig = go.Figure()
    for resource in dict.fromkeys(f["resource"]):
        sub = f[f["resource"] == resource]
        fig.add_bar(
            y=[escape_label(s) for s in sub["site"]],
            x=sub["utilisation"],
            name=resource,
            orientation="h",
            customdata=np.stack([sub["used"], sub["available"], sub["unit"]], axis=-1),
            hovertemplate=(
                resource + ": %{customdata[0]:,.1f} of %{customdata[1]:,.1f} "
                "%{customdata[2]} (%{x:.0%})<extra></extra>"
            ),
        )
    apply_layout(fig, title, barmode="group", height=max(220, 90 + 60 * f["site"].nunique()))
    fig.update_xaxes(tickformat=".0%", range=[0, max(1.0, float(f["utilisation"].max() or 0))])
    fig.add_vline(x=1.0, line_dash="dot", line_color="#b91c1c")
    return fig


def latency_bars(frame: pd.DataFrame, title: str = "Latency vs SLO") -> go.Figure:
    """Network + compute latency per unit with its SLO marked (frame from ``stats.latency``)."""
    f = frame[np.isfinite(frame["slo_ms"])].head(TOP_N).iloc[::-1]
    fig = go.Figure()
    labels = [escape_label(u) for u in f["unit"]]
    fig.add_bar(
        y=labels,
        x=f["rtt_ms"],
        name="network RTT",
        orientation="h",
        marker_color="#93c5fd",
        hovertemplate="RTT %{x:,.0f} ms<extra></extra>",
    )
    fig.add_bar(
        y=labels,
        x=f["compute_ms"],
        name="compute",
        orientation="h",
        marker_color="#1f4e79",
        hovertemplate="compute %{x:,.0f} ms<extra></extra>",
    )
    fig.add_scatter(
        y=labels,
        x=f["slo_ms"],
        name="SLO",
        mode="markers",
        marker={"symbol": "line-ns", "size": 18, "line": {"width": 3, "color": "#b91c1c"}},
        hovertemplate="SLO %{x:,.0f} ms<extra></extra>",
    )
    shown = "" if len(f) == int(np.isfinite(frame["slo_ms"]).sum()) else f" ({len(f)} tightest)"
    apply_layout(fig, title + shown, barmode="stack", height=max(220, 110 + 26 * len(f)))
    fig.update_xaxes(title_text="ms")
    return fig


def carbon_bars(frame: pd.DataFrame, title: str = "Emissions by target") -> go.Figure:
    """kgCO2e per month per target, coloured by tier (frame from ``stats.carbon``)."""
    fig = go.Figure()
    f = frame.head(TOP_N)
    for tier in ("local", "edge", "cloud"):
        sub = f[f["tier"] == tier]
        if sub.empty:
            continue
        fig.add_bar(
            x=[escape_label(t) for t in sub["target"]],
            y=sub["carbon_kg"],
            name=tier,
            marker_color=TIER_COLORS[tier],
            customdata=sub["gco2e_per_kwh"],
            hovertemplate="%{x}: %{y:,.0f} kgCO2e/month at %{customdata:,.0f} g/kWh<extra></extra>",
        )
    apply_layout(fig, title)
    fig.update_xaxes(categoryorder="total descending")
    fig.update_yaxes(title_text="kgCO2e per month")
    return fig


def budget_bars(frame: pd.DataFrame, title: str = "Budgets: used vs limit") -> go.Figure:
    """Utilisation of each budget (frame from ``stats.budgets``)."""
    f = frame.iloc[::-1]
    fig = go.Figure(
        go.Bar(
            y=[escape_label(v) for v in f["label"]],
            x=f["utilisation"],
            orientation="h",
            marker_color=["#b91c1c" if u > 0.9 else "#1f4e79" for u in f["utilisation"].fillna(0)],
            customdata=np.stack([f["used_usd"], f["limit_usd"]], axis=-1),
            hovertemplate="%{y}: $%{customdata[0]:,.0f} of $%{customdata[1]:,.0f} (%{x:.0%})"
            "<extra></extra>",
        )
    )
    apply_layout(fig, title, showlegend=False, height=max(200, 100 + 40 * len(f)))
    fig.update_xaxes(tickformat=".0%", range=[0, max(1.0, float(f["utilisation"].max() or 0))])
    fig.add_vline(x=1.0, line_dash="dot", line_color="#b91c1c")
    return fig


def breakeven_bars(
    frame: pd.DataFrame, title: str = "Break-even utilisation: own vs cloud"
) -> go.Figure:
    """Break-even utilisation per SKU and pricing model (frame from ``stats.breakeven``)."""
    fig = go.Figure()
    for pricing in PRICING_COLORS:
        sub = frame[frame["pricing"] == pricing]
        if sub.empty:
            continue
        fig.add_bar(
            x=[escape_label(f"{s} @ {k}") for s, k in zip(sub["sku"], sub["site"], strict=True)],
            y=sub["breakeven_utilisation"],
            name=f"vs {pricing}",
            marker_color=PRICING_COLORS[pricing],
            customdata=np.stack(
                [sub["cloud_target"], sub["cloud_usd_per_accelerator_hour"]], axis=-1
            ),
            hovertemplate="%{x}: owning wins above %{y:.0%} use vs %{customdata[0]} at "
            "$%{customdata[1]:.2f}/accelerator-hour<extra></extra>",
        )
    apply_layout(fig, title, barmode="group")
    fig.update_yaxes(tickformat=".0%", title_text="utilisation")
    fig.add_hline(y=1.0, line_dash="dot", line_color="#b91c1c")
    return fig


def capex_bars(frame: pd.DataFrame, title: str = "Capex: cash and amortisation") -> go.Figure:
    """Cash paid and capex amortised per month (frame from ``stats.capex_schedule``)."""
    g = frame.groupby("month", as_index=False)[["cash_usd", "amortised_usd"]].sum()
    fig = go.Figure()
    fig.add_bar(
        x=g["month"],
        y=g["cash_usd"],
        name="cash (purchase)",
        marker_color="#9d755d",
        hovertemplate="month %{x}: $%{y:,.0f} paid<extra></extra>",
    )
    fig.add_scatter(
        x=g["month"],
        y=g["amortised_usd"].cumsum(),
        name="amortised (cumulative)",
        mode="lines",
        line={"color": "#1f4e79", "width": 2},
        hovertemplate="month %{x}: $%{y:,.0f} amortised<extra></extra>",
    )
    apply_layout(fig, title)
    fig.update_xaxes(title_text="month of the horizon")
    fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    return fig


def placement_map(
    points: pd.DataFrame, links: pd.DataFrame, title: str = "Where workloads run"
) -> go.Figure:
    """Sites, user locations and used cloud regions on a longitude/latitude plane.

    Deliberately not a ``geo`` map: plotly's geo layouts fetch coastlines from a CDN, and
    the report must work offline. Lines join each request/data origin to its target.
    """
    fig = go.Figure()
    for tier in ("local", "edge", "cloud"):
        sub = links[links["tier"] == tier]
        if sub.empty:
            continue
        xs, ys = [], []
        for r in sub.to_dict(orient="records"):
            xs += [r["origin_lon"], r["target_lon"], None]
            ys += [r["origin_lat"], r["target_lat"], None]
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            name=f"to {tier}",
            hoverinfo="skip",
            line={"color": TIER_COLORS[tier], "width": 1.5},
            opacity=0.5,
        )
    symbols = {"local": "square", "edge": "triangle-up", "cloud": "circle", "location": "diamond"}
    colors = {**TIER_COLORS, "location": "#6b7280"}
    for kind, symbol in symbols.items():
        sub = points[points["kind"] == kind]
        if sub.empty:
            continue
        fig.add_scatter(
            x=sub["lon"],
            y=sub["lat"],
            mode="markers+text",
            name=kind,
            text=[escape_label(i) for i in sub["id"]],
            textposition="top center",
            marker={
                "symbol": symbol,
                "size": 12,
                "color": colors[kind],
                "line": {"width": 1, "color": "#ffffff"},
            },
            customdata=np.stack(
                [[escape_label(v) for v in sub["label"]], sub["workloads"]], axis=-1
            ),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]} workload(s)<extra></extra>",
        )
    apply_layout(fig, title, height=440)
    _frame_map(fig, points)
    return fig


def _frame_map(fig: go.Figure, points: pd.DataFrame) -> None:
    lat = points["lat"].to_numpy(float) if len(points) else np.array([0.0])
    lon = points["lon"].to_numpy(float) if len(points) else np.array([0.0])
    pad = max(3.0, 0.15 * max(np.ptp(lat), np.ptp(lon)))
    mid = float(np.clip(lat.mean(), -70, 70))
    fig.update_xaxes(
        range=[lon.min() - pad, lon.max() + pad],
        title_text="longitude °",
        dtick=5 if np.ptp(lon) < 40 else 20,
        zeroline=False,
    )
    fig.update_yaxes(
        range=[lat.min() - pad, lat.max() + pad],
        title_text="latitude °",
        dtick=5 if np.ptp(lat) < 40 else 20,
        zeroline=False,
        scaleanchor="x",
        scaleratio=1.0 / math.cos(math.radians(mid)),
    )


class PlanFigures:
    """The standard charts of a plan: ``plan.figures.cost_by_tier()`` returns a plotly Figure."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def cost_by_tier(self) -> go.Figure:
        return stacked_cost(stats.cost_by(self.plan, "tier"), "tier", "Monthly cost by tier")

    def cost_by_component(self) -> go.Figure:
        return component_bars(stats.cost_by_component(self.plan))

    def cost_by_team(self) -> go.Figure:
        return stacked_cost(stats.cost_by(self.plan, "team"), "team", "Monthly cost by team")

    def cost_by_provider(self) -> go.Figure:
        return stacked_cost(
            stats.cost_by(self.plan, "owner"), "owner", "Monthly cost by provider / site"
        )

    def savings(self) -> go.Figure:
        return savings_bars(stats.savings(self.plan))

    def site_utilisation(self) -> go.Figure:
        return utilisation_bars(stats.site_capacity(self.plan))

    def latency_vs_slo(self) -> go.Figure:
        return latency_bars(stats.latency(self.plan))

    def carbon_by_region(self) -> go.Figure:
        return carbon_bars(stats.carbon(self.plan))

    def budgets(self) -> go.Figure:
        return budget_bars(stats.budgets(self.plan))

    def breakeven(self) -> go.Figure:
        return breakeven_bars(stats.breakeven(self.plan))

    def capex_schedule(self) -> go.Figure:
        return capex_bars(stats.capex_schedule(self.plan))

    def map(self) -> go.Figure:
        return placement_map(places.map_points(self.plan), places.map_links(self.plan))

    def all(self) -> dict[str, go.Figure]:
        """Every chart by name, in the report's order."""
        names = [
            "savings",
            "cost_by_tier",
            "cost_by_component",
            "cost_by_team",
            "cost_by_provider",
            "capex_schedule",
            "breakeven",
            "site_utilisation",
            "latency_vs_slo",
            "map",
            "carbon_by_region",
            "budgets",
        ]
        return {n: getattr(self, n)() for n in names}
