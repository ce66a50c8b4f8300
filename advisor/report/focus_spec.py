"""The FOCUS 1.2 columns advisor writes, their data types, and the dataset's schema metadata.

Read from the FinOps Foundation's specification (FOCUS_Spec, tag ``v1.2``,
``specification/columns/*.md`` and ``specification/metadata/schema/*.md``). Only columns
whose "MUST be present" condition applies to a projection are written: the mandatory ones,
and the conditional ones whose condition holds (unit prices, SKUs, regions, resources,
commitment discounts, sub accounts, tags). Custom columns carry the ``x_`` prefix.
"""

from __future__ import annotations

import json
import uuid

FOCUS_VERSION = "1.2"
DATA_GENERATOR = "advisor"
# The date this column set was defined; a schema's CreationDate is when the schema was made,
# so it stays fixed while the column set does (the export stays byte-for-byte deterministic).
SCHEMA_CREATED = "2026-12-01T00:00:00Z"

# (column id, FOCUS data type); FOCUS columns first, in the spec's alphabetical order.
COLUMN_TYPES: list[tuple[str, str]] = [
    ("BilledCost", "DECIMAL"),
    ("BillingAccountId", "STRING"),
    ("BillingAccountName", "STRING"),
    ("BillingCurrency", "STRING"),
    ("BillingPeriodEnd", "DATETIME"),
    ("BillingPeriodStart", "DATETIME"),
    ("ChargeCategory", "STRING"),
    ("ChargeClass", "STRING"),
    ("ChargeDescription", "STRING"),
    ("ChargeFrequency", "STRING"),
    ("ChargePeriodEnd", "DATETIME"),
    ("ChargePeriodStart", "DATETIME"),
    ("CommitmentDiscountCategory", "STRING"),
    ("CommitmentDiscountId", "STRING"),
    ("CommitmentDiscountName", "STRING"),
    ("CommitmentDiscountQuantity", "DECIMAL"),
    ("CommitmentDiscountStatus", "STRING"),
    ("CommitmentDiscountType", "STRING"),
    ("CommitmentDiscountUnit", "STRING"),
    ("ConsumedQuantity", "DECIMAL"),
    ("ConsumedUnit", "STRING"),
    ("ContractedCost", "DECIMAL"),
    ("ContractedUnitPrice", "DECIMAL"),
    ("EffectiveCost", "DECIMAL"),
    ("InvoiceIssuerName", "STRING"),
    ("ListCost", "DECIMAL"),
    ("ListUnitPrice", "DECIMAL"),
    ("PricingCategory", "STRING"),
    ("PricingQuantity", "DECIMAL"),
    ("PricingUnit", "STRING"),
    ("ProviderName", "STRING"),
    ("PublisherName", "STRING"),
    ("RegionId", "STRING"),
    ("RegionName", "STRING"),
    ("ResourceId", "STRING"),
    ("ResourceName", "STRING"),
    ("ResourceType", "STRING"),
    ("ServiceCategory", "STRING"),
    ("ServiceName", "STRING"),
    ("ServiceSubcategory", "STRING"),
    ("SkuId", "STRING"),
    ("SkuMeter", "STRING"),
    ("SkuPriceDetails", "JSON"),
    ("SkuPriceId", "STRING"),
    ("SubAccountId", "STRING"),
    ("SubAccountName", "STRING"),
    ("Tags", "JSON"),
    ("x_Scenario", "STRING"),
    ("x_WorkloadId", "STRING"),
    ("x_Team", "STRING"),
    ("x_Tier", "STRING"),
    ("x_Component", "STRING"),
    ("x_CarbonKgCO2e", "DECIMAL"),
    ("x_Projection", "BOOLEAN"),
]
COLUMNS = [name for name, _ in COLUMN_TYPES]
DECIMAL_COLUMNS = [name for name, kind in COLUMN_TYPES if kind == "DECIMAL"]

# Where the FinOps Foundation's validator (focus-validator 1.0.0, rule set "1.0") and the
# 1.2 specification disagree. Its rule set still names four columns as the 1.0 preview did;
# the final 1.0 and 1.2 specifications renamed them. We write the 1.2 names; the test suite
# validates a copy with these four columns renamed (see tests/test_focus_validator.py).
VALIDATOR_1_0_NAMES = {
    "ProviderName": "Provider",
    "PublisherName": "Publisher",
    "InvoiceIssuerName": "InvoiceIssuer",
    "ResourceId": "ResourceID",
}


def schema_metadata() -> dict:
    """FOCUS schema metadata (``SchemaId``, ``FocusVersion``, ``CreationDate``, columns).

    ``SchemaId`` is a UUID derived from the column set, so it changes exactly when the
    columns do.

    >>> m = schema_metadata(); m["FocusVersion"], m["ColumnDefinition"][0]["ColumnName"]
    ('1.2', 'BilledCost')
    """
    columns = []
    for name, kind in COLUMN_TYPES:
        col: dict = {"ColumnName": name, "DataType": kind}
        if kind == "STRING":
            col["StringEncoding"] = "UTF-8"
        if kind == "DECIMAL":
            col["NumericPrecision"] = 17
        columns.append(col)
    schema_id = uuid.uuid5(uuid.NAMESPACE_URL, "advisor:focus:" + json.dumps(COLUMN_TYPES))
    return {
        "SchemaId": str(schema_id),
        "FocusVersion": FOCUS_VERSION,
        "CreationDate": SCHEMA_CREATED,
        "DataGenerator": DATA_GENERATOR,
        "DataGeneratorVersion": _advisor_version(),
        "ColumnDefinition": columns,
    }


def _advisor_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("advisor")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"
