"""Plotly charts. Each chart function takes a tidy frame from ``stats``/``places``; ``PlanFigures``
wires a plan's statistics to them (``plan.figures.cost_by_tier()``).

Charts are built as :class:`~advisor.report.figdict.FigureDict` (plain plotly JSON, no
graph_objects validation: fast, and plotly is not imported for a report); ``PlanFigures``
turns them into validated plotly Figures for notebooks.

User-supplied labels are HTML-escaped before plotly sees them: plotly renders a small subset of
HTML in text, and a site called ``<b>x</b>`` must show as written.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from advisor.report import places, stats
from advisor.report.figdict import FigureDict
from advisor.report.notebook_figure import returns_notebook_figure

if TYPE_CHECKING:
    import plotly.graph_objects as go

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
TOP_CATEGORIES = 15
"""Categories drawn one by one in cost and carbon charts; the rest are summed into one bar."""
VERTICAL_MAX = 8
"""More categories than this are drawn as horizontal bars, so every label stays readable."""
MAP_LABELS_MAX = 15
"""Markers get a text label only when there are at most this many; otherwise hover shows it."""
TOP_LATENCY = 25
"""Units in the latency chart at most: those closest to their SLO."""
TOP_SITES = 12
"""Sites in the capacity chart at most (the busiest); the table lists every site."""


PLURALS = {"tier": "tiers", "owner": "providers / sites", "team": "teams", "target": "targets"}


def _keep_top(
    totals: pd.Series, noun: str, n: int = TOP_CATEGORIES
) -> tuple[list[str], str | None]:
    """The ``n`` largest categories of ``totals`` and a label for the rest (None if none)."""
    order = totals.sort_values(ascending=False, kind="stable")
    keys = [str(k) for k in order.index]
    if len(keys) <= n + 1:
        return keys, None
    return keys[:n], f"{len(keys) - n:,} other {PLURALS.get(noun, noun)}"


def _legend_on_top(fig: FigureDict) -> None:
    fig.update_layout(
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0.0},
        margin={"t": 64},
    )


def escape_label(value: object) -> str:
    return html.escape(str(value), quote=False)


def apply_layout(fig: Any, title: str, height: int = 320, **extra) -> Any:
    """The house layout on ``fig`` (a :class:`FigureDict` or a plotly Figure)."""
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


def stacked_cost(frame: pd.DataFrame, by: str, title: str) -> FigureDict:
    """Stacked bars: monthly cost per ``by`` split by component (frame from ``stats.cost_by``).

    With many categories the largest ``TOP_CATEGORIES`` are drawn and the rest summed into
    one "other (n)" bar, horizontally so that long labels stay readable.
    """
    fig = FigureDict()
    f = frame.assign(**{by: frame[by].astype(str)})
    keep, other = _keep_top(f.groupby(by)["usd"].sum(), by)
    if other is not None:
        f = f.assign(**{by: f[by].where(f[by].isin(keep), other)})
        f = f.groupby([by, "component"], as_index=False, sort=False)["usd"].sum()
        keep = [*keep, other]
    horizontal = len(keep) > VERTICAL_MAX
    labels = [escape_label(k) for k in keep]
    for comp in stats.COMPONENTS:
        sub = f[f["component"] == comp]
        if sub.empty:
            continue
        cats = [escape_label(v) for v in sub[by]]
        fig.add_bar(
            x=sub["usd"] if horizontal else cats,
            y=cats if horizontal else sub["usd"],
            orientation="h" if horizontal else "v",
            name=comp,
            marker_color=COMPONENT_COLORS[comp],
            hovertemplate=("%{y}" if horizontal else "%{x}")
            + "<br>"
            + comp
            + (": $%{x:,.0f}" if horizontal else ": $%{y:,.0f}")
            + "/month<extra></extra>",
        )
    if horizontal:
        apply_layout(fig, title, barmode="stack", height=120 + 22 * len(keep))
        _legend_on_top(fig)
        fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
        fig.update_xaxes(title_text="USD per month", tickprefix="$", tickformat=",.0f")
    else:
        apply_layout(fig, title, barmode="stack")
        fig.update_xaxes(categoryorder="array", categoryarray=labels)
        fig.update_yaxes(title_text="USD per month", tickprefix="$", tickformat=",.0f")
    return fig


def component_bars(frame: pd.DataFrame, title: str = "Monthly cost by component") -> FigureDict:
    """One bar per cost component (frame from ``stats.cost_by_component``)."""
    fig = FigureDict().add_bar(
        x=frame["component"],
        y=frame["usd"],
        marker_color=[COMPONENT_COLORS.get(c, "#888") for c in frame["component"]],
        hovertemplate="%{x}: $%{y:,.0f}/month<extra></extra>",
    )
    apply_layout(fig, title, showlegend=False)
    fig.update_yaxes(title_text="USD per month", tickprefix="$", tickformat=",.0f")
    return fig


BASELINE_STYLE = {
    "plan": ("#1f4e79", ""),
    "valid": ("#93c5fd", ""),
    "breaks limits": ("#d1d5db", "/"),
    "incomplete": ("#d1d5db", "."),
}
"""Bar colour and hatch per baseline status: a baseline that is no real alternative is hatched."""


def savings_bars(frame: pd.DataFrame, title: str = "This plan vs baselines") -> FigureDict:
    """Monthly cost of the plan and each baseline (frame from ``stats.savings``).

    A baseline that breaks limits or leaves workloads out is grey and hatched, and its label
    says why, so it never reads as a cheaper alternative.
    """
    labels, notes = [], []
    for r in frame.to_dict(orient="records"):
        if r["status"] == "incomplete":
            labels.append(f"{r['baseline']} (incomplete)")
            notes.append(
                f"places {r['units_placed']:,} of {r['units_total']:,} units; the plan spends "
                f"${r['plan_same_units_usd']:,.0f} on those"
            )
        elif r["status"] == "breaks limits":
            labels.append(f"{r['baseline']} (breaks limits)")
            notes.append(f"breaks {r['limits_broken']} limit(s): not a valid alternative")
        else:
            labels.append(str(r["baseline"]))
            notes.append("meets every constraint" if r["status"] == "valid" else "")
    styles = [BASELINE_STYLE[s] for s in frame["status"]]
    fig = FigureDict().add_bar(
        x=[escape_label(v) for v in labels],
        y=frame["monthly_usd"],
        marker={
            "color": [c for c, _ in styles],
            "pattern": {"shape": [h for _, h in styles], "fgcolor": "#6b7280"},
            "line": {"color": "#6b7280", "width": [0 if not h else 1 for _, h in styles]},
        },
        customdata=[escape_label(n) for n in notes],
        hovertemplate="%{x}: $%{y:,.0f}/month<br>%{customdata}<extra></extra>",
    )
    apply_layout(fig, title, showlegend=False)
    fig.update_yaxes(title_text="USD per month", tickprefix="$", tickformat=",.0f")
    return fig


def utilisation_bars(frame: pd.DataFrame, title: str = "Site capacity used") -> FigureDict:
    """Utilisation per site and resource (frame from ``stats.site_capacity``).

    At most ``TOP_SITES`` sites: those with the highest utilisation of any resource.
    """
    f = frame[frame["utilisation"].notna()]
    peak = f.groupby("site")["utilisation"].max().sort_values(ascending=False, kind="stable")
    sites = [str(x) for x in peak.index[:TOP_SITES]]
    if len(peak) > len(sites):
        title = f"{title} ({len(sites)} busiest of {len(peak)} sites)"
    f = f[f["site"].astype(str).isin(sites)]
    fig = FigureDict()
    for resource in dict.fromkeys(f["resource"]):
        sub = f[f["resource"] == resource]
        fig.add_bar(
            y=[escape_label(s) for s in sub["site"]],
            x=sub["utilisation"],
            name=resource,
            orientation="h",
            customdata=np.stack([sub["used"], sub["available"], sub["unit"]], axis=-1),
            hovertemplate=(
                "%{y} " + resource + ": %{customdata[0]:,.1f} of %{customdata[1]:,.1f} "
                "%{customdata[2]} (%{x:.0%})<extra></extra>"
            ),
        )
    n_res = max(1, f["resource"].nunique())
    apply_layout(fig, title, barmode="group", height=max(240, 120 + (8 + 9 * n_res) * len(sites)))
    _legend_on_top(fig)
    fig.update_yaxes(categoryorder="array", categoryarray=[escape_label(s) for s in sites[::-1]])
    fig.update_xaxes(tickformat=".0%", range=[0, max(1.0, float(f["utilisation"].max() or 0))])
    fig.add_vline(x=1.0, line_dash="dot", line_color="#b91c1c")
    return fig


def latency_bars(frame: pd.DataFrame, title: str = "Latency vs SLO") -> FigureDict:
    """Network + compute latency per unit as a share of its SLO (frame from ``stats.latency``).

    Shares, not milliseconds, so a 15 ms SLO and a 1 s SLO read on one axis; the SLO is the
    line at 100% and hovering shows the milliseconds.
    """
    with_slo = frame[np.isfinite(frame["slo_ms"])]
    f = with_slo.head(TOP_LATENCY).iloc[::-1]
    fig = FigureDict()
    labels = [escape_label(u) for u in f["unit"]]
    slo = f["slo_ms"].to_numpy(float)
    ms = np.stack([f["rtt_ms"], f["compute_ms"], f["latency_ms"], f["slo_ms"]], axis=-1)
    for name, col, color in (
        ("network RTT", "rtt_ms", "#93c5fd"),
        ("compute", "compute_ms", "#1f4e79"),
    ):
        fig.add_bar(
            y=labels,
            x=f[col].to_numpy(float) / slo,
            name=name,
            orientation="h",
            marker_color=color,
            customdata=ms,
            hovertemplate="%{y}: RTT %{customdata[0]:,.1f} ms + compute %{customdata[1]:,.1f} ms"
            " = %{customdata[2]:,.1f} ms of a %{customdata[3]:,.0f} ms SLO<extra></extra>",
        )
    shown = "" if len(f) == len(with_slo) else f" ({len(f)} tightest of {len(with_slo):,})"
    apply_layout(
        fig,
        title + shown,
        barmode="stack",
        height=max(220, 120 + 22 * len(f)),
        showlegend=True,
    )
    _legend_on_top(fig)
    top = float(np.nanmax(f["latency_ms"].to_numpy(float) / slo)) if len(f) else 1.0
    fig.update_xaxes(title_text="share of the SLO", tickformat=".0%", range=[0, max(1.05, top)])
    fig.add_vline(x=1.0, line_dash="dot", line_color="#b91c1c")
    return fig


def carbon_bars(frame: pd.DataFrame, title: str = "Emissions by target") -> FigureDict:
    """kgCO2e per month per target, coloured by tier (frame from ``stats.carbon``).

    With many targets the largest ``TOP_CATEGORIES`` are drawn and the rest summed per tier.
    """
    f = frame.assign(target=frame["target"].astype(str))
    keep, label = _keep_top(f.groupby("target")["carbon_kg"].sum(), "target")
    if label is not None:
        rest = f[~f["target"].isin(keep)]
        f = f[f["target"].isin(keep)]
        summed = rest.groupby("tier", as_index=False)[["energy_kwh", "carbon_kg"]].sum()
        summed["target"] = label
        summed["gco2e_per_kwh"] = (
            summed["carbon_kg"] * 1000.0 / summed["energy_kwh"].where(summed["energy_kwh"] > 0)
        )
        f = pd.concat([f, summed], ignore_index=True)
        keep = [*keep, label]
    horizontal = len(keep) > VERTICAL_MAX
    labels = [escape_label(k) for k in keep]
    fig = FigureDict()
    for tier in ("local", "edge", "cloud"):
        sub = f[f["tier"] == tier]
        if sub.empty:
            continue
        cats = [escape_label(t) for t in sub["target"]]
        fig.add_bar(
            x=sub["carbon_kg"] if horizontal else cats,
            y=cats if horizontal else sub["carbon_kg"],
            orientation="h" if horizontal else "v",
            name=tier,
            marker_color=TIER_COLORS[tier],
            customdata=sub["gco2e_per_kwh"],
            hovertemplate=("%{y}: %{x:,.0f}" if horizontal else "%{x}: %{y:,.0f}")
            + " kgCO2e/month at %{customdata:,.0f} g/kWh<extra></extra>",
        )
    if horizontal:
        apply_layout(fig, title, barmode="stack", height=120 + 22 * len(keep))
        _legend_on_top(fig)
        fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
        fig.update_xaxes(title_text="kgCO2e per month")
    else:
        apply_layout(fig, title, barmode="stack")
        fig.update_xaxes(categoryorder="array", categoryarray=labels)
        fig.update_yaxes(title_text="kgCO2e per month")
    return fig


def budget_bars(frame: pd.DataFrame, title: str = "Budgets: used vs limit") -> FigureDict:
    """Utilisation of each budget (frame from ``stats.budgets``)."""
    f = frame.iloc[::-1]
    fig = FigureDict().add_bar(
        y=[escape_label(v) for v in f["label"]],
        x=f["utilisation"],
        orientation="h",
        marker_color=["#b91c1c" if u > 0.9 else "#1f4e79" for u in f["utilisation"].fillna(0)],
        customdata=np.stack([f["used_usd"], f["limit_usd"]], axis=-1),
        hovertemplate="%{y}: $%{customdata[0]:,.0f} of $%{customdata[1]:,.0f} (%{x:.0%})"
        "<extra></extra>",
    )
    apply_layout(fig, title, showlegend=False, height=max(200, 100 + 26 * len(f)))
    fig.update_xaxes(tickformat=".0%", range=[0, max(1.0, float(f["utilisation"].max() or 0))])
    fig.add_vline(x=1.0, line_dash="dot", line_color="#b91c1c")
    return fig


def breakeven_bars(
    frame: pd.DataFrame, title: str = "Break-even utilisation: own vs cloud"
) -> FigureDict:
    """Break-even utilisation per SKU and pricing model (frame from ``stats.breakeven``).

    One bar per SKU and pricing model. A SKU several sites may buy is drawn at the median
    over those sites with a whisker from the lowest to the highest site.
    """
    fig = FigureDict()
    f = frame.assign(label=frame["sku"].astype(str))
    sites = f.groupby("sku")["site"].nunique()
    single = f["sku"].map(sites) == 1
    f.loc[single, "label"] = f["sku"].astype(str) + " @ " + f["site"].astype(str)
    f.loc[~single, "label"] = (
        f["sku"].astype(str) + " (" + f["sku"].map(sites).astype(str) + " sites)"
    )
    for pricing in PRICING_COLORS:
        sub = f[f["pricing"] == pricing]
        if sub.empty:
            continue
        g = sub.groupby("label", sort=True).agg(
            median=("breakeven_utilisation", "median"),
            low=("breakeven_utilisation", "min"),
            high=("breakeven_utilisation", "max"),
            sites=("site", "nunique"),
            cloud=("cloud_target", "first"),
            usd=("cloud_usd_per_accelerator_hour", "first"),
        )
        spread = bool((g["sites"] > 1).any())
        fig.add_bar(
            x=[escape_label(x) for x in g.index],
            y=g["median"],
            name=f"vs {pricing}",
            marker_color=PRICING_COLORS[pricing],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": g["high"] - g["median"],
                "arrayminus": g["median"] - g["low"],
                "color": "#374151",
                "thickness": 1,
                "width": 3,
                "visible": spread,
            },
            customdata=np.stack(
                [
                    [escape_label(c) for c in g["cloud"]],
                    g["usd"],
                    g["low"],
                    g["high"],
                    g["sites"],
                ],
                axis=-1,
            ),
            hovertemplate="%{x}: owning wins above %{y:.0%} use"
            + (" (sites %{customdata[2]:.0%} to %{customdata[3]:.0%})" if spread else "")
            + " vs %{customdata[0]} at $%{customdata[1]:.2f}/accelerator-hour<extra></extra>",
        )
    apply_layout(fig, title, barmode="group")
    fig.update_yaxes(tickformat=".0%", title_text="utilisation")
    fig.add_hline(y=1.0, line_dash="dot", line_color="#b91c1c")
    return fig


def capex_bars(frame: pd.DataFrame, title: str = "Capex: cash and amortisation") -> FigureDict:
    """Cash paid (purchases and replacements), residual value at the horizon end and capex
    amortised per month (frame from ``stats.capex_schedule``)."""
    g = frame.groupby("month", as_index=False)[["cash_usd", "residual_usd", "amortised_usd"]].sum()
    fig = FigureDict()
    first = g["month"] == 1
    for mask, name, color in (
        (first, "cash (purchase)", "#9d755d"),
        (~first, "cash (replacement at end of life)", "#c49a6c"),
    ):
        if (g.loc[mask, "cash_usd"] > 0).any() or name.startswith("cash (purchase)"):
            fig.add_bar(
                x=g.loc[mask, "month"],
                y=g.loc[mask, "cash_usd"],
                name=name,
                marker_color=color,
                hovertemplate="month %{x}: $%{y:,.0f} paid<extra></extra>",
            )
    if (g["residual_usd"] > 0).any():
        fig.add_bar(
            x=g["month"],
            y=-g["residual_usd"],
            name="residual value at horizon end",
            marker_color="#7a9a5a",
            hovertemplate="month %{x}: $%{y:,.0f} residual value<extra></extra>",
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


class PlanFigures:
    """The standard charts of a plan: ``plan.figures.cost_by_tier()`` returns a plotly Figure."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    @returns_notebook_figure
    def cost_by_tier(self) -> go.Figure:
        return stacked_cost(stats.cost_by(self.plan, "tier"), "tier", "Monthly cost by tier")

    @returns_notebook_figure
    def cost_by_component(self) -> go.Figure:
        return component_bars(stats.cost_by_component(self.plan))

    @returns_notebook_figure
    def cost_by_team(self) -> go.Figure:
        return stacked_cost(stats.cost_by(self.plan, "team"), "team", "Monthly cost by team")

    @returns_notebook_figure
    def cost_by_provider(self) -> go.Figure:
        return stacked_cost(
            stats.cost_by(self.plan, "owner"), "owner", "Monthly cost by provider / site"
        )

    @returns_notebook_figure
    def savings(self) -> go.Figure:
        return savings_bars(stats.savings(self.plan))

    @returns_notebook_figure
    def site_utilisation(self) -> go.Figure:
        return utilisation_bars(stats.site_capacity(self.plan))

    @returns_notebook_figure
    def latency_vs_slo(self) -> go.Figure:
        return latency_bars(stats.latency(self.plan))

    @returns_notebook_figure
    def carbon_by_region(self) -> go.Figure:
        return carbon_bars(stats.carbon(self.plan))

    @returns_notebook_figure
    def budgets(self) -> go.Figure:
        return budget_bars(stats.budgets(self.plan))

    @returns_notebook_figure
    def breakeven(self) -> go.Figure:
        return breakeven_bars(stats.breakeven(self.plan))

    @returns_notebook_figure
    def capex_schedule(self) -> go.Figure:
        return capex_bars(stats.capex_schedule(self.plan))

    @returns_notebook_figure
    def map(self) -> go.Figure:
        from advisor.report.federated import map_topology
        from advisor.report.mapfig import placement_map

        return placement_map(
            places.map_points(self.plan),
            places.map_links(self.plan),
            topology=map_topology(self.plan),  # the report's map draws it too
        )

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
