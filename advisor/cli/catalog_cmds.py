"""``advisor catalog update`` and ``advisor catalog diff`` (registered on the catalog app)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from advisor.errors import AdvisorError

out = Console(markup=False, emoji=False, highlight=False)  # user text prints as written
err = Console(stderr=True, soft_wrap=True, markup=False, emoji=False, highlight=False)


def _fail(exc: AdvisorError, fmt: str) -> None:
    if fmt == "json":
        print(
            json.dumps(
                {"error": type(exc).__name__, "exit_code": exc.exit_code, "message": str(exc)}
            )
        )
    else:
        err.print(f"error: {exc}", markup=False, highlight=False)
    raise typer.Exit(exc.exit_code)


def update(
    provider: Annotated[str, typer.Option("--provider", "-p", help="aws, azure or gcp.")],
    out_dir: Annotated[
        Path,
        typer.Option("--out", "-o", help="User catalog folder to write (never the bundled one)."),
    ],
    regions: Annotated[
        list[str] | None,
        typer.Option(
            "--regions", "-r", help="Regions to fetch (repeatable or comma-separated); default all."
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="Price API base URL (default: the provider's; or ADVISOR_AWS_PRICING_URL, "
            "ADVISOR_AZURE_PRICES_URL, ADVISOR_GCP_BILLING_URL).",
        ),
    ] = None,
    api_key_env: Annotated[
        str, typer.Option(help="Environment variable holding the GCP API key.")
    ] = "ADVISOR_GCP_API_KEY",
    timeout_s: Annotated[float, typer.Option("--timeout", help="Seconds per request.")] = 60.0,
    retries: Annotated[
        int, typer.Option(help="Retries after a 429, 5xx or dropped connection.")
    ] = 5,
    backoff_s: Annotated[
        float, typer.Option("--backoff", help="First retry wait in seconds (doubles each time).")
    ] = 1.0,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Ignore pages saved by an interrupted run.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Fetch current list prices from a provider's price API into a user catalog folder.

    Azure: Retail Prices API (no key). AWS: EC2 Price List bulk offer files. GCP: Cloud
    Billing Catalog API with the key in $ADVISOR_GCP_API_KEY. An interrupted run resumes
    from the pages saved in OUT/.advisor-update. Use the result with --catalog OUT.

    Example: advisor catalog update --provider azure --regions westeurope --out my-prices
    """
    from tqdm import tqdm

    from advisor.catalog.update.run import update_catalog
    from advisor.catalog.update.transport import Client

    show = not quiet and fmt != "json" and sys.stderr.isatty()
    byte_bar = tqdm(
        desc="downloaded",
        unit="B",
        unit_scale=True,
        disable=not show or provider != "aws",
        file=sys.stderr,
        leave=False,
    )
    bar = tqdm(
        desc=f"{provider} prices",
        unit="region" if provider == "aws" else "page",
        disable=not show,
        file=sys.stderr,
        leave=False,
    )
    try:
        result = update_catalog(
            provider,
            out_dir,
            regions=regions,
            base_url=base_url,
            api_key=os.environ.get(api_key_env) if provider == "gcp" else None,
            client=Client(timeout_s=timeout_s, retries=retries, backoff_s=backoff_s),
            fresh=fresh,
            progress=lambda kind, n: (bar if kind == "page" else byte_bar).update(n),
        )
    except AdvisorError as exc:
        bar.close()
        byte_bar.close()
        _fail(exc, fmt)
    except KeyboardInterrupt:
        bar.close()
        byte_bar.close()
        err.print(
            f"interrupted; pages fetched so far are kept in {out_dir}/.advisor-update; "
            "run the same command again to resume",
            markup=False,
        )
        raise typer.Exit(130) from None
    bar.close()
    byte_bar.close()
    summary = result.summary()
    if fmt == "json":
        print(json.dumps(summary, indent=2, sort_keys=True))
        return
    if quiet:
        return
    out.print(
        f"{provider}: {summary['prices_written']} prices written, "
        f"{summary['prices_excluded']} excluded, in {len(summary['regions'])} regions "
        f"({summary['http_requests']} HTTP requests; retrieved {summary['retrieved_at']})",
        markup=False,
        highlight=False,
    )
    for pricing, n in sorted(summary["by_pricing"].items()):
        out.print(f"  {pricing}: {n}", markup=False, highlight=False)
    for reason, n in sorted(summary["excluded_by_reason"].items()):
        out.print(f"  excluded ({reason}): {n}", markup=False, highlight=False)
    for note in summary["notes"]:
        out.print(f"note: {note}", markup=False, highlight=False)
    for warning in summary["warnings"][:20]:
        out.print(f"warning: {warning}", markup=False, highlight=False)
    if len(summary["warnings"]) > 20:
        out.print(f"... and {len(summary['warnings']) - 20} more warnings (use --format json)")
    for _name, path in summary["files"].items():
        out.print(f"wrote {path}", markup=False, highlight=False)
    out.print(f"use it: advisor plan SCENARIO --catalog {out_dir}", markup=False, highlight=False)


