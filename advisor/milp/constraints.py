"""Constraint families of the placement MILP. One function per family, math in the docstring.

Notation: x[o] in {0,1} chooses option o; O(u) are unit u's options; buy[s,k] in Z+ boxes of
SKU k bought at site s; inv[s,k] boxes owned; U_k capacity units per box (GPUs or vCPUs);
z[u,t] = sum_{o in O(u), target(o)=t} x[o].
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np
import pulp

from advisor.milp.model import ModelContext


def assignment(ctx: ModelContext) -> None:
    """assign[u]:  sum_{o in O(u)} x[o] = 1   for every placement unit u."""
    for u, ix in sorted(ctx.options_by_unit().items()):
        expr = pulp.LpAffineExpression([(ctx.x[i], 1.0) for i in ix])
        ctx.add(expr, "==", 1.0, f"assign[{u}]", family="assign", subject=u, elastic=False)


def site_capacity(ctx: ModelContext) -> None:
    """capacity[s,k]:  sum_{o at s on k} units[o] x[o] <= U_k (inv[s,k] + buy[s,k]).

    units[o] charges each replica the box share it blocks (see ``options.sizing``): with p
    replicas of the option's shape per box, B / p units (a replica never spans boxes). The row
    is exact when the replicas in one (site, SKU) pool share boxes only with replicas of the
    same shape: n replicas need ceil(n / p) boxes and n B / p <= B N  <=>  ceil(n / p) <= N.
    With mixed shapes it is conservative: a mix that whole-box packing could fit may be
    rejected (two 3-GPU replicas and one 2-GPU replica on an 8-GPU box are charged 4+4+2).
    It never admits an unpackable mix when the shares B / p divide one another, which holds
    for every accelerator box of 1, 2, 4 or 8 GPUs (power-of-two p); on CPU boxes with other
    p the verifier's packing check is the guard.
    """
    o = ctx.problem.options
    use: dict[tuple[str, str], list] = defaultdict(list)
    site_rows = np.flatnonzero((o["tier"] != "cloud").to_numpy())
    sites, skus, units = o["site"].to_numpy(), o["hardware"].to_numpy(), o["units"].to_numpy(float)
    for i in site_rows:
        use[(sites[i], skus[i])].append((ctx.x[i], float(units[i])))
    for p in ctx.problem.purchasables.itertuples(index=False):
        key = (p.site, p.sku)
        if key not in use:
            continue
        terms = list(use[key])
        if key in ctx.buy:
            terms.append((ctx.buy[key], -float(p.box_units)))
        ctx.add(
            pulp.LpAffineExpression(terms),
            "<=",
            float(p.box_units * p.inventory),
            f"capacity[{p.site},{p.sku}]",
            family="capacity",
            subject=f"{p.site}/{p.sku}",
            unit="accelerators" if p.is_gpu else "vCPU",
            scale=float(p.box_units),
        )


def site_power(ctx: ModelContext) -> None:
    """power[s]:  sum_k kW_k (inv[s,k] + buy[s,k]) <= max_kw[s]   (installed IT load)."""
    _installed(ctx, "power_kw", "max_kw", "power", "kW")


def site_space(ctx: ModelContext) -> None:
    """space[s]:  sum_k RU_k (inv[s,k] + buy[s,k]) <= max_rack_units[s]."""
    _installed(ctx, "rack_units", "max_rack_units", "space", "rack units")


def _installed(ctx: ModelContext, per_box: str, cap_col: str, family: str, unit: str) -> None:
    pur = ctx.problem.purchasables
    for s in ctx.problem.sites.itertuples(index=False):
        cap = float(getattr(s, cap_col))
        if not np.isfinite(cap):
            continue
        rows = pur[pur["site"] == s.site]
        fixed = float((rows[per_box] * rows["inventory"]).sum())
        terms = [
            (ctx.buy[(s.site, k)], float(v))
            for k, v in zip(rows["sku"], rows[per_box], strict=True)
            if (s.site, k) in ctx.buy and v > 0
        ]
        if not terms and fixed <= cap:
            continue
        ctx.add(
            pulp.LpAffineExpression(terms),
            "<=",
            cap - fixed,
            f"{family}[{s.site}]",
            family=family,
            subject=s.site,
            unit=unit,
            scale=max(cap, 1.0),
        )


def budgets(ctx: ModelContext) -> None:
    """opex[scope]:  sum_{o in scope} opex[o] x[o] + flow costs of the scope <= B_opex.
    capex[all]:      sum_{s,k} price_k buy[s,k] <= B_capex.
    capex[team:g]:   sum_{s,k} price_k / U_k * new[s,k,g] <= B_capex(g), with
                     new[s,k,g] <= used[s,k,g],  sum_g new[s,k,g] <= U_k buy[s,k],
                     sum_g (used[s,k,g] - new[s,k,g]) <= U_k inv[s,k]
                     (a team's capex is its pro-rata share of newly bought boxes).
    """
    o = ctx.problem.options
    opex = o["opex_usd"].to_numpy(float)
    teams = o["team"].to_numpy()
    pur = ctx.problem.purchasables
    for b in ctx.problem.budgets:
        if b.kind == "opex":
            rows = range(len(o)) if b.scope == "all" else np.flatnonzero(teams == b.scope[5:])
            terms = [(ctx.x[i], float(opex[i])) for i in rows if opex[i] != 0]
            for f in ctx.problem.flows:
                if b.scope == "all" or f.team == b.scope[5:]:
                    terms.append((ctx.flow_cost[f.name], 1.0))
            _budget_row(ctx, b, terms, "USD/month")
        elif b.scope == "all":
            terms = [
                (ctx.buy[(p.site, p.sku)], float(p.list_price_usd))
                for p in pur.itertuples(index=False)
                if (p.site, p.sku) in ctx.buy
            ]
            _budget_row(ctx, b, terms, "USD")
        else:
            _team_capex(ctx, b)


def _budget_row(ctx: ModelContext, b, terms: list, unit: str) -> None:
    ctx.add(
        pulp.LpAffineExpression(terms),
        "<=",
        b.limit_usd,
        b.name,
        family="budget",
        subject=b.scope,
        unit=unit,
        scale=max(b.limit_usd, 1.0),
    )


def _team_capex(ctx: ModelContext, b) -> None:
    team = b.scope[5:]
    terms = []
    for p in ctx.problem.purchasables.itertuples(index=False):
        key = (p.site, p.sku)
        new = ctx.team_new.get((p.site, p.sku, team))
        if new is not None and key in ctx.buy:
            terms.append((new, float(p.list_price_usd) / float(p.box_units)))
    _budget_row(ctx, b, terms, "USD")


def team_capex_split(ctx: ModelContext) -> None:
    """Variables new[s,k,g] and the pooling rows used by team capex budgets (see budgets)."""
    o = ctx.problem.options
    used: dict[tuple[str, str, str], list] = defaultdict(list)
    for i in np.flatnonzero((o["tier"] != "cloud").to_numpy()):
        used[(o["site"].iat[i], o["hardware"].iat[i], o["team"].iat[i])].append(
            (ctx.x[i], float(o["units"].iat[i]))
        )
    pools: dict[tuple[str, str], list] = defaultdict(list)
    pur = ctx.problem.purchasables.set_index(["site", "sku"])
    for (s, k, g), terms in sorted(used.items()):
        if (s, k) not in ctx.buy:
            continue
        new = pulp.LpVariable(f"new_{len(ctx.team_new)}", lowBound=0)
        ctx.team_new[(s, k, g)] = new
        ctx.add(
            pulp.LpAffineExpression([(new, 1.0)] + [(v, -c) for v, c in terms]),
            "<=",
            0.0,
            f"new_le_used[{s},{k},{g}]",
            family="capex_split",
            subject=g,
            elastic=False,
        )
        pools[(s, k)].append((new, terms))
    for (s, k), items in sorted(pools.items()):
        units = float(pur.at[(s, k), "box_units"])
        inv = float(pur.at[(s, k), "inventory"])
        ctx.add(
            pulp.LpAffineExpression([(n, 1.0) for n, _ in items] + [(ctx.buy[(s, k)], -units)]),
            "<=",
            0.0,
            f"new_le_bought[{s},{k}]",
            family="capex_split",
            subject=s,
            elastic=False,
        )
        old = [(v, c) for _, terms in items for v, c in terms] + [(n, -1.0) for n, _ in items]
        ctx.add(
            pulp.LpAffineExpression(old),
            "<=",
            units * inv,
            f"old_le_owned[{s},{k}]",
            family="capex_split",
            subject=s,
            elastic=False,
        )


def ha_spread(ctx: ModelContext) -> None:
    """ha[w,t]:  sum_{g in groups(w)} z[g,t] <= 1   (replica groups on different targets)."""
    _at_most_one(ctx, ctx.problem.ha_groups, "ha")


def anti_affinity(ctx: ModelContext) -> None:
    """anti_affinity[r,t]:  sum_{u in rule r} z[u,t] <= 1."""
    _at_most_one(ctx, ctx.problem.anti_affinity, "anti_affinity")


def _at_most_one(ctx: ModelContext, groups, family: str) -> None:
    z = ctx.z()
    for r, units in enumerate(groups):
        targets = sorted({t for u in units for t in ctx.targets_of(u)})
        for t in targets:
            exprs = [z[(u, t)] for u in units if (u, t) in z]
            if len(exprs) < 2:
                continue
            ctx.add(
                pulp.lpSum(exprs),
                "<=",
                1.0,
                f"{family}[{r},{t}]",
                family=family,
                subject=" & ".join(units),
                unit="workloads",
                scale=1.0,
            )


def colocate(ctx: ModelContext) -> None:
    """colocate[r,t]:  z[a,t] - z[b,t] = 0   for consecutive units a, b of rule r, all t."""
    z = ctx.z()
    for r, units in enumerate(ctx.problem.colocate):
        for a, b in itertools.pairwise(units):
            targets = sorted(set(ctx.targets_of(a)) | set(ctx.targets_of(b)))
            for t in targets:
                expr = z.get((a, t), pulp.LpAffineExpression()) - z.get(
                    (b, t), pulp.LpAffineExpression()
                )
                ctx.add(
                    expr,
                    "==",
                    0.0,
                    f"colocate[{r},{t}]",
                    family="colocate",
                    subject=f"{a} & {b}",
                    unit="workloads",
                    scale=1.0,
                )


def flows(ctx: ModelContext) -> None:
    """flow[f,t]: for every target t of the sender a (receiver b), with rate(t, t') the USD/GB
    from t to t' (0 if t' = t, r_in(t) if t' is elsewhere at t's provider, r_out(t) otherwise)
    and M_t = max_t' rate(t, t'):
        c[f] >= gb * ( M_t z[a,t] - sum_{t' in T(b)} (M_t - rate(t, t')) z[b,t'] )
    Since sum_t' z[b,t'] = 1 (assign), the row reads c[f] >= gb * rate(t, where b is) when a
    is at t and c[f] >= -gb * (something >= 0) otherwise; c[f] >= 0 and is minimised, so
    c[f] = gb * rate(target of a, target of b) exactly, for any r_out, r_in (each flow has
    its own c[f]). Only receiver targets with a non-zero coefficient enter the row.
    """
    z = ctx.z()
    rates = ctx.problem.flow_rates.set_index("target")
    r_out_of = rates["usd_per_gb_out"].astype(float).to_dict()
    r_in_of = rates["usd_per_gb_inter"].astype(float).to_dict()
    prov_of = rates["provider"].to_dict()
    for f in ctx.problem.flows:
        a, b = f.from_units[0], f.to_units[0]
        c = ctx.flow_cost[f.name]
        b_targets = ctx.targets_of(b)
        for t in ctx.targets_of(a):
            r_out, r_in, prov = r_out_of[t], r_in_of[t], prov_of[t]
            big = max(r_out, r_in) if prov else r_out
            terms = [(c, 1.0)] + [(v, -f.gb_per_month * big) for v, _ in z[(a, t)].items()]
            for t2 in b_targets:
                if t2 == t:
                    rate = 0.0
                elif prov and prov_of[t2] == prov:
                    rate = r_in
                else:
                    rate = r_out
                coef = f.gb_per_month * (big - rate)
                if coef != 0:
                    terms += [(v, coef) for v, _ in z[(b, t2)].items()]
            ctx.add(
                pulp.LpAffineExpression(terms),
                ">=",
                0.0,
                f"flow[{f.name},{t}]",
                family="flow",
                subject=f.name,
                elastic=False,
            )


def risk_cap(ctx: ModelContext) -> None:
    """risk:  sum_o risk[o] x[o] <= R."""
    _cap(ctx, "risk", ctx.problem.risk_max, "privacy_risk", "risk points")


def carbon_cap(ctx: ModelContext) -> None:
    """carbon:  sum_o carbon_kg[o] x[o] <= C   (kgCO2e per month)."""
    _cap(ctx, "carbon_kg", ctx.problem.carbon_max_kg, "carbon", "kgCO2e/month")


def _cap(ctx: ModelContext, col: str, limit: float | None, family: str, unit: str) -> None:
    if limit is None:
        return
    vals = ctx.problem.options[col].to_numpy(float)
    terms = [(ctx.x[i], float(v)) for i, v in enumerate(vals) if v != 0]
    ctx.add(
        pulp.LpAffineExpression(terms),
        "<=",
        float(limit),
        f"{family}_cap",
        family=family,
        subject="plan",
        unit=unit,
        scale=max(float(limit), 1.0),
    )


FAMILIES = (
    assignment,
    site_capacity,
    site_power,
    site_space,
    budgets,
    ha_spread,
    anti_affinity,
    colocate,
    flows,
    risk_cap,
    carbon_cap,
)
"""Every constraint family, in build order (a meta-test checks each has a binding test)."""
