"""The plan report's view model: plain dicts, lists and strings, ready for the templates.

Every number a template shows is computed here; templates only format it with a filter.
Nothing time- or machine-dependent enters (no timings, no dates): same plan, same bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from advisor.plan.explain import rtt_source
from advisor.plan.price_provenance import basis_text
from advisor.report import audit, decisions, federated, figures, mapfig, places, stats
from advisor.report.burst import burst_section
from advisor.report.cascade import cascades
from advisor.report.embed import figure_json
from advisor.report.estimates import estimates_used
from advisor.report.fmt import money, ms, num, pct, qty
from advisor.report.instances import instance_hours, instances_text
from advisor.report.studies import (
    CLOUD,
    REFERENCE_PUE,
    REFERENCE_USD_PER_KWH,
    SKU,
    breakeven_vs_studies,
)
from advisor.report.tables import Column, data_table

if TYPE_CHECKING:
    from advisor.plan import Plan
    from advisor.report.figdict import FigureDict


def chart(chart_id: str, fig: FigureDict, caption: str = "") -> dict[str, Any]:
    return {"id": f"fig-{chart_id}", "json": figure_json(fig), "caption": caption}


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Frame rows as dicts with NaN as None (templates show None as a dash)."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


BROKEN_SHOWN = 3
"""Broken limits listed per baseline before the rest fold into a "more" disclosure."""


def _broken_parts(broken: str) -> dict[str, Any]:
    parts = [p for p in broken.split("; ") if p]
    return {"broken_head": parts[:BROKEN_SHOWN], "broken_more": parts[BROKEN_SHOWN:]}


def headline(plan: Plan) -> dict[str, Any]:
    k = plan.kpis
    sv = stats.savings(plan)
    base = [
        {
            "name": r["baseline"],
            "status": r["status"],
            "monthly_usd": r["monthly_usd"],
            "saving_usd": r["saving_usd_per_month"] if r["status"] == "valid" else None,
            "saving_share": r["saving_usd_per_month"] / r["monthly_usd"]
            if r["status"] == "valid" and r["monthly_usd"] > 0
            else None,
            "units_placed": r["units_placed"],
            "units_total": r["units_total"],
            "plan_same_units_usd": r["plan_same_units_usd"],
            "like_for_like_saving_usd": r["like_for_like_saving_usd"],
            "limits_broken": r["limits_broken"],
            "broken": r["broken"],
            **_broken_parts(r["broken_limits"]),
        }
        for r in sv.to_dict(orient="records")[1:]
    ]
    tiers = stats.tier_counts(plan).set_index("tier")["workloads"].to_dict()
    return {
        "monthly_usd": k["monthly_total_usd"],
        "monthly_opex_usd": k["monthly_opex_usd"],
        "monthly_capex_usd": k["monthly_capex_amortised_usd"],
        "horizon_months": k["horizon_months"],
        "horizon_tco_usd": k["horizon_tco_usd"],
        "capex_usd": k["capex_usd"],
        "carbon_t": k["carbon_kg_per_month"] / 1000.0,
        "risk": k["privacy_risk"],
        "workloads": k["workloads"],
        "units": k["units"],
        "tiers": [{"tier": t, "workloads": int(tiers.get(t, 0))} for t in stats.TIERS],
        "baselines": base,
        "solver": {
            "status": plan.status,
            "proven_optimal": plan.proven_optimal,
            "solver": plan.solver,
            "objective": plan.objective,
            "best_bound": plan.best_bound,
            "gap": plan.gap,
            "objective_kind": plan.scenario.settings.objective,
        },
    }


PLACEMENT_COLUMNS = [
    Column("unit", "Workload"),
    Column("name", "Name", css="narrow"),
    Column("team", "Team"),
    Column("tier", "Tier"),
    Column("where", "Target"),
    Column("hardware_text", "Hardware"),
    Column("pricing", "Pricing"),
    Column(
        "price_text", "Price basis", hint="listed, derived, estimate by rule or user; date, age"
    ),
    Column("total_usd", "USD/month", money),
    Column("latency_ms", "Latency", ms),
    Column("slo_ms", "SLO", ms),
    Column("reason", "Why here", hint="click a row for the full explanation", css="wide"),
]


def price_texts(a: pd.DataFrame) -> list[str]:
    """'listed, 2026-07-30 (4 months old)' per cloud row; '' for owned hardware."""
    if "price_basis" not in a.columns:
        return [""] * len(a)
    return [basis_text(b, d) for b, d in zip(a["price_basis"], a["price_as_of"], strict=True)]


def placement(plan: Plan) -> dict[str, Any]:
    a = plan.assignments.copy()
    names = {w.id: w.name for w in plan.scenario.workloads}
    a["name"] = a["workload"].map(names)
    a["where"] = a["target"].str.removeprefix("site:")
    a["hardware_text"] = a["hardware"] + " (" + a["precision"] + ")"
    reasons = audit.placement_reasons(plan).set_index("unit")
    a["reason"] = a["unit"].map(reasons["reason"])
    a["price_text"] = price_texts(a)
    sizing = [
        f"sizing: {qty(r)} replica(s) x {qty(g)} accelerator(s) each; "
        f"{'uses' if tier != 'cloud' else 'billed'} "
        f"{instances_text(hw, b, h, owned=tier != 'cloud')}; "
        f"latency {ms(lat)} (network {ms(rtt)}, {rtt_source(basis, path, target)})"
        for r, g, tier, hw, b, h, lat, rtt, basis, path, target in zip(
            a["replicas"],
            a["gpus_per_replica"],
            a["tier"],
            a["hardware"],
            a["billed_boxes"],
            instance_hours(a),
            a["latency_ms"],
            a["rtt_ms"],
            a["rtt_basis"],
            a["rtt_path"].fillna(""),
            a["target"],
            strict=True,
        )
    ]
    details = [[s, *reasons.at[u, "details"]] for s, u in zip(sizing, a["unit"], strict=True)]
    return data_table("placements-table", PLACEMENT_COLUMNS, records(a), details)


def cost_tables(plan: Plan) -> list[dict[str, Any]]:
    """Cost per tier, provider/site, team: one row per group, one column per component."""
    out = []
    for by, title in (("tier", "By tier"), ("owner", "By provider / site"), ("team", "By team")):
        f = stats.cost_by(plan, by)
        wide = f.pivot_table(
            index=by, columns="component", values="usd", aggfunc="sum", fill_value=0.0
        )
        comps = [c for c in stats.COMPONENTS if c in wide.columns]
        wide = wide[comps]
        wide["total"] = wide.sum(axis=1)
        wide = wide.sort_values("total", ascending=False)
        rows = [
            {"label": str(i), "values": [float(v) for v in r]}
            for i, r in zip(wide.index, wide.to_numpy(), strict=True)
        ]
        out.append(
            {
                "title": title,
                "key": by,
                "components": [*comps, "total"],
                "rows": rows,
                "total": float(wide["total"].sum()),
            }
        )
    return out


PURCHASE_COLUMNS = [
    Column("site", "Site"),
    Column("sku", "SKU"),
    Column("count", "Count", num),
    Column("unit_price_usd", "Unit price", money),
    Column("capex_usd", "Capex", money),
    Column("useful_life_months", "Life (months)", num),
    Column("purchases_in_horizon", "Bought in horizon", num),
    Column("purchase_months", "At months"),
    Column("residual_value_usd", "Residual at end", money),
    Column("amortised_usd_per_month", "Amortised / month", money),
    Column("power_kw", "Power kW", lambda v: num(v, 1)),
    Column("rack_units", "Rack U", num),
]


def purchases(plan: Plan) -> dict[str, Any]:
    p = plan.purchases
    inventory = [
        {"site": s.id, "sku": i.sku, "count": i.count}
        for s in plan.scenario.sites
        for i in s.inventory
    ]
    sched = stats.capex_schedule(plan)
    horizon = int(plan.kpis["horizon_months"])
    return {
        "rows": len(p),
        "table": data_table("purchases-table", PURCHASE_COLUMNS, records(p), page_size=10),
        "inventory": inventory,
        "capex_usd": plan.kpis["capex_usd"],
        "amortised_usd_per_month": plan.kpis["monthly_capex_amortised_usd"],
        "amortised_in_horizon_usd": float(sched["amortised_usd"].sum()) if len(sched) else 0.0,
        "horizon_months": horizon,
        "replacements": [
            {
                "site": r["site"],
                "sku": r["sku"],
                "times": int(r["purchases_in_horizon"]),
                "months": ", ".join(str(int(m) + 1) for m in str(r["purchase_months"]).split()),
                "cash_usd": float(r["horizon_capex_gross_usd"]),
                "residual_usd": float(r["residual_value_usd"]),
            }
            for r in p.to_dict(orient="records")
            if r["purchases_in_horizon"] > 1
        ],
        "residual_usd": plan.kpis.get("residual_value_usd", 0.0),
    }


BREAKEVEN_COLUMNS = [
    Column("sku_site", "SKU @ site"),
    Column("accelerator", "Accelerator"),
    Column("onprem_usd_per_accelerator_month", "Own / accel-month", money),
    Column("pricing", "vs pricing"),
    Column("cloud_text", "Cheapest compliant cloud", css="narrow"),
    Column("cloud_usd_per_accelerator_hour", "Cloud / accel-hour", lambda v: money(v, 2)),
    Column("cloud_usd_per_accelerator_month", "Cloud / accel-month", money),
    Column("breakeven_utilisation", "Break-even use", lambda v: pct(v, 0)),
    Column("verdict", "Verdict"),
]


def _breakeven_verdict(use: float) -> str:
    if use != use:
        return "only owning complies"
    return "owning can win" if use < 1.0 else "cloud always cheaper"


def breakeven(plan: Plan) -> dict[str, Any]:
    f = stats.breakeven(plan)
    compliant = f["compliant_for"] != ""
    shown = f.assign(
        sku_site=f["sku"] + " @ " + f["site"],
        cloud_text=np.where(
            compliant, f["cloud_instance"] + " in " + f["cloud_target"], f["cloud_target"]
        ),
        verdict=[_breakeven_verdict(u) for u in f["breakeven_utilisation"]],
    )
    st = breakeven_vs_studies(plan.options.catalog)
    fmt = {"payback_months": lambda v: f"{v:.1f} months", "breakeven_utilisation": pct}
    studies = [
        {
            "publisher": r["publisher"],
            "url": r["url"],
            "published": str(r["published"]),
            "claim": r["their_text"],
            "ours": fmt[r["metric"]](r["computed_value"]),
            "aligned": fmt[r["metric"]](r["computed_aligned"]),
            "why": r["why_differs"]
            + (f" {r['exception']}" if isinstance(r.get("exception"), str) else ""),
        }
        for r in st.to_dict(orient="records")
    ]
    details = [
        [
            f"compliant for: {r['compliant_for']}"
            if r["compliant_for"]
            else "no in-scope region offers this accelerator within the workloads' policies",
            f"cheapest in scope ignoring policies: {r['cheapest_any_target']} at "
            f"{money(r['cheapest_any_usd_per_accelerator_hour'], 2)} per accelerator-hour",
            f"own: capex {money(r['capex_usd'])} + power {money(r['power_usd'])} + ops "
            f"{money(r['ops_usd'])} per accelerator-month",
        ]
        for r in f.to_dict(orient="records")
    ]
    excluded = f[compliant & (f["cheapest_any_target"] != f["cloud_target"])]
    return {
        "rows": len(f),
        "table": data_table(
            "breakeven-table", BREAKEVEN_COLUMNS, records(shown), details, page_size=10
        ),
        "frame": f[compliant],
        "policy_excluded": sorted(set(excluded["cheapest_any_target"])),
        "studies": studies,
        "reference": f"{SKU} vs {CLOUD[2]} ({CLOUD[0]}:{CLOUD[1]}), PUE {REFERENCE_PUE:g}, "
        f"USD {REFERENCE_USD_PER_KWH:g}/kWh",
    }


ESTIMATE_COLUMNS = [
    Column("quantity", "Quantity"),
    Column("subject", "Where"),
    Column("value", "Value"),
    Column("basis", "Basis"),
    Column("affects", "Moves"),
    Column("source", "Source", css="narrow"),
    Column("note", "Note", css="narrow"),
]


def estimates(plan: Plan) -> dict[str, Any]:
    """The estimates the chosen plan rests on (``report/estimates.py``)."""
    f = estimates_used(plan)
    return {
        "rows": len(f),
        "counts": f.groupby("quantity").size().to_dict(),
        "table": data_table("estimates-table", ESTIMATE_COLUMNS, records(f), page_size=25),
    }


CAPACITY_COLUMNS = [
    Column("site", "Site"),
    Column("kind", "Kind"),
    Column("resource", "Resource"),
    Column("used", "Used", lambda v: num(v, 1)),
    Column("available", "Available", lambda v: num(v, 1)),
    Column("unit", "Unit"),
    Column("utilisation", "Utilisation", lambda v: pct(v, 0)),
]


def capacity(plan: Plan) -> dict[str, Any]:
    f = stats.site_capacity(plan)
    return {
        "rows": len(f),
        "table": data_table("capacity-table", CAPACITY_COLUMNS, records(f), page_size=10),
    }


TIGHT_LISTED = 20
"""Units within 20% of their SLO listed at most (the tightest first)."""


def latency(plan: Plan) -> dict[str, Any]:
    f = stats.latency(plan)
    slo = f[np.isfinite(f["slo_ms"])]
    tight = slo[slo["slo_share"] >= 0.8]
    return {
        "with_slo": len(slo),
        "without_slo": len(f) - len(slo),
        "tight": records(tight.head(TIGHT_LISTED)),
        "tight_count": len(tight),
        "max_share": float(slo["slo_share"].max()) if len(slo) else None,
        "estimated_rtt": int((f["rtt_basis"] == "estimate").sum()),
        "frame": f,
    }


PRIVACY_COLUMNS = [
    Column("unit", "Workload"),
    Column("classification", "Data class"),
    Column("residency", "Allowed in", css="narrow"),
    Column("source_text", "Data source"),
    Column("target_text", "Processed at"),
    Column("border", "Border"),
    Column("controls_text", "Cloud controls: required / offered"),
    Column("justification", "Why it complies", css="wide"),
]


CROSS_BORDER_LISTED = 10
"""Cross-border units listed one by one at most; beyond that, counted per country pair."""
CROSS_BORDER_PAIRS = 15


def privacy(plan: Plan) -> dict[str, Any]:
    f = audit.privacy(plan)
    f["source_text"] = np.where(
        f["source_country"] != "", f["source"] + " (" + f["source_country"] + ")", f["source"]
    )
    f["target_text"] = f["target"].str.removeprefix("site:") + " (" + f["target_country"] + ")"
    f["border"] = np.where(f["cross_border"], "cross-border", "same country")
    f["controls_text"] = np.where(
        f["tier"] == "cloud",
        "needs " + f["required_controls"].replace("", "none") + " / has " + f["controls_offered"],
        "n/a (own site)",
    )
    matrix = audit.privacy_matrix(plan)
    scn = plan.scenario
    classes = sorted(set(f["classification"]))
    policies = [
        {
            "classification": c,
            "allowed_tiers": ", ".join(scn.policy(c).allowed_tiers),
            "cloud_requires": ", ".join(scn.policy(c).cloud_requires) or "none",
            "source": "scenario" if c in scn.policies else "default",
        }
        for c in classes
    ]
    cross = f[f["cross_border"]]
    pairs = (
        cross.groupby(["source_country", "target_country"])
        .agg(
            units=("unit", "size"),
            classes=("classification", lambda c: ", ".join(sorted(set(c)))),
        )
        .reset_index()
        .sort_values(["units", "source_country", "target_country"], ascending=[False, True, True])
    )
    return {
        "table": data_table("privacy-table", PRIVACY_COLUMNS, records(f), privacy_details(f)),
        "matrix": {
            "tiers": list(matrix.columns),
            "rows": [
                {"classification": str(i), "counts": [int(v) for v in r]}
                for i, r in zip(matrix.index, matrix.to_numpy(), strict=True)
            ],
        },
        "policies": policies,
        "in_cloud": int((f["tier"] == "cloud").sum()),
        "sensitive_in_cloud": int(
            (
                (f["tier"] == "cloud")
                & f["classification"].isin(["pii", "phi", "special_category"])
            ).sum()
        ),
        "cross_border": records(
            cross[["unit", "classification", "source_text", "target_text", "residency"]].head(
                CROSS_BORDER_LISTED
            )
        ),
        "cross_border_listed": CROSS_BORDER_LISTED,
        "cross_border_count": len(cross),
        "cross_border_pairs": records(pairs.head(CROSS_BORDER_PAIRS)),
        "cross_border_pair_count": len(pairs),
        "units": len(f),
    }


def privacy_details(f: pd.DataFrame) -> list[list[str]]:
    """The expandable lines of each privacy row: jurisdictions, volumes, risk."""
    return [
        [
            f"target jurisdictions: {r['jurisdictions'] or 'none recorded'}",
            f"data in: {num(r['ingress_gb'])} GB/month from {r['source']}; "
            f"results out: {num(r['egress_gb'])} GB/month",
            f"controls offered by the target: {r['controls_offered'] or 'none (own site)'}",
            f"privacy risk: {num(r['risk'], 2)} points (classification x tier exposure x controls)",
        ]
        for r in f.to_dict(orient="records")
    ]


def budgets(plan: Plan) -> list[dict[str, Any]]:
    return records(stats.budgets(plan))


def carbon(plan: Plan) -> dict[str, Any]:
    f = stats.carbon(plan)
    by_tier = f.groupby("tier")[["energy_kwh", "carbon_kg"]].sum().reindex(stats.TIERS).dropna()
    return {
        "by_tier": [
            {"tier": t, "energy_kwh": float(r.energy_kwh), "carbon_kg": float(r.carbon_kg)}
            for t, r in by_tier.iterrows()
        ],
        "by_target": records(f.head(25)),
        "targets": len(f),
        "total_kg": float(f["carbon_kg"].sum()),
    }


def provenance(plan: Plan) -> dict[str, Any]:
    cat = plan.options.catalog
    prov = cat.provenance().sort_values(["table", "source", "as_of", "basis"])
    scn = plan.scenario
    s = scn.settings
    return {
        "catalog_version": cat.version,
        "user_catalog": cat.user_dir is not None,
        "sources": records(prov),
        "overridden": records(audit.overridden_prices(plan)),
        "discounts": [
            {"provider": d.provider, "factor": d.factor, "pricing": ", ".join(d.pricing) or "all"}
            for d in scn.clouds.discounts
        ],
        "price_overrides": len(scn.overrides.prices),
        "hardware_overrides": [h.sku for h in scn.overrides.hardware],
        "estimates": records(audit.estimates_used(plan)),
        "settings": [
            ("horizon", f"{s.horizon_months} months"),
            ("objective", s.objective),
            ("solver", f"{s.solver}, time limit {s.time_limit_s:g} s, relative gap {s.mip_gap:g}"),
            ("dominated options pruned", "yes" if s.prune_dominated else "no"),
            (
                "options",
                f"{plan.options.stats.get('options_feasible', 0):,} feasible, "
                f"{plan.options.stats.get('options_after_pruning', 0):,} after pruning, "
                f"{plan.options.stats.get('rejections', 0):,} rejected",
            ),
        ],
        "rules": records(
            plan.rejections.groupby("rule")
            .size()
            .rename("count")
            .reset_index()
            .sort_values(["count", "rule"], ascending=[False, True])
        ),
    }


def sensitivity(plan: Plan) -> list[dict[str, Any]]:
    return records(plan.relaxing)


def chart_set(plan: Plan, sections: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    """Every chart of the report (None where there is nothing to draw)."""
    c: dict[str, dict[str, Any] | None] = {
        "savings": chart("savings", figures.savings_bars(stats.savings(plan))),
        "tier": chart(
            "cost-tier",
            figures.stacked_cost(stats.cost_by(plan, "tier"), "tier", "Monthly cost by tier"),
        ),
        "component": chart("cost-component", figures.component_bars(stats.cost_by_component(plan))),
        "owner": chart(
            "cost-owner",
            figures.stacked_cost(
                stats.cost_by(plan, "owner"), "owner", "Monthly cost by provider / site"
            ),
        ),
        "team": chart(
            "cost-team",
            figures.stacked_cost(stats.cost_by(plan, "team"), "team", "Monthly cost by team"),
        ),
        "map": chart(
            "map",
            mapfig.placement_map(
                places.map_points(plan),
                places.map_links(plan),
                topology=federated.map_topology(plan),
            ),
        ),
        "carbon": chart("carbon", figures.carbon_bars(stats.carbon(plan))),
    }
    c.update(dict.fromkeys(["capex", "breakeven", "capacity", "latency", "budgets"]))
    if len(plan.purchases):
        c["capex"] = chart("capex", figures.capex_bars(stats.capex_schedule(plan)))
    if len(sections["breakeven"]["frame"]):
        be = sections["breakeven"]["frame"]
        spread = bool((be.groupby("sku")["site"].nunique() > 1).any())
        c["breakeven"] = chart(
            "breakeven",
            figures.breakeven_bars(be),
            "A SKU several sites may buy: bar at the median site, whisker from the cheapest "
            "to the dearest site to own it at."
            if spread
            else "",
        )
    cap = stats.site_capacity(plan)
    if cap["utilisation"].notna().any():
        c["capacity"] = chart("capacity", figures.utilisation_bars(cap))
    if sections["latency"]["with_slo"]:
        c["latency"] = chart("latency", figures.latency_bars(sections["latency"]["frame"]))
    if len(plan.budget_usage):
        c["budgets"] = chart("budgets", figures.budget_bars(stats.budgets(plan)))
    return c


def plan_view(plan: Plan) -> dict[str, Any]:
    """Everything ``report.html.j2`` shows, in display order."""
    scn = plan.scenario
    sections: dict[str, Any] = {
        "decisions": decisions.decisions(plan),
        "headline": headline(plan),
        "placement": placement(plan),
        "cascades": cascades(plan),
        "costs": cost_tables(plan),
        "purchases": purchases(plan),
        "breakeven": breakeven(plan),
        "estimates": estimates(plan),
        "capacity": capacity(plan),
        "latency": latency(plan),
        "privacy": privacy(plan),
        "budgets": budgets(plan),
        "carbon": carbon(plan),
        "provenance": provenance(plan),
        "sensitivity": sensitivity(plan),
        "burst": burst_section(plan),
        "federated": federated.section(plan),
    }
    sections["charts"] = chart_set(plan, sections)
    return {
        "title": f"Placement plan: {scn.name}",
        "scenario": {
            "name": scn.name,
            "description": scn.description.strip(),
            "sites": len(scn.sites),
            "workloads": len(scn.workloads),
            "teams": len(scn.teams),
        },
        **sections,
    }
