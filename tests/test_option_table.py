"""Invariants of the option table that every speed-up of the option builder must keep.

The builder is vectorised over a cross product of units, targets, boxes and prices; these
tests pin what the table means (costs add up, rules hold row by row, order and chunking do not
change it) and that the per-distinct-key lookups equal pandas' own ``map``/``str`` results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import advisor
from advisor.options import build as build_module
from advisor.options.build import OPTION_COLUMNS, build_options
from advisor.options.lookup import holds_by_unique, map_by_unique
from advisor.schema.load import catalog_for
from advisor.schema.types import HOURS_IN_MONTH, PRICING_TERM_MONTHS

EXAMPLES = ["eu-insurer.yaml", "manufacturer.yaml", "saas-fleet.yaml"]
KEY = ["unit", "target", "hardware", "precision", "pricing"]


@pytest.fixture(scope="module", params=EXAMPLES)
def built(request):
    scn = advisor.load_scenario(advisor.example_path(request.param))
    return scn, build_options(scn, catalog_for(scn))


def test_columns_order_and_keys(built):
    _, opts = built
    o = opts.options
    assert list(o.columns) == OPTION_COLUMNS
    assert not o.duplicated(KEY).any()
    order = o.sort_values(
        ["unit", "opex_usd", "target", "hardware", "precision", "pricing"], kind="mergesort"
    )
    assert order.index.equals(o.index)
    assert set(o["unit"]) <= set(opts.units["unit"])


def test_costs_add_up_and_rules_hold_per_row(built):
    scn, opts = built
    o = opts.options
    parts = o[["compute_usd", "egress_usd", "power_usd", "ops_usd"]].sum(axis=1)
    assert np.allclose(o["opex_usd"], parts, rtol=0, atol=1e-9)
    assert np.allclose(o["latency_ms"], o["rtt_ms"] + o["compute_ms"], rtol=0, atol=1e-9)
    assert (o["latency_ms"] <= o["slo_ms"]).all()
    assert np.isfinite(o[["opex_usd", "risk", "energy_kwh", "carbon_kg"]].to_numpy()).all()
    cloud = o[o["tier"] == "cloud"]
    interruptible = {w.id for w in scn.workloads if w.interruptible}
    assert set(cloud.loc[cloud["pricing"] == "spot", "workload"]) <= interruptible
    terms = cloud["pricing"].map(PRICING_TERM_MONTHS).fillna(0)
    assert (terms <= scn.settings.horizon_months).all()
    reserved = cloud[cloud["pricing"].str.startswith("reserved")]
    assert (reserved["billed_boxes"] == np.ceil(reserved["billed_boxes"])).all()
    assert np.allclose(
        reserved["compute_usd"],
        reserved["billed_boxes"] * HOURS_IN_MONTH * reserved["usd_per_hour"],
        rtol=1e-12,
    )
    owned = o[o["tier"] != "cloud"]
    assert (owned["pricing"] == "owned").all() and (owned["compute_usd"] == 0).all()


def test_every_unit_has_options_or_reasons(built):
    _, opts = built
    explained = set(opts.options["unit"]) | set(opts.rejections["unit"])
    assert set(opts.units["unit"]) <= explained


def test_building_is_deterministic_and_chunking_changes_nothing(monkeypatch):
    scn = advisor.load_scenario(advisor.example_path("manufacturer.yaml"))
    cat = catalog_for(scn)
    whole = build_options(scn, cat)
    monkeypatch.setattr(build_module, "CHUNK_UNITS", 2)
    chunked = build_options(scn, cat)
    for name in ("options", "dominated"):
        pd.testing.assert_frame_equal(
            getattr(whole, name), getattr(chunked, name), check_exact=True
        )
    # rejections come chunk by chunk: the same rows, listed in another order
    cols = list(whole.rejections.columns)
    pd.testing.assert_frame_equal(
        whole.rejections.sort_values(cols).reset_index(drop=True),
        chunked.rejections.sort_values(cols).reset_index(drop=True),
        check_exact=True,
    )


KEYS = pd.Series(["b", "a", "c", "a", "b", "zz"] * 50, name="k", index=range(100, 400))


@pytest.mark.parametrize(
    "mapping",
    [
        {"a": 1, "b": 2, "c": 3, "zz": 4},  # ints, all found
        {"a": 1, "b": 2},  # some missing: NaN, float
        pd.Series({"a": 0.5, "b": 1.5, "c": 2.5, "zz": 3.5}),
        pd.Series({"a": "x", "c": "y"}),  # strings, some missing
    ],
)
def test_map_by_unique_equals_series_map(mapping):
    pd.testing.assert_series_equal(map_by_unique(KEYS, mapping), KEYS.map(mapping))


def test_map_by_unique_with_missing_keys_and_predicates():
    keys = pd.Series(["a", None, "b"], dtype=object)
    pd.testing.assert_series_equal(map_by_unique(keys, {"a": 1}), keys.map({"a": 1}))
    pricing = pd.Series(["on_demand", "reserved_1y", "spot", "reserved_3y"] * 3)
    pd.testing.assert_series_equal(
        holds_by_unique(pricing, lambda p: p.startswith("reserved")),
        pricing.str.startswith("reserved"),
    )
