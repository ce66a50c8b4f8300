#!/usr/bin/env python3
"""Extract the public price tables used by build_catalogs.py into plain CSV files.

Usage::

    python tools/extract_price_tables.py --mirrors DIR --out shared/data/price-tables

``--mirrors`` holds git snapshots named ``owner+name/repo`` of these public repositories
(data facts only are taken; no code):

- ``Cyclenerd/google-cloud-pricing-cost-calculator`` ``pricing.yml`` (Apache-2.0): GCP
  machine-type prices per region (on-demand, spot, 1y/3y commitments), generated from the
  Cloud Billing Catalog API.
- ``Azure/karpenter-provider-azure`` ``pkg/providers/pricing/zz_generated.pricing.go``
  (Apache-2.0): Azure Linux pay-as-you-go USD/h per VM size and region, generated from the
  Azure Retail Prices API.
- ``aws/karpenter-provider-aws`` ``pkg/providers/pricing/zz_generated.pricing_aws.go``
  (Apache-2.0): AWS on-demand USD/h for us-east-1, generated from the AWS Pricing API.
- ``tsaol/aws-gpu`` ``data/all_gpu_instances.js`` (licence unstated): AWS GPU instance
  on-demand and 1-year standard no-upfront reserved USD/h per region (instances.vantage.sh).

The output folder gets one CSV per source plus ``SOURCE.md`` (commit, path, date, licence).
The CSVs are facts re-keyed into rows; nothing is computed here.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
from pathlib import Path

import yaml

GCP_REPO = "Cyclenerd+google-cloud-pricing-cost-calculator"
GCP_COMMIT = "fd66b26"  # newest pricing.yml under 4 MiB in the snapshot (2026-07-30)
AZURE_REPO = "Azure+karpenter-provider-azure"
AWS_REPO = "aws+karpenter-provider-aws"
VANTAGE_REPO = "tsaol+aws-gpu"

GCP_FAMILIES = (
    "g2-standard", "a2-highgpu", "a2-megagpu", "a2-ultragpu", "a3-highgpu", "a3-megagpu",
    "n2-standard", "n2d-standard", "c2-standard", "e2-standard", "n4d-highmem", "c3-standard",
)  # fmt: skip
GCP_ACCELERATOR_KEYS = ("l4", "a100", "a100-80gb", "h100-80gb", "h100-80gb-mega")
AZURE_SKU = re.compile(r"^Standard_(N[A-Z]*\d|D\d+s_v5$|E\d+s_v5$|F\d+s_v2$)")
AWS_FAMILIES = re.compile(r"^(g4dn|g5|g6|g6e|p3|p3dn|p4d|p4de|p5|p5e|p5en|p6-b200|p6-b300|"
                          r"c7i|m7i|r7i|m8i|c8i|r8i)\.")  # fmt: skip


def git_show(repo: Path, rev: str, path: str) -> str:
    """One file of a bare git snapshot at a revision."""
    out = subprocess.run(
        ["git", "-C", str(repo), "show", f"{rev}:{path}"], check=True, capture_output=True
    )
    return out.stdout.decode("utf-8")


def git_date(repo: Path, rev: str) -> str:
    """Commit date (YYYY-MM-DD) of a revision."""
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "-1", "--format=%cs %H", rev],
        check=True,
        capture_output=True,
    )
    return out.stdout.decode().strip()


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> int:
    """Write rows sorted, with '\\n' line endings; returns the row count."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in sorted(rows, key=lambda r: [str(x) for x in r]):
        w.writerow(row)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return len(rows)


def extract_gcp(mirrors: Path, out: Path) -> tuple[int, str]:
    """GCP machine types of the selected families, every region in pricing.yml."""
    repo = mirrors / GCP_REPO / "repo"
    doc = yaml.load(git_show(repo, GCP_COMMIT, "pricing.yml"), Loader=yaml.CSafeLoader)
    rows = []
    for mtype, spec in doc["compute"]["instance"].items():
        if mtype.rsplit("-", 1)[0] not in GCP_FAMILIES:
            continue
        acc = [(k, spec[k]) for k in GCP_ACCELERATOR_KEYS if k in spec]
        acc_name, acc_count = acc[0] if acc else ("", 0)
        for region, c in spec["cost"].items():
            rows.append(
                [
                    mtype,
                    region,
                    spec.get("cpu", ""),
                    spec.get("ram", ""),
                    acc_name,
                    acc_count,
                    spec.get("local-ssd", 0),
                    c.get("hour", ""),
                    c.get("hour_spot", ""),
                    c.get("month_1y", ""),
                    c.get("month_3y", ""),
                ]
            )
    header = ["machine_type", "region", "vcpus", "memory_gb", "accelerator", "accelerator_count",
              "local_ssd_gb", "hour", "hour_spot", "month_1y", "month_3y"]  # fmt: skip
    n = write_csv(out / "gcp_cyclenerd_instances.csv", header, rows)
    return n, f"{doc['about']['generated']} ({git_date(repo, GCP_COMMIT)})"


def extract_azure(mirrors: Path, out: Path) -> tuple[int, str]:
    """Azure N-series and main CPU sizes, every region in the generated Go table."""
    repo = mirrors / AZURE_REPO / "repo"
    text = git_show(repo, "HEAD", "pkg/providers/pricing/zz_generated.pricing.go")
    generated = re.search(r"// generated at (\S+)", text).group(1)
    rows, region = [], ""
    for line in text.splitlines():
        m = re.match(r'\s*initialOnDemandPrices\["([a-z0-9]+)"\]', line)
        if m:
            region = m.group(1)
            continue
        m = re.match(r'\s*"([^"]+)":\s*([0-9.]+),', line)
        if m and region and AZURE_SKU.match(m.group(1)):
            rows.append([region, m.group(1), m.group(2)])
    n = write_csv(out / "azure_karpenter_ondemand.csv", ["region", "sku", "usd_per_hour"], rows)
    return n, f"{generated} ({git_date(repo, 'HEAD')})"


