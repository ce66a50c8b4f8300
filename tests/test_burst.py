"""Burst (issue 11 section 1): load profiles and split placement, end to end.

The brute force enumerates *step assignments*: every way of sending each part of each workload
to a target (the site or one of two cloud regions). For a fixed assignment a cloud part's best
option is its cheapest row on that target (nothing couples cloud rows here: no caps, budgets or
rules), a site part has one row per SKU, and the purchases are the fewest boxes that hold the
site parts; flows are priced from the targets of both ends with the volume shares re-derived
here from the profile (fraction x hours / sum). The solver must reach that optimum and the
independent verifier must accept the plan.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import yaml
from helpers_scenarios import build, scenario_dict, site

import advisor
from advisor.catalog import Catalog
from advisor.errors import InvalidScenario
from advisor.milp.formulate import formulate, objective_factor
from advisor.options import build_options
from advisor.plan.json_schema import plan_schema
from advisor.plan.verify import verify_plan

CAT = Catalog.load()
REGIONS = ("aws:eu-central-1", "gcp:europe-west4")
DEMO = str(Path(__file__).parent / "data" / "burst" / "burst-demo.yaml")
BRUTE_FORCE_CASES = int(os.environ.get("ADVISOR_BURST_BRUTEFORCE_CASES", "8"))
"""Random split scenarios checked against brute force (about 2 s each; raise for a long run)."""


def l4(wid: str, replicas: int, profile, split: bool = True, **extra) -> dict:
    return {
        "id": wid,
        "accelerators": {"count": 1, "types": ["L4"]},
        "demand": {"replicas": replicas, "profile": profile},
        "split": split,
        **extra,
    }


def plan_of(workloads, sites=None, **kw):
    scn = build(scenario_dict(workloads, sites=sites, regions=REGIONS, **kw), CAT)
    return scn, advisor.solve(scn, CAT)


# --- scenario format -------------------------------------------------------------------------


def test_both_profile_spellings_mean_the_same_steps():
    forms = (
        {"base_fraction": 0.6, "peak_hours_per_month": 120},
        [{"fraction": 0.6, "hours_per_month": 730}, {"fraction": 0.4, "hours_per_month": 120}],
        [[0.6, 730], [0.4, 120]],
    )
    steps = {build(scenario_dict([l4("w", 5, p)]), CAT).workloads[0].demand.steps for p in forms}
    assert steps == {((0.6, 730.0), (0.4, 120.0))}


def test_base_step_runs_the_demand_hours():
    w = l4("w", 5, {"base_fraction": 0.5, "peak_hours_per_month": 100})
    w["demand"]["hours_per_month"] = 400
    assert build(scenario_dict([w]), CAT).workloads[0].demand.steps == ((0.5, 400.0), (0.5, 100.0))


def _error(tmp_path, workloads, **kw) -> str:
    path = tmp_path / "s.yaml"
    path.write_text(
        yaml.safe_dump(scenario_dict(workloads, regions=REGIONS, **kw), sort_keys=False)
    )
    with pytest.raises(InvalidScenario) as exc:
        advisor.load_scenario(path)
    return str(exc.value)


@pytest.mark.parametrize(
    ("profile", "split", "needle"),
    [
        ([[0.6, 730], [0.3, 120]], True, "fractions must sum to 1; 0.6 + 0.3 = 0.9"),
        ([[0.6, 100], [0.4, 120]], True, "must not increase"),
        ([[0.6, 730], [0.4, 740]], True, "must not increase"),
        ({"base_fraction": 1.2, "peak_hours_per_month": 100}, True, "between 0 and 1"),
        ({"base_fraction": 0.5}, True, "needs peak_hours_per_month"),
        ({"base_fraction": 0.5, "peak_hour": 3}, True, "unknown key(s) peak_hour"),
        ([[0.5, 730, 1]], True, "[fraction, hours_per_month]"),
        ([[1.0, 730]], True, "split: true needs demand.profile with at least 2 steps"),
        (None, True, "split: true needs demand.profile with at least 2 steps"),
    ],
)
def test_bad_profiles_are_clear_errors(tmp_path, profile, split, needle):
    w = l4("w", 4, profile, split=split)
    if profile is None:
        del w["demand"]["profile"]
    text = _error(tmp_path, [w])
    assert needle in text
    assert "s.yaml:" in text  # file and line
    assert "workloads[0]" in text  # the field path
    assert "expected:" in text and "hint:" in text


def test_profile_on_gpu_hours_is_rejected(tmp_path):
    w = {
        "id": "t",
        "accelerators": {"count": 1, "types": ["L4"]},
        "demand": {"gpu_hours_per_month": 100, "profile": [[0.5, 730], [0.5, 100]]},
    }
    assert "gpu_hours_per_month is already a monthly total" in _error(tmp_path, [w])


def test_colocating_a_split_workload_is_rejected(tmp_path):
    ws = [l4("a", 2, [[0.5, 730], [0.5, 100]]), l4("b", 2, [[0.5, 730], [0.5, 100]], split=False)]
    text = _error(tmp_path, ws, placement_rules=[{"kind": "colocate", "workloads": ["a", "b"]}])
    assert "'a' is split" in text and "drop split: true" in text


def test_scenario_json_schema_has_the_new_fields():
    from advisor.schema.published import scenario_schema

    text = json.dumps(scenario_schema())
    assert '"split"' in text and "base_fraction" in text and "peak_hours_per_month" in text
    doc = scenario_dict(
        [
            l4("w", 4, [[0.6, 730], [0.4, 120]]),
            l4("v", 4, {"base_fraction": 0.5, "peak_hours_per_month": 9}),
        ]
    )
    jsonschema.validate(doc, scenario_schema())
    bad = scenario_dict([l4("w", 4, {"base_fraction": 0.5})])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, scenario_schema())


# --- units, costs and flows ------------------------------------------------------------------


def test_split_parts_are_units_sized_for_their_step():
    scn = build(
        scenario_dict(
            [l4("w", 10, [[0.4, 730], [0.35, 300], [0.25, 60]], ha={"groups": 2})], regions=REGIONS
        ),
        CAT,
    )
    units = build_options(scn, CAT).units.set_index("unit")
    assert list(units.index) == ["w~1#1", "w~1#2", "w~2#1", "w~2#2", "w~3#1", "w~3#2"]
    # HA: each group serves demand / (groups - 1); each part its fraction of that
    assert units.loc["w~1#1", "replicas_fixed"] == 4
    assert units.loc["w~2#2", "replicas_fixed"] == math.ceil(10 * 0.35)
    assert units.loc["w~3#1", "hours"] == 60


def test_cloud_autoscales_through_an_unsplit_profile():
    """10 replicas, 40% all 730 h and the rest 160 h: 4 replicas x 570 h + 10 x 160 h."""
    _, plan = plan_of(
        [l4("w", 10, {"base_fraction": 0.4, "peak_hours_per_month": 160}, split=False)]
    )
    row = plan.assignments.iloc[0]
    assert row["unit"] == "w" and row["tier"] == "cloud"
    per_box = {"g6.xlarge": 1, "g2-standard-4": 1, "g6.12xlarge": 4}.get(row["hardware"])
    if per_box == 1 and row["pricing"] != "reserved_1y":
        assert row["compute_usd"] == pytest.approx((4 * 570 + 10 * 160) * row["usd_per_hour"])
    assert verify_plan(plan, CAT).ok


def test_split_plan_bursts_the_peak_and_verifies():
    scn = advisor.load_scenario(DEMO)
    plan = advisor.solve(scn)
    a = plan.assignments.set_index("unit")
    assert a.loc["assistant~1", "target"] == "site:fra-dc"  # the base on the owned boxes
    assert a.loc["assistant~2", "tier"] == "cloud"  # the peak in the cloud, paid for 160 h
    assert a.loc["assistant~2", "compute_usd"] == pytest.approx(
        a.loc["assistant~2", "billed_boxes"] * 160 * a.loc["assistant~2", "usd_per_hour"]
    )
    assert set(a.loc[["nightly-batch~1", "nightly-batch~2"], "pricing"]) == {"spot"}
    v = verify_plan(plan)
    assert v.ok, v.violations
    # flows charged per part pair, by the volume each part serves
    share = {"assistant~1": 0.4 * 730 / (0.4 * 730 + 0.6 * 160)}
    share["assistant~2"] = 1 - share["assistant~1"]
    assert set(plan.flows_usd) == {f"{x}->nightly-batch~{k}" for x in share for k in (1, 2)}
    # the split workload counts on both tiers it runs on, and the KPIs say it spans tiers
    tiers_of = plan.assignments.groupby("workload")["tier"].agg(set)
    assert tiers_of["assistant"] == {"local", "cloud"}
    per_tier = plan.kpis["workloads_per_tier"]
    for t in ("local", "edge", "cloud"):
        assert per_tier[t] == sum(t in ts for ts in tiers_of)
    assert plan.kpis["workloads_across_tiers"] == sum(len(ts) > 1 for ts in tiers_of)


def test_comparison_is_the_single_target_solve():
    scn = advisor.load_scenario(DEMO)
    plan = advisor.solve(scn)
    c = plan.burst_comparison
    whole = scn.model_copy(
        update={"workloads": tuple(w.model_copy(update={"split": False}) for w in scn.workloads)}
    )
    single = advisor.solve(whole)
    assert c.single_objective == pytest.approx(single.objective, rel=1e-9)
    assert c.single_monthly_usd == pytest.approx(single.kpis["monthly_total_usd"], rel=1e-9)
    assert c.saving_usd_per_month == pytest.approx(
        single.kpis["monthly_total_usd"] - plan.kpis["monthly_total_usd"], rel=1e-9
    )
    assert c.saving_usd_per_month > 0
    assert "splitting saves" in plan.explain("assistant")
    assert "step 2 (60% of peak, 160 h/month)" in plan.explain("assistant")


def test_no_split_no_comparison_solve(monkeypatch):
    import advisor.plan.planner as planner

    calls = []
    monkeypatch.setattr(planner, "single_target_comparison", lambda *a: calls.append(a))
    _, plan = plan_of([l4("w", 2, [[0.5, 730], [0.5, 100]], split=False)])
    assert calls == [] and plan.burst_comparison is None and not len(plan.burst_parts)


def test_infeasible_single_target_is_reported():
    """Two sites of 2 L4 each and no cloud allowed: 4 replicas fit no single site, the two
    halves of the profile fit one site each; the comparison says the split is what works."""
    w = l4("w", 4, {"base_fraction": 0.5, "peak_hours_per_month": 100}, allowed_tiers=["local"])
    sites = [site("fra", inventory={"l4-2": 1}), site("par", place="paris", inventory={"l4-2": 1})]
    _, plan = plan_of([w], sites=sites)
    assert set(plan.assignments["target"]) == {"site:fra", "site:par"}
    c = plan.burst_comparison
    assert c.saving_usd_per_month is None and c.status == "infeasible"
    assert "no single-target placement of w is feasible" in plan.explain("w")
    assert verify_plan(plan, CAT).ok


def test_plan_json_carries_the_split_and_validates(tmp_path):
    plan = advisor.solve(advisor.load_scenario(DEMO))
    doc = json.loads(plan.to_json())
    jsonschema.validate(doc, plan_schema())
    assert [p["part"] for p in doc["burst"]["parts"]][:2] == ["assistant~1", "assistant~2"]
    assert doc["burst"]["comparison"]["saving_usd_per_month"] > 0
    path = tmp_path / "plan.json"
    path.write_text(plan.to_json())
    from advisor.plan.saved import verify_saved

    assert verify_saved(path).ok


# --- the verifier catches what is wrong ------------------------------------------------------


def _tampered(plan, changes: dict):
    import dataclasses

    a = plan.assignments.copy()
    for (unit, col), value in changes.items():
        a.loc[a["unit"] == unit, col] = value
    return dataclasses.replace(plan, assignments=a)


def test_verifier_rejects_a_part_costed_for_the_wrong_hours():
    plan = advisor.solve(advisor.load_scenario(DEMO))
    row = plan.assignments.set_index("unit").loc["assistant~2"]
    wrong = row["billed_boxes"] * 730 * row["usd_per_hour"]  # all month instead of 160 h
    bad = _tampered(plan, {("assistant~2", "compute_usd"): wrong})
    v = verify_plan(bad)
    assert any(x.check == "cost" and x.subject == "assistant~2" for x in v.violations)


def test_verifier_rejects_a_missing_step_and_an_undersized_part():
    plan = advisor.solve(advisor.load_scenario(DEMO))
    import dataclasses

    dropped = dataclasses.replace(
        plan, assignments=plan.assignments[plan.assignments["unit"] != "assistant~2"]
    )
    v = verify_plan(dropped)
    assert any(x.check == "burst" and "assistant~2" in x.detail for x in v.violations)
    small = _tampered(plan, {("assistant~2", "replicas"): 5.0})  # 60% of 10 needs 6
    assert any(x.check == "throughput" for x in verify_plan(small).violations)


def test_each_part_obeys_residency_on_its_own():
    plan = advisor.solve(advisor.load_scenario(DEMO))
    bad = _tampered(plan, {("assistant~2", "target"): "aws:us-east-1"})
    v = verify_plan(bad)
    assert any(x.check in ("residency", "row") and x.subject == "assistant~2" for x in v.violations)


# --- brute force over step assignments -------------------------------------------------------


def _random_case(rng: random.Random) -> dict:
    n = rng.randint(1, 3)
    workloads = []
    for i in range(n):
        k = rng.randint(2, 3)
        cuts = sorted(rng.sample(range(1, 10), k - 1))
        fractions = [b - a for a, b in zip([0, *cuts], [*cuts, 10], strict=True)]
        hours = sorted(rng.sample([730, 500, 300, 160, 80, 40], k), reverse=True)
        prof = [[f / 10, h] for f, h in zip(fractions, hours, strict=True)]
        if k == 2 and rng.random() < 0.3:
            prof = {"base_fraction": fractions[0] / 10, "peak_hours_per_month": hours[1]}
        w = l4(f"w{i}", rng.randint(1, 6), prof, split=rng.random() < 0.8)
        w["interruptible"] = rng.random() < 0.4
        w["data"] = {"source": "fra", "egress_gb_per_month": rng.choice([0, 50, 400])}
        workloads.append(w)
    flows = []
    if n > 1 and rng.random() < 0.6:
        a, b = rng.sample([w["id"] for w in workloads], 2)
        flows.append(
            {"from_workload": a, "to_workload": b, "gb_per_month": rng.choice([100, 2000])}
        )
    inv = rng.randint(0, 2)
    sites = [
        site(
            "fra",
            inventory={"l4-2": inv} if inv else None,
            can_buy=("l4-2",) if rng.random() < 0.5 else (),
            max_buy_per_sku=rng.randint(1, 2),
            wan_egress_usd_per_gb=rng.choice([0.0, 0.02]),
        )
    ]
    return scenario_dict(
        workloads, sites=sites, regions=REGIONS, pricing=("on_demand", "spot"), flows=flows
    )


def _volume_shares(w) -> list[float]:
    steps = w.demand.steps if w.split else ((1.0, w.demand.hours_per_month),)
    total = sum(f * h for f, h in steps)
    return [f * h / total for f, h in steps]


def brute_force(scn) -> float | None:
    """The cheapest objective over every assignment of parts to targets (module docstring)."""
    problem = formulate(scn, build_options(scn, CAT, prune=False))
    o = problem.options
    units = list(dict.fromkeys(o["unit"]))
    pur = problem.purchasables.reset_index(drop=True)
    months = objective_factor(scn)
    choices = []  # per unit: (target, obj, site pool index or -1, units)
    for u in units:
        rows = o[o["unit"] == u]
        opts = []
        for target, g in rows.groupby("target"):
            if target.startswith("site:"):
                for r in g.itertuples(index=False):  # one row per SKU on a site
                    j = pur.index[(pur["site"] == r.site) & (pur["sku"] == r.hardware)][0]
                    opts.append((target, r.obj_usd, j, r.units))
            else:
                opts.append((target, float(g["obj_usd"].min()), -1, 0.0))
        choices.append(opts)
    rates = problem.flow_rates.set_index("target")
    by_id = {w.id: w for w in scn.workloads}

    def rate(ta: str, tb: str) -> float:
        if ta == tb:
            return 0.0
        pa, pb = rates.at[ta, "provider"], rates.at[tb, "provider"]
        if pa and pa == pb:
            return float(rates.at[ta, "usd_per_gb_inter"])
        return float(rates.at[ta, "usd_per_gb_out"])

    def part_units(w):
        return [w.id] if not w.split else [f"{w.id}~{k}" for k in range(1, len(w.demand.steps) + 1)]

    col = {u: i for i, u in enumerate(units)}
    inv = pur["inventory"].to_numpy(float)
    owned = months * float(inv @ pur["fixed_usd_per_month"].to_numpy(float))
    best_total = None
    for combo in itertools.product(*choices):
        use = np.zeros(len(pur))
        for _, _, j, n_units in combo:
            if j >= 0:
                use[j] += n_units
        buys = np.maximum(0.0, np.ceil(use / pur["box_units"].to_numpy(float) - inv - 1e-9))
        if (buys > pur["max_buy"].to_numpy(float)).any():
            continue
        kw_ok = True
        for s in problem.sites.itertuples(index=False):
            sel = (pur["site"] == s.site).to_numpy()
            kw = (inv[sel] + buys[sel]) @ pur.loc[sel, "power_kw"].to_numpy(float)
            kw_ok &= kw <= float(s.max_kw) + 1e-9
        if not kw_ok:
            continue
        total = (
            sum(c[1] for c in combo) + float(buys @ pur["capex_obj_usd"].to_numpy(float)) + owned
        )
        for f in scn.flows:
            wa, wb = by_id[f.from_workload], by_id[f.to_workload]
            for ua, sa in zip(part_units(wa), _volume_shares(wa), strict=True):
                for ub, sb in zip(part_units(wb), _volume_shares(wb), strict=True):
                    ta, tb = combo[col[ua]][0], combo[col[ub]][0]
                    total += months * f.gb_per_month * sa * sb * rate(ta, tb)
        if best_total is None or total < best_total:
            best_total = total
    return best_total


@pytest.mark.parametrize("seed", range(BRUTE_FORCE_CASES))
def test_split_matches_brute_force_over_step_assignments(seed):
    scn = build(_random_case(random.Random(seed)), CAT)
    best = brute_force(scn)
    try:
        plan = advisor.solve(scn, CAT)
    except advisor.InfeasibleScenario:
        assert best is None
        return
    assert best is not None
    assert plan.objective == pytest.approx(best, rel=1e-6, abs=1e-6)
    v = verify_plan(plan, CAT)
    assert v.ok, v.violations


# --- export ------------------------------------------------------------------------------


def test_split_plan_exports_cloud_parts_to_skypilot_and_site_parts_to_kubernetes(tmp_path):
    from test_export import _validate

    from advisor.export import export_plan

    plan = advisor.solve(advisor.load_scenario(DEMO))
    folders = {}
    for to in ("skypilot", "kubernetes", "terraform"):
        folders[to] = tmp_path / to
        export_plan(plan, to, folders[to])
    sky = {p.name: p.read_text() for p in folders["skypilot"].glob("skypilot-*.yaml")}
    peak = next(text for name, text in sky.items() if name.startswith("skypilot-assistant-2"))
    assert "region: europe-west4" in peak or "region: eu-central-1" in peak
    assert "pays for 160 h a month" in peak
    assert not any(name.startswith("skypilot-assistant-1") for name in sky)  # the base is on site
    k8s = list(yaml.safe_load_all((folders["kubernetes"] / "k8s-fra-dc.yaml").read_text()))
    base = [
        d
        for d in k8s
        if d["kind"] == "Deployment"
        and d["metadata"]["labels"]["advisor.io/workload"] == "assistant"
    ]
    assert len(base) == 1 and base[0]["spec"]["replicas"] == 4
    tfvars = [json.loads(p.read_text()) for p in folders["terraform"].glob("*.auto.tfvars.json")]
    counts = {i["name"].rsplit("-", 1)[0]: i["count"] for t in tfvars for i in t["instances"]}
    assert counts["assistant-2"] == 6
    _validate(list(folders.values()))


def test_baselines_pay_for_flows_so_none_undercuts_the_optimum():
    """The flows of a split plan are charged per part; a baseline that placed the same parts
    the same way must cost the same, not less (baselines price flows like the MILP)."""
    plan = advisor.solve(advisor.load_scenario(DEMO))
    assert plan.kpis["flows_usd_per_month"] > 0
    valid = plan.baselines[plan.baselines["broken"].map(len) == 0]
    assert (valid["monthly_usd"] >= plan.kpis["monthly_total_usd"] - 1e-6).all()


def test_anti_affinity_keeps_workloads_apart_but_lets_parts_share():
    a = l4("a", 4, [[0.5, 730], [0.5, 200]])
    b = l4("b", 2, [[0.5, 730], [0.5, 200]], split=False)
    rules = [{"kind": "anti_affinity", "workloads": ["a", "b"]}]
    _, plan = plan_of([a, b], placement_rules=rules)
    where = plan.assignments.groupby("workload")["target"].agg(set)
    assert len(where["a"]) == 1  # both parts in the cheapest region: parts may share
    assert not where["a"] & where["b"]
    assert verify_plan(plan, CAT).ok
    bad = _tampered(plan, {("b", "target"): next(iter(where["a"]))})
    assert any(v.check == "anti_affinity" for v in verify_plan(bad, CAT).violations)


def test_ha_applies_to_each_part_on_its_own():
    scn = advisor.load_scenario(DEMO)
    w = scn.workloads[0].model_copy(
        update={"ha": advisor.schema.scenario.HighAvailability(groups=2)}
    )
    scn = scn.model_copy(update={"workloads": (w, scn.workloads[1]), "flows": ()})
    plan = advisor.solve(scn)
    a = plan.assignments.set_index("unit")["target"]
    assert {"assistant~1#1", "assistant~1#2", "assistant~2#1", "assistant~2#2"} <= set(a.index)
    assert a["assistant~1#1"] != a["assistant~1#2"] and a["assistant~2#1"] != a["assistant~2#2"]
    assert verify_plan(plan).ok
    bad = _tampered(plan, {("assistant~1#2", "target"): a["assistant~1#1"]})
    assert any(v.check == "ha" and v.subject == "assistant~1" for v in verify_plan(bad).violations)
