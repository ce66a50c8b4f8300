"""Plotly figures and notebook HTML for sweeps, Pareto fronts and Monte Carlo runs."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from advisor.report.figures import TIER_COLORS, apply_layout

if TYPE_CHECKING:
    from advisor.whatif.montecarlo import MonteCarloResult
    from advisor.whatif.pareto import ParetoResult
    from advisor.whatif.sweep import SweepResult

TIER_COLOURS = TIER_COLORS


def sweep_figure(s: SweepResult) -> go.Figure:
    f = s.frame
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.6, 0.4],
        vertical_spacing=0.08,
        subplot_titles=("Monthly cost of the best plan", "Workloads per tier"),
    )
    ok = f["status"].isin(["optimal", "time_limit"])
    fig.add_trace(
        go.Scatter(
            x=f["value"],
            y=f["monthly_total_usd"],
            mode="lines+markers",
            name="monthly total (USD)",
            customdata=np.stack([f["n_moved"], f["status"]], axis=1),
            hovertemplate="%{x}: %{y:$,.0f}/month<br>%{customdata[0]} workloads moved"
            "<br>%{customdata[1]}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    if (~ok).any():
        bad = f[~ok]
        fig.add_trace(
            go.Scatter(
                x=bad["value"],
                y=[0] * len(bad),
                mode="markers",
                marker={"symbol": "x", "size": 11, "color": "#d7191c"},
                name="infeasible",
                text=bad["message"],
                hovertemplate="%{x}: no plan<br>%{text}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for t, colour in TIER_COLOURS.items():
        # stacked areas, not bars: sweep values are often unevenly spaced
        fig.add_trace(
            go.Scatter(
                x=f["value"],
                y=pd.to_numeric(f[f"workloads_{t}"], errors="coerce"),
                name=t,
                mode="lines+markers",
                stackgroup="tiers",
                line={"color": colour},
                hovertemplate=f"%{{x}}: %{{y}} workloads {t}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    apply_layout(fig, f"Sweep of {s.parameter.label}", height=540)
    fig.update_layout(legend={"orientation": "h", "y": -0.14}, margin={"t": 70})
    fig.update_xaxes(title_text=s.parameter.label, row=2, col=1)
    fig.update_yaxes(title_text="USD/month", tickprefix="$", tickformat=",.0f", row=1, col=1)
    fig.update_yaxes(title_text="workloads", row=2, col=1)
    return fig


def pareto_figure(p: ParetoResult) -> go.Figure:
    f = p.frontier
    front = f[~f["dominated"]]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=front["monthly_total_usd"],
            y=front[p.y_column],
            mode="lines+markers",
            name="Pareto front",
            customdata=np.stack(
                [front["workloads_local"], front["workloads_edge"], front["workloads_cloud"]],
                axis=1,
            ),
            hovertemplate="%{x:$,.0f}/month, %{y:,.1f}<br>local %{customdata[0]}, edge "
            "%{customdata[1]}, cloud %{customdata[2]}<extra></extra>",
        )
    )
    dom = f[f["dominated"] & f["status"].isin(["optimal", "time_limit"])]
    if len(dom):
        fig.add_trace(
            go.Scatter(
                x=dom["monthly_total_usd"],
                y=dom[p.y_column],
                mode="markers",
                marker={"color": "#999"},
                name="dominated (same cost, looser cap)",
            )
        )
    fig.update_layout(
        title=f"Cost against {p.y_label}: ε-constraint front ({len(front)} points)",
        xaxis_title="monthly total (USD)",
        yaxis_title=p.y_label,
        height=440,
    )
    return fig


def montecarlo_figure(m: MonteCarloResult) -> go.Figure:
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.55, 0.45],
        subplot_titles=(
            "Monthly cost of the re-optimised plan per sample",
            "Probability each workload moves",
        ),
    )
    cost = m.samples["monthly_total_usd"].dropna()
    fig.add_trace(go.Histogram(x=cost, nbinsx=30, name="samples", marker_color="#2c7fb8"), 1, 1)
    for name, value, dash in (
        ("baseline", m.baseline.row()["monthly_total_usd"], "dot"),
        ("P90", float(np.percentile(cost, 90)) if len(cost) else np.nan, "dash"),
    ):
        fig.add_vline(x=value, line_dash=dash, annotation_text=name, row=1, col=1)
    mv = m.move_probability.sort_values("p_moved", ascending=True).tail(25)
    fig.add_trace(
        go.Bar(x=mv["p_moved"], y=mv["workload"], orientation="h", marker_color="#fdae61"), 1, 2
    )
    apply_layout(fig, f"Monte Carlo: {len(m.samples)} samples", height=460, showlegend=False)
    fig.update_layout(margin={"t": 70})
    fig.update_xaxes(title_text="USD/month", tickprefix="$", tickformat=",.0f", row=1, col=1)
    fig.update_yaxes(title_text="samples", row=1, col=1)
    fig.update_xaxes(title_text="probability", tickformat=".0%", range=[0, 1], row=1, col=2)
    return fig


def robust_figure(m: MonteCarloResult) -> go.Figure:
    """Cost distribution of each candidate plan held fixed across the samples."""
    fig = go.Figure()
    robust = m.robust
    for cid, g in m.candidate_costs.groupby("candidate", sort=True):
        y = g["monthly_total_usd"].replace(np.inf, np.nan)
        is_base = bool(m.candidates.set_index("candidate").at[cid, "baseline"])
        label = (
            f"plan {cid}"
            + (" (unedited)" if is_base else "")
            + (" ★ robust" if cid == robust else "")
        )
        infeasible = float((~g["feasible"]).mean())
        if infeasible:
            label += f"<br>infeasible in {infeasible:.0%}"
        fig.add_trace(go.Box(y=y, name=label, boxmean=True))
    apply_layout(
        fig,
        "Candidate plans held fixed under every sample (robust choice: lowest P90)",
        height=420,
        showlegend=False,
    )
    fig.update_yaxes(title_text="USD/month", tickprefix="$", tickformat=",.0f")
    return fig


def frame_html(title: str, frame: pd.DataFrame, note: str = "", rows: int = 30) -> str:
    """A compact, escaped table for notebooks (no scripts)."""
    shown = frame.head(rows).copy()
    for c in shown.columns:
        if shown[c].map(lambda v: isinstance(v, list | tuple)).any():
            shown[c] = shown[c].map(
                lambda v: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v
            )
    table = shown.to_html(index=False, escape=True, float_format=lambda v: f"{v:,.2f}", na_rep="–")
    more = (
        f"<p>… {len(frame) - rows} more rows in <code>.frame</code></p>"
        if len(frame) > rows
        else ""
    )
    return f"<div><h4>{html.escape(title)}</h4><p>{html.escape(note)}</p>{table}{more}</div>"
