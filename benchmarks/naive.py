"""The textbook model the engine is compared with (benchmarks only; never shipped).

Every feasible option a binary (no pruning), plain PuLP loops (lpSum per row), PuLP's own
HiGHS interface, no warm start. Same objective and the same rows as the engine for what the
synthetic fleet uses: assignment, capacity per (site, SKU), power and rack units per site,
opex budgets (all and per team) and the overall capex budget. (The fleet has no flows,
placement rules, team capex budgets, risk or carbon caps.)
"""

from __future__ import annotations

import time
from pathlib import Path

import pulp

try:  # this checkout's solver package, or an older one (advisor.solve, plan.formulate)
    from advisor.milp import SolverSettings
    from advisor.milp.formulate import formulate, objective_constant
except ImportError:  # pragma: no cover - older checkouts
    from advisor.plan.formulate import formulate  # type: ignore[no-redef]

    def objective_constant(scn, purchasables) -> float:  # type: ignore[misc]
        return 0.0  # older checkouts had no fixed cost of owned boxes

    from advisor.solve import SolverSettings  # type: ignore[no-redef]


def naive_solve(
    problem, settings: SolverSettings, constant: float = 0.0
) -> tuple[float, float, float | None, str]:
    """The textbook model: every feasible option a binary (no pruning), plain PuLP loops
    (lpSum per row), PuLP's own HiGHS interface, no warm start.

    Same objective and the same rows as the engine for what the synthetic fleet uses:
    assignment, capacity per (site, SKU), power and rack units per site, opex budgets (all
    and per team) and the overall capex budget. (The fleet has no flows, placement rules,
    team capex budgets, risk or carbon caps.) ``constant`` is the objective's constant (the
    fixed cost of owned boxes, ``formulate.objective_constant``), so the objective is the
    plan's full cost like the engine's. Returns (build s, solve s, objective, status).
    """
    t0 = time.perf_counter()
    o = problem.options
    pur = problem.purchasables
    prob = pulp.LpProblem("naive", pulp.LpMinimize)
    x = {i: prob.add_variable(f"x_{i}", cat="Binary") for i in range(len(o))}
    buy = {
        (p.site, p.sku): prob.add_variable(f"b_{n}", 0, int(p.max_buy), cat="Integer")
        for n, p in enumerate(pur.itertuples())
        if p.max_buy > 0
    }
    prob += (
        pulp.lpSum(o["obj_usd"].iat[i] * x[i] for i in x)
        + pulp.lpSum(
            p.capex_obj_usd * buy[(p.site, p.sku)]
            for p in pur.itertuples()
            if (p.site, p.sku) in buy
        )
        + constant
    )
    for u in o["unit"].unique():
        prob += pulp.lpSum(x[i] for i in o.index[o["unit"] == u]) == 1
    for p in pur.itertuples():
        rows = o.index[(o["site"] == p.site) & (o["hardware"] == p.sku)]
        extra = p.box_units * buy[(p.site, p.sku)] if (p.site, p.sku) in buy else 0
        prob += (
            pulp.lpSum(o["units"].iat[i] * x[i] for i in rows) <= p.box_units * p.inventory + extra
        )
    for s in problem.sites.itertuples():
        rows = pur[pur["site"] == s.site]
        for col, cap in (("power_kw", s.max_kw), ("rack_units", s.max_rack_units)):
            if cap == float("inf"):
                continue
            keys = [(s.site, k) for k in rows["sku"] if (s.site, k) in buy]
            if keys:
                prob += (
                    pulp.lpSum(
                        r[col] * (r["inventory"] + buy.get((s.site, r["sku"]), 0))
                        for _, r in rows.iterrows()
                    )
                    <= cap
                )
    for b in problem.budgets:
        if b.kind == "opex":
            if b.scope == "all":  # every installed box's fixed cost counts (owned: constant)
                fixed = pulp.lpSum(
                    p.fixed_usd_per_month * buy[(p.site, p.sku)]
                    for p in pur.itertuples()
                    if (p.site, p.sku) in buy
                )
                owned = float((pur["fixed_usd_per_month"] * pur["inventory"]).sum())
                prob += (
                    pulp.lpSum(o["opex_usd"].iat[i] * x[i] for i in o.index) + fixed
                    <= b.limit_usd - owned
                )
            else:
                rows = o.index[o["team"] == b.scope[5:]]
                share = o["opex_usd"] + o["box_share_usd"]
                prob += pulp.lpSum(share.iat[i] * x[i] for i in rows) <= b.limit_usd
        elif b.scope == "all":
            prob += (
                pulp.lpSum(
                    p.list_price_usd * buy[(p.site, p.sku)]
                    for p in pur.itertuples()
                    if (p.site, p.sku) in buy
                )
                <= b.limit_usd
            )
    t1 = time.perf_counter()
    prob.solve(pulp.HiGHS(msg=False, timeLimit=settings.time_limit_s, gapRel=settings.mip_gap))
    t2 = time.perf_counter()
    # PuLP reports a time-limited run with an incumbent as 'Optimal'; its solution status tells
    status = pulp.LpStatus[prob.status] + "/" + pulp.LpSolution[prob.sol_status]
    return t1 - t0, t2 - t1, pulp.value(prob.objective), status


def naive_end_to_end(scenario: Path, time_limit: float) -> tuple[float | None, str]:
    """Load, build every option (unpruned), build the naive model and solve it; returns
    (objective, status). The caller times it."""
    from advisor import load_scenario
    from advisor.options import build_options
    from advisor.schema.load import catalog_for

    scn = load_scenario(scenario)
    full = build_options(scn, catalog_for(scn), prune=False)
    settings = SolverSettings(time_limit_s=time_limit, mip_gap=scn.settings.mip_gap)
    problem = formulate(scn, full)
    constant = objective_constant(scn, problem.purchasables)
    _, _, obj, status = naive_solve(problem, settings, constant)
    return obj, status
