"""pyproject's promises: every runtime dependency has a job, the description says what works today,
and the commands CI copies from the docs are the ones the docs show."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
#: distribution name -> the module it provides, where they differ
MODULE_OF = {"nest-asyncio2": "nest_asyncio2"}


def _requirement_name(spec: str) -> str:
    return re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0]


def test_every_runtime_dependency_is_imported_by_the_package():
    sources = "\n".join(p.read_text() for p in (ROOT / "trackframes").rglob("*.py"))
    unused = []
    for spec in PROJECT["dependencies"]:
        name = _requirement_name(spec)
        module = MODULE_OF.get(name, name.replace("-", "_"))
        if not re.search(rf"^\s*(import|from)\s+{re.escape(module)}\b", sources, re.MULTILINE):
            unused.append(name)
    assert unused == [], f"declared but never imported: {unused}"


def test_charts_and_widgets_come_with_the_core_install():
    names = {_requirement_name(s) for s in PROJECT["dependencies"]}
    assert {"matplotlib", "ipywidgets", "pandas", "pyarrow"} <= names
    assert "nest-asyncio2" not in names and "nest-asyncio" not in names


def test_description_promises_only_what_works_today():
    description = PROJECT["description"]
    assert "ShotGrid" in description
    for coming in ("ftrack", "Kitsu"):
        assert coming in description
    assert re.search(r"ftrack and Kitsu (are )?coming", description)


def test_ci_runs_the_readme_demo_command_exactly_as_written():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "doc-commands.py")], capture_output=True,
                          text=True, check=True)
    checks = [line.split("\t", 1) for line in done.stdout.splitlines()]
    readme = (ROOT / "README.md").read_text()
    assert checks[0][0] == "README.md"
    demo = checks[0][1]
    assert "trackframes demo" in demo and f"\n{demo}\n" in readme      # a whole README line, unchanged
    assert demo == "pip install . && trackframes demo"
    quickstart = [command.split("\x1f") for source, command in checks if source == "docs/quickstart.md"]
    text = (ROOT / "docs" / "quickstart.md").read_text()
    assert quickstart and all(lines[0].startswith("pip install") for lines in quickstart)
    for lines in quickstart:
        for line in lines:
            assert f"\n{line}\n" in text or line == 'python -c "import trackframes"'
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/fresh-venv-check.sh" in ci and "bash scripts/test.sh" in ci
