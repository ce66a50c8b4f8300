#!/usr/bin/env python3
"""Build the advisor data catalogs (schema_version 1) from ../shared/data.

Usage::

    python tools/build_catalogs.py --data ../shared/data --out catalogs

The build is deterministic: the same inputs give byte-identical CSVs, manifest.json and
SOURCES.md. Every table ends with the provenance columns ``source, as_of, basis, note``
(``excluded_prices.csv`` ends with ``source, as_of`` only).

Inputs are the public data files described in ``shared/data/*/SOURCE.md``. A few small
tables are *authored* here as literal data (hardware prices, controls, egress rules,
reserved-discount rules, Jetson estimates); each one is labelled ``AUTHORED`` below and
carries a ``basis`` of ``authored``, ``estimate`` or ``derived_rule`` in the output.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import io
import json
import math
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import price_sources

from advisor.catalog import faults

SCHEMA_VERSION = 1
CATALOG_VERSION = "2026.12.0"  # issue 9: new price sources, regions.area, egress.source_area
BUILT_ON = "2026-11-28"  # also the collection date of the shared/data snapshot
BASIS_VALUES = ("listed", "derived", "derived_rule", "estimate", "authored")
PRICING_VALUES = ("on_demand", "spot", "reserved_1y", "reserved_3y")

# --------------------------------------------------------------------------------------
# Source labels: (source string, as_of date). Dates are the data vintage where known,
# otherwise the commit or collection date recorded in the SOURCE.md files.
# --------------------------------------------------------------------------------------
SRC: dict[str, tuple[str, str]] = {
    "sky_aws": ("skypilot-catalog catalogs/v9/aws/vms.csv @2c3d7ea7", BUILT_ON),
    "sky_gcp": ("skypilot-catalog catalogs/v9/gcp/vms.csv @2c3d7ea7", BUILT_ON),
    "sky_azure": (
        "coopslarhette/skypilot-catalog (fork) catalogs/v8/azure/vms.csv @20291d7e",
        BUILT_ON,
    ),
    "sky_egress": (
        "skypilot sky/clouds/{aws,azure,gcp}.py get_egress_cost() via "
        "shared/data skypilot-catalog/SOURCE.md",
        BUILT_ON,
    ),
    "libcloud_prices": (
        "apache-libcloud 3.9.1 libcloud/data/pricing.json compute.ec2_linux (Apache-2.0)",
        "2025-03-02",
    ),
    "libcloud_types": (
        "apache-libcloud 3.9.1 libcloud/compute/constants/ec2_instance_types.py (Apache-2.0)",
        "2025-03-02",
    ),
    "tal66_cloud_regions": ("tal66/cloud-regions web/data/*Data.js @93d997cd (MIT)", "2025-01-15"),
    "dgl_cloud_regions": ("dgl/cloud-regions */data.csv @69868bfe (ODbL-1.0)", "2022-07-20"),
    "cloud_regions_info": (
        "ditikrushna/cloud-regions-info mappings/*_regions.json @61b1cfd5 (MIT)",
        "2025-02-13",
    ),
    "gsf_real_time_cloud": (
        "Green-Software-Foundation/real-time-cloud Cloud_Region_Metadata.csv @b2858aa2 "
        "(data licence unclear)",
        "2026-02-24",
    ),
    "azure_docs_p50": (
        "MicrosoftDocs/azure-docs articles/networking/azure-network-latency.md (CC BY 4.0)",
        "2026-07-30",
    ),
    "cloudping_aws_p50_1y": (
        "oaustegard/oaustegard.github.io web-utilities/aws-ping-p50-1y.json @fc319dc8 "
        "(cloudping.co snapshot)",
        "2025-05-29",
    ),
    "skyplane_ping_2022": (
        "skyplane-project/skyplane profiles/latency.csv @2e3b2c01 (Apache-2.0)",
        "2022-04-16",
    ),
    "skyplane_transfer": (
        "skyplane-project/skyplane skyplane/data/aws_transfer_costs.csv @0513671c (Apache-2.0)",
        "2023-04-27",
    ),
    "google_region_carbon_info": (
        "GoogleCloudPlatform/region-carbon-info data/yearly/{year}.csv @49f3f26b (Apache-2.0)",
        "2025-12-03",
    ),
    "cloud_carbon_coefficients": (
        "cloud-carbon-footprint/cloud-carbon-coefficients data/grid-emissions-factors-*.csv "
        "@dda7621f (Apache-2.0)",
        "2023-05-08",
    ),
    "mlco2_impact": (
        "mlco2/impact data/impact.csv @d0d3ee5a (no explicit data licence)",
        "2026-03-09",
    ),
    "gpu_curated": (
        "shared/data gpu/accelerator_specs_curated.csv (values from llm-analysis@d841e40a "
        "Apache-2.0, gpu-agent@15675aa6 CC BY-SA 4.0, mlco2@b492fe4b)",
        BUILT_ON,
    ),
    "jetson_authored": (
        "shared/data gpu/edge_jetson_orin_authored.csv (authored from public web pages)",
        BUILT_ON,
    ),
    "authored": ("advisor authored table in tools/build_catalogs.py", BUILT_ON),
}

SRC.update(price_sources.PRICE_TABLE_SOURCES)

# --------------------------------------------------------------------------------------
# Output table schemas (schema_version 1): "column:format", format = decimals, int or bool;
# no format = text. Provenance columns are appended to every table but excluded_prices.
# --------------------------------------------------------------------------------------
PROVENANCE = "source as_of basis note"
SCHEMA_SPECS: dict[str, str] = {
    "regions": "provider region display_name city country_iso2 latitude:6 longitude:6 "
    "jurisdictions partition area",
    "instance_types": "provider instance_type family accelerator accelerator_count:int "
    "accelerator_memory_gb:1 vcpus:int memory_gb:2 arch",
    "instance_prices": "provider region instance_type pricing usd_per_hour:6",
    "accelerators": "accelerator name vendor class memory_gb:1 memory_bandwidth_gbps:1 "
    "fp16_tflops_dense:2 int8_tops_dense:2 tdp_watts:1",
    "hardware": "sku tier name accelerator accelerator_count:int vcpus:int memory_gb:int "
    "list_price_usd:2 power_kw:3 idle_kw:3 typical_kw:3 rack_units:int useful_life_months:int "
    "ops_usd_per_month:2",
    "controls": "provider region family control available:bool",
    "latency_measured": "src_provider src_region dst_provider dst_region rtt_ms:3 dataset "
    "statistic measurement_period",
    "latency_model": "parameter value:6 unit",
    "egress": "provider destination source_area tier_from_gb:1 tier_to_gb:1 usd_per_gb:6",
    "carbon": "provider region gco2e_per_kwh:3 pue:3 dataset year:int metric",
    "country_carbon": "country_iso2 gco2e_per_kwh:3",
    "excluded_prices": "provider region instance_type pricing raw_value reason source as_of",
}


def _parse_schema(name: str, spec: str) -> list[tuple[str, Any]]:
    """Turn 'col:fmt col2' into [(col, fmt), ...] and append provenance columns."""
    if name != "excluded_prices":
        spec = f"{spec} {PROVENANCE}"
    cols = []
    for item in spec.split():
        col, _, fmt = item.partition(":")
        cols.append((col, int(fmt) if fmt.isdigit() else (fmt or None)))
    return cols


SCHEMAS: dict[str, list[tuple[str, Any]]] = {
    n: _parse_schema(n, s) for n, s in SCHEMA_SPECS.items()
}
SORT_KEYS: dict[str, list[str]] = {
    "regions": ["provider", "region"],
    "instance_types": ["provider", "instance_type"],
    "instance_prices": ["provider", "region", "instance_type", "pricing"],
    "accelerators": ["accelerator"],
    "hardware": ["sku"],
    "controls": ["provider", "region", "family", "control"],
    "latency_measured": ["src_provider", "src_region", "dst_provider", "dst_region"],
    "latency_model": ["parameter"],
    "egress": ["provider", "destination", "source_area", "tier_from_gb"],
    "carbon": ["provider", "region"],
    "country_carbon": ["country_iso2"],
    "excluded_prices": ["provider", "region", "instance_type", "pricing", "reason", "raw_value"],
}
DESCRIPTIONS: dict[str, str] = {
    "regions": "Cloud regions with coordinates, country, jurisdiction tokens and partition",
    "instance_types": "Instance type specs (vCPU, memory, accelerator id and count)",
    "instance_prices": "USD/hour per instance, region and pricing (on-demand, spot, reserved)",
    "accelerators": "Accelerator specs keyed by canonical id",
    "hardware": "On-prem servers and edge devices with list price, power and life (estimates)",
    "controls": "Security/compliance controls per provider/region/family (authored; verify)",
    "latency_measured": "Measured inter-region RTT (one dataset per directed pair)",
    "latency_model": "Distance-based RTT model parameters and fit statistics",
    "egress": "Data-transfer prices in USD/GB by destination class and volume tier",
    "carbon": "Location-based grid carbon intensity and PUE per region",
    "country_carbon": "Grid carbon intensity per country (median of region values)",
    "excluded_prices": "Source price rows not emitted, with the reason",
}

# --------------------------------------------------------------------------------------
# AUTHORED: canonical accelerator ids. Maps our id -> row name in
# gpu/accelerator_specs_curated.csv (Jetson and B300 rows are built further below).
# --------------------------------------------------------------------------------------
CURATED_ACCELERATORS: dict[str, str] = {
    "H100": "NVIDIA H100 SXM5 80GB",
    "H100-NVL": "NVIDIA H100 NVL 94GB",
    "H200": "NVIDIA H200 SXM 141GB",
    "B200": "NVIDIA B200",
    "A100": "NVIDIA A100 SXM4 40GB",
    "A100-80GB": "NVIDIA A100 SXM4 80GB",
    "L40S": "NVIDIA L40S 48GB",
    "L40": "NVIDIA L40 48GB",
    "L4": "NVIDIA L4 24GB",
    "A10": "NVIDIA A10 24GB",
    "A10G": "NVIDIA A10G 24GB",
    "T4": "NVIDIA T4 16GB",
    "V100": "NVIDIA V100 PCIe 16GB",
    "V100-32GB": "NVIDIA V100 SXM2 32GB",
    "MI300X": "AMD Instinct MI300X 192GB",
}
CURATED_NOTES: dict[str, str] = {
    "V100": "also used for AWS p3 (V100 SXM2 16GB: ~125 TFLOPS, 300 W); PCIe figures kept",
    "A100-80GB": "SXM4 figures; Azure NC A100 v4 uses the PCIe 80GB part (1935 GB/s, 300 W)",
    "A10G": "AWS-specific SKU; NVIDIA publishes no datasheet; compute figures approximate",
}
# Gaps in the curated file filled from author knowledge (basis becomes `authored`).
CURATED_FILLS: dict[str, dict[str, float]] = {
    "H100-NVL": {"memory_bandwidth_gbps": 3900.0, "int8_tops_dense": 1671.0},
}
CURATED_FILL_NOTES: dict[str, str] = {
    "H100-NVL": (
        "memory_bandwidth 3900 GB/s from author knowledge of the NVIDIA H100 NVL datasheet "
        "(not in retrieved sources; verify); int8 dense = 2 x fp16 dense (Hopper ratio)"
    ),
}

# AUTHORED (estimate): B300 is in the SkyPilot AWS catalog but in no spec source.
B300_ESTIMATE: dict[str, Any] = {
    "accelerator": "B300",
    "name": "NVIDIA B300 (Blackwell Ultra) SXM",
    "vendor": "NVIDIA",
    "class": "datacenter",
    "memory_gb": 288.0,
    "memory_bandwidth_gbps": 8000.0,
    "fp16_tflops_dense": 2250.0,
    "int8_tops_dense": None,
    "tdp_watts": 1100.0,
    "note": (
        "estimate: no spec source; memory 288 GB matches SkyPilot AWS GpuInfo (275040 MiB); "
        "bandwidth 8 TB/s and 1100 W from public launch reporting; FP16/BF16 dense assumed "
        "equal to B200 (Blackwell Ultra raises FP4, not FP16); INT8 left empty (reduced on "
        "Blackwell Ultra, figure unknown); verify"
    ),
}

# AUTHORED: Jetson ids -> row name in gpu/edge_jetson_orin_authored.csv.
JETSON_ROWS: dict[str, str] = {
    "ORIN-AGX-64": "Jetson AGX Orin 64GB",
    "ORIN-AGX-32": "Jetson AGX Orin 32GB",
    "ORIN-NX-16": "Jetson Orin NX 16GB",
    "ORIN-NANO-8": "Jetson Orin Nano Super 8GB (JetPack 6.1+ clocks)",
}

# AUTHORED: source accelerator names (SkyPilot/libcloud) -> canonical id.
ACCELERATOR_NAME_MAP: dict[str, str] = {
    "H100": "H100",
    "H100-MEGA": "H100",
    "H200": "H200",
    "B200": "B200",
    "B300": "B300",
    "A100": "A100",
    "A100-80GB": "A100-80GB",
    "L40S": "L40S",
    "L4": "L4",
    "A10": "A10",
    "A10G": "A10G",
    "T4": "T4",
    "V100": "V100",
    "V100-32GB": "V100-32GB",
}

# --------------------------------------------------------------------------------------
# AUTHORED: price-source selection and fixes.
# --------------------------------------------------------------------------------------
# libcloud (2025-03-02) on-demand rows used to widen AWS coverage: family -> accelerator id.
LIBCLOUD_GPU_FAMILIES: dict[str, str] = {
    "g4dn": "T4",
    "g5": "A10G",
    "g6": "L4",
    "g6e": "L40S",
    "p3": "V100",
    "p3dn": "V100-32GB",
    "p4d": "A100",
    "p4de": "A100-80GB",
    "p5": "H100",
}
LIBCLOUD_CPU_TYPES: tuple[str, ...] = tuple(
    f"{fam}.{size}"
    for fam in ("c7i", "m7i", "r7i")
    for size in ("xlarge", "2xlarge", "4xlarge", "8xlarge")
)
# Families whose on-demand price AWS cut in June 2025 (P4d/P4de -33%, P5 -44%): a libcloud
# (2025-03-02) price for them is stale in every region. p3/p3dn were not cut.
LIBCLOUD_STALE_FAMILIES: tuple[str, ...] = ("p4d", "p4de", "p5")

# GCP fixed GPU shapes: machine type -> (SkyPilot accelerator row name, count). The GPU is
# attached to the machine type; the host row prices only vCPU+RAM (see SOURCES.md).
GCP_SHAPES: dict[str, tuple[str, int]] = {
    **{f"a2-highgpu-{n}g": ("A100", n) for n in (1, 2, 4, 8)},
    "a2-megagpu-16g": ("A100", 16),
    **{f"a2-ultragpu-{n}g": ("A100-80GB", n) for n in (1, 2, 4, 8)},
    **{f"a3-highgpu-{n}g": ("H100", n) for n in (1, 2, 4, 8)},
    "a3-megagpu-8g": ("H100-MEGA", 8),
    "a3-ultragpu-8g": ("H200", 8),
    "a4-highgpu-8g": ("B200", 8),
}
GCP_CPU_TYPES: tuple[str, ...] = ("c2-standard-16", "n4d-highmem-8")

# Azure: accelerators the catalog cannot spec -> excluded.
AZURE_UNSPECCED: dict[str, str] = {
    "K80": "K80 (retired GPU) has no row in accelerators.csv",
    "M60": "M60 (retired GPU) has no row in accelerators.csv",
    "Radeon MI25": "Radeon MI25 has no spec in gpu/ sources",
}
AZURE_UNSPECCED_TYPES: dict[str, str] = {
    "_V620_": "AMD Radeon Pro V620 has no spec in gpu/ sources",
    "Standard_NP": "FPGA (Xilinx U250) instance; not an accelerator the advisor models",
    "_A10_v4": "accelerator empty in source; NCads_A10_v4 sizes use GPU partitions (unverified)",
    "Standard_ND40s_v3": "accelerator and price empty in source",
}
# Fixes to source accelerator columns (authored from Azure VM size docs; verify).
AZURE_ACCELERATOR_FIXES: dict[str, tuple[str, int, str]] = {
    "Standard_NC40ads_H100_v5": ("H100-NVL", 1, "NC H100 v5 uses H100 NVL 94GB; source: H100"),
    "Standard_NC80adis_H100_v5": ("H100-NVL", 2, "NC H100 v5 uses H100 NVL 94GB; source: H100"),
    "Standard_NCC40ads_H100_v5": (
        "H100-NVL",
        1,
        "confidential NCC H100 v5 = 1x H100 NVL; accelerator empty in source",
    ),
    "Standard_ND96isr_H100_v5": (
        "H100",
        8,
        "ND H100 v5 has 8x H100 SXM; source says 12 (fault); price 98.32 = 8 x 12.29",
    ),
}

# AUTHORED (derived_rule): reserved discounts off on-demand; author's reading of pricing pages.
# AUTHORED: AWS P-family 3-year commitment after the June 2025 cut. No source lists P-family
# 3-year prices; the issue 9 audit (November 2026) found a P5 3-year savings plan about 25 %
# below the new on-demand price, so the generic 55 % rule would be far too cheap.
# AUTHORED: EC2 Spot is offered for every instance type (AWS Spot Instances documentation),
# so a GPU family without a spot quote still has a spot price; Azure and GCP sell spot per
# size, so a size without a quote gets no spot row (no estimate that could flip a plan).
SPOT_ON_EVERY_TYPE: tuple[str, ...] = ("aws",)
P_FAMILY_3Y_DISCOUNT: dict[str, float] = {
    f: 0.25 for f in ("p4d", "p4de", "p5", "p5en", "p6-b200", "p6-b300")
}
P_FAMILY_3Y_NOTE = (
    "AWS P-family 3-year savings plan about 25% below post-June-2025 on-demand "
    "(issue 9 price audit, November 2026)"
)
RESERVED_DISCOUNTS: dict[str, dict[str, Any]] = {
    "aws": {
        "reserved_1y": 0.35,
        "reserved_3y": 0.55,
        "doc": "Amazon EC2 Reserved Instances pricing, Standard RI, no upfront",
    },
    "azure": {
        "reserved_1y": 0.37,
        "reserved_3y": 0.57,
        "doc": "Azure Reserved Virtual Machine Instances pricing, monthly payment",
    },
    "gcp": {
        "reserved_1y": 0.37,
        "reserved_3y": 0.55,
        "doc": "Compute Engine resource-based committed use discounts (GPU and vCPU/RAM)",
    },
}

# --------------------------------------------------------------------------------------
# AUTHORED: region fixes and continents.
# --------------------------------------------------------------------------------------
REGION_COORD_OVERRIDES: dict[tuple[str, str], tuple[float, float, str, str]] = {
    ("aws", "us-east-1"): (
        39.02876,
        -77.458263,
        "cloud_regions_info",
        "coordinate replaced by cloud-regions-info Ashburn point; tal66/dgl give a "
        "Virginia-level approximation (regions/SOURCE.md)",
    ),
}
REGION_DROPS: dict[tuple[str, str], str] = {
    ("azure", "brazilus"): "logical region; no country and only a nominal centre-of-Brazil point",
    ("azure", "southeastasiastandard"): "non-standard name listed by one source only",
}
COUNTRIES_BY_CONTINENT: dict[str, tuple[str, ...]] = {
    "north_america": ("US", "CA", "MX"),
    "south_america": ("BR", "CL"),
    "europe": ("AT", "BE", "CH", "DE", "DK", "ES", "FI", "FR", "GB", "GR", "IE", "IT", "NL",
               "NO", "PL", "SE"),
    "asia": ("AE", "BH", "CN", "HK", "ID", "IL", "IN", "JP", "KR", "MY", "QA", "SA", "SG",
             "TH", "TW"),
    "oceania": ("AU", "NZ"),
    "africa": ("ZA",),
}  # fmt: skip
CONTINENT: dict[str, str] = {c: k for k, cs in COUNTRIES_BY_CONTINENT.items() for c in cs}

# --------------------------------------------------------------------------------------
# AUTHORED: egress prices not in any data file (USD/GB; verify against pricing pages).
# --------------------------------------------------------------------------------------
TB = 1024.0  # SkyPilot's get_egress_cost() counts 1 TB as 1024 GB
SKYPILOT_INTERNET_TIERS: dict[str, list[tuple[float, float | None, float]]] = {
    "aws": [(0, 1, 0.0), (1, 10 * TB, 0.09), (10 * TB, 50 * TB, 0.085),
            (50 * TB, 150 * TB, 0.07), (150 * TB, None, 0.05)],
    "azure": [(0, 1, 0.0), (1, 10 * TB, 0.0875), (10 * TB, 50 * TB, 0.083),
              (50 * TB, 150 * TB, 0.07), (150 * TB, None, 0.05)],
    "gcp": [(0, 1 * TB, 0.12), (1 * TB, 10 * TB, 0.11), (10 * TB, None, 0.08)],
}  # fmt: skip
# Inter-region transfer by the *source* region's area (continent key of CONTINENT):
# (same-continent USD/GB, other-continent USD/GB). "*" is the fallback for areas not listed.
AUTHORED_INTER_REGION: dict[str, dict[str, tuple[float, float]]] = {
    "azure": {
        "*": (0.02, 0.05),
        "north_america": (0.02, 0.05),
        "europe": (0.02, 0.05),
        "asia": (0.08, 0.08),
        "oceania": (0.08, 0.08),
        "africa": (0.08, 0.08),
        "south_america": (0.16, 0.16),
    },
    "gcp": {
        "*": (0.02, 0.08),
        "north_america": (0.02, 0.08),
        "europe": (0.02, 0.08),
        "asia": (0.08, 0.08),
        "oceania": (0.08, 0.15),
        "africa": (0.08, 0.15),
        "south_america": (0.08, 0.08),
    },
}
AUTHORED_INTER_REGION_NOTES: dict[str, str] = {
    "azure": (
        "Azure Bandwidth pricing, data transfer between regions, by source continent: within "
        "North America or Europe 0.02/GB, between continents from North America/Europe 0.05; "
        "from Asia, Oceania, Middle East and Africa 0.08; from South America 0.16 (issue 9 "
        "audit: 0.08-0.16 outside NA/EU); author's reading; verify"
    ),
    "gcp": (
        "Google Cloud VPC network pricing, inter-region data transfer by source continent: "
        "within Northern America or Europe 0.02/GB, within Asia 0.08, between continents "
        "0.08, from Oceania/Africa to other continents 0.15; author's reading; verify"
    ),
}

# --------------------------------------------------------------------------------------
# AUTHORED: controls (provider, region, family, control, available, doc title / note).
# Most specific row wins; no row = not available. Author's reading of provider docs; verify.
# --------------------------------------------------------------------------------------
AWS_SEV_SNP_REGIONS = ("us-east-2", "eu-west-1")
CONTROLS: list[tuple[str, str, str, str, bool, str]] = [
    ("aws", "*", "*", "hipaa_baa", True, "AWS HIPAA Eligible Services Reference: Amazon EC2"),
    ("aws", "*", "*", "cmk", True, "Amazon EBS encryption with AWS KMS customer managed keys"),
    ("aws", "*", "*", "confidential_computing", False,
     "AMD SEV-SNP only on m6a/c6a/r6a in a few regions (rows below)"),
    *[("aws", r, f, "confidential_computing", True,
       "Amazon EC2 User Guide: AMD SEV-SNP (m6a/c6a/r6a; us-east-2, eu-west-1)")
      for r in AWS_SEV_SNP_REGIONS for f in ("m6a", "c6a", "r6a")],
    ("aws", "*", "*", "gpu_confidential_computing", False,
     "no GPU confidential-computing instance on EC2 known to the author"),
    ("aws", "*", "*", "dedicated_host", False,
     "Amazon EC2 Dedicated Hosts: only families confirmed below; GPU families p4d/p5/p6 "
     "not confirmed -> false"),
    *[("aws", "*", f, "dedicated_host", True,
       "Amazon EC2 Dedicated Hosts: supported instance types")
      for f in ("m7i", "c7i", "r7i", "g4dn")],
    *[("aws", r, "*", "hipaa_baa", False,
       "AWS China (Sinnet/NWCD) is outside the AWS global BAA")
      for r in ("cn-north-1", "cn-northwest-1")],
    ("azure", "*", "*", "hipaa_baa", True,
     "Microsoft Products and Services DPA / HIPAA BAA: Azure Virtual Machines in scope"),
    ("azure", "*", "*", "cmk", True,
     "Server-side encryption of Azure managed disks with customer-managed keys (Key Vault)"),
    ("azure", "*", "*", "confidential_computing", False,
     "Azure confidential VMs only on DCasv5/ECasv5/DCesv5/NCCadsH100v5 (rows below)"),
    *[("azure", "*", f, "confidential_computing", True,
       "Azure confidential VM options (AMD SEV-SNP / Intel TDX); regional availability varies")
      for f in ("DCas_v5", "ECas_v5", "DCes_v5", "ECes_v5")],
    ("azure", "eastus2", "NCCads_H100_v5", "confidential_computing", True,
     "Azure NCCads H100 v5 confidential GPU VM; region per SkyPilot Azure catalog"),
    ("azure", "*", "*", "gpu_confidential_computing", False,
     "Azure GPU confidential computing only on NCCads_H100_v5"),
    ("azure", "eastus2", "NCCads_H100_v5", "gpu_confidential_computing", True,
     "Azure NCCads H100 v5 (H100 NVL in CC mode); offered where SkyPilot lists it (eastus2)"),
    ("azure", "*", "*", "dedicated_host", False,
     "Azure Dedicated Host: limited VM series; GPU series not supported"),
    ("azure", "*", "Fs_v2", "dedicated_host", True, "Azure Dedicated Host: Fsv2-Type2/3/4"),
    *[("azure", r, "*", "hipaa_baa", False,
       "Azure China (21Vianet) is outside the Microsoft BAA")
      for r in ("chinaeast", "chinaeast2", "chinanorth", "chinanorth2", "chinanorth3")],
    ("gcp", "*", "*", "hipaa_baa", True, "Google Cloud HIPAA compliance: Compute Engine covered"),
    ("gcp", "*", "*", "cmk", True, "Compute Engine: customer-managed encryption keys (CMEK)"),
    ("gcp", "*", "*", "confidential_computing", False,
     "Confidential VM only on N2D/C2D/C3 (rows below) and A3 confidential"),
    *[("gcp", "*", f, "confidential_computing", True,
       "Confidential VM supported configurations (AMD SEV / Intel TDX)")
      for f in ("n2d-standard", "n2d-highmem", "n2d-highcpu",
                "c2d-standard", "c2d-highmem", "c2d-highcpu",
                "c3-standard", "c3-highmem", "c3-highcpu")],
    ("gcp", "*", "*", "gpu_confidential_computing", False,
     "GPU Confidential VM only on a3-highgpu-1g in a few zones; the family a3-highgpu "
     "cannot express a single size, so conservatively false"),
    ("gcp", "*", "*", "dedicated_host", False,
     "Compute Engine sole-tenant nodes: N1/N2/N2D/C2/C3/M families; A2/A3 not supported"),
    ("gcp", "*", "c2-standard", "dedicated_host", True,
     "Compute Engine sole-tenant node types: c2-node-60-240"),
]  # fmt: skip

# --------------------------------------------------------------------------------------
# AUTHORED (estimate): on-prem / edge hardware. Prices are estimates unless stated.
# Power = accelerator TDP x count + host overhead (kW); ops = support + admin share.
# --------------------------------------------------------------------------------------
SUPPORT_RATE_PER_YEAR = 0.08  # vendor support contract, fraction of list price per year
ADMIN_USD_PER_MONTH = {"local": 400.0, "edge": 30.0}  # share of admin/monitoring time
# Idle and typical draw (estimate, calibrated on the one node with published measurements):
# an 8x H100 HGX/DGX node is rated 10.2 kW max, draws 6.5-8.5 kW typical
# (https://www.supercluster.blog/p/6-ai-supercluster-nvidia-dgx-h100, citing NVIDIA's DGX H100
# documentation) and peaked at ~8.4 kW even with GPUs near full use when measured
# (Latif et al. 2024, https://arxiv.org/abs/2412.08602). LLM serving holds an H100 SXM at
# ~400-550 W of its 700 W TDP; an idle Hopper-class GPU draws ~60-90 W; servers idle at
# roughly 25-35% of their host power (SPECpower-class servers). Hence typical = 0.72 x GPU
# TDP + 0.75 x host and idle = 0.11 x GPU TDP + 0.30 x host: 7.5 kW typical and 2.0 kW idle
# for the 8x H100 node, inside the published 6.5-8.5 kW band.
GPU_TYPICAL_OF_TDP = 0.72
HOST_TYPICAL_OF_MAX = 0.75
GPU_IDLE_OF_TDP = 0.11
HOST_IDLE_OF_MAX = 0.30


@dataclass(frozen=True)
class HardwareSpec:
    """One authored on-prem or edge hardware SKU."""

    sku: str
    tier: str
    name: str
    accelerator: str
    accelerator_count: int
    vcpus: int
    memory_gb: int
    list_price_usd: float
    host_overhead_kw: float
    rack_units: int
    useful_life_months: int
    price_reason: str
    support_rate: float = SUPPORT_RATE_PER_YEAR


HARDWARE: list[HardwareSpec] = [
    HardwareSpec("hgx-h100-8", "local", "8x H100 SXM HGX server (DGX H100 class)", "H100", 8,
                 224, 2048, 300000.0, 4.6, 8, 60,
                 "HGX H100 8-GPU systems widely reported at ~USD 250-350k in 2024-2025; "
                 "midpoint; verify with a quote"),
    HardwareSpec("hgx-h200-8", "local", "8x H200 SXM HGX server", "H200", 8,
                 224, 2048, 350000.0, 4.6, 8, 60,
                 "HGX H200 systems reported at ~USD 300-400k in 2025; midpoint; verify"),
    HardwareSpec("hgx-b200-8", "local", "8x B200 HGX server (DGX B200 class)", "B200", 8,
                 224, 2048, 500000.0, 6.3, 10, 60,
                 "DGX/HGX B200 reported at ~USD 450-550k in 2025; midpoint; verify"),
    HardwareSpec("a100-80gb-8", "local", "8x A100 80GB SXM HGX server (DGX A100 class)",
                 "A100-80GB", 8, 256, 1024, 150000.0, 3.3, 6, 60,
                 "HGX A100 80GB systems traded at ~USD 120-200k in 2024-2025 (end of life, "
                 "new and refurbished); verify"),
    HardwareSpec("l40s-4", "local", "4x L40S PCIe 2U server", "L40S", 4,
                 64, 512, 55000.0, 0.8, 2, 60,
                 "4 x ~USD 9k per L40S card + ~USD 19k dual-socket 2U host; verify"),
    HardwareSpec("l4-2", "local", "2x L4 PCIe 1U server", "L4", 2,
                 32, 256, 16000.0, 0.5, 1, 60,
                 "2 x ~USD 2.8k per L4 card + ~USD 10k 1U host; verify"),
    HardwareSpec("cpu-2s-128", "local", "dual-socket CPU server, 2x32 cores / 128 threads", "", 0,
                 128, 512, 25000.0, 0.9, 1, 60,
                 "2 x 32-core current-gen CPUs, 512 GB RAM, 1U; ~USD 20-30k; verify"),
    HardwareSpec("jetson-agx-orin-64", "edge", "NVIDIA Jetson AGX Orin 64GB box",
                 "ORIN-AGX-64", 1, 12, 64, 1999.0, 0.015, 0, 48,
                 "Jetson AGX Orin 64GB developer kit list price ~USD 1,999 (author "
                 "knowledge of NVIDIA store); verify"),
    HardwareSpec("jetson-agx-orin-32", "edge", "NVIDIA Jetson AGX Orin 32GB industrial box",
                 "ORIN-AGX-32", 1, 8, 32, 1500.0, 0.015, 0, 48,
                 "32GB module ~USD 1k + carrier/enclosure ~USD 500; verify"),
    HardwareSpec("jetson-orin-nx-16", "edge", "NVIDIA Jetson Orin NX 16GB box",
                 "ORIN-NX-16", 1, 8, 16, 1000.0, 0.010, 0, 48,
                 "NX 16GB module ~USD 700 + carrier/enclosure ~USD 300; verify"),
    HardwareSpec("jetson-orin-nano-8", "edge", "NVIDIA Jetson Orin Nano Super 8GB dev kit",
                 "ORIN-NANO-8", 1, 6, 8, 249.0, 0.010, 0, 36,
                 "Orin Nano Super developer kit list price USD 249 (Dec 2024 launch, author "
                 "knowledge); verify"),
    HardwareSpec("l4-edge-1", "edge", "1x L4 ruggedised short-depth edge server", "L4", 1,
                 32, 128, 15000.0, 0.33, 2, 60,
                 "ruggedised edge servers (e.g. Dell XR-series, Lenovo SE-series) with 1 x L4 "
                 "~USD 12-18k; midpoint; verify"),
]  # fmt: skip

# AUTHORED (estimate): provider default PUE when no region value exists in the data.
PUE_DEFAULTS: dict[str, tuple[float, str]] = {
    "aws": (1.15, "AWS-reported global PUE ~1.15 (2024 sustainability report; author knowledge)"),
    "azure": (1.18, "Microsoft-reported fleet PUE ~1.18 (author knowledge)"),
    "gcp": (1.10, "Google-reported fleet trailing-12-month PUE ~1.09-1.10 (author knowledge)"),
}

# AUTHORED: latency constants.
LAN_RTT_MS = 1.0
KNEE_GRID_KM = tuple(float(k) for k in range(250, 8001, 250))
INTERNET_PATH_FACTOR = 2.1  # Bozkurt et al. 2017 rule of thumb (reference only)
EARTH_RADIUS_KM = 6371.0088
FIBRE_MIN_MS_PER_KM = 0.01  # light in fibre ~200 km/ms one way -> 0.01 ms/km round trip
LATENCY_PRIORITY = ("azure_docs_p50", "cloudping_aws_p50_1y", "skyplane_ping_2022")


# ======================================================================================
# Helpers
# ======================================================================================
Key = tuple[str, str, str]  # (provider, region, instance_type)


@dataclass
class Build:
    """Mutable state shared by the table builders (exclusions and facts for SOURCES.md)."""

    data: Path
    price_tables: Path = Path()
    excluded: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def exclude(self, key: Key, pricing: str, raw: Any, reason: str, src: str) -> None:
        """Record a source price row (key = provider, region, instance type) not emitted."""
        source, as_of = SRC[src]
        provider, region, itype = key
        self.excluded.append(
            {
                "provider": provider,
                "region": region,
                "instance_type": itype,
                "pricing": pricing,
                "raw_value": _raw(raw),
                "reason": reason,
                "source": source,
                "as_of": as_of,
            }
        )


def _raw(value: Any) -> str:
    """Render a raw source value for excluded_prices.csv ('' for empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return _fmt(float(value), 6) if isinstance(value, (int, float)) else str(value)


def _prov(src: str, basis: str, note: str = "", as_of: str | None = None) -> dict[str, str]:
    """Provenance columns for a row from a known source key."""
    source, default_as_of = SRC[src]
    return {"source": source, "as_of": as_of or default_as_of, "basis": basis, "note": note}


def _valid(x: Any) -> bool:
    """True if x is a usable positive number."""
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and float(x) > 0


def great_circle_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Haversine great-circle distance in km (scalars or numpy arrays)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2) - np.radians(lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def read_csv(path: Path) -> pd.DataFrame:
    """Read a source CSV without turning strings like 'NA' into NaN."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def _fmt(value: Any, kind: Any) -> str:
    """Format one cell deterministically."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if kind == "bool":
        return "true" if bool(value) else "false"
    if kind == "int":
        return str(round(float(value)))
    if kind is None:
        return str(value)
    text = f"{round(float(value), kind) + 0.0:.{kind}f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def table_frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build a sorted DataFrame with exactly the schema columns of table `name`."""
    cols = [c for c, _ in SCHEMAS[name]]
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(SORT_KEYS[name], kind="mergesort").reset_index(drop=True)


def render_csv(name: str, df: pd.DataFrame) -> bytes:
    """Render a table as UTF-8 CSV bytes with '\\n' line endings."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c for c, _ in SCHEMAS[name]])
    kinds = [k for _, k in SCHEMAS[name]]
    for row in df.itertuples(index=False):
        writer.writerow([_fmt(v, k) for v, k in zip(row, kinds, strict=True)])
    return buf.getvalue().encode("utf-8")


def write_atomic(path: Path, payload: bytes) -> None:
    """Write bytes to path via a temp file in the same directory and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ======================================================================================
# regions.csv
# ======================================================================================
def _partition(notes: str) -> str:
    """Map the merged file's notes to a partition."""
    low = notes.lower()
    if "aws-cn" in low or "azure china" in low:
        return "china"
    if "aws-us-gov" in low:
        return "gov"
    flags = ("euap", "staging", "restricted-access", "not generally available")
    return "restricted" if any(f in low for f in flags) else "commercial"


def _jurisdictions(country: str, jur: pd.Series) -> str:
    """Jurisdiction tokens for a country, sorted and ';'-joined."""
    tokens = {country}
    if int(jur["eu_member"]) == 1:
        tokens.add("EU")
    if int(jur["eea_member"]) == 1:
        tokens.update({"EEA", "EU_ADEQUATE"})
    if jur["eu_adequacy_decision"] == "yes":
        tokens.add("EU_ADEQUATE")
    if jur["eu_adequacy_decision"] == "partial":
        tokens.add("US_DPF")
    return ";".join(sorted(tokens))


def _display_name(r: Any) -> str:
    """Source display name, or 'City, Country' when the sources give none."""
    if isinstance(r.display_name, str) and r.display_name.strip():
        return r.display_name
    return f"{r.city_or_metro}, {r.country}"


def build_regions(b: Build) -> pd.DataFrame:
    """Regions with coordinates; drop rows without a usable coordinate or country."""
    merged = read_csv(b.data / "regions" / "cloud_regions_merged.csv")
    jur = read_csv(b.data / "regions" / "jurisdictions_by_country.csv").set_index("country_iso2")
    rows, dropped = [], []
    for r in merged.itertuples(index=False):
        key = (r.provider, r.region)
        notes = r.notes if isinstance(r.notes, str) else ""
        lat, lon, coord_src, fix = r.latitude, r.longitude, r.coord_source, ""
        if key in REGION_COORD_OVERRIDES:
            lat, lon, coord_src, fix = REGION_COORD_OVERRIDES[key]
        if key in REGION_DROPS:
            dropped.append((*key, REGION_DROPS[key]))
            continue
        if not (isinstance(lat, float) and not math.isnan(lat)) or not isinstance(
            r.country_iso2, str
        ):
            dropped.append((*key, notes or "no coordinate in sources"))
            continue
        src_label, as_of = SRC[coord_src]
        note = "; ".join(
            x
            for x in (
                f"coordinates: {coord_src} (city-level, approximate)",
                fix,
                notes,
                "city/country authored in regions/cloud_regions_merged.csv; jurisdictions "
                "from authored jurisdictions_by_country.csv; verify with counsel",
            )
            if x
        )
        rows.append(
            {
                "provider": r.provider,
                "region": r.region,
                "display_name": _display_name(r),
                "city": r.city_or_metro,
                "country_iso2": r.country_iso2,
                "latitude": lat,
                "longitude": lon,
                "jurisdictions": _jurisdictions(r.country_iso2, jur.loc[r.country_iso2]),
                "partition": _partition(notes),
                "area": CONTINENT.get(r.country_iso2, ""),
                "source": f"shared/data regions/cloud_regions_merged.csv; {src_label}",
                "as_of": as_of,
                "basis": "authored",
                "note": note,
            }
        )
    b.facts["regions_dropped"] = sorted(dropped)
    return table_frame("regions", rows)


# ======================================================================================
# accelerators.csv
# ======================================================================================
def _curated_row(acc: str, c: pd.Series) -> dict[str, Any]:
    """One accelerators.csv row from the curated spec file."""
    cls = "edge" if c["class"] == "edge" else "datacenter"
    row = {
        "accelerator": acc,
        "name": c.name,
        "vendor": c["vendor"],
        "class": cls,
        "memory_gb": c["memory_gb"],
        "memory_bandwidth_gbps": c["memory_bandwidth_gbs"],
        "fp16_tflops_dense": c["fp16_bf16_tensor_tflops_dense"],
        "int8_tops_dense": c["int8_tops_dense"],
        "tdp_watts": c["tdp_watts"],
    }
    note = f"values: {c['value_sources']}"
    basis = "listed"
    if acc in CURATED_FILLS:
        row.update(CURATED_FILLS[acc])
        note, basis = f"{note}; {CURATED_FILL_NOTES[acc]}", "authored"
    if acc in CURATED_NOTES:
        note = f"{note}; {CURATED_NOTES[acc]}"
    return {**row, **_prov("gpu_curated", basis, note)}


def _jetson_row(acc: str, j: pd.Series) -> dict[str, Any]:
    """One Jetson row: memory/bandwidth/power listed, FP16/INT8 dense estimated."""
    sparse = float(j["int8_tops_sparse"])
    note = (
        f"estimate: fp16_tflops_dense = int8 sparse AI TOPS ({sparse:g}, GPU+DLA) / 4 "
        "(/2 sparse->dense, /2 INT8->FP16); includes DLA so GPU-only FP16 is lower; "
        "int8_tops_dense = sparse / 2; tdp = top of module power-mode range "
        f"({j['power_min_w']}-{j['power_max_w']} W); memory is unified CPU+GPU; "
        f"verification: {j['verification']}"
    )
    return {
        "accelerator": acc,
        "name": f"NVIDIA {j.name}",
        "vendor": "NVIDIA",
        "class": "edge",
        "memory_gb": j["memory_gb"],
        "memory_bandwidth_gbps": j["memory_bandwidth_gbs"],
        "fp16_tflops_dense": sparse / 4,
        "int8_tops_dense": sparse / 2,
        "tdp_watts": j["power_max_w"],
        **_prov("jetson_authored", "estimate", note),
    }


def build_accelerators(b: Build) -> pd.DataFrame:
    """Canonical accelerator specs: curated file first, Jetson estimates, B300 estimate."""
    cur = read_csv(b.data / "gpu" / "accelerator_specs_curated.csv").set_index("accelerator")
    jet = read_csv(b.data / "gpu" / "edge_jetson_orin_authored.csv").set_index("accelerator")
    rows = [_curated_row(acc, cur.loc[name].copy()) for acc, name in CURATED_ACCELERATORS.items()]
    for acc, name in JETSON_ROWS.items():
        rows.append(_jetson_row(acc, jet.loc[name]))
    b300 = {k: v for k, v in B300_ESTIMATE.items() if k != "note"}
    rows.append({**b300, **_prov("authored", "estimate", B300_ESTIMATE["note"])})
    return table_frame("accelerators", rows)


# ======================================================================================
# Prices: shared zone-collapsing logic
# ======================================================================================
@dataclass
class ZoneQuote:
    """One zone's on-demand and spot quote for an instance in a region."""

    zone: str
    on_demand: float
    spot: float


def _num(x: Any) -> float:
    """Convert a cell to float (NaN for empty)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _where(zone: str) -> str:
    """Human label for a zone in exclusion reasons ('' = provider has no zones)."""
    return f"zone {zone} " if zone else ""


def collapse_zones(
    b: Build, key: Key, quotes: list[ZoneQuote], src: str, od_note: str, od_basis: str
) -> list[dict[str, Any]]:
    """Collapse zone quotes to region rows; record faults in excluded_prices."""
    ods = sorted({q.on_demand for q in quotes if not math.isnan(q.on_demand)})
    if not ods or not all(v > 0 for v in ods):
        raw = ods[0] if ods else math.nan
        code = "zero_price" if ods else "empty_price"
        how = f" ({od_note})" if od_note else ""
        b.exclude(
            key, "on_demand", raw, f"{code}: on-demand {_raw(raw) or 'empty'} in source{how}", src
        )
        for q in quotes:
            if not math.isnan(q.spot):
                why = f"no_on_demand_reference: {_where(q.zone)}spot has no valid on-demand"
                b.exclude(key, "spot", q.spot, why, src)
        return []
    od = float(np.median(ods))
    note = od_note + ("" if len(ods) == 1 else f"; on-demand varied by zone {ods}, median used")
    rows = [_price_row(key, "on_demand", od, src, od_basis, note)]
    good: list[ZoneQuote] = []
    for q in quotes:
        if math.isnan(q.spot):
            continue
        if q.spot <= 0:
            b.exclude(key, "spot", q.spot, f"zero_price: {_where(q.zone)}spot 0", src)
        elif q.spot >= od:
            why = f"spot_not_below_on_demand: {_where(q.zone)}spot {q.spot:g} >= on-demand {od:g}"
            b.exclude(key, "spot", q.spot, why, src)
        else:
            good.append(q)
    if good:
        zones = sorted(q.zone for q in good)
        spot = float(np.median([q.spot for q in good]))
        basis = "listed" if len(good) == 1 and od_basis == "listed" else "derived"
        how = f"zone {zones[0]}" if len(good) == 1 else f"median of {len(good)} zones"
        spot_note = f"{how}{'; ' + od_note if od_note else ''}"
        rows.append(_price_row(key, "spot", spot, src, basis, spot_note))
    elif quotes and all(math.isnan(q.spot) for q in quotes):
        where = "in all zones" if quotes[0].zone else "in source"
        b.exclude(key, "spot", math.nan, f"empty_price: spot empty {where}", src)
    return rows


def _price_row(
    key: Key, pricing: str, usd: float, src: str, basis: str, note: str
) -> dict[str, Any]:
    """One instance_prices row."""
    provider, region, itype = key
    return {
        "provider": provider,
        "region": region,
        "instance_type": itype,
        "pricing": pricing,
        "usd_per_hour": usd,
        **_prov(src, basis, note),
    }


def _type_row(
    provider: str,
    itype: str,
    family: str,
    acc: str,
    count: int,
    vcpus: float,
    mem: float,
    arch: str,
    src: str,
    basis: str = "listed",
    note: str = "",
) -> dict[str, Any]:
    """One instance_types row (accelerator memory filled later from accelerators.csv)."""
    return {
        "provider": provider,
        "instance_type": itype,
        "family": family,
        "accelerator": acc,
        "accelerator_count": count,
        "accelerator_memory_gb": math.nan,
        "vcpus": vcpus,
        "memory_gb": mem,
        "arch": arch,
        **_prov(src, basis, note),
    }


# ======================================================================================
# AWS prices (SkyPilot 2026 first, then libcloud 2025-03-02)
# ======================================================================================
def build_aws_skypilot(b: Build, types: dict, prices: list) -> set[tuple[str, str]]:
    """AWS rows from the SkyPilot v9 catalog; returns the (type, region) pairs seen."""
    df = read_csv(b.data / "skypilot-catalog" / "aws" / "vms.csv")
    seen: set[tuple[str, str]] = set()
    for (itype, region), g in df.groupby(["InstanceType", "Region"], sort=True):
        seen.add((itype, region))
        quotes = [
            ZoneQuote(z, _num(p), _num(s))
            for z, p, s in zip(g.AvailabilityZone, g.Price, g.SpotPrice, strict=True)
        ]
        prices += collapse_zones(b, ("aws", region, itype), quotes, "sky_aws", "", "listed")
        first = g.iloc[0]
        acc_name = first.AcceleratorName if isinstance(first.AcceleratorName, str) else ""
        acc = ACCELERATOR_NAME_MAP.get(acc_name, "") if acc_name else ""
        count = int(_num(first.AcceleratorCount)) if acc else 0
        note = ""
        if isinstance(first.GpuInfo, str):
            mib = ast.literal_eval(first.GpuInfo)["Gpus"][0]["MemoryInfo"]["SizeInMiB"]
            note = f"source GpuInfo: {acc_name} {mib} MiB per GPU"
        types[("aws", itype)] = _type_row(
            "aws",
            itype,
            itype.split(".")[0],
            acc,
            count,
            first.vCPUs,
            first.MemoryGiB,
            first.Arch,
            "sky_aws",
            note=note,
        )
    return seen


def _libcloud_selected(itype: str) -> bool:
    """True for the libcloud instance types used to widen AWS coverage."""
    return itype.split(".")[0] in LIBCLOUD_GPU_FAMILIES or itype in LIBCLOUD_CPU_TYPES


def _libcloud_skip_reason(r: Any, spec: pd.DataFrame, regions: set) -> str:
    """Reason a libcloud price row cannot be used, or ''."""
    if not _valid(r.usd_per_hour):
        return "zero_price: libcloud 0.0 = not offered/unpriced in region"
    if r.instance_type not in spec.index:
        return "not_catalogued: no spec row in libcloud ec2_instance_types"
    if ("aws", r.region) not in regions:
        return "region_unknown: region not in regions.csv (no coordinates or Local Zone)"
    return ""


def build_aws_libcloud(b: Build, types: dict, prices: list, regions: set) -> None:
    """AWS on-demand candidate rows from libcloud (2025-03-02); ranked below newer sources."""
    spec = read_csv(b.data / "libcloud-aws" / "aws_instance_types.csv").set_index("instance_type")
    df = read_csv(b.data / "libcloud-aws" / "aws_on_demand_linux_prices.csv")
    df = df[df.instance_type.map(_libcloud_selected)].sort_values(["instance_type", "region"])
    for r in df.itertuples(index=False):
        fam = r.instance_type.split(".")[0]
        key = ("aws", r.region, r.instance_type)
        why = _libcloud_skip_reason(r, spec, regions)
        if why:
            b.exclude(key, "on_demand", r.usd_per_hour, why, "libcloud_prices")
            continue
        usd = float(r.usd_per_hour)
        prices.append(
            _price_row(key, "on_demand", usd, "libcloud_prices", "listed", "2025-03-02 vintage")
        )
        if ("aws", r.instance_type) not in types:
            s = spec.loc[r.instance_type]
            acc = LIBCLOUD_GPU_FAMILIES.get(fam, "")
            count = int(_num(s.gpu_count)) if acc else 0
            arch = "arm64" if "graviton" in str(s.physical_processor).lower() else "x86_64"
            note = f"accelerator id from family map ({fam} -> {acc})" if acc else ""
            types[("aws", r.instance_type)] = _type_row(
                "aws",
                r.instance_type,
                fam,
                acc,
                count,
                s.vcpu,
                s.memory_gib,
                arch,
                "libcloud_types",
                note=note,
            )


# ======================================================================================
# GCP prices (host row + accelerator row in the same zone)
# ======================================================================================
def _gcp_family(itype: str) -> str:
    """GCP family = machine type without the trailing size segment."""
    return itype.rsplit("-", 1)[0]


def _gcp_shape_quotes(
    hosts: pd.DataFrame, accs: pd.DataFrame, itype: str
) -> dict[str, list[ZoneQuote]]:
    """Per-region zone quotes for a GPU shape: host price + accelerator price, same zone."""
    acc_name, count = GCP_SHAPES[itype]
    a = accs[(accs.AcceleratorName == acc_name) & (accs.AcceleratorCount == count)]
    a = a.drop_duplicates("AvailabilityZone").set_index("AvailabilityZone")
    out: dict[str, list[ZoneQuote]] = {}
    for h in hosts[hosts.InstanceType == itype].itertuples(index=False):
        if h.AvailabilityZone not in a.index:
            continue
        ar = a.loc[h.AvailabilityZone]
        hp, hs = _num(h.Price), _num(h.SpotPrice)
        od = hp + _num(ar.Price) if hp > 0 else hp  # a zero host price stays a fault
        spot = hs + _num(ar.SpotPrice) if hs > 0 else hs
        out.setdefault(h.Region, []).append(ZoneQuote(h.AvailabilityZone, od, spot))
    return out


def build_gcp(b: Build, types: dict, prices: list) -> None:
    """GCP GPU shapes (a2/a3/a4), CPU types; TPU rows are excluded."""
    df = read_csv(b.data / "skypilot-catalog" / "gcp" / "vms.csv")
    hosts = df[df.InstanceType.notna()]
    accs = df[df.InstanceType.isna()]
    for itype in sorted(GCP_SHAPES):
        acc_name, count = GCP_SHAPES[itype]
        note = f"host {itype} row + {count}x {acc_name} accelerator row, same zone"
        a = accs[(accs.AcceleratorName == acc_name) & (accs.AcceleratorCount == count)]
        for region, quotes in sorted(_gcp_shape_quotes(hosts, accs, itype).items()):
            key = ("gcp", region, itype)
            rows = collapse_zones(b, key, quotes, "sky_gcp", note, "derived")
            component = float(a[a.Region == region].Price.astype(float).median()) / count
            for row in rows:
                row["flat_check_usd"] = component  # the accelerator row alone, per GPU
            prices += rows
        h = hosts[hosts.InstanceType == itype].iloc[0]
        types[("gcp", itype)] = _type_row(
            "gcp",
            itype,
            _gcp_family(itype),
            ACCELERATOR_NAME_MAP[acc_name],
            count,
            h.vCPUs,
            h.MemoryGiB,
            "x86_64",
            "sky_gcp",
            note=f"accelerator attached to the machine type (source name {acc_name})",
        )
    for itype in GCP_CPU_TYPES:
        g = hosts[hosts.InstanceType == itype]
        for region, rg in g.groupby("Region", sort=True):
            quotes = [
                ZoneQuote(z, _num(p), _num(s))
                for z, p, s in zip(rg.AvailabilityZone, rg.Price, rg.SpotPrice, strict=True)
            ]
            prices += collapse_zones(b, ("gcp", region, itype), quotes, "sky_gcp", "", "listed")
        h = g.iloc[0]
        types[("gcp", itype)] = _type_row(
            "gcp", itype, _gcp_family(itype), "", 0, h.vCPUs, h.MemoryGiB, "x86_64", "sky_gcp"
        )
    _exclude_gcp_tpus(b, accs)


def _exclude_gcp_tpus(b: Build, accs: pd.DataFrame) -> None:
    """TPU rows: 700.0 placeholders and uncatalogued TPUs go to excluded_prices."""
    tpu = accs[accs.AcceleratorName.str.startswith("tpu-")]
    tpu = tpu.drop_duplicates(["AcceleratorName", "AvailabilityZone"])
    for (name, region), g in tpu.groupby(["AcceleratorName", "Region"], sort=True):
        for pricing, col in (("on_demand", "Price"), ("spot", "SpotPrice")):
            vals = sorted(set(g[col].astype(float)))
            if 700.0 in vals:
                why = "placeholder_price: TPU 700.0 'not offered' placeholder"
                b.exclude(("gcp", region, name), pricing, 700.0, why, "sky_gcp")
            real = [v for v in vals if v != 700.0]
            if real:
                why = "not_catalogued: TPU v6e has no spec source in gpu/"
                b.exclude(("gcp", region, name), pricing, real[0], why, "sky_gcp")


# ======================================================================================
# Azure prices (fork; US regions only)
# ======================================================================================
def _azure_family(itype: str) -> str:
    """Azure family: 'Standard_NC40ads_H100_v5' -> 'NCads_H100_v5'."""
    return re.sub(r"\d+", "", itype.removeprefix("Standard_"), count=1)


def _azure_skip_reason(r: Any) -> str:
    """Reason an Azure row cannot be catalogued, or ''."""
    if r.InstanceType.endswith("_Promo"):
        return "promo_sku: _Promo SKU (time-limited promotional price)"
    for pattern, why in AZURE_UNSPECCED_TYPES.items():
        if pattern in r.InstanceType:
            return f"unspecced_accelerator: {why}"
    if isinstance(r.AcceleratorName, str) and r.AcceleratorName in AZURE_UNSPECCED:
        return f"unspecced_accelerator: {AZURE_UNSPECCED[r.AcceleratorName]}"
    return ""


def build_azure(b: Build, types: dict, prices: list, regions: set) -> None:
    """Azure rows from the fork; one row per (type, region), no zones."""
    df = read_csv(b.data / "skypilot-catalog" / "azure" / "vms.csv")
    df = df.sort_values(["InstanceType", "Region"], kind="mergesort")
    for r in df.itertuples(index=False):
        od, spot = _num(r.Price), _num(r.SpotPrice)
        key = ("azure", r.Region, r.InstanceType)
        why = _azure_skip_reason(r)
        if not why and ("azure", r.Region) not in regions:
            why = "region_unknown: region not in regions.csv"
        if why:
            for pricing, v in (("on_demand", od), ("spot", spot)):
                b.exclude(key, pricing, v, why, "sky_azure")
            continue
        quotes = [ZoneQuote("", od, spot)]
        rows = collapse_zones(b, key, quotes, "sky_azure", "", "listed")
        for row in rows:  # no zones on Azure: a spot row is the listed regional value
            row["basis"], row["note"] = "listed", ""
        prices += rows
        types[("azure", r.InstanceType)] = _azure_type(r)


def _azure_type(r: Any) -> dict[str, Any]:
    """instance_types row for an Azure size, applying authored accelerator fixes."""
    acc_name = r.AcceleratorName if isinstance(r.AcceleratorName, str) else ""
    acc = ACCELERATOR_NAME_MAP.get(acc_name, "")
    count = int(_num(r.AcceleratorCount)) if acc else 0
    basis, note = "listed", ""
    if r.InstanceType in AZURE_ACCELERATOR_FIXES:
        acc, count, note = AZURE_ACCELERATOR_FIXES[r.InstanceType]
        basis = "authored"
        note = f"{note}; verify"
    fam = _azure_family(r.InstanceType)
    return _type_row(
        "azure",
        r.InstanceType,
        fam,
        acc,
        count,
        r.vCPUs,
        r.MemoryGiB,
        "x86_64",
        "sky_azure",
        basis,
        note,
    )


# ======================================================================================
# Reserved prices, instance_types, instance_prices
# ======================================================================================
def _candidates_frame(b: Build, rows: list[dict[str, Any]], types: dict) -> pd.DataFrame:
    """Candidate price rows with source labels, accelerator facts and region area."""
    df = pd.DataFrame(rows)
    for col in ("source", "as_of"):
        df[col] = [SRC[k][0 if col == "source" else 1] for k in df.src]
    if "flat_check_usd" not in df.columns:
        df["flat_check_usd"] = math.nan
    spec = {k: (t["accelerator"], t["accelerator_count"], t["family"]) for k, t in types.items()}
    facts = [
        spec.get((p, i), ("", 0, "")) for p, i in zip(df.provider, df.instance_type, strict=True)
    ]
    df["accelerator"] = [f[0] for f in facts]
    df["accelerator_count"] = [int(f[1]) for f in facts]
    df["family"] = [f[2] for f in facts]
    df["has_spec"] = [(p, i) in spec for p, i in zip(df.provider, df.instance_type, strict=True)]
    df["area"] = [
        b.facts["area"].get((p, r), "") for p, r in zip(df.provider, df.region, strict=True)
    ]
    df = df.sort_values(["priority", *faults.KEY], kind="mergesort").reset_index(drop=True)
    return df


def _exclude_rows(b: Build, df: pd.DataFrame, reasons: pd.Series) -> None:
    for i in df.index[reasons != ""]:
        r = df.loc[i]
        b.exclude(
            (r.provider, r.region, r.instance_type), r.pricing, r.usd_per_hour, reasons[i], r.src
        )


def _pick(b: Build, df: pd.DataFrame, reasons: pd.Series) -> pd.DataFrame:
    """Per key, the best-ranked candidate that passes every rule; every other candidate goes
    to excluded_prices with its own fault or as superseded by the chosen row."""
    ok = df[reasons == ""].drop_duplicates(faults.KEY)
    chosen = ok.set_index(faults.KEY)
    why = reasons.copy()
    for i in df.index[(reasons == "") & ~df.index.isin(ok.index)]:
        r = df.loc[i]
        w = chosen.loc[(r.provider, r.region, r.instance_type, r.pricing)]
        delta = r.usd_per_hour / w.usd_per_hour - 1
        why[i] = f"superseded: {w.src} has {w.usd_per_hour:g} ({delta:+.1%} here); ranked higher"
    _exclude_rows(b, df, why)
    return ok


def _rule_faults(df: pd.DataFrame) -> pd.Series:
    """Stale, flat, outlier and round-multiple faults (first fault wins: a later rule judges
    only the rows the earlier ones passed, so a flat placeholder never sets an outlier's
    median, and a round multiple is judged against the best-ranked row that survived)."""
    stale = pd.Series("", index=df.index, dtype=object)
    fam = df.instance_type.str.split(".").str[0]
    is_stale = (df.src == "libcloud_prices") & fam.isin(LIBCLOUD_STALE_FAMILIES)
    stale[is_stale] = (
        "stale_pre_cut: libcloud 2025-03-02 price predates the June 2025 AWS P4d/P4de (-33%) and "
        "P5 (-44%) on-demand cut"
    )
    out = stale
    rules = (
        lambda rows: faults.flat_across_regions(rows, value_col="flat_check_usd"),
        faults.accelerator_outliers,
        lambda rows: faults.round_multiples(rows, faults.best_ranked(rows, "priority")),
    )
    for rule in rules:
        rows = df[out == ""]
        out = out.where(out != "", faults.reason_text(rule(rows), df.index))
    return out


def _ratio_rules(chosen: pd.DataFrame, pricing: str) -> dict[tuple[str, str], tuple[float, int]]:
    """Median published price/on-demand ratio per (provider, family) for one pricing."""
    od = chosen[chosen.pricing == "on_demand"].set_index(["provider", "region", "instance_type"])
    sub = chosen[(chosen.pricing == pricing) & (chosen.basis != "derived_rule")]
    keys = list(zip(sub.provider, sub.region, sub.instance_type, strict=True))
    ratio = sub.usd_per_hour.to_numpy() / od.usd_per_hour.reindex(keys).to_numpy()
    g = pd.DataFrame({"provider": sub.provider, "family": sub.family, "r": ratio}).dropna()
    agg = g.groupby(["provider", "family"]).r.agg(["median", "size"])
    return {k: (float(v["median"]), int(v["size"])) for k, v in agg.iterrows()}


def _provider_gpu_spot_ratio(
    chosen: pd.DataFrame, ratios: dict[tuple[str, str], tuple[float, int]], no_spot: set
) -> dict[tuple[str, str], tuple[float, int]]:
    """Fallback spot ratio for GPU families with no listed spot anywhere: the median of the
    provider's family ratios, only for providers that sell spot on every instance type
    (SPOT_ON_EVERY_TYPE). Families whose source quotes spot == on-demand get none."""
    gpu = chosen[chosen.accelerator_count > 0]
    gpu = gpu[gpu.provider.isin(SPOT_ON_EVERY_TYPE)]
    out = {}
    for provider, g in gpu.groupby("provider"):
        fams = [
            v for (p, f), v in ratios.items() if p == provider and v[1] >= 3 and f in set(g.family)
        ]
        if len(fams) < 3:
            continue
        median = float(np.median([v[0] for v in fams]))
        n = sum(v[1] for v in fams)
        for fam in set(g.family):
            if (provider, fam) not in ratios and (provider, fam) not in no_spot:
                out[(provider, fam)] = (median, -n)  # negative n marks the provider fallback
    return out


def _derived_rule_rows(chosen: pd.DataFrame, no_spot: set) -> list[dict[str, Any]]:
    """Spot and reserved rows by rule where no source lists one (basis derived_rule).

    spot: the family's median listed spot/on-demand ratio (>= 3 listed rows), else none.
    reserved: the family's median published ratio (>= 3 rows), else the P-family rule
    (AWS 3-year), else the provider rule in RESERVED_DISCOUNTS."""
    od = chosen[chosen.pricing == "on_demand"]
    have = set(
        zip(chosen.provider, chosen.region, chosen.instance_type, chosen.pricing, strict=True)
    )
    out = []
    for pricing in ("spot", "reserved_1y", "reserved_3y"):
        ratios = _ratio_rules(chosen, pricing)
        if pricing == "spot":
            ratios.update(_provider_gpu_spot_ratio(chosen, ratios, no_spot))
        for r in od.itertuples(index=False):
            if (r.provider, r.region, r.instance_type, pricing) in have:
                continue
            factor, note = _rule_for(r.provider, r.family, pricing, ratios)
            if factor is None:
                continue
            out.append(
                {
                    **r._asdict(),
                    "pricing": pricing,
                    "usd_per_hour": r.usd_per_hour * factor,
                    "source": f"{r.source} + {pricing} rule",
                    "basis": "derived_rule",
                    "note": f"estimate: {note}" + (f"; on-demand: {r.note}" if r.note else ""),
                }
            )
    return out


def _rule_for(
    provider: str, family: str, pricing: str, ratios: dict[tuple[str, str], tuple[float, int]]
) -> tuple[float | None, str]:
    """The factor on on-demand for a missing pricing, and the note that explains it."""
    hit = ratios.get((provider, family))
    if hit and hit[1] < 0:
        return hit[0], (
            f"spot = on_demand x {hit[0]:.3f}, the median listed spot/on-demand ratio of "
            f"{provider} GPU families ({-hit[1]} listed rows); no spot quote for {family} in "
            "any source"
        )
    if hit and hit[1] >= 3:
        what = "listed spot" if pricing == "spot" else "published commitment"
        return hit[0], (
            f"{pricing} = on_demand x {hit[0]:.3f}, the median {what}/on-demand ratio of "
            f"{hit[1]} {provider} {family} rows in other regions or sizes"
        )
    if pricing == "spot":
        return None, ""
    if provider == "aws" and pricing == "reserved_3y" and family in P_FAMILY_3Y_DISCOUNT:
        d = P_FAMILY_3Y_DISCOUNT[family]
        return 1 - d, f"reserved_3y = on_demand x (1-{d:.2f}); {P_FAMILY_3Y_NOTE}; verify"
    rule = RESERVED_DISCOUNTS[provider]
    d = rule[pricing]
    return 1 - d, (
        f"{pricing} = on_demand x (1-{d:.2f}); {rule['doc']}; author's reading of provider "
        "pricing page; verify"
    )


def build_prices(
    b: Build, regions_df: pd.DataFrame, acc_df: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """instance_types and instance_prices for all providers: candidates from every source,
    fault rules (advisor.catalog.faults), best passing candidate per key, then rule-derived
    rows."""
    regions = set(zip(regions_df.provider, regions_df.region, strict=True))
    b.facts["area"] = dict(
        zip(zip(regions_df.provider, regions_df.region, strict=True), regions_df.area, strict=True)
    )
    types: dict[tuple[str, str], dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    for reader, src in (
        (lambda out: build_aws_skypilot(b, types, out), "sky_aws"),
        (lambda out: build_aws_libcloud(b, types, out, regions), "libcloud_prices"),
        (lambda out: build_gcp(b, types, out), "sky_gcp"),
        (lambda out: build_azure(b, types, out, regions), "sky_azure"),
    ):
        got: list[dict[str, Any]] = []
        reader(got)
        rows += [{**r, "src": src, "priority": price_sources.PRIORITY[src]} for r in got]
    rows += _price_table_candidates(b, types)
    df = _candidates_frame(b, rows, types)
    b.facts["offered"] = _offered(df, regions_df)
    pre = pd.Series("", index=df.index, dtype=object)
    pre[
        ~pd.Series(list(zip(df.provider, df.region, strict=True)), index=df.index).isin(regions)
    ] = "region_unknown: region not in regions.csv"
    pre[~df.has_spec] = "not_catalogued: no instance-type spec in any source"
    _exclude_rows(b, df, pre)
    df = df[pre == ""]
    od = df[df.pricing == "on_demand"]
    chosen_od = _pick(b, od, _rule_faults(od))
    od_price = chosen_od.set_index(["provider", "region", "instance_type"]).usd_per_hour
    rest = df[df.pricing != "on_demand"]
    below = faults.not_below_on_demand(rest, od_price, flag_unreferenced=True)
    below = faults.reason_text(below, rest.index)
    chosen_rest = _pick(b, rest, below.where(below != "", _rule_faults(rest)))
    chosen = pd.concat([chosen_od, chosen_rest], ignore_index=True)
    no_spot = {
        (e["provider"], types[(e["provider"], e["instance_type"])]["family"])
        for e in b.excluded
        if e["reason"].startswith("spot_not_below_on_demand")
        and (e["provider"], e["instance_type"]) in types
    }
    derived = pd.DataFrame(_derived_rule_rows(chosen, no_spot))
    kept = pd.concat([chosen, derived], ignore_index=True)
    b.facts["rule_counts"] = Counter(derived.pricing) if len(derived) else Counter()
    priced = set(zip(kept.provider, kept.instance_type, strict=True))
    mem = dict(zip(acc_df.accelerator, acc_df.memory_gb, strict=True))
    type_rows = []
    for key in sorted(priced):
        t = types[key]
        t["accelerator_memory_gb"] = mem[t["accelerator"]] if t["accelerator"] else math.nan
        type_rows.append(t)
    b.facts["types_without_prices"] = sorted(k for k in types if k not in priced)
    b.facts["chosen_prices"] = kept
    return table_frame("instance_types", type_rows), table_frame(
        "instance_prices", kept.to_dict("records")
    )


def _offered(df: pd.DataFrame, regions_df: pd.DataFrame) -> pd.DataFrame:
    """(provider, family, region) where any source lists an on-demand price, commercial regions."""
    com = regions_df[regions_df.partition == "commercial"]
    ok = set(zip(com.provider, com.region, strict=True))
    od = df[df.pricing == "on_demand"]
    keep = [(p, r) in ok for p, r in zip(od.provider, od.region, strict=True)]
    return od[keep][["provider", "family", "region"]].drop_duplicates().reset_index(drop=True)


def _price_table_candidates(b: Build, types: dict) -> list[dict[str, Any]]:
    """Candidates and specs from shared/data/price-tables (GCP, Azure, AWS)."""
    tables = b.price_tables
    rows, gcp_specs = price_sources.read_gcp(tables)
    for itype, s in gcp_specs.items():
        if ("gcp", itype) not in types:
            types[("gcp", itype)] = _type_row(
                "gcp", itype, _gcp_family(itype), s["accelerator"], s["count"], s["vcpus"],
                s["memory_gb"], "x86_64", "cyclenerd_gcp", note=s["note"],
            )  # fmt: skip
    rows += price_sources.read_azure(tables)
    for itype, (vcpus, mem, acc, count, doc) in price_sources.AZURE_AUTHORED_TYPES.items():
        if ("azure", itype) not in types:
            types[("azure", itype)] = _type_row(
                "azure", itype, _azure_family(itype), acc, count, vcpus, mem, "x86_64",
                "authored", "authored", f"spec from {doc}; verify",
            )  # fmt: skip
    for itype in price_sources.AZURE_PARTIAL_GPU:
        b.facts.setdefault("partial_gpu", []).append(itype)
    rows += price_sources.read_aws_karpenter(tables)
    v_rows, v_specs, unpriced = price_sources.read_vantage(tables)
    rows += v_rows
    for itype, s in v_specs.items():
        if ("aws", itype) not in types:
            types[("aws", itype)] = _type_row(
                "aws", itype, itype.split(".")[0], s["accelerator"], s["count"], s["vcpus"],
                s["memory_gb"], "x86_64", "vantage_aws", note=s["note"],
            )  # fmt: skip
    b.facts["aws_unpriced"] = sorted(unpriced)
    out = []
    for r in rows:
        if r["instance_type"] in price_sources.AZURE_PARTIAL_GPU:
            why = "not_catalogued: partial-GPU size (a fraction of one A10); whole GPUs only"
            b.exclude((r["provider"], r["region"], r["instance_type"]), r["pricing"],
                      r["usd_per_hour"], why, r["src"])  # fmt: skip
            continue
        out.append({**r, **_prov(r["src"], r["basis"], r["note"])})
    return out


def _src_key(source: str) -> str:
    """Reverse-lookup a SRC key from its source string."""
    return next(k for k, (s, _) in SRC.items() if s == source)


# ======================================================================================
# controls.csv and hardware.csv (authored)
# ======================================================================================
def build_controls(b: Build) -> pd.DataFrame:
    """Authored controls table."""
    rows = [
        {
            "provider": p,
            "region": r,
            "family": f,
            "control": c,
            "available": a,
            **_prov("authored", "authored", f"{doc}; author's reading of provider docs; verify"),
        }
        for p, r, f, c, a, doc in CONTROLS
    ]
    return table_frame("controls", rows)


def build_hardware(b: Build, acc_df: pd.DataFrame) -> pd.DataFrame:
    """Authored on-prem/edge hardware with estimated price, power and ops cost."""
    tdp = dict(zip(acc_df.accelerator, acc_df.tdp_watts, strict=True))
    rows = []
    for h in HARDWARE:
        gpu_kw = tdp[h.accelerator] * h.accelerator_count / 1000 if h.accelerator else 0.0
        power = gpu_kw + h.host_overhead_kw
        typical = GPU_TYPICAL_OF_TDP * gpu_kw + HOST_TYPICAL_OF_MAX * h.host_overhead_kw
        idle = GPU_IDLE_OF_TDP * gpu_kw + HOST_IDLE_OF_MAX * h.host_overhead_kw
        ops = h.list_price_usd * h.support_rate / 12 + ADMIN_USD_PER_MONTH[h.tier]
        note = (
            f"price: {h.price_reason}. power_kw = {h.accelerator_count} x "
            f"{tdp.get(h.accelerator, 0):g} W accelerator TDP + {h.host_overhead_kw:g} kW host "
            f"overhead (CPUs, RAM, NICs, fans, PSU loss). typical_kw = {GPU_TYPICAL_OF_TDP:g} x "
            f"accelerator TDP + {HOST_TYPICAL_OF_MAX:g} x host, idle_kw = {GPU_IDLE_OF_TDP:g} x "
            f"accelerator TDP + {HOST_IDLE_OF_MAX:g} x host (estimate calibrated on the 8x H100 "
            "node: 6.5-8.5 kW typical, 8.4 kW measured peak; see tools/build_catalogs.py). "
            "ops = list x "
            f"{h.support_rate:.0%}/yr support / 12 + USD {ADMIN_USD_PER_MONTH[h.tier]:g} admin "
            f"share. useful life {h.useful_life_months} months (typical depreciation)"
        )
        rows.append(
            {
                "sku": h.sku,
                "tier": h.tier,
                "name": h.name,
                "accelerator": h.accelerator,
                "accelerator_count": h.accelerator_count,
                "vcpus": h.vcpus,
                "memory_gb": h.memory_gb,
                "list_price_usd": h.list_price_usd,
                "power_kw": power,
                "idle_kw": idle,
                "typical_kw": typical,
                "rack_units": h.rack_units,
                "useful_life_months": h.useful_life_months,
                "ops_usd_per_month": ops,
                **_prov("authored", "estimate", note),
            }
        )
    return table_frame("hardware", rows)


# ======================================================================================
# latency_measured.csv and latency_model.csv
# ======================================================================================
def build_latency_measured(b: Build, regions_df: pd.DataFrame) -> pd.DataFrame:
    """Measured RTT, one dataset per directed pair by priority; self pairs dropped."""
    df = read_csv(b.data / "latency" / "inter_region_rtt_long.csv")
    n_in = len(df)
    df = df[~((df.src_provider == df.dst_provider) & (df.src_region == df.dst_region))]
    n_self = n_in - len(df)
    rank = {d: i for i, d in enumerate(LATENCY_PRIORITY)}
    df = df.assign(_rank=df.dataset.map(rank)).sort_values(
        ["src_provider", "src_region", "dst_provider", "dst_region", "_rank"], kind="mergesort"
    )
    keys = ["src_provider", "src_region", "dst_provider", "dst_region"]
    n_before = len(df)
    df = df.drop_duplicates(keys, keep="first")
    known = set(zip(regions_df.provider, regions_df.region, strict=True))
    ok = [
        (sp, sr) in known and (dp, dr) in known
        for sp, sr, dp, dr in zip(
            df.src_provider, df.src_region, df.dst_provider, df.dst_region, strict=True
        )
    ]
    missing = df[[not x for x in ok]]
    df = df[ok]
    b.facts["latency"] = {
        "input_rows": n_in,
        "self_pairs_dropped": n_self,
        "lower_priority_duplicates_dropped": n_before - len(df) - len(missing),
        "pairs_without_region_dropped": len(missing),
        "regions_missing": sorted(
            (
                set(zip(missing.src_provider, missing.src_region, strict=True))
                | set(zip(missing.dst_provider, missing.dst_region, strict=True))
            )
            - known
        ),
        "by_dataset": dict(sorted(Counter(df.dataset).items())),
    }
    rows = [
        {
            "src_provider": r.src_provider,
            "src_region": r.src_region,
            "dst_provider": r.dst_provider,
            "dst_region": r.dst_region,
            "rtt_ms": r.rtt_ms,
            "dataset": r.dataset,
            "statistic": r.statistic,
            "measurement_period": r.measurement_period,
            **_prov(r.dataset, "listed"),
        }
        for r in df.itertuples(index=False)
    ]
    return table_frame("latency_measured", rows)


def pair_distances_km(lat_df: pd.DataFrame, regions_df: pd.DataFrame) -> np.ndarray:
    """Great-circle km for each measured pair, using regions.csv coordinates."""
    c = regions_df.set_index(["provider", "region"])[["latitude", "longitude"]]
    s = c.loc[list(zip(lat_df.src_provider, lat_df.src_region, strict=True))].to_numpy(float)
    d = c.loc[list(zip(lat_df.dst_provider, lat_df.dst_region, strict=True))].to_numpy(float)
    return great_circle_km(s[:, 0], s[:, 1], d[:, 0], d[:, 1])


def hinge_rtt_ms(km: np.ndarray, coef: tuple[float, float, float], knee_km: float) -> np.ndarray:
    """The catalogued path curve, continuous in distance (no metro step):
    rtt = intercept + near x min(km, knee) + far x max(km - knee, 0)."""
    a, near, far = coef
    return a + near * np.minimum(km, knee_km) + far * np.maximum(km - knee_km, 0.0)


def fit_hinge(km: np.ndarray, y: np.ndarray) -> tuple[tuple[float, float, float], float]:
    """LAD fit of the hinge curve; the knee is the grid value with the least absolute error."""
    best = None
    for knee in KNEE_GRID_KM:
        x = np.column_stack([np.ones_like(km), np.minimum(km, knee), np.maximum(km - knee, 0.0)])
        w = np.ones_like(y)
        coef = np.zeros(3)
        for _ in range(200):
            sw = np.sqrt(w)
            coef = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)[0]
            w = 1.0 / np.maximum(np.abs(x @ coef - y), 1e-6)
        err = float(np.abs(x @ coef - y).sum())
        if best is None or err < best[0]:
            best = (err, (float(coef[0]), float(coef[1]), float(coef[2])), float(knee))
    return best[1], best[2]


def build_latency_model(b: Build, lat_df: pd.DataFrame, regions_df: pd.DataFrame) -> pd.DataFrame:
    """Fit one continuous RTT curve per path class on the measured pairs (LAD, hinge at a
    fitted knee): ``backbone`` = same-provider region pairs (the provider's own network),
    ``public`` = cross-provider pairs (traffic leaves the provider over peering / the public
    internet), used for sites, edge and user locations reaching anything."""
    km = pair_distances_km(lat_df, regions_df)
    y = lat_df.rtt_ms.to_numpy(float)
    same = (lat_df.src_provider == lat_df.dst_provider).to_numpy()
    src = "latency_measured.csv (this catalog) + regions.csv coordinates"
    spec = []
    b.facts["latency_fit"] = {}
    for cls, mask, what in (
        ("backbone", same, "same-provider region pairs (provider backbone)"),
        ("public", ~same, "cross-provider region pairs (peering / public internet)"),
    ):
        coef, knee = fit_hinge(km[mask], y[mask])
        coef = (round(coef[0], 6), round(coef[1], 6), round(coef[2], 6))  # as stored
        est = hinge_rtt_ms(km[mask], coef, knee)
        err = np.abs(est - y[mask])
        far_km = float(np.median(km[mask][km[mask] > 3000]))
        factor = float(hinge_rtt_ms(np.array([far_km]), coef, knee)[0]) / (
            FIBRE_MIN_MS_PER_KM * far_km
        )
        note = (
            f"least-absolute-deviations (IRLS) fit of rtt = intercept + near x min(km, knee) + "
            f"far x max(km - knee, 0) on {int(mask.sum())} directed {what}; knee chosen on "
            f"{KNEE_GRID_KM[0]:g}-{KNEE_GRID_KM[-1]:g} km; continuous in distance"
        )
        stat = (
            f"error of the {cls} curve on its {int(mask.sum())} fitted pairs; per-band errors "
            "of the estimator as used are in tests/data/latency_error_by_band.csv"
        )
        b.facts["latency_fit"][cls] = {
            "intercept_ms": coef[0],
            "near_ms_per_km": coef[1],
            "far_ms_per_km": coef[2],
            "knee_km": knee,
            "n_pairs": int(mask.sum()),
            "median_abs_error_ms": float(np.median(err)),
            "path_factor_at_median_far_km": factor,
        }
        spec += [
            (f"{cls}_intercept_ms", coef[0], "ms", "derived", note),
            (f"{cls}_near_ms_per_km", coef[1], "ms/km", "derived", note),
            (f"{cls}_far_ms_per_km", coef[2], "ms/km", "derived", note),
            (f"{cls}_knee_km", knee, "km", "derived", note),
            (f"{cls}_n_pairs", float(mask.sum()), "count", "derived", stat),
            (f"{cls}_median_abs_error_ms", float(np.median(err)), "ms", "derived", stat),
            (f"{cls}_p90_abs_error_ms", float(np.percentile(err, 90)), "ms", "derived", stat),
            (f"{cls}_median_rel_error", float(np.median(err / y[mask])), "fraction", "derived",
             stat),
            (f"{cls}_path_factor", factor, "ratio", "derived",
             f"fitted RTT / fibre lower bound at the class's median distance beyond 3000 km "
             f"({far_km:.0f} km); the published rule of thumb for internet paths is 2.1 "
             "(Bozkurt et al. 2017, https://arxiv.org/abs/1811.10737)"),
        ]  # fmt: skip
    spec += [
        ("lan_rtt_ms", LAN_RTT_MS, "ms", "authored", "RTT inside one site/LAN; authored; verify"),
        ("fibre_min_ms_per_km", FIBRE_MIN_MS_PER_KM, "ms/km", "authored",
         "light in fibre ~200 km/ms one way -> 0.01 ms/km round trip lower bound"),
        ("internet_path_factor_rule_of_thumb", INTERNET_PATH_FACTOR, "ratio", "authored",
         "published rule of thumb: internet RTT ~ 2.1 x line-of-sight distance at the speed of "
         "light in fibre (Bozkurt et al. 2017, https://arxiv.org/abs/1811.10737); reference "
         "for the fitted public_path_factor, not used in the estimate"),
        ("earth_radius_km", EARTH_RADIUS_KM, "km", "authored",
         "mean Earth radius used for the haversine great-circle distance"),
    ]  # fmt: skip
    rows = [
        {
            "parameter": p,
            "value": v,
            "unit": u,
            "source": src if basis == "derived" else SRC["authored"][0],
            "as_of": BUILT_ON,
            "basis": basis,
            "note": n,
        }
        for p, v, u, basis, n in spec
    ]
    return table_frame("latency_model", rows)


# ======================================================================================
# egress.csv
# ======================================================================================
def _egress_row(
    provider: str,
    dest: str,
    lo: float,
    hi: float | None,
    usd: float,
    prov: dict[str, str],
    area: str = "*",
) -> dict[str, Any]:
    """One egress row (``area`` = the source region's continent key, ``*`` = any)."""
    return {
        "provider": provider,
        "destination": dest,
        "source_area": area,
        "tier_from_gb": lo,
        "tier_to_gb": math.nan if hi is None else hi,
        "usd_per_gb": usd,
        **prov,
    }


def _aws_inter_region(b: Build, regions_df: pd.DataFrame) -> list[dict[str, Any]]:
    """AWS inter-region prices: median over region pairs by source continent (and overall as
    the ``*`` fallback), split into same / other continent."""
    df = read_csv(b.data / "network_cost" / "skyplane_aws_transfer_costs.csv")
    aws = regions_df[regions_df.provider == "aws"]
    cont = {r: CONTINENT[c] for r, c in zip(aws.region, aws.country_iso2, strict=True)}
    df = df[df.src.isin(cont) & df.dst.isin(cont)].assign(area=lambda d: d.src.map(cont))
    same = df.src.map(cont) == df.dst.map(cont)
    rows = []
    for dest, part in (
        ("inter_region_same_continent", df[same]),
        ("inter_region_other_continent", df[~same]),
    ):
        groups = [("*", part), *sorted(part.groupby("area"), key=lambda kv: kv[0])]
        for area, g in groups:
            med = float(g.cost.median())
            who = "all source regions" if area == "*" else f"source regions in {area}"
            note = (
                f"median of {len(g)} AWS region pairs, {who} (range {g.cost.min():g}-"
                f"{g.cost.max():g}/GB); AWS prices inter-region transfer by source region; "
                "about 2022-2023 prices"
            )
            prov = _prov("skyplane_transfer", "derived", note)
            rows.append(_egress_row("aws", dest, 0, None, med, prov, area))
    inet = read_csv(b.data / "network_cost" / "skyplane_aws_transfer_costs.csv")
    inet = inet[inet.dst == "internet"].cost
    b.facts["aws_internet_first_tier_range"] = (float(inet.min()), float(inet.max()))
    return rows


def build_egress(b: Build, regions_df: pd.DataFrame) -> pd.DataFrame:
    """Egress tiers: internet (SkyPilot), inter-region by source area (skyplane/authored),
    same region 0."""
    rows = []
    for provider, tiers in SKYPILOT_INTERNET_TIERS.items():
        note = "marginal tiers by monthly volume; 1 TB = 1024 GB as in SkyPilot"
        if provider == "aws":
            note += (
                "; SkyPilot bills a flat 0.05 on all GB above 150 TB, encoded here as a "
                "marginal tier; values from us-east-2 (other regions 0.09-0.155 first tier, "
                "see skyplane aws_transfer_costs.csv)"
            )
        elif provider == "azure":
            note += "; SkyPilot: 'from US East'; Azure also gives 100 GB/month free (verify)"
        else:
            note += (
                "; SkyPilot applies one rate to the whole volume, encoded here as marginal "
                "tiers; worldwide excluding China and Australia"
            )
        for lo, hi, usd in tiers:
            rows.append(
                _egress_row(provider, "internet", lo, hi, usd, _prov("sky_egress", "listed", note))
            )
    rows += _aws_inter_region(b, regions_df)
    for provider, areas in AUTHORED_INTER_REGION.items():
        prov = _prov("authored", "authored", AUTHORED_INTER_REGION_NOTES[provider])
        for area, (same_usd, other_usd) in areas.items():
            rows.append(
                _egress_row(provider, "inter_region_same_continent", 0, None, same_usd, prov, area)
            )
            rows.append(
                _egress_row(
                    provider, "inter_region_other_continent", 0, None, other_usd, prov, area
                )
            )
    for provider in ("aws", "azure", "gcp"):
        note = "transfer inside a region treated as free (cross-zone charges ~0.01/GB not modelled)"
        rows.append(
            _egress_row(provider, "same_region", 0, None, 0.0, _prov("authored", "authored", note))
        )
    return table_frame("egress", rows)


# ======================================================================================
# carbon.csv and country_carbon.csv
# ======================================================================================
def _carbon_candidates(c: pd.DataFrame) -> pd.DataFrame:
    """Location-based intensity candidates with a preference rank (lower is better)."""
    location = c.note.fillna("")
    google = (c.dataset == "google_region_carbon_info") & (
        c.metric == "grid_carbon_intensity_location_based"
    )
    gsf = (
        (c.dataset == "gsf_real_time_cloud")
        & (c.metric == "grid_carbon_intensity_average_consumption_annual")
        & (c.year >= 2023)
    )
    ccf = c.dataset == "cloud_carbon_coefficients"
    mlco2 = (c.dataset == "mlco2_impact") & (c.metric == "grid_carbon_intensity")
    # Known GSF faults: azure northeurope has a Finland duplicate; azure westus is mapped to
    # a Washington grid zone although the region is in California.
    azure = c.provider == "azure"
    bad = (azure & (c.region == "northeurope") & location.str.contains("Finland")) | (
        azure & (c.region == "westus") & (c.dataset == "gsf_real_time_cloud")
    )
    rank = np.select([google, gsf, ccf, mlco2], [0, 1, 2, 3], default=-1)
    c = c.assign(rank=rank, year_sort=-c.year.fillna(0))
    return c[(c["rank"] >= 0) & ~bad]


def _pue_lookup(c: pd.DataFrame) -> dict[tuple[str, str], tuple[float, str, str]]:
    """Latest region PUE: GSF (non-estimate) first, then mlco2."""
    pue = c[c.metric == "power_usage_effectiveness"].copy()
    pue = pue[~pue.note.fillna("").str.contains("Finland")]
    pue = pue[pue.dataset.isin(["gsf_real_time_cloud", "mlco2_impact"])]
    pue["rank"] = (pue.dataset != "gsf_real_time_cloud").astype(int)
    pue = pue.sort_values(
        ["provider", "region", "rank", "year"], ascending=[1, 1, 1, 0], kind="mergesort"
    )
    out = {}
    for r in pue.drop_duplicates(["provider", "region"]).itertuples(index=False):
        yr = "" if math.isnan(r.year) else f" {int(r.year)}"
        out[(r.provider, r.region)] = (float(r.value), r.dataset, yr)
    return out


def build_carbon(b: Build, regions_df: pd.DataFrame) -> pd.DataFrame:
    """One location-based intensity per region, following carbon/SOURCE.md suggested use."""
    c = read_csv(b.data / "carbon" / "carbon_intensity_long.csv")
    cand = _carbon_candidates(c).sort_values(
        ["provider", "region", "rank", "year_sort"], kind="mergesort"
    )
    best = cand.drop_duplicates(["provider", "region"]).set_index(["provider", "region"])
    pue = _pue_lookup(c)
    rows, missing = [], []
    for p, reg in zip(regions_df.provider, regions_df.region, strict=True):
        if (p, reg) not in best.index:
            missing.append((p, reg))
            continue
        r = best.loc[(p, reg)]
        year = None if math.isnan(r.year) else int(r.year)
        src, as_of = SRC[r.dataset]
        src = src.replace("{year}", str(year))
        parts = [f"intensity: {r.dataset} {r.metric}" + (f" {year}" if year else "")]
        if r.dataset == "cloud_carbon_coefficients":
            parts.append("about 2019-2021 vintage; " + str(r.note))
        if r.dataset == "mlco2_impact":
            parts.append("last-resort fallback, 2016-2021 sources, low quality; " + str(r.note))
        basis = "listed"
        if (p, reg) in pue:
            pv, pds, pyr = pue[(p, reg)]
            parts.append(f"pue: {pds}{pyr} power_usage_effectiveness")
        else:
            pv, why = PUE_DEFAULTS[p]
            parts.append(f"pue: provider default {pv:g} (estimate; {why}; verify)")
            basis = "estimate"
        rows.append(
            {
                "provider": p,
                "region": reg,
                "gco2e_per_kwh": float(r.value),
                "pue": pv,
                "dataset": r.dataset,
                "year": year,
                "metric": r.metric,
                "source": src,
                "as_of": as_of,
                "basis": basis,
                "note": "; ".join(parts),
            }
        )
    b.facts["carbon_missing"] = missing
    return table_frame("carbon", rows)


def build_country_carbon(carbon_df: pd.DataFrame, regions_df: pd.DataFrame) -> pd.DataFrame:
    """Median region intensity per country (for on-prem sites)."""
    country = regions_df.set_index(["provider", "region"]).country_iso2
    df = carbon_df.assign(
        country=[country[(p, r)] for p, r in zip(carbon_df.provider, carbon_df.region, strict=True)]
    )
    rows = []
    for iso, g in df.groupby("country", sort=True):
        regs = ", ".join(f"{p}:{r}" for p, r in zip(g.provider, g.region, strict=True))
        rows.append(
            {
                "country_iso2": iso,
                "gco2e_per_kwh": float(g.gco2e_per_kwh.median()),
                "source": "carbon.csv (this catalog)",
                "as_of": max(g.as_of),
                "basis": "derived",
                "note": f"median of {len(g)} location-based region values: {regs}",
            }
        )
    return table_frame("country_carbon", rows)


# ======================================================================================
# manifest.json, SOURCES.md, main
# ======================================================================================
def manifest_bytes(payloads: dict[str, bytes], counts: dict[str, int]) -> bytes:
    """Deterministic manifest.json."""
    tables = {
        name: {
            "description": DESCRIPTIONS[name],
            "file": f"{name}.csv",
            "rows": counts[name],
            "sha256": hashlib.sha256(payloads[name]).hexdigest(),
        }
        for name in sorted(payloads)
    }
    doc = {
        "built_on": BUILT_ON,
        "catalog_version": CATALOG_VERSION,
        "schema_version": SCHEMA_VERSION,
        "tables": tables,
    }
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")


def check_tables(tables: dict[str, pd.DataFrame]) -> None:
    """Fail the build if a table breaks the schema_version 1 provenance rules."""
    for name, df in tables.items():
        if df[["source", "as_of"]].isna().any().any():
            raise ValueError(f"{name}: empty source/as_of")
        if name == "excluded_prices":
            continue
        if not set(df.basis) <= set(BASIS_VALUES):
            raise ValueError(f"{name}: unknown basis {set(df.basis) - set(BASIS_VALUES)}")
        needs_note = df.basis.isin(["estimate", "derived_rule", "authored"])
        if (needs_note & (df.note.fillna("") == "")).any():
            raise ValueError(f"{name}: estimate/derived_rule/authored rows need a note")
    if not set(tables["instance_prices"].pricing) <= set(PRICING_VALUES):
        raise ValueError("instance_prices: unknown pricing value")


def build_all(
    data: Path, price_tables: Path | None = None
) -> tuple[dict[str, pd.DataFrame], Build]:
    """Build every table in dependency order."""
    b = Build(data=data, price_tables=price_tables or data / "price-tables")
    if not (b.price_tables / "SOURCE.md").is_file():
        raise SystemExit(
            f"price tables not found at {b.price_tables}; make them with "
            "tools/extract_price_tables.py or pass --price-tables DIR"
        )
    t: dict[str, pd.DataFrame] = {}
    t["regions"] = build_regions(b)
    t["accelerators"] = build_accelerators(b)
    t["instance_types"], t["instance_prices"] = build_prices(b, t["regions"], t["accelerators"])
    t["controls"] = build_controls(b)
    t["hardware"] = build_hardware(b, t["accelerators"])
    t["latency_measured"] = build_latency_measured(b, t["regions"])
    t["latency_model"] = build_latency_model(b, t["latency_measured"], t["regions"])
    t["egress"] = build_egress(b, t["regions"])
    t["carbon"] = build_carbon(b, t["regions"])
    t["country_carbon"] = build_country_carbon(t["carbon"], t["regions"])
    t["excluded_prices"] = table_frame("excluded_prices", b.excluded)
    check_tables(t)
    return t, b


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    repo = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=repo.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=repo / "catalogs")
    ap.add_argument(
        "--price-tables",
        type=Path,
        default=None,
        help="folder made by tools/extract_price_tables.py (default: DATA/price-tables)",
    )
    args = ap.parse_args(argv)
    tables, b = build_all(args.data, args.price_tables)
    payloads = {name: render_csv(name, df) for name, df in tables.items()}
    counts = {name: len(df) for name, df in tables.items()}
    for name, payload in sorted(payloads.items()):
        write_atomic(args.out / f"{name}.csv", payload)
    write_atomic(args.out / "manifest.json", manifest_bytes(payloads, counts))
    from sources_md import render_sources_md  # local module next to this script

    meta = {"version": CATALOG_VERSION, "built_on": BUILT_ON, "descriptions": DESCRIPTIONS}
    write_atomic(args.out / "SOURCES.md", render_sources_md(tables, b.facts, meta).encode())
    for name in sorted(counts):
        print(f"{name:18s} {counts[name]:6d} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
