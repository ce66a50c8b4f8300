"""The prices section of catalogs/SOURCES.md: sources, fault rules, coverage (issue 9)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

PRICE_LICENCES: list[tuple[str, str, str, str]] = [
    (
        "Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml @fd66b26 (2026-07-30)",
        "Apache-2.0",
        "GCP on-demand, spot, 1y/3y committed prices and specs (g2, a2, a3-high, a3-mega, CPU)",
        "generated from the Cloud Billing Catalog API; A2 Ultra/A3 include bundled local SSD",
    ),
    (
        "Azure/karpenter-provider-azure zz_generated.pricing.go (generated 2026-06-18)",
        "Apache-2.0",
        "Azure pay-as-you-go prices, all public regions",
        "no spot or reservation prices in the file",
    ),
    (
        "aws/karpenter-provider-aws zz_generated.pricing_aws.go (generated 2026-07-20)",
        "Apache-2.0",
        "AWS us-east-1 on-demand (post June 2025 cut)",
        "us-east-1 only",
    ),
    (
        "tsaol/aws-gpu data/all_gpu_instances.js @77fcd9fe (instances.vantage.sh, 2026-01-21)",
        "**unstated** (README badge MIT, no LICENSE file)",
        "AWS GPU on-demand and 1-year no-upfront reserved per region, specs",
        "personal repository; cross-checked by the round-multiple and outlier rules",
    ),
]

# Issue 9's GPU families, by the catalog's family names.
ISSUE_FAMILIES: dict[str, tuple[str, ...]] = {
    "aws": ("g4dn", "g5", "g6", "g6e", "p4d", "p4de", "p5", "p5e", "p5en", "p6-b200", "p6-b300"),
    "azure": (
        "NCas_T4_v3", "NVads_A10_v5", "NVadms_A10_v5", "NCads_A100_v4", "NCads_H100_v5",
        "NCadis_H100_v5", "NCCads_H100_v5", "NDasr_v4", "NDamsr_A100_v4", "NDisr_H100_v5",
        "NDisr_H200_v5",
    ),
    "gcp": (
        "g2-standard", "a2-highgpu", "a2-megagpu", "a2-ultragpu", "a3-highgpu", "a3-megagpu",
        "a3-ultragpu", "a4-highgpu",
    ),
}  # fmt: skip


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def coverage_frame(
    types: pd.DataFrame, prices: pd.DataFrame, offered: pd.DataFrame, regions: pd.DataFrame
) -> pd.DataFrame:
    """Per provider x issue family: regions priced (on-demand, spot) / regions offered."""
    fam = types.set_index(["provider", "instance_type"]).family
    p = prices.assign(
        family=[
            fam.get((a, b), "") for a, b in zip(prices.provider, prices.instance_type, strict=True)
        ]
    )
    eea = regions[regions.jurisdictions.str.contains("EEA")]
    eea_keys = set(zip(eea.provider, eea.region, strict=True))
    rows = []
    for provider, families in ISSUE_FAMILIES.items():
        for f in families:
            off = set(offered[(offered.provider == provider) & (offered.family == f)].region)
            sub = p[(p.provider == provider) & (p.family == f)]
            od = set(sub[sub.pricing == "on_demand"].region)
            spot_l = set(sub[(sub.pricing == "spot") & (sub.basis != "derived_rule")].region)
            spot_r = set(sub[(sub.pricing == "spot") & (sub.basis == "derived_rule")].region)
            rows.append(
                {
                    "provider": provider,
                    "family": f,
                    "regions_offered": len(off | od),
                    "on_demand_priced": len(od),
                    "spot_listed": len(spot_l),
                    "spot_by_rule": len(spot_r - spot_l),
                    "eu_eea_priced": len({(provider, r) for r in od} & eea_keys),
                }
            )
    return pd.DataFrame(rows)


def prices_section(t: dict[str, pd.DataFrame], facts: dict[str, Any], reason_counts: str) -> str:
    """Markdown for instance_types / instance_prices / excluded_prices."""
    cov = coverage_frame(t["instance_types"], t["instance_prices"], facts["offered"], t["regions"])
    cov_rows = [
        [
            r.provider,
            r.family,
            f"{r.on_demand_priced} / {r.regions_offered}",
            r.spot_listed,
            r.spot_by_rule,
            r.eu_eea_priced,
        ]
        for r in cov.itertuples(index=False)
    ]
    cov_md = _table(
        [
            "provider",
            "family",
            "on-demand regions priced / offered",
            "spot listed",
            "spot by rule only",
            "EU/EEA regions priced",
        ],
        cov_rows,
    )
    prices = t["instance_prices"]
    basis = Counter(zip(prices.provider, prices.pricing, prices.basis, strict=True))
    basis_md = _table(
        ["provider", "pricing", "basis", "rows"],
        [[p, c, b, n] for (p, c, b), n in sorted(basis.items())],
    )
    gpu = t["instance_types"][t["instance_types"].accelerator_count > 0]
    gpu_keys = set(zip(gpu.provider, gpu.instance_type, strict=True))
    reg = t["regions"].set_index(["provider", "region"]).jurisdictions
    eea = {
        p: sorted(
            {r.region for r in prices.itertuples() if r.provider == p
             and (p, r.instance_type) in gpu_keys and "EEA" in reg.get((p, r.region), "")}
        )
        for p in ("aws", "azure", "gcp")
    }  # fmt: skip
    eea_md = "\n".join(f"- {p}: {len(v)} ({', '.join(v)})" for p, v in eea.items())
    no_price = ", ".join(f"{p}:{i}" for p, i in facts["types_without_prices"]) or "none"
    unpriced = ", ".join(facts["aws_unpriced"]) or "none"
    return f"""## instance_types.csv, instance_prices.csv, excluded_prices.csv

