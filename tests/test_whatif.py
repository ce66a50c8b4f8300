"""What-if API: edits, warm re-solve cache, sweep, Pareto, Monte Carlo and engines.

Every plan these tests make goes through the independent verifier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import advisor
from advisor.options import build_options
from advisor.schema.load import catalog_for
from advisor.whatif import Resolver
from advisor.whatif.montecarlo import KEYS

QUIET = {"engine": "inline", "progress": False}


@pytest.fixture(scope="module")
def insurer():
    return advisor.load_scenario(advisor.example_path("eu-insurer"))


def _verified(plan) -> None:
    report = advisor.verify_plan(plan)
    assert report.ok, report


# -- edits ------------------------------------------------------------------------------


def test_edits_return_new_validated_scenarios(insurer):
    before = insurer.model_dump()
    cheaper = insurer.with_prices("aws", factor=0.5)
    assert cheaper is not insurer and insurer.model_dump() == before
    assert cheaper.overrides.prices[-1].factor == 0.5
    cut = insurer.with_budget("team:claims", factor=0.5)
    old = next(b for b in insurer.budgets if b.scope == "team:claims")
    new = next(b for b in cut.budgets if b.scope == "team:claims")
    assert new.opex_usd_per_month_max == pytest.approx(old.opex_usd_per_month_max / 2)
    gone = insurer.with_budget("team:claims", opex_usd_per_month_max=None)
    assert all(b.scope != "team:claims" for b in gone.budgets)
    tight = insurer.with_slo(factor=0.5)
    for a, b in zip(insurer.workloads, tight.workloads, strict=True):
        assert b.latency_slo_ms == (None if a.latency_slo_ms is None else a.latency_slo_ms / 2)
    more = insurer.with_demand(2.0, workloads="claims-llm")
    w0 = {w.id: w for w in insurer.workloads}["claims-llm"].demand
    w1 = {w.id: w for w in more.workloads}["claims-llm"].demand
    assert w1.requests_per_second == pytest.approx(2 * w0.requests_per_second)
    phi = insurer.with_policy("phi", cloud_requires=["confidential_computing"])
    assert phi.policy("phi").cloud_requires == ("confidential_computing",)
    hot = insurer.with_power_price(2.0)
    assert hot.sites[0].power.usd_per_kwh == pytest.approx(2 * insurer.sites[0].power.usd_per_kwh)


def test_without_site_keeps_the_place_as_a_location(insurer):
    closed = insurer.without_site("fra-dc1")
    assert [s.id for s in closed.sites] == [s.id for s in insurer.sites if s.id != "fra-dc1"]
    place = {loc.id: loc for loc in closed.locations}["fra-dc1"]
    assert place.country == insurer.sites[0].country
    # the insurer's only site: its PII LLM and 48-vCPU batch job have nowhere else to go
    with pytest.raises(advisor.InfeasibleScenario, match="claims-llm: no feasible option"):
        advisor.solve(closed)


def test_closing_a_plant_moves_its_work_and_costs_more():
    m = advisor.load_scenario(advisor.example_path("manufacturer"))
    base = advisor.solve(m)
    # the plant serving vision-munich (per-box ops make plants share a box when latency allows)
    plant = base.assignments.set_index("workload").at["vision-munich", "site"]
    assert plant
    closed = advisor.solve(m.without_site(plant))
    _verified(closed)
    assert not (closed.assignments["target"] == f"site:{plant}").any()
    assert closed.kpis["monthly_total_usd"] > base.kpis["monthly_total_usd"]
    moved = advisor.compare(base, closed).moved["workload"]
    assert "vision-munich" in set(moved)


def test_hardware_price_edit_changes_capex_only_through_overrides(insurer):
    cheap = insurer.with_hardware_prices(0.5)
    cat = catalog_for(insurer).hardware.set_index("sku")
    for h in cheap.overrides.hardware:
        assert h.list_price_usd == pytest.approx(0.5 * cat.at[h.sku, "list_price_usd"])
    p0, p1 = advisor.solve(insurer), advisor.solve(cheap)
    _verified(p1)
    assert p1.kpis["monthly_total_usd"] <= p0.kpis["monthly_total_usd"] + 1e-6


@pytest.mark.parametrize(
    ("call", "hint"),
    [
        (lambda s: s.with_slo(100, workloads=["claim-llm"]), "claims-llm"),
        (lambda s: s.without_site("fra-dc2"), "fra-dc1"),
        (lambda s: s.with_budget("team:claim", factor=0.5), "claims"),
        (lambda s: s.with_policy("phi", allowed_tiers=["clud"]), "cloud"),
        (lambda s: s.with_settings(horizon_month=12), "horizon_months"),
    ],
)
def test_bad_edits_name_the_field_and_suggest(insurer, call, hint):
    with pytest.raises(advisor.InvalidScenario) as exc:
        call(insurer)
    assert f"did you mean '{hint}'" in str(exc.value)


def test_chained_edits_validate_once(insurer):
    from advisor.schema import edits

    s = edits.with_prices(insurer, "aws", factor=0.9, validate=False)
    s = edits.with_demand(s, 1.2, validate=False)
    checked = advisor.revalidate(s)
    assert checked.overrides.prices[-1].factor == 0.9


# -- warm re-solve -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s.with_budget("all", factor=0.5),
        lambda s: s.with_limits(privacy_risk_max=30.0),  # changes the pruning criteria
        lambda s: s.with_settings(objective="monthly_cost"),
    ],
)
def test_cached_options_equal_a_cold_build(insurer, edit):
    r = Resolver()
    r.options(insurer)
    edited = edit(insurer)
    warm = r.options(edited)
    assert r.stats["option_hits"] == 1
    cold = build_options(edited, catalog_for(edited))
    pd.testing.assert_frame_equal(warm.options, cold.options)
    assert warm.stats["options_after_pruning"] == cold.stats["options_after_pruning"]


def test_option_changing_edits_miss_the_cache(insurer):
    r = Resolver()
    r.options(insurer)
    r.options(insurer.with_prices("aws", factor=0.7))
    r.options(insurer.with_slo(factor=0.5))
    assert r.stats == {"option_hits": 0, "option_misses": 3, "catalog_hits": 2}


def test_warm_plan_equals_cold_plan(insurer):
    r = Resolver()
    base = r.solve(insurer)
    # a cap at the unconstrained plan's opex (feasible; the owned boxes' idle power and ops
    # leave little room below it)
    cap = round(base.kpis["monthly_opex_usd"]) + 1
    edited = insurer.with_budget("all", opex_usd_per_month_max=cap)
    warm, cold = r.solve(edited), advisor.solve(edited)
    _verified(warm)
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    pd.testing.assert_frame_equal(warm.assignments, cold.assignments)


# -- sweep ------------------------------------------------------------------------------


def test_price_sweep_cost_is_monotone_and_plans_verify(insurer):
    values = [0.3, 0.6, 1.0, 1.4]
    s = advisor.sweep(insurer, "price:aws", values, keep_plans=True, **QUIET)
    assert list(s.frame["value"]) == values
    assert (s.frame["status"] == "optimal").all()
    cost = s.frame["monthly_total_usd"].to_numpy()
    assert np.all(np.diff(cost) >= -1e-6), "dearer cloud can never make the best plan cheaper"
    assert cost[0] < cost[-1]
    for plan, moved in zip(s.plans, s.frame["moved"], strict=True):
        _verified(plan)
        assert moved == sorted(advisor.compare(s.baseline_plan, plan).moved["workload"].unique())
    at_one = s.frame.loc[s.frame["value"] == 1.0].iloc[0]
    assert at_one["n_moved"] == 0
    assert at_one["monthly_total_usd"] == pytest.approx(s.baseline.kpis["monthly_total_usd"])
    fig = s.figure()
    assert len(fig.data) >= 4


def test_budget_sweep_turns_infeasible_below_the_cheapest_plan(insurer):
    base = advisor.solve(insurer).kpis["monthly_total_usd"]
    s = advisor.sweep(insurer, "budget:all", [None, base * 1.01, base * 0.8], **QUIET)
    assert list(s.frame["status"]) == ["optimal", "optimal", "infeasible"]
    assert "budget" in s.frame["message"].iloc[2]
    assert s.frame["monthly_total_usd"].iloc[1] == pytest.approx(base)
    assert "infeasible" in {t.name for t in s.figure().data}


def test_sweep_accepts_a_function_and_rejects_unknown_names(insurer):
    s = advisor.sweep(insurer, lambda scn, v: scn.with_demand(v), [1.0, 2.0], **QUIET)
    assert s.frame["monthly_total_usd"].iloc[1] > s.frame["monthly_total_usd"].iloc[0]
    with pytest.raises(advisor.InvalidScenario, match="did you mean 'price:aws'"):
        advisor.sweep(insurer, "prise:aws", [1.0], **QUIET)
    with pytest.raises(advisor.InvalidScenario, match="'none' is not a value"):
        advisor.sweep(insurer, "demand", [None], **QUIET)


# -- Pareto -----------------------------------------------------------------------------


@pytest.mark.parametrize("y", ["privacy_risk", "carbon", "latency"])
def test_pareto_front_trades_cost_for_y(insurer, y):
    p = advisor.pareto(insurer, y=y, points=4, **QUIET)
    f = p.frontier
    assert (f["status"] == "optimal").all()
    col = p.y_column
    assert (f[col] <= f["epsilon"] * (1 + 1e-6) + 1e-6).all(), "every point respects its ε"
    front = f[~f["dominated"]].sort_values("monthly_total_usd")
    assert len(front) >= 2, "the insurer has a real trade-off on every axis"
    assert np.all(np.diff(front[col].to_numpy()) < 0), "dearer points must be better on y"
    for plan in p.plans:
        _verified(plan)
    assert p.figure().data


def test_pareto_rejects_unknown_axes(insurer):
    with pytest.raises(advisor.InvalidScenario, match="did you mean 'carbon'"):
        advisor.pareto(insurer, y="carbn", **QUIET)


# -- Monte Carlo ----------------------------------------------------------------------------

UNC = {
    "prices": [{"provider": "aws", "distribution": "lognormal", "sigma": 0.4}],
    "demand": [{"distribution": "triangular", "low": 0.6, "mode": 1.0, "high": 1.6}],
}


@pytest.fixture(scope="module")
def mc(insurer):
    return advisor.monte_carlo(insurer, 12, uncertainty=UNC, seed=3, **QUIET)


def test_monte_carlo_is_deterministic_per_seed(insurer, mc):
    again = advisor.monte_carlo(insurer, 12, uncertainty=UNC, seed=3, **QUIET)
    cols = [c for c in mc.samples.columns if c != "seconds"]
    pd.testing.assert_frame_equal(mc.samples[cols], again.samples[cols])
    other = advisor.monte_carlo(insurer, 12, uncertainty=UNC, seed=4, **QUIET)
    assert not np.allclose(other.samples["price[0]:aws"], mc.samples["price[0]:aws"])


def test_recosting_a_samples_own_plan_gives_its_optimal_cost(mc):
    """Candidate evaluation (no solver) must agree with the solver where they overlap: a
    candidate with the same placement *and* purchases as a sample's optimum costs the same."""
    wide = mc.candidate_costs.pivot(index="sample", columns="candidate", values="monthly_total_usd")
    checked = 0
    for s in mc.samples.itertuples():
        if s.status != "optimal":
            continue
        for c in mc.candidates["candidate"]:
            if _keys(mc.placement(c)) == _keys(mc.sample_placements[s.sample]) and _buys(
                mc.candidate_purchases[c]
            ) == _buys(mc.sample_purchases[s.sample]):
                assert wide.at[s.sample, c] == pytest.approx(s.monthly_total_usd, rel=1e-9)
                checked += 1
    assert checked >= 3
    # and no held-fixed candidate is ever cheaper than the re-optimised best
    best = mc.samples.set_index("sample")["monthly_total_usd"]
    assert (wide.min(axis=1) >= best - 1e-6).all()


