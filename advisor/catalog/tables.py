"""Schema (version 1) of every catalog table: columns, types, keys and row checks."""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 1
PROVENANCE = ("source", "as_of", "basis", "note")
INFORMATIONAL_FILES = frozenset({"excluded_prices.csv"})
"""Files a catalog directory may hold that the loader does not read (kept for people)."""
BASES = ("listed", "derived", "derived_rule", "estimate", "authored", "user")


@dataclass(frozen=True)
class TableSpec:
    """One catalog table: its file, typed columns and the key a user row overrides by."""

    name: str
    file: str
    text: tuple[str, ...]
    numbers: tuple[str, ...]
    key: tuple[str, ...]
    positive: tuple[str, ...] = ()
    provenance: bool = True

    @property
    def columns(self) -> tuple[str, ...]:
        tail = PROVENANCE if self.provenance else ()
        return self.text + self.numbers + tail


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "regions",
            "regions.csv",
            (
                "provider",
                "region",
                "display_name",
                "city",
                "country_iso2",
                "jurisdictions",
                "partition",
                "area",
            ),
            ("latitude", "longitude"),
            ("provider", "region"),
        ),
        TableSpec(
            "instance_types",
            "instance_types.csv",
            ("provider", "instance_type", "family", "accelerator", "arch"),
            ("accelerator_count", "accelerator_memory_gb", "vcpus", "memory_gb"),
            ("provider", "instance_type"),
        ),
        TableSpec(
            "instance_prices",
            "instance_prices.csv",
            ("provider", "region", "instance_type", "pricing"),
            ("usd_per_hour",),
            ("provider", "region", "instance_type", "pricing"),
            positive=("usd_per_hour",),
        ),
        TableSpec(
            "accelerators",
            "accelerators.csv",
            ("accelerator", "name", "vendor", "class"),
            (
                "memory_gb",
                "memory_bandwidth_gbps",
                "fp16_tflops_dense",
                "int8_tops_dense",
                "tdp_watts",
            ),
            ("accelerator",),
            positive=("memory_gb", "tdp_watts"),
        ),
        TableSpec(
            "hardware",
            "hardware.csv",
            ("sku", "tier", "name", "accelerator"),
            (
                "accelerator_count",
                "vcpus",
                "memory_gb",
                "list_price_usd",
                "power_kw",
                "rack_units",
                "useful_life_months",
                "ops_usd_per_month",
            ),
            ("sku",),
            positive=("power_kw", "useful_life_months"),
        ),
        TableSpec(
            "controls",
            "controls.csv",
            ("provider", "region", "family", "control", "available"),
            (),
            ("provider", "region", "family", "control"),
        ),
        TableSpec(
            "latency_measured",
            "latency_measured.csv",
            (
                "src_provider",
                "src_region",
                "dst_provider",
                "dst_region",
                "dataset",
                "statistic",
                "measurement_period",
            ),
            ("rtt_ms",),
            ("src_provider", "src_region", "dst_provider", "dst_region"),
            positive=("rtt_ms",),
        ),
        TableSpec(
            "latency_model", "latency_model.csv", ("parameter", "unit"), ("value",), ("parameter",)
        ),
        TableSpec(
            "egress",
            "egress.csv",
            ("provider", "destination", "source_area"),
            ("tier_from_gb", "tier_to_gb", "usd_per_gb"),
            ("provider", "destination", "source_area", "tier_from_gb"),
        ),
        TableSpec(
            "carbon",
            "carbon.csv",
            ("provider", "region", "dataset", "metric"),
            ("gco2e_per_kwh", "pue", "year"),
            ("provider", "region"),
        ),
        TableSpec(
            "country_carbon",
            "country_carbon.csv",
            ("country_iso2",),
            ("gco2e_per_kwh",),
            ("country_iso2",),
        ),
    )
}
# Text columns a user catalog may omit, with the value they take (added in catalog 2026.12:
# regions.area = continent of the region; egress.source_area = continent the data leaves,
# "*" = any).
OPTIONAL_TEXT = {"area": "", "source_area": "*"}
OPTIONAL_NUMBERS = {
    "accelerator_memory_gb",
    "memory_bandwidth_gbps",
    "fp16_tflops_dense",
    "int8_tops_dense",
    "tier_to_gb",
    "year",
    "pue",
}
