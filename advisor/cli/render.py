"""Terminal rendering for the CLI (rich tables, progress)."""

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
        f"[bold green]valid[/]: {name}: {s['workloads']} workloads, "
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
            status.update(f"{text}  [dim]({time.perf_counter() - t0:.1f} s)[/]")
            console.log(text)

        yield step


def _money(x: float) -> str:
    return f"${x:,.0f}"


def print_plan(out: Console, plan, files: dict) -> None:
    k = plan.kpis
    gap = "n/a" if plan.gap is None else f"{plan.gap:.4%}"
    status = "optimal" if plan.proven_optimal else f"{plan.status} (not proven optimal)"
    out.print(f"[bold]{plan.scenario.name}[/]: {status}, gap {gap}, solver {plan.solver}")
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
    for r in b.itertuples(index=False):
        saving = (
            "n/a (incomplete)"
            if pd.isna(r.saving_usd_per_month)
            else _money(r.saving_usd_per_month)
        )
        bt.add_row(r.baseline, _money(r.monthly_usd), saving, "; ".join(r.broken[:2]) or "-")
    out.print(bt)
    if len(plan.purchases):
        out.print(
            "purchases: "
            + ", ".join(f"{p.count} x {p.sku} at {p.site}" for p in plan.purchases.itertuples())
        )
    for r in plan.sensitivity.itertuples(index=False):
        if r.saving_usd_per_month and r.saving_usd_per_month > 0:
            out.print(
                f"binding: {r.limit}: {r.relax_by:g} {r.unit} more saves {_money(r.saving_usd_per_month)}/month"
            )
    for _name, path in files.items():
        out.print(f"wrote {path}")


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
        f"{result['a']} -> {result['b']}: {len(result['moved'])} moved, {result['unchanged']} unchanged; "
        f"monthly {_money(result['monthly_total_usd']['a'])} -> {_money(result['monthly_total_usd']['b'])} "
        f"({'+' if d >= 0 else '-'}{_money(abs(d))})"
    )
    t = Table(show_edge=False)
    for c in ("unit", "before", "after", "delta $/month", "why"):
        t.add_column(c, overflow="fold")
    for r in result["moved"][:50]:
        t.add_row(
            r["unit"],
            f"{r['target_a']} {r['hardware_a']}",
            f"{r['target_b']} {r['hardware_b']}",
            f"{r['delta_usd']:+,.0f}",
            r["why"],
        )
    out.print(t)
    out.print(f"wrote {result['report']}")
