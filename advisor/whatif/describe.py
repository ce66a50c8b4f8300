"""Plain-words descriptions of the plans a sweep or a Monte Carlo run finds.

A "plan" here is a placement (each unit's target, hardware, precision and pricing) plus the
purchases it implies; two solves give the same plan when both agree (:func:`signature`). The
descriptions say where the workloads go, what is bought, and what differs from a reference
plan (the unedited scenario's), so "plan 2" means something to a reader.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from advisor.report.fmt import money, qty

KEYS = ["unit", "target", "hardware", "precision", "pricing"]
"""The columns that identify a unit's placement."""
LISTED = 6
"""Targets and moves listed one by one at most."""


def signature(placement: pd.DataFrame, purchases: pd.DataFrame) -> tuple:
    """A hashable identity of a plan: its placements and purchases, order-free."""
    p = tuple(map(tuple, placement[KEYS].sort_values(KEYS).to_numpy().tolist()))
    b = (
        tuple(
            map(
                tuple,
                purchases[["site", "sku", "count"]]
                .sort_values(["site", "sku"])
                .to_numpy()
                .tolist(),
            )
        )
        if len(purchases)
        else ()
    )
    return p, b


def targets_of(placement: pd.DataFrame) -> dict[str, str]:
    """Workload -> target(s) it runs on (HA groups joined with ``+``)."""
    return placement.groupby("workload")["target"].agg(lambda t: "+".join(sorted(set(t)))).to_dict()


def tier_text(placement: pd.DataFrame) -> str:
    """``4 local · 0 edge · 1 cloud`` (workloads, by the tier of their first unit)."""
    tiers = placement.drop_duplicates("workload")["tier"].value_counts()
    return " · ".join(f"{int(tiers.get(t, 0))} {t}" for t in ("local", "edge", "cloud"))


def where_text(placement: pd.DataFrame) -> list[str]:
    """One line per target: which workloads run there, on what (largest first)."""
    g = (
        placement.groupby(["target"], as_index=False)
        .agg(
            workloads=("workload", lambda w: sorted(set(w))),
            hardware=("hardware", lambda h: ", ".join(sorted(set(h)))),
            pricing=("pricing", lambda p: ", ".join(sorted(set(p)))),
            usd=("total_usd", "sum"),
        )
        .sort_values(["usd", "target"], ascending=[False, True])
    )
    out = []
    for r in g.head(LISTED).to_dict(orient="records"):
        names = r["workloads"]
        who = ", ".join(names) if len(names) <= 4 else f"{len(names)} workloads"
        out.append(
            f"{r['target'].removeprefix('site:')}: {who} on {r['hardware']} ({r['pricing']})"
        )
    if len(g) > LISTED:
        out.append(f"and {len(g) - LISTED} more target(s)")
    return out


def purchases_text(purchases: pd.DataFrame) -> str:
    if not len(purchases):
        return "buys nothing"
    parts = [
        f"{qty(r['count'])} × {r['sku']} at {r['site']}"
        for r in purchases.sort_values(["site", "sku"]).to_dict(orient="records")
    ]
    capex = float(purchases["capex_usd"].sum()) if "capex_usd" in purchases else float("nan")
    shown = ", ".join(parts[:LISTED]) + (
        f" and {len(parts) - LISTED} more" if len(parts) > LISTED else ""
    )
    return f"buys {shown} ({money(capex)} capex)"


def _how(placement: pd.DataFrame) -> dict[str, str]:
    """Workload -> ``hardware precision pricing`` of its units (joined when HA groups differ)."""
    text = placement["hardware"] + " " + placement["precision"] + " " + placement["pricing"]
    return text.groupby(placement["workload"]).agg(lambda t: " + ".join(sorted(set(t)))).to_dict()


def moves_text(placement: pd.DataFrame, reference: pd.DataFrame | None) -> list[str]:
    """What differs from ``reference`` per workload: ``w: a → b (how)`` for a move, or
    ``w: at t, how_a → how_b`` for a change of hardware, precision or pricing in place."""
    if reference is None or reference.empty:
        return []
    ref, now = targets_of(reference), targets_of(placement)
    ref_how, now_how = _how(reference), _how(placement)
    out = []
    for w in sorted(now):
        if ref.get(w) != now[w]:
            out.append(f"{w}: {ref.get(w, '—')} → {now[w]} ({now_how[w]})")
        elif ref_how.get(w) != now_how[w]:
            out.append(f"{w}: at {now[w]}, {ref_how.get(w, '—')} → {now_how[w]}")
    return out


def describe(
    placement: pd.DataFrame, purchases: pd.DataFrame, reference: pd.DataFrame | None
) -> dict[str, Any]:
    """Everything a reader needs to tell one plan from another."""
    moves = moves_text(placement, reference)
    shown = moves[:LISTED] + (
        [f"and {len(moves) - LISTED} more workload(s)"] if len(moves) > LISTED else []
    )
    return {
        "tiers": tier_text(placement),
        "where": where_text(placement),
        "purchases": purchases_text(purchases),
        "moves": shown,
        "same_as_reference": reference is not None and not moves,
        "workloads_changed": len(moves),
    }
