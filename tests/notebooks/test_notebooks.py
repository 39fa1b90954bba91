"""Every notebook in notebooks/ runs top to bottom (slow: `make test` and CI run them).

Each notebook runs with nbclient in a fresh kernel of this interpreter, with notebooks/ as its
working directory (as JupyterLab runs it). Like papermill, parameters are injected in a cell
after the one tagged ``parameters``: ``WORK_DIR`` goes to pytest's ``tmp_path``, so nothing is
written into the repository. A failing cell fails the test with the cell and its traceback, and
the executed copy is kept in ``tmp_path`` for a look. The real-data notebook is skipped, saying
where it looked, only when the CareerVillage data is absent.
"""

from __future__ import annotations

import ast
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = REPO / "notebooks"
#: Where 04_careervillage.ipynb looks by default (its CAREERVILLAGE_DIR, seen from notebooks/).
CAREERVILLAGE = (NOTEBOOKS_DIR / "../../shared/datasets/careervillage").resolve()
REAL_DATA_NOTEBOOKS = {"04_careervillage"}
#: Seconds one cell may run before the notebook fails (the slowest takes ~2 min on 2 cores).
CELL_TIMEOUT_S = 900


def _notebooks() -> list[Any]:
    params = []
    for path in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        marks = [pytest.mark.realdata] if path.stem in REAL_DATA_NOTEBOOKS else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def parameter_names(notebook: nbformat.NotebookNode) -> tuple[int, set[str]]:
    """Index of the cell tagged ``parameters`` and the names it assigns."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            tree = ast.parse(cell.source)
            names = {
                target.id
                for node in tree.body
                if isinstance(node, ast.Assign)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            return index, names
    raise AssertionError("no cell tagged 'parameters' (see notebooks/README.md)")


def inject(notebook: nbformat.NotebookNode, values: dict[str, Any]) -> None:
    """Insert ``values`` (those the notebook declares) after its parameters cell, and a first
    cell that checks the kernel runs this interpreter's environment."""
    index, declared = parameter_names(notebook)
    source = "\n".join(f"{name} = {value!r}" for name, value in values.items() if name in declared)
    injected = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(index + 1, injected)
    message = f"the kernel does not run the tested environment {sys.prefix}: "
    check = nbformat.v4.new_code_cell(
        f"import sys\nassert sys.prefix == {sys.prefix!r}, {message!r} + sys.executable"
    )
    notebook.cells.insert(0, check)


def test_every_notebook_is_committed_clean() -> None:
    """Committed notebooks carry no outputs or execution counts and say what they are for."""
    paths = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    assert len(paths) >= 4
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        first = notebook.cells[0]
        assert first.cell_type == "markdown" and "What it needs" in first.source, path.name
        parameter_names(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, (
                    f"{path.name}: clear outputs before committing "
                    "(jupyter nbconvert --clear-output --inplace notebooks/*.ipynb)"
                )


@pytest.mark.slow
@pytest.mark.parametrize("path", _notebooks())
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    if path.stem in REAL_DATA_NOTEBOOKS and not CAREERVILLAGE.is_dir():
        pytest.skip(
            f"{path.name} needs the CareerVillage data, not found at {CAREERVILLAGE} "
            "(see docs/careervillage.md)"
        )
    notebook = nbformat.read(path, as_version=4)
    inject(notebook, {"WORK_DIR": str(tmp_path / "work")})
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        executed = tmp_path / path.name
        nbformat.write(notebook, executed)
        pytest.fail(f"{path.name} failed (executed copy: {executed}):\n{exc}", pytrace=False)
    print(f"{path.name}: {time.perf_counter() - started:.0f} s")
