"""The sandbox's ShotGrid query engine: filters, linked fields, sorting, field lists.

The HTTP server of the ShotGrid sandbox answers ``_search``, ``GET /entity`` and
``_summarize`` with these functions; they work on a :class:`~trackframes.sandbox.model.Store`
whose values are in their JSON wire form.

Filters
-------
Both formats of the REST API are accepted: the array form (a list of
``[field, operator, value]`` conditions, AND-ed) and the hash form
(``{"logical_operator": "and" | "or", "conditions": [...]}``, nested freely).
A condition may also be written with its values spread out
(``["due_date", "in_last", 1, "DAY"]``, ``["id", "between", 1, 9]``) or as a
``{"path", "relation", "values"}`` object; :func:`normalize_filters` turns every
form into the hash form with ``[field, operator, value]`` conditions.

Operators are checked against the "Valid Operators By Data Type" table of the
reference. Types the table does not list get: ``color``, ``entity_type`` and
``uuid`` → ``is``, ``is_not``, ``in``, ``not_in``; ``footage`` → the ``text``
operators; ``tag_list`` → ``is`` (the record carries that tag), ``is_not``,
``name_contains``, ``name_not_contains``. Filtering on ``password``,
``serializable``, ``summary`` and ``url`` fields (and unknown types) is refused.

Semantics:

* String comparisons (text, list, status list, tags, link names...) ignore case.
* A comparison with a null value is false; each negative operator (``is_not``,
  ``not_in``, ``not_contains``, ``not_between``, ``not_in_last``, ``not_in_next``,
  ``type_is_not``, ``name_not_contains``) is the exact negation of its positive
  twin, so it matches nulls. ``contains None`` matches nothing.
* ``between`` is inclusive at both ends; a ``None`` end is open.
* ``in_last N UNIT`` is ``[now - N units, now]`` and ``in_next`` ``[now, now + N units]``
  (HOUR, DAY, WEEK, MONTH, YEAR; months and years keep the day of month, clamped).
  For ``date`` fields both ends are taken as local dates.
* "Local" means UTC shifted by ``tz_offset_hours``: ``today`` is the local date of
  ``now``; ``in_calendar_day k`` is the local day ``today + k`` (for ``date_time``,
  that day's 24 hours converted to UTC); ``in_calendar_week k`` the Monday-to-Sunday
  week ``k`` weeks away, ``in_calendar_month``/``in_calendar_year`` the month/year
  ``k`` away.
* ``now`` defaults to the current UTC time of day on ``store.today`` (the date the
  demo production was generated around).
* ``date_time`` filter values are ISO 8601 (``Z``, an offset, or naive = UTC) and
  are compared at whole-second precision.
* Entity ``is`` compares type and id; ``name_*`` operators look at the link's
  display name. On ``multi_entity``/``addressing`` fields ``is``/``contains``/``in``/
  ``type_is``/``name_*`` match when any linked entity matches; ``is None`` matches
  an empty list.
* ``image`` fields only take ``is None`` / ``is_not None`` (an empty string counts
  as no thumbnail).
* An ``and`` with no conditions matches everything, and so does an empty ``or``.

Linked ("dotted") fields
------------------------
``entity.Shot.sg_sequence`` follows ``entity`` when it points at a Shot and reads
that Shot's ``sg_sequence``; chains may be longer. Every hop must be an
``entity``/``multi_entity`` field whose valid types include the named type. A
link to another type, a null link or a link to a missing record reaches a null
value (like a left join). Through ``multi_entity`` hops a condition matches when
it matches for any linked record (a record with no linked record is tested once
against a null value). Sorting, :func:`expand_fields` and summaries accept only
single-entity hops; :func:`resolve` through a multi-entity hop returns the list
of the reached non-null values.

Sorting
-------
``["-due_date", "id"]``: ``-`` means descending. Nulls come last ascending and
first descending; ties are broken by id ascending. Text and list values sort
case-insensitively; entity links sort by display name, multi-entity fields by
their sorted names.

Speed
-----
A filter tree is compiled once into nested closures. :func:`search` keeps, per
store, a small LRU cache of ordered id lists keyed by the entity, the filter
without its top-level AND ``id`` range conditions, the sort, the flags, the
store's ``version`` and (only for relative date operators) ``now`` to the minute.
The ``id`` conditions (``between``, ``greater_than``, ``less_than``, ``is``, ``in``)
are applied afterwards by bisection of the cached id-sorted list, so the
parallel id-range pages of one query cost one scan. For another sort the cached
result also keeps each id's rank, and the few ids of a range are re-sorted by it.
Results are computed without taking ``store.lock``, so callers may hold it.
"""

from __future__ import annotations

import calendar
import difflib
import json
import re
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Iterable

import orjson

from .model import EntityDef, FieldDef, Store
from .errors import bad_request

__all__ = [
    "VALID_OPERATORS",
    "UNFILTERABLE_TYPES",
    "normalize_filters",
    "validate_filters",
    "search",
    "resolve",
    "field_spec",
    "expand_fields",
    "parse_sort",
    "value_getter",
    "reference_now",
]

Pred = Callable[[Any], bool]

_TEXT_OPS = ("is", "is_not", "contains", "not_contains", "starts_with", "ends_with", "in", "not_in")
_DATE_OPS = ("is", "is_not", "greater_than", "less_than", "in_last", "not_in_last", "in_next",
             "not_in_next", "in_calendar_day", "in_calendar_week", "in_calendar_month",
             "in_calendar_year", "between", "in", "not_in")
