"""The backend contract: what every backend provides, as small capabilities.

The neutral layers (site, paging, frames, summaries, schedule, io) talk only to
these protocols, never to a backend's own modules.

* **READ** (:class:`Backend`, every backend): entity types, fields, field and
  filter checks, a fetch :class:`Plan` for a :class:`Query`, and counts. A
  backend turns a query into a plan: the first page requests, a ``fetch``
  function that returns one page with its continuation, and an ``assemble``
  function that turns parsed pages into nested Arrow tables (see
  :mod:`trackframes.frames`), once for many pages. The paging engine runs the
  plan; the backend never loops over pages itself.
* **SUMMARIZE** (:class:`Summarizer`): grouped summaries computed by the server.
  Without it, ``site.summarize`` fetches the fields and computes them with the
  local engine (:mod:`trackframes.engine`).
* **SCHEDULE** (:class:`Scheduler`): work-day rules and the
  :class:`ScheduleFields` behind the canonical ``tasks()``/``timelogs()`` frames.
* **PROJECT_SCHEMA** (:class:`ProjectSchema`): entity and field visibility per project.
* **CHANGE_FEED**: what changed and what was deleted since a watermark
  (see :mod:`trackframes.backends.changes`). Without it, ``sync`` compares ids.
* **IDENTITY** (:class:`Identity`): who the connection acts as.
* **TEXT_SEARCH** (:class:`TextSearch`): the server's own text search.
* **PARTITION** (:class:`Partitioner`): a read split into independent
  parts (:class:`Partition`, for ``site.to_dask``), each one more condition on a stable key.

A backend lists what it supports in ``capabilities``; :func:`require` returns
the backend as that capability or raises :class:`~trackframes.exceptions.CapabilityError`
naming the backend and the capability (never an ``AttributeError``).

The summary vocabulary (:data:`SUMMARY_TYPES`, :data:`GROUPING_TYPES`) and the
shared result types live here too, so backends never import the layers above them.

>>> from trackframes.backends.base import Capability, require
>>> class Tiny:
...     name = "tiny"
...     capabilities = frozenset({Capability.READ})
>>> require(Tiny(), Capability.SUMMARIZE)
Traceback (most recent call last):
...
trackframes.exceptions.CapabilityError: The tiny backend cannot compute summaries on the server (capability 'summarize').
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple, Protocol, Sequence

import pyarrow as pa

from ..exceptions import CapabilityError
from ..paging import Page
from ..query.filters import Condition, Group
from ..query.order import OrderKey, parse_order
from ..schema import FieldKind, FieldSpec

__all__ = [
    "CheckedFilters",
    "Query",
    "Plan",
    "EntityInfo",
    "Backend",
    "Capability",
    "CAPABILITY_TEXT",
    "require",
    "has",
    "Summarizer",
    "Scheduler",
    "ProjectSchema",
    "Identity",
    "TextSearch",
    "Partitioner",
    "Partition",
    "SUMMARY_TYPES",
    "GROUPING_TYPES",
    "CLUSTERED_DATES",
    "Summary",
    "Grouping",
    "SummaryGroup",
    "SummaryResult",
    "ScheduleFields",
    "Directory",
]


class Capability(str, enum.Enum):
    """What a backend can do beyond reading records."""

    READ = "read"
    SUMMARIZE = "summarize"
    SCHEDULE = "schedule"
    PROJECT_SCHEMA = "project_schema"
    CHANGE_FEED = "change_feed"
    IDENTITY = "identity"
    TEXT_SEARCH = "text_search"
    PARTITION = "partition"


#: what each capability lets a backend do, for messages ("The kitsu backend cannot ...")
CAPABILITY_TEXT: dict[Capability, str] = {
    Capability.READ: "read records",
    Capability.SUMMARIZE: "compute summaries on the server",
    Capability.SCHEDULE: "give work-day rules and schedule fields",
    Capability.PROJECT_SCHEMA: "tell which entity types and fields each project shows",
    Capability.CHANGE_FEED: "list what changed and what was deleted since a time",
    Capability.IDENTITY: "tell who the connection acts as",
    Capability.TEXT_SEARCH: "search text on the server",
    Capability.PARTITION: "split a read into independent parts",
}


def has(backend: Any, capability: Capability) -> bool:
    """Whether ``backend`` declares ``capability``."""
    return Capability(capability) in getattr(backend, "capabilities", frozenset({Capability.READ}))


def require(backend: Any, capability: Capability) -> Any:
    """``backend`` itself when it declares ``capability``; otherwise a :class:`CapabilityError`."""
    capability = Capability(capability)
    if has(backend, capability):
        return backend
    name = getattr(backend, "name", type(backend).__name__)
    raise CapabilityError(f"The {name} backend cannot {CAPABILITY_TEXT[capability]} "
                          f"(capability {capability.value!r}).", backend=name, capability=capability.value)


# ---------------------------------------------------------------------------
# the summary vocabulary and result types (neutral: the public syntax is ShotGrid's)
# ---------------------------------------------------------------------------

#: Every summary type ``site.summarize`` accepts.
SUMMARY_TYPES: tuple[str, ...] = (
    "record_count", "count", "sum", "maximum", "minimum", "average", "earliest", "latest", "percentage",
    "status_percentage", "status_percentage_as_float", "status_list", "checked", "unchecked",
)
#: Every grouping type ``site.summarize`` accepts.
GROUPING_TYPES: tuple[str, ...] = (
    "exact", "tens", "hundreds", "thousands", "tensofthousands", "hundredsofthousands", "millions",
    "day", "week", "month", "quarter", "year", "clustered_date", "oneday", "fivedays", "entitytype",
    "firstletter",
)
#: The ``clustered_date`` groups, earliest first (the column's ordered categories).
CLUSTERED_DATES: tuple[str, ...] = (
    "Earlier", "Last week", "Earlier this week", "Yesterday", "Today", "Tomorrow", "Later this week",
    "Next week", "Later",
)


@dataclass(frozen=True)
class Summary:
    """One summary: a field, a summary type and, for ``status_percentage*``, the status counted."""

    field: str
    type: str
    value: str | None = None

    @property
    def column(self) -> str:
        """The frame's column for this summary: ``<field>_<type>`` (``_<value>`` appended when set)."""
        name = f"{self.field}_{self.type}"
        return f"{name}_{self.value}" if self.value is not None else name


