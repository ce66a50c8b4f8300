"""Turn a scenario and its option set into the plain :class:`~advisor.milp.Problem`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.milp import Budget, FlowSpec, Problem
from advisor.options import OptionSet, lifecycle
from advisor.options.burst import flow_parts, part_of_unit, parts
from advisor.options.federated import update_flow_rows
from advisor.options.flow_rtt import target_rtt
from advisor.schema.scenario import Scenario


def objective_factor(scn: Scenario) -> float:
    """Months the objective counts opex for: the horizon for TCO, 1 for monthly cost."""
    return 1.0 if scn.settings.objective == "monthly_cost" else float(scn.settings.horizon_months)


def box_objective(scn: Scenario, frame: pd.DataFrame) -> pd.Series:
    """Objective weight of the fixed cost of one installed box (owned or bought): idle power
    + ops a month (``options/lifecycle``) and, with the weighted objective, the price of its
    idle carbon; times the months counted. A purchase adds its capex P / L a month."""
    w = scn.settings.weights
    monthly = frame["fixed_usd_per_month"].copy()
    if scn.settings.objective == "weighted":
        monthly = monthly + w.usd_per_tonne_co2e * frame["idle_kg_per_month"] / 1000.0
    return monthly * objective_factor(scn)


def objective_constant(scn: Scenario, purchasables: pd.DataFrame) -> float:
    """The objective's constant: fixed cost of the boxes already owned (they exist whatever
    the plan), added to the solver's objective so that it is the plan's full cost."""
    return float((purchasables["inventory"] * box_objective(scn, purchasables)).sum())


def option_objective(scn: Scenario, o: pd.DataFrame) -> pd.Series:
    """obj[o] = months x (opex + weighted latency, risk and carbon terms)."""
    w = scn.settings.weights
    monthly = o["opex_usd"].copy()
    if scn.settings.objective == "weighted":
        monthly = (
            monthly
            + w.usd_per_latency_ms * o["latency_ms"]
            + w.usd_per_risk_point * o["risk"]
            + w.usd_per_tonne_co2e * o["carbon_kg"] / 1000.0
        )
    return monthly * objective_factor(scn)


def purchasables(scn: Scenario, opts: OptionSet) -> pd.DataFrame:
    """One row per (site, SKU) owned or purchasable, with per-box power, space, price, fixed
    cost a month (idle power + ops), idle carbon and the objective weight of one purchase."""
    hw = opts.catalog.hardware.set_index("sku")
    grid = opts.targets.set_index("target")["gco2e_per_kwh"]
    rows = []
    for s in scn.sites:
        inv = {i.sku: i.count for i in s.inventory}
        for sku in sorted(set(inv) | set(s.can_buy)):
            h = hw.loc[sku]
            n_acc = float(h["accelerator_count"])
            idle_kwh = float(lifecycle.idle_energy_kwh_per_month(h["idle_kw"], s.power.pue))
            rows.append(
                {
                    "site": s.id,
                    "sku": sku,
                    "inventory": inv.get(sku, 0),
                    "max_buy": s.max_buy_per_sku if sku in s.can_buy else 0,
                    "box_units": n_acc if n_acc > 0 else float(h["vcpus"]),
                    "is_gpu": n_acc > 0,
                    "power_kw": float(h["power_kw"]),
                    "idle_kw": float(h["idle_kw"]),
                    "typical_kw": float(h["typical_kw"]),
                    "rack_units": float(h["rack_units"]),
                    "list_price_usd": float(h["list_price_usd"]),
                    "useful_life_months": float(h["useful_life_months"]),
                    "fixed_usd_per_month": float(
                        lifecycle.box_fixed_usd_per_month(
                            h["idle_kw"],
                            s.power.pue,
                            s.power.usd_per_kwh,
                            h["ops_usd_per_month"],
                        )
                    ),
                    "idle_power_usd_per_month": idle_kwh * s.power.usd_per_kwh,
                    "idle_kg_per_month": idle_kwh * float(grid[f"site:{s.id}"]) / 1000.0,
                }
            )
    cols = [
        "site",
        "sku",
        "inventory",
        "max_buy",
        "box_units",
        "is_gpu",
        "power_kw",
        "idle_kw",
        "typical_kw",
        "rack_units",
        "list_price_usd",
        "useful_life_months",
        "fixed_usd_per_month",
        "idle_power_usd_per_month",
        "idle_kg_per_month",
    ]
    frame = pd.DataFrame(rows, columns=cols).astype({"is_gpu": bool})
    frame["capex_usd_per_month"] = lifecycle.monthly_capex_usd(
        frame["list_price_usd"], frame["useful_life_months"]
    )
    frame["capex_obj_usd"] = frame["capex_usd_per_month"] * objective_factor(scn) + box_objective(
        scn, frame
    )
    return frame


def site_limits(scn: Scenario) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "site": s.id,
                "max_kw": s.power.max_kw if s.power.max_kw is not None else np.inf,
                "max_rack_units": s.space.rack_units if s.space.rack_units is not None else np.inf,
            }
            for s in scn.sites
        ],
        columns=["site", "max_kw", "max_rack_units"],
    )


def flow_rates(opts: OptionSet, site_wan: dict[str, float]) -> pd.DataFrame:
    """Per target: USD/GB leaving it to another provider or a site, and to the same provider.

    Flows use each provider's first paid internet tier and its same-continent inter-region rate
    for the sending region's continent;
    sites charge their WAN rate for anything leaving them.
    """
    cat = opts.catalog
    eg = cat.egress[cat.egress["usd_per_gb"] > 0]  # skip free allowances (AWS/Azure first GB)
    eg = eg.sort_values("tier_from_gb").drop_duplicates(["provider", "destination", "source_area"])
    first = eg.set_index(["provider", "destination", "source_area"])["usd_per_gb"]
    rows = []
    for t in opts.targets.itertuples(index=False):
        if t.provider:
            out = float(first.get((t.provider, "internet", "*"), 0.0))
            area = cat.region_area(t.target)
            inter = first.get((t.provider, "inter_region_same_continent", area))
            if inter is None:
                inter = first.get((t.provider, "inter_region_same_continent", "*"), out)
            inter = float(inter)
        else:
            out = inter = float(site_wan.get(t.target, 0.0))
        rows.append(
            {
                "target": t.target,
                "provider": t.provider,
                "usd_per_gb_out": out,
                "usd_per_gb_inter": inter,
            }
        )
    return pd.DataFrame(rows)


def anti_affinity_groups(
    scn: Scenario, units_of: dict[str, list[str]]
) -> tuple[tuple[str, ...], ...]:
    """At-most-one-per-target groups of the anti-affinity rules: all the rule's units, or,
    when a rule names a split workload (whose parts may share a target), every pair of units
    of two different workloads of the rule."""
    split = {w.id for w in scn.workloads if w.split}
    groups: list[tuple[str, ...]] = []
    for r in scn.placement_rules:
        if r.kind != "anti_affinity":
            continue
        if not split & set(r.workloads):
            groups.append(tuple(u for w in r.workloads for u in units_of[w]))
            continue
        for i, a in enumerate(r.workloads):
            for b in r.workloads[i + 1 :]:
                groups += [(ua, ub) for ua in units_of[a] for ub in units_of[b]]
    return tuple(groups)


def formulate(scn: Scenario, opts: OptionSet) -> Problem:
    """The Problem for ``scn``: options with objective weights plus all coupling data."""
    o = opts.options.copy(deep=False)  # copy-on-write: adds a column, shares the rest
    o["obj_usd"] = option_objective(scn, o)
    units_of: dict[str, list[str]] = {}
    units_of_part: dict[str, list[str]] = {}  # a part: a workload, or one step of a split one
    for u, w in zip(opts.units["unit"], opts.units["workload"], strict=True):
        units_of.setdefault(w, []).append(u)
        units_of_part.setdefault(part_of_unit(u), []).append(u)
    budgets = []
    for b in scn.budgets:
        if b.opex_usd_per_month_max is not None:
            budgets.append(Budget(f"opex[{b.scope}]", "opex", b.scope, b.opex_usd_per_month_max))
        if b.capex_usd_max is not None:
            budgets.append(Budget(f"capex[{b.scope}]", "capex", b.scope, b.capex_usd_max))
    wan = {f"site:{s.id}": s.wan_egress_usd_per_gb for s in scn.sites}
    rates = flow_rates(opts, wan)
    flows = (
        *(
            FlowSpec(
                f.name,
                tuple(units_of_part[f.from_part]),
                tuple(units_of_part[f.to_part]),
                f.gb_per_month,
                f.team,
                f.max_rtt_ms,
            )
            for f in flow_parts(scn)
        ),
        *(
            FlowSpec(n, (a,), (b,), gb, team, rtt)
            for n, a, b, gb, team, rtt in update_flow_rows(scn)
        ),
    )
    senders = o.loc[o["unit"].isin({f.from_units[0] for f in flows if f.max_rtt_ms}), "target"]
    return Problem(
        options=o,
        purchasables=purchasables(scn, opts),
        sites=site_limits(scn),
        budgets=tuple(budgets),
        ha_groups=tuple(
            tuple(units_of_part[p.name]) for w in scn.workloads if w.ha for p in parts(w)
        ),
        colocate=tuple(
            tuple(u for w in r.workloads for u in units_of[w])
            for r in scn.placement_rules
            if r.kind == "colocate"
        ),
        anti_affinity=anti_affinity_groups(scn, units_of),
        flows=flows,
        flow_rates=rates,
        flow_rtt=target_rtt(scn, opts.catalog, opts.targets, sorted(set(senders))),
        flow_obj_factor=objective_factor(scn),
        risk_max=scn.limits.privacy_risk_max,
        carbon_max_kg=scn.limits.carbon_kg_per_month_max,
        team_capex=any(b.scope != "all" and b.capex_usd_max is not None for b in scn.budgets),
    )
