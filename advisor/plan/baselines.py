"""Baselines the plan is compared against, and which constraints each one breaks.

* all-cloud: each unit's cheapest feasible cloud option (no shared limits considered);
* all-on-prem: each unit's cheapest local/edge option, with the boxes it needs bought;
* greedy: units in decreasing order of their cheapest cost take their cheapest option that
  still fits the remaining site capacity, power, space and budgets (buying boxes as needed).
Costs are per month: opex, the fixed cost (idle power + ops) of every box installed, the
data flows between where the baseline put their ends, and the amortised capex of the
purchases each baseline implies (``options/lifecycle.py``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from advisor.milp import Problem
from advisor.options import OptionSet
from advisor.options.costing import standalone_monthly_usd
from advisor.schema.scenario import Scenario


def _purchases_for(problem: Problem, chosen: pd.DataFrame) -> pd.DataFrame:
    pur = problem.purchasables.copy()
    used = chosen[chosen["tier"] != "cloud"].groupby(["site", "hardware"])["units"].sum()
    pur["used"] = [
        float(used.get((s, k), 0.0)) for s, k in zip(pur["site"], pur["sku"], strict=True)
    ]
    pur["need_boxes"] = np.ceil(pur["used"] / pur["box_units"] - 1e-9)
    pur["buy"] = np.maximum(pur["need_boxes"] - pur["inventory"], 0)
    return pur


def evaluate(
    scn: Scenario, problem: Problem, chosen: pd.DataFrame, name: str, missing: list[str]
) -> dict:
    """Monthly cost and broken constraints of a baseline selection."""
    pur = _purchases_for(problem, chosen)
    capex = float((pur["buy"] * pur["list_price_usd"]).sum())
    amort = float((pur["buy"] * pur["capex_usd_per_month"]).sum())
    fixed = float(((pur["inventory"] + pur["buy"]) * pur["fixed_usd_per_month"]).sum())
    opex = float(chosen["opex_usd"].sum()) + fixed + flow_usd(problem, chosen)
    broken = []
    if missing:
        broken.append(f"{len(missing)} workload(s) have no option in this baseline")
    over_buy = pur[pur["buy"] > pur["max_buy"]]
    for r in over_buy.itertuples(index=False):
        broken.append(
            f"capacity[{r.site},{r.sku}]: needs {r.buy:g} new boxes, may buy {r.max_buy:g}"
        )
    limits = problem.sites.set_index("site")
    for site, g in pur.groupby("site"):
        kw = float(((g["inventory"] + g["buy"]) * g["power_kw"]).sum())
        ru = float(((g["inventory"] + g["buy"]) * g["rack_units"]).sum())
        if kw > limits.at[site, "max_kw"] + 1e-6:
            broken.append(f"power[{site}]: {kw:,.1f} kW > {limits.at[site, 'max_kw']:,.1f} kW")
        if ru > limits.at[site, "max_rack_units"] + 1e-6:
            broken.append(
                f"space[{site}]: {ru:,.0f} U > {limits.at[site, 'max_rack_units']:,.0f} U"
            )
    for b in problem.budgets:
        rows = chosen if b.scope == "all" else chosen[chosen["team"] == b.scope[5:]]
        used = (
            (opex if b.scope == "all" else float((rows["opex_usd"] + rows["box_share_usd"]).sum()))
            if b.kind == "opex"
            else (capex if b.scope == "all" else math.nan)
        )
        if used == used and used > b.limit_usd + 1e-6:
            broken.append(f"{b.name}: ${used:,.0f} > ${b.limit_usd:,.0f}")
    broken += _round_trips_broken(problem, chosen)
    if problem.risk_max is not None and chosen["risk"].sum() > problem.risk_max + 1e-6:
        broken.append(f"privacy_risk_cap: {chosen['risk'].sum():,.1f} > {problem.risk_max:,.1f}")
    carbon = float(chosen["carbon_kg"].sum()) + float(
        ((pur["inventory"] + pur["buy"]) * pur["idle_kg_per_month"]).sum()
    )
    if problem.carbon_max_kg is not None and carbon > problem.carbon_max_kg + 1e-6:
        broken.append(f"carbon_cap: {carbon:,.0f} > {problem.carbon_max_kg:,.0f} kg")
    return {
        "baseline": name,
        "monthly_usd": opex + amort,
        "opex_usd": opex,
        "capex_usd": capex,
        "workloads_placed": int(chosen["workload"].nunique()),
        "missing": missing,
        "broken": broken,
    }


def flow_usd(problem: Problem, chosen: pd.DataFrame) -> float:
    """Monthly cost of the scenario's flows where the baseline put both ends: 0 on one
    target, the sender's inter-region rate at the same provider, else its outbound rate (the
    MILP's flow rule); a flow with an unplaced end costs nothing here."""
    if not problem.flows or not len(chosen):
        return 0.0
    where = dict(zip(chosen["unit"], chosen["target"], strict=True))
    rates = problem.flow_rates.set_index("target")
    total = 0.0
    for f in problem.flows:
        a, b = where.get(f.from_units[0]), where.get(f.to_units[0])
        if a is None or b is None or a == b:
            continue
        pa = rates.at[a, "provider"] if a in rates.index else ""
        pb = rates.at[b, "provider"] if b in rates.index else ""
        col = "usd_per_gb_inter" if pa and pa == pb else "usd_per_gb_out"
        total += f.gb_per_month * float(rates.at[a, col])
    return total