@dataclass(frozen=True)
class Grouping:
    """One grouping level: a field, a grouping type and a direction (``"asc"`` or ``"desc"``)."""

    field: str
    type: str = "exact"
    direction: str = "asc"


@dataclass
class SummaryGroup:
    """One group of a summary result; ``summaries`` is keyed by the index of the requested summary."""

    name: str | None
    value: Any
    summaries: dict[int, Any] = field(default_factory=dict)
    groups: list["SummaryGroup"] | None = None


@dataclass
class SummaryResult:
    """What a summary returns (server or local engine): the totals and the (nested) groups."""

    total: dict[int, Any] = field(default_factory=dict)
    groups: list[SummaryGroup] = field(default_factory=list)


@dataclass(frozen=True)
class EntityInfo:
    """One entity type of a site."""

    name: str
    display_name: str
    visible: bool = True


class CheckedFilters(NamedTuple):
    """What a backend's ``check_filters`` returns: the checked neutral tree and the backend's own form of it.

    ``tree`` is the :class:`~trackframes.query.Group` with every value checked
    against the schema (and made what the backend sends); ``native`` is the same
    filter compiled to the backend's query language, which only that backend reads.
    """

    tree: Group
    native: Any


@dataclass(frozen=True)
class Query:
    """A validated read, fields already resolved.

    ``tree`` is the whole checked filter tree (what the query means, in the
    public syntax); ``filters`` is the part the backend sends, compiled to its
    own language (see :class:`CheckedFilters`); ``residual`` is the part the
    backend cannot send, which the site applies to the fetched rows with
    :mod:`trackframes.engine` (``fields`` then include the fields it reads,
    ``limit`` is ``None`` and ``local_limit`` is the caller's limit, which the
    site applies after filtering). ``order`` holds the order keys in their
    public text form (``"-due_date"``); :attr:`keys` parses them.
    """

    entity: str
    filters: Any
    fields: tuple[FieldSpec, ...]
    order: tuple[str, ...] = ()
    limit: int | None = None
    include_archived_projects: bool = False
    retired: bool = False
    tree: Group = field(default_factory=lambda: Group("and", ()))
    residual: Group = field(default_factory=lambda: Group("and", ()))
    local_limit: int | None = None
    #: a clause in the backend's own query language (``where=``), checked by the backend and sent as it is
    where: str | None = None

    @property
    def keys(self) -> tuple[OrderKey, ...]:
        """The order as :class:`~trackframes.query.OrderKey`s."""
        return parse_order(list(self.order))


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
    """The READ capability, which every ``backends/<name>/`` package implements.

    ``MAX_PAGE_SIZE`` is the largest page the server documents; ``Site``
    refuses a larger ``page_size``. ``capabilities`` lists what else it can do.
    """

    name: str
    MAX_PAGE_SIZE: int
    capabilities: frozenset[Capability]
    #: the kind of record ids, and of the ids in links: ``FieldKind.INTEGER`` or ``FieldKind.TEXT`` (UUIDs)
    id_kind: FieldKind

    def entities(self) -> Mapping[str, EntityInfo]: ...

    def fields(self, entity: str) -> Mapping[str, FieldSpec]: ...

    def resolve_fields(self, entity: str, fields: Sequence[str] | str | None) -> list[FieldSpec]: ...

    def check_filters(self, entity: str, filters: Any) -> CheckedFilters:
        """Any public filter form (or a tree) checked against the schema: the tree and its compiled form."""
        ...

    def can_push(self, condition: Condition, spec: FieldSpec | None) -> bool:
        """Whether the server can evaluate ``condition`` (on a field of ``spec``); the rest runs locally.

        ``spec`` is ``None`` for a path the site cannot fetch (through a multi-entity
        field): declining such a condition refuses the read before sending.
        """
        ...

    def operators(self, spec: FieldSpec) -> tuple[str, ...]:
        """The relations valid for a field (empty when it cannot be filtered on)."""
        ...

    def directory(self) -> "Directory":
        """Which entities and fields are the site's projects and people."""
        ...

    def plan(self, query: Query, page_size: int) -> Plan: ...

    def count(self, query: Query) -> int: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Directory:
    """Which of a backend's entities and fields are its projects and people.

    ``site.projects()``, ``site.people()`` and ``find(..., project=...)`` read
    it, so they never name a tracker's fields. ``project_fields`` and
    ``people_fields`` are the default columns (those the site has, in order);
    ``archived_field`` marks archived projects; ``project_link_field`` is the
    field other entities link their project with; ``active_people`` are public
    filter conditions keeping active accounts (applied when the site has their
    fields and values).
    """

    project_entity: str = "Project"
    project_name_fields: tuple[str, ...] = ("name",)
    project_fields: tuple[str, ...] = ("name",)
    archived_field: str | None = None
    project_link_field: str = "project"
    user_entity: str = "User"
    user_name_fields: tuple[str, ...] = ("name",)
    people_fields: tuple[str, ...] = ("name",)
    active_people: tuple[tuple[str, str, Any], ...] = ()


