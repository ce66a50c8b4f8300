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
    """Per price row, the accelerator workloads that may run there (sorted, comma-joined)."""
    horizon = plan.scenario.settings.horizon_months
    term_ok = prices["pricing"].map(PRICING_TERM_MONTHS).fillna(0) <= horizon
    names: list[list[str]] = [[] for _ in range(len(prices))]
    for u in accelerator_units(plan).to_dict(orient="records"):
        if "cloud" not in u["tiers"]:
            continue
        ok = term_ok.to_numpy().copy()
        if u["residency"]:
            allowed = set(u["residency"])
            ok &= np.fromiter((bool(allowed & j) for j in prices["jurisdictions"]), bool)
        for c in u["cloud_requires"]:
            ok &= prices[c].to_numpy(bool)
        if not u["interruptible"]:
            ok &= (prices["pricing"] != "spot").to_numpy()
        if u["acc_types"]:
            ok &= prices["accelerator"].isin(list(u["acc_types"])).to_numpy()
        for i in np.flatnonzero(ok):
            names[i].append(u["unit"])
    return pd.Series([", ".join(sorted(n)) for n in names], index=prices.index, dtype=object)


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

    on-prem USD per accelerator-month = (price / life + power_kw x PUE x USD/kWh x 730 + ops)
    / accelerators, taken at full load (conservative). The compliant cloud costs ``p`` USD per
    accelerator-hour, so break-even utilisation = on-prem / (p x 730): above it, owning is
    cheaper. Reserved capacity is billed every hour, so against reserved the test is simply
    break-even < 100%. With no compliant cloud the cloud columns are NaN.
    """
    hw = plan.options.catalog.hardware.set_index("sku")
    sites = {s.id: s for s in plan.scenario.sites}
    pur = plan.problem.purchasables
    pur = pur[pur["is_gpu"]] if len(pur) else pur
    cloud = cheapest_compliant_cloud(plan)
    rows = []
    for r in pur.to_dict(orient="records"):
        spec, site = hw.loc[r["sku"]], sites[r["site"]]
        n = float(spec["accelerator_count"])
        capex = r["list_price_usd"] / r["useful_life_months"] / n
        power = r["power_kw"] * site.power.pue * site.power.usd_per_kwh * HOURS_IN_MONTH / n
        ops = float(spec["ops_usd_per_month"]) / n
        own = capex + power + ops
        for c in cloud[cloud["accelerator"] == spec["accelerator"]].to_dict(orient="records"):
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
                    "breakeven_utilisation": own / month if month == month else np.nan,
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
