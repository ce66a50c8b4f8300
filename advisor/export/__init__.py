"""Export stage: from a solved plan to files a platform team applies.

* :mod:`~advisor.export.source`: the plan's deployment units, from a :class:`~advisor.plan.Plan`
  or a saved ``plan.json`` (refused when infeasible, foreign or from an older advisor);
* :mod:`~advisor.export.skypilot`: a SkyPilot task YAML per cloud placement unit;
* :mod:`~advisor.export.kubernetes`: Kubernetes manifests per site (Deployment / Job);
* :mod:`~advisor.export.terraform`: ``*.auto.tfvars.json`` per provider and region, with the
  ``variables.tf`` that declares their shape.

Everything is rendered to text first and then written as one whole output set (atomic, under
a lock, see :func:`advisor.safeio.write_output_set`), so a failed export writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from advisor.export.source import ExportSource, load_export_source
from advisor.safeio import write_output_set

if TYPE_CHECKING:
    from advisor.plan import Plan

TARGETS = ("skypilot", "kubernetes", "terraform")
"""What ``advisor export --to`` accepts."""

ALIASES = {"sky": "skypilot", "k8s": "kubernetes", "tf": "terraform"}


def render_export(source: ExportSource, to: str, **options: str) -> dict[str, str]:
    """The files of one export kind, as text keyed by file name (nothing is written)."""
    from advisor.errors import InvalidScenario, Issue

    to = ALIASES.get(to, to)
    if to == "skypilot":
        from advisor.export.skypilot import skypilot_files

        return skypilot_files(source)
    if to == "kubernetes":
        from advisor.export.kubernetes import kubernetes_files

        return kubernetes_files(source, **options)
    if to == "terraform":
        from advisor.export.terraform import terraform_files

        return terraform_files(source)
    import difflib

    near = difflib.get_close_matches(to, TARGETS, n=1)
    raise InvalidScenario(
        [
            Issue(
                "",
                None,
                "--to",
                f"unknown export target {to[:200]!r}",
                expected=", ".join(TARGETS),
                hint=f"did you mean '{near[0]}'?" if near else "",
            )
        ]
    )


def export_plan(
    plan: Plan | str | Path, to: str, out: str | Path, **options: str
) -> dict[str, Path]:
    """Render ``plan`` (a Plan or a plan.json path) for ``to`` and write it into ``out`` as one
    output set; returns the paths written (manifest.json included in the folder)."""
    source = load_export_source(plan)
    files = render_export(source, to, **options)
    return write_output_set(out, files, command=f"export-{ALIASES.get(to, to)}").files


__all__ = ["TARGETS", "ExportSource", "export_plan", "load_export_source", "render_export"]
