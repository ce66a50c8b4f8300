"""Shared fixtures."""

from __future__ import annotations

import pytest
from hypothesis import settings

import advisor

collect_ignore = ["validators"]  # run from .venv-export by test_export.py, not here

# `--hypothesis-profile=long`: the fuzz suite's long run (tests/test_fuzz.py, > 10,000 cases).
settings.register_profile("long", max_examples=10_000, deadline=None)

# --- report fixtures (tests/test_report*.py, tests/test_focus.py) ------------------------------

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="session")
def report_scenario():
    """The EU insurer example, as shipped."""
    return advisor.load_scenario(advisor.example_path("eu-insurer.yaml"))


@pytest.fixture(scope="session")
def report_plan(report_scenario):
    return advisor.solve(report_scenario)


@pytest.fixture(scope="session")
def report_hostile_scenario(report_scenario):
    """The insurer with markup in every free-text field a user controls."""
    scn = report_scenario
    workloads = list(scn.workloads)
    workloads[0] = workloads[0].model_copy(update={"name": XSS})
    sites = list(scn.sites)
    sites[0] = sites[0].model_copy(update={"name": "Frankfurt </script><b>DC</b>"})
    return advisor.revalidate(
        scn.model_copy(
            update={
                "name": "insurer </script><script>alert(2)</script>",
                "description": "<img src=x onerror=alert(3)> & \u2028 co",
                "workloads": tuple(workloads),
                "sites": tuple(sites),
            }
        )
    )


@pytest.fixture(scope="session")
def report_hostile_plan(report_hostile_scenario):
    return advisor.solve(report_hostile_scenario)


@pytest.fixture(scope="session")
def report_list_price_plan(report_scenario):
    """The insurer without its negotiated discount: a second plan to compare against."""
    scn = report_scenario
    clouds = scn.clouds.model_copy(update={"discounts": ()})
    return advisor.solve(advisor.revalidate(scn.model_copy(update={"clouds": clouds})))


@pytest.fixture(scope="session")
def report_infeasible(report_scenario):
    """The InfeasibleScenario raised when the overall opex budget is far too small."""
    scn = report_scenario
    budget = scn.budgets[0].model_copy(update={"opex_usd_per_month_max": 500.0})
    tight = advisor.revalidate(scn.model_copy(update={"budgets": (budget, *scn.budgets[1:])}))
    with pytest.raises(advisor.InfeasibleScenario) as info:
        advisor.solve(tight)
    return info.value


@pytest.fixture(scope="session")
def report_no_option(report_scenario):
    """The InfeasibleScenario raised when the PHI workload may only be processed in Brazil."""
    scn = report_scenario
    workloads = list(scn.workloads)
    data = workloads[0].data.model_copy(update={"residency": ("BR",)})
    workloads[0] = workloads[0].model_copy(update={"data": data})
    with pytest.raises(advisor.InfeasibleScenario) as info:
        advisor.solve(advisor.revalidate(scn.model_copy(update={"workloads": tuple(workloads)})))
    return info.value


# --- what-if report fixtures (tests/test_report_whatif.py, tests/test_report_browser.py) ------


@pytest.fixture(scope="session")
def report_sweep(report_scenario):
    """A small sweep of AWS prices on the insurer: cheap AWS moves workloads to the cloud."""
    return advisor.sweep(report_scenario, "price:aws", [0.2, 1.0], engine="inline", progress=False)


@pytest.fixture(scope="session")
def report_montecarlo(report_scenario):
    """A small Monte Carlo run of the insurer's own uncertainty section."""
    return advisor.monte_carlo(report_scenario, 6, engine="inline", progress=False)


# --- the hybrid example (tests/test_explain_readability.py, tests/test_report_layout.py) ------


@pytest.fixture(scope="session")
def retailer_plan():
    """The retailer example, solved: a split on an owned box, federated shards billed in
    GPU-hours, escalation cascades, and co-located places on the map."""
    return advisor.solve(advisor.load_scenario(advisor.example_path("retailer.yaml")))
