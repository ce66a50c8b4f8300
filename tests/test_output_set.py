"""Issue 14 defect 4: the outputs of a run are whole as a set, even under ``kill -9`` and
concurrent runs into one folder (plus: other commands' files survive, an infeasible run drops
the last plan's files)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from robust_helpers import TINY, cli, write_yaml

from advisor.errors import OutputError
from advisor.safeio.outset import folder_lock, verify_output_set, write_output_set

PLAN_FILES = ("plan.json", "plan.csv", "report.html", "focus.csv")
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def _markers(folder: Path) -> set[str]:
    """The run marker each file carries (the first line)."""
    return {(folder / n).read_text().split("\n", 1)[0] for n in PLAN_FILES}


WRITER = textwrap.dedent(
    """
    import sys
    from advisor.safeio.outset import write_output_set
    out, start = sys.argv[1], int(sys.argv[2])
    big = "x" * 1_000_000
    print("ready", flush=True)
    for i in range(start, start + 10_000):
        marker = f"run-{i}"
        files = {n: f"{marker}\\n{big}" for n in ("plan.json", "plan.csv", "report.html", "focus.csv")}
        write_output_set(out, files, command="plan")
    """
)


def test_kill_minus_9_while_writing_leaves_one_whole_set(tmp_path):
    out = tmp_path / "out"
    write_output_set(out, {n: "first\n" for n in PLAN_FILES}, command="plan")
    rng = random.Random(14)
    seen: set[str] = set()
    for k in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(out), str(k * 10_000)],
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.05, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        markers = _markers(out)
        assert len(markers) == 1, f"kill {k}: files from several runs: {markers}"
        assert verify_output_set(out) == []
        seen |= markers
    assert len(seen) > 1, "no killed run ever completed a set; the kill window is too early"
    # the next run cleans up whatever the killed ones left beside the folder
    write_output_set(out, {n: "final\n" for n in PLAN_FILES}, command="plan")
    assert _markers(out) == {"final"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


def _plan_proc(scn: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "advisor", "plan", str(scn), "--out", str(out), "-q"],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _plan_identity(out: Path) -> set[str]:
    """Which run wrote each file: the scenario name in plan.json, focus.csv and report.html,
    and the manifest's hashes for every file."""
    name = json.loads((out / "plan.json").read_text())["scenario"]
    assert "x_Scenario" in (out / "focus.csv").read_text()
    for other in ("focus.csv", "report.html"):
        text = (out / other).read_text()
        for candidate in ("run-a", "run-b"):
            if candidate != name:
                assert candidate not in text, f"{other} is from {candidate}, plan.json from {name}"
    assert verify_output_set(out) == []
    return {name}


@pytest.mark.slow
def test_kill_minus_9_during_real_plans(tmp_path):
    a = write_yaml(tmp_path / "a.yaml", {**TINY, "name": "run-a"})
    b = write_yaml(tmp_path / "b.yaml", {**TINY, "name": "run-b"})
    out = tmp_path / "out"
    assert cli("plan", a, "--out", out, "-q").code == 0
    rng = random.Random(7)
    for _ in range(3):
        proc = _plan_proc(b, out)
        time.sleep(rng.uniform(2.0, 6.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _plan_identity(out)


def test_concurrent_plans_into_one_folder(tmp_path):
    a = write_yaml(tmp_path / "a.yaml", {**TINY, "name": "run-a"})
    b = write_yaml(tmp_path / "b.yaml", {**TINY, "name": "run-b"})
    out = tmp_path / "out"
    procs = [_plan_proc(a, out), _plan_proc(b, out)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    assert len(_plan_identity(out)) == 1
    assert sorted(p.name for p in out.iterdir()) == sorted([*PLAN_FILES, "manifest.json"])


def test_second_writer_waits_for_the_lock(tmp_path):
    out = tmp_path / "out"
    out.parent.mkdir(exist_ok=True)
    held = threading.Event()
    release = threading.Event()

    def holder():
        with folder_lock(out):
            held.set()
            release.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(5)
    waited: list[str] = []
    threading.Timer(0.3, release.set).start()
    write_output_set(out, {"a.txt": "1"}, on_wait=waited.append)
    t.join()
    assert waited and "waiting for another advisor run" in waited[0]
    assert (out / "a.txt").read_text() == "1"


def test_writer_fails_clearly_when_the_lock_stays_held(tmp_path):
    out = tmp_path / "out"
    held, release = threading.Event(), threading.Event()

    def holder():
        with folder_lock(out):
            held.set()
            release.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(5)
    try:
        with pytest.raises(OutputError, match="another advisor run"):
            write_output_set(out, {"a.txt": "1"}, lock_timeout_s=0.2)
    finally:
        release.set()
        t.join()
    assert not out.exists()


def test_other_commands_files_survive_and_infeasible_drops_the_old_plan(tmp_path):
    scn = write_yaml(tmp_path / "s.yaml", TINY)
    out = tmp_path / "out"
    assert cli("plan", scn, "--out", out, "-q").code == 0
    (out / "sweep.csv").write_text("kept\n")
    assert cli("plan", scn, "--out", out, "-q").code == 0
    assert (out / "sweep.csv").read_text() == "kept\n"
    infeasible = {**TINY, "budgets": [{"scope": "all", "opex_usd_per_month_max": 1}]}
    r = cli("plan", write_yaml(tmp_path / "inf.yaml", infeasible), "--out", out, "-q")
    assert r.code == 1, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["manifest.json", "report.html", "sweep.csv"]
    assert "no feasible plan" in (out / "report.html").read_text().lower()


def test_out_symlink_to_a_folder_is_followed_not_replaced(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    write_output_set(link, {"a.txt": "1"})
    assert link.is_symlink() and (real / "a.txt").read_text() == "1"


def test_a_folder_advisor_did_not_write_is_never_replaced(tmp_path, monkeypatch):
    scn = write_yaml(tmp_path / "s.yaml", TINY)
    r = cli("plan", scn, "--out", tmp_path, "-q")  # tmp_path holds the scenario itself
    assert r.code == 2, r.output
    assert "advisor did not write" in r.output and "s.yaml" in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]
    monkeypatch.chdir(tmp_path / "..")
    sub = tmp_path / "work"
    sub.mkdir()
    monkeypatch.chdir(sub)
    r = cli("plan", scn, "--out", ".", "-q")
    assert r.code == 2, r.output
    assert "working directory" in r.output


def test_legacy_output_folder_without_manifest_is_accepted(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text("{}")
    (out / "sweep.csv").write_text("old sweep\n")
    write_output_set(out, {"plan.json": "new"}, owns=PLAN_FILES, command="plan")
    assert (out / "plan.json").read_text() == "new"
    assert (out / "sweep.csv").read_text() == "old sweep\n"


def test_one_atomic_write_helper_and_the_plan_stage_writes_no_files():
    """Issue 13 §4: one atomic-write helper (advisor.safeio), and the plan stage neither writes
    files nor renders report pages to files (the report layer and the CLI do)."""
    root = Path(__file__).resolve().parents[1] / "advisor"
    writers = ("os.replace(", "mkstemp(", ".write_text(", ".write_bytes(", "write_atomic(")
    offenders = [
        f"{p.relative_to(root)}: {w}"
        for p in root.rglob("*.py")
        if "safeio" not in p.parts
        for w in writers
        if w in p.read_text(encoding="utf-8")
    ]
    assert offenders == []
    assert not (root / "plan" / "io.py").exists()
    for p in (root / "plan").glob("*.py"):
        text = p.read_text(encoding="utf-8")
        assert "write_report" not in text and "report.html" not in text, p.name
