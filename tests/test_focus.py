"""FOCUS-style projected cost table: columns, types, and totals that reconcile with the plan."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.report.focus import COLUMNS, focus_frame, reconcile, write_focus_csv

MONEY = ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"]
TEXT = [
    "BillingCurrency",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeDescription",
    "PricingCategory",
    "ProviderName",
    "PublisherName",
    "InvoiceIssuerName",
    "RegionId",
    "RegionName",
    "ServiceCategory",
    "ServiceName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "SkuId",
    "ConsumedUnit",
    "x_Scenario",
    "x_WorkloadId",
    "x_Team",
    "x_Tier",
]


@pytest.fixture(scope="module")
def csv_frame(report_plan, tmp_path_factory):
    path = write_focus_csv(report_plan, tmp_path_factory.mktemp("focus") / "focus.csv")
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def test_required_columns_and_types(csv_frame):
    f = csv_frame
    for col in [*MONEY, *TEXT, "ChargeClass", "ConsumedQuantity", "x_CarbonKgCO2e", "x_Projection"]:
        assert col in f.columns, col
    for col in [*MONEY, "ConsumedQuantity", "x_CarbonKgCO2e"]:
        assert pd.api.types.is_float_dtype(f[col]), col
    assert f["x_Projection"].dtype == bool and f["x_Projection"].all()
    assert set(f["BillingCurrency"]) == {"USD"}
    assert set(f["ChargeCategory"]) <= {"Usage", "Purchase"}
    assert set(f["PricingCategory"]) <= {"Standard", "Dynamic", "Committed", "Other"}
    assert f["ChargeClass"].isna().all()
    assert set(f["ChargePeriodStart"]) == {"2027-01-01"} and set(f["ChargePeriodEnd"]) == {
        "2027-02-01"
    }
    assert (f["x_Scenario"] == "eu-insurer").all()


def test_totals_reconcile_with_kpis(report_plan):
    f = focus_frame(report_plan)
    k = report_plan.kpis
    totals = reconcile(f)
    assert totals["usage_usd"] == pytest.approx(k["monthly_opex_usd"], abs=1e-4)
    assert totals["amortised_usd"] == pytest.approx(k["monthly_capex_amortised_usd"], abs=1e-4)
    assert totals["purchases_billed_usd"] == pytest.approx(k["capex_usd"], abs=1e-4)
    assert f["EffectiveCost"].sum() == pytest.approx(k["monthly_total_usd"], abs=1e-4)
    assert f["x_CarbonKgCO2e"].sum() == pytest.approx(k["carbon_kg_per_month"], abs=1e-3)
    used = set(report_plan.assignments["workload"])
    if len(report_plan.idle_capacity):  # owned boxes nobody uses still draw idle power
        used.add("(idle capacity)")
    assert set(f.loc[f["ChargeCategory"] == "Usage", "x_WorkloadId"]) == used


def test_list_cost_uses_the_catalog_list_price(report_plan):
    f = focus_frame(report_plan)
    aws = f[(f["ProviderName"] == "AWS") & (f["ServiceCategory"] == "Compute")]
    assert len(aws), "the insurer places a workload on AWS, which has a 10% discount"
    assert (aws["ListCost"] / aws["EffectiveCost"]).round(6).eq(round(1 / 0.9, 6)).all()
    assert (f["ListCost"] >= f["ContractedCost"] - 1e-9).all()
    assert (
        (f["ContractedCost"] == f.loc[:, "EffectiveCost"]).loc[f["ChargeCategory"] == "Usage"].all()
    )


def test_purchase_rows(report_plan):
    f = focus_frame(report_plan)
    buys = f[f["ChargeCategory"] == "Purchase"]
    assert len(buys) == len(report_plan.purchases)
    assert (buys["BilledCost"] > buys["EffectiveCost"]).all()
    assert set(buys["PricingCategory"]) == {"Other"}


def test_period_start_is_a_parameter(report_plan):
    f = focus_frame(report_plan, period_start="2027-12-01")
    assert set(f["ChargePeriodEnd"]) == {"2028-01-01"}
    with pytest.raises(ValueError, match="first day"):
        focus_frame(report_plan, period_start="2027-12-15")


def test_column_order_and_determinism(report_plan, tmp_path):
    a = write_focus_csv(report_plan, tmp_path / "a.csv").read_bytes()
    b = write_focus_csv(report_plan, tmp_path / "b.csv").read_bytes()
    assert a == b
    assert a.decode().splitlines()[0].split(",") == COLUMNS
