"""A real Zou (Kitsu's API server) for the Kitsu tests, seeded once.

``zou`` (session scope) runs ``scripts/zou.sh up`` — which installs what is
missing and starts PostgreSQL, Redis and Zou on 127.0.0.1 — then seeds the
production of ``tests/kitsu/seed.py`` through gazu unless the database already
holds it. When the script fails, every test using the fixture errors with the
script's output: nothing is skipped. A Zou that this session started is
stopped at the end (set ``TRACKFRAMES_ZOU_KEEP=1`` to keep it up for the next
run); one that was already up is left as it was, and so is one that another
test session still uses (see ``tests/kitsu/server.py``, which the docs harness
uses too).

``zou_bench`` adds the benchmark project (``TRACKFRAMES_ZOU_BENCH_TASKS``
tasks, 3000 by default) the first time a test asks for it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.kitsu import seed as zou_seed
from tests.kitsu.server import Zou, ZouUnavailable, shared_zou, zou_sh  # noqa: F401 - re-exported for the tests

__all__ = ["Zou", "zou_sh"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Kitsu tests may start the server (a cold start installs Zou and seeds it): 30 minutes."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.timeout(1800))


@pytest.fixture(scope="session")
def zou() -> Zou:
    try:
        return shared_zou()
    except ZouUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def zou_bench(zou: Zou) -> dict[str, Any]:
    """The benchmark project (id, name, n_tasks, n_shots), seeded on first use."""
    n_tasks = int(os.environ.get("TRACKFRAMES_ZOU_BENCH_TASKS", "3000"))
    return zou_seed.seed_benchmark(zou.client(), zou.manifest_path, n_tasks)
