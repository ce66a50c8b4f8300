"""Modelling assumptions, in one place, with the reasoning. Every number here is documented.

Sizing (LLM inference roofline)
    weights_gb           = params_billion x bytes_per_param(precision)
    memory_needed_gb     = weights_gb x (1 + kv_cache_overhead)          [inference, batch]
                         = params_billion x TRAINING_BYTES_PER_PARAM       [training]
    gpus_per_replica     = smallest power of two g with g x memory_gb x USABLE_MEMORY >= needed
    decode_tokens_per_s  = batch_size x g x bandwidth_gbps x MBU / weights_gb      (memory bound)
    prefill_cap_tokens/s = g x tflops(precision) x 1e12 x MFU / (2 x params)       (compute bound)
    tokens_per_s         = min(decode, prefill_cap)
    ttft_ms              = 2 x params x prompt_tokens / (g x tflops x MFU) + one decode step
Vision: images_per_s = g x tflops(precision) x MFU / gflops_per_image; latency = one image.
GPU-hours: hours on the target = gpu_hours x tflops(reference) / tflops(target) (dense FP16).
"""

from __future__ import annotations

MFU = 0.40
"""Model FLOPs utilisation reached in practice (serving and training); 35-50% is typical."""
MBU = 0.60
"""Memory-bandwidth utilisation during decode; vLLM/TGI reach 50-70%."""
USABLE_MEMORY = 0.90
"""Share of accelerator memory usable for weights + KV cache (runtime, fragmentation)."""
TRAINING_BYTES_PER_PARAM = 16.0
"""Mixed-precision Adam: bf16 weights+grads (4 B) + fp32 master weights and two moments (12 B)."""
TP_DEGREES = (1, 2, 4, 8, 16)
"""Tensor-parallel degrees we size to (powers of two, within one box)."""
CPU_WATTS_PER_VCPU = 4.0
"""Average draw per vCPU; Cloud Carbon Footprint coefficients give ~0.7-4.3 W min-max."""
HOST_WATTS_PER_ACCELERATOR = 150.0
"""Host (CPU, NIC, fans) overhead per accelerator in a cloud GPU server, for energy estimates."""
CLOUD_PUE_DEFAULT = 1.15
"""Used when the carbon catalog has no PUE for a region (hyperscaler fleet PUEs are 1.1-1.2)."""
WORLD_GCO2E_PER_KWH = 475.0
"""IEA world average grid intensity (2022), used when a site's country has no catalog value."""
SAME_CONTINENT_KM = 2500.0
"""Inter-region transfers below this great-circle distance are priced as same-continent."""

CLASSIFICATION_WEIGHT = {
    "public": 0.0,
    "internal": 1.0,
    "confidential": 3.0,
    "pii": 5.0,
    "phi": 8.0,
    "special_category": 10.0,
}
"""Privacy risk weight of each classification (ordinal, documented; not a legal judgement)."""
TIER_EXPOSURE = {"local": 0.1, "edge": 0.3, "cloud": 1.0}
"""Relative exposure of data on a tier: third-party operated cloud = 1, own DC = 0.1."""
CONTROL_MITIGATION = {
    "confidential_computing": 0.6,
    "gpu_confidential_computing": 0.8,
    "cmk": 0.8,
    "dedicated_host": 0.9,
    "hipaa_baa": 1.0,
}
"""Multiplier on cloud exposure when a control is present (lower = stronger mitigation)."""


def risk_volume_factor(gb_leaving_home: float) -> float:
    """1 + log10(1 + GB/month that leave the data's home); shared by options and verifier."""
    import math

    return 1.0 + math.log10(1.0 + max(gb_leaving_home, 0.0))
