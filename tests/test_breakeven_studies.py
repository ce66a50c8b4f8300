"""Our 8x H100 on-prem vs p5.48xlarge break-even against published analyses.

advisor/report/data/breakeven_studies.csv cites each study and records our figure; these
tests hold the record to the code and the code to the studies once their own cloud price and
write-off period are applied ("aligned"). TOLERANCE is what is left after alignment: the
studies do not publish every input (server price, power price, PUE).
"""

from __future__ import annotations

import pytest

from advisor.catalog import Catalog
from advisor.options import lifecycle
from advisor.report.studies import REFERENCE_PUE, REFERENCE_USD_PER_KWH, breakeven_vs_studies

TOLERANCE = 0.15


@pytest.fixture(scope="module")
def table():
    return breakeven_vs_studies(Catalog.load())


def test_at_least_two_published_analyses_with_urls(table):
    assert table["publisher"].str.split().str[0].nunique() >= 2
    assert table["url"].str.startswith("https://").all()
    assert table["why_differs"].str.len().gt(40).all()


def test_recorded_figures_are_what_the_code_gives(table):
    for r in table.to_dict(orient="records"):
        assert r["computed_value"] == pytest.approx(r["our_value"], rel=5e-3), r["study"]
        assert r["computed_aligned"] == pytest.approx(r["our_aligned_value"], rel=5e-3), r["study"]


def test_aligned_figures_agree_with_the_studies(table):
    """Within TOLERANCE once aligned, or an exception that says why (and at least two hold)."""
    held = table[table["exception"].fillna("") == ""]
    assert len(held) >= 2
    assert table.loc[table["exception"].fillna("") != "", "exception"].str.len().gt(60).all()
    for r in held.to_dict(orient="records"):
        lo, hi = r["their_low"] * (1 - TOLERANCE), r["their_high"] * (1 + TOLERANCE)
        assert lo <= r["computed_aligned"] <= hi, (r["study"], r["computed_aligned"], lo, hi)


def test_cheaper_cloud_means_later_payback_and_higher_breakeven():
    """The direction every 'why it differs' relies on."""
    args = (300_000.0, 2.0, 7.5, REFERENCE_PUE, REFERENCE_USD_PER_KWH, 2_400.0)
    assert lifecycle.payback_months(*args, 55.04) > lifecycle.payback_months(*args, 98.32)
    u = [
        lifecycle.breakeven_utilisation(300_000.0, life, 2.0, 7.5, 1.5, 0.1, 2_400.0, 24.77)
        for life in (60, 36)
    ]
    assert u[0] < u[1]


def test_breakeven_formula_balances_both_sides():
    """At u* owning one box costs exactly what renting its twin for u* x 730 h does."""
    p, life, idle, typ, pue, c, ops, cloud = 300_000.0, 60, 2.0, 7.5, 1.4, 0.12, 2_400.0, 40.0
    u = lifecycle.breakeven_utilisation(p, life, idle, typ, pue, c, ops, cloud)
    own = float(lifecycle.box_cost_usd_per_month(p, life, idle, typ, pue, c, ops, u))
    assert own == pytest.approx(u * 730.0 * cloud)
