"""notebooks/03-export-and-sync.ipynb runs end to end against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import trackframes as tf

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.notebook
@pytest.mark.xfail(not hasattr(tf, "read_parquet"), strict=True,
                   reason="tf.read_parquet is exported from trackframes/__init__.py by the package's curated names")
def test_export_notebook_runs(tmp_path):
    nb = nbformat.read(ROOT / "notebooks" / "03-export-and-sync.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
    )
    assert "Traceback" not in outputs and "Error" not in outputs
    assert "same dtypes: True" in outputs and "same frame:  True" in outputs
    assert "equal to a fresh find: True" in outputs
    assert "tasks in progress of" in outputs
    assert "updated_at_month=" in outputs
    assert re.search(r"\d+ tasks of .+ in progress or review; columns \['id', 'content', 'due_date'\]", outputs)
    assert (tmp_path / "out" / "tasks.csv").is_file() and "[{" not in (tmp_path / "out" / "tasks.csv").read_text()
    assert (tmp_path / "out" / "tasks" / "_trackframes.json").is_file()
