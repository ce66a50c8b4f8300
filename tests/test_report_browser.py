"""The reports in a real headless Chromium: offline, no console error, charts drawn, tables usable.

Never skipped: CI installs chromium with apt-get; a missing browser fails with a clear message.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from advisor.report import write_comparison_report, write_infeasible_report, write_report
from advisor.report.render import ENV
from advisor.report.tables import Column, data_table, unpack

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    path = Path(CHROMIUM)
    if not path.exists():
        found = shutil.which("chromium") or "nothing"
        pytest.fail(
            f"{CHROMIUM} not found (which chromium: {found}); install it with "
            "'apt-get install -y chromium' (CI does this in .ci/run)",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.fail("playwright is missing: pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Visit:
    """One page load with everything that must not happen recorded."""

    def __init__(self, browser, path: Path, width: int = 1400):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        self.url = path.resolve().as_uri()
        start = time.perf_counter()
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_function(
            "[...document.querySelectorAll('.datatable')].every(d => d.dataset.ready)"
        )
        self.seconds = time.perf_counter() - start

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.requests == [self.url], [u for u in self.requests if u != self.url]
        assert self.dialogs == [], self.dialogs

    def visible_rows(self, table_id: str) -> int:
        return self.page.locator(f"#{table_id} tbody tr.row").count()

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def plan_report(report_plan, tmp_path_factory):
    return write_report(report_plan, tmp_path_factory.mktemp("browser") / "report.html")


def test_plan_report_loads_offline_with_every_chart(browser, plan_report):
    v = Visit(browser, plan_report)
    try:
        charts = v.page.locator(".chart")
        assert charts.count() >= 10
        for i in range(charts.count()):
            chart = charts.nth(i)
            assert chart.locator(".plot-container svg.main-svg").count() > 0, chart.get_attribute(
                "id"
            )
        v.page.wait_for_timeout(200)
        v.assert_clean()
        ARTIFACTS.mkdir(exist_ok=True)
        v.page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        size_mb = plan_report.stat().st_size / 1e6
        print(f"\ninsurer report: {size_mb:.2f} MB, loaded in {v.seconds:.2f} s")
    finally:
        v.close()


def test_placement_filter_sort_and_detail(browser, plan_report, report_plan):
    v = Visit(browser, plan_report)
    try:
        n = len(report_plan.assignments)
        assert v.visible_rows("placements-table") == n
        v.page.fill("#placements-table input.filter", "fraud-scoring")
        assert v.visible_rows("placements-table") == 1
        assert "fraud-scoring" in v.page.locator("#placements-table tbody tr.row").inner_text()
        v.page.fill("#placements-table input.filter", "no such workload")
        assert v.visible_rows("placements-table") == 0
        v.page.fill("#placements-table input.filter", "")
        assert v.visible_rows("placements-table") == n
        v.page.click("#placements-table thead th:has-text('USD/month')")
        first = v.page.locator("#placements-table tbody tr.row").first.inner_text()
        top = report_plan.assignments.sort_values("total_usd").iloc[-1]["unit"]
        assert first.startswith(top)
        v.page.locator("#placements-table tbody tr.row").first.click()
        assert v.page.locator("#placements-table tbody tr.detail li").count() > 0
        v.assert_clean()
    finally:
        v.close()


def test_markup_in_names_shows_as_text(browser, report_hostile_plan, tmp_path):
    path = write_report(report_hostile_plan, tmp_path / "hostile.html")
    v = Visit(browser, path)
    try:
        v.page.fill("#placements-table input.filter", "alert(1)")
        assert v.visible_rows("placements-table") == 1
        assert "<script>alert(1)</script>" in v.page.locator("#placements-table tbody").inner_text()
        assert "</script><script>alert(2)</script>" in v.page.locator("h1").inner_text()
        assert v.page.locator("main img").count() == 0
        v.page.wait_for_timeout(200)
        v.assert_clean()
    finally:
        v.close()


def test_comparison_and_infeasible_reports_load_cleanly(
    browser, report_plan, report_list_price_plan, report_infeasible, report_no_option, tmp_path
):
    pages = [
        write_comparison_report(report_plan, report_list_price_plan, tmp_path / "compare.html"),
        write_infeasible_report(report_infeasible, tmp_path / "budget.html"),
        write_infeasible_report(report_no_option, tmp_path / "no-option.html"),
    ]
    for path in pages:
        v = Visit(browser, path)
        try:
            for i in range(v.page.locator(".chart").count()):
                assert v.page.locator(".chart").nth(i).locator("svg.main-svg").count() > 0
            v.page.wait_for_timeout(100)
            v.assert_clean()
        finally:
            v.close()


def test_table_stays_fast_with_10000_rows(browser, tmp_path):
    records = [
        {"id": f"row-{i:05d}", "team": f"team-{i % 7}", "usd": float(i)} for i in range(10_000)
    ]
    cols = [Column("id", "Workload"), Column("team", "Team"), Column("usd", "USD", str)]
    table = data_table("big", cols, records)
    page = ENV.from_string(
        '{% from "macros.html.j2" import datatable %}<!DOCTYPE html><html><body>'
        "{{ datatable(t) }}<script>{{ asset('table.js') }}</script></body></html>"
    ).render(t=table)
    path = tmp_path / "big.html"
    path.write_text(page, encoding="utf-8")
    v = Visit(browser, path)
    try:
        assert v.visible_rows("big") == 50
        assert "1–50 of 10,000" in v.page.locator("#big .info").inner_text()
        start = time.perf_counter()
        v.page.fill("#big input.filter", "row-09999")
        assert v.visible_rows("big") == 1
        assert time.perf_counter() - start < 2.0
        v.page.fill("#big input.filter", "team-3")
        v.page.click("#big button[data-page='last']")
        assert "of 1,429 (filtered from 10,000)" in v.page.locator("#big .info").inner_text()
        v.assert_clean()
    finally:
        v.close()


# --- a large plan: thousands of placement rows -------------------------------------------------

BIG_COPIES = 30


@pytest.fixture(scope="module")
def big_plan():
    """A 3,000-row plan: the solved 100-workload synthetic fleet tiled 30 times (renamed)."""
    import advisor
    from advisor.report.bench import tiled_plan
    from advisor.schema.load import parse_scenario
    from advisor.synthetic import fleet

    base = advisor.solve(
        parse_scenario(fleet(100)), time_limit_s=30, mip_gap=0.01, sensitivity=False
    )
    return tiled_plan(base, BIG_COPIES)


@pytest.fixture(scope="module")
def big_report(big_plan, tmp_path_factory):
    return write_report(big_plan, tmp_path_factory.mktemp("big") / "big.html")


def _payload(html: str, table_id: str) -> dict:
    """The rows a table ships, decoded as the page decodes them."""
    import json
    import re

    m = re.search(
        rf'<script type="application/(json|octet-stream)" id="{table_id}-data"[^>]*>(.*?)</script>',
        html,
        re.S,
    )
    assert m, table_id
    return json.loads(unpack(m.group(2)) if m.group(1) == "octet-stream" else m.group(2))


def _shown(cell) -> str:
    return cell[0] if isinstance(cell, list) else cell


def _expected(rows: list, text: str) -> list[int]:
    """table.js's filter: every whitespace-separated term is in the row's displayed text."""
    terms = text.lower().split()
    hay = ["\u0001".join(_shown(c) for c in r).lower() for r in rows]
    return [i for i, h in enumerate(hay) if all(t in h for t in terms)]


def _info(v: Visit) -> str:
    return v.page.locator("#placements-table .info").inner_text()


USD_COLUMN = {"at": 7}
"""Index of the USD/month column of the placements table (set from the payload's header)."""


def _usd(v: Visit, row: str = "first") -> str:
    rows = v.page.locator("#placements-table tbody tr.row")
    return getattr(rows, row).locator("td").nth(USD_COLUMN["at"]).inner_text()


def test_large_plan_table_filters_and_sorts(browser, big_plan, big_report):
    n = len(big_plan.assignments)
    html = big_report.read_text(encoding="utf-8")
    assert 'data-encoding="gzip-base64"' in html, "a 3,000-row table ships compressed"
    payload = _payload(html, "placements-table")
    rows = payload["rows"]
    assert len(rows) == n
    k = next(i for i, c in enumerate(payload["columns"]) if c["label"] == "USD/month")
    USD_COLUMN["at"] = k
    v = Visit(browser, big_report)
    try:
        assert v.visible_rows("placements-table") == 50
        assert _info(v) == f"1–50 of {n:,}"
        # one workload by its id (copies are renamed <id>-t<k>)
        unit = big_plan.assignments["unit"].iat[42 + 17 * 100]
        assert unit.endswith("-t17")
        start = time.perf_counter()
        v.page.fill("#placements-table input.filter", unit)
        assert v.visible_rows("placements-table") == 1
        assert time.perf_counter() - start < 1.0
        assert v.page.locator("#placements-table tbody tr.row td").first.inner_text() == unit
        # several terms: the page shows exactly the rows the filter rule selects
        team = big_plan.assignments["team"].iat[0]
        for text in (f"{team} cloud", "edge", "no such workload"):
            want = _expected(rows, text)
            v.page.fill("#placements-table input.filter", text)
            if want:
                shown = min(50, len(want))
                assert v.visible_rows("placements-table") == shown, text
                assert _info(v).startswith(f"1–{shown} of {len(want):,}"), (text, _info(v))
                first = v.page.locator("#placements-table tbody tr.row").first.inner_text().lower()
                assert all(t in first for t in text.lower().split())
            else:
                assert v.visible_rows("placements-table") == 0
                assert "0 of 0" in _info(v)
        v.page.fill("#placements-table input.filter", "")
        assert _info(v) == f"1–50 of {n:,}"
        # sort by USD/month: descending first, then ascending; across all pages
        usd = sorted(r[k][1] for r in rows)
        v.page.click("#placements-table thead th:has-text('USD/month')")
        assert _usd(v) == rows[max(range(n), key=lambda i: rows[i][k][1])][k][0]
        v.page.click("#placements-table button[data-page='last']")
        assert _usd(v, "last") == next(r[k][0] for r in rows if r[k][1] == usd[0])
        v.page.click("#placements-table thead th:has-text('USD/month')")
        assert v.page.locator("#placements-table thead th[aria-sort='ascending']").count() == 1
        assert _info(v) == f"1–50 of {n:,}", "sorting returns to the first page"
        assert _usd(v) == next(r[k][0] for r in rows if r[k][1] == usd[0])
        # sort by workload id, with a filter kept
        v.page.fill("#placements-table input.filter", team)
        v.page.click("#placements-table thead th:has-text('Workload')")
        ids = sorted(_shown(rows[i][0]).lower() for i in _expected(rows, team))
        assert (
            v.page.locator("#placements-table tbody tr.row td").first.inner_text().lower() == ids[0]
        )
        v.page.locator("#placements-table tbody tr.row").first.click()
        assert v.page.locator("#placements-table tbody tr.detail li").count() > 0
        v.page.wait_for_timeout(100)
        v.assert_clean()
    finally:
        v.close()


# --- layout: the 'Why here' column, print, the map, the what-if reports ---------------------


def test_why_here_column_is_visible_at_1400_px_without_scrolling(browser, plan_report):
    v = Visit(browser, plan_report, width=1400)
    try:
        box = v.page.evaluate(
            """() => {
              const wrap = document.querySelector('#placements-table .wrap');
              const th = [...wrap.querySelectorAll('th')].find(t => t.textContent.includes('Why here'));
              const w = wrap.getBoundingClientRect(), t = th.getBoundingClientRect();
              return {wrapLeft: w.left, wrapRight: w.right, left: t.left, right: t.right,
                      scroll: wrap.scrollWidth, client: wrap.clientWidth,
                      page: document.documentElement.scrollWidth, width: window.innerWidth};
            }"""
        )
        assert box["scroll"] <= box["client"], box
        assert box["wrapLeft"] <= box["left"] and box["right"] <= box["wrapRight"] + 0.5, box
        assert box["right"] - box["left"] >= 200, "the reasons need room to be read"
        assert box["page"] <= box["width"], "no horizontal scrolling of the page"
        v.assert_clean()
    finally:
        v.close()


PRINT_ROWS = 220


@pytest.fixture(scope="module")
def long_table(tmp_path_factory):
    records = [{"id": f"wl-{i:03d}", "why": "cheapest compliant option " * 3} for i in range(220)]
    cols = [Column("id", "Workload"), Column("why", "Why here", css="wide")]
    page = ENV.from_string(
        '{% from "macros.html.j2" import datatable %}<!DOCTYPE html><html><head><style>'
        "{{ asset('report.css') }}</style></head><body>{{ datatable(t) }}"
        "<script>{{ asset('table.js') }}</script></body></html>"
    ).render(t=data_table("long", cols, records))
    path = tmp_path_factory.mktemp("print") / "long.html"
    path.write_text(page, encoding="utf-8")
    return path


def test_print_media_shows_every_row_and_screen_returns_to_one_page(browser, long_table):
    v = Visit(browser, long_table)
    try:
        assert v.visible_rows("long") == 50
        v.page.emulate_media(media="print")
        v.page.wait_for_function(
            f"document.querySelectorAll('#long tbody tr.row').length === {PRINT_ROWS}"
        )
        assert "wl-219" in v.page.locator("#long tbody").inner_text()
        v.page.emulate_media(media="screen")
        v.page.wait_for_function("document.querySelectorAll('#long tbody tr.row').length === 50")
        v.assert_clean()
    finally:
        v.close()


def test_saving_as_pdf_prints_every_row(browser, long_table):
    v = Visit(browser, long_table)
    try:
        v.page.evaluate(
            """() => { window.__most = 0;
              const body = document.querySelector('#long tbody');
              new MutationObserver(() => { window.__most = Math.max(window.__most,
                body.querySelectorAll('tr.row').length); }).observe(body, {childList: true}); }"""
        )
        pdf = v.page.pdf()
        assert pdf.startswith(b"%PDF")
        assert v.page.evaluate("window.__most") == PRINT_ROWS, "beforeprint renders every row"
        v.page.wait_for_function("document.querySelectorAll('#long tbody tr.row').length === 50")
    finally:
        v.close()


def test_map_draws_land_and_the_bundle_has_every_trace_type_it_needs(browser, plan_report):
    v = Visit(browser, plan_report)
    try:
        assert v.page.locator("#fig-map path.js-fill").count() >= 1, "coastlines filled as land"
        traces = set(v.page.evaluate("Object.keys(window.Plotly.PlotSchema.get().traces)"))
        assert {"scatter", "bar", "histogram", "box"} <= traces
        xr = v.page.evaluate("document.getElementById('fig-map').layout.xaxis.range")
        assert -180 <= xr[0] < xr[1] <= 180
        v.assert_clean()
    finally:
        v.close()


def test_sweep_and_montecarlo_reports_load_offline(
    browser, report_sweep, report_montecarlo, report_scenario, tmp_path
):
    pages = {
        "sweep": report_sweep.write_report(tmp_path / "sweep.html", report_scenario.name),
        "montecarlo": report_montecarlo.write_report(tmp_path / "montecarlo.html", report_scenario),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    for name, path in pages.items():
        v = Visit(browser, path)
        try:
            charts = v.page.locator(".chart")
            assert charts.count() >= 1
            for i in range(charts.count()):
                assert charts.nth(i).locator("svg.main-svg").count() > 0
            assert v.page.locator("#plans .card.plan").count() >= 1
            assert v.page.locator(".callout p").count() >= 2, "a narrative"
            assert v.page.evaluate("document.documentElement.scrollWidth") <= 1400
            v.page.wait_for_timeout(100)
            v.assert_clean()
            v.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        finally:
            v.close()


# --- legibility on the hybrid example: map labels apart, cascades table within the page ------


@pytest.fixture(scope="module")
def retailer_report(retailer_plan, tmp_path_factory):
    return write_report(retailer_plan, tmp_path_factory.mktemp("retailer") / "report.html")


def _overlaps(rects: list[dict]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            w = min(a["right"], b["right"]) - max(a["left"], b["left"])
            h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if w > 1 and h > 1:
                out.append((a["text"], b["text"]))
    return out


def test_map_labels_of_co_located_places_do_not_overlap(browser, retailer_report, retailer_plan):
    """The retailer's Paris store sits in AWS eu-west-3's metro and its Madrid store in GCP
    europe-southwest1's: their names are listed in one label, and no label prints over
    another, in a 1280 px window as drawn by plotly itself."""
    v = Visit(browser, retailer_report, width=1280)
    try:
        rects = v.page.evaluate(
            """() => [...document.querySelectorAll('#fig-map g.textpoint text')].map(t => {
                const r = t.getBoundingClientRect();
                return {text: t.textContent, left: r.left, right: r.right,
                        top: r.top, bottom: r.bottom};
            })"""
        )
        plot = v.page.evaluate(
            """() => { const r = document.querySelector('#fig-map .bglayer rect.bg')
                          .getBoundingClientRect();
                       return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }"""
        )
        assert _overlaps(rects) == []
        text = " ".join(r["text"] for r in rects)
        for place in ["dus-dc", "store-fr-paris", "aws:eu-west-3", "store-es-madrid"]:
            assert place in text, place
        for r in rects:
            assert plot["left"] - 1 <= r["left"] and r["right"] <= plot["right"] + 1, r
            assert plot["top"] - 1 <= r["top"] and r["bottom"] <= plot["bottom"] + 1, r
        v.assert_clean()
    finally:
        v.close()


@pytest.mark.parametrize("width", [1280, 1024])
def test_cascades_table_fits_the_window(browser, retailer_report, width):
    v = Visit(browser, retailer_report, width=width)
    try:
        box = v.page.evaluate(
            """() => { const s = document.querySelector('section#cascades .scroll');
                       return [s.scrollWidth, s.clientWidth]; }"""
        )
        assert box[0] <= box[1], f"the cascades table scrolls: {box[0]} px in {box[1]} px"
        cells = v.page.locator("section#cascades tbody tr").first.inner_text()
        for value in ["support-8b-north", "support-70b", "15%", "req/s", "dus-dc", "EU"]:
            assert value in cells, value
        v.assert_clean()
    finally:
        v.close()
