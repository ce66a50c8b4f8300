"""The estimates a plan rests on: every estimated quantity that moved money or feasibility.

One tidy frame (``estimates_used``), one row per estimate the *chosen* plan uses:

* ``throughput``: replicas sized from an estimated throughput (not a measured
  ``throughput_per_replica``), with the serving model's batch, its bounds (what limits the
  batch, what limits a step) and time per output token when the option table has them;
* ``reserved price``: reserved/committed prices derived from on-demand by a discount rule;
* ``egress``: data-transfer rates that are authored or derived rather than listed;
* ``carbon``: the region's grid intensity next to the other source we hold for it (the
  country average), with the spread between them;
* ``power draw``: idle and typical draw of owned or bought boxes (catalog estimates);
* ``rtt``: network RTTs that were estimated (not measured) where a latency SLO applies,
  with the margin left to the SLO.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from advisor.plan.explain import rtt_source

if TYPE_CHECKING:
    from advisor.plan import Plan

COLUMNS = ["quantity", "subject", "value", "basis", "source", "affects", "note"]


def _serving_note(r: dict) -> str:
    """``batch 53 (limited by kv_memory), step bound bandwidth, TPOT 46.9 ms``, from what the
    option table has."""

    def has(k: str) -> bool:
        return k in r and pd.notna(r[k]) and r[k] != ""

    parts = []
    if has("batch"):
        parts.append(
            f"batch {r['batch']:g}"
            + (f" (limited by {r['batch_bound']})" if has("batch_bound") else "")
        )
    if has("step_bound"):
        parts.append(f"step bound {r['step_bound']}")
    if has("tpot_ms"):
        parts.append(f"TPOT {r['tpot_ms']:.1f} ms")
    return ", ".join(parts)


def _throughput(plan: Plan) -> list[dict]:
    a = plan.assignments
    # one dict per unit, looked up per assignment (a frame row lookup each took seconds at
    # 10,000 workloads)
    units = plan.options.units.set_index("unit")[["mode", "tput_user"]].to_dict(orient="index")
    opts = plan.problem.options
    wanted = ("tput_per_replica", "batch", "batch_bound", "step_bound", "tpot_ms")
    extra = [c for c in wanted if c in opts.columns and c not in a.columns]
    keys = ["unit", "target", "hardware", "precision", "pricing"]
    m = a.merge(opts[keys + extra], on=keys, how="left") if extra else a
    rows = []
    for r in m.to_dict(orient="records"):
        u = units[r["unit"]]
        if u["mode"] not in ("tokens", "images") or pd.notna(u["tput_user"]):
            continue
        per = r.get("tput_per_replica", np.nan)
        what = "tokens/s" if u["mode"] == "tokens" else "images/s"
        value = f"{per:,.0f} {what} per replica" if pd.notna(per) else f"{r['replicas']:g} replicas"
        note = _serving_note(r)
        rows.append(
            {
                "quantity": "throughput",
                "subject": f"{r['unit']} on {r['hardware']} ({r['precision']})",
                "value": value,
                "basis": "estimate",
                "source": "sizing model (advisor/options/sizing.py)",
                "affects": "money",
                "note": note or f"{r['replicas']:g} replicas sized from the estimate",
            }
        )
    return rows


def _reserved(plan: Plan) -> list[dict]:
    a = plan.assignments[plan.assignments["pricing"].str.startswith("reserved")]
    if a.empty:
        return []
    p = plan.options.catalog.instance_prices.rename(columns={"instance_type": "hardware"})
    keys = ["provider", "region", "hardware", "pricing"]
    m = a[["unit", *keys, "usd_per_hour"]].merge(
        p[[*keys, "basis", "source", "note"]], on=keys, how="left"
    )
    m = m[m["basis"].isin(["derived_rule", "estimate"])]
    return [
        {
            "quantity": "reserved price",
            "subject": f"{r['hardware']} {r['pricing']} in {r['provider']}:{r['region']}",
            "value": f"${r['usd_per_hour']:,.4f}/h",
            "basis": r["basis"],
            "source": r["source"],
            "affects": "money",
            "note": str(r["note"]).split(";")[0],
        }
        for r in m.drop_duplicates(keys).to_dict(orient="records")
    ]


def _egress(plan: Plan) -> list[dict]:
    a = plan.assignments
    paying = a[(a["egress_usd"] > 0) & (a["tier"] == "cloud")]
    if paying.empty and not plan.flows_usd:
        return []
    eg = plan.options.catalog.egress
    src = plan.options.units.set_index("unit")["source"]
    used: set[tuple[str, str]] = {(p, "internet") for p in paying["provider"]}
    for r in paying.to_dict(orient="records"):
        s = str(src.get(r["unit"], ""))
        if s and s not in (r["target"], r["region"], r["site"]) and ":" in s:
            far = s.split(":")[0] == r["provider"]
            kinds = ("inter_region_same_continent", "inter_region_other_continent")
            used |= {(s.split(":")[0], k if far else "internet") for k in kinds}
    pairs = list(zip(eg["provider"], eg["destination"], strict=True))
    eg = eg[[p in used for p in pairs] & ~eg["basis"].isin(["listed"]).to_numpy()]
    return [
        {
            "quantity": "egress",
            "subject": f"{r['provider']} {r['destination']} from {r['tier_from_gb']:g} GB",
            "value": f"${r['usd_per_gb']:,.4f}/GB",
            "basis": r["basis"],
            "source": r["source"],
            "affects": "money",
            "note": str(r["note"])[:160],
        }
        for r in eg.drop_duplicates(["provider", "destination", "tier_from_gb"]).to_dict(
            orient="records"
        )
    ]


def _carbon(plan: Plan) -> list[dict]:
    a = plan.assignments[plan.assignments["tier"] == "cloud"]
    cat = plan.options.catalog
    carbon = cat.carbon.set_index(cat.carbon["provider"] + ":" + cat.carbon["region"])
    country = cat.country_carbon.set_index("country_iso2")["gco2e_per_kwh"]
    regions = cat.regions.set_index(cat.regions["provider"] + ":" + cat.regions["region"])
    rows = []
    for t in sorted(set(a["target"])):
        if t not in carbon.index:
            continue
        c = carbon.loc[t]
        iso = regions.at[t, "country_iso2"] if t in regions.index else ""
        other = country.get(iso, np.nan)
        spread = abs(other - c["gco2e_per_kwh"]) / c["gco2e_per_kwh"] if pd.notna(other) else 0
        rows.append(
            {
                "quantity": "carbon",
                "subject": t,
                "value": f"{c['gco2e_per_kwh']:,.0f} gCO2e/kWh",
                "basis": c["basis"],
                "source": f"{c['dataset']} {c['year']:g} ({c['metric']})",
                "affects": "money" if plan.scenario.settings.objective == "weighted" else "carbon",
                "note": (
                    f"{iso} country average {other:,.0f} gCO2e/kWh: spread {spread:.0%}"
                    if pd.notna(other)
                    else "no second source for this region"
                ),
            }
        )
    return rows


def _power(plan: Plan) -> list[dict]:
    pur = plan.problem.purchasables
    if pur.empty:
        return []
    bought = set(zip(plan.purchases["site"], plan.purchases["sku"], strict=True))
    used = set(
        zip(
            plan.assignments.loc[plan.assignments["tier"] != "cloud", "site"],
            plan.assignments.loc[plan.assignments["tier"] != "cloud", "hardware"],
            strict=True,
        )
    )
    hw = plan.options.catalog.hardware.set_index("sku")
    rows = []
    for r in pur.to_dict(orient="records"):
        key = (r["site"], r["sku"])
        if not (r["inventory"] > 0 or key in bought):
            continue
        h = hw.loc[r["sku"]]
        if h["basis"] not in ("estimate", "user"):
            continue
        rows.append(
            {
                "quantity": "power draw",
                "subject": f"{r['sku']} at {r['site']}",
                "value": f"idle {r['idle_kw']:.2f} / typical {r['typical_kw']:.2f} / "
                f"max {r['power_kw']:.2f} kW",
                "basis": h["basis"],
                "source": h["source"],
                "affects": "money" + (" and feasibility (site power cap)" if key in used else ""),
                "note": "idle draw is paid every hour the box exists; max sizes the site cap",
            }
        )
    return rows


def _rtt(plan: Plan) -> list[dict]:
    a = plan.assignments
    est = a[(a["rtt_basis"] == "estimate") & np.isfinite(a["slo_ms"])]
    return [
        {
            "quantity": "rtt",
            "subject": f"{r['unit']} -> {r['target']}",
            "value": f"{r['rtt_ms']:.1f} ms",
            "basis": "estimate",
            "source": rtt_source(r["rtt_basis"], r["rtt_path"], r["target"]),
            "affects": "feasibility",
            "note": f"latency {r['latency_ms']:.0f} ms of SLO {r['slo_ms']:.0f} ms "
            f"({r['slo_ms'] - r['latency_ms']:.0f} ms margin)",
        }
        for r in est.to_dict(orient="records")
    ]


def estimates_used(plan: Plan) -> pd.DataFrame:
    """Every estimated quantity the plan's choices rest on (see the module docstring)."""
    rows = [
        *_throughput(plan),
        *_reserved(plan),
        *_egress(plan),
        *_carbon(plan),
        *_power(plan),
        *_rtt(plan),
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.attrs["unit"] = "as stated in each value"
    return frame
