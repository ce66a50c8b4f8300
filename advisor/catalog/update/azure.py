"""Azure Retail Prices REST API (no authentication; OData ``$filter``; ``NextPageLink``).

Documented at https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices.
One item is one meter: ``armSkuName`` (our instance type), ``armRegionName``, ``type``
(``Consumption``, ``Reservation``, ``DevTestConsumption``), ``skuName`` (``... Spot``,
``... Low Priority``), ``productName`` (``... Windows`` for Windows meters), ``unitPrice``
in ``currencyCode`` per ``unitOfMeasure``; a ``Reservation`` price is for the whole
``reservationTerm`` (``1 Year`` / ``3 Years``).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

from advisor.catalog.update.cache import FetchCache
from advisor.catalog.update.feed import FeedRequest, Quotes, paged, parse_price
from advisor.catalog.update.transport import Client

DEFAULT_BASE_URL = "https://prices.azure.com/api/retail/prices"
API_VERSION = "2023-01-01-preview"
TYPES_PER_QUERY = 10
HOURS_PER_TERM = {"1 Year": 8760.0, "3 Years": 26280.0}
TERM_PRICING = {"1 Year": "reserved_1y", "3 Years": "reserved_3y"}


def query_urls(request: FeedRequest) -> list[str]:
    """One filtered query per batch of instance types (keeps URLs short)."""
    types = sorted(request.instance_types["instance_type"])
    urls = []
    for start in range(0, len(types), TYPES_PER_QUERY):
        batch = types[start : start + TYPES_PER_QUERY]
        skus = " or ".join(f"armSkuName eq '{t}'" for t in batch)
        clauses = ["serviceName eq 'Virtual Machines'", f"({skus})"]
        if request.regions and len(request.regions) <= 10:
            regions = " or ".join(f"armRegionName eq '{r}'" for r in request.regions)
            clauses.append(f"({regions})")
        query = urllib.parse.urlencode(
            {"api-version": API_VERSION, "currencyCode": "USD", "$filter": " and ".join(clauses)},
            quote_via=urllib.parse.quote,
            safe="$',()",
        )
        urls.append(f"{request.base_url}?{query}")
    return urls


def fetch(
    request: FeedRequest, client: Client, cache: FetchCache, tick: Callable[[], None]
) -> Quotes:
    wanted = set(request.instance_types["instance_type"])
    regions = set(request.regions)
    best: dict[tuple[str, str, str], tuple[tuple, dict[str, Any]]] = {}
    superseded: list[dict[str, Any]] = []
    for url in query_urls(request):

        def next_url(page: dict[str, Any], _url: str) -> str | None:
            return page.get("NextPageLink") or None

        for page_url, page in paged(client, cache, url, url, next_url, on_page=tick):
            for item in page.get("Items") or []:
                row = _quote(item, page_url, wanted, regions, request)
                if row is None:
                    continue
                key = (row["region"], row["instance_type"], row["pricing"])
                # Several meters can price one key (a newer effective date, a non-primary
                # meter region): the primary meter with the latest start date wins.
                rank = (
                    bool(item.get("isPrimaryMeterRegion", True)),
                    item.get("effectiveStartDate", ""),
                )
                if key in best and rank <= best[key][0]:
                    superseded.append(row)
                    continue
                if key in best:
                    superseded.append(best[key][1])
                best[key] = (rank, row)
    quotes = Quotes()
    order = ("region", "instance_type", "pricing")
    for _, row in sorted(best.values(), key=lambda r: tuple(r[1][k] for k in order)):
        quotes.add(**row)
    for row in superseded:
        if not row["problem"]:
            winner = best[tuple(row[k] for k in order)][1]
            row["problem"] = f"superseded: another meter is newer or primary ({winner['detail']})"
        quotes.add(**row)
    return quotes


def _quote(
    item: dict[str, Any],
    source: str,
    wanted: set[str],
    regions: set[str],
    request: FeedRequest,
) -> dict[str, Any] | None:
    itype, region = item.get("armSkuName", ""), item.get("armRegionName", "")
    if itype not in wanted or (regions and region not in regions):
        return None
    sku_name = str(item.get("skuName", ""))
    if "Windows" in str(item.get("productName", "")) or "Low Priority" in sku_name:
        return None
    kind = item.get("type")
    if kind == "Consumption":
        pricing = "spot" if sku_name.endswith("Spot") else "on_demand"
        hours = 1.0
    elif kind == "Reservation" and item.get("reservationTerm") in TERM_PRICING:
        pricing = TERM_PRICING[item["reservationTerm"]]
        hours = HOURS_PER_TERM[item["reservationTerm"]]
    else:
        return None
    if float(item.get("tierMinimumUnits") or 0) > 0:
        return None
    raw = item.get("unitPrice", item.get("retailPrice"))
    value, problem = parse_price(raw)
    currency, unit = item.get("currencyCode"), item.get("unitOfMeasure")
    if not problem and currency != "USD":
        problem = f"not_usd: currency {currency!r}"
    if not problem and kind == "Consumption" and unit != "1 Hour":
        problem = f"unexpected_unit: {unit!r} (expected '1 Hour')"
    detail = (
        f"meter '{item.get('meterName', '')}' ({item.get('meterId', '')}), "
        f"effective {item.get('effectiveStartDate', '')}"
    )
    if hours != 1.0 and value is not None:
        detail += f"; {item['reservationTerm']} reservation {value:g} USD / {hours:g} h"
        value = value / hours
    if region not in request.catalog_regions and not problem:
        problem = "region_not_in_catalog: add it to regions.csv to use this price"
    return {
        "region": region,
        "instance_type": itype,
        "pricing": pricing,
        "usd_per_hour": value,
        "raw_value": str(raw),
        "source": source,
        "detail": detail,
        "problem": problem,
    }
