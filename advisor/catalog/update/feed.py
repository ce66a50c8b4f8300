"""What every provider feed shares: the request for prices, quotes, and paged fetching."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from advisor.catalog.update.cache import FetchCache
from advisor.catalog.update.transport import Client

QUOTE_COLUMNS = [
    "provider",
    "region",
    "instance_type",
    "pricing",
    "usd_per_hour",
    "raw_value",
    "source",
    "detail",
    "problem",
]


@dataclass(frozen=True)
class FeedRequest:
    """What to price: the provider's catalogued instance types in the chosen regions."""

    provider: str
    instance_types: pd.DataFrame
    regions: tuple[str, ...]
    base_url: str
    retrieved_at: str
    api_key: str | None = None
    catalog_regions: frozenset[str] = field(default_factory=frozenset)
    region_frame: pd.DataFrame | None = None


@dataclass
class Quotes:
    """Rows a feed produced: one per (region, type, pricing) price found, good or bad."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        region: str,
        instance_type: str,
        pricing: str,
        usd_per_hour: float | None,
        raw_value: str,
        source: str,
        detail: str,
        problem: str = "",
        provider: str = "",
    ) -> None:
        self.rows.append(
            {
                "provider": provider,
                "region": region,
                "instance_type": instance_type,
                "pricing": pricing,
                "usd_per_hour": usd_per_hour,
                "raw_value": raw_value,
                "source": source,
                "detail": detail,
                "problem": problem,
            }
        )

    def frame(self, provider: str) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=QUOTE_COLUMNS)
        frame["provider"] = provider
        frame["usd_per_hour"] = pd.to_numeric(frame["usd_per_hour"], errors="coerce")
        return frame


def parse_price(raw: Any) -> tuple[float | None, str]:
    """A positive finite price from ``raw`` or ``(None, reason)``.

    >>> parse_price("1.25")
    (1.25, '')
    >>> parse_price("abc")[1]
    "malformed_price: 'abc' is not a number"
    >>> parse_price(0)[1]
    'malformed_price: 0 is not a positive price'
    """
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None, f"malformed_price: {raw!r} is not a number"
    if not value > 0 or value == float("inf"):
        return None, f"malformed_price: {raw!r} is not a positive price"
    return value, ""


def paged(
    client: Client,
    cache: FetchCache,
    key: str,
    first_url: str,
    next_url: Callable[[dict[str, Any], str], str | None],
    sign: Callable[[str], str] = lambda u: u,
    on_page: Callable[[], None] | None = None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(url, page)`` for every page of a query, resuming from the cache.

    URLs are stored without secrets; ``sign`` adds them back for the request only.
    """
    pages, cursor, done = cache.load_pages(key)
    for saved in pages:
        if on_page:
            on_page()
        yield saved["url"], saved["body"]
    if done:
        return
    url = cursor if pages else first_url
    index = len(pages)
    while url:
        body = client.get_json(sign(url))
        if not isinstance(body, dict):
            from advisor.catalog.update.transport import FeedError

            raise FeedError(f"{url}: expected a JSON object, got {type(body).__name__}")
        following = next_url(body, url)
        cache.save_page(key, index, {"url": url, "body": body}, following)
        if on_page:
            on_page()
        yield url, body
        url, index = following, index + 1
