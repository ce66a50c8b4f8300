"""Schema stage: the scenario models, their loader and reference checks."""

from advisor.schema.load import example_path, load_scenario, parse_scenario, revalidate
from advisor.schema.scenario import DEFAULT_POLICIES, Scenario, Workload

__all__ = [
    "DEFAULT_POLICIES",
    "Scenario",
    "Workload",
    "example_path",
    "load_scenario",
    "parse_scenario",
    "revalidate",
]
