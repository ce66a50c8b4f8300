"""Projected monthly charges as a FinOps FOCUS 1.2 cost and usage dataset.

Choices (a projection, not an invoice; every row has ``x_Projection = True``):

* One charge period: one calendar month (``period="YYYY-MM"``, default 2027-01, so the output
  is deterministic), ``YYYY-MM-01T00:00:00Z`` to the first instant of the next month. Later
  months repeat it. Billing period = charge period.
* Usage rows: one per placement unit and non-zero cost component (compute, data transfer,
  power, operations) plus one per data flow between workloads. ``ChargeCategory = Usage``,
  ``ConsumedQuantity`` = ``PricingQuantity`` in hours, GB, kWh or server-months.
* Hardware purchase rows: ``ChargeCategory = Purchase``, ``One-Time``: ``BilledCost`` is the
  full price (paid in the first month), ``EffectiveCost`` the month's amortisation. Owned
  inventory is sunk: no row. ``ConsumedQuantity`` is null (FOCUS: null unless Usage).
* Reserved instances (a commitment discount billed monthly, no upfront): a ``Recurring``
  Purchase row for the month's commitment (``BilledCost`` = the fee, ``EffectiveCost`` 0) and
  the usage row it covers (``BilledCost`` 0, ``EffectiveCost`` = the reserved cost,
  ``PricingCategory = Committed``, ``CommitmentDiscountStatus = Used``). So
  ``sum(EffectiveCost)`` is the plan's monthly total (opex + amortised capex) and
  ``sum(BilledCost)`` the first month's cash out.
* Unit prices: ``ListUnitPrice`` is the catalog's listed on-demand price before negotiated
  discounts and user overrides (for reserved usage too: list excludes every discount);
  ``ContractedUnitPrice`` is the price after negotiated discounts but before commitment
  discounts. ``ListCost = ListUnitPrice × PricingQuantity``, likewise ``ContractedCost``.
  Power, transfer and operations have one price (list = contracted = effective).
* ``PricingCategory``: on-demand and commitment purchases Standard, spot Dynamic, reserved
  usage Committed, owned hardware Other.
* Accounts: the scenario is the billing account; a team is a sub account. ``Tags`` holds
  ``team`` and ``workload`` (and the tier) as JSON; the ``x_`` columns keep them too.

The column list and the schema metadata (``FocusVersion`` 1.2) are in
:mod:`advisor.report.focus_spec`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from advisor.options import lifecycle
from advisor.report.focus_spec import COLUMNS, DECIMAL_COLUMNS, FOCUS_VERSION, schema_metadata
from advisor.report.instances import instance_hours
from advisor.report.stats import IDLE_CAPACITY, cost_lines
from advisor.safeio import atomic_write_text, csv_text

if TYPE_CHECKING:
    from advisor.plan import Plan

__all__ = [
    "COLUMNS",
    "FOCUS_VERSION",
    "focus_frame",
    "parse_period",
    "reconcile",
    "write_focus_csv",
    "write_focus_metadata",
]

PRICING_CATEGORY = {
    "on_demand": "Standard",
    "spot": "Dynamic",
    "reserved_1y": "Committed",
    "reserved_3y": "Committed",
    "owned": "Other",
}
COMMITMENT_TYPE = {
    "aws": "Reserved Instance",
    "azure": "Reservation",
    "gcp": "Committed Use Discount",
}
PROVIDER_NAME = {"aws": "AWS", "azure": "Microsoft", "gcp": "Google Cloud"}
SELF = "On-premises"
# component: ServiceCategory, ServiceSubcategory, cloud ServiceName, site ServiceName,
#            ResourceType, SkuMeter
COMPONENT = {
    "compute": (
        "Compute",
        "Virtual Machines",
        {"aws": "Amazon EC2", "azure": "Virtual Machines", "gcp": "Compute Engine"},
        "Own servers",
        "Virtual Machine",
        "Compute Usage",
    ),
    "egress": (
        "Networking",
        "Network Connectivity",
        {"aws": "AWS Data Transfer", "azure": "Bandwidth", "gcp": "Cloud Networking"},
        "WAN transit",
        "Data Transfer",
        "Data Transfer",
    ),
    "flows": (
        "Networking",
        "Network Connectivity",
        {"aws": "AWS Data Transfer", "azure": "Bandwidth", "gcp": "Cloud Networking"},
        "WAN transit",
        "Data Transfer",
        "Data Transfer",
    ),
    "power": ("Other", "Other (Other)", {}, "Facility power", "Server", "Energy"),
    "ops": (
        "Management and Governance",
        "Other (Management and Governance)",
        {},
        "Site operations",
        "Server",
        "Operations",
    ),
}
UNIT = {
    "compute": "Hours",
    "egress": "GB",
    "flows": "GB",
    "power": "kWh",
    "ops": "Server-Months",
}
_PERIOD = re.compile(r"^(\d{4})-(\d{2})(?:-01)?$")


def parse_period(period: str) -> tuple[dt.date, dt.date]:
    """``YYYY-MM`` (or the month's first day) to (first day, first day of the next month).

    >>> parse_period("2027-12")
    (datetime.date(2027, 12, 1), datetime.date(2028, 1, 1))
    """
    m = _PERIOD.match(period.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(
            f"the FOCUS period must be a month, YYYY-MM (e.g. 2027-01), not {period!r}"
        )
    year, month = int(m.group(1)), int(m.group(2))
    return dt.date(year, month, 1), dt.date(year + month // 12, month % 12 + 1, 1)


def _instant(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _prices(plan: Plan) -> pd.DataFrame:
    """Per unit: listed and contracted (negotiated, no commitment) $/hour of its instance.

    Reserved units are looked up at the on-demand price of the same instance and region
    (FOCUS list and contracted prices exclude commitment discounts); their own listed
    reserved rate is kept as ``listed_commit``.
    """
    a = plan.assignments
    p = plan.options.catalog.instance_prices.rename(columns={"instance_type": "hardware"})
    keys = ["provider", "region", "hardware"]
    od = p[p["pricing"] == "on_demand"][[*keys, "usd_per_hour", "listed_usd_per_hour"]]
    od = od.rename(columns={"usd_per_hour": "od_used", "listed_usd_per_hour": "od_listed"})
    own = p[[*keys, "pricing", "listed_usd_per_hour"]].rename(
        columns={"listed_usd_per_hour": "listed_own"}
    )
    m = a[["unit", *keys, "pricing", "usd_per_hour"]].merge(own, on=[*keys, "pricing"], how="left")
    m = m.merge(od, on=keys, how="left").drop_duplicates("unit").set_index("unit")
    reserved = m["pricing"].str.startswith("reserved")
    used = m["usd_per_hour"]
    # A user override can price an instance above its list; FOCUS list prices are upper bounds.
    listed_own = np.maximum(m["listed_own"].fillna(used), used)
    contracted = used.where(~reserved, m["od_used"].fillna(used))
    listed = listed_own.where(~reserved, m["od_listed"].fillna(listed_own))
    return pd.DataFrame(
        {
            "list": np.maximum(listed, contracted),
            "contracted": contracted,
            "listed_commit": listed_own,
            "used": used,
        }
    )


def _quantities(plan: Plan) -> pd.DataFrame:
    """Per unit and component: the quantity priced (hours, GB, kWh, server-months)."""
    a = plan.assignments.drop_duplicates("unit").set_index("unit")
    u = plan.options.units.drop_duplicates("unit").set_index("unit")
    hours = instance_hours(a)
    src = u["source"].reindex(a.index).fillna("")
    here = (src == "") | (src == a["site"]) | (src == a["provider"] + ":" + a["region"])
    gb = u["egress_gb"].reindex(a.index) + u["ingress_gb"].reindex(a.index).where(~here, 0.0)
    return pd.DataFrame(
        {"compute": hours, "egress": gb, "power": a["energy_kwh"], "ops": a["billed_boxes"]}
    )


def _tags(**tags: str) -> str:
    return json.dumps({k: v for k, v in tags.items() if v}, sort_keys=True)


def _usage_rows(plan: Plan) -> list[dict]:
    lines = cost_lines(plan)
    lines = lines[(lines["component"] != "capex") & (lines["workload"] != IDLE_CAPACITY)]
    # one dict per unit, looked up per cost line (a row lookup in a frame per line was most
    # of the FOCUS export's time at 10,000 workloads)
    a = plan.assignments.drop_duplicates("unit").set_index("unit").to_dict(orient="index")
    prices = _prices(plan)
    qty = _quantities(plan)
    flows = {f.from_units[0]: f.gb_per_month for f in plan.problem.flows if f.from_units}
    regions = plan.options.catalog.regions
    region_name = dict(
        zip(regions["provider"] + ":" + regions["region"], regions["display_name"], strict=True)
    )
    site_name = {s.id: s.name or s.id for s in plan.scenario.sites}
    rows: list[dict] = []
    for r in lines.to_dict(orient="records"):
        unit, comp, cloud = r["unit"], r["component"], r["tier"] == "cloud"
        asg = a[unit]
        cat, sub, cloud_service, site_service, rtype, meter = COMPONENT[comp]
        cost = float(r["usd"])
        provider = PROVIDER_NAME.get(asg["provider"], SELF) if cloud else SELF
        compute = comp == "compute"
        pricing = asg["pricing"] if compute else ("owned" if not cloud else "on_demand")
        reserved = compute and str(pricing).startswith("reserved")
        quantity = float(flows.get(unit, 0.0)) if comp == "flows" else float(qty.at[unit, comp])
        unit_name = UNIT[comp]
        if compute and cloud:
            list_price = float(prices.at[unit, "list"])
            contracted_price = float(prices.at[unit, "contracted"])
        elif quantity > 0:
            list_price = contracted_price = cost / quantity
        else:  # a charge with no metered quantity: one month of it
            quantity, unit_name, list_price, contracted_price = 1.0, "Months", cost, cost
        sku = str(asg["hardware"])
        price_id = f"{asg['target']}:{sku}:{pricing}" if cloud else f"{asg['site']}:{meter}"
        row = {
            "BilledCost": 0.0 if reserved else cost,
            "EffectiveCost": cost,
            "ListCost": list_price * quantity,
            "ContractedCost": contracted_price * quantity,
            "ListUnitPrice": list_price,
            "ContractedUnitPrice": contracted_price,
            "PricingQuantity": quantity,
            "PricingUnit": unit_name,
            "ConsumedQuantity": quantity,
            "ConsumedUnit": unit_name,
            "ChargeCategory": "Usage",
            "ChargeFrequency": "Usage-Based",
            "ChargeDescription": f"Projected {comp} for {unit} on {sku} "
            f"({asg['precision']}, {asg['pricing']}) at {asg['target']}",
            "PricingCategory": PRICING_CATEGORY[pricing],
            "ProviderName": provider,
            "PublisherName": provider,
            "InvoiceIssuerName": provider,
            "RegionId": asg["region"] if cloud else asg["site"],
            "RegionName": region_name.get(asg["target"]) if cloud else site_name.get(asg["site"]),
            "ServiceCategory": cat,
            "ServiceSubcategory": sub if cloud or not compute else "Other (Compute)",
            "ServiceName": cloud_service.get(asg["provider"], site_service)
            if cloud
            else site_service,
            "ResourceId": f"{asg['target']}/{unit}/{sku}",
            "ResourceName": unit,
            "ResourceType": rtype if cloud or not compute else "Server",
            "SkuId": sku,
            "SkuMeter": meter,
            "SkuPriceId": price_id,
            "SkuPriceDetails": json.dumps({"InstanceType": sku}) if compute and cloud else None,
            "SubAccountId": f"team:{r['team']}",
            "SubAccountName": r["team"],
            "Tags": _tags(team=r["team"], workload=r["workload"], tier=r["tier"]),
            "x_WorkloadId": r["workload"],
            "x_Team": r["team"],
            "x_Tier": r["tier"],
            "x_Component": comp,
            "x_CarbonKgCO2e": float(asg["carbon_kg"])
            if comp == ("compute" if cloud else "power")
            else 0.0,
        }
        if reserved:
            row |= _commitment(asg, unit, pricing, quantity, status="Used")
            rows.append(_commitment_purchase(row, asg, unit, pricing, prices, cost))
        rows.append(row)
    return rows


def _commitment(
    asg: Mapping[str, Any], unit: str, pricing: str, hours: float, status: str | None
) -> dict:
    term = "3-year" if pricing.endswith("3y") else "1-year"
    return {
        "CommitmentDiscountId": f"{asg['target']}/commitment/{unit}/{asg['hardware']}/{pricing}",
        "CommitmentDiscountName": f"{term} {COMMITMENT_TYPE.get(asg['provider'], 'commitment')} "
        f"for {unit}: {asg['hardware']} in {asg['region']}",
        "CommitmentDiscountType": COMMITMENT_TYPE.get(asg["provider"], "Commitment"),
        "CommitmentDiscountCategory": "Usage",
        "CommitmentDiscountStatus": status,
        "CommitmentDiscountQuantity": hours,
        "CommitmentDiscountUnit": "Hours",
    }


def _commitment_purchase(
    usage: dict, asg: Mapping[str, Any], unit: str, pricing: str, prices: pd.DataFrame, fee: float
) -> dict:
    """The month's fee of a no-upfront commitment: billed here, its cost effective on usage."""
    hours = usage["PricingQuantity"]
    listed = max(float(prices.at[unit, "listed_commit"]), fee / hours if hours else 0.0)
    return (
        usage
        | _commitment(asg, unit, pricing, hours, status=None)
        | {
            "BilledCost": fee,
            "EffectiveCost": 0.0,
            "ListUnitPrice": listed,
            "ContractedUnitPrice": fee / hours if hours else fee,
            "ListCost": listed * hours,
            "ContractedCost": fee,
            "ConsumedQuantity": None,
            "ConsumedUnit": None,
            "ChargeCategory": "Purchase",
            "ChargeFrequency": "Recurring",
            "ChargeDescription": f"Monthly fee of the {usage['CommitmentDiscountName']} (no upfront)",
            "PricingCategory": "Standard",
            "SkuMeter": "Commitment",
            "x_Component": "commitment",
            "x_CarbonKgCO2e": 0.0,
        }
    )


def _idle_rows(plan: Plan) -> list[dict]:
    """Idle power and ops of installed boxes no workload uses (``plan.idle_capacity``): the
    lifecycle rule charges every box owned or bought, so these keep sum(EffectiveCost) equal
    to the plan's monthly total."""
    site_name = {s.id: s.name or s.id for s in plan.scenario.sites}
    pur = plan.problem.purchasables.set_index(["site", "sku"])
    rows: list[dict] = []
    for r in plan.idle_capacity.to_dict(orient="records"):
        pue = next(s.power.pue for s in plan.scenario.sites if s.id == r["site"])
        idle_kw = pur.at[(r["site"], r["sku"]), "idle_kw"]
        kwh = float(r["idle_boxes"] * lifecycle.idle_energy_kwh_per_month(idle_kw, pue))
        for comp, cost, quantity in (
            ("power", float(r["power_usd"]), kwh),
            ("ops", float(r["ops_usd"]), float(r["idle_boxes"])),
        ):
            if cost <= 0 or quantity <= 0:
                continue
            cat, sub_cat, _, site_service, rtype, meter = COMPONENT[comp]
            rows.append(
                {
                    "BilledCost": cost,
                    "EffectiveCost": cost,
                    "ListCost": cost,
                    "ContractedCost": cost,
                    "ListUnitPrice": cost / quantity,
                    "ContractedUnitPrice": cost / quantity,
                    "PricingQuantity": quantity,
                    "PricingUnit": UNIT[comp],
                    "ConsumedQuantity": quantity,
                    "ConsumedUnit": UNIT[comp],
                    "ChargeCategory": "Usage",
                    "ChargeFrequency": "Usage-Based",
                    "ChargeDescription": f"Projected {comp} of {r['idle_boxes']:g} idle "
                    f"{r['sku']} at {r['site']} (idle draw and per-box operations)",
                    "PricingCategory": PRICING_CATEGORY["owned"],
                    "ProviderName": SELF,
                    "PublisherName": SELF,
                    "InvoiceIssuerName": SELF,
                    "RegionId": r["site"],
                    "RegionName": site_name.get(r["site"]),
                    "ServiceCategory": cat,
                    "ServiceSubcategory": sub_cat,
                    "ServiceName": site_service,
                    "ResourceId": f"site:{r['site']}/{r['sku']}",
                    "ResourceName": f"{r['site']}/{r['sku']}",
                    "ResourceType": rtype,
                    "SkuId": r["sku"],
                    "SkuMeter": meter,
                    "SkuPriceId": f"{r['site']}:{meter}",
                    "SubAccountId": "team:(unallocated)",
                    "SubAccountName": "(unallocated)",
                    "Tags": _tags(team="(unallocated)", workload=IDLE_CAPACITY),
                    "x_WorkloadId": IDLE_CAPACITY,
                    "x_Team": "(unallocated)",
                    "x_Tier": next(s.kind for s in plan.scenario.sites if s.id == r["site"]),
                    "x_Component": comp,
                    "x_CarbonKgCO2e": float(r["carbon_kg"]) if comp == "power" else 0.0,
                }
            )
    return rows


def _purchase_rows(plan: Plan) -> list[dict]:
    site_name = {s.id: s.name or s.id for s in plan.scenario.sites}
    kind = {s.id: s.kind for s in plan.scenario.sites}
    rows = []
    for p in plan.purchases.to_dict(orient="records"):
        count = float(p["count"])
        unit_price = p["capex_usd"] / count if count else p["capex_usd"]
        rows.append(
            {
                "BilledCost": p["capex_usd"],
                "EffectiveCost": p["amortised_usd_per_month"],
                "ListCost": unit_price * count,
                "ContractedCost": unit_price * count,
                "ListUnitPrice": unit_price,
                "ContractedUnitPrice": unit_price,
                "PricingQuantity": count,
                "PricingUnit": "Units",
                "ChargeCategory": "Purchase",
                "ChargeFrequency": "One-Time",
                "ChargeDescription": f"Purchase of {p['count']} x {p['sku']} for {p['site']}, "
                f"amortised over {p['useful_life_months']:g} months",
                "PricingCategory": "Other",
                "ProviderName": SELF,
                "PublisherName": SELF,
                "InvoiceIssuerName": SELF,
                "RegionId": p["site"],
                "RegionName": site_name.get(p["site"]),
                "ServiceCategory": "Compute",
                "ServiceSubcategory": "Other (Compute)",
                "ServiceName": "Own servers",
                "ResourceId": f"site:{p['site']}/{p['sku']}",
                "ResourceName": f"{p['site']}/{p['sku']}",
                "ResourceType": "Server",
                "SkuId": p["sku"],
                "SkuMeter": "Hardware",
                "SkuPriceId": f"{p['sku']}:purchase",
                "Tags": _tags(site=p["site"], tier=kind.get(p["site"], "local")),
                "x_Tier": kind.get(p["site"], "local"),
                "x_Component": "capex",
                "x_CarbonKgCO2e": 0.0,
            }
        )
    return rows


def focus_frame(
    plan: Plan, period: str = "2027-01", *, period_start: str | None = None
) -> pd.DataFrame:
    """The plan's projected month (``period`` ``YYYY-MM``) as FOCUS 1.2 rows.

    ``period_start`` (``YYYY-MM-01``) is the older spelling of ``period``.
    """
    start, end = parse_period(period_start or period)
    rows = _usage_rows(plan) + _idle_rows(plan) + _purchase_rows(plan)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["BillingAccountId"] = f"projection:{plan.scenario.name}"
    frame["BillingAccountName"] = f"{plan.scenario.name} (projection)"
    frame["BillingCurrency"] = "USD"
    frame["BillingPeriodStart"] = frame["ChargePeriodStart"] = _instant(start)
    frame["BillingPeriodEnd"] = frame["ChargePeriodEnd"] = _instant(end)
    frame["ChargeClass"] = None
    frame["x_Scenario"] = plan.scenario.name
    frame["x_Projection"] = True
    for col in DECIMAL_COLUMNS:
        frame[col] = frame[col].astype(float)
    for col in ("x_WorkloadId", "x_Team"):
        frame[col] = frame[col].fillna("")
    frame["x_Projection"] = frame["x_Projection"].astype(bool)
    frame = frame[COLUMNS].sort_values(
        ["ChargeCategory", "x_WorkloadId", "ResourceId", "x_Component"], kind="mergesort"
    )
    frame.attrs["unit"] = "USD for the charge period (one month)"
    frame.attrs["focus_version"] = FOCUS_VERSION
    return frame.reset_index(drop=True)


def write_focus_csv(
    plan: Plan, path: str | Path, period: str = "2027-01", *, period_start: str | None = None
) -> Path:
    """Write :func:`focus_frame` as CSV (atomic, deterministic, full float precision, text
    cells neutralised against formula injection)."""
    frame = focus_frame(plan, period, period_start=period_start)
    return atomic_write_text(path, csv_text(frame))


def write_focus_metadata(path: str | Path) -> Path:
    """Write the dataset's FOCUS schema metadata (``FocusVersion`` 1.2) as JSON."""
    return atomic_write_text(path, focus_metadata_json())


def focus_metadata_json() -> str:
    """The FOCUS schema metadata document (what :func:`write_focus_metadata` writes)."""
    return json.dumps(schema_metadata(), indent=2) + "\n"


def reconcile(frame: pd.DataFrame) -> dict[str, float]:
    """Totals to check against ``plan.kpis``: usage, amortised purchases, purchases billed."""
    usage = frame["ChargeCategory"] == "Usage"
    capex = frame["x_Component"] == "capex"
    return {
        "usage_usd": float(frame.loc[usage, "EffectiveCost"].sum()),
        "amortised_usd": float(frame.loc[capex, "EffectiveCost"].sum()),
        "purchases_billed_usd": float(frame.loc[capex, "BilledCost"].sum()),
        "first_month_billed_usd": float(frame["BilledCost"].sum()),
    }
