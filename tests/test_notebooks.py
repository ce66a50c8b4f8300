"""The notebooks in ``notebooks/`` run top to bottom and show their figures, and are stored clean.

Every code cell that should display a plotly figure carries the cell tag ``figure``; after
execution such a cell must have an ``application/vnd.plotly.v1+json`` output, with a static
``image/png`` copy beside it (so the figure shows on GitHub and nbviewer, which run no
JavaScript; kaleido draws it in the local Chromium), and no other cell may have one, so a figure that silently stops displaying (or an untagged new one)
fails the test. The ``python3`` kernel is pinned to this test's interpreter (a kernelspec in
a temporary ``JUPYTER_PATH`` entry, which wins over user and system ones), and a probe cell
appended to each executed copy checks it, so the notebooks import this checkout of advisor.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import advisor

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
PLOTLY_MIME = "application/vnd.plotly.v1+json"
STATIC_MIME = "image/png"
FIGURE_TAG = "figure"
MIN_FIGURES = 3
PROBE_MARK = "__advisor_test_kernel__="
PROBE = (
    "import json, sys, advisor\n"
    f"print({PROBE_MARK!r} + json.dumps("
    "{'executable': sys.executable, 'prefix': sys.prefix, 'advisor': advisor.__file__}))"
)
IDS = [p.name for p in NOTEBOOKS]


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _is_figure_cell(cell) -> bool:
    return FIGURE_TAG in cell.get("metadata", {}).get("tags", [])


def _plotly_outputs(cell) -> int:
    return sum(1 for o in cell.get("outputs", []) if PLOTLY_MIME in o.get("data", {}))


def _without_static_copy(cell) -> int:
    """Plotly outputs of ``cell`` that lack the PNG a static viewer shows."""
    return sum(
        1
        for o in cell.get("outputs", [])
        if PLOTLY_MIME in o.get("data", {}) and STATIC_MIME not in o["data"]
    )


def _errors(nb) -> list[str]:
    out = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out.append(f"cell {i}: {o.get('ename')}: {o.get('evalue')}")
    return out


def _stdout(cell) -> str:
    return "".join(
        o.get("text", "")
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stdout"
    )


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3, f"expected at least three notebooks in {NOTEBOOKS_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_stored_without_outputs(path: Path):
    nb = _read(path)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: clear the outputs of cells {dirty} before committing"
    assert "widgets" not in nb.metadata, f"{path.name}: stored widget state"
    assert any(c.cell_type == "markdown" for c in nb.cells), f"{path.name}: no explanations"
    n_fig = sum(_is_figure_cell(c) for c in nb.cells)
    assert n_fig >= MIN_FIGURES, f"{path.name}: only {n_fig} cells tagged '{FIGURE_TAG}'"
    tagged_md = [i for i, c in enumerate(nb.cells) if c.cell_type != "code" and _is_figure_cell(c)]
    assert not tagged_md, f"{path.name}: non-code cells {tagged_md} tagged '{FIGURE_TAG}'"


@pytest.fixture(scope="session")
def kernels_dir(tmp_path_factory) -> Path:
    """A JUPYTER_PATH entry whose ``python3`` kernel runs ``sys.executable``."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3 (tests)", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    return root


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_and_shows_its_figures(path: Path, kernels_dir: Path, monkeypatch):
    monkeypatch.setenv(
        "JUPYTER_PATH",
        os.pathsep.join([str(kernels_dir), os.environ.get("JUPYTER_PATH", "")]).rstrip(os.pathsep),
    )
    # plotly picks a renderer from the environment; pin the one that emits the plotly MIME
    # bundle (no plotly.js from a CDN, nothing downloaded) so the check does not depend on it
    monkeypatch.setenv("PLOTLY_RENDERER", "plotly_mimetype")
    nb = _read(path)
    n_cells = len(nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    assert not _errors(nb), _errors(nb)
    probe = _stdout(nb.cells[-1]).strip()
    assert probe.startswith(PROBE_MARK), probe
    kernel = json.loads(probe.removeprefix(PROBE_MARK))
    here = {"executable": sys.executable, "prefix": sys.prefix, "advisor": advisor.__file__}
    assert kernel["prefix"] == here["prefix"], (kernel, here)
    assert os.path.samefile(kernel["executable"], here["executable"]), (kernel, here)
    assert os.path.samefile(kernel["advisor"], here["advisor"]), (kernel, here)

    missing, unexpected, not_static = [], [], []
    for i, cell in enumerate(nb.cells[:n_cells]):
        if cell.cell_type != "code":
            continue
        shown = _plotly_outputs(cell)
        if _without_static_copy(cell):
            not_static.append((i, cell.source.splitlines()[-1]))
        if _is_figure_cell(cell) and shown != 1:
            missing.append((i, shown, cell.source.splitlines()[-1]))
        elif not _is_figure_cell(cell) and shown:
            unexpected.append((i, cell.source.splitlines()[-1]))
    assert not missing, f"{path.name}: figure cells without exactly one plotly output: {missing}"
    assert not unexpected, f"{path.name}: untagged cells showing a figure: {unexpected}"
    assert not not_static, f"{path.name}: figures without a static PNG copy: {not_static}"
    n_fig = sum(_is_figure_cell(c) for c in nb.cells[:n_cells])
    total = sum(_plotly_outputs(c) for c in nb.cells[:n_cells])
    assert total == n_fig >= MIN_FIGURES
