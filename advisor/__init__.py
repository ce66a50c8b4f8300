"""advisor: where should each AI/ML workload run? On-prem, edge or a cloud region, proven.

The public API (the CLI and notebooks are thin clients of it)::

    import advisor
    scn = advisor.load_scenario("examples/eu-insurer.yaml")
    plan = advisor.solve(scn)
    plan.summary()
"""

from typing import Any

__version__ = "0.1.0"

from advisor.catalog import Catalog
from advisor.errors import (
    AdvisorError,
    CatalogError,
    InfeasibleScenario,
    InvalidScenario,
    SolverLimitReached,
)
from advisor.plan import Plan, solve
from advisor.plan.compare import Comparison, compare
from advisor.plan.verify import verify_plan
from advisor.schema import Scenario, example_path, load_scenario, revalidate

_WHATIF = ("Resolver", "monte_carlo", "pareto", "sweep")
"""What-if names, imported on first use: a command that plans does not load the what-if
engines (process pools, progress bars, Dask hooks)."""


def __getattr__(name: str) -> Any:
    if name in _WHATIF:
        import advisor.whatif

        return getattr(advisor.whatif, name)
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")


__all__ = [
    "AdvisorError",
    "Catalog",
    "CatalogError",
    "Comparison",
    "InfeasibleScenario",
    "InvalidScenario",
    "Plan",
    "Resolver",
    "Scenario",
    "SolverLimitReached",
    "__version__",
    "compare",
    "example_path",
    "load_scenario",
    "monte_carlo",
    "pareto",
    "revalidate",
    "solve",
    "sweep",
    "verify_plan",
]
