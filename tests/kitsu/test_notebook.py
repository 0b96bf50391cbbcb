"""notebooks/06-kitsu.ipynb runs end to end against the real Zou of the Kitsu tests."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.kitsu.conftest import Zou

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.notebook
def test_kitsu_notebook_runs(zou: Zou, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKFRAMES_ZOU_HOME", str(zou.home))  # the kernel reads the server's zou.env there
    nb = nbformat.read(ROOT / "notebooks" / "06-kitsu.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) + str(o.get("data", {}).get("text/html", ""))
        for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
    )
    assert "Traceback" not in outputs and "Error" not in outputs
    assert "list<item: struct<id: string" in outputs  # assignees: links with text ids
    assert "<trackframes.Site kitsu" in outputs
    assert "datetime64[ms]" in outputs and "Float64" in outputs     # the dtypes cell
    assert "Animation" in outputs and "SH0010" in outputs           # links named, shots in order
    assert "(1018, True)" in outputs                                # the export reads back with find's dtypes
    assert zou.password not in outputs                              # no secret in a saved notebook
