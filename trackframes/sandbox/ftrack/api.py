"""The operations endpoint of the ftrack sandbox: one POSTed batch in, one answer out.

A request is a JSON list of operations; the answer is the list of their results
in the same order. Supported: ``query_server_information``, ``query_schemas``,
``query`` (including the strict API's aggregate ``group by`` queries) and
``parse_query``. The sandbox is read-only: ``create``, ``update``, ``delete``
and the other write actions are refused by name.

Authentication: every request carries ``ftrack-user`` and ``ftrack-api-key``; a
missing or wrong pair is HTTP 401 ``InvalidCredentialsError`` (the key is never
echoed). A failing operation fails the whole batch (the spec's transaction
rule) with ``{"exception", "content", "error_code"}``: HTTP 200 for a default
client, the error's own status (400, 500...) when the request carries
``ftrack-strict-api: true``.

Paging: a query page returns at most ``min(limit, page_size_cap)`` rows from
``offset`` and ``metadata.next.offset`` is the offset after the rows *scanned*
(hidden rows of the ``cull_every`` knob count), or ``null`` at the end.

>>> from trackframes.sandbox.ftrack.schemas import standard_schemas, standard_relations
>>> from trackframes.sandbox.ftrack.store import Store
>>> store = Store(standard_schemas(), {"User": [{"id": "u1", "username": "jane"}]}, standard_relations())
>>> api = FtrackApi(store, Knobs(), Stats(), {"jane": "k-123"})
>>> good = {"ftrack-user": "jane", "ftrack-api-key": "k-123"}
>>> api.handle(good, b'[{"action": "query", "expression": "select username from User"}]').body
[{'action': 'query', 'data': [{'__entity_type__': 'User', 'id': 'u1', 'resource_type': 'user', 'username': 'jane'}], 'metadata': {'next': {'offset': None}}}]
>>> bad = api.handle({"ftrack-user": "jane", "ftrack-api-key": "nope"}, b"[]")
>>> bad.status, bad.body["exception"], "nope" in str(bad.body)
(401, 'InvalidCredentialsError', False)
"""

from __future__ import annotations

import hmac
import logging
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import orjson

from .aggregate import check_group_query, group_rows
from .encode import encode_records, projection_tree
from .errors import AuthenticationError, OperationError, ValidationError, suggest
from .evaluate import check_projections, compile_where, matching, order_records
from .expression import parse
from .knobs import Knobs, Stats
from .store import Record, Store
from .syntax import Path, Query

__all__ = ["FtrackApi", "Response", "SERVER_VERSION", "ACTIONS"]

log = logging.getLogger("trackframes.sandbox")

#: The version the sandbox reports (ftrack_api accepts >= 3.3.11).
SERVER_VERSION = "4.13.8.1234"
#: Actions the sandbox answers.
ACTIONS = ("query_server_information", "query_schemas", "query", "parse_query")
_WRITE_ACTIONS = ("create", "update", "delete", "get_widget_url", "encode_media", "get_upload_metadata",
                  "send_review_session_invite", "send_user_invite", "delayed_job", "reset_remote",
                  "permissions", "generate_signed_url")
_MATCH_CACHE = 32


