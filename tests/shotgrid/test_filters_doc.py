"""docs/filters.md: every code block runs in order against the sandbox, and prints what the page says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "filters.md"


def _blocks(text: str) -> list[tuple[str, str | None]]:
    """(code, the text the page says it prints, or None) for each python block."""
    out = []
    for match in re.finditer(r"```python\n(.*?)```\n(.*?)(?=```|\Z)", text, flags=re.S):
        claim = re.match(r"\s*prints `(.*?)`", match.group(2), flags=re.S)
        out.append((match.group(1), None if claim is None else " ".join(claim.group(1).split())))
    return out


def test_every_python_block_runs_and_prints_what_the_page_says():
    blocks = _blocks(DOC.read_text())
    assert len(blocks) >= 5 and sum(claim is not None for _, claim in blocks) >= 3
    namespace: dict[str, object] = {}
    try:
        for i, (code, claim) in enumerate(blocks):
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(code, f"{DOC.name} block {i + 1}", "exec"), namespace)
            if claim is not None:
                assert " ".join(printed.getvalue().split()) == claim, f"block {i + 1}"
    finally:
        sb = namespace.get("sb")
        if sb is not None:
            sb.close()
