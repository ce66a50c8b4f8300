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

from advisor.cli.tables import print_table
from advisor.report.fmt import money, signed_money


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


class _Step:
    """``step(text)`` for each stage; ``step.solver(info)`` for HiGHS incumbent updates."""

    def __init__(self, say, live) -> None:
        self._say, self.solver = say, live

    def __call__(self, text: str) -> None:
        self._say(text)


def _solver_text(info: dict) -> str:
    if info.get("incumbent") is None:
        return "solving: no plan yet" + (
            f", bound {money(info['bound'])}" if info.get("bound") is not None else ""
        )
    gap = "" if info.get("gap") is None else f", gap {info['gap']:.2%}"
    bound = "" if info.get("bound") is None else f", bound {money(info['bound'])}"
    part = f" (independent part {info['part']} of {info['parts']})" if "part" in info else ""
    return f"solving{part}: best objective {money(info['incumbent'])}{bound}{gap}"


LOG_SOLVER_EVERY_S = 5.0
"""Off a terminal, the least interval between two solver progress lines."""


@contextlib.contextmanager
def progress(console: Console, enabled: bool) -> Iterator[Callable[[str], None]]:
    """Each step with its elapsed time, and the solver's incumbent, bound and gap.

    On a terminal: a status line plus one dim line per step. Off a terminal (CI logs, pipes):
    plain lines ``  12.3 s  step`` on stderr, solver updates at most every 5 s.
    """
    if not enabled:
        yield _Step(lambda text: None, None)
        return
    t0 = time.perf_counter()

    def stamp() -> str:
        return f"{time.perf_counter() - t0:7.1f} s"

    if not console.is_terminal:
        last = [0.0]

        def line(text: str) -> None:
            console.print(f"{stamp()}  {text}", markup=False, highlight=False, soft_wrap=True)

        def solver_line(info: dict) -> None:
            if info["elapsed_s"] - last[0] >= LOG_SOLVER_EVERY_S:
                last[0] = info["elapsed_s"]
                line(_solver_text(info))

        yield _Step(line, solver_line)
        return
    with console.status("loading") as status:

        def step(text: str) -> None:
            status.update(f"{text}  ({stamp().strip()})")
            console.print(f"{stamp()}  {text}", highlight=False)

        def solver(info: dict) -> None:
            status.update(f"{_solver_text(info)}  ({stamp().strip()})")

        yield _Step(step, solver)


def _amount(x: float, unit: str) -> str:
    """``$120,000`` for USD amounts, ``1,234.5 kW`` otherwise.

    >>> _amount(120000, "USD"), _amount(1234.5, "kW")
    ('$120,000', '1,234.5 kW')
    """
    if unit.upper().startswith("USD"):
        return money(x) + unit[3:]
    return f"{x:,.6g} {unit}"


def print_plan(out: Console, plan, files: dict, sensitivity_hint: bool = True) -> None:
    from advisor.plan.burst import burst_lines
    from advisor.plan.centralised import centralised_line

    k = plan.kpis
    gap = "n/a" if plan.gap is None else f"{plan.gap:.4%}"
    status = "optimal" if plan.proven_optimal else f"{plan.status} (not proven optimal)"
    out.print(f"{plan.scenario.name}: {status}, gap {gap}, solver {plan.solver}")
    out.print(
        f"monthly {money(k['monthly_total_usd'])} (opex {money(k['monthly_opex_usd'])} + "
        f"amortised capex {money(k['monthly_capex_amortised_usd'])}); "
        f"{k['horizon_months']}-month TCO {money(k['horizon_tco_usd'])}; capex {money(k['capex_usd'])}"
    )
    tiers = k["workloads_per_tier"]
    across = k.get("workloads_across_tiers", 0)
    span = f" ({across} across tiers, counted on each)" if across else ""
    out.print(
        f"workloads: {tiers['local']} local, {tiers['edge']} edge, {tiers['cloud']} cloud{span}"
    )
    a = plan.assignments
    rows = []
    for r in a.head(40).itertuples(index=False):
        slo = "-" if r.slo_ms == float("inf") else f"{r.slo_ms:,.0f}"
        rows.append(
            (
                r.unit,
                r.tier,
                r.target,
                f"{r.hardware} ({r.precision})" if r.accelerator else r.hardware,
                r.pricing,
                money(r.total_usd),
                f"{r.latency_ms:,.0f}/{slo}",
            )
        )
    print_table(
        out,
        ("workload", "tier", "target", "hardware", "pricing", "USD/month", "latency/SLO ms"),
        rows,
        title="placement",
        right=("USD/month", "latency/SLO ms"),
        optional=("tier", "pricing", "latency/SLO ms"),
    )
    if len(a) > 40:
        out.print(f"... and {len(a) - 40:,} more in plan.csv", markup=False)
    from advisor.report.stats import savings

    status = savings(plan).set_index("baseline")["status"]
    base_rows: list[tuple[str, ...]] = []
    for r in plan.baselines.itertuples(index=False):
        saving = (
            signed_money(r.saving_usd_per_month)
            if status[r.baseline] == "valid"
            else f"n/a ({status[r.baseline]})"
        )
        base_rows.append((r.baseline, money(r.monthly_usd), saving, "; ".join(r.broken[:2]) or "-"))
    print_table(
        out,
        ("baseline", "USD/month", "saving", "breaks"),
        base_rows,
        title="savings against baselines (per month)",
        right=("USD/month", "saving"),
        wrap=("breaks",),
    )
    for line in burst_lines(plan.burst_parts, plan.burst_comparison):
        out.print(line, markup=False, soft_wrap=True)
    if central := centralised_line(plan.centralised):
        out.print(central, markup=False, soft_wrap=True)
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
        out.print(f"wrote {path}", markup=False, soft_wrap=True)


