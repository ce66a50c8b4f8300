"""Modelling assumptions, in one place, with the reasoning. Every number here is documented.

Sizing
    LLM inference (token demand): the continuous-batching model in
    :mod:`advisor.options.serving` (KV cache from the architecture, the largest batch that
    fits and meets the TTFT/TPOT targets, prefill compute-bound, decode bandwidth-bound plus
    compute at large batch, tensor-parallel efficiency). The tensor-parallel degree per
    replica is the power of two (within one box) that needs the fewest accelerators for the
    demand. Its constants are fitted to published benchmarks: tests/data/serving_benchmarks.csv,
    docs/serving-calibration.md, tools/fit_serving.py.
    LLM SLO mapping: TTFT target = workload.ttft_ms, else TTFT_SHARE_OF_SLO x latency_slo_ms
    (the rest is left to the network; the latency rule still checks RTT + TTFT <= SLO);
    TPOT target = workload.tpot_ms, else DEFAULT_TPOT_MS when latency_slo_ms is set, else none.
    training: memory = params_billion x TRAINING_BYTES_PER_PARAM
    images / audio windows: items_per_s = g x tflops(precision) x efficiency(kind) / gflops_per_item
    memory (non-LLM)     = weights_gb x (1 + kv_cache_overhead)
    gpus_per_replica (non-LLM) = smallest power of two g with g x memory_gb x USABLE_MEMORY >= needed
GPU-hours: hours on the target = gpu_hours x tflops(reference) / tflops(target) (dense FP16).
"""

from __future__ import annotations

MFU = 0.40
"""Model FLOPs utilisation for images of a model without a preset (35-50% is typical)."""
USABLE_MEMORY = 0.90
"""Share of accelerator memory the runtime may use (vLLM gpu_memory_utilization and
TensorRT-LLM kv_cache_free_gpu_mem_fraction both default to 0.9)."""

# --- LLM serving (advisor.options.serving); fitted by tools/fit_serving.py ------------------
MBU_DECODE = 0.70
"""Memory-bandwidth utilisation of a decode step (fitted; one A100 stream is measured at 77%
of the bandwidth roofline in the vLLM sweep of the calibration table)."""
MFU_DECODE = 0.50
"""FLOPs utilisation of the decode GEMMs at large batch (fitted)."""
MFU_PREFILL = 0.60
"""FLOPs utilisation of prefill (fitted; large GEMMs reach 50-70% of dense peak)."""
TP_EFFICIENCY = 0.80
"""Throughput kept per doubling of the tensor-parallel degree (all-reduce and synchronisation
cost; fitted on TP1-TP8 points: TP2 keeps 80%, TP8 51%)."""
STEP_OVERHEAD_MS = 0.0
"""Fixed cost per decode step: scheduling, sampling, kernel launches (fitted: the data prefer
none on top of the bandwidth efficiency; kept as a named constant for re-fits)."""
RUNTIME_RESERVE_GB = 2.0
"""Per accelerator, memory held by activations, CUDA graphs and workspace (estimate:
vLLM profiles 1-3 GB per GPU for 8B-70B models)."""
MAX_BATCH_PER_REPLICA = 1024
"""Most sequences a replica schedules at once (vLLM max_num_seqs and TensorRT-LLM
max_batch_size are of this order on H100-class GPUs; estimate)."""
PREFILL_CHUNK_TOKENS = 2048
"""Chunked prefill: prompt tokens per scheduler step (vLLM V1 default scale; estimate)."""
DEFAULT_TPOT_MS = 50.0
"""TPOT target of an interactive workload that gives none: 20 tokens/s per user, faster than
reading speed; MLPerf's Llama 2 70B interactive scenario uses 40 ms, its server scenario 200 ms."""
TTFT_SHARE_OF_SLO = 0.5
"""Share of latency_slo_ms given to the server's time to first token when no ttft_ms is set."""
NON_LLM_EFFICIENCY = {"vision": 0.41, "diffusion": 0.115, "speech": 0.40}
"""Achieved share of dense peak for non-LLM presets, per kind. vision: fitted to MLPerf
ResNet-50 on L4 and 8x H100 (0.445 and 0.377 alone); diffusion: fitted to MLPerf SDXL on
8x H100 and 8x B200, with the SDXL preset's per-image compute (itself an estimate) folded in;
speech: an estimate (the only published Whisper figure counts unpadded utterances, see the
calibration exceptions)."""
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

ESCALATION_BYTES_PER_TOKEN = 6.0
"""Bytes on the wire per prompt or output token of an escalated request (estimate): about 4
characters of English text per token (OpenAI's rule of thumb, "What are tokens and how to
count them?", help.openai.com; about 4 bytes in UTF-8), plus 50% for the JSON, HTTP and TLS
framing of a request and its answer. Used only when ``escalation.gb_per_month`` is not
given; non-English text and streamed answers (one frame per token) move more."""

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
