"""Round trips between placement targets, for flows with a ``max_rtt_ms``.

The RTT of a flow is measured from the sender's target to the receiver's target by the same
latency model requests use (:func:`advisor.options.frames.rtt_matrix`): LAN within one
target, the measured inter-region value where the catalog has the pair, else the continuous
estimate (path-class curve by great-circle distance, or a detour over a measured pair).
"""

from __future__ import annotations

import pandas as pd

from advisor.catalog import Catalog
from advisor.options.frames import rtt_matrix
from advisor.schema.scenario import Scenario

RTT_COLUMNS = ["src", "dst", "rtt_ms", "rtt_basis"]


def endpoint_of(target: str) -> str:
    """The endpoint id the latency model knows a target by: a site's id, a region's code."""
    return target[5:] if target.startswith("site:") else target


def target_rtt(
    scn: Scenario, cat: Catalog, targets: pd.DataFrame, senders: list[str]
) -> pd.DataFrame:
    """RTT in ms from each sender target to every target: src, dst, rtt_ms, rtt_basis."""
    if not senders:
        return pd.DataFrame(columns=RTT_COLUMNS)
    origin_of = {endpoint_of(t): t for t in sorted(set(senders))}
    m = rtt_matrix(scn, cat, list(origin_of), targets)
    m["src"] = m["origin"].map(origin_of)
    return m.rename(columns={"target": "dst"})[RTT_COLUMNS].reset_index(drop=True)
