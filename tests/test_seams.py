"""The package's seams: only the solver package touches a solver library, and public names
do not hide subpackages."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import advisor

PACKAGE = Path(advisor.__file__).parent
SOLVER_LIBRARIES = {"pulp", "highspy"}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_only_the_solver_package_imports_solver_libraries():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "milp":
            continue
        hits = _imported_modules(path) & SOLVER_LIBRARIES
        if hits:
            offenders.append(f"{rel}: {sorted(hits)}")
    assert not offenders, "solver libraries imported outside advisor/milp: " + "; ".join(offenders)


def test_the_seam_check_sees_imports():
    """The check above would fail on a module that imports pulp (it is not vacuous)."""
    seen = set().union(*(_imported_modules(p) for p in (PACKAGE / "milp").rglob("*.py")))
    assert seen >= SOLVER_LIBRARIES


def test_solve_is_a_function_and_the_solver_package_has_its_own_name():
    assert callable(advisor.solve)
    assert importlib.import_module("advisor.milp").__name__ == "advisor.milp"
    assert importlib.util.find_spec("advisor.solve") is None
