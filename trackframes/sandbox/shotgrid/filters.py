"""Compiling ShotGrid filters into predicates over stored records.

Operators are checked against the "Valid Operators By Data Type" table of the
reference (:data:`VALID_OPERATORS`; :mod:`.query` states the semantics). A
normalized filter tree (:mod:`.filter_forms`) compiles once into nested
closures (:func:`compile_filters`), which :mod:`.search` applies to records.

>>> from datetime import date
>>> from trackframes.sandbox.shotgrid.render_production import generate
>>> store = generate(scale=0.01, seed=1, today=date(2026, 3, 2))
>>> tree = normalize_filters([["content", "is", "model"]])
>>> keep = compile_filters(store, "Task", tree, make_clock(store, None, 0))
>>> sorted({r["content"] for r in store.records["Task"].values() if keep(r)})
['Model']
>>> validate_filters(store, "Task", [["due_date", "contains", "2026"]])
Traceback (most recent call last):
...
trackframes.sandbox.shotgrid.errors.RequestError: Invalid filter on field 'due_date': operator 'contains' ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable

from .clock import DT_FORMAT, UNITS, UTC, Clock, add_months, fmt_ceil, fmt_floor, make_clock, shift
from .errors import bad_request, show
from .filter_forms import normalize_filters
from .model import FieldDef, Store
from .paths import MULTI_LINK_TYPES, NUMBER_TYPES, STRING_TYPES, Path, entity_def, follow, parse_path

__all__ = ["VALID_OPERATORS", "UNFILTERABLE_TYPES", "Pred", "Cond", "compile_filters", "validate_filters",
           "is_number", "list_value", "pair_value"]

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


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class _Ctx:
    store: Store
    entity: str
    clock: Clock


class Cond:
    """The condition being compiled, for error messages."""

    def __init__(self, field: str, op: str, value: Any, fdef: FieldDef) -> None:
        self.field, self.op, self.value, self.fdef = field, op, value, fdef

    def bad_value(self, expected: str) -> Exception:
        return bad_request(
            f"Invalid filter value {show(self.value)} for field '{self.field}' (data type "
            f"'{self.fdef.data_type}') with operator '{self.op}': expected {expected}.", "filters")


def is_number(value: Any) -> bool:
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
    path = parse_path(ctx.store, ctx.entity, field, param="filters")
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
    cond = Cond(field, op, value, fdef)
    positive = _NEGATIONS.get(op, op)
    leaf = _leaf(ctx, cond, positive)
    if op in _NEGATIONS:
        leaf = _negate(leaf)
    return _bind(ctx, path, leaf)


def _bind(ctx: _Ctx, path: Path, leaf: Pred) -> Pred:
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
        reached = follow(store, rec, hops)
        if not reached:
            return leaf(None)
        return any(leaf(r.get(name)) for r in reached)
    return multi


def _leaf(ctx: _Ctx, cond: Cond, op: str) -> Pred:
    dtype = cond.fdef.data_type
    if dtype in STRING_TYPES:
        return _string_leaf(cond, op)
    if dtype in NUMBER_TYPES:
        return _number_leaf(cond, op)
    if dtype in ("date", "date_time"):
        return _date_leaf(ctx, cond, op)
    if dtype == "checkbox":
        return _checkbox_leaf(cond, op)
    if dtype == "entity":
        return _entity_leaf(ctx, cond, op)
    if dtype in MULTI_LINK_TYPES:
        return _multi_leaf(ctx, cond, op)
    if dtype == "image":
        if cond.value is not None:
            raise cond.bad_value("None (image fields only support is / is_not None)")
        return lambda v: v is None or v == ""
    if dtype == "tag_list":
        return _tag_leaf(cond, op)
    raise bad_request(f"Invalid filter on field '{cond.field}': filtering on fields of data type "
                      f"'{dtype}' is not supported.", "filters")


def list_value(cond: Cond, check: Callable[[Any], bool], expected: str) -> list[Any]:
    value = cond.value
    if not isinstance(value, (list, tuple)):
        raise cond.bad_value(f"a list of {expected}")
    for item in value:
        if item is not None and not check(item):
            raise cond.bad_value(f"a list of {expected}")
    return list(value)


def pair_value(cond: Cond, check: Callable[[Any], bool], expected: str) -> tuple[Any, Any]:
    value = cond.value
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise cond.bad_value(f"a list of two {expected} (or None for an open end)")
    for item in value:
        if item is not None and not check(item):
            raise cond.bad_value(f"a list of two {expected} (or None for an open end)")
    return value[0], value[1]


def _string_leaf(cond: Cond, op: str) -> Pred:
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
        items = list_value(cond, is_str, "strings")
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


def _compare_leaf(cond: Cond, op: str, value: Any) -> Pred:
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


def _number_leaf(cond: Cond, op: str) -> Pred:
    value = cond.value
    if op in ("is", "less_than", "greater_than"):
        if value is not None and not is_number(value):
            raise cond.bad_value("a number or None")
        return _compare_leaf(cond, op, value)
    if op == "in":
        items = list_value(cond, is_number, "numbers")
        members = frozenset(x for x in items if x is not None)
        has_null = any(x is None for x in items)
        return lambda v: has_null if v is None else v in members
    if op == "between":
        lo, hi = pair_value(cond, is_number, "numbers")
        return _range_leaf(lo, hi)
    raise AssertionError(op)  # pragma: no cover


def _checkbox_leaf(cond: Cond, op: str) -> Pred:
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
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(DT_FORMAT)


def _int_arg(cond: Cond) -> int:
    value = cond.value
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool):
        raise cond.bad_value("an integer offset (0 = current, 1 = next, -1 = previous)")
    return value


def _amount_unit(cond: Cond) -> tuple[int, str]:
    value = cond.value
    if (not isinstance(value, (list, tuple)) or len(value) != 2 or not isinstance(value[0], int)
            or isinstance(value[0], bool) or not isinstance(value[1], str)
            or value[1].upper() not in UNITS):
        raise cond.bad_value("[count, unit] with an integer count and a unit among " + ", ".join(UNITS))
    return value[0], value[1].upper()


def _date_leaf(ctx: _Ctx, cond: Cond, op: str) -> Pred:
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
                return _range_leaf(shift(local, -amount, unit).date().isoformat(), today)
            return _range_leaf(today, shift(local, amount, unit).date().isoformat())
        now = clock.now
        if op == "in_last":
            return _range_leaf(fmt_ceil(shift(now, -amount, unit)), fmt_floor(now))
        return _range_leaf(fmt_ceil(now), fmt_floor(shift(now, amount, unit)))
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
        start = add_months(today.replace(day=1), k)
        end = add_months(start, 1)
    else:
        start = date(today.year + k, 1, 1)
        end = date(today.year + k + 1, 1, 1)
    if is_date:
        return _range_leaf(start.isoformat(), end.isoformat(), hi_inclusive=False)
    return _range_leaf(clock.local_to_utc(start), clock.local_to_utc(end), hi_inclusive=False)


def _entity_arg(ctx: _Ctx, cond: Cond, value: Any, allow_none: bool = True) -> tuple[str, int] | None:
    if value is None and allow_none:
        return None
    if not _is_entity(value):
        raise cond.bad_value('an entity {"type": ..., "id": ...}' + (" or None" if allow_none else ""))
    if value["type"] not in ctx.store.entities:
        raise bad_request(f"Invalid filter on field '{cond.field}': entity type '{value['type']}' "
                          "does not exist.", "filters")
    return value["type"], value["id"]


def _type_arg(ctx: _Ctx, cond: Cond) -> str | None:
    value = cond.value
    if value is None:
        return None
    if not isinstance(value, str):
        raise cond.bad_value("an entity type name or None")
    if value not in ctx.store.entities:
        raise bad_request(f"Invalid filter on field '{cond.field}': entity type '{value}' does not exist.",
                          "filters")
    return value


def _name_pred(ctx: _Ctx, cond: Cond, op: str) -> Callable[[dict[str, Any]], bool]:
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


def _entity_leaf(ctx: _Ctx, cond: Cond, op: str) -> Pred:
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


def _multi_leaf(ctx: _Ctx, cond: Cond, op: str) -> Pred:
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


def _tag_leaf(cond: Cond, op: str) -> Pred:
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


def compile_filters(store: Store, entity: str, tree: dict[str, Any], clock: Clock) -> Pred | None:
    return _compile_node(_Ctx(store, entity, clock), tree)


def validate_filters(store: Store, entity: str, filters: Any) -> None:
    """Raise :class:`RequestError` (400, code 103) naming the bad field, operator or value."""
    entity_def(store, entity)
    compile_filters(store, entity, normalize_filters(filters), make_clock(store, None, 0))
