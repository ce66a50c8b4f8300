"""Terminal rendering for the CLI (rich tables, progress).

The consoles are created with ``markup=False, emoji=False``: scenario names, ids and paths are
user text and print exactly as written (``file.yaml:100:`` never becomes an emoji).
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator

import pandas as pd
from rich.console import Console
from rich.table import Table


def scenario_summary(scn) -> dict:
    """Counts by tier, classification and team (what `advisor validate` prints)."""
    sites = Counter(s.kind for s in scn.sites)
    return {
        "name": scn.name,
        "workloads": len(scn.workloads),
        "sites": {"local": sites.get("local", 0), "edge": sites.get("edge", 0)},
        "cloud_providers": list(scn.clouds.providers),
        "by_classification": dict(
            sorted(Counter(w.data.classification for w in scn.workloads).items())
        ),
        "by_team": dict(sorted(Counter(w.team for w in scn.workloads).items())),
        "by_kind": dict(sorted(Counter(w.kind for w in scn.workloads).items())),
        "budgets": len(scn.budgets),
        "horizon_months": scn.settings.horizon_months,
    }


def print_scenario_summary(out: Console, name: str, s: dict) -> None:
    out.print(
        f"valid: {name}: {s['workloads']} workloads, "
        f"{s['sites']['local']} local + {s['sites']['edge']} edge sites, "
        f"clouds {', '.join(s['cloud_providers'])}, horizon {s['horizon_months']} months"
    )
    for title, key in (
        ("classification", "by_classification"),
        ("team", "by_team"),
        ("kind", "by_kind"),
    ):
        t = Table(title=f"workloads by {title}", show_edge=False)
        t.add_column(title)
        t.add_column("workloads", justify="right")
        for k, v in s[key].items():
            t.add_row(str(k), str(v))
        out.print(t)


@contextlib.contextmanager
def progress(console: Console, enabled: bool) -> Iterator[Callable[[str], None]]:
    """A status line that shows the current step and elapsed time."""
    if not enabled:
        yield lambda text: None
        return
    t0 = time.perf_counter()
    with console.status("loading") as status:

        def step(text: str) -> None:
            status.update(f"{text}  ({time.perf_counter() - t0:.1f} s)")
            console.log(text)

        yield step


def _money(x: float) -> str:
    return f"${x:,.0f}"


def print_plan(out: Console, plan, files: dict, sensitivity_hint: bool = True) -> None:
    k = plan.kpis
    gap = "n/a" if plan.gap is None else f"{plan.gap:.4%}"
    status = "optimal" if plan.proven_optimal else f"{plan.status} (not proven optimal)"
    out.print(f"{plan.scenario.name}: {status}, gap {gap}, solver {plan.solver}")
    out.print(
        f"monthly {_money(k['monthly_total_usd'])} (opex {_money(k['monthly_opex_usd'])} + "
        f"amortised capex {_money(k['monthly_capex_amortised_usd'])}); "
        f"{k['horizon_months']}-month TCO {_money(k['horizon_tco_usd'])}; capex {_money(k['capex_usd'])}"
    )
    tiers = k["workloads_per_tier"]
    out.print(f"workloads: {tiers['local']} local, {tiers['edge']} edge, {tiers['cloud']} cloud")
    a = plan.assignments
    t = Table(title="placement", show_edge=False)
    for col in ("workload", "tier", "target", "hardware", "pricing", "$/month", "latency/SLO ms"):
        t.add_column(
            col, justify="right" if col.startswith(("$", "lat")) else "left", overflow="fold"
        )
    for r in a.head(40).itertuples(index=False):
        slo = "-" if r.slo_ms == float("inf") else f"{r.slo_ms:.0f}"
        t.add_row(
            r.unit,
            r.tier,
            r.target,
            f"{r.hardware} ({r.precision})" if r.accelerator else r.hardware,
            r.pricing,
            f"{r.total_usd:,.0f}",
            f"{r.latency_ms:.0f}/{slo}",
        )
    out.print(t)
    if len(a) > 40:
        out.print(f"... and {len(a) - 40} more in plan.csv")
    b = plan.baselines
    bt = Table(title="savings against baselines (per month)", show_edge=False)
    for col in ("baseline", "$/month", "saving", "breaks"):
        bt.add_column(col)
    from advisor.report.stats import savings

    status = savings(plan).set_index("baseline")["status"]
    for r in b.itertuples(index=False):
        saving = (
            _money(r.saving_usd_per_month)
            if status[r.baseline] == "valid"
            else f"n/a ({status[r.baseline]})"
        )
        bt.add_row(r.baseline, _money(r.monthly_usd), saving, "; ".join(r.broken[:2]) or "-")
    out.print(bt)
    if len(plan.purchases):
        out.print(
            "purchases: "
            + ", ".join(f"{p.count} x {p.sku} at {p.site}" for p in plan.purchases.itertuples())
        )
    if plan.sensitivity_computed:
        print_sensitivity(out, plan)
    elif len(plan.relaxing) and sensitivity_hint:
        out.print(
            f"binding limits: {', '.join(plan.relaxing['limit'])} "
            "(value of relaxing not computed; add --sensitivity)",
            markup=False,
        )
    for _name, path in files.items():
        out.print(f"wrote {path}")


def print_sensitivity(out: Console, plan) -> None:
    """The binding limits and, when computed, what relaxing each would save."""
    for r in plan.relaxing.itertuples(index=False):
        if str(r.method).startswith("not computed"):
            out.print(f"binding: {r.limit} (value of relaxing {r.method})", markup=False)
        elif r.saving_usd_per_month and r.saving_usd_per_month > 0:
            out.print(
                f"binding: {r.limit}: {r.relax_by:g} {r.unit} more saves "
                f"{_money(r.saving_usd_per_month)}/month"
            )
        else:
            out.print(f"binding: {r.limit}: relaxing it by {r.relax_by:g} {r.unit} saves nothing")


def print_catalog_list(out: Console, cat) -> None:
    prov = cat.provenance()
    t = Table(title=f"catalog {cat.version}", show_edge=False)
    for col in ("table", "rows", "sources", "dates", "bases"):
        t.add_column(col, overflow="fold")
    for name, frame in cat.tables.items():
        p = prov[prov["table"] == name]
        dates = sorted(set(p["as_of"]) - {""})
        t.add_row(
            name,
            f"{len(frame):,}",
            str(p["source"].nunique()),
            f"{dates[0]} .. {dates[-1]}" if dates else "-",
            ", ".join(sorted(set(p["basis"]))),
        )
    out.print(t)
    if cat.user_dir:
        out.print(f"user catalog overlay: {cat.user_dir}")


def print_frame(out: Console, frame: pd.DataFrame, title: str, provenance: bool = False) -> None:
    hidden = ("origin",) if provenance else ("source", "note", "origin", "as_of", "basis", "name")
    cols = [c for c in frame.columns if c not in hidden]
    t = Table(title=title, show_edge=False)
    for c in cols:
        t.add_column(c, overflow="ellipsis", no_wrap=True, max_width=40)
    for row in frame[cols].itertuples(index=False):
        t.add_row(
            *("" if pd.isna(v) else (f"{v:g}" if isinstance(v, float) else str(v)) for v in row)
        )
    out.print(t)


def print_compare(out: Console, result: dict) -> None:
    d = result["delta_usd_per_month"]
    out.print(
        f"{result['a']} -> {result['b']}: {len(result['moved'])} moved, "
        f"{len(result.get('repriced', []))} repriced in place, {result['unchanged']} unchanged; "
        f"monthly {_money(result['monthly_total_usd']['a'])} -> {_money(result['monthly_total_usd']['b'])} "
        f"({'+' if d >= 0 else '-'}{_money(abs(d))})"
    )
    t = Table(show_edge=False)
    for c in ("unit", "before", "after", "delta $/month", "why"):
        t.add_column(c, overflow="fold")
    for r in [*result["moved"], *result.get("repriced", [])][:50]:
        t.add_row(
            r["unit"],
            f"{r['target_a']} {r['hardware_a']}",
            f"{r['target_b']} {r['hardware_b']}",
            f"{r['delta_usd']:+,.0f}",
            r["why"],
        )
    out.print(t)
    out.print(f"wrote {result['report']}")


def print_sweep(out: Console, result, files: dict) -> None:
    f = result.frame
    t = Table(title=f"sweep of {result.parameter.label}", title_justify="left")
    for c in ("value", "status", "USD/month", "local", "edge", "cloud", "moved"):
        t.add_column(c, justify="right" if c not in ("status", "moved") else "left")
    for r in f.itertuples(index=False):
        ok = r.status in ("optimal", "time_limit")
        t.add_row(
            "none" if pd.isna(r.value) else f"{r.value:g}",
            r.status,
            _money(r.monthly_total_usd) if ok else "-",
            *(str(getattr(r, f"workloads_{k}")) if ok else "-" for k in ("local", "edge", "cloud")),
            ", ".join(r.moved[:4]) + (f" +{len(r.moved) - 4}" if len(r.moved) > 4 else "")
            if ok
            else r.message.splitlines()[0][:60],
        )
    out.print(t)
    base = result.baseline.row()["monthly_total_usd"]
    out.print(f"baseline (unedited): {_money(base)}/month", markup=False)
    for k, v in files.items():
        out.print(f"  {k}: {v}", markup=False)


def print_montecarlo(out: Console, result, files: dict) -> None:
    s = result.samples
    ok = s["status"].isin(["optimal", "time_limit"])
    cost = s.loc[ok, "monthly_total_usd"]
    out.print(
        f"{len(s)} samples, {int(ok.sum())} feasible; best cost per sample: "
        f"P10 {_money(cost.quantile(0.1))}  P50 {_money(cost.quantile(0.5))}  "
        f"P90 {_money(cost.quantile(0.9))} per month",
        markup=False,
    )
    t = Table(title="candidate plans held fixed across samples", title_justify="left")
    for c in ("plan", "optimal in", "mean", "P90", "infeasible", "over budget", "wins", ""):
        t.add_column(c, justify="right")
    for r in result.candidates.itertuples(index=False):
        t.add_row(
            str(r.candidate) + (" (baseline)" if r.baseline else ""),
            str(r.optimal_in_samples),
            _money(r.mean_usd),
            _money(r.p90_usd),
            f"{r.p_infeasible:.0%}",
            f"{r.p_over_budget:.0%}",
            str(r.wins),
            "robust" if r.robust else "",
        )
    out.print(t)
    mv = result.move_probability
    mv = mv[mv["p_moved"] > 0].sort_values("p_moved", ascending=False).head(10)
    for r in mv.itertuples(index=False):
        out.print(
            f"  {r.workload}: moves from {r.baseline_target} in {r.p_moved:.0%} of samples "
            f"(most likely {r.most_likely_target})",
            markup=False,
        )
    for k, v in files.items():
        out.print(f"  {k}: {v}", markup=False)
