"""``_search`` over the ShotGrid sandbox's store: matching ids in order, with a cache.

:func:`search` keeps, per store, a small LRU cache of ordered id lists keyed by
the entity, the filter without its top-level AND ``id`` range conditions, the
sort, the flags, the store's ``version`` and (only for relative date operators)
``now`` to the minute. The ``id`` conditions (``between``, ``greater_than``,
``less_than``, ``is``, ``in``) are applied afterwards by bisection of the cached
id-sorted list, so the parallel id-range pages of one query cost one scan. For
another sort the cached result also keeps each id's rank, and the few ids of a
range are re-sorted by it. Results are computed without taking ``store.lock``,
so callers may hold it.

>>> from datetime import date
>>> from trackframes.sandbox.shotgrid.render_production import generate
>>> store = generate(scale=0.01, seed=1, today=date(2026, 3, 2))
>>> search(store, "Task", [["id", "between", [3, 5]]])
[3, 4, 5]
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import orjson

from .clock import Clock, make_clock
from .filter_forms import normalize_filters, uses_clock
from .filters import Cond, Pred, compile_filters, is_number, list_value, pair_value
from .model import Store
from .paths import entity_def, id_field
from .sort import parse_sort, sort_records

__all__ = ["search"]

_ID_RANGE_OPS = frozenset({"between", "greater_than", "less_than", "is", "in"})


class _IdRange:
    """Top-level AND conditions on ``id``: bounds plus an optional allowed set."""

    def __init__(self) -> None:
        self.lo: float | None = None
        self.lo_incl = True
        self.hi: float | None = None
        self.hi_incl = True
        self.allowed: set[int] | None = None
        self.empty = False
        self.active = False

    def _lower(self, x: float, incl: bool) -> None:
        if self.lo is None or x > self.lo or (x == self.lo and not incl):
            self.lo, self.lo_incl = x, incl

    def _upper(self, x: float, incl: bool) -> None:
        if self.hi is None or x < self.hi or (x == self.hi and not incl):
            self.hi, self.hi_incl = x, incl

    def add(self, entity: str, condition: list[Any]) -> None:
        field, op, value = condition
        self.active = True
        cond = Cond(field, op, value, id_field(entity))
        if op == "between":
            lo, hi = pair_value(cond, is_number, "numbers")
            if lo is not None:
                self._lower(lo, True)
            if hi is not None:
                self._upper(hi, True)
        elif op in ("greater_than", "less_than", "is"):
            if value is not None and not is_number(value):
                raise cond.bad_value("a number")
            if value is None:
                self.empty = True
            elif op == "greater_than":
                self._lower(value, False)
            elif op == "less_than":
                self._upper(value, False)
            else:
                self._lower(value, True)
                self._upper(value, True)
        else:  # in
            items = list_value(cond, is_number, "numbers")
            members = {x for x in items if x is not None}
            self.allowed = members if self.allowed is None else self.allowed & members

    def apply_sorted(self, ids: list[int]) -> list[int]:
        """The ids of an ascending list inside the range, by bisection."""
        if self.empty:
            return []
        start, end = 0, len(ids)
        if self.lo is not None:
            start = bisect_left(ids, self.lo) if self.lo_incl else bisect_right(ids, self.lo)
        if self.hi is not None:
            end = bisect_right(ids, self.hi) if self.hi_incl else bisect_left(ids, self.hi)
        if self.allowed is None:
            return ids[start:end]
        if len(self.allowed) < end - start:
            picked = []
            for x in sorted(self.allowed):
                at = bisect_left(ids, x, start, end)
                if at < end and ids[at] == x:
                    picked.append(ids[at])
            return picked
        allowed = self.allowed
        return [i for i in ids[start:end] if i in allowed]


def _split_id_conditions(entity: str, tree: dict[str, Any]) -> tuple[dict[str, Any], _IdRange]:
    rng = _IdRange()
    if tree["logical_operator"] != "and":
        return tree, rng
    rest = []
    for c in tree["conditions"]:
        if isinstance(c, list) and c[0] == "id" and c[1] in _ID_RANGE_OPS:
            rng.add(entity, c)
        else:
            rest.append(c)
    return {"logical_operator": "and", "conditions": rest}, rng


@dataclass(frozen=True)
class _Result:
    """A cached search result: ids in sort order, plus (for other sorts than id) the
    same ids ascending and each id's position in the sort order."""

    ordered: list[int]
    by_id: list[int]
    rank: dict[int, int] | None = None

    @classmethod
    def of(cls, ordered: list[int], by_id: bool) -> "_Result":
        if by_id:
            return cls(ordered, ordered)
        return cls(ordered, sorted(ordered), {rid: pos for pos, rid in enumerate(ordered)})


