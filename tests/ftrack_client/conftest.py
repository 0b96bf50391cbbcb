"""Fixtures: an ftrack sandbox server over the hand-built production, and sites connected to it."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

import trackframes as tf
from trackframes.sandbox.ftrack import FtrackServer

from ..sandbox_ftrack.production import API_KEY, API_USER, build_store


@pytest.fixture(autouse=True)
def _no_schema_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Each test gets its own schema cache directory (never the user's)."""
    monkeypatch.setenv("TRACKFRAMES_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def server() -> Iterator[FtrackServer]:
    with FtrackServer(build_store(), api_user=API_USER, api_key=API_KEY) as running:
        yield running


def connect(server: FtrackServer, **options: Any) -> tf.Site:
    return tf.connect(server.url, backend="ftrack", auth=server.auth, progress=False, **options)


@pytest.fixture()
def site(server: FtrackServer) -> Iterator[tf.Site]:
    with connect(server) as connected:
        yield connected
