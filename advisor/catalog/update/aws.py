"""AWS Price List bulk offer files for Amazon EC2, one file per region.

Documented at https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-the-aws-price-list-bulk-api.html:
the service index ``/offers/v1.0/aws/index.json`` names EC2's ``currentRegionIndexUrl``; the
region index names each region's ``currentVersionUrl``; the offer file exists as JSON and as CSV at the same path.
We read the CSV: a region's EC2 offer is hundreds of MB to GB, and CSV streams row by row
where JSON would have to sit whole in memory. Its first five rows are metadata
(FormatVersion, Disclaimer, Publication Date, Version, OfferCode); the sixth is the header.

The Price List has on-demand and reserved terms but no spot prices (those come from the
EC2 API with credentials); spot rows therefore stay as they are in the catalog.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from advisor.catalog.update.cache import FetchCache, atomic_write_bytes
from advisor.catalog.update.feed import FeedRequest, Quotes, paged, parse_price
from advisor.catalog.update.transport import Client, FeedError

DEFAULT_BASE_URL = "https://pricing.us-east-1.amazonaws.com"
SERVICE_INDEX = "/offers/v1.0/aws/index.json"
OFFER = "AmazonEC2"
METADATA_ROWS = 5
RESERVED = {"1yr": "reserved_1y", "3yr": "reserved_3y"}
PLAIN = {
    "Product Family": "Compute Instance",
    "Operating System": "Linux",
    "Tenancy": "Shared",
    "Pre Installed S/W": "NA",
    "CapacityStatus": "Used",
    "License Model": "No License required",
}


def fetch(
    request: FeedRequest,
    client: Client,
    cache: FetchCache,
    tick: Callable[[], None],
    progress_bytes: Callable[[int], None] | None = None,
) -> Quotes:
    base = request.base_url.rstrip("/")
    index_url = _region_index_url(base, client, cache)
    index = _one(client, cache, index_url)
    offered = index.get("regions")
    if not isinstance(offered, dict):
        raise FeedError(f"{index_url}: no 'regions' object in the region index")
    quotes = Quotes()
    wanted = request.regions or tuple(sorted(request.catalog_regions))
    missing = sorted(set(wanted) - set(offered))
    if request.regions and missing:
        quotes.notes.append(f"not in the AWS region index: {', '.join(missing)}")
    types = set(request.instance_types["instance_type"])
    for region in sorted(set(wanted) & set(offered)):
        rel = str(offered[region].get("currentVersionUrl", ""))
        if not rel.endswith(".json"):
            raise FeedError(f"{index_url}: region {region} has no currentVersionUrl")
        url = request.base_url.rstrip("/") + rel[: -len(".json")] + ".csv"
        done = cache.file(f"{region}.quotes.json")
        if done.exists():
            rows = json.loads(done.read_text(encoding="utf-8"))
        else:
            cache.root.mkdir(parents=True, exist_ok=True)
            # The offer version is in the URL: a part file of an older version is never resumed.
            version = hashlib.sha256(url.encode()).hexdigest()[:12]
            path = client.download(url, cache.file(f"{region}-{version}.csv"), progress_bytes)
            rows = parse_offer_csv(path, region, types, url)
            atomic_write_bytes(done, json.dumps(rows).encode("utf-8"))
            path.unlink()
        for row in rows:
            if row["region"] not in request.catalog_regions and not row["problem"]:
                row["problem"] = "region_not_in_catalog: add it to regions.csv to use this price"
            quotes.add(**row)
        tick()
    quotes.notes.append(
        "AWS publishes no spot prices in the Price List; spot rows keep their catalog values"
    )
    return quotes


def _one(client: Client, cache: FetchCache, url: str) -> dict[str, Any]:
    """One JSON document, saved in the cache like a single page."""
    return next(iter(paged(client, cache, url, url, lambda _p, _u: None)))[1]


def _region_index_url(base: str, client: Client, cache: FetchCache) -> str:
    """The service index names the EC2 region index (``currentRegionIndexUrl``)."""
    url = base + SERVICE_INDEX
    offer = (_one(client, cache, url).get("offers") or {}).get(OFFER) or {}
    rel = offer.get("currentRegionIndexUrl")
    if not isinstance(rel, str) or not rel.startswith("/"):
        raise FeedError(f"{url}: no {OFFER} currentRegionIndexUrl in the service index")
    return base + rel


def parse_offer_csv(path: Path, region: str, types: set[str], url: str) -> list[dict[str, Any]]:
    """Plain Linux on-demand and standard no-upfront reserved rows for ``types``."""
    with path.open(encoding="utf-8", newline="") as fh:
        meta: dict[str, str] = {}
        for _ in range(METADATA_ROWS):
            cells = next(csv.reader(io.StringIO(fh.readline())), [])
            if len(cells) >= 2:
                meta[cells[0]] = cells[1]
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "Instance Type" not in reader.fieldnames:
            raise FeedError(f"{url}: not an EC2 offer file (no 'Instance Type' column on row 6)")
        published = meta.get("Publication Date", "")
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        for line, rec in enumerate(reader, start=METADATA_ROWS + 2):
            pricing = _pricing(rec, types)
            if pricing is None:
                continue
            itype = rec["Instance Type"]
            raw = rec.get("PricePerUnit", "")
            value, problem = parse_price(raw)
            if not problem and rec.get("Currency") != "USD":
                problem = f"not_usd: currency {rec.get('Currency')!r}"
            if not problem and rec.get("Region Code", region) not in ("", region):
                problem = f"wrong_region: row says {rec.get('Region Code')!r}"
            detail = (
                f"SKU {rec.get('SKU', '')} {rec.get('RateCode', '')} (CSV line {line}), "
                f"offer published {published}"
            )
            row: dict[str, Any] = {
                "region": region,
                "instance_type": itype,
                "pricing": pricing,
                "usd_per_hour": value,
                "raw_value": raw,
                "source": url,
                "detail": detail,
                "problem": problem,
            }
            key = (itype, pricing)
            if key in seen and seen[key]["usd_per_hour"] != value and not problem:
                seen[key]["problem"] = seen[key]["problem"] or (
                    f"ambiguous: several plain Linux rows ({seen[key]['raw_value']}, {raw})"
                )
                continue
            seen.setdefault(key, row)
    return list(seen.values())


def _pricing(rec: dict[str, str], types: set[str]) -> str | None:
    if rec.get("Instance Type") not in types or rec.get("Unit") != "Hrs":
        return None
    if any(rec.get(col, value) != value for col, value in PLAIN.items()):
        return None
    if rec.get("MarketOption", "OnDemand") not in ("", "OnDemand"):
        return None
    if rec.get("operation", "RunInstances") not in ("", "RunInstances"):
        return None
    term = rec.get("TermType")
    if term == "OnDemand":
        return "on_demand"
    if (
        term == "Reserved"
        and rec.get("OfferingClass") == "standard"
        and rec.get("PurchaseOption") == "No Upfront"
    ):
        return RESERVED.get(rec.get("LeaseContractLength", ""))
    return None
