"""Escalation (cascades): the target's derived demand, inherited data rules and traffic.

A source S with ``escalation: {to: T, fraction: f}`` still serves all its requests; the share
f of them is also served by T. Written once here and used by the option builder, the
formulation, explain and the reports (the verifier keeps its own copy,
:mod:`advisor.plan.verify.escalation`).

Derived demand (sources first, so chains A -> B -> C add up)::

    rps(T)    = own rps(T) + sum over sources S of f_S x rps(S)
    tokens(T) = own tokens_per_request(T), else the request-weighted mean of the sources'
                tokens_per_request, rounded

Inherited data rules: the escalated requests carry their source's data. T may run only
where every source's data may go (transitively: C inherits B's and A's): the tiers that
source's classification policy allows, the cloud controls it requires, and the source's
residency (each source's residency on its own, so the target lands in their intersection).
A target that breaks one of them is rejected with the rule ``escalation``. Its privacy risk
is weighted by the most sensitive classification it receives (:func:`risk_classification`).

Traffic: two flows per edge, charged like any flow by where both ends land::

    requests/month = f x rps(S) x hours_per_month(S) x 3600        (at the peak rate)
    S -> T  requests/month x prompt_tokens(S)  x ESCALATION_BYTES_PER_TOKEN   (the prompt)
    T -> S  requests/month x tokens(T)         x ESCALATION_BYTES_PER_TOKEN   (the answer)

``escalation.gb_per_month`` replaces the estimate, split in the same prompt : answer ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from advisor.options.assumptions import ESCALATION_BYTES_PER_TOKEN
from advisor.options.rules import REJECTION_COLUMNS, lacking_controls, rejections
from advisor.schema.escalation import edges, source_order
from advisor.schema.scenario import Demand, Flow, Scenario, Workload
from advisor.schema.types import CLASSIFICATIONS

SECONDS_PER_HOUR = 3600.0
RULE = "escalation"


@dataclass(frozen=True)
class Inflow:
    """Requests one source escalates into a target."""

    source: str
    fraction: float
    requests_per_second: float
    tokens_per_request: int


@dataclass(frozen=True)
class DerivedDemand:
    """The demand of a workload that others escalate to: its own plus what they send."""

    workload: str
    own_requests_per_second: float
    own_tokens_per_request: int | None
    inflows: tuple[Inflow, ...]
    requests_per_second: float
    tokens_per_request: int


@dataclass(frozen=True)
class InheritedData:
    """Data rules an escalation target inherits from one (possibly indirect) source."""

    source: str
    path: tuple[str, ...]
    classification: str
    residency: tuple[str, ...]
    tiers: tuple[str, ...]
    cloud_requires: tuple[str, ...]

    def describe(self) -> str:
        res = f" with residency {', '.join(self.residency)}" if self.residency else ""
        return f"requests classified {self.classification}{res} (from {self.source})"


def derived_demands(scn: Scenario) -> dict[str, DerivedDemand]:
    """Derived demand of every workload some other workload escalates to."""
    by_id = {w.id: w for w in scn.workloads}
    inflows: dict[str, list[Inflow]] = {}
    out: dict[str, DerivedDemand] = {}
    for wid in source_order(scn):
        w = by_id[wid]
        own = w.demand.requests_per_second or 0.0
        ins = inflows.get(wid, [])
        rps = own + sum(i.requests_per_second for i in ins)
        tokens = w.demand.tokens_per_request
        if tokens is None and ins:
            weight = sum(i.requests_per_second for i in ins)
            tokens = max(
                1, round(sum(i.requests_per_second * i.tokens_per_request for i in ins) / weight)
            )
        if ins:
            out[wid] = DerivedDemand(
                wid, own, w.demand.tokens_per_request, tuple(ins), rps, tokens or 0
            )
        if w.escalation is not None and w.escalation.to in by_id:
            f = w.escalation.fraction
            inflows.setdefault(w.escalation.to, []).append(Inflow(wid, f, f * rps, tokens or 0))
    return out


def demand_of(w: Workload, derived: dict[str, DerivedDemand]) -> Demand:
    """The demand to size ``w`` for: its own, or derived when others escalate to it."""
    d = derived.get(w.id)
    if d is None:
        return w.demand
    return w.demand.model_copy(
        update={
            "requests_per_second": d.requests_per_second,
            "tokens_per_request": d.tokens_per_request,
        }
    )


def inherited_data(scn: Scenario) -> dict[str, tuple[InheritedData, ...]]:
    """Per escalation target, the data rules of every source upstream of it."""
    by_id = {w.id: w for w in scn.workloads}
    out: dict[str, list[InheritedData]] = {}
    for wid in source_order(scn):
        w = by_id[wid]
        if w.escalation is None or w.escalation.to not in by_id:
            continue
        pol = scn.policy(w.data.classification)
        own = InheritedData(
            wid,
            (wid, w.escalation.to),
            w.data.classification,
            tuple(w.data.residency),
            tuple(pol.allowed_tiers),
            tuple(pol.cloud_requires),
        )
        upstream = [
            InheritedData(
                i.source,
                (*i.path, w.escalation.to),
                i.classification,
                i.residency,
                i.tiers,
                i.cloud_requires,
            )
            for i in out.get(wid, [])
        ]
        out.setdefault(w.escalation.to, []).extend([own, *upstream])
    return {k: tuple(v) for k, v in out.items()}


def strictest(classifications: list[str]) -> str:
    """The most sensitive of some classifications (public < internal < ... < special_category)."""
    return max(classifications, key=CLASSIFICATIONS.index)


def risk_classification(options: pd.DataFrame, units: pd.DataFrame) -> pd.Series:
    """Per option, the classification its risk is weighted by: the unit's own, or for an
    escalation target the most sensitive of its own and every upstream source's."""
    inh = units[units["inherited"].map(bool)]
    if inh.empty:
        return options["classification"]
    strict = {
        u: strictest([c, *(r.classification for r in rs)])
        for u, c, rs in zip(inh["unit"], inh["classification"], inh["inherited"], strict=True)
    }
    return options["unit"].map(strict).fillna(options["classification"])


