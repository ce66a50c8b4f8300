"""Load a scenario file: YAML + inventories -> validated, frozen :class:`Scenario`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from advisor.catalog import Catalog
from advisor.errors import CatalogError, InvalidScenario, Issue
from advisor.schema.errors import issues_from_validation
from advisor.schema.inventory import read_inventory
from advisor.schema.refs import check_references
from advisor.schema.scenario import Scenario
from advisor.schema.sourcemap import SourceMap, read_yaml


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def load_scenario(path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Read, validate and cross-check a scenario file. Raises :class:`InvalidScenario`.

    >>> from advisor.schema.load import load_scenario
    >>> scn = load_scenario(example_path("eu-insurer.yaml"))
    >>> scn.name
    'eu-insurer'
    """
    path = Path(path)
    display = _display(path)
    data, smap = read_yaml(path, display)
    if not isinstance(data, dict):
        raise InvalidScenario(
            [
                Issue(
                    display,
                    1,
                    "",
                    f"the top level is {type(data).__name__}, not a mapping",
                    expected="key: value lines such as 'name: my-scenario'",
                )
            ]
        )
    if data and not set(map(str, data)) & set(Scenario.model_fields):
        # Not a scenario at all (perhaps a symlink to another file): say where and how much,
        # never what its lines say.
        raise InvalidScenario(
            [
                Issue(
                    display,
                    1,
                    "",
                    f"none of the {len(data)} top-level keys is a scenario field",
                    expected="a scenario: name, workloads, sites, clouds, ...",
                    hint="check that this is the scenario file you meant; "
                    "run 'advisor init' for a starter",
                )
            ]
        )
    data = _merge_inventories(data, smap, path.parent)
    scn = _validate(data, smap)
    scn._base_dir = path.resolve().parent
    cat = catalog if catalog is not None else catalog_for(scn, smap)
    issues = check_references(scn, cat, smap)
    if issues:
        raise InvalidScenario(issues)
    return scn


def parse_scenario(
    data: dict[str, Any], name: str = "<scenario>", base_dir: Path | None = None
) -> Scenario:
    """Validate an in-memory mapping (no line numbers) and check its references."""
    smap = SourceMap(name)
    data = _merge_inventories(dict(data), smap, base_dir or Path.cwd())
    scn = _validate(data, smap)
    scn._base_dir = base_dir
    issues = check_references(scn, catalog_for(scn, smap), smap)
    if issues:
        raise InvalidScenario(issues)
    return scn


def revalidate(scn: Scenario, catalog: Catalog | None = None) -> Scenario:
    """Validate a scenario again after ``model_copy(update=...)`` (what-if edits)."""
    smap = SourceMap(f"<{scn.name}>")
    fresh = _validate(scn.model_dump(mode="python"), smap)
    fresh._base_dir = scn._base_dir
    issues = check_references(fresh, catalog or catalog_for(fresh, smap), smap)
    if issues:
        raise InvalidScenario(issues)
    return fresh


def catalog_for(scn: Scenario, smap: SourceMap | None = None) -> Catalog:
    """The bundled catalog, overlaid with the scenario's own catalog directory if any."""
    user_dir = None
    if scn.catalog is not None:
        user_dir = (scn.base_dir / scn.catalog).resolve()
        if not user_dir.is_dir():
            file, line = (smap or SourceMap(scn.name)).locate(("catalog",))
            raise InvalidScenario(
                [
                    Issue(
                        file,
                        line,
                        "catalog",
                        f"catalog directory '{scn.catalog}' not found",
                        hint="paths are relative to the scenario file",
                    )
                ]
            )
    try:
        return Catalog.load(user_dir)
    except CatalogError as exc:
        raise InvalidScenario([Issue(exc.file, exc.row, exc.column, exc.message)]) from None


def _validate(data: dict[str, Any], smap: SourceMap) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InvalidScenario(issues_from_validation(exc, smap, Scenario)) from None


def _merge_inventories(data: dict[str, Any], smap: SourceMap, base: Path) -> dict[str, Any]:
    files = data.get("workload_inventories") or []
    if not isinstance(files, list):
        return data
    workloads = data.get("workloads")
    if workloads is None:
        workloads = []
    if not isinstance(workloads, list):
        return data
    workloads = list(workloads)
    issues: list[Issue] = []
    for _j, name in enumerate(files):
        if not isinstance(name, str):
            continue
        inv_path = base / name
        try:
            rows, inv_map = read_inventory(inv_path, _display(inv_path))
        except InvalidScenario as exc:
            issues.extend(exc.issues)
            continue
        offset = len(workloads)
        for loc, hit in inv_map.where.items():
            row = loc[0]
            assert isinstance(row, int), "inventory locations start with the row index"
            smap.where[("workloads", row + offset, *loc[1:])] = hit
        workloads.extend(rows)
    if issues:
        raise InvalidScenario(issues)
    return {**data, "workloads": workloads}


def example_path(name: str) -> Path:
    """Path of a bundled example scenario (works installed or from the repo); ``.yaml`` may
    be left out.

    >>> example_path("eu-insurer").name
    'eu-insurer.yaml'
    """
    here = Path(__file__).resolve().parent.parent
    for folder in (here / "_bundled" / "examples", here.parent / "examples"):
        for candidate in (folder / name, folder / f"{name}.yaml"):
            if candidate.is_file():
                return candidate
    raise FileNotFoundError(f"no bundled example '{name}'")
