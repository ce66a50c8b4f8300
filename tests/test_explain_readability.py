"""Sentences that count instances, and reasons that explain a placement, say what is meant.

Found on the retailer example: "run 0.31 × g4dn.xlarge" for a federated shard billed in
GPU-hours, "the plans tie within the solver's optimality gap" for a burst's base kept on an
owned box that is paid for anyway, and "inf GB needed" in memory rejections.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import advisor
from advisor.options import build_options
from advisor.plan.owned import sunk_box
from advisor.report import audit
from advisor.report.decisions import decisions
from advisor.report.instances import instance_hours, instances_text
from advisor.report.view import placement
from advisor.schema.load import catalog_for

FRACTIONAL_COUNT = re.compile(r"\b\d+\.\d+ ×")


def test_cloud_lines_never_count_a_fraction_of_an_instance(retailer_plan):
    a = retailer_plan.assignments
    shard = a[(a["tier"] == "cloud") & (a["billed_boxes"] % 1 > 1e-6)]
    assert len(shard), "the retailer's federated shards are billed a share of an instance"
    cloud = decisions(retailer_plan)["cloud"]
    assert not [c for c in cloud if FRACTIONAL_COUNT.search(c)], cloud
    r = shard.iloc[0]
    hours = float(r["compute_usd"] / r["usd_per_hour"])
    line = next(c for c in cloud if r["target"] in c and r["hardware"] in c)
    assert f"{r['hardware']} ({r['pricing']}) for {hours:,.0f} instance-hours a month" in line
    assert f"({hours / 730:.2f} of a month-long instance)" in line


def test_part_time_whole_instances_say_their_hours(retailer_plan):
    """The burst's peak runs 12 instances for 52 hours a month: both numbers are said."""
    cloud = decisions(retailer_plan)["cloud"]
    line = next(c for c in cloud if "reco-refresh" in c)
    assert "12 × a2-highgpu-1g (spot) for 624 instance-hours a month (52 h per instance)" in line
    reserved = next(c for c in cloud if c.startswith("commit to"))
    assert "instance-hours" not in reserved  # a reserved instance runs (and is paid) all month


def test_placement_details_use_the_same_phrase(retailer_plan):
    table = placement(retailer_plan)
    text = str(table)
    assert "box(es) billed" not in text
    assert "g4dn.xlarge for " in text and "of a month-long instance" in text
    assert "0.25 of one l40s-4 box" in text  # an owned box's share says it is a share


def test_instances_text_cases():
    assert (
        instances_text("t", 2.4, 2.4 * 730)
        == "t for 1,752 instance-hours a month (2.40 month-long instances)"
    )
    assert instances_text("t", 3, 3 * 730) == "3 × t"
    assert instances_text("t", 3.0000000001, 0) == "3 × t"
    assert instances_text("b", 2, owned=True) == "2 × b"
    assert instances_text("b", 1.5, owned=True) == "1.50 b boxes"


def test_instance_hours_is_the_billed_hours(retailer_plan):
    a = retailer_plan.assignments
    h = instance_hours(a)
    cloud = a["tier"] == "cloud"
    np.testing.assert_allclose(
        h[cloud] * a.loc[cloud, "usd_per_hour"], a.loc[cloud, "compute_usd"], rtol=1e-9
    )
    assert (h[~cloud] == 0).all()


def test_owned_base_of_a_split_says_the_box_is_paid_for(retailer_plan):
    """reco-refresh~1 (25% of the peak all month) stays on the owned l40s-4 although a cloud
    option costs less than its share of the box: the box is inventory, paid anyway."""
    text = retailer_plan.explain("reco-refresh")
    line = next(x for x in text.splitlines() if x.startswith("  best cloud alternative"))
    assert "tie within" not in line
    sunk = sunk_box(
        retailer_plan.options.options,
        retailer_plan.assignments,
        retailer_plan.purchases,
        "reco-refresh~1",
    )
    assert sunk is not None and sunk.site == "dus-dc" and sunk.sku == "l40s-4"
    assert 0 < sunk.added_usd < sunk.shown_usd
    assert "the l40s-4 boxes at dus-dc are owned and already paid for" in line
    assert f"adds only ${sunk.added_usd:,.0f}/month" in line
    reason = audit.placement_reasons(retailer_plan).set_index("unit").at["reco-refresh~1", "reason"]
    assert reason.startswith("owned box already paid for")


