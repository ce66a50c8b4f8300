"""Sensitivity on demand (off the critical path) and warm starts from a neighbouring plan.

Numbers from tests/test_constraints_bind.py: with a 12 kW site cap one 10 kW box fits, so w2
(400 h a month) runs in the cloud at USD 20/h instead of locally at USD 3/h plus USD 2,000 a
month of capex. One more box of power (10 kW) lets it come home:
20 x 400 - (3 x 400 + 2,000) = USD 4,800 a month saved.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_constraints_bind import gpu8, scenario, site

import advisor
from advisor.milp import SolverSettings, start_from
from advisor.plan.deadline import Deadline
from advisor.plan.sensitivity import value_of_relaxing

SAVING = 20.0 * 400 - (3.0 * 400 + 2000.0)


@pytest.fixture(scope="module")
def capped() -> advisor.Scenario:
    return scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(power={"max_kw": 12}),))


@pytest.fixture(scope="module")
def plan(capped) -> advisor.Plan:
    return advisor.solve(capped, mip_gap=0.0)


def test_binding_limits_are_listed_but_not_computed_by_default(plan):
    r = plan.relaxing
    assert r["limit"].tolist() == ["power[dc]"]
    assert r["saving_usd_per_month"].isna().all()
    assert r["method"].str.startswith("not computed").all()
    assert not plan.sensitivity_computed
    assert plan.to_dict()["sensitivity"][0]["method"].startswith("not computed")


def test_sensitivity_on_demand_is_a_new_plan_with_the_saving(plan):
    relaxed = plan.with_sensitivity()
    assert relaxed is not plan and relaxed.sensitivity_computed
    row = relaxed.relaxing.iloc[0]
    assert row["limit"] == "power[dc]" and row["relax_by"] == pytest.approx(10.0)
    assert row["saving_usd_per_month"] == pytest.approx(SAVING)
    assert row["method"].startswith("re-solve (warm start)")
    assert plan.relaxing["method"].str.startswith("not computed").all()  # unchanged
    assert plan.sensitivity()["saving_usd_per_month"].tolist() == pytest.approx([SAVING])


def test_solve_with_sensitivity_equals_on_demand(capped, plan):
    eager = advisor.solve(capped, mip_gap=0.0, sensitivity=True)
    pd.testing.assert_frame_equal(eager.relaxing, plan.with_sensitivity().relaxing)


def test_no_time_left_means_not_computed_and_says_so(plan):
    items = [{"limit": "power[dc]", "family": "power", "subject": "dc", "step": 10.0, "unit": "kW"}]
    spent = Deadline(total_s=30.0, started_s=0.0, clock=lambda: 30.0)  # all 30 s used
    frame = value_of_relaxing(
        plan.problem, plan.solution, SolverSettings(), items, 36.0, deadline=spent
    )
    assert frame["method"].tolist() == ["not computed (time limit reached: 30.0 s of 30 s used)"]
    assert frame["saving_usd_per_month"].isna().all()


def test_warm_start_maps_a_plan_onto_its_own_model(plan):
    start = start_from(plan.problem, plan.assignments, plan.purchases)
    n_x = len(plan.problem.options)
    assert (start[:n_x] == plan.solution.values[:n_x]).all()
    assert int(start[n_x:].sum()) == int(plan.purchases["count"].sum())


def test_warm_started_neighbour_has_the_cold_optimum(capped, plan):
    """A neighbouring point (more power) started from this plan: same optimum as cold."""
    roomier = scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(power={"max_kw": 22}),))
    warm = advisor.solve(roomier, mip_gap=0.0, warm_from=plan)
    cold = advisor.solve(roomier, mip_gap=0.0)
    assert warm.status == cold.status == "optimal"
    assert warm.objective == pytest.approx(cold.objective)
    assert warm.objective == pytest.approx(plan.objective - 36 * SAVING)
    assert advisor.verify_plan(warm).ok


def test_cli_writes_the_plan_first_then_the_sensitivity(capped, tmp_path):
    """`advisor plan --sensitivity`: the plan is printed (and written) before the re-solves;
    the rewritten plan.json carries the computed saving."""
    import json

    import yaml
    from typer.testing import CliRunner

    from advisor.cli import app

    path = tmp_path / "capped.yaml"
    data = capped.model_dump(mode="json", exclude_none=True, exclude={"uncertainty"})
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    plain = CliRunner().invoke(app, ["plan", str(path), "--out", str(out), "--gap", "0"])
    assert plain.exit_code == 0, plain.output
    assert "value of relaxing not computed; add --sensitivity" in plain.output
    r = CliRunner().invoke(
        app, ["plan", str(path), "--out", str(out), "--gap", "0", "--sensitivity"]
    )
    assert r.exit_code == 0, r.output
    assert r.output.index("wrote ") < r.output.index("binding: power[dc]"), r.output
    saved = json.loads((out / "plan.json").read_text())["sensitivity"][0]
    assert saved["saving_usd_per_month"] == pytest.approx(SAVING)
