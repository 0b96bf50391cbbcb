"""Data flows one way: lower layers never import higher ones (see docs/architecture.md).

The test reads every module's imports (top level and inside functions) with ``ast``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "trackframes"

#: layer (a module or package of trackframes) -> the higher layers it must never import
FORBIDDEN: dict[str, set[str]] = {
    "backends": {"site", "summaries", "schedule", "frames", "io", "accessor", "plots", "widgets", "demo", "cli",
                 "shortcuts", "engine", "connect", "export_cli", "sandbox"},
    "engine": {"site", "summaries", "schedule", "io", "accessor", "plots", "widgets", "demo", "cli", "shortcuts",
               "connect", "sandbox"},
    "query": {"site", "summaries", "schedule", "io", "accessor", "plots", "widgets", "demo", "cli", "shortcuts",
              "engine", "frames", "connect", "sandbox"},
    "paging": {"site", "summaries", "schedule", "io", "accessor", "plots", "widgets", "demo", "cli", "backends",
               "engine", "frames", "connect", "sandbox"},
    "schema": {"site", "summaries", "schedule", "io", "accessor", "plots", "widgets", "demo", "cli", "backends",
               "engine", "frames", "paging", "connect", "sandbox"},
    "transport": {"site", "summaries", "schedule", "io", "accessor", "plots", "widgets", "demo", "cli", "backends",
                  "engine", "frames", "paging", "schema", "connect", "sandbox"},
    "sandbox": {"site", "summaries", "schedule", "io", "accessor", "plots", "widgets", "demo", "cli", "backends",
                "engine", "frames", "paging", "connect", "shortcuts"},
}


#: Imports a module may make all the same, and why: the sandbox launcher reads the backend registry (one table
#: of names and module paths) to find each backend's sandbox server; it imports no backend.
ALLOWED: dict[str, set[str]] = {"sandbox/launcher.py": {"backends.registry"}}


def _modules(layer: str) -> list[Path]:
    path = PACKAGE / layer
    return sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


def _imported(path: Path, allowed: set[str] = frozenset()) -> set[str]:
    """The trackframes modules ``path`` imports, as top-level names under trackframes (``allowed``: dotted
    module names under trackframes left out)."""
    tree = ast.parse(path.read_text())
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                parts = base + (node.module.split(".") if node.module else [])
                names = [parts] if node.module else [base + [a.name] for a in node.names]
            else:
                names = [node.module.split(".")] if node.module else []
            for parts in names:
                if len(parts) > 1 and parts[0] == "trackframes" and ".".join(parts[1:]) not in allowed:
                    found.add(parts[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if len(parts) > 1 and parts[0] == "trackframes" and ".".join(parts[1:]) not in allowed:
                    found.add(parts[1])
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_lower_layer_never_imports_a_higher_one(layer):
    wrong = {}
    for path in _modules(layer):
        bad = _imported(path, ALLOWED.get(path.relative_to(PACKAGE).as_posix(), set())) & FORBIDDEN[layer]
        if bad:
            wrong[str(path.relative_to(PACKAGE))] = sorted(bad)
    assert not wrong, f"{layer} imports layers above it: {wrong}"


def test_the_import_reader_sees_relative_and_absolute_imports(tmp_path):
    assert _imported(PACKAGE / "site.py") >= {"frames", "backends", "paging"}
