"""On-prem vs cloud break-even, priced only against cloud capacity the workloads may use.

A break-even against a region the scenario's policies forbid is no alternative at all (an EU
insurer cannot rent H100s in ``gcp:us-central1`` for health data). So the cloud side of each
comparison is the cheapest instance with the same accelerator in a region that is

* in the scenario's cloud scope (providers, ``allow_regions``/``deny_regions``), and
* compliant for at least one of the scenario's accelerator workloads: its data class may use
  the cloud tier, the region is inside its residency, the instance family offers every
  control its class requires there (``cloud_requires``), spot only for interruptible
  workloads, and no commitment term longer than the horizon.

The workloads a region is compliant for are listed with each row. When no compliant region
offers the accelerator, the row says so: owning is then the only compliant way to run it.
Prices are the plan's effective catalog (negotiated discounts and overrides applied).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from advisor.options import lifecycle
from advisor.schema.types import CONTROLS, HOURS_IN_MONTH, PRICING_TERM_MONTHS

if TYPE_CHECKING:
    from advisor.plan import Plan

NO_COMPLIANT_CLOUD = "no compliant region"


def accelerator_units(plan: Plan) -> pd.DataFrame:
    """Units that run on accelerators (not CPU-only), with their policy columns."""
    u = plan.options.units
    cols = ["unit", "tiers", "residency", "cloud_requires", "interruptible", "acc_types"]
    return u.loc[u["cpu_vcpus"].fillna(0) <= 0, cols].reset_index(drop=True)


def cloud_accelerator_prices(plan: Plan) -> pd.DataFrame:
    """Every in-scope accelerator instance price, per accelerator-hour, with its controls."""
    cat = plan.options.catalog
    scn = plan.scenario
    regions = plan.options.targets
    regions = regions[regions["tier"] == "cloud"][["provider", "region", "target", "jurisdictions"]]
    types = cat.instance_types[
        ["provider", "instance_type", "family", "accelerator", "accelerator_count"]
    ]
    types = types[types["accelerator_count"] > 0]
    prices = cat.instance_prices[["provider", "region", "instance_type", "pricing", "usd_per_hour"]]
    prices = prices[prices["pricing"].isin(scn.clouds.pricing)]
    p = prices.merge(types, on=["provider", "instance_type"]).merge(
        regions, on=["provider", "region"]
    )
    p = p.merge(cat.resolved_controls(), on=["provider", "region", "family"], how="left")
    for c in CONTROLS:
        p[c] = p[c].fillna(False).astype(bool)
    p["usd_per_accelerator_hour"] = p["usd_per_hour"] / p["accelerator_count"]
    return p.reset_index(drop=True)


def compliant_for(plan: Plan, prices: pd.DataFrame) -> pd.Series:
    """Per price row, the accelerator workloads that may run there (sorted, comma-joined).

    Units sharing one policy (residency, required controls, spot, accelerator types) share
    one row mask, so each distinct policy is checked once against the price rows.
    """
    horizon = plan.scenario.settings.horizon_months
    term_ok = (prices["pricing"].map(PRICING_TERM_MONTHS).fillna(0) <= horizon).to_numpy()
    not_spot = (prices["pricing"] != "spot").to_numpy()
    juris = prices["jurisdictions"]
    policies: dict[tuple, list[str]] = {}
    for u in accelerator_units(plan).to_dict(orient="records"):
        if "cloud" not in u["tiers"]:
            continue
        key = (
            frozenset(u["residency"] or ()),
            tuple(u["cloud_requires"]),
            bool(u["interruptible"]),
            tuple(u["acc_types"] or ()),
        )
        policies.setdefault(key, []).append(u["unit"])
    if not policies or not len(prices):
        return pd.Series("", index=prices.index, dtype=object)
    masks = np.zeros((len(prices), len(policies)), dtype=bool)
    for k, (residency, requires, interruptible, acc_types) in enumerate(policies):
        ok = term_ok.copy()
        if residency:
            inside = {j: bool(residency & j) for j in set(juris)}
            ok &= juris.map(inside).to_numpy(bool)
        for c in requires:
            ok &= prices[c].to_numpy(bool)
        if not interruptible:
            ok &= not_spot
        if acc_types:
            ok &= prices["accelerator"].isin(list(acc_types)).to_numpy()
        masks[:, k] = ok
    names = list(policies.values())
    patterns, inverse = np.unique(masks, axis=0, return_inverse=True)
    text = [", ".join(sorted(n for k in np.flatnonzero(p) for n in names[k])) for p in patterns]
    return pd.Series([text[i] for i in inverse.reshape(-1)], index=prices.index, dtype=object)


def cheapest_compliant_cloud(plan: Plan) -> pd.DataFrame:
    """Per accelerator and pricing model: the cheapest compliant cloud price (see module doc).

    Also ``cheapest_any_target``/``cheapest_any_usd_per_accelerator_hour``: the cheapest
    in-scope price ignoring policy, to show what the policies cost.
    """
    p = cloud_accelerator_prices(plan)
    p["compliant_for"] = compliant_for(plan, p)
    order = ["accelerator", "pricing", "usd_per_accelerator_hour", "target", "instance_type"]
    p = p.sort_values(order)
    anywhere = p.drop_duplicates(["accelerator", "pricing"]).set_index(["accelerator", "pricing"])
    ok = p[p["compliant_for"] != ""].drop_duplicates(["accelerator", "pricing"])
    ok = ok.set_index(["accelerator", "pricing"])
    out = anywhere[[]].join(
        ok[["target", "instance_type", "usd_per_accelerator_hour", "compliant_for"]]
    )
    out["cheapest_any_target"] = anywhere["target"]
    out["cheapest_any_usd_per_accelerator_hour"] = anywhere["usd_per_accelerator_hour"]
    out["compliant_for"] = out["compliant_for"].fillna("")
    out = out.reset_index()
    out.attrs["unit"] = "USD per accelerator-hour"
    return out


def breakeven(plan: Plan) -> pd.DataFrame:
    """On-prem vs cloud break-even utilisation per purchasable accelerator SKU and pricing.

    on-prem USD per accelerator-month = (P / L + idle power all month + ops + busy power
    increment at full use) / accelerators (``options/lifecycle``). The compliant cloud costs
    ``p`` USD per accelerator-hour; break-even utilisation u* solves
    P/L + fixed + u 730 (typical - idle) PUE c = u 730 p (``lifecycle.breakeven_utilisation``):
    above it, owning is cheaper. Reserved capacity is billed every hour, so against reserved
    the test is simply break-even < 100%. With no compliant cloud the cloud columns are NaN.
    """
    hw = plan.options.catalog.hardware.set_index("sku")
    sites = {s.id: s for s in plan.scenario.sites}
    pur = plan.problem.purchasables
    pur = pur[pur["is_gpu"]] if len(pur) else pur
    cloud = cheapest_compliant_cloud(plan)
    cloud_by_acc: dict[str, list[dict]] = {}
    for c in cloud.to_dict(orient="records"):
        cloud_by_acc.setdefault(c["accelerator"], []).append(c)
    specs = hw.to_dict(orient="index")
    rows = []
    for r in pur.to_dict(orient="records"):
        spec, site = specs[r["sku"]], sites[r["site"]]
        n = float(spec["accelerator_count"])
        pue, kwh_usd = site.power.pue, site.power.usd_per_kwh
        idle_kw, typical_kw = float(spec["idle_kw"]), float(spec["typical_kw"])
        box_ops = float(spec["ops_usd_per_month"])
        capex = float(lifecycle.monthly_capex_usd(r["list_price_usd"], r["useful_life_months"])) / n
        busy = lifecycle.busy_energy_kwh(1.0, typical_kw, idle_kw, pue, HOURS_IN_MONTH) * kwh_usd
        power = float(lifecycle.idle_power_usd_per_month(idle_kw, pue, kwh_usd) + busy) / n
        ops = box_ops / n
        own = capex + power + ops
        for c in cloud_by_acc.get(spec["accelerator"], []):
            hourly = c["usd_per_accelerator_hour"]
            month = hourly * HOURS_IN_MONTH
            rows.append(
                {
                    "site": r["site"],
                    "sku": r["sku"],
                    "accelerator": spec["accelerator"],
                    "capex_usd": capex,
                    "power_usd": power,
                    "ops_usd": ops,
                    "onprem_usd_per_accelerator_month": own,
                    "pricing": c["pricing"],
                    "cloud_target": c["target"] if c["compliant_for"] else NO_COMPLIANT_CLOUD,
                    "cloud_instance": c["instance_type"] if c["compliant_for"] else "",
                    "compliant_for": c["compliant_for"],
                    "cloud_usd_per_accelerator_hour": hourly,
                    "cloud_usd_per_accelerator_month": month,
                    "breakeven_utilisation": lifecycle.breakeven_utilisation(
                        float(r["list_price_usd"]),
                        float(r["useful_life_months"]),
                        idle_kw,
                        typical_kw,
                        pue,
                        kwh_usd,
                        box_ops,
                        hourly * n,
                    )
                    if month == month
                    else np.nan,
                    "cheapest_any_target": c["cheapest_any_target"],
                    "cheapest_any_usd_per_accelerator_hour": c[
                        "cheapest_any_usd_per_accelerator_hour"
                    ],
                }
            )
    cols = [
        "site",
        "sku",
        "accelerator",
        "capex_usd",
        "power_usd",
        "ops_usd",
        "onprem_usd_per_accelerator_month",
        "pricing",
        "cloud_target",
        "cloud_instance",
        "compliant_for",
        "cloud_usd_per_accelerator_hour",
        "cloud_usd_per_accelerator_month",
        "breakeven_utilisation",
        "cheapest_any_target",
        "cheapest_any_usd_per_accelerator_hour",
    ]
    f = pd.DataFrame(rows, columns=cols)
    f.attrs["unit"] = "USD per accelerator-month; utilisation ratio"
    return f
