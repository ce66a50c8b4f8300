"""``advisor catalog update``: fetch one provider's prices, check them, write a user catalog.

The output is a user catalog directory (``--catalog DIR``): ``instance_prices.csv`` with one
row per price fetched (source URL, retrieval date and time), ``excluded_prices.csv`` with
every fetched price that failed a check and why, and ``manifest.json``. Rows of another
provider already in the directory are kept; this provider's earlier update rows in the
regions fetched are replaced. Nothing is written until every page has arrived, and then
each file is replaced atomically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from advisor.catalog import faults
from advisor.catalog.loader import bundled_catalog_dir
from advisor.catalog.model import Catalog
from advisor.catalog.tables import SCHEMA_VERSION, TABLES
from advisor.catalog.update import aws, azure, gcp
from advisor.catalog.update.cache import FetchCache
from advisor.catalog.update.feed import FeedRequest
from advisor.catalog.update.transport import Client, FeedError
from advisor.safeio import atomic_write_bytes, csv_text

PROVIDERS = {"aws": aws, "azure": azure, "gcp": gcp}
BASE_URL_ENV = {
    "aws": "ADVISOR_AWS_PRICING_URL",
    "azure": "ADVISOR_AZURE_PRICES_URL",
    "gcp": "ADVISOR_GCP_BILLING_URL",
}
GCP_KEY_ENV = "ADVISOR_GCP_API_KEY"
UPDATE_NOTE = "advisor catalog update"
EXCLUDED_COLUMNS = [
    "provider",
    "region",
    "instance_type",
    "pricing",
    "raw_value",
    "reason",
    "source",
    "as_of",
]


@dataclass
class UpdateResult:
    """What one update fetched, kept, excluded and wrote."""

    provider: str
    out_dir: Path
    retrieved_at: str
    kept: pd.DataFrame
    excluded: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    requests: int = 0
    replaced_rows: int = 0

    def summary(self) -> dict:
        return {
            "provider": self.provider,
            "out_dir": str(self.out_dir),
            "retrieved_at": self.retrieved_at,
            "prices_written": len(self.kept),
            "prices_excluded": len(self.excluded),
            "excluded_by_reason": self.excluded["reason"]
            .str.split(":")
            .str[0]
            .value_counts()
            .to_dict(),
            "regions": sorted(self.kept["region"].unique().tolist()),
            "by_pricing": self.kept["pricing"].value_counts().to_dict(),
            "replaced_rows": self.replaced_rows,
            "http_requests": self.requests,
            "files": {k: str(v) for k, v in self.files.items()},
            "notes": self.notes,
            "warnings": self.warnings,
        }


def check_out_dir(out_dir: Path) -> Path:
    """The resolved output folder; refuses the bundled catalog and anything inside it."""
    out = out_dir.expanduser().resolve()
    bundled = bundled_catalog_dir().resolve()
    if out == bundled or out.is_relative_to(bundled):
        raise FeedError(
            f"{out_dir}: refusing to write into the bundled catalog ({bundled}); "
            "choose another --out folder (a user catalog directory)"
        )
    if out.exists() and not out.is_dir():
        raise FeedError(f"{out_dir}: exists and is not a folder")
    return out


def resolve_regions(
    provider: str, requested: list[str] | None, catalog: Catalog
) -> tuple[str, ...]:
    """Requested regions checked against the catalog (did-you-mean on a typo)."""
    from advisor.schema.refs import did_you_mean

    known = set(catalog.regions.loc[catalog.regions["provider"] == provider, "region"])
    chosen: list[str] = []
    for item in requested or []:
        for region in filter(None, (r.strip() for r in item.split(","))):
            if region not in known:
                hint = did_you_mean(region, known)
                raise FeedError(
                    f"unknown {provider} region '{region}' (not in the catalog's regions.csv)"
                    + (f"; {hint}" if hint else "")
                )
            chosen.append(region)
    return tuple(sorted(set(chosen)))


def update_catalog(
    provider: str,
    out_dir: Path,
    regions: list[str] | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    client: Client | None = None,
    fresh: bool = False,
    progress: Callable[[str, int], object] | None = None,
    now: dt.datetime | None = None,
) -> UpdateResult:
    """Fetch ``provider``'s list prices and write them to the user catalog ``out_dir``.

    ``progress(kind, amount)`` is told of every page or file (``"page", 1``) and, for AWS
    downloads, of every chunk (``"byte", n``).
    """
    if provider not in PROVIDERS:
        raise FeedError(f"unknown provider '{provider}'; choose one of {', '.join(PROVIDERS)}")
    out = check_out_dir(out_dir)
    has_tables = out.is_dir() and any(out.glob("*.csv"))
    catalog = Catalog.load(out if has_tables else None)
    feed = PROVIDERS[provider]
    base = base_url or os.environ.get(BASE_URL_ENV[provider]) or feed.DEFAULT_BASE_URL
    if provider == "gcp" and not api_key:
        raise FeedError(
            f"GCP needs an API key for the Cloud Billing Catalog API: set {GCP_KEY_ENV} "
            "(a key of a project with the Cloud Billing API enabled)"
        )
    stamp = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    retrieved_at = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    types = catalog.instance_types[catalog.instance_types["provider"] == provider]
    region_frame = catalog.regions[catalog.regions["provider"] == provider]
    request = FeedRequest(
        provider=provider,
        instance_types=types.reset_index(drop=True),
        regions=resolve_regions(provider, regions, catalog),
        base_url=base,
        retrieved_at=retrieved_at,
        api_key=api_key,
        catalog_regions=frozenset(region_frame["region"]),
        region_frame=region_frame,
    )
    client = client or Client()
    cache = FetchCache(out, provider, fresh=fresh)
    tick = (lambda: progress("page", 1)) if progress else (lambda: None)
    try:
        if provider == "aws" and progress:
            quotes = feed.fetch(request, client, cache, tick, lambda n: progress("byte", n))
        else:
            quotes = feed.fetch(request, client, cache, tick)
    except FeedError as exc:
        saved = list(cache.root.rglob("*.json")) if cache.root.exists() else []
        if saved:
            raise FeedError(
                f"{exc}\nnothing was written to the catalog; what arrived is kept in "
                f"{cache.root.parent} and reused when you run the same command again"
            ) from None
        raise
    fetched = quotes.frame(provider)
    if fetched.empty:
        raise FeedError(
            f"the {provider} price API answered but no price matched the catalog's "
            f"{len(types)} {provider} instance types"
            + (f" in {', '.join(request.regions)}" if request.regions else "")
        )
    kept, excluded = check_quotes(fetched, catalog, retrieved_at)
    result = UpdateResult(provider, out, retrieved_at, kept, excluded, notes=list(quotes.notes))
    result.warnings = cross_checks(kept, catalog)
    if cache.resumed_pages:
        result.notes.append(
            f"resumed: {cache.resumed_pages} saved pages of an interrupted run reused "
            f"(retrieved from {cache.started_at()} on)"
        )
    result.requests = client.requests
    write_user_catalog(result, request)
    cache.remove()
    return result


def check_quotes(
    fetched: pd.DataFrame, catalog: Catalog, retrieved_at: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split fetched quotes into catalog rows and excluded rows (parse problems, then the
    fault rules of :mod:`advisor.catalog.faults` on the clean ones)."""
    as_of = retrieved_at[:10]
    problems = fetched[fetched["problem"] != ""].assign(reason=lambda f: f["problem"])
    clean = fetched[fetched["problem"] == ""].reset_index(drop=True)
    dupes = clean.duplicated(faults.KEY, keep=False)
    ambiguous = clean[dupes].assign(reason="ambiguous: several different prices for one key")
    clean = clean[~dupes].reset_index(drop=True)
    flags = faults.find_faults(clean, catalog.instance_types, catalog.regions)
    flagged = clean.loc[flags.index].assign(reason=flags["rule"] + ": " + flags["reason"])
    kept = clean.drop(index=flags.index)
    excluded = pd.concat([problems, ambiguous, flagged], ignore_index=True)
    excluded = excluded.assign(as_of=as_of)[EXCLUDED_COLUMNS]
    rows = kept.assign(
        as_of=as_of,
        basis="listed",
        note=lambda f: f"retrieved {retrieved_at} by {UPDATE_NOTE}; " + f["detail"],
    )
    columns = list(TABLES["instance_prices"].columns)
    return rows[columns].sort_values(faults.KEY).reset_index(drop=True), excluded


