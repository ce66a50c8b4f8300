"""``advisor compare`` inputs and the cost gate for pull requests.

``A`` and ``B`` may each be a scenario (solved here), a ``plan.json``, or ``git:REV:PATH``
(read with ``git show REV:./PATH`` from the current directory's repository, together with
the inventories and catalog folder the scenario names, at the same revision).
``--fail-on-increase 5%`` (relative to A's monthly total) or ``1000`` (USD per month) makes
the command exit with :data:`GATE_EXIT` when B costs more than that.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from advisor.errors import AdvisorError
from advisor.safeio import atomic_write_bytes

GATE_EXIT = 4
"""Exit code of ``advisor compare`` when the cost gate fails (0/1/2/3 are taken)."""


class SourceError(AdvisorError):
    """A compare input that cannot be read (bad ``git:`` reference, missing file)."""

    exit_code = 2


@dataclass(frozen=True)
class Threshold:
    """A cost-gate limit: a fraction of A's monthly total, or USD per month."""

    value: float
    relative: bool

    @property
    def text(self) -> str:
        return f"{self.value:.4g}%" if self.relative else f"${self.value:,.0f}/month"

    def exceeded(self, before_usd: float, after_usd: float) -> bool:
        delta = after_usd - before_usd
        if self.relative:
            return (before_usd > 0 and delta > self.value / 100 * before_usd) or (
                before_usd <= 0 and delta > 0
            )
        return delta > self.value


def parse_threshold(text: str) -> Threshold:
    """``5%`` or ``1000`` (USD per month).

    >>> parse_threshold("5%"), parse_threshold("1,000").text
    (Threshold(value=5.0, relative=True), '$1,000/month')
    """
    raw = text.strip().replace(",", "").replace("$", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(%?)", raw)
    if not m:
        raise ValueError(
            f"--fail-on-increase takes a percentage (5%) or USD per month (1000), not {text!r}"
        )
    return Threshold(float(m.group(1)), relative=bool(m.group(2)))


def _git_show(rev: str, path: str, cwd: Path) -> bytes:
    spec = f"{rev}:{path}" if path.startswith("/") else f"{rev}:./{path}"
    done = subprocess.run(["git", "show", spec], cwd=cwd, capture_output=True)
    if done.returncode != 0:
        msg = done.stderr.decode(errors="replace").strip().splitlines()
        raise SourceError(f"git:{rev}:{path}: {msg[-1] if msg else 'git show failed'}")
    return done.stdout


def _git_tree(rev: str, folder: str, cwd: Path) -> list[str]:
    done = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", rev, f"./{folder}/"],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    return done.stdout.split() if done.returncode == 0 else []


def materialise(ref: str, workdir: Path, cwd: Path | None = None) -> Path:
    """Copy ``git:REV:PATH`` (and the files a scenario names) into ``workdir``; a local path."""
    cwd = cwd or Path.cwd()
    try:
        _, rev, path = ref.split(":", 2)
    except ValueError:
        raise SourceError(f"{ref}: expected git:REV:PATH, e.g. git:main:scenario.yaml") from None
    if not rev or not path:
        raise SourceError(f"{ref}: expected git:REV:PATH, e.g. git:HEAD~1:scenario.yaml")
    base = PurePosixPath(path).parent
    target = workdir / PurePosixPath(path).name
    atomic_write_bytes(target, _git_show(rev, path, cwd))
    if target.suffix.lower() == ".json":
        return target
    try:
        doc = yaml.safe_load(target.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return target  # the loader reports the error with file and line
    if not isinstance(doc, dict):
        return target
    for rel in doc.get("workload_inventories") or []:
        dest = workdir / str(rel)
        if not dest.resolve().is_relative_to(workdir.resolve()):  # "../x" must not escape
            raise SourceError(
                f"{ref}: inventory path {str(rel)[:200]!r} leaves the scenario folder"
            )
        atomic_write_bytes(dest, _git_show(rev, str(base / rel), cwd))
    if isinstance(doc.get("catalog"), str):
        folder = PurePosixPath(base / doc["catalog"])
        for name in _git_tree(rev, str(folder), cwd):  # paths relative to cwd, like folder
            dest = workdir / doc["catalog"] / PurePosixPath(name).relative_to(folder)
            if not dest.resolve().is_relative_to(workdir.resolve()):
                raise SourceError(f"{ref}: catalog path leaves the scenario folder")
            atomic_write_bytes(dest, _git_show(rev, name, cwd))
    return target


def load_side(ref: str, workdir: Path):
    """A plan (solved from a scenario) or a ``plan.json`` dict for one side of a comparison."""
    from advisor.plan.compare import load_plan_json

    path = materialise(ref, workdir) if ref.startswith("git:") else Path(ref)
    if not path.exists():
        raise SourceError(f"{ref}: no such file")
    if path.suffix.lower() == ".json":
        return load_plan_json(path)
    from advisor import load_scenario, solve

    return solve(load_scenario(path), sensitivity=False)


def run_gate(a: str, b: str, threshold: Threshold | None):
    """Both sides, their comparison and the gate verdict (``None`` without a threshold)."""
    from advisor.plan.compare import compare

    with tempfile.TemporaryDirectory(prefix="advisor-compare-") as tmp:
        (Path(tmp) / "a").mkdir()
        (Path(tmp) / "b").mkdir()
        plan_a = load_side(a, Path(tmp) / "a")
        plan_b = load_side(b, Path(tmp) / "b")
    comp = compare(plan_a, plan_b)
    gate = None
    if threshold is not None:
        before = comp.kpis_a["monthly_total_usd"]
        after = comp.kpis_b["monthly_total_usd"]
        gate = {
            "limit_text": threshold.text,
            "failed": threshold.exceeded(before, after),
            "exit_code": GATE_EXIT,
        }
    return comp, plan_a, plan_b, gate
