"""Which limits bind, and what relaxing each would save (by re-solving, not from duals).

Duals of a MILP are not meaningful, and with the integers fixed every capacity row's dual is
zero; so for each binding limit we re-solve with the limit relaxed by one natural step (one
more box of power or space, one more box of a capped SKU, 5% more budget or cap) and report
the objective change per month.

Relaxing a limit only enlarges the feasible set and keeps every column, so the plan already
found is a feasible start for each re-solve (warm start): a re-solve whose LP bound shows the
plan is still within the gap stops at once. The re-solves share one deadline
(:mod:`advisor.plan.deadline`) and each gets an equal share of what is left; a limit not
reached in time is listed as ``not computed (time limit reached: N s of M s used)``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from advisor.milp import Budget, Problem, Solution, SolverSettings, solve_problem
from advisor.plan.deadline import NOT_COMPUTED, Deadline


def binding_limits(
    problem: Problem, sol: Solution, usage: pd.DataFrame, budgets: pd.DataFrame
) -> list[dict]:
    """Limits at (or within one step of) their cap in the solution."""
    out = []
    pur = problem.purchasables
    for s in usage.itertuples(index=False):
        p = pur[pur["site"] == s.site]
        step_kw = (
            float(p.loc[p["max_buy"] > 0, "power_kw"].min()) if (p["max_buy"] > 0).any() else np.nan
        )
        step_ru = (
            float(p.loc[(p["max_buy"] > 0) & (p["rack_units"] > 0), "rack_units"].min())
            if ((p["max_buy"] > 0) & (p["rack_units"] > 0)).any()
            else np.nan
        )
        if np.isfinite(s.kw_max) and np.isfinite(step_kw) and s.kw_max - s.kw_installed < step_kw:
            out.append(
                {
                    "limit": f"power[{s.site}]",
                    "family": "power",
                    "subject": s.site,
                    "step": step_kw,
                    "unit": "kW",
                }
            )
        if (
            np.isfinite(s.rack_units_max)
            and np.isfinite(step_ru)
            and s.rack_units_max - s.rack_units_installed < step_ru
        ):
            out.append(
                {
                    "limit": f"space[{s.site}]",
                    "family": "space",
                    "subject": s.site,
                    "step": step_ru,
                    "unit": "rack units",
                }
            )
    for p in pur.itertuples(index=False):
        if p.max_buy > 0 and sol.buys.get((p.site, p.sku), 0) >= p.max_buy:
            out.append(
                {
                    "limit": f"max_buy[{p.site},{p.sku}]",
                    "family": "max_buy",
                    "subject": (p.site, p.sku),
                    "step": 1.0,
                    "unit": "box",
                }
            )
    for b in budgets.itertuples(index=False):
        if b.limit_usd > 0 and b.used_usd >= 0.98 * b.limit_usd:
            out.append(
                {
                    "limit": f"{b.kind}[{b.scope}]",
                    "family": "budget",
                    "subject": (b.kind, b.scope),
                    "step": 0.05 * b.limit_usd,
                    "unit": "USD/month" if b.kind == "opex" else "USD",
                }
            )
    return out


def relaxed(problem: Problem, item: dict) -> Problem:
    fam, subj, step = item["family"], item["subject"], item["step"]
    if fam in ("power", "space"):
        col = "max_kw" if fam == "power" else "max_rack_units"
        sites = problem.sites.copy()
        sites.loc[sites["site"] == subj, col] += step
        return replace(problem, sites=sites)
    if fam == "max_buy":
        pur = problem.purchasables.copy()
        pur.loc[(pur["site"] == subj[0]) & (pur["sku"] == subj[1]), "max_buy"] += 1
        return replace(problem, purchasables=pur)
    if fam == "budget":
        budgets = tuple(
            Budget(b.name, b.kind, b.scope, b.limit_usd + step) if (b.kind, b.scope) == subj else b
            for b in problem.budgets
        )
        return replace(problem, budgets=budgets)
    return problem


COLUMNS = ["limit", "relax_by", "unit", "saving_usd_per_month", "method"]
MIN_RESOLVE_S = 0.05
"""Below this much time left, the remaining re-solves are not started."""


def not_computed(items: list[dict], reason: str) -> pd.DataFrame:
    """The binding limits, listed without a saving, saying why none was computed."""
    rows = [
        {
            "limit": i["limit"],
            "relax_by": i["step"],
            "unit": i["unit"],
            "saving_usd_per_month": np.nan,
            "method": f"{NOT_COMPUTED} ({reason})",
        }
        for i in items
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.attrs["unit"] = "USD per month"
    return frame


def value_of_relaxing(
    problem: Problem,
    sol: Solution,
    settings: SolverSettings,
    items: list[dict],
    months: float,
    limit: int = 6,
    deadline: Deadline | None = None,
) -> pd.DataFrame:
    """Re-solve once per binding limit, warm-started from ``sol``; saving per month =
    (obj - obj') / months. All re-solves together end by ``deadline`` (default: the
    settings' time limit from now); each gets an equal share of the time left, and the
    limits not reached are listed as ``not computed (time limit reached: ...)``."""
    rows = []
    clock = deadline if deadline is not None else Deadline.start(settings.time_limit_s)
    todo = items[:limit]
    for k, item in enumerate(todo):
        left = clock.left_s()
        if left <= MIN_RESOLVE_S:
            rest = not_computed(todo[k:], clock.reason())
            rows += rest.to_dict("records")
            break
        share = replace(settings, time_limit_s=left / (len(todo) - k))
        alt = solve_problem(relaxed(problem, item), share, start=sol.values)
        saving = (
            (sol.objective - alt.objective) / months
            if sol.objective is not None and alt.objective is not None
            else np.nan
        )
        method = "re-solve (warm start)"
        if alt.has_plan and alt.status != "optimal":
            method += f", {alt.status} at the time limit"
        elif not alt.has_plan:
            method = f"{NOT_COMPUTED} (re-solve ended {alt.status})"
        rows.append(
            {
                "limit": item["limit"],
                "relax_by": item["step"],
                "unit": item["unit"],
                "saving_usd_per_month": max(saving, 0.0) if np.isfinite(saving) else np.nan,
                "method": method,
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.attrs["unit"] = "USD per month"
    return frame


def relax_plan(
    plan, time_limit_s: float | None = None, deadline: Deadline | None = None
) -> pd.DataFrame:
    """:func:`value_of_relaxing` for the binding limits listed in ``plan.relaxing``, within
    ``deadline`` if given, else ``time_limit_s`` (default: the scenario's) from now."""
    from advisor.milp.formulate import objective_factor

    s = plan.scenario.settings
    settings = SolverSettings(
        solver=plan.solution.solver or s.solver,
        time_limit_s=s.time_limit_s if time_limit_s is None else time_limit_s,
        mip_gap=s.mip_gap,
    )
    items = binding_limits(plan.problem, plan.solution, plan.site_usage, plan.budget_usage)
    return value_of_relaxing(
        plan.problem,
        plan.solution,
        settings,
        items,
        objective_factor(plan.scenario),
        deadline=deadline,
    )