@dataclass(frozen=True)
class EscalationFlow:
    """One direction of an edge's traffic, with how its volume was found."""

    source: str
    target: str
    direction: str
    gb_per_month: float
    basis: str


def escalation_traffic(scn: Scenario) -> tuple[EscalationFlow, ...]:
    """Request (source -> target) and answer (target -> source) volumes of every edge."""
    by_id = {w.id: w for w in scn.workloads}
    derived = derived_demands(scn)
    out = []
    for e in edges(scn):
        if e.target not in by_id or e.target == e.source:
            continue
        src, tgt = by_id[e.source], by_id[e.target]
        src_rps = demand_of(src, derived).requests_per_second or 0.0
        requests = e.fraction * src_rps * src.demand.hours_per_month * SECONDS_PER_HOUR
        prompt = src.model.prompt_tokens if src.model else 0
        answer = demand_of(tgt, derived).tokens_per_request or 0
        req_gb = requests * prompt * ESCALATION_BYTES_PER_TOKEN / 1e9
        ans_gb = requests * answer * ESCALATION_BYTES_PER_TOKEN / 1e9
        basis = (
            f"estimate: {requests:,.0f} requests/month x ({prompt} prompt + {answer} answer "
            f"tokens) x {ESCALATION_BYTES_PER_TOKEN:g} bytes/token"
        )
        if e.gb_per_month is not None and req_gb + ans_gb > 0:
            scale = e.gb_per_month / (req_gb + ans_gb)
            req_gb, ans_gb = req_gb * scale, ans_gb * scale
            basis = f"given: {e.gb_per_month:g} GB/month, split prompt : answer {prompt}:{answer}"
        out.append(EscalationFlow(e.source, e.target, "request", req_gb, basis))
        out.append(EscalationFlow(e.target, e.source, "answer", ans_gb, basis))
    return tuple(out)


def all_flows(scn: Scenario) -> tuple[Flow, ...]:
    """The scenario's flows, then the escalation traffic (both directions of each edge)."""
    limit = {w.id: w.escalation.max_rtt_ms for w in scn.workloads if w.escalation is not None}
    extra = tuple(
        Flow.model_construct(
            from_workload=t.source,
            to_workload=t.target,
            gb_per_month=t.gb_per_month,
            # the round trip is checked once per edge, on the request (source -> target)
            max_rtt_ms=limit.get(t.source) if t.direction == "request" else None,
        )
        for t in escalation_traffic(scn)
        if t.gb_per_month > 0
    )
    return (*scn.flows, *extra)


def pair_rejections(
    pairs: pd.DataFrame, units: pd.DataFrame, targets: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop (unit, target) pairs where an inherited tier or residency rule fails."""
    with_rules = units.loc[units["inherited"].map(bool), "unit"]
    if with_rules.empty:
        return pairs, pd.DataFrame(columns=REJECTION_COLUMNS)
    u = units.set_index("unit")
    has = pairs["unit"].isin(set(with_rules)).to_numpy()
    t = targets.set_index("target")
    details = pd.Series("", index=pairs.index, dtype=object)
    for idx, unit, target, tier in pairs.loc[has, ["unit", "target", "tier"]].itertuples():
        details[idx] = _pair_detail(
            u.at[unit, "inherited"],
            target,
            tier,
            t.at[target, "country"],
            t.at[target, "jurisdictions"],
        )
    bad = pairs[details != ""].assign(workload=lambda f: f["unit"].map(u["workload"]))
    if not len(bad):
        return pairs, pd.DataFrame(columns=REJECTION_COLUMNS)
    return pairs[details == ""], rejections(bad, RULE, details[bad.index])


def _pair_detail(
    rules: tuple[InheritedData, ...], target: str, tier: str, country: str, jurisdictions
) -> str:
    for r in rules:
        if tier not in r.tiers:
            return (
                f"escalated {r.describe()}: {r.classification} data may use tiers "
                f"[{', '.join(r.tiers)}]; {target} is {tier}"
            )
        if r.residency and not set(r.residency) & set(jurisdictions):
            return (
                f"escalated {r.describe()}: must stay in [{', '.join(r.residency)}]; "
                f"{target} is in {country}"
            )
    return ""


def control_lacking(
    o: pd.DataFrame, units: pd.DataFrame, among: np.ndarray | None = None
) -> tuple[np.ndarray, pd.DataFrame]:
    """(cloud rows lacking a control an inherited classification requires in cloud, their
    rejections), among the rows ``among`` (bool per row; all by default)."""
    inherited = units.set_index("unit")["inherited"]
    required = inherited.map(lambda rs: tuple(sorted({c for r in rs for c in r.cloud_requires})))
    if not len(o) or not required.map(bool).any():
        return np.zeros(len(o), dtype=bool), pd.DataFrame(columns=REJECTION_COLUMNS)
    return lacking_controls(
        o,
        required,
        lambda bad: (
            "escalated "
            + bad["unit"].map(inherited).map(lambda rs: "; ".join(r.describe() for r in rs))
            + " need in cloud "
            + bad["unit"].map(required).map(", ".join)
        ),
        RULE,
        among,
    )
