"""What a user waits for: the issue-13 target cases, end to end as the CLI runs them.

    python benchmarks/targets.py            # every case (minutes; run on a quiet machine)
    python benchmarks/targets.py --quick    # small versions of every case (a comparison run)
    python benchmarks/targets.py --only saas fleet-1000
    python benchmarks/targets.py --only sweep --dask   # the sweep on Dask too, results compared

Each case runs the CLI (``python -m advisor ...``) in a child process and prints one line:
``total`` is the child's wall time from process start to exit, so it includes the Python
start-up and imports, loading the scenario and catalogs, building options, the model build
and solve, the explanations (assignments, alternatives, baselines, binding limits), and
writing plan.json, plan.csv, report.html and focus.csv (``--sensitivity`` lines also include
the warm-started re-solves of the binding limits). ``rss`` is the child's peak resident set.
Under each plan line, ``where the time went`` is the command's own breakdown of that total
(``advisor plan --format json``'s ``timings_s``): start-up and imports, loading, options,
formulation, the solver, explanations, comparisons, outputs, verification.
Nothing is asserted about speed. The naive line compares a textbook PuLP model
(:mod:`benchmarks.naive`) with ``advisor plan`` on the same fleet, both end to end.

Works against any advisor checkout: ``PYTHONPATH=/path/to/other/checkout python
benchmarks/targets.py --quick`` times that code with the same cases (features it lacks,
such as ``--sensitivity``, are skipped and said so).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RUNNER = (
    "import atexit, resource, runpy, sys\n"
    "atexit.register(lambda: print('__rss_mb__', "
    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr))\n"
    "sys.argv = ['advisor', *sys.argv[1:]]\n"
    "runpy.run_module('advisor', run_name='__main__')\n"
)


def run_cli(args: list[str], timeout_s: float) -> dict:
    """Run ``python -m advisor ARGS``; wall time, peak RSS, exit code, parsed JSON stdout."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", RUNNER, *args],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=os.environ.copy(),
            cwd=tempfile.gettempdir(),  # not the repo root: there '' on sys.path would shadow
            # a PYTHONPATH checkout with this one
        )
    except subprocess.TimeoutExpired:
        return {"seconds": time.perf_counter() - t0, "rc": "timeout", "rss": float("nan")}
    seconds = time.perf_counter() - t0
    rss = float("nan")
    for line in p.stderr.splitlines():
        if line.startswith("__rss_mb__"):
            rss = float(line.split()[1])
    out: dict = {"seconds": seconds, "rc": p.returncode, "rss": rss}
    try:
        out["json"] = json.loads(p.stdout)
    except json.JSONDecodeError:
        out["json"] = None
        out["tail"] = (p.stderr or p.stdout).strip().splitlines()[-1:]
    return out


def supports(flag: str, command: str = "plan") -> bool:
    p = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "advisor", command, "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        cwd=tempfile.gettempdir(),
    )
    return flag in p.stdout


def fleet_yaml(n: int, folder: Path) -> Path:
    from advisor.synthetic import fleet

    path = folder / f"fleet-{n}.yaml"
    if not path.exists():
        data = fleet(n, capacity_scale=max(1.0, n / 1000))
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def line(case: str, r: dict, target: str, extra: str = "") -> None:
    j = r.get("json") or {}
    gap = j.get("gap")
    status = j.get("status", f"exit {r['rc']}" + (f" ({r['tail'][0]})" if r.get("tail") else ""))
    gap_txt = "n/a" if gap is None else f"{gap:.3%}"
    print(
        f"{case:<34} total={r['seconds']:8.2f}s rss={r['rss']:7.0f}MB status={status} "
        f"gap={gap_txt} target: {target}{extra}",
        flush=True,
    )
    where = profile(j.get("timings_s"))
    if where:
        print(f"{'':<4}where the time went (s): {where}", flush=True)


STAGES = (
    "startup",
    "load",
    "options",
    "formulate",
    "solver",
    "explanations",
    "comparisons",
    "solve_other",
    "centralised",
    "outputs",
    "sensitivity",
    "verify",
)
"""The stages ``advisor plan --format json`` times (``timings_s``, advisor/cli/stages.py), in
the order they run; they add up to its ``total`` (the child's wall time less the interpreter's
exit)."""


def profile(timings: dict | None) -> str:
    """``startup 0.58 · load 0.14 · ...`` from ``timings_s`` (empty when the checkout has none)."""
    if not timings:
        return ""
    parts = [f"{k} {timings[k]:.2f}" for k in STAGES if k in timings]
    return " · ".join([*parts, f"= {timings.get('total', float('nan')):.2f}"])


def plan_case(case: str, scenario: Path, out: Path, target: str, extra: list[str], t: float):
    args = ["plan", str(scenario), "--out", str(out / case), "--format", "json", *extra]
    line(case, run_cli(args, t), target)


