"""Federated placement against brute force on small random cases.

Each case has 2-3 shards (pinned to a site, a cloud region or a residency), an aggregator
with random allowed tiers and residency, random update sizes and, often, a ``max_rtt_ms``
set between two distinct shard <-> aggregator round trips so that it binds. The brute force
enumerates every combination of the *unpruned* options of the shard and aggregator units
(``build_options(prune=False)`` + ``formulate``) and scores it directly:

    sum obj_usd + sum_{(s,k)} capex_obj_usd(s,k) x ceil(units at (s,k) / box units)
                + flow_obj_factor x sum_f gb_f x rate(target of sender, target of receiver)

with rate(t, t') as the flows family documents it (0 on one target; the sender's
same-provider rate for another region of its provider; its out rate otherwise), every
(site, SKU) pool within ``max_buy`` (the sites own nothing, so every box is bought), and a
combination infeasible when a limited flow's rtt(t, t') exceeds its limit. The solver's
objective must equal the optimum, it must be infeasible exactly when no combination is
feasible, and the independent verifier must accept every plan.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from helpers_scenarios import build

import advisor
from advisor.catalog import Catalog
from advisor.errors import InfeasibleScenario
from advisor.milp.formulate import formulate
from advisor.options import build_options
from advisor.plan.verify import verify_plan

CAT = Catalog.load()
REGIONS = ("aws:eu-west-3", "aws:eu-central-1", "gcp:europe-west8", "gcp:europe-west4")
COUNTRIES = ("FR", "DE", "IT", "NL")
MAX_COMBINATIONS = 60_000
CASES = 14


def draw_case(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    n_shards = int(rng.integers(2, 4))
    shards = []
    for k in range(n_shards):
        kind = rng.choice(["site", "region", "residency"])
        shard: dict = {"id": f"s{k}", "data_gb": float(rng.integers(50, 1000))}
        if kind == "site":
            shard["site"] = "hub"
        elif kind == "region":
            shard["region"] = str(rng.choice(REGIONS))
        else:
            shard["residency"] = [str(rng.choice(COUNTRIES))]
        shards.append(shard)
    tiers = [["cloud"], ["cloud", "local"], []][int(rng.integers(0, 3))]
    agg: dict = {"allowed_tiers": tiers}
    if rng.random() < 0.4:
        agg["residency"] = [str(rng.choice(COUNTRIES))]
    return {
        "name": f"federated-bf-{seed}",
        "settings": {"horizon_months": 36, "mip_gap": 0.0, "time_limit_s": 60},
        "sites": [
            {
                "id": "hub",
                "kind": "local",
                "country": "DE",
                "location": {"lat": 50.11, "lon": 8.68},
                "can_buy": ["l4-2", "cpu-2s-128"],
                "max_buy_per_sku": 2,
                "wan_egress_usd_per_gb": float(rng.choice([0.0, 0.05])),
            }
        ],
        "clouds": {"providers": ["aws", "gcp"], "allow_regions": list(REGIONS)},
        "workloads": [
            {
                "id": "job",
                "kind": "training",
                "accelerators": {"count": 1, "types": ["L4"]},
                "demand": {
                    "gpu_hours_per_month": float(rng.integers(50, 800)),
                    "reference_accelerator": "L4",
                },
                "data": {"classification": "internal", "residency": ["EU"]},
                "federated": {
                    "shards": shards,
                    "rounds_per_month": float(rng.integers(1, 60)),
                    "update_gb_per_round": float(rng.choice([0.5, 2.5, 10.0])),
                    "aggregator": agg,
                },
            }
        ],
    }


class Enumeration:
    """Every combination of the units' options with its objective and feasibility."""

    def __init__(self, problem):
        o = problem.options.reset_index(drop=True)
        self.units = sorted(
            set(o["unit"]) | {u for f in problem.flows for u in (*f.from_units, *f.to_units)}
        )
        idx = [np.flatnonzero(o["unit"].to_numpy() == u) for u in self.units]
        self.size = math.prod(len(i) for i in idx)
        self.objective, self.ok = np.zeros(0), np.zeros(0, bool)
        if self.size > MAX_COMBINATIONS or not self.size:
            return
        combos = np.array(list(itertools.product(*idx)), dtype=int).reshape(-1, len(idx))
        obj = o["obj_usd"].to_numpy(float)[combos].sum(axis=1)
        ok = np.ones(len(combos), bool)
        # purchases: the fewest whole boxes per (site, SKU) pool
        pur = problem.purchasables.set_index(["site", "sku"])
        site_opt = (o["tier"] != "cloud").to_numpy()
        for (s, k), p in pur.iterrows():
            mine = site_opt & (o["site"].to_numpy() == s) & (o["hardware"].to_numpy() == k)
            units = np.where(mine, o["units"].to_numpy(float), 0.0)[combos].sum(axis=1)
            boxes = np.ceil(units / p["box_units"] - 1e-9)
            ok &= boxes <= p["max_buy"] + p["inventory"]
            obj += np.maximum(boxes - p["inventory"], 0) * p["capex_obj_usd"]
        codes, names = pd.factorize(o["target"])
        col = {u: j for j, u in enumerate(self.units)}
        rates = problem.flow_rates.set_index("target")
        rate = np.array([[self.rate(rates, a, b) for b in names] for a in names])
        rtt = np.full((len(names), len(names)), np.inf)
        for a, b, ms in problem.flow_rtt[["src", "dst", "rtt_ms"]].itertuples(index=False):
            if a in names and b in names:
                rtt[names.get_loc(a), names.get_loc(b)] = ms
        for f in problem.flows:
            ta = codes[combos[:, col[f.from_units[0]]]]
            tb = codes[combos[:, col[f.to_units[0]]]]
            obj += problem.flow_obj_factor * f.gb_per_month * rate[ta, tb]
            if f.max_rtt_ms is not None:
                ok &= rtt[ta, tb] <= f.max_rtt_ms
        self.objective, self.ok = obj, ok

    @staticmethod
    def rate(rates, a: str, b: str) -> float:
        if a == b:
            return 0.0
        pa, pb = rates.at[a, "provider"], rates.at[b, "provider"]
        if pa and pa == pb:
            return float(rates.at[a, "usd_per_gb_inter"])
        return float(rates.at[a, "usd_per_gb_out"])

    def optimum(self) -> float | None:
        return float(self.objective[self.ok].min()) if self.ok.any() else None


