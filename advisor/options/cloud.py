"""Cloud options: every sized row crossed with its unit's cloud targets and their prices,
checked, costed and pruned within each (unit, target).

The cross product is large (on the full catalog about 2,400 rows a unit: 1.2 million for a
chunk of 500 units, 850,000 of them feasible), and what survives is small (about 30 rows a
unit). So the checks do not copy it: each one marks the rows it rejects in one boolean mask
(``alive``), in the same order as a filter-per-step would (pricing, privacy controls,
escalated controls, latency, then rule 0 of :mod:`advisor.options.prune`), reports its
rejections from the rows still alive, and the surviving rows are taken once at the end. Its
string columns cross as categoricals (the joins run on their codes) and are restored on the
survivors; their categories are sorted, so the codes of the keys rule 0 sorts by sort as the
strings do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from advisor.options import escalation
from advisor.options.costing import cloud_costs
from advisor.options.lookup import as_strings, map_by_unique
from advisor.options.prune import PROXY_COLUMNS, WITHIN_TARGET_KEYS, dominated_within_target
from advisor.options.rules import REJECTION_COLUMNS, lacking_controls, rejections
from advisor.schema.types import CONTROLS, PRICING_TERM_MONTHS

CLOUD_NARROW = [
    "unit",
    "workload",
    "provider",
    "hardware",
    "precision",
    "classification",
    "interruptible",
    "boxes",
    "box_hours",
    "accelerator_count",
    "acc_tdp_w",
    "vcpus",
    "compute_ms",
    "slo_ms",
]
"""Sized-row columns the cloud checks, costs and within-target pruning need; the rest are
attached to the surviving rows only."""


def _as_categories(*frames: pd.DataFrame) -> tuple[Any, ...]:
    """``frames`` with their string columns categorical, each column name's categories the
    union of its values in every frame; and ``{column: dtype}`` to restore the strings."""
    restore: dict[str, Any] = {}
    values: dict[str, list[pd.Series]] = {}
    for f in frames:
        for c in f.columns:
            if _strings(f[c]):
                restore.setdefault(c, f[c].dtype)
                values.setdefault(c, []).append(f[c])
    kinds = {
        c: pd.CategoricalDtype(
            pd.Index(pd.concat(v, ignore_index=True).dropna().unique()).sort_values()
        )
        for c, v in values.items()
    }
    out = [f.astype({c: kinds[c] for c in f.columns if c in kinds}) for f in frames]
    return (*out, restore)


def _sort_codes(col: pd.Series) -> np.ndarray:
    """Integer codes of ``col`` that sort as its values (-1 for a missing one): the codes of
    a categorical column (its categories are sorted), else those of its sorted values."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy()
    return pd.factorize(col, sort=True)[0]


def _strings(col: pd.Series) -> bool:
    """Whether ``col`` holds strings (a string dtype, or objects that are all strings)."""
    if isinstance(col.dtype, pd.StringDtype):
        return True
    return col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) == "string"


