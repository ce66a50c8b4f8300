"""``advisor.monte_carlo``: cost under uncertain prices and demand, and a robust plan.

Method.

1. **Sampling.** Each entry of the scenario's ``uncertainty`` section (or the ``uncertainty``
   argument) is an independent multiplicative factor (see
   :class:`advisor.schema.scenario.Distribution`); ``samples`` draws come from
   ``numpy.random.default_rng(seed)`` in the calling process, so every engine sees the same
   samples and gives the same answer.
2. **Re-optimisation.** Each sample is re-optimised, warm-started from the baseline plan
   (its nearest solved neighbour; the optimum does not depend on the start): the
   distribution of the *best* cost, and for each workload the probability that its best target differs from the
   baseline plan's (the unperturbed scenario).
3. **Robust choice.** A plan is a commitment made before the uncertainty resolves. The
   candidates are the baseline plan and the ``candidates - 1`` placements that were optimal
   most often. Each candidate is held fixed (same targets, hardware, pricing and purchases)
   and re-costed under every sample: its units' opex comes from that sample's option table,
   its purchases are re-priced, and it is *infeasible* in a sample if one of its options no
   longer exists there (e.g. too slow or too small for the grown demand) or if a site pool's
   units exceed inventory plus purchases. The **robust plan** minimises the 90th-percentile
   monthly cost (infeasible counts as infinite; ties go to the lower mean); the plan that is
   cheapest in the most samples is reported as well. Budgets are not enforced while
   re-costing; ``p_over_budget`` says how often each candidate breaks one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.errors import Conflict, InfeasibleScenario, InvalidScenario, Issue
from advisor.milp.formulate import purchasables
from advisor.report.notebook_figure import returns_notebook_figure
from advisor.schema import edits
from advisor.schema.load import revalidate
from advisor.schema.scenario import Distribution, Scenario, Uncertainty
from advisor.whatif.engines import run_tasks
from advisor.whatif.runner import _WORKER_RESOLVER, Outcome, moved, solve_task

KEYS = ["unit", "target", "hardware", "precision", "pricing"]
QUANTILE = 0.9


@dataclass(frozen=True, eq=False)
class MonteCarloResult:
    """Samples, move probabilities, candidate plans and the robust choice."""

    samples: pd.DataFrame
    move_probability: pd.DataFrame
    candidates: pd.DataFrame
    candidate_costs: pd.DataFrame
    placements: tuple[pd.DataFrame, ...]
    baseline: Outcome
    sample_placements: tuple[pd.DataFrame, ...] = ()
    """Each sample's re-optimised placement (empty when the sample is infeasible)."""
    sample_purchases: tuple[pd.DataFrame, ...] = ()
    """Each sample's purchases (site, sku, count, ...)."""
    candidate_purchases: tuple[pd.DataFrame, ...] = ()
    """Each candidate plan's purchases, held fixed when it is re-costed."""

    @property
    def robust(self) -> int:
        """Id of the candidate with the lowest P90 cost (see the module docstring)."""
        return int(self.candidates.loc[self.candidates["robust"], "candidate"].iloc[0])

    @property
    def most_often(self) -> int:
        """Id of the candidate that is cheapest in the most samples."""
        return int(
            self.candidates.sort_values(["wins", "candidate"], ascending=[False, True])[
                "candidate"
            ].iloc[0]
        )

    def placement(self, candidate: int) -> pd.DataFrame:
        """The units of one candidate plan (unit, workload, target, hardware, pricing, ...)."""
        return self.placements[candidate]

    @returns_notebook_figure
    def figure(self):
        from advisor.whatif.figures import montecarlo_figure

        return montecarlo_figure(self)

    @returns_notebook_figure
    def robust_figure(self):
        from advisor.whatif.figures import robust_figure

        return robust_figure(self)

    def write_report(
        self,
        path: str | Path,
        scenario: Scenario | None = None,
        uncertainty: Uncertainty | None = None,
    ) -> Path:
        """Write the run's HTML report (what varied, candidate plans, samples) to ``path``.

        Pass the scenario (or the ``uncertainty`` given to :func:`monte_carlo`) to describe
        the distributions in words.
        """
        from advisor.whatif.report import write_montecarlo_report

        return write_montecarlo_report(self, path, scenario, uncertainty)

    def _repr_html_(self) -> str:
        from advisor.whatif.figures import frame_html

        n = len(self.samples)
        ok = self.samples["status"].isin(["optimal", "time_limit"]).sum()
        return frame_html(
            f"Monte Carlo: {n} samples ({ok} feasible); robust plan = candidate {self.robust}",
            self.candidates,
            note="monthly cost per candidate plan held fixed across samples (USD/month)",
        )