def with_rtt_limit(data: dict, seed: int) -> dict:
    """A max_rtt_ms between two distinct round trips the shards could see, or none."""
    rng = np.random.default_rng(seed + 1000)
    if seed % 4 == 3:  # a quarter of the cases have no limit
        return data
    probe = build({**data, "workloads": [dict(data["workloads"][0])]}, CAT)
    w = probe.workloads[0]
    loose = w.model_copy(update={"federated": w.federated.model_copy(update={"max_rtt_ms": 1e4})})
    scn = probe.model_copy(update={"workloads": (loose,)})
    problem = formulate(scn, build_options(scn, CAT, prune=False))
    values = sorted(set(problem.flow_rtt["rtt_ms"].round(3)))
    if len(values) < 2:
        return data
    i = int(rng.integers(len(values) // 2, len(values) - 1))  # the far half: binds, rarely empty
    limit = (values[i] + values[i + 1]) / 2.0
    data["workloads"][0]["federated"]["max_rtt_ms"] = float(limit)
    return data


@pytest.mark.parametrize("seed", range(CASES))
def test_federated_matches_brute_force(seed):
    data = with_rtt_limit(draw_case(seed), seed)
    scn = build(data, CAT)
    problem = formulate(scn, build_options(scn, CAT, prune=False))
    e = Enumeration(problem)
    if e.size > MAX_COMBINATIONS:
        pytest.skip(f"{e.size} combinations")
    best = e.optimum() if e.size else None  # a unit without any option: infeasible
    try:
        plan = advisor.solve(scn, CAT, mip_gap=0.0)
    except InfeasibleScenario:
        assert best is None, f"solver infeasible; brute force found {best}"
        return
    assert best is not None, "solver found a plan; brute force says infeasible"
    assert plan.objective == pytest.approx(best, rel=1e-7, abs=1e-6)
    check = verify_plan(plan)
    assert check.ok, check.violations


def test_the_cases_exercise_the_round_trip_limit():
    """At least one drawn case has a limit that changes the optimum (it binds)."""
    bound = 0
    for seed in range(CASES):
        data = with_rtt_limit(draw_case(seed), seed)
        fed = data["workloads"][0]["federated"]
        if "max_rtt_ms" not in fed:
            continue
        scn = build(data, CAT)
        e = Enumeration(formulate(scn, build_options(scn, CAT, prune=False)))
        if e.size > MAX_COMBINATIONS or not e.size:
            continue
        if (e.ok.any() and e.optimum() > float(e.objective.min()) + 1e-6) or not e.ok.any():
            bound += 1
    assert bound >= 2
