"""The centralised alternative to federated training, solved beside the plan.

For every federated workload the same job is trained in one place instead: one unit with the
whole demand, inside the workload's residency and every shard's own residency, which pays
to move each shard's data there ``centralised_refresh_per_month`` times a month (egress by
the option builder's one egress rule) and whose privacy risk counts that data as moving.
It is offered only when residency allows: some target meets the workload's residency and
every shard's; otherwise the shards that forbid it are named. One extra solve of the whole
scenario with every federated workload centralised (the other workloads may move too, so
the plan totals compare like for like). The comparison plan is for the report: it is not
written to plan.json nor independently verified.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from advisor.errors import InfeasibleScenario, SolverLimitReached
from advisor.plan.deadline import NOT_COMPUTED, Deadline, expected_solve_s
from advisor.schema.federated_units import centralised

if TYPE_CHECKING:
    from advisor.catalog import Catalog
    from advisor.plan.result import Plan


@dataclass(frozen=True, eq=False)
class CentralisedComparison:
    """Federated vs centralised: whether it was offered, the metrics side by side, the
    winner and why (``reasons`` say why it was not offered or found no plan)."""

    offered: bool
    reasons: tuple[str, ...] = ()
    metrics: pd.DataFrame = field(default_factory=pd.DataFrame)
    winner: str = ""
    why: str = ""
    central_targets: dict[str, str] = field(default_factory=dict)
    unpriced: tuple[str, ...] = ()

    @property
    def computed(self) -> bool:
        """False when the extra solve was skipped or stopped for time; ``reasons`` then say
        ``not computed (why)``."""
        return not any(r.startswith(NOT_COMPUTED) for r in self.reasons)


def residency_blockers(plan: Plan) -> list[str]:
    """Why no single target may hold every shard's data, per federated workload, by name."""
    targets = plan.options.targets
    out = []
    for w in plan.scenario.workloads:
        fed = w.federated
        if fed is None:
            continue
        sets = [("the workload", tuple(w.data.residency))] if w.data.residency else []
        sets += [(f"shard {s.id}", tuple(s.residency)) for s in fed.shards if s.residency]
        ok = [all(set(r) & js for _, r in sets) for js in targets["jurisdictions"]]
        if not any(ok):
            named = "; ".join(f"{who} must stay in [{', '.join(r)}]" for who, r in sets)
            out.append(
                f"{w.id}: residency forbids centralised training: {named}; "
                "no site or region in scope is in all of them"
            )
    return out


def compare_centralised(
    plan: Plan, catalog: Catalog | None = None, deadline: Deadline | None = None
) -> CentralisedComparison | None:
    """The comparison, or None when the plan has no federated workload.

    ``catalog``: the base catalog the plan was solved with (default: the plan's own,
    ``Plan.base_catalog``, else the scenario's). ``deadline`` (default: the scenario's time
    limit from now) bounds the extra solve: it starts only when what is left covers about
    what the plan's own option build and solve took, else the comparison is not offered and
    its reason says ``not computed (time limit reached: ...)``."""
    from advisor.plan.planner import solve

    scn = plan.scenario
    fed_ids = [w.id for w in scn.workloads if w.federated is not None]
    if not fed_ids:
        return None
    blocked = residency_blockers(plan)
    if blocked:
        return CentralisedComparison(False, tuple(blocked))
    clock = deadline if deadline is not None else Deadline.start(scn.settings.time_limit_s)
    t = plan.timings
    solved = t.get("model_build_seconds", 0.0) + t.get("solve_seconds", 0.0)
    need = expected_solve_s(t.get("options_seconds", 0.0), t.get("solve_wall_seconds", solved))
    if not clock.allows(need):
        return CentralisedComparison(False, (clock.not_computed(need),))
    central = scn.model_copy(
        update={
            "workloads": tuple(
                centralised(w) if w.federated is not None else w for w in scn.workloads
            )
        }
    )
    try:
        # the split-off comparison is the plan's business, not this comparison's
        alt = solve(
            central,
            catalog if catalog is not None else plan.base_catalog,
            sensitivity=False,
            split_comparison=False,
            deadline=clock,
        )
    except InfeasibleScenario as exc:
        return CentralisedComparison(
            False, tuple(f"centralised training has no feasible plan: {c}" for c in exc.conflicts)
        )
    except SolverLimitReached as exc:
        return CentralisedComparison(False, (f"{NOT_COMPUTED} (centralised solve stopped: {exc})",))
    metrics = _metrics(plan, alt, fed_ids)
    fed_total, cen_total = metrics.loc["plan total (USD/month)", ["federated", "centralised"]]
    winner = "federated" if fed_total <= cen_total else "centralised"
    return CentralisedComparison(
        True,
        metrics=metrics,
        winner=winner,
        why=_why(metrics, winner),
        central_targets={
            u: t
            for u, t in zip(alt.assignments["unit"], alt.assignments["target"], strict=True)
            if u in fed_ids
        },
        unpriced=tuple(
            f"{w.id}/{s.id}"
            for w in scn.workloads
            if w.federated is not None
            for s in w.federated.shards
            if not (s.site or s.region)
        ),
    )