def draw(unc: Uncertainty, samples: int, seed: int) -> pd.DataFrame:
    """One row per sample, one factor column per uncertain entry (deterministic per seed)."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for i, p in enumerate(unc.prices):
        name = f"price[{i}]:{p.provider}" + (f":{p.pricing}" if p.pricing else "")
        cols[name + (f"@{p.region}" if p.region else "")] = _sample(rng, p, samples)
    for i, d in enumerate(unc.demand):
        cols[f"demand[{i}]:" + (",".join(d.workloads) or "all")] = _sample(rng, d, samples)
    if unc.power_price is not None:
        cols["power_price"] = _sample(rng, unc.power_price, samples)
    if unc.hardware_price is not None:
        cols["hardware_price"] = _sample(rng, unc.hardware_price, samples)
    return pd.DataFrame(cols)


def _sample(rng: np.random.Generator, d: Distribution, n: int) -> np.ndarray:
    # Distribution._params has checked that the shape's parameters are given
    low, mode, high = d.low, d.mode, d.high
    if d.distribution == "uniform":
        assert low is not None and high is not None, "uniform needs low, high"
        return rng.uniform(low, high, n)
    if d.distribution == "triangular":
        assert low is not None and mode is not None and high is not None, "triangular needs all"
        if low == high:
            return np.full(n, float(low))
        return rng.triangular(low, mode, high, n)
    if d.distribution == "normal":
        assert d.sd is not None, "normal needs sd"
        return np.maximum(0.01, rng.normal(1.0, d.sd, n))
    assert d.sigma is not None, "lognormal needs sigma"
    return np.exp(rng.normal(0.0, d.sigma, n))


def apply_sample(scn: Scenario, unc: Uncertainty, factors: pd.Series) -> Scenario:
    """The scenario with one sample's factors applied (validated once)."""
    s, it = scn, iter(factors.to_numpy(float))
    for p in unc.prices:
        f = next(it)
        s = edits.with_prices(
            s,
            p.provider,
            factor=f,
            region=p.region,
            pricing=p.pricing,
            note="monte carlo",
            validate=False,
        )
    for d in unc.demand:
        s = edits.with_demand(s, next(it), workloads=list(d.workloads) or None, validate=False)
    if unc.power_price is not None:
        s = edits.with_power_price(s, next(it), validate=False)
    if unc.hardware_price is not None:
        s = edits.with_hardware_prices(s, next(it), validate=False)
    return revalidate(s)


def monte_carlo(
    scenario: Scenario,
    samples: int | None = None,
    *,
    uncertainty: Uncertainty | dict | None = None,
    seed: int | None = None,
    candidates: int = 6,
    engine: str = "local",
    scheduler: Any = None,
    workers: int | None = None,
    progress: bool = True,
    **solve_kw: Any,
) -> MonteCarloResult:
    """Sample the scenario's uncertainty, re-optimise each sample, pick a robust plan.

    >>> import advisor
    >>> scn = advisor.load_scenario(advisor.example_path("eu-insurer"))
    >>> mc = advisor.monte_carlo(scn, 4, uncertainty={"prices": [{"provider": "azure",
    ...     "distribution": "uniform", "low": 0.5, "high": 1.5}]}, engine="inline", progress=False)
    >>> len(mc.samples), mc.robust in set(mc.candidates["candidate"])
    (4, True)
    """
    unc = _uncertainty(scenario, uncertainty)
    n = samples if samples is not None else unc.samples
    factors = draw(unc, n, unc.seed if seed is None else seed)
    variants = [apply_sample(scenario, unc, factors.iloc[i]) for i in range(n)]
    kw = {**solve_kw, "keep_plan": False}
    base = solve_task((scenario, kw))
    if base.has_plan:  # every sample starts from the unperturbed plan, its nearest neighbour
        kw["warm_from"] = (base.placement, base.purchases)
    outs = run_tasks(
        solve_task,
        [(s, kw) for s in variants],
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        desc="monte carlo",
    )
    frame = pd.concat([factors, pd.DataFrame([o.row() for o in outs])], axis=1)
    frame.insert(0, "sample", range(n))
    frame["moved"] = [moved(base, o) for o in outs]
    frame["n_moved"] = frame["moved"].map(len)
    picks = _candidates(base, outs, candidates)
    if not picks:
        first = next((o.message for o in outs if o.message), base.message)
        raise InfeasibleScenario(
            [
                Conflict(
                    "monte_carlo",
                    "samples",
                    "no sample (and not the baseline) has a feasible plan: " + first,
                )
            ]
        )
    tasks = [(v, picks) for v in variants]
    costs = run_tasks(
        evaluate_task,
        tasks,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        desc="robust check",
    )
    long = pd.DataFrame(
        [
            {"sample": i, "candidate": c, **r}
            for i, rows in enumerate(costs)
            for c, r in enumerate(rows)
        ]
    )
    summary = _summary(long, picks, outs)
    return MonteCarloResult(
        frame,
        _move_probability(base, outs),
        summary,
        long,
        tuple(p.placement for p in picks),
        base,
        tuple(o.placement for o in outs),
        tuple(o.purchases for o in outs),
        tuple(p.purchases for p in picks),
    )