def _keys(placement: pd.DataFrame) -> list:
    return placement[KEYS].sort_values(KEYS).to_numpy().tolist()


def _buys(purchases: pd.DataFrame) -> list:
    if purchases.empty:
        return []
    return purchases[["site", "sku", "count"]].sort_values(["site", "sku"]).to_numpy().tolist()


def test_robust_choice_has_the_lowest_p90(mc):
    c = mc.candidates
    assert c["baseline"].iloc[0] and c["candidate"].iloc[0] == 0
    assert c.loc[c["robust"], "p90_usd"].iloc[0] == c["p90_usd"].min()
    assert mc.most_often in set(c["candidate"])
    p = mc.move_probability
    assert p["p_moved"].between(0, 1).all()
    assert set(p["workload"]) == {
        w.id for w in advisor.load_scenario(advisor.example_path("eu-insurer")).workloads
    }
    assert mc.figure().data and mc.robust_figure().data


def test_monte_carlo_needs_uncertainty(insurer):
    bare = insurer.model_copy(update={"uncertainty": None})
    with pytest.raises(advisor.InvalidScenario, match="nothing is uncertain"):
        advisor.monte_carlo(bare, 2, **QUIET)
    with pytest.raises(advisor.InvalidScenario, match="sigma"):
        advisor.monte_carlo(
            insurer, 2, uncertainty={"demand": [{"distribution": "lognormal"}]}, **QUIET
        )


