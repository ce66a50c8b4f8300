"""LLM serving with continuous batching: memory, batch, throughput, TTFT and TPOT per replica.

Vectorised over rows (numpy arrays), so the option builder, ``advisor size`` and the verifier
call the same function. For one replica of ``g`` accelerators (tensor parallel degree g):

Memory
    weights      = params x bytes/param(precision)
    kv_per_token = cached elements per token (GQA: 2 x layers x max(kv_heads, g) x head_dim;
                   MLA: layers x latent x g, replicated per rank) x bytes(kv precision)
    free         = g x memory x USABLE_MEMORY - g x RUNTIME_RESERVE_GB - weights
    max_batch    = min(floor(free / (kv_per_token x (prompt + output))), MAX_BATCH_PER_REPLICA)
                   (a sequence reserves its whole context, as with a no-evict scheduler)
One decode step over b sequences (mean context c = prompt + output / 2)
    bytes  = weights read (dense; MoE: shared + expected distinct experts touched by b tokens,
             E x (1 - (1 - k/E)^b)) + b x c x kv_per_token
    flops  = b x (2 x active_params + 4 x layers x heads x head_dim x c)
    t_step = max(bytes / (g x bandwidth x MBU_DECODE x eff(g)),
                 flops / (g x peak x MFU_DECODE x eff(g))) + STEP_OVERHEAD_MS
Prefill of one prompt of n tokens (compute-bound)
    t_prefill = (2 x active_params x n + 2 x layers x heads x head_dim x n^2)
                / (g x peak x MFU_PREFILL x eff(g))
Steady state with b sequences in flight (Little's law; prefills interleave with decode steps)
    TPOT(b)     = t_step(b) + b x t_prefill / output
    tokens/s(b) = b / TPOT(b)                                   (output tokens)
    TTFT(b)     = t_prefill + ceil(n / PREFILL_CHUNK_TOKENS) x t_step(b)
Tensor-parallel efficiency eff(g) = TP_EFFICIENCY ** log2(g).

The batch is the largest b <= max_batch with TTFT(b) <= TTFT target and TPOT(b) <= TPOT
target (both grow with b; throughput grows with b), found by bisection. ``batch_bound`` says
what stopped it: ``kv_memory``, ``max_batch``, ``ttft``, ``tpot``, ``batch_size`` (fixed by the
scenario), ``slo`` (even one sequence misses a target) or ``memory`` (the weights do not fit).
``step_bound`` says whether a decode step is ``bandwidth`` or ``compute`` bound, or ``prefill``
when prefill takes most of the replica's time. Constants: :mod:`advisor.options.assumptions`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.options.assumptions import (
    MAX_BATCH_PER_REPLICA,
    MBU_DECODE,
    MFU_DECODE,
    MFU_PREFILL,
    PREFILL_CHUNK_TOKENS,
    RUNTIME_RESERVE_GB,
    STEP_OVERHEAD_MS,
    TP_EFFICIENCY,
    USABLE_MEMORY,
)

SERVING_INPUTS = (
    "params_b",
    "active_b",
    "expert_b",
    "experts",
    "experts_per_token",
    "layers",
    "attention_heads",
    "kv_heads",
    "head_dim",
    "kv_latent_dim",
    "weight_bytes",
    "kv_bytes",
    "g",
    "acc_mem_gb",
    "acc_bw_gbps",
    "acc_peak_tflops",
    "prompt_tokens",
    "output_tokens",
    "ttft_target_ms",
    "tpot_target_ms",
    "fixed_batch",
)
"""Columns :func:`serve` reads (targets may be inf, fixed_batch NaN)."""


def tp_efficiency(g: np.ndarray) -> np.ndarray:
    return TP_EFFICIENCY ** np.log2(np.maximum(np.asarray(g, dtype=float), 1.0))


def kv_bytes_per_token(f: pd.DataFrame) -> np.ndarray:
    """KV cache bytes per token of one replica (see the module docstring)."""
    g = f["g"].to_numpy(float)
    layers = f["layers"].to_numpy(float)
    latent = f["kv_latent_dim"].to_numpy(float)
    gqa = (
        2.0 * layers * np.maximum(f["kv_heads"].to_numpy(float), g) * f["head_dim"].to_numpy(float)
    )
    elems = np.where(latent > 0, layers * latent * g, gqa)
    return elems * f["kv_bytes"].to_numpy(float)


def serve(f: pd.DataFrame) -> pd.DataFrame:
    """Serving metrics per row of ``f`` (columns :data:`SERVING_INPUTS`); a new frame.

    Returns weights_gb, kv_bytes_per_token, kv_capacity_tokens, max_batch, batch,
    tokens_per_s, ttft_ms, tpot_ms, batch_bound, step_bound, fits (weights plus one
    sequence fit) and slo_met (the targets hold at the chosen batch).
    """
    a = {c: f[c].to_numpy(float) for c in SERVING_INPUTS}
    g = np.maximum(a["g"], 1.0)
    eff = tp_efficiency(g)
    weights = a["params_b"] * 1e9 * a["weight_bytes"]
    kv_tok = kv_bytes_per_token(f)
    free = g * (a["acc_mem_gb"] * USABLE_MEMORY - RUNTIME_RESERVE_GB) * 1e9 - weights
    kv_cap = np.maximum(free, 0.0) / np.where(kv_tok > 0, kv_tok, np.nan)
    ctx = a["prompt_tokens"] + a["output_tokens"]
    mem_batch = np.floor(np.nan_to_num(kv_cap / ctx, nan=0.0))
    fits = mem_batch >= 1
    max_batch = np.clip(mem_batch, 0, MAX_BATCH_PER_REPLICA)
    fixed = a["fixed_batch"]
    has_fixed = ~np.isnan(fixed)
    cap = np.where(has_fixed, np.minimum(np.nan_to_num(fixed, nan=1.0), max_batch), max_batch)
    cap = np.maximum(cap, 1.0)

    bw = g * a["acc_bw_gbps"] * 1e9 * MBU_DECODE * eff
    peak = g * a["acc_peak_tflops"] * 1e12 * eff
    attn = a["layers"] * a["attention_heads"] * a["head_dim"]
    mean_ctx = a["prompt_tokens"] + a["output_tokens"] / 2.0
    n = a["prompt_tokens"]
    prefill_s = (2.0 * a["active_b"] * 1e9 * n + 2.0 * attn * n * n) / (peak * MFU_PREFILL)
    chunks = np.ceil(n / PREFILL_CHUNK_TOKENS)
    experts = a["experts"]
    moe = (experts > 1) & (a["experts_per_token"] > 0)
    k_over_e = np.where(moe, a["experts_per_token"] / np.where(moe, experts, 1.0), 0.0)
    dense_b = np.where(moe, a["active_b"] - a["experts_per_token"] * a["expert_b"], a["params_b"])

    def step(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        touched = np.where(moe, experts * (1.0 - (1.0 - k_over_e) ** b), 0.0)
        weight_read = (dense_b + touched * a["expert_b"]) * 1e9 * a["weight_bytes"]
        t_mem = (weight_read + b * mean_ctx * kv_tok) / bw
        flops = b * (2.0 * a["active_b"] * 1e9 + 4.0 * attn * mean_ctx)
        t_cmp = flops / (peak * MFU_DECODE)
        return np.maximum(t_mem, t_cmp) + STEP_OVERHEAD_MS / 1e3, t_mem >= t_cmp

    def metrics(b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        t, _ = step(b)
        tpot = t + b * prefill_s / np.maximum(a["output_tokens"], 1.0)
        ttft = prefill_s + chunks * t
        return ttft * 1e3, tpot * 1e3, t

    def ok(b: np.ndarray) -> np.ndarray:
        ttft, tpot, _ = metrics(b)
        return (ttft <= a["ttft_target_ms"]) & (tpot <= a["tpot_target_ms"])

    lo = np.ones_like(cap)
    hi = np.where(has_fixed, 1.0, cap)
    lo = np.where(has_fixed, cap, lo)
    while True:
        todo = lo < hi
        if not todo.any():
            break
        mid = np.where(todo, np.floor((lo + hi + 1.0) / 2.0), lo)
        good = ok(mid)
        lo = np.where(todo & good, mid, lo)
        hi = np.where(todo & ~good, mid - 1.0, hi)
    batch = lo
    ttft, tpot, _ = metrics(batch)
    slo_met = ok(batch)
    _, bw_bound = step(batch)
    prefill_share = batch * prefill_s / np.maximum(a["output_tokens"], 1.0) / (tpot / 1e3)
    step_bound = np.where(
        prefill_share > 0.5, "prefill", np.where(bw_bound, "bandwidth", "compute")
    )
    _, nxt_tpot, _ = metrics(batch + 1.0)
    slo_stop = np.where(nxt_tpot > a["tpot_target_ms"], "tpot", "ttft")
    bound = np.where(
        batch >= cap, np.where(cap >= MAX_BATCH_PER_REPLICA, "max_batch", "kv_memory"), slo_stop
    )
    bound = np.where(has_fixed, "batch_size", bound)
    bound = np.where(slo_met, bound, "slo")
    bound = np.where(fits, bound, "memory")
    tps = np.where(fits, batch / (tpot / 1e3), 0.0)
    return pd.DataFrame(
        {
            "weights_gb": weights / 1e9,
            "kv_bytes_per_token": kv_tok,
            "kv_capacity_tokens": np.nan_to_num(kv_cap, nan=0.0),
            "max_batch": max_batch,
            "batch": np.where(fits, batch, 0.0),
            "tokens_per_s": tps,
            "ttft_ms": ttft,
            "tpot_ms": tpot,
            "batch_bound": bound,
            "step_bound": step_bound,
            "fits": fits,
            "slo_met": slo_met & fits,
        },
        index=f.index,
    )