def print_sensitivity(out: Console, plan) -> None:
    """The binding limits and, when computed, what relaxing each would save."""
    for r in plan.relaxing.itertuples(index=False):
        if str(r.method).startswith("not computed"):
            out.print(
                f"binding: {r.limit} (value of relaxing {r.method})", markup=False, soft_wrap=True
            )
        elif r.saving_usd_per_month and r.saving_usd_per_month > 0:
            out.print(
                f"binding: {r.limit}: {_amount(r.relax_by, r.unit)} more saves "
                f"{money(r.saving_usd_per_month)}/month",
                markup=False,
            )
        else:
            out.print(
                f"binding: {r.limit}: relaxing it by {_amount(r.relax_by, r.unit)} saves nothing",
                markup=False,
            )


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


FREE_TEXT = ("name", "note", "source", "description", "basis")


def _cell(v) -> str:
    if isinstance(v, bool) or v is None:
        return "" if v is None else str(v)
    if isinstance(v, float):
        return "" if pd.isna(v) else f"{v:,.6g}"
    if isinstance(v, int):
        return f"{v:,}"
    return "" if pd.isna(v) else str(v)


def print_frame(
    out: Console,
    frame: pd.DataFrame,
    title: str,
    provenance: bool = False,
    columns: list[str] | None = None,
) -> None:
    """A catalog table; ``columns`` picks and orders columns (else provenance hides some)."""
    if columns:
        cols = list(columns)
    else:
        hidden = (
            ("origin",) if provenance else ("source", "note", "origin", "as_of", "basis", "name")
        )
        cols = [c for c in frame.columns if c not in hidden]
    rows = [tuple(_cell(v) for v in row) for row in frame[cols].itertuples(index=False)]
    numeric = [c for c in cols if pd.api.types.is_numeric_dtype(frame[c])]
    wrap = [c for c in cols if c in FREE_TEXT]
    print_table(out, cols, rows, title=title, right=numeric, wrap=wrap)


def print_compare(out: Console, result: dict) -> None:
    d = result["delta_usd_per_month"]
    out.print(
        f"{result['a']} -> {result['b']}: {len(result['moved']):,} moved, "
        f"{len(result.get('repriced', [])):,} repriced in place, {result['unchanged']:,} unchanged; "
        f"monthly {money(result['monthly_total_usd']['a'])} -> "
        f"{money(result['monthly_total_usd']['b'])} ({signed_money(d)})",
        markup=False,
    )
    rows = [
        (
            r["unit"],
            f"{r['target_a']} {r['hardware_a']}",
            f"{r['target_b']} {r['hardware_b']}",
            signed_money(r["delta_usd"]),
            r["why"],
        )
        for r in [*result["moved"], *result.get("repriced", [])][:50]
    ]
    print_table(
        out,
        ("unit", "before", "after", "USD/month", "why"),
        rows,
        right=("USD/month",),
        wrap=("why",),
    )
    out.print(f"wrote {result['report']}", markup=False, soft_wrap=True)


def print_sweep(out: Console, result, files: dict) -> None:
    f = result.frame
    t = Table(title=f"sweep of {result.parameter.label}", title_justify="left")
    for c in ("value", "status", "USD/month", "local", "edge", "cloud", "moved"):
        t.add_column(c, justify="right" if c not in ("status", "moved") else "left")
    for r in f.itertuples(index=False):
        ok = r.status in ("optimal", "time_limit")
        t.add_row(
            "none" if pd.isna(r.value) else f"{r.value:,.6g}",
            r.status,
            money(r.monthly_total_usd) if ok else "-",
            *(str(getattr(r, f"workloads_{k}")) if ok else "-" for k in ("local", "edge", "cloud")),
            ", ".join(r.moved[:4]) + (f" +{len(r.moved) - 4}" if len(r.moved) > 4 else "")
            if ok
            else r.message.splitlines()[0][:60],
        )
    out.print(t)
    base = result.baseline.row()["monthly_total_usd"]
    out.print(f"baseline (unedited): {money(base)}/month", markup=False)
    if result.parameter.name.startswith("escalation:"):
        from advisor.whatif.report import cascade_narrative

        for line in cascade_narrative(result.frame, result.reference_label):
            out.print(line, markup=False, soft_wrap=True)
    for k, v in files.items():
        out.print(f"  {k}: {v}", markup=False, soft_wrap=True)


def print_montecarlo(out: Console, result, files: dict) -> None:
    s = result.samples
    ok = s["status"].isin(["optimal", "time_limit"])
    cost = s.loc[ok, "monthly_total_usd"]
    out.print(
        f"{len(s)} samples, {int(ok.sum())} feasible; best cost per sample: "
        f"P10 {money(cost.quantile(0.1))}  P50 {money(cost.quantile(0.5))}  "
        f"P90 {money(cost.quantile(0.9))} per month",
        markup=False,
    )
    t = Table(title="candidate plans held fixed across samples", title_justify="left")
    for c in ("plan", "optimal in", "mean", "P90", "infeasible", "over budget", "wins", ""):
        t.add_column(c, justify="right")
    for r in result.candidates.itertuples(index=False):
        t.add_row(
            str(r.candidate) + (" (baseline)" if r.baseline else ""),
            str(r.optimal_in_samples),
            money(r.mean_usd),
            money(r.p90_usd),
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
        out.print(f"  {k}: {v}", markup=False, soft_wrap=True)
