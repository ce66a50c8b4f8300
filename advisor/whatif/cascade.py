"""Does a cascade pay off? The no-cascade alternative an ``escalation:<id>`` sweep compares with.

Without the cascade, the target serves *all* the source's requests directly and the source
is removed. The alternative scenario (:func:`no_cascade`) is built so the comparison is
like for like:

* the target's own demand grows by the source's whole request rate (its own plus what is
  escalated to it), at the target's tokens per request (derived as in the cascade);
* it keeps its own latency SLO and LLM targets (as in the cascade, where the escalated
  requests are served at the target's targets; a latency check of the escalated path is a
  separate rule), and takes the source's ``requests_from`` and data source if it has none;
* it processes the source's data: the stricter classification, and the source's residency
  (where both have one, the jurisdictions they share; the source's if they share none);
  the source's data volumes are added to its own;
* flows and placement rules that named the source name the target; a team budget whose team
  no longer has a workload is dropped; other escalations into the target are unchanged.

A source that other workloads escalate to (a chain) has no such alternative: whose data
rules would the merged workload carry? :func:`no_cascade` refuses it, and the sweep says so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from advisor.options.escalation import demand_of, derived_demands, strictest
from advisor.schema.escalation import targets as escalation_targets
from advisor.schema.load import revalidate
from advisor.schema.scenario import Scenario


class NoAlternative(ValueError):
    """The no-cascade alternative does not exist for this source."""


def no_cascade(scn: Scenario, source: str) -> Scenario:
    """The scenario in which ``source``'s escalation target serves all its requests directly."""
    by_id = {w.id: w for w in scn.workloads}
    src = by_id.get(source)
    if src is None or src.escalation is None:
        raise NoAlternative(f"'{source}' does not escalate")
    if source in escalation_targets(scn):
        raise NoAlternative(f"other workloads escalate to '{source}' (a chain)")
    tgt = by_id[src.escalation.to]
    derived = derived_demands(scn)
    src_rps = demand_of(src, derived).requests_per_second or 0.0
    tokens = demand_of(tgt, derived).tokens_per_request or src.demand.tokens_per_request
    demand = tgt.demand.model_copy(
        update={
            "requests_per_second": (tgt.demand.requests_per_second or 0.0) + src_rps,
            "tokens_per_request": tokens,
        }
    )
    has_origin = tgt.requests_from or tgt.data.source
    upd: dict[str, Any] = {"demand": demand}
    if not has_origin:
        upd["requests_from"] = src.requests_from
    shared = tuple(r for r in tgt.data.residency if r in src.data.residency)
    data = tgt.data.model_copy(
        update={
            "classification": strictest([tgt.data.classification, src.data.classification]),
            "residency": (shared or src.data.residency)
            if src.data.residency
            else tgt.data.residency,
            "source": tgt.data.source or src.data.source,
            "ingress_gb_per_month": tgt.data.ingress_gb_per_month + src.data.ingress_gb_per_month,
            "egress_gb_per_month": tgt.data.egress_gb_per_month + src.data.egress_gb_per_month,
        }
    )
    upd["data"] = data
    merged = tgt.model_copy(update=upd)
    workloads = tuple(merged if w.id == tgt.id else w for w in scn.workloads if w.id != source)
    rename = {source: tgt.id}
    flows = tuple(
        f.model_copy(
            update={
                "from_workload": rename.get(f.from_workload, f.from_workload),
                "to_workload": rename.get(f.to_workload, f.to_workload),
            }
        )
        for f in scn.flows
    )
    flows = tuple(f for f in flows if f.from_workload != f.to_workload)
    rules = []
    for r in scn.placement_rules:
        ids = tuple(dict.fromkeys(rename.get(w, w) for w in r.workloads))
        if len(ids) >= 2:
            rules.append(r.model_copy(update={"workloads": ids}))
    teams = {w.team for w in workloads}
    budgets = tuple(b for b in scn.budgets if b.scope == "all" or b.scope[5:] in teams)
    update: dict[str, Any] = {
        "workloads": workloads,
        "flows": flows,
        "placement_rules": tuple(rules),
        "budgets": budgets,
        "name": f"{scn.name} (no cascade: {tgt.id} serves all of {source}'s requests)"[:200],
    }
    if scn.uncertainty is not None:
        demand_unc = tuple(
            d.model_copy(update={"workloads": tuple(w for w in d.workloads if w != source)})
            for d in scn.uncertainty.demand
            if not (d.workloads and set(d.workloads) == {source})
        )
        update["uncertainty"] = scn.uncertainty.model_copy(update={"demand": demand_unc})
    draft = scn.model_construct(**{**dict(scn), **update})
    draft._base_dir = scn._base_dir
    return revalidate(draft)


def label(scn: Scenario, source: str) -> str:
    """How the reference is described in the sweep table and report."""
    tgt = next(w.escalation.to for w in scn.workloads if w.id == source and w.escalation)
    return (
        f"no cascade: {tgt} serves all of {source}'s requests directly at its own latency "
        f"targets, {source} removed"
    )


def compare_frame(frame: pd.DataFrame, no_cascade_usd: float) -> pd.DataFrame:
    """The sweep frame with ``no_cascade_usd`` and ``cascade_saving_usd`` (no cascade minus
    the cascade's monthly total; negative where the cascade costs more)."""
    out = frame.copy()
    out["no_cascade_usd"] = no_cascade_usd
    out["cascade_saving_usd"] = no_cascade_usd - out["monthly_total_usd"]
    return out


def narrative(frame: pd.DataFrame, reference_label: str, message: str = "") -> list[str]:
    """Where the cascade stops paying off, in words."""
    if "no_cascade_usd" not in frame or frame["no_cascade_usd"].isna().all():
        why = message or "no plan"
        if "not computed" in why:
            return [why[:1].upper() + why[1:] + "."]
        return [f"No-cascade alternative has no plan: {why}."]
    ref = float(frame["no_cascade_usd"].iloc[0])
    ok = frame.dropna(subset=["monthly_total_usd"]).sort_values("value")
    head = f"Compared with the {reference_label} (${ref:,.0f}/month): "
    if ok.empty:
        return [head + "no swept value has a plan."]
    saving = ok["cascade_saving_usd"]
    worse = saving < -0.5
    if not worse.any():
        if (saving > 0.5).any():
            best = ok.loc[saving.idxmax()]
            return [
                head + f"the cascade never costs more over the swept values (up to "
                f"{ok['value'].max():g}); it saves up to ${best['cascade_saving_usd']:,.0f}/month "
                f"(at {best['value']:g})."
            ]
        return [head + "the cascade costs the same at every swept value."]
    if worse.all():
        return [head + f"the cascade costs more at every swept value, from {ok['value'].min():g}."]
    first_bad = ok[worse].iloc[0]
    before = ok[(ok["value"] < first_bad["value"]) & ~worse]
    where = (
        f"between {before['value'].iloc[-1]:g} and {first_bad['value']:g}"
        if len(before)
        else f"at {first_bad['value']:g}"
    )
    return [
        head + f"the cascade stops paying off {where}: at {first_bad['value']:g} it costs "
        f"${-first_bad['cascade_saving_usd']:,.0f}/month more than serving everything on the "
        "target directly."
    ]
