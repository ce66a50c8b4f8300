"""Typed outcomes. Nothing in advisor signals a user-facing problem with ``assert``.

* :class:`InvalidScenario`: the input is wrong; every issue names file, line, field path,
  what was expected and a hint.
* :class:`CatalogError`: a catalog file is wrong (file, row, column).
* :class:`InfeasibleScenario`: the input is valid but no plan satisfies it; carries the
  conflicting requirements.
* :class:`SolverLimitReached`: the solver stopped on a limit without a feasible plan.
* :class:`OutputError`: an output path cannot or must not be written (exit 2).

Exit codes: 0 success, 1 infeasible, 2 invalid input (including a bad output path),
3 solver limit without a plan, 70 an internal error (a bug; ``--debug`` shows the traceback),
130 interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_FIELD_CHARS = 400
"""Longest text of one issue field (message, expected, hint) shown or returned; user values
inside are cut at 200 characters where they are formatted, this is the backstop."""


def _cut(text: str, limit: int = MAX_FIELD_CHARS) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


@dataclass(frozen=True)
class Issue:
    """One problem in one input file."""

    file: str
    line: int | None
    path: str
    message: str
    expected: str = ""
    hint: str = ""

    def format(self) -> str:
        d = self.to_dict()
        where = d["file"] if self.line is None else f"{d['file']}:{self.line}"
        text = f"{where}: {d['path'] or '<root>'}: {d['message']}"
        if self.expected:
            text += f"\n    expected: {d['expected']}"
        if self.hint:
            text += f"\n    hint: {d['hint']}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": _cut(self.file),
            "line": self.line,
            "path": _cut(self.path, 200),
            "message": _cut(self.message),
            "expected": _cut(self.expected),
            "hint": _cut(self.hint),
        }


class AdvisorError(Exception):
    """Base class of every error advisor raises on purpose."""

    exit_code = 2


class InvalidScenario(AdvisorError):
    """The scenario (or an inventory file it references) is invalid."""

    exit_code = 2

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__(self.format())

    def format(self) -> str:
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} in the scenario"
        return head + ":\n" + "\n".join(i.format() for i in self.issues)


class CatalogError(AdvisorError):
    """A catalog file is missing, has the wrong schema version, or a bad row."""

    exit_code = 2

    def __init__(self, file: str, message: str, row: int | None = None, column: str = ""):
        self.file, self.row, self.column = file, row, column
        where = file if row is None else f"{file}:{row}"
        col = f": {column}" if column else ""
        super().__init__(f"{where}{col}: {message}")


@dataclass(frozen=True)
class Conflict:
    """One requirement that takes part in making a scenario infeasible."""

    kind: str  # e.g. "no_option", "capacity", "budget", "risk_cap", "carbon_cap", "rule"
    subject: str  # e.g. workload id, "fra-dc1", "team:claims"
    detail: str
    shortfall: float | None = None
    unit: str = ""
    workloads: tuple[str, ...] = field(default_factory=tuple)

    def format(self) -> str:
        text = f"[{self.kind}] {self.subject}: {self.detail}"
        if self.workloads:
            shown = ", ".join(self.workloads[:8])
            more = f" (+{len(self.workloads) - 8} more)" if len(self.workloads) > 8 else ""
            text += f"\n    competing workloads: {shown}{more}"
        return text


class InfeasibleScenario(AdvisorError):
    """No plan satisfies every requirement. ``conflicts`` says which ones collide."""

    exit_code = 1

    def __init__(self, conflicts: list[Conflict], report: Any = None):
        self.conflicts = list(conflicts)
        self.report = report
        lines = "\n".join(c.format() for c in self.conflicts) or "(no detail available)"
        super().__init__("the scenario is infeasible:\n" + lines)


class SolverLimitReached(AdvisorError):
    """The solver hit its time limit before finding any feasible plan."""

    exit_code = 3

    def __init__(self, message: str, best_bound: float | None = None):
        self.best_bound = best_bound
        super().__init__(message)


class OutputError(AdvisorError):
    """An output path advisor refuses or fails to write (a device, a symlink to something other
    than a regular file, a folder that is a file, no permission, ...)."""

    exit_code = 2

    def __init__(self, path: str, message: str, hint: str = ""):
        self.path, self.hint = path, hint
        super().__init__(f"{path}: {message}" + (f"\n    hint: {hint}" if hint else ""))
