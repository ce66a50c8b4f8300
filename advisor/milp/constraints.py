"""Constraint families of the placement MILP. One function per family, math in the docstring.

Notation: x[o] in {0,1} chooses option o; O(u) are unit u's options; buy[s,k] in Z+ boxes of
SKU k bought at site s; inv[s,k] boxes owned; U_k capacity units per box (GPUs or vCPUs);
z[u,t] = sum_{o in O(u), target(o)=t} x[o].

A placement unit u is a workload, one HA replica group of it (``id#g``), or one step k of a
split workload's load profile (``id~k``, ``id~k#g`` with HA; burst); a flow touching a split
workload is one flow f per pair of parts, its volume scaled by each part's share fraction_k x
hours_k / sum_j fraction_j x hours_j. Burst needs no family of its own.

Each family takes the column :class:`~advisor.milp.model.Layout` and returns its rows as one
:class:`~advisor.milp.model.Block` of sparse triplets, built with array operations over the
options (no Python loop over options or terms). ``docs/model.md`` is generated from these
docstrings (``python -m advisor.milp.docs``) and a test keeps it in sync.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from advisor.milp.model import INF, Block, Layout, block, empty_block

Terms = tuple[np.ndarray, np.ndarray, np.ndarray]


def _terms(*parts: tuple[Any, Any, Any]) -> Terms:
    """Concatenate (row, col, value) triplets; empty parts are skipped."""
    kept = [p for p in parts if len(p[0])]
    if not kept:
        z = np.zeros(0)
        return z, z, z
    row, col, val = (np.concatenate([np.asarray(p[i], float) for p in kept]) for i in range(3))
    return row, col, val


def assignment(m: Layout) -> Block:
    """assign[u]:  sum_{o in O(u)} x[o] = 1   for every placement unit u."""
    codes, units = pd.factorize(pd.Series(m.unit), sort=True)
    n = m.n_x
    return block(
        "assign",
        [f"assign[{u}]" for u in units],
        list(units),
        (codes, np.arange(n), np.ones(n)),
        1.0,
        1.0,
        elastic=False,
    )


def pool_of_options(m: Layout) -> tuple[np.ndarray, pd.DataFrame]:
    """Each option's row in ``purchasables`` (-1 for cloud options and unknown pools)."""
    o, pur = m.problem.options, m.problem.purchasables
    index = pd.MultiIndex.from_arrays([pur["site"], pur["sku"]])
    pool = index.get_indexer(pd.MultiIndex.from_arrays([o["site"], o["hardware"]]))
    pool = np.where(m.site_option, pool, -1)
    return pool, pur


def site_capacity(m: Layout) -> Block:
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
    pool, pur = pool_of_options(m)
    opt = np.flatnonzero(pool >= 0)
    pools = np.unique(pool[opt])  # purchasable rows some option uses, in purchasable order
    if not len(pools):
        return empty_block("capacity")
    row_of = np.full(len(pur), -1)
    row_of[pools] = np.arange(len(pools))
    units = m.problem.options["units"].to_numpy(float)
    box = pur["box_units"].to_numpy(float)
    keys = list(zip(pur["site"], pur["sku"], strict=True))
    buy_col = m.buy_col()
    b_rows = [i for i, p in enumerate(pools) if keys[p] in buy_col]
    b_cols = [buy_col[keys[pools[i]]] for i in b_rows]
    sel = pur.iloc[pools]
    return block(
        "capacity",
        [f"capacity[{s},{k}]" for s, k in zip(sel["site"], sel["sku"], strict=True)],
        [f"{s}/{k}" for s, k in zip(sel["site"], sel["sku"], strict=True)],
        _terms(
            (row_of[pool[opt]], opt, units[opt]),
            (np.asarray(b_rows), np.asarray(b_cols), box[pools[b_rows]] * -1.0),
        ),
        -INF,
        (box * pur["inventory"].to_numpy(float))[pools],
        unit=["accelerators" if g else "vCPU" for g in sel["is_gpu"]],
        scale=box[pools],
    )


def site_power(m: Layout) -> Block:
    """power[s]:  sum_k kW_k (inv[s,k] + buy[s,k]) <= max_kw[s]   (installed IT load)."""
    return _installed(m, "power_kw", "max_kw", "power", "kW")


def site_space(m: Layout) -> Block:
    """space[s]:  sum_k RU_k (inv[s,k] + buy[s,k]) <= max_rack_units[s]."""
    return _installed(m, "rack_units", "max_rack_units", "space", "rack units")