_ENUM_OPS = ("is", "is_not", "in", "not_in")

#: Operators valid for each data type (the reference's table, plus the types it omits).
VALID_OPERATORS: dict[str, tuple[str, ...]] = {
    "addressing": ("is", "is_not", "contains", "not_contains", "in", "type_is", "type_is_not",
                   "name_contains", "name_not_contains", "name_starts_with", "name_ends_with"),
    "checkbox": ("is", "is_not"),
    "currency": ("is", "is_not", "less_than", "greater_than", "between", "not_between", "in", "not_in"),
    "date": _DATE_OPS,
    "date_time": _DATE_OPS,
    "duration": ("is", "is_not", "greater_than", "less_than", "between", "in", "not_in"),
    "entity": ("is", "is_not", "type_is", "type_is_not", "name_contains", "name_not_contains",
               "name_is", "in", "not_in"),
    "float": ("is", "is_not", "greater_than", "less_than", "between", "in", "not_in"),
    "image": ("is", "is_not"),
    "list": _ENUM_OPS,
    "multi_entity": ("is", "is_not", "type_is", "type_is_not", "name_contains", "name_not_contains",
                     "in", "not_in"),
    "number": ("is", "is_not", "less_than", "greater_than", "between", "not_between", "in", "not_in"),
    "percent": ("is", "is_not", "greater_than", "less_than", "between", "in", "not_in"),
    "status_list": _ENUM_OPS,
    "text": _TEXT_OPS,
    "timecode": ("is", "is_not", "greater_than", "less_than", "between", "in", "not_in"),
    # not in the reference's table
    "color": _ENUM_OPS,
    "entity_type": _ENUM_OPS,
    "uuid": _ENUM_OPS,
    "footage": _TEXT_OPS,
    "tag_list": ("is", "is_not", "name_contains", "name_not_contains"),
}

#: Data types that cannot be filtered on.
UNFILTERABLE_TYPES = frozenset({"password", "serializable", "summary", "url"})

_ALL_OPERATORS = frozenset(op for ops in VALID_OPERATORS.values() for op in ops)

_NEGATIONS = {
    "is_not": "is", "not_in": "in", "not_contains": "contains", "not_between": "between",
    "not_in_last": "in_last", "not_in_next": "in_next", "type_is_not": "type_is",
    "name_not_contains": "name_contains",
}
_CLOCK_OPS = frozenset({"in_last", "not_in_last", "in_next", "not_in_next", "in_calendar_day",
                        "in_calendar_week", "in_calendar_month", "in_calendar_year"})
# operators whose value is a list, when a condition spreads its values out
_LIST_VALUE_OPS = frozenset({"in", "not_in", "between", "not_between", "in_last", "not_in_last",
                             "in_next", "not_in_next"})
_ID_RANGE_OPS = frozenset({"between", "greater_than", "less_than", "is", "in"})
_UNITS = ("HOUR", "DAY", "WEEK", "MONTH", "YEAR")

_STRING_TYPES = frozenset({"text", "footage", "uuid", "list", "status_list", "color", "entity_type"})
_NUMBER_TYPES = frozenset({"number", "float", "currency", "percent", "duration", "timecode"})
_MULTI_LINK_TYPES = frozenset({"multi_entity", "addressing"})
_LINK_TYPES = frozenset({"entity", "multi_entity", "addressing"})

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_UTC = timezone.utc


# ---------------------------------------------------------------------------
# entity types, fields and linked-field paths
# ---------------------------------------------------------------------------