def diff(
    old: Annotated[str, typer.Argument(help="'bundled' or a user catalog folder (before).")],
    new: Annotated[str, typer.Argument(help="'bundled' or a user catalog folder (after).")],
    provider: Annotated[
        str | None, typer.Option("--provider", "-p", help="Only this provider.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Changed rows to show (0 = all).")] = 30,
    sort: Annotated[
        str, typer.Option(help="abs (largest USD/h move first) or pct (largest % move first).")
    ] = "abs",
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """What changed in instance prices between two catalogs: added, removed, repriced.

    A folder is compared as a plan sees it (bundled catalog overlaid with the folder).
    Largest moves first, with summaries by provider, family and region.

    Example: advisor catalog diff bundled my-prices
    """
    from advisor.catalog.diff import CatalogDiff, diff_catalogs

    if sort not in ("abs", "pct"):
        err.print(f"--sort must be abs or pct, got {sort!r}", markup=False)
        raise typer.Exit(2)
    try:
        result = diff_catalogs(old, new, sort)
    except AdvisorError as exc:
        _fail(exc, fmt)
    if provider:
        keep = result.changes["provider"] == provider
        result = CatalogDiff(
            result.old_label, result.new_label, result.changes[keep], result.unchanged
        )
    if fmt == "json":
        print(json.dumps(result.to_dict(limit), indent=2, default=str))
        return
    counts = result.counts()
    out.print(
        f"{result.old_label} -> {result.new_label}: {counts['repriced']} repriced, "
        f"{counts['added']} added, {counts['removed']} removed, {result.unchanged} unchanged",
        markup=False,
        highlight=False,
    )
    if result.changes.empty:
        return
    for by, title in (
        (["provider"], "by provider"),
        (["provider", "family"], "by family"),
        (["provider", "region"], "by region"),
    ):
        summary = (
            result.summary(by)
            .head(15)
            .rename(
                columns={
                    "median_change_pct": "median change %",
                    "max_abs_change_pct": "largest |change| %",
                }
            )
        )
        _table(summary, title)
    cols = {
        "provider": "provider",
        "region": "region",
        "instance_type": "instance type",
        "pricing": "pricing",
        "usd_per_hour_old": "old usd/h",
        "usd_per_hour_new": "new usd/h",
        "change_usd_per_hour": "change usd/h",
        "change_pct": "change %",
    }
    for kind, title in (("repriced", "repriced"), ("added", "added"), ("removed", "removed")):
        part = result.changes[result.changes["change"] == kind]
        if part.empty:
            continue
        shown = part.head(limit) if limit else part
        keep = [c for c in cols if kind == "repriced" or not c.startswith("change")]
        keep = [c for c in keep if not (kind == "added" and c == "usd_per_hour_old")]
        keep = [c for c in keep if not (kind == "removed" and c == "usd_per_hour_new")]
        frame = shown[keep].rename(columns=cols)
        _table(frame, f"{title}: {len(shown)} of {len(part)}, largest first")


def _table(frame: pd.DataFrame, title: str) -> None:
    t = Table(title=title, show_edge=False, title_justify="left")
    for c in frame.columns:
        t.add_column(c, no_wrap=True, overflow="ellipsis", max_width=28)
    for row in frame.itertuples(index=False):
        t.add_row(*(_cell(v, c) for v, c in zip(row, frame.columns, strict=True)))
    out.print(t)


def _cell(v, column: str = "") -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, float) and "|" in column:
        return f"{v:.1f}%"
    if isinstance(v, float) and ("%" in column or column.endswith("_pct")):
        return f"{v:+.1f}%"
    if isinstance(v, float) and column.startswith("change"):
        return f"{v:+.4g}"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def register(catalog_app: typer.Typer) -> None:
    """Add ``update`` and ``diff`` to the ``advisor catalog`` command group."""
    catalog_app.command("update")(update)
    catalog_app.command("diff")(diff)
