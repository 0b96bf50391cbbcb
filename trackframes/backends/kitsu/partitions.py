"""A Kitsu read split into independent parts by project (PARTITION, ``site.to_dask``).

Zou filters by equality only, so a read splits on what it can filter on: the
project. Each part is ``project in [...]`` over a run of the projects this
account sees (Zou answers it per project, as :mod:`.read` does), and the parts'
projects are disjoint, so the parts never overlap. Records of the types split
here always belong to a project (Zou's shots, sequences, episodes and assets
cannot be saved without one, and it sets a task's from its entity). Other
types, and a read whose type has no project, are one part. Divisions are not
known: ids are random UUIDs, and a part is a set of projects, not an id range.
Projects created after the split are not read (as records created after a
ShotGrid split are not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...query.filters import Condition
from ..base import Partition, Query

if TYPE_CHECKING:  # pragma: no cover
    from .backend import KitsuBackend

__all__ = ["partitions", "SPLIT_BY_PROJECT"]

#: The types whose records always have a project, split by it.
SPLIT_BY_PROJECT = frozenset({"Task", "Shot", "Sequence", "Episode", "Asset"})


def partitions(backend: "KitsuBackend", query: Query, *, parts: int | None = None,
               rows: int = 50_000) -> list[Partition]:
    """``query`` by project: ``parts`` parts at most (default: one per project), each a run of projects."""
    if query.entity not in SPLIT_BY_PROJECT or "project" not in backend.fields(query.entity):
        return [Partition(None)]
    projects = sorted(backend.reader._visible_projects())
    if not query.include_archived_projects:
        closed = backend.reader._closed_projects()
        projects = [p for p in projects if p not in closed]
    if not projects:
        return [Partition(None)]
    count = len(projects) if parts is None else max(1, min(parts, len(projects)))
    out = []
    for k in range(count):
        run = projects[len(projects) * k // count: len(projects) * (k + 1) // count]
        links: list[Any] = [{"type": "Project", "id": p} for p in run]
        out.append(Partition(Condition("project", "in", links)))
    return out