def _entity_def(store: Store, entity: str) -> EntityDef:
    edef = store.entities.get(entity) if isinstance(entity, str) else None
    if edef is None:
        close = difflib.get_close_matches(str(entity), list(store.entities), n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise bad_request(f"Entity type '{entity}' does not exist.{hint}", "entity")
    return edef


def _id_field(entity: str) -> FieldDef:
    return FieldDef(name="id", data_type="number", display_name="Id", entity_type=entity, editable=False)


def _suggest(name: str, candidates: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)


def _field_def(store: Store, entity: str, name: str, full: str, param: str) -> FieldDef:
    fields = store.entities[entity].fields
    fdef = fields.get(name)
    if fdef is not None:
        return fdef
    if name == "id":
        return _id_field(entity)
    close = _suggest(name, [*fields, "id"])
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    where = f" (in '{full}')" if full != name else ""
    raise bad_request(f"Field '{name}'{where} does not exist on entity type '{entity}'.{hint}", param)


@dataclass(frozen=True)
class _Path:
    """A plain or dotted field: the hops to follow and the field finally read."""

    text: str
    hops: tuple[tuple[str, str, bool], ...]  # (link field, target type, is multi-entity)
    final: FieldDef

    @property
    def multi(self) -> bool:
        return any(h[2] for h in self.hops)


def _parse_path(store: Store, entity: str, field: Any, *, param: str,
                allow_multi: bool = True) -> _Path:
    if not isinstance(field, str) or not field:
        raise bad_request(f"Field names must be non-empty strings, not {_show(field)}.", param)
    parts = field.split(".")
    if len(parts) % 2 == 0 or any(not p for p in parts):
        raise bad_request(f"Invalid linked field '{field}': write it as link_field.EntityType.field "
                          "(e.g. entity.Shot.code).", param)
    current = entity
    hops: list[tuple[str, str, bool]] = []
    for i in range(0, len(parts) - 1, 2):
        name, target = parts[i], parts[i + 1]
        fdef = _field_def(store, current, name, field, param)
        if fdef.data_type not in ("entity", "multi_entity"):
            raise bad_request(f"Invalid linked field '{field}': '{name}' on '{current}' is of data type "
                              f"'{fdef.data_type}', not an entity link.", param)
        if target not in store.entities:
            close = _suggest(target, store.entities)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise bad_request(f"Invalid linked field '{field}': entity type '{target}' does not exist.{hint}",
                              param)
        if fdef.valid_types and target not in fdef.valid_types:
            raise bad_request(f"Invalid linked field '{field}': '{current}.{name}' cannot link to '{target}' "
                              f"(valid types: {', '.join(fdef.valid_types)}).", param)
        multi = fdef.data_type == "multi_entity"
        if multi and not allow_multi:
            raise bad_request(f"Linked field '{field}' goes through the multi-entity field '{name}'; "
                              "that is only supported in filters.", param)
        hops.append((name, target, multi))
        current = target
    final = _field_def(store, current, parts[-1], field, param)
    return _Path(field, tuple(hops), final)


def field_spec(store: Store, entity: str, field: str) -> FieldDef:
    """The :class:`FieldDef` a plain or dotted field reaches; :class:`RequestError` if unknown."""
    _entity_def(store, entity)
    return _parse_path(store, entity, field, param="fields").final


def _follow(store: Store, record: dict[str, Any], hops: tuple[tuple[str, str, bool], ...]
            ) -> list[dict[str, Any]]:
    """The live records reached from ``record`` through ``hops``."""
    current = [record]
    for name, target, multi in hops:
        table = store.records.get(target, {})
        reached: list[dict[str, Any]] = []
        for rec in current:
            value = rec.get(name)
            links = (value or ()) if multi else ((value,) if value else ())
            for link in links:
                if link.get("type") == target:
                    hit = table.get(link.get("id"))
                    if hit is not None:
                        reached.append(hit)
        current = reached
        if not current:
            break
    return current


def resolve(store: Store, entity: str, record: dict[str, Any], field: str) -> Any:
    """The value of a plain or dotted field of ``record``; links come back as stored.

    Through a multi-entity hop the result is the list of the reached non-null values.
    """
    if "." not in field:
        return record.get(field)
    path = _parse_path(store, entity, field, param="fields")
    reached = _follow(store, record, path.hops)
    final = path.final.name
    if path.multi:
        return [v for v in (r.get(final) for r in reached) if v is not None]
    return reached[0].get(final) if reached else None


def value_getter(store: Store, entity: str, field: str, *, param: str = "fields"
                 ) -> tuple[FieldDef, Callable[[dict[str, Any]], Any]]:
    """The field's :class:`FieldDef` and a fast ``record -> value`` function (single-entity hops only)."""
    _entity_def(store, entity)
    path = _parse_path(store, entity, field, param=param, allow_multi=False)
    name = path.final.name
    if not path.hops:
        return path.final, lambda rec: rec.get(name)
    hops = path.hops

    def get(rec: dict[str, Any]) -> Any:
        reached = _follow(store, rec, hops)
        return reached[0].get(name) if reached else None
    return path.final, get


def expand_fields(store: Store, entity: str, fields: str | list[str] | None) -> list[str]:
    """The field names to return: ``"*"`` → all, ``None`` → the name field; validated.

    A comma-separated string is accepted; ``"*"`` may be combined with linked
    fields. Unknown fields give one 400 error naming all of them with suggestions.
    """
    edef = _entity_def(store, entity)
    if fields is None:
        return [edef.name_field] if edef.name_field in edef.fields else []
    if isinstance(fields, str):
        names = [f.strip() for f in fields.split(",")]
    elif isinstance(fields, (list, tuple)):
        names = [f.strip() if isinstance(f, str) else f for f in fields]
    else:
        raise bad_request(f"fields must be a list of field names, not {_show(fields)}.", "fields")
    out: list[str] = []
    unknown: list[str] = []
    for name in names:
        if name == "":
            continue
        if name == "*":
            out.extend(edef.fields)
            continue
        if not isinstance(name, str):
            raise bad_request(f"Field names must be strings, not {_show(name)}.", "fields")
        if "." in name:
            _parse_path(store, entity, name, param="fields", allow_multi=False)
        elif name not in edef.fields and name != "id":
            close = _suggest(name, [*edef.fields, "id"])
            unknown.append(f"'{name}'" + (f" (did you mean: {', '.join(close)}?)" if close else ""))
            continue
        out.append(name)
    if unknown:
        raise bad_request(f"Unknown field(s) on entity type '{entity}': {', '.join(unknown)}.", "fields")
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------------------
# filter normalization
# ---------------------------------------------------------------------------

def _show(value: Any) -> str:
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)