@dataclass(frozen=True)
class ScheduleFields:
    """Which of a backend's fields fill the canonical frames.

    ``task_fields`` and ``timelog_fields`` map a canonical column (or link
    prefix such as ``"entity"``) to the backend's field name, which may be a
    dotted linked field. A field the site lacks leaves its columns null (the
    frame's ``attrs["trackframes"]["missing"]`` lists them). ``done_statuses``
    fill the ``done`` column; ``hold_statuses`` mark open work that is paused
    (it books no time in :func:`~trackframes.schedule.utilization`).
    ``minutes_per_day`` is the length of a working day when the site says
    (``None``: the calendars' default of 8 hours).
    """

    task_entity: str
    task_fields: Mapping[str, str]
    timelog_entity: str
    timelog_fields: Mapping[str, str]
    project_entity: str
    project_name_fields: tuple[str, ...]
    user_entity: str
    user_name_fields: tuple[str, ...]
    done_statuses: frozenset[str] = frozenset()
    hold_statuses: frozenset[str] = frozenset()
    minutes_per_day: int | None = None


class Summarizer(Protocol):
    """SUMMARIZE: summaries computed by the server, checked against the schema before sending.

    ``filters`` is a checked filter tree (or the :class:`CheckedFilters` of ``check_filters``).
    """

    def summarize(self, entity: str, filters: Any, summaries: Sequence[Summary], grouping: Sequence[Grouping], *,
                  include_archived_projects: bool = False) -> SummaryResult: ...


class Scheduler(Protocol):
    """SCHEDULE: work-day rules per day, and the fields behind the canonical schedule frames."""

    def work_day_rules(self, start: Any, end: Any, project_id: Any = None,
                       user_id: Any = None) -> list[dict[str, Any]]: ...

    def schedule_fields(self) -> ScheduleFields: ...

    def demo_queries(self) -> Mapping[str, tuple[str, Sequence[str]]]:
        """What ``trackframes demo`` writes besides the canonical frames: file stem → (entity, fields)."""
        ...


class ProjectSchema(Protocol):
    """PROJECT_SCHEMA: entity types and fields as one project shows them."""

    def entities_in_project(self, project_id: Any) -> Mapping[str, EntityInfo]: ...

    def fields_in_project(self, entity: str, project_id: Any) -> Mapping[str, FieldSpec]: ...


class Identity(Protocol):
    """IDENTITY: who the connection acts as (as far as the server says)."""

    def identity(self) -> dict[str, Any]: ...


class TextSearch(Protocol):
    """TEXT_SEARCH: the server's own text search over several entity types."""

    def text_search(self, text: str, entity_types: Any = None, *, limit: int | None = 100) -> Any: ...


@dataclass(frozen=True)
class Partition:
    """One independent part of a read: the read's filter and ``condition`` (public syntax, on a stable key).

    ``low``/``high`` bound the ids of the part (inclusive) when the backend's ids are
    ordered (they become Dask divisions), else ``None``. ``rows`` is the expected
    number of records (for sizing only), ``None`` when unknown.
    """

    condition: Condition | Group | None
    low: Any = None
    high: Any = None
    rows: int | None = None


class Partitioner(Protocol):
    """PARTITION: a read split into independent parts whose union is the read, without overlap.

    ``parts`` (when given) asks for that many parts; otherwise parts of about
    ``rows`` records each. Parts with ``low``/``high`` are returned in id order.
    """

    def partitions(self, query: Query, *, parts: int | None = None, rows: int = 50_000) -> list[Partition]: ...
