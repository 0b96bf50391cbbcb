"""The ShotGrid REST v1.1 backend: schema, validation and fetch plans.

It chooses the paging strategy and leaves the paging itself to
:mod:`trackframes.paging`:

* one request when ``limit`` fits in a page (the server sorts);
* otherwise the record count (``_summarize``) and the id range (two one-record
  searches) come first, in parallel, and the id range is split into ranges of
  about one page that are fetched concurrently with keyset continuation.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Mapping, Sequence

import orjson
import requests

from ...auth import Credential
from ...config import Settings
from ...paging import Page, id_ranges
from ...schema import FieldSpec
from ...deadline import Deadline, current, scope
from ...transport import HeaderAuth, Transport
from ..base import EntityInfo, Plan, Query
from .auth import make_token_provider, token_claims
from .decode import PageDecoder, RawPage
from .errors import is_token_expired, raise_for_response
from .filters import and_, check_filters
from .names import path_name, schema_name
from .resolve import check_entity, resolve_field
from .schema import ID_SPEC, parse_entities, parse_fields

__all__ = ["ShotGridBackend", "API_PREFIX", "HASH_FILTERS"]

API_PREFIX = "/api/v1.1"
HASH_FILTERS = "application/vnd+shotgun.api3_hash+json"
TOKEN_RENEWALS = 3


class ShotGridBackend:
    """Talks to one ShotGrid site. Cheap to build: nothing is sent until asked."""

    name = "shotgrid"

    def __init__(self, settings: Settings, credential: Credential, transport: Transport) -> None:
        self.settings = settings
        self.transport = transport
        self.credential_kind = type(credential).__name__
        self.api = settings.url + API_PREFIX
        self.tokens = make_token_provider(transport, self.api + "/auth/access_token", credential)
        self._lock = threading.Lock()
        self._entities: dict[str, EntityInfo] | None = None
        self._fields: dict[str, dict[str, FieldSpec]] = {}

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

    def get_json(self, path: str, *, what: str, params: Mapping[str, Any] | None = None) -> Any:
        return orjson.loads(self.request("GET", path, what=what, params=params).content)

    # -- schema --------------------------------------------------------------
    def entities(self) -> dict[str, EntityInfo]:
        with self._lock:
            if self._entities is None:
                data = self.get_json("/schema", what="Reading the entity list")["data"]
                self._entities = {name: EntityInfo(name, display, visible)
                                  for name, (display, visible) in sorted(parse_entities(data).items())}
            return self._entities

    def fields(self, entity: str) -> dict[str, FieldSpec]:
        check_entity(entity, self.entities())
        with self._lock:
            cached = self._fields.get(entity)
        if cached is None:
            data = self.get_json(f"/schema/{schema_name(entity)}/fields", what=f"Reading the {entity} schema")["data"]
            cached = parse_fields(entity, data)
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
        known = self.fields(entity)
        if fields is None or fields == "*" or (not isinstance(fields, str) and list(fields) == ["*"]):
            return [ID_SPEC] + [spec for name, spec in known.items() if name != "id"]
        if isinstance(fields, str):
            fields = [f.strip() for f in fields.split(",") if f.strip()]
        out: list[FieldSpec] = [ID_SPEC]
        seen = {"id"}
        for name in fields:
            if not isinstance(name, str):
                raise TypeError(f"Field names must be strings, not {name!r}.")
            if name == "*":
                return self.resolve_fields(entity, "*")
            if name in seen:
                continue
            seen.add(name)
            out.append(resolve_field(entity, name, self.fields, self.entities()))
        return out

    def check_filters(self, entity: str, filters: Any) -> dict[str, Any]:
        check_entity(entity, self.entities())
        return check_filters(entity, filters, self.fields, self.entities())

    # -- reading ---------------------------------------------------------------
    def _options(self, query: Query) -> dict[str, str]:
        params = {}
        if query.retired:
            params["options[return_only]"] = "retired"
        if query.include_archived_projects:
            params["options[include_archived_projects]"] = "true"
        return params

    def search(self, query: Query, filters: Any, *, sort: str, size: int, number: int = 1,
               decoder: PageDecoder | None = None, fields: Sequence[FieldSpec] | None = None,
               raw: bool = False) -> Any:
        """One ``_search`` page: decoded (a nested table and links), or only parsed (``raw=True``)."""
        specs = list(fields if fields is not None else query.fields)
        body = self.search_bytes(query, filters, sort=sort, size=size, number=number, fields=specs)
        decoder = decoder or PageDecoder(specs)
        return decoder.parse(body) if raw else decoder.decode(body)

    def search_bytes(self, query: Query, filters: Any, *, sort: str, size: int, number: int = 1,
                     fields: Sequence[FieldSpec] | None = None) -> bytes:
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
                                what=f"Searching {query.entity}", params=params,
                                body={"filters": filters}, content_type=HASH_FILTERS)
        return response.content

    def summarize_raw(self, entity: str, filters: Any, summary_fields: list[dict[str, Any]],
                      grouping: list[dict[str, Any]] | None = None,
                      include_archived_projects: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {"filters": filters, "summary_fields": summary_fields,
                                "options": {"include_archived_projects": include_archived_projects}}
        if grouping:
            body["grouping"] = grouping
        response = self.request("POST", f"/entity/{path_name(entity)}/_summarize",
                                what=f"Summarizing {entity}", body=body, content_type=HASH_FILTERS)
        return orjson.loads(response.content)["data"]

    def count(self, query: Query) -> int:
        if query.retired:  # _summarize has no return_only option: count the ids instead
            return sum(page.rows for page in self._id_pages(query))
        data = self.summarize_raw(query.entity, query.filters, [{"field": "id", "type": "record_count"}],
                                  include_archived_projects=query.include_archived_projects)
        return int((data.get("summaries") or {}).get("id") or 0)

    def _id_pages(self, query: Query) -> Any:
        from ...paging import fetch_pages

        id_only = Query(query.entity, query.filters, (ID_SPEC,), (), None, query.include_archived_projects,
                        query.retired)
        plan = self.plan(id_only, self.settings.page_size)
        return fetch_pages(plan.requests, plan.fetch, concurrency=self.settings.concurrency)

    def _id_bounds(self, query: Query) -> tuple[int | None, int | None, int | None]:
        """(count, min id, max id), asked for in parallel; count is None for retired records."""
        id_only = [ID_SPEC]

        def edge(sort: str) -> int | None:
            page = self.search(query, query.filters, sort=sort, size=1, fields=id_only)
            ids = page.table.column("id").to_pylist()
            return ids[0] if ids else None

        with ThreadPoolExecutor(3, thread_name_prefix="trackframes-probe") as pool:
            low = pool.submit(edge, "id")
            high = pool.submit(edge, "-id")
            count = None if query.retired else pool.submit(self.count, query)
            return (None if count is None else count.result()), low.result(), high.result()

    def plan(self, query: Query, page_size: int) -> Plan:
        decoder = PageDecoder(query.fields)
        if query.limit is not None and query.limit <= page_size:
            return self._single_plan(query, decoder)
        count, low, high = self._id_bounds(query)
        fetch, finish = self._range_fetch(query, decoder, page_size)
        if low is None or high is None:
            return Plan([], fetch, total=0, assemble=decoder.assemble, finish=finish)
        expected = count if count is not None else page_size * max(1, self.settings.concurrency) * 2
        ranges = [(lo, hi, 0) for lo, hi in id_ranges(low, high, max(expected, 1), page_size)]
        return Plan(ranges, fetch, total=count, assemble=decoder.assemble, finish=finish)

    def _range_fetch(self, query: Query, decoder: PageDecoder, page_size: int) -> tuple[Any, Any]:
        """Fetch an id range; parse at once only when the range continues (``links.next``).

        Otherwise the body is handed back unparsed and :func:`finish` parses it
        later, off the fetching thread, so the next request goes out at once.
        """

        def follow(page: RawPage, request: tuple[int, int, int], full: bool) -> tuple[int, int, int] | None:
            lo, hi, seq = request
            if full and page.rows and page.last_id is not None and page.last_id < hi:
                return (page.last_id + 1, hi, seq + 1)
            return None

        def fetch(request: tuple[int, int, int]) -> Page[Any]:
            lo, hi, seq = request
            filters = and_(query.filters, ["id", "between", [lo, hi]])
            body = self.search_bytes(query, filters, sort="id", size=page_size)
            if _has_next_link(body):
                page = decoder.parse(body)
                return Page(page, page.rows, next=follow(page, request, True), key=(lo, seq))
            return Page(_Unparsed(body, request), 0, next=None, key=(lo, seq))

        def finish(data: Any) -> tuple[RawPage, tuple[int, int, int] | None]:
            if isinstance(data, RawPage):
                return data, None
            page = decoder.parse(data.body)
            # a server that sends no links.next: a full page may still continue
            return page, follow(page, data.request, page.rows >= page_size)

        return fetch, finish

    def _single_plan(self, query: Query, decoder: PageDecoder) -> Plan:
        limit = query.limit or 0
        sort = ",".join(query.order) if query.order else "id"

        def fetch(number: int) -> Page[Any]:
            page = self.search(query, query.filters, sort=sort, size=limit, number=number, decoder=decoder, raw=True)
            # a server that caps page[size] below our limit: follow its pages until the limit is reached
            nxt = number + 1 if page.links.get("next") and page.rows and page.rows * number < limit else None
            return Page(page, page.rows, next=nxt, key=(number,))

        return Plan([1] if limit else [], fetch, total=limit, server_sorted=True, assemble=decoder.assemble)

    def close(self) -> None:
        self.transport.close()

    # -- summaries and schedules (see summaries.py) --
    def summarize(self, entity: str, filters: Any, summaries: Sequence[Any], grouping: Sequence[Any], *,
                  include_archived_projects: bool = False) -> Any:
        """Checked summaries of ``entity`` (``trackframes.summaries.SummaryResult``)."""
        from .summaries import summarize

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

    def schedule_fields(self) -> Any:
        """The fields behind the canonical schedule frames (``trackframes.schedule.ScheduleFields``)."""
        from .summaries import SCHEDULE_FIELDS

        return SCHEDULE_FIELDS


class _Unparsed:
    """A fetched page body waiting to be parsed, with the request that fetched it."""

    __slots__ = ("body", "request")

    def __init__(self, body: bytes, request: tuple[int, int, int]) -> None:
        self.body = body
        self.request = request


def _has_next_link(body: bytes) -> bool:
    """Whether the page's top-level ``links`` has ``next`` (the last ``"links"`` of the body)."""
    at = body.rfind(b'"links"')
    return at >= 0 and b'"next"' in body[at:]