def normalize_filters(filters: Any) -> dict[str, Any]:
    """Array or hash form → ``{"logical_operator": "and"|"or", "conditions": [...]}``.

    Conditions come out as ``[field, operator, value]`` lists (operator
    lower-cased) and nested groups in the same hash form. Malformed input raises
    :class:`RequestError`.
    """
    if filters is None:
        return {"logical_operator": "and", "conditions": []}
    if isinstance(filters, dict):
        return _normalize_group(filters)
    if isinstance(filters, (list, tuple)):
        if filters and isinstance(filters[0], str):
            raise bad_request("filters must be a list of conditions ([[field, operator, value], ...]) "
                              f"or a hash; got the single condition {_show(filters)}.", "filters")
        return {"logical_operator": "and", "conditions": [_normalize_item(c) for c in filters]}
    raise bad_request(f"filters must be a list of conditions or a hash, not {_show(filters)}.", "filters")


def _normalize_group(group: dict[str, Any]) -> dict[str, Any]:
    op = group.get("logical_operator", group.get("filter_operator", "and"))
    op = {"all": "and", "any": "or"}.get(op.lower(), op.lower()) if isinstance(op, str) else op
    if op not in ("and", "or"):
        raise bad_request(f"logical_operator must be 'and' or 'or', not {_show(op)}.", "filters")
    if "conditions" not in group:
        raise bad_request("A filter hash needs 'logical_operator' and 'conditions' keys; got "
                          f"{_show(group)}.", "filters")
    conditions = group["conditions"]
    if conditions is None:
        conditions = []
    if not isinstance(conditions, (list, tuple)):
        raise bad_request(f"'conditions' must be a list, not {_show(conditions)}.", "filters")
    return {"logical_operator": op, "conditions": [_normalize_item(c) for c in conditions]}


def _normalize_item(item: Any) -> Any:
    if isinstance(item, dict):
        if "conditions" in item or "logical_operator" in item or "filter_operator" in item:
            return _normalize_group(item)
        if "path" in item and "relation" in item:
            values = item.get("values", [])
            op = item["relation"]
            if not isinstance(values, (list, tuple)):
                values = [values]
            if not values and isinstance(op, str) and op.strip().lower() in _LIST_VALUE_OPS:
                return _condition([item["path"], op, []], [item["path"], op, []])
            return _condition([item["path"], op, *values], item)
        raise bad_request(f"Invalid filter entry {_show(item)}: expected a condition or a filter hash.",
                          "filters")
    if isinstance(item, (list, tuple)):
        return _condition(list(item), item)
    raise bad_request(f"Invalid filter entry {_show(item)}: expected [field, operator, value].", "filters")


def _condition(parts: list[Any], original: Any) -> list[Any]:
    if len(parts) < 3:
        raise bad_request(f"Invalid condition {_show(original)}: expected [field, operator, value].",
                          "filters")
    field, op = parts[0], parts[1]
    if not isinstance(field, str) or not field:
        raise bad_request(f"Invalid condition {_show(original)}: the field must be a non-empty string.",
                          "filters")
    if not isinstance(op, str):
        raise bad_request(f"Invalid condition {_show(original)}: the operator must be a string.", "filters")
    op = op.strip().lower()
    value = parts[2] if len(parts) == 3 else list(parts[2:])
    # {"path","relation","values"} form: a single-item list for a list operator stays a list
    if isinstance(original, dict) and op in _LIST_VALUE_OPS and len(parts) == 3:
        value = parts[2] if isinstance(parts[2], list) and op in ("in", "not_in") else [parts[2]]
    return [field, op, value]


def _uses_clock(node: dict[str, Any]) -> bool:
    for c in node["conditions"]:
        if isinstance(c, dict):
            if _uses_clock(c):
                return True
        elif c[1] in _CLOCK_OPS:
            return True
    return False


# ---------------------------------------------------------------------------
# clock
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Clock:
    """``now`` (aware, UTC) and the user's offset from UTC in hours."""

    now: datetime
    offset: int

    @property
    def local_now(self) -> datetime:
        return (self.now + timedelta(hours=self.offset)).replace(tzinfo=None)

    @property
    def today(self) -> date:
        return self.local_now.date()

    def local_to_utc(self, day: date) -> str:
        """Local midnight starting ``day``, as a stored ``date_time`` string."""
        return (datetime.combine(day, datetime.min.time()) - timedelta(hours=self.offset)).strftime(_DT_FORMAT)


def reference_now(store: Store, now: datetime | None = None) -> datetime:
    """``now`` as an aware UTC datetime; by default the current UTC time of day on ``store.today``."""
    if now is None:
        return datetime.combine(store.today, datetime.now(_UTC).timetz())
    if now.tzinfo is None:
        return now.replace(tzinfo=_UTC)
    return now.astimezone(_UTC)


def _make_clock(store: Store, now: datetime | None, tz_offset_hours: int) -> _Clock:
    return _Clock(reference_now(store, now), int(tz_offset_hours))


def _add_months(moment: Any, months: int) -> Any:
    total = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _shift(moment: datetime, n: int, unit: str) -> datetime:
    if unit == "HOUR":
        return moment + timedelta(hours=n)
    if unit == "DAY":
        return moment + timedelta(days=n)
    if unit == "WEEK":
        return moment + timedelta(weeks=n)
    if unit == "MONTH":
        return _add_months(moment, n)
    return _add_months(moment, 12 * n)


def _fmt_floor(moment: datetime) -> str:
    return moment.astimezone(_UTC).strftime(_DT_FORMAT)


def _fmt_ceil(moment: datetime) -> str:
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.astimezone(_UTC).strftime(_DT_FORMAT)


