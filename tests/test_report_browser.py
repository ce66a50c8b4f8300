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
from advisor.report.tables import Column, data_table

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
        assert v.visible_rows("placements") == n
        v.page.fill("#placements input.filter", "fraud-scoring")
        assert v.visible_rows("placements") == 1
        assert "fraud-scoring" in v.page.locator("#placements tbody tr.row").inner_text()
        v.page.fill("#placements input.filter", "no such workload")
        assert v.visible_rows("placements") == 0
        v.page.fill("#placements input.filter", "")
        assert v.visible_rows("placements") == n
        v.page.click("#placements thead th:has-text('USD/month')")
        first = v.page.locator("#placements tbody tr.row").first.inner_text()
        top = report_plan.assignments.sort_values("total_usd").iloc[-1]["unit"]
        assert first.startswith(top)
        v.page.locator("#placements tbody tr.row").first.click()
        assert v.page.locator("#placements tbody tr.detail li").count() > 0
        v.assert_clean()
    finally:
        v.close()


def test_markup_in_names_shows_as_text(browser, report_hostile_plan, tmp_path):
    path = write_report(report_hostile_plan, tmp_path / "hostile.html")
    v = Visit(browser, path)
    try:
        v.page.fill("#placements input.filter", "alert(1)")
        assert v.visible_rows("placements") == 1
        assert "<script>alert(1)</script>" in v.page.locator("#placements tbody").inner_text()
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
