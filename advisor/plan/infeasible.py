"""Explaining infeasible scenarios.

(a) Before solving: a unit with no feasible option lists which rule eliminated each tier.
(b) Coupled conflicts: an elastic re-solve (every capacity, budget and cap row gets a slack,
    the total relative shortfall is minimised) reports the smallest shortfall per requirement
    and the workloads competing for it.
"""

from __future__ import annotations

import pandas as pd

from advisor.errors import Conflict
from advisor.milp import Problem, Solution, SolverSettings, solve_problem
from advisor.options import OptionSet
from advisor.plan.explain import tier_rejections


def presolve_conflicts(opts: OptionSet) -> list[Conflict]:
    """Units without any feasible option, with the rules that closed each tier."""
    have = (
        set(opts.options["unit"]) | set(opts.dominated["unit"])
        if len(opts.dominated)
        else set(opts.options["unit"])
    )
    out = []
    for unit in opts.units["unit"]:
        if unit in have:
            continue
        per_tier = tier_rejections(opts, unit)
        tiers = opts.targets.set_index("target")["tier"]
        r = opts.rejections[opts.rejections["unit"] == unit]
        parts = []
        for tier in ("local", "edge", "cloud"):
            rules = per_tier.get(tier)
            if not rules:
                parts.append(f"{tier}: no candidate (no site of this kind or no hardware in scope)")
                continue
            tier_of = r["target"].map(tiers).fillna("*")
            mine = r[r["rule"].isin(rules) & tier_of.isin([tier, "*"])]
            examples = mine.drop_duplicates("rule")["detail"].head(2).tolist()
            parts.append(f"{tier}: {', '.join(rules)} (e.g. {'; '.join(examples)})")
        out.append(Conflict("no_option", unit, "no feasible option. " + " | ".join(parts)))
    return out


def elastic_conflicts(
    problem: Problem, settings: SolverSettings
) -> tuple[list[Conflict], Solution]:
    """Re-solve with slacks; every positive slack is a shortfall to relax."""
    sol = solve_problem(problem, settings, elastic=True)
    conflicts = []
    if not sol.has_plan:
        return [
            Conflict("solver", "elastic", f"elastic re-solve ended with status {sol.status}")
        ], sol
    chosen = problem.options.iloc[list(sol.chosen)]
    for s in sol.slacks:
        amount = s.amount
        competing = _competitors(s.family, s.subject, chosen)
        detail = _shortfall_text(s.family, s.subject, amount, s.unit)
        conflicts.append(Conflict(s.family, s.subject, detail, amount, s.unit, tuple(competing)))
    return conflicts, sol


def _shortfall_text(family: str, subject: str, amount: float, unit: str) -> str:
    if family == "budget":
        return f"budget {subject} short by ${amount:,.0f}" + ("/month" if "month" in unit else "")
    if family == "power":
        return f"{subject} needs {amount:,.1f} kW more"
    if family == "space":
        return f"{subject} needs {amount:,.0f} more rack units"
    if family == "capacity":
        return f"{subject} needs {amount:,.1f} more {unit} than it can hold (inventory + max purchases)"
    if family in ("privacy_risk", "carbon"):
        return f"{family} cap exceeded by {amount:,.1f} {unit}"
    return f"{family} rule {subject} cannot hold (violated by {amount:g} {unit})"


def _competitors(family: str, subject: str, chosen: pd.DataFrame) -> list[str]:
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
    else:
        return [u.strip() for u in subject.split("&")]
    return list(dict.fromkeys(rows["workload"].tolist()))