def _installed(m: Layout, per_box: str, cap_col: str, family: str, unit: str) -> Block:
    pur, sites = m.problem.purchasables, m.problem.sites
    buy_col = m.buy_col()
    fixed = (pur[per_box] * pur["inventory"]).groupby(pur["site"]).sum()
    names: list[str] = []
    subjects: list[str] = []
    rows, cols, vals, his, scales = [], [], [], [], []
    for s, cap in zip(sites["site"], sites[cap_col].astype(float), strict=True):
        if not np.isfinite(cap):
            continue
        mine = pur[pur["site"] == s]
        terms = [
            (buy_col[(s, k)], float(v))
            for k, v in zip(mine["sku"], mine[per_box], strict=True)
            if (s, k) in buy_col and v > 0
        ]
        used = float(fixed.get(s, 0.0))
        if not terms and used <= cap:
            continue
        r = len(names)
        names.append(f"{family}[{s}]")
        subjects.append(s)
        rows += [r] * len(terms)
        cols += [c for c, _ in terms]
        vals += [v for _, v in terms]
        his.append(cap - used)
        scales.append(max(cap, 1.0))
    return block(
        family,
        names,
        subjects,
        (np.asarray(rows), np.asarray(cols), np.asarray(vals)),
        -INF,
        np.asarray(his),
        unit=unit,
        scale=np.asarray(scales),
    )


def team_capex_split(m: Layout) -> Block:
    """Variables new[s,k,g] and the pooling rows used by team capex budgets (see budgets):
    new_le_used[s,k,g]:  new[s,k,g] - sum_{o of team g at s on k} units[o] x[o] <= 0;
    new_le_bought[s,k]:  sum_g new[s,k,g] - U_k buy[s,k] <= 0;
    old_le_owned[s,k]:   sum_{o at s on k, team in G(s,k)} units[o] x[o] - sum_g new[s,k,g]
                         <= U_k inv[s,k]."""
    if not m.new_keys:
        return empty_block("capex_split")
    o, pur = m.problem.options, m.problem.purchasables
    new = pd.DataFrame(m.new_keys, columns=["site", "hardware", "team"])
    new["col"] = m.new0 + np.arange(len(new))
    opt = pd.DataFrame(
        {
            "site": o["site"].to_numpy(),
            "hardware": o["hardware"].to_numpy(),
            "team": o["team"].to_numpy(),
            "units": o["units"].to_numpy(float),
            "i": np.arange(m.n_x),
        }
    )[m.site_option]
    triple = opt.merge(new, on=["site", "hardware", "team"])  # options of each (s, k, g)
    pools = new[["site", "hardware"]].drop_duplicates().reset_index(drop=True)
    pools["p"] = np.arange(len(pools))
    new = new.merge(pools, on=["site", "hardware"])
    triple = triple.merge(pools, on=["site", "hardware"])
    info = pur.set_index(["site", "sku"])
    pkeys = pd.MultiIndex.from_arrays([pools["site"], pools["hardware"]])
    box = info["box_units"].reindex(pkeys).to_numpy(float)
    inv = info["inventory"].reindex(pkeys).to_numpy(float)
    buy_col = m.buy_col()
    n_new, n_pool = len(new), len(pools)
    r_used = np.arange(n_new)  # rows 0..n_new-1: new_le_used, in new-column order
    new_row = pd.Series(r_used, index=new["col"].to_numpy())
    r_bought = n_new + pools["p"].to_numpy()
    terms = _terms(
        (r_used, new["col"].to_numpy(), np.ones(n_new)),
        (new_row.loc[triple["col"].to_numpy()].to_numpy(), triple["i"], -triple["units"]),
        (n_new + new["p"].to_numpy(), new["col"].to_numpy(), np.ones(n_new)),
        (
            r_bought,
            [buy_col[(s, k)] for s, k in zip(pools["site"], pools["hardware"], strict=True)],
            -box,
        ),
        (n_new + n_pool + triple["p"].to_numpy(), triple["i"], triple["units"]),
        (n_new + n_pool + new["p"].to_numpy(), new["col"].to_numpy(), -np.ones(n_new)),
    )
    sk = list(zip(pools["site"], pools["hardware"], strict=True))
    names = [f"new_le_used[{s},{k},{g}]" for s, k, g in new[["site", "hardware", "team"]].values]
    names += [f"new_le_bought[{s},{k}]" for s, k in sk]
    names += [f"old_le_owned[{s},{k}]" for s, k in sk]
    subjects = list(new["team"]) + [s for s, _ in sk] * 2
    hi = np.r_[np.zeros(n_new + n_pool), box * inv]
    return block("capex_split", names, subjects, terms, -INF, hi, elastic=False)


