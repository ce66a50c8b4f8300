"""FOCUS 1.2 projected cost table: columns, types, nullability rules read from the spec,
totals that reconcile with the plan, and the FinOps Foundation's validator."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers_focus import validate

from advisor.report.focus import (
    COLUMNS,
    focus_frame,
    reconcile,
    write_focus_csv,
    write_focus_metadata,
)

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
    assert set(f["ChargePeriodStart"]) == {"2027-01-01T00:00:00Z"}
    assert set(f["ChargePeriodEnd"]) == {"2027-02-01T00:00:00Z"}
    assert set(f["BillingPeriodStart"]) == {"2027-01-01T00:00:00Z"}
    assert (f["x_Scenario"] == "eu-insurer").all()
    assert f["BillingAccountId"].notna().all() and f["BillingAccountName"].notna().all()


def test_totals_reconcile_with_kpis(report_plan):
    f = focus_frame(report_plan)
    k = report_plan.kpis
    totals = reconcile(f)
    assert totals["usage_usd"] == pytest.approx(k["monthly_opex_usd"], abs=1e-4)
    assert totals["amortised_usd"] == pytest.approx(k["monthly_capex_amortised_usd"], abs=1e-4)
    assert totals["purchases_billed_usd"] == pytest.approx(k["capex_usd"], abs=1e-4)
    assert totals["first_month_billed_usd"] == pytest.approx(
        k["capex_usd"] + k["monthly_opex_usd"], abs=1e-4
    )
    assert f["EffectiveCost"].sum() == pytest.approx(k["monthly_total_usd"], abs=1e-4)
    assert f["x_CarbonKgCO2e"].sum() == pytest.approx(k["carbon_kg_per_month"], abs=1e-3)
    used = set(report_plan.assignments["workload"])
    assert set(f.loc[f["ChargeCategory"] == "Usage", "x_WorkloadId"]) == used


def test_list_cost_uses_the_catalog_list_price(report_plan):
    f = focus_frame(report_plan)
    aws = f[(f["ProviderName"] == "AWS") & (f["ServiceCategory"] == "Compute")]
    assert len(aws), "the insurer places a workload on AWS, which has a 10% discount"
    # negotiated discount: contracted = 0.9 x list, on usage and on the commitment's fee
    assert (aws["ListUnitPrice"] * 0.9).round(9).eq(aws["ContractedUnitPrice"].round(9)).all()
    assert (f["ListCost"] >= f["ContractedCost"] - 1e-9).all()
    for cost, price in (("ListCost", "ListUnitPrice"), ("ContractedCost", "ContractedUnitPrice")):
        assert f[cost].to_numpy() == pytest.approx((f[price] * f["PricingQuantity"]).to_numpy())


def test_purchase_rows(report_plan):
    f = focus_frame(report_plan)
    buys = f[f["x_Component"] == "capex"]
    assert len(buys) == len(report_plan.purchases)
    assert (buys["BilledCost"] > buys["EffectiveCost"]).all()
    assert set(buys["PricingCategory"]) == {"Other"}
    assert set(buys["ChargeFrequency"]) == {"One-Time"}


def test_nullability_rules_of_focus_1_2(report_plan):
    f = focus_frame(report_plan)
    usage = f["ChargeCategory"] == "Usage"
    # ConsumedQuantity/Unit: null unless Usage; never null on Usage rows
    assert f.loc[~usage, "ConsumedQuantity"].isna().all()
    assert f.loc[~usage, "ConsumedUnit"].isna().all()
    assert f.loc[usage, "ConsumedQuantity"].notna().all()
    for col in ("PricingQuantity", "PricingUnit", "ListUnitPrice", "ContractedUnitPrice", "SkuId"):
        assert f[col].notna().all(), col  # Usage and Purchase rows, no corrections
    assert (f.loc[f["ChargeCategory"] == "Purchase", "ChargeFrequency"] != "Usage-Based").all()
    tags = f["Tags"].map(json.loads)
    assert all(isinstance(t, dict) for t in tags)
    assert (tags[usage].map(lambda t: t["team"]) == f.loc[usage, "x_Team"]).all()
    assert (tags[usage].map(lambda t: t["workload"]) == f.loc[usage, "x_WorkloadId"]).all()


def test_reserved_rows_carry_the_commitment_discount(report_plan):
    assert (report_plan.assignments["pricing"] == "reserved_3y").any()
    f = focus_frame(report_plan)
    committed = f[f["CommitmentDiscountId"].notna()]
    use = committed[committed["ChargeCategory"] == "Usage"]
    fee = committed[committed["ChargeCategory"] == "Purchase"]
    assert len(use) == len(fee) >= 1
    assert set(use["PricingCategory"]) == {"Committed"}
    assert set(use["CommitmentDiscountStatus"]) == {"Used"}
    assert fee["CommitmentDiscountStatus"].isna().all()
    assert set(fee["ChargeFrequency"]) == {"Recurring"}
    for col in ("CommitmentDiscountType", "CommitmentDiscountName", "CommitmentDiscountUnit"):
        assert committed[col].notna().all(), col
    assert set(committed["CommitmentDiscountCategory"]) == {"Usage"}
    # billed once (the fee), effective once (the usage it covers)
    assert (use["BilledCost"] == 0).all() and (fee["EffectiveCost"] == 0).all()
    assert use["EffectiveCost"].sum() == pytest.approx(fee["BilledCost"].sum())
    # no CommitmentDiscount* on rows that are not related to a commitment
    assert f.loc[f["CommitmentDiscountId"].isna(), "CommitmentDiscountQuantity"].isna().all()


def test_period_is_a_parameter(report_plan):
    f = focus_frame(report_plan, "2027-12")
    assert set(f["ChargePeriodStart"]) == {"2027-12-01T00:00:00Z"}
    assert set(f["ChargePeriodEnd"]) == {"2028-01-01T00:00:00Z"}
    assert set(focus_frame(report_plan, period_start="2027-12-01")["ChargePeriodEnd"]) == {
        "2028-01-01T00:00:00Z"
    }
    for bad in ("2027-12-15", "2027-13", "Dec 2027"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            focus_frame(report_plan, bad)


def test_metadata_declares_focus_1_2(tmp_path):
    meta = json.loads(write_focus_metadata(tmp_path / "m.json").read_text())
    assert meta["FocusVersion"] == "1.2"
    assert [c["ColumnName"] for c in meta["ColumnDefinition"]] == COLUMNS
    assert meta["SchemaId"] and meta["CreationDate"].endswith("Z") and meta["DataGenerator"]


def test_the_finops_foundation_validator_accepts_the_export(report_plan, tmp_path):
    path = write_focus_csv(report_plan, tmp_path / "focus.csv")
    r = validate(path, tmp_path)
    assert "Validation succeeded" in r.stdout and "failed" not in r.stdout, r.stdout + r.stderr


def test_the_validator_rejects_a_broken_export(report_plan, tmp_path):
    """The validator run is not a formality: it fails on a real fault."""
    path = write_focus_csv(report_plan, tmp_path / "focus.csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["Tags"] = "team=claims"
    frame["BillingAccountId"] = ""
    frame.to_csv(path, index=False)
    r = validate(path, tmp_path)
    assert "Validation failed!" in r.stdout  # (the validator exits 0 either way)
    assert "Tags_IsJSONObject failed" in r.stdout and "BillingAccountId_NotNull" in r.stdout


def test_column_order_and_determinism(report_plan, tmp_path):
    a = write_focus_csv(report_plan, tmp_path / "a.csv").read_bytes()
    b = write_focus_csv(report_plan, tmp_path / "b.csv").read_bytes()
    assert a == b
    assert a.decode().splitlines()[0].split(",") == COLUMNS
