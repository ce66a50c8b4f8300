"""Monthly cost, energy, carbon and privacy risk of candidate options (vectorised).

Cloud:  compute = boxes x billed hours x USD/hour (reserved bills 730 h on whole instances).
        A unit with a load profile (steps fraction_k, hours_k, base first; not split)
        autoscales: at level c_k = fraction_1 + ... + fraction_k it runs
        ceil(ceil(c_k x R - 1e-9) / p) boxes for hours_k - hours_{k+1} hours (hours_{K+1} = 0),
        R the replicas the peak needs (demand / throughput, or the fixed replica count) and p
        replicas per box; ``box_hours`` is that total over the peak's boxes
        (:func:`autoscaled_box_hours`). On a site the unit is sized for the peak. A split
        part is its own unit: fraction_k of the peak for hours_k.
Site:   lifecycle rules in ``advisor/options/lifecycle.py`` (written once). With
        share = units / box_units of a box:
        power     = share x (typical_kw - idle_kw) x PUE x USD/kWh x hours running (the
                    option's own, variable cost: the busy increment)
        box share = share x (idle power all month + ops) of the box (fixed cost of the box,
                    paid per box installed; the share is for team chargeback and display)
        capex     = purchases only (integer decisions in the MILP); share x P / L is the
                    option's capex-equivalent for display and baselines
Egress: results to users at the target's internet rate (site: its WAN rate) plus moving the
        input data from its source: same place 0, same provider inter-region rate (by the
        source region's continent), else the source's internet / WAN rate. Volume tiers
        apply to each workload's own volume.
Energy: cloud (accelerator TDP + host overhead, or W/vCPU) x hours x PUE; site box kW x PUE.
Risk:   classification weight x tier exposure x control mitigations x volume factor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.catalog import Catalog
from advisor.catalog.geo import great_circle_km
from advisor.options import lifecycle
from advisor.options.assumptions import (
    CLASSIFICATION_WEIGHT,
    CONTROL_MITIGATION,
    CPU_WATTS_PER_VCPU,
    HOST_WATTS_PER_ACCELERATOR,
    SAME_CONTINENT_KM,
    TIER_EXPOSURE,
)
from advisor.options.lookup import holds_by_unique
from advisor.schema.scenario import Scenario
from advisor.schema.types import HOURS_IN_MONTH


def standalone_monthly_usd(options: pd.DataFrame) -> pd.Series:
    """USD a month one option costs on its own: its opex, its share of the fixed cost of the
    boxes it uses, and its capex-equivalent (box price amortised; see ``site_costs``). The
    one rule that ranks options outside the MILP (dominance keep-list, alternatives,
    baselines, comparisons)."""
    return options["opex_usd"] + options["box_share_usd"] + options["capex_equiv_usd"]


def tiered_usd(
    cat: Catalog, provider: str, destination: str, gb: np.ndarray, source_area: str = "*"
) -> np.ndarray:
    """USD for ``gb`` per month through the provider's volume tiers (vectorised), for data
    leaving a region of ``source_area`` (inter-region rates depend on the source)."""
    tiers = cat.egress_tiers(provider, destination, source_area)
    gb = np.asarray(gb, dtype=float)
    total = np.zeros_like(gb)
    for lo, hi, usd in tiers[["tier_from_gb", "tier_to_gb", "usd_per_gb"]].itertuples(index=False):
        upper = np.inf if pd.isna(hi) else hi
        total += np.clip(gb - lo, 0.0, upper - lo) * usd
    return total


def source_codes(scn: Scenario, cat: Catalog, source: pd.Series) -> pd.Series:
    """Where each data source lives, as a target code: a site id -> ``site:<id>``, a region
    code as is, a bare region name (``eu-west-1``) -> its ``provider:region`` code, else ''."""
    site_ids = {s.id for s in scn.sites}
    codes = set(cat.region_codes)
    bare = {c.split(":", 1)[1]: c for c in sorted(codes)}
    lookup = {
        s: f"site:{s}" if s in site_ids else (s if s in codes else bare.get(s, ""))
        for s in source.unique()
    }
    return source.map(lookup)


def egress_usd(
    scn: Scenario, cat: Catalog, pairs: pd.DataFrame, targets: pd.DataFrame
) -> np.ndarray:
    """USD/month of data movement per (unit, target) row: results out + input data in.

    ``pairs`` needs unit columns source, ingress_gb, egress_gb and the target column.
    """
    site_wan = {f"site:{s.id}": s.wan_egress_usd_per_gb for s in scn.sites}
    src = source_codes(scn, cat, pairs["source"])
    tgt = targets.set_index("target")
    t_prov = pairs["target"].map(tgt["provider"])
    out = np.zeros(len(pairs))
    for prov in ("aws", "azure", "gcp"):
        m = (t_prov == prov).to_numpy()
        if m.any():
            out[m] += tiered_usd(cat, prov, "internet", pairs["egress_gb"].to_numpy()[m])
    wan = pairs["target"].map(site_wan).fillna(0.0).to_numpy()
    out += np.where(t_prov.eq("").to_numpy(), pairs["egress_gb"].to_numpy() * wan, 0.0)
    moving = (pairs["ingress_gb"] > 0) & (src != "") & (src != pairs["target"])
    gb = pairs["ingress_gb"].to_numpy()
    from_site = moving & src.str.startswith("site:")
    out += np.where(from_site, gb * src.map(site_wan).fillna(0.0).to_numpy(), 0.0)
    from_cloud = moving & ~src.str.startswith("site:")
    if from_cloud.any():
        reg = cat.regions.set_index(cat.regions["provider"] + ":" + cat.regions["region"])
        s_prov = src.str.split(":").str[0]
        slat = src.map(reg["latitude"]).to_numpy(float)
        slon = src.map(reg["longitude"]).to_numpy(float)
        km = great_circle_km(
            slat,
            slon,
            pairs["target"].map(tgt["lat"]).to_numpy(float),
            pairs["target"].map(tgt["lon"]).to_numpy(float),
        )
        same_prov = (s_prov == t_prov).to_numpy()
        area = src.map(reg["area"].where(reg["area"] != "", "*")).fillna("*")
        for prov in ("aws", "azure", "gcp"):
            base = (from_cloud & (s_prov == prov)).to_numpy()
            for dest, m in (
                ("internet", base & ~same_prov),
                ("inter_region_same_continent", base & same_prov & (km < SAME_CONTINENT_KM)),
                ("inter_region_other_continent", base & same_prov & (km >= SAME_CONTINENT_KM)),
            ):
                for a in sorted(set(area[m])) if m.any() else ():
                    ma = m & (area == a).to_numpy()
                    out[ma] += tiered_usd(cat, prov, dest, gb[ma], a)
    return out


def autoscaled_box_hours(
    need: np.ndarray, per_box: np.ndarray, profiles: pd.Series, hours: np.ndarray
) -> np.ndarray:
    """Billed hours per peak box of units that autoscale through their load profile.

    ``need`` is R, the (fractional) replicas the peak needs, ``per_box`` p the replicas one
    box holds, ``profiles`` the steps ((fraction, hours), ...) per row (empty: no profile,
    the row keeps ``hours``). See the module docstring for the rule.
    """
    need = np.asarray(need, dtype=float)
    per_box = np.asarray(per_box, dtype=float)
    out = np.asarray(hours, dtype=float).copy()
    prof = profiles.to_numpy(object)
    for steps in {s for s in prof if len(s)}:
        m = np.fromiter((s == steps for s in prof), bool, len(prof))
        level, box_hours = 0.0, np.zeros(int(m.sum()))
        for k, (fraction, h) in enumerate(steps):
            level += fraction
            nxt = steps[k + 1][1] if k + 1 < len(steps) else 0.0
            replicas = np.ceil(min(level, 1.0) * need[m] - 1e-9)
            box_hours += np.ceil(replicas / per_box[m] - 1e-9) * (h - nxt)
        peak = np.ceil(np.ceil(need[m] - 1e-9) / per_box[m] - 1e-9)
        out[m] = np.where(peak > 0, box_hours / np.where(peak > 0, peak, 1.0), out[m])
    return out


def cloud_costs(o: pd.DataFrame) -> pd.DataFrame:
    """Compute cost and energy of cloud rows (needs boxes, box_hours, usd_per_hour, pricing)."""
    reserved = holds_by_unique(o["pricing"], lambda p: p.startswith("reserved"))
    billed_boxes = np.where(reserved, np.ceil(o["boxes"] - 1e-9), o["boxes"])
    billed_hours = np.where(reserved, HOURS_IN_MONTH, o["box_hours"])
    o["billed_boxes"] = billed_boxes
    o["compute_usd"] = billed_boxes * billed_hours * o["usd_per_hour"]
    o["power_usd"] = 0.0
    o["ops_usd"] = 0.0
    o["capex_equiv_usd"] = 0.0
    o["box_share_usd"] = 0.0
    o["box_share_kwh"] = 0.0
    watts = np.where(
        o["accelerator_count"] > 0,
        o["accelerator_count"] * (o["acc_tdp_w"] + HOST_WATTS_PER_ACCELERATOR),
        o["vcpus"] * CPU_WATTS_PER_VCPU,
    )
    o["energy_kwh"] = o["boxes"] * o["box_hours"] * watts / 1000.0 * o["pue"]
    return o


def site_costs(o: pd.DataFrame) -> pd.DataFrame:
    """Busy power, box share (idle power + ops) and capex-equivalent of site rows.

    Needs units, box_units, mode, hours, idle_kw, typical_kw, pue, usd_per_kwh,
    ops_usd_per_month, list_price_usd, useful_life_months (see module docstring)."""
    share = o["units"] / o["box_units"]
    hours = np.where(o["mode"] == "gpu_hours", HOURS_IN_MONTH, o["hours"])
    kwh = lifecycle.busy_energy_kwh(share, o["typical_kw"], o["idle_kw"], o["pue"], hours)
    fixed = lifecycle.box_fixed_usd_per_month(
        o["idle_kw"], o["pue"], o["usd_per_kwh"], o["ops_usd_per_month"]
    )
    o["billed_boxes"] = share
    o["compute_usd"] = 0.0
    o["power_usd"] = kwh * o["usd_per_kwh"]
    o["ops_usd"] = 0.0
    o["box_share_usd"] = share * fixed
    o["box_share_kwh"] = share * lifecycle.idle_energy_kwh_per_month(o["idle_kw"], o["pue"])
    o["capex_equiv_usd"] = share * lifecycle.monthly_capex_usd(
        o["list_price_usd"], o["useful_life_months"]
    )
    o["energy_kwh"] = kwh
    return o


def risk_scores(o: pd.DataFrame, controls: list[str]) -> pd.Series:
    """Privacy risk points per month (see module docstring); 0 for public data."""
    weight = o["classification"].map(CLASSIFICATION_WEIGHT)
    exposure = o["tier"].map(TIER_EXPOSURE)
    mitigation = pd.Series(1.0, index=o.index)
    for c in controls:
        if c in o.columns:
            mitigation = mitigation * np.where(
                o[c].fillna(False).astype(bool), CONTROL_MITIGATION[c], 1.0
            )
    mitigation = mitigation.where(o["tier"] == "cloud", 1.0)
    leaving = o["egress_gb"] + np.where(o["source_target"] == o["target"], 0.0, o["ingress_gb"])
    volume = 1.0 + np.log10(1.0 + leaving)
    return weight * exposure * mitigation * volume
