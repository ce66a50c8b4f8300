"""The pull-request cost gate: compare two git revisions of a scenario, markdown, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from advisor.cli import app
from advisor.cli.gate import GATE_EXIT, materialise, parse_threshold

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A git repository with two commits of a scenario: AWS prices go up 20% in the second."""
    repo = tmp_path_factory.mktemp("repo")
    _git(repo, "init", "-q")
    doc = yaml.safe_load((ROOT / "examples/eu-insurer.yaml").read_text())
    (repo / "scenario.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    _git(repo, "add", "scenario.yaml")
    _git(repo, "commit", "-qm", "baseline")
    doc.setdefault("overrides", {}).setdefault("prices", []).append(
        {"provider": "aws", "factor": 1.2, "note": "AWS up 20%"}
    )
    (repo / "scenario.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    _git(repo, "commit", "-qam", "aws up 20%")
    return repo


@pytest.fixture(scope="module")
def totals(repo) -> tuple[float, float]:
    """Monthly totals of the two revisions, solved through the API (what the gate must show)."""
    import advisor

    scn = advisor.load_scenario(ROOT / "examples/eu-insurer.yaml")
    before = advisor.solve(scn).kpis["monthly_total_usd"]
    after = advisor.solve(scn.with_prices("aws", factor=1.2)).kpis["monthly_total_usd"]
    return before, after


def _money(x: float) -> str:
    return f"{'-' if x < 0 else '+'}${abs(x):,.0f}"


def _compare(repo: Path, monkeypatch, *args: str):
    monkeypatch.chdir(repo)
    return runner.invoke(app, ["compare", *args, "--out", str(repo / "out")])


def test_gate_fails_on_a_relative_increase(repo, monkeypatch, totals):
    before, after = totals
    pct = (after - before) / before
    assert pct > 0.002, "AWS up 20% must raise the insurer's cost for this test to mean much"
    limit = pct / 2
    r = _compare(
        repo,
        monkeypatch,
        "git:HEAD~1:scenario.yaml",
        "git:HEAD:scenario.yaml",
        "--format",
        "markdown",
        "--fail-on-increase",
        f"{limit * 100:.2f}%",
    )
    assert r.exit_code == GATE_EXIT == 4, r.output
    md = r.stdout
    assert md.startswith("### advisor cost check: eu-insurer")
    assert f"**Monthly cost ${before:,.0f} → ${after:,.0f} ({_money(after - before)}" in md
    assert "❌ **Cost gate:**" in md and "exceeds the limit of" in md
    assert "| call-transcription | aws:eu-north-1 g4dn.xlarge |" in md  # moved or repriced
    assert "price per hour" in md
    assert "#### New purchases (0)" in md and "None binds." in md
    assert (repo / "out" / "compare.html").exists()


def test_gate_passes_under_an_absolute_limit(repo, monkeypatch, totals):
    before, after = totals
    limit = (after - before) * 2 + 1
    r = _compare(
        repo,
        monkeypatch,
        "git:HEAD~1:scenario.yaml",
        "scenario.yaml",  # the working tree is the second commit
        "--format",
        "json",
        "--fail-on-increase",
        f"{limit:.0f}",
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["gate"] == {"limit_text": f"${limit:,.0f}/month", "failed": False, "exit_code": 4}
    assert out["delta_usd_per_month"] == pytest.approx(after - before, abs=0.01)


def test_plan_json_sides_and_a_decrease(repo, monkeypatch, tmp_path, totals):
    monkeypatch.chdir(repo)
    before = materialise("git:HEAD~1:scenario.yaml", _fresh(tmp_path / "src"))
    for name, scenario in (("a", str(before)), ("b", "scenario.yaml")):
        r = runner.invoke(app, ["plan", scenario, "--out", str(tmp_path / name), "-q"])
        assert r.exit_code == 0, r.output
    a, b = str(tmp_path / "a/plan.json"), str(tmp_path / "b/plan.json")
    # B -> A is a decrease: the gate passes even at 0%
    r = runner.invoke(
        app, ["compare", b, a, "--fail-on-increase", "0%", "-f", "markdown", "-o", str(tmp_path)]
    )
    assert r.exit_code == 0, r.output
    before, after = totals
    assert f"({_money(before - after)}, -" in r.stdout and "✅ **Cost gate:**" in r.stdout


def _fresh(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_bad_inputs_exit_2(repo, monkeypatch):
    r = _compare(repo, monkeypatch, "git:nosuchrev:scenario.yaml", "scenario.yaml")
    assert r.exit_code == 2 and "git:nosuchrev:scenario.yaml" in r.stderr
    r = _compare(repo, monkeypatch, "scenario.yaml", "scenario.yaml", "--fail-on-increase", "lots")
    assert r.exit_code == 2 and "percentage" in r.stderr
    r = _compare(repo, monkeypatch, "scenario.yaml", "scenario.yaml", "--format", "xml")
    assert r.exit_code == 2


def test_git_sources_bring_their_inventories(tmp_path):
    """A scenario read from git comes with the inventory files it names, at that revision."""
    repo = tmp_path / "r"
    shutil.copytree(ROOT / "examples", repo / "examples")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "x")
    dest = _fresh(tmp_path / "w")
    path = materialise("git:HEAD:examples/saas-fleet.yaml", dest, cwd=repo)
    assert path.read_bytes() == (ROOT / "examples/saas-fleet.yaml").read_bytes()
    assert (dest / "saas-inventory.csv").read_bytes() == (
        ROOT / "examples/saas-inventory.csv"
    ).read_bytes()


def test_thresholds():
    assert parse_threshold("5%").exceeded(100.0, 105.1)
    assert not parse_threshold("5%").exceeded(100.0, 105.0)
    assert parse_threshold("1000").exceeded(0.0, 1000.5)
    assert not parse_threshold("$1,000").exceeded(5000.0, 5999.0)
    with pytest.raises(ValueError):
        parse_threshold("-5%")


def test_only_changed_prints_nothing_for_an_unchanged_scenario(repo, monkeypatch):
    r = _compare(
        repo,
        monkeypatch,
        "git:HEAD:scenario.yaml",
        "scenario.yaml",
        "-f",
        "markdown",
        "--only-changed",
    )
    assert r.exit_code == 0 and r.stdout == ""
    r = _compare(repo, monkeypatch, "git:HEAD:scenario.yaml", "scenario.yaml", "-f", "markdown")
    assert "Nothing moved." in r.stdout and "($0, +0.0%)" in r.stdout