# ---------------------------------------------------------------------------
# compiling conditions
# ---------------------------------------------------------------------------

@dataclass
class _Ctx:
    store: Store
    entity: str
    clock: _Clock


class _Cond:
    """The condition being compiled, for error messages."""

    def __init__(self, field: str, op: str, value: Any, fdef: FieldDef) -> None:
        self.field, self.op, self.value, self.fdef = field, op, value, fdef

    def bad_value(self, expected: str) -> Exception:
        return bad_request(
            f"Invalid filter value {_show(self.value)} for field '{self.field}' (data type "
            f"'{self.fdef.data_type}') with operator '{self.op}': expected {expected}.", "filters")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_entity(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("type"), str)
            and isinstance(value.get("id"), int) and not isinstance(value.get("id"), bool))


def _negate(pred: Pred) -> Pred:
    return lambda v: not pred(v)


def _compile_node(ctx: _Ctx, node: dict[str, Any]) -> Pred | None:
    """A predicate over records, or ``None`` when the node matches everything."""
    preds = [_compile_item(ctx, c) for c in node["conditions"]]
    if any(p is None for p in preds):
        if node["logical_operator"] == "or":
            return None
        preds = [p for p in preds if p is not None]
    if not preds:
        return None
    if len(preds) == 1:
        return preds[0]
    if node["logical_operator"] == "and":
        if len(preds) == 2:
            a, b = preds
            return lambda r: a(r) and b(r)
        return lambda r: all(p(r) for p in preds)
    if len(preds) == 2:
        a, b = preds
        return lambda r: a(r) or b(r)
    return lambda r: any(p(r) for p in preds)


def _compile_item(ctx: _Ctx, item: Any) -> Pred | None:
    if isinstance(item, dict):
        return _compile_node(ctx, item)
    return _compile_condition(ctx, item)


def _compile_condition(ctx: _Ctx, condition: list[Any]) -> Pred:
    field, op, value = condition
    path = _parse_path(ctx.store, ctx.entity, field, param="filters")
    fdef = path.final
    dtype = fdef.data_type
    if dtype in UNFILTERABLE_TYPES or dtype not in VALID_OPERATORS:
        raise bad_request(f"Invalid filter on field '{field}': filtering on fields of data type "
                          f"'{dtype}' is not supported.", "filters")
    valid = VALID_OPERATORS[dtype]
    if op not in valid:
        what = "is not valid" if op in _ALL_OPERATORS else "is not a known operator and is not valid"
        raise bad_request(f"Invalid filter on field '{field}': operator '{op}' {what} for data type "
                          f"'{dtype}'. Valid operators: {', '.join(valid)}.", "filters")
    cond = _Cond(field, op, value, fdef)
    positive = _NEGATIONS.get(op, op)
    leaf = _leaf(ctx, cond, positive)
    if op in _NEGATIONS:
        leaf = _negate(leaf)
    return _bind(ctx, path, leaf)


def _bind(ctx: _Ctx, path: _Path, leaf: Pred) -> Pred:
    """A predicate over records that applies ``leaf`` to the field's value."""
    name = path.final.name
    if not path.hops:
        return lambda r: leaf(r.get(name))
    store = ctx.store
    tables = {target: store.records.get(target, {}) for _, target, _ in path.hops}
    hops = path.hops
    if not path.multi:
        def single(rec: dict[str, Any]) -> bool:
            for link_field, target, _ in hops:
                link = rec.get(link_field)
                if not link or link.get("type") != target:
                    return leaf(None)
                rec = tables[target].get(link.get("id"))
                if rec is None:
                    return leaf(None)
            return leaf(rec.get(name))
        return single

    def multi(rec: dict[str, Any]) -> bool:  # through a multi-entity hop: any record reached matches
        reached = _follow(store, rec, hops)
        if not reached:
            return leaf(None)
        return any(leaf(r.get(name)) for r in reached)
    return multi


def _leaf(ctx: _Ctx, cond: _Cond, op: str) -> Pred:
    dtype = cond.fdef.data_type
    if dtype in _STRING_TYPES:
        return _string_leaf(cond, op)
    if dtype in _NUMBER_TYPES:
        return _number_leaf(cond, op)
    if dtype in ("date", "date_time"):
        return _date_leaf(ctx, cond, op)
    if dtype == "checkbox":
        return _checkbox_leaf(cond, op)
    if dtype == "entity":
        return _entity_leaf(ctx, cond, op)
    if dtype in _MULTI_LINK_TYPES:
        return _multi_leaf(ctx, cond, op)
    if dtype == "image":
        if cond.value is not None:
            raise cond.bad_value("None (image fields only support is / is_not None)")
        return lambda v: v is None or v == ""
    if dtype == "tag_list":
        return _tag_leaf(cond, op)
    raise bad_request(f"Invalid filter on field '{cond.field}': filtering on fields of data type "
                      f"'{dtype}' is not supported.", "filters")


def _list_value(cond: _Cond, check: Callable[[Any], bool], expected: str) -> list[Any]:
    value = cond.value
    if not isinstance(value, (list, tuple)):
        raise cond.bad_value(f"a list of {expected}")
    for item in value:
        if item is not None and not check(item):
            raise cond.bad_value(f"a list of {expected}")
    return list(value)


