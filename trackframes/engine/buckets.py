"""Grouping a shaped table: which group(s) each row belongs to, for every grouping type.

:func:`memberships` returns, for one grouping level, ``(rows, buckets, heads)``:
row ``rows[j]`` belongs to bucket ``buckets[j]`` (a multi-link or tag field puts a
row in one bucket per linked record or tag, once each), and ``heads[b]`` is the
bucket's :class:`Head`: its ``group_value`` and ``group_name`` exactly as the
server returns them, and the key the server orders groups by.

Group values and names (the sandbox server is the reference):

* ``exact``: one group per value. Links give ``{"type", "id", "name"}`` named after the
  link; dates ``"YYYY-MM-DD"``, date-times ``"YYYY-MM-DDThh:mm:ssZ"``; text is
  case-sensitive (``""`` is no value).
* ``tens`` … ``millions``: the bucket start (an int), named ``"10 - 20"`` for [10, 20).
* ``day``/``week``/``month``/``quarter``/``year``: the ISO date the period starts (weeks on
  Monday; date-times by their UTC date), named ``"2026-01-05"``, ``"Week of 2026-01-05"``,
  ``"January 2026"``, ``"Q1 2026"``, ``"2026"``.
* ``clustered_date``: ``Earlier``, ``Last week``, ``Earlier this week``, ``Yesterday``, ``Today``,
  ``Tomorrow``, ``Later this week``, ``Next week``, ``Later`` around ``today``, in that order.
* ``oneday``/``fivedays`` (minutes; a working day is 480): the bucket start in minutes,
  named ``"2 - 3 days"``.
* ``entitytype``: the linked type, named by the type's display name.
* ``firstletter``: the upper-cased first character.

No value forms its own group: ``group_value`` ``None``, ``group_name`` ``""``
(``"No date"`` for ``clustered_date``); it comes last ascending and first descending.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import SchemaError
from ..suggest import hint, suggest
from ..schema import FieldKind, FieldSpec
from .columns import column, elements, link_columns, text

__all__ = ["Head", "memberships", "wire", "CLUSTERS", "GROUPING_KINDS", "WORKDAY_MINUTES"]

CLUSTERS = ("Earlier", "Last week", "Earlier this week", "Yesterday", "Today", "Tomorrow", "Later this week",
            "Next week", "Later")
WORKDAY_MINUTES = 480
_SIZES = {"tens": 10, "hundreds": 100, "thousands": 1_000, "tensofthousands": 10_000,
          "hundredsofthousands": 100_000, "millions": 1_000_000}
_PERIODS = ("day", "week", "month", "quarter", "year")
_NUMBERS = frozenset({FieldKind.INTEGER, FieldKind.FLOAT})
_DATES = frozenset({FieldKind.DATE, FieldKind.DATETIME})
_GROUPABLE = frozenset(FieldKind) - {FieldKind.URL, FieldKind.JSON, FieldKind.UNKNOWN}

#: Grouping type → the field kinds it applies to.
GROUPING_KINDS: dict[str, frozenset[FieldKind]] = {
    "exact": _GROUPABLE,
    **{name: _NUMBERS for name in _SIZES},
    **{name: _DATES for name in (*_PERIODS, "clustered_date")},
    "oneday": frozenset({FieldKind.INTEGER}),
    "fivedays": frozenset({FieldKind.INTEGER}),
    "entitytype": frozenset({FieldKind.ENTITY, FieldKind.MULTI_ENTITY}),
    "firstletter": frozenset({FieldKind.TEXT, FieldKind.CATEGORY}),
}

_UTC = timezone.utc


class Head(NamedTuple):
    """One group: its value and name as the server returns them, and its ordering key."""

    value: Any
    name: str
    order: Any
    null: bool = False


def wire(value: Any) -> Any:
    """A column value in the server's JSON form (dates and date-times as ISO 8601 text)."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=_UTC)
        return moment.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Buckets:
    """Buckets of one level, numbered as they are first seen."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.heads: list[Head] = []

    def add(self, identity: Any, make: Callable[[], Head]) -> int:
        at = self.index.get(identity)
        if at is None:
            at = self.index[identity] = len(self.heads)
            self.heads.append(make())
        return at

    def null(self, name: str = "") -> int:
        return self.add(None, lambda: Head(None, name, None, null=True))


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=_UTC)).astimezone(_UTC).date()
    return value


def _period(kind: str, day: date) -> Head:
    if kind == "day":
        start, name = day, day.isoformat()
    elif kind == "week":
        start = day - timedelta(days=day.weekday())
        name = f"Week of {start.isoformat()}"
    elif kind == "month":
        start = day.replace(day=1)
        name = f"{calendar.month_name[day.month]} {day.year}"
    elif kind == "quarter":
        quarter = (day.month - 1) // 3 + 1
        start = date(day.year, 3 * quarter - 2, 1)
        name = f"Q{quarter} {day.year}"
    else:
        start = date(day.year, 1, 1)
        name = str(day.year)
    return Head(start.isoformat(), name, start)


def cluster(day: date, today: date) -> str:
    """The ``clustered_date`` group of ``day`` around ``today``."""
    monday = today - timedelta(days=today.weekday())
    delta = (day - today).days
    if delta == -1:
        return "Yesterday"
    if delta == 0:
        return "Today"
    if delta == 1:
        return "Tomorrow"
    if day < monday - timedelta(weeks=1):
        return "Earlier"
    if day < monday:
        return "Last week"
    if day < today:
        return "Earlier this week"
    if day < monday + timedelta(weeks=1):
        return "Later this week"
    if day < monday + timedelta(weeks=2):
        return "Next week"
    return "Later"


def _scalar_bucketer(kind: str, spec: FieldSpec, today: date) -> Callable[[_Buckets, Any], int]:
    """Bucket of one scalar value (``None`` → the null bucket)."""
    fkind = spec.kind
    if kind == "exact":
        if fkind is FieldKind.BOOLEAN or fkind in _NUMBERS or fkind in _DATES:
            def exact(b: _Buckets, v: Any) -> int:
                if v is None:
                    return b.null()
                w = wire(v)
                return b.add(w, lambda: Head(w, str(w), v))
            return exact

        def exact_text(b: _Buckets, v: Any) -> int:
            if v is None or v == "":
                return b.null()
            return b.add(v, lambda: Head(v, str(v), (str(v).lower(), str(v))))
        return exact_text
    if kind in _SIZES or kind in ("oneday", "fivedays"):
        days = {"oneday": 1, "fivedays": 5}.get(kind, 0)
        size = days * WORKDAY_MINUTES if days else _SIZES[kind]

        def sized(b: _Buckets, v: Any) -> int:
            if v is None:
                return b.null()
            start = int(v // size) * size
            if days:
                first = start // WORKDAY_MINUTES
                return b.add(start, lambda: Head(start, f"{first} - {first + days} days", start))
            return b.add(start, lambda: Head(start, f"{start} - {start + size}", start))
        return sized
    if kind == "clustered_date":
        rank = {name: i for i, name in enumerate(CLUSTERS)}

        def clustered(b: _Buckets, v: Any) -> int:
            if v is None:
                return b.null("No date")
            label = cluster(_day(v), today)
            return b.add(label, lambda: Head(label, label, rank[label]))
        return clustered
    if kind in _PERIODS:
        def period(b: _Buckets, v: Any) -> int:
            if v is None:
                return b.null()
            head = _period(kind, _day(v))
            return b.add(head.value, lambda: head)
        return period

    def first_letter(b: _Buckets, v: Any) -> int:  # firstletter
        if not v:
            return b.null()
        letter = v[0].upper()
        return b.add(letter, lambda: Head(letter, letter, letter))
    return first_letter


def _link_head(etype: str, eid: Any, name: str | None) -> Head:
    label = name or ""
    return Head({"type": etype, "id": eid, "name": label}, label, (label.lower(), etype, eid))


def _type_head(etype: str, type_names: Mapping[str, str]) -> Head:
    return Head(etype, type_names.get(etype, etype), (etype.lower(), etype))


def _check(kind: str, spec: FieldSpec) -> None:
    if kind not in GROUPING_KINDS:
        hints = suggest(kind, GROUPING_KINDS)
        raise SchemaError(f"Unknown grouping type {kind!r}.{hint(hints)} Grouping types: "
                          f"{', '.join(GROUPING_KINDS)}.", name=kind, suggestions=hints)
    if spec.kind not in GROUPING_KINDS[kind]:
        fits = [k for k, kinds in GROUPING_KINDS.items() if spec.kind in kinds]
        choices = f"Grouping types for it: {', '.join(fits)}." if fits else \
            f"{spec.kind.value} fields cannot be grouped on."
        raise SchemaError(f"Grouping type {kind!r} does not apply to {spec.name!r}, a {spec.kind.value} field. "
                          f"{choices}", name=kind, suggestions=fits)


def memberships(table: pa.Table, kind: str, spec: FieldSpec, *, today: date,
                type_names: Mapping[str, str] | None = None) -> tuple[np.ndarray, np.ndarray, list[Head]]:
    """``(rows, buckets, heads)`` of one grouping level (see the module docstring)."""
    _check(kind, spec)
    type_names = type_names or {}
    n = table.num_rows
    buckets = _Buckets()
    path = spec.name
    if spec.kind is FieldKind.ENTITY:
        ids, types, names = link_columns(table, path)
        out = []
        for eid, etype, name in zip(ids.to_pylist(), types.to_pylist(), names.to_pylist()):
            if eid is None:
                out.append(buckets.null())
            elif kind == "entitytype":
                out.append(buckets.add(etype, lambda: _type_head(etype, type_names)))
            else:
                out.append(buckets.add((etype, eid), lambda: _link_head(etype, eid, name)))
        return np.arange(n, dtype=np.int64), np.asarray(out, dtype=np.int64), buckets.heads
    if spec.kind in (FieldKind.MULTI_ENTITY, FieldKind.TAG_LIST):
        return _list_memberships(table, kind, spec, buckets, type_names)
    bucket_of = _scalar_bucketer(kind, spec, today)
    col = column(table, path)
    if pa.types.is_dictionary(col.type):
        col = text(col)
    # bucket each distinct value once
    encoded = pc.dictionary_encode(col) if not pa.types.is_boolean(col.type) else None
    if encoded is not None:
        distinct = [bucket_of(buckets, v) for v in encoded.dictionary.to_pylist()]
        null_bucket = buckets.null("No date" if kind == "clustered_date" else "") if encoded.null_count else -1
        idx = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        table_of = np.asarray(distinct + [null_bucket], dtype=np.int64)
        out_arr = table_of[idx]  # index -1 picks the null bucket (the last entry)
    else:
        out_arr = np.asarray([bucket_of(buckets, v) for v in col.to_pylist()], dtype=np.int64)
    return np.arange(n, dtype=np.int64), out_arr, buckets.heads


def _list_memberships(table: pa.Table, kind: str, spec: FieldSpec, buckets: _Buckets,
                      type_names: Mapping[str, str]) -> tuple[np.ndarray, np.ndarray, list[Head]]:
    n = table.num_rows
    values, parents = elements(column(table, spec.name))
    rows: list[int] = []
    out: list[int] = []
    if spec.kind is FieldKind.TAG_LIST:
        for row, tag in zip(parents.tolist(), values.to_pylist()):
            if tag is None:
                continue
            rows.append(row)
            out.append(buckets.add(tag, lambda: Head(tag, tag, (tag.lower(), tag))))
    else:
        ids = pc.struct_field(values, "id").to_pylist()
        types = text(pc.struct_field(values, "type")).to_pylist()
        names = pc.struct_field(values, "name").to_pylist()
        for row, eid, etype, name in zip(parents.tolist(), ids, types, names):
            if eid is None:
                continue
            rows.append(row)
            if kind == "entitytype":
                out.append(buckets.add(etype, lambda: _type_head(etype, type_names)))
            else:
                out.append(buckets.add((etype, eid), lambda: _link_head(etype, eid, name)))
    covered = np.zeros(n, dtype=bool)
    covered[np.asarray(rows, dtype=np.int64)] = True
    empty = np.flatnonzero(~covered)
    if len(empty):
        null = buckets.null()
        rows.extend(empty.tolist())
        out.extend([null] * len(empty))
    size = max(len(buckets.heads), 1)
    pairs = np.unique(np.asarray(rows, dtype=np.int64) * size + np.asarray(out, dtype=np.int64))
    return pairs // size, pairs % size, buckets.heads
