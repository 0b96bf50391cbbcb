"""The ftrack backend: schema, validation, fetch plans and counts over the operations API.

Cheap to build: nothing is sent until the schema or records are asked for
(:mod:`.session`). Entity types are the server's schema ids (``Task``,
``Shot``, ``AssetBuild``, ``Timelog``...); fields are attribute paths
(``name``, ``status.name``, ``parent.parent.name``,
``custom_attributes.fstart``), typed by the attribute they reach (:mod:`.schema`);
``"*"`` is ``id`` and the type's own scalar and reference attributes. Filters
compile to the query language (:mod:`.compile`); pages are fetched by id
ranges and keyset (:mod:`.plan`) and decoded with references resolved
(:mod:`.decode`). Ids are UUID text.

>>> import trackframes as tf
>>> site = tf.connect("https://studio.example.com", backend="ftrack", auth=tf.ApiKey("jane", "k3y"))
>>> site.backend
<FtrackBackend https://studio.example.com>
>>> "k3y" in repr(site.backend.operations)
False
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any, Sequence

from ...arguments import field_names
from ...auth import Credential
from ...calls import describe
from ...config import Settings
from ...connections import track
from ...exceptions import CapabilityError, QueryError, SchemaError
from ...paging import Page as PagingPage, fetch_pages
from ...query.filters import Condition, Group, Node, parse_filters, split
from ...schema import FieldKind, FieldSpec
from ...suggest import hint, suggest
from ...transport import Transport
from ..base import (Capability, CheckedFilters, Directory, EntityInfo, Plan, Query, ScheduleFields,
                    SummaryResult)
from . import ql
from .cache import SchemaCache, cache_dir
from .compile import RELATIONS, RESIDUAL_RELATIONS, Compiler, archived_clause
from .calendar import WorkCalendar
from .custom import CONFIG_QUERY, Configuration, entity_kind, parse_configurations, specs_for
from .decode import Page, PageDecoder, resolved
from .derived import derived_for
from .plan import DEFAULT_RANGES, MAX_RANGES, Request, Walker
from .schema import CUSTOM, ID_SPEC, Model, Path, Prop
from .session import Operations

__all__ = ["FtrackBackend", "MAX_PAGE_SIZE", "COUNT_KEYS"]

#: The largest page trackframes asks an ftrack server for (servers may send fewer).
MAX_PAGE_SIZE = 1000
#: Rows per page of the small lookup queries (:meth:`FtrackBackend.query`).
LOOKUP_PAGE = 1000
#: Attributes a record count groups by (the first one the type has): strict-API aggregates need a
#: ``group by``, and these have few distinct values.
COUNT_KEYS = ("project_id", "context_type", "object_type_id", "resource_type", "type_id", "status_id",
              "context_id", "user_id", "entity_type", "is_active")


class FtrackBackend:
    """Talks to one ftrack server. Cheap to build: nothing is sent until asked."""

    name = "ftrack"
    MAX_PAGE_SIZE = MAX_PAGE_SIZE
    id_kind = FieldKind.TEXT
    capabilities = frozenset({Capability.READ, Capability.SUMMARIZE, Capability.SCHEDULE, Capability.IDENTITY,
                              Capability.PARTITION})

    def __init__(self, settings: Settings, credential: Credential, transport: Transport, *,
                 cache: SchemaCache | None = None) -> None:
        self.settings = settings
        self.transport = transport
        self.operations = Operations(settings.url, credential, transport,  # type: ignore[arg-type]
                                     cache if cache is not None else SchemaCache(cache_dir()))
        self._lock = threading.Lock()
        self._model: Model | None = None
        self._configs: list[Configuration] | None = None
        self._schedule_fields: ScheduleFields | None = None
        self._calendar: WorkCalendar | None = None
        self._parse_query: bool | None = None  # whether the server offers parse_query (None: not known yet)
        session = getattr(transport, "session", None)
        if session is not None:
            track(session)  # an interrupted fetch aborts its requests in flight

    def __repr__(self) -> str:
        return f"<FtrackBackend {self.settings.url}>"

    # -- schema ------------------------------------------------------------------------------
    @property
    def model(self) -> Model:
        """The server's schema (``query_server_information`` and ``query_schemas`` on first use)."""
        with self._lock:
            if self._model is None:
                self._model = Model(self.operations.schemas())
            return self._model

    def entities(self) -> dict[str, EntityInfo]:
        model = self.model
        return {name: EntityInfo(name, name) for name in sorted(model.types)}

    def fields(self, entity: str) -> dict[str, FieldSpec]:
        """The type's attributes, then its computed fields (:mod:`.derived`)."""
        out = dict(self.model.fields(entity))
        for name, item in derived_for(self.model, entity).items():
            out[name] = item.spec(entity)
        return out

    def configurations(self) -> list[Configuration]:
        """The custom attribute configurations (read once, on first use)."""
        with self._lock:
            configs = self._configs
        if configs is None:
            pages = self.query([CONFIG_QUERY], what="Reading the custom attribute configurations")
            configs = parse_configurations(pages[0])
            with self._lock:
                self._configs = configs
        return configs

    def custom_specs(self, entity: str) -> dict[str, FieldSpec]:
        """``{key: spec}`` of ``entity``'s custom attributes (empty for a type without them)."""
        model = self.model
        model.check_type(entity)
        if CUSTOM not in model.props[entity]:
            return {}
        kind, object_type = entity_kind(model, entity)
        return specs_for(self.configurations(), entity, entity_kind=kind, object_type_id=object_type)

    def path(self, entity: str, name: str, *, allow_collections: bool = False) -> Path:
        """The :class:`~.schema.Path` of a field (custom attributes typed by their configuration,
        computed fields by :mod:`.derived`)."""
        model = self.model
        model.check_type(entity)
        derived = derived_for(model, entity).get(name) if isinstance(name, str) else None
        if derived is not None:
            step = Prop(entity, name, "computed")
            return Path(name, (step,), _rooted(derived.spec(entity), entity), extra={"derived": derived})
        parts = name.split(".") if isinstance(name, str) else []
        custom = None
        if CUSTOM in parts[:-1]:
            owner = entity
            for part in parts[: parts.index(CUSTOM)]:
                prop = model.prop(owner, part, name)
                owner = str(prop.target)
            custom = self.custom_specs(owner)
        try:
            path = model.resolve(entity, name, custom=custom, allow_collections=allow_collections)
        except SchemaError as exc:
            if isinstance(name, str) and "." not in name:  # suggest the computed fields too
                names = [*model.props[entity], *derived_for(model, entity)]
                hints = suggest(name, names)
                raise SchemaError(f"{entity} has no field {name!r}.{hint(hints)}", name=name,
                                  suggestions=hints) from None
            raise exc
        return replace(path, spec=_rooted(path.spec, entity))

    def identity(self) -> dict[str, Any]:
        """Who the connection acts as: the API user's record (``sub`` is its username, as a login)."""
        user = self.operations.user
        out: dict[str, Any] = {"sub": user, "user_type": "User"}
        if "User" in self.model.props:
            (rows,) = self.query([ql.select("User", ["username", "first_name", "last_name", "email"],
                                            where=ql.condition("username", "is", user))], what="Reading the API user")
            if rows:
                row = rows[0]
                name = " ".join(str(p) for p in (row.get("first_name"), row.get("last_name")) if p)
                out.update(id=row.get("id"), name=name or None, email=row.get("email"))
        return out

    # -- validation ------------------------------------------------------------------------------
    def resolve_fields(self, entity: str, fields: Sequence[str] | str | None) -> list[FieldSpec]:
        self.model.check_type(entity)
        names, every = field_names(fields)
        out = [ID_SPEC] + [self.path(entity, name).spec for name in names]
        if every:  # the type's own scalar and reference attributes
            out = [ID_SPEC] + [self.path(entity, name).spec for name in field_names(self.model.star(entity))[0]]
        return self._without_collisions(out)

    def _without_collisions(self, specs: list[FieldSpec]) -> list[FieldSpec]:
        """Drop a dotted field whose column a requested link already gives (``status.name`` next to
        ``status``: the link's ``status.id`` and ``status.name`` columns hold the same values); refuse one
        whose column would hold something else under the same name."""
        links = {s.name: s for s in specs if s.kind is FieldKind.ENTITY}
        out = []
        for spec in specs:
            head, _, part = spec.name.rpartition(".")
            link = links.get(head)
            if link is None or part not in ("id", "type", "name") or spec.kind is FieldKind.ENTITY:
                out.append(spec)
                continue
            targets = {self.model.name_attribute(t) for t in link.valid_types} or {None}
            if part == "id" or (part == "name" and targets == {"name"}):
                continue  # the link's own column holds exactly this
            raise SchemaError(f"Fields {head!r} and {spec.name!r} would both make a column {spec.name!r} (the "
                              f"link's {part}); ask for one of them.", name=spec.name, suggestions=[head])
        return out

    def compiler(self, entity: str) -> Compiler:
        return Compiler(self.model, entity, lambda name: self.path(entity, name, allow_collections=True))

    def check_filters(self, entity: str, filters: Any) -> CheckedFilters:
        """The filter tree of ``filters`` after checking it against the schema (fields, relations, values),
        and the ``where`` clause of the part the server can take (``None``: no condition)."""
        self.model.check_type(entity)
        tree = parse_filters(filters)
        compiler = self.compiler(entity)
        compiler.check(tree)
        pushed, _ = split(tree, compiler.can_push)
        return CheckedFilters(tree, compiler.where(pushed))

    def can_push(self, condition: Condition, spec: FieldSpec | None = None) -> bool:
        """Whether the query language says ``condition`` exactly; otherwise the local engine applies it.

        ``spec`` is the field's spec (as :meth:`resolve_fields` gives it, which names its entity type);
        ``None`` for a path through a collection, which only the server can filter on.
        """
        root = spec.extra.get("root") if spec is not None else None
        if root is None:
            return condition.op not in RESIDUAL_RELATIONS
        return self.compiler(root).can_push(condition)

    def operators(self, spec: FieldSpec) -> tuple[str, ...]:
        """The relations valid for a field (empty when it cannot be filtered on)."""
        return RELATIONS.get(spec.kind, ())

    def directory(self) -> Directory:
        """Projects are ``Project`` records (archived: ``status`` ``hidden``), people ``User`` records."""
        return DIRECTORY

    def demo_queries(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Shots and versions, which ``trackframes demo`` writes next to the canonical frames."""
        return DEMO_QUERIES

    def split_filters(self, entity: str, tree: Node) -> tuple[Group, Group]:
        """``(sent to the server, left to the local engine)``; see :mod:`.compile`."""
        compiler = self.compiler(entity)
        return split(tree, compiler.can_push)

    def where(self, entity: str, tree: Any) -> str | None:
        """The ``where`` clause of a checked tree (every condition must be one the server can take)."""
        tree = tree if isinstance(tree, (Group, Condition)) else parse_filters(tree)
        return self.compiler(entity).where(tree)

    def check_where(self, entity: str, where: str) -> str:
        """A native ``where`` clause (ftrack's query language), checked by the server's ``parse_query`` when it
        offers it; returned as given. The clause is always sent in parentheses, so it cannot reach past them.

        A server without ``parse_query`` (it answers an unknown action with an error) gets the clause
        unchecked: an error in it then comes back with the first page.
        """
        self.model.check_type(entity)
        if not isinstance(where, str) or not where.strip():
            raise TypeError(f"where= takes a clause of ftrack's query language as text, such as "
                            f"'status.name is \"In progress\"', not {where!r}.")
        _check_parentheses(where)
        if self._parse_query is False:
            return where
        expression = ql.select(entity, ["id"], where=where)
        try:
            (answer,) = self.operations.call([{"action": "parse_query", "expression": expression}],
                                             what=f"Checking the where clause of {entity}")
        except QueryError as exc:
            if any("parse_query" in str(e.get("content", "")) for e in exc.errors):
                self._parse_query = False  # the server does not offer it: send clauses unchecked
                return where
            raise
        verdict = answer.get("data") if isinstance(answer, dict) else answer
        if verdict is not True:
            raise SchemaError(f"The where clause {where!r} is not valid on {entity}: {verdict}", name="where")
        return where

    def check_page_size(self, page_size: int) -> None:
        """Refuse a ``page_size`` above what an ftrack server is asked for at once."""
        if isinstance(page_size, int) and not isinstance(page_size, bool) and page_size > MAX_PAGE_SIZE:
            raise ValueError(f"page_size={page_size} is more than {MAX_PAGE_SIZE}, the most records trackframes "
                             f"asks an ftrack server for in one page. Use a page_size from 1 to {MAX_PAGE_SIZE}.")

    # -- reading ------------------------------------------------------------------------------------
    def query(self, expressions: Sequence[str], *, what: str, strict: bool = False) -> list[list[dict[str, Any]]]:
        """Every row of several small queries (lookups: statuses, names, configurations, calendar events,
        grouped aggregates), their first pages sent in one POST; a query the server answers in several
        pages (it may cap them) is followed by ``metadata.next.offset`` until the end. Stubs are resolved.

        Offset paging is fine here: these are small tables, read whole, not the records a find pages.
        """
        def ops(pairs: list[tuple[str, int]]) -> list[dict[str, Any]]:
            return [{"action": "query", "expression": f"{e} offset {o} limit {LOOKUP_PAGE}"} for e, o in pairs]

        out: list[list[dict[str, Any]]] = [[] for _ in expressions]
        pending = [(i, e, 0) for i, e in enumerate(expressions)]
        while pending:
            results = self.operations.call(ops([(e, o) for _, e, o in pending]), what=what, strict=strict)
            following = []
            for (i, expression, offset), result in zip(pending, results):
                data = result.get("data") if isinstance(result, dict) else None
                if isinstance(data, list):
                    out[i].extend(resolved(data, self.model))
                metadata = result.get("metadata") if isinstance(result, dict) else None
                nxt = ((metadata or {}).get("next") or {}).get("offset") if isinstance(metadata, dict) else None
                if isinstance(nxt, int) and not isinstance(nxt, bool) and nxt > offset:
                    following.append((i, expression, nxt))
            pending = following
        return out

    def _paths(self, query: Query) -> list[Path]:
        return [self.path(query.entity, s.name) for s in query.fields if s.name != "id"]

    def _pushed(self, query: Query) -> str | None:
        """The ``where`` clause of a query: its filters (the compiled clause :meth:`check_filters` gave, or a
        tree the server must take whole), the native ``where=`` clause, and archived projects left out
        unless asked for."""
        if query.retired:
            raise CapabilityError("The ftrack backend cannot list retired (deleted) records: an ftrack server "
                                  "keeps no such listing. Leave retired=False.", backend=self.name,
                                  capability="read")
        filters = query.filters.tree if isinstance(query.filters, CheckedFilters) else query.filters
        if filters is None or isinstance(filters, str):
            clause = filters
        else:
            tree = filters if isinstance(filters, (Group, Condition)) else parse_filters(filters)
            pushed, residual = self.split_filters(query.entity, tree)
            if residual.items:
                raise SchemaError(f"These filters cannot be sent to the ftrack server and need the local engine: "
                                  f"{residual.to_dict()['conditions']!r}.", name=str(residual.items[0]))
            clause = self.where(query.entity, pushed)
        clauses = [clause, getattr(query, "where", None)]  # the native where= clause
        if not query.include_archived_projects:
            clauses.append(archived_clause(self.model, query.entity))
        clauses = [c for c in clauses if c]
        return ql.and_(*clauses) if clauses else None

    def plan(self, query: Query, page_size: int) -> Plan:
        self.check_page_size(page_size)
        paths = self._paths(query)
        needs = {n for p in paths if p.extra.get("derived") for n in p.extra["derived"].needs}
        decoder = PageDecoder(self.model, paths, self.derived_context(needs))
        what = describe(f"Fetching {query.entity}")
        source = self.operations.source(what)
        order = [getattr(k, "text", k) for k in query.order]
        limit = query.limit if not order or order == ["id"] else None  # other orders: all rows, sorted here
        walker = Walker(query.entity, decoder.projections(), self._pushed(query), page_size, source, limit)
        if limit == 0:
            return Plan([], _nothing, total=0, server_sorted=True, assemble=decoder.assemble)

        def get(request: Request) -> Page:
            body = self.operations.post([{"action": "query", "expression": walker.expression(request)}], what=what)
            (page,) = decoder.parse(body, source)
            return page

        def fetch(request: Any) -> PagingPage[Any]:
            if isinstance(request, _Ready):
                return PagingPage(request.page, request.page.rows, key=(0, 0))
            page = get(request)
            return walker.page(request, page, page.ids, page.next_offset)

        # the first page, fetched now, tells how far the rows spread (see plan.py)
        first_request = walker.first()
        first = get(first_request)
        rest = walker.fan_out(first_request, first.ids, first.next_offset,
                              min(MAX_RANGES, DEFAULT_RANGES * max(1, self.settings.concurrency)))
        return Plan([_Ready(first), *rest], fetch, total=None if rest else first.rows, assemble=decoder.assemble)

    def count(self, query: Query) -> int:
        """How many records match: a strict-API grouped count, else the ids counted page by page."""
        where = self._pushed(query)
        entity = query.entity
        key = next((k for k in COUNT_KEYS if k in self.model.props[entity]
                    and not self.model.props[entity][k].is_many and not self.model.props[entity][k].is_reference),
                   None)
        if key is not None:
            expression = ql.select(entity, [ql.aggregate("count", "id")], where=where, group_by=[key])
            try:
                (rows,) = self.query([expression], what=f"Counting {entity}", strict=True)
            except QueryError:
                rows = None
            if rows is not None:
                return sum(int(r.get("count_id") or 0) for r in rows if isinstance(r, dict))
        id_only = Query(entity, query.filters, (ID_SPEC,), (), None, query.include_archived_projects, query.retired)
        plan = self.plan(id_only, MAX_PAGE_SIZE)
        return sum(p.rows for p in fetch_pages(plan.requests, plan.fetch, concurrency=self.settings.concurrency))

    def partitions(self, query: Query, *, parts: int | None = None, rows: int = 50_000) -> list[Any]:
        """``query`` split by id prefixes (:func:`.partitions.partitions`), for ``site.to_dask``."""
        from .partitions import partitions

        return partitions(self, query, parts=parts, rows=rows)

    def close(self) -> None:
        self.transport.close()

    # -- schedules (see schedule.py and calendar.py) ---------------------------------------------------
    def schedule_fields(self) -> ScheduleFields:
        """The fields behind ``site.tasks()`` and ``site.timelogs()`` (statuses read once per connection)."""
        with self._lock:
            cached = self._schedule_fields
        if cached is None:
            from .schedule import schedule_fields

            cached = schedule_fields(self)
            with self._lock:
                self._schedule_fields = cached
        return cached

    def calendar(self) -> WorkCalendar:
        """The server's calendar (its events read once per connection)."""
        with self._lock:
            cached = self._calendar
        if cached is None:
            from .schedule import work_calendar

            cached = work_calendar(self)
            with self._lock:
                self._calendar = cached
        return cached

    def work_day_rules(self, start: Any, end: Any, project_id: Any = None, user_id: Any = None
                       ) -> list[dict[str, Any]]:
        """Work-day rules for each day from ``start`` to ``end`` (dates, inclusive): Monday to Friday, with
        the calendar's leave and weekend events (see :mod:`.calendar`)."""
        from .schedule import work_day_rules

        return work_day_rules(self, start, end, project_id, user_id)

    def derived_context(self, needs: set[str]) -> dict[str, Any]:
        """What computed fields read besides the records (:mod:`.derived`), loaded in one POST."""
        expressions: list[tuple[str, str]] = []
        if "resources" in needs:
            expressions += [("users", "select username from User"), ("groups", "select name from Group")]
        if "projects" in needs:
            expressions.append(("projects", "select name from Project"))
        expressions = [(k, e) for k, e in expressions if e.split(" from ")[1] in self.model.props]
        context: dict[str, Any] = {}
        if "calendar" in needs:
            context["calendar"] = self.calendar()
        if not expressions:
            return context
        results = dict(zip([k for k, _ in expressions],
                           self.query([e for _, e in expressions], what="Reading names and calendars")))
        if "users" in results or "groups" in results:
            context["resources"] = {**{r.get("id"): ("User", r.get("username")) for r in results.get("users", [])},
                                    **{r.get("id"): ("Group", r.get("name")) for r in results.get("groups", [])}}
        if "projects" in results:
            context["projects"] = {r.get("id"): r.get("name") for r in results["projects"]}
        return context

    # -- summaries (see summaries.py) -------------------------------------------------------------
    def can_summarize(self, entity: str, summaries: Sequence[Any], grouping: Sequence[Any]) -> bool:
        """Whether the server computes these summaries and groupings; otherwise the local engine does."""
        from .summaries import can_summarize

        return can_summarize(self, entity, summaries, grouping)

    def summarize(self, entity: str, filters: Any, summaries: Sequence[Any], grouping: Sequence[Any], *,
                  include_archived_projects: bool = False) -> SummaryResult:
        """Server-side summaries (strict-API ``group by``); ``filters`` as :meth:`check_filters` returns them."""
        from .summaries import summarize

        if not self.can_summarize(entity, summaries, grouping):
            raise CapabilityError(f"The ftrack backend cannot compute these summaries of {entity} on the server; "
                                  "the local engine computes them (site.summarize falls back to it).",
                                  backend=self.name, capability="summarize")
        query = Query(entity, filters, (ID_SPEC,), (), None, include_archived_projects, False)
        return summarize(self, entity, self._pushed(query), summaries, grouping)


def _check_parentheses(clause: str) -> None:
    """Refuse a clause whose parentheses (outside quoted text) do not balance: it could close the
    parentheses it is sent in and reach the rest of the query."""
    depth, quoted, escaped = 0, False, False
    for ch in clause:
        if quoted:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                break
    if depth != 0 or quoted:
        raise SchemaError(f"The where clause {clause!r} has unbalanced parentheses or quotes; a where clause is "
                          "one condition of ftrack's query language, such as 'status.name is \"In progress\"'.",
                          name="where")


def _rooted(spec: FieldSpec, entity: str) -> FieldSpec:
    """``spec`` carrying the entity type its path starts from (``can_push`` reads it)."""
    if spec.extra.get("root") == entity:
        return spec
    return replace(spec, extra={**spec.extra, "root": entity})


#: Projects and people on an ftrack server (``site.projects()``, ``site.people()``, ``find(project=...)``).
DIRECTORY = Directory(
    project_entity="Project",
    project_name_fields=("name", "full_name"),
    project_fields=("name", "full_name", "status", "start_date", "end_date", "archived"),
    archived_field="archived",
    project_link_field="project",
    user_entity="User",
    user_name_fields=("username", "email"),
    people_fields=("username", "first_name", "last_name", "email", "is_active"),
    active_people=(("is_active", "is", True),),
)
#: What ``trackframes demo`` writes next to the canonical frames.
DEMO_QUERIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "shots": ("Shot", ("name", "parent", "status", "project", "description")),
    "versions": ("AssetVersion", ("version", "asset", "task", "status", "user", "date", "comment")),
}


class _Ready:
    """A page fetched while planning."""

    __slots__ = ("page",)

    def __init__(self, page: Page) -> None:
        self.page = page


def _nothing(request: Any) -> PagingPage[Any]:  # pragma: no cover - a plan without requests never fetches
    raise AssertionError("nothing to fetch")

