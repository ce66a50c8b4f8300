"""The HTML reports: deterministic, self-contained, escaped; statistics reconcile with the plan."""

from __future__ import annotations

import json
import math
import re

import plotly.graph_objects as go
import pytest

import advisor
from advisor.plan.compare import compare
from advisor.report import (
    fmt,
    stats,
    write_comparison_report,
    write_infeasible_report,
    write_report,
)
from advisor.report.embed import escape_json_text, script_json
from advisor.report.figures import PlanFigures
from advisor.report.write import report_html

PLOTLY_BLOCK = re.compile(r"<script>\s*/\*\*\s*\* plotly\.js (?:\([^)]*\) )?v.*?</script>", re.S)
EXTERNAL = [
    re.compile(r"<script[^>]*\bsrc\s*=", re.I),
    re.compile(r"<link\b", re.I),
    re.compile(r"<iframe\b", re.I),
    re.compile(r"\b(?:src|href|action|poster)\s*=\s*[\"']?\s*(?:https?:)?//", re.I),
    re.compile(r"url\(\s*[\"']?\s*(?:https?:)?//", re.I),
    re.compile(r"@import", re.I),
]


def _without_plotly(html: str) -> str:
    stripped, n = PLOTLY_BLOCK.subn("", html)
    assert n == 1, f"plotly.js must be inlined exactly once, found {n}"
    return stripped


def test_same_plan_gives_byte_identical_report(report_plan, report_scenario, tmp_path):
    first = write_report(report_plan, tmp_path / "a" / "report.html").read_bytes()
    second = write_report(report_plan, tmp_path / "b" / "report.html").read_bytes()
    assert first == second
    again = report_html(advisor.solve(report_scenario)).encode("utf-8")
    assert again == first, "re-solving the same scenario must give the same report"


