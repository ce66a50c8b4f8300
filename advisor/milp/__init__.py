"""Solve stage: the one seam to the solver. Takes a plain Problem, returns a plain Solution."""

from advisor.milp.problem import (
    Budget,
    FlowSpec,
    Problem,
    SlackRecord,
    Solution,
    SolverSettings,
)


def solve_problem(
    problem: Problem,
    settings: SolverSettings,
    elastic: bool = False,
    start=None,
    relax: frozenset[str] | None = None,
) -> Solution:
    """Solve ``problem`` with the configured solver (HiGHS by default, CBC as fallback).

    ``start``: column values of a solved problem with the same columns (``Solution.values``,
    e.g. the unrelaxed plan or a neighbouring what-if point), offered as a first incumbent.
    ``elastic``: rows get slacks and the total relative shortfall is minimised; ``relax``
    limits the slacks to those constraint families.
    """
    from advisor.milp.solver import run

    return run(problem, settings, elastic, start, relax)[0]


def start_from(problem: Problem, placement, purchases):
    """Warm-start column values for ``problem`` from a neighbouring plan's placement rows
    (unit, target, hardware, precision, pricing) and purchases (site, sku, count)."""
    from advisor.milp.model import layout
    from advisor.milp.warm import start_values

    return start_values(layout(problem), placement, purchases)


__all__ = [
    "Budget",
    "FlowSpec",
    "Problem",
    "SlackRecord",
    "Solution",
    "SolverSettings",
    "solve_problem",
    "start_from",
]