@dataclass
class Response:
    """An answer: ``status``, a JSON-able ``body`` (or ready bytes) and extra ``headers``."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def payload(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else orjson.dumps(self.body)


class FtrackApi:
    """Answers operation batches over a :class:`~.store.Store` (thread-safe).

    Args:
        store: the production served.
        knobs: behaviour switches, read on every request.
        stats: request counters.
        accounts: ``{username: api_key}`` accepted.
        make_record: ``make_record(store, template, rng) -> data`` for the
            ``mutate_creates`` knob; default: a copy of ``template`` with a new id.
    """

    def __init__(self, store: Store, knobs: Knobs, stats: Stats, accounts: Mapping[str, str],
                 make_record: Callable[[Store, Record, Any], dict[str, Any]] | None = None) -> None:
        self.store = store
        self.knobs = knobs
        self.stats = stats
        self._accounts = dict(accounts)
        self._make_record = make_record or _copy_record
        self._lock = threading.Lock()
        self._matches: OrderedDict[Any, list[Record]] = OrderedDict()

    # -- one request --------------------------------------------------------------
    def handle(self, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one POST to ``/api`` (``headers`` with lower-case names)."""
        self.stats.bump("requests")
        denied = self._authenticate(headers)
        if denied is not None:
            return denied
        count = self.stats.bump("authenticated")
        knobs = self.knobs
        every = knobs.rate_limit_every
        if (every and count % every == 0) or (knobs.rate_limit_probability
                                              and knobs.rng.random() < knobs.rate_limit_probability):
            self.stats.bump("rate_limited")
            return Response(429, {"exception": "TooManyRequestsError", "error_code": None,
                                  "content": f"Rate limit exceeded; retry in {knobs.retry_after} s."},
                            {"Retry-After": str(knobs.retry_after)})
        if knobs.error_probability and knobs.rng.random() < knobs.error_probability:
            status = knobs.rng.choice((502, 503, 504))
            self.stats.bump("server_errors")
            text = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}[status]
            return Response(status, f"<html><body><h1>{status} {text}</h1></body></html>".encode(), {},
                            "text/html")
        strict = str(headers.get("ftrack-strict-api", "")).strip().lower() == "true"
        try:
            operations = orjson.loads(body or b"null")
        except orjson.JSONDecodeError:
            return self._error(ValidationError("the request body is not valid JSON; send a JSON list of "
                                               "operations"), strict)
        if not isinstance(operations, list):
            return self._error(ValidationError("the request body must be a JSON list of operations, e.g. "
                                               '[{"action": "query_server_information"}]'), strict)
        results = []
        try:
            for index, operation in enumerate(operations):
                results.append(self._operation(index, operation, strict))
        except OperationError as exc:
            return self._error(exc, strict)
        except Exception:  # a sandbox bug: answer like a server, keep the trace in the log
            log.exception("ftrack sandbox: operation failed")
            return self._error(OperationError("the sandbox failed to answer this request"), strict)
        return Response(200, results)

    def _authenticate(self, headers: Mapping[str, str]) -> Response | None:
        user = headers.get("ftrack-user")
        key = headers.get("ftrack-api-key")
        if not user or not key:
            missing = [h for h, v in (("ftrack-user", user), ("ftrack-api-key", key)) if not v]
            error = AuthenticationError(f"the {' and '.join(missing)} header{'s are' if len(missing) > 1 else ' is'} "
                                        "required")
        else:
            expected = self._accounts.get(user)
            if expected is not None and hmac.compare_digest(expected.encode(), key.encode()):
                return None
            error = AuthenticationError(f'the API key is not valid for user "{user}"')
        return Response(error.status, error.payload(), {"FTRACK_ERROR": error.content})

    @staticmethod
    def _error(exc: OperationError, strict: bool) -> Response:
        return Response(exc.status if strict else 200, exc.payload())

    def _operation(self, index: int, operation: Any, strict: bool) -> Any:
        if not isinstance(operation, dict) or not isinstance(operation.get("action"), str):
            raise ValidationError(f"operation {index} must be an object with an action, not {operation!r}"[:300])
        action = operation["action"]
        if action == "query_server_information":
            return self._server_information(operation.get("values"))
        if action == "query_schemas":
            return self.store.schemas
        if action == "query":
            return self._query(_expression(operation, index), strict)
        if action == "parse_query":
            return {"action": "parse_query", "data": self._parse_query(_expression(operation, index))}
        if action in _WRITE_ACTIONS:
            raise ValidationError(f"the ftrack sandbox is read-only: action {action} is not supported "
                                  f"(supported: {', '.join(ACTIONS)})")
        raise ValidationError(f"unknown action {action!r}{suggest(action, ACTIONS)} "
                              f"(supported: {', '.join(ACTIONS)})")

    def _server_information(self, values: Any) -> dict[str, Any]:
        known = {
            "version": SERVER_VERSION,
            "schema_hash": self.store.schema_hash,
            "is_timezone_support_enabled": True,
            "storage_scenario": {"scenario": "ftrack.automatic", "data": {}},
        }
        if values is None:
            return known
        if not isinstance(values, list):
            raise ValidationError("values must be a list of names, e.g. [\"schema_hash\"]")
        return {"version": SERVER_VERSION, **{v: known[v] for v in values if v in known}}

    # -- query ---------------------------------------------------------------------------
    def _query(self, expression: str, strict: bool) -> dict[str, Any]:
        query = parse(expression)
        self.store.schema(query.entity_type)
        self.stats.bump("queries")
        if query.group_by or query.aggregates:
            if not strict:
                raise ValidationError("group by and aggregate functions need the strict API: send the header "
                                      "ftrack-strict-api: true (ftrack_api: Session(strict_api=True))")
            check_group_query(query)
            return {"action": "query", "data": group_rows(self.store, query), "metadata": {"next": {"offset": None}}}
        projections = [p.dotted for p in query.projections] if query.projections is not None else \
            self.store.default_projections(query.entity_type)
        tree = projection_tree(self.store, query.entity_type, projections)
        self._mutate(query.entity_type)
        rows = self._matching(query)
        knobs = self.knobs
        offset = query.offset or 0
        size = min(knobs.page_size_cap if query.limit is None else query.limit, knobs.page_size_cap)
        page, scanned, hidden = _window(rows, offset, size, knobs.cull_every)
        if hidden:
            self.stats.bump("culled", hidden)
        data = encode_records(self.store, page, tree, references_once=knobs.references_once)
        return {"action": "query", "data": data, "metadata": {"next": {"offset": offset + size if scanned and size else None}}}

    def _matching(self, query: Query) -> list[Record]:
        """Matching rows in order, cached per store version (pages of one query share the work)."""
        key = (query.entity_type, query.where, query.order_by, self.store.version)
        with self._lock:
            found = self._matches.get(key)
            if found is not None:
                self._matches.move_to_end(key)
                return found
        rows = matching(self.store, query.entity_type, query.where, query.order_by)
        with self._lock:
            self._matches[key] = rows
            while len(self._matches) > _MATCH_CACHE:
                self._matches.popitem(last=False)
        return rows

    def _parse_query(self, expression: str) -> Any:
        """``True``, or the message of the first syntax or name error."""
        try:
            query = parse(expression)
            self.store.schema(query.entity_type)
            if query.group_by or query.aggregates:
                check_group_query(query)
            paths = [p for p in query.projections or () if isinstance(p, Path)]
            check_projections(self.store, query.entity_type, paths)
            if query.where is not None:
                compile_where(self.store, query.entity_type, query.where)
            order_records(self.store, query.entity_type, [], query.order_by)
        except OperationError as exc:
            return exc.content
        return True

    # -- knobs -----------------------------------------------------------------------------
    def _mutate(self, entity_type: str) -> None:
        knobs = self.knobs
        if not (knobs.mutate_creates or knobs.mutate_deletes):
            return
        rng = knobs.rng
        with self._lock:
            for _ in range(knobs.mutate_deletes):
                rows = self.store.records(entity_type)
                if rows and self.store.remove(rng.choice(rows)):
                    self.stats.bump("deleted")
            for _ in range(knobs.mutate_creates):
                rows = [r for r in self.store.records(entity_type)
                        if self.store.primary_key(r.type) == ("id",)]
                if rows:
                    template = rng.choice(rows)
                    self.store.add(template.type, self._make_record(self.store, template, rng))
                    self.stats.bump("created")


