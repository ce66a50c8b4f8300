"""What-if benchmark: ``python -m advisor.whatif.bench [--fleet 1000] [--variants 200]``.

Prints (asserts nothing about speed):

* a sweep of ``--variants`` price factors of the seeded synthetic fleet
  (:func:`advisor.synthetic.fleet`) on the local process pool and on a Dask ``LocalCluster``
  with 2 single-threaded workers, and whether both gave identical frames;
* warm re-solve (a budget edit answered from the option cache) against a cold solve;
* Monte Carlo with ``--samples`` draws on the insurer example (its ``uncertainty`` section).
"""

from __future__ import annotations

import argparse
import time
from typing import TypedDict

import numpy as np

import advisor
from advisor.schema.load import parse_scenario
from advisor.synthetic import fleet
from advisor.whatif import Resolver


def sweep_engines(n: int, variants: int, time_limit: float, gap: float) -> None:
    from distributed import LocalCluster

    scn = parse_scenario(fleet(n))
    values = [round(float(v), 4) for v in np.linspace(0.5, 1.5, variants)]
    kw = {"time_limit_s": time_limit, "mip_gap": gap, "progress": False}
    t0 = time.perf_counter()
    local = advisor.sweep(scn, "price", values, engine="local", workers=2, **kw)
    t_local = time.perf_counter() - t0
    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=":0"
    ) as cluster:
        t0 = time.perf_counter()
        dask = advisor.sweep(
            scn, "price", values, engine="dask", scheduler=cluster.scheduler_address, **kw
        )
        t_dask = time.perf_counter() - t0
    same = local.frame.drop(columns=["seconds"]).equals(dask.frame.drop(columns=["seconds"]))
    statuses = local.frame["status"].value_counts().to_dict()
    print(
        f"sweep fleet={n} variants={variants} (+1 baseline) local_pool(2)={t_local:.1f}s "
        f"dask_localcluster(2)={t_dask:.1f}s identical={same} statuses={statuses}",
        flush=True,
    )


class _SolveSettings(TypedDict):
    """The keywords both solves get (a TypedDict, so ``**kw`` is checked against solve's)."""

    time_limit_s: float
    mip_gap: float
    sensitivity: bool


def warm_vs_cold(scn: advisor.Scenario, label: str, time_limit: float, gap: float) -> None:
    kw = _SolveSettings(time_limit_s=time_limit, mip_gap=gap, sensitivity=False)
    r = Resolver()
    r.solve(scn, **kw)
    edited = scn.with_budget("all", factor=0.98) if scn.budgets else scn.with_limits()
    t0 = time.perf_counter()
    advisor.solve(edited, **kw)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    r.solve(edited, **kw)
    warm = time.perf_counter() - t0
    print(
        f"re-solve {label}: cold={cold:.2f}s warm={warm:.2f}s cold/warm={cold / warm:.1f}x "
        f"(option cache hits={r.stats['option_hits']})",
        flush=True,
    )


def monte_carlo(samples: int) -> None:
    scn = advisor.load_scenario(advisor.example_path("eu-insurer"))
    t0 = time.perf_counter()
    mc = advisor.monte_carlo(scn, samples, engine="local", workers=2, progress=False)
    dt = time.perf_counter() - t0
    ok = mc.samples["status"].isin(["optimal", "time_limit"])
    cost = mc.samples.loc[ok, "monthly_total_usd"]
    robust = mc.candidates.loc[mc.candidates["robust"]].iloc[0]
    print(
        f"monte carlo insurer samples={samples} wall={dt:.1f}s feasible={int(ok.sum())} "
        f"cost P10/P50/P90={cost.quantile(0.1):,.0f}/{cost.quantile(0.5):,.0f}/"
        f"{cost.quantile(0.9):,.0f} USD/month candidates={len(mc.candidates)} "
        f"robust=plan {int(robust['candidate'])} (P90 {robust['p90_usd']:,.0f})",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fleet", type=int, default=1000)
    ap.add_argument("--variants", type=int, default=200)
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--gap", type=float, default=0.005)
    ap.add_argument("--skip", nargs="*", default=[], choices=["sweep", "resolve", "mc"])
    a = ap.parse_args()
    if "resolve" not in a.skip:
        insurer = advisor.load_scenario(advisor.example_path("eu-insurer"))
        warm_vs_cold(insurer, "insurer", a.time_limit, a.gap)
        warm_vs_cold(parse_scenario(fleet(a.fleet)), f"fleet-{a.fleet}", a.time_limit, a.gap)
    if "sweep" not in a.skip:
        sweep_engines(a.fleet, a.variants, a.time_limit, a.gap)
    if "mc" not in a.skip:
        monte_carlo(a.samples)


if __name__ == "__main__":
    main()
