"""Which limits bind against one option: why a cheaper option was not used.

Reads only result frames (site usage, budget usage, purchases, KPIs) and the scenario, so it
works on a solved :class:`~advisor.plan.Plan` and on a saved ``plan.json`` alike. A limit is
named when it is at its cap (budgets and caps at 98% or more, power and space without room
for one more box of the option's hardware, a SKU bought to ``max_buy_per_sku``, owned boxes
full with none buyable) and concerns the option (its site, its team's budgets, the plan-wide
budgets and caps, the placement rules and HA groups of its workload).
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def money(x: float) -> str:
    return ("-" if x < 0 else "") + f"${abs(x):,.0f}"


NEAR = 0.98
"""A budget or cap used to at least this share of its limit binds."""


def _box(hardware: pd.DataFrame | None, sku: str) -> dict[str, float]:
    if hardware is None or sku not in set(hardware["sku"]):
        return {}
    return hardware.set_index("sku").loc[sku].to_dict()


def binding_reasons(
    scenario: Any,
    site_usage: pd.DataFrame,
    budgets: pd.DataFrame,
    purchases: pd.DataFrame,
    kpis: dict,
    hardware: pd.DataFrame | None,
    unit: str,
    target: str,
    sku: str,
    team: str,
) -> list[str]:
    """The limits that bind against running ``unit`` on ``sku`` at ``target`` (see above)."""
    out: list[str] = []
    workload = unit.split("#", 1)[0].split("~", 1)[0]  # HA group ``#g``, burst part ``~k``
    if target.startswith("site:"):
        out += _site_reasons(scenario, site_usage, purchases, hardware, target[5:], sku)
    for b in budgets.itertuples(index=False):
        if b.scope not in ("all", f"team:{team}") or not b.limit_usd:
            continue
        if b.kind == "capex":
            if not target.startswith("site:"):
                continue
            price = float(_box(hardware, sku).get("list_price_usd", 0.0) or 0.0)
            left = b.limit_usd - b.used_usd
            if price and left < price:
                out.append(
                    f"capex budget '{b.scope}' has {money(left)} left of {money(b.limit_usd)}; "
                    f"one more {sku} costs {money(price)}"
                )
            continue
        if b.used_usd >= NEAR * b.limit_usd:
            per = "/month" if b.kind == "opex" else ""
            out.append(
                f"{b.kind} budget '{b.scope}' is used to {money(b.used_usd)}{per} of "
                f"{money(b.limit_usd)}{per}"
            )
    limits = scenario.limits
    for cap, key, what, unit_name in (
        (limits.privacy_risk_max, "privacy_risk", "privacy risk cap", "points"),
        (limits.carbon_kg_per_month_max, "carbon_kg_per_month", "carbon cap", "kg CO2e/month"),
    ):
        if cap and kpis.get(key, 0.0) >= NEAR * cap:
            out.append(f"the {what} is reached ({kpis[key]:,.1f} of {cap:,.1f} {unit_name})")
    for rule in scenario.placement_rules:
        if workload in rule.workloads:
            others = ", ".join(w for w in rule.workloads if w != workload)
            verb = "on the same target as" if rule.kind == "colocate" else "apart from"
            out.append(f"placement rule {rule.kind}: {workload} runs {verb} {others}")
    if "#" in unit:
        part = unit.split("#", 1)[0]
        whose = workload if part == workload else f"{part} (a part of {workload})"
        out.append(f"the HA groups of {whose} must run on different targets")
    if "/" in unit:  # a federated shard or aggregator
        job = unit.rsplit("/", 1)[0]
        fed = next((w.federated for w in scenario.workloads if w.id == job), None)
        limit = f", within max_rtt_ms {fed.max_rtt_ms:g}" if fed and fed.max_rtt_ms else ""
        out.append(
            f"the update flows between {job}'s shards and its aggregator are priced by where "
            f"both ends run{limit}"
        )
    return out


def _site_reasons(
    scenario: Any,
    usage: pd.DataFrame,
    purchases: pd.DataFrame,
    hardware: pd.DataFrame | None,
    site_id: str,
    sku: str,
) -> list[str]:
    out: list[str] = []
    site = next((s for s in scenario.sites if s.id == site_id), None)
    rows = usage[usage["site"] == site_id]
    if site is None or rows.empty:
        return out
    u = rows.iloc[0]
    box = _box(hardware, sku)
    kw, ru = float(box.get("power_kw", 0.0) or 0.0), float(box.get("rack_units", 0.0) or 0.0)
    if (
        pd.notna(u["kw_max"])
        and u["kw_max"] != float("inf")
        and u["kw_max"] - u["kw_installed"] < max(kw, 1e-6)
    ):
        out.append(
            f"power at {site_id} is at its cap ({u['kw_installed']:,.1f} of {u['kw_max']:,.1f} kW "
            f"installed; one more {sku} needs {kw:,.1f} kW)"
        )
    ru_max = u["rack_units_max"]
    if (
        pd.notna(ru_max)
        and ru_max != float("inf")
        and ru_max - u["rack_units_installed"] < max(ru, 1e-6)
    ):
        out.append(
            f"space at {site_id} is full ({u['rack_units_installed']:,.0f} of {ru_max:,.0f} "
            f"rack units; one more {sku} needs {ru:,.0f})"
        )
    bought = 0
    if len(purchases):
        hit = purchases[(purchases["site"] == site_id) & (purchases["sku"] == sku)]
        bought = int(hit["count"].sum()) if len(hit) else 0
    if sku in site.can_buy and site.max_buy_per_sku and bought >= site.max_buy_per_sku:
        out.append(
            f"{sku} at {site_id} is bought to its limit (max_buy_per_sku {site.max_buy_per_sku})"
        )
    elif sku not in site.can_buy:
        owned = sum(i.count for i in site.inventory if i.sku == sku)
        full = u["accelerators_used"] >= u["accelerators_installed"] - 1e-6 or (
            u["vcpus_used"] >= u["vcpus_installed"] - 1e-6
        )
        if owned and full:
            out.append(
                f"the {owned:,} owned {sku} box(es) at {site_id} are full and {sku} is not in "
                "its can_buy"
            )
    return out


def why_not_used(plan: Any, unit: str, target: str, sku: str, team: str) -> list[str]:
    """:func:`binding_reasons` for a solved :class:`~advisor.plan.Plan`."""
    return binding_reasons(
        plan.scenario,
        plan.site_usage,
        plan.budget_usage,
        plan.purchases,
        plan.kpis,
        plan.options.catalog.hardware,
        unit,
        target,
        sku,
        team,
    )
