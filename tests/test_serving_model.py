"""The continuous-batching serving model, model presets and their use by the option builder."""

from __future__ import annotations

import math

import pytest

from advisor import solve, verify_plan
from advisor.catalog import Catalog
from advisor.errors import InvalidScenario
from advisor.options import build_options
from advisor.options.calculator import size_model
from advisor.options.llm import model_columns, serve_one, slo_targets
from advisor.schema.presets import resolve_model
from advisor.schema.scenario import Model
from tests.helpers_scenarios import build, location, scenario, scenario_dict, site


@pytest.fixture(scope="module")
def acc():
    return Catalog.load().accelerators.set_index("accelerator")


def test_kv_bytes_per_token_follow_the_architecture():
    spec = resolve_model(Model(preset="llama-3.1-8b"))
    assert spec.kv_elements_per_token() * 2 == 32 * 8 * 128 * 2 * 2  # 128 KiB at 16 bit
    big = resolve_model(Model(preset="llama-3.1-70b"))
    assert big.kv_elements_per_token() * 2 == 80 * 8 * 128 * 2 * 2  # 320 KiB
    # fewer KV heads than ranks: each rank holds a copy, so TP16 doubles the replica's cache
    assert big.kv_elements_per_token(16) == 2 * big.kv_elements_per_token(8)
    # MLA caches one 576-wide latent per layer, replicated on every rank
    ds = resolve_model(Model(preset="deepseek-v3"))
    assert ds.kv_elements_per_token() == 61 * 576
    assert ds.kv_elements_per_token(8) == 8 * 61 * 576
    assert ds.is_moe and 2.0 < ds.expert_params_billion < 3.0


def test_presets_resolve_with_overrides_and_estimates():
    spec = resolve_model(Model(preset="qwen2.5-7b", kv_heads=28, context_tokens=131072))
    assert spec.kv_heads == 28 and spec.context_tokens == 131072 and spec.layers == 28
    mix = resolve_model(Model(preset="mixtral-8x7b"))
    assert mix.params_billion == pytest.approx(46.7) and mix.active_params_billion == pytest.approx(
        12.9
    )
    own = resolve_model(Model(params_billion=30))
    assert own.architecture_basis == "estimate"
    assert resolve_model(Model(preset="llama-3.1-8b")).layers < own.layers < 80
    given = resolve_model(
        Model(params_billion=12, layers=40, hidden_size=5120, attention_heads=32, head_dim=128)
    )
    assert given.architecture_basis == "scenario" and given.kv_heads == 32


def test_fp8_kv_cache_doubles_capacity(acc):
    base = dict(preset="llama-3.1-70b", precision="fp8", prompt_tokens=1000)
    fp16_kv = size_model(Model(**base, kv_cache_precision="fp16"), acc.loc["H100"], 8)
    fp8_kv = size_model(Model(**base, kv_cache_precision="fp8"), acc.loc["H100"], 8)
    assert fp8_kv["kv_bytes_per_token"] * 2 == fp16_kv["kv_bytes_per_token"]
    assert fp8_kv["tokens_per_s"] > fp16_kv["tokens_per_s"]


def test_interactive_targets_shrink_the_batch_and_hold_at_it(acc):
    model = Model(preset="llama-3.1-8b", precision="fp8", prompt_tokens=1000)
    free = size_model(model, acc.loc["H100"], 1, output_tokens=500)
    tight = size_model(model, acc.loc["H100"], 1, output_tokens=500, ttft_ms=300, tpot_ms=15)
    assert tight["batch"] < free["batch"]
    assert tight["tokens_per_s"] < free["tokens_per_s"]
    assert tight["ttft_ms"] <= 300 and tight["tpot_ms"] <= 15
    assert tight["batch_bound"] in ("tpot", "ttft")
    # one sequence more would break a target: the batch is the largest that meets both
    cols = {
        **model_columns_for(model, 500, 300, 15),
        "fixed_batch": tight["batch"] + 1,
    }
    h100 = acc.loc["H100"]
    over = serve_one(
        cols,
        "fp8",
        memory_gb=h100["memory_gb"],
        bandwidth_gbps=h100["memory_bandwidth_gbps"],
        fp16_tflops=h100["fp16_tflops_dense"],
        int8_tops=h100["int8_tops_dense"],
        g=1,
    )
    assert over["ttft_ms"] > 300 or over["tpot_ms"] > 15


def model_columns_for(model: Model, output: int, ttft: float, tpot: float) -> dict:
    from advisor.schema.scenario import Workload

    w = Workload(
        id="w",
        model=model,
        demand={"requests_per_second": 1, "tokens_per_request": output},
        ttft_ms=ttft,
        tpot_ms=tpot,
    )
    return model_columns(w)


