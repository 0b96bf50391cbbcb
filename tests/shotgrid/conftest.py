"""A shared ShotGrid sandbox for the client tests, plus independent reference helpers."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterator

import pytest

import trackframes as tf

TODAY = date(2026, 3, 2)


@pytest.fixture(scope="session")
def sb() -> Iterator[Any]:
    with tf.sandbox.serve(scale=0.05, seed=3, today=TODAY) as sandbox:
        yield sandbox


@pytest.fixture
def site(sb: Any) -> Iterator[tf.Site]:
    with sb.connect(progress=False) as s:
        yield s


def archived_projects(sb: Any) -> set[int]:
    return {pid for pid, rec in sb.store.records["Project"].items() if rec.get("archived")}


def live_records(sb: Any, entity: str, *, include_archived: bool = False) -> list[dict[str, Any]]:
    """Reference: live records in id order, leaving out those of archived projects."""
    archived = set() if include_archived else archived_projects(sb)
    out = []
    for rid in sorted(sb.store.records[entity]):
        rec = sb.store.records[entity][rid]
        if entity == "Project" and rid in archived:
            continue
        if (rec.get("project") or {}).get("id") in archived:
            continue
        out.append(rec)
    return out
