"""Routing of the sandbox's REST API v1.1, independent of the HTTP plumbing.

:class:`ShotGridApi` turns a :class:`~.exchange.Request` into a
:class:`~.exchange.Response`: it routes, authenticates, applies the rate-limit and
failure knobs, and answers the small endpoints itself (server info, access
tokens, schema, work-day rules); the ``/entity`` endpoints live in :mod:`.records`.
It never raises: bad input gives a 400/404/405 error response and anything
unexpected a logged 500.

The sandbox is read-only: methods that would create, update, delete or revive
records answer 405.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from typing import Any, Callable

from .model import Store
from . import query as engine
from .auth import TokenService
from .errors import RequestError
from .exchange import Ctx, Request, Response
from .knobs import Knobs, Stats
from .names import EntityNames
from .params import QueryString, json_body, parse_int
from .problems import ApiError, bad_request, error_object, method_not_allowed, not_found
from .records import RecordEndpoints
from .render import Renderer
from .schema_view import entities_body, entity_body, field_body, fields_body

__all__ = ["ShotGridApi", "SHOTGUN_VERSION", "MAX_RULE_DAYS"]

log = logging.getLogger("trackframes.sandbox")

SHOTGUN_VERSION = "v8.0.0-sandbox"
#: Longest span ``/schedule/work_day_rules`` answers (five years).
MAX_RULE_DAYS = 5 * 366
_PREFIXES = ("/api/v1.1", "/api/v1")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
        self.records = RecordEndpoints(store, self.names, knobs, make_record)
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
        return handler(Ctx(req, prefix, self._renderers[prefix]), *args)

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
                return {"POST": self.records.text_search}, [], False
            return {"GET": self.records.list_records}, [s[1]], False
        if n == 3 and s[2] == "_search":
            return {"POST": self.records.search_records}, [s[1]], False
        if n == 3 and s[2] == "_summarize":
            return {"POST": self.records.summarize_records}, [s[1]], False
        if n == 3 and not s[2].startswith("_"):
            return {"GET": self.records.read_record}, [s[1], s[2]], False
        if n == 5 and s[3] == "relationships":
            return {"GET": self.records.relationship}, [s[1], s[2], s[4]], False
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

    # -------------------------------------------------------------- endpoints
    def server_info(self, ctx: Ctx) -> Response:
        return Response(200, {"data": {"shotgun_version": SHOTGUN_VERSION,
                                       "api_version": ctx.prefix.rsplit("/", 1)[-1]}})

    def access_token(self, ctx: Ctx) -> Response:
        req = ctx.req
        params = self._token_params(req)
        body = self.tokens.grant(params, req.header("authorization"))
        self.stats.bump("tokens_issued")
        return Response(200, body, {"Cache-Control": "no-store"})

    def _token_params(self, req: Request) -> dict[str, str]:
        """The grant parameters: a form-encoded body (as documented) or a JSON object."""
        if req.content_type == "application/json":
            body = json_body(req.content_type, req.body)
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
        return dict(QueryString.parse(text).pairs)

    # -- schema
    def _project_id(self, req: Request) -> int | None:
        raw = req.query.get("project_id")
        return None if raw in (None, "") else parse_int(raw, "project_id", 1)

    def schema_all(self, ctx: Ctx) -> Response:
        return Response(200, entities_body(self.store, ctx.prefix, self._project_id(ctx.req)))

    def schema_entity(self, ctx: Ctx, spelling: str) -> Response:
        entity = self.records.entity(spelling)
        return Response(200, entity_body(self.store, self.names, ctx.prefix, entity, self._project_id(ctx.req)))

    def schema_fields(self, ctx: Ctx, spelling: str) -> Response:
        entity = self.records.entity(spelling)
        return Response(200, fields_body(self.store, self.names, ctx.prefix, entity, self._project_id(ctx.req)))

    def schema_field(self, ctx: Ctx, spelling: str, name: str) -> Response:
        entity = self.records.entity(spelling)
        if name not in self.store.entities[entity].fields:
            raise bad_request(f"Unknown field {name!r} on {entity}", "field_name", "field_name is not valid")
        return Response(200, field_body(self.store, self.names, ctx.prefix, entity, name,
                                        self._project_id(ctx.req)))

    # -- schedule
    def work_day_rules(self, ctx: Ctx) -> Response:
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
