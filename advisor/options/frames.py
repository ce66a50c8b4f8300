"""Flatten the scenario and catalog into the frames the option builder crosses.

* units: one row per placement unit (a workload, or one replica group of an HA workload)
* targets: one row per site and allowed cloud region
* boxes: one row per hardware a unit can run on (cloud instance type or site SKU)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.catalog import Catalog
from advisor.catalog.latency import LatencyModel
from advisor.options.assumptions import CLOUD_PUE_DEFAULT, WORLD_GCO2E_PER_KWH
from advisor.options.burst import parts
from advisor.options.escalation import demand_of, derived_demands, inherited_data
from advisor.options.federated import placement_workloads
from advisor.options.jurisdiction import country_tokens
from advisor.options.llm import model_columns
from advisor.schema.scenario import Scenario

NO_MODEL = {
    "params_b": np.nan,
    "active_b": np.nan,
    "expert_b": 0.0,
    "experts": 0.0,
    "experts_per_token": 0.0,
    "layers": 0.0,
    "attention_heads": 0.0,
    "kv_heads": 0.0,
    "head_dim": 0.0,
    "kv_latent_dim": 0.0,
    "model_kind": "",
    "arch_basis": "",
    "kv_precision": "auto",
    "prompt_tokens": 0,
    "output_tokens": 0,
    "ttft_target_ms": np.inf,
    "tpot_target_ms": np.inf,
    "fixed_batch": np.nan,
}
"""Serving columns of a workload without a model (accelerators or cpu only)."""


def unit_frame(scn: Scenario) -> pd.DataFrame:
    """One row per placement unit with everything sizing and the rules need."""
    rows = []
    derived, inherited = derived_demands(scn), inherited_data(scn)
    for w, named, pins in placement_workloads(scn):
        groups = w.ha.groups if w.ha else 1
        share = 1.0 / (groups - 1) if groups > 1 else 1.0
        policy = scn.policy(w.data.classification)
        tiers = set(policy.allowed_tiers)
        if w.allowed_tiers:
            tiers &= set(w.allowed_tiers)
        d = demand_of(w, derived)
        base = {
            "workload": w.id,
            "team": w.team,
            "kind": w.kind,
            "mode": d.mode,
            **(
                model_columns(w if d is w.demand else w.model_copy(update={"demand": d}))
                if w.model
                else {**NO_MODEL, "gflops_per_image": d.gflops_per_image}
            ),
            "precisions": (w.model.precision, *w.model.variants) if w.model else ("fp16",),
            "kv_overhead": w.model.kv_cache_overhead if w.model else 0.0,
            "acc_count": w.accelerators.count if w.accelerators else 0,
            "acc_min_mem": (w.accelerators.min_memory_gb or 0.0) if w.accelerators else 0.0,
            "acc_types": w.accelerators.types if w.accelerators else (),
            "cpu_vcpus": w.cpu.vcpus if w.cpu else 0,
            "cpu_mem": w.cpu.memory_gb if w.cpu else 0.0,
            "tokens_per_s": (d.requests_per_second or 0) * (d.tokens_per_request or 0) * share,
            "images_per_s": (d.images_per_second or 0) * share,
            "gpu_hours": (d.gpu_hours_per_month or 0) * share,
            "ref_acc": d.reference_accelerator,
            "replicas_fixed": int(np.ceil((d.replicas or 0) * share)),
            "hours": d.hours_per_month,
            "tput_user": d.throughput_per_replica or np.nan,
            "slo_ms": w.latency_slo_ms if w.latency_slo_ms is not None else np.inf,
            "origin": w.requests_from or w.data.source or "",
            "classification": w.data.classification,
            "residency": tuple(w.data.residency),
            "source": w.data.source or "",
            "ingress_gb": w.data.ingress_gb_per_month * share,
            "egress_gb": w.data.egress_gb_per_month * share,
            "interruptible": w.interruptible,
            "tiers": tuple(t for t in ("local", "edge", "cloud") if t in tiers),
            "cloud_requires": tuple(policy.cloud_requires),
            "ha_groups": groups,
            "inherited": inherited.get(w.id, ()),
            **pins,
        }
        autoscale = () if w.split or d.profile is None else d.steps
        for p in parts(w):
            part = {
                **base,
                "part": named or p.name,
                "step": p.step,
                "tokens_per_s": base["tokens_per_s"] * p.fraction,
                "images_per_s": base["images_per_s"] * p.fraction,
                "replicas_fixed": (
                    int(np.ceil((d.replicas or 0) * share * p.fraction - 1e-9))
                    if p.step
                    else base["replicas_fixed"]
                ),
                "hours": p.hours,
                "ingress_gb": base["ingress_gb"] * p.volume_share,
                "egress_gb": base["egress_gb"] * p.volume_share,
                "profile": autoscale,
            }
            name = named or p.name  # a federated shard or aggregator is never split
            for g in range(groups):
                unit = name if groups == 1 else f"{name}#{g + 1}"
                rows.append({"unit": unit, **part})
    return pd.DataFrame(rows)


def target_frame(scn: Scenario, cat: Catalog) -> pd.DataFrame:
    """Sites and allowed cloud regions, with location, jurisdictions, carbon and PUE."""
    rows = []
    for s in scn.sites:
        grid = s.grid_gco2e_per_kwh
        if grid is None:
            grid = cat.country_gco2e_per_kwh(s.country) or WORLD_GCO2E_PER_KWH
        rows.append(
            {
                "target": f"site:{s.id}",
                "tier": s.kind,
                "provider": "",
                "region": "",
                "site": s.id,
                "country": s.country,
                "jurisdictions": country_tokens(s.country),
                "lat": s.location.lat,
                "lon": s.location.lon,
                "gco2e_per_kwh": grid,
                "pue": s.power.pue,
            }
        )
    regions = cat.regions
    priced = cat.instance_prices[["provider", "region"]].drop_duplicates()
    r = regions.merge(priced, on=["provider", "region"], how="inner")
    r = r[r["provider"].isin(scn.clouds.providers)]
    if not scn.clouds.include_restricted_partitions:
        r = r[r["partition"] == "commercial"]
    code = r["provider"] + ":" + r["region"]
    if scn.clouds.allow_regions:
        allow = set(scn.clouds.allow_regions)
        r = r[code.isin(allow) | r["region"].isin(allow)]
        code = r["provider"] + ":" + r["region"]
    if scn.clouds.deny_regions:
        deny = set(scn.clouds.deny_regions)
        r = r[~(code.isin(deny) | r["region"].isin(deny))]
    carbon = cat.carbon[["provider", "region", "gco2e_per_kwh", "pue"]]
    r = r.merge(carbon, on=["provider", "region"], how="left")
    country_ci = r["country_iso2"].map(
        cat.country_carbon.set_index("country_iso2")["gco2e_per_kwh"]
    )
    r["gco2e_per_kwh"] = r["gco2e_per_kwh"].fillna(country_ci).fillna(WORLD_GCO2E_PER_KWH)
    r["pue"] = r["pue"].fillna(CLOUD_PUE_DEFAULT)
    for rec in r.sort_values(["provider", "region"]).itertuples(index=False):
        rows.append(
            {
                "target": f"{rec.provider}:{rec.region}",
                "tier": "cloud",
                "provider": rec.provider,
                "region": rec.region,
                "site": "",
                "country": rec.country_iso2,
                "jurisdictions": frozenset(str(rec.jurisdictions).split(";")),
                "lat": float(rec.latitude),
                "lon": float(rec.longitude),
                "gco2e_per_kwh": float(rec.gco2e_per_kwh),
                "pue": float(rec.pue),
            }
        )
    return pd.DataFrame(rows)


def endpoint_points(scn: Scenario, cat: Catalog) -> dict[str, tuple[float, float, str]]:
    """Every place a request or data can come from: id -> (lat, lon, region code or '')."""
    pts: dict[str, tuple[float, float, str]] = {}
    for s in scn.sites:
        pts[s.id] = (s.location.lat, s.location.lon, f"site:{s.id}")
    for loc in scn.locations:
        pts[loc.id] = (loc.location.lat, loc.location.lon, "")
    reg = cat.regions
    for rec in reg.itertuples(index=False):
        code = f"{rec.provider}:{rec.region}"
        pts[code] = (float(rec.latitude), float(rec.longitude), code)
        pts.setdefault(rec.region, (float(rec.latitude), float(rec.longitude), code))
    return pts


def rtt_matrix(
    scn: Scenario, cat: Catalog, origins: list[str], targets: pd.DataFrame
) -> pd.DataFrame:
    """RTT in ms from each origin to each target: LAN, measured, or the continuous estimate
    of :mod:`advisor.catalog.latency` (path class, or a detour over a measured pair).

    Returns a long frame: origin, target, rtt_ms, rtt_basis (lan | measured | estimate),
    rtt_path (backbone | public | via <region> for estimates, else '').
    """
    pts = endpoint_points(scn, cat)
    model = LatencyModel.from_catalog(cat)
    measured = {
        (s, d): v for s, d, v in model.measured[["src", "dst", "rtt_ms"]].itertuples(index=False)
    }
    out = []
    t_code = targets["target"].tolist()
    for origin in origins:
        if origin not in pts:
            continue
        lat, lon, code = pts[origin]
        provider = code.split(":", 1)[0] if code and not code.startswith("site:") else ""
        est, path = model.estimate(lat, lon, provider, targets, exclude="")
        for j, tcode in enumerate(t_code):
            if code and code == tcode:
                out.append((origin, tcode, model.lan_rtt_ms, "lan", ""))
            elif code and (code, tcode) in measured:
                out.append((origin, tcode, float(measured[(code, tcode)]), "measured", ""))
            else:
                out.append((origin, tcode, float(est[j]), "estimate", str(path[j])))
    return pd.DataFrame(out, columns=["origin", "target", "rtt_ms", "rtt_basis", "rtt_path"])


def box_frame(scn: Scenario, cat: Catalog) -> pd.DataFrame:
    """Hardware units can run on: cloud instance types and site SKUs, with accelerator specs."""
    acc = cat.accelerators.set_index("accelerator")
    it = cat.instance_types.copy()
    it = it.rename(columns={"instance_type": "hardware"})
    it["box_kind"] = "cloud"
    hw = cat.hardware.copy()
    hw = hw.rename(columns={"sku": "hardware"})
    hw["box_kind"] = "site"
    hw["provider"] = ""
    hw["family"] = hw["hardware"]
    cols = [
        "box_kind",
        "provider",
        "hardware",
        "family",
        "accelerator",
        "accelerator_count",
        "vcpus",
        "memory_gb",
    ]
    boxes = pd.concat([it[cols], hw[cols]], ignore_index=True)
    boxes["accelerator"] = boxes["accelerator"].fillna("")
    boxes["acc_mem_gb"] = boxes["accelerator"].map(acc["memory_gb"]).fillna(0.0)
    boxes["acc_bw_gbps"] = boxes["accelerator"].map(acc["memory_bandwidth_gbps"]).fillna(0.0)
    boxes["acc_tflops"] = boxes["accelerator"].map(acc["fp16_tflops_dense"]).fillna(0.0)
    boxes["acc_tops_int8"] = boxes["accelerator"].map(acc["int8_tops_dense"]).fillna(0.0)
    boxes["acc_tdp_w"] = boxes["accelerator"].map(acc["tdp_watts"]).fillna(0.0)
    return boxes
