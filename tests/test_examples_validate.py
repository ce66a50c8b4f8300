"""Every shipped example scenario loads and validates without a single issue."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor import InvalidScenario, load_scenario

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


def test_there_are_examples():
    assert any(p.name == "eu-insurer.yaml" for p in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_validates(path: Path):
    try:
        scenario = load_scenario(path)
    except InvalidScenario as exc:  # pragma: no cover - the message is the useful part
        pytest.fail(f"{path.name} is invalid:\n{exc.format()}")
    assert scenario.name
    assert scenario.workloads
