"""Figures from the public API keep a static copy for viewers that run no JavaScript."""

from __future__ import annotations

import base64

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from advisor.report import notebook_figure as nf

PLOTLY_MIME = "application/vnd.plotly.v1+json"
FAKE_PNG = b"\x89PNG\r\n\x1a\nfake"


@pytest.fixture
def fig() -> nf.NotebookFigure:
    return nf.notebook_figure(go.Figure(go.Bar(x=["a"], y=[1]), layout={"title": "<b>t</b>"}))


@pytest.fixture
def drawn(monkeypatch):
    monkeypatch.setattr(nf, "static_png", lambda f: (FAKE_PNG, ""))
    monkeypatch.delenv("ADVISOR_STATIC_FIGURES", raising=False)


def _bundle(fig, renderer: str, monkeypatch) -> dict:
    monkeypatch.setattr(pio.renderers, "default", renderer)
    return fig._repr_mimebundle_()


def test_plotly_mime_gets_a_png_beside_it(fig, drawn, monkeypatch):
    b = _bundle(fig, "plotly_mimetype", monkeypatch)
    assert PLOTLY_MIME in b
    assert base64.b64decode(b["image/png"]) == FAKE_PNG


def test_script_html_shows_the_image_until_a_script_replaces_it(fig, drawn, monkeypatch):
    b = _bundle(fig, "plotly_mimetype+notebook_connected", monkeypatch)
    page = b["text/html"]
    img = page.index(f'<img class="{nf.STATIC_IMG_CLASS}"')
    assert img < page.index("Plotly") < page.rindex("i.remove()")
    assert base64.b64encode(FAKE_PNG).decode() in page


def test_without_a_browser_the_output_says_why(fig, monkeypatch):
    monkeypatch.setattr(nf, "static_png", lambda f: (None, "kaleido is not installed"))
    b = _bundle(fig, "plotly_mimetype", monkeypatch)
    assert "image/png" not in b
    assert "kaleido is not installed" in b["text/html"]
    assert "&lt;b&gt;t&lt;/b&gt;" in b["text/html"]  # the title, escaped


def test_static_copies_can_be_turned_off(fig, drawn, monkeypatch):
    monkeypatch.setenv("ADVISOR_STATIC_FIGURES", "0")
    b = _bundle(fig, "plotly_mimetype", monkeypatch)
    assert set(b) == {PLOTLY_MIME}


def test_public_figures_are_notebook_figures(report_plan):
    figs = report_plan.figures.all()
    assert figs and all(isinstance(f, nf.NotebookFigure) for f in figs.values())
    assert all(isinstance(f, go.Figure) for f in figs.values())