class _SearchCache:
    """A small thread-safe LRU of search results; one computation per key at a time.

    ``compute`` must not wait for any other lock (it would deadlock with a thread
    holding that lock and waiting here).
    """

    def __init__(self, maxsize: int = 32) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[tuple[Any, ...], _Result] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[tuple[Any, ...], threading.Lock] = {}

    def get_or_compute(self, key: tuple[Any, ...], version: int, compute: Callable[[], _Result]) -> _Result:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
                return hit
            gate = self._inflight.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                hit = self._data.get(key)
                if hit is not None:
                    return hit
            try:
                value = compute()
                with self._lock:
                    # entries of older store versions can never be hit again
                    for stale in [k for k in self._data if k[-1] < version]:
                        del self._data[stale]
                    self._data[key] = value
                    while len(self._data) > self.maxsize:
                        self._data.popitem(last=False)
            finally:
                with self._lock:
                    self._inflight.pop(key, None)
        return value


_CACHE_ATTR = "_trackframes_sg_search_cache"


def _cache_for(store: Store) -> _SearchCache:
    cache = store.__dict__.get(_CACHE_ATTR)
    if cache is None:
        with store.lock:
            cache = store.__dict__.get(_CACHE_ATTR)
            if cache is None:
                cache = _SearchCache()
                setattr(store, _CACHE_ATTR, cache)
    return cache


def _canonical(tree: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(tree, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return repr(tree).encode()


def _archived_filter(store: Store, entity: str) -> Pred | None:
    """A predicate dropping records of archived projects, or ``None`` if nothing is archived."""
    projects = store.records.get("Project")
    if not projects:
        return None
    archived = frozenset(pid for pid, rec in projects.items() if rec.get("archived") is True)
    if not archived:
        return None
    if entity == "Project":
        return lambda r: r["id"] not in archived
    if "project" not in store.entities[entity].fields:
        return None

    def keep(rec: dict[str, Any]) -> bool:
        link = rec.get("project")
        return not link or link.get("type") != "Project" or link.get("id") not in archived
    return keep


def _compute(store: Store, entity: str, tree: dict[str, Any], spec: list[tuple[str, bool]],
             retired: bool, include_archived_projects: bool, clock: Clock) -> _Result:
    pred = compile_filters(store, entity, tree, clock)
    keep = None if include_archived_projects else _archived_filter(store, entity)
    # list() of a dict's values runs without releasing the GIL: a consistent snapshot
    # without taking store.lock (which a caller may hold while waiting for this result)
    table = (store.retired if retired else store.records)[entity]
    records = list(table.values())
    if pred is not None and keep is not None:
        p, k = pred, keep
        pred = lambda r: k(r) and p(r)  # noqa: E731
    elif pred is None:
        pred = keep
    if pred is not None:
        records = [r for r in records if pred(r)]
    if not spec:
        ids = [r["id"] for r in records]
        ids.sort()
        return _Result.of(ids, by_id=True)
    records.sort(key=lambda r: r["id"])
    sort_records(store, entity, records, spec)
    return _Result.of([r["id"] for r in records], by_id=False)


def search(store: Store, entity: str, filters: Any, sort: list[str] | str | None = None, *,
           retired: bool = False, include_archived_projects: bool = False,
           now: datetime | None = None, tz_offset_hours: int = 0) -> list[int]:
    """The ids of the matching records, in ``sort`` order (default: id ascending).

    ``retired=True`` searches the retired records instead of the live ones.
    Records of archived projects (and archived Projects themselves) are left
    out unless ``include_archived_projects``.
    """
    entity_def(store, entity)
    tree, rng = _split_id_conditions(entity, normalize_filters(filters))
    spec = parse_sort(store, entity, sort)
    if spec in ([], [("id", False)]):
        mode, spec = "asc", []
    elif spec == [("id", True)]:
        mode, spec = "desc", []
    else:
        mode = "general"
    clock = make_clock(store, now, tz_offset_hours)
    stamp = None
    if uses_clock(tree):
        stamp = (clock.now.replace(second=0, microsecond=0).isoformat(), clock.offset)
    version = store.version
    key = (entity, _canonical(tree), tuple(spec), bool(retired), bool(include_archived_projects),
           stamp, version)
    result = _cache_for(store).get_or_compute(
        key, version,
        lambda: _compute(store, entity, tree, spec, retired, include_archived_projects, clock))
    if not rng.active:
        out = list(result.ordered)
    else:
        out = rng.apply_sorted(result.by_id)
        if result.rank is not None:  # back into the sort order
            out.sort(key=result.rank.__getitem__)
    if mode == "desc":
        out.reverse()
    return out
