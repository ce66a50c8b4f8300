"""``advisor schema`` (scenario or plan JSON Schema) and ``advisor init`` (a starter scenario
with the editor modeline that points YAML plugins at the schema)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

SCHEMA_FILE = "advisor-scenario.schema.json"


def _dump(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def schema(
    plan: Annotated[
        bool, typer.Option("--plan", help="The schema of plan.json instead of scenario files.")
    ] = False,
) -> None:
    """Print the JSON Schema of scenario files (for editors and check-jsonschema), or of
    plan.json with --plan.

    Example: advisor schema > scenario.schema.json; advisor schema --plan > plan.schema.json
    """
    if plan:
        from advisor.plan.json_schema import plan_schema

        typer.echo(_dump(plan_schema()), nl=False)
    else:
        from advisor.schema.published import scenario_schema

        typer.echo(_dump(scenario_schema()), nl=False)


def init(
    path: Annotated[Path, typer.Argument(help="Where to write the starter scenario.")] = Path(
        "scenario.yaml"
    ),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    schema_url: Annotated[
        str | None,
        typer.Option(
            "--schema-url",
            help=f"Where editors find the schema [default: write {SCHEMA_FILE} beside the file].",
        ),
    ] = None,
) -> None:
    """Write a commented starter scenario that validates and solves, with a
    yaml-language-server modeline so that editors check it against the JSON Schema.

    Example: advisor init my-scenario.yaml
    """
    from advisor.errors import OutputError
    from advisor.safeio import atomic_write_text
    from advisor.safeio.atomic import resolve_destination
    from advisor.schema.published import MODELINE, scenario_schema

    out = Console(markup=False, emoji=False, highlight=False)
    err = Console(stderr=True, soft_wrap=True, markup=False, emoji=False, highlight=False)
    if (path.exists() or path.is_symlink()) and not force:
        err.print(f"{path} exists; use --force to overwrite", markup=False)
        raise typer.Exit(2)
    written = []
    text = resources.files("advisor.cli").joinpath("starter.yaml").read_text(encoding="utf-8")
    try:
        resolve_destination(path)  # refuse a device, FIFO or dangling symlink before writing
        if schema_url is None:
            schema_url = f"./{SCHEMA_FILE}"
            schema_path = path.parent / SCHEMA_FILE
            written.append(atomic_write_text(schema_path, _dump(scenario_schema())))
        atomic_write_text(path, MODELINE.format(url=schema_url) + "\n" + text)
    except OutputError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from None
    written.insert(0, path)
    out.print(
        f"wrote {', '.join(map(str, written))}; next: advisor validate {path} && advisor plan {path}",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.command()(schema)
    app.command()(init)