def _round_trips_broken(problem: Problem, chosen: pd.DataFrame) -> list[str]:
    """Flows with a ``max_rtt_ms`` whose ends the baseline puts too far apart."""
    if not len(problem.flow_rtt):
        return []
    at = dict(zip(chosen["unit"], chosen["target"], strict=True))
    rtt = problem.flow_rtt.set_index(["src", "dst"])["rtt_ms"]
    out = []
    for f in problem.flows:
        a, b = at.get(f.from_units[0]), at.get(f.to_units[0])
        if f.max_rtt_ms is None or a is None or b is None:
            continue
        ms = float(rtt.get((a, b), float("nan")))
        if ms > f.max_rtt_ms + 1e-9:
            out.append(f"flow_rtt[{f.name}]: {ms:,.0f} ms > {f.max_rtt_ms:,.0f} ms")
    return out


def _cheapest(pool: pd.DataFrame, tiers: tuple[str, ...]) -> pd.DataFrame:
    """Each unit's option in ``tiers`` that costs least on its own (ties: the first target).
    Ranked on the few columns that decide it; only the winners are taken from ``pool``."""
    keys = pool[["unit", "target"]].assign(_m=standalone_monthly_usd(pool))
    keys = keys[pool["tier"].isin(tiers).to_numpy()]
    first = keys.sort_values(["unit", "_m", "target"], kind="mergesort").drop_duplicates("unit")
    return pool.loc[first.index].assign(_m=first["_m"])


def all_cloud(scn: Scenario, opts: OptionSet, problem: Problem) -> dict:
    pool = pd.concat([opts.options, opts.dominated], ignore_index=True)
    chosen = _cheapest(pool, ("cloud",))
    missing = sorted(set(opts.units["unit"]) - set(chosen["unit"]))
    return evaluate(scn, problem, chosen, "all-cloud", missing)


def all_on_prem(scn: Scenario, opts: OptionSet, problem: Problem) -> dict:
    pool = pd.concat([opts.options, opts.dominated], ignore_index=True)
    chosen = _cheapest(pool, ("local", "edge"))
    missing = sorted(set(opts.units["unit"]) - set(chosen["unit"]))
    return evaluate(scn, problem, chosen, "all-on-prem", missing)


class _Row(NamedTuple):
    tier: str
    site: str
    hardware: str
    units: float
    opex_usd: float
    box_share_usd: float
    team: str


