"""Run the FinOps Foundation's FOCUS validator on an export, from its own virtualenv.

``focus-validator`` 1.0.0 (the version on PyPI) pins numpy 1.26 and pandas 2.3, older than
ours, and its pandera needs ``multimethod<2``: it lives in ``.venv-focus/`` at the repository
root (``scripts/test.sh`` creates it; :func:`validator_bin` creates it on first use, under a
file lock so that parallel test workers build it once). Never the project's environment.

Two known faults of the validator's rule set "1.0" are bridged on a copy of the export (see
``advisor.report.focus_spec.VALIDATOR_1_0_NAMES`` and the README's FOCUS section):

* four columns carry their 1.0-preview names (``Provider``, ``Publisher``,
  ``InvoiceIssuer``, ``ResourceID``), which the final 1.0 and 1.2 specifications renamed
  (``ProviderName`` ... ``ResourceId``); the copy renames them back;
* ``SkuPriceId_Nullable`` queries ``ChargeType``, the 0.5 name of ``ChargeCategory``; the
  copy carries it as an alias.

The validator reads its ISO 4217 list from a path relative to the working directory, so it
runs from its site-packages folder.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from advisor.report.focus_spec import VALIDATOR_1_0_NAMES

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("ADVISOR_FOCUS_VENV", ROOT / ".venv-focus"))
REQUIREMENTS = ["focus-validator==1.0.0", "multimethod<2"]


def validator_bin() -> Path:
    """The validator's executable, creating its virtualenv if missing."""
    exe = VENV / "bin" / "focus-validator"
    if exe.exists():
        return exe
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / ".venv-focus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not exe.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
            subprocess.run(
                [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", *REQUIREMENTS],
                check=True,
            )
    return exe


def _site_packages(exe: Path) -> Path:
    py = exe.parent / "python"
    out = subprocess.run(
        [
            str(py),
            "-c",
            "import focus_validator, os; print(os.path.dirname(focus_validator.__path__[0]))",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


def validator_copy(csv: Path, dest: Path) -> Path:
    """The export with the validator's 1.0 column names (see the module docstring)."""
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    frame = frame.rename(columns=VALIDATOR_1_0_NAMES)
    frame["ChargeType"] = frame["ChargeCategory"]
    frame.to_csv(dest, index=False)
    return dest


def validate(csv: Path, workdir: Path) -> subprocess.CompletedProcess:
    """Run ``focus-validator --validate-version 1.0`` on a copy of ``csv``."""
    exe = validator_bin()
    copy = validator_copy(csv, workdir / f"{csv.stem}.validator-1.0.csv")
    return subprocess.run(
        [str(exe), "--data-file", str(copy), "--validate-version", "1.0"],
        cwd=_site_packages(exe),
        capture_output=True,
        text=True,
        timeout=300,
    )


if __name__ == "__main__":  # ``python tests/helpers_focus.py`` builds the virtualenv
    print(validator_bin())
