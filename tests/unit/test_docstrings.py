"""Every example in the package's docstrings runs (most of them against the sandbox)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import trackframes

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(trackframes.__path__, prefix="trackframes.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional dependency that is not installed
        pytest.skip(f"{name}: {exc}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
