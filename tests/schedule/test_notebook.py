"""notebooks/02-schedule-analysis.ipynb runs end to end against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.notebook
def test_schedule_notebook_runs(tmp_path):
    nb = nbformat.read(ROOT / "notebooks" / "02-schedule-analysis.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert "Late sequences:" in text and "Over-booked users:" in text and "Bid vs actual:" in text
    assert "datetime64[ms]" in text                          # the tasks frame's dtypes
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3                                  # the Gantt, utilization and bid charts