def _copy_record(store: Store, template: Record, rng: Any) -> dict[str, Any]:
    """A new record like ``template`` (same values and links) with a fresh UUID."""
    return {**template.data, "id": str(uuid.UUID(int=rng.getrandbits(128), version=4))}


def _expression(operation: Mapping[str, Any], index: int) -> str:
    expression = operation.get("expression")
    if not isinstance(expression, str):
        raise ValidationError(f"operation {index} ({operation.get('action')}) needs an expression string")
    return expression


def _window(rows: list[Record], offset: int, size: int, cull_every: int) -> tuple[list[Record], bool, int]:
    """The rows of scan positions ``[offset, offset + size)``, whether scan rows remain after
    them, and how many hidden rows the window held. With culling, visible row ``i`` sits at
    scan position ``i + i // cull_every`` (one hidden row after every ``cull_every``)."""
    if not cull_every:
        return rows[offset:offset + size], offset + size < len(rows), 0
    total = len(rows) + len(rows) // cull_every
    end = offset + size
    first = max(0, offset * cull_every // (cull_every + 1) - 1)
    page = []
    for i in range(first, len(rows)):
        position = i + i // cull_every
        if position >= end:
            break
        if position >= offset:
            page.append(rows[i])
    in_window = max(0, min(end, total) - offset)
    return page, end < total, in_window - len(page)
