"""The Kitsu backend: Zou's REST API (``/api/data/...``) read into typed frames.

The site URL is Zou's API root, as gazu takes it (``https://kitsu.yourstudio.com/api``).
Schema (:mod:`.models`, :mod:`.schema`), filters (:mod:`.pushdown`), reading
(:mod:`.read`), link names (:mod:`.lookups`) and records (:mod:`.decode`) live
in their own modules; this one holds the HTTP session and the backend contract.
Every request carries the bearer token of :mod:`.auth`; a token the server
refuses (expired, revoked) is renewed once and the request sent again.

>>> import trackframes as tf
>>> site = tf.connect("https://kitsu.studio.example/api", backend="kitsu", auth=tf.UserPassword("a@b.c", "pw"))
>>> site.backend
<KitsuBackend https://kitsu.studio.example/api>
>>> sorted(site.entity_types())[:4]
['Asset', 'AssetType', 'Comment', 'DayOff']
"""

from __future__ import annotations

import threading
from typing import Any, Mapping, Sequence

import requests

from ...answers import Malformed, Source, json_type, loads, reading
from ...arguments import field_names
from ...auth import Credential
from ...calls import describe
from ...config import Settings
from ...connections import track
from ...deadline import current, scope
from ...exceptions import TrackframesError
from ...query.filters import Condition, Group, parse_filters, walk
from ...schema import FieldKind, FieldSpec
from ...transport import HeaderAuth, Transport
from ..base import Capability, CheckedFilters, Directory, EntityInfo, Plan, Query
from .auth import make_token_provider, token_claims
from .changes import Feed
from .check import RELATIONS, check_condition
from .errors import is_token_refused, raise_for_response
from .lookups import Lookups
from .models import MODELS
from .pushdown import Native, can_push, compile_filters
from .read import Reader
from .schema import ID_SPEC, check_entity, custom_specs, model_specs, resolve

__all__ = ["KitsuBackend", "MAX_PAGE_SIZE"]

#: Zou's list routes are read unpaged (see :mod:`.read`); ``page_size`` does not apply to them.
MAX_PAGE_SIZE = 100_000


