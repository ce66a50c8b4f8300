"""The HiGHS strategy (LP bound, quick restricted MIPs, placement relaxation, full MIP)
against a plain full MIP: same optimum within the gap, plans accepted by the independent
verifier, same result twice. No timing is asserted."""

from __future__ import annotations

import numpy as np
import pytest

import advisor
from advisor.catalog import Catalog
from advisor.milp import SolverSettings, highs, solve_problem
from advisor.milp.formulate import formulate
from advisor.milp.model import build
from advisor.options import build_options
from advisor.plan.verify import verify_plan
from advisor.schema import parse_scenario
from advisor.synthetic import fleet

GAP = 0.005


@pytest.fixture(scope="module")
def problem():
    scn = parse_scenario(fleet(60, n_sites=8, seed=3))
    opts = build_options(scn, Catalog.load())
    assert len(opts.options) >= highs.WARM_START_MIN_OPTIONS  # the warm path runs
    return scn, formulate(scn, opts)


def test_warm_path_matches_plain_mip(problem, monkeypatch):
    _, prob = problem
    settings = SolverSettings(mip_gap=GAP, time_limit_s=120)
    warm = solve_problem(prob, settings)
    monkeypatch.setattr(highs, "WARM_START_MIN_OPTIONS", 10**9)
    exact = solve_problem(prob, SolverSettings(mip_gap=0.0, time_limit_s=120))
    assert warm.status == exact.status == "optimal"
    assert exact.objective <= warm.objective * (1 + 1e-9)
    assert warm.objective <= exact.objective / (1 - GAP) + 1e-6
    assert warm.best_bound <= exact.objective * (1 + 1e-9)  # a valid lower bound
    assert warm.gap <= GAP + 1e-12


def test_warm_path_is_deterministic(problem):
    _, prob = problem
    settings = SolverSettings(mip_gap=GAP, time_limit_s=120)
    a, b = solve_problem(prob, settings), solve_problem(prob, settings)
    assert a.chosen == b.chosen and a.buys == b.buys and a.objective == b.objective


def test_plan_from_warm_path_verifies():
    scn = parse_scenario(fleet(60, n_sites=8, seed=3))
    plan = advisor.solve(scn, sensitivity=False, mip_gap=GAP)
    v = verify_plan(plan)
    assert v.ok, v.format()


def test_heuristic_sets_are_well_formed(problem):
    _, prob = problem
    model = build(prob)
    a = model.arrays
    n_x = model.n_x
    assert a.n_cols >= n_x and a.n_rows == len(model.rows)
    lp = np.zeros(a.n_cols)
    cand = highs.candidate_options(model, lp[:n_x], np.arange(n_x, dtype=float))
    units = prob.options["unit"].to_numpy()
    assert set(units[cand]) == set(units)  # every unit keeps at least one option


def test_quick_mip_past_its_soft_stop_returns_a_plan_that_fits(problem):
    """Stopped at its first plan (soft stop already passed), a MIP still returns that plan,
    and it satisfies every row and bound of the full model."""
    import time

    _, prob = problem
    model = build(prob)
    a = model.arrays
    settings = SolverSettings(mip_gap=0.0, time_limit_s=120)
    now = time.perf_counter()
    res = highs._mip_run(a, settings, now + 120, -np.inf, 0.0, None, None, soft=now)
    assert res.values is not None and res.objective is not None
    assert highs.feasible(a, res.values)
    exact = solve_problem(prob, settings)
    assert res.objective >= exact.objective - 1e-6  # a plan, not a bound


