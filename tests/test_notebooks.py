"""Every notebook (jupytext .py source) runs top to bottom on the bundled data."""

from __future__ import annotations

from pathlib import Path

import jupytext
import papermill
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path):
    nb = jupytext.read(path)
    src = tmp_path / (path.stem + ".ipynb")
    jupytext.write(nb, src)
    papermill.execute_notebook(
        str(src),
        str(tmp_path / ("out-" + src.name)),
        cwd=str(tmp_path),
        parameters={"out_dir": str(tmp_path / "out"), "as_of": "2025-06-30"},
        kernel_name="python3",
        progress_bar=False,
    )
    assert (tmp_path / "out" / "cases.csv").is_file()
    if path.name.startswith("01"):
        assert (tmp_path / "out" / "geocoded.gpkg").is_file()
        assert (tmp_path / "out" / "review_queue.csv").is_file()
