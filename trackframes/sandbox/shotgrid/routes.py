"""The REST API v1.1 endpoints of the sandbox, independent of the HTTP plumbing.

:class:`ShotGridApi` turns a :class:`Request` into a :class:`Response`. It routes,
authenticates, applies the failure knobs, and delegates filtering, sorting and
summaries to the query and summarize modules. It never raises: bad input gives a
400/404/405 error response, and anything unexpected a logged 500.

The sandbox is read-only: the endpoints that create, update, delete or revive
records answer 405.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable, Mapping

import orjson

from ..model import FieldDef, Store
from . import query as engine
from .auth import TokenService
from .errors import RequestError
from .knobs import Knobs, Stats
from .names import EntityNames
from .params import (Options, PageRequest, QueryString, apply_option, parse_int, split_list)
from .problems import ApiError, bad_request, error_object, method_not_allowed, not_found
from .render import LINK_TYPES, Renderer
from .schema_view import entities_body, entity_body, field_body, fields_body

__all__ = ["Request", "Response", "ShotGridApi", "SHOTGUN_VERSION", "MAX_RULE_DAYS"]

log = logging.getLogger("trackframes.sandbox")

SHOTGUN_VERSION = "v8.0.0-sandbox"
#: Longest span ``/schedule/work_day_rules`` answers (five years).
MAX_RULE_DAYS = 5 * 366
_PREFIXES = ("/api/v1.1", "/api/v1")
_ARRAY_TYPE = "application/vnd+shotgun.api3_array+json"
_HASH_TYPE = "application/vnd+shotgun.api3_hash+json"
_JSON_TYPES = ("application/json", _ARRAY_TYPE, _HASH_TYPE, "")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Request:
    """One HTTP request: ``path`` without the query string; header names lower case."""

    method: str
    path: str
    query: QueryString
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Ctx:
    """What a handler needs besides its path arguments."""

    req: Request
    prefix: str
    renderer: Renderer


class ShotGridApi:
    """All endpoints of one sandbox server.

    Args:
        store: the production the server speaks for.
        tokens: issues and checks access tokens.
        knobs: behaviour switches, read on every request.
        stats: counters updated on every request.
        make_record: ``make_record(store, entity, rng)`` values of a new record,
            used by the mutation knobs.
    """

    def __init__(self, store: Store, tokens: TokenService, knobs: Knobs, stats: Stats,
                 make_record: Callable[..., dict[str, Any]] | None = None) -> None:
        self.store = store
        self.tokens = tokens
        self.knobs = knobs
        self.stats = stats
        self.names = EntityNames(store.entities)
        self._make_record = make_record
        self._renderers = {p: Renderer(store, self.names, p, engine.field_spec, engine.resolve)
                           for p in _PREFIXES}

    # ------------------------------------------------------------------ entry
    def handle(self, req: Request) -> Response:
        """Answer one request; never raises."""
        try:
            return self._dispatch(req)
        except (ApiError, RequestError) as exc:
            return Response(exc.status, {"errors": exc.errors}, dict(getattr(exc, "headers", {}) or {}))
        except Exception:  # noqa: BLE001 - the server must answer, whatever happened
            log.exception("sandbox: unexpected error answering %s %s", req.method, req.path)
            return Response(500, {"errors": [error_object(500, "Unexpected server error; see the server log")]})

    def _dispatch(self, req: Request) -> Response:
        path = req.path
        prefix = next((p for p in _PREFIXES if path == p or path.startswith(p + "/")), None)
        if prefix is None:
            if path in ("", "/"):
                return self._route_and_call(req, "/api/v1.1", [])
            raise not_found(f"No endpoint at {path}; the API is under /api/v1.1")
        segments = [s for s in path[len(prefix):].split("/") if s]
        return self._route_and_call(req, prefix, segments)

    def _route_and_call(self, req: Request, prefix: str, segments: list[str]) -> Response:
        found = self._route(segments)
        if found is None:
            raise not_found(f"No endpoint at {req.path}")
        methods, args, public = found
        handler = methods.get(req.method)
        if handler is None:
            raise method_not_allowed(req.method, sorted(methods))
        if not public:
            self.tokens.verify(req.header("authorization"))
            self._chaos()
        return handler(_Ctx(req, prefix, self._renderers[prefix]), *args)

    def _route(self, s: list[str]) -> tuple[dict[str, Callable[..., Response]], list[str], bool] | None:
        n = len(s)
        if n == 0:
            return {"GET": self.server_info}, [], True
        head = s[0]
        if head == "auth" and s[1:] == ["access_token"]:
            return {"POST": self.access_token}, [], True
        if head == "schema" and n <= 4 and (n < 3 or s[2] == "fields"):
            handler = [self.schema_all, self.schema_entity, self.schema_fields, self.schema_field][n - 1]
            return {"GET": handler}, s[1:n] if n < 3 else [s[1]] + s[3:], False
        if head == "schedule" and s[1:] == ["work_day_rules"]:
            return {"GET": self.work_day_rules}, [], False
        if head != "entity" or n < 2:
            return None
        if n == 2:
            if s[1] == "_text_search":
                return {"POST": self.text_search}, [], False
            return {"GET": self.list_records}, [s[1]], False
        if n == 3 and s[2] == "_search":
            return {"POST": self.search_records}, [s[1]], False
        if n == 3 and s[2] == "_summarize":
            return {"POST": self.summarize_records}, [s[1]], False
        if n == 3 and not s[2].startswith("_"):
            return {"GET": self.read_record}, [s[1], s[2]], False
        if n == 5 and s[3] == "relationships":
            return {"GET": self.relationship}, [s[1], s[2], s[4]], False
        return None

    # ----------------------------------------------------------------- knobs
    def _chaos(self) -> None:
        """Rate limits and random failures for an authenticated request."""
        knobs = self.knobs
        count = self.stats.bump("authenticated")
        limited = bool(knobs.rate_limit_every) and count % knobs.rate_limit_every == 0
        if not limited and knobs.rate_limit_probability:
            limited = knobs.rng.random() < knobs.rate_limit_probability
        if limited:
            raise ApiError.single(429, f"Rate limit exceeded; retry in {knobs.retry_after} s",
                                  headers={"Retry-After": str(int(knobs.retry_after))})
        if knobs.error_probability and knobs.rng.random() < knobs.error_probability:
            status = knobs.rng.choice((502, 503, 504))
            raise ApiError.single(status, "Temporary failure injected by the sandbox (error_probability)")

    def _mutate(self, entity: str) -> None:
        """Create and retire records of ``entity`` as the mutation knobs ask."""
        creates, deletes = self.knobs.mutate_creates, self.knobs.mutate_deletes
        if not creates and not deletes:
            return
        store, rng = self.store, self.knobs.rng
        with store.lock:
            if creates:
                make = self._make_record
                if make is None:
                    from ..data import make_record as make
                for _ in range(creates):
                    store.insert(entity, make(store, entity, rng))
            for _ in range(deletes):
                live = store.records[entity]
                if not live:
                    break
                store.retire(entity, rng.choice(list(live)))

    # ---------------------------------------------------------------- helpers
    def _entity(self, spelling: str) -> str:
        entity = self.names.resolve(spelling)
        if entity is None:
            raise bad_request(f"Unknown entity type {spelling!r}", "entity", "entity is not valid")
        return entity

    def _record_id(self, raw: str) -> int:
        if not raw.isdigit():
            raise bad_request(f"record_id must be a positive integer, not {raw!r}", "record_id",
                              "record_id is not valid")
        return int(raw)

    def _spec(self, entity: str, name: str) -> FieldDef:
        fdef = self.store.entities[entity].fields.get(name)
        return fdef if fdef is not None else engine.field_spec(self.store, entity, name)

    def _fields(self, entity: str, fields: list[str] | None) -> list[str]:
        if fields is not None and not fields:
            return []
        return list(engine.expand_fields(self.store, entity, fields))

    def _json_body(self, req: Request) -> dict[str, Any]:
        if req.content_type not in _JSON_TYPES:
            raise bad_request(f"Unsupported Content-Type {req.content_type!r}; send application/json, "
                              f"{_ARRAY_TYPE} or {_HASH_TYPE}", "Content-Type")
        if not req.body.strip():
            return {}
        try:
            body = orjson.loads(req.body)
        except orjson.JSONDecodeError as exc:
            raise bad_request(f"Malformed JSON body: {exc}", "body", "body is not valid JSON") from None
        if not isinstance(body, dict):
            raise bad_request("The JSON body must be an object", "body", "body is not an object")
        return body

    def _body_filters(self, req: Request, filters: Any, param: str = "filters") -> Any:
        """Filters from a body, checked against the array/hash content types."""
        if filters is None:
            filters = []
        ctype = req.content_type
        is_hash = isinstance(filters, dict)
        if not is_hash and not isinstance(filters, list):
            raise bad_request(f"{param} must be an array of conditions or a hash "
                              "{logical_operator, conditions}", param)
        if ctype == _ARRAY_TYPE and is_hash:
            raise bad_request(f"Content-Type {_ARRAY_TYPE} requires array filters", param)
        if ctype == _HASH_TYPE and not is_hash:
            raise bad_request(f"Content-Type {_HASH_TYPE} requires hash filters "
                              "{logical_operator, conditions}", param)
        return filters

    def _ids(self, entity: str, filters: Any, sort: list[str] | None, options: Options) -> list[int]:
        """Matching ids in order (the query engine caches repeated queries)."""
        return engine.search(self.store, entity, filters, sort, retired=options.retired,
                             include_archived_projects=options.include_archived_projects,
                             tz_offset_hours=options.tz_offset_hours)

    def _page(self, ctx: _Ctx, entity: str, filters: Any, fields: list[str] | None, sort: list[str] | None,
              page: PageRequest, options: Options, path: str) -> Response:
        """One page of records plus the ``self``/``next``/``prev`` links."""
        page.size = min(page.size, self.knobs.page_size_cap)
        names = self._fields(entity, fields)
        columns = ctx.renderer.columns(entity, names)
        filters = engine.normalize_filters(filters)
        engine.validate_filters(self.store, entity, filters)
        self._mutate(entity)
        store = self.store
        with store.lock:
            ids = self._ids(entity, filters, sort, options)
            start = (page.number - 1) * page.size
            table = store.retired[entity] if options.retired else store.records[entity]
            recs = [table[i] for i in ids[start:start + page.size] if i in table]
            data = ctx.renderer.records(entity, recs, columns, self.knobs.relationship_shape)
        q = ctx.req.query
        links = {"self": q.url(path, page)}
        if start + page.size < len(ids):
            links["next"] = q.url(path, PageRequest(page.number + 1, page.size))
        if page.number > 1:
            links["prev"] = q.url(path, PageRequest(page.number - 1, page.size))
        return Response(200, {"data": data, "links": links})

    # -------------------------------------------------------------- endpoints
    def server_info(self, ctx: _Ctx) -> Response:
        return Response(200, {"data": {"shotgun_version": SHOTGUN_VERSION,
                                       "api_version": ctx.prefix.rsplit("/", 1)[-1]}})

    def access_token(self, ctx: _Ctx) -> Response:
        req = ctx.req
        params = self._token_params(req)
        body = self.tokens.grant(params, req.header("authorization"))
        self.stats.bump("tokens_issued")
        return Response(200, body, {"Cache-Control": "no-store"})

    def _token_params(self, req: Request) -> dict[str, str]:
        if req.content_type == "application/json":
            body = self._json_body(req)
            if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in body.values()):
                raise bad_request("access_token parameters must be strings", "body")
            return {k: str(v) for k, v in body.items()}
        if req.content_type not in ("application/x-www-form-urlencoded", ""):
            raise bad_request(f"Unsupported Content-Type {req.content_type!r}; send "
                              "application/x-www-form-urlencoded or application/json", "Content-Type")
        try:
            text = req.body.decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request("The body is not valid UTF-8", "body") from None
        params = dict(QueryString.parse(text).pairs)
        # parameters in the query string are accepted too (body wins)
        return {**dict(req.query.pairs), **params}

    # -- schema
    def _project_id(self, req: Request) -> int | None:
        raw = req.query.get("project_id")
        return None if raw in (None, "") else parse_int(raw, "project_id", 1)

    def schema_all(self, ctx: _Ctx) -> Response:
        return Response(200, entities_body(self.store, ctx.prefix, self._project_id(ctx.req)))

    def schema_entity(self, ctx: _Ctx, spelling: str) -> Response:
        entity = self._entity(spelling)
        return Response(200, entity_body(self.store, self.names, ctx.prefix, entity, self._project_id(ctx.req)))

    def schema_fields(self, ctx: _Ctx, spelling: str) -> Response:
        entity = self._entity(spelling)
        return Response(200, fields_body(self.store, self.names, ctx.prefix, entity, self._project_id(ctx.req)))

    def schema_field(self, ctx: _Ctx, spelling: str, name: str) -> Response:
        entity = self._entity(spelling)
        if name not in self.store.entities[entity].fields:
            raise bad_request(f"Unknown field {name!r} on {entity}", "field_name", "field_name is not valid")
        return Response(200, field_body(self.store, self.names, ctx.prefix, entity, name,
                                        self._project_id(ctx.req)))

    # -- records
    def list_records(self, ctx: _Ctx, spelling: str) -> Response:
        entity = self._entity(spelling)
        q = ctx.req.query
        options = q.options()
        page = q.page()
        filters = q.filters(lambda name: self._spec(entity, name), self.names)
        path = f"{ctx.prefix}/entity/{self.names.plural(entity)}"
        return self._page(ctx, entity, filters, q.fields(), q.sort(), page, options, path)

    def search_records(self, ctx: _Ctx, spelling: str) -> Response:
        entity = self._entity(spelling)
        req, q = ctx.req, ctx.req.query
        body = self._json_body(req)
        filters = self._body_filters(req, body.get("filters"))
        fields = q.fields() if q.has("fields") else (
            None if body.get("fields") is None else split_list(body["fields"], "fields"))
        sort = q.sort() if q.has("sort") else (
            None if body.get("sort") is None else split_list(body["sort"], "sort"))
        page = self._body_page(body.get("page"))
        q.page(page)
        options = self._body_options(body.get("options"))
        q.options(options)
        path = f"{ctx.prefix}/entity/{self.names.plural(entity)}/_search"
        return self._page(ctx, entity, filters, fields, sort, page, options, path)

    def _body_page(self, raw: Any) -> PageRequest:
        page = PageRequest()
        if raw is None:
            return page
        if not isinstance(raw, dict):
            raise bad_request("page must be an object {number, size}", "page")
        if raw.get("number") is not None:
            page.number = parse_int(raw["number"], "page[number]", 1)
        if raw.get("size") is not None:
            page.size = parse_int(raw["size"], "page[size]", 1)
        return page

    def _body_options(self, raw: Any) -> Options:
        options = Options()
        if raw is None:
            return options
        if not isinstance(raw, dict):
            raise bad_request("options must be an object", "options")
        for key, value in raw.items():
            apply_option(options, key, value)
        return options

    def summarize_records(self, ctx: _Ctx, spelling: str) -> Response:
        entity = self._entity(spelling)
        req = ctx.req
        body = self._json_body(req)
        filters = self._body_filters(req, body.get("filters"))
        summary_fields = body.get("summary_fields")
        if not isinstance(summary_fields, list) or not summary_fields:
            raise bad_request("summary_fields must be a non-empty list of {field, type}", "summary_fields")
        grouping = body.get("grouping")
        if grouping is not None and not isinstance(grouping, list):
            raise bad_request("grouping must be a list of {field, type, direction}", "grouping")
        options = self._body_options(body.get("options"))
        req.query.options(options)
        from .summarize import summarize

        with self.store.lock:
            result = summarize(self.store, entity, filters, summary_fields, grouping or None,
                               include_archived_projects=options.include_archived_projects)
        return Response(200, {"data": result})

    def read_record(self, ctx: _Ctx, spelling: str, raw_id: str) -> Response:
        entity = self._entity(spelling)
        rid = self._record_id(raw_id)
        q = ctx.req.query
        options = q.options()
        fields = q.fields()
        names = self._fields(entity, ["*"] if fields is None else fields)
        columns = ctx.renderer.columns(entity, names)
        with self.store.lock:
            rec = self.store.get(entity, rid, retired=options.retired)
            if rec is None:
                raise self._missing(entity, rid, options)
            body = ctx.renderer.single(entity, rec, columns, self.knobs.relationship_shape)
        return Response(200, body)

    def _missing(self, entity: str, rid: int, options: Options) -> ApiError:
        state = "retired " if options.retired else ""
        return not_found(f"No {state}{entity} record with id {rid}")

    def relationship(self, ctx: _Ctx, spelling: str, raw_id: str, name: str) -> Response:
        entity = self._entity(spelling)
        rid = self._record_id(raw_id)
        fdef = self._spec(entity, name)
        if fdef.data_type not in LINK_TYPES:
            raise bad_request(f"{entity}.{name} is a {fdef.data_type} field, not an entity or multi_entity "
                              "field", "related_field", "related_field is not a relationship")
        options = ctx.req.query.options()
        renderer = ctx.renderer
        with self.store.lock:
            rec = self.store.get(entity, rid, retired=options.retired)
            if rec is None:
                raise self._missing(entity, rid, options)
            raw = rec.get(name) if "." not in name else engine.resolve(self.store, entity, rec, name)
            value = renderer.link_value(raw)
        if value is None and fdef.data_type != "entity":
            value = []
        return Response(200, {"data": value, "links": {"self": renderer.relationship_url(entity, rid, name)}})

    def text_search(self, ctx: _Ctx) -> Response:
        req, q = ctx.req, ctx.req.query
        body = self._json_body(req)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("text must be a non-empty string", "text")
        types = body.get("entity_types")
        if not isinstance(types, dict) or not types:
            raise bad_request("entity_types must map entity types to filters", "entity_types")
        kinds = {isinstance(f, dict) for f in types.values() if f}
        if len(kinds) > 1:
            raise bad_request("All filters of entity_types must be in the same format", "entity_types")
        sort = q.sort() if q.has("sort") else (
            None if body.get("sort") is None else split_list(body["sort"], "sort"))
        page = self._body_page(body.get("page"))
        q.page(page)
        page.size = min(page.size, self.knobs.page_size_cap)
        hits: list[tuple[str, dict[str, Any]]] = []
        store = self.store
        plans = []
        for spelling, filters in types.items():
            entity = self._entity(spelling)
            filters = self._body_filters(req, filters, f"entity_types[{spelling}]")
            name_field = store.entities[entity].name_field
            condition = [name_field, "contains", text.strip()]
            combined = ({"logical_operator": "and", "conditions": [condition, filters]}
                        if isinstance(filters, dict) else [condition, *filters])
            combined = engine.normalize_filters(combined)
            engine.validate_filters(store, entity, combined)
            plans.append((entity, combined))
        with store.lock:
            for entity, combined in plans:
                for rid in self._ids(entity, combined, None, Options()):
                    rec = store.records[entity].get(rid)
                    if rec is not None:
                        hits.append((entity, rec))
            hits = _sort_hits(hits, sort)
            start = (page.number - 1) * page.size
            data = []
            for entity, rec in hits[start:start + page.size]:
                columns = ctx.renderer.columns(entity, [store.entities[entity].name_field])
                data.append(ctx.renderer.record(entity, rec, columns, wrapped=False))
        path = f"{ctx.prefix}/entity/_text_search"
        links = {"self": q.url(path, page)}
        if start + page.size < len(hits):
            links["next"] = q.url(path, PageRequest(page.number + 1, page.size))
        if page.number > 1:
            links["prev"] = q.url(path, PageRequest(page.number - 1, page.size))
        return Response(200, {"data": data, "links": links})

    # -- schedule
    def work_day_rules(self, ctx: _Ctx) -> Response:
        q = ctx.req.query
        start = _parse_date(q.get("start_date"), "start_date")
        end = _parse_date(q.get("end_date"), "end_date")
        if end < start:
            raise bad_request("end_date must not be before start_date", "end_date")
        days = (end - start).days + 1
        if days > MAX_RULE_DAYS:
            raise bad_request(f"At most {MAX_RULE_DAYS} days can be asked at once, not {days}", "end_date")
        params = [("start_date", start.isoformat()), ("end_date", end.isoformat())]
        ids: dict[str, int | None] = {}
        for param, entity in (("user_id", "HumanUser"), ("project_id", "Project")):
            raw = q.get(param)
            ids[param] = None if raw in (None, "") else parse_int(raw, param, 1)
            if ids[param] is not None:
                if self.store.get(entity, ids[param]) is None:
                    raise bad_request(f"No {entity} with id {ids[param]}", param)
                params.append((param, str(ids[param])))
        rule = self.store.calendar.rule
        data = [rule(start + timedelta(days=i), ids["project_id"], ids["user_id"]) for i in range(days)]
        path = f"{ctx.prefix}/schedule/work_day_rules"
        return Response(200, {"data": data, "links": {"self": QueryString.sorted_url(path, params)}})


def _parse_date(raw: str | None, param: str) -> date:
    if raw is None or raw == "":
        raise bad_request(f"{param} is required (YYYY-MM-DD)", param, f"{param} is missing")
    if not _DATE.match(raw):
        raise bad_request(f"{param} must be YYYY-MM-DD, not {raw!r}", param)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_request(f"{param} is not a valid date: {raw!r}", param) from None


def _sort_hits(hits: list[tuple[str, dict[str, Any]]], sort: list[str] | None) -> list[tuple[str, dict[str, Any]]]:
    """Text-search hits ordered by ``sort`` (fields missing on a type sort as null, first)."""
    if not sort:
        return hits
    for key in reversed(sort):
        desc = key.startswith("-")
        name = key.lstrip("-+")

        def value(hit: tuple[str, dict[str, Any]], name: str = name) -> tuple[int, float, str]:
            v = hit[1].get(name)
            if v is None:
                return (0, 0.0, "")
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return (1, float(v), "")
            return (2, 0.0, str(v))

        hits = sorted(hits, key=value, reverse=desc)
    return hits