def _pair_value(cond: _Cond, check: Callable[[Any], bool], expected: str) -> tuple[Any, Any]:
    value = cond.value
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise cond.bad_value(f"a list of two {expected} (or None for an open end)")
    for item in value:
        if item is not None and not check(item):
            raise cond.bad_value(f"a list of two {expected} (or None for an open end)")
    return value[0], value[1]


def _string_leaf(cond: _Cond, op: str) -> Pred:
    value = cond.value
    is_str = lambda x: isinstance(x, str)  # noqa: E731
    if op == "is":
        if value is None:
            return lambda v: v is None
        if not isinstance(value, str):
            raise cond.bad_value("a string or None")
        low = value.lower()
        return lambda v: v is not None and v.lower() == low
    if op == "in":
        items = _list_value(cond, is_str, "strings")
        lows = frozenset(x.lower() for x in items if x is not None)
        has_null = any(x is None for x in items)
        return lambda v: has_null if v is None else v.lower() in lows
    if op == "contains":
        if value is None:
            return lambda v: False
        if not isinstance(value, str):
            raise cond.bad_value("a string")
        low = value.lower()
        return lambda v: v is not None and low in v.lower()
    if op in ("starts_with", "ends_with"):
        if not isinstance(value, str):
            raise cond.bad_value("a string")
        low = value.lower()
        if op == "starts_with":
            return lambda v: v is not None and v.lower().startswith(low)
        return lambda v: v is not None and v.lower().endswith(low)
    raise AssertionError(op)  # pragma: no cover - guarded by VALID_OPERATORS


def _range_leaf(lo: Any, hi: Any, hi_inclusive: bool = True) -> Pred:
    """``lo <= v <= hi`` (or ``< hi``); ``None`` bounds are open; null ``v`` is false."""
    if lo is None and hi is None:
        return lambda v: v is not None
    if lo is None:
        if hi_inclusive:
            return lambda v: v is not None and v <= hi
        return lambda v: v is not None and v < hi
    if hi is None:
        return lambda v: v is not None and v >= lo
    if hi_inclusive:
        return lambda v: v is not None and lo <= v <= hi
    return lambda v: v is not None and lo <= v < hi


def _compare_leaf(cond: _Cond, op: str, value: Any) -> Pred:
    """``is`` / ``less_than`` / ``greater_than`` on comparable, already-converted values."""
    if op == "is":
        if value is None:
            return lambda v: v is None
        return lambda v: v is not None and v == value
    if value is None:  # less_than / greater_than None: a comparison with null
        return lambda v: False
    if op == "less_than":
        return lambda v: v is not None and v < value
    return lambda v: v is not None and v > value


def _number_leaf(cond: _Cond, op: str) -> Pred:
    value = cond.value
    if op in ("is", "less_than", "greater_than"):
        if value is not None and not _is_number(value):
            raise cond.bad_value("a number or None")
        return _compare_leaf(cond, op, value)
    if op == "in":
        items = _list_value(cond, _is_number, "numbers")
        members = frozenset(x for x in items if x is not None)
        has_null = any(x is None for x in items)
        return lambda v: has_null if v is None else v in members
    if op == "between":
        lo, hi = _pair_value(cond, _is_number, "numbers")
        return _range_leaf(lo, hi)
    raise AssertionError(op)  # pragma: no cover


def _checkbox_leaf(cond: _Cond, op: str) -> Pred:
    value = cond.value
    if value is not None and not isinstance(value, bool):
        raise cond.bad_value("true, false or None")
    if value is None:
        return lambda v: v is None
    return lambda v: v is not None and v == value


def _to_date(value: Any) -> str | None:
    if isinstance(value, str) and _DATE_RE.match(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    return None


def _to_date_time(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)
    return moment.astimezone(_UTC).strftime(_DT_FORMAT)


def _int_arg(cond: _Cond) -> int:
    value = cond.value
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool):
        raise cond.bad_value("an integer offset (0 = current, 1 = next, -1 = previous)")
    return value


def _amount_unit(cond: _Cond) -> tuple[int, str]:
    value = cond.value
    if (not isinstance(value, (list, tuple)) or len(value) != 2 or not isinstance(value[0], int)
            or isinstance(value[0], bool) or not isinstance(value[1], str)
            or value[1].upper() not in _UNITS):
        raise cond.bad_value("[count, unit] with an integer count and a unit among " + ", ".join(_UNITS))
    return value[0], value[1].upper()


