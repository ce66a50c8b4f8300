"""The escalation graph of a scenario (cascades between workloads) and its scenario checks.

A workload with ``escalation: {to: B, fraction: f}`` sends the share f of its requests to B as
well. The edges form a forest of chains (a workload escalates to at most one other; several
may escalate to the same one). This module knows the graph only; the derived demand,
inherited data rules and flows are in :mod:`advisor.options.escalation`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from advisor.schema.scenario import Scenario, Workload

Add = Callable[..., None]


@dataclass(frozen=True)
class Edge:
    """One escalation: ``fraction`` of ``source``'s requests are also served by ``target``."""

    source: str
    target: str
    fraction: float
    gb_per_month: float | None


def edges(scn: Scenario) -> tuple[Edge, ...]:
    """Every escalation edge, in workload order."""
    return tuple(
        Edge(w.id, w.escalation.to, w.escalation.fraction, w.escalation.gb_per_month)
        for w in scn.workloads
        if w.escalation is not None
    )


def targets(scn: Scenario) -> set[str]:
    """Ids of the workloads some other workload escalates to."""
    return {e.target for e in edges(scn)}


def cycle_from(scn: Scenario, start: str) -> tuple[str, ...]:
    """The escalation cycle reached from ``start`` (``a, b, a``), or ``()``."""
    nxt = {e.source: e.target for e in edges(scn)}
    path = [start]
    while path[-1] in nxt:
        path.append(nxt[path[-1]])
        if path[-1] in path[:-1]:
            return tuple(path[path.index(path[-1]) :])
    return ()


def source_order(scn: Scenario) -> tuple[str, ...]:
    """Workload ids with every escalation source before its target (raises on a cycle).

    A source has one more hop after it than its target, so sorting by hops (most first,
    workload order within) puts sources first."""
    nxt = {e.source: e.target for e in edges(scn)}
    for e in edges(scn):
        cycle = cycle_from(scn, e.source)
        if cycle:
            raise ValueError("escalation cycle: " + " -> ".join(cycle))
    return tuple(sorted((w.id for w in scn.workloads), key=lambda wid: -_depth(wid, nxt)))


def _depth(wid: str, nxt: dict[str, str]) -> int:
    """How many escalation hops follow ``wid`` (0 for a workload that escalates nowhere)."""
    n, cur = 0, wid
    while cur in nxt and n <= len(nxt):
        cur, n = nxt[cur], n + 1
    return n


def _serves_requests(w: Workload) -> bool:
    return (
        w.kind == "inference" and w.model is not None and w.demand.mode in ("tokens", "escalated")
    )


def check_escalations(scn: Scenario, add: Add, some: Callable[[set[str]], str]) -> None:
    """Report every escalation problem via ``add(loc, message, choices, expected, hint)``."""
    by_id = {w.id: w for w in scn.workloads}
    ids = set(by_id)
    into = targets(scn)
    reported_cycle: set[str] = set()
    for i, w in enumerate(scn.workloads):
        if w.demand.mode == "escalated" and w.id not in into:
            add(
                ("workloads", i, "demand"),
                "no demand given",
                expected="requests_per_second + tokens_per_request, images_per_second, "
                "gpu_hours_per_month or replicas",
                hint="only a workload that other workloads escalate to (escalation.to) may "
                "leave its demand out",
            )
        esc = w.escalation
        if esc is None:
            continue
        loc = ("workloads", i, "escalation", "to")
        if esc.to not in ids:
            add(loc, f"unknown workload '{esc.to}'", ids, "a workload id: " + some(ids))
            continue
        if esc.to == w.id:
            add(loc, "a workload cannot escalate to itself", expected="another workload's id")
            continue
        if not _serves_requests(w):
            add(
                ("workloads", i, "escalation"),
                f"'{w.id}' does not serve LLM requests, so it has none to escalate",
                expected="an inference workload with a model and demand.requests_per_second "
                "+ tokens_per_request",
            )
        target = by_id[esc.to]
        if not _serves_requests(target):
            add(
                loc,
                f"'{esc.to}' does not serve LLM requests",
                expected="an inference workload with a model whose demand is requests "
                "(requests_per_second + tokens_per_request, or left out to be derived)",
            )
        for who in (w, target):
            if getattr(who, "split", False):
                add(
                    loc,
                    f"escalation to or from a split workload is not supported ('{who.id}' has "
                    "split: true)",
                    expected="workloads placed whole at both ends",
                )
                break
            if who.ha is not None:
                add(
                    loc,
                    f"escalation to or from an ha workload is not supported ('{who.id}' has "
                    "ha groups)",
                    expected="workloads without ha groups at both ends",
                )
                break
        cycle = cycle_from(scn, w.id)
        if cycle and w.id in cycle and not reported_cycle & set(cycle):
            reported_cycle |= set(cycle)
            add(
                loc,
                "escalation cycle: " + " -> ".join(cycle),
                expected="a chain that ends at a workload that escalates nowhere",
                hint=f"remove one escalation of the cycle, e.g. this one on '{w.id}'",
            )


def with_escalation(
    scn: Scenario, source: str, fraction: float, *, validate: bool = True
) -> Scenario:
    """A new scenario in which ``source`` escalates ``fraction`` of its requests (its
    escalation must exist; 0 < fraction <= 1)."""
    from advisor.schema import edits

    known = [w.id for w in scn.workloads]
    edits._ids("workload", source, known)
    if not (isinstance(fraction, int | float) and 0 < fraction <= 1):
        raise edits._fail(
            f"workloads[{source}].escalation.fraction",
            f"fraction must be in (0, 1], got {fraction!r}",
            expected="a share of the requests, e.g. 0.15",
        )
    with_esc = [w.id for w in scn.workloads if w.escalation is not None]
    out = []
    for w in scn.workloads:
        if w.id == source:
            if w.escalation is None:
                raise edits._fail(
                    f"workloads[{source}].escalation",
                    f"'{source}' does not escalate",
                    expected="a workload with an escalation: " + (", ".join(with_esc) or "none"),
                    hint=edits.did_you_mean(source, with_esc),
                )
            w = w.model_copy(
                update={"escalation": w.escalation.model_copy(update={"fraction": float(fraction)})}
            )
        out.append(w)
    return edits._done(
        scn, {"workloads": tuple(out)}, validate, f"escalation {source} {fraction:g}"
    )