def cloud_options(scn, cat, units, targets, pairs, sized, do_prune):
    """(cloud options, rejections, feasible count before pruning) for the units given."""
    rows = sized[sized["box_kind"] == "cloud"].reset_index(drop=True)
    prices = cat.instance_prices
    prices = prices[prices["pricing"].isin(scn.clouds.pricing)]
    prices = prices[["provider", "region", "instance_type", "pricing", "usd_per_hour"]].rename(
        columns={"instance_type": "hardware"}
    )
    # family and controls are attributes of a price row: attached to the (small) price table
    # once, so the (large) cross product below carries them instead of merging them in
    fam = cat.instance_types[["provider", "instance_type", "family"]].rename(
        columns={"instance_type": "hardware"}
    )
    prices = prices.merge(fam, on=["provider", "hardware"], how="left")
    prices = prices.merge(cat.resolved_controls(), on=["provider", "region", "family"], how="left")
    prices["_spot"] = prices["pricing"].eq("spot").to_numpy()
    term = map_by_unique(prices["pricing"], PRICING_TERM_MONTHS)
    prices["_term_bad"] = (term > scn.settings.horizon_months).to_numpy()
    tgt = targets.set_index("target")
    cp = pairs[pairs["tier"] == "cloud"]
    cp = cp.assign(pue=lambda f: f["target"].map(tgt["pue"]))
    narrow = rows[CLOUD_NARROW].assign(_sid=np.arange(len(rows)))
    # the string columns cross as categoricals (shared, sorted categories per column, so
    # that the joins stay on codes and the codes sort as the strings do): the cross product
    # copies small integers, not strings
    narrow, cp, prices, restore = _as_categories(narrow, cp, prices)
    o = narrow.merge(cp, on=["unit", "provider"], how="inner")
    o = o.merge(prices, on=["provider", "region", "hardware"], how="inner")
    o = o.reset_index(drop=True)
    rej = []
    spot_bad = o["_spot"].to_numpy() & ~o["interruptible"].to_numpy(bool)
    term_bad = o["_term_bad"].to_numpy()
    for mask, text in (
        (spot_bad, "spot needs an interruptible workload"),
        (term_bad, f"commitment term exceeds the horizon of {scn.settings.horizon_months} months"),
    ):
        if mask.any():
            bad = as_strings(o[mask].drop_duplicates(["unit", "pricing"]))
            rej.append(rejections(bad, "pricing", text, target="*", hardware="*", precision="*"))
    alive = ~(spot_bad | term_bad)
    # bool where every row still alive found its controls (as a left merge here gives)
    as_bool = [c for c in CONTROLS if not pd.isna(o[c].to_numpy()[alive]).any()]
    required = units.set_index("unit")["cloud_requires"]
    lacking, rej_priv = lacking_controls(
        o,
        required,
        lambda bad: (
            bad["classification"] + " in cloud requires " + bad["unit"].map(required).map(", ".join)
        ),
        "privacy",
        alive,
    )
    alive &= ~lacking
    lacking, rej_esc = escalation.control_lacking(o, units, alive)
    alive &= ~lacking
    for r in (rej_priv, rej_esc):
        if len(r):
            rej.append(r)
    o = cloud_costs(o)
    slow, rej_lat = slow_rows(o, alive)
    alive &= ~slow
    if len(rej_lat):
        rej.append(rej_lat)
    n_feasible = int(alive.sum())
    if do_prune and n_feasible:
        idx = np.flatnonzero(alive)
        needed = [c for c in (*PROXY_COLUMNS, *CONTROLS) if c in o.columns]
        sub = o[needed].take(idx)
        codes = [_sort_codes(o[k])[idx] for k in WITHIN_TARGET_KEYS]
        alive[idx[dominated_within_target(scn, sub, codes)]] = False
    o = o[alive].reset_index(drop=True).astype(restore)
    for c in as_bool:
        o[c] = o[c].astype(bool)
    o = o.drop(columns=["_spot", "_term_bad"])
    wide = rows.drop(columns=[c for c in rows.columns if c in o.columns])
    o = pd.concat([o, wide.iloc[o["_sid"].to_numpy()].reset_index(drop=True)], axis=1)
    o = o.drop(columns="_sid")
    o["gco2e_per_kwh"] = o["target"].map(tgt["gco2e_per_kwh"])
    rej = pd.concat(rej, ignore_index=True) if rej else pd.DataFrame(columns=REJECTION_COLUMNS)
    return o, rej, n_feasible


def slow_rows(o: pd.DataFrame, among: np.ndarray | None = None) -> tuple[np.ndarray, pd.DataFrame]:
    """(rows whose RTT + compute time exceeds the SLO, their rejections), among the rows
    ``among`` (bool per row; all by default). Sets ``latency_ms`` on every row."""
    o["latency_ms"] = o["rtt_ms"] + o["compute_ms"]
    slow = (o["latency_ms"] > o["slo_ms"]).to_numpy().copy()
    if among is not None:
        slow &= among
    if not slow.any():
        return slow, pd.DataFrame(columns=REJECTION_COLUMNS)
    bad = as_strings(o[slow])
    rej = rejections(
        bad,
        "latency",
        map_by_unique(bad["latency_ms"], "{:.0f} ms".format)
        + " (RTT "
        + map_by_unique(bad["rtt_ms"], "{:.0f}".format)
        + " + compute "
        + map_by_unique(bad["compute_ms"], "{:.0f}".format)
        + ", RTT "
        + bad["rtt_basis"].map({"estimate": "estimated"}).fillna(bad["rtt_basis"])
        + ") > SLO "
        + map_by_unique(bad["slo_ms"], "{:.0f} ms".format),
    )
    return slow, rej
