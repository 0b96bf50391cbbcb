#!/usr/bin/env python3
"""Print the shell commands a newcomer copies from the docs, one check per line, for fresh-venv-check.sh.

    python3 scripts/doc-commands.py            # every check
    python3 scripts/doc-commands.py --readme   # the README's demo command only

Each output line is ``SOURCE<TAB>COMMAND``: the README's demo command exactly
as written (the first line of a ```bash block that runs ``trackframes
demo``), then, for every ``pip install ...`` line in a ```bash block of
docs/quickstart.md, that line joined with ``&&`` to the commands that follow it
in the same block (or to ``python -c "import trackframes"`` when none do).
Only the standard library is used: this runs before anything is installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHELL_BLOCK = re.compile(r"^```(?:bash|sh|shell|console)\s*\n(.*?)^```", re.MULTILINE | re.DOTALL)
IMPORT_CHECK = 'python -c "import trackframes"'


def shell_lines(markdown: str) -> list[list[str]]:
    """The command lines of each shell block (a leading ``$ `` prompt removed, blank lines dropped)."""
    blocks = []
    for body in SHELL_BLOCK.findall(markdown):
        lines = [re.sub(r"^\$ ", "", line.strip()) for line in body.splitlines()]
        blocks.append([line for line in lines if line and not line.startswith("#")])
    return blocks


def readme_demo(markdown: str) -> str:
    """The README's demo command, exactly as written."""
    for block in shell_lines(markdown):
        for line in block:
            if re.search(r"(^|[;&|]\s*)trackframes demo\b", line.split("#", 1)[0]):
                return line
    raise SystemExit("doc-commands: README.md has no ```bash line that runs 'trackframes demo'")


def quickstart_installs(markdown: str) -> list[str]:
    """Each ``pip install`` line of the quickstart with the commands shown after it in its block."""
    checks = []
    for block in shell_lines(markdown):
        starts = [i for i, line in enumerate(block) if line.startswith("pip install")]
        for n, i in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(block)
            commands = [block[i], *block[i + 1:end]] if end > i + 1 else [block[i], IMPORT_CHECK]
            checks.append("\n".join(commands))  # one command per line, each as written
    if not checks:
        raise SystemExit("doc-commands: docs/quickstart.md has no ```bash line that starts with 'pip install'")
    return checks


def main(argv: list[str]) -> int:
    checks = [("README.md", readme_demo((ROOT / "README.md").read_text(encoding="utf-8")))]
    if "--readme" not in argv:
        quickstart = (ROOT / "docs" / "quickstart.md").read_text(encoding="utf-8")
        checks += [("docs/quickstart.md", c) for c in quickstart_installs(quickstart)]
    for source, command in checks:
        # a check of several lines travels as one line: the shell script turns \x1f back into newlines
        print(f"{source}\t{command.replace(chr(10), chr(31))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
