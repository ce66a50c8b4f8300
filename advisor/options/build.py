"""Build the option table: every unit x target x hardware x precision x pricing that can work.

Filter before you build: tier, residency and network RTT are decided per (unit, target);
hardware fit per (unit, box, precision); only survivors are crossed with prices. Every
rejected combination keeps its rule and a human detail (the audit trail).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from advisor.catalog import Catalog
from advisor.options import escalation
from advisor.options.cloud import cloud_options, slow_rows
from advisor.options.costing import (
    egress_usd,
    risk_scores,
    site_costs,
    source_codes,
    standalone_monthly_usd,
)
from advisor.options.federated import data_location, data_moves_usd
from advisor.options.frames import box_frame, rtt_matrix, target_frame, unit_frame
from advisor.options.prune import prune_dominated
from advisor.options.rules import (
    REJECTION_COLUMNS,
    rejections,
    unit_target_pairs,
)
from advisor.options.sizing import size
from advisor.schema.scenario import Scenario
from advisor.schema.types import CONTROLS

OPTION_COLUMNS = [
    "unit",
    "workload",
    "team",
    "tier",
    "target",
    "provider",
    "region",
    "site",
    "hardware",
    "accelerator",
    "precision",
    "pricing",
    "gpus_per_replica",
    "replicas",
    "units",
    "box_units",
    "billed_boxes",
    "usd_per_hour",
    "compute_usd",
    "egress_usd",
    "power_usd",
    "ops_usd",
    "opex_usd",
    "capex_equiv_usd",
    "box_share_usd",
    "box_share_kwh",
    "box_share_kg",
    "latency_ms",
    "rtt_ms",
    "rtt_basis",
    "rtt_path",
    "compute_ms",
    "batch",
    "batch_bound",
    "step_bound",
    "tpot_ms",
    "slo_ms",
    "risk",
    "energy_kwh",
    "carbon_kg",
    "classification",
    *CONTROLS,
]


@dataclass(frozen=True, eq=False)
class OptionSet:
    """The option table, its rejections (audit trail) and what was built, with stats."""

    options: pd.DataFrame
    rejections: pd.DataFrame
    units: pd.DataFrame
    targets: pd.DataFrame
    catalog: Catalog
    stats: dict = field(default_factory=dict)
    dominated: pd.DataFrame = field(default_factory=pd.DataFrame)


def effective_catalog(scn: Scenario, cat: Catalog) -> Catalog:
    """The catalog with the scenario's discounts and overrides applied."""
    return cat.with_overrides(scn.overrides, scn.clouds)


CHUNK_UNITS = 500
"""Units built at a time: every step and both pruning rules act within one unit, so building
in chunks of units (in unit order) gives the same table with bounded memory."""


def build_options(scn: Scenario, cat: Catalog, prune: bool | None = None) -> OptionSet:
    """Enumerate, cost, check and prune every option of every placement unit.

    ``dominated`` keeps, per (unit, tier), the cheapest pruned option by opex + capex
    equivalent (what alternatives, baselines and the audit need), not every pruned row.
    """
    t0 = time.perf_counter()
    cat = effective_catalog(scn, cat)
    units = unit_frame(scn)
    targets = target_frame(scn, cat)
    origins = sorted({o for o in units["origin"] if o})
    rtt = rtt_matrix(scn, cat, origins, targets)
    do_prune = scn.settings.prune_dominated if prune is None else prune
    names = sorted(units["unit"])
    parts = []
    for i in range(0, max(len(names), 1), CHUNK_UNITS):
        chunk = units[units["unit"].isin(set(names[i : i + CHUNK_UNITS]))]
        kept, beaten, rejected, n = _build_chunk(scn, cat, chunk, targets, rtt, do_prune)
        parts.append((kept, beaten, rejected.astype("category"), n))  # frees per-row strings
    options = pd.concat([p[0] for p in parts], ignore_index=True)
    dominated = pd.concat([p[1] for p in parts], ignore_index=True)
    rej = stack_categorical([p[2] for p in parts if len(p[2])], REJECTION_COLUMNS)
    n_feasible = sum(p[3] for p in parts)
    stats = {
        "units": len(units),
        "targets": len(targets),
        "options_feasible": n_feasible,
        "options_after_pruning": len(options),
        "pruned": n_feasible - len(options),
        "rejections": len(rej),
        "build_seconds": time.perf_counter() - t0,
    }
    return OptionSet(options, rej, units, targets, cat, stats, dominated)


