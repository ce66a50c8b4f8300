"""Shared field types of the scenario schema: ids, codes, enumerations and the strict base."""

from __future__ import annotations

from typing import Annotated, Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Tier = Literal["local", "edge", "cloud"]
TIERS: tuple[Tier, ...] = ("local", "edge", "cloud")

Provider = Literal["aws", "azure", "gcp"]
PROVIDERS: tuple[Provider, ...] = ("aws", "azure", "gcp")

Pricing = Literal["on_demand", "spot", "reserved_1y", "reserved_3y"]
PRICING_TERM_MONTHS: dict[str, int] = {
    "on_demand": 0,
    "spot": 0,
    "reserved_1y": 12,
    "reserved_3y": 36,
}

Residency = Annotated[
    str,
    Field(
        pattern=r"^([A-Z]{2}|EU|EEA|EU_ADEQUATE|US_DPF)$",
        description="ISO country code (DE, US) or group: EU, EEA, EU_ADEQUATE, US_DPF.",
    ),
]

Classification = Literal["public", "internal", "confidential", "pii", "phi", "special_category"]
CLASSIFICATIONS: tuple[Classification, ...] = (
    "public",
    "internal",
    "confidential",
    "pii",
    "phi",
    "special_category",
)


def is_classification(value: str) -> TypeGuard[Classification]:
    """Whether ``value`` names a data classification (and, to a type checker, is one)."""
    return value in CLASSIFICATIONS


Control = Literal[
    "confidential_computing",
    "gpu_confidential_computing",
    "hipaa_baa",
    "cmk",
    "dedicated_host",
]
CONTROLS: tuple[Control, ...] = (
    "confidential_computing",
    "gpu_confidential_computing",
    "hipaa_baa",
    "cmk",
    "dedicated_host",
)

Precision = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4"]
BYTES_PER_PARAM: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5,
}

WorkloadKind = Literal["inference", "training", "batch"]
Objective = Literal["tco", "monthly_cost", "weighted"]
SolverName = Literal["highs", "cbc"]

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"),
    Field(description="ASCII id: letters, digits, '-', '_' or '.', at most 64 characters."),
]
CountryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    Field(description="ISO 3166-1 alpha-2 country code, upper case (GB for the UK)."),
]
HOURS_IN_MONTH = 730.0


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, instances are immutable, and no
    number may be infinite or NaN (every float field also states its range)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False
    )
