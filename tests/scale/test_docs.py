"""docs/scale.md: its code runs in order against the sandbox (the Spark block when Spark is here)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from . import engines

DOC = Path(__file__).resolve().parents[2] / "docs" / "scale.md"


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_every_python_block_runs_in_order(tmp_path, monkeypatch, request):
    monkeypatch.chdir(tmp_path)
    blocks = _python_blocks(DOC.read_text())
    assert len(blocks) >= 8
    spark_blocks = [b for b in blocks if "pyspark" in b]
    assert len(spark_blocks) == 1
    if engines.spark_missing() is None:
        request.getfixturevalue("spark")  # the block's getOrCreate() takes this session: one JVM per run
    else:
        blocks.remove(spark_blocks[0])
    namespace: dict[str, object] = {}
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            for i, block in enumerate(blocks):
                exec(compile(block, f"{DOC.name} block {i + 1}", "exec"), namespace)
    finally:
        sb = namespace.get("sb")
        if sb is not None:
            sb.close()
    every, some = map(int, re.fullmatch(r"(\d+) partitions; (\d+) after the filter\n", printed.getvalue()).groups())
    assert 0 < some < every
    assert len(namespace["by_project"]) >= 2
    assert namespace["rows"] and all(len(row) == 3 for row in namespace["rows"])


def test_the_to_dask_section_is_written_with_its_picture_and_figures():
    text = DOC.read_text()
    section = text.split("## `site.to_dask`", 1)[1]
    assert "TO BE WRITTEN" not in text and "not available yet" not in text
    assert "### How a query is split" in section and "divisions = (" in section
    assert "benchmarks/bench_to_dask.py" in section


def test_the_doc_is_linked_from_the_export_page():
    assert "(scale.md)" in (DOC.parent / "export.md").read_text()

