"""Projected monthly charges as a FinOps FOCUS-style cost table (column names from FOCUS 1.x).

Choices (a projection, not an invoice; every row has ``x_Projection = True``):

* One charge period: the first projected month, ``period_start`` (default 2027-01-01, so the
  output is deterministic) to the first day of the next month. Later months repeat it.
* Usage rows: one per placement unit and non-zero cost component (compute, data transfer,
  power, operations) plus one per data flow between workloads. ``ChargeCategory = Usage``.
* Purchase rows: one per hardware purchase, ``ChargeCategory = Purchase``: ``BilledCost`` is
  the full price (paid in the first month), ``EffectiveCost`` the month's amortisation. So
  ``sum(EffectiveCost)`` is the plan's monthly total (opex + amortised capex) and
  ``sum(BilledCost)`` is the first month's cash out. Owned inventory is sunk: no row.
* ``ListCost`` prices cloud compute at the catalog's listed price before negotiated
  discounts and user overrides; ``ContractedCost`` and ``EffectiveCost`` use the price the plan
  used. Reserved instances are projected as billed monthly (no upfront payment).
* ``PricingCategory``: on_demand Standard, spot Dynamic, reserved Committed, owned Other.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from advisor.report.stats import cost_lines
from advisor.safeio import atomic_write_text, csv_text

if TYPE_CHECKING:
    from advisor.plan import Plan

PRICING_CATEGORY = {
    "on_demand": "Standard",
    "spot": "Dynamic",
    "reserved_1y": "Committed",
    "reserved_3y": "Committed",
    "owned": "Other",
}
PROVIDER_NAME = {"aws": "AWS", "azure": "Microsoft", "gcp": "Google Cloud"}
SELF = "On-premises"
COMPONENT = {
    # component: ServiceCategory, cloud ServiceName, site ServiceName, ResourceType
    "compute": (
        "Compute",
        {"aws": "Amazon EC2", "azure": "Virtual Machines", "gcp": "Compute Engine"},
        "Own servers",
        "Virtual Machine",
    ),
    "egress": (
        "Networking",
        {"aws": "AWS Data Transfer", "azure": "Bandwidth", "gcp": "Cloud Networking"},
        "WAN transit",
        "Data Transfer",
    ),
    "flows": (
        "Networking",
        {"aws": "AWS Data Transfer", "azure": "Bandwidth", "gcp": "Cloud Networking"},
        "WAN transit",
        "Data Transfer",
    ),
    "power": ("Other", {}, "Facility power", "Server"),
    "ops": ("Management and Governance", {}, "Site operations", "Server"),
}
COLUMNS = [
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeClass",
    "ChargeFrequency",
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
    "ConsumedQuantity",
    "ConsumedUnit",
    "x_Scenario",
    "x_WorkloadId",
    "x_Team",
    "x_Tier",
    "x_Component",
    "x_CarbonKgCO2e",
    "x_Projection",
]


def _period(period_start: str) -> tuple[str, str]:
    start = dt.date.fromisoformat(period_start)
    if start.day != 1:
        raise ValueError(f"period_start must be the first day of a month, not {period_start}")
    end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start.isoformat(), end.isoformat()


def _list_factor(plan: Plan) -> pd.Series:
    """Per unit: listed / used price of its cloud instance (1 where nothing was changed)."""
    a = plan.assignments
    p = plan.options.catalog.instance_prices.rename(columns={"instance_type": "hardware"})
    keys = ["provider", "region", "hardware", "pricing"]
    m = a[["unit", *keys]].merge(
        p[[*keys, "usd_per_hour", "listed_usd_per_hour"]], on=keys, how="left"
    )
    ratio = (m["listed_usd_per_hour"] / m["usd_per_hour"]).where(m["usd_per_hour"] > 0)
    return pd.Series(ratio.fillna(1.0).to_numpy(), index=m["unit"])


def _quantities(plan: Plan) -> pd.DataFrame:
    """Per unit and component: consumed quantity and its unit."""
    a = plan.assignments.set_index("unit")
    u = plan.options.units.set_index("unit")
    hours = (a["compute_usd"] / a["usd_per_hour"]).where(a["usd_per_hour"] > 0, 0.0)
    src = u["source"].reindex(a.index).fillna("")
    here = (src == "") | (src == a["site"]) | (src == a["provider"] + ":" + a["region"])
    gb = u["egress_gb"].reindex(a.index) + u["ingress_gb"].reindex(a.index).where(~here, 0.0)
    return pd.DataFrame(
        {
            "compute": hours,
            "egress": gb,
            "power": a["energy_kwh"],
            "ops": a["billed_boxes"],
            "capex": a["billed_boxes"],
        }
    )


CONSUMED_UNIT = {
    "compute": "Hours",
    "egress": "GB",
    "flows": "GB",
    "power": "kWh",
    "ops": "Server-Months",
    "capex": "Server-Months",
}


def _usage_rows(plan: Plan) -> pd.DataFrame:
    lines = cost_lines(plan)
    lines = lines[lines["component"] != "capex"].copy()
    a = plan.assignments.set_index("unit")
    factor = _list_factor(plan)
    qty = _quantities(plan)
    flows = {f.from_units[0]: f.gb_per_month for f in plan.problem.flows if f.from_units}
    regions = plan.options.catalog.regions
    region_name = dict(
        zip(regions["provider"] + ":" + regions["region"], regions["display_name"], strict=True)
    )
    site_name = {s.id: s.name or s.id for s in plan.scenario.sites}
    rows = []
    for r in lines.to_dict(orient="records"):
        unit, comp, cloud = r["unit"], r["component"], r["tier"] == "cloud"
        asg = a.loc[unit]
        cat, cloud_service, site_service, rtype = COMPONENT[comp]
        provider = PROVIDER_NAME.get(asg["provider"], SELF) if cloud else SELF
        listed = r["usd"] * factor.get(unit, 1.0) if comp == "compute" else r["usd"]
        pricing = asg["pricing"] if comp == "compute" else ("owned" if not cloud else "on_demand")
        rows.append(
            {
                "BilledCost": r["usd"],
                "EffectiveCost": r["usd"],
                "ListCost": listed,
                "ContractedCost": r["usd"],
                "ChargeCategory": "Usage",
                "ChargeFrequency": "Usage-Based",
                "ChargeDescription": f"Projected {comp} for {unit} on {asg['hardware']} "
                f"({asg['precision']}, {asg['pricing']}) at {asg['target']}",
                "PricingCategory": PRICING_CATEGORY[pricing],
                "ProviderName": provider,
                "PublisherName": provider,
                "InvoiceIssuerName": provider,
                "RegionId": asg["region"] if cloud else asg["site"],
                "RegionName": region_name.get(asg["target"], "")
                if cloud
                else site_name.get(asg["site"], ""),
                "ServiceCategory": cat,
                "ServiceName": cloud_service.get(asg["provider"], site_service)
                if cloud
                else site_service,
                "ResourceId": f"{asg['target']}/{unit}/{asg['hardware']}",
                "ResourceName": unit,
                "ResourceType": rtype if cloud or comp != "compute" else "Server",
                "SkuId": f"{asg['hardware']}:{asg['pricing']}",
                "ConsumedQuantity": float(flows.get(unit, 0.0))
                if comp == "flows"
                else float(qty.at[unit, comp]),
                "ConsumedUnit": CONSUMED_UNIT[comp],
                "x_WorkloadId": r["workload"],
                "x_Team": r["team"],
                "x_Tier": r["tier"],
                "x_Component": comp,
                "x_CarbonKgCO2e": float(asg["carbon_kg"])
                if comp == ("compute" if cloud else "power")
                else 0.0,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _purchase_rows(plan: Plan) -> pd.DataFrame:
    site_name = {s.id: s.name or s.id for s in plan.scenario.sites}
    rows = []
    for p in plan.purchases.to_dict(orient="records"):
        rows.append(
            {
                "BilledCost": p["capex_usd"],
                "EffectiveCost": p["amortised_usd_per_month"],
                "ListCost": p["capex_usd"],
                "ContractedCost": p["capex_usd"],
                "ChargeCategory": "Purchase",
                "ChargeFrequency": "One-Time",
                "ChargeDescription": f"Purchase of {p['count']} x {p['sku']} for {p['site']}, "
                f"amortised over {p['useful_life_months']:g} months",
                "PricingCategory": "Other",
                "ProviderName": SELF,
                "PublisherName": SELF,
                "InvoiceIssuerName": SELF,
                "RegionId": p["site"],
                "RegionName": site_name.get(p["site"], ""),
                "ServiceCategory": "Compute",
                "ServiceName": "Own servers",
                "ResourceId": f"site:{p['site']}/{p['sku']}",
                "ResourceName": f"{p['site']}/{p['sku']}",
                "ResourceType": "Server",
                "SkuId": p["sku"],
                "ConsumedQuantity": float(p["count"]),
                "ConsumedUnit": "Units",
                "x_WorkloadId": "",
                "x_Team": "",
                "x_Tier": _site_kind(plan, p["site"]),
                "x_Component": "capex",
                "x_CarbonKgCO2e": 0.0,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _site_kind(plan: Plan, site: str) -> str:
    return next((s.kind for s in plan.scenario.sites if s.id == site), "local")


def focus_frame(plan: Plan, period_start: str = "2027-01-01") -> pd.DataFrame:
    """The plan's first projected month as FOCUS-style rows (see the module docstring)."""
    start, end = _period(period_start)
    parts = [f for f in (_usage_rows(plan), _purchase_rows(plan)) if len(f)]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    frame["BillingCurrency"] = "USD"
    frame["BillingPeriodStart"] = frame["ChargePeriodStart"] = start
    frame["BillingPeriodEnd"] = frame["ChargePeriodEnd"] = end
    frame["ChargeClass"] = None
    frame["x_Scenario"] = plan.scenario.name
    frame["x_Projection"] = True
    for col in (
        "BilledCost",
        "EffectiveCost",
        "ListCost",
        "ContractedCost",
        "ConsumedQuantity",
        "x_CarbonKgCO2e",
    ):
        frame[col] = frame[col].astype(float).round(6)
    frame["x_Projection"] = frame["x_Projection"].astype(bool)
    frame = frame[COLUMNS].sort_values(
        ["ChargeCategory", "x_WorkloadId", "ResourceId", "x_Component"], kind="mergesort"
    )
    frame.attrs["unit"] = "USD for the charge period (one month)"
    return frame.reset_index(drop=True)


def write_focus_csv(plan: Plan, path: str | Path, period_start: str = "2027-01-01") -> Path:
    """Write :func:`focus_frame` as CSV (atomic, deterministic, cells neutralised)."""
    return atomic_write_text(path, csv_text(focus_frame(plan, period_start)))


def reconcile(frame: pd.DataFrame) -> dict[str, float]:
    """Totals to check against ``plan.kpis``: usage, amortised purchases, purchases billed."""
    usage = frame["ChargeCategory"] == "Usage"
    return {
        "usage_usd": float(np.round(frame.loc[usage, "EffectiveCost"].sum(), 6)),
        "amortised_usd": float(frame.loc[~usage, "EffectiveCost"].sum()),
        "purchases_billed_usd": float(frame.loc[~usage, "BilledCost"].sum()),
    }