def greedy(scn: Scenario, opts: OptionSet, problem: Problem) -> dict:
    o = problem.options.copy()
    o["_m"] = standalone_monthly_usd(o)
    o = o.sort_values(["unit", "_m", "target"], kind="mergesort")
    first = o.drop_duplicates("unit").sort_values("_m", ascending=False)
    pur = problem.purchasables
    keys = list(zip(pur["site"], pur["sku"], strict=True))
    box = dict(zip(keys, pur["box_units"].astype(float), strict=True))
    max_buy = dict(zip(keys, pur["max_buy"].astype(float), strict=True))
    box_kw = dict(zip(keys, pur["power_kw"].astype(float), strict=True))
    box_ru = dict(zip(keys, pur["rack_units"].astype(float), strict=True))
    free_units = dict(zip(keys, (pur["inventory"] * pur["box_units"]).astype(float), strict=True))
    bought = dict.fromkeys(keys, 0)
    limits = problem.sites.set_index("site")
    max_kw = limits["max_kw"].astype(float).to_dict()
    max_ru = limits["max_rack_units"].astype(float).to_dict()
    kw = (pur["inventory"] * pur["power_kw"]).groupby(pur["site"]).sum().to_dict()
    ru = (pur["inventory"] * pur["rack_units"]).groupby(pur["site"]).sum().to_dict()
    kw = {s: float(kw.get(s, 0.0)) for s in limits.index}
    ru = {s: float(ru.get(s, 0.0)) for s in limits.index}
    team_opex: dict[str, float] = {}
    total_opex = 0.0
    budgets = {b.scope: b.limit_usd for b in problem.budgets if b.kind == "opex"}
    picks = []
    o = o.reset_index(drop=True)
    # the few columns used, as arrays read per row: most units take their first option, so
    # building a tuple for each of the (660,000 at 10,000 workloads) options cost seconds
    cols = ["tier", "site", "hardware", "units", "opex_usd", "box_share_usd", "team"]
    arrays = {c: o[c].to_numpy() for c in cols}
    groups = o.groupby("unit", sort=False).indices
    for unit in first["unit"]:
        for i in groups[unit]:
            r = _Row(*(arrays[c][i] for c in cols))
            charge = r.opex_usd + r.box_share_usd
            t_ok = total_opex + charge <= budgets.get("all", math.inf) + 1e-6
            t_ok &= (
                team_opex.get(r.team, 0.0) + charge
                <= budgets.get(f"team:{r.team}", math.inf) + 1e-6
            )
            if not t_ok:
                continue
            if r.tier != "cloud":
                key = (r.site, r.hardware)
                short = max(r.units - free_units[key], 0.0)
                extra = math.ceil(short / box[key] - 1e-9) if short > 0 else 0
                if bought[key] + extra > max_buy[key]:
                    continue
                if kw[r.site] + extra * box_kw[key] > max_kw[r.site] + 1e-6:
                    continue
                if ru[r.site] + extra * box_ru[key] > max_ru[r.site] + 1e-6:
                    continue
                bought[key] += extra
                free_units[key] += extra * box[key] - r.units
                kw[r.site] += extra * box_kw[key]
                ru[r.site] += extra * box_ru[key]
            total_opex += charge
            team_opex[r.team] = team_opex.get(r.team, 0.0) + charge
            picks.append(i)
            break
    chosen = o.iloc[picks].reset_index(drop=True)
    missing = sorted(set(opts.units["unit"]) - set(chosen["unit"] if len(chosen) else []))
    return evaluate(scn, problem, chosen, "greedy", missing)


def baselines(
    scn: Scenario, opts: OptionSet, problem: Problem, plan_monthly_usd: float
) -> pd.DataFrame:
    """The three baselines with the plan's monthly saving against each."""
    rows = [
        all_cloud(scn, opts, problem),
        all_on_prem(scn, opts, problem),
        greedy(scn, opts, problem),
    ]
    frame = pd.DataFrame(rows)
    frame["saving_usd_per_month"] = frame["monthly_usd"] - plan_monthly_usd
    frame.loc[frame["missing"].map(len) > 0, "saving_usd_per_month"] = np.nan
    frame.attrs["unit"] = "USD per month"
    return frame
