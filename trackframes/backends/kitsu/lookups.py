"""Small cached look-ups: other records by id, for link names, link types and dotted fields.

Zou's records carry foreign keys only (``task_type_id``); the names a frame
shows (``task_type.name``) come from here. Two kinds of look-up:

* **directories**, the short lists a studio has few of (projects, people,
  task types and statuses, departments, asset and entity types, project
  statuses): read whole, once, and kept for :data:`TTL` seconds; an id that is
  not in a directory makes it read again (at most every :data:`REREAD_AFTER`
  seconds), so a record created a moment ago is still named;
* **records by id** (entities, tasks, preview files, comments, ...): read with
  ``id=[...]`` in chunks that keep the URL short (:func:`chunks`), several at
  once, and kept for :data:`TTL` seconds too.

>>> ids = [f"{i:032x}" for i in range(200)]
>>> parts = chunks(ids, budget=1000)
>>> sum(parts, []) == ids, len(parts), all(len(quote(in_value(p), safe="")) <= 1000 for p in parts)
(True, 9, True)
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import quote

import orjson

from ...paging import gather
from .models import KIND_OF_TYPE, MODELS

__all__ = ["Lookups", "DIRECTORIES", "LOOKUP_FIELDS", "TTL", "URL_BUDGET", "chunks", "in_value", "route_of"]

#: Seconds a looked-up record is trusted (a rename shows after at most this long).
TTL = 60.0
#: Bytes of query string one ``IN`` list may take: Zou's gunicorn refuses request lines over 4094 bytes.
URL_BUDGET = 3000
#: Seconds after which an id missing from a directory makes it read again (not on every call).
REREAD_AFTER = 2.0
#: Columns every look-up by id asks for besides those its caller reads (names, kinds, projects).
LOOKUP_FIELDS = ("name", "project_id", "entity_type_id", "parent_id")
#: Routes read whole (few records) rather than by id.
DIRECTORIES = frozenset({"projects", "persons", "task-types", "task-status", "departments", "asset-types",
                         "entity-types", "project-status", "organisations"})

FetchJson = Callable[[str, Mapping[str, str], str], Any]


def in_value(values: Sequence[str]) -> str:
    """The query-string value of an ``IN`` filter: a compact JSON list."""
    return orjson.dumps(list(values)).decode()


def chunks(values: Iterable[str], budget: int = URL_BUDGET) -> list[list[str]]:
    """``values`` split into lists whose URL-encoded JSON fits in ``budget`` bytes each."""
    out: list[list[str]] = []
    current: list[str] = []
    size = 6  # the encoded brackets
    for value in values:
        cost = len(quote(orjson.dumps(value).decode(), safe="")) + 3  # the item and its encoded comma
        if current and size + cost > budget:
            out.append(current)
            current, size = [], 6
        current.append(value)
        size += cost
    if current:
        out.append(current)
    return out


def route_of(entity_type: str) -> str:
    """The route whose records are of ``entity_type`` (the entity table for Shot, Asset, ...)."""
    model = MODELS.get(entity_type)
    if model is not None:
        return model.route
    return "entities"


class _Cached:
    __slots__ = ("records", "at")

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.at: dict[str, float] = {}


class Lookups:
    """Records of other types by id, fetched through ``fetch_json(route, params, what)`` and cached."""

    def __init__(self, fetch_json: FetchJson, *, ttl: float = TTL, concurrency: int = 4,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch_json
        self.ttl = ttl
        self.concurrency = max(1, concurrency)
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, _Cached] = {}
        self._dirs: dict[str, tuple[float, dict[str, dict[str, Any]]]] = {}
        self._primed: dict[str, float] = {}
        self.requests = 0

    def clear(self) -> None:
        """Forget every cached record."""
        with self._lock:
            self._cache.clear()
            self._dirs.clear()
            self._primed.clear()

    # -- directories ------------------------------------------------------------------
    def directory(self, route: str, *, fresh: bool = False) -> dict[str, dict[str, Any]]:
        """Every record of a directory route, by id (read again when older than :data:`TTL` or ``fresh``)."""
        now = self._clock()
        with self._lock:
            held = self._dirs.get(route)
        if held is not None and not fresh and now - held[0] < self.ttl:
            return held[1]
        params = {"relations": "true"} if route in ("projects", "persons", "asset-types", "entity-types") else {}
        records = self._fetch(route, params, f"Reading the {route.replace('-', ' ')}")
        if isinstance(records, dict):  # a paged answer (never asked for, but harmless)
            records = records.get("data", [])
        out = {r["id"]: r for r in records if isinstance(r, dict) and isinstance(r.get("id"), str)}
        with self._lock:
            self.requests += 1
            self._dirs[route] = (now, out)
        return out

    def age(self, route: str) -> float:
        """Seconds since the directory ``route`` was read (infinity: never)."""
        with self._lock:
            held = self._dirs.get(route)
        return float("inf") if held is None else self._clock() - held[0]

    # -- records by id ----------------------------------------------------------------
    def rows(self, route: str, ids: Iterable[str], columns: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        """The records of ``route`` with these ids (those the server has and shows), by id.

        ``columns`` (wire names) are what the caller reads; records cached
        without one of them are read again.
        """
        wanted = {i for i in ids if isinstance(i, str)}
        if not wanted:
            return {}
        if route in DIRECTORIES:
            found = self.directory(route)
            if wanted - set(found) and self.age(route) > REREAD_AFTER:
                found = self.directory(route, fresh=True)
            return {i: found[i] for i in wanted if i in found}
        now = self._clock()
        need = set(columns)
        with self._lock:
            cache = self._cache.setdefault(route, _Cached())
            hits = {i: cache.records[i] for i in wanted
                    if i in cache.records and now - cache.at[i] < self.ttl and need <= cache.records[i].keys()}
        missing = sorted(wanted - set(hits))
        if missing:
            fields = ",".join(sorted(need | set(LOOKUP_FIELDS))) if need else ""
            calls = [self._by_ids(route, part, fields) for part in chunks(missing)]
            results = self._run(calls)
            fetched = {r["id"]: r for batch in results for r in batch if isinstance(r, dict) and "id" in r}
            with self._lock:
                self.requests += len(calls)
                cache = self._cache.setdefault(route, _Cached())
                for rid, record in fetched.items():
                    cache.records[rid] = record
                    cache.at[rid] = now
            hits.update(fetched)
        return hits

    def prime(self, route: str, params: Mapping[str, str], what: str, *, path: str | None = None) -> int:
        """Read records of ``route`` matching ``params`` into the cache (before they are asked for by id);
        ``path`` reads them from another route that lists the same records. The same read is not made
        again within :data:`TTL` seconds."""
        now = self._clock()
        key = f"{path or route}?{sorted(params.items())}"
        with self._lock:
            if now - self._primed.get(key, float("-inf")) < self.ttl:
                return 0
        records = self._fetch(path or route, dict(params), what)
        records = records if isinstance(records, list) else []
        with self._lock:
            self.requests += 1
            cache = self._cache.setdefault(route, _Cached())
            for record in records:
                if isinstance(record, dict) and isinstance(record.get("id"), str):
                    cache.records[record["id"]] = record
                    cache.at[record["id"]] = now
            self._primed[key] = now
        return len(records)

    def project_rows(self, project: str, route: str) -> list[dict[str, Any]]:
        """The records of ``/data/projects/<project>/<route>`` (kept for :data:`TTL` seconds)."""
        key = f"projects/{project}/{route}"
        now = self._clock()
        with self._lock:
            held = self._dirs.get(key)
        if held is not None and now - held[0] < self.ttl:
            return list(held[1].values())
        records = self._fetch(key, {}, f"Reading the {route.replace('-', ' ')} of a project")
        records = records if isinstance(records, list) else []
        out = {r["id"]: r for r in records if isinstance(r, dict) and isinstance(r.get("id"), str)}
        with self._lock:
            self.requests += 1
            self._dirs[key] = (now, out)
        return list(out.values())

    def _run(self, calls: list[Callable[[], list[dict[str, Any]]]]) -> list[list[dict[str, Any]]]:
        """The calls' results, ``concurrency`` at a time (the first error cancels the rest)."""
        if len(calls) == 1:
            return [calls[0]()]
        results: list[list[dict[str, Any]]] = []
        for start in range(0, len(calls), self.concurrency):
            results.extend(gather(calls[start:start + self.concurrency]))
        return results

    def _by_ids(self, route: str, ids: list[str], fields: str) -> Callable[[], list[dict[str, Any]]]:
        def call() -> list[dict[str, Any]]:
            params = {"id": in_value(ids)}
            if fields:
                params["fields"] = fields
            records = self._fetch(route, params, f"Looking up {len(ids)} {route.replace('-', ' ')}")
            return records if isinstance(records, list) else []
        return call

    # -- names -------------------------------------------------------------------------
    def entity_kind(self, record: Mapping[str, Any]) -> str:
        """The entity type an entity-table record is shown as: Shot, Sequence, Episode, Edit, ... or Asset."""
        kind = record.get("type")
        if isinstance(kind, str) and kind in KIND_OF_TYPE:
            return kind
        type_id = record.get("entity_type_id")
        types = self.directory("entity-types")
        if isinstance(type_id, str) and type_id not in types and self.age("entity-types") > REREAD_AFTER:
            types = self.directory("entity-types", fresh=True)
        name = types.get(type_id, {}).get("name") if isinstance(type_id, str) else None
        return KIND_OF_TYPE.get(name, "Asset") if name else (kind if isinstance(kind, str) else "Asset")