class KitsuBackend:
    """Talks to one Zou server. Cheap to build: nothing is sent until asked."""

    name = "kitsu"
    MAX_PAGE_SIZE = MAX_PAGE_SIZE
    id_kind = FieldKind.TEXT
    capabilities = frozenset({Capability.READ, Capability.SCHEDULE, Capability.CHANGE_FEED, Capability.IDENTITY,
                              Capability.PARTITION})

    def __init__(self, settings: Settings, credential: Credential, transport: Transport) -> None:
        self.settings = settings
        self.transport = transport
        self.api = settings.url
        self.concurrency = settings.concurrency
        self.credential_kind = type(credential).__name__
        self.tokens = make_token_provider(transport, self.api, credential)
        self.lookups = Lookups(self.get_json, concurrency=settings.concurrency)
        self.reader = Reader(self)
        self.feed = Feed(self)
        self._lock = threading.Lock()
        self._descriptors: list[dict[str, Any]] | None = None
        self._role: str | None = None
        self._fields: dict[str, dict[str, FieldSpec]] = {}
        session = getattr(transport, "session", None)
        if session is not None:
            track(session)

    def __repr__(self) -> str:
        return f"<KitsuBackend {self.api}>"

    # -- HTTP ------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, what: str, params: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None) -> requests.Response:
        """One authorized request to ``<api>/<path>`` (``headers``: extra ones); a refused token is renewed once."""
        what = describe(what)
        with scope(current() or self.transport.new_deadline(what)):
            for attempt in (1, 2):
                authorization = self.tokens.authorization()
                response = self.transport.request(method, f"{self.api}/{path}", params=params, what=what,
                                                  auth=HeaderAuth(authorization), headers={"Accept": "application/json", **(headers or {})})
                if attempt == 1 and is_token_refused(response):
                    self.tokens.expire(authorization)
                    continue
                raise_for_response(response, what=what, credential=self.credential_kind)
                return response
        raise AssertionError("unreachable")  # pragma: no cover

    def get_bytes(self, path: str, params: Mapping[str, str], *, what: str) -> bytes:
        """The body of ``GET /data/<path>``."""
        return self.request("GET", f"data/{path}", params=params, what=what).content

    def get_json(self, path: str, params: Mapping[str, str], what: str) -> Any:
        """``GET /data/<path>``, parsed: a list or an object (anything else raises ``ProtocolError``)."""
        what = describe(what)
        body = self.get_bytes(path, params, what=what)
        with reading(Source(what, f"GET /data/{path}"), body):
            parsed = loads(body)
            if not isinstance(parsed, (list, dict)):
                raise Malformed(f"JSON of the wrong shape ({json_type(parsed)} instead of a list or an object)")
            return parsed

    # -- schema ----------------------------------------------------------------------------
    def entities(self) -> dict[str, EntityInfo]:
        return {name: EntityInfo(name, _display(name)) for name in MODELS}

    def descriptors(self) -> list[dict[str, Any]]:
        """Every metadata descriptor (custom field) of the projects this account sees, read once."""
        with self._lock:
            if self._descriptors is not None:
                return self._descriptors
        found = self.get_json("metadata-descriptors", {}, "Reading the custom fields")
        rows = [d for d in found if isinstance(d, dict)] if isinstance(found, list) else []
        with self._lock:
            self._descriptors = rows
        return rows

    def fields(self, entity: str) -> dict[str, FieldSpec]:
        """Fields of ``entity``: its columns, then its custom fields (``data.<field>``)."""
        check_entity(entity)
        with self._lock:
            cached = self._fields.get(entity)
        if cached is None:
            cached = model_specs(entity)
            if MODELS[entity].descriptors:
                cached.update(custom_specs(entity, self.descriptors()))
            with self._lock:
                self._fields[entity] = cached
        return cached

    def filter_specs(self, entity: str) -> dict[str, FieldSpec]:
        return self.fields(entity)

    def resolve_fields(self, entity: str, fields: Sequence[str] | str | None) -> list[FieldSpec]:
        check_entity(entity)
        names, every = field_names(fields)
        out = [ID_SPEC] + [resolve(entity, name, self.fields) for name in names]
        if every:
            return [ID_SPEC] + [spec for name, spec in self.fields(entity).items() if name != "id"]
        return _without_link_parts(out)

    # -- filters ---------------------------------------------------------------------------
    def check_filters(self, entity: str, filters: Any) -> Any:
        """Filters checked against the schema before anything is sent (:mod:`.check`): the checked tree,
        and its compiled form when Zou can answer all of it (else the site sends a part, see ``can_push``)."""
        check_entity(entity)
        specs: dict[str, FieldSpec] = {}

        def checked(node: Any) -> Any:
            if isinstance(node, Group):
                return Group(node.op, tuple(checked(item) for item in node.items))
            spec = specs.get(node.path) or resolve(entity, node.path, self.fields)
            specs[node.path] = spec
            return check_condition(node, spec)

        tree = checked(filters if isinstance(filters, Group) else parse_filters(filters))
        native = compile_filters(tree, specs) if all(can_push(c, specs[c.path]) for c in walk(tree)) else None
        return CheckedFilters(tree, native)

    def can_push(self, condition: Condition, spec: FieldSpec | None) -> bool:
        """Whether Zou answers ``condition`` exactly (see :mod:`.pushdown`)."""
        return spec is not None and can_push(condition, spec)

    def operators(self, spec: FieldSpec) -> tuple[str, ...]:
        """The relations a field takes (:data:`.check.RELATIONS`)."""
        return RELATIONS.get(spec.kind, ())

    def directory(self) -> Any:
        """Kitsu's projects and people: Project (``archived``: its status is Closed) and Person."""
        return Directory(project_entity="Project", project_name_fields=("name",),
                         project_fields=("name", "code", "production_type", "project_status", "start_date",
                                         "end_date", "archived"),
                         archived_field="archived", project_link_field="project", user_entity="Person",
                         user_name_fields=("email", "full_name"),
                         people_fields=("full_name", "email", "role", "departments", "active"),
                         active_people=(("active", "is", True),))

    def check_page_size(self, page_size: int) -> None:
        """Zou's lists are read unpaged (see :mod:`.read`): any ``page_size`` is fine."""

    # -- reading ---------------------------------------------------------------------------
    def plan(self, query: Query, page_size: int) -> Plan:
        return self.reader.plan(_native_query(self, query))

    def partitions(self, query: Query, *, parts: int | None = None, rows: int = 50_000) -> list[Any]:
        """``query`` split by project (:func:`.partitions.partitions`), for ``site.to_dask``."""
        from .partitions import partitions

        return partitions(self, query, parts=parts, rows=rows)

    def count(self, query: Query) -> int:
        """Zou's count when it answers the whole filter (:meth:`.read.Reader.count`), else the rows read."""
        from ...paging import fetch_pages

        query = _native_query(self, query)
        counted = self.reader.count(query)
        if counted is not None:
            return counted
        plan = self.plan(query, 0)
        total = 0
        for page in fetch_pages(plan.requests, plan.fetch, concurrency=self.concurrency):
            parsed, _ = plan.finish(page.data)
            total += parsed.rows
        return total

    def role(self) -> str | None:
        """The account's role in Zou (``admin``, ``manager``, ``supervisor``, ``user``, ``client``, ``vendor``),
        asked once."""
        with self._lock:
            if self._role is not None:
                return self._role or None
        role = self.identity().get("role")
        with self._lock:
            self._role = role if isinstance(role, str) else ""
        return role if isinstance(role, str) else None

    def identity(self) -> dict[str, Any]:
        """Who the connection acts as: ``GET /auth/authenticated`` (id, email, name, role, bot or not;
        ``sub`` and ``user_type`` name the account as the login form shows it)."""
        response = self.request("GET", "auth/authenticated", what="Reading who is signed in")
        with reading(Source("Reading who is signed in", "GET /auth/authenticated"), response.content):
            parsed = loads(response.content)
            user = parsed.get("user") if isinstance(parsed, dict) else None
            if not isinstance(user, dict):
                raise Malformed("JSON of the wrong shape (no \"user\" object)")
        claims = token_claims(self.tokens.identity_token())
        bot = bool(user.get("is_bot"))
        with self._lock:
            self._role = user.get("role") if isinstance(user.get("role"), str) else ""
        return {"sub": user.get("email") or user.get("full_name"), "user_type": "bot" if bot else user.get("role"),
                "id": user.get("id"), "email": user.get("email"), "name": user.get("full_name"),
                "role": user.get("role"), "is_bot": bot, "expires": claims.get("exp")}

    # -- change feed (see changes.py) -------------------------------------------------------
    def changed_since(self, entity: str, since: Any) -> Any:
        """A filter of the records changed since ``since``, or ``None`` when the event log is out of reach."""
        check_entity(entity)
        return self.feed.changed_since(entity, since)

    def deleted_since(self, entity: str, since: Any) -> Any:
        """Ids of the records of ``entity`` deleted since ``since`` (Zou's event log)."""
        check_entity(entity)
        return self.feed.deleted_since(entity, since)

    # -- schedules (see schedule.py) ---------------------------------------------------------
    def schedule_fields(self) -> Any:
        """The fields behind the canonical ``tasks()`` and ``timelogs()`` frames."""
        from .schedule import schedule_fields

        return schedule_fields(self)

    def work_day_rules(self, start: Any, end: Any, project_id: Any = None, user_id: Any = None) -> list[dict[str, Any]]:
        """Work-day rules from ``start`` to ``end`` (dates, inclusive): Monday to Friday, less day-offs."""
        from .schedule import work_day_rules

        return work_day_rules(self, start, end, project_id, user_id)

    def demo_queries(self) -> dict[str, tuple[str, list[str]]]:
        """What a demo writes besides the canonical frames: shots and assets with their links."""
        return {"shots": ("Shot", ["name", "parent", "nb_frames", "status", "project"]),
                "assets": ("Asset", ["name", "entity_type", "status", "project"])}

    def close(self) -> None:
        self.transport.close()


