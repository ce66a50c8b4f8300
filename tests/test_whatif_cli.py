"""``advisor sweep`` and ``advisor montecarlo`` as a user runs them (exit codes, files)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from advisor.cli import app

ROOT = Path(__file__).resolve().parents[1]
INSURER = str(ROOT / "examples/eu-insurer.yaml")
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_sweep_writes_csv_and_offline_html(tmp_path: Path):
    r = run(
        "sweep", INSURER, "price:aws", "0.4:1.2:0.4", "--engine", "inline", "--out", str(tmp_path)
    )
    assert r.exit_code == 0, r.stdout
    assert "sweep of price:aws" in r.stdout
    frame = pd.read_csv(tmp_path / "sweep.csv")
    assert list(frame["value"]) == [0.4, 0.8, 1.2]
    assert (frame["status"] == "optimal").all()
    assert frame["monthly_total_usd"].is_monotonic_increasing
    page = (tmp_path / "sweep.html").read_text()
    assert "<script src=" not in page and "cdn.plot.ly" not in page.split("</script>")[-1]
    for section in ("What varied and how", 'id="points-table"', '<section id="plans">'):
        assert section in page, section


def test_sweep_json_and_infeasible_points(tmp_path: Path):
    r = run(
        "sweep",
        INSURER,
        "budget:all",
        "100000",
        "1000",
        "--engine",
        "inline",
        "--format",
        "json",
        "--out",
        str(tmp_path),
    )
    assert r.exit_code == 0, r.stdout
    rows = json.loads(r.stdout)
    assert [x["status"] for x in rows] == ["optimal", "infeasible"]
    assert "short by" in rows[1]["message"]


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["prise:aws", "1"], "did you mean 'price:aws'"),
        (["demand", "none"], "'none' is not a value"),
        (["slo:claim-llm", "100"], "did you mean 'claims-llm'"),
    ],
)
def test_sweep_bad_input_exit_2(args, text, tmp_path: Path):
    r = run("sweep", INSURER, *args, "--engine", "inline", "--out", str(tmp_path))
    assert r.exit_code == 2
    assert text in r.stderr


def test_sweep_bad_values_and_engine(tmp_path: Path):
    r = runner.invoke(app, ["sweep", INSURER, "price", "cheap", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "not a number" in r.stderr
    r = run("sweep", INSURER, "price", "1", "2", "--engine", "spark", "--out", str(tmp_path))
    assert r.exit_code == 2 and "unknown engine" in r.stderr


def test_montecarlo_prints_robust_plan(tmp_path: Path):
    r = run(
        "montecarlo",
        INSURER,
        "-n",
        "4",
        "--engine",
        "inline",
        "--out",
        str(tmp_path),
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.stdout
    out = json.loads(r.stdout)
    assert out["samples"] == 4
    assert out["robust"] in {c["candidate"] for c in out["candidates"]}
    assert len(pd.read_csv(tmp_path / "montecarlo.csv")) == 4
    page = (tmp_path / "montecarlo.html").read_text()
    assert len(page) > 1_000_000  # plotly.js inlined
    for section in ("What varied and how", "Candidate plans", "plan 0", 'id="samples-table"'):
        assert section in page, section


@pytest.mark.slow
def test_sweep_on_a_dask_scheduler_from_the_command_line(tmp_path: Path):
    """The real console script against a real scheduler on loopback."""
    distributed = pytest.importorskip("distributed")
    exe = Path(sys.executable).with_name("advisor")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=":0"
    ) as cluster:
        proc = subprocess.run(
            [
                str(exe),
                "sweep",
                INSURER,
                "price:aws",
                "0.5",
                "1.0",
                "--engine",
                "dask",
                "--scheduler",
                cluster.scheduler_address,
                "--out",
                str(tmp_path),
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    local = run(
        "sweep",
        INSURER,
        "price:aws",
        "0.5",
        "1.0",
        "--engine",
        "inline",
        "--format",
        "json",
        "--out",
        str(tmp_path / "l"),
    )
    expect = json.loads(local.stdout)
    for a, b in zip(rows, expect, strict=True):
        a.pop("seconds"), b.pop("seconds")
        assert a == b
