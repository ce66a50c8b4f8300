"""Shared CLI options: ``--format`` as a choice (an unknown value exits 2) and ``--version``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class Format(StrEnum):
    """Output of most commands."""

    table = "table"
    json = "json"


class CompareFormat(StrEnum):
    """Output of ``advisor compare`` (markdown: a pull-request comment)."""

    table = "table"
    json = "json"
    markdown = "markdown"


FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", help="table (for people) or json (for scripts).")
]
CompareFormatOpt = Annotated[
    CompareFormat,
    typer.Option(
        "--format", "-f", help="table (for people), json (for scripts) or markdown (PR comment)."
    ),
]


def _version(value: bool) -> None:
    if value:
        from advisor import __version__

        typer.echo(f"advisor {__version__}")
        raise typer.Exit(0)


def root(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="On an internal error (exit 70), also print the traceback."),
    ] = False,
) -> None:
    """Where should each AI/ML workload run? Plans on-prem, edge and cloud placement.

    Example: advisor plan examples/eu-insurer.yaml
    """
