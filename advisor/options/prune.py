"""Drop options that can never be chosen, before the model is built.

Two exact rules. (1) An option ``o`` is dominated by an *uncapacitated* (cloud) option ``a`` of the same unit if
``a`` is no worse on every term that can matter and strictly better on one (or equal and
earlier in the deterministic order). Cloud options use no shared capacity or capex, so
swapping ``o`` for ``a`` in any plan keeps it feasible and no worse. The terms that matter:

* ``opex_usd`` always (objective and budgets); for site options ``opex_usd + capex_equiv``
  is *not* used: site opex alone is a lower bound of their true cost, which keeps this safe;
* ``risk`` if a privacy cap or risk weight is set; ``carbon_kg`` likewise;
  ``latency_ms`` if a latency weight is set.

(2) Among site options of the same unit on the same site and SKU (one capacity pool), an
option needing no more units and no worse on every term dominates.

Units in co-location, anti-affinity or HA groups, flow endpoints and the units of a
federated job (its update flows) are placement-sensitive:
for them dominance is applied only within the same target.

(0) Before egress and risk are costed, :func:`prune_cloud_within_target` applies rule (1)
within each (unit, cloud target): there every criterion is a non-decreasing function of a
per-row quantity (opex = compute + the pair's egress; risk = the pair's factor x control
mitigation; carbon = energy x the target's grid; latency = the pair's RTT + compute time),
so comparing those quantities is exact, for placement-sensitive units too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.options.escalation import all_flows
from advisor.schema.scenario import Scenario


def criteria(scn: Scenario) -> list[str]:
    """Option columns that can influence the optimum besides opex."""
    cols = ["opex_usd"]
    w = scn.settings.weights
    weighted = scn.settings.objective == "weighted"
    if scn.limits.privacy_risk_max is not None or (weighted and w.usd_per_risk_point > 0):
        cols.append("risk")
    if scn.limits.carbon_kg_per_month_max is not None or (weighted and w.usd_per_tonne_co2e > 0):
        cols.append("carbon_kg")
    if weighted and w.usd_per_latency_ms > 0:
        cols.append("latency_ms")
    return cols


def placement_sensitive_units(scn: Scenario) -> set[str]:
    ids: set[str] = set()
    for rule in scn.placement_rules:
        ids |= set(rule.workloads)
    for f in all_flows(scn):
        ids |= {f.from_workload, f.to_workload}
    ids |= {w.id for w in scn.workloads if w.ha or w.federated}  # federated: update flows
    return ids


def prune_dominated(scn: Scenario, options: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kept, dominated). ``options`` must be sorted deterministically within each unit."""
    cols = criteria(scn)
    sensitive = placement_sensitive_units(scn)
    o = options.copy(deep=False)  # copy-on-write: adds columns, shares the rest
    o["_order"] = np.arange(len(o))
    o["_group"] = np.where(o["workload"].isin(sensitive), o["unit"] + "|" + o["target"], o["unit"])
    dominated = np.zeros(len(o), dtype=bool)
    uncap = o[o["tier"] == "cloud"]
    for lead in cols:
        order = [lead, *[c for c in cols if c != lead], "_order"]
        anchors = uncap.sort_values(order, kind="mergesort").drop_duplicates("_group")
        a = o[["_group"]].merge(
            anchors[["_group", "_order", *cols]].rename(
                columns={c: f"_a_{c}" for c in [*cols, "_order"]}
            ),
            on="_group",
            how="left",
        )
        has = a["_a__order"].notna().to_numpy()
        no_worse = np.ones(len(o), dtype=bool)
        strictly = np.zeros(len(o), dtype=bool)
        for c in cols:
            av = a[f"_a_{c}"].to_numpy(float)
            ov = o[c].to_numpy(float)
            no_worse &= av <= ov + 1e-9
            strictly |= av < ov - 1e-9
        tie_earlier = a["_a__order"].to_numpy(float) < o["_order"].to_numpy(float)
        dominated |= has & no_worse & (strictly | tie_earlier)
    dominated |= _same_pool_dominated(o, cols)
    kept = options[~dominated].reset_index(drop=True)
    return kept, options[dominated].reset_index(drop=True)


PROXY = {
    "opex_usd": "compute_usd",
    "risk": "_mitigation",
    "carbon_kg": "energy_kwh",
    "latency_ms": "compute_ms",
}
"""Per-row quantity each criterion is non-decreasing in, within one (unit, cloud target)."""


