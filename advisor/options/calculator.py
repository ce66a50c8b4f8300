"""``advisor size``: one model on N accelerators of one type, as the option builder sizes it.

:func:`size_model` answers what an architect asks before planning: how much memory the
weights and the KV cache take, how large a batch fits and meets the TTFT/TPOT targets, the
tensor-parallel layout, tokens/s, TTFT and TPOT at that batch, which bound is active, and
how many replicas (and boxes of ``count`` accelerators) a demand needs. LLMs go through
:func:`advisor.options.llm.size_llm`, the function the option builder calls; image and audio
presets through the same compute rate as the option builder.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from advisor.options.assumptions import MFU, NON_LLM_EFFICIENCY
from advisor.options.llm import peak_tflops, size_llm, slo_targets, spec_columns
from advisor.schema.presets import resolve_model
from advisor.schema.scenario import Model

MAX_DEMAND = 1e12
"""Demand used to pick the tensor-parallel layout when none is given (maximum throughput)."""


def size_model(
    model: Model,
    accelerator: pd.Series,
    count: int,
    *,
    output_tokens: int = 256,
    ttft_ms: float | None = None,
    tpot_ms: float | None = None,
    latency_slo_ms: float | None = None,
    requests_per_second: float | None = None,
) -> dict[str, Any]:
    """Sizing of ``model`` on ``count`` accelerators (one box); a flat dict of results.

    ``accelerator`` is a row of the catalog's accelerators table. Targets follow the
    workload rules (:func:`advisor.options.llm.slo_targets`). Demand, when given, is
    ``requests_per_second`` x ``output_tokens`` output tokens/s (LLMs) or items/s.
    """
    spec = resolve_model(model)
    acc = {
        "accelerator": str(accelerator.name),
        "acc_mem_gb": float(accelerator["memory_gb"]),
        "acc_bw_gbps": float(accelerator["memory_bandwidth_gbps"]),
        "acc_tflops": float(accelerator["fp16_tflops_dense"]),
        "acc_tops_int8": float(np.nan_to_num(accelerator["int8_tops_dense"], nan=0.0)),
    }
    base = {
        "model": spec.name,
        "kind": spec.kind,
        "architecture": spec.architecture_basis,
        "accelerator": acc["accelerator"],
        "count": count,
        "precision": model.precision,
        "params_billion": spec.params_billion,
        "active_params_billion": spec.active_params_billion,
    }
    if spec.kind != "llm":
        return {**base, **_size_items(spec, model.precision, acc, count, requests_per_second)}
    ttft, tpot = slo_targets(latency_slo_ms, ttft_ms, tpot_ms)
    row = {
        **spec_columns(spec),
        **acc,
        "precision": model.precision,
        "kv_precision": model.kv_cache_precision,
        "prompt_tokens": model.prompt_tokens,
        "output_tokens": output_tokens,
        "ttft_target_ms": ttft,
        "tpot_target_ms": tpot,
        "fixed_batch": float(model.batch_size) if model.batch_size else np.nan,
    }
    frame = pd.DataFrame([row])
    demand = (requests_per_second or 0.0) * output_tokens
    # without a demand, lay the box out for its largest throughput
    choose_for = demand if demand > 0 else MAX_DEMAND
    m = size_llm(frame, pd.Series([count]), pd.Series([choose_for]), pd.Series([1])).iloc[0]
    g = float(m["g"])
    fits = bool(m["fits"]) and math.isfinite(g)
    per_box = int(count // g) if fits else 0
    tps = float(m["tokens_per_s"]) if fits else 0.0
    box_tps = tps * per_box
    out = {
        **base,
        "kv_cache_precision": _kv_name(model.precision, model.kv_cache_precision),
        "prompt_tokens": model.prompt_tokens,
        "output_tokens": output_tokens,
        "ttft_target_ms": ttft,
        "tpot_target_ms": tpot,
        "weights_gb": float(m["weights_gb"]),
        "kv_bytes_per_token": float(m["kv_bytes_per_token"]),
        "kv_capacity_tokens": float(m["kv_capacity_tokens"]),
        "max_batch": float(m["max_batch"]),
        "fits": fits,
        "slo_met": bool(m["slo_met"]),
        "tensor_parallel": g if fits else None,
        "replicas_per_box": per_box,
        "batch": float(m["batch"]),
        "tokens_per_s_per_replica": tps,
        "tokens_per_s": box_tps,
        "requests_per_s": box_tps / output_tokens if output_tokens else 0.0,
        "ttft_ms": float(m["ttft_ms"]),
        "tpot_ms": float(m["tpot_ms"]),
        "batch_bound": str(m["batch_bound"]),
        "step_bound": str(m["step_bound"]),
    }
    return {**out, **_demand(demand, tps, per_box, "tokens/s")}


def _size_items(spec, precision: str, acc: dict, count: int, rps: float | None) -> dict[str, Any]:
    """Images (or 30-second audio windows) per second on ``count`` accelerators."""
    eff = NON_LLM_EFFICIENCY.get(spec.kind, MFU)
    peak = peak_tflops(precision, acc["acc_tflops"], acc["acc_tops_int8"])
    per_gpu = peak * 1e12 * eff / (spec.gflops_per_item * 1e9) if spec.gflops_per_item else 0.0
    return {
        "item": "audio window (30 s)" if spec.kind == "speech" else "image",
        "gflops_per_item": spec.gflops_per_item,
        "efficiency": eff,
        "items_per_s_per_accelerator": per_gpu,
        "items_per_s": per_gpu * count,
        "latency_ms_per_item": 1e3 / per_gpu if per_gpu else math.inf,
        "step_bound": "compute",
        **_demand(rps or 0.0, per_gpu, count, "items/s"),
    }


def _demand(demand: float, per_replica: float, per_box: int, unit: str) -> dict[str, Any]:
    if demand <= 0:
        return {"demand": 0.0, "demand_unit": unit, "replicas_needed": None, "boxes_needed": None}
    if per_replica <= 0 or per_box <= 0:
        return {
            "demand": demand,
            "demand_unit": unit,
            "replicas_needed": None,
            "boxes_needed": None,
        }
    replicas = math.ceil(demand / per_replica - 1e-9)
    return {
        "demand": demand,
        "demand_unit": unit,
        "replicas_needed": replicas,
        "boxes_needed": math.ceil(replicas / per_box - 1e-9),
    }


def _kv_name(precision: str, kv_precision: str) -> str:
    if kv_precision != "auto":
        return kv_precision
    return "fp8" if precision == "fp8" else ("fp32" if precision == "fp32" else "16-bit")
