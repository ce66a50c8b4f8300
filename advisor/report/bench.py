"""Report benchmark: ``python -m advisor.report.bench --at 1000 10000``.

For each size: solve a seeded synthetic fleet (:mod:`advisor.synthetic`), render its HTML
report, and open it in headless Chromium. Prints, per size, one line with

* ``size`` of the file, and how much of it is plotly.js, table data and chart data;
* ``render``: seconds to build the view model and write the file (solving not included);
* ``load``: navigation start to the ``load`` event (the browser's own timings);
* ``interactive``: navigation start until the placement table shows its first page, every
  chart has drawn and the main thread answers;
* ``filter``: typing one filter term into the placement table until the new page is painted;
  ``sort``: clicking the USD/month header until the sorted page is painted.

Chromium numbers are the median of ``--runs`` page loads in fresh browser contexts. The goal
(issue 4): at 1,000 workloads the report is at most 10 MB and interactive within 3 s.

``--time-limit`` bounds each solve and the output says what the solver returned. Fleets are
built like the engine benchmark's (``benchmarks/engine.py``): site capacity scaled by
``max(1, n / 1000)``, because the recipe's 50 sites cannot host 10,000 workloads at the
1,000-workload scale (that fleet is infeasible). Fleets above ``--max-solve`` (10,000) are
not solved; their report is measured on a report-scale plan tiled from a solved
``--tile-from`` (1,000) workload plan (see :func:`tiled_plan`), and the output says so.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page

    from advisor.plan import Plan

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
MAX_SOLVE = 10_000
"""Fleets above this many workloads are tiled, not solved (see :func:`report_metrics`)."""
GOAL_MB = 10.0
GOAL_INTERACTIVE_MS = 3000.0

_READY = """() => {
  const rows = document.querySelectorAll('#placements-table tbody tr.row').length;
  const charts = [...document.querySelectorAll('.chart')];
  const drawn = charts.every(c => c.querySelector('svg.main-svg'));
  return rows > 0 && drawn ? performance.now() : false;
}"""

_ROUND_TRIP = """([action, term]) => new Promise(resolve => {
  const root = document.querySelector('#placements-table');
  const t0 = performance.now();
  if (action === 'filter') {
    const input = root.querySelector('input.filter');
    input.value = term;
    input.dispatchEvent(new Event('input', {bubbles: true}));
  } else {
    [...root.querySelectorAll('thead th')].find(th => th.textContent.trim() === term).click();
  }
  requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
})"""


@dataclass
class BrowserTimes:
    load_ms: float
    dom_ms: float
    interactive_ms: float
    filter_ms: float
    sort_ms: float
    filter_rows: str


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _listen(page: Page) -> tuple[list[str], list[str]]:
    """Lists that collect the page's errors (uncaught and console) and requested URLs."""
    errors: list[str] = []
    requests: list[str] = []

    def on_console(m: ConsoleMessage) -> None:
        if m.type == "error":
            errors.append(m.text)

    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", on_console)
    page.on("request", lambda r: requests.append(r.url))
    return errors, requests


def chromium_times(path: Path, runs: int = 3, term: str = "") -> BrowserTimes:
    """Median timings of ``runs`` loads of ``path`` in headless Chromium (fresh context each)."""
    from playwright.sync_api import sync_playwright

    samples: list[BrowserTimes] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for _ in range(runs):
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                page = ctx.new_page()
                errors, requests = _listen(page)
                page.goto(path.resolve().as_uri(), wait_until="load", timeout=120_000)
                ready = page.wait_for_function(_READY, polling="raf", timeout=120_000)
                interactive = float(ready.json_value())
                page.evaluate("() => 0")  # the main thread answers
                nav = page.evaluate(
                    "() => { const n = performance.getEntriesByType('navigation')[0];"
                    " return [n.domInteractive, n.loadEventEnd]; }"
                )
                filter_ms = page.evaluate(_ROUND_TRIP, ["filter", term])
                rows = page.locator("#placements-table .info").inner_text()
                page.evaluate(_ROUND_TRIP, ["filter", ""])
                sort_ms = page.evaluate(_ROUND_TRIP, ["sort", "USD/month"])
                if errors or requests[1:]:
                    raise RuntimeError(f"report not clean: errors={errors} requests={requests[1:]}")
                samples.append(
                    BrowserTimes(
                        load_ms=float(nav[1]),
                        dom_ms=float(nav[0]),
                        interactive_ms=max(interactive, float(nav[1])),
                        filter_ms=float(filter_ms),
                        sort_ms=float(sort_ms),
                        filter_rows=rows,
                    )
                )
                ctx.close()
        finally:
            browser.close()
    return BrowserTimes(
        load_ms=_median([s.load_ms for s in samples]),
        dom_ms=_median([s.dom_ms for s in samples]),
        interactive_ms=_median([s.interactive_ms for s in samples]),
        filter_ms=_median([s.filter_ms for s in samples]),
        sort_ms=_median([s.sort_ms for s in samples]),
        filter_rows=samples[-1].filter_rows,
    )


