"""Validate advisor's exported files with the ecosystem's own validators.

Run with the interpreter of the export-validator virtualenv (``.venv-export``, made by
``scripts/test.sh``), never the project's: SkyPilot pins its own dependency versions.

    .venv-export/bin/python tests/validators/validate_exports.py DIR [DIR ...]

* ``skypilot-*.yaml``: SkyPilot's task schema (``sky.utils.schemas.get_task_schema``), the
  ``resources`` and ``service`` sections against their own schemas (as ``sky launch`` and
  ``sky serve up`` check them), offline (nothing is launched);
* ``k8s-*.yaml``: every document with ``kubernetes-validate`` against
  :data:`KUBERNETES_VERSION`, strict (unknown fields are errors);

Prints a JSON object ``{file: [problems]}`` and exits 1 if any file has a problem.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml
from sky.utils import schemas

KUBERNETES_VERSION = "1.32.0"


def skypilot_problems(path: Path) -> list[str]:
    doc = yaml.safe_load(path.read_text())
    problems = []
    for schema, part in (
        (schemas.get_task_schema(), doc),
        (schemas.get_resources_schema(), doc.get("resources")),
        (schemas.get_service_schema(), doc.get("service")),
    ):
        if part is None:
            continue
        for e in jsonschema.Draft7Validator(schema).iter_errors(part):
            problems.append(f"{'/'.join(map(str, e.path))}: {e.message}")
    return problems


def kubernetes_problems(path: Path) -> list[str]:
    problems = []
    for i, doc in enumerate(yaml.safe_load_all(path.read_text())):
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            problems.append(f"document {i}: {'/'.join(map(str, e.path))}: {e.message}")
    return problems


def main(folders: list[str]) -> int:
    report: dict[str, list[str]] = {}
    for folder in folders:
        for path in sorted(Path(folder).iterdir()):
            if path.name.startswith("skypilot-") and path.suffix == ".yaml":
                report[str(path)] = skypilot_problems(path)
            elif path.name.startswith("k8s-") and path.suffix == ".yaml":
                report[str(path)] = kubernetes_problems(path)
    print(json.dumps(report, indent=2, sort_keys=True))
    return 1 if any(report.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
