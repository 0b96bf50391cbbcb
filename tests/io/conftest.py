"""Sandboxes and independent reference helpers for the export/sync tests."""

from __future__ import annotations

import hashlib
import os
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

import trackframes as tf

TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    """A shared sandbox the tests of a module only read."""
    with tf.sandbox.serve(scale=0.03, seed=1, today=TODAY) as sandbox:
        yield sandbox


@pytest.fixture
def site(sb: Any) -> Iterator[tf.Site]:
    with sb.connect(progress=False) as s:
        yield s


@pytest.fixture
def fresh() -> Iterator[Any]:
    """A small sandbox of its own, for tests that change the data."""
    with tf.sandbox.serve(scale=0.02, seed=5, today=TODAY) as sandbox:
        yield sandbox


def now_iso() -> str:
    """The current UTC time in the store's ``date_time`` form (what a server sets on update)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def tree_digest(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``root`` (directories included as empty markers)."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(dirpath, name), root) + "/"] = ""
        for name in files:
            full = os.path.join(dirpath, name)
            with open(full, "rb") as f:
                out[os.path.relpath(full, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def siblings(path: Path) -> list[str]:
    """Hidden temporary/aside siblings of a dataset path (the lock file excluded)."""
    return sorted(p.name for p in path.parent.iterdir()
                  if p.name.startswith(f".{path.name}.") and not p.name.endswith(".lock"))


def secrets_of(sandbox: Any) -> list[str]:
    """Every credential the sandbox accepts, as text."""
    creds = sandbox.credentials
    out = [creds["script_key"]]
    out += [u["password"] for u in creds["users"]]
    if creds.get("two_factor_user"):
        out.append(creds["two_factor_user"]["password"])
    if creds.get("session_token"):
        out.append(creds["session_token"])
    return [s for s in out if s]


def duck(sql: str) -> list[tuple[Any, ...]]:
    """Rows of one DuckDB query, on a connection of its own."""
    import duckdb

    con = duckdb.connect()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


class WithoutChangeFeed:
    """A backend with its change feed hidden: it forwards the public backend protocol and nothing else.

    Syncing through it takes the path of a backend that has no change feed (the id comparison).
    """

    def __init__(self, inner: Any) -> None:
        from trackframes.backends.base import Capability

        self._inner = inner
        self.name = inner.name
        self.MAX_PAGE_SIZE = inner.MAX_PAGE_SIZE
        self.id_kind = inner.id_kind
        self.capabilities = frozenset(inner.capabilities) - {Capability.CHANGE_FEED}

    def can_push(self, condition: Any, spec: Any) -> bool:
        return self._inner.can_push(condition, spec)

    def operators(self, spec: Any) -> Any:
        return self._inner.operators(spec)

    def directory(self) -> Any:
        return self._inner.directory()

    def entities(self) -> Any:
        return self._inner.entities()

    def fields(self, entity: str) -> Any:
        return self._inner.fields(entity)

    def resolve_fields(self, entity: str, fields: Any) -> Any:
        return self._inner.resolve_fields(entity, fields)

    def check_filters(self, entity: str, filters: Any) -> Any:
        return self._inner.check_filters(entity, filters)

    def plan(self, query: Any, page_size: int) -> Any:
        return self._inner.plan(query, page_size)

    def count(self, query: Any) -> int:
        return self._inner.count(query)

    def close(self) -> None:
        self._inner.close()


def connect(sandbox: Any, *, change_feed: bool = True, **options: Any) -> tf.Site:
    """A site of ``sandbox``; with ``change_feed=False`` its backend hides the change feed."""
    site = sandbox.connect(progress=False, **options)
    if change_feed:
        return site
    return tf.Site(WithoutChangeFeed(site.backend), url=site.url, page_size=site.page_size,
                   concurrency=site.concurrency, progress=False)
