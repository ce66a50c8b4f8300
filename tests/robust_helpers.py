"""Shared helpers of the robustness tests: a tiny scenario and an in-process CLI runner.

``cli(...)`` runs ``advisor.cli.main`` exactly as the console script does (the outermost guard
included), in this process, and returns the exit code with what was printed.
"""

from __future__ import annotations

import contextlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

TINY = {
    "schema_version": 1,
    "name": "tiny",
    "clouds": {
        "providers": ["aws"],
        "pricing": ["on_demand"],
        "allow_regions": ["aws:eu-central-1", "aws:eu-west-1"],
    },
    "workloads": [
        {"id": "api", "cpu": {"vcpus": 4, "memory_gb": 8}, "demand": {"replicas": 2}},
        {
            "id": "llm",
            "model": {"params_billion": 8, "precision": "bf16"},
            "demand": {"requests_per_second": 2, "tokens_per_request": 300},
        },
    ],
}

TINY_WITH_SITE = {
    **TINY,
    "sites": [
        {
            "id": "dc1",
            "name": "=cmd|' /C calc'!A0",
            "kind": "local",
            "country": "DE",
            "location": {"lat": 50.1, "lon": 8.7},
            "power": {"max_kw": 30, "usd_per_kwh": 0.2, "pue": 1.4},
            "inventory": [{"sku": "cpu-2s-128", "count": 1}],
        }
    ],
}


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli(*args: str | Path) -> Result:
    """Run ``advisor ARGS`` in process through the console entry point."""
    from advisor.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["advisor", *map(str, args)]
    code: int | str | None = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = argv
    return Result(
        code if isinstance(code, int) else (0 if code is None else 1),
        out.getvalue(),
        err.getvalue(),
    )


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
