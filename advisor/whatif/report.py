"""HTML reports of a sweep and of a Monte Carlo run, in the plan report's template.

Each is a view model (every number and sentence computed here) rendered by the report
stage's one jinja2 environment: a header, what varied and how, a short narrative, the table of
points (or samples), a description of every distinct plan, and the charts. Self-contained and
offline like the plan report (the same inlined plotly.js partial bundle).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from advisor.report.embed import figure_json
from advisor.report.fmt import money, pct, signed_money
from advisor.report.render import render
from advisor.report.tables import Column, data_table
from advisor.safeio import atomic_write_text
from advisor.whatif.describe import describe, signature, targets_of
from advisor.whatif.montecarlo import draw

if TYPE_CHECKING:
    from advisor.schema.scenario import Distribution, Scenario, Uncertainty
    from advisor.whatif.montecarlo import MonteCarloResult
    from advisor.whatif.sweep import SweepResult

FEASIBLE = ("optimal", "time_limit")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _value_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "none"
    return f"{v:g}" if isinstance(v, int | float) else str(v)


def _chart(chart_id: str, fig: Any, caption: str = "") -> dict[str, Any]:
    return {"id": f"fig-{chart_id}", "json": figure_json(fig), "caption": caption}


# --- sweep ------------------------------------------------------------------------------------

SWEEP_COLUMNS = [
    Column("value_text", "Value"),
    Column("status", "Status"),
    Column("plan", "Plan"),
    Column("monthly_total_usd", "USD/month", money),
    Column("delta_usd", "vs unedited", signed_money),
    Column("capex_usd", "Capex", money),
    Column("workloads_local", "Local", lambda v: "—" if v is None else f"{int(v):,}"),
    Column("workloads_edge", "Edge", lambda v: "—" if v is None else f"{int(v):,}"),
    Column("workloads_cloud", "Cloud", lambda v: "—" if v is None else f"{int(v):,}"),
    Column("n_moved", "Moved", lambda v: f"{int(v):,}"),
    Column("note", "Moved workloads / why no plan", css="wide"),
]
CASCADE_COLUMNS = [
    Column("no_cascade_usd", "No cascade USD/month", money),
    Column("cascade_saving_usd", "Cascade saves", signed_money),
]
"""Added for ``escalation:<id>`` sweeps (:mod:`advisor.whatif.cascade`)."""


def _plan_ids(outcomes: list[Any], base: Any) -> tuple[list[str | None], dict[tuple, int]]:
    """``plan N`` per outcome (N by first appearance; None without a plan)."""
    ids: dict[tuple, int] = {}
    if base.has_plan:
        ids[signature(base.placement, base.purchases)] = 0
    out: list[str | None] = []
    for o in outcomes:
        if not o.has_plan:
            out.append(None)
            continue
        sig = signature(o.placement, o.purchases)
        if sig not in ids:
            ids[sig] = len(ids) + (0 if base.has_plan else 1)
        out.append(f"plan {ids[sig]}")
    return out, ids


def cascade_narrative(f: pd.DataFrame, reference_label: str) -> list[str]:
    from advisor.whatif.cascade import narrative

    return narrative(f, reference_label.split(" (no plan")[0], reference_label)


def sweep_view(result: SweepResult, scenario_name: str = "") -> dict[str, Any]:
    """Everything ``sweep.html.j2`` shows."""
    f = result.frame.copy()
    base = result.baseline
    base_usd = base.row()["monthly_total_usd"] if base.has_plan else float("nan")
    labels, ids = _plan_ids(list(result.outcomes), base)
    f["plan"] = [label or "—" for label in labels]
    f["value_text"] = [_value_text(v) for v in f["value"]]
    f["delta_usd"] = f["monthly_total_usd"] - base_usd
    f["note"] = [
        ", ".join(m) if s in FEASIBLE else (msg.splitlines()[0] if msg else s)
        for m, s, msg in zip(f["moved"], f["status"], f["message"], strict=True)
    ]
    ok = f[f["status"].isin(FEASIBLE)]
    plans = []
    seen: set[str] = set()
    reference = base.placement if base.has_plan else None
    if base.has_plan:
        plans.append(
            {
                "name": "plan 0",
                "title": "the unedited scenario's plan",
                "footer": "optimal at: "
                + (", ".join(ok.loc[ok["plan"] == "plan 0", "value_text"]) or "no swept value"),
                "robust": False,
                "most_often": False,
                "cost": money(base_usd) + "/month unedited",
                **describe(base.placement, base.purchases, None),
            }
        )
        seen.add("plan 0")
    for o, label in zip(result.outcomes, labels, strict=True):
        if label is None or label in seen:
            continue
        seen.add(label)
        pts = ok[ok["plan"] == label]
        lo, hi = pts["monthly_total_usd"].min(), pts["monthly_total_usd"].max()
        plans.append(
            {
                "name": label,
                "title": "optimal at " + ", ".join(pts["value_text"]),
                "footer": f"optimal at: {', '.join(pts['value_text'])}",
                "robust": False,
                "most_often": False,
                "cost": money(lo) + ("" if np.isclose(lo, hi) else f" to {money(hi)}") + "/month",
                **describe(o.placement, o.purchases, reference),
            }
        )
    return {
        "title": f"Sweep of {result.parameter.label}"
        + (f": {scenario_name}" if scenario_name else ""),
        "scenario_name": scenario_name,
        "parameter": {
            "name": result.parameter.name,
            "label": result.parameter.label,
            "unit": result.parameter.unit,
            "value_list": ", ".join(f["value_text"]),
            "points": len(f),
            "meaning": parameter_meaning(result.parameter.name, result.parameter.unit),
        },
        "baseline_usd": base_usd,
        "narrative": sweep_narrative(f, base_usd, len(ids))
        + (
            cascade_narrative(f, result.reference_label)
            if result.parameter.name.startswith("escalation:")
            else []
        ),
        "table": data_table(
            "points-table",
            SWEEP_COLUMNS + (CASCADE_COLUMNS if "no_cascade_usd" in f else []),
            _records(f),
            page_size=25,
        ),
        "plans": plans,
        "charts": {"sweep": _chart("sweep", result.figure())},
    }


def parameter_meaning(name: str, unit: str) -> str:
    """What the swept value does to the scenario, in words."""
    head, _, rest = name.partition(":")
    scope = rest.replace(":", " ") if rest else ""
    factor = "multiplies" if unit == "factor" else "sets"
    words = {
        "price": f"{factor} the cloud prices of {scope or 'every provider'}",
        "hardware_price": f"{factor} the list price of every box the sites own or may buy",
        "power_price": f"{factor} the electricity price at every site",
        "demand": f"{factor} the demand of {scope or 'every workload'}",
        "slo": f"{factor} the latency SLO of {scope or 'every workload'}",
        "budget": f"sets the opex budget of {scope or 'all'} (USD/month)",
        "capex_budget": f"sets the capex budget of {scope or 'all'} (USD)",
        "risk_cap": "sets the privacy-risk cap (points)",
        "carbon_cap": "sets the carbon cap (kgCO2e/month)",
        "horizon_months": "sets the planning horizon (months)",
        "escalation": f"sets the share of {scope}'s requests escalated (fraction)",
    }
    return words.get(head, f"applies a custom edit ({unit})")


def sweep_narrative(f: pd.DataFrame, base_usd: float, n_plans: int) -> list[str]:
    ok = f[f["status"].isin(FEASIBLE)]
    out = []
    if len(ok):
        lo = ok.loc[ok["monthly_total_usd"].idxmin()]
        hi = ok.loc[ok["monthly_total_usd"].idxmax()]
        out.append(
            f"Over the {len(f)} values, the best plan costs from {money(lo['monthly_total_usd'])}"
            f"/month (at {lo['value_text']}) to {money(hi['monthly_total_usd'])}/month "
            f"(at {hi['value_text']}); the unedited scenario costs {money(base_usd)}/month."
        )
    changes = []
    prev = None
    for r in f.to_dict(orient="records"):
        if (
            prev is not None
            and r["plan"] != prev["plan"]
            and r["plan"] != "—"
            and prev["plan"] != "—"
        ):
            changes.append(
                f"between {prev['value_text']} and {r['value_text']} ({prev['plan']} → {r['plan']})"
            )
        prev = r
    if changes:
        out.append(
            f"{n_plans} different plans are optimal somewhere in the range; the placement changes "
            + "; ".join(changes)
            + "."
        )
    elif len(ok):
        out.append("The same plan is optimal at every feasible value: only its cost changes.")
    bad = f[~f["status"].isin(FEASIBLE)]
    if len(bad):
        out.append(
            f"No plan at {', '.join(bad['value_text'])}: {bad['note'].iloc[0]}"
            + (" (and the others likewise)" if len(bad) > 1 else "")
            + "."
        )
    return out


def sweep_html(result: SweepResult, scenario_name: str = "") -> str:
    return render("sweep.html.j2", **sweep_view(result, scenario_name))


def write_sweep_report(result: SweepResult, path: str | Path, scenario_name: str = "") -> Path:
    """Write ``sweep.html`` (atomically; parent folders are created)."""
    return atomic_write_text(path, sweep_html(result, scenario_name))


# --- Monte Carlo ------------------------------------------------------------------------------


def distribution_text(d: Distribution) -> str:
    """``lognormal, sigma 0.25 (median 1)`` etc.: the factor's distribution in words."""
    if d.distribution == "uniform":
        return f"uniform from {d.low:g} to {d.high:g}"
    if d.distribution == "triangular":
        return f"triangular from {d.low:g} to {d.high:g}, most likely {d.mode:g}"
    if d.distribution == "normal":
        return f"normal, mean 1, sd {d.sd:g}"
    return f"lognormal, median 1, sigma {d.sigma:g}"