def stack_categorical(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """``frames`` (categorical columns) stacked, every column categorical over the union of
    their categories. The rejections audit trail repeats a few values per column (9 rules,
    ~14,000 distinct details in 295,000 rows at 1,000 workloads), so categories keep it small
    where strings per row took most of the memory of a 10,000-workload plan."""
    if not frames:
        return pd.DataFrame({c: pd.Categorical([]) for c in columns})
    return pd.DataFrame(
        {
            c: union_categoricals([pd.Categorical(f[c]) for f in frames], sort_categories=True)
            for c in columns
        }
    )


def _build_chunk(scn, cat, units, targets, rtt, do_prune):
    """(options, cheapest dominated per unit and tier, rejections, feasible count)."""
    pairs, rej_ut = unit_target_pairs(units, targets, rtt)
    pairs, rej_data = data_location(pairs, units, targets)
    pairs, rej_esc = escalation.pair_rejections(pairs, units, targets)
    rej_ut = pd.concat([f for f in (rej_ut, rej_esc) if len(f)] or [rej_ut], ignore_index=True)
    sized, rej_box = _sized_boxes(scn, cat, units)
    cloud, rej_cloud, n_cloud = cloud_options(scn, cat, units, targets, pairs, sized, do_prune)
    cloud["source_target"] = _source_target(scn, cat, cloud)
    site, rej_site = _site_options(scn, cat, units, targets, pairs, sized)
    options = pd.concat([cloud, site], ignore_index=True)
    if len(options):
        options["egress_usd"] = egress_usd(scn, cat, options, targets) + data_moves_usd(
            scn, cat, options, units, targets
        )
        options["opex_usd"] = options[["compute_usd", "egress_usd", "power_usd", "ops_usd"]].sum(
            axis=1
        )
        options["carbon_kg"] = options["energy_kwh"] * options["gco2e_per_kwh"] / 1000.0
        options["box_share_kg"] = options["box_share_kwh"] * options["gco2e_per_kwh"] / 1000.0
        # an escalation target is weighted by the most sensitive data it receives
        options["risk"] = risk_scores(
            options.assign(classification=escalation.risk_classification(options, units)),
            list(CONTROLS),
        )
    options, rej_lat = _latency_filter(options)
    options = (
        options.reindex(columns=OPTION_COLUMNS)
        .sort_values(
            ["unit", "opex_usd", "target", "hardware", "precision", "pricing"], kind="mergesort"
        )
        .reset_index(drop=True)
    )
    # feasible options counted before any pruning (cloud rows pruned within a target included)
    n_feasible = len(options) + n_cloud - len(cloud)
    dominated = options.iloc[0:0]
    if do_prune and len(options):
        options, dominated = prune_dominated(scn, options)
        monthly = standalone_monthly_usd(dominated)
        dominated = (
            dominated.assign(_m=monthly)
            .sort_values(["unit", "tier", "_m", "target"], kind="mergesort")
            .drop_duplicates(["unit", "tier"])
            .drop(columns="_m")
            .reset_index(drop=True)
        )
    rej = pd.concat(
        [f for f in (rej_ut, rej_data, rej_box, rej_cloud, rej_site, rej_lat) if len(f)]
        or [pd.DataFrame(columns=REJECTION_COLUMNS)],
        ignore_index=True,
    )
    return options, dominated, rej, n_feasible


def _latency_filter(o: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop rows whose RTT + compute time exceeds the SLO (sets ``latency_ms``)."""
    if not len(o):
        o = o.copy()
        o["latency_ms"] = pd.Series(dtype=float)
        return o, pd.DataFrame(columns=REJECTION_COLUMNS)
    slow, rej = slow_rows(o)
    return (o[~slow], rej) if slow.any() else (o, rej)


def _sized_boxes(
    scn: Scenario, cat: Catalog, units: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    boxes = box_frame(scn, cat)
    site_skus = {i.sku for s in scn.sites for i in s.inventory} | {
        k for s in scn.sites for k in s.can_buy
    }
    keep = (boxes["box_kind"].eq("cloud") & boxes["provider"].isin(scn.clouds.providers)) | (
        boxes["box_kind"].eq("site") & boxes["hardware"].isin(site_skus)
    )
    boxes = boxes[keep]
    u = units.drop(columns=["tiers", "residency", "cloud_requires", "inherited"]).explode(
        "precisions"
    )
    u = u.rename(columns={"precisions": "precision"})
    rows = u.merge(boxes, how="cross")
    acc = cat.accelerators.set_index("accelerator")["fp16_tflops_dense"]
    ref = rows["ref_acc"].map(acc).fillna(0.0)
    rows = size(rows, ref)
    bad = rows[rows["rule"] != ""]
    rej = rejections(bad, "", bad["detail"], target="*", pricing="*")
    rej["rule"] = bad["rule"].to_numpy()
    return rows[rows["rule"] == ""].drop(columns=["rule", "detail"]), rej


def _site_options(scn, cat, units, targets, pairs, sized):
    rows = sized[sized["box_kind"] == "site"].drop(columns=["provider"])
    hw = cat.hardware.set_index("sku")
    site_rows = []
    for s in scn.sites:
        inv = {i.sku: i.count for i in s.inventory}
        for sku in sorted(set(inv) | set(s.can_buy)):
            site_rows.append(
                {
                    "site": s.id,
                    "hardware": sku,
                    "inventory": inv.get(sku, 0),
                    "max_boxes": inv.get(sku, 0) + (s.max_buy_per_sku if sku in s.can_buy else 0),
                    "usd_per_kwh": s.power.usd_per_kwh,
                    "max_kw": s.power.max_kw or np.inf,
                    "pue": s.power.pue,
                }
            )
    if not site_rows:
        return rows.iloc[0:0], pd.DataFrame(columns=REJECTION_COLUMNS)
    ss = pd.DataFrame(site_rows)
    sp = pairs[pairs["tier"] != "cloud"].drop(columns=["provider", "region"])
    o = rows.merge(sp, on="unit", how="inner").merge(ss, on=["site", "hardware"], how="inner")
    for col in (
        "power_kw",
        "idle_kw",
        "typical_kw",
        "list_price_usd",
        "useful_life_months",
        "ops_usd_per_month",
        "rack_units",
    ):
        o[col] = o["hardware"].map(hw[col]).astype(float)
    o["provider"] = ""
    o["region"] = ""
    o["pricing"] = "owned"
    o["usd_per_hour"] = 0.0
    boxes_needed = np.ceil(o["units"] / o["box_units"] - 1e-9)
    too_big = boxes_needed > o["max_boxes"]
    kw_bad = boxes_needed * o["power_kw"] > o["max_kw"]
    rej = []
    for mask, rule, detail in (
        (
            too_big,
            "capacity",
            lambda b: (
                "needs "
                + np.ceil(b["units"] / b["box_units"] - 1e-9).map("{:g}".format)
                + " x "
                + b["hardware"]
                + " at "
                + b["site"]
                + "; at most "
                + b["max_boxes"].map("{:g}".format)
                + " (inventory + purchasable)"
            ),
        ),
        (
            kw_bad & ~too_big,
            "capacity",
            lambda b: (
                "needs "
                + (np.ceil(b["units"] / b["box_units"] - 1e-9) * b["power_kw"]).map(
                    "{:.1f} kW".format
                )
                + " > site cap "
                + b["max_kw"].map("{:g} kW".format)
            ),
        ),
    ):
        if mask.any():  # text is built on the rejected rows only (never on an empty frame)
            bad = o[mask]
            rej.append(rejections(bad, rule, detail(bad), pricing="owned"))
    o = o[~(too_big | kw_bad)]
    tgt = targets.set_index("target")
    o["gco2e_per_kwh"] = o["target"].map(tgt["gco2e_per_kwh"])
    o = site_costs(o)
    for c in CONTROLS:
        o[c] = False
    o["source_target"] = _source_target(scn, cat, o)
    return o, pd.concat(rej, ignore_index=True) if rej else pd.DataFrame(columns=REJECTION_COLUMNS)


def _source_target(scn: Scenario, cat: Catalog, o: pd.DataFrame) -> pd.Series:
    """The data's home as a target code (bare region names normalised, as for egress)."""
    return source_codes(scn, cat, o["source"])
