"""``advisor export PLAN.json --to skypilot|kubernetes|terraform --out DIR``.

A thin client of :func:`advisor.export.export_plan`. Registered in :mod:`advisor.cli.app`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from advisor.errors import AdvisorError, InvalidScenario, Issue
from advisor.safeio import clip

out = Console(markup=False, emoji=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, markup=False, emoji=False, highlight=False)


def export(
    plan_json: Annotated[
        Path, typer.Argument(help="plan.json written by 'advisor plan'.", show_default=False)
    ],
    to: Annotated[
        str,
        typer.Option("--to", "-t", help="skypilot, kubernetes or terraform.", show_default=False),
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the exported files.", show_default=False)
    ],
    namespace: Annotated[
        str, typer.Option(help="Kubernetes namespace of the manifests.")
    ] = "advisor",
    registry: Annotated[
        str, typer.Option(help="Kubernetes: images are <registry>/<workload>:latest.")
    ] = "registry.example.com/advisor",
    image: Annotated[
        str, typer.Option(help="Kubernetes: one image for every container (overrides --registry).")
    ] = "",
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Turn a plan into files a platform team applies: SkyPilot tasks for cloud units,
    Kubernetes manifests for sites, Terraform variables per provider and region.

    Example: advisor export reports/eu-insurer/plan.json --to kubernetes --out deploy/k8s
    """
    from advisor.export import export_plan

    try:
        if fmt not in ("table", "json"):
            raise InvalidScenario(
                [Issue("", None, "--format", f"unknown format {fmt!r}", hint="table or json")]
            )
        if plan_json.suffix.lower() in (".yaml", ".yml"):
            raise InvalidScenario(
                [
                    Issue(
                        str(plan_json),
                        None,
                        "",
                        "export reads a plan.json, not a scenario",
                        hint=f"run 'advisor plan {clip(plan_json, 200)}' first, then export "
                        "its plan.json",
                    )
                ]
            )
        options = {"namespace": namespace, "registry": registry, "image": image}
        if to not in ("kubernetes", "k8s"):
            options = {}
        written = export_plan(plan_json, to, out_dir, **options)
    except AdvisorError as exc:
        if fmt == "json":
            print(json.dumps({"error": type(exc).__name__, "message": str(exc)}, indent=2))
        else:
            err.print("\n".join(clip(line, 400) for line in str(exc).splitlines()))
        raise typer.Exit(exc.exit_code) from None
    names = sorted(written)
    if fmt == "json":
        print(json.dumps({"to": to, "files": [str(written[n]) for n in names]}, indent=2))
        return
    if not names:
        out.print(f"the plan has no {'cloud' if to != 'kubernetes' else 'site'} units to export")
        return
    for n in names:
        out.print(f"wrote {written[n]}")
