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
    relax: frozenset[str] | None = None,
) -> Solution:
    """Solve ``problem`` with the configured solver (HiGHS by default, CBC as fallback).

    ``elastic``: every capacity, budget and cap row gets a slack and the total relative
    shortfall is minimised; ``relax`` limits the slacks to those constraint families.
    """
    from advisor.milp.solver import run

    return run(problem, settings, elastic, relax)[0]


__all__ = [
    "Budget",
    "FlowSpec",
    "Problem",
    "SlackRecord",
    "Solution",
    "SolverSettings",
    "solve_problem",
]
