"""Explaining infeasible scenarios.

(a) Before solving: a unit with no feasible option lists which rule eliminated each tier.
(b) Coupled conflicts: an elastic re-solve reports the smallest shortfall per requirement
    and the workloads competing for it. It first relaxes only the FinOps budgets and the
    risk/carbon caps (the site capacity, purchases allowed and placement rules hold as
    written): when that suffices, a budget or cap is the cause, even if the scenario could
    also be repaired by relaxing capacity (relative shortfalls of different units do not
    compare, and a capex cap of $1,000 would otherwise be blamed on the hardware it forbids
    buying). Only when limits alone cannot help does every capacity, budget, cap and rule row
    get a slack.
"""

from __future__ import annotations

import pandas as pd

from advisor.errors import Conflict
from advisor.milp import Problem, Solution, SolverSettings, solve_problem
from advisor.options import OptionSet
from advisor.plan.cascade import named_conflict
from advisor.plan.deadline import Deadline
from advisor.plan.explain import rejection_tiers

LIMIT_FAMILIES = frozenset({"budget", "privacy_risk", "carbon"})
"""Constraint families the first elastic re-solve relaxes: the user's FinOps and caps."""


def presolve_conflicts(opts: OptionSet) -> list[Conflict]:
    """Units without any feasible option: per tier, the rule that removed the last
    candidates (see :func:`last_rule`), after the rules that narrowed them down."""
    have = (
        set(opts.options["unit"]) | set(opts.dominated["unit"])
        if len(opts.dominated)
        else set(opts.options["unit"])
    )
    out = []
    for unit in opts.units["unit"]:
        if unit in have:
            continue
        r = opts.rejections[opts.rejections["unit"] == unit]
        row_tiers = rejection_tiers(opts, r)
        parts = []
        for tier in ("local", "edge", "cloud"):
            mine = r[[tier in keys for keys in row_tiers]]
            if mine.empty:
                parts.append(f"{tier}: no candidate (no site of this kind or no hardware in scope)")
                continue
            in_tier = set(opts.targets.loc[opts.targets["tier"] == tier, "target"])
            parts.append(f"{tier}: {last_rule(mine, in_tier)}")
        named = named_conflict(opts, unit)
        if named and any("escalation" in p.split(" removed the last")[0] for p in parts):
            out.append(Conflict("escalation", unit, named + ". " + " | ".join(parts)))
            continue
        out.append(Conflict("no_option", unit, "no feasible option. " + " | ".join(parts)))
    return out


def last_rule(rejected: pd.DataFrame, targets: set[str]) -> str:
    """Which rule removed the last candidates of one unit in one tier, with examples.

    The option builder screens targets (tier policy, residency, latency: rows with a target
    and ``hardware == "*"``) and hardware (fit, memory: rows with ``target == "*"``)
    independently, then rejects single offers that passed both (controls, capacity: rows
    with a target and a hardware). The decisive rule is the last screen that left nothing:
    the offer-level rules if any offer reached them, else the target screen when no target
    of the tier survived it, else the hardware screen. The other rules are named as what
    narrowed the candidates down.
    """
    star_t, star_h = rejected["target"] == "*", rejected["hardware"].isin(["*", ""])
    offers = rejected[~star_t & ~star_h]
    target_rows = rejected[~star_t & star_h]
    if len(offers):
        hit = offers
    elif targets and set(target_rows["target"]) >= targets:
        hit = target_rows
    else:
        hit = rejected[star_t] if star_t.any() else rejected
    decisive = list(dict.fromkeys(hit["rule"]))
    examples = "; ".join(hit.drop_duplicates("detail")["detail"].head(2))
    text = f"{', '.join(decisive)} removed the last {len(hit):,} candidate(s) (e.g. {examples})"
    others = [r for r in dict.fromkeys(rejected["rule"]) if r not in decisive]
    if others:
        text += f"; other rules that applied: {', '.join(others)}"
    return text


