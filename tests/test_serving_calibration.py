"""The serving model against published benchmarks (tests/data/serving_benchmarks.csv)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from advisor.catalog import Catalog
from advisor.options.calibration import EXCEPTIONS, TOLERANCE, calibration_table, load_benchmarks
from advisor.schema.presets import preset_names

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "tests" / "data" / "serving_benchmarks.csv"


@pytest.fixture(scope="module")
def bench() -> pd.DataFrame:
    return load_benchmarks(BENCH)


@pytest.fixture(scope="module")
def table(bench) -> pd.DataFrame:
    return calibration_table(bench, Catalog.load().accelerators)


def test_benchmarks_are_cited_and_cover_the_required_cases(bench):
    assert len(bench) >= 10
    assert bench["id"].is_unique
    assert bench["source_url"].str.startswith("https://").all()
    assert bench["published_date"].astype(str).str.match(r"^\d{4}(-\d{2}){0,2}$").all()
    assert set(bench["model"]) <= set(preset_names())
    accs = set(Catalog.load().accelerators["accelerator"])
    assert set(bench["accelerator"]) <= accs
    # MLPerf Llama 2 70B on H100 and 8 x H200, in both scenarios; 8B-class on H100 and A100
    mlperf = bench[bench["id"].str.startswith("mlperf")]
    assert {"H100", "H200"} <= set(mlperf["accelerator"])
    assert {"offline", "server"} <= set(mlperf["scenario"])
    assert ((mlperf["accelerator"] == "H200") & (mlperf["gpus"] == 8)).any()
    small = bench[bench["model"] == "llama-3.1-8b"]
    assert {"H100", "A100"} <= set(small["accelerator"])


def test_every_point_within_tolerance_or_a_listed_exception(table):
    bad = table[(table["error"].abs() > TOLERANCE) & ~table["id"].isin(list(EXCEPTIONS))]
    assert bad.empty, bad.to_string()
    assert set(EXCEPTIONS) <= set(table["id"])


def test_server_scenarios_respect_their_latency_limits(bench, table):
    server = bench["scenario"] == "server"
    assert server.any()
    merged = table.merge(bench, on="id")[server.to_numpy()]
    offline = table.set_index("id")["ours"]
    for r in merged.itertuples():
        twin = r.id.replace("-server", "-offline")
        assert r.ours <= offline[twin] + 1e-6  # a latency limit never adds throughput


def test_calibration_document_matches_the_model(bench, table):
    spec = importlib.util.spec_from_file_location("fit_serving", ROOT / "tools" / "fit_serving.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import advisor.options.serving as serving

    constants = {k: getattr(serving, k) for k in mod.GRID}
    expected = mod.markdown(table, constants, bench)
    assert (ROOT / "docs" / "serving-calibration.md").read_text() == expected, (
        "docs/serving-calibration.md is stale: run python tools/fit_serving.py --no-fit --write"
    )