def _codes(col: pd.Series) -> np.ndarray:
    """Integer codes that sort like the strings (codes of the sorted unique values)."""
    return pd.factorize(col, sort=True)[0]


PROXY_COLUMNS = ("compute_usd", "energy_kwh", "compute_ms")
"""The per-row columns :func:`dominated_within_target` reads (with the control columns)."""
WITHIN_TARGET_KEYS = ("unit", "target", "hardware", "precision", "pricing")
"""Rule 0's groups are (unit, target); ties go to the first row in this order."""


def prune_cloud_within_target(scn: Scenario, cloud: pd.DataFrame) -> pd.DataFrame:
    """Cloud rows not dominated within their (unit, target) (rule 0 of the module docstring).

    Deterministic: ties go to the first row in (unit, target, hardware, precision, pricing)
    order. Needs those columns, compute_usd, energy_kwh, compute_ms and the control columns.
    """
    if cloud.empty:
        return cloud
    return cloud[
        ~dominated_within_target(scn, cloud, [_codes(cloud[k]) for k in WITHIN_TARGET_KEYS])
    ]


def dominated_within_target(
    scn: Scenario, cloud: pd.DataFrame, codes: list[np.ndarray]
) -> np.ndarray:
    """Per row of ``cloud``, whether rule 0 prunes it. ``codes``: one integer array per
    :data:`WITHIN_TARGET_KEYS` key, ordered as its strings sort (:func:`_codes`, or codes
    made on smaller tables before a cross product); ``cloud`` needs only the
    :data:`PROXY_COLUMNS` and the control columns."""
    from advisor.options.assumptions import CONTROL_MITIGATION

    rank = np.empty(len(cloud), dtype=np.int64)
    rank[np.lexsort(codes[::-1])] = np.arange(len(cloud))  # position in the tie-break order
    group = codes[0].astype(np.int64) * (codes[1].max() + 1) + codes[1]
    values = {}
    for c in criteria(scn):
        if c == "risk":
            m = np.ones(len(cloud))
            for ctl, f in CONTROL_MITIGATION.items():
                if ctl in cloud.columns:
                    m *= np.where(cloud[ctl].fillna(False).astype(bool).to_numpy(), f, 1.0)
            values[c] = m
        else:
            values[c] = cloud[PROXY[c]].to_numpy(float)
    cols = list(values)
    dominated = np.zeros(len(cloud), dtype=bool)
    for lead in cols:
        sort_keys = [rank] + [values[c] for c in reversed(cols) if c != lead] + [values[lead]]
        order = np.lexsort([*sort_keys, group])
        g = group[order]
        first = order[np.r_[True, g[1:] != g[:-1]]]  # the anchor of each group
        anchor = np.empty(group.max() + 1, dtype=np.int64)
        anchor[group[first]] = first
        a = anchor[group]
        no_worse = np.ones(len(cloud), dtype=bool)
        strictly = np.zeros(len(cloud), dtype=bool)
        for c in cols:
            v = values[c]
            no_worse &= v[a] <= v + 1e-9
            strictly |= v[a] < v - 1e-9
        dominated |= no_worse & (strictly | (rank[a] < rank))
    return dominated


def _same_pool_dominated(o: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Site options on the same (unit, site, SKU) compete for the same pool: fewer units and
    no worse on every criterion dominates (e.g. an int8 variant that needs fewer GPUs)."""
    site = o[o["tier"] != "cloud"]
    out = np.zeros(len(o), dtype=bool)
    if site.empty:
        return out
    keys = ["unit", "site", "hardware"]
    crit = ["units", *cols]
    ranked = site.sort_values([*keys, *crit, "_order"], kind="mergesort")
    best = ranked.drop_duplicates(keys)[[*keys, *crit, "_order"]]
    a = site[keys].merge(
        best.rename(columns={c: f"_b_{c}" for c in [*crit, "_order"]}), on=keys, how="left"
    )
    no_worse = np.ones(len(site), dtype=bool)
    strictly = np.zeros(len(site), dtype=bool)
    for c in crit:
        bv, sv = a[f"_b_{c}"].to_numpy(float), site[c].to_numpy(float)
        no_worse &= bv <= sv + 1e-9
        strictly |= bv < sv - 1e-9
    earlier = a["_b__order"].to_numpy(float) < site["_order"].to_numpy(float)
    out[site["_order"].to_numpy()] = no_worse & (strictly | earlier)
    return out
