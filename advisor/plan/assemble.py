"""From a solver Solution to tidy result frames: assignments, purchases, usage, KPIs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.milp import Problem, Solution
from advisor.schema.scenario import Scenario

ASSIGNMENT_COLUMNS = [
    "workload",
    "unit",
    "team",
    "tier",
    "target",
    "site",
    "provider",
    "region",
    "hardware",
    "accelerator",
    "precision",
    "pricing",
    "gpus_per_replica",
    "replicas",
    "units",
    "billed_boxes",
    "usd_per_hour",
    "compute_usd",
    "egress_usd",
    "power_usd",
    "ops_usd",
    "opex_usd",
    "capex_usd",
    "total_usd",
    "latency_ms",
    "rtt_ms",
    "rtt_basis",
    "slo_ms",
    "risk",
    "energy_kwh",
    "carbon_kg",
    "classification",
]


def purchases_frame(problem: Problem, sol: Solution) -> pd.DataFrame:
    pur = problem.purchasables.set_index(["site", "sku"])
    rows = []
    for (site, sku), n in sorted(sol.buys.items()):
        p = pur.loc[(site, sku)]
        rows.append(
            {
                "site": site,
                "sku": sku,
                "count": int(n),
                "unit_price_usd": float(p["list_price_usd"]),
                "capex_usd": float(n * p["list_price_usd"]),
                "useful_life_months": float(p["useful_life_months"]),
                "amortised_usd_per_month": float(n * p["capex_usd_per_month"]),
                "power_kw": float(n * p["power_kw"]),
                "rack_units": float(n * p["rack_units"]),
            }
        )
    cols = [
        "site",
        "sku",
        "count",
        "unit_price_usd",
        "capex_usd",
        "useful_life_months",
        "amortised_usd_per_month",
        "power_kw",
        "rack_units",
    ]
    return pd.DataFrame(rows, columns=cols)


def assignments_frame(problem: Problem, sol: Solution, purchases: pd.DataFrame) -> pd.DataFrame:
    """Chosen options; bought boxes' amortised capex is shared pro rata by units used."""
    a = problem.options.iloc[list(sol.chosen)].copy()
    a["capex_usd"] = 0.0
    if len(purchases):
        used = a[a["tier"] != "cloud"].groupby(["site", "hardware"])["units"].transform("sum")
        key = pd.MultiIndex.from_frame(a.loc[used.index, ["site", "hardware"]])
        monthly = purchases.set_index(["site", "sku"])["amortised_usd_per_month"]
        share = a.loc[used.index, "units"] / used
        a.loc[used.index, "capex_usd"] = (
            share.to_numpy() * monthly.reindex(key).fillna(0.0).to_numpy()
        )
    a["total_usd"] = a["opex_usd"] + a["capex_usd"]
    a = (
        a.reindex(columns=ASSIGNMENT_COLUMNS)
        .sort_values(["workload", "unit"])
        .reset_index(drop=True)
    )
    a.attrs["unit"] = "USD per month (costs), ms (latency), kgCO2e per month (carbon)"
    return a


def site_usage(
    scn: Scenario, problem: Problem, assignments: pd.DataFrame, purchases: pd.DataFrame
) -> pd.DataFrame:
    """Per site: accelerators/vCPUs used vs installed, kW and rack units installed vs cap."""
    pur = problem.purchasables.copy()
    bought = (
        purchases.set_index(["site", "sku"])["count"] if len(purchases) else pd.Series(dtype=float)
    )
    pur["bought"] = [
        float(bought.get((s, k), 0)) for s, k in zip(pur["site"], pur["sku"], strict=True)
    ]
    pur["boxes"] = pur["inventory"] + pur["bought"]
    used = assignments[assignments["tier"] != "cloud"].groupby(["site", "hardware"])["units"].sum()
    pur["units_used"] = [
        float(used.get((s, k), 0.0)) for s, k in zip(pur["site"], pur["sku"], strict=True)
    ]
    pur["units_installed"] = pur["boxes"] * pur["box_units"]
    rows = []
    limits = problem.sites.set_index("site")
    for s in scn.sites:
        p = pur[pur["site"] == s.id]
        is_gpu = p["is_gpu"].astype(bool)
        gpu = p[is_gpu]
        cpu = p[~is_gpu]
        rows.append(
            {
                "site": s.id,
                "kind": s.kind,
                "accelerators_used": float(gpu["units_used"].sum()),
                "accelerators_installed": float(gpu["units_installed"].sum()),
                "vcpus_used": float(cpu["units_used"].sum()),
                "vcpus_installed": float(cpu["units_installed"].sum()),
                "kw_installed": float((p["boxes"] * p["power_kw"]).sum()),
                "kw_max": float(limits.at[s.id, "max_kw"]),
                "rack_units_installed": float((p["boxes"] * p["rack_units"]).sum()),
                "rack_units_max": float(limits.at[s.id, "max_rack_units"]),
            }
        )
    return pd.DataFrame(rows)


def budget_usage(
    scn: Scenario,
    assignments: pd.DataFrame,
    purchases: pd.DataFrame,
    sol: Solution,
    problem: Problem,
) -> pd.DataFrame:
    """Each budget: used vs limit (opex per month, capex in total)."""
    flows_usd = sol.flow_usd
    rows = []
    flow_team = {f.name: f.team for f in problem.flows}
    for b in scn.budgets:
        team = None if b.scope == "all" else b.scope[5:]
        a = assignments if team is None else assignments[assignments["team"] == team]
        if b.opex_usd_per_month_max is not None:
            used = float(a["opex_usd"].sum()) + sum(
                v for k, v in flows_usd.items() if team is None or flow_team[k] == team
            )
            rows.append(
                {
                    "scope": b.scope,
                    "kind": "opex",
                    "used_usd": used,
                    "limit_usd": b.opex_usd_per_month_max,
                }
            )
        if b.capex_usd_max is not None:
            if team is None:
                used = float(purchases["capex_usd"].sum()) if len(purchases) else 0.0
            else:
                used = _team_capex(team, sol.team_new, problem)
            rows.append(
                {"scope": b.scope, "kind": "capex", "used_usd": used, "limit_usd": b.capex_usd_max}
            )
    frame = pd.DataFrame(rows, columns=["scope", "kind", "used_usd", "limit_usd"])
    frame["utilisation"] = frame["used_usd"] / frame["limit_usd"].replace(0, np.nan)
    return frame


def _team_capex(team: str, team_new: dict, problem: Problem) -> float:
    """A team's capex: its units on newly bought boxes x list price per unit (pro rata)."""
    pur = problem.purchasables.set_index(["site", "sku"])
    return float(
        sum(
            units * pur.at[(s, k), "list_price_usd"] / pur.at[(s, k), "box_units"]
            for (s, k, g), units in team_new.items()
            if g == team
        )
    )