def sweep_case(
    case: str, scenario: Path, out: Path, n: int, workers: int, t: float, engine: str = "local"
) -> Path:
    """The sweep ``price:aws`` over ``n`` points on ``engine`` with ``workers`` processes;
    returns the folder holding its sweep.csv."""
    stop = 0.5 + 0.005 * n
    folder = out / case.replace(" ", "_")
    args = [
        "sweep",
        str(scenario),
        "price:aws",
        f"0.5:{stop:.4f}:0.005",
        "--engine",
        engine,
        "--workers",
        str(workers),
        "--out",
        str(folder),
        "--format",
        "json",
        "--quiet",
    ]
    r = run_cli(args, t)
    r["json"] = {"status": "done" if r["rc"] == 0 else f"exit {r['rc']}"}
    line(case, r, "<= 10 min (200 variants, 2 workers)", f" variants={n} workers={workers}")
    return folder


def same_sweep(a: Path, b: Path) -> str:
    """Whether two sweeps gave the same results: sweep.csv equal but for the seconds column."""
    import pandas as pd

    try:
        x, y = (pd.read_csv(p / "sweep.csv").drop(columns=["seconds"]) for p in (a, b))
    except (OSError, KeyError, pd.errors.EmptyDataError) as exc:
        return f"n/a ({exc})"
    try:
        pd.testing.assert_frame_equal(x, y)
    except AssertionError as exc:
        return "NO: " + str(exc).splitlines()[0]
    return f"yes ({len(x)} rows)"


def naive_case(n: int, folder: Path, out: Path, t: float) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from naive import naive_end_to_end

    scenario = fleet_yaml(n, folder)
    ours = run_cli(["plan", str(scenario), "--out", str(out / f"ours-{n}"), "--format", "json"], t)
    t0 = time.perf_counter()
    nobj, nstatus = naive_end_to_end(scenario, t)
    naive_s = time.perf_counter() - t0
    obj = (ours.get("json") or {}).get("objective")
    same = "n/a" if obj is None or nobj is None else f"{(obj - nobj) / max(abs(nobj), 1e-9):+.3%}"
    print(
        f"{'naive / ours, ' + str(n) + ' workloads':<34} naive={naive_s:8.2f}s "
        f"ours={ours['seconds']:8.2f}s ratio={naive_s / max(ours['seconds'], 1e-9):5.1f}x "
        f"naive_status={nstatus} ours_vs_naive_objective={same} target: >= 20x",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small versions of every case")
    ap.add_argument(
        "--only", nargs="*", default=None, help="saas fleet-1000 fleet-10000 sweep naive"
    )
    ap.add_argument("--timeout", type=float, default=3600.0, help="per case, seconds")
    ap.add_argument(
        "--dask",
        action="store_true",
        help="also run the sweep on a local Dask cluster (2 workers) and compare the results",
    )
    a = ap.parse_args()
    q = a.quick
    cases = a.only or ["saas", "fleet-1000", "fleet-10000", "sweep", "naive"]
    import advisor

    print(f"advisor from {Path(advisor.__file__).parent} ({'quick' if q else 'full'} mode)")
    print(
        "total = child wall time: start-up, load, options, model, solve, explanations, "
        "outputs written"
    )
    sens = supports("--sensitivity")
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        folder, out = Path(tmp), Path(tmp) / "out"
        if "saas" in cases:
            saas = ROOT / "examples" / "saas-fleet.yaml"
            plan_case("saas-fleet plan", saas, out, "<= 5 s", [], a.timeout)
            if sens:
                plan_case(
                    "saas-fleet plan --sensitivity", saas, out, "-", ["--sensitivity"], a.timeout
                )
            else:
                print("saas-fleet plan --sensitivity: not supported by this checkout (always on)")
        if "fleet-1000" in cases:
            n = 200 if q else 1000
            plan_case(
                f"fleet-{n} (50 sites) plan",
                fleet_yaml(n, folder),
                out,
                "<= 5 s, gap <= 0.5%",
                ["--gap", "0.005"],
                a.timeout,
            )
        if "fleet-10000" in cases:
            n = 2000 if q else 10000
            plan_case(
                f"fleet-{n} (full catalog) plan",
                fleet_yaml(n, folder),
                out,
                "<= 60 s, gap <= 0.5%, RSS <= 2 GB",
                ["--gap", "0.005"],
                a.timeout,
            )
        if "sweep" in cases:
            n, fl = (10, 200) if q else (200, 1000)
            scn = fleet_yaml(fl, folder)
            local = sweep_case(f"sweep fleet-{fl} x {n}", scn, out, n, 2, a.timeout)
            if a.dask:
                dask = sweep_case(f"sweep fleet-{fl} x {n} dask", scn, out, n, 2, a.timeout, "dask")
                print(
                    f"{'sweep dask == local':<34} identical={same_sweep(local, dask)}", flush=True
                )
        if "naive" in cases:
            naive_case(100 if q else 300, folder, out, a.timeout)


if __name__ == "__main__":
    main()
