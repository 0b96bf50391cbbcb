"""Progress bars off a terminal: `trackframes demo > log 2>&1` (cron, CI) writes no tqdm bars."""

from __future__ import annotations

import re

from trackframes.cli import main

BAR = re.compile(r"\d+%\||rec/s|\| *\d+/\d+")


def test_demo_writes_no_progress_bars_when_stderr_is_not_a_terminal(tmp_path, capsys):
    assert main(["demo", "--scale", "0.03", "--seed", "2", "-o", str(tmp_path / "demo")]) == 0
    captured = capsys.readouterr()
    assert "Task" in captured.out, "the demo ran and fetched tasks"
    assert not BAR.search(captured.err), captured.err[-500:]
