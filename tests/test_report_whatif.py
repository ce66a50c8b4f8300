"""sweep.html and montecarlo.html: the report template, a narrative, and every plan described."""

from __future__ import annotations

import pandas as pd

from advisor.whatif.describe import describe, moves_text, signature
from advisor.whatif.report import (
    distribution_text,
    montecarlo_view,
    moves_when_moved,
    parameter_meaning,
    sweep_view,
)


def test_sweep_view_names_and_describes_every_plan(report_sweep):
    v = sweep_view(report_sweep, "eu-insurer")
    assert v["parameter"]["meaning"] == "multiplies the cloud prices of aws"
    assert v["parameter"]["value_list"] == "0.2, 1"
    names = [p["name"] for p in v["plans"]]
    assert names[0] == "plan 0" and v["plans"][0]["title"] == "the unedited scenario's plan"
    cheap = report_sweep.outcomes[0]
    assert report_sweep.frame["n_moved"].iloc[0] > 0, "cheap AWS must move something"
    other = next(p for p in v["plans"] if p["name"] != "plan 0")
    assert other["footer"] == "optimal at: 0.2"
    moved = report_sweep.frame["moved"].iloc[0]
    assert other["workloads_changed"] >= len(moved)
    assert all(any(m.startswith(w + ":") for m in other["moves"]) for w in moved)
    assert other["tiers"].endswith(f"{int(cheap.kpis['workloads_per_tier']['cloud'])} cloud")
    text = " ".join(v["narrative"])
    assert "the placement changes between 0.2 and 1 (plan 1 → plan 0)" in text
    rows = v["table"]["json"]
    assert "plan 1" in rows and "plan 0" in rows


def test_montecarlo_view_explains_candidates_and_distributions(report_montecarlo, report_scenario):
    v = montecarlo_view(report_montecarlo, report_scenario)
    unc = {u["factor"]: u for u in v["uncertainty"]}
    assert unc["price[0]:aws"]["distribution"] == "lognormal, median 1, sigma 0.25"
    assert unc["power_price"]["what"] == "electricity price at every site"
    s = report_montecarlo.samples
    assert unc["power_price"]["low"] == s["power_price"].min() >= 0.8
    cands = v["candidates"]
    assert [c["name"] for c in cands] == [
        f"plan {c}" for c in report_montecarlo.candidates["candidate"]
    ]
    assert sum(c["robust"] for c in cands) == 1
    assert cands[0]["title"] == "the unedited scenario's plan"
    for c in cands:
        assert c["tiers"] and c["where"] and c["purchases"].startswith("buys")
    robust = next(c for c in cands if c["robust"])
    assert f"is {robust['name']}" in " ".join(v["narrative"])


def test_montecarlo_without_the_spec_still_shows_drawn_ranges(report_montecarlo):
    v = montecarlo_view(report_montecarlo)
    assert all(u["distribution"] == "not given to the report" for u in v["uncertainty"])
    assert all(u["low"] <= u["p50"] <= u["high"] for u in v["uncertainty"])


def test_moves_report_where_a_workload_goes_when_it_moves(report_montecarlo):
    mv = moves_when_moved(report_montecarlo)
    assert (mv["p_moved"] > 0).all()
    for r in mv.itertuples(index=False):
        assert r.moves_to != r.baseline_target


def _placement(rows):
    cols = ["unit", "workload", "tier", "target", "hardware", "precision", "pricing", "total_usd"]
    return pd.DataFrame(rows, columns=cols)


def test_describe_tells_moves_from_changes_in_place():
    ref = _placement(
        [
            ["a", "a", "local", "site:dc", "h100", "fp16", "owned", 10.0],
            ["b", "b", "cloud", "aws:eu-west-1", "g5", "fp16", "on_demand", 5.0],
        ]
    )
    new = _placement(
        [
            ["a", "a", "cloud", "aws:eu-west-1", "p5", "fp16", "spot", 8.0],
            ["b", "b", "cloud", "aws:eu-west-1", "g5", "fp16", "reserved_1y", 3.0],
        ]
    )
    moves = moves_text(new, ref)
    assert moves == [
        "a: site:dc → aws:eu-west-1 (p5 fp16 spot)",
        "b: at aws:eu-west-1, g5 fp16 on_demand → g5 fp16 reserved_1y",
    ]
    d = describe(new, pd.DataFrame(), ref)
    assert d["tiers"] == "0 local · 0 edge · 2 cloud"
    assert d["purchases"] == "buys nothing"
    assert d["workloads_changed"] == 2 and not d["same_as_reference"]
    assert signature(new, pd.DataFrame()) != signature(ref, pd.DataFrame())
    assert signature(new, pd.DataFrame()) == signature(new.iloc[::-1], pd.DataFrame())


def test_words_for_parameters_and_distributions():
    from advisor.schema.scenario import Distribution

    assert parameter_meaning("budget:team:claims", "USD/month") == (
        "sets the opex budget of team claims (USD/month)"
    )
    assert parameter_meaning("demand", "factor") == "multiplies the demand of every workload"
    d = Distribution(distribution="triangular", low=0.7, mode=1.0, high=1.8)
    assert distribution_text(d) == "triangular from 0.7 to 1.8, most likely 1"
