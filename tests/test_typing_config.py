"""mypy checks the whole package: no module is exempt, and every remaining ``type: ignore``
names its error code and says why (CI runs ``python -m mypy`` in ``scripts/test.sh``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import advisor

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(advisor.__file__).parent
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")


def _mypy_config() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["tool"]["mypy"]


def test_mypy_checks_the_whole_package_with_no_exempt_module():
    cfg = _mypy_config()
    assert cfg["packages"] == ["advisor"]
    assert cfg["check_untyped_defs"] is True
    assert cfg["warn_unused_ignores"] is True
    lax = [o["module"] for o in cfg.get("overrides", []) if o.get("ignore_errors")]
    assert not lax, f"modules exempt from mypy: {lax}"


def test_ci_runs_mypy_on_the_configured_packages():
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    calls = [line.split() for line in script.splitlines() if "-m mypy" in line]
    assert calls, "scripts/test.sh does not run mypy"
    # no file or module arguments: mypy then checks [tool.mypy] packages, the whole package
    assert all(call[-1] == "mypy" for call in calls), calls


def _unexplained_ignores(text: str) -> list[str]:
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        m = IGNORE.search(line)
        if m and (not m["codes"] or not m["rest"].strip().lstrip("#").strip()):
            out.append(f"{n}: {line.strip()}")
    return out


def test_every_type_ignore_names_its_code_and_reason():
    offenders = [
        f"{path.relative_to(PACKAGE)}:{hit}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for hit in _unexplained_ignores(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "type: ignore without [code] and a reason: " + "; ".join(offenders)


def test_the_ignore_check_sees_bare_and_unexplained_ignores():
    """The check above is not vacuous."""
    assert _unexplained_ignores("x = f()  # type: ignore\n")
    assert _unexplained_ignores("x = f()  # type: ignore[arg-type]\n")
    assert not _unexplained_ignores("x = f()  # type: ignore[arg-type]  # stubs lag numpy 2\n")
