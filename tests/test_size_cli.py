"""`advisor size`: the serving calculator on the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from advisor.cli.app import app

runner = CliRunner()


def _json(*args: str) -> dict:
    r = runner.invoke(app, ["size", *args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_70b_on_8xh100_serves_the_example_demand_in_one_box():
    out = _json(
        "--preset",
        "llama-3.1-70b",
        "--accelerator",
        "H100",
        "--count",
        "8",
        "--precision",
        "fp8",
        "--output-tokens",
        "500",
        "--requests-per-second",
        "3",
    )
    assert out["boxes_needed"] == 1
    assert out["fits"] and out["slo_met"]
    assert out["kv_bytes_per_token"] == 80 * 8 * 128 * 2  # fp8 KV cache
    assert out["tokens_per_s"] >= 1500
    assert out["batch_bound"] in ("kv_memory", "max_batch", "ttft", "tpot")


def test_targets_are_checked_at_the_reported_batch():
    out = _json(
        "--preset",
        "llama-3.1-8b",
        "--accelerator",
        "H100",
        "--precision",
        "fp8",
        "--prompt-tokens",
        "2000",
        "--output-tokens",
        "300",
        "--ttft-ms",
        "400",
        "--tpot-ms",
        "20",
    )
    assert out["ttft_ms"] <= 400 and out["tpot_ms"] <= 20
    assert out["ttft_target_ms"] == 400 and out["tpot_target_ms"] == 20


def test_table_output_names_memory_batch_and_bound():
    r = runner.invoke(
        app,
        [
            "size",
            "--preset",
            "mixtral-8x7b",
            "--accelerator",
            "H100",
            "--count",
            "2",
            "--precision",
            "fp16",
        ],
    )
    assert r.exit_code == 0, r.output
    for text in ("KV cache per token", "max batch", "tokens/s", "TTFT", "TPOT", "active bound"):
        assert text in r.output


def test_model_too_large_exits_1():
    r = runner.invoke(app, ["size", "--preset", "llama-3.1-405b", "--accelerator", "L4"])
    assert r.exit_code == 1
    assert "does not fit" in r.output


def test_bad_names_get_did_you_mean_and_exit_2():
    r = runner.invoke(app, ["size", "--preset", "mixtral-8x7", "--accelerator", "H10"])
    assert r.exit_code == 2
    assert "did you mean 'mixtral-8x7b'?" in r.output
    assert "unknown accelerator 'H10'" in r.output
    assert "Traceback" not in r.output


def test_list_presets_and_non_llm_preset():
    r = runner.invoke(app, ["size", "--list-presets", "--format", "json"])
    presets = {p["preset"] for p in json.loads(r.output)}
    assert {"llama-3.1-70b", "deepseek-v3", "whisper-large-v3", "sdxl", "resnet-50"} <= presets
    out = _json("--preset", "whisper-large-v3", "--accelerator", "A100", "--precision", "fp16")
    assert out["item"] == "audio window (30 s)" and out["items_per_s"] > 0
