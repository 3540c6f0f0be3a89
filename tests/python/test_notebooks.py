"""Every notebook in notebooks/ runs from top to bottom without a cell error.

Each runs in a fresh ``python3`` kernel (ipykernel, from the test extra) with the notebooks
folder as working directory, as an analyst opening it would. The kernel finds the same
datareach as the tests: the folder holding the imported package is put first on its
PYTHONPATH (a no-op when datareach is installed; needed when running from the source tree
with a relative PYTHONPATH, which would not resolve from the notebooks folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_notebook

import datareach

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PACKAGE_ROOT = Path(datareach.__file__).resolve().parents[1]


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def run_notebook(notebook: nbformat.NotebookNode, cwd: Path) -> None:
    """Execute in place; a cell error raises CellExecutionError."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute(env=env)


def test_the_quickstart_is_there() -> None:
    assert "quickstart.ipynb" in [p.name for p in notebooks()]


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_notebook_runs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    # Notebooks are committed without outputs: the run below is what makes them.
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: clear outputs"
    run_notebook(notebook, NOTEBOOKS)
    assert all(cell.execution_count is not None for cell in code)
    assert [o for cell in code for o in cell.outputs if o.output_type == "error"] == []


def test_a_cell_error_fails_the_run(tmp_path: Path) -> None:
    """The runner above really fails on an error, and the kernel sees datareach and the
    working directory it is given."""
    (tmp_path / "marker.txt").write_text("here", encoding="utf-8")
    notebook = new_notebook(
        cells=[
            new_code_cell("import datareach, pathlib\nassert pathlib.Path('marker.txt').exists()"),
            new_code_cell("1 / 0"),
        ]
    )
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        run_notebook(notebook, tmp_path)
    assert notebook.cells[0].execution_count is not None
