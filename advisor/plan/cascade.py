"""Escalation (cascade) results: the edges of a plan, their explanation and named conflicts.

One tidy frame, :func:`cascade_frame`, feeds ``explain``, the HTML report and plan.json; the
numbers come from :mod:`advisor.options.escalation` and the plan's flow costs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from advisor.options import OptionSet
from advisor.options.burst import flow_parts
from advisor.options.escalation import (
    derived_demands,
    escalation_traffic,
    inherited_data,
)
from advisor.schema.escalation import edges
from advisor.schema.scenario import Scenario

if TYPE_CHECKING:
    from advisor.plan.result import Plan

CASCADE_COLUMNS = [
    "source",
    "target",
    "fraction",
    "escalated_rps",
    "target_rps",
    "target_own_rps",
    "target_tokens_per_request",
    "inherited_classification",
    "inherited_residency",
    "source_at",
    "target_at",
    "request_gb_per_month",
    "answer_gb_per_month",
    "flow_usd_per_month",
    "traffic_basis",
]


def traffic_flow_names(scn: Scenario) -> dict[tuple[str, str], str]:
    """(from, to) of each escalation flow -> its name in ``plan.flows_usd``."""
    moving = [t for t in escalation_traffic(scn) if t.gb_per_month > 0]
    # escalation ends are never split, so each traffic flow is the last parts, one each
    names = [p.name for p in flow_parts(scn)][len(flow_parts(scn)) - len(moving) :]
    return {(t.source, t.target): n for t, n in zip(moving, names, strict=True)}


def cascade_frame(
    scn: Scenario, assignments: pd.DataFrame, flows_usd: dict[str, float]
) -> pd.DataFrame:
    """One row per escalation edge: fraction, derived demand, inherited data rules, where
    both ends landed, the traffic and what it costs (USD per month)."""
    derived = derived_demands(scn)
    inherited = inherited_data(scn)
    traffic = {(t.source, t.target): t for t in escalation_traffic(scn)}
    names = traffic_flow_names(scn)
    at = (
        dict(zip(assignments["workload"], assignments["target"], strict=False))
        if len(assignments)
        else {}
    )
    rows = []
    for e in edges(scn):
        d = derived.get(e.target)
        if d is None:
            continue
        inflow = next(i for i in d.inflows if i.source == e.source)
        rules = [r for r in inherited.get(e.target, ()) if r.path[-2] == e.source]
        req, ans = traffic.get((e.source, e.target)), traffic.get((e.target, e.source))
        usd = sum(
            flows_usd.get(names.get(k, ""), 0.0)
            for k in ((e.source, e.target), (e.target, e.source))
        )
        rows.append(
            {
                "source": e.source,
                "target": e.target,
                "fraction": e.fraction,
                "escalated_rps": inflow.requests_per_second,
                "target_rps": d.requests_per_second,
                "target_own_rps": d.own_requests_per_second,
                "target_tokens_per_request": d.tokens_per_request,
                "inherited_classification": ", ".join(
                    dict.fromkeys(r.classification for r in rules)
                ),
                "inherited_residency": "; ".join(
                    f"{', '.join(r.residency)} (from {r.source})" for r in rules if r.residency
                ),
                "source_at": at.get(e.source, ""),
                "target_at": at.get(e.target, ""),
                "request_gb_per_month": req.gb_per_month if req else 0.0,
                "answer_gb_per_month": ans.gb_per_month if ans else 0.0,
                "flow_usd_per_month": usd,
                "traffic_basis": req.basis if req else "",
            }
        )
    out = pd.DataFrame(rows, columns=CASCADE_COLUMNS)
    out.attrs["unit"] = "requests per second, GB per month, USD per month"
    return out


def plan_cascades(plan: Plan) -> pd.DataFrame:
    """:func:`cascade_frame` of a solved plan."""
    return cascade_frame(plan.scenario, plan.assignments, plan.flows_usd)


def explain_lines(frame: pd.DataFrame, workload: str) -> list[str]:
    """The cascade lines of ``explain`` for one workload (as source or target)."""
    lines = []
    for c in frame.itertuples(index=False):
        if workload not in (c.source, c.target):
            continue
        data = f"{c.inherited_classification} data" + (
            f" with residency {c.inherited_residency}" if c.inherited_residency else ""
        )
        lines.append(
            f"escalation {c.source} -> {c.target}: {c.fraction:.0%} of {c.source}'s requests "
            f"({c.escalated_rps:,.3g} req/s) are also served by {c.target}, which serves "
            f"{c.target_rps:,.3g} req/s in all ({c.target_own_rps:,.3g} of its own), "
            f"{c.target_tokens_per_request} tokens each; the escalated requests carry {data}, "
            f"so {c.target} runs only where that may go. Traffic "
            f"{c.request_gb_per_month:,.1f} GB/month there and {c.answer_gb_per_month:,.1f} "
            f"back ({c.traffic_basis}), ${c.flow_usd_per_month:,.2f}/month between "
            f"{c.source_at or '?'} and {c.target_at or '?'}."
        )
    return lines


def named_conflict(opts: OptionSet, unit: str) -> str:
    """For an escalation target left without options by inherited rules: the edge and data
    that cannot go anywhere it may run, or ``""``."""
    rej = opts.rejections
    mine = rej[(rej["unit"] == unit) & (rej["rule"] == "escalation")]
    row = opts.units[opts.units["unit"] == unit]
    if mine.empty or row.empty:
        return ""
    rules = row.iloc[0]["inherited"]
    workload = row.iloc[0]["workload"]
    text = " ".join(mine["detail"])
    blamed = [r for r in rules if f"(from {r.source})" in text]
    parts = []
    for r in blamed or rules:
        res = f" with residency {', '.join(r.residency)}" if r.residency else ""
        parts.append(
            f"escalation {' -> '.join(r.path)}: requests classified {r.classification}{res} "
            f"cannot go to any target where {workload} may run"
        )
    passed = list(dict.fromkeys(mine["target"]))
    examples = "; ".join(mine.drop_duplicates("detail")["detail"].head(2))
    return (
        " and ".join(parts)
        + f" ({len(passed)} target(s) pass {workload}'s own rules, e.g. "
        + ", ".join(p.removeprefix("site:") for p in passed[:4])
        + f"; each breaks an inherited rule: {examples})"
    )
