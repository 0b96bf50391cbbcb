"""Evaluating a filter tree on a shaped Arrow table: :func:`mask`.

The semantics are the server's (the sandbox's query engine is the reference):

* Text comparisons (text, categories, tags, link names) ignore case.
* A comparison with a null value is false; each negative relation (``is_not``,
  ``not_in``, ``not_contains``, ``not_between``, ``not_in_last``, ``not_in_next``,
  ``type_is_not``, ``name_not_contains``) is the exact negation of its positive
  twin, so it matches nulls. ``is None`` matches nulls; ``in`` with ``None`` among
  its values matches nulls too; ``contains None``, ``less_than None`` and
  ``greater_than None`` match nothing.
* ``between`` is inclusive at both ends; a ``None`` end is open.
* Links: ``is`` compares type and id, ``type_is`` the type, ``name_*`` the link's
  display name. On multi-link fields ``is``/``contains``/``in``/``type_is``/``name_*``
  match when any linked record matches, and ``is None`` matches an empty list. Tags:
  ``is`` means "carries the tag", ``name_contains`` "a tag contains".
* Thumbnail (``image``) fields: an empty text counts as no value.
* Dates take ``"YYYY-MM-DD"`` (or ``datetime.date``); date-times take ISO 8601 text
  (``Z``, an offset, or naive = UTC), a ``date`` (its UTC midnight) or a ``datetime``,
  and compare at whole seconds. Relative relations follow :class:`~trackframes.engine.clock.Clock`.
* An empty group (``and`` or ``or``) matches every row.

Dotted fields (``entity.Shot.code``) are read from their own columns: a
record whose link does not reach the field holds null there, as on the server.

>>> import trackframes as tf
>>> from trackframes.engine import mask
>>> from trackframes.query import parse_filters
>>> with tf.sandbox.serve(scale=0.02, seed=1) as sb:
...     site = sb.connect(progress=False)
...     fields = ["content", "due_date", "task_assignees"]
...     table = site.find_arrow("Task", fields=fields)
...     specs = site.backend.resolve_fields("Task", fields)
...     tree = parse_filters({"filter_operator": "any", "filters": [["content", "contains", "ANIM"],
...                                                                ["task_assignees", "is", None]]})
...     mine = set(table.filter(mask(table, tree, specs)).column("id").to_pylist())
...     theirs = set(site.find("Task", tree.to_dict(), ["id"])["id"])
>>> mine == theirs
True
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone, tzinfo
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import SchemaError
from ..query.filters import Condition, Group, Node, parse_filters
from ..query.relations import NEGATIONS, RELATIONS_BY_KIND
from ..suggest import hint, suggest
from ..schema import FieldKind, FieldSpec
from .clock import UNITS, Clock, utc_now
from .columns import (EMPTY_MEANS_NULL, Specs, column, elements, any_per_row, fold, link_columns, present,
                      spec_for, spec_map, text, to_bool)

__all__ = ["mask", "RELATIONS_BY_KIND", "NEGATIONS"]

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UTC = timezone.utc
_TS = pa.timestamp("ms", tz="UTC")


def mask(table: pa.Table, tree: Any, specs: Specs, *, now: datetime | None = None,
         tz: tzinfo | None = None) -> pa.BooleanArray:
    """Which rows of ``table`` match ``tree`` (a filter tree or any public filter form).

    ``specs`` are the fields' specs (a list or a mapping by name); ``now`` (default:
    the current time) and ``tz`` (default: UTC) anchor the relative date relations.
    """
    root = tree if isinstance(tree, (Group, Condition)) else parse_filters(tree)
    ctx = _Ctx(table, spec_map(specs), Clock(now or utc_now(), tz or _UTC))
    return pa.array(ctx.node(root), type=pa.bool_())


class _Ctx:
    def __init__(self, table: pa.Table, specs: dict[str, FieldSpec], clock: Clock) -> None:
        self.table, self.specs, self.clock = table, specs, clock
        self.n = table.num_rows

    def node(self, node: Node) -> np.ndarray:
        if isinstance(node, Condition):
            return self.condition(node)
        out = np.ones(self.n, dtype=bool)
        if not node.items:
            return out
        if node.op == "or":
            out[:] = False
            for item in node.items:
                out |= self.node(item)
        else:
            for item in node.items:
                out &= self.node(item)
        return out

    def condition(self, cond: Condition) -> np.ndarray:
        spec = spec_for(self.table, self.specs, cond.path)
        valid = RELATIONS_BY_KIND.get(spec.kind, ())
        if not valid:
            raise SchemaError(f"Cannot filter on {cond.path!r}: {spec.kind.value} fields ({spec.data_type}) "
                              "cannot be filtered on.", name=cond.path)
        if cond.op not in valid:
            hints = suggest(cond.op, valid)
            raise SchemaError(f"Relation {cond.op!r} does not apply to {cond.path!r}, a {spec.kind.value} field."
                              f"{hint(hints)} Valid relations: {', '.join(valid)}.", name=cond.op,
                              suggestions=hints or list(valid))
        positive = NEGATIONS.get(cond.op, cond.op)
        hits = _LEAVES[spec.kind](self, _Leaf(cond, spec, positive))
        return ~hits if cond.op in NEGATIONS else hits


class _Leaf:
    """One condition being evaluated: its value, field and positive relation."""

    def __init__(self, cond: Condition, spec: FieldSpec, op: str) -> None:
        self.cond, self.spec, self.op, self.value = cond, spec, op, cond.value
        self.path = cond.path

    def bad(self, expected: str) -> SchemaError:
        return SchemaError(f"Filter {self.cond.to_list()!r}: {self.value!r} is not a valid value for "
                           f"{self.cond.op!r} on {self.path!r} ({self.spec.kind.value}); expected {expected}.",
                           name=self.path)

    def items(self, check: Callable[[Any], bool], expected: str) -> tuple[list[Any], bool]:
        """The non-null members of an ``in`` list, and whether ``None`` is one of them."""
        if not isinstance(self.value, (list, tuple)):
            raise self.bad(f"a list of {expected}")
        for item in self.value:
            if item is not None and not check(item):
                raise self.bad(f"a list of {expected}")
        return [x for x in self.value if x is not None], any(x is None for x in self.value)

    def pair(self, check: Callable[[Any], bool], expected: str) -> tuple[Any, Any]:
        if not isinstance(self.value, (list, tuple)) or len(self.value) != 2:
            raise self.bad(f"[low, high] with two {expected} (None for an open end)")
        for item in self.value:
            if item is not None and not check(item):
                raise self.bad(f"[low, high] with two {expected} (None for an open end)")
        return self.value[0], self.value[1]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


# ---------------------------------------------------------------------------
# comparisons shared by the scalar kinds
# ---------------------------------------------------------------------------

def _cmp(op: str, col: pa.Array, value: Any) -> np.ndarray:
    fn = {"is": pc.equal, "less_than": pc.less, "greater_than": pc.greater,
          "ge": pc.greater_equal, "le": pc.less_equal}[op]
    return to_bool(fn(col, value))


def _range(col: pa.Array, lo: Any, hi: Any, *, hi_inclusive: bool = True) -> np.ndarray:
    """``lo <= v <= hi`` (``< hi`` when not inclusive); ``None`` ends are open; null ``v`` is false."""
    out = to_bool(pc.is_valid(col))
    if lo is not None:
        out &= _cmp("ge", col, lo)
    if hi is not None:
        out &= _cmp("le" if hi_inclusive else "less_than", col, hi)
    return out


def _scalar_leaf(leaf: _Leaf, col: pa.Array, convert: Callable[[Any], Any], check: Callable[[Any], bool],
                 expected: str) -> np.ndarray | None:
    """is / less_than / greater_than / in / between on a column of comparable values."""
    op, value = leaf.op, leaf.value
    if op in ("is", "less_than", "greater_than"):
        if value is None:
            return to_bool(pc.is_null(col)) if op == "is" else np.zeros(len(col), dtype=bool)
        if not check(value):
            raise leaf.bad(f"{expected} or None")
        return _cmp(op, col, convert(value))
    if op == "in":
        members, has_null = leaf.items(check, expected)
        out = _members(col, [convert(m) for m in members])
        return out | to_bool(pc.is_null(col)) if has_null else out
    if op == "between":
        lo, hi = leaf.pair(check, expected)
        return _range(col, None if lo is None else convert(lo), None if hi is None else convert(hi))
    return None


def _members(col: pa.Array, members: list[Any]) -> np.ndarray:
    members = [m.as_py() if isinstance(m, pa.Scalar) else m for m in members]
    if not members:
        return np.zeros(len(col), dtype=bool)
    if pa.types.is_integer(col.type) and any(isinstance(m, float) for m in members):
        col = pc.cast(col, pa.float64())
        value_set = pa.array([float(m) for m in members], pa.float64())
    else:
        value_set = pa.array(members, col.type)
    return to_bool(pc.is_in(col, value_set=value_set))


# ---------------------------------------------------------------------------
# leaves per kind
# ---------------------------------------------------------------------------

def _text_leaf(ctx: _Ctx, leaf: _Leaf) -> np.ndarray:
    raw = text(column(ctx.table, leaf.path))
    empty_is_null = leaf.spec.data_type in EMPTY_MEANS_NULL
    null = to_bool(pc.is_null(raw))
    if empty_is_null:
        null |= to_bool(pc.equal(raw, ""))
    op, value = leaf.op, leaf.value
    if op == "is" and value is None:
        return null
    if empty_is_null and value is not None and op in ("is", "in"):
        raise leaf.bad("None (this field can only be tested for having a value)")
    low = fold(raw)
    if op == "is":
        if not _is_str(value):
            raise leaf.bad("text or None")
        return to_bool(pc.equal(low, value.lower()))
    if op == "in":
        members, has_null = leaf.items(_is_str, "texts")
        out = _members(low, [m.lower() for m in members])
        return out | null if has_null else out
    if op == "contains":
        if value is None:
            return np.zeros(ctx.n, dtype=bool)
        if not _is_str(value):
            raise leaf.bad("text")
        return to_bool(pc.match_substring(low, value.lower()))
    if not _is_str(value):
        raise leaf.bad("text")
    fn = pc.starts_with if op == "starts_with" else pc.ends_with
    return to_bool(fn(low, pattern=value.lower()))


def _number_leaf(ctx: _Ctx, leaf: _Leaf) -> np.ndarray:
    col = column(ctx.table, leaf.path)
    out = _scalar_leaf(leaf, col, lambda v: v, _is_number, "a number")
    assert out is not None  # every positive numeric relation is a scalar one
    return out


def _boolean_leaf(ctx: _Ctx, leaf: _Leaf) -> np.ndarray:
    col = column(ctx.table, leaf.path)
    if leaf.value is None:
        return to_bool(pc.is_null(col))
    if not isinstance(leaf.value, bool):
        raise leaf.bad("True, False or None")
    return to_bool(pc.equal(col, leaf.value))


def _to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _to_instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and len(value) >= 10:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)
    return moment.astimezone(_UTC).replace(microsecond=0)


def _offset(leaf: _Leaf) -> int:
    value = leaf.value
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool):
        raise leaf.bad("a whole-number offset (0 = current, 1 = next, -1 = previous)")
    return value


def _amount_unit(leaf: _Leaf) -> tuple[int, str]:
    value = leaf.value
    if (not isinstance(value, (list, tuple)) or len(value) != 2 or not isinstance(value[0], int)
            or isinstance(value[0], bool) or not isinstance(value[1], str) or value[1].upper() not in UNITS):
        raise leaf.bad("[count, unit] with a whole-number count and a unit among " + ", ".join(UNITS))
    return value[0], value[1].upper()


def _date_leaf(ctx: _Ctx, leaf: _Leaf) -> np.ndarray:
    dates = leaf.spec.kind is FieldKind.DATE
    col = column(ctx.table, leaf.path)
    if dates:
        convert: Callable[[Any], Any] = _to_date
        expected = "a date 'YYYY-MM-DD'"
        typed = lambda v: pa.scalar(v, pa.date32())  # noqa: E731
    else:
        convert = _to_instant
        expected = "an ISO 8601 date-time"
        if col.type != _TS:
            col = pc.cast(col, _TS)
        col = pc.floor_temporal(col, unit="second")
        typed = lambda v: pa.scalar(v, _TS)  # noqa: E731
    out = _scalar_leaf(leaf, col, lambda v: typed(convert(v)), lambda v: convert(v) is not None, expected)
    if out is not None:
        return out
    if leaf.op in ("in_last", "in_next"):
        amount, unit = _amount_unit(leaf)
        lo, hi = ctx.clock.window(leaf.op, amount, unit, dates=dates)
        return _range(col, typed(lo), typed(hi))
    start, end = ctx.clock.period(leaf.op, _offset(leaf), dates=dates)
    return _range(col, typed(start), typed(end), hi_inclusive=False)


def _entity_arg(leaf: _Leaf, value: Any) -> tuple[str, Any]:
    if (not isinstance(value, dict) or not isinstance(value.get("type"), str)
            or not isinstance(value.get("id"), (int, str)) or isinstance(value.get("id"), bool)):
        raise leaf.bad("a link {'type': ..., 'id': ...} or None")
    return value["type"], value["id"]


def _type_arg(leaf: _Leaf) -> str | None:
    if leaf.value is not None and not _is_str(leaf.value):
        raise leaf.bad("an entity type name or None")
    return leaf.value


def _link_hits(leaf: _Leaf, ids: pa.Array, types: pa.Array, names: pa.Array) -> np.ndarray:
    """Per link (row or list element): whether it matches ``leaf`` (ids null = no link)."""
    op = leaf.op
    if op in ("is", "contains", "in"):
        keys = [_entity_arg(leaf, v) for v in (leaf.value if op == "in" else [leaf.value])]
        out = np.zeros(len(ids), dtype=bool)
        by_type: dict[str, list[Any]] = {}
        for etype, eid in keys:
            by_type.setdefault(etype, []).append(eid)
        for etype, eids in by_type.items():
            try:
                wanted = pa.array(eids, ids.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                raise leaf.bad(f"link values whose ids are {ids.type}") from None
            out |= to_bool(pc.equal(types, etype)) & to_bool(pc.is_in(ids, value_set=wanted))
        return out
    if op == "type_is":
        return to_bool(pc.equal(types, _type_arg(leaf)))
    if not _is_str(leaf.value):
        raise leaf.bad("text")
    low, value = fold(names), leaf.value.lower()
    if op == "name_contains":
        return to_bool(pc.match_substring(low, value))
    if op == "name_is":
        return to_bool(pc.equal(low, value))
    fn = pc.starts_with if op == "name_starts_with" else pc.ends_with
    return to_bool(fn(low, pattern=value))


def _null_arg(leaf: _Leaf) -> tuple[bool, bool]:
    """(matches no-link rows only, ``in`` list holds None) for the relations that take None."""
    if leaf.op in ("is", "contains", "type_is"):
        return leaf.value is None, False
    if leaf.op == "in":
        if not isinstance(leaf.value, (list, tuple)):
            raise leaf.bad("a list of link values")
        return False, any(v is None for v in leaf.value)
    return False, False


def _strip_none(leaf: _Leaf) -> _Leaf:
    if leaf.op == "in":
        copy = _Leaf(leaf.cond, leaf.spec, leaf.op)
        copy.value = [v for v in leaf.value if v is not None]
        return copy
    return leaf


def _entity_leaf(ctx: _Ctx, leaf: _Leaf) -> np.ndarray:
    ids, types, names = link_columns(ctx.table, leaf.path)
    empty = ~to_bool(pc.is_valid(ids))
    only_null, has_null = _null_arg(leaf)
    if only_null:
        return empty
    hits = _link_hits(_strip_none(leaf), ids, types, names) & ~empty
    return hits | empty if has_null else hits


def _multi_leaf(ctx: _Ctx, leaf: _Leaf) -> np.ndarray:
    col = column(ctx.table, leaf.path)
    empty = ~present(ctx.table, leaf.spec)
    only_null, has_null = _null_arg(leaf)
    if only_null:
        return empty
    values, parents = elements(col)
    ids = pc.struct_field(values, "id")
    types = text(pc.struct_field(values, "type"))
    names = pc.struct_field(values, "name")
    hits = _link_hits(_strip_none(leaf), ids, types, names) & to_bool(pc.is_valid(ids))
    out = any_per_row(ctx.n, parents, hits)
    return out | empty if has_null else out


def _tag_leaf(ctx: _Ctx, leaf: _Leaf) -> np.ndarray:
    col = column(ctx.table, leaf.path)
    value = leaf.value
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        value = value["name"]
    if leaf.op == "is" and value is None:
        return ~present(ctx.table, leaf.spec)
    if not _is_str(value):
        raise leaf.bad("a tag name" + (" or None" if leaf.op == "is" else ""))
    values, parents = elements(col)
    low = fold(values)
    hits = pc.equal(low, value.lower()) if leaf.op == "is" else pc.match_substring(low, value.lower())
    return any_per_row(ctx.n, parents, hits)


_LEAVES: dict[FieldKind, Callable[[_Ctx, _Leaf], np.ndarray]] = {
    FieldKind.TEXT: _text_leaf,
    FieldKind.CATEGORY: _text_leaf,
    FieldKind.INTEGER: _number_leaf,
    FieldKind.FLOAT: _number_leaf,
    FieldKind.BOOLEAN: _boolean_leaf,
    FieldKind.DATE: _date_leaf,
    FieldKind.DATETIME: _date_leaf,
    FieldKind.ENTITY: _entity_leaf,
    FieldKind.MULTI_ENTITY: _multi_leaf,
    FieldKind.TAG_LIST: _tag_leaf,
}