def _date_leaf(ctx: _Ctx, cond: _Cond, op: str) -> Pred:
    is_date = cond.fdef.data_type == "date"
    convert = _to_date if is_date else _to_date_time
    expected = "a date string 'YYYY-MM-DD'" if is_date else "an ISO 8601 date-time string"
    value = cond.value
    clock = ctx.clock

    def conv(item: Any) -> Any:
        if item is None:
            return None
        out = convert(item)
        if out is None:
            raise cond.bad_value(f"{expected} or None")
        return out

    if op in ("is", "less_than", "greater_than"):
        return _compare_leaf(cond, op, conv(value))
    if op == "in":
        if not isinstance(value, (list, tuple)):
            raise cond.bad_value(f"a list of {expected}s")
        items = [conv(x) for x in value]
        members = frozenset(x for x in items if x is not None)
        has_null = any(x is None for x in items)
        return lambda v: has_null if v is None else v in members
    if op == "between":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise cond.bad_value(f"a list of two {expected}s (or None for an open end)")
        return _range_leaf(conv(value[0]), conv(value[1]))
    if op in ("in_last", "in_next"):
        amount, unit = _amount_unit(cond)
        if is_date:
            local = clock.local_now
            today = clock.today.isoformat()
            if op == "in_last":
                return _range_leaf(_shift(local, -amount, unit).date().isoformat(), today)
            return _range_leaf(today, _shift(local, amount, unit).date().isoformat())
        now = clock.now
        if op == "in_last":
            return _range_leaf(_fmt_ceil(_shift(now, -amount, unit)), _fmt_floor(now))
        return _range_leaf(_fmt_ceil(now), _fmt_floor(_shift(now, amount, unit)))
    # calendar periods: [start, end) as local dates
    k = _int_arg(cond)
    today = clock.today
    if op == "in_calendar_day":
        start = today + timedelta(days=k)
        end = start + timedelta(days=1)
    elif op == "in_calendar_week":
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=k)
        end = start + timedelta(weeks=1)
    elif op == "in_calendar_month":
        start = _add_months(today.replace(day=1), k)
        end = _add_months(start, 1)
    else:
        start = date(today.year + k, 1, 1)
        end = date(today.year + k + 1, 1, 1)
    if is_date:
        return _range_leaf(start.isoformat(), end.isoformat(), hi_inclusive=False)
    return _range_leaf(clock.local_to_utc(start), clock.local_to_utc(end), hi_inclusive=False)


def _entity_arg(ctx: _Ctx, cond: _Cond, value: Any, allow_none: bool = True) -> tuple[str, int] | None:
    if value is None and allow_none:
        return None
    if not _is_entity(value):
        raise cond.bad_value('an entity {"type": ..., "id": ...}' + (" or None" if allow_none else ""))
    if value["type"] not in ctx.store.entities:
        raise bad_request(f"Invalid filter on field '{cond.field}': entity type '{value['type']}' "
                          "does not exist.", "filters")
    return value["type"], value["id"]


def _type_arg(ctx: _Ctx, cond: _Cond) -> str | None:
    value = cond.value
    if value is None:
        return None
    if not isinstance(value, str):
        raise cond.bad_value("an entity type name or None")
    if value not in ctx.store.entities:
        raise bad_request(f"Invalid filter on field '{cond.field}': entity type '{value}' does not exist.",
                          "filters")
    return value