def cross_checks(kept: pd.DataFrame, catalog: Catalog) -> list[str]:
    """Warnings about catalog rows the fetched list prices cast doubt on."""
    warnings = []
    old = catalog.instance_prices
    multiples = faults.round_multiples(old, kept)
    for idx, flag in multiples.iterrows():
        r = old.loc[idx]
        warnings.append(
            f"catalog {r['provider']} {r['region']} {r['instance_type']} {r['pricing']} "
            f"{r['usd_per_hour']:g} is {flag['multiple']:g}x the list price "
            f"{flag['other_usd_per_hour']:g} just fetched (replaced by the update)"
        )
    od = kept[kept["pricing"] == "on_demand"].set_index(faults.KEY[:3])["usd_per_hour"]
    keys = set(map(tuple, kept[faults.KEY].to_numpy()))
    for idx in faults.not_below_on_demand(old, on_demand=od).index:
        r = old.loc[idx]
        if (r["provider"], r["region"], r["instance_type"], r["pricing"]) in keys:
            continue
        warnings.append(
            f"catalog {r['provider']} {r['region']} {r['instance_type']} {r['pricing']} "
            f"{r['usd_per_hour']:g} is not below the new on-demand "
            f"{od[(r['provider'], r['region'], r['instance_type'])]:g}; it was not updated "
            f"(override it in {TABLES['instance_prices'].file} or the scenario)"
        )
    return warnings


