"""One jinja2 environment (autoescape on) with the formatting filters.

Each report is ``render(template, **view)``: the view model comes from ``view.py`` (plan),
``comparison.py`` or ``infeasible.py``; templates live in ``advisor/report/templates``.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from advisor import __version__
from advisor.report import fmt
from advisor.report.embed import plotly_js
from advisor.report.tables import PAGE_SIZES


def _environment() -> Environment:
    loader = PackageLoader("advisor", "report/templates")
    env = Environment(
        loader=loader,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        money=fmt.money,
        signed_money=fmt.signed_money,
        pct=fmt.pct,
        ms=fmt.ms,
        num=fmt.num,
        qty=fmt.qty,
    )
    env.globals["plotly_js"] = plotly_js
    env.globals["asset"] = lambda name: Markup(loader.get_source(env, name)[0])
    env.globals["advisor_version"] = __version__
    env.globals["page_sizes"] = PAGE_SIZES
    return env


ENV = _environment()


def render(template: str, **content: object) -> str:
    """Render ``template`` with ``content`` (a view model)."""
    return ENV.get_template(template).render(**content)