def budgets(m: Layout) -> Block:
    """opex[all]:    sum_o opex[o] x[o] + sum_{s,k} F_k (inv[s,k] + buy[s,k]) + flows <= B_opex
                     (F_k: fixed cost a month of one installed box, idle power + ops).
    opex[team:g]:   sum_{o of g} (opex[o] + share[o]) x[o] + flow costs of g <= B_opex(g)
                     (share[o]: the option's share of its box's fixed cost, chargeback).
    capex[all]:      sum_{s,k} price_k buy[s,k] <= B_capex   (the up-front purchase).
    capex[team:g]:   sum_{s,k} price_k / U_k * new[s,k,g] <= B_capex(g), with
                     new[s,k,g] <= used[s,k,g],  sum_g new[s,k,g] <= U_k buy[s,k],
                     sum_g (used[s,k,g] - new[s,k,g]) <= U_k inv[s,k]
                     (a team's capex is its pro-rata share of newly bought boxes).
    """
    p = m.problem
    if not p.budgets:
        return empty_block("budget")
    opex = p.options["opex_usd"].to_numpy(float)
    share = p.options["box_share_usd"].to_numpy(float)
    teams = p.options["team"].to_numpy()
    pur = p.purchasables.set_index(["site", "sku"])
    buy_keys = pd.MultiIndex.from_tuples(m.buy_keys) if m.buy_keys else None
    parts: list[tuple[Any, Any, Any]] = []
    names: list[str] = []
    subjects: list[str] = []
    his, scales, units = [], [], []
    for r, b in enumerate(p.budgets):
        limit = b.limit_usd
        if b.kind == "opex":
            everyone = b.scope == "all"
            scope = np.ones(m.n_x, bool) if everyone else teams == b.scope[5:]
            coef = opex if everyone else opex + share
            i = np.flatnonzero(scope & (coef != 0))
            parts.append((np.full(len(i), r), i, coef[i]))
            if everyone:  # every installed box's fixed cost: owned (constant) and bought
                cols, vals, owned = _installed_terms(m, "fixed_usd_per_month")
                parts.append((np.full(len(cols), r), cols, vals))
                limit -= owned
            f = [
                m.flow0 + j
                for j, fl in enumerate(p.flows)
                if b.scope == "all" or fl.team == b.scope[5:]
            ]
            parts.append((np.full(len(f), r), np.asarray(f), np.ones(len(f))))
            units.append("USD/month")
        elif b.scope == "all":
            if buy_keys is not None:
                price = pur["list_price_usd"].reindex(buy_keys).to_numpy(float)
                cols = m.buy0 + np.arange(len(m.buy_keys))
                parts.append((np.full(len(cols), r), cols, price))
            units.append("USD")
        else:
            team = b.scope[5:]
            j = [c for c, key in enumerate(m.new_keys) if key[2] == team]
            if j:
                keys = pd.MultiIndex.from_tuples([m.new_keys[c][:2] for c in j])
                per_unit = (pur["list_price_usd"] / pur["box_units"]).reindex(keys)
                parts.append((np.full(len(j), r), m.new0 + np.asarray(j), per_unit.to_numpy()))
            units.append("USD")
        names.append(b.name)
        subjects.append(b.scope)
        his.append(limit)
        scales.append(max(b.limit_usd, 1.0))
    return block(
        "budget",
        names,
        subjects,
        _terms(*parts),
        -INF,
        np.asarray(his),
        unit=units,  # per row: an opex shortfall is USD/month, a capex one USD
        scale=np.asarray(scales),
    )


def ha_spread(m: Layout) -> Block:
    """ha[w,t]:  sum_{g in groups(w)} z[g,t] <= 1   (replica groups on different targets)."""
    return _at_most_one(m, m.problem.ha_groups, "ha")


def anti_affinity(m: Layout) -> Block:
    """anti_affinity[r,t]:  sum_{u in rule r} z[u,t] <= 1."""
    return _at_most_one(m, m.problem.anti_affinity, "anti_affinity")


