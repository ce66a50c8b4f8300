"""Warm starts never produce a wrong "optimal" (advisor/milp/highs.py, module docstring).

The case that found the bug: the eu-insurer Monte Carlo sample 0 (seed 3, AWS prices
lognormal sigma 0.4, demand triangular 0.6/1.0/1.6) started from the unperturbed plan. HiGHS
1.16 valued that start in its presolved space below the true optimum, pruned every node
against it and returned the start, labelled optimal, 22% above the cold optimum.
"""

from __future__ import annotations

from importlib.metadata import version

import numpy as np
import pytest

import advisor
from advisor.milp import SolverSettings, highs, solve_problem, start_from
from advisor.milp.formulate import formulate
from advisor.milp.model import build
from advisor.options import build_options
from advisor.schema.load import catalog_for
from advisor.whatif.montecarlo import _uncertainty, apply_sample, draw

UNC = {
    "prices": [{"provider": "aws", "distribution": "lognormal", "sigma": 0.4}],
    "demand": [{"distribution": "triangular", "low": 0.6, "mode": 1.0, "high": 1.6}],
}
SAMPLES = (0, 2, 10)


def highspy_version() -> str:
    return version("highspy")


# the samples whose warm start HiGHS once mis-valued


@pytest.fixture(scope="module")
def insurer() -> advisor.Scenario:
    return advisor.load_scenario(advisor.example_path("eu-insurer"))


@pytest.fixture(scope="module")
def base(insurer) -> advisor.Plan:
    return advisor.solve(insurer)


@pytest.fixture(scope="module")
def samples(insurer) -> dict[int, advisor.Scenario]:
    unc = _uncertainty(insurer, UNC)
    factors = draw(unc, max(SAMPLES) + 1, 3)
    return {i: apply_sample(insurer, unc, factors.iloc[i]) for i in SAMPLES}


@pytest.mark.parametrize("i", SAMPLES)
def test_warm_started_sample_has_the_cold_optimum(samples, base, i):
    cold = advisor.solve(samples[i])
    warm = advisor.solve(samples[i], warm_from=base)
    assert warm.status == "optimal" and warm.gap <= cold.scenario.settings.mip_gap + 1e-12
    assert warm.objective == pytest.approx(cold.objective, rel=2 * cold.scenario.settings.mip_gap)
    assert warm.best_bound <= cold.objective * (1 + 1e-9)


def _problem_and_start(samples, base, i):
    scn = advisor.solve(samples[i]).scenario  # the settings the planner used
    problem = formulate(scn, build_options(scn, catalog_for(scn)))
    return problem, start_from(problem, base.assignments, base.purchases)


def test_solver_objective_is_the_recosted_plan_and_bound_is_below_it(samples, base):
    problem, start = _problem_and_start(samples, base, 0)
    cold = solve_problem(problem, SolverSettings())
    warm = solve_problem(problem, SolverSettings(), start=start)
    a = build(problem).arrays
    assert warm.objective == pytest.approx(float(a.cost @ warm.values) + a.offset, rel=1e-9)
    assert warm.objective == pytest.approx(cold.objective, rel=2e-4)
    assert warm.best_bound <= cold.objective * (1 + 1e-9)


def test_a_misled_highs_run_is_never_trusted(samples, base):
    """Offer HiGHS the start directly, presolve on: whatever it reports, the result's
    objective is the re-costed plan, a run flagged misled has no bound and is not optimal;
    the guarded solves (small model: presolve off; any model: a misled run re-solved without
    the start) reach the cold optimum."""
    problem, start = _problem_and_start(samples, base, 0)
    model = build(problem)
    a = model.arrays
    settings = SolverSettings()
    full = highs.complete(a, start, settings)
    assert full is not None  # the neighbour's plan is feasible for the sample
    h = highs._highs(a, settings, 60.0, settings.mip_gap, mip=True)  # presolve on
    highs._start(h, full, a)
    raw = highs._run(h, a, mip=True, gap=settings.mip_gap)
    assert raw.objective == pytest.approx(float(a.cost @ raw.values) + a.offset, rel=1e-12)
    if highspy_version() == "1.16.0":  # the version the bug was found in: it is still there
        assert raw.misled
    if raw.misled:
        assert raw.bound is None and raw.status != "optimal"
    small = highs._mip_run(a, settings, np.inf, -np.inf, settings.mip_gap, full, None)
    assert not small.misled and small.status == "optimal"  # small + start: presolve off
    cold = highs.solve(model, settings, True, None)
    guarded = highs.solve(model, settings, True, start)
    assert guarded.status == "optimal" and not guarded.misled
    assert guarded.objective == pytest.approx(cold.objective, rel=2e-4)
