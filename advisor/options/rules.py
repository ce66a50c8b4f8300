"""Feasibility predicates that decide at the (unit, target) level, before hardware is crossed.

Each returns the surviving pairs and a rejections frame (hardware = '*').
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from advisor.options.lookup import as_strings
from advisor.schema.types import CONTROLS

REJECTION_COLUMNS = [
    "unit",
    "workload",
    "target",
    "hardware",
    "precision",
    "pricing",
    "rule",
    "detail",
]


def rejections(
    frame: pd.DataFrame, rule: str, detail: pd.Series | str, **fixed: str
) -> pd.DataFrame:
    """A rejections frame from ``frame`` rows (missing key columns filled with ``*``)."""
    out = pd.DataFrame(index=frame.index)
    for col in REJECTION_COLUMNS[:6]:
        if col in fixed:
            out[col] = fixed[col]
        elif col in frame.columns:
            out[col] = frame[col].astype(str)
        else:
            out[col] = "*"
    out["rule"] = rule
    out["detail"] = detail
    return out.reset_index(drop=True)


def missing_controls(o: pd.DataFrame, required: pd.Series) -> pd.Series:
    """Per row, the controls its unit requires (``required``: unit -> tuple) that it lacks."""
    out = pd.Series("", index=o.index, dtype=object)
    pos = pd.Index(required.index).get_indexer(o["unit"])
    for c in CONTROLS:
        needs = np.array([c in r for r in required], dtype=bool)[pos]
        if not needs.any():
            continue
        has = o[c].to_numpy()
        lacks = needs & ~np.where(pd.isna(has), False, has).astype(bool)
        if lacks.any():
            cur = out[lacks]
            out[lacks] = np.where(cur == "", c, cur + ", " + c)
    return out


def lacks_a_control(o: pd.DataFrame, required: pd.Series) -> np.ndarray:
    """Per row, whether it lacks a control its unit requires (``required``: unit -> tuple):
    :func:`missing_controls` as booleans, without building its strings."""
    out = np.zeros(len(o), dtype=bool)
    pos = pd.Index(required.index).get_indexer(o["unit"])
    for c in CONTROLS:
        needs = np.array([c in r for r in required], dtype=bool)[pos]
        if needs.any():
            has = o[c].to_numpy()
            out |= needs & ~np.where(pd.isna(has), False, has).astype(bool)
    return out


def lacking_controls(
    o: pd.DataFrame,
    required: pd.Series,
    lead: Callable[[pd.DataFrame], pd.Series],
    rule: str,
    among: np.ndarray | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """(rows lacking a control their unit requires, their rejections), among the rows
    ``among`` (bool per row; all by default). ``required``: unit -> tuple. Each (unit,
    target, hardware) is rejected under ``rule`` with ``lead(rows)`` + "; <hardware> in
    <region> lacks <controls>"."""
    lacks = lacks_a_control(o, required)
    if among is not None:
        lacks &= among
    if not lacks.any():
        return lacks, pd.DataFrame(columns=REJECTION_COLUMNS)
    bad = as_strings(o[lacks].drop_duplicates(["unit", "target", "hardware"]))
    detail = (
        lead(bad)
        + "; "
        + bad["hardware"]
        + " in "
        + bad["region"]
        + " lacks "
        + missing_controls(bad, required)
    )
    return lacks, rejections(bad, rule, detail, pricing="*")


def unit_target_pairs(
    units: pd.DataFrame, targets: pd.DataFrame, rtt: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cross units with targets; drop pairs broken by tier policy, residency or network RTT."""
    u = units[["unit", "workload", "tiers", "residency", "classification", "origin", "slo_ms"]]
    t = targets[["target", "tier", "provider", "region", "site", "country", "jurisdictions"]]
    pairs = u.merge(t, how="cross")
    rej = []
    tier_ok = np.fromiter(
        (tr in ts for tr, ts in zip(pairs["tier"], pairs["tiers"], strict=True)), bool, len(pairs)
    )
    bad = pairs[~tier_ok]
    if len(bad):
        rej.append(
            rejections(
                bad,
                "tier",
                bad["classification"]
                + " data may use tiers ["
                + bad["tiers"].map(", ".join)
                + "]; "
                + bad["target"]
                + " is "
                + bad["tier"],
            )
        )
    pairs = pairs[tier_ok]
    res_ok = np.fromiter(
        (
            (not res) or bool(set(res) & js)
            for res, js in zip(pairs["residency"], pairs["jurisdictions"], strict=True)
        ),
        bool,
        len(pairs),
    )
    bad = pairs[~res_ok]
    if len(bad):
        rej.append(
            rejections(
                bad,
                "residency",
                bad["target"]
                + " is in "
                + bad["country"]
                + "; workload allows ["
                + bad["residency"].map(", ".join)
                + "]",
            )
        )
    pairs = pairs[res_ok]
    pairs = pairs.merge(
        rtt[["origin", "target", "rtt_ms", "rtt_basis", "rtt_path"]],
        on=["origin", "target"],
        how="left",
    )
    pairs["rtt_ms"] = pairs["rtt_ms"].fillna(0.0)
    pairs["rtt_basis"] = pairs["rtt_basis"].fillna("none")
    pairs["rtt_path"] = pairs["rtt_path"].fillna("")
    slow = pairs["rtt_ms"] > pairs["slo_ms"]
    bad = pairs[slow]
    if len(bad):
        rej.append(
            rejections(
                bad,
                "latency",
                "network RTT "
                + bad["rtt_ms"].map("{:.0f} ms".format)
                + " ("
                + bad["rtt_basis"]
                + np.where(bad["rtt_path"] != "", ", " + bad["rtt_path"], "")
                + ") from "
                + bad["origin"]
                + " > SLO "
                + bad["slo_ms"].map("{:.0f} ms".format),
            )
        )
    pairs = pairs[~slow]
    keep = [
        "unit",
        "target",
        "tier",
        "provider",
        "region",
        "site",
        "rtt_ms",
        "rtt_basis",
        "rtt_path",
    ]
    rej_frame = (
        pd.concat(rej, ignore_index=True) if rej else pd.DataFrame(columns=REJECTION_COLUMNS)
    )
    return pairs[keep].reset_index(drop=True), rej_frame
