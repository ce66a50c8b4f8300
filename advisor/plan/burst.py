"""Burst results: the parts of split workloads, and what splitting saves.

``burst_parts`` lists each part of a split workload (step, fraction of the peak, hours a
month, where it runs, its monthly cost). ``single_target_comparison`` answers "what does the
split save?" honestly: one extra solve of the same scenario with ``split`` switched off for
the split workloads (their profile kept, so in the cloud they still autoscale and on a site
they are sized for the peak) and everything else unchanged. Only the split workloads' options
are rebuilt; every other unit keeps its option rows. It runs only when a workload is split.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.milp import SolverSettings, solve_problem
from advisor.milp.formulate import formulate, objective_constant
from advisor.options import OptionSet, build_options
from advisor.options.burst import parts, split_workloads
from advisor.plan.assemble import assignments_frame, idle_capacity, purchases_frame
from advisor.plan.deadline import NOT_COMPUTED, Deadline

if TYPE_CHECKING:
    from advisor.catalog import Catalog
    from advisor.milp import Solution
    from advisor.schema.scenario import Scenario

PART_COLUMNS = [
    "workload",
    "part",
    "step",
    "fraction",
    "hours_per_month",
    "units",
    "tier",
    "target",
    "hardware",
    "pricing",
    "replicas",
    "monthly_usd",
]


def burst_parts(scn: Scenario, assignments: pd.DataFrame) -> pd.DataFrame:
    """One row per part of each split workload: step, fraction of the peak, hours a month,
    where its units run and their monthly cost (opex + amortised capex share), USD/month."""
    rows = []
    by_unit = assignments.set_index("unit")
    for w in scn.workloads:
        if not w.split:
            continue
        groups = w.ha.groups if w.ha else 1
        for p in parts(w):
            units = [p.name] if groups == 1 else [f"{p.name}#{g}" for g in range(1, groups + 1)]
            a = by_unit.loc[[u for u in units if u in by_unit.index]]
            rows.append(
                {
                    "workload": w.id,
                    "part": p.name,
                    "step": p.step,
                    "fraction": p.fraction,
                    "hours_per_month": p.hours,
                    "units": ", ".join(units),
                    "tier": ", ".join(dict.fromkeys(a["tier"])),
                    "target": ", ".join(dict.fromkeys(a["target"])),
                    "hardware": ", ".join(dict.fromkeys(a["hardware"])),
                    "pricing": ", ".join(dict.fromkeys(a["pricing"])),
                    "replicas": float(a["replicas"].sum()),
                    "monthly_usd": float(a["total_usd"].sum()),
                }
            )
    frame = pd.DataFrame(rows, columns=PART_COLUMNS)
    frame.attrs["unit"] = "fraction of peak demand, hours per month, USD per month"
    return frame


@dataclass(frozen=True)
class BurstComparison:
    """The plan against the best placement with every split workload kept whole."""

    workloads: tuple[str, ...]
    status: str  # optimal | feasible | infeasible | "not computed (why)" (time limit)
    plan_objective: float
    plan_monthly_usd: float
    single_objective: float | None = None
    single_monthly_usd: float | None = None
    placements: dict[str, str] = field(default_factory=dict)  # workload -> its single target
    seconds: float = 0.0
    method: str = (
        "one extra solve of the same scenario with split off for the split workloads (profile "
        "kept: autoscaled in the cloud, sized for the peak on a site), everything else unchanged"
    )

    @property
    def computed(self) -> bool:
        """False when the comparison was skipped or stopped without a plan (time limit);
        ``status`` then says ``not computed (why)``."""
        return not self.status.startswith(NOT_COMPUTED)

    @property
    def saving_usd_per_month(self) -> float | None:
        """What the split saves a month (opex + amortised capex); None if no single-target
        placement is feasible."""
        if self.single_monthly_usd is None:
            return None
        return self.single_monthly_usd - self.plan_monthly_usd

    @property
    def saving_objective(self) -> float | None:
        """What the split saves, in objective units (USD per month for tco/monthly_cost)."""
        if self.single_objective is None:
            return None
        return self.single_objective - self.plan_objective

    def to_dict(self) -> dict[str, Any]:
        return {
            "workloads": list(self.workloads),
            "status": self.status,
            "method": self.method,
            "plan_objective": self.plan_objective,
            "plan_monthly_usd": self.plan_monthly_usd,
            "saving_usd_per_month": self.saving_usd_per_month,
            "single_target_objective": self.single_objective,
            "single_target_monthly_usd": self.single_monthly_usd,
            "saving_objective": self.saving_objective,
            "single_target_placements": dict(self.placements),
        }


def single_target_comparison(
    scn: Scenario,
    catalog: Catalog,
    opts: OptionSet,
    settings: SolverSettings,
    plan_objective: float,
    plan_monthly_usd: float,
    *,
    deadline: Deadline | None = None,
    need_s: float = 0.0,
) -> BurstComparison | None:
    """Re-solve with split off for the split workloads (see the module docstring); None when
    no workload is split (nothing is computed then). ``catalog`` is the base catalog (the
    scenario's overrides are applied once, by the option builder).

    Within ``deadline`` (default: ``settings.time_limit_s`` from now): it starts only when
    what is left covers ``need_s`` (its expected option build and solve), and its solve gets
    what is left; otherwise, or when that solve finds no plan in time, the comparison's
    status says ``not computed (why)``."""
    split = split_workloads(scn)
    if not split:
        return None
    t0 = time.perf_counter()
    clock = deadline if deadline is not None else Deadline.start(settings.time_limit_s)

    def skipped(why: str) -> BurstComparison:
        return BurstComparison(
            split, why, plan_objective, plan_monthly_usd, seconds=time.perf_counter() - t0
        )

    if not clock.allows(need_s):
        return skipped(clock.not_computed(need_s))
    whole = scn.model_copy(
        update={
            "workloads": tuple(
                w.model_copy(update={"split": False}) if w.id in split else w for w in scn.workloads
            )
        }
    )
    # the same scenario (flows, rules, limits: they decide which options pruning keeps) with
    # only the split workloads to rebuild; option rows are built per unit
    only = whole.model_copy(
        update={"workloads": tuple(w for w in whole.workloads if w.id in split)}
    )
    fresh = build_options(only, catalog)
    if not set(fresh.units["unit"]) <= set(fresh.options["unit"]):  # a whole unit fits nowhere
        return skipped("infeasible")
    combined = _combined(opts, fresh, set(split))
    problem = formulate(whole, combined)
    if clock.left_s() <= 0:
        return skipped(clock.not_computed())
    timed = clock.for_solver(settings)
    sol = solve_problem(problem, timed)
    seconds = time.perf_counter() - t0
    if not sol.has_plan or sol.objective is None:
        status = sol.status
        if status != "infeasible":
            status = (
                f"{NOT_COMPUTED} (the comparison solve found no plan within its "
                f"{timed.time_limit_s:.1f} s: {sol.status}; {clock.reason()})"
            )
        return BurstComparison(split, status, plan_objective, plan_monthly_usd, seconds=seconds)
    constant = objective_constant(whole, problem.purchasables)
    return BurstComparison(
        split,
        sol.status,
        plan_objective,
        plan_monthly_usd,
        float(sol.objective) + constant,
        _monthly_total(whole, problem, sol),
        _placements(problem, sol, split),
        seconds,
    )


def _combined(opts: OptionSet, fresh: OptionSet, split: set[str]) -> OptionSet:
    """``opts`` with the split workloads' rows replaced by ``fresh`` (their whole units)."""

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        if not len(frame) or "workload" not in frame.columns:
            return frame
        return frame[~frame["workload"].isin(split)]

    options = pd.concat([keep(opts.options), fresh.options], ignore_index=True)
    options = options.sort_values(["unit", "opex_usd"], kind="mergesort").reset_index(drop=True)
    units = pd.concat([keep(opts.units), fresh.units], ignore_index=True)
    return replace(opts, options=options, units=units)


def _monthly_total(scn: Scenario, problem: Any, sol: Solution) -> float:
    """Monthly opex (flows and idle capacity included) + amortised capex of a solution."""
    purchases = purchases_frame(problem, sol, scn.settings.horizon_months)
    a = assignments_frame(problem, sol, purchases)
    idle = idle_capacity(problem, sol, a)
    amort = float(purchases["amortised_usd_per_month"].sum()) if len(purchases) else 0.0
    idle_usd = float(idle["usd"].sum()) if len(idle) else 0.0
    return float(a["opex_usd"].sum()) + float(sum(sol.flow_usd.values())) + idle_usd + amort


def _placements(problem: Any, sol: Solution, split: tuple[str, ...]) -> dict[str, str]:
    chosen = problem.options.iloc[list(sol.chosen)]
    out: dict[str, str] = {}
    for w in split:
        rows = chosen[chosen["workload"] == w]
        out[w] = ", ".join(
            dict.fromkeys(
                f"{t} ({h}, {p})"
                for t, h, p in zip(rows["target"], rows["hardware"], rows["pricing"], strict=True)
            )
        )
    return out


def burst_lines(parts_frame: pd.DataFrame, comparison: BurstComparison | None) -> list[str]:
    """Plain-text lines on the split (CLI, explain): each part, then what splitting saves."""
    if not len(parts_frame):
        return []
    lines = []
    for wid, g in parts_frame.groupby("workload", sort=False):
        bits = [
            f"step {r.step} ({r.fraction:.0%} of peak, {r.hours_per_month:g} h/month) on "
            f"{r.target} ({r.hardware}, {r.pricing}) ${r.monthly_usd:,.0f}/month"
            for r in g.itertuples(index=False)
        ]
        lines.append(f"split {wid}: " + "; ".join(bits))
    lines.append(comparison_line(comparison))
    return lines


def comparison_line(c: BurstComparison | None) -> str:
    """One sentence: what the split saves against the best single-target placement."""
    if c is None:
        return "split saving not computed"
    if not c.computed:
        return f"split saving {c.status}"
    if c.saving_usd_per_month is None:
        return (
            f"no single-target placement of {', '.join(c.workloads)} is feasible "
            f"(comparison solve: {c.status}); the split is what makes the plan work"
        )
    where = "; ".join(f"{w} on {t}" for w, t in c.placements.items())
    verb = "saves" if c.saving_usd_per_month >= 0 else "costs"
    best = "best" if c.status == "optimal" else "best found (not proven optimal)"
    return (
        f"splitting {verb} ${abs(c.saving_usd_per_month):,.2f}/month against the {best} "
        f"single-target placement (${c.single_monthly_usd:,.2f}/month: {where}); "
        f"{c.method}"
    )


def explain_split(
    parts_frame: pd.DataFrame, comparison: BurstComparison | None, workload: str
) -> str:
    """The split paragraph of ``Plan.explain(workload)``; '' unless the workload is split."""
    if not len(parts_frame) or workload not in set(parts_frame["workload"]):
        return ""
    own = parts_frame[parts_frame["workload"] == workload]
    return "\n" + "\n".join(burst_lines(own, comparison))


def from_document(doc: dict) -> tuple[pd.DataFrame, BurstComparison | None]:
    """The parts and comparison stored in a saved ``plan.json`` (empty for older plans)."""
    burst = doc.get("burst") or {}
    frame = pd.DataFrame(burst.get("parts") or [], columns=PART_COLUMNS)
    c = burst.get("comparison")
    if not c:
        return frame, None
    return frame, BurstComparison(
        tuple(c["workloads"]),
        c["status"],
        float(c["plan_objective"]),
        float(c["plan_monthly_usd"]),
        c.get("single_target_objective"),
        c.get("single_target_monthly_usd"),
        dict(c.get("single_target_placements") or {}),
    )