def test_report_is_self_contained(report_plan, tmp_path):
    path = write_report(report_plan, tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")
    rest = _without_plotly(html)
    for pattern in EXTERNAL:
        assert not pattern.search(rest), f"external reference {pattern.pattern!r} in the report"
    size_mb = path.stat().st_size / 1e6
    print(f"\ninsurer report: {size_mb:.2f} MB ({len(rest) / 1e3:.0f} kB without plotly.js)")
    assert size_mb < 8


def test_report_has_every_section_and_chart(report_plan):
    html = report_html(report_plan)
    for section in (
        "summary",
        "placements",
        "costs",
        "purchases",
        "breakeven",
        "capacity",
        "latency",
        "map",
        "privacy",
        "budgets",
        "carbon",
        "assumptions",
    ):
        assert f'<section id="{section}">' in html
    charts = re.findall(r'<div class="chart" id="(fig-[a-z-]+)"', html)
    assert len(charts) == len(set(charts)) >= 10
    for fid in charts:
        blob = re.search(rf'<script type="application/json" id="{fid}-data">(.*?)</script>', html)
        spec = json.loads(blob.group(1))
        assert spec["data"], fid


def test_user_text_is_escaped_everywhere(report_hostile_plan):
    html = report_html(report_hostile_plan)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "</script><b>" not in html
    assert "&lt;img src=x onerror=alert(3)&gt;" in html
    assert "insurer &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html
    placements = re.search(r'id="placements-table-data">(.*?)</script>', html, re.S).group(1)
    rows = json.loads(placements)["rows"]
    assert any(r[1] == "<script>alert(1)</script>" for r in rows)


def test_json_for_script_blocks_cannot_break_out():
    text = script_json(
        {"name": "</script><script>alert(1)</script>", "x": "a&b\u2028", "n": math.inf}
    )
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {
        "name": "</script><script>alert(1)</script>",
        "x": "a&b\u2028",
        "n": None,
    }
    assert escape_json_text('"<!--"') == '"\\u003c!--"'


def test_formatting_filters():
    assert fmt.money(-1234.4) == "-$1,234"
    assert fmt.money(0.2) == "$0"
    assert fmt.money(math.inf) == "unlimited"
    assert fmt.signed_money(12.6) == "+$13"
    assert fmt.pct(0.1234) == "12.3%"
    assert fmt.ms(math.inf) == "no SLO"
    assert fmt.ms(4.25) == "4.2 ms"
    assert fmt.num(float("nan")) == fmt.DASH
    assert fmt.qty(0.129) == "0.13"


def test_cost_statistics_reconcile_with_kpis(report_plan):
    total = report_plan.kpis["monthly_total_usd"]
    for by in ("tier", "team", "owner", "workload"):
        frame = stats.cost_by(report_plan, by)
        assert frame.attrs["unit"] == "USD per month"
        assert frame["usd"].sum() == pytest.approx(total)
    assert stats.cost_by_component(report_plan)["usd"].sum() == pytest.approx(total)


def test_statistics_are_tidy_frames_with_units(report_plan):
    for fn in (
        stats.savings,
        stats.site_capacity,
        stats.latency,
        stats.carbon,
        stats.budgets,
        stats.capex_schedule,
        stats.breakeven,
        stats.tier_counts,
    ):
        frame = fn(report_plan)
        assert frame.attrs.get("unit"), fn.__name__
    be = stats.breakeven(report_plan)
    assert (be["breakeven_utilisation"] > 0).all()
    assert set(be["pricing"]) <= {"on_demand", "spot", "reserved_1y", "reserved_3y"}


def test_plan_figures_return_plotly_figures(report_plan):
    figs = PlanFigures(report_plan).all()
    assert {"cost_by_tier", "cost_by_team", "cost_by_provider", "map", "breakeven"} <= set(figs)
    for name, fig in figs.items():
        assert isinstance(fig, go.Figure), name
        assert fig.data, name
    assert isinstance(report_plan.figures.cost_by_component(), go.Figure)


def test_comparison_report(report_plan, report_list_price_plan, tmp_path):
    path = write_comparison_report(report_plan, report_list_price_plan, tmp_path / "c.html")
    html = path.read_text(encoding="utf-8")
    assert "clouds.discounts" in html
    # Without the AWS discount the transcription job moves to Azure's EU T4 (priced since
    # issue 9); the report names the price change and how much dearer the plan is.
    assert re.search(r"price per hour \$[\d.]+ -\\u003e \$[\d.]+; \$\d+/month dearer", html)
    via_object = write_comparison_report(
        compare(report_plan, report_list_price_plan), tmp_path / "d.html"
    )
    assert via_object.read_text(encoding="utf-8") == html


def test_infeasible_report_explains_and_suggests(report_infeasible, report_no_option, tmp_path):
    html = write_infeasible_report(report_infeasible, tmp_path / "i.html").read_text("utf-8")
    assert "budget" in html and "raise the all budget by at least" in html
    assert "plotly.js v" not in html
    html = write_infeasible_report(report_no_option, tmp_path / "n.html").read_text("utf-8")
    assert "no_option" in html and "widen data.residency" in html
    assert 'id="eliminations-data"' in html


def test_infeasible_report_without_option_stage(tmp_path):
    from advisor.errors import Conflict

    exc = advisor.InfeasibleScenario([Conflict("power", "fra-dc1", "needs 3 kW more", 3.0, "kW")])
    html = write_infeasible_report(exc, tmp_path / "x.html").read_text("utf-8")
    assert "raise power.max_kw at fra-dc1 by at least 3.0 kW" in html


def test_write_is_atomic_and_creates_folders(report_plan, tmp_path):
    target = tmp_path / "deep" / "er" / "report.html"
    assert write_report(report_plan, target) == target
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


def test_notebook_html_is_compact_and_escaped(report_hostile_plan, report_plan):
    from advisor.report.notebook import comparison_html, scenario_html

    html = report_hostile_plan._repr_html_()
    assert "<script" not in html and "plotly" not in html
    assert "&lt;/script&gt;" in html
    assert len(html) < 20_000
    assert "&lt;script&gt;" in scenario_html(report_hostile_plan.scenario)
    assert "moved" in comparison_html(report_plan, report_hostile_plan)


def test_comparison_of_plan_json_dicts(report_plan, report_list_price_plan, tmp_path):
    a = json.loads(report_plan.to_json())
    b = json.loads(report_list_price_plan.to_json())
    html = write_comparison_report(a, b, tmp_path / "j.html").read_text("utf-8")
    assert 'id="units-data"' in html and "No scenario difference to show" in html