def test_neighbourhood_frees_exactly_the_units_touching_fractional_pools(problem):
    """Against a plain-Python reading of the rule, on the LP of a real fleet: a unit is free
    (may use its candidates) when one of its options is fractional, or sits in a pool whose
    LP purchase is fractional and is used by the LP or a candidate; others keep the LP's."""
    from advisor.milp.problem import SolverSettings as S

    _, prob = problem
    model = build(prob)
    a = model.arrays
    n_x = model.n_x
    h = highs._highs(a, S(time_limit_s=60), 60, 0.0, mip=False)
    lp = highs._run(h, a, mip=False)
    reduced = np.asarray(h.getSolution().col_dual, float)
    cand = highs.candidate_options(model, lp.values[:n_x], reduced[:n_x])
    nb = highs.neighbourhood(model, a, lp.values, cand)
    lay, o, x = model.layout, prob.options, lp.values[:n_x]
    buys = dict(zip(lay.buy_keys, lp.values[lay.buy0 : lay.flow0], strict=True))
    frac_pools = {k for k, v in buys.items() if abs(v - round(v)) > 1e-6}
    assert frac_pools  # the case under test: the LP buys a fraction of a box somewhere
    free_units = set()
    for i, (u, tier, s, k) in enumerate(
        zip(o["unit"], o["tier"], o["site"], o["hardware"], strict=True)
    ):
        in_frac = tier != "cloud" and (s, k) in frac_pools
        if (1e-6 < x[i] < 1 - 1e-6) or (in_frac and (cand[i] or x[i] > 1e-6)):
            free_units.add(u)
    for i, u in enumerate(o["unit"]):
        if u in free_units:
            assert nb.hi[i] == (a.hi[i] if cand[i] else 0.0)
            assert nb.lo[i] == a.lo[i]
        else:
            kept = x[i] > 1 - 1e-6
            assert nb.hi[i] == (a.hi[i] if kept else 0.0)
            assert nb.lo[i] == (1.0 if kept else a.lo[i])
    assert (nb.lo <= nb.hi).all()


def test_no_time_for_the_full_mip_returns_the_heuristic_plan_with_the_lp_bound(
    problem, monkeypatch
):
    """When less time is left than FULL_MIP_MIN_LP_TIMES LP solves, the heuristic plan is the
    answer: feasible for the full model, stated as 'feasible' with the LP bound as its proof."""
    from advisor.milp import solver as solver_mod

    _, prob = problem
    monkeypatch.setattr(highs, "FULL_MIP_MIN_LP_TIMES", 1e12)
    settings = SolverSettings(mip_gap=0.0, time_limit_s=120)
    sol, model = solver_mod.run(prob, settings)
    a = model.arrays
    h = highs._highs(a, settings, 60, 0.0, mip=False)
    lp = highs._run(h, a, mip=False)
    assert sol.status == "feasible" and sol.has_plan
    assert abs(sol.best_bound - lp.objective) <= 1e-6 * abs(lp.objective)
    assert sol.objective > sol.best_bound
    monkeypatch.setattr(highs, "FULL_MIP_MIN_LP_TIMES", 0.0)
    full = solve_problem(prob, settings)
    assert full.status == "optimal" and full.objective <= sol.objective + 1e-6


def test_placement_relaxation_bound_lies_between_the_lp_and_the_optimum(problem, monkeypatch):
    """The relaxation keeps purchases integer and lets placements be fractional: its optimum
    is a valid lower bound (never above the exact MIP optimum) and at least the LP bound;
    on this fleet the boxes' integrality lifts it strictly above the LP."""
    from advisor.milp.problem import SolverSettings as S

    _, prob = problem
    model = build(prob)
    a = model.arrays
    rel_arrays = highs.placement_relaxation(a, model.n_x)
    assert not rel_arrays.integer[: model.n_x].any()
    assert (rel_arrays.integer[model.n_x :] == a.integer[model.n_x :]).all()
    assert a.integer[: model.n_x].all()  # the model itself is untouched
    settings = S(time_limit_s=120, mip_gap=0.0)
    h = highs._highs(a, settings, 60, 0.0, mip=False)
    lp = highs._run(h, a, mip=False)
    rel = highs._mip_run(rel_arrays, settings, np.inf, -np.inf, 0.0, None, None)
    monkeypatch.setattr(highs, "WARM_START_MIN_OPTIONS", 10**9)
    exact = solve_problem(prob, settings)
    assert exact.status == "optimal"
    assert lp.objective <= rel.bound + 1e-6
    assert rel.bound <= exact.objective * (1 + 1e-9)
    assert rel.bound > lp.objective * (1 + 1e-6)  # the case under test: a lift


