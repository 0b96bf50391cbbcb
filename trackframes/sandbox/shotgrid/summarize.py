"""``_summarize`` for the ShotGrid sandbox: summaries of the matching records, optionally grouped.

:func:`summarize` returns ``{"summaries": {field: value}, "groups": [...]}``;
each group is ``{"group_name", "group_value", "summaries"}`` plus ``"groups"``
when there is a further grouping level. Records are selected with the same
filters as ``_search`` (:func:`~trackframes.sandbox.shotgrid.query.search`),
archived projects excluded unless asked for. Summary and grouping fields may be
linked (``entity.Shot.sg_sequence``) through single-entity links.

Summary types
-------------
"Values" are the field's non-null (non-empty) values in the group.

* ``record_count`` (any field): the number of records.
* ``count`` (any field): the number of records with a value.
* ``sum`` (number, float, currency, percent, duration, timecode): the sum of the
  values; 0 when there are none (0.0 for float and currency).
* ``average`` (the same types): the mean as a float; None when there are no values.
* ``maximum`` / ``minimum`` (the same types): the largest / smallest value, or None.
* ``earliest`` / ``latest`` (date, date_time): the smallest / largest value, or None.
* ``checked`` / ``unchecked`` (checkbox): records checked / not checked (a null
  checkbox counts as unchecked).
* ``percentage`` (checkbox): the percentage of records checked, an int rounded
  half up (0 for no records).
* ``status_percentage`` (status_list): the percentage of records whose status is
  the summary's ``value`` (default ``"fin"``, the "complete" status), an int
  rounded half up.
* ``status_percentage_as_float`` (status_list): the same percentage, unrounded.
* ``status_list`` (status_list): ``{status: record count}`` of the non-null
  statuses, in the field's valid-values order (other values after, sorted).

``maximum``/``minimum`` are numeric only, as in the web UI, which offers
"Earliest"/"Latest" rather than max/min for dates. A bad summary type or one
that does not fit the field's data type is a 400 error. Several summaries of
one field share its key; the last one wins.

Grouping types
--------------
* ``exact`` (any type but password, serializable, summary and url): one group
  per value. Entity groups are named after the link (``group_value`` is
  ``{"type", "id", "name"}``); multi-entity and tag fields put a record in one
  group per linked entity or tag. Text groups are case-sensitive.
* ``tens`` … ``millions`` (numeric types): ``group_value`` is the bucket start
  (an int) and ``group_name`` ``"10 - 20"`` for the half-open bucket [10, 20).
* ``day``, ``week``, ``month``, ``quarter``, ``year`` (date, date_time; date-times
  are bucketed by their UTC date): ``group_value`` is the ISO date of the bucket
  start (weeks start on Monday) and ``group_name`` ``"2026-01-05"``,
  ``"Week of 2026-01-05"``, ``"January 2026"``, ``"Q1 2026"``, ``"2026"``.
* ``clustered_date`` (date, date_time) against today (the UTC date of ``now``),
  in this order: ``Earlier`` (before last week), ``Last week``, ``Earlier this
  week``, ``Yesterday``, ``Today``, ``Tomorrow``, ``Later this week``, ``Next
  week``, ``Later``; ``group_value`` equals ``group_name``.
* ``oneday`` / ``fivedays`` (duration, in minutes; a working day is 480 minutes):
  ``group_value`` is the bucket start in minutes, ``group_name`` ``"2 - 3 days"``.
* ``entitytype`` (entity, multi_entity, addressing): ``group_value`` is the linked
  type, ``group_name`` its display name.
* ``firstletter`` (text): the upper-cased first character.

Null (or empty) values form their own group with ``group_value`` ``None`` and
``group_name`` ``""`` (``"No date"`` for ``clustered_date``). Groups are ordered
by their value (``direction`` ``"asc"``, the default, or ``"desc"``); text and
names case-insensitively, entity groups by name, clustered dates by the order
above; the null group comes last ascending and first descending.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any, Callable

from .model import FieldDef, Store
from .errors import bad_request
from .query import reference_now, search, value_getter

__all__ = ["SUMMARY_TYPES", "GROUPING_TYPES", "summarize"]

_NUMERIC = frozenset({"number", "float", "currency", "percent", "duration", "timecode"})
_FLOATS = frozenset({"float", "currency"})
_DATES = frozenset({"date", "date_time"})
_LINKS = frozenset({"entity", "multi_entity", "addressing"})
_MULTI = frozenset({"multi_entity", "addressing", "tag_list"})
_UNGROUPABLE = frozenset({"password", "serializable", "summary", "url"})

#: Summary type → the data types it accepts (``None``: any).
SUMMARY_TYPES: dict[str, frozenset[str] | None] = {
    "record_count": None,
    "count": None,
    "sum": _NUMERIC,
    "average": _NUMERIC,
    "maximum": _NUMERIC,
    "minimum": _NUMERIC,
    "earliest": _DATES,
    "latest": _DATES,
    "percentage": frozenset({"checkbox"}),
    "checked": frozenset({"checkbox"}),
    "unchecked": frozenset({"checkbox"}),
    "status_percentage": frozenset({"status_list"}),
    "status_percentage_as_float": frozenset({"status_list"}),
    "status_list": frozenset({"status_list"}),
}

_BUCKETS = {"tens": 10, "hundreds": 100, "thousands": 1_000, "tensofthousands": 10_000,
            "hundredsofthousands": 100_000, "millions": 1_000_000}
_WORKDAY_MINUTES = 480

#: Grouping type → the data types it accepts (``None``: any groupable type).
GROUPING_TYPES: dict[str, frozenset[str] | None] = {
    "exact": None,
    **{name: _NUMERIC for name in _BUCKETS},
    **{name: _DATES for name in ("day", "week", "month", "quarter", "year", "clustered_date")},
    "oneday": frozenset({"duration"}),
    "fivedays": frozenset({"duration"}),
    "entitytype": _LINKS,
    "firstletter": frozenset({"text"}),
}

_CLUSTERS = ("Earlier", "Last week", "Earlier this week", "Yesterday", "Today", "Tomorrow",
             "Later this week", "Next week", "Later")

Getter = Callable[[dict[str, Any]], Any]
# a bucket: (identity, group_value, group_name, order); identity None = the null group
Bucket = tuple[Any, Any, str, Any]


# ---------------------------------------------------------------------------
# summaries
# ---------------------------------------------------------------------------

def _half_up_percent(part: int, whole: int) -> int:
    """``round(100 * part / whole)`` with halves rounded up, in exact integer arithmetic."""
    return (200 * part + whole) // (2 * whole) if whole else 0


def _summary_fn(kind: str, fdef: FieldDef, value: Any) -> Callable[[list[Any]], Any]:
    """A function of the group's raw values (one per record, nulls included)."""
    def present(values: list[Any]) -> list[Any]:
        return [v for v in values if v is not None and v != []]

    if kind == "record_count":
        return len
    if kind == "count":
        return lambda values: len(present(values))
    if kind == "sum":
        zero: Any = 0.0 if fdef.data_type in _FLOATS else 0
        return lambda values: sum(present(values), zero)
    if kind == "average":
        def average(values: list[Any]) -> float | None:
            got = present(values)
            return float(sum(got)) / len(got) if got else None
        return average
    if kind in ("maximum", "latest"):
        return lambda values: max(present(values), default=None)
    if kind in ("minimum", "earliest"):
        return lambda values: min(present(values), default=None)
    if kind == "checked":
        return lambda values: sum(1 for v in values if v is True)
    if kind == "unchecked":
        return lambda values: sum(1 for v in values if v is not True)
    if kind == "percentage":
        return lambda values: _half_up_percent(sum(1 for v in values if v is True), len(values))
    if kind in ("status_percentage", "status_percentage_as_float"):
        target = "fin" if value is None else value
        if kind == "status_percentage":
            return lambda values: _half_up_percent(sum(1 for v in values if v == target), len(values))
        return lambda values: (100.0 * sum(1 for v in values if v == target) / len(values)) if values else 0.0
    order = {s: i for i, s in enumerate(fdef.valid_values)}

    def status_counts(values: list[Any]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for v in values:
            if v is not None:
                counts[v] = counts.get(v, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    return status_counts


def _parse_summaries(store: Store, entity: str, summary_fields: Any
                     ) -> list[tuple[str, Getter, Callable[[list[Any]], Any]]]:
    if summary_fields is None:
        summary_fields = []
    if not isinstance(summary_fields, (list, tuple)):
        raise bad_request("summary_fields must be a list of {\"field\", \"type\"} objects.", "summary_fields")
    out = []
    for item in summary_fields:
        if not isinstance(item, dict) or not isinstance(item.get("field"), str) \
                or not isinstance(item.get("type"), str):
            raise bad_request(f"Each summary field must be an object with 'field' and 'type' strings, "
                              f"not {item!r}.", "summary_fields")
        field, kind = item["field"], item["type"]
        if kind not in SUMMARY_TYPES:
            raise bad_request(f"Unknown summary type '{kind}' for field '{field}'. Valid types: "
                              f"{', '.join(SUMMARY_TYPES)}.", "summary_fields")
        fdef, getter = value_getter(store, entity, field, param="summary_fields")
        allowed = SUMMARY_TYPES[kind]
        if allowed is not None and fdef.data_type not in allowed:
            raise bad_request(f"Summary type '{kind}' is not valid for field '{field}' of data type "
                              f"'{fdef.data_type}'; it needs one of: {', '.join(sorted(allowed))}.",
                              "summary_fields")
        value = item.get("value")
        if value is not None and not isinstance(value, str):
            raise bad_request(f"The value of summary '{kind}' on '{field}' must be a status string.",
                              "summary_fields")
        out.append((field, getter, _summary_fn(kind, fdef, value)))
    return out


def _summaries(records: list[dict[str, Any]],
               specs: list[tuple[str, Getter, Callable[[list[Any]], Any]]]) -> dict[str, Any]:
    return {field: fn([getter(r) for r in records]) for field, getter, fn in specs}


# ---------------------------------------------------------------------------
# grouping
# ---------------------------------------------------------------------------

_NULL: Bucket = (None, None, "", None)


def _to_day(value: str) -> date:
    return date.fromisoformat(value[:10])


def _link_bucket(store: Store, link: dict[str, Any]) -> Bucket:
    name = store.display_name(link["type"], link["id"]) or ""
    value = {"type": link["type"], "id": link["id"], "name": name}
    return (("link", link["type"], link["id"]), value, name, (name.lower(), link["type"], link["id"]))


def _period_bucket(kind: str, day: date) -> Bucket:
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
    return (start, start.isoformat(), name, start)


def _cluster(day: date, today: date) -> str:
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


def _bucketer(store: Store, kind: str, fdef: FieldDef, today: date) -> Callable[[Any], list[Bucket]]:
    """Field value → the buckets the record belongs to (the null bucket for no value)."""
    dtype = fdef.data_type
    if kind == "exact":
        if dtype == "entity":
            return lambda v: [_link_bucket(store, v)] if v else [_NULL]
        if dtype in ("multi_entity", "addressing"):
            return lambda v: [_link_bucket(store, x) for x in v] if v else [_NULL]
        if dtype == "tag_list":
            return lambda v: [(t, t, t, (t.lower(), t)) for t in v] if v else [_NULL]
        if dtype == "checkbox":
            return lambda v: [_NULL] if v is None else [(v, v, str(v), v)]
        if dtype in _NUMERIC or dtype in _DATES:
            return lambda v: [_NULL] if v is None else [(v, v, str(v), v)]
        return lambda v: [_NULL] if v is None or v == "" else [(v, v, str(v), (str(v).lower(), str(v)))]
    if kind in _BUCKETS:
        size = _BUCKETS[kind]

        def bucket(v: Any) -> list[Bucket]:
            if v is None:
                return [_NULL]
            start = int(v // size) * size
            return [(start, start, f"{start} - {start + size}", start)]
        return bucket
    if kind in ("oneday", "fivedays"):
        days = 1 if kind == "oneday" else 5
        size = days * _WORKDAY_MINUTES

        def work_days(v: Any) -> list[Bucket]:
            if v is None:
                return [_NULL]
            start = int(v // size) * size
            first = start // _WORKDAY_MINUTES
            return [(start, start, f"{first} - {first + days} days", start)]
        return work_days
    if kind == "clustered_date":
        rank = {name: i for i, name in enumerate(_CLUSTERS)}
        no_date: Bucket = (None, None, "No date", None)

        def cluster(v: Any) -> list[Bucket]:
            if not v:
                return [no_date]
            label = _cluster(_to_day(v), today)
            return [(label, label, label, rank[label])]
        return cluster
    if kind in ("day", "week", "month", "quarter", "year"):
        return lambda v: [_period_bucket(kind, _to_day(v))] if v else [_NULL]
    if kind == "entitytype":
        def type_bucket(link_type: str) -> Bucket:
            edef = store.entities.get(link_type)
            name = edef.display_name if edef is not None else link_type
            return (link_type, link_type, name, (link_type.lower(), link_type))
        if dtype == "entity":
            return lambda v: [type_bucket(v["type"])] if v else [_NULL]
        return lambda v: [type_bucket(t) for t in dict.fromkeys(x["type"] for x in v)] if v else [_NULL]
    # firstletter
    return lambda v: [(v[0].upper(), v[0].upper(), v[0].upper(), v[0].upper())] if v else [_NULL]


def _parse_grouping(store: Store, entity: str, grouping: Any, today: date
                    ) -> list[tuple[Getter, Callable[[Any], list[Bucket]], bool]]:
    if grouping is None:
        return []
    if not isinstance(grouping, (list, tuple)):
        raise bad_request("grouping must be a list of {\"field\", \"type\", \"direction\"} objects.", "grouping")
    out = []
    for item in grouping:
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            raise bad_request(f"Each grouping must be an object with a 'field' string, not {item!r}.", "grouping")
        field = item["field"]
        kind = item.get("type", "exact")
        if kind not in GROUPING_TYPES:
            raise bad_request(f"Unknown grouping type {kind!r} for field '{field}'. Valid types: "
                              f"{', '.join(GROUPING_TYPES)}.", "grouping")
        direction = item.get("direction", "asc")
        direction = direction.lower() if isinstance(direction, str) else direction
        if direction not in ("asc", "desc"):
            raise bad_request(f"Grouping direction must be 'asc' or 'desc', not {direction!r}.", "grouping")
        fdef, getter = value_getter(store, entity, field, param="grouping")
        allowed = GROUPING_TYPES[kind]
        dtype = fdef.data_type
        if dtype in _UNGROUPABLE or (allowed is not None and dtype not in allowed):
            need = ", ".join(sorted(allowed)) if allowed is not None else "any type but " + \
                ", ".join(sorted(_UNGROUPABLE))
            raise bad_request(f"Grouping type '{kind}' is not valid for field '{field}' of data type "
                              f"'{dtype}'; it needs: {need}.", "grouping")
        out.append((getter, _bucketer(store, kind, fdef, today), direction == "desc"))
    return out


def _groups(records: list[dict[str, Any]], levels: list[tuple[Getter, Callable[[Any], list[Bucket]], bool]],
            specs: list[tuple[str, Getter, Callable[[list[Any]], Any]]]) -> list[dict[str, Any]]:
    getter, bucketer, desc = levels[0]
    members: dict[Any, list[dict[str, Any]]] = {}
    heads: dict[Any, Bucket] = {}
    for rec in records:
        seen = set()
        for bucket in bucketer(getter(rec)):
            ident = bucket[0]
            if ident in seen:
                continue
            seen.add(ident)
            if ident not in heads:
                heads[ident] = bucket
                members[ident] = []
            members[ident].append(rec)
    null = heads.pop(None, None)
    ordered = sorted(heads.values(), key=lambda b: b[3], reverse=desc)
    if null is not None:
        ordered = [null, *ordered] if desc else [*ordered, null]
    out = []
    for ident, value, name, _ in ordered:
        group_records = members[ident]
        group: dict[str, Any] = {"group_name": name, "group_value": value,
                                 "summaries": _summaries(group_records, specs)}
        if len(levels) > 1:
            group["groups"] = _groups(group_records, levels[1:], specs)
        out.append(group)
    return out


def summarize(store: Store, entity: str, filters: Any, summary_fields: list[dict[str, Any]],
              grouping: list[dict[str, Any]] | None = None, *, include_archived_projects: bool = False,
              now: datetime | None = None) -> dict[str, Any]:
    """Summaries of the records matching ``filters``, in total and per group (nested)."""
    specs = _parse_summaries(store, entity, summary_fields)
    kinds = [item.get("type") for item in summary_fields]
    today = reference_now(store, now).date()
    levels = _parse_grouping(store, entity, grouping, today)
    ids = search(store, entity, filters, include_archived_projects=include_archived_projects, now=now)
    if not levels and all(kind == "record_count" for kind in kinds):
        # a plain count (what a client asks before paging): no need to touch the records
        return {"summaries": {item["field"]: len(ids) for item in summary_fields}, "groups": []}
    if _counts_ids(grouping, kinds, levels):
        # records per id bucket (what a client asks to size its id ranges): count the ids alone
        return {"summaries": {item["field"]: len(ids) for item in summary_fields},
                "groups": _id_buckets(ids, grouping[0], summary_fields)}
    table = store.records[entity]
    records = [r for r in (table.get(i) for i in ids) if r is not None]
    return {"summaries": _summaries(records, specs),
            "groups": _groups(records, levels, specs) if levels else []}


def _counts_ids(grouping: Any, kinds: list[Any], levels: list[Any]) -> bool:
    """Only record counts, grouped once by numeric buckets of ``id``."""
    return (len(levels) == 1 and all(kind == "record_count" for kind in kinds)
            and grouping[0]["field"] == "id" and grouping[0].get("type", "exact") in _BUCKETS)


def _id_buckets(ids: Any, grouping: dict[str, Any], summary_fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The groups :func:`_groups` gives for record counts per id bucket, from the ids alone."""
    size = _BUCKETS[grouping["type"]]
    counts: dict[int, int] = {}
    for rid in ids:
        start = rid // size * size
        counts[start] = counts.get(start, 0) + 1
    desc = str(grouping.get("direction", "asc")).lower() == "desc"
    return [{"group_name": f"{start} - {start + size}", "group_value": start,
             "summaries": {item["field"]: counts[start] for item in summary_fields}}
            for start in sorted(counts, reverse=desc)]
