"""docs/engine.md: its code runs in order, and its example's local result equals the server's."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "engine.md"


def test_every_python_block_runs_in_order():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) == 2
    namespace: dict[str, object] = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOC.name} block {i + 1}", "exec"), namespace)
    assert namespace["residual"].items and namespace["pushed"].items  # the example really splits
    assert 0 < namespace["rows"].num_rows <= 10