def _without_link_parts(specs: list[FieldSpec]) -> list[FieldSpec]:
    """``specs`` less a dotted ``<link>.id``/``<link>.name`` whose link is there too: the link's own
    columns already hold it (and two columns cannot share a name)."""
    links = {s.name for s in specs if s.kind is FieldKind.ENTITY}
    return [s for s in specs if not (s.name.rpartition(".")[0] in links and s.name.rpartition(".")[2] in ("id", "name"))]


def _display(name: str) -> str:
    out = "".join(f" {c}" if c.isupper() else c for c in name).strip()
    return out


def _native_query(backend: KitsuBackend, query: Query) -> Query:
    """``query`` whose ``filters`` are compiled for Zou (the site passes them compiled; a query built by
    hand may carry the tree only, when every condition of it can be sent)."""
    if isinstance(query.filters, Native):
        return query
    tree = query.filters if isinstance(query.filters, Group) else query.tree
    specs = {c.path: resolve(query.entity, c.path, backend.fields) for c in walk(tree)}
    if not all(can_push(c, specs[c.path]) for c in walk(tree)):
        raise TrackframesError(f"Part of this filter must run on the fetched rows, which only the site does: "
                               f"{tree.to_dict()!r}; use site.find.")
    from dataclasses import replace

    return replace(query, filters=compile_filters(tree, specs))
