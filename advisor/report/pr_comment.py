"""A pull-request comment (GitHub-flavoured markdown) for a comparison of two plans.

The body a CI job posts when a scenario changes: the monthly cost delta, the cost gate's
verdict, what moved and why, what was repriced in place, new hardware purchases, and the
budgets and limits that bind in the new plan. Plans may be :class:`~advisor.plan.Plan`
objects or ``plan.json`` dicts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advisor.report.fmt import money, signed_money

if TYPE_CHECKING:
    from advisor.plan.compare import Comparison

MAX_ROWS = 25
BINDING = 0.999
"""A budget used to at least 99.9% of its limit binds."""


def _records(plan: Any, key: str) -> list[dict]:
    if isinstance(plan, dict):
        return list(plan.get(key, []))
    frame = {
        "purchases": plan.purchases,
        "budgets": plan.budget_usage,
        "sensitivity": plan.relaxing,
    }[key]
    return frame.to_dict(orient="records")


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _pct(delta: float, base: float) -> str:
    return f"{delta / base:+.1%}" if base else "n/a"


def new_purchases(plan_a: Any, plan_b: Any) -> list[dict]:
    """Boxes plan B buys beyond what plan A buys, per site and SKU."""
    have = {(p["site"], p["sku"]): p["count"] for p in _records(plan_a, "purchases")}
    out = []
    for p in _records(plan_b, "purchases"):
        extra = int(p["count"]) - int(have.get((p["site"], p["sku"]), 0))
        if extra > 0:
            out.append({**p, "extra": extra, "extra_capex_usd": extra * p["unit_price_usd"]})
    return out


def binding(plan: Any) -> list[str]:
    """Budgets used to their limit and limits whose relaxation would save money, as text."""
    lines = []
    for b in _records(plan, "budgets"):
        if b.get("limit_usd") and b["used_usd"] >= BINDING * b["limit_usd"]:
            per = "/month" if b["kind"] == "opex" else ""
            lines.append(
                f"{b['kind']} budget `{b['scope']}`: {money(b['used_usd'])}{per} of "
                f"{money(b['limit_usd'])}{per} ({b['utilisation']:.1%})"
            )
    if not isinstance(plan, dict):
        limits, k = plan.scenario.limits, plan.kpis
        for cap, used, unit in (
            (limits.privacy_risk_max, k.get("privacy_risk"), "risk points"),
            (limits.carbon_kg_per_month_max, k.get("carbon_kg_per_month"), "kg CO2e/month"),
        ):
            if cap and used is not None and used >= BINDING * cap:
                lines.append(f"limit: {used:,.1f} of {cap:,.1f} {unit} ({used / cap:.1%})")
    for s in _records(plan, "sensitivity"):
        saving = s.get("saving_usd_per_month")
        if str(s.get("method", "")).startswith("not computed"):
            if not str(s["limit"]).startswith(("opex[", "capex[")):  # budgets: listed above
                lines.append(f"`{s['limit']}` binds (value of relaxing not computed)")
        elif saving and saving > 0:
            lines.append(
                f"`{s['limit']}`: {s['relax_by']:,.6g} {s['unit']} more would save "
                f"{money(saving)}/month"
            )
    return lines


def comment_markdown(comp: Comparison, plan_a: Any, plan_b: Any, gate: dict | None) -> str:
    """The PR comment body (see the module docstring); ``gate`` from the cost gate or None."""
    ka, kb = comp.kpis_a, comp.kpis_b
    a, b = ka["monthly_total_usd"], kb["monthly_total_usd"]
    delta = b - a
    title = comp.name_a if comp.name_a == comp.name_b else f"{comp.name_a} → {comp.name_b}"
    lines = [f"### advisor cost check: {_cell(title)}", ""]
    lines.append(
        f"**Monthly cost {money(a)} → {money(b)} ({signed_money(delta)}, {_pct(delta, a)})**"
    )
    lines.append("")
    lines.append("| | before | after | change |")
    lines.append("|---|---:|---:|---:|")
    for key, label in (
        ("monthly_opex_usd", "opex, USD/month"),
        ("monthly_capex_amortised_usd", "amortised capex, USD/month"),
        ("capex_usd", "hardware bought, USD"),
        ("horizon_tco_usd", f"TCO over {kb.get('horizon_months', '')} months, USD"),
        ("carbon_kg_per_month", "carbon, kg CO2e/month"),
    ):
        if key in ka and key in kb:
            va, vb = ka[key], kb[key]
            if key == "carbon_kg_per_month":
                row = (f"{va:,.0f}", f"{vb:,.0f}", f"{vb - va:+,.0f}")
            else:
                row = (money(va), money(vb), signed_money(vb - va))
            lines.append(f"| {label} | {row[0]} | {row[1]} | {row[2]} |")
    lines.append("")
    if gate is not None:
        mark = "❌" if gate["failed"] else "✅"
        verdict = "exceeds" if gate["failed"] else "is within"
        lines.append(
            f"{mark} **Cost gate:** the increase {signed_money(max(delta, 0.0))}/month "
            f"({_pct(max(delta, 0.0), a)}) {verdict} the limit of {gate['limit_text']}."
        )
        lines.append("")
    moved, repriced = comp.moved, comp.repriced
    lines.append(f"#### What moved ({len(moved)})")
    lines.append("")
    lines += _unit_table(moved) if len(moved) else ["Nothing moved.", ""]
    if len(repriced):
        lines.append(f"#### Repriced in place ({len(repriced)})")
        lines.append("")
        lines += _unit_table(repriced)
    buys = new_purchases(plan_a, plan_b)
    lines.append(f"#### New purchases ({len(buys)})")
    lines.append("")
    if buys:
        lines += ["| site | SKU | boxes | capex |", "|---|---|---:|---:|"]
        lines += [
            f"| {_cell(p['site'])} | {_cell(p['sku'])} | {p['extra']:,} | "
            f"{money(p['extra_capex_usd'])} |"
            for p in buys
        ]
        lines.append("")
    else:
        lines += ["No new hardware.", ""]
    bind = binding(plan_b)
    lines.append(f"#### Budgets and limits binding after the change ({len(bind)})")
    lines.append("")
    lines += [f"- {x}" for x in bind] if bind else ["None binds."]
    lines.append("")
    return "\n".join(lines)


def _unit_table(frame) -> list[str]:
    rows = ["| unit | before | after | change, USD/month | why |", "|---|---|---|---:|---|"]
    for r in frame.head(MAX_ROWS).itertuples(index=False):
        before = f"{r.target_a} {r.hardware_a}" if isinstance(r.target_a, str) else "-"
        after = f"{r.target_b} {r.hardware_b}" if isinstance(r.target_b, str) else "-"
        rows.append(
            f"| {_cell(r.unit)} | {_cell(before)} | {_cell(after)} | {signed_money(r.delta_usd)} "
            f"| {_cell(r.why)} |"
        )
    if len(frame) > MAX_ROWS:
        rows.append(f"| … and {len(frame) - MAX_ROWS} more | | | | |")
    rows.append("")
    return rows