def _uncertainty(scn: Scenario, given: Uncertainty | dict | None) -> Uncertainty:
    if isinstance(given, Uncertainty):
        return given
    if isinstance(given, dict):
        from pydantic import ValidationError

        from advisor.schema.errors import issues_from_validation
        from advisor.schema.sourcemap import SourceMap

        try:
            return Uncertainty.model_validate(given)
        except ValidationError as exc:
            smap = SourceMap("<uncertainty argument>")
            raise InvalidScenario(issues_from_validation(exc, smap, Uncertainty)) from None
    if scn.uncertainty is None:
        raise InvalidScenario(
            [
                Issue(
                    "<monte carlo>",
                    None,
                    "uncertainty",
                    "nothing is uncertain: the scenario has no 'uncertainty' section",
                    expected="uncertainty: {prices: [...], demand: [...], power_price, hardware_price}",
                    hint="add one to the scenario or pass uncertainty={...}",
                )
            ]
        )
    return scn.uncertainty


def _move_probability(base: Outcome, outs: list[Outcome]) -> pd.DataFrame:
    ok = [o for o in outs if o.has_plan]
    targets = base.targets()
    rows = []
    for w, t in sorted(targets.items()):
        seen = pd.Series([o.targets().get(w) for o in ok], dtype=object)
        mode = seen.value_counts().index[0] if len(seen) else t
        rows.append(
            {
                "workload": w,
                "baseline_target": t,
                "p_moved": float((seen != t).mean()) if len(seen) else float("nan"),
                "most_likely_target": mode,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Candidate:
    """A plan held fixed: its units' choices, its purchases and its flow charges."""

    placement: pd.DataFrame
    purchases: pd.DataFrame
    flows_usd_per_month: float
    found_in: int
    is_baseline: bool = False


def _signature(o: Outcome) -> tuple:
    p = tuple(map(tuple, o.placement[KEYS].sort_values(KEYS).to_numpy().tolist()))
    b = (
        tuple(map(tuple, o.purchases[["site", "sku", "count"]].to_numpy().tolist()))
        if len(o.purchases)
        else ()
    )
    return p, b


def _candidates(base: Outcome, outs: list[Outcome], k: int) -> list[Candidate]:
    """The baseline plan (when it has one) first, then the most frequent sample optima."""
    count: dict[tuple, int] = {}
    first: dict[tuple, Outcome] = {}
    for o in outs:
        if o.has_plan:
            sig = _signature(o)
            count[sig] = count.get(sig, 0) + 1
            first.setdefault(sig, o)
    order = sorted(count, key=lambda s: -count[s])
    pick = dict(first)
    lead: list[tuple] = []
    if base.has_plan:
        base_sig = _signature(base)
        pick[base_sig] = base
        lead = [base_sig]
    chosen = [*lead, *[s for s in order if s not in lead]][: max(k, 1)]
    return [
        Candidate(
            pick[s].placement,
            pick[s].purchases,
            pick[s].flows_usd_per_month,
            count.get(s, 0),
            is_baseline=bool(lead) and s == lead[0],
        )
        for s in chosen
    ]


def evaluate_task(task: tuple[Scenario, list[Candidate]]) -> list[dict[str, Any]]:
    """Re-cost each candidate under one sample (module-level: picklable for workers)."""
    scn, cands = task
    full = _WORKER_RESOLVER.full_options(scn)
    o = full.options.set_index(KEYS)
    pools = purchasables(scn, full).set_index(["site", "sku"])
    out = []
    for c in cands:
        m = c.placement[KEYS].join(
            o[["opex_usd", "box_share_usd", "units", "site", "team"]], on=KEYS
        )
        missing = int(m["opex_usd"].isna().sum())
        bought = c.purchases
        keys = (
            pd.MultiIndex.from_arrays([bought["site"], bought["sku"]])
            if len(bought)
            else pd.MultiIndex.from_arrays([[], []])
        )
        list_usd = pools["list_price_usd"].reindex(keys).to_numpy(float)
        per_month = pools["capex_usd_per_month"].reindex(keys).to_numpy(float)
        counts = bought["count"].to_numpy(float) if len(bought) else np.zeros(0)
        amort = float((counts * per_month).sum())  # the engine's own amortisation rule
        capacity_ok = _fits(m, bought, pools)
        opex = float(m["opex_usd"].sum()) + c.flows_usd_per_month + _fixed_usd(bought, pools)
        budget_ok = _within_budgets(scn, m, opex, float((counts * list_usd).sum()))
        feasible = missing == 0 and capacity_ok
        out.append(
            {
                "monthly_total_usd": opex + amort if feasible else float("inf"),
                "feasible": feasible,
                "missing_options": missing,
                "capacity_ok": capacity_ok,
                "budget_ok": budget_ok,
            }
        )
    return out


def _fixed_usd(bought: pd.DataFrame, pools: pd.DataFrame) -> float:
    """Idle power + ops a month of every installed box (owned and bought)."""
    extra = bought.set_index(["site", "sku"])["count"] if len(bought) else pd.Series(dtype=float)
    boxes = pools["inventory"] + extra.reindex(pools.index).fillna(0.0)
    return float((boxes * pools["fixed_usd_per_month"]).sum())


def _fits(m: pd.DataFrame, bought: pd.DataFrame, pools: pd.DataFrame) -> bool:
    used = m.dropna(subset=["site"])
    used = used[used["site"] != ""]
    if used.empty:
        return True
    need = used.groupby(["site", "hardware"])["units"].sum()
    extra = bought.set_index(["site", "sku"])["count"] if len(bought) else pd.Series(dtype=float)
    for (site, sku), units in need.items():
        if (site, sku) not in pools.index:
            return False
        p = pools.loc[(site, sku)]
        boxes = float(p["inventory"]) + float(extra.get((site, sku), 0))
        if units > p["box_units"] * boxes + 1e-6:
            return False
    return True


def _within_budgets(scn: Scenario, m: pd.DataFrame, opex_all: float, capex_all: float) -> bool:
    for b in scn.budgets:
        if b.opex_usd_per_month_max is not None:
            spent = (
                opex_all
                if b.scope == "all"
                else float(
                    m.loc[m["team"] == b.scope[5:], ["opex_usd", "box_share_usd"]].sum().sum()
                )
            )
            if spent > b.opex_usd_per_month_max * (1 + 1e-9):
                return False
        if (
            b.scope == "all"
            and b.capex_usd_max is not None
            and capex_all > b.capex_usd_max * (1 + 1e-9)
        ):
            return False
    return True


def _summary(long: pd.DataFrame, picks: list[Candidate], outs: list[Outcome]) -> pd.DataFrame:
    rows = []
    wide = long.pivot(index="sample", columns="candidate", values="monthly_total_usd")
    best = wide.min(axis=1)
    for c, g in long.groupby("candidate", sort=True):
        v = g["monthly_total_usd"].to_numpy(float)
        finite = v[np.isfinite(v)]
        rows.append(
            {
                "candidate": int(c),
                "baseline": picks[c].is_baseline,
                "optimal_in_samples": picks[c].found_in,
                "mean_usd": float(finite.mean()) if len(finite) == len(v) else float("inf"),
                "p50_usd": float(np.quantile(v, 0.5, method="higher")),
                "p90_usd": float(np.quantile(v, QUANTILE, method="higher")),
                "max_usd": float(v.max()),
                "p_infeasible": float((~g["feasible"]).mean()),
                "p_over_budget": float((~g["budget_ok"]).mean()),
                "wins": int(((wide[c] <= best + 1e-6) & np.isfinite(wide[c])).sum()),
            }
        )
    s = pd.DataFrame(rows)
    order = s.sort_values(["p90_usd", "mean_usd", "candidate"]).index[0]
    s["robust"] = s.index == order
    return s
