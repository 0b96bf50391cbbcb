"""The ShotGrid change feed: records updated since a moment, and retired records.

* **Changed.** The server sets ``updated_at`` on every change and on creation.
  Its values have whole seconds, so ``updated_at > since - 1 s`` (cut to whole
  seconds) matches every record changed at or after ``since``. An entity type
  without ``updated_at`` has no feed of changes (``None``): a sync then
  compares ids.
* **Deleted.** ShotGrid retires records (and can revive them).
  ``options[return_only]=retired`` lists the retired records of a type; the API
  does not say when a record was retired, so every retired record's id is
  returned (one id-only query, as long as the site's list of retired records
  of that type).

>>> from datetime import datetime, timezone
>>> changed_filter(datetime(2026, 3, 1, 12, 0, 0, 250_000, tzinfo=timezone.utc))
['updated_at', 'greater_than', '2026-03-01T11:59:59Z']
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from ..base import Query
from .schema import ID_SPEC

if TYPE_CHECKING:  # pragma: no cover
    from .backend import ShotGridBackend

__all__ = ["changed_since", "deleted_since", "changed_filter"]

#: the field the server stamps on every change
UPDATED = "updated_at"


def changed_filter(since: datetime) -> list[Any]:
    """``updated_at`` at or after ``since``, as a ShotGrid condition on whole seconds."""
    bound = since.astimezone(timezone.utc).replace(microsecond=0) - timedelta(seconds=1)
    return [UPDATED, "greater_than", bound.strftime("%Y-%m-%dT%H:%M:%SZ")]


def changed_since(backend: "ShotGridBackend", entity: str, since: datetime) -> list[list[Any]] | None:
    """The filter matching records of ``entity`` changed at or after ``since``; ``None`` without ``updated_at``."""
    if UPDATED not in backend.fields(entity):
        return None
    return [changed_filter(since)]


def deleted_since(backend: "ShotGridBackend", entity: str, since: datetime) -> pa.Array:
    """Ids of every retired record of ``entity`` (archived projects included), sorted."""
    query = Query(entity, backend.check_filters(entity, None).native, (ID_SPEC,), include_archived_projects=True,
                  retired=True)
    chunks = [page.data.column("id") for page in _pages(backend, query) if page.rows]
    ids = pc.unique(pa.concat_arrays(chunks)) if chunks else pa.array([], pa.int64())
    return ids.take(pc.sort_indices(ids))


def _pages(backend: "ShotGridBackend", query: Query) -> Iterator[Any]:
    """The query's pages through the fetch pipeline (stream mode), on threads of their own."""
    from ...paging import stream
    from ...workers import Executor

    plan = backend.plan(query, backend.settings.page_size)
    executor = Executor(backend.settings.concurrency)
    try:
        with executor.tasks() as tasks:
            yield from stream(tasks, plan, lambda table: table, concurrency=executor.concurrency)
    finally:
        executor.close()
