"""GCP Cloud Billing Catalog API: Compute Engine SKUs (service ``6F81-5844-456A``).

Documented at https://cloud.google.com/billing/docs/reference/rest/v1/services.skus/list:
``GET /v1/services/6F81-5844-456A/skus?key=API_KEY&currencyCode=USD&pageToken=...``
returns ``skus`` and ``nextPageToken``. Each SKU has a ``description``, ``category``
(``resourceGroup``, ``usageType``: ``OnDemand``, ``Preemptible`` = spot, ``Commit1Yr``,
``Commit3Yr``), ``serviceRegions`` and ``pricingInfo[].pricingExpression`` with
``usageUnit`` (``h`` or ``GiBy.h``) and ``tieredRates[].unitPrice`` (``units`` + ``nanos``).

GPU machine types are not priced as a whole: a VM costs its GPUs (per GPU-hour) plus its
vCPUs (per vCPU-hour) plus its memory (per GiB-hour), each a SKU. We price an instance type
as ``gpus x gpu + vcpus x core + memory_gb x ram`` from the catalog's spec of the type.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from advisor.catalog import faults
from advisor.catalog.update.cache import FetchCache
from advisor.catalog.update.feed import FeedRequest, Quotes, paged, parse_price
from advisor.catalog.update.transport import Client

DEFAULT_BASE_URL = "https://cloudbilling.googleapis.com"
SERVICE = "6F81-5844-456A"
PAGE_SIZE = 5000
USAGE_PRICING = {
    "OnDemand": "on_demand",
    "Preemptible": "spot",
    "Commit1Yr": "reserved_1y",
    "Commit3Yr": "reserved_3y",
}
# GPU SKU descriptions (after the spot/commitment wording is removed) -> accelerator id.
GPU_PATTERNS = (
    (re.compile(r"^nvidia (tesla )?a100 80gb gpu$"), "A100-80GB"),
    (re.compile(r"^nvidia (tesla )?a100 gpu$"), "A100"),
    (re.compile(r"^nvidia h100 80gb mega gpu$"), "H100-MEGA"),
    (re.compile(r"^nvidia h100 80gb gpu$"), "H100"),
    (re.compile(r"^nvidia h200 141gb gpu$"), "H200"),
    (re.compile(r"^nvidia b200 gpu$"), "B200"),
    (re.compile(r"^nvidia l4 gpu$"), "L4"),
    (re.compile(r"^nvidia (tesla )?t4 gpu$"), "T4"),
    (re.compile(r"^nvidia (tesla )?v100 gpu$"), "V100"),
)
# Machine series whose core/RAM SKUs are not named "<series> Instance Core/Ram".
# a3-mega's "A3Plus" is seen in published SKU lists; a3-ultra's and a4's core/RAM names are
# our reading of the naming pattern (unverified): if they differ, those types are simply not
# priced by the update (no row is written), never priced wrongly.
SERIES_TOKEN = {"c2": "compute optimized", "a3-mega": "a3plus", "a3-ultra": "a3ultra"}
GPU_OVERRIDE = {"a3-megagpu": "H100-MEGA"}
_STRIP = (
    re.compile(r"^commitment v1:\s*"),
    re.compile(r"^spot preemptible\s+"),
    re.compile(r"^preemptible\s+"),
    re.compile(r"\s+attached to spot preemptible vms"),
    re.compile(r"\s+(running )?in [\w .,()-]+?( for \d+ years?)?$"),
)


@dataclass(frozen=True)
class Component:
    kind: str  # gpu:<id>, core:<series>, ram:<series>
    pricing: str
    region: str
    usd: float | None
    raw: str
    sku: str
    description: str
    source: str
    problem: str


def normalise(description: str) -> str:
    """The SKU description without usage wording and location.

    >>> normalise("Nvidia H100 80GB Mega GPU attached to Spot Preemptible VMs running in Tokyo")
    'nvidia h100 80gb mega gpu'
    >>> normalise("Commitment v1: A2 Cpu in Americas for 1 Year")
    'a2 cpu'
    """
    text = " ".join(description.lower().split())
    for pattern in _STRIP:
        text = pattern.sub("", text)
    return text


def component_kind(description: str) -> str | None:
    """``gpu:<accelerator>``, ``core:<series>``, ``ram:<series>`` or None.

    >>> component_kind("Spot Preemptible A2 Instance Core running in Belgium")
    'core:a2'
    >>> component_kind("Nvidia Tesla A100 80GB GPU running in EMEA")
    'gpu:A100-80GB'
    """
    text = normalise(description)
    for pattern, acc in GPU_PATTERNS:
        if pattern.match(text):
            return f"gpu:{acc}"
    m = re.match(r"^(.+?) (instance )?(core|cpu|ram)$", text)
    if m:
        kind = "ram" if m.group(3) == "ram" else "core"
        return f"{kind}:{m.group(1)}"
    return None


def series_of(instance_type: str) -> str:
    """The machine series whose core/RAM SKUs price ``instance_type``.

    >>> [series_of(t) for t in ("a3-megagpu-8g", "a3-ultragpu-8g", "a2-ultragpu-1g", "c2-standard-16")]
    ['a3-mega', 'a3-ultra', 'a2', 'c2']
    """
    for special in ("a3-mega", "a3-ultra"):
        if instance_type.startswith(special):
            return special
    return instance_type.split("-", 1)[0]


def _unit_price(sku: dict[str, Any]) -> tuple[float | None, str, str]:
    """(USD per usage unit, raw text, problem) from the newest pricing expression."""
    try:
        info = sku["pricingInfo"][-1]
        expr = info["pricingExpression"]
        unit = expr["usageUnit"]
        tiers = sorted(expr["tieredRates"], key=lambda t: float(t.get("startUsageAmount", 0)))
        price = tiers[0]["unitPrice"]
        raw = (
            f"{price.get('units', '0')}+{price.get('nanos', 0)}n {price.get('currencyCode')}/{unit}"
        )
        value = float(price.get("units") or 0) + float(price.get("nanos") or 0) / 1e9
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        return None, "", f"malformed_price: pricingInfo unreadable ({type(exc).__name__})"
    if price.get("currencyCode") != "USD":
        return None, raw, f"not_usd: currency {price.get('currencyCode')!r}"
    if unit not in ("h", "GiBy.h"):
        return None, raw, f"unexpected_unit: {unit!r} (expected h or GiBy.h)"
    if tiers[0].get("startUsageAmount", 0) not in (0, "0", 0.0) or len(tiers) > 1:
        # A free tier first, or volume tiers: the list price is the first paid tier.
        paid = [t for t in tiers if _nano_value(t["unitPrice"]) > 0]
        value = _nano_value(paid[0]["unitPrice"]) if paid else 0.0
    checked, problem = parse_price(value)
    return checked, raw, problem


def _nano_value(price: dict[str, Any]) -> float:
    return float(price.get("units") or 0) + float(price.get("nanos") or 0) / 1e9


def fetch(
    request: FeedRequest, client: Client, cache: FetchCache, tick: Callable[[], None]
) -> Quotes:
    base = request.base_url.rstrip("/") + f"/v1/services/{SERVICE}/skus"
    first = base + "?" + urllib.parse.urlencode({"currencyCode": "USD", "pageSize": PAGE_SIZE})

    def next_url(page: dict[str, Any], url: str) -> str | None:
        token = page.get("nextPageToken")
        if not token:
            return None
        return first + "&" + urllib.parse.urlencode({"pageToken": token})

    def sign(url: str) -> str:
        return url + "&" + urllib.parse.urlencode({"key": request.api_key or ""})

    components: list[Component] = []
    wanted_regions = set(request.regions)
    for url, page in paged(client, cache, first, first, next_url, sign=sign, on_page=tick):
        for sku in page.get("skus") or []:
            components.extend(_components(sku, url, wanted_regions))
    return assemble(components, request)


def _components(sku: dict[str, Any], source: str, regions: set[str]) -> list[Component]:
    category = sku.get("category") or {}
    pricing = USAGE_PRICING.get(category.get("usageType", ""))
    kind = component_kind(str(sku.get("description", "")))
    if pricing is None or kind is None:
        return []
    value, raw, problem = _unit_price(sku)
    sku_id = str(sku.get("skuId", ""))
    out = []
    for region in sku.get("serviceRegions") or []:
        if regions and region not in regions:
            continue
        out.append(
            Component(
                kind, pricing, region, value, raw, sku_id, sku["description"], source, problem
            )
        )
    return out


def _gpu_faults(frame: pd.DataFrame, regions: pd.DataFrame) -> pd.Series:
    """GPU component prices copied across continents (the fault of issue 9 §1): the
    catalog's ``flat_across_regions`` rule on the per-GPU component, one SKU's regions
    counting as one provider statement."""
    gpus = frame[frame["kind"].str.startswith("gpu:") & frame["problem"].eq("")]
    probe = gpus.rename(columns={"kind": "instance_type", "usd": "usd_per_hour"})
    probe = probe.assign(provider="gcp", accelerator=probe["instance_type"], accelerator_count=1)
    flags = faults.flat_across_regions(
        faults.with_areas(probe, regions), source_col=None, statement_col="sku"
    )
    return flags["rule"] + ": GPU component " + flags["reason"]


def assemble(components: list[Component], request: FeedRequest) -> Quotes:
    """Instance prices from component prices; missing or faulty parts are reported."""
    quotes = Quotes()
    if not components:
        quotes.notes.append("the API returned no GPU, vCPU or RAM SKU we could map")
        return quotes
    frame = pd.DataFrame([c.__dict__ for c in components])
    if request.region_frame is not None:
        flat = _gpu_faults(frame, request.region_frame)
        frame.loc[flat.index, "problem"] = flat
    # Two clean SKUs pricing one part differently: neither can be trusted.
    clean = frame["problem"].eq("")
    spread = frame[clean].groupby(["kind", "pricing", "region"])["usd"].transform("nunique")
    clash = spread[spread > 1].index
    if len(clash):
        skus = (
            frame.loc[clash]
            .groupby(["kind", "pricing", "region"])["sku"]
            .transform(lambda s: ", ".join(sorted(set(s))))
        )
        frame.loc[clash, "problem"] = "ambiguous: SKUs " + skus + " price this part differently"
    # One component per kind, pricing and region: a clean price beats a faulty one.
    frame = frame.sort_values(["kind", "pricing", "region", "problem"]).drop_duplicates(
        ["kind", "pricing", "region"]
    )
    lookup = {(r.kind, r.pricing, r.region): r for r in frame.itertuples(index=False)}
    by_region: dict[str, set[str]] = {}
    for r in frame.itertuples(index=False):
        by_region.setdefault(r.pricing, set()).add(r.region)
    for spec in request.instance_types.itertuples(index=False):
        series = series_of(spec.instance_type)
        token = SERIES_TOKEN.get(series, series)
        parts = [(f"core:{token}", float(spec.vcpus)), (f"ram:{token}", float(spec.memory_gb))]
        if float(spec.accelerator_count or 0) > 0:
            acc = GPU_OVERRIDE.get(spec.family, spec.accelerator)
            parts.append((f"gpu:{acc}", float(spec.accelerator_count)))
        for pricing, regions in by_region.items():
            for region in sorted(regions):
                found = [lookup.get((kind, pricing, region)) for kind, _ in parts]
                # The type is offered where its defining part (GPU, else vCPU) is priced.
                if found[-1 if len(parts) == 3 else 0] is None:
                    continue
                _add_instance(quotes, spec.instance_type, pricing, region, parts, found, request)
    return quotes


def _add_instance(quotes, itype, pricing, region, parts, found, request) -> None:
    missing = [kind for (kind, _), hit in zip(parts, found, strict=True) if hit is None]
    bad = [hit for hit in found if hit is not None and hit.problem]
    terms = [
        f"{n:g} x {hit.usd:.6g} ({hit.description}, SKU {hit.sku})"
        for (_, n), hit in zip(parts, found, strict=True)
        if hit is not None and hit.usd is not None
    ]
    source = next(hit.source for hit in found if hit is not None)
    raw = " + ".join(terms)
    if missing:
        problem = f"missing_component: no {', '.join(missing)} SKU for {pricing} in {region}"
        quotes.add(region, itype, pricing, None, raw, source, "", problem)
        return
    if bad:
        quotes.add(region, itype, pricing, None, bad[0].raw, bad[0].source, raw, bad[0].problem)
        return
    total = sum(n * hit.usd for (_, n), hit in zip(parts, found, strict=True))
    problem = ""
    if region not in request.catalog_regions:
        problem = "region_not_in_catalog: add it to regions.csv to use this price"
    quotes.add(region, itype, pricing, total, f"{total:.6f}", source, "sum of " + raw, problem)