def size_breakdown(html: str) -> dict[str, float]:
    """MB of the whole file, the inlined plotly.js, table JSON and chart JSON."""
    mb = 1e6
    blocks = re.findall(
        r'<script type="application/(?:json|octet-stream)" id="([^"]+)"[^>]*>(.*?)</script>',
        html,
        re.S,
    )
    tables = sum(len(b.encode()) for i, b in blocks if not i.startswith("fig-"))
    charts = sum(len(b.encode()) for i, b in blocks if i.startswith("fig-"))
    m = re.search(r"<script>\s*(/\*\*\s*\* plotly\.js.*?)</script>", html, re.S)
    plotly = len(m.group(1).encode()) if m else 0
    return {
        "total": len(html.encode()) / mb,
        "plotly": plotly / mb,
        "tables": tables / mb,
        "charts": charts / mb,
    }


_SOLVED: dict[tuple[int, float, float], tuple[Plan | None, str]] = {}


def solve_fleet(n: int, time_limit: float, gap: float) -> tuple[Plan | None, str]:
    """Solve the seeded ``n``-workload fleet; ``(None, why)`` when no plan comes back."""
    key = (n, time_limit, gap)
    if key not in _SOLVED:
        _SOLVED[key] = _solve_fleet(n, time_limit, gap)
    return _SOLVED[key]


def _solve_fleet(n: int, time_limit: float, gap: float) -> tuple[Plan | None, str]:
    from advisor.errors import InfeasibleScenario
    from advisor.plan import solve
    from advisor.schema.load import parse_scenario
    from advisor.synthetic import fleet

    t0 = time.perf_counter()
    try:
        plan = solve(
            parse_scenario(fleet(n, capacity_scale=max(1.0, n / 1000))),
            time_limit_s=time_limit,
            mip_gap=gap,
            sensitivity=False,
        )
    except InfeasibleScenario as exc:
        return None, f"no plan after {time.perf_counter() - t0:.0f}s: {str(exc).splitlines()[0]}"
    return plan, f"solved status={plan.status} gap={_gap(plan)} in {time.perf_counter() - t0:.0f}s"


def _gap(plan: Plan) -> str:
    return "n/a" if plan.gap is None else f"{plan.gap:.2%}"


def measure(plan: Plan, label: str, out_dir: Path, runs: int) -> dict[str, Any]:
    """Render ``plan``'s report into ``out_dir``, time it in Chromium, print one line."""
    from advisor.report.write import report_html
    from advisor.safeio import atomic_write_text

    t0 = time.perf_counter()
    html = report_html(plan)
    path = atomic_write_text(out_dir / f"{label}.html", html)
    render_s = time.perf_counter() - t0
    size = size_breakdown(html)
    term = str(plan.assignments["team"].iat[0])
    b = chromium_times(path, runs=runs, term=term)
    ok = size["total"] <= GOAL_MB and b.interactive_ms <= GOAL_INTERACTIVE_MS
    print(
        f"report {label}: workloads={plan.assignments['workload'].nunique():,} "
        f"rows={len(plan.assignments):,} "
        f"size={size['total']:.2f}MB (plotly.js {size['plotly']:.2f}, tables {size['tables']:.2f}, "
        f"charts {size['charts']:.2f}) render={render_s:.2f}s load={b.load_ms:.0f}ms "
        f"dom_interactive={b.dom_ms:.0f}ms interactive={b.interactive_ms:.0f}ms "
        f"filter('{term}')={b.filter_ms:.0f}ms [{b.filter_rows}] sort={b.sort_ms:.0f}ms "
        f"goal(<= {GOAL_MB:g}MB, <= {GOAL_INTERACTIVE_MS / 1000:g}s)={'met' if ok else 'MISSED'} "
        f"[median of {runs}] -> {path}",
        flush=True,
    )
    return {"path": path, "size": size, "render_s": render_s, "browser": b}


