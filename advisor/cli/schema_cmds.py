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
    from advisor.plan.io import atomic_write_text
    from advisor.schema.published import MODELINE, scenario_schema

    out, err = Console(), Console(stderr=True, soft_wrap=True)
    if path.exists() and not force:
        err.print(f"{path} exists; use --force to overwrite", markup=False)
        raise typer.Exit(2)
    written = []
    if schema_url is None:
        schema_url = f"./{SCHEMA_FILE}"
        written.append(atomic_write_text(path.parent / SCHEMA_FILE, _dump(scenario_schema())))
    text = resources.files("advisor.cli").joinpath("starter.yaml").read_text(encoding="utf-8")
    atomic_write_text(path, MODELINE.format(url=schema_url) + "\n" + text)
    written.insert(0, path)
    out.print(
        f"wrote {', '.join(map(str, written))}; next: advisor validate {path} && advisor plan {path}",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.command()(schema)
    app.command()(init)
