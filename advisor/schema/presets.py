"""Model presets: the architecture of common open models, and how a workload's model resolves.

The table ``advisor/schema/data/model_presets.csv`` (versioned in its first line) holds, per
preset, the numbers a serving model needs: layers, hidden size, attention and KV heads (GQA),
head dimension, the MLA latent width (DeepSeek), vocabulary, total and active parameters and
experts for mixture-of-experts models, default context, and for non-LLM presets the compute
per item. Every row names its source (the model's ``config.json`` or model card).

A workload writes ``model: {preset: llama-3.1-70b}`` and may override any field; a model
without a preset gives ``params_billion`` and, optionally, its architecture. When the
architecture is unknown it is estimated from the parameter count along the Llama 3 family
(see :func:`estimate_architecture`) and the spec says so (``architecture_basis``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.schema.scenario import Model

TABLE_VERSION = 1
"""Version of the preset table layout this code reads (first line of the CSV)."""

ARCH_FIELDS = (
    "layers",
    "hidden_size",
    "attention_heads",
    "kv_heads",
    "head_dim",
    "kv_latent_dim",
    "vocab_size",
    "experts",
    "experts_per_token",
    "context_tokens",
)
"""Architecture fields a preset supplies and a scenario may override (all integers)."""


@dataclass(frozen=True)
class ModelSpec:
    """A model with everything sizing needs, after presets and overrides are applied."""

    name: str
    kind: str
    """``llm``, ``speech``, ``diffusion`` or ``vision``."""
    params_billion: float
    active_params_billion: float
    """Parameters used per token (equal to ``params_billion`` for dense models)."""
    layers: int
    hidden_size: int
    attention_heads: int
    kv_heads: int
    head_dim: int
    kv_latent_dim: int
    """Width of the per-layer latent cached by multi-head latent attention (0: GQA/MHA)."""
    vocab_size: int
    experts: int
    experts_per_token: int
    context_tokens: int
    gflops_per_item: float
    """Compute per image or audio window for non-LLM presets (0 for LLMs)."""
    architecture_basis: str
    """``preset``, ``scenario`` (all given) or ``estimate`` (derived from the parameter count)."""
    source: str = ""

    def kv_elements_per_token(self, tp: int = 1) -> float:
        """Cached elements per token for one replica at tensor-parallel degree ``tp``.

        GQA/MHA: 2 (K and V) x layers x kv_heads x head_dim; a KV head is replicated on every
        rank when there are fewer KV heads than ranks, so the replica holds
        max(kv_heads, tp) heads. MLA: layers x latent width, replicated on every rank (as
        vLLM and SGLang do without data-parallel attention).
        """
        if self.kv_latent_dim > 0:
            return float(self.layers * self.kv_latent_dim * tp)
        return float(2 * self.layers * max(self.kv_heads, tp) * self.head_dim)

    @property
    def is_moe(self) -> bool:
        return self.experts > 1 and self.experts_per_token > 0

    @property
    def expert_params_billion(self) -> float:
        """Parameters of one routed expert (all layers): (total - active) / (E - k)."""
        if not self.is_moe or self.experts <= self.experts_per_token:
            return 0.0
        return (self.params_billion - self.active_params_billion) / (
            self.experts - self.experts_per_token
        )


@lru_cache(maxsize=1)
def preset_table() -> dict[str, dict]:
    """Preset id -> row (a dict); checks the table version."""
    import csv

    text = resources.files("advisor.schema").joinpath("data/model_presets.csv").read_text()
    first, _, body = text.partition("\n")
    if f"table version {TABLE_VERSION}." not in first:
        raise RuntimeError(
            f"model_presets.csv: first line must name 'table version {TABLE_VERSION}.'"
        )
    rows = {}
    for row in csv.DictReader(body.splitlines()):
        rows[row["preset"]] = row
    return rows


def preset_names() -> tuple[str, ...]:
    return tuple(sorted(preset_table()))


def _int(value: str | int | None) -> int:
    if value in (None, ""):
        return 0
    return int(float(value))


def estimate_architecture(params_billion: float) -> dict[str, int]:
    """A Llama-3-like dense GQA architecture for a parameter count (estimate).

    Layers and hidden size are interpolated in log(params) between Llama 3.2 1B (16 x 2048),
    Llama 3.1 8B (32 x 4096), 70B (80 x 8192) and 405B (126 x 16384); 8 KV heads of 128.
    """
    points = ((1.24, 16, 2048), (8.03, 32, 4096), (70.6, 80, 8192), (405.9, 126, 16384))
    x = math.log(max(params_billion, 1e-3))
    xs = [math.log(p[0]) for p in points]
    if x <= xs[0]:
        i, t = 0, 0.0
    elif x >= xs[-1]:
        i, t = len(points) - 2, 1.0
    else:
        i = max(j for j in range(len(xs) - 1) if xs[j] <= x)
        t = (x - xs[i]) / (xs[i + 1] - xs[i])
    layers = round(points[i][1] + t * (points[i + 1][1] - points[i][1]))
    hidden = points[i][2] * (points[i + 1][2] / points[i][2]) ** t
    hidden = max(128, round(hidden / 128.0) * 128)
    return {
        "layers": max(1, layers),
        "hidden_size": hidden,
        "attention_heads": hidden // 128,
        "kv_heads": min(8, hidden // 128),
        "head_dim": 128,
        "kv_latent_dim": 0,
        "vocab_size": 128256,
        "experts": 0,
        "experts_per_token": 0,
        "context_tokens": 131072,
    }


def resolve_model(model: Model) -> ModelSpec:
    """The workload's model with its preset applied and its own fields on top.

    Raises ``KeyError`` for an unknown preset (the scenario loader reports it, with a
    "did you mean", before this is ever called).
    """
    row = preset_table()[model.preset] if model.preset else {}
    arch = {f: _int(row.get(f)) for f in ARCH_FIELDS}
    given = {f: getattr(model, f) for f in ARCH_FIELDS if getattr(model, f) is not None}
    arch.update(given)
    params = model.params_billion or float(row.get("params_billion") or 0.0)
    kind = row.get("kind") or "llm"
    if row and (row.get("layers") or kind != "llm"):
        basis = "preset"
    elif all(arch.get(f) for f in ("layers", "hidden_size", "attention_heads", "head_dim")):
        basis = "scenario"
        arch["kv_heads"] = arch["kv_heads"] or arch["attention_heads"]
    else:
        basis = "estimate"
        est = estimate_architecture(params)
        arch = {**est, **given}
    active = _active_params(model, row, params)
    return ModelSpec(
        name=row.get("name") or model.preset or f"{params:g}B model",
        kind=kind,
        params_billion=params,
        active_params_billion=min(active, params),
        layers=arch["layers"],
        hidden_size=arch["hidden_size"],
        attention_heads=arch["attention_heads"],
        kv_heads=arch["kv_heads"] or arch["attention_heads"],
        head_dim=arch["head_dim"] or (arch["hidden_size"] // max(arch["attention_heads"], 1)),
        kv_latent_dim=arch["kv_latent_dim"],
        vocab_size=arch["vocab_size"],
        experts=arch["experts"],
        experts_per_token=arch["experts_per_token"],
        context_tokens=arch["context_tokens"],
        gflops_per_item=float(row.get("gflops_per_item") or 0.0),
        architecture_basis=basis,
        source=row.get("source", ""),
    )


def _active_params(model: Model, row: dict, params: float) -> float:
    """Given active parameters; else the preset's, scaled if the total was overridden; else all."""
    if model.active_params_billion:
        return model.active_params_billion
    preset_active = float(row.get("active_params_billion") or 0.0)
    preset_total = float(row.get("params_billion") or 0.0)
    if preset_active and preset_total:
        return preset_active * params / preset_total
    return params
