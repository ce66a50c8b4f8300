"""CLI conventions: --version, --format as a choice, formatted numbers, progress lines off a
terminal, solver progress, tables that keep ids whole at 80 columns, catalog --columns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import advisor
from advisor.cli import app
from advisor.cli.render import progress
from advisor.cli.tables import print_table

ROOT = Path(__file__).resolve().parents[1]
INSURER = str(ROOT / "examples/eu-insurer.yaml")
runner = CliRunner()


def test_version():
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.stdout.strip() == f"advisor {advisor.__version__}"


@pytest.mark.parametrize(
    "args",
    [
        ["validate", INSURER, "--format", "xml"],
        ["plan", INSURER, "--format", "yaml"],
        ["compare", INSURER, INSURER, "--format", "html"],
        ["catalog", "show", "regions", "--format", "csv"],
    ],
    ids=lambda a: a[0],
)
def test_unknown_format_exits_2(args):
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert "is not one of" in r.output


def test_plan_output_at_80_columns(tmp_path):
    r = runner.invoke(app, ["plan", INSURER, "--out", str(tmp_path)], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert max(len(x) for x in lines if not x.startswith("wrote ")) <= 80
    for wid in ("claims-llm", "call-transcription", "customer-chat"):
        assert any(wid in x for x in lines), wid  # whole, never folded across lines
    assert "$-" not in r.stdout
    assert not re.search(r"(?<![\d.,])\d{4,}(?![\d.,])", r.stdout.replace(str(tmp_path), ""))


def test_progress_off_a_terminal_is_clean_lines(tmp_path):
    r = runner.invoke(app, ["plan", INSURER, "--out", str(tmp_path)])
    assert r.exit_code == 0
    steps = [x for x in r.stderr.splitlines() if x.strip()]
    assert steps and all(re.match(r"^\s+\d+\.\d s  \S", x) for x in steps), steps
    assert any("solving" in x for x in steps) and any("explaining" in x for x in steps)
    assert ".py:" not in r.stderr


def test_solver_progress_reaches_the_caller():
    infos = []

    class Progress:
        def __init__(self):
            self.steps = []

        def __call__(self, text):
            self.steps.append(text)

        solver = staticmethod(infos.append)

    p = Progress()
    plan = advisor.solve(advisor.load_scenario(INSURER), progress=p)
    assert any(s.startswith("explaining") for s in p.steps)
    assert infos and all(i["elapsed_s"] >= 0 for i in infos)
    # the solver's own objective: the plan's objective less the owned boxes' fixed cost
    assert infos[-1]["incumbent"] == pytest.approx(plan.solution.objective)
    assert infos[-1]["gap"] == pytest.approx(0.0, abs=1e-3)


def test_progress_context_prints_solver_lines_every_few_seconds():
    console = Console(record=True, width=100, force_terminal=False)
    with progress(console, enabled=True) as step:
        step("solving (10 options)")
        for t in (0.5, 1.0, 6.0, 7.0, 12.0):
            step.solver({"elapsed_s": t, "incumbent": 1234.6, "bound": 1200.0, "gap": 0.028})
    text = console.export_text()
    assert text.count("best objective $1,235, bound $1,200, gap 2.80%") == 2


def test_tables_keep_ids_whole():
    ids = [f"workload-with-a-long-id-{i:02d}" for i in range(3)]
    rows = [(i, "aws:eu-central-1", "p5.48xlarge", "on_demand", "$98,765") for i in ids]
    cols = ("workload", "target", "hardware", "pricing", "USD/month")
    for width in (40, 80, 120):
        console = Console(record=True, width=width)
        print_table(console, cols, rows, optional=("pricing",))
        text = console.export_text()
        assert all(i in text for i in ids), (width, text)
        assert "aws:eu-central-1" in text


def test_catalog_show_columns(tmp_path):
    r = runner.invoke(
        app,
        [
            "catalog",
            "show",
            "instance_prices",
            "--columns",
            "provider,region,instance_type",
            "-w",
            "provider=azure",
            "--limit",
            "5",
        ],
        env={"COLUMNS": "80"},
    )
    assert r.exit_code == 0, r.output
    header = next(x for x in r.stdout.splitlines() if "instance_type" in x)
    assert header.split()[0:5:2] == ["provider", "region", "instance_type"]
    assert "…" not in r.stdout
    r = runner.invoke(app, ["catalog", "show", "regions", "--columns", "provider,regoin"])
    assert r.exit_code == 2 and "region" in r.stderr
