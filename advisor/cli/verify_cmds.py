"""``advisor verify PLAN_JSON``: re-check a saved plan with the independent verifier."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from advisor.cli.options import Format, FormatOpt
from advisor.errors import AdvisorError

VERIFY_EXIT = 5
"""Exit code when a plan fails independent verification (``advisor plan`` and ``verify``)."""


def print_verification(console: Console, verification, max_lines: int = 30) -> None:
    head = f"{verification.checks:,} checks, {len(verification.violations):,} violations"
    console.print(head, markup=False, highlight=False)
    for v in verification.violations[:max_lines]:
        console.print("  " + v.format(), markup=False, highlight=False, soft_wrap=True)
    if len(verification.violations) > max_lines:
        console.print(f"  ... and {len(verification.violations) - max_lines:,} more", markup=False)


def verify(
    plan_json: Annotated[Path, typer.Argument(help="A plan.json written by advisor plan.")],
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario", help="Check against this scenario instead of the one plan.json carries."
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Re-check a saved plan (every constraint, cost and KPI) without solving.

    Exit 0 when it holds, 5 when it breaks a rule or misstates a number.
    Example: advisor verify reports/eu-insurer/plan.json
    """
    from advisor import load_scenario
    from advisor.cli.app import _fail
    from advisor.plan.saved import verify_saved

    try:
        scn = load_scenario(scenario) if scenario is not None else None
        result = verify_saved(plan_json, scn)
    except AdvisorError as exc:
        _fail(exc, fmt)
    if fmt == Format.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "checks": result.checks,
                    "violations": [v.__dict__ for v in result.violations],
                },
                indent=2,
            )
        )
    else:
        console = (
            Console(markup=False, emoji=False)
            if result.ok
            else Console(stderr=True, soft_wrap=True, markup=False, emoji=False)
        )
        console.print(f"{plan_json}: {'verified' if result.ok else 'FAILED verification'}")
        print_verification(console, result)
    if not result.ok:
        raise typer.Exit(VERIFY_EXIT)


def register(app: typer.Typer) -> None:
    app.command()(verify)