def _at_most_one(m: Layout, groups: tuple[tuple[str, ...], ...], family: str) -> Block:
    if not groups:
        return empty_block(family)
    member = pd.DataFrame(
        [(r, u) for r, units in enumerate(groups) for u in dict.fromkeys(units)],
        columns=["r", "unit"],
    )
    opts = pd.DataFrame({"unit": m.unit, "target": m.target, "i": np.arange(m.n_x)})
    hit = member.merge(opts, on="unit")
    n_units = hit.groupby(["r", "target"])["unit"].nunique()
    keep = n_units[n_units >= 2].index  # sorted by (rule, target)
    if not len(keep):
        return empty_block(family)
    row = pd.Series(np.arange(len(keep)), index=keep)
    hit = hit.set_index(["r", "target"])
    hit = hit[hit.index.isin(keep)]
    r_of = row.loc[hit.index].to_numpy()
    return block(
        family,
        [f"{family}[{r},{t}]" for r, t in keep],
        [" & ".join(groups[r]) for r, _ in keep],
        (r_of, hit["i"].to_numpy(), np.ones(len(hit))),
        -INF,
        1.0,
        unit="workloads",
        scale=1.0,
    )


def colocate(m: Layout) -> Block:
    """colocate[r,t]:  z[a,t] - z[b,t] = 0   for consecutive units a, b of rule r, all t."""
    at = m.options_at()
    names: list[str] = []
    subjects: list[str] = []
    parts: list[tuple[Any, Any, Any]] = []
    for r, units in enumerate(m.problem.colocate):
        for a, b in itertools.pairwise(units):
            targets = sorted(set(m.targets_of(a)) | set(m.targets_of(b)))
            for t in targets:
                row = len(names)
                ia = at.get((a, t), np.zeros(0, np.int64))
                ib = at.get((b, t), np.zeros(0, np.int64))
                parts.append((np.full(len(ia), row), ia, np.ones(len(ia))))
                parts.append((np.full(len(ib), row), ib, -np.ones(len(ib))))
                names.append(f"colocate[{r},{t}]")
                subjects.append(f"{a} & {b}")
    if not names:
        return empty_block("colocate")
    return block("colocate", names, subjects, _terms(*parts), 0.0, 0.0, unit="workloads", scale=1.0)


def flows(m: Layout) -> Block:
    """flow[f,t]: for every target t of the sender a (receiver b), with rate(t, t') the USD/GB
    from t to t' (0 if t' = t, r_in(t) if t' is elsewhere at t's provider, r_out(t) otherwise)
    and M_t = max_t' rate(t, t'):
        c[f] >= gb * ( M_t z[a,t] - sum_{t' in T(b)} (M_t - rate(t, t')) z[b,t'] )
    Since sum_t' z[b,t'] = 1 (assign), the row reads c[f] >= gb * rate(t, where b is) when a
    is at t and c[f] >= -gb * (something >= 0) otherwise; c[f] >= 0 and is minimised, so
    c[f] = gb * rate(target of a, target of b) exactly, for any r_out, r_in (each flow has
    its own c[f]). Only receiver targets with a non-zero coefficient enter the row.
    """
    p = m.problem
    if not p.flows:
        return empty_block("flow")
    rates = p.flow_rates.set_index("target")
    r_out_of = rates["usd_per_gb_out"].astype(float)
    r_in_of = rates["usd_per_gb_inter"].astype(float)
    prov_of = rates["provider"]
    at = m.options_at()
    names: list[str] = []
    subjects: list[str] = []
    parts: list[tuple[Any, Any, Any]] = []
    for j, f in enumerate(p.flows):
        a, b = f.from_units[0], f.to_units[0]
        ta = np.asarray(m.targets_of(a), dtype=object)
        if not len(ta):
            continue
        b_opts = np.concatenate([at[(b, t)] for t in m.targets_of(b)] or [np.zeros(0, np.int64)])
        tb = m.target[b_opts]
        r_out = r_out_of.reindex(ta).to_numpy(float)
        r_in = r_in_of.reindex(ta).to_numpy(float)
        prov = prov_of.reindex(ta).fillna("").to_numpy(object)
        big = np.where(prov != "", np.maximum(r_out, r_in), r_out)
        prov_b = prov_of.reindex(tb).fillna("").to_numpy(object)
        same_t = ta[:, None] == tb[None, :]
        same_p = (prov[:, None] != "") & (prov_b[None, :] == prov[:, None])
        rate = np.where(same_t, 0.0, np.where(same_p, r_in[:, None], r_out[:, None]))
        coef = f.gb_per_month * (big[:, None] - rate)
        base = len(names)
        for k, t in enumerate(ta):
            ia = at[(a, t)]
            parts.append(
                (np.full(len(ia), base + k), ia, np.full(len(ia), -f.gb_per_month * big[k]))
            )
        rr, cc = np.nonzero(coef)
        parts.append((base + rr, b_opts[cc], coef[rr, cc]))
        parts.append((base + np.arange(len(ta)), np.full(len(ta), m.flow0 + j), np.ones(len(ta))))
        names += [f"flow[{f.name},{t}]" for t in ta]
        subjects += [f.name] * len(ta)
    return block("flow", names, subjects, _terms(*parts), 0.0, INF, elastic=False)