def centralised_line(c: CentralisedComparison | None) -> str:
    """One sentence for the terminal: who wins and why, or why there is no comparison."""
    if c is None:
        return ""
    if c.offered:
        return f"federated vs centralised training: {c.winner} wins ({c.why})"
    if not c.computed:
        return f"federated vs centralised training {'; '.join(c.reasons)}"
    return f"centralised training not offered: {'; '.join(c.reasons)}"


def _part(plan: Plan, ids: list[str]) -> pd.DataFrame:
    return plan.assignments[plan.assignments["workload"].isin(ids)]


def _metrics(fed: Plan, cen: Plan, ids: list[str]) -> pd.DataFrame:
    """Side by side: plan total, the federated jobs' compute (cloud compute + site power,
    ops and capex share), their data movement (update flows, or the data copied to the
    central place), GB moved a month, and their privacy risk."""
    rows = {}
    f, c = _part(fed, ids), _part(cen, ids)
    rows["plan total (USD/month)"] = (fed.kpis["monthly_total_usd"], cen.kpis["monthly_total_usd"])

    def compute(a: pd.DataFrame) -> float:
        return float((a["compute_usd"] + a["power_usd"] + a["ops_usd"] + a["capex_usd"]).sum())

    rows["training compute (USD/month)"] = (compute(f), compute(c))
    upd = sum(v for k, v in fed.flows_usd.items() if k.split("->", 1)[0].split("/", 1)[0] in ids)
    rows["data movement (USD/month)"] = (
        float(f["egress_usd"].sum()) + upd,
        float(c["egress_usd"].sum()),
    )
    gb_f = gb_c = 0.0
    for w in fed.scenario.workloads:
        x = w.federated
        if x is None:
            continue
        gb_f += 2 * x.rounds_per_month * x.update_gb_per_round * len(x.shards)
        gb_c += sum(s.data_gb for s in x.shards) * x.centralised_refresh_per_month
    rows["idle owned capacity, plan-wide (USD/month)"] = (
        float(fed.kpis.get("monthly_idle_capacity_usd", 0.0)),
        float(cen.kpis.get("monthly_idle_capacity_usd", 0.0)),
    )
    rows["GB crossing boundaries a month"] = (gb_f, gb_c)
    rows["privacy risk (points)"] = (float(f["risk"].sum()), float(c["risk"].sum()))
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["federated", "centralised"])
    out["difference"] = out["centralised"] - out["federated"]
    out.attrs["unit"] = "per row"
    return out


def _why(m: pd.DataFrame, winner: str) -> str:
    d = m["difference"]
    total = abs(float(d["plan total (USD/month)"]))
    parts = [
        f"{winner} costs ${total:,.0f}/month less in total",
        f"compute {'+' if d['training compute (USD/month)'] >= 0 else '-'}"
        f"${abs(d['training compute (USD/month)']):,.0f} centralised",
        f"data movement {'+' if d['data movement (USD/month)'] >= 0 else '-'}"
        f"${abs(d['data movement (USD/month)']):,.0f} centralised",
    ]
    idle = float(d["idle owned capacity, plan-wide (USD/month)"])
    if abs(idle) > 0.5:
        parts.append(
            f"idle capacity of owned and bought boxes {'+' if idle >= 0 else '-'}"
            f"${abs(idle):,.0f} centralised"
        )
    risk = float(d["privacy risk (points)"])
    if risk > 0:
        parts.append(f"centralising adds {risk:,.1f} privacy risk points (raw data moves)")
    elif risk < 0:
        parts.append(f"centralising lowers privacy risk by {-risk:,.1f} points")
    return "; ".join(parts)
