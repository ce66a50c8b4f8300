"""Coupling checks: purchases, site capacity, packing, power and space, flows, budgets,
placement rules and plan caps (everything that couples several rows)."""

from __future__ import annotations

import math
from collections import defaultdict, deque

from advisor.plan.verify.burst import BurstChecks
from advisor.plan.verify.escalation import escalation_flows
from advisor.plan.verify.facts import Recomputed, Row


class CouplingChecks(BurstChecks):
    """The checks that read several rows (or the purchases) together."""

    # -- purchases and sites
    def purchases(self, purchases: list[dict]) -> dict[tuple[str, str], int]:
        bought: dict[tuple[str, str], int] = {}
        for p in purchases:
            site, sku, n = str(p.get("site")), str(p.get("sku")), float(p.get("count", math.nan))
            subj = f"{site}/{sku}"
            s, h = self.f.sites.get(site), self.f.hardware.get(sku)
            self.check(s is not None and h is not None, "purchase", subj, "unknown site or SKU")
            if s is None or h is None:
                continue
            self.check(
                (site, sku) not in bought, "purchase", subj, "purchased in more than one row"
            )
            self.check(sku in s.can_buy, "purchase", subj, f"{sku} is not in can_buy of {site}")
            ok = n >= 0 and float(n).is_integer() and n <= s.max_buy_per_sku
            self.check(
                ok, "purchase", subj, f"count {n:g} not a whole number in [0, {s.max_buy_per_sku}]"
            )
            price, life = float(h["list_price_usd"]), float(h["useful_life_months"])
            times = math.ceil(self.horizon / life - 1e-9)
            for col, val in (
                ("unit_price_usd", price),
                ("capex_usd", n * price),
                ("useful_life_months", life),
                ("purchases_in_horizon", times),
                ("horizon_capex_gross_usd", n * price * times),
                ("residual_value_usd", n * price * (times * life - self.horizon) / life),
                ("amortised_usd_per_month", n * price / life),
                ("power_kw", n * float(h["power_kw"])),
                ("rack_units", n * float(h["rack_units"])),
            ):
                if col in p:
                    self.same(float(p[col]), val, "purchase", subj, col)
            bought[(site, sku)] = bought.get((site, sku), 0) + int(n) if not math.isnan(n) else 0
        return bought

    def sites(self, rows: list[Row], bought: dict[tuple[str, str], int]) -> None:
        self.installed = self.installed_fixed(bought)
        used: dict[tuple[str, str], list[Recomputed]] = defaultdict(list)
        for r in rows:
            rc = self.done.get(id(r))
            if rc is not None and rc.site_sku is not None:
                used[rc.site_sku].append(rc)
            elif rc is not None:
                self.row_capex(rc, 0.0)
        for s in self.scn.sites:
            inv = {i.sku: i.count for i in s.inventory}
            skus = sorted(set(inv) | {k for (site, k) in bought if site == s.id})
            kw = ru = 0.0
            for sku in skus:
                h = self.f.hardware.get(sku)
                if h is None:
                    continue
                n = inv.get(sku, 0) + bought.get((s.id, sku), 0)
                kw += n * float(h["power_kw"])
                ru += n * float(h["rack_units"])
            for sku in sorted({k for (site, k) in used if site == s.id}):
                rcs = used[(s.id, sku)]
                n = inv.get(sku, 0) + bought.get((s.id, sku), 0)
                per_box = rcs[0].box_units
                total = sum(rc.units for rc in rcs)
                self.check(
                    self.le(total, per_box * n),
                    "capacity",
                    f"{s.id}/{sku}",
                    f"{total:g} units used > {per_box:g} x {n} boxes (inventory + bought)",
                )
                self.packing(s.id, sku, rcs, n)
                h = self.f.hardware[sku]
                amortised = (
                    bought.get((s.id, sku), 0)
                    * float(h["list_price_usd"])
                    / float(h["useful_life_months"])
                )
                for rc in rcs:
                    self.row_capex(rc, amortised * rc.units / total if total > 0 else 0.0)
            if s.power.max_kw is not None:
                self.check(
                    self.le(kw, s.power.max_kw),
                    "power",
                    s.id,
                    f"{kw:.2f} kW installed > cap {s.power.max_kw:g} kW",
                )
            if s.space.rack_units is not None:
                self.check(
                    self.le(ru, s.space.rack_units),
                    "space",
                    s.id,
                    f"{ru:g} rack units installed > cap {s.space.rack_units}",
                )

    def row_capex(self, rc: Recomputed, capex: float) -> None:
        """A row's capex_usd: its pro-rata share (by units used) of the pool's bought boxes'
        amortised capex; total_usd = opex + capex."""
        self.same(rc.claimed_capex, capex, "cost", rc.unit, "capex_usd")
        self.same(rc.claimed_total, rc.opex + capex, "cost", rc.unit, "total_usd")

    def packing(self, site: str, sku: str, rcs: list[Recomputed], boxes: int) -> None:
        """Whole replicas in whole boxes (a replica never spans boxes; TP is within one box).

        Flagged only when a lower bound proves it impossible: per replica size (at most
        floor(box/size) per box), by total size, and (CPU) by memory. GPU-hours workloads
        time-share and count as fluid units.
        """
        items = [(rc.item, rc.replicas) for rc in rcs if rc.item is not None]
        if not items:
            return
        cap = rcs[0].box_units
        fluid = sum(rc.units for rc in rcs if rc.item is None)
        need: float = (  # boxes; math.inf when a replica is larger than a box
            math.ceil((sum(it[0] * n for it, n in items) + fluid) / cap - 1e-9) if cap else 0
        )
        by_size: dict[float, float] = defaultdict(float)
        for (size, _), n in items:
            by_size[size] += n
        for size, n in by_size.items():
            need = max(
                need, math.ceil(n / math.floor(cap / size) - 1e-9) if size <= cap else math.inf
            )
        box_mem = rcs[0].box_memory
        if box_mem:
            need = max(need, math.ceil(sum(it[1] * n for it, n in items) / box_mem - 1e-9))
            for (v, m), n in items:
                need = max(
                    need, math.ceil(n / min(math.floor(cap / v), math.floor(box_mem / m)) - 1e-9)
                )
        self.check(
            need <= boxes,
            "packing",
            f"{site}/{sku}",
            f"whole replicas need at least {need} boxes; {boxes} installed",
        )

    # -- flows, budgets, rules, caps
    def flows(self, rows: list[Row], flows_usd: dict[str, float]) -> dict[str, tuple[str, float]]:
        """name -> (sender team, USD/month), following the documented flow pricing."""
        where = {r.text("unit"): r.text("target") for r in rows}
        out: dict[str, tuple[str, float]] = {}
        seen: dict[str, int] = defaultdict(int)
        for fl in (*self.scn.flows, *escalation_flows(self.scn)):
            pair = f"{fl.from_workload}->{fl.to_workload}"
            seen[pair] += 1
            # each flow is charged on its own: 'a->b', 'a->b#2', ...; a split end is charged
            # per part by the volume share each part serves: 'a~1->b', 'a~2->b', ...
            suffix = f"#{seen[pair]}" if seen[pair] > 1 else ""
            team = self.f.workloads[fl.from_workload].team
            ends_a = self.part_units(self.f.workloads[fl.from_workload])
            ends_b = self.part_units(self.f.workloads[fl.to_workload])
            for pa in {p.name: p for p, _ in ends_a}.values():
                for pb in {p.name: p for p, _ in ends_b}.values():
                    first_a = next(u for p, u in ends_a if p.name == pa.name)
                    first_b = next(u for p, u in ends_b if p.name == pb.name)
                    a, b = where.get(first_a), where.get(first_b)
                    if a is None or b is None:
                        continue
                    gb = fl.gb_per_month * pa.volume * pb.volume
                    out[f"{pa.name}->{pb.name}{suffix}"] = (team, gb * self.flow_rate(a, b))
        for name, (_, usd) in out.items():
            claimed = flows_usd.get(name)
            self.check(claimed is not None, "flow", name, "no cost reported for this flow")
            if claimed is not None:
                self.same(float(claimed), usd, "flow", name, "USD/month")
        return out

    def flow_rate(self, a: str, b: str) -> float:
        """0 on one target; sender on a site: its WAN rate; same provider: first-tier
        inter_region_same_continent rate; otherwise the sender's first internet tier."""
        if a == b:
            return 0.0
        if a.startswith("site:"):
            return self.f.sites[a[5:]].wan_egress_usd_per_gb
        pa, pb = a.split(":", 1)[0], b.split(":", 1)[0]
        out = self.f.first_tier(pa, "internet") or 0.0
        if pa == pb:
            inter = self.f.first_tier(pa, "inter_region_same_continent", self.f.area(a))
            return out if inter is None else inter
        return out

    def budgets(self, rows: list[Row], bought: dict, flows: dict[str, tuple[str, float]]) -> None:
        rcs = [rc for r in rows if (rc := self.done.get(id(r))) is not None]
        for b in self.scn.budgets:
            team = None if b.scope == "all" else b.scope[5:]
            if b.opex_usd_per_month_max is not None:
                # a team pays its rows (with their box share); the plan pays every box's
                # fixed cost, used or idle
                opex = sum(rc.opex for rc in rcs if team is None or rc.workload.team == team)
                opex += sum(usd for t, usd in flows.values() if team is None or t == team)
                if team is None:
                    opex += self.installed[0] - sum(rc.fixed_share for rc in rcs)
                self.check(
                    self.le(opex, b.opex_usd_per_month_max),
                    "budget",
                    b.scope,
                    f"opex {opex:,.2f} USD/month > {b.opex_usd_per_month_max:,.2f}",
                )
            if b.capex_usd_max is not None and team is None:
                capex = sum(
                    n * float(self.f.hardware[k]["list_price_usd"]) for (_, k), n in bought.items()
                )
                self.check(
                    self.le(capex, b.capex_usd_max),
                    "budget",
                    b.scope,
                    f"capex {capex:,.2f} USD > {b.capex_usd_max:,.2f}",
                )
        team_caps = {
            b.scope[5:]: b.capex_usd_max
            for b in self.scn.budgets
            if b.scope != "all" and b.capex_usd_max is not None
        }
        if team_caps:
            self._team_capex_feasible(rcs, bought, team_caps)

    def _team_capex_feasible(
        self, rcs: list[Recomputed], bought: dict, caps: dict[str, float]
    ) -> None:
        """Team capex: a team pays list price / box units for each unit it uses on newly bought
        boxes; owned inventory may go to any team first. Per (site, SKU) pool the units beyond
        the inventory, D = max(0, used - U x inventory), must be paid by the teams using the
        pool (each at most its own use). Feasible iff a max-flow source -> pool (D x price/U)
        -> team (use x price/U) -> sink (team cap, unbounded without a cap) saturates the
        source. Also reported per team: its lower bound when all inventory went to it."""
        use: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for rc in rcs:
            if rc.site_sku is not None:
                use[rc.site_sku][rc.workload.team] += rc.units
        pools = []
        for (site, sku), teams in sorted(use.items()):
            s, h = self.f.sites[site], self.f.hardware[sku]
            cap_units = float(h["accelerator_count"]) or float(h["vcpus"])
            inv = sum(i.count for i in s.inventory if i.sku == sku)
            per_unit = float(h["list_price_usd"]) / cap_units
            demand = max(0.0, sum(teams.values()) - cap_units * inv)
            pools.append(
                (f"{site}/{sku}", demand * per_unit, {g: u * per_unit for g, u in teams.items()})
            )
            for g, u in teams.items():
                if g in caps:
                    low = max(0.0, u - cap_units * inv) * per_unit
                    self.check(
                        self.le(low, caps[g]),
                        "budget",
                        f"team:{g}",
                        f"capex at least {low:,.2f} USD on {site}/{sku} > {caps[g]:,.2f}",
                    )
        need = sum(p[1] for p in pools)
        if need <= 0:
            return
        got = max_flow(pools, caps)
        self.check(
            self.le(need, got),
            "budget",
            "team capex",
            f"new boxes' units need {need:,.2f} USD of team capex; the teams' budgets absorb {got:,.2f}",
        )

    def placement(self, rows: list[Row]) -> None:
        where: dict[str, list[str]] = defaultdict(list)
        at_part: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            found = self.unit_part(r.text("unit"))
            if found is None:
                continue
            where[found[0].id].append(r.text("target"))
            at_part[found[1].name].append(r.text("target"))
        for w in self.scn.workloads:
            if w.ha:  # the replica groups of each part on distinct targets
                for part in {p.name for p, _ in self.part_units(w)}:
                    t = at_part.get(part, [])
                    self.check(
                        len(t) == len(set(t)),
                        "ha",
                        part,
                        f"replica groups share targets {sorted(t)}",
                    )
        for rule in self.scn.placement_rules:
            t = [x for wid in rule.workloads for x in where.get(wid, [])]
            subj = " & ".join(rule.workloads)
            if rule.kind == "colocate":
                self.check(
                    len(set(t)) <= 1, "colocate", subj, f"on different targets {sorted(set(t))}"
                )
            else:  # targets of different workloads disjoint (a split workload's parts may share)
                seen_at: dict[str, str] = {}
                clash = set()
                for wid in rule.workloads:
                    for x in set(where.get(wid, [])):
                        if x in seen_at:
                            clash.add(x)
                        seen_at[x] = wid
                self.check(not clash, "anti_affinity", subj, f"share a target: {sorted(clash)}")

    def caps(self, rows: list[Row]) -> None:
        rcs = [rc for r in rows if (rc := self.done.get(id(r))) is not None]
        lim = self.scn.limits
        self.recomputed["privacy_risk"] = risk = sum(rc.risk for rc in rcs)
        idle_kg = self.installed[1] - sum(rc.idle_kg_share for rc in rcs)
        self.recomputed["carbon_kg_per_month"] = carbon = sum(rc.carbon for rc in rcs) + idle_kg
        if lim.privacy_risk_max is not None:
            self.check(
                self.le(risk, lim.privacy_risk_max),
                "risk",
                "plan",
                f"risk {risk:.4g} > cap {lim.privacy_risk_max:g}",
            )
        if lim.carbon_kg_per_month_max is not None:
            self.check(
                self.le(carbon, lim.carbon_kg_per_month_max),
                "carbon",
                "plan",
                f"{carbon:,.1f} kgCO2e/month > cap {lim.carbon_kg_per_month_max:g}",
            )


def max_flow(pools: list[tuple[str, float, dict[str, float]]], caps: dict[str, float]) -> float:
    """Edmonds-Karp on source -> pools -> teams -> sink (capacities in USD)."""
    cap: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for name, supply, teams in pools:
        cap["<src>"]["p:" + name] += supply
        for g, usd in teams.items():
            cap["p:" + name]["t:" + g] += usd
            cap["t:" + g]["<sink>"] = caps.get(g, math.inf)
    total = 0.0
    while True:
        prev: dict[str, str] = {"<src>": ""}
        queue = deque(["<src>"])
        while queue and "<sink>" not in prev:
            node = queue.popleft()
            for nxt, c in list(cap[node].items()):
                if c > 1e-12 and nxt not in prev:
                    prev[nxt] = node
                    queue.append(nxt)
        if "<sink>" not in prev:
            return total
        path, node = [], "<sink>"
        while node != "<src>":
            path.append((prev[node], node))
            node = prev[node]
        push = min(cap[a][b] for a, b in path)
        for a, b in path:
            cap[a][b] -= push
            cap[b][a] += push
        total += push
