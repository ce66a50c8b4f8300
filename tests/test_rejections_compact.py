"""The rejections audit trail is stored with categorical columns; its values are unchanged."""

from __future__ import annotations

import pandas as pd

from advisor.catalog import Catalog
from advisor.options import build_options
from advisor.options.build import stack_categorical
from advisor.options.rules import REJECTION_COLUMNS
from advisor.schema import parse_scenario
from advisor.synthetic import fleet


def test_stack_categorical_keeps_every_value_across_different_categories():
    a = pd.DataFrame({"rule": ["tier", "latency"], "detail": ["x", "y"]}).astype("category")
    b = pd.DataFrame({"rule": ["memory", "tier"], "detail": ["z", "x"]}).astype("category")
    out = stack_categorical([a, b], ["rule", "detail"])
    assert all(isinstance(out[c].dtype, pd.CategoricalDtype) for c in out)
    plain = pd.concat([a.astype(str), b.astype(str)], ignore_index=True)
    pd.testing.assert_frame_equal(out.astype(str), plain)


def test_no_frames_gives_the_empty_trail_with_its_columns():
    out = stack_categorical([], REJECTION_COLUMNS)
    assert list(out.columns) == REJECTION_COLUMNS and len(out) == 0


def test_built_rejections_are_categorical_and_answer_lookups():
    scn = parse_scenario(fleet(40, n_sites=6, seed=5))
    r = build_options(scn, Catalog.load()).rejections
    assert len(r) > 0 and list(r.columns) == REJECTION_COLUMNS
    assert all(isinstance(r[c].dtype, pd.CategoricalDtype) for c in r)
    unit = str(r["unit"].iloc[0])
    mine = r[r["unit"] == unit]
    assert len(mine) and set(mine["unit"].astype(str)) == {unit}
    assert (r["detail"].astype(str).str.len() > 0).all()  # every rejection says why
