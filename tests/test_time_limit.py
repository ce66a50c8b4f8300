"""`--time-limit` bounds the whole `advisor plan`: every solve on its path takes its time from
one deadline (advisor/plan/deadline.py), and a comparison that no longer fits says so.

No timed asserts. A fake clock stands in for time: it moves only when an option build or a
solve "spends" time, as each test decides (the real solver still runs, with a generous real
limit, so results are deterministic). Each solve's start and the limit it was given are
recorded; the contract is that no solve could run into the reserve kept for the
explanations and outputs (start + given <= limit - reserve), even when every solve uses all
the time it was given.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from test_constraints_bind import gpu8, scenario, site
from typer.testing import CliRunner

import advisor
import advisor.milp.solver as milp_solver
import advisor.plan.deadline as deadline_mod
import advisor.plan.planner as planner
from advisor.cli import app
from advisor.plan.deadline import Deadline

ROOT = Path(__file__).resolve().parents[1]
RETAILER = ROOT / "examples" / "retailer.yaml"
FEDERATED = ROOT / "tests" / "data" / "federated-demo.yaml"
LIMIT_S = 30.0
RESERVE_S = 3.0  # a tenth of 30 s (above the 1.5 s floor, below half)
TOO_LATE = "not computed (time limit reached: "


class Timeline:
    """A fake clock for every :class:`Deadline`, and a record of every solver call.

    ``solve_s``: fake seconds each solve takes (None: all the time it was given, the worst
    case); ``build_s``: fake seconds each full option build takes."""

    def __init__(self, monkeypatch, *, solve_s: float | None, build_s: float) -> None:
        self.t = 0.0
        self.calls: list[tuple[float, float, bool]] = []  # (start, time given, elastic)
        real_run, real_build = milp_solver.run, planner.build_options

        def run(problem, settings, elastic=False, start=None, relax=None):
            self.calls.append((self.t, settings.time_limit_s, elastic))
            out = real_run(problem, replace(settings, time_limit_s=120.0), elastic, start, relax)
            given = settings.time_limit_s
            self.t += given if solve_s is None else min(solve_s, given)
            return out

        def build(*args, **kwargs):
            self.t += build_s
            return real_build(*args, **kwargs)

        monkeypatch.setattr(deadline_mod, "now", lambda: self.t)
        monkeypatch.setattr(milp_solver, "run", run)
        monkeypatch.setattr(planner, "build_options", build)

    def assert_within(self, limit_s: float = LIMIT_S, reserve_s: float = RESERVE_S) -> None:
        """No solve could reach into the reserve, and the solves and builds together (each
        solve taking what it took, at most what it was given) fit before it."""
        assert self.calls, "no solver call was recorded"
        for start, given, _ in self.calls:
            assert given > 0
            assert start + given <= limit_s - reserve_s + 1e-9, (start, given, self.calls)
        assert self.t <= limit_s - reserve_s + 1e-9


def plan_cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, ["plan", *args], catch_exceptions=False)
    return r.exit_code, r.output


def outputs(out: Path) -> tuple[dict, str]:
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    return doc, (out / "report.html").read_text(encoding="utf-8")


# --- the deadline itself --------------------------------------------------------------------------
def test_deadline_reserve_keeping_and_reason():
    clock = [0.0]
    d = Deadline.start(30.0, clock=lambda: clock[0])
    assert d.reserve_s == pytest.approx(3.0)  # a tenth
    assert Deadline.start(5.0).reserve_s == pytest.approx(1.5)  # at least 1.5 s
    assert Deadline.start(2.0).reserve_s == pytest.approx(1.0)  # at most half
    clock[0] = 10.0
    assert d.left_s() == pytest.approx(20.0)
    kept = d.keeping(d.reserve_s)
    assert kept.left_s() == pytest.approx(17.0) and d.left_s() == pytest.approx(20.0)
    assert kept.allows(16.0) and not kept.allows(16.6)  # + 0.5 s least solver time
    assert kept.reason() == "time limit reached: 10.0 s of 30 s used"  # the root's numbers
    assert d.sized_by(10.0).reserve_s == pytest.approx(6.0)  # 0.6 x the option build
    assert d.sized_by(40.0).reserve_s == pytest.approx(15.0)  # still at most half
    assert d.sized_by(1.0).reserve_s == pytest.approx(3.0)  # never below the fixed reserve
    clock[0] = 40.0
    assert d.left_s() == 0.0
    assert d.not_computed(2.0) == (
        "not computed (time limit reached: 40.0 s of 30 s used, it needs about 2.5 s)"
    )


# --- the plan command, worst case: every solve uses all of its time -----------------------------
def test_split_comparison_is_skipped_for_time_and_says_so_everywhere(monkeypatch, tmp_path):
    """Retailer (split, escalation, federated): options take 6 s, so the reserve for the
    explanations and outputs is 0.6 x 6 = 3.6 s (more than a tenth of the limit), and the
    main solve takes all of its 20.4 s; nothing is left for the split-off comparison, which
    says so in the terminal, plan.json and the report, and the plan is still written and
    verified (exit 0)."""
    tl = Timeline(monkeypatch, solve_s=None, build_s=6.0)
    out = tmp_path / "out"
    code, text = plan_cli(str(RETAILER), "--out", str(out), "--time-limit", str(LIMIT_S))
    assert code == 0, text
    tl.assert_within(reserve_s=3.6)
    assert [given for _, given, _ in tl.calls] == [pytest.approx(LIMIT_S - 3.6 - 6.0)]
    doc, html = outputs(out)
    status = doc["burst"]["comparison"]["status"]
    assert status.startswith(TOO_LATE + "26.4 s of 30 s used"), status
    assert doc["burst"]["comparison"]["saving_usd_per_month"] is None
    assert f"split saving {status}" in text
    assert f"The comparison with a single-target placement was {status}." in html
    assert "the split is what makes" not in text + html  # skipped is not infeasible
    # the centralised alternative is blocked by residency (no solve), and still says why
    assert doc["federated"]["centralised"]["reasons"][0].startswith("demand-forecast: residency")


def test_centralised_comparison_is_skipped_for_time_and_says_so(monkeypatch, tmp_path):
    tl = Timeline(monkeypatch, solve_s=None, build_s=2.0)
    out = tmp_path / "out"
    code, text = plan_cli(str(FEDERATED), "--out", str(out), "--time-limit", str(LIMIT_S))
    assert code == 0, text
    tl.assert_within()
    assert len(tl.calls) == 1  # the centralised solve was not started
    doc, html = outputs(out)
    central = doc["federated"]["centralised"]
    assert central["offered"] is False
    (reason,) = central["reasons"]
    assert reason.startswith(TOO_LATE + "27.0 s of 30 s used"), reason
    assert f"federated vs centralised training {reason}" in text
    assert f"The comparison with centralised training was {reason}." in html


def test_option_build_that_takes_the_limit_fails_clearly_without_solving(monkeypatch):
    tl = Timeline(monkeypatch, solve_s=None, build_s=9.5)
    scn = advisor.load_scenario(RETAILER)
    with pytest.raises(advisor.SolverLimitReached) as stop:
        advisor.solve(scn, deadline=Deadline.start(10.0))
    assert tl.calls == []
    text = str(stop.value)
    assert "no time left for the solver" in text and "time_limit_s" in text
    assert "9.5 s of 10 s used" in text


# --- when time allows, the comparisons run, inside the same limit ------------------------------
@pytest.mark.parametrize("path", [RETAILER, FEDERATED], ids=lambda p: p.stem)
def test_comparisons_run_when_time_allows_and_share_the_limit(monkeypatch, tmp_path, path):
    tl = Timeline(monkeypatch, solve_s=1.0, build_s=2.0)
    out = tmp_path / "out"
    code, text = plan_cli(str(path), "--out", str(out), "--time-limit", str(LIMIT_S))
    assert code == 0, text
    tl.assert_within()
    assert len(tl.calls) == 2  # the plan, then its one comparison (split off / centralised)
    doc, _ = outputs(out)
    if path == RETAILER:
        assert doc["burst"]["comparison"]["status"] == "optimal"
        assert "splitting saves" in text
    else:
        assert doc["federated"]["centralised"]["offered"] is True
        assert "federated vs centralised training: " in text
    # the second solve got what was left after the first, not the whole limit again
    (s1, g1, _), (s2, g2, _) = tl.calls
    assert s2 >= s1 + 1.0 and g2 < g1


# --- sensitivity and the elastic diagnosis take their time from the same deadline ------------
@pytest.fixture(scope="module")
def capped_file(tmp_path_factory) -> Path:
    """One binding power cap (tests/test_sensitivity_and_warm.py): one sensitivity re-solve."""
    scn = scenario([gpu8("w1", 730), gpu8("w2", 400)], sites=(site(power={"max_kw": 12}),))
    path = tmp_path_factory.mktemp("capped") / "capped.yaml"
    data = scn.model_dump(mode="json", exclude_none=True, exclude={"uncertainty"})
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("solve_s", [1.0, None], ids=["fits", "worst-case"])
def test_sensitivity_re_solves_share_what_is_left(monkeypatch, tmp_path, capped_file, solve_s):
    tl = Timeline(monkeypatch, solve_s=solve_s, build_s=1.0)
    out = tmp_path / "out"
    code, text = plan_cli(
        str(capped_file), "--out", str(out), "--time-limit", str(LIMIT_S), "--sensitivity"
    )
    assert code == 0, text
    tl.assert_within()
    (row,) = json.loads((out / "plan.json").read_text())["sensitivity"]
    if solve_s is not None:
        assert len(tl.calls) == 2 and row["method"].startswith("re-solve (warm start)")
        assert row["saving_usd_per_month"] > 0
    else:
        assert len(tl.calls) == 1
        assert row["method"].startswith(TOO_LATE + "27.0 s of 30 s used"), row["method"]
        assert f"binding: power[dc] (value of relaxing {row['method']})" in text
        html = (out / "report.html").read_text(encoding="utf-8")
        assert "not computed for this plan (time limit reached: 27.0 s of 30 s used)" in html
        assert "A longer --time-limit leaves time for it." in html


def test_both_elastic_re_solves_fit_in_what_is_left(monkeypatch):
    """Two workloads that may run only on a site holding one box, and a budget: the
    limits-only elastic re-solve cannot help, so a second one relaxes capacity; the three
    solves share the limit."""
    tl = Timeline(monkeypatch, solve_s=1.0, build_s=1.0)
    local = {"allowed_tiers": ["local"]}
    scn = scenario(
        [gpu8("w1", 730, **local), gpu8("w2", 400, **local)],
        sites=(site(owned=1, buy=0),),
        budgets=[{"scope": "all", "opex_usd_per_month_max": 1e6}],
    )
    with pytest.raises(advisor.InfeasibleScenario) as info:
        advisor.solve(scn, deadline=Deadline.start(LIMIT_S))
    assert [elastic for _, _, elastic in tl.calls] == [False, True, True]
    tl.assert_within()
    assert any(c.kind == "capacity" for c in info.value.conflicts)


def test_no_elastic_re_solve_starts_when_nothing_is_left(monkeypatch):
    tl = Timeline(monkeypatch, solve_s=None, build_s=1.0)
    scn = scenario(
        [gpu8("w1", 730, allowed_tiers=["local"]), gpu8("w2", 400, allowed_tiers=["local"])],
        sites=(site(owned=1, buy=0),),
    )
    with pytest.raises(advisor.SolverLimitReached) as stop:
        advisor.solve(scn, deadline=Deadline.start(LIMIT_S))
    assert len(tl.calls) == 1
    tl.assert_within()
    assert "elastic re-solve was not started" in str(stop.value)
    assert "time_limit_s" in str(stop.value)


# --- counted from the process's start --------------------------------------------------------
def test_process_start_is_read_on_the_deadlines_clock():
    """A child that has run for at least 0.4 s (Python's start-up, then a sleep) finds its
    process start at least that far back on the deadline's clock, and not minutes back."""
    import subprocess
    import sys

    child = (
        "import time\n"
        "time.sleep(0.4)\n"
        "from advisor.plan.deadline import now, process_started_s\n"
        "began = process_started_s()\n"
        "print('none' if began is None else now() - began)\n"
    )
    p = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
    age = p.stdout.strip()
    if sys.platform.startswith("linux"):
        assert 0.4 <= float(age) < 300.0, age
    else:
        assert age == "none"


def test_plan_counts_the_limit_from_the_process_start(monkeypatch, tmp_path):
    """The console entry point records the process's start and ``plan`` counts from it: a
    process that began 1,000 s ago (on the deadline's clock) has no time left under a 30 s
    limit, and says so (exit 3) instead of solving past it; started now, the same command
    plans. (``main()`` alone, as in-process callers run it, counts from the command.)"""
    import importlib

    cli_app = importlib.import_module("advisor.cli.app")  # the module, not the Typer app
    clock = [5_000.0]
    monkeypatch.setattr(deadline_mod, "now", lambda: clock[0])
    monkeypatch.setattr(cli_app, "_started", {"s": clock[0] - 1_000.0})
    code, text = plan_cli(str(FEDERATED), "--out", str(tmp_path / "late"), "--time-limit", "30")
    assert code == 3, text
    assert "time limit" in text and not (tmp_path / "late" / "plan.json").exists()
    monkeypatch.setattr(cli_app, "_started", {"s": clock[0]})
    code, text = plan_cli(str(FEDERATED), "--out", str(tmp_path / "now"), "--time-limit", "30")
    assert code == 0, text


# --- end to end, real time ------------------------------------------------------------------------
def test_retailer_with_a_small_time_limit_computes_or_says_why(tmp_path):
    """The retailer under a 10 s limit on whatever machine runs this: the plan is written
    (exit 0), and each comparison is computed or says it was skipped for time."""
    out = tmp_path / "out"
    code, text = plan_cli(str(RETAILER), "--out", str(out), "--time-limit", "10")
    assert code == 0, text
    doc, html = outputs(out)
    status = doc["burst"]["comparison"]["status"]
    if status.startswith("not computed"):
        assert status.startswith(TOO_LATE) and f"split saving {status}" in text
    else:
        assert status in ("optimal", "feasible") and "splitting saves" in text
    central = doc["federated"]["centralised"]
    assert central["reasons"][0].startswith(("demand-forecast: residency", TOO_LATE))
    assert doc["cascades"]  # escalation edges are reported (no extra solve)
    assert "Federated or centralised?" in html


def test_centralised_comparison_is_priced_with_the_plans_catalog(monkeypatch):
    """The plan's own catalog (``--catalog``, ``advisor.solve(scn, catalog)``) prices the
    centralised alternative too: the scenario's catalog is never looked up again."""
    scn = advisor.load_scenario(FEDERATED)
    cat = advisor.Catalog.load()
    plan = advisor.solve(scn, cat, mip_gap=0.0)
    assert plan.base_catalog is cat

    def refuse(*_args, **_kwargs):
        raise AssertionError("the centralised solve looked the catalog up again")

    monkeypatch.setattr(planner, "catalog_for", refuse)
    c = plan.with_centralised(60.0).centralised
    assert c is not None and c.offered and c.computed