def elastic_conflicts(
    problem: Problem, settings: SolverSettings, deadline: Deadline | None = None
) -> tuple[list[Conflict], Solution | None]:
    """Re-solve with slacks (limits first, see the module docstring); every positive slack
    is a shortfall to relax. Both re-solves together end by ``deadline`` (default:
    ``settings.time_limit_s`` from now): each gets what is left when it starts, and none
    starts when nothing is left (the solution is then None)."""
    clock = deadline if deadline is not None else Deadline.start(settings.time_limit_s)
    sol = None
    has_limits = bool(problem.budgets) or problem.risk_max is not None
    if (has_limits or problem.carbon_max_kg is not None) and clock.left_s() > 0:
        sol = solve_problem(problem, clock.for_solver(settings), elastic=True, relax=LIMIT_FAMILIES)
    if (sol is None or not sol.has_plan) and clock.left_s() > 0:
        sol = solve_problem(problem, clock.for_solver(settings), elastic=True)
    if sol is None:
        return [
            Conflict("solver", "elastic", f"elastic re-solve not started: {clock.reason()}")
        ], None
    limits = {b.name: b.limit_usd for b in problem.budgets}
    conflicts = []
    if not sol.has_plan:
        return [
            Conflict("solver", "elastic", f"elastic re-solve ended with status {sol.status}")
        ], sol
    chosen = problem.options.iloc[list(sol.chosen)]
    for s in sol.slacks:
        amount = s.amount
        competing = _competitors(s.family, s.subject, chosen, s.name, sol)
        detail = _shortfall_text(s.family, s.subject, amount, s.unit, s.name, limits)
        conflicts.append(Conflict(s.family, s.subject, detail, amount, s.unit, tuple(competing)))
    return conflicts, sol


def _shortfall_text(
    family: str, subject: str, amount: float, unit: str, name: str = "", limits: dict | None = None
) -> str:
    if family == "budget":
        kind = name.split("[", 1)[0] if "[" in name else "budget"
        per = "/month" if kind == "opex" or (kind == "budget" and "month" in unit) else ""
        limit = (limits or {}).get(name)
        text = f"{kind} budget '{subject}' is short by ${amount:,.0f}{per}"
        if limit is not None:
            text += f": the plan needs ${limit + amount:,.0f}{per}, the limit is ${limit:,.0f}{per}"
        return text
    if family == "power":
        return f"{subject} needs {amount:,.1f} kW more"
    if family == "space":
        return f"{subject} needs {amount:,.0f} more rack units"
    if family == "capacity":
        return f"{subject} needs {amount:,.1f} more {unit} than it can hold (inventory + max purchases)"
    if family in ("privacy_risk", "carbon"):
        return f"{family} cap exceeded by {amount:,.1f} {unit}"
    if family == "flow_rtt":
        a, _, b = subject.partition("->")
        return (
            f"no placement keeps the round trip {a} -> {b} within its max_rtt_ms; "
            "raise max_rtt_ms or allow targets nearer each other"
        )
    return f"{family} rule {subject} cannot hold (violated by {amount:,.6g} {unit})"


def _competitors(
    family: str, subject: str, chosen: pd.DataFrame, name: str = "", sol: Solution | None = None
) -> list[str]:
    if family == "budget" and name.startswith("capex") and sol is not None:
        bought = set(sol.buys)
        on_new = [(s, h) in bought for s, h in zip(chosen["site"], chosen["hardware"], strict=True)]
        rows = chosen[on_new]
        if subject != "all":
            rows = rows[rows["team"] == subject[5:]]
        return list(dict.fromkeys(rows["workload"].tolist()))
    if family in ("capacity",):
        site, sku = subject.split("/", 1)
        rows = chosen[(chosen["site"] == site) & (chosen["hardware"] == sku)]
    elif family in ("power", "space"):
        rows = chosen[chosen["site"] == subject]
    elif family == "budget":
        rows = chosen if subject == "all" else chosen[chosen["team"] == subject[5:]]
        rows = rows.sort_values("opex_usd", ascending=False)
    elif family in ("privacy_risk", "carbon"):
        col = "risk" if family == "privacy_risk" else "carbon_kg"
        rows = chosen.sort_values(col, ascending=False)
    elif family == "flow_rtt":
        return [u.strip() for u in subject.split("->")]
    else:
        return [u.strip() for u in subject.split("&")]
    return list(dict.fromkeys(rows["workload"].tolist()))