def test_saved_plan_explains_the_same(retailer_plan, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(retailer_plan.to_json())
    from advisor.plan.saved import explain_saved

    saved = explain_saved(path, retailer_plan.scenario, "reco-refresh")
    assert "owned and already paid for" in saved
    assert saved.splitlines()[1] == retailer_plan.explain("reco-refresh").splitlines()[1]


def test_a_bought_box_is_not_called_paid_for(retailer_plan):
    """The stores' new Jetsons were bought by this plan: their cost is not sunk."""
    bought = retailer_plan.purchases.iloc[0]
    unit = retailer_plan.assignments.set_index("target").at[f"site:{bought['site']}", "unit"]
    assert (
        sunk_box(
            retailer_plan.options.options,
            retailer_plan.assignments,
            retailer_plan.purchases,
            unit,
        )
        is None
    )


@pytest.mark.parametrize("example", ["retailer.yaml", "eu-insurer.yaml"])
def test_memory_rejections_state_the_memory_needed(example):
    scn = advisor.load_scenario(advisor.example_path(example))
    r = build_options(scn, catalog_for(scn)).rejections
    mem = r[(r["rule"] == "memory") & r["detail"].str.contains("GB needed")]
    assert len(mem)
    assert not mem["detail"].str.contains("inf GB").any(), mem["detail"].head().tolist()


def test_cloud_lan_round_trip_says_same_region(retailer_plan):
    text = retailer_plan.explain("demand-forecast")
    line = next(x for x in text.splitlines() if x.startswith("demand-forecast/fr:"))
    assert "same region (LAN, authored)" in line
    assert "same site" not in line


def _frames(units: dict[str, float], bought: int):
    """Units on l40s-4 boxes (4 accelerators each) at site s; the plan buys ``bought``."""
    key = {"target": "site:s", "hardware": "l40s-4", "precision": "fp16", "pricing": "owned"}
    a = pd.DataFrame(
        [
            {"unit": u, "tier": "local", "total_usd": 100.0 * n, "units": n, **key}
            for u, n in units.items()
        ]
    )
    o = pd.DataFrame(
        [{"unit": u, "opex_usd": 30.0 * n, "box_units": 4.0, **key} for u, n in units.items()]
    )
    p = (
        pd.DataFrame([{"site": "s", "sku": "l40s-4", "count": bought}])
        if bought
        else pd.DataFrame()
    )
    return o, a, p


def test_bought_boxes_count_as_paid_only_while_all_are_still_needed():
    """Inventory 1 box + 1 bought = 8 accelerators. Without the 1-accelerator unit the others
    use 6 > 4: both boxes are still needed, so that unit's box share is paid anyway. Without
    the 3-accelerator unit they use 4 <= 4: one box fewer would do, so it is not."""
    o, a, p = _frames({"small": 1.0, "big": 3.0, "rest": 3.0}, bought=1)
    inventory = {("s", "l40s-4"): 1}
    small = sunk_box(o, a, p, "small", inventory)
    assert small is not None and small.bought == 1
    assert small.added_usd == 30.0 and small.share_usd == 70.0
    assert "(with the 1 this plan buys) would all be needed without it" in small.why(50.0)
    assert "purchase, idle power and operations" in small.why(50.0)
    assert sunk_box(o, a, p, "big", inventory) is None
    assert sunk_box(o, a, p, "small") is None  # without the inventory it cannot tell
    owned = sunk_box(*_frames({"small": 1.0}, bought=0), "small")
    assert owned is not None and "are owned and already paid for" in owned.why(50.0)
    assert owned.beats(30.6) and not owned.beats(30.4)  # what running it adds, to the cent


def test_decisions_count_workloads_that_span_own_sites_and_cloud(retailer_plan):
    """reco-refresh (owned base, cloud peak) and demand-forecast (shards in both) run on both:
    the summary used to count them by their first unit only ("10 on own sites, 1 in the
    cloud")."""
    summary = decisions(retailer_plan)["summary"]
    assert "Run 8 workload(s) on own sites, 1 in the cloud, 2 on both" in summary


def test_plan_json_frames_are_the_cleaned_records(retailer_plan):
    """plan.json's frames, cleaned a column at a time, are exactly ``_clean`` of their
    records: floats (including -0.0, nan and ±inf), integers, booleans, strings and objects,
    on a real plan and on a frame with every awkward value."""
    from advisor.plan.result import _clean, _records

    awkward = pd.DataFrame(
        {
            "f": [1.5, -0.0, np.nan, np.inf, -np.inf],
            "i": [1, 2, 3, 4, 5],
            "b": [True, False, True, True, False],
            "s": ["x", None, "z", np.nan, "w"],
            "o": [("a",), {"k"}, np.float64(2.5), None, [1, 2]],
        }
    )
    frames = [awkward, awkward.iloc[0:0], retailer_plan.assignments, retailer_plan.deployment]
    frames += [retailer_plan.baselines.drop(columns=["missing"]), retailer_plan.purchases]
    for frame in frames:  # as text too: -0.0 == 0.0, but plan.json would show the sign
        ours, theirs = _records(frame), _clean(frame.to_dict(orient="records"))
        assert ours == theirs and json.dumps(ours) == json.dumps(theirs)
    assert (
        json.dumps(_records(awkward)[1]["f"]) == "0.0" and _records(awkward)[3]["f"] == "Infinity"
    )
