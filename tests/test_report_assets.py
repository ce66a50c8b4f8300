"""Report size and assets: the vendored plotly.js partial bundle and the Natural Earth basemap.

Every HTML output (plan, comparison, infeasible, sweep, Monte Carlo) is one offline file whose
charts use only trace types the bundle holds, whose element ids are unique, and the EU
insurer's report stays under 2 MB.
"""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advisor.report import basemap, mapfig, write_comparison_report, write_infeasible_report
from advisor.report.embed import PLOTLY_BUNDLE, bundle_traces
from advisor.report.write import report_html
from tests.helpers_maps import NO_LINKS

VENDOR = PLOTLY_BUNDLE.parent
MAX_REPORT_BYTES = 2_000_000
FIGURE_BLOCK = re.compile(
    r'<script type="application/json" id="(fig-[\w-]+)-data">(.*?)</script>', re.S
)


def _recorded_sha256() -> dict[str, str]:
    text = (VENDOR / "VENDORED.md").read_text(encoding="utf-8")
    return dict(re.findall(r"\| `([\w.-]+)` \|[^\n]*\| `([0-9a-f]{64})` \|", text))


def test_vendored_files_match_their_recorded_checksums():
    recorded = _recorded_sha256()
    assert set(recorded) == {"plotly-cartesian.min.js", "countries-110m.json"}
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    for licence in ("plotly.js-LICENSE.txt", "world-atlas-LICENSE.txt"):
        assert (VENDOR / licence).stat().st_size > 500, licence


def test_bundle_is_the_partial_cartesian_build_of_the_plotly_py_version():
    from plotly.offline import get_plotlyjs_version

    head = PLOTLY_BUNDLE.read_text(encoding="utf-8")[:200]
    assert f"plotly.js (cartesian - minified) v{get_plotlyjs_version()}" in head
    assert PLOTLY_BUNDLE.stat().st_size < 1_600_000
    assert {"scatter", "bar", "histogram", "box"} <= bundle_traces()
    assert "scattergeo" not in bundle_traces()  # geo maps would fetch coastlines from a CDN


def _trace_types(html: str) -> set[str]:
    types = set()
    for _, body in FIGURE_BLOCK.findall(html):
        spec = json.loads(body)
        types |= {t.get("type", "scatter") for t in spec.get("data", [])}
    return types


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.ids += [v for k, v in attrs if k == "id" and v]


def _duplicate_ids(html: str) -> list[str]:
    p = _Ids()
    p.feed(html)
    seen: dict[str, int] = {}
    for i in p.ids:
        seen[i] = seen.get(i, 0) + 1
    return sorted(i for i, n in seen.items() if n > 1)


@pytest.fixture(scope="module")
def every_html(
    report_plan,
    report_list_price_plan,
    report_infeasible,
    report_no_option,
    report_sweep,
    report_montecarlo,
    report_scenario,
    tmp_path_factory,
) -> dict[str, str]:
    out = tmp_path_factory.mktemp("every")
    paths = {
        "report": out / "report.html",
        "compare": write_comparison_report(
            report_plan, report_list_price_plan, out / "compare.html"
        ),
        "infeasible-budget": write_infeasible_report(report_infeasible, out / "budget.html"),
        "infeasible-no-option": write_infeasible_report(report_no_option, out / "no-option.html"),
        "sweep": report_sweep.write_report(out / "sweep.html", report_scenario.name),
        "montecarlo": report_montecarlo.write_report(out / "montecarlo.html", report_scenario),
    }
    report_plan.write_report(paths["report"])
    return {k: Path(p).read_text(encoding="utf-8") for k, p in paths.items()}


def test_every_output_uses_only_trace_types_in_the_bundle(every_html):
    emitted = set()
    for name, html in every_html.items():
        types = _trace_types(html)
        assert types <= bundle_traces(), (name, types - bundle_traces())
        emitted |= types
    assert {"scatter", "bar", "histogram", "box"} <= emitted


def test_every_output_has_unique_element_ids(every_html):
    for name, html in every_html.items():
        assert _duplicate_ids(html) == [], name


def test_duplicate_id_check_catches_a_duplicate():
    assert _duplicate_ids('<div id="a"></div><section id="a"></section><p id="b">') == ["a"]


def test_insurer_report_is_small_and_self_contained(report_plan):
    html = report_html(report_plan)
    size = len(html.encode("utf-8"))
    assert size <= MAX_REPORT_BYTES, f"{size / 1e6:.2f} MB"
    assert html.count('moduleType:"trace",name:"scatter"') == 1, "plotly.js inlined once"


# --- the basemap and the map view ---------------------------------------------------------


def test_basemap_rings_never_jump_across_the_map():
    rings = basemap.rings()
    assert len(rings) > 250
    names = {r.country for r in rings}
    assert {"Germany", "France", "Russia", "Fiji", "Brazil"} <= names
    for r in rings:
        assert np.abs(np.diff(r.lon)).max() < 180, r.country


def test_outline_keeps_only_what_the_view_shows():
    xs, ys = basemap.outline((-12.0, 32.0), (34.0, 62.0))
    lon = np.array([x for x in xs if x is not None])
    assert 500 < len(lon) < len([p for r in basemap.rings() for p in r.lon]) / 3
    assert xs.count(None) == ys.count(None) > 20  # one gap per ring
    world_x, _ = basemap.outline((-180.0, 180.0), (-90.0, 90.0))
    assert len(world_x) > 2 * len(xs)


def _points(lat, lon) -> pd.DataFrame:
    n = len(lat)
    return pd.DataFrame(
        {
            "kind": ["local"] * n,
            "id": [f"p{i}" for i in range(n)],
            "label": [f"p{i}" for i in range(n)],
            "lat": lat,
            "lon": lon,
            "workloads": 1,
        }
    )


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        ([50.1, 48.9, 52.5, 59.3], [8.7, 2.3, 13.4, 18.1]),  # the insurer: Europe
        ([37.4, 51.5, 1.35, -33.9, 35.7], [-122.1, -0.1, 103.8, 151.2, 139.7]),  # the world
        ([40.4], [-3.7]),  # one site
    ],
)
def test_map_view_fits_the_points_inside_the_world(lat, lon):
    fig = mapfig.placement_map(_points(lat, lon), NO_LINKS).figure()
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    assert -180 <= x0 < min(lon) and max(lon) < x1 <= 180
    assert -85 <= y0 < min(lat) and max(lat) < y1 <= 85
    assert fig.layout.xaxis.constrain == "domain" and fig.layout.yaxis.constrain == "domain"
    land = fig.data[0]
    assert land.name == mapfig.LAND_TRACE and land.fill == "toself"
    inside = [x for x in land.x if x is not None and x0 <= x <= x1]
    assert len(inside) > 50, "coastlines are drawn in the view"


def test_insurer_map_is_europe_with_its_coastlines(report_plan):
    fig = report_plan.figures.map()
    x0, x1 = fig.layout.xaxis.range
    assert -40 < x0 < 0 < 20 < x1 < 60
    countries = {r.country for r in basemap.rings() if r.bounds[0] < x1 and r.bounds[2] > x0}
    assert {"Germany", "France", "Sweden"} <= countries
