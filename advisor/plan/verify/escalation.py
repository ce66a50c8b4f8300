"""Escalation checks, recomputed from the scenario alone (no option builder, no solver).

Read from the documented rules (README "Escalation", the docstring of
``advisor.options.escalation``), written again here on purpose:

* a target's demand is its own requests plus, per source, fraction x the source's requests
  (the source's own plus whatever is escalated to it); its tokens per request are its own, or
  the request-weighted mean of its sources'. Rows are sized against that demand.
* a target's row must satisfy, for every workload upstream of it, that workload's
  classification policy (tiers; cloud controls) and residency: check ``escalation``.
* each edge moves requests x prompt tokens x bytes/token to the target and requests x answer
  tokens x bytes/token back (or ``gb_per_month`` split in that ratio); both are flows.
"""

from __future__ import annotations

from advisor.options.assumptions import ESCALATION_BYTES_PER_TOKEN
from advisor.plan.verify.base import VerifierBase
from advisor.plan.verify.facts import Row
from advisor.schema.scenario import Flow, Scenario, Workload


def _incoming(scn: Scenario) -> dict[str, list[Workload]]:
    out: dict[str, list[Workload]] = {}
    for w in scn.workloads:
        if w.escalation is not None:
            out.setdefault(w.escalation.to, []).append(w)
    return out


def request_rates(scn: Scenario) -> dict[str, tuple[float, int]]:
    """Workload id -> (requests per second served, tokens per request), cascades included."""
    incoming = _incoming(scn)
    memo: dict[str, tuple[float, int]] = {}

    def rate(w: Workload, depth: int = 0) -> tuple[float, int]:
        if w.id in memo:
            return memo[w.id]
        if depth > len(scn.workloads):
            raise ValueError(f"escalation cycle through '{w.id}'")
        ins = [
            (e.fraction, *rate(s, depth + 1))
            for s in incoming.get(w.id, [])
            if (e := s.escalation) is not None  # always: ``_incoming`` lists escalating sources
        ]
        escalated = sum(f * rps for f, rps, _ in ins)
        rps = (w.demand.requests_per_second or 0.0) + escalated
        tokens = w.demand.tokens_per_request
        if tokens is None:
            tokens = (
                max(1, round(sum(f * r * t for f, r, t in ins) / escalated)) if escalated else 0
            )
        memo[w.id] = (rps, tokens)
        return memo[w.id]

    return {w.id: rate(w) for w in scn.workloads}


def sized_workloads(scn: Scenario) -> dict[str, Workload]:
    """Every workload, an escalation target carrying its whole (derived) request demand."""
    rates = request_rates(scn)
    targets = set(_incoming(scn))
    out = {}
    for w in scn.workloads:
        if w.id in targets:
            rps, tokens = rates[w.id]
            d = w.demand.model_copy(
                update={"requests_per_second": rps, "tokens_per_request": tokens}
            )
            w = w.model_copy(update={"demand": d})
        out[w.id] = w
    return out


def escalation_flows(scn: Scenario) -> list[Flow]:
    """Prompt (source -> target) and answer (target -> source) flows of every edge."""
    rates = request_rates(scn)
    by_id = {w.id: w for w in scn.workloads}
    out = []
    for w in scn.workloads:
        e = w.escalation
        if e is None or e.to not in by_id:
            continue
        requests = e.fraction * rates[w.id][0] * w.demand.hours_per_month * 3600.0
        prompt_tokens = w.model.prompt_tokens if w.model else 0
        answer_tokens = rates[e.to][1]
        there = requests * prompt_tokens * ESCALATION_BYTES_PER_TOKEN / 1e9
        back = requests * answer_tokens * ESCALATION_BYTES_PER_TOKEN / 1e9
        if e.gb_per_month is not None and there + back > 0:
            there, back = (
                e.gb_per_month * there / (there + back),
                e.gb_per_month * back / (there + back),
            )
        for a, b, gb, rtt in ((w.id, e.to, there, e.max_rtt_ms), (e.to, w.id, back, None)):
            if gb > 0:
                out.append(
                    Flow.model_construct(
                        from_workload=a, to_workload=b, gb_per_month=gb, max_rtt_ms=rtt
                    )
                )
    return out


def upstream_map(scn: Scenario) -> dict[str, list[Workload]]:
    """Escalation target -> every workload whose requests reach it (directly or via others)."""
    incoming = _incoming(scn)
    out: dict[str, list[Workload]] = {}
    for target in incoming:
        seen: list[Workload] = []
        todo = list(incoming[target])
        while todo:
            w = todo.pop(0)
            if any(w.id == s.id for s in seen):
                continue
            seen.append(w)
            todo += incoming.get(w.id, [])
        out[target] = seen
    return out


def risk_classes(scn: Scenario) -> dict[str, str]:
    """Escalation target -> the most sensitive classification it processes (its own or an
    upstream source's), which its privacy risk is weighted by."""
    order = ("public", "internal", "confidential", "pii", "phi", "special_category")
    by_id = {w.id: w for w in scn.workloads}
    return {
        t: max(
            [by_id[t].data.classification, *(s.data.classification for s in srcs)], key=order.index
        )
        for t, srcs in upstream_map(scn).items()
        if t in by_id
    }


class EscalationChecks(VerifierBase):
    """Inherited data rules of escalation targets."""

    def escalation(self, rows: list[Row]) -> None:
        ups = upstream_map(self.scn)
        for r in rows:
            unit, code = r.text("unit"), r.text("target")
            t = self.target(code)
            w = self.f.workloads.get(unit.partition("#")[0])
            if t is None or w is None or w.id not in ups:
                continue
            for src in ups[w.id]:
                pol = self.scn.policy(src.data.classification)
                label = f"{unit} (escalated from {src.id}, {src.data.classification})"
                self.check(
                    t.tier in pol.allowed_tiers,
                    "escalation",
                    label,
                    f"{src.data.classification} data may use {list(pol.allowed_tiers)}; "
                    f"{code} is {t.tier}",
                )
                res = set(src.data.residency)
                self.check(
                    not res or bool(res & t.tokens),
                    "escalation",
                    label,
                    f"{code} is in {sorted(t.tokens)}; {src.id}'s data must stay in {sorted(res)}",
                )
                if t.tier == "cloud":
                    it = self.f.itypes.get((t.provider, r.text("hardware")))
                    if it is None:
                        continue
                    missing = [
                        c
                        for c in pol.cloud_requires
                        if not self.f.control(t.provider, t.region, it["family"], c)
                    ]
                    self.check(
                        not missing,
                        "escalation",
                        label,
                        f"{r.text('hardware')} in {code} lacks {', '.join(missing)}",
                    )
