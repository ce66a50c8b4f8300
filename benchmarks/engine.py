"""Benchmark: ``python benchmarks/engine.py [--sizes 100 1000 10000] [--naive-at 100]``.

Seeded synthetic fleets (:mod:`advisor.synthetic`) against the full bundled catalog plus 50
sites with shared capacity and budgets. Prints numbers; asserts nothing about speed.
``total`` covers scenario load, options, model build and solve only: not the explanations,
baselines or outputs the CLI also produces (``benchmarks/targets.py`` times the CLI end to
end). ``peak_rss`` is the process high-water mark so far (runs are sequential, so later
sizes include earlier ones).
"""

from __future__ import annotations

import argparse
import resource
import time

from naive import naive_solve

from advisor.catalog import Catalog
from advisor.milp import SolverSettings, solve_problem
from advisor.milp.formulate import formulate
from advisor.options import build_options
from advisor.schema.load import parse_scenario
from advisor.synthetic import fleet


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(n: int, naive: bool, time_limit: float, gap: float, scale: float | None = None) -> None:
    t0 = time.perf_counter()
    scale = scale if scale is not None else max(1.0, n / 1000)
    scn = parse_scenario(fleet(n, capacity_scale=scale))
    cat = Catalog.load()
    t1 = time.perf_counter()
    opts = build_options(scn, cat)
    t2 = time.perf_counter()
    problem = formulate(scn, opts)
    settings = SolverSettings(time_limit_s=time_limit, mip_gap=gap)
    sol = solve_problem(problem, settings)
    t3 = time.perf_counter()
    s = opts.stats
    gap_txt = "n/a" if sol.gap is None else f"{sol.gap:.4%}"
    print(
        f"workloads={n:>6} site_scale={scale:g} load={t1 - t0:6.2f}s options={t2 - t1:6.2f}s model_build={sol.build_seconds:6.2f}s "
        f"solve={sol.solve_seconds:7.2f}s total={t3 - t0:7.2f}s status={sol.status} gap={gap_txt} "
        f"options_feasible={s['options_feasible']:,} after_pruning={s['options_after_pruning']:,} "
        f"({1 - s['options_after_pruning'] / max(s['options_feasible'], 1):.1%} pruned) "
        f"peak_rss={peak_rss_mb():,.0f}MB objective="
        + ("n/a" if sol.objective is None else f"{sol.objective:,.0f}"),
        flush=True,
    )
    if naive:
        t4 = time.perf_counter()
        full = build_options(scn, cat, prune=False)
        nprob = formulate(scn, full)
        t5 = time.perf_counter()
        nb, ns, nobj, nstatus = naive_solve(nprob, settings)
        ours = sol.build_seconds + sol.solve_seconds
        same = (
            "n/a"
            if nobj is None or sol.objective is None
            else f"{(sol.objective - nobj) / max(abs(nobj), 1e-9):+.3%}"
        )
        print(
            f"  naive (no pruning, PuLP loops; assign+capacity+power+space+budgets): "
            f"options={t5 - t4:.2f}s build={nb:.2f}s solve={ns:.2f}s status={nstatus} "
            f"objective={nobj:,.0f} ours_vs_naive_objective={same} "
            f"naive/ours(model+solve)={(nb + ns) / max(ours, 1e-9):.1f}x "
            f"naive/ours(end to end)={(t5 - t4 + nb + ns) / max(t3 - t1, 1e-9):.1f}x",
            flush=True,
        )


def report_metrics(n: int, time_limit: float, gap: float, out_dir: str) -> None:
    """The HTML report at ``n`` workloads: see :mod:`advisor.report.bench`."""
    from advisor.report.bench import report_metrics as measure_report

    measure_report(n, time_limit, gap, out_dir)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--naive-at", type=int, nargs="*", default=[100])
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--gap", type=float, default=0.005)
    ap.add_argument(
        "--report-at", type=int, nargs="*", default=[], help="also time the HTML report"
    )
    ap.add_argument("--out", default="reports/bench")
    ap.add_argument(
        "--site-scale",
        type=float,
        default=None,
        help="site capacity multiplier (default max(1, workloads / 1000); see synthetic.fleet)",
    )
    a = ap.parse_args()
    for n in a.sizes:
        run(n, n in a.naive_at, a.time_limit, a.gap, a.site_scale)
    for n in a.report_at:
        report_metrics(n, a.time_limit, a.gap, a.out)


if __name__ == "__main__":
    main()
