"""Per-row checks: each assignment row's scope, policy, hardware, sizing, cost, latency,
risk and carbon, recomputed from the scenario and the catalog."""

from __future__ import annotations

import math
from collections import defaultdict

from advisor.options.assumptions import (
    CLASSIFICATION_WEIGHT,
    CONTROL_MITIGATION,
    CPU_WATTS_PER_VCPU,
    HOST_WATTS_PER_ACCELERATOR,
    MFU,
    NON_LLM_EFFICIENCY,
    SAME_CONTINENT_KM,
    TIER_EXPOSURE,
    TRAINING_BYTES_PER_PARAM,
    USABLE_MEMORY,
)
from advisor.options.llm import model_columns, peak_tflops, serve_one
from advisor.plan.verify.burst import BurstChecks, autoscaled_hours
from advisor.plan.verify.facts import Recomputed, Row, great_circle_km, number
from advisor.schema.scenario import CpuNeeds
from advisor.schema.types import BYTES_PER_PARAM, CONTROLS, HOURS_IN_MONTH, PRICING_TERM_MONTHS


class RowChecks(BurstChecks):
    """The checks that read one assignment row at a time."""

    # -- assignment
    def assignment(self, rows: list[Row]) -> None:
        seen: dict[str, int] = defaultdict(int)
        for r in rows:
            seen[r.text("unit")] += 1
        expected = []
        for w in self.scn.workloads:
            if w.federated is not None:
                expected += self.federated_unit_names(w)
                continue
            expected += [u for _, u in self.part_units(w)]
        for u in expected:
            self.check(
                seen.get(u, 0) == 1,
                "assignment",
                u,
                f"assigned {seen.get(u, 0)} times; expected exactly once",
            )
        for u in sorted(set(seen) - set(expected)):
            self.check(
                False, "assignment", u, "not a workload, HA group or federated unit of the scenario"
            )

    # -- one row
    def row(self, r: Row) -> None:
        unit, code = r.text("unit"), r.text("target")
        found = self.unit_part(unit)
        t = self.target(code)
        self.check(found is not None, "row", unit, "unknown unit")
        if found is None:
            return
        self.check(t is not None, "row", unit, f"unknown target '{code}'")
        if t is None:
            return
        w, part = found
        for col, want in (
            ("workload", w.id),
            ("team", w.team),
            ("tier", t.tier),
            ("site", t.site),
            ("provider", t.provider),
            ("region", t.region),
            ("classification", w.data.classification),
            ("slo_ms", str(float(w.latency_slo_ms or math.inf))),
        ):
            self.check(
                r.text(col) == want, "row", unit, f"{col} is '{r.text(col)}'; expected '{want}'"
            )
        rc = Recomputed(
            unit, w, part, t, claimed_capex=r.num("capex_usd"), claimed_total=r.num("total_usd")
        )
        self.policy(r, rc)
        box = self.box(r, rc)
        if box is None:
            return
        if not self.size(r, rc, box):
            return
        self.cost(r, rc, box)
        self.done[id(r)] = rc

    def policy(self, r: Row, rc: Recomputed) -> None:
        w, t, u = rc.workload, rc.target, rc.unit
        pol = self.scn.policy(w.data.classification)
        self.check(
            t.tier in pol.allowed_tiers,
            "tier",
            u,
            f"{w.data.classification} data may use {list(pol.allowed_tiers)}; {t.code} is {t.tier}",
        )
        if w.allowed_tiers:
            self.check(
                t.tier in w.allowed_tiers,
                "tier",
                u,
                f"workload allows {list(w.allowed_tiers)}; {t.code} is {t.tier}",
            )
        res = set(w.data.residency)
        self.check(
            not res or bool(res & t.tokens),
            "residency",
            u,
            f"{t.code} is in {sorted(t.tokens)}; workload allows {sorted(res)}",
        )
        pricing = r.text("pricing")
        if t.tier != "cloud":
            self.check(pricing == "owned", "pricing", u, f"site rows are 'owned', not '{pricing}'")
            return
        c = self.scn.clouds
        self.check(
            t.provider in c.providers,
            "scope",
            u,
            f"provider {t.provider} not in {list(c.providers)}",
        )
        partition = self.f.regions[t.code]["partition"]
        self.check(
            partition == "commercial" or c.include_restricted_partitions,
            "scope",
            u,
            f"{t.code} is in the {partition} partition",
        )
        if c.allow_regions:
            self.check(
                t.code in c.allow_regions or t.region in c.allow_regions,
                "scope",
                u,
                f"{t.code} not in allow_regions",
            )
        self.check(
            not (t.code in c.deny_regions or t.region in c.deny_regions),
            "scope",
            u,
            f"{t.code} is denied",
        )
        self.check(
            pricing in c.pricing, "scope", u, f"pricing '{pricing}' not in {list(c.pricing)}"
        )
        self.check(
            pricing != "spot" or w.interruptible,
            "pricing",
            u,
            "spot needs an interruptible workload",
        )
        term = PRICING_TERM_MONTHS.get(pricing, 0)
        self.check(
            term <= self.scn.settings.horizon_months,
            "pricing",
            u,
            f"{pricing} commits {term} months > horizon {self.scn.settings.horizon_months}",
        )

    def box(self, r: Row, rc: Recomputed) -> dict | None:
        """The hardware as a dict: n_acc, vcpus, memory_gb, accelerator (+ site / price facts)."""
        t, u, hw = rc.target, rc.unit, r.text("hardware")
        if t.tier == "cloud":
            it = self.f.itypes.get((t.provider, hw))
            self.check(it is not None, "hardware", u, f"unknown {t.provider} instance type '{hw}'")
            if it is None:
                return None
            price = self.f.prices.get((t.provider, t.region, hw, r.text("pricing")))
            self.check(
                price is not None, "scope", u, f"no {r.text('pricing')} price for {hw} in {t.code}"
            )
            if price is None:
                return None
            missing = [
                c
                for c in self.scn.policy(rc.workload.data.classification).cloud_requires
                if not self.f.control(t.provider, t.region, it["family"], c)
            ]
            self.check(
                not missing,
                "controls",
                u,
                f"{hw} ({it['family']}) in {t.code} lacks {', '.join(missing)}",
            )
            box = {
                "n_acc": float(it["accelerator_count"]),
                "vcpus": float(it["vcpus"]),
                "memory_gb": float(it["memory_gb"]),
                "accelerator": it["accelerator"] or "",
                "usd_per_hour": price,
                "family": it["family"],
            }
        else:
            s = self.f.sites[t.site]
            owned = {i.sku for i in s.inventory} | set(s.can_buy)
            if not self.check(
                hw in owned, "hardware", u, f"{hw} is neither owned nor buyable at {s.id}"
            ):
                return None
            h = self.f.hardware.get(hw)
            self.check(h is not None, "hardware", u, f"unknown SKU '{hw}'")
            if h is None:
                return None
            box = {
                "n_acc": float(h["accelerator_count"]),
                "vcpus": float(h["vcpus"]),
                "memory_gb": float(h["memory_gb"]),
                "accelerator": h["accelerator"] or "",
                "power_kw": float(h["power_kw"]),
                "idle_kw": float(h["idle_kw"]),
                "typical_kw": float(h["typical_kw"]),
                "ops": float(h["ops_usd_per_month"]),
            }
            rc.site_sku = (t.site, hw)
        self.check(
            r.text("accelerator") == box["accelerator"],
            "row",
            u,
            f"accelerator is '{r.text('accelerator')}'; {hw} has '{box['accelerator']}'",
        )
        return box

    def size(self, r: Row, rc: Recomputed, box: dict) -> bool:
        """Memory fit, throughput, units and boxes. False when the row cannot be costed."""
        w, u, d = rc.workload, rc.unit, rc.workload.demand
        groups = w.ha.groups if w.ha else 1
        part = rc.part
        share = (1.0 / (groups - 1) if groups > 1 else 1.0) * part.fraction
        replicas = r.num("replicas")
        if not self.check(
            replicas >= 1 and float(replicas).is_integer(),
            "throughput",
            u,
            f"replicas must be a whole number >= 1, got {replicas}",
        ):
            return False
        rc.replicas = replicas
        if d.replicas is not None and d.mode == "replicas":
            need = math.ceil(d.replicas * share - 1e-9)
            rc.need = need
            self.check(
                replicas >= need, "throughput", u, f"{replicas:g} replicas < {need} required"
            )
        if w.cpu is not None:
            return self.size_cpu(r, rc, box, w.cpu)
        if not self.check(
            box["n_acc"] > 0, "hardware", u, f"needs accelerators; {r.text('hardware')} has none"
        ):
            return False
        acc = self.f.acc.get(box["accelerator"])
        self.check(acc is not None, "hardware", u, f"unknown accelerator '{box['accelerator']}'")
        if acc is None:
            return False
        prec = r.text("precision")
        allowed = (w.model.precision, *w.model.variants) if w.model else ("fp16",)
        self.check(prec in allowed, "memory", u, f"precision {prec} not in {list(allowed)}")
        if w.accelerators is not None:
            types = w.accelerators.types
            self.check(
                not types or box["accelerator"] in types,
                "hardware",
                u,
                f"{box['accelerator']} not in {list(types)}",
            )
            mn = w.accelerators.min_memory_gb or 0.0
            self.check(
                float(acc["memory_gb"]) >= mn,
                "hardware",
                u,
                f"{box['accelerator']} has < {mn:g} GB",
            )
        g = r.num("gpus_per_replica")
        if not self.check(
            g >= 1 and float(g).is_integer() and g <= box["n_acc"],
            "memory",
            u,
            f"{g:g} accelerators per replica on a {box['n_acc']:g}-accelerator box",
        ):
            return False
        rc.gpus = g
        if w.accelerators is not None:
            self.check(
                g >= w.accelerators.count,
                "memory",
                u,
                f"{g:g} < {w.accelerators.count} accelerators required",
            )
        cols = model_columns(w) if w.model else {}
        params = cols.get("params_b", 0.0)
        fp16 = number(acc["fp16_tflops_dense"]) or 0.0
        int8 = number(acc["int8_tops_dense"]) or 0.0
        tf = peak_tflops(prec, fp16, int8)
        compute_ms = 0.0
        if d.mode == "tokens" and w.kind != "training":
            rps, tokens = d.requests_per_second, d.tokens_per_request
            assert rps is not None and tokens is not None, "mode tokens sets both (Demand)"
            demand = rps * tokens * share
            m = self.serve_at(cols, prec, acc, g)
            self.check(
                bool(m["fits"]),
                "memory",
                u,
                f"{m['weights_gb']:.1f} GB of weights + one sequence's KV cache do not fit "
                f"{g:g} x {float(acc['memory_gb']):g} GB x {USABLE_MEMORY} usable",
            )
            self.check(
                bool(m["slo_met"]) or not bool(m["fits"]),
                "latency",
                u,
                f"TTFT {m['ttft_ms']:.0f} ms / TPOT {m['tpot_ms']:.1f} ms miss the targets "
                f"{cols['ttft_target_ms']:g} / {cols['tpot_target_ms']:g} ms",
            )
            tput = d.throughput_per_replica or float(m["tokens_per_s"])
            compute_ms = float(m["ttft_ms"]) if m["fits"] else math.inf
            rc.need = demand / tput if tput > 0 else math.inf
            self.throughput(u, replicas, tput, demand, "tokens/s")
        else:
            weights = params * BYTES_PER_PARAM.get(prec, 2.0)
            need_gb = (
                params * TRAINING_BYTES_PER_PARAM
                if w.kind == "training" and w.model
                else (weights * (1.0 + w.model.kv_cache_overhead) if w.model else 0.0)
            )
            mem = float(acc["memory_gb"])
            self.check(
                g * mem * USABLE_MEMORY >= need_gb * (1 - self.rel_tol),
                "memory",
                u,
                f"{need_gb:.1f} GB needed > {g:g} x {mem:g} GB x {USABLE_MEMORY} usable",
            )
        if d.mode == "images":
            eff = NON_LLM_EFFICIENCY.get(cols.get("model_kind", ""), MFU)
            flops = g * tf * 1e12 * eff
            gflops = cols.get("gflops_per_image", d.gflops_per_image)
            assert d.images_per_second is not None, "mode images sets it (Demand.mode)"
            demand = d.images_per_second * share
            tput = d.throughput_per_replica or (flops / (gflops * 1e9) if flops else 0.0)
            compute_ms = gflops * 1e9 / flops * 1e3 if flops > 0 else math.inf
            rc.need = demand / tput if tput > 0 else math.inf
            self.throughput(u, replicas, tput, demand, "images/s")
        rc.compute_ms = compute_ms
        rc.box_units = box["n_acc"]
        if d.mode == "gpu_hours":
            ref = self.f.acc.get(d.reference_accelerator)
            ref_tf = number(ref["fp16_tflops_dense"]) if ref else None
            self.check(
                bool(ref_tf) and fp16 > 0,
                "throughput",
                u,
                "no FP16 throughput to rescale GPU-hours",
            )
            if not ref_tf or fp16 <= 0:
                return False
            assert d.gpu_hours_per_month is not None, "mode gpu_hours sets it (Demand.mode)"
            gpu_hours = d.gpu_hours_per_month * share * ref_tf / fp16
            rc.units = gpu_hours / HOURS_IN_MONTH
            rc.boxes = gpu_hours / box["n_acc"] / HOURS_IN_MONTH
            rc.hours = HOURS_IN_MONTH
        else:
            per_box = math.floor(box["n_acc"] / g)
            rc.units = replicas * box["n_acc"] / per_box  # the box share each replica blocks
            rc.boxes = math.ceil(replicas / per_box - 1e-9)
            rc.hours = self.part_hours(rc, part.hours, per_box)
            rc.item = (g, 0.0)
        return True

    def part_hours(self, rc: Recomputed, hours: float, per_box: int) -> float:
        """Hours a month each instance runs: the part's hours, or for an unsplit profile in
        the cloud the autoscaled hours per peak instance (``verify/burst.py``)."""
        w = rc.workload
        if w.split or w.demand.profile is None or rc.target.tier != "cloud":
            return hours
        return autoscaled_hours(w.demand.steps, rc.need, per_box)

    def serve_at(self, cols: dict, prec: str, acc, g: float) -> dict:
        """Serving metrics of one replica (the option builder's own serving model).

        Units with the same model, targets, precision, accelerator and degree get the same
        answer, so each distinct input is computed once per verification (a fleet repeats
        a few models many times)."""
        spec = {
            "memory_gb": float(acc["memory_gb"]),
            "bandwidth_gbps": number(acc["memory_bandwidth_gbps"]) or 0.0,
            "fp16_tflops": number(acc["fp16_tflops_dense"]) or 0.0,
            "int8_tops": number(acc["int8_tops_dense"]) or 0.0,
            "g": g,
        }
        memo = self.__dict__.setdefault("_served", {})
        try:
            key = (tuple(cols.items()), prec, tuple(spec.values()))
            hash(key)
        except TypeError:  # an unhashable column value: compute without the memo
            return serve_one(cols, prec, **spec)
        if key not in memo:
            memo[key] = serve_one(cols, prec, **spec)
        return dict(memo[key])

    def size_cpu(self, r: Row, rc: Recomputed, box: dict, cpu: CpuNeeds) -> bool:
        """``size`` for a CPU workload (``cpu`` is its ``workload.cpu``)."""
        u = rc.unit
        if not self.check(
            box["n_acc"] <= 0,
            "hardware",
            u,
            f"cpu workload; {r.text('hardware')} is an accelerator box",
        ):
            return False
        per_box = min(
            math.floor(box["vcpus"] / cpu.vcpus), math.floor(box["memory_gb"] / cpu.memory_gb)
        )
        if not self.check(
            per_box >= 1,
            "memory",
            u,
            f"needs {cpu.vcpus} vCPU / {cpu.memory_gb:g} GB; "
            f"{r.text('hardware')} has {box['vcpus']:g} / {box['memory_gb']:g} GB",
        ):
            return False
        rc.units = rc.replicas * box["vcpus"] / per_box  # the box share each replica blocks
        rc.box_units = box["vcpus"]
        rc.boxes = math.ceil(rc.replicas / per_box - 1e-9)
        rc.hours = self.part_hours(rc, rc.part.hours, per_box)
        rc.compute_ms = 0.0
        rc.item = (float(cpu.vcpus), float(cpu.memory_gb))
        rc.box_memory = box["memory_gb"]
        return True

    def throughput(self, u: str, replicas: float, tput: float, demand: float, what: str) -> None:
        ok = tput > 0 and replicas * tput >= demand * (1 - self.rel_tol)
        self.check(
            ok, "throughput", u, f"{replicas:g} replicas x {tput:.6g} {what} < demand {demand:.6g}"
        )

    def cost(self, r: Row, rc: Recomputed, box: dict) -> None:
        w, t, u = rc.workload, rc.target, rc.unit
        groups = w.ha.groups if w.ha else 1
        # data volumes: the HA group's share x the part's volume share (1 unless split)
        share = (1.0 / (groups - 1) if groups > 1 else 1.0) * rc.part.volume
        self.same(r.num("units"), rc.units, "units", u, "units")
        if t.tier == "cloud":
            billed = r.num("billed_boxes")
            reserved = r.text("pricing").startswith("reserved")
            need = math.ceil(rc.boxes - 1e-9) if reserved else rc.boxes
            ok = billed >= need * (1 - self.rel_tol) and (
                not reserved or float(billed).is_integer()
            )
            self.check(
                ok,
                "boxes",
                u,
                f"{billed:g} billed instances of {r.text('hardware')}; {need:.6g} needed",
            )
            hours = HOURS_IN_MONTH if reserved else rc.hours
            compute = billed * hours * box["usd_per_hour"]
            self.same(r.num("usd_per_hour"), box["usd_per_hour"], "cost", u, "usd_per_hour")
            power = ops = 0.0
            watts = (
                box["n_acc"]
                * (float(self.f.acc[box["accelerator"]]["tdp_watts"]) + HOST_WATTS_PER_ACCELERATOR)
                if box["n_acc"] > 0
                else box["vcpus"] * CPU_WATTS_PER_VCPU
            )
            energy = rc.boxes * rc.hours * watts / 1000.0 * t.pue
        else:
            s = self.f.sites[t.site]
            share_boxes = rc.units / rc.box_units
            self.same(
                r.num("billed_boxes"), share_boxes, "cost", u, "billed_boxes (share of a box)"
            )
            # busy increment for the hours it runs + its share of the box's idle draw all month
            busy = share_boxes * (box["typical_kw"] - box["idle_kw"]) * s.power.pue * rc.hours
            idle = share_boxes * box["idle_kw"] * s.power.pue * 730.0
            energy = busy + idle
            compute, power, ops = 0.0, energy * s.power.usd_per_kwh, share_boxes * box["ops"]
            rc.fixed_share = idle * s.power.usd_per_kwh + ops
            rc.idle_kg_share = idle * t.grid / 1000.0
            if r.rec.get("box_share_usd") is not None:
                self.same(r.num("box_share_usd"), rc.fixed_share, "cost", u, "box_share_usd")
        egress = self.egress(
            rc, w.data.egress_gb_per_month * share, w.data.ingress_gb_per_month * share
        )
        opex = compute + egress + power + ops
        for col, val in (
            ("compute_usd", compute),
            ("egress_usd", egress),
            ("power_usd", power),
            ("ops_usd", ops),
            ("opex_usd", opex),
        ):
            self.same(r.num(col), val, "cost", u, col)
        rc.opex = opex
        self.latency(r, rc)
        rc.risk = self.risk(rc, box, share)
        self.same(r.num("risk"), rc.risk, "risk", u, "risk")
        self.same(r.num("energy_kwh"), energy, "carbon", u, "energy_kwh")
        rc.carbon = energy * t.grid / 1000.0
        self.same(r.num("carbon_kg"), rc.carbon, "carbon", u, "carbon_kg")

    def egress(self, rc: Recomputed, out_gb: float, in_gb: float) -> float:
        """Results to users at the target's internet (site: WAN) rate + input data moved in."""
        t = rc.target
        usd = (
            self.f.tiered_usd(t.provider, "internet", out_gb)
            if t.tier == "cloud"
            else (out_gb * self.f.sites[t.site].wan_egress_usd_per_gb)
        )
        src = self.f.home(rc.workload.data.source)
        if in_gb <= 0 or src is None or src == t.code:
            return usd
        if src.startswith("site:"):
            return usd + in_gb * self.f.sites[src[5:]].wan_egress_usd_per_gb
        s_prov = src.split(":", 1)[0]
        if s_prov != t.provider:
            return usd + self.f.tiered_usd(s_prov, "internet", in_gb)
        reg = self.f.regions[src]
        km = great_circle_km(float(reg["latitude"]), float(reg["longitude"]), t.lat, t.lon)
        dest = (
            "inter_region_same_continent"
            if km < SAME_CONTINENT_KM
            else "inter_region_other_continent"
        )
        return usd + self.f.tiered_usd(s_prov, dest, in_gb, self.f.area(src))

    def rtt(self, rc: Recomputed) -> tuple[float, str]:
        """LAN inside one place, measured where a pair is, else the continuous estimate."""
        w = rc.workload
        return self.rtt_between(self.f.place(w.requests_from or w.data.source), rc.target)

    def rtt_between(self, origin: tuple | None, t) -> tuple[float, str]:
        """RTT from a place (lat, lon, target code or None) to target ``t``, and its basis."""
        if origin is None:
            return 0.0, "none"
        lat, lon, code = origin
        lm = self.f.latency
        if code is not None and code == t.code:
            return lm["lan_rtt_ms"], "lan"
        if code is not None and (code, t.code) in self.f.measured:
            return self.f.measured[(code, t.code)], "measured"
        # continuous estimate: the path-class curve, or a detour over a measured pair
        prov = code.split(":", 1)[0] if code and not code.startswith("site:") else ""

        def curve(km: float, same_provider: bool) -> float:
            c = "backbone" if same_provider and prov else "public"
            knee = lm[f"{c}_knee_km"]
            return (
                lm[f"{c}_intercept_ms"]
                + lm[f"{c}_near_ms_per_km"] * min(km, knee)
                + lm[f"{c}_far_ms_per_km"] * max(km - knee, 0.0)
            )

        km = great_circle_km(lat, lon, t.lat, t.lon)
        best = curve(km, t.provider == prov)
        for src, ms in self.f.measured_into.get(t.code, ()):
            if src not in self.f.regions:
                continue
            reg = self.f.regions[src]
            leg = great_circle_km(lat, lon, float(reg["latitude"]), float(reg["longitude"]))
            best = min(best, curve(leg, src.split(":", 1)[0] == prov) + ms)
        return max(best, lm["fibre_min_ms_per_km"] * km), "estimate"

    def latency(self, r: Row, rc: Recomputed) -> None:
        u, w = rc.unit, rc.workload
        rtt, basis = self.rtt(rc)
        rc.latency = rtt + rc.compute_ms
        if w.latency_slo_ms is not None:
            self.check(
                self.le(rc.latency, w.latency_slo_ms),
                "latency",
                u,
                f"{rc.latency:.1f} ms (RTT {rtt:.1f} via {basis}) > SLO {w.latency_slo_ms:g} ms",
            )
        self.check(
            r.text("rtt_basis") == basis,
            "latency",
            u,
            f"rtt_basis is {r.text('rtt_basis')}; expected {basis}",
        )
        self.same(r.num("rtt_ms"), rtt, "latency", u, "rtt_ms")
        self.same(r.num("latency_ms"), rc.latency, "latency", u, "latency_ms")

    def risk(self, rc: Recomputed, box: dict, share: float) -> float:
        """weight(classification) x exposure(tier) x control mitigations x volume factor; an
        escalation target is weighted by the most sensitive data it receives."""
        w, t = rc.workload, rc.target
        mitigation = 1.0
        if t.tier == "cloud":
            for c in CONTROLS:
                if self.f.control(t.provider, t.region, box["family"], c):
                    mitigation *= CONTROL_MITIGATION[c]
        leaving = w.data.egress_gb_per_month * share
        if self.f.home(w.data.source) != t.code:
            leaving += w.data.ingress_gb_per_month * share
        volume = 1.0 + math.log10(1.0 + max(leaving, 0.0))
        return (
            CLASSIFICATION_WEIGHT[self.risk_class.get(w.id, w.data.classification)]
            * TIER_EXPOSURE[t.tier]
            * mitigation
            * volume
        )