def test_relaxation_neighbourhood_frees_exactly_the_units_touching_fractional_pools(problem):
    """Against a plain-Python reading of the rule, on the relaxation of a real fleet: a unit
    is free (any of its options) when one of its options is fractional, or when the
    relaxation places it in a (site, SKU) pool that a fractional option uses; every other
    unit keeps its option; purchases and other columns keep their bounds."""
    from advisor.milp.problem import SolverSettings as S

    _, prob = problem
    model = build(prob)
    a = model.arrays
    n_x = model.n_x
    rel = highs._mip_run(
        highs.placement_relaxation(a, n_x), S(time_limit_s=60), np.inf, -np.inf, 0.0, None, None
    )
    x = rel.values[:n_x]
    o = prob.options
    site = [t != "cloud" for t in o["tier"]]
    pool = [
        (s, k) if on_site else None
        for s, k, on_site in zip(o["site"], o["hardware"], site, strict=True)
    ]
    frac = [1e-6 < v < 1 - 1e-6 for v in x]
    assert any(frac)  # the case under test
    frac_pools = {p for p, f in zip(pool, frac, strict=True) if f and p is not None}
    free = {
        u
        for u, p, f, v in zip(o["unit"], pool, frac, x, strict=True)
        if f or (v > 1e-6 and p in frac_pools)
    }
    nb = highs.relaxation_neighbourhood(model, a, rel.values)
    for i, u in enumerate(o["unit"]):
        if u in free:
            assert (nb.lo[i], nb.hi[i]) == (a.lo[i], a.hi[i])
        elif x[i] > 1 - 1e-6:
            assert (nb.lo[i], nb.hi[i]) == (1.0, a.hi[i])
        else:
            assert nb.hi[i] == 0.0
    assert (nb.lo[n_x:] == a.lo[n_x:]).all() and (nb.hi[n_x:] == a.hi[n_x:]).all()
    assert 0 < len(free) < o["unit"].nunique()


def test_relaxation_probe_stops_a_relaxation_whose_bound_has_not_lifted(problem):
    """A probe bound it cannot reach stops the relaxation at its first check after the probe
    time; without the probe the same relaxation is solved to optimality."""
    import time

    from advisor.milp.problem import SolverSettings as S

    _, prob = problem
    model = build(prob)
    rel_arrays = highs.placement_relaxation(model.arrays, model.n_x)
    settings = S(time_limit_s=120, mip_gap=0.0)
    free = highs._mip_run(rel_arrays, settings, np.inf, -np.inf, 0.0, None, None)
    assert free.status == "optimal"
    probed = highs._mip_run(
        rel_arrays, settings, np.inf, -np.inf, 0.0, None, None, probe=(time.perf_counter(), np.inf)
    )
    assert probed.status != "optimal"
    if probed.bound is not None:  # whatever it proved before it stopped is still a bound
        assert probed.bound <= free.objective * (1 + 1e-9)


@pytest.mark.parametrize(
    ("reach", "worth", "relaxed", "searched"),
    [(np.inf, 0.0, True, True), (np.inf, 1e9, True, False), (-1.0, 0.0, False, False)],
)
def test_relaxation_runs_only_near_the_bound_and_its_neighbourhood_only_after_a_lift(
    problem, monkeypatch, reach, worth, relaxed, searched
):
    """The relaxation runs only when the LP neighbourhood's plan is near the LP bound
    (RELAX_REACH), and its neighbourhood is searched only when its bound lifted the LP's by
    RELAX_WORTH of the gap. Whichever steps run, the plan is within the gap."""
    _, prob = problem
    calls: dict[str, int] = {"relax": 0, "search": 0}

    def spy(name, real):
        def wrapped(*args):
            calls[name] += 1
            return real(*args)

        return wrapped

    monkeypatch.setattr(highs, "placement_relaxation", spy("relax", highs.placement_relaxation))
    monkeypatch.setattr(
        highs, "relaxation_neighbourhood", spy("search", highs.relaxation_neighbourhood)
    )
    monkeypatch.setattr(highs, "RELAX_REACH", reach)
    monkeypatch.setattr(highs, "RELAX_WORTH", worth)
    monkeypatch.setattr(highs, "RELAX_PROBE_S", 60.0)  # the probe never fires here
    sol = solve_problem(prob, SolverSettings(mip_gap=1e-4, time_limit_s=120))
    assert sol.status == "optimal" and sol.gap <= 1e-4 + 1e-12
    assert (calls["relax"] > 0, calls["search"] > 0) == (relaxed, searched)
