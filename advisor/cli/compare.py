"""``advisor compare``: two scenarios (solved here), plan.json files or ``git:REV:PATH``
references; a table, JSON, or a pull-request comment in markdown, with an optional cost gate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from advisor.cli.gate import GATE_EXIT, parse_threshold, run_gate
from advisor.cli.options import CompareFormat, CompareFormatOpt
from advisor.errors import AdvisorError
from advisor.plan.compare import CENT


def run_compare(a: Path | str, b: Path | str, out_dir: Path | None) -> dict:
    """Compare two sides and write compare.html; the comparison as a dict (``report``: path)."""
    comp, *_ = run_gate(str(a), str(b), None)
    return _with_report(comp, out_dir)


def _with_report(comp, out_dir: Path | None) -> dict:
    from advisor.report.write import comparison_html
    from advisor.safeio import atomic_write_text, safe_folder_name

    result = comp.to_dict()
    folder = out_dir or Path("reports") / safe_folder_name(
        f"compare-{comp.name_a}-vs-{comp.name_b}"
    )
    # one file: an atomic write is already whole, and --out may be any folder
    result["report"] = str(atomic_write_text(folder / "compare.html", comparison_html(comp, None)))
    return result


def compare(
    a: Annotated[str, typer.Argument(help="Before: scenario YAML, plan.json or git:REV:PATH.")],
    b: Annotated[str, typer.Argument(help="After: scenario YAML, plan.json or git:REV:PATH.")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder for compare.html.")
    ] = None,
    fail_on_increase: Annotated[
        str | None,
        typer.Option(
            "--fail-on-increase",
            help=f"Exit {GATE_EXIT} when B's monthly cost exceeds A's by more than this: "
            "a percentage (5%) or USD per month (1000).",
        ),
    ] = None,
    fmt: CompareFormatOpt = CompareFormat.table,
    only_changed: Annotated[
        bool,
        typer.Option(
            "--only-changed",
            help="Print nothing when no placement and no cost changed (post no PR comment).",
        ),
    ] = False,
) -> None:
    """Compare two plans: what moved and why, the cost delta, new purchases, binding budgets.

    Example: advisor compare git:origin/main:scenario.yaml scenario.yaml --format markdown
    --fail-on-increase 5%
    """
    from advisor.cli import render
    from advisor.cli.app import _fail
    from advisor.report.pr_comment import comment_markdown

    out, err = (
        Console(markup=False, emoji=False, highlight=False),
        Console(stderr=True, soft_wrap=True, markup=False, emoji=False, highlight=False),
    )
    try:
        threshold = parse_threshold(fail_on_increase) if fail_on_increase else None
    except ValueError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from None
    try:
        comp, plan_a, plan_b, gate = run_gate(a, b, threshold)
        result = _with_report(comp, out_dir)
    except AdvisorError as exc:
        _fail(exc, "json" if fmt == CompareFormat.json else "table")
    if gate is not None:
        result["gate"] = gate
    unchanged = (
        not len(comp.moved) and not len(comp.repriced) and abs(comp.delta_usd_per_month) < CENT
    )
    if only_changed and unchanged:
        return
    if fmt == CompareFormat.json:
        print(json.dumps(result, indent=2, sort_keys=True, default=str))
    elif fmt == CompareFormat.markdown:
        typer.echo(comment_markdown(comp, plan_a, plan_b, gate))
    else:
        render.print_compare(out, result)
        if gate is not None:
            verdict = "FAILED" if gate["failed"] else "passed"
            out.print(f"cost gate ({gate['limit_text']}): {verdict}", markup=False)
    if gate is not None and gate["failed"]:
        raise typer.Exit(GATE_EXIT)


def register(app: typer.Typer) -> None:
    app.command()(compare)
