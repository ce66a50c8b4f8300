"""The retailer example shows what it says it shows.

``examples/retailer.yaml`` is the bundled demonstration of the hybrid patterns (issue 11 §5).
These tests hold the example to its story: shopper video is analysed in its own store, the
plan is verified independently, and every hybrid piece appears in the plan and in its exports.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import advisor

ROOT = Path(__file__).resolve().parents[1]
RETAILER = ROOT / "examples" / "retailer.yaml"


@pytest.fixture(scope="module")
def scenario():
    return advisor.load_scenario(RETAILER)


@pytest.fixture(scope="module")
def plan(scenario):
    return advisor.solve(scenario)


def test_the_plan_is_optimal_and_verified(plan):
    assert plan.status == "optimal"
    check = advisor.verify_plan(plan)
    assert check.ok, check.violations


def test_store_video_is_analysed_in_its_own_store(scenario, plan):
    """Each store's vision workload runs at the store its cameras are in: the frames would
    otherwise cross the store's metered uplink (and the residency is the store's country)."""
    vision = [w for w in scenario.workloads if w.id.startswith("vision-")]
    assert len(vision) == 6
    countries = {s.id: s.country for s in scenario.sites}
    assert len({countries[w.data.source] for w in vision}) == 4  # four countries
    placed = plan.assignments.set_index("workload")
    for w in vision:
        assert placed.at[w.id, "target"] == f"site:{w.data.source}", w.id
        assert placed.at[w.id, "tier"] == "edge"
