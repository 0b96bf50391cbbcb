"""What every backend provides. The neutral layers (site, paging, frames) talk only to this.

A backend turns a :class:`Query` into a :class:`Plan`: the first page requests,
a ``fetch`` function that returns one page (parsed as it arrives) with its
continuation, and an ``assemble`` function that turns parsed pages into nested
Arrow tables (see :mod:`trackframes.frames`), once for many pages. The paging
engine runs the plan; the backend never loops over pages itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence

import pyarrow as pa

from ..paging import Page
from ..schema import FieldSpec

__all__ = ["Query", "Plan", "EntityInfo", "Backend"]


@dataclass(frozen=True)
class EntityInfo:
    """One entity type of a site."""

    name: str
    display_name: str
    visible: bool = True


@dataclass(frozen=True)
class Query:
    """A validated read: filters in the tracker-neutral (ShotGrid) syntax, fields already resolved."""

    entity: str
    filters: Any
    fields: tuple[FieldSpec, ...]
    order: tuple[str, ...] = ()
    limit: int | None = None
    include_archived_projects: bool = False
    retired: bool = False


@dataclass
class Plan:
    """How to fetch a query: first requests, the fetch function, and what the result looks like.

    ``total`` is the expected number of records (for progress), ``None`` when
    unknown. ``server_sorted`` means the pages arrive in the requested order
    and must be kept in arrival-key order rather than sorted locally.
    ``assemble`` returns one table, or several when pages came in different
    shapes (their rows then need re-ordering by the caller). ``finish`` completes
    a fetched page off the fetching thread (parsing it, typically) and returns
    it with a continuation request the fetch could not know about, or ``None``.
    ``recount``, when given, counts again what ``total`` counted before the
    fetch (same filters, same id span), so the caller can tell rows lost from
    records edited or deleted during the fetch (see :func:`trackframes.paging.check_rows`).
    ``limit``, when given, says the requests are listed in result order and
    the first ``limit`` rows of the result are all that is wanted: the
    pipeline then follows a continuation only while the rows of the requests
    before it fall short of ``limit`` (:mod:`trackframes.paging`).
    """

    requests: list[Any]
    fetch: Callable[[Any], Page[Any]]
    total: int | None = None
    server_sorted: bool = False
    assemble: Callable[[list[Any]], list[pa.Table]] = field(default=lambda datas: [pa.concat_tables(datas)])
    finish: Callable[[Any], tuple[Any, Any]] = field(default=lambda data: (data, None))
    recount: Callable[[], int] | None = None
    limit: int | None = None


class Backend(Protocol):
    """The contract each ``backends/<name>/`` package implements.

    ``MAX_PAGE_SIZE`` is the largest page the server documents; ``Site``
    refuses a larger ``page_size``.
    """

    name: str
    MAX_PAGE_SIZE: int

    def entities(self) -> Mapping[str, EntityInfo]: ...

    def fields(self, entity: str) -> Mapping[str, FieldSpec]: ...

    def resolve_fields(self, entity: str, fields: Sequence[str] | str | None) -> list[FieldSpec]: ...

    def check_filters(self, entity: str, filters: Any) -> Any: ...

    def plan(self, query: Query, page_size: int) -> Plan: ...

    def count(self, query: Query) -> int: ...

    def close(self) -> None: ...