Prices are USD per hour for the whole instance, one row per (provider, region, instance
type, pricing); zones are collapsed (spot = median of the region's valid zone quotes).

**How a row is chosen.** Every source contributes *candidate* rows. The fault rules in
`advisor/catalog/faults.py` (the same rules `advisor catalog update` runs on fetched prices,
and `tests/test_catalog_integrity.py` on the shipped ones) flag candidates; per
key the best-ranked candidate without a fault is emitted, and every other candidate is
written to `excluded_prices.csv` with its fault or as `superseded` (naming the chosen source,
its value and the difference). Ranks, best first: AWS karpenter us-east-1 (2026-07-20) >
SkyPilot v9 > vantage (2026-01-21) > libcloud (2025-03-02); GCP Cyclenerd (2026-07-30) >
SkyPilot v9; Azure karpenter (2026-06-18) > SkyPilot fork (US only).

Fault rules (reason codes in `excluded_prices.csv`):
- `spot_not_below_on_demand`, `reserved_1y_not_below_on_demand`, ...: spot and reserved
  must be below the chosen on-demand price of the same key.
- `accelerator_price_outlier`: on-demand USD per accelerator-hour below 0.5x or above 2x
  the provider's median for that instance type across regions (3 or more regions).
- `flat_across_regions`: one value (for SkyPilot GCP rows: the GPU component alone) shared
  by at least half of a source's regions for a type, on 3+ continents. This is the GCP
  H100 fault of the audit: 4.20 USD per H100-hour in most regions, against 9.80-12.74.
- `round_multiple`: exactly 1.1x, 1.2x, 1.25x, 1.5x, 2x, 3x or 10x (or the inverse) of the
  best-ranked other source for the same key (the libcloud rows at 1.1x list price).
- `stale_pre_cut`: libcloud P4d/P4de/P5 prices from before AWS's June 2025 cut (-33 % /
  -44 %); p3/p3dn were not cut and carry no such note.

**Coverage** (issue 9 GPU families; "offered" = regions where any source lists the family,
commercial partition; spot "by rule" = estimate, see below):

{cov_md}

GPU prices in EU/EEA regions:
{eea_md}

**Rules where no source lists a price** (basis `derived_rule`, reported as estimates; the
`note` of each row gives the factor and how many listed rows it comes from):
- spot = on_demand x the family's median listed spot/on-demand ratio (at least 3 listed
  rows of that provider and family); for an AWS GPU family with no spot quote in any
  source (EC2 sells spot on every type), the median of AWS's GPU family ratios; otherwise
  no spot row (Azure and GCP sell spot per size; Azure H100 sizes quote spot equal to
  on-demand, i.e. no spot discount). Azure lists spot only for US
  regions (SkyPilot fork), so Azure spot elsewhere is by rule.
- reserved = on_demand x the family's median published commitment ratio (AWS 1-year
  no-upfront RI from vantage; GCP 1y/3y committed use from Cyclenerd) where at least 3 rows
  exist; else, for AWS P families' 3-year term, 25 % off (the audit's P5 3-year savings plan
  after the June 2025 cut); else the provider rule (AWS 35/55 %, Azure 37/57 %, GCP
  37/55 %; **verify**).

{basis_md}

Instance types without a public price: AWS {unpriced} (sold only through EC2 Capacity
Blocks; no on-demand list price). GCP a4-highgpu-8g (B200): the SkyPilot host row is 0 and
no dated public table with an A4 price was found; left out. Types with no emitted price
(left out of instance_types.csv): {no_price}.

Specs: AWS from SkyPilot, else vantage, else libcloud (accelerator id from the family:
g4dn=T4, g5=A10G, g6=L4, g6e=L40S, p3=V100, p3dn=V100-32GB, p4d=A100, p4de=A100-80GB,
p5=H100, p5e/p5en=H200, p6-b200=B200, p6-b300=B300); GCP from SkyPilot, else Cyclenerd;
Azure from the SkyPilot fork, else authored from the Azure size pages (ND H200 v5,
ND MI300X v5, Dsv5, Esv5; basis `authored`). Azure NV A10 v5 partial-GPU sizes (NV6/12/18)
are excluded: the advisor models whole accelerators. Azure fixes (basis `authored`):
ND96isr_H100_v5 has 8x H100 (SkyPilot says 12); NC*ads_H100_v5 and NCC40ads_H100_v5 use
H100 NVL 94 GB.

{reason_counts}
"""
