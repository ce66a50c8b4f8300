"""``advisor.pareto``: the cost / risk, cost / carbon or cost / latency trade-off.

Method (ε-constraint): (1) solve for minimum cost: its ``y`` is the front's upper end;
(2) find the lowest achievable ``y``: for risk and carbon, solve with the weighted objective
and a weight on ``y`` so large that cost only breaks ties (near-lexicographic); for latency,
the largest of each workload's fastest feasible option (a lower bound); (3) for ``points``
values ε spread evenly between them, minimise cost subject to ``y <= ε``, using the model's
own caps: ``limits.privacy_risk_max`` (total risk), ``limits.carbon_kg_per_month_max``
(total carbon), or every workload's latency SLO set to ``min(SLO, ε)`` (so latency is the
*worst* workload latency). Points whose plan another point beats on both axes are flagged
``dominated``; each point keeps its plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from advisor.errors import InvalidScenario, Issue
from advisor.report.notebook_figure import returns_notebook_figure
from advisor.schema.edits import with_limits
from advisor.schema.load import revalidate
from advisor.schema.refs import did_you_mean
from advisor.schema.scenario import Scenario
from advisor.whatif.cache import Resolver
from advisor.whatif.runner import Outcome, solve_outcome
from advisor.whatif.sweep import _solve_all

AXES = {
    "privacy_risk": ("privacy_risk", "total privacy risk (points)"),
    "carbon": ("carbon_kg_per_month", "carbon (kgCO2e/month)"),
    "latency": ("latency_ms_max", "worst workload latency (ms)"),
}
EPS_SLACK = 1e-7
"""Relative slack on ε so a cap equal to a plan's own value keeps that plan feasible."""


@dataclass(frozen=True, eq=False)
class ParetoResult:
    """The frontier (one row per ε) with each point's plan."""

    y: str
    frontier: pd.DataFrame
    outcomes: tuple[Outcome, ...]

    @property
    def y_column(self) -> str:
        return AXES[self.y][0]

    @property
    def y_label(self) -> str:
        return AXES[self.y][1]

    @property
    def plans(self) -> list[Any]:
        return [o.plan for o in self.outcomes]

    @returns_notebook_figure
    def figure(self):
        from advisor.whatif.figures import pareto_figure

        return pareto_figure(self)

    def _repr_html_(self) -> str:
        from advisor.whatif.figures import frame_html

        f = self.frontier.drop(columns=["seconds"])
        return frame_html(f"Pareto front: cost against {self.y_label}", f)


def pareto(
    scenario: Scenario,
    x: str = "cost",
    y: str = "privacy_risk",
    points: int = 8,
    *,
    engine: str = "local",
    scheduler: Any = None,
    workers: int | None = None,
    progress: bool = True,
    **solve_kw: Any,
) -> ParetoResult:
    """Cost against ``y`` (``privacy_risk``, ``carbon`` or ``latency``) by the ε-constraint
    method, ``points`` ε values from the lowest achievable ``y`` to that of the cheapest plan.

    >>> import advisor
    >>> scn = advisor.load_scenario(advisor.example_path("eu-insurer"))
    >>> p = advisor.pareto(scn, y="carbon", points=3, engine="inline", progress=False)
    >>> bool(p.frontier["monthly_total_usd"].is_monotonic_increasing)
    True
    """
    if x != "cost":
        raise _bad("x", x, ["cost"])
    if y not in AXES:
        raise _bad("y", y, list(AXES))
    if points < 2:
        raise _bad("points", str(points), ["an integer >= 2"])
    resolver = Resolver()
    col = AXES[y][0]
    cheapest = solve_outcome(scenario, resolver=resolver, **solve_kw)
    if not cheapest.has_plan:
        raise InvalidScenario(
            [Issue("<pareto>", None, "scenario", f"no plan to start from: {cheapest.message}")]
        )
    hi = cheapest.row()[col]
    lo = _lowest(scenario, y, hi, cheapest, resolver, solve_kw)
    eps = np.linspace(hi, lo, points) if hi > lo else np.array([hi])
    variants = [_capped(scenario, y, float(e)) for e in eps]
    outs = _solve_all(variants, True, engine, scheduler, workers, progress, solve_kw)
    rows = [{"epsilon": float(e), **o.row()} for e, o in zip(eps, outs, strict=True)]
    frame = pd.DataFrame(rows)
    frame["dominated"] = _dominated(frame, col)
    return ParetoResult(y, frame, tuple(outs))


def _lowest(scn: Scenario, y: str, hi: float, base: Outcome, r: Resolver, kw: dict) -> float:
    if y == "latency":
        full = r.full_options(scn).options
        return float(full.groupby("unit")["latency_ms"].min().max())
    big = 1e3 * max(base.row()["monthly_total_usd"], 1.0) / max(hi, 1e-9)
    weights = scn.settings.weights.model_copy(
        update={"usd_per_risk_point": big}
        if y == "privacy_risk"
        else {"usd_per_tonne_co2e": big * 1000.0}
    )
    weighted = scn.with_settings(objective="weighted", weights=weights)
    low = solve_outcome(weighted, resolver=r, **kw)
    return low.row()[AXES[y][0]] if low.has_plan else hi


def _capped(scn: Scenario, y: str, eps: float) -> Scenario:
    cap = eps * (1 + EPS_SLACK) + EPS_SLACK
    if y == "privacy_risk":
        old = scn.limits.privacy_risk_max
        return with_limits(scn, privacy_risk_max=cap if old is None else min(old, cap))
    if y == "carbon":
        old = scn.limits.carbon_kg_per_month_max
        return with_limits(scn, carbon_kg_per_month_max=cap if old is None else min(old, cap))
    out = tuple(
        w.model_copy(update={"latency_slo_ms": min(w.latency_slo_ms or np.inf, cap)})
        for w in scn.workloads
    )
    draft = scn.model_construct(**{**dict(scn), "workloads": out})
    draft._base_dir = scn._base_dir
    return revalidate(draft)


def _dominated(f: pd.DataFrame, col: str) -> list[bool]:
    ok = f["status"].isin(["optimal", "time_limit"]).to_numpy()
    c, v = f["monthly_total_usd"].to_numpy(float), f[col].to_numpy(float)
    out = []
    for i in range(len(f)):
        if not ok[i]:
            out.append(True)
            continue
        better = (
            ok & (c <= c[i] + 1e-6) & (v <= v[i] + 1e-9) & ((c < c[i] - 1e-6) | (v < v[i] - 1e-9))
        )
        same_earlier = ok & (np.abs(c - c[i]) <= 1e-6) & (np.abs(v - v[i]) <= 1e-9)
        same_earlier[i:] = False
        out.append(bool(better.any() or same_earlier.any()))
    return out


def _bad(field: str, value: str, choices: list[str]) -> InvalidScenario:
    return InvalidScenario(
        [
            Issue(
                "<pareto>",
                None,
                field,
                f"unsupported {field} '{value}'",
                expected=", ".join(choices),
                hint=did_you_mean(value, choices),
            )
        ]
    )
