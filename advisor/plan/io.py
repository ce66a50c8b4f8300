"""Writing plan outputs: atomic (temp file + rename), deterministic."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from advisor.plan.result import Plan


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same directory, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def plan_csv(plan: Plan) -> str:
    """The assignments table as CSV (floats at 6 significant decimals, stable order)."""
    return plan.assignments.to_csv(index=False, float_format="%.6f", lineterminator="\n")


def write_plan_files(
    plan: Plan, out_dir: str | Path, focus_period: str = "2027-01"
) -> dict[str, Path]:
    """plan.json, plan.csv, report.html, focus.csv (FOCUS 1.2 for the month ``focus_period``,
    ``YYYY-MM``) and focus-metadata.json in ``out_dir``."""
    from advisor.report import write_report
    from advisor.report.focus import write_focus_csv, write_focus_metadata

    out = Path(out_dir)
    files = {
        "plan.json": atomic_write_text(out / "plan.json", plan.to_json()),
        "plan.csv": atomic_write_text(out / "plan.csv", plan_csv(plan)),
    }
    files["report.html"] = write_report(plan, out / "report.html")
    files["focus.csv"] = write_focus_csv(plan, out / "focus.csv", focus_period)
    files["focus-metadata.json"] = write_focus_metadata(out / "focus-metadata.json")
    return files