def _name_pred(ctx: _Ctx, cond: _Cond, op: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate over one link, testing its display name."""
    if not isinstance(cond.value, str):
        raise cond.bad_value("a string")
    low = cond.value.lower()
    display_name = ctx.store.display_name

    def name_of(link: dict[str, Any]) -> str | None:
        name = display_name(link["type"], link["id"])
        return None if name is None else name.lower()

    if op == "name_contains":
        return lambda link: (n := name_of(link)) is not None and low in n
    if op == "name_is":
        return lambda link: name_of(link) == low
    if op == "name_starts_with":
        return lambda link: (n := name_of(link)) is not None and n.startswith(low)
    return lambda link: (n := name_of(link)) is not None and n.endswith(low)


def _entity_leaf(ctx: _Ctx, cond: _Cond, op: str) -> Pred:
    if op == "is":
        key = _entity_arg(ctx, cond, cond.value)
        if key is None:
            return lambda v: v is None
        etype, eid = key
        return lambda v: v is not None and v.get("id") == eid and v.get("type") == etype
    if op == "in":
        if not isinstance(cond.value, (list, tuple)):
            raise cond.bad_value("a list of entities")
        keys = [_entity_arg(ctx, cond, x) for x in cond.value]
        members = frozenset(k for k in keys if k is not None)
        has_null = any(k is None for k in keys)
        return lambda v: has_null if v is None else (v.get("type"), v.get("id")) in members
    if op == "type_is":
        etype = _type_arg(ctx, cond)
        if etype is None:
            return lambda v: v is None
        return lambda v: v is not None and v.get("type") == etype
    one = _name_pred(ctx, cond, op)
    return lambda v: v is not None and one(v)


def _multi_leaf(ctx: _Ctx, cond: _Cond, op: str) -> Pred:
    if op in ("is", "contains"):
        key = _entity_arg(ctx, cond, cond.value)
        if key is None:
            return lambda v: not v
        etype, eid = key
        return lambda v: bool(v) and any(x.get("id") == eid and x.get("type") == etype for x in v)
    if op == "in":
        if not isinstance(cond.value, (list, tuple)):
            raise cond.bad_value("a list of entities")
        keys = [_entity_arg(ctx, cond, x) for x in cond.value]
        members = frozenset(k for k in keys if k is not None)
        has_null = any(k is None for k in keys)
        return lambda v: (has_null and not v) or bool(v) and any(
            (x.get("type"), x.get("id")) in members for x in v)
    if op == "type_is":
        etype = _type_arg(ctx, cond)
        if etype is None:
            return lambda v: not v
        return lambda v: bool(v) and any(x.get("type") == etype for x in v)
    one = _name_pred(ctx, cond, op)
    return lambda v: bool(v) and any(one(x) for x in v)


def _tag_leaf(cond: _Cond, op: str) -> Pred:
    value = cond.value
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        value = value["name"]
    if op == "is":
        if value is None:
            return lambda v: not v
        if not isinstance(value, str):
            raise cond.bad_value("a tag name or None")
        low = value.lower()
        return lambda v: bool(v) and any(t.lower() == low for t in v)
    if not isinstance(value, str):
        raise cond.bad_value("a string")
    low = value.lower()
    return lambda v: bool(v) and any(low in t.lower() for t in v)


def _compile(store: Store, entity: str, tree: dict[str, Any], clock: _Clock) -> Pred | None:
    return _compile_node(_Ctx(store, entity, clock), tree)


def validate_filters(store: Store, entity: str, filters: Any) -> None:
    """Raise :class:`RequestError` (400, code 103) naming the bad field, operator or value."""
    _entity_def(store, entity)
    _compile(store, entity, normalize_filters(filters), _make_clock(store, None, 0))


# ---------------------------------------------------------------------------
# sorting
# ---------------------------------------------------------------------------

def parse_sort(store: Store, entity: str, sort: str | list[str] | None) -> list[tuple[str, bool]]:
    """``"-due_date,id"`` or ``["-due_date", "id"]`` → ``[("due_date", True), ("id", False)]``."""
    if sort is None:
        return []
    if isinstance(sort, str):
        items = [s.strip() for s in sort.split(",")]
    elif isinstance(sort, (list, tuple)):
        items = list(sort)
    else:
        raise bad_request(f"sort must be a comma-separated string or a list, not {_show(sort)}.", "sort")
    out: list[tuple[str, bool]] = []
    for item in items:
        if item == "":
            continue
        if not isinstance(item, str):
            raise bad_request(f"Sort entries must be field names, not {_show(item)}.", "sort")
        desc = item.startswith("-")
        name = item[1:] if desc else item.lstrip("+")
        _parse_path(store, entity, name, param="sort", allow_multi=False)
        out.append((name, desc))
    return out


def _sort_value(store: Store, fdef: FieldDef) -> Callable[[Any], Any]:
    """Field value → comparable sort value (``None`` stays ``None``)."""
    dtype = fdef.data_type
    if dtype in _STRING_TYPES or dtype == "image":
        return lambda v: None if v is None else str(v).lower()
    if dtype in _NUMBER_TYPES or dtype in ("date", "date_time", "checkbox"):
        return lambda v: v

    def link_name(link: dict[str, Any]) -> str:
        return (store.display_name(link["type"], link["id"]) or "").lower()

    if dtype == "entity":
        return lambda v: None if not v else link_name(v)
    if dtype in _MULTI_LINK_TYPES:
        return lambda v: tuple(sorted(link_name(x) for x in v)) if v else None
    if dtype == "tag_list":
        return lambda v: tuple(sorted(str(t).lower() for t in v)) if v else None
    if dtype == "url":
        return lambda v: None if not v else str(v.get("name") or v.get("url") or "").lower()
    return lambda v: None if v is None else _show(v)


def _sort_key(store: Store, entity: str, field: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    path = _parse_path(store, entity, field, param="sort", allow_multi=False)
    to_value = _sort_value(store, path.final)
    name = path.final.name
    hops = path.hops

    def key(rec: dict[str, Any]) -> tuple[bool, Any]:
        if hops:
            reached = _follow(store, rec, hops)
            raw = reached[0].get(name) if reached else None
        else:
            raw = rec.get(name)
        value = to_value(raw)
        return (True, 0) if value is None else (False, value)
    return key


def _sort_records(store: Store, entity: str, records: list[dict[str, Any]],
                  spec: list[tuple[str, bool]]) -> None:
    """Sort in place (records arrive in id order, which settles ties)."""
    for field, desc in reversed(spec):
        records.sort(key=_sort_key(store, entity, field), reverse=desc)


# ---------------------------------------------------------------------------
# search, with its cache
# ---------------------------------------------------------------------------

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
        cond = _Cond(field, op, value, _id_field(entity))
        if op == "between":
            lo, hi = _pair_value(cond, _is_number, "numbers")
            if lo is not None:
                self._lower(lo, True)
            if hi is not None:
                self._upper(hi, True)
        elif op in ("greater_than", "less_than", "is"):
            if value is not None and not _is_number(value):
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
            items = _list_value(cond, _is_number, "numbers")
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
             retired: bool, include_archived_projects: bool, clock: _Clock) -> _Result:
    pred = _compile(store, entity, tree, clock)
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
    _sort_records(store, entity, records, spec)
    return _Result.of([r["id"] for r in records], by_id=False)


def search(store: Store, entity: str, filters: Any, sort: list[str] | str | None = None, *,
           retired: bool = False, include_archived_projects: bool = False,
           now: datetime | None = None, tz_offset_hours: int = 0) -> list[int]:
    """The ids of the matching records, in ``sort`` order (default: id ascending).

    ``retired=True`` searches the retired records instead of the live ones.
    Records of archived projects (and archived Projects themselves) are left
    out unless ``include_archived_projects``.
    """
    _entity_def(store, entity)
    tree, rng = _split_id_conditions(entity, normalize_filters(filters))
    spec = parse_sort(store, entity, sort)
    if spec in ([], [("id", False)]):
        mode, spec = "asc", []
    elif spec == [("id", True)]:
        mode, spec = "desc", []
    else:
        mode = "general"
    clock = _make_clock(store, now, tz_offset_hours)
    stamp = None
    if _uses_clock(tree):
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
