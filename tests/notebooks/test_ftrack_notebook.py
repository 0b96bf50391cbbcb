"""notebooks/05-ftrack.ipynb runs end to end against the ftrack sandbox."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.notebook
def test_ftrack_notebook_runs(tmp_path):
    nb = nbformat.read(ROOT / "notebooks" / "05-ftrack.ipynb", as_version=4)
    shown = len(nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell('print("KEY=" + sb.credentials["api_key"])'))  # the sandbox's key
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for cell in nb.cells[:shown] if cell.cell_type == "code" for o in cell.get("outputs", [])
    )
    key = nb.cells[-1].outputs[0]["text"].strip().removeprefix("KEY=")
    everything = "\n".join(str(cell.get("outputs", [])) for cell in nb.cells[:shown])  # every mimetype
    assert len(key) >= 16 and key not in everything                     # no output shows the API key
    assert "<trackframes.Site ftrack" in outputs
    assert "datetime64[ms, UTC]" in outputs and "Float64" in outputs   # the dtypes cells
    assert "Did you mean 'name'?" in outputs                             # the SchemaError cell
    assert "bid_sum" in outputs and "duration_minutes" in outputs
    assert "Traceback" not in outputs
