"""The report's charts are plain plotly JSON (FigureDict): they must give plotly.js exactly what
plotly's graph_objects give for the same calls.

Each chart function is run twice: as shipped (FigureDict) and with ``FigureDict`` swapped for
``plotly.graph_objects.Figure`` (the same API, validated by plotly). Both JSON texts are
decoded (typed arrays to lists) and must be equal.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from advisor.report import figdict, figures, mapfig, places, stats
from advisor.report.figdict import FigureDict

DTYPES = {"i1": "int8", "u1": "uint8", "i2": "int16", "u2": "uint16"}
DTYPES |= {"i4": "int32", "u4": "uint32", "f4": "float32", "f8": "float64"}


def decoded(text: str):
    """Figure JSON with plotly.js typed arrays as lists, NaN as None, numbers as floats."""

    def walk(o):
        if isinstance(o, dict):
            if set(o) - {"shape"} == {"dtype", "bdata"}:
                a = np.frombuffer(base64.b64decode(o["bdata"]), DTYPES[o["dtype"]])
                if "shape" in o:
                    a = a.reshape([int(x) for x in o["shape"].split(",") if x.strip()])
                return walk(a.astype(object).tolist())
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, list):
            return [walk(v) for v in o]
        if isinstance(o, bool) or o is None or isinstance(o, str):
            return o
        return None if o != o else float(o)

    return walk(json.loads(text))


def chart_calls(plan):
    """Every chart the plan report draws, as (name, zero-argument builder)."""
    calls = {
        "savings": lambda: figures.savings_bars(stats.savings(plan)),
        "tier": lambda: figures.stacked_cost(stats.cost_by(plan, "tier"), "tier", "t"),
        "owner": lambda: figures.stacked_cost(stats.cost_by(plan, "owner"), "owner", "o"),
        "component": lambda: figures.component_bars(stats.cost_by_component(plan)),
        "carbon": lambda: figures.carbon_bars(stats.carbon(plan)),
        "capex": lambda: figures.capex_bars(stats.capex_schedule(plan)),
        "breakeven": lambda: figures.breakeven_bars(stats.breakeven(plan)),
        "capacity": lambda: figures.utilisation_bars(stats.site_capacity(plan)),
        "latency": lambda: figures.latency_bars(stats.latency(plan)),
        "budgets": lambda: figures.budget_bars(stats.budgets(plan)),
        "map": lambda: mapfig.placement_map(places.map_points(plan), places.map_links(plan)),
    }
    return calls


def test_every_report_chart_gives_plotly_the_same_json(report_plan, monkeypatch):
    ours = {name: build() for name, build in chart_calls(report_plan).items()}
    assert all(isinstance(f, FigureDict) for f in ours.values())
    monkeypatch.setattr(figures, "FigureDict", go.Figure)
    monkeypatch.setattr(mapfig, "FigureDict", go.Figure)
    for name, build in chart_calls(report_plan).items():
        theirs = build()
        assert isinstance(theirs, go.Figure)
        reference = pio.to_json(theirs, validate=True, pretty=False, engine="json")
        assert decoded(ours[name].to_json()) == decoded(reference), name


def test_plotly_api_subset_matches_graph_objects():
    """Magic underscores, nested merges, templates, lines, typed arrays, NaN and None."""

    def draw(fig):
        fig.add_bar(
            x=pd.Series([1, 2, 300]),
            y=pd.Series([1.5, np.nan, 2.0]),
            marker_color="#111111",
            customdata=np.stack([pd.Series([1.0, 2.0, 3.0]), pd.Series(["a", "b", "c"])], axis=-1),
            error_y={"type": "data", "array": pd.Series([0.1, 0.2, 0.3])},
            text=None,
            name="b",
        )
        fig.add_scatter(x=[0, 1, None, 2], y=[1, 2, None, 3], line={"width": 2, "color": "red"})
        fig.update_layout(template="none", legend={"x": 0, "y": -0.2}, title={"text": "t"})
        fig.update_layout(legend={"y": 1.0, "yanchor": "bottom"}, margin={"t": 64})
        fig.update_xaxes(title_text="x", range=[0, 2.5], tickformat=".0%")
        fig.update_yaxes(categoryorder="array", categoryarray=["a", "b"])
        fig.add_vline(x=1.0, line_dash="dot", line_color="#b91c1c")
        fig.add_hline(y=0.5, line_dash="dash", line_color="#000000")
        return fig

    ours = draw(FigureDict()).to_json()
    reference = pio.to_json(draw(go.Figure()), validate=True, pretty=False, engine="json")
    assert decoded(ours) == decoded(reference)


def test_notebook_figures_are_validated_plotly_figures(report_plan):
    fig = report_plan.figures.latency_vs_slo()
    assert isinstance(fig, go.Figure)
    assert decoded(pio.to_json(fig, engine="json")) == decoded(
        figures.latency_bars(stats.latency(report_plan)).to_json()
    )


def test_unknown_template_is_refused():
    with pytest.raises(ValueError, match="unknown plotly template"):
        FigureDict().update_layout(template="seaborn-ish")
    assert figdict.TEMPLATES["none"] == pio.templates["none"].to_plotly_json()
