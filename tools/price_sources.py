"""Readers for the dated public price tables in ``shared/data/price-tables`` (see its SOURCE.md;
made by tools/extract_price_tables.py). Each reader returns candidate price rows and
instance-type specs; tools/build_catalogs.py ranks the candidates and applies the fault rules
of advisor/catalog/faults.py.

A candidate row: provider, region, instance_type, pricing, usd_per_hour, src (a key of
PRICE_TABLE_SOURCES or build_catalogs.SRC), basis, note, priority (lower wins).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

HOURS_PER_MONTH = 730.0  # the GCP generator's month (month = hour x 730)

PRICE_TABLE_SOURCES: dict[str, tuple[str, str]] = {
    "cyclenerd_gcp": (
        "Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml @fd66b26 (Apache-2.0; "
        "Cloud Billing Catalog API)",
        "2026-07-30",
    ),
    "karpenter_azure": (
        "Azure/karpenter-provider-azure pkg/providers/pricing/zz_generated.pricing.go "
        "@352646f5 (Apache-2.0; Azure Retail Prices API)",
        "2026-06-18",
    ),
    "karpenter_aws": (
        "aws/karpenter-provider-aws pkg/providers/pricing/zz_generated.pricing_aws.go "
        "@1d927085 (Apache-2.0; AWS Pricing API, us-east-1)",
        "2026-07-20",
    ),
    "vantage_aws": (
        "tsaol/aws-gpu data/all_gpu_instances.js @77fcd9fe (instances.vantage.sh; "
        "licence unstated)",
        "2026-01-21",
    ),
}

# Priority of each source per provider (lower wins); newer, provider-API-generated first.
PRIORITY: dict[str, int] = {
    "karpenter_aws": 0,
    "sky_aws": 1,
    "vantage_aws": 2,
    "libcloud_prices": 3,
    "cyclenerd_gcp": 0,
    "sky_gcp": 1,
    "karpenter_azure": 0,
    "sky_azure": 1,
}

GCP_ACCELERATORS = {
    "l4": "L4",
    "a100": "A100",
    "a100-80gb": "A100-80GB",
    "h100-80gb": "H100",
    "h100-80gb-mega": "H100",
}
GCP_CPU_TYPES = (
    "c2-standard-16", "n4d-highmem-8", "n2-standard-4", "n2-standard-8", "n2-standard-16",
    "n2-standard-32", "n2d-standard-8", "n2d-standard-16", "e2-standard-8", "c3-standard-8",
    "c3-standard-22",
)  # fmt: skip

AWS_FAMILY_ACCELERATOR = {
    "g4dn": "T4", "g5": "A10G", "g6": "L4", "g6e": "L40S", "p3": "V100", "p3dn": "V100-32GB",
    "p4d": "A100", "p4de": "A100-80GB", "p5": "H100", "p5e": "H200", "p5en": "H200",
    "p6-b200": "B200", "p6-b300": "B300",
}  # fmt: skip
AWS_CPU_FAMILIES = ("c7i", "m7i", "r7i")
AWS_CPU_SIZES = ("xlarge", "2xlarge", "4xlarge", "8xlarge")

# AUTHORED specs (vCPU, GiB, accelerator, count) for Azure sizes the price data lists but the
# SkyPilot fork does not describe; from the Azure VM size pages (verify).
AZURE_AUTHORED_TYPES: dict[str, tuple[int, float, str, int, str]] = {
    "Standard_ND96isr_H200_v5": (96, 1850.0, "H200", 8, "Azure ND H200 v5 size page"),
    "Standard_ND96isr_MI300X_v5": (96, 1850.0, "MI300X", 8, "Azure ND MI300X v5 size page"),
    **{
        f"Standard_D{n}s_v5": (n, 4.0 * n, "", 0, "Azure Dsv5 size page (4 GiB per vCPU)")
        for n in (4, 8, 16, 32)
    },
    **{
        f"Standard_E{n}s_v5": (n, 8.0 * n, "", 0, "Azure Esv5 size page (8 GiB per vCPU)")
        for n in (4, 8, 16, 32)
    },
}
AZURE_GPU_SIZES = (
    "Standard_NC4as_T4_v3", "Standard_NC8as_T4_v3", "Standard_NC16as_T4_v3",
    "Standard_NC64as_T4_v3", "Standard_NV36ads_A10_v5", "Standard_NV36adms_A10_v5",
    "Standard_NV72ads_A10_v5", "Standard_NC24ads_A100_v4", "Standard_NC48ads_A100_v4",
    "Standard_NC96ads_A100_v4", "Standard_NC40ads_H100_v5", "Standard_NC80adis_H100_v5",
    "Standard_NCC40ads_H100_v5", "Standard_ND96asr_v4", "Standard_ND96amsr_A100_v4",
    "Standard_ND96isr_H100_v5", "Standard_ND96isr_H200_v5", "Standard_ND96isr_MI300X_v5",
    "Standard_NC6s_v3", "Standard_NC12s_v3", "Standard_NC24s_v3", "Standard_NC24rs_v3",
    "Standard_ND40rs_v2",
)  # fmt: skip
AZURE_CPU_SIZES = ("Standard_F4s_v2", "Standard_F16s_v2", *[
    k for k in AZURE_AUTHORED_TYPES if not k.startswith("Standard_N")
])  # fmt: skip
# Partial-GPU sizes (a fraction of one GPU): the advisor models whole accelerators only.
AZURE_PARTIAL_GPU = ("Standard_NV6ads_A10_v5", "Standard_NV12ads_A10_v5", "Standard_NV18ads_A10_v5")


def _row(
    provider: str, region: str, itype: str, pricing: str, usd: float, src: str, basis: str,
    note: str,
) -> dict[str, Any]:  # fmt: skip
    return {
        "provider": provider,
        "region": region,
        "instance_type": itype,
        "pricing": pricing,
        "usd_per_hour": float(usd),
        "src": src,
        "basis": basis,
        "note": note,
        "priority": PRIORITY[src],
    }


def _ok(x: Any) -> bool:
    try:
        return float(x) > 0 and not math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def read_gcp(tables: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """GCP GPU machine types (g2, a2, a3-high, a3-mega) and CPU types from Cyclenerd."""
    df = pd.read_csv(tables / "gcp_cyclenerd_instances.csv", keep_default_na=False)
    gpu = df.accelerator.isin(list(GCP_ACCELERATORS))
    df = df[gpu | df.machine_type.isin(GCP_CPU_TYPES)]
    rows, specs = [], {}
    for r in df.itertuples(index=False):
        ssd = f"; includes bundled {int(r.local_ssd_gb)} GB local SSD" if r.local_ssd_gb else ""
        key = ("gcp", r.region, r.machine_type)
        if _ok(r.hour):
            rows.append(
                _row(*key, "on_demand", r.hour, "cyclenerd_gcp", "listed", ssd.lstrip("; "))
            )
        if _ok(r.hour_spot):
            rows.append(
                _row(*key, "spot", r.hour_spot, "cyclenerd_gcp", "listed", ssd.lstrip("; "))
            )
        for pricing, col in (("reserved_1y", r.month_1y), ("reserved_3y", r.month_3y)):
            if _ok(col):
                note = f"committed-use price per month / {HOURS_PER_MONTH:g} h{ssd}"
                rows.append(_row(*key, pricing, float(col) / HOURS_PER_MONTH, "cyclenerd_gcp",
                                 "derived", note))  # fmt: skip
        acc = GCP_ACCELERATORS.get(r.accelerator, "")
        specs[r.machine_type] = {
            "accelerator": acc,
            "count": int(r.accelerator_count) if acc else 0,
            "vcpus": float(r.vcpus),
            "memory_gb": float(r.memory_gb),
            "note": f"Cyclenerd spec; source accelerator key {r.accelerator}" if acc else "",
        }
    return rows, specs


def read_azure(tables: Path) -> list[dict[str, Any]]:
    """Azure on-demand for the catalogued GPU and CPU sizes, every region."""
    df = pd.read_csv(tables / "azure_karpenter_ondemand.csv", keep_default_na=False)
    df = df[df.sku.isin(AZURE_GPU_SIZES + AZURE_CPU_SIZES + AZURE_PARTIAL_GPU)]
    return [
        _row("azure", r.region, r.sku, "on_demand", r.usd_per_hour, "karpenter_azure", "listed", "")
        for r in df.itertuples(index=False)
    ]


def read_aws_karpenter(tables: Path) -> list[dict[str, Any]]:
    """AWS us-east-1 on-demand for the catalogued families."""
    df = pd.read_csv(tables / "aws_karpenter_us_east_1.csv", keep_default_na=False)
    keep = df.instance_type.map(aws_selected)
    return [
        _row(
            "aws",
            "us-east-1",
            r.instance_type,
            "on_demand",
            r.usd_per_hour,
            "karpenter_aws",
            "listed",
            "",
        )
        for r in df[keep].itertuples(index=False)
        if _ok(r.usd_per_hour)
    ]


def aws_selected(itype: str) -> bool:
    """GPU families of issue 9 and the main CPU families (4 sizes each)."""
    fam, _, size = itype.partition(".")
    if fam in AWS_FAMILY_ACCELERATOR:
        return not size.startswith("metal")
    return fam in AWS_CPU_FAMILIES and size in AWS_CPU_SIZES


def read_vantage(tables: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], set]:
    """AWS GPU on-demand and 1-year no-upfront reserved per region; specs; unpriced types."""
    df = pd.read_csv(tables / "aws_vantage_gpu.csv", keep_default_na=False)
    df = df[df.instance_type.map(aws_selected)]
    rows, specs, unpriced = [], {}, set()
    for r in df.itertuples(index=False):
        fam = r.instance_type.split(".")[0]
        specs[r.instance_type] = {
            "accelerator": AWS_FAMILY_ACCELERATOR[fam],
            "count": int(r.gpu_count),
            "vcpus": float(r.vcpus),
            "memory_gb": float(r.memory_gib),
            "note": f"accelerator id from family map ({fam}); source gpu {r.gpu}",
        }
        if not r.region:
            unpriced.add(r.instance_type)
            continue
        key = ("aws", r.region, r.instance_type)
        if _ok(r.on_demand):
            rows.append(_row(*key, "on_demand", r.on_demand, "vantage_aws", "listed", ""))
        if _ok(r.reserved_1y_no_upfront):
            note = "1-year Standard Reserved Instance, no upfront"
            rows.append(_row(*key, "reserved_1y", r.reserved_1y_no_upfront, "vantage_aws",
                             "listed", note))  # fmt: skip
    return rows, specs, unpriced