def uncertainty_rows(unc: Uncertainty | None, samples: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per uncertain factor: what it multiplies, its distribution, the drawn range.

    ``unc`` describes the factors in words when it is the one the samples were drawn from
    (its factor names match the sample columns); otherwise only the drawn range is shown.
    """
    factors = [c for c in samples.columns if "[" in c or c in ("power_price", "hardware_price")]
    specs: list[tuple[str, str]] = []
    if unc is not None and list(draw(unc, 1, 0).columns) != factors:
        unc = None
    if unc is not None:
        for p in unc.prices:
            what = f"{p.provider} prices" + (f", {p.pricing}" if p.pricing else "")
            what += f" in {p.region}" if p.region else ""
            specs.append((what, distribution_text(p)))
        for d in unc.demand:
            specs.append(
                ("demand of " + (", ".join(d.workloads) or "every workload"), distribution_text(d))
            )
        if unc.power_price is not None:
            specs.append(("electricity price at every site", distribution_text(unc.power_price)))
        if unc.hardware_price is not None:
            specs.append(("list price of every box", distribution_text(unc.hardware_price)))
    rows = []
    for i, c in enumerate(factors):
        what, dist = specs[i] if specs else (c, "not given to the report")
        v = samples[c].to_numpy(float)
        rows.append(
            {
                "factor": c,
                "what": what,
                "distribution": dist,
                "low": float(v.min()),
                "p50": float(np.median(v)),
                "high": float(v.max()),
            }
        )
    return rows


SAMPLE_COLUMNS = [
    Column("sample", "Sample", lambda v: f"{int(v)}"),
    Column("status", "Status"),
    Column("monthly_total_usd", "Best USD/month", money),
    Column("delta_usd", "vs unedited", signed_money),
    Column("n_moved", "Moved", lambda v: f"{int(v):,}"),
    Column("factors", "Factors drawn", css="wide"),
    Column("note", "Moved workloads / why no plan", css="wide"),
]
CASCADE_COLUMNS = [
    Column("no_cascade_usd", "No cascade USD/month", money),
    Column("cascade_saving_usd", "Cascade saves", signed_money),
]
"""Added for ``escalation:<id>`` sweeps (:mod:`advisor.whatif.cascade`)."""


def montecarlo_view(
    result: MonteCarloResult,
    scenario: Scenario | None = None,
    uncertainty: Uncertainty | None = None,
) -> dict[str, Any]:
    """Everything ``montecarlo.html.j2`` shows; ``uncertainty`` defaults to the scenario's."""
    s = result.samples.copy()
    base = result.baseline
    base_usd = base.row()["monthly_total_usd"] if base.has_plan else float("nan")
    if uncertainty is None and scenario is not None:
        uncertainty = scenario.uncertainty
    unc = uncertainty_rows(uncertainty, s)
    names = [u["factor"] for u in unc]
    s["delta_usd"] = s["monthly_total_usd"] - base_usd
    s["factors"] = [
        ", ".join(f"{n} × {v:.2f}" for n, v in zip(names, row, strict=True))
        for row in s[names].to_numpy(float)
    ]
    s["note"] = [
        ", ".join(m) if st in FEASIBLE else (msg.splitlines()[0] if msg else st)
        for m, st, msg in zip(s["moved"], s["status"], s["message"], strict=True)
    ]
    ok = s[s["status"].isin(FEASIBLE)]
    cost = ok["monthly_total_usd"].to_numpy(float)
    reference = base.placement if base.has_plan else None
    cands = []
    for r in result.candidates.to_dict(orient="records"):
        c = int(r["candidate"])
        purchases = (
            result.candidate_purchases[c] if c < len(result.candidate_purchases) else pd.DataFrame()
        )
        cands.append(
            {
                "name": f"plan {c}",
                "title": "the unedited scenario's plan"
                if r["baseline"]
                else f"optimal in {r['optimal_in_samples']} of {len(s)} samples",
                "robust": bool(r["robust"]),
                "most_often": c == result.most_often,
                **{k: r[k] for k in ("mean_usd", "p50_usd", "p90_usd", "max_usd")},
                "p_infeasible": r["p_infeasible"],
                "p_over_budget": r["p_over_budget"],
                "wins": int(r["wins"]),
                "footer": f"held fixed: mean {money(r['mean_usd'])}, P90 {money(r['p90_usd'])}/month",
                **describe(result.placement(c), purchases, None if r["baseline"] else reference),
            }
        )
    mv = moves_when_moved(result)
    return {
        "title": f"Monte Carlo: {len(s)} samples" + (f": {scenario.name}" if scenario else ""),
        "scenario_name": scenario.name if scenario else "",
        "uncertainty": unc,
        "samples": len(s),
        "feasible": len(ok),
        "baseline_usd": base_usd,
        "quantiles": {
            "p10": float(np.percentile(cost, 10)) if len(cost) else None,
            "p50": float(np.percentile(cost, 50)) if len(cost) else None,
            "p90": float(np.percentile(cost, 90)) if len(cost) else None,
        },
        "narrative": montecarlo_narrative(result, cands, mv, len(s), len(ok), base_usd),
        "candidates": cands,
        "moves": _records(mv.head(25)),
        "moves_count": len(mv),
        "table": data_table("samples-table", SAMPLE_COLUMNS, _records(s), page_size=25),
        "charts": {
            "distribution": _chart("mc-distribution", result.figure()),
            "robust": _chart(
                "mc-robust",
                result.robust_figure(),
                "Each box: one candidate plan held fixed and re-costed under every sample "
                "(box: the middle half of the samples, solid line: median, dashed: mean; whiskers "
                "reach 1.5 × the box height, dots beyond are single samples).",
            ),
        },
    }


def moves_when_moved(result: MonteCarloResult) -> pd.DataFrame:
    """Workloads that move in some sample, with where they go *when* they move.

    ``most_likely_target`` in ``result.move_probability`` is the most frequent target over all
    samples, which is the unedited one for a workload that moves in a minority of samples.
    """
    mv = result.move_probability
    mv = mv[mv["p_moved"] > 0].sort_values(["p_moved", "workload"], ascending=[False, True])
    base = mv.set_index("workload")["baseline_target"].to_dict()
    seen: dict[str, dict[str, int]] = {w: {} for w in base}
    for placement in result.sample_placements:
        if len(placement):
            for w, t in targets_of(placement).items():
                if w in seen and t != base[w]:
                    seen[w][t] = seen[w].get(t, 0) + 1
    mv = mv.assign(
        moves_to=[
            min(seen[w], key=lambda t: (-seen[w][t], t)) if seen[w] else "—" for w in mv["workload"]
        ]
    )
    return mv.reset_index(drop=True)


def montecarlo_narrative(
    result: MonteCarloResult,
    cands: list[dict[str, Any]],
    mv: pd.DataFrame,
    n: int,
    n_ok: int,
    base_usd: float,
) -> list[str]:
    ok = result.samples[result.samples["status"].isin(FEASIBLE)]["monthly_total_usd"]
    out = [
        f"{n_ok:,} of {n:,} samples have a feasible plan. Re-optimised for each sample, the "
        f"monthly cost has P10 {money(ok.quantile(0.1))}, median {money(ok.quantile(0.5))} and "
        f"P90 {money(ok.quantile(0.9))}; the unedited scenario costs {money(base_usd)}."
    ]
    robust = next(c for c in cands if c["robust"])
    base = next((c for c in cands if c["name"] == "plan 0" and "unedited" in c["title"]), None)
    text = (
        f"The robust plan, the one with the lowest 90th-percentile cost when it is committed to "
        f"before the uncertainty resolves, is {robust['name']} ({robust['title']}): P90 "
        f"{money(robust['p90_usd'])}, mean {money(robust['mean_usd'])}."
    )
    if base is not None and base is not robust:
        text += (
            f" Keeping the unedited plan instead would cost P90 {money(base['p90_usd'])} "
            f"({signed_money(base['p90_usd'] - robust['p90_usd'])})."
        )
    elif base is robust:
        text += " It is the unedited plan: no sampled optimum beats it at the 90th percentile."
    out.append(text)
    if robust["p_infeasible"] > 0 or robust["p_over_budget"] > 0:
        out.append(
            f"Held fixed, {robust['name']} cannot serve the demand in "
            f"{pct(robust['p_infeasible'], 0)} of samples and breaks a budget in "
            f"{pct(robust['p_over_budget'], 0)}."
        )
    if len(mv):
        top = mv.head(3)
        out.append(
            "Workloads most likely to move: "
            + "; ".join(
                f"{r.workload} ({pct(r.p_moved, 0)} of samples, mostly to {r.moves_to})"
                for r in top.itertuples(index=False)
            )
            + "."
        )
    else:
        out.append(
            "No workload moves in any sample: the placement is stable under this uncertainty."
        )
    return out


def montecarlo_html(
    result: MonteCarloResult,
    scenario: Scenario | None = None,
    uncertainty: Uncertainty | None = None,
) -> str:
    return render("montecarlo.html.j2", **montecarlo_view(result, scenario, uncertainty))


def write_montecarlo_report(
    result: MonteCarloResult,
    path: str | Path,
    scenario: Scenario | None = None,
    uncertainty: Uncertainty | None = None,
) -> Path:
    """Write ``montecarlo.html`` (atomically; parent folders are created)."""
    return atomic_write_text(path, montecarlo_html(result, scenario, uncertainty))
