"""The ShotGrid REST v1.1 backend: schema, validation and fetch plans.

It leaves the choice of requests to :mod:`.plans` (keyset chains, and id
ranges sized from where the records are) and the paging itself to
:mod:`trackframes.paging`.

Every answer is checked before it is trusted: pages must hold a ``data`` array
(:mod:`.decode`), ids must lie inside the requested range and increase
(:mod:`.plans`), and schema, summary and work-day answers must have their
documented shape. Anything else raises
:class:`~trackframes.exceptions.ProtocolError` (:mod:`trackframes.answers`).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Mapping, Sequence

import orjson
import requests

from ...answers import Malformed, Source, loads, member, reading
from ...auth import Credential
from ...arguments import field_names
from ...calls import describe
from ...config import Settings
from ...connections import track
from ...deadline import Deadline, current, scope
from ...schema import FieldSpec
from ...transport import HeaderAuth, Transport
from ...query.filters import Condition, Group
from ...schema import FieldKind
from ..base import Capability, CheckedFilters, Directory, EntityInfo, Plan, Query
from . import plans
from .auth import make_token_provider, token_claims
from .decode import PageDecoder
from .errors import is_token_expired, raise_for_response
from .filters import check_filters, compile_filters, operators
from .names import DIRECTORY, path_name, schema_name
from .plans import summary_data
from .resolve import check_entity, resolve_field
from .schema import ID_SPEC, parse_entities, parse_fields

__all__ = ["ShotGridBackend", "API_PREFIX", "HASH_FILTERS", "MAX_PAGE_SIZE"]

API_PREFIX = "/api/v1.1"
HASH_FILTERS = "application/vnd+shotgun.api3_hash+json"
TOKEN_RENEWALS = 3
#: The largest ``page[size]`` a ShotGrid server honours (the API's documented pages are of 500 records).
MAX_PAGE_SIZE = 500

class ShotGridBackend:
    """Talks to one ShotGrid site. Cheap to build: nothing is sent until asked."""

    name = "shotgrid"
    MAX_PAGE_SIZE = MAX_PAGE_SIZE
    HASH_FILTERS = HASH_FILTERS
    id_kind = FieldKind.INTEGER
    capabilities = frozenset({Capability.READ, Capability.SUMMARIZE, Capability.SCHEDULE,
                              Capability.PROJECT_SCHEMA, Capability.CHANGE_FEED, Capability.IDENTITY,
                              Capability.TEXT_SEARCH, Capability.PARTITION})

    def __init__(self, settings: Settings, credential: Credential, transport: Transport) -> None:
        self.settings = settings
        self.transport = transport
        self.credential_kind = type(credential).__name__
        self.api = settings.url + API_PREFIX
        self.tokens = make_token_provider(transport, self.api + "/auth/access_token", credential)
        self._lock = threading.Lock()
        self._entities: dict[str, EntityInfo] | None = None
        self._fields: dict[str, dict[str, FieldSpec]] = {}
        self.groups_ids = True  # False once the server refused to group by id (see plans.count_by_id)
        self.id_spans: dict[str, tuple[int, int]] = {}  # entity -> (id span, count) of its last read (plans)
        session = getattr(transport, "session", None)
        if session is not None:
            track(session)  # an interrupted fetch aborts its requests in flight (trackframes.connections)

    def __repr__(self) -> str:
        return f"<ShotGridBackend {self.settings.url}>"

    # -- HTTP ----------------------------------------------------------------
    def request(self, method: str, path: str, *, what: str, params: Mapping[str, Any] | None = None,
                body: Any = None, content_type: str = "application/json",
                deadline: Deadline | None = None) -> requests.Response:
        """One authorized request; a 401 "Token Expired" renews the token and sends it again.

        A request can outlive a short token while it waits out rate limits, so
        renewal is allowed a few times before the 401 is reported. The bearer
        header stays a :class:`~trackframes.auth.Secret` until it is written to
        the wire (:class:`~trackframes.transport.HeaderAuth`). ``deadline`` (else
        the surrounding :func:`trackframes.deadline.scope`'s) bounds the token
        requests and every retry of this request together.
        """
        data = None if body is None else orjson.dumps(body)
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = content_type
        with scope(deadline or current() or self.transport.new_deadline(what)):
            for attempt in range(1, TOKEN_RENEWALS + 2):
                authorization = self.tokens.authorization()
                response = self.transport.request(method, self.api + path, params=params, data=data,
                                                  headers=headers, auth=HeaderAuth(authorization), what=what)
                if attempt <= TOKEN_RENEWALS and is_token_expired(response):
                    self.tokens.expire(authorization)
                    continue
                raise_for_response(response, what=what, credential=self.credential_kind)
                return response
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, method: str, path: str, *, what: str, expect: type | tuple[type, ...],
             parse: Callable[[Any], Any] | None = None, params: Mapping[str, Any] | None = None,
             body: Any = None, content_type: str = "application/json") -> Any:
        """One request whose answer's ``data`` must be of type ``expect``; ``parse(data)`` runs on it.

        A body that is not JSON, or ``data`` of another shape (or ``parse``
        raising :class:`~trackframes.answers.Malformed`), raises ``ProtocolError``.
        """
        what = describe(what)
        response = self.request(method, path, what=what, params=params, body=body, content_type=content_type)
        content = response.content
        with reading(Source(what, f"{method} {API_PREFIX}{path}"), content):
            data = member(loads(content), "data", expect)
            return data if parse is None else parse(data)

    def get_json(self, path: str, *, what: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A GET whose answer must be a JSON object (checked; see :meth:`read` for ``data``)."""
        what = describe(what)
        response = self.request("GET", path, what=what, params=params)
        with reading(Source(what, f"GET {API_PREFIX}{path}"), response.content):
            parsed = loads(response.content)
            if not isinstance(parsed, dict):
                raise Malformed("JSON of the wrong shape (not an object)")
            return parsed

    # -- schema --------------------------------------------------------------
    def entities(self) -> dict[str, EntityInfo]:
        with self._lock:
            if self._entities is None:
                parsed = self.read("GET", "/schema", what="Reading the entity list", expect=dict,
                                   parse=parse_entities)
                self._entities = {name: EntityInfo(name, display, visible)
                                  for name, (display, visible) in sorted(parsed.items())}
            return self._entities

    def fields(self, entity: str) -> dict[str, FieldSpec]:
        check_entity(entity, self.entities())
        with self._lock:
            cached = self._fields.get(entity)
        if cached is None:
            cached = self.read("GET", f"/schema/{schema_name(entity)}/fields", what=f"Reading the {entity} schema",
                               expect=dict, parse=lambda data: parse_fields(entity, data))
            with self._lock:
                self._fields[entity] = cached
        return cached

    def identity(self) -> dict[str, Any]:
        """Who the token belongs to, as far as the token says (best effort, unverified)."""
        self.tokens.header()
        return token_claims(self.tokens.identity_token())

    # -- validation -------------------------------------------------------------
    def resolve_fields(self, entity: str, fields: Sequence[str] | str | None) -> list[FieldSpec]:
        check_entity(entity, self.entities())
        names, every = field_names(fields)
        out = [ID_SPEC] + [resolve_field(entity, name, self.fields, self.entities()) for name in names]
        if every:
            return [ID_SPEC] + [spec for name, spec in self.fields(entity).items() if name != "id"]
        return out

    def check_filters(self, entity: str, filters: Any) -> CheckedFilters:
        """The checked tree and its hash form (what ``_search`` and ``_summarize`` send)."""
        check_entity(entity, self.entities())
        tree = check_filters(entity, filters, self.fields, self.entities())
        return CheckedFilters(tree, compile_filters(tree))

    def can_push(self, condition: Condition, spec: FieldSpec | None) -> bool:
        """Every relation of the filter syntax is the server's own: everything is sent."""
        return True

    def operators(self, spec: FieldSpec) -> tuple[str, ...]:
        """The relations the API's table allows for the field's data type."""
        return operators(spec)

    def directory(self) -> Directory:
        """Projects are ``Project`` records, people ``HumanUser`` records (see :mod:`.names`)."""
        return DIRECTORY

    def check_page_size(self, page_size: int) -> None:
        """Refuse a ``page_size`` above what the server documents (it would cap it silently)."""
        if isinstance(page_size, int) and not isinstance(page_size, bool) and page_size > MAX_PAGE_SIZE:
            raise ValueError(
                f"page_size={page_size} is more than {MAX_PAGE_SIZE}, the most records a ShotGrid server sends "
                f"in one page; it would cap larger pages. Use a page_size from 1 to {MAX_PAGE_SIZE}.")

    # -- reading ---------------------------------------------------------------
    def _options(self, query: Query) -> dict[str, str]:
        params = {}
        if query.retired:
            params["options[return_only]"] = "retired"
        if query.include_archived_projects:
            params["options[include_archived_projects]"] = "true"
        return params

    def search_source(self, entity: str) -> Source:
        return Source(describe(f"Searching {entity}"), f"POST {API_PREFIX}/entity/{path_name(entity)}/_search")

    def search(self, query: Query, filters: Any, *, sort: str, size: int, number: int = 1,
               decoder: PageDecoder | None = None, fields: Sequence[FieldSpec] | None = None,
               raw: bool = False, source: Source | None = None) -> Any:
        """One ``_search`` page: decoded (a nested table and links), or only parsed (``raw=True``)."""
        specs = list(fields if fields is not None else query.fields)
        source = source or self.search_source(query.entity)
        body = self.search_bytes(query, filters, sort=sort, size=size, number=number, fields=specs,
                                 what=source.call)
        decoder = decoder or PageDecoder(specs)
        return decoder.parse(body, source) if raw else decoder.decode(body, source)

    def search_bytes(self, query: Query, filters: Any, *, sort: str, size: int, number: int = 1,
                     fields: Sequence[FieldSpec] | None = None, what: str | None = None) -> bytes:
        """The body of one ``_search`` page, unparsed."""
        specs = list(fields if fields is not None else query.fields)
        params = {
            "fields": ",".join(s.name for s in specs if s.name != "id") or "id",
            "sort": sort,
            "page[size]": str(size),
            "page[number]": str(number),
            **self._options(query),
        }
        response = self.request("POST", f"/entity/{path_name(query.entity)}/_search",
                                what=what or describe(f"Searching {query.entity}"), params=params,
                                body={"filters": filters}, content_type=HASH_FILTERS)
        return response.content

    def summarize_raw(self, entity: str, filters: Any, summary_fields: list[dict[str, Any]],
                      grouping: list[dict[str, Any]] | None = None,
                      include_archived_projects: bool = False) -> dict[str, Any]:
        """The ``data`` object of one ``_summarize`` answer (its ``summaries`` and ``groups`` checked)."""
        body: dict[str, Any] = {"filters": filters, "summary_fields": summary_fields,
                                "options": {"include_archived_projects": include_archived_projects}}
        if grouping:
            body["grouping"] = grouping
        return self.read("POST", f"/entity/{path_name(entity)}/_summarize", what=f"Summarizing {entity}",
                         expect=dict, parse=summary_data, body=body, content_type=HASH_FILTERS)

    def count(self, query: Query) -> int | None:
        """The server's record count, or ``None`` for retired records (``_summarize`` cannot count those:
        the site then counts their ids)."""
        if query.retired:
            return None
        return self.count_filters(query.entity, query.filters, query.include_archived_projects)

    def count_filters(self, entity: str, filters: Any, include_archived_projects: bool) -> int:
        """One ``_summarize`` record count of ``entity`` for checked ``filters``."""
        def record_count(data: dict[str, Any]) -> int:
            data = summary_data(data)
            value = (data.get("summaries") or {}).get("id")
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise Malformed(f"JSON of the wrong shape (the record count is {value!r}, not a whole number)")
            return value

        return self.read("POST", f"/entity/{path_name(entity)}/_summarize", what=f"Counting {entity}",
                         expect=dict, parse=record_count, content_type=HASH_FILTERS,
                         body={"filters": filters, "summary_fields": [{"field": "id", "type": "record_count"}],
                               "options": {"include_archived_projects": include_archived_projects}})

    def plan(self, query: Query, page_size: int) -> Plan:
        """How to fetch ``query`` (:func:`.plans.plan`: keyset chains and id ranges sized from id buckets)."""
        self.check_page_size(page_size)
        return plans.plan(self, query, page_size)

    def partitions(self, query: Query, *, parts: int | None = None, rows: int = 50_000) -> list[Any]:
        """``query`` split into id ranges (:func:`.partitions.partitions`), for ``site.to_dask``."""
        from .partitions import partitions

        return partitions(self, query, parts=parts, rows=rows)

    def close(self) -> None:
        self.transport.close()

    # -- summaries and schedules (see summaries.py) --
    def summarize(self, entity: str, filters: Any, summaries: Sequence[Any], grouping: Sequence[Any], *,
                  include_archived_projects: bool = False) -> Any:
        """Checked summaries of ``entity`` (``trackframes.summaries.SummaryResult``).

        ``filters`` is what :meth:`check_filters` returned, its checked tree, or its hash form.
        """
        from .summaries import summarize

        if isinstance(filters, CheckedFilters):
            filters = filters.native
        elif isinstance(filters, Group):
            filters = compile_filters(filters)
        return summarize(self, entity, filters, summaries, grouping,
                         include_archived_projects=include_archived_projects)

    def entities_in_project(self, project_id: int) -> dict[str, EntityInfo]:
        """Entity types with their visibility in one project."""
        from .summaries import entities_in_project

        return entities_in_project(self, project_id)

    def fields_in_project(self, entity: str, project_id: int) -> dict[str, FieldSpec]:
        """Fields of ``entity`` with their visibility in one project (not cached)."""
        from .summaries import fields_in_project

        return fields_in_project(self, entity, project_id)

    def work_day_rules(self, start: Any, end: Any, project_id: int | None = None,
                       user_id: int | None = None) -> list[dict[str, Any]]:
        """Work-day rules for each day from ``start`` to ``end`` (dates, inclusive)."""
        from .summaries import work_day_rules

        return work_day_rules(self, start, end, project_id, user_id)

    def text_search(self, text: str, entity_types: Any = None, *, limit: int | None = 100) -> Any:
        """Matches of ``text`` over several entity types (``_text_search``), as a frame."""
        from .search import text_search

        return text_search(self, text, entity_types, limit=limit)

    def demo_queries(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Shots and versions, which ``trackframes demo`` writes next to the canonical frames."""
        from .names import DEMO_QUERIES

        return DEMO_QUERIES

    def schedule_fields(self) -> Any:
        """The fields behind the canonical schedule frames (``trackframes.schedule.ScheduleFields``)."""
        from .summaries import SCHEDULE_FIELDS

        return SCHEDULE_FIELDS

    # -- change feed (see changes.py) --
    def changed_since(self, entity: str, since: Any) -> Any:
        """A filter matching records of ``entity`` changed at or after ``since`` (``None``: no ``updated_at``)."""
        from .changes import changed_since

        return changed_since(self, entity, since)

    def deleted_since(self, entity: str, since: Any) -> Any:
        """Ids of the retired records of ``entity`` (every one: the API does not say when they were retired)."""
        from .changes import deleted_since

        return deleted_since(self, entity, since)