def _csv(frame: pd.DataFrame) -> bytes:
    return csv_text(frame, float_format="%.10g").encode("utf-8")


def _previous(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=columns)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def write_user_catalog(result: UpdateResult, request: FeedRequest) -> None:
    """Merge with what ``out_dir`` holds and replace the files atomically, manifest last."""
    out, provider = result.out_dir, result.provider
    scope = set(result.kept["region"]) | set(result.excluded["region"])
    if request.regions:
        scope |= set(request.regions)
    columns = list(TABLES["instance_prices"].columns)
    old = _previous(out / "instance_prices.csv", columns)
    ours = (old["provider"] == provider) & old["region"].isin(scope)
    from_update = old.get("note", pd.Series("", index=old.index)).str.contains(UPDATE_NOTE)
    new_keys = set(map(tuple, result.kept[faults.KEY].astype(str).to_numpy()))
    same_key = old[faults.KEY].astype(str).apply(tuple, axis=1).isin(new_keys) if len(old) else ours
    drop = (ours & from_update) | same_key
    result.replaced_rows = int(same_key.sum())
    prices = pd.concat([old[~drop], result.kept], ignore_index=True)
    prices["usd_per_hour"] = pd.to_numeric(prices["usd_per_hour"]).round(9)
    prices = prices.sort_values(faults.KEY).reset_index(drop=True)
    old_ex = _previous(out / "excluded_prices.csv", EXCLUDED_COLUMNS)
    stale = (old_ex["provider"] == provider) & old_ex["region"].isin(scope)
    excluded = pd.concat([old_ex[~stale], result.excluded], ignore_index=True)
    payloads = {
        "instance_prices.csv": _csv(prices[columns]),
        "excluded_prices.csv": _csv(excluded[EXCLUDED_COLUMNS].sort_values(faults.KEY)),
    }
    rows = {"instance_prices.csv": len(prices), "excluded_prices.csv": len(excluded)}
    manifest = _manifest(out, result, request, payloads, rows)
    payloads["manifest.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    for name, payload in payloads.items():  # manifest.json is last (dicts keep order)
        result.files[name] = atomic_write_bytes(out / name, payload)


def _manifest(
    out: Path, result: UpdateResult, request: FeedRequest, payloads: dict, rows: dict
) -> dict:
    path = out / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    manifest["schema_version"] = SCHEMA_VERSION
    manifest.setdefault("catalog_version", f"user-{result.retrieved_at[:10]}")
    manifest["built_on"] = result.retrieved_at[:10]
    updates = [u for u in manifest.get("updates", []) if u.get("provider") != result.provider]
    updates.append(
        {
            "provider": result.provider,
            "retrieved_at": result.retrieved_at,
            "base_url": request.base_url,
            "regions": sorted(result.kept["region"].unique().tolist()),
            "prices_written": len(result.kept),
            "prices_excluded": len(result.excluded),
            "notes": result.notes,
        }
    )
    manifest["updates"] = sorted(updates, key=lambda u: u["provider"])
    tables = manifest.setdefault("tables", {})
    for name, payload in payloads.items():
        stem = name.removesuffix(".csv")
        tables[stem] = {
            "file": name,
            "rows": rows[name],
            "sha256": hashlib.sha256(payload).hexdigest(),
            "description": "written by advisor catalog update",
        }
    return manifest
