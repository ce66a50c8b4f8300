"""LLM replica sizing shared by the option builder, ``advisor size`` and the verifier.

:func:`model_columns` turns a workload's model (preset + overrides) and SLOs into the flat
columns the option table carries; :func:`size_llm` picks, per row, the tensor-parallel degree
that needs the fewest accelerators for the demand and returns the serving metrics at that
degree (:func:`advisor.options.serving.serve`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from advisor.options.assumptions import DEFAULT_TPOT_MS, TP_DEGREES, TTFT_SHARE_OF_SLO
from advisor.options.serving import serve
from advisor.schema.presets import ModelSpec, resolve_model
from advisor.schema.types import BYTES_PER_PARAM

if TYPE_CHECKING:
    from advisor.schema.scenario import Workload

LOW_PRECISIONS = ("int8", "fp8", "int4")


def peak_tflops(precision, fp16, int8):
    """Dense tensor throughput at a precision: int8/fp8/int4 use INT8 TOPS (or 2x FP16).

    Works on scalars and pandas Series alike.
    """
    if isinstance(precision, pd.Series):
        low = precision.isin(list(LOW_PRECISIONS))
        int_rate = int8.where(int8 > 0, 2.0 * fp16)
        out = fp16.where(~low, int_rate)
        return out.where(precision != "fp32", fp16 / 2.0)
    if precision in LOW_PRECISIONS:
        return int8 if int8 and int8 > 0 else 2.0 * fp16
    return fp16 / 2.0 if precision == "fp32" else fp16


def kv_bytes(precision, kv_precision):
    """Bytes per cached element: fp8 -> 1; ``auto`` is fp8 for fp8 weights, 4 for fp32, else 2."""
    if isinstance(precision, pd.Series):
        auto = np.where(precision == "fp8", 1.0, np.where(precision == "fp32", 4.0, 2.0))
        return pd.Series(
            np.where(kv_precision == "fp8", 1.0, np.where(kv_precision == "auto", auto, 2.0)),
            index=precision.index,
        )
    if kv_precision == "fp8" or (kv_precision == "auto" and precision == "fp8"):
        return 1.0
    return 4.0 if kv_precision == "auto" and precision == "fp32" else 2.0


def slo_targets(
    latency_slo_ms: float | None, ttft_ms: float | None, tpot_ms: float | None
) -> tuple[float, float]:
    """(TTFT target, TPOT target) in ms; inf where the workload sets none.

    TTFT: ``ttft_ms``, else TTFT_SHARE_OF_SLO x latency_slo_ms. TPOT: ``tpot_ms``, else
    DEFAULT_TPOT_MS when a latency SLO makes the workload interactive.
    """
    ttft = (
        ttft_ms
        if ttft_ms is not None
        else (latency_slo_ms * TTFT_SHARE_OF_SLO if latency_slo_ms is not None else math.inf)
    )
    tpot = (
        tpot_ms
        if tpot_ms is not None
        else (DEFAULT_TPOT_MS if latency_slo_ms is not None else math.inf)
    )
    return float(ttft), float(tpot)


def spec_columns(spec: ModelSpec) -> dict:
    """Architecture columns of a resolved model (one option-table row's worth)."""
    return {
        "params_b": spec.params_billion,
        "active_b": spec.active_params_billion,
        "expert_b": spec.expert_params_billion,
        "experts": float(spec.experts),
        "experts_per_token": float(spec.experts_per_token),
        "layers": float(spec.layers),
        "attention_heads": float(spec.attention_heads),
        "kv_heads": float(spec.kv_heads),
        "head_dim": float(spec.head_dim),
        "kv_latent_dim": float(spec.kv_latent_dim),
        "model_kind": spec.kind,
        "arch_basis": spec.architecture_basis,
    }


def model_columns(w: Workload) -> dict:
    """The serving columns of one workload (a model is required)."""
    m = w.model
    assert m is not None, "model_columns is called for workloads with a model"
    spec = resolve_model(m)
    ttft, tpot = slo_targets(w.latency_slo_ms, w.ttft_ms, w.tpot_ms)
    d = w.demand
    item_gflops = (
        d.gflops_per_image
        if "gflops_per_image" in d.model_fields_set or not spec.gflops_per_item
        else spec.gflops_per_item
    )
    return {
        **spec_columns(spec),
        "kv_precision": m.kv_cache_precision,
        "prompt_tokens": m.prompt_tokens,
        "output_tokens": d.tokens_per_request or 0,
        "ttft_target_ms": ttft,
        "tpot_target_ms": tpot,
        "fixed_batch": float(m.batch_size) if m.batch_size else np.nan,
        "gflops_per_image": item_gflops,
    }


def size_llm(
    rows: pd.DataFrame, n_box: pd.Series, demand: pd.Series, min_g: pd.Series
) -> pd.DataFrame:
    """Best tensor-parallel degree and its serving metrics, per row.

    ``rows`` carries the serving columns plus precision, acc_mem_gb, acc_bw_gbps,
    acc_tflops, acc_tops_int8. For each degree in TP_DEGREES (at least ``min_g``, at most
    ``n_box``) the replicas needed are ceil(demand / tokens_per_s) and the accelerators they
    block are replicas x n_box / floor(n_box / g); the degree that blocks the fewest wins
    (ties: the smaller degree). Rows where no degree fits get g = inf (memory), rows where
    one fits but misses the TTFT/TPOT targets get the smallest fitting degree and
    ``slo_met`` False.
    """
    base = rows.assign(
        weight_bytes=rows["precision"].map(BYTES_PER_PARAM).astype(float),
        kv_bytes=kv_bytes(rows["precision"], rows["kv_precision"]),
        acc_peak_tflops=peak_tflops(rows["precision"], rows["acc_tflops"], rows["acc_tops_int8"]),
    )
    n_box = n_box.astype(float).to_numpy()
    need = demand.astype(float).to_numpy()
    lowest = min_g.astype(float).to_numpy()
    per_tp, costs, fitting = [], [], []
    for tp in TP_DEGREES:
        g = np.maximum(float(tp), lowest)
        m = serve(base.assign(g=g)).assign(g=g)
        within = g <= np.maximum(n_box, 1.0)
        usable = (m["fits"] & m["slo_met"] & (m["tokens_per_s"] > 0)).to_numpy() & within
        tps = m["tokens_per_s"].to_numpy()
        replicas = np.maximum(np.ceil(need / np.where(tps > 0, tps, np.nan) - 1e-9), 1.0)
        per_box = np.floor(n_box / g)
        blocked = replicas * n_box / np.where(per_box >= 1, per_box, np.nan)
        costs.append(np.nan_to_num(np.where(usable, blocked, np.inf), nan=np.inf))
        fitting.append(m["fits"].to_numpy() & within)
        per_tp.append(m)
    cost = np.vstack(costs)
    fit = np.vstack(fitting)
    pick = np.argmin(cost, axis=0)  # first minimum: the smaller degree wins ties
    served = np.isfinite(cost.min(axis=0))
    first_fit = np.argmax(fit, axis=0)
    pick = np.where(served, pick, first_fit)
    stacked = pd.concat(per_tp, keys=range(len(per_tp)))
    idx = pd.MultiIndex.from_arrays([pick, rows.index])
    out = stacked.loc[idx].set_axis(rows.index)
    out.loc[~fit.any(axis=0), "g"] = np.inf
    return out


def serve_one(
    cols: dict,
    precision: str,
    *,
    memory_gb: float,
    bandwidth_gbps: float,
    fp16_tflops: float,
    int8_tops: float,
    g: float,
) -> dict:
    """:func:`serve` for one replica described by :func:`model_columns` output (a dict)."""
    row = {
        **cols,
        "precision": precision,
        "weight_bytes": BYTES_PER_PARAM[precision],
        "kv_bytes": kv_bytes(precision, cols["kv_precision"]),
        "acc_peak_tflops": peak_tflops(precision, fp16_tflops, int8_tops),
        "acc_mem_gb": memory_gb,
        "acc_bw_gbps": bandwidth_gbps,
        "g": g,
    }
    return serve(pd.DataFrame([row])).iloc[0].to_dict()
