"""What-if analysis: sweeps, Pareto fronts, Monte Carlo, warm re-solves, and the engines
(process pool or Dask) that run many solves. The Python API analysts use in notebooks."""

from advisor.whatif.cache import Resolver
from advisor.whatif.engines import ENGINES, EngineError
from advisor.whatif.montecarlo import MonteCarloResult, monte_carlo
from advisor.whatif.pareto import ParetoResult, pareto
from advisor.whatif.runner import Outcome
from advisor.whatif.sweep import SweepResult, sweep

__all__ = [
    "ENGINES",
    "EngineError",
    "MonteCarloResult",
    "Outcome",
    "ParetoResult",
    "Resolver",
    "SweepResult",
    "monte_carlo",
    "pareto",
    "sweep",
]
