"""Sizing: accelerators per replica, replicas from demand, boxes and units.

Vectorised over (unit x box x precision) rows. LLM token demand is sized by the
continuous-batching serving model (:mod:`advisor.options.llm`, :mod:`advisor.options.serving`);
images, GPU-hours and fixed replicas by memory fit and a compute rate. Formulas are in
:mod:`advisor.options.assumptions`. Rows that cannot work get ``rule`` and ``detail``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.options.assumptions import (
    MFU,
    NON_LLM_EFFICIENCY,
    TP_DEGREES,
    TRAINING_BYTES_PER_PARAM,
    USABLE_MEMORY,
)
from advisor.options.costing import autoscaled_box_hours
from advisor.options.llm import peak_tflops, size_llm
from advisor.schema.types import BYTES_PER_PARAM, HOURS_IN_MONTH

SERVING_COLUMNS = ("batch", "batch_bound", "step_bound", "ttft_ms", "tpot_ms", "slo_met")
"""Serving results kept on LLM rows (NaN / '' elsewhere)."""


def tflops_at(precision: pd.Series, fp16: pd.Series, int8: pd.Series) -> pd.Series:
    """Dense tensor throughput at a precision: int8/fp8/int4 use INT8 TOPS (or 2x FP16)."""
    return peak_tflops(precision, fp16, int8)


def size(rows: pd.DataFrame, ref_tflops: pd.Series) -> pd.DataFrame:
    """Add sizing columns to unit x box x precision rows.

    Adds: weights_gb, mem_needed_gb, gpus_per_replica, replicas, tput_per_replica,
    compute_ms (time to first token for LLMs), the serving columns (batch, batch_bound,
    step_bound, ttft_ms, tpot_ms, slo_met), box_units, units, boxes (cloud instances; hours
    billed per box is ``box_hours``), and ``rule``/``detail`` for rows that cannot work.

    ``units`` are the capacity units (accelerators, or vCPUs on CPU boxes) the option blocks.
    A replica never spans boxes, so with p replicas fitting a B-unit box (p = floor(B / k)
    for k accelerators; min(floor(vCPUs / v), floor(memory / m)) for CPU replicas) each
    replica is charged B / p units, e.g. a 3-GPU replica on a 4-GPU box blocks 4. GPU-hours
    workloads time-share and are charged their GPU-hours / 730 (fluid).
    """
    r = rows
    n_box = r["accelerator_count"].astype(float)
    is_cpu_unit = r["cpu_vcpus"] > 0
    is_cpu_box = n_box <= 0
    prec = r["precision"]
    bpp = prec.map(BYTES_PER_PARAM).astype(float)
    weights = (r["params_b"] * bpp).fillna(0.0)
    training = r["kind"].eq("training") & r["params_b"].notna()
    llm = r["mode"].eq("tokens") & ~training & ~is_cpu_unit & ~is_cpu_box
    need = np.where(
        training, r["params_b"] * TRAINING_BYTES_PER_PARAM, weights * (1.0 + r["kv_overhead"])
    )
    need = pd.Series(need, index=r.index).fillna(0.0)
    per_gpu = r["acc_mem_gb"] * USABLE_MEMORY
    g_mem = pd.Series(np.nan, index=r.index)
    for g in reversed(TP_DEGREES):
        g_mem = g_mem.where(~(need <= g * per_gpu), g)
    g_mem = g_mem.where(need > 0, 1.0)
    g = np.maximum(g_mem.fillna(np.inf), r["acc_count"].clip(lower=1))
    tf = tflops_at(prec, r["acc_tflops"], r["acc_tops_int8"])
    for col in SERVING_COLUMNS:
        r[col] = "" if col in ("batch_bound", "step_bound") else np.nan
    r["slo_met"] = True
    tput = pd.Series(np.nan, index=r.index)
    compute_ms = pd.Series(0.0, index=r.index)
    if llm.any():
        lr = r[llm]
        served = size_llm(lr, n_box[llm], lr["tokens_per_s"], lr["acc_count"].clip(lower=1))
        g = g.where(~llm, served["g"])
        need = need.where(
            ~llm,
            served["weights_gb"]
            + served["kv_bytes_per_token"] * (lr["prompt_tokens"] + lr["output_tokens"]) / 1e9,
        )
        tput = tput.where(~llm, served["tokens_per_s"])
        compute_ms = compute_ms.where(~llm, served["ttft_ms"])
        for col in SERVING_COLUMNS:
            r.loc[llm, col] = served[col]
    g = g.where(~is_cpu_unit, 0.0)
    r["weights_gb"] = weights
    r["mem_needed_gb"] = need
    r["gpus_per_replica"] = g
    eff = r["model_kind"].map(NON_LLM_EFFICIENCY).fillna(MFU)
    eff_flops = g * tf * 1e12 * eff
    img_tput = eff_flops / (r["gflops_per_image"] * 1e9)
    tput = tput.where(r["mode"] != "images", img_tput)
    tput = r["tput_user"].where(r["tput_user"].notna(), tput)
    r["tput_per_replica"] = tput
    demand = r["tokens_per_s"].where(r["mode"] == "tokens", r["images_per_s"])
    replicas = np.ceil(demand / tput - 1e-9)
    replicas = replicas.where(r["mode"].isin(["tokens", "images"]), r["replicas_fixed"])
    replicas = replicas.where(r["mode"] != "gpu_hours", 1.0)
    r["replicas"] = replicas
    per_image = r["gflops_per_image"] * 1e9 / eff_flops * 1e3
    compute_ms = compute_ms.where(r["mode"] != "images", per_image)
    compute_ms = compute_ms.where(r["mode"].isin(["tokens", "images"]), 0.0)
    r["compute_ms"] = compute_ms.fillna(0.0)
    # capacity units: accelerators (GPU boxes) or vCPUs (CPU boxes)
    box_units = n_box.where(~is_cpu_box, r["vcpus"].astype(float))
    r["box_units"] = box_units
    per_box_gpu = np.floor(n_box / g.where(g > 0))
    per_box_cpu = np.minimum(
        np.floor(r["vcpus"] / r["cpu_vcpus"].where(is_cpu_unit)),
        np.floor(r["memory_gb"] / r["cpu_mem"].where(is_cpu_unit)),
    )
    per_box = per_box_gpu.where(~is_cpu_unit, per_box_cpu)
    target_gpu_hours = r["gpu_hours"] * ref_tflops / r["acc_tflops"].where(r["acc_tflops"] > 0)
    # A replica never spans boxes, so it blocks the box share it leaves unusable: with
    # p = replicas per box (floor(B / k) accelerators, or min over vCPUs and memory) it is
    # charged B / p capacity units; a replica larger than a box would take ceil(k / B) boxes.
    whole = np.ceil(g / n_box.where(n_box > 0) - 1e-9) * n_box
    per_replica = (box_units / per_box.where(per_box >= 1)).where(is_cpu_unit | (g <= n_box), whole)
    units = replicas * per_replica
    units = units.where(r["mode"] != "gpu_hours", target_gpu_hours / HOURS_IN_MONTH)
    r["units"] = units
    boxes = np.ceil(replicas / per_box.where(per_box > 0))
    box_hours = pd.Series(r["hours"].astype(float), index=r.index)
    gh_boxes = target_gpu_hours / n_box.where(n_box > 0) / HOURS_IN_MONTH
    boxes = boxes.where(r["mode"] != "gpu_hours", gh_boxes)
    box_hours = box_hours.where(r["mode"] != "gpu_hours", HOURS_IN_MONTH)
    r["boxes"] = boxes
    if "profile" in r.columns:  # autoscaling through a load profile (cloud billing)
        # the peak's replicas (not ``need``, the memory a replica needs: the rejection
        # details below report that)
        peak = (demand / tput).where(r["mode"].isin(["tokens", "images"]), r["replicas_fixed"])
        auto = (r["profile"].map(len) > 0) & (r["mode"] != "gpu_hours") & (per_box > 0)
        if auto.any():
            box_hours[auto] = autoscaled_box_hours(
                peak[auto].to_numpy(float),
                per_box[auto].to_numpy(float),
                r.loc[auto, "profile"],
                box_hours[auto].to_numpy(float),
            )
    r["box_hours"] = box_hours
    _reject(r, is_cpu_unit, is_cpu_box, need, per_gpu, g, tf, per_box)
    return r


def _reject(r, is_cpu_unit, is_cpu_box, need, per_gpu, g, tf, per_box) -> None:
    rule = pd.Series("", index=r.index, dtype=object)
    detail = pd.Series("", index=r.index, dtype=object)

    def mark(mask, name, text):
        """Rule and detail of rows first rejected here; ``text(rows, mask)`` runs on those
        rows only (building strings for every candidate row would dominate the build)."""
        fresh = mask & (rule == "")
        if not fresh.any():
            return
        rule[fresh] = name
        detail[fresh] = text(r[fresh], fresh)

    def hw(b):
        return b["hardware"].astype(str)

    def acc(b):
        return b["accelerator"].astype(str)

    mark(
        is_cpu_unit & ~is_cpu_box,
        "hardware",
        lambda b, m: "cpu workload; " + hw(b) + " is an accelerator box",
    )
    mark(
        ~is_cpu_unit & is_cpu_box,
        "hardware",
        lambda b, m: "needs accelerators; " + hw(b) + " has none",
    )
    # decided once per distinct (allowed types, accelerator): a few hundred pairs for
    # hundreds of thousands of rows
    t_code, types = pd.factorize(r["acc_types"], use_na_sentinel=False)
    a_code, accs = pd.factorize(r["accelerator"], use_na_sentinel=False)
    pair_code, pairs = pd.factorize(t_code.astype(np.int64) * len(accs) + a_code)
    ok = [
        (not types[k // len(accs)]) or (accs[k % len(accs)] in types[k // len(accs)]) for k in pairs
    ]
    allowed = pd.Series(np.asarray(ok, dtype=bool)[pair_code], index=r.index)
    mark(
        ~is_cpu_unit & ~allowed,
        "accelerator",
        lambda b, m: (
            acc(b)
            + " not in allowed types "
            + b["acc_types"].map(lambda t: "[" + ", ".join(t) + "]")
        ),
    )
    mark(
        ~is_cpu_unit & (r["acc_mem_gb"] < r["acc_min_mem"]),
        "memory",
        lambda b, m: (
            "needs >= "
            + b["acc_min_mem"].map("{:g} GB".format)
            + " per accelerator; "
            + acc(b)
            + " has "
            + b["acc_mem_gb"].map("{:g} GB".format)
        ),
    )
    no_spec = ~is_cpu_unit & (tf <= 0)
    mark(no_spec, "specs", lambda b, m: "no dense FP16 throughput known for " + acc(b))
    too_big = ~is_cpu_unit & ((g > r["accelerator_count"]) | ~np.isfinite(g))
    mark(
        too_big,
        "memory",
        lambda b, m: (
            need[m].map("{:.0f} GB needed".format)
            + " > "
            + b["accelerator_count"].map("{:g}".format)
            + " x "
            + per_gpu[m].map("{:.0f} GB usable".format)
            + " per "
            + hw(b)
        ),
    )
    mark(
        is_cpu_unit & ~(per_box >= 1),
        "cpu",
        lambda b, m: (
            "needs "
            + b["cpu_vcpus"].map("{:g} vCPU".format)
            + " / "
            + b["cpu_mem"].map("{:g} GB".format)
            + "; "
            + hw(b)
            + " has "
            + b["vcpus"].map("{:g}".format)
            + " / "
            + b["memory_gb"].map("{:g} GB".format)
        ),
    )
    slo_bad = ~r["slo_met"].astype(bool)
    mark(
        slo_bad,
        "latency",
        lambda b, m: (
            "at batch 1 on "
            + b["gpus_per_replica"].map("{:g}".format)
            + " x "
            + acc(b)
            + ": TTFT "
            + b["ttft_ms"].map("{:.0f} ms".format)
            + " (target "
            + b["ttft_target_ms"].map("{:.0f} ms".format)
            + "), TPOT "
            + b["tpot_ms"].map("{:.1f} ms".format)
            + " (target "
            + b["tpot_target_ms"].map("{:.0f} ms".format)
            + ")"
        ),
    )
    bad_tput = ~(r["tput_per_replica"] > 0) & r["mode"].isin(["tokens", "images"])
    mark(bad_tput, "throughput", lambda b, m: "no throughput estimate on " + hw(b))
    r["rule"] = rule
    r["detail"] = detail
