"""Federated training in the option builder: shard and aggregator units, and the rule that
pins each shard to where its data lives (see :mod:`advisor.schema.federated_units`)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from advisor.catalog import Catalog
from advisor.options.costing import egress_usd
from advisor.options.rules import REJECTION_COLUMNS, rejections
from advisor.schema.federated_units import (
    central_workload,
    data_moves,
    federated_units,
    is_centralised,
    update_flows,
)
from advisor.schema.scenario import Scenario, Workload

NO_PIN = {"role": "", "pin_site": "", "pin_region": "", "also_residency": (), "moves": ()}
"""Unit columns of a unit that is not part of a federated job. ``also_residency`` holds
token sets the target must each meet; ``moves`` (where data lives, GB a month) data moved
to the unit (the centralised alternative)."""


def placement_workloads(scn: Scenario) -> Iterator[tuple[Workload, str, dict]]:
    """(workload as the unit sees it, unit name or '' for the default naming, pin columns)
    for every workload; a federated one yields its shards and its aggregator."""
    for w in scn.workloads:
        if w.federated is None:
            yield w, "", NO_PIN
            continue
        if is_centralised(w):
            sets = tuple(tuple(s.residency) for s in w.federated.shards if s.residency)
            yield (
                central_workload(w),
                "",
                {**NO_PIN, "role": "central", "also_residency": sets, "moves": data_moves(w)},
            )
            continue
        for fu in federated_units(w):
            s = fu.shard
            yield (
                fu.workload,
                fu.unit,
                {
                    "role": fu.role,
                    "pin_site": (s.site or "") if s else "",
                    "pin_region": (s.region or "") if s else "",
                    "also_residency": (tuple(s.residency),) if s and s.residency else (),
                    "moves": (),
                },
            )


def data_location(
    pairs: pd.DataFrame, units: pd.DataFrame, targets: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep a shard's (unit, target) pairs only where its data lives: its site, its region,
    or a target whose jurisdictions meet the shard's residency (on top of the workload's
    own residency and tier rules, checked before). Rejections carry rule ``data_location``."""
    shards = units.loc[
        units["role"].isin(["shard", "central"]),
        ["unit", "workload", "pin_site", "pin_region", "also_residency"],
    ]
    if not len(shards) or not len(pairs):
        return pairs, pd.DataFrame(columns=REJECTION_COLUMNS)
    pairs = pairs.reset_index(drop=True)
    pinned = (
        pairs.reset_index()
        .merge(shards, on="unit")
        .merge(targets[["target", "jurisdictions"]], on="target")
    )
    ok_pinned, bad = _pinned_ok(pinned)
    drop = pinned.loc[~ok_pinned, "index"].to_numpy()
    if not len(drop):
        return pairs, pd.DataFrame(columns=REJECTION_COLUMNS)
    return pairs.drop(index=drop).reset_index(drop=True), bad


def _pinned_ok(pairs: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    site, region = pairs["pin_site"].to_numpy(object), pairs["pin_region"].to_numpy(object)
    also = pairs["also_residency"].to_numpy(object)
    region_ok = (pairs["target"].to_numpy(object) == region) | (
        pairs["region"].to_numpy(object) == region
    )
    res_ok = np.fromiter(
        (
            all(set(r) & js for r in sets)
            for sets, js in zip(also, pairs["jurisdictions"], strict=True)
        ),
        bool,
        len(pairs),
    )
    ok = (
        np.where(site != "", pairs["site"].to_numpy(object) == site, True)
        & np.where(region != "", region_ok, True)
        & res_ok
    )
    bad = pairs[~ok]
    if not len(bad):
        return ok, pd.DataFrame(columns=REJECTION_COLUMNS)
    where = np.where(
        bad["pin_site"] != "",
        "site " + bad["pin_site"],
        np.where(
            bad["pin_region"] != "",
            "region " + bad["pin_region"],
            bad["also_residency"].map(lambda sets: " and ".join(f"[{', '.join(r)}]" for r in sets)),
        ),
    )
    detail = "the shard's data lives in " + pd.Series(where, index=bad.index) + "; "
    detail = detail + bad["target"] + " is elsewhere (raw data does not move)"
    return ok, rejections(bad, "data_location", detail)


def data_moves_usd(
    scn: Scenario, cat: Catalog, options: pd.DataFrame, units: pd.DataFrame, targets: pd.DataFrame
) -> np.ndarray:
    """USD a month to move shards' data to each option's target (centralised units only),
    by the one egress rule of :func:`advisor.options.costing.egress_usd`: each (home, GB)
    of the unit's ``moves`` is priced as input data arriving from that home."""
    out = np.zeros(len(options))
    moving = units.loc[units["moves"].map(len) > 0, ["unit", "moves"]]
    if not len(moving) or not len(options):
        return out
    for unit, moves in moving.itertuples(index=False):
        rows = np.flatnonzero(options["unit"].to_numpy() == unit)
        if not len(rows):
            continue
        for home, gb in moves:
            frame = pd.DataFrame(
                {
                    "target": options["target"].to_numpy()[rows],
                    "source": home,
                    "ingress_gb": gb,
                    "egress_gb": 0.0,
                }
            )
            out[rows] += egress_usd(scn, cat, frame, targets)
    return out


def update_flow_rows(scn: Scenario) -> list[tuple[str, str, str, float, str, float | None]]:
    """(name, sender unit, receiver unit, GB/month, sender team, max RTT ms) of every
    update flow of every federated workload."""
    out = []
    for w in scn.workloads:
        for name, f, a, b in update_flows(w):
            out.append((name, a, b, f.gb_per_month, w.team, f.max_rtt_ms))
    return out