# -- engines --------------------------------------------------------------------------------


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["seconds"])


def test_local_pool_gives_the_same_answers_as_inline(insurer):
    values = [0.5, 1.0, 1.5]
    a = advisor.sweep(insurer, "price:aws", values, **QUIET)
    b = advisor.sweep(insurer, "price:aws", values, engine="local", workers=2, progress=False)
    pd.testing.assert_frame_equal(_comparable(a.frame), _comparable(b.frame))


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_answers(insurer):
    distributed = pytest.importorskip("distributed")
    values = [0.5, 1.0, 1.5]
    local = advisor.sweep(insurer, "price:aws", values, engine="local", progress=False)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=":0", processes=True
    ) as cluster:
        remote = advisor.sweep(
            insurer,
            "price:aws",
            values,
            engine="dask",
            scheduler=cluster.scheduler_address,
            progress=False,
        )
        mc_local = advisor.monte_carlo(insurer, 6, uncertainty=UNC, seed=1, **QUIET)
        mc_dask = advisor.monte_carlo(
            insurer,
            6,
            uncertainty=UNC,
            seed=1,
            engine="dask",
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    pd.testing.assert_frame_equal(_comparable(local.frame), _comparable(remote.frame))
    pd.testing.assert_frame_equal(_comparable(mc_local.samples), _comparable(mc_dask.samples))
    pd.testing.assert_frame_equal(mc_local.candidates, mc_dask.candidates)


def test_unknown_engine_and_unreachable_scheduler(insurer):
    from advisor.whatif import EngineError

    with pytest.raises(EngineError, match="unknown engine"):
        advisor.sweep(insurer, "price", [1.0, 2.0], engine="spark", progress=False)
    pytest.importorskip("distributed")
    with pytest.raises(EngineError, match="cannot reach the Dask scheduler"):
        advisor.sweep(
            insurer, "price", [1.0], engine="dask", scheduler="tcp://127.0.0.1:9", progress=False
        )


def test_notebook_reprs_escape_and_summarise(insurer):
    hostile = insurer.model_copy(update={"name": "<script>alert(1)</script>"})
    page = hostile._repr_html_()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert all(w.id in page for w in insurer.workloads)
    s = advisor.sweep(insurer, "price:aws", [0.5, 1.0], **QUIET)
    assert "Sweep of price:aws" in s._repr_html_() and "<script" not in s._repr_html_()


def test_cached_pruning_equals_a_cold_build_on_a_fleet_with_shared_sites():
    from advisor.schema.load import parse_scenario
    from advisor.synthetic import fleet

    scn = parse_scenario(fleet(60))
    cat = catalog_for(scn)
    r = Resolver()
    for edited in (
        scn,
        scn.with_limits(carbon_kg_per_month_max=1e9),
        scn.with_budget("all", factor=0.9),
    ):
        warm, cold = r.options(edited, cat), build_options(edited, cat)
        pd.testing.assert_frame_equal(warm.options, cold.options)
    assert r.stats["option_misses"] == 1 and r.stats["option_hits"] == 2


def test_monte_carlo_when_the_baseline_is_infeasible(insurer):
    """A budget the baseline cannot meet but cheap-cloud samples can: no baseline
    candidate, the samples still give candidates."""
    # below the baseline's least opex (owned servers' idle power and ops included)
    tight = insurer.with_budget("all", opex_usd_per_month_max=4700)
    with pytest.raises(advisor.InfeasibleScenario):
        advisor.solve(tight)
    unc = {"prices": [{"provider": "aws", "distribution": "uniform", "low": 0.2, "high": 0.4}]}
    mc = advisor.monte_carlo(tight, 4, uncertainty=unc, seed=0, **QUIET)
    assert not mc.candidates["baseline"].any()
    assert (mc.samples["status"] == "optimal").all()
    never = {"prices": [{"provider": "aws", "distribution": "uniform", "low": 5.0, "high": 6.0}]}
    with pytest.raises(advisor.InfeasibleScenario, match="no sample"):
        advisor.monte_carlo(tight, 2, uncertainty=never, seed=0, **QUIET)


def test_uncertainty_section_is_checked_at_load_time(tmp_path):
    from pathlib import Path

    text = Path(advisor.example_path("eu-insurer")).read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("workloads: [claims-llm, customer-chat]", "workloads: [claims-lm]"))
    with pytest.raises(advisor.InvalidScenario) as exc:
        advisor.load_scenario(bad)
    issue = exc.value.issues[0]
    assert issue.path == "uncertainty.demand[0].workloads[0]" and issue.line is not None
    assert "did you mean 'claims-llm'" in issue.hint
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        text.replace("distribution: lognormal, sigma: 0.25", "distribution: lognormal")
    )
    with pytest.raises(advisor.InvalidScenario, match="lognormal needs sigma"):
        advisor.load_scenario(wrong)
