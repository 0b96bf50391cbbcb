"""The contract suite's fixtures: one ``target`` per backend module in ``tests/contract/targets/``.

``@pytest.mark.notimpl`` is not used on tests; instead a backend lists the tests it does not
meet yet in its target's ``gaps`` (with the reason). Such a test runs anyway and must fail: it
is a strict expected failure, so a gap that closes shows up at once.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Iterator

import pytest

import tests.contract.targets as targets_package

BACKENDS = sorted(m.name for m in pkgutil.iter_modules(targets_package.__path__))


@pytest.fixture(scope="session", params=BACKENDS)
def target(request: pytest.FixtureRequest) -> Iterator[Any]:
    module = importlib.import_module(f"tests.contract.targets.{request.param}")
    with module.target() as t:
        yield t


@pytest.fixture(autouse=True)
def _gaps(request: pytest.FixtureRequest) -> None:
    if "target" not in request.fixturenames:
        return
    t = request.getfixturevalue("target")
    name = request.node.originalname or request.node.name
    if name in t.gaps:
        request.node.add_marker(pytest.mark.xfail(strict=True, reason=f"{t.name}: {t.gaps[name]}"))
