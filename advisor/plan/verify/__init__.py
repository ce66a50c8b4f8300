"""An independent verifier: recompute every constraint and every cost of a plan, no solver.

It reads only ``plan.scenario``, ``plan.assignments``, ``plan.purchases``, ``plan.flows_usd``,
``plan.objective``, ``plan.kpis`` and catalog tables, and re-derives everything with plain
scalar Python from the *documented* formulas (:mod:`advisor.options.assumptions`, the
docstrings of ``advisor.options.costing`` and ``advisor.milp.constraints``). It shares no
code with the option builder, the formulation or the solver, so a bug there cannot hide here.

The decisions are taken from each assignment row: ``unit``, ``target``, ``hardware``,
``precision``, ``pricing``, ``gpus_per_replica``, ``replicas`` and ``billed_boxes``; and the
purchases. Everything else is recomputed and compared within ``rel_tol``.

Checks (``Violation.check``):

==============  =============================================================================
assignment      every workload, and every HA group ``id#k``, assigned exactly once; a
                split workload's parts ``id~k`` (``id~k#g``) instead of the workload
burst           a split workload's steps all placed, covering the whole peak (fractions
                sum to 1, hours not increasing); each part is sized for fraction_k of the
                peak and costed for hours_k, carries its volume share fraction_k x hours_k /
                sum of the data volumes and flows, and obeys every per-row rule on its own;
                an unsplit profile autoscales in the cloud (see ``verify/burst.py``)
row             row facts agree with the scenario and catalog (workload, team, tier, ...)
scope           provider, region (partition, allow/deny lists) and pricing model in scope
tier            tier allowed by the classification policy and the workload's allowed_tiers
residency       target jurisdiction tokens intersect the workload's residency (empty = any)
controls        cloud controls the policy requires, most specific controls.csv row wins
pricing         spot only if interruptible; reserved term <= horizon; sites are ``owned``
hardware        SKU owned or buyable at the site; accelerator type / memory; CPU vs GPU box
memory          gpus x memory x USABLE_MEMORY >= need (LLM: weights + one sequence's KV
                cache, by the serving model); gpus <= accelerators per box
throughput      replicas x per-replica throughput >= demand (serving model, compute rate or
                measured); LLM replicas meet their TTFT/TPOT targets
units, boxes    capacity units as claimed; cloud billed instances enough for the replicas
latency         RTT (LAN / measured / continuous estimate: path-class curve or a detour
                over a measured pair) + compute time <= SLO
cost            compute, egress, power, ops and opex of each row; a site row's power is its
                busy increment (typical - idle kW) for its hours plus its share of the box's
                idle draw all month, its ops its share of the box's ops
risk, carbon    per-row privacy risk and carbon, then the plan caps
capacity        per (site, SKU): units used <= box units x (inventory + bought); a replica
                uses the box share it blocks: B / floor(B / k) of a B-unit box (CPU: B / p,
                p replicas per box by vCPUs and memory), since replicas never span boxes
packing         whole replicas fit in whole boxes (flagged only when provably impossible)
power, space    installed kW and rack units (inventory + purchases) <= the site caps
purchase        only ``can_buy`` SKUs, whole counts <= max_buy_per_sku, row values right
budget          opex per month (team: its rows + flows; all: + idle capacity, i.e. every
                installed box's idle power and ops), up-front capex, and team capex
ha, colocate,   replica groups on distinct targets; co-located workloads on one target;
anti_affinity   anti-affine workloads on distinct targets
flow            each flow's monthly cost from where both ends landed, vs ``flows_usd``
                (keyed ``from->to``; a repeated pair's later flows ``from->to#2``, ...);
                escalation traffic (prompt and answer) counts as flows after the scenario's
flow_rtt        a flow's ``max_rtt_ms``: RTT from the sender's target to the receiver's
data_location   a federated shard ``w/<shard>`` at its site, its region, or in its residency;
                its update flows (``w/<s>->w/aggregator`` and back) priced like flows
                (``verify/federated.py``, which also derives the shard and aggregator units)
escalation     a cascade target sized for its derived demand, placed where every
                upstream source's tiers, cloud controls and residency allow, its risk
                weighted by the most sensitive classification it receives
                (:mod:`advisor.plan.verify.escalation`)
kpi, objective  monthly opex, amortised capex, TCO and the objective value; a box priced P
                with useful life L is bought ceil(h / L) times over a horizon of h months
                and left with residual value P (n L - h) / L, so it costs P / L a month
                and P h / L net; horizon TCO = h x monthly total
==============  =============================================================================

Where the documentation leaves room, the verifier reads it as follows (and says so here):
an HA workload with N groups sizes each group for demand / (N - 1), data volumes included;
RTT is the LAN value whenever the origin *is* the target (a site or a cloud region); a
bare region name (``eu-west-1``) is the same place as ``aws:eu-west-1``; flows use each
provider's first *paid* tier; a team's capex is feasible when the bought boxes can be paid
for by the teams using them, each at most pro rata to its own units (max-flow, below); a
replica never spans boxes (tensor parallelism stays within one box).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.plan.verify.burst import BurstChecks
from advisor.plan.verify.coupling import CouplingChecks
from advisor.plan.verify.escalation import EscalationChecks, risk_classes, sized_workloads
from advisor.plan.verify.facts import Facts, Row
from advisor.plan.verify.federated import FederatedChecks
from advisor.plan.verify.rows import RowChecks
from advisor.plan.verify.totals import TotalsChecks
from advisor.plan.verify.verdict import PlanVerificationError, Verification, Violation

if TYPE_CHECKING:
    from advisor.catalog import Catalog
    from advisor.plan.result import Plan


class Verifier(
    RowChecks, CouplingChecks, FederatedChecks, TotalsChecks, BurstChecks, EscalationChecks
):
    """Every check family; :func:`verify_plan` runs them in order."""


def verify_plan(plan: Plan, catalog: Catalog | None = None, rel_tol: float = 1e-6) -> Verification:
    """Recompute every constraint, cost and KPI of ``plan``; never raises on a bad plan.

    ``catalog`` is the *base* catalog (as loaded); the scenario's discounts and overrides are
    applied here. Without it the plan's effective catalog (``plan.options.catalog``) is used.
    """
    scn = plan.scenario
    cat = (
        plan.options.catalog
        if catalog is None
        else catalog.with_overrides(scn.overrides, scn.clouds)
    )
    facts = Facts(scn, cat)
    facts.workloads = sized_workloads(scn)  # escalation targets sized for their derived demand
    v = Verifier(scn, facts, rel_tol)
    v.risk_class = risk_classes(scn)
    rows = [Row(r) for r in plan.assignments.to_dict("records")]
    purchases = plan.purchases.to_dict("records") if len(plan.purchases) else []
    v.assignment(rows)
    v.profile_coverage(rows)
    for r in rows:
        v.row(r)
    bought = v.purchases(purchases)
    v.sites(rows, bought)
    flows = v.flows(rows, dict(plan.flows_usd)) | v.federated(rows, dict(plan.flows_usd))
    v.flow_round_trips(rows)
    v.budgets(rows, bought, flows)
    v.placement(rows)
    v.escalation(rows)
    v.caps(rows)
    v.totals(rows, bought, flows, plan.objective, plan.kpis)
    return Verification(not v.violations, tuple(v.violations), v.checks, v.recomputed)


__all__ = ["PlanVerificationError", "Verification", "Violation", "verify_plan"]
