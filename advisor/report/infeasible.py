"""Infeasible-scenario report: the conflicts, which rules closed each tier per workload, and
what to relax. Built from :class:`advisor.InfeasibleScenario` (``.conflicts`` and, when the
option stage ran, ``.report = {"scenario": ..., "options": ...}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.report.audit import decisive_rules, rejection_tiers, rule_summary
from advisor.report.fmt import num
from advisor.report.tables import Column, data_table
from advisor.report.view import records

if TYPE_CHECKING:
    from advisor.errors import InfeasibleScenario
    from advisor.options import OptionSet

RULE_HINTS = {
    "tier": "allow the tier for this data class (policies.<class>.allowed_tiers) or the workload",
    "residency": "widen data.residency, or add a site or region inside the allowed jurisdictions",
    "privacy": "use regions/instance families that offer the required controls, or relax "
    "policies.<class>.cloud_requires",
    "latency": "relax latency_slo_ms, or add capacity closer to where requests come from",
    "memory": "allow quantised variants (model.variants) or hardware with more memory",
    "hardware": "allow other accelerator types, or add suitable hardware to a site's can_buy",
    "cpu": "add a CPU server to a site's can_buy, or allow cloud CPU instances",
    "capacity": "raise max_buy_per_sku or the site's power and space",
    "pricing": "allow more pricing models (clouds.pricing) or mark the workload interruptible",
}
KIND_HINTS = {
    "budget": "raise the {subject} budget by at least {amount}, or move work to cheaper options",
    "capacity": "allow buying more {subject} (max_buy_per_sku) or move competing workloads",
    "power": "raise power.max_kw at {subject} by at least {amount}",
    "space": "free at least {amount} at {subject} (space.rack_units)",
    "privacy_risk": "raise limits.privacy_risk_max by at least {amount}",
    "carbon": "raise limits.carbon_kg_per_month_max by at least {amount}",
}


def conflicts_frame(
    exc: InfeasibleScenario, closed: dict[str, set[str]] | None = None
) -> pd.DataFrame:
    """One row per conflict with a concrete suggestion of what to relax.

    ``closed`` maps a unit to the rules that closed its tiers (from :func:`eliminations`).
    """
    rows = []
    for c in exc.conflicts:
        amount = "" if c.shortfall is None else f"{num(c.shortfall, 1)} {c.unit}".strip()
        rules = (closed or {}).get(c.subject, set())
        rows.append(
            {
                "kind": c.kind,
                "subject": c.subject,
                "detail": c.detail,
                "shortfall": amount,
                "workloads": ", ".join(c.workloads),
                "relax": _relax(c.kind, c.subject, rules, amount),
            }
        )
    frame = pd.DataFrame(
        rows, columns=["kind", "subject", "detail", "shortfall", "workloads", "relax"]
    )
    frame.attrs["unit"] = "text"
    return frame


def _relax(kind: str, subject: str, rules: set[str], amount: str) -> str:
    if kind in KIND_HINTS:
        return KIND_HINTS[kind].format(subject=subject, amount=amount or "the shortfall")
    if kind == "no_option":
        decisive = set(decisive_rules(rules))
        hints = [h for rule, h in RULE_HINTS.items() if rule in decisive]
        return "; or ".join(hints) or "review the workload's requirements"
    return "review the placement rules (colocate / anti_affinity) that name these workloads"


def eliminations(opts: OptionSet) -> pd.DataFrame:
    """Per unit: feasible options left, and per tier the rules that rejected its options."""
    rt = rejection_tiers(opts)
    g = rt.groupby(["unit", "tier"])["rule"].agg(lambda s: ", ".join(decisive_rules(set(s))))
    wide = g.unstack("tier") if len(g) else pd.DataFrame()
    pool = pd.concat(
        [opts.options[["unit", "tier"]], opts.dominated.reindex(columns=["unit", "tier"])]
    )
    open_tiers = pool.groupby("unit")["tier"].agg(lambda s: set(s))
    counts = pool.groupby("unit").size()
    present = [t for t in ("local", "edge", "cloud") if t in set(opts.targets["tier"])]
    rows = []
    for unit in opts.units["unit"]:
        row: dict[str, Any] = {"unit": unit, "options": int(counts.get(unit, 0))}
        for t in ("local", "edge", "cloud"):
            if t not in present:
                row[t] = "no target of this tier"
            elif t in open_tiers.get(unit, set()):
                row[t] = "open"
            else:
                rules = wide.at[unit, t] if unit in wide.index and t in wide.columns else None
                row[t] = f"closed: {rules}" if isinstance(rules, str) else "closed"
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["unit", "options", "local", "edge", "cloud"])
    frame.attrs["unit"] = "options (count); rules per tier"
    return frame


ELIMINATION_COLUMNS = [
    Column("unit", "Workload"),
    Column("options", "Feasible options", lambda v: num(v)),
    Column("local", "Local"),
    Column("edge", "Edge"),
    Column("cloud", "Cloud"),
]


def infeasible_view(exc: InfeasibleScenario) -> dict[str, Any]:
    """Everything ``infeasible.html.j2`` shows."""
    report = exc.report if isinstance(exc.report, dict) else {}
    scn, opts = report.get("scenario"), report.get("options")
    elim = eliminations(opts) if opts is not None else None
    closed = (
        {}
        if elim is None
        else {
            r["unit"]: {
                rule.strip()
                for t in ("local", "edge", "cloud")
                for rule in r[t].removeprefix("closed:").split(",")
                if r[t].startswith("closed:")
            }
            for r in elim.to_dict(orient="records")
        }
    )
    conflicts = conflicts_frame(exc, closed)
    view: dict[str, Any] = {
        "title": f"No feasible plan: {scn.name}" if scn is not None else "No feasible plan",
        "description": scn.description.strip() if scn is not None else "",
        "conflicts": records(conflicts),
        "kinds": sorted(set(conflicts["kind"])),
        "charts": {},
        "table": None,
        "stats": None,
    }
    if opts is not None and elim is not None:
        summary = rule_summary(opts)
        by_unit = {u: g for u, g in summary.groupby("unit", sort=False)}
        details = [
            [
                f"rule {r['rule']}: rejected {r['count']:,} combination(s), e.g. {r['example']}"
                for r in by_unit[u].to_dict(orient="records")
            ]
            if u in by_unit
            else []
            for u in elim["unit"]
        ]
        view["table"] = data_table("eliminations", ELIMINATION_COLUMNS, records(elim), details)
        view["stats"] = {
            "units": len(elim),
            "without_option": int((elim["options"] == 0).sum()),
            "rejections": len(opts.rejections),
            "options": len(opts.options),
        }
    return view