def report_metrics(
    n: int,
    time_limit: float,
    gap: float,
    out_dir: str | Path,
    runs: int = 3,
    tile_from: int | None = 1000,
    max_solve: int = MAX_SOLVE,
) -> dict[str, Any] | None:
    """Measure the report of the ``n``-workload fleet (see the module docstring).

    Fleets above ``max_solve`` workloads are not solved (memory: the 10,000-workload model
    passed 10 GB while still being built); their report is measured on a plan tiled from a
    solved ``tile_from``-workload fleet, and the printed line says so.
    """
    out = Path(out_dir)
    if n <= max_solve:
        plan, how = solve_fleet(n, time_limit, gap)
        print(f"fleet-{n}: {how}", flush=True)
        if plan is not None:
            return measure(plan, f"fleet-{n}", out, runs)
    else:
        print(f"fleet-{n}: not solved ({n:,} > --max-solve {max_solve:,})", flush=True)
    if not tile_from or tile_from > max_solve:
        print(f"fleet-{n}: no report measured (no plan; pass --tile-from)", flush=True)
        return None
    base, how = solve_fleet(tile_from, time_limit, gap)
    print(f"fleet-{tile_from} (tile base): {how}", flush=True)
    if base is None:
        return None
    return measure_tiled(base, n, out, runs)


def measure_tiled(base: Plan, n: int, out: Path, runs: int) -> dict[str, Any]:
    """Measure the report of ``base`` tiled up to at least ``n`` workloads."""
    size = base.assignments["workload"].nunique()
    copies = -(-n // size)
    tiled = tiled_plan(base, copies)
    print(
        f"fleet-{n}: measuring a TILED plan: {copies} renamed copies of the solved "
        f"{size:,}-workload plan ({len(tiled.assignments):,} rows). Per-workload sections scale; "
        "purchases, site usage and budgets are the base plan's; nothing is re-optimised. "
        "Copies repeat their text, so the compressed tables are smaller than a real fleet's "
        f"would be (about {copies}x the {size:,}-workload report's tables).",
        flush=True,
    )
    return measure(tiled, f"tiled-{copies}x{size}", out, runs)


def tiled_plan(plan: Plan, copies: int) -> Plan:
    """A report-scale plan: ``copies`` copies of every workload, renamed ``<id>-t<k>``.

    Only for measuring the report: each copy keeps its original placement, so totals scale
    by ``copies`` while sites and budgets do not (utilisation may exceed 100%).
    """
    import dataclasses

    import pandas as pd

    from advisor.schema.load import revalidate

    def suffix(k: int) -> str:
        return "" if k == 0 else f"-t{k}"

    def rename(frame: pd.DataFrame, k: int) -> pd.DataFrame:
        f = frame.copy()
        for col in ("workload", "unit"):
            if col in f.columns:
                f[col] = f[col].astype(str) + suffix(k)
        return f

    def tile(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([rename(frame, k) for k in range(copies)], ignore_index=True)

    scn = plan.scenario
    workloads = tuple(
        w.model_copy(update={"id": w.id + suffix(k)}) for k in range(copies) for w in scn.workloads
    )
    scn2 = revalidate(scn.model_copy(update={"workloads": workloads}))
    opts = plan.options
    opts2 = dataclasses.replace(
        opts,
        options=tile(opts.options),
        units=tile(opts.units),
        rejections=tile(opts.rejections),
    )
    kpis = dict(plan.kpis)
    for key, value in plan.kpis.items():
        if isinstance(value, int | float) and key not in ("horizon_months",):
            kpis[key] = value * copies
    return dataclasses.replace(
        plan,
        scenario=scn2,
        assignments=tile(plan.assignments),
        alternatives=tile(plan.alternatives),
        kpis=kpis,
        options=opts2,
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--at", type=int, nargs="+", default=[1000], help="fleet sizes")
    ap.add_argument("--time-limit", type=float, default=120.0, help="solver seconds per fleet")
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--runs", type=int, default=3, help="Chromium loads per report (median)")
    ap.add_argument("--tile-from", type=int, default=1000, help="base fleet of tiled plans")
    ap.add_argument("--max-solve", type=int, default=MAX_SOLVE, help="largest fleet to solve")
    ap.add_argument("--out", default="reports/bench")
    a = ap.parse_args(argv)
    for n in a.at:
        report_metrics(n, a.time_limit, a.gap, a.out, a.runs, a.tile_from, a.max_solve)


if __name__ == "__main__":
    main()