def test_slo_mapping():
    assert slo_targets(800, None, None) == (400.0, 50.0)
    assert slo_targets(800, 150, 30) == (150.0, 30.0)
    assert slo_targets(None, None, None) == (math.inf, math.inf)


def test_moe_decode_reads_only_the_experts_it_touches(acc):
    h100 = acc.loc["H100"]
    mix = size_model(Model(preset="mixtral-8x7b", batch_size=1), h100, 2, output_tokens=200)
    dense = size_model(
        Model(
            params_billion=46.7,
            layers=32,
            hidden_size=4096,
            attention_heads=32,
            kv_heads=8,
            head_dim=128,
            batch_size=1,
        ),
        h100,
        2,
        output_tokens=200,
    )
    assert mix["weights_gb"] == pytest.approx(dense["weights_gb"])
    assert mix["tokens_per_s_per_replica"] > 2 * dense["tokens_per_s_per_replica"]


def test_weights_that_do_not_fit_are_reported(acc):
    r = size_model(Model(preset="llama-3.1-405b", precision="fp16"), acc.loc["H100"], 8)
    assert not r["fits"] and r["batch_bound"] == "memory" and r["tokens_per_s"] == 0


def test_70b_example_fits_one_8xh100_box(acc):
    for precision in ("fp8", "fp16"):
        r = size_model(
            Model(preset="llama-3.1-70b", precision=precision),
            acc.loc["H100"],
            8,
            output_tokens=500,
            requests_per_second=3,
            latency_slo_ms=2000,
        )
        assert r["boxes_needed"] == 1, r
        assert r["replicas_needed"] * r["tensor_parallel"] <= 8


def test_option_builder_sizes_the_70b_workload_within_one_box():
    w = {
        "id": "chat70",
        "model": {"preset": "llama-3.1-70b", "precision": "fp16", "prompt_tokens": 1000},
        "demand": {"requests_per_second": 3, "tokens_per_request": 500},
        "latency_slo_ms": 2000,
        "requests_from": "fra",
    }
    scn = scenario(
        [w],
        sites=[site("dc", inventory={"hgx-h100-8": 1})],
        locations=[location("fra", "frankfurt")],
    )
    opts = build_options(scn, Catalog.load()).options
    local = opts[opts["hardware"] == "hgx-h100-8"]
    assert len(local) and (local["units"] <= 8).all()
    plan = solve(scn)
    assert verify_plan(plan).ok


def test_small_model_on_l4_needs_few_replicas(acc):
    # 3 req/s x 500 tokens of an 8B model in FP8 (L4 has FP8 tensor cores): one or two L4s
    r = size_model(
        Model(preset="llama-3.1-8b", precision="fp8"),
        acc.loc["L4"],
        1,
        output_tokens=500,
        requests_per_second=3,
    )
    assert r["fits"] and r["replicas_needed"] <= 2


def test_unknown_preset_gets_did_you_mean():
    data = scenario_dict(
        [
            {
                "id": "w",
                "model": {"preset": "llama3.1-8b"},
                "demand": {"requests_per_second": 1, "tokens_per_request": 100},
            }
        ]
    )
    with pytest.raises(InvalidScenario) as info:
        build(data)
    issue = info.value.issues[0]
    assert issue.path == "workloads[0].model.preset"
    assert "unknown model preset 'llama3.1-8b'" in issue.message
    assert issue.hint == "did you mean 'llama-3.1-8b'?"


def test_model_needs_a_preset_or_a_size():
    with pytest.raises(ValueError, match="preset or params_billion"):
        Model()


def test_non_llm_preset_uses_its_compute_per_item(acc):
    r = size_model(
        Model(preset="resnet-50", precision="int8"), acc.loc["L4"], 1, requests_per_second=2000
    )
    assert r["gflops_per_item"] == pytest.approx(8.2)
    assert r["items_per_s"] > 2000 and r["replicas_needed"] == 1


def test_with_slo_scales_the_llm_targets_too():
    w = {
        "id": "chat",
        "model": {"preset": "llama-3.1-8b"},
        "demand": {"requests_per_second": 1, "tokens_per_request": 100},
        "latency_slo_ms": 1000,
        "ttft_ms": 400,
        "tpot_ms": 40,
        "requests_from": "fra",
    }
    scn = scenario([w], locations=[location("fra", "frankfurt")])
    tight = scn.with_slo(factor=0.5).workloads[0]
    assert (tight.latency_slo_ms, tight.ttft_ms, tight.tpot_ms) == (500, 200, 20)
    assert scn.workloads[0].ttft_ms == 400  # the original is untouched