def extract_aws_karpenter(mirrors: Path, out: Path) -> tuple[int, str]:
    """AWS us-east-1 on-demand prices of the selected families."""
    repo = mirrors / AWS_REPO / "repo"
    text = git_show(repo, "HEAD", "pkg/providers/pricing/zz_generated.pricing_aws.go")
    generated = re.search(r"// generated at (\S+) for (\S+)", text)
    rows = [
        [itype, usd]
        for itype, usd in re.findall(r'"([a-z0-9-]+\.[a-z0-9-]+)":\s*([0-9.]+)', text)
        if AWS_FAMILIES.match(itype)
    ]
    n = write_csv(out / "aws_karpenter_us_east_1.csv", ["instance_type", "usd_per_hour"], rows)
    return n, f"{generated.group(1)} for {generated.group(2)} ({git_date(repo, 'HEAD')})"


def extract_vantage(mirrors: Path, out: Path) -> tuple[int, str]:
    """AWS GPU instances: specs and per-region on-demand / 1y no-upfront reserved."""
    repo = mirrors / VANTAGE_REPO / "repo"
    text = git_show(repo, "HEAD", "data/all_gpu_instances.js")
    updated = re.search(r"Last updated: (\S+)", text).group(1)
    payload = text[text.index("[") : text.rindex("]") + 1]
    rows = []
    for inst in json.loads(payload):
        name = inst["name"]
        if not AWS_FAMILIES.match(name):
            continue
        mem = float(str(inst["memory"]).split()[0])
        if not inst["pricing"]:
            rows.append([name, inst["gpu"], inst["gpuCount"], inst["vcpu"], mem, "", "", ""])
        for region, p in inst["pricing"].items():
            rows.append(
                [
                    name,
                    inst["gpu"],
                    inst["gpuCount"],
                    inst["vcpu"],
                    mem,
                    region,
                    p.get("onDemand", ""),
                    p.get("reserved", ""),
                ]
            )
    header = ["instance_type", "gpu", "gpu_count", "vcpus", "memory_gib", "region", "on_demand",
              "reserved_1y_no_upfront"]  # fmt: skip
    n = write_csv(out / "aws_vantage_gpu.csv", header, rows)
    return n, f"{updated} ({git_date(repo, 'HEAD')})"


SOURCE_MD = """# price-tables: public, dated cloud price tables (extracts)

Made by `tools/extract_price_tables.py` in the advisor repository from git snapshots of
public repositories. Data facts only (no code); each CSV re-keys one source file into rows.

| file | rows | repository, path | data date (commit date commit) | licence |
|---|---|---|---|---|
| gcp_cyclenerd_instances.csv | {gcp_n} | Cyclenerd/google-cloud-pricing-cost-calculator `pricing.yml` @{gcp_commit} | generated {gcp_date} | Apache-2.0 |
| azure_karpenter_ondemand.csv | {az_n} | Azure/karpenter-provider-azure `pkg/providers/pricing/zz_generated.pricing.go` | generated {az_date} | Apache-2.0 |
| aws_karpenter_us_east_1.csv | {aws_n} | aws/karpenter-provider-aws `pkg/providers/pricing/zz_generated.pricing_aws.go` | generated {aws_date} | Apache-2.0 |
| aws_vantage_gpu.csv | {v_n} | tsaol/aws-gpu `data/all_gpu_instances.js` (from instances.vantage.sh) | updated {v_date} | **unstated** (README badge says MIT; no LICENSE file) |

Column notes:
- GCP: `hour` on-demand USD/h, `hour_spot` spot USD/h, `month_1y`/`month_3y` committed-use
  USD per month (730 h). A2 Ultra and A3 prices include their bundled local SSD
  (`local_ssd_gb`). Prices come from the Cloud Billing Catalog API via the generator.
- Azure: Linux pay-as-you-go USD/h from the Azure Retail Prices API (no spot, no
  reservations in this file). Sizes kept: `Standard_N*`, `D*s_v5`, `E*s_v5`, `F*s_v2`.
- AWS karpenter: us-east-1 only; on-demand Linux USD/h from the AWS Pricing API.
- AWS vantage: `reserved_1y_no_upfront` is the 1-year Standard RI, no upfront, as USD/h.
  Rows with an empty region have no published price (e.g. p5e.48xlarge: Capacity Blocks
  only).
"""


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirrors", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    gcp_n, gcp_date = extract_gcp(args.mirrors, args.out)
    az_n, az_date = extract_azure(args.mirrors, args.out)
    aws_n, aws_date = extract_aws_karpenter(args.mirrors, args.out)
    v_n, v_date = extract_vantage(args.mirrors, args.out)
    text = SOURCE_MD.format(
        gcp_n=gcp_n, gcp_commit=GCP_COMMIT, gcp_date=gcp_date, az_n=az_n, az_date=az_date,
        aws_n=aws_n, aws_date=aws_date, v_n=v_n, v_date=v_date,
    )  # fmt: skip
    (args.out / "SOURCE.md").write_text(text, encoding="utf-8")
    print(f"gcp {gcp_n}, azure {az_n}, aws karpenter {aws_n}, aws vantage {v_n} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