def flow_latency(m: Layout) -> Block:
    """flow_rtt[f,t]: for a flow f from a to b with a limit L_f, and every target t of a with
    F(t) = {t' in T(b) : rtt(t, t') > L_f} non-empty:
        z[a,t] + sum_{t' in F(t)} z[b,t'] <= 1
    (rtt(t, t') from the sender's target to the receiver's, ``Problem.flow_rtt``). Since
    sum_t' z[b,t'] = 1 (assign), the row forbids exactly the pairs (a at t, b at t') whose
    round trip exceeds L_f and nothing else; one row per sender target instead of one per
    forbidden pair. Flows without a limit add no row.
    """
    p = m.problem
    limited = [(j, f) for j, f in enumerate(p.flows) if f.max_rtt_ms is not None]
    if not limited or not len(p.flow_rtt):
        return empty_block("flow_rtt")
    rtt = p.flow_rtt.set_index(["src", "dst"])["rtt_ms"]
    at = m.options_at()
    names: list[str] = []
    subjects: list[str] = []
    parts: list[tuple[Any, Any, Any]] = []
    for _, f in limited:
        a, b = f.from_units[0], f.to_units[0]
        ta, tb = m.targets_of(a), m.targets_of(b)
        if not ta or not tb:
            continue
        pairs = pd.MultiIndex.from_product([ta, tb])
        far = (rtt.reindex(pairs).to_numpy(float) > f.max_rtt_ms).reshape(len(ta), len(tb))
        for k in np.flatnonzero(far.any(axis=1)):
            row = len(names)
            ia = at[(a, ta[k])]
            ib = np.concatenate([at[(b, tb[q])] for q in np.flatnonzero(far[k])])
            parts.append((np.full(len(ia), row), ia, np.ones(len(ia))))
            parts.append((np.full(len(ib), row), ib, np.ones(len(ib))))
            names.append(f"flow_rtt[{f.name},{ta[k]}]")
            subjects.append(f.name)
    if not names:
        return empty_block("flow_rtt")
    return block(
        "flow_rtt", names, subjects, _terms(*parts), -INF, 1.0, unit="workloads", scale=1.0
    )


def risk_cap(m: Layout) -> Block:
    """risk:  sum_o risk[o] x[o] <= R."""
    return _cap(m, "risk", m.problem.risk_max, "privacy_risk", "risk points")


def carbon_cap(m: Layout) -> Block:
    """carbon:  sum_o carbon_kg[o] x[o] + sum_{s,k} I_k (inv[s,k] + buy[s,k]) <= C
    (kgCO2e per month; I_k the idle carbon of one installed box)."""
    return _cap(m, "carbon_kg", m.problem.carbon_max_kg, "carbon", "kgCO2e/month")


def _installed_terms(m: Layout, col: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-box amounts ``col`` of installed boxes: (buy columns, values, owned total)."""
    pur = m.problem.purchasables
    owned = float((pur[col] * pur["inventory"]).sum())
    if not m.buy_keys:
        return np.zeros(0, int), np.zeros(0), owned
    per_box = pur.set_index(["site", "sku"])[col]
    vals = per_box.reindex(pd.MultiIndex.from_tuples(m.buy_keys)).to_numpy(float)
    return m.buy0 + np.arange(len(m.buy_keys)), vals, owned


def _cap(m: Layout, col: str, limit: float | None, family: str, unit: str) -> Block:
    if limit is None:
        return empty_block(family)
    vals = m.problem.options[col].to_numpy(float)
    i = np.flatnonzero(vals != 0)
    b_cols, b_vals, owned = np.zeros(0, int), np.zeros(0), 0.0
    if family == "carbon":
        b_cols, b_vals, owned = _installed_terms(m, "idle_kg_per_month")
    return block(
        family,
        [f"{family}_cap"],
        ["plan"],
        _terms((np.zeros(len(i)), i, vals[i]), (np.zeros(len(b_cols)), b_cols, b_vals)),
        -INF,
        float(limit) - owned,
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
    flow_latency,
    risk_cap,
    carbon_cap,
)
"""Every constraint family, in build order (a meta-test checks each has a binding test)."""
