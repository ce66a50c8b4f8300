"""docs/model.md is generated from the constraint families' docstrings and kept in sync."""

from __future__ import annotations

from pathlib import Path

from advisor.milp import constraints, docs

PAGE = Path(__file__).resolve().parents[1] / "docs" / "model.md"


def test_model_page_is_generated_from_the_family_docstrings():
    assert PAGE.read_text(encoding="utf-8") == docs.page(), (
        "docs/model.md is stale: run `python -m advisor.milp.docs`"
    )


def test_every_family_is_on_the_page():
    text = docs.page()
    for fam in constraints.FAMILIES:
        assert f"### `{fam.__name__}`" in text
        assert fam.__doc__.strip().splitlines()[0].strip() in text
