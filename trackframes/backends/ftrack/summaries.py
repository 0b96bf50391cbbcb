"""Summaries computed by an ftrack server: strict-API aggregate queries with ``group by``.

``select count(id), sum(bid), count(bid) from Task where ... group by status_id``
(sent with ``ftrack-strict-api: true``) answers one row per group:
``{"status_id": ..., "count_id": 7, "sum_bid": 25200, "count_bid": 6}``. One
query groups by every level at once (``group by status_id, type_id``); the
outer levels and the totals are folded from the rows, so one request (plus
one name lookup per linked type) answers a whole summary.

What the server computes (:func:`can_summarize`), everything else falls back
to the local engine (``trackframes.engine``), with the same results:

* summary types ``record_count``, ``count``, ``sum``, ``average`` (from the sum and
  the count, as the engine divides), ``maximum``, ``minimum`` on the type's own
  number attributes, and ``earliest``/``latest`` on its own date-times;
* ``exact`` groupings on the type's own number and boolean attributes, and on
  its own references to one entity type, grouped by the foreign key
  (``status_id``, the documented form) and named by one more query.

Text groupings are left to the engine: the server's SQL compares text without
case, where groups keep it. Values come back as the engine gives them: a sum
of nothing is ``0`` (``0.0`` for a number attribute), an average of nothing
``None``, date-times ISO 8601 text at whole seconds. Groups are ordered like
the engine's: links by name (then type and id), other values by value, the
group of records without a value last ascending and first descending.

>>> aggregates_for([]) == [("count", "id")]
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence

from ...schema import FieldKind
from ..base import Grouping, Summary, SummaryGroup, SummaryResult
from . import ql
from .schema import Prop

__all__ = ["can_summarize", "summarize", "aggregates_for", "SERVER_SUMMARIES", "SERVER_GROUPINGS"]

_NUMBERS = frozenset({FieldKind.INTEGER, FieldKind.FLOAT})
#: Summary types the server computes, and the attribute kinds each takes (``None``: any attribute).
SERVER_SUMMARIES: dict[str, frozenset[FieldKind] | None] = {
    "record_count": None, "count": None, "sum": _NUMBERS, "average": _NUMBERS, "maximum": _NUMBERS,
    "minimum": _NUMBERS, "earliest": frozenset({FieldKind.DATETIME}), "latest": frozenset({FieldKind.DATETIME}),
}
#: Grouping types the server computes.
SERVER_GROUPINGS = ("exact",)
_LOOKUP_CHUNK = 200


@dataclass(frozen=True)
class _Level:
    key: str  # the attribute grouped by
    grouping: Grouping
    prop: Prop
    target: str | None  # the linked type, for references


def _own(backend: Any, entity: str, name: str) -> Prop | None:
    """The property ``name`` of ``entity`` itself (no dotted paths, no collections), if any."""
    if "." in name:
        return None
    prop = backend.model.props.get(entity, {}).get(name)
    return None if prop is None or prop.is_many else prop


def _fk(backend: Any, entity: str, prop: Prop) -> str | None:
    """The foreign key attribute of a reference to one concrete type (``status`` → ``status_id``)."""
    if not prop.is_reference or not prop.target or len(backend.model.concrete(prop.target)) != 1:
        return None
    fk = backend.model.props[entity].get(f"{prop.name}_id")
    return fk.name if fk is not None and not fk.is_reference and not fk.is_many else None


def _level(backend: Any, entity: str, grouping: Grouping) -> _Level | None:
    if grouping.type not in SERVER_GROUPINGS:
        return None
    prop = _own(backend, entity, grouping.field)
    if prop is None:
        return None
    if prop.is_reference:
        fk = _fk(backend, entity, prop)
        return None if fk is None else _Level(fk, grouping, prop, backend.model.concrete(str(prop.target))[0])
    if prop.kind in _NUMBERS or prop.kind is FieldKind.BOOLEAN:
        return _Level(prop.name, grouping, prop, None)
    return None


def _measured(backend: Any, entity: str, summary: Summary) -> str | None:
    """The attribute a summary aggregates, or ``None`` when the server cannot compute it."""
    if summary.type not in SERVER_SUMMARIES:
        return None
    if summary.type == "record_count":
        return "id"
    prop = _own(backend, entity, summary.field) if summary.field != "id" else backend.model.props[entity].get("id")
    if prop is None:
        return None
    if prop.is_reference:
        return _fk(backend, entity, prop) if summary.type == "count" else None
    kinds = SERVER_SUMMARIES[summary.type]
    return prop.name if kinds is None or prop.kind in kinds else None


def can_summarize(backend: Any, entity: str, summaries: Sequence[Summary], grouping: Sequence[Grouping]) -> bool:
    """Whether the server computes every summary and grouping (see the module docstring)."""
    if not all(_measured(backend, entity, s) for s in summaries):
        return False
    if not all(_level(backend, entity, g) for g in grouping):
        return False
    return grouping_key(backend, entity) is not None or bool(grouping)


def grouping_key(backend: Any, entity: str) -> str | None:
    """An attribute with few values, for totals without groups (aggregates need a ``group by``)."""
    from .backend import COUNT_KEYS

    props = backend.model.props.get(entity, {})
    return next((k for k in COUNT_KEYS if k in props and not props[k].is_many and not props[k].is_reference), None)


def aggregates_for(measures: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The ``(function, attribute)`` pairs a query selects: ``count(id)`` always, then each once."""
    return list(dict.fromkeys([("count", "id"), *measures]))


def _functions(summary: Summary, attribute: str) -> list[tuple[str, str]]:
    kind = summary.type
    if kind == "record_count":
        return [("count", "id")]
    if kind == "count":
        return [("count", attribute)]
    if kind in ("sum", "average"):
        return [("sum", attribute), ("count", attribute)]
    return [("min" if kind in ("minimum", "earliest") else "max", attribute)]


def summarize(backend: Any, entity: str, where: str | None, summaries: Sequence[Summary],
              grouping: Sequence[Grouping]) -> SummaryResult:
    """Server-side summaries (call :func:`can_summarize` first); ``where`` is the compiled filter clause."""
    levels = [_level(backend, entity, g) for g in grouping]
    measured = [_measured(backend, entity, s) for s in summaries]
    functions = [_functions(s, a or "id") for s, a in zip(summaries, measured)]
    selected = aggregates_for([f for fs in functions for f in fs])
    keys = [lv.key for lv in levels if lv is not None] or [str(grouping_key(backend, entity))]
    expression = ql.select(entity, [ql.aggregate(fn, attr) for fn, attr in selected], where=where, group_by=keys)
    rows = _rows(backend, expression, entity)
    names = _names(backend, [lv for lv in levels if lv is not None], rows)
    result = SummaryResult()
    result.total = _values(summaries, functions, _fold(rows, selected), backend, entity)
    result.groups = _groups(backend, entity, rows, [lv for lv in levels if lv is not None], summaries, functions,
                            selected, names)
    return result


def _rows(backend: Any, expression: str, entity: str) -> list[dict[str, Any]]:
    (rows,) = backend.query([expression], what=f"Summarizing {entity}", strict=True)
    return [r for r in rows if isinstance(r, dict)]


def _names(backend: Any, levels: Sequence[_Level], rows: list[dict[str, Any]]) -> dict[tuple[str, Any], str | None]:
    """``{(type, id): name}`` of the records the link levels group by (looked up in one POST)."""
    wanted: dict[str, set[Any]] = {}
    for level in levels:
        if level.target is not None:
            wanted.setdefault(level.target, set()).update(r.get(level.key) for r in rows if r.get(level.key))
    expressions, asked = [], []
    for target, ids in wanted.items():
        attribute = backend.model.name_attribute(target)
        ordered = sorted(map(str, ids))
        for start in range(0, len(ordered), _LOOKUP_CHUNK):
            chunk = ordered[start:start + _LOOKUP_CHUNK]
            expressions.append(ql.select(target, [attribute or "id"], where=ql.condition("id", "in", chunk)))
            asked.append((target, attribute))
    out: dict[tuple[str, Any], str | None] = {}
    if expressions:
        for (target, attribute), found in zip(asked, backend.query(expressions, what="Naming summary groups")):
            for record in found:
                value = record.get(attribute) if attribute else None
                out[(target, record.get("id"))] = value if isinstance(value, str) else None
    return out


def _key(fn: str, attr: str) -> str:
    return f"{fn}_{attr.replace('.', '_')}"


def _fold(rows: list[dict[str, Any]], selected: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """One row of aggregates for the union of ``rows`` (counts and sums add, min/max of min/max)."""
    out: dict[str, Any] = {}
    for fn, attr in selected:
        key = _key(fn, attr)
        values = [r.get(key) for r in rows if r.get(key) is not None]
        if fn in ("count", "sum"):
            out[key] = sum(values) if values else (0 if fn == "count" else None)
        elif values:
            out[key] = (min if fn == "min" else max)(values, key=_order_value)
        else:
            out[key] = None
    return out


def _order_value(value: Any) -> Any:
    return value["value"] if isinstance(value, dict) and "value" in value else value


def _wire(value: Any) -> Any:
    """A date-time as the engine gives it: ISO 8601 UTC text at whole seconds."""
    text = value.get("value") if isinstance(value, dict) else value
    if not isinstance(text, str):
        return value
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _values(summaries: Sequence[Summary], functions: Sequence[list[tuple[str, str]]], row: dict[str, Any],
            backend: Any, entity: str) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for i, (summary, fns) in enumerate(zip(summaries, functions)):
        kind = summary.type
        if kind in ("record_count", "count"):
            out[i] = int(row.get(_key(*fns[0])) or 0)
        elif kind in ("sum", "average"):
            total, count = row.get(_key(*fns[0])), int(row.get(_key(*fns[1])) or 0)
            prop = backend.model.props[entity][summary.field]
            if kind == "sum":
                zero: Any = 0.0 if prop.kind is FieldKind.FLOAT else 0
                out[i] = zero if total is None else (float(total) if prop.kind is FieldKind.FLOAT else total)
            else:
                out[i] = None if not count or total is None else float(total) / count
        elif kind in ("earliest", "latest"):
            value = row.get(_key(*fns[0]))
            out[i] = None if value is None else _wire(value)
        else:
            out[i] = row.get(_key(*fns[0]))
    return out


def _head(level: _Level, value: Any, names: dict[tuple[str, Any], str | None]) -> tuple[Any, str, Any]:
    """(group value, group name, ordering key) like the engine's exact groups."""
    if level.target is not None:
        label = names.get((level.target, value)) or ""
        return {"type": level.target, "id": value, "name": label}, label, (label.lower(), level.target, value)
    return value, str(value), value


def _groups(backend: Any, entity: str, rows: list[dict[str, Any]], levels: Sequence[_Level],
            summaries: Sequence[Summary], functions: Sequence[list[tuple[str, str]]],
            selected: Sequence[tuple[str, str]], names: dict[tuple[str, Any], str | None],
            depth: int = 0) -> list[SummaryGroup]:
    if depth >= len(levels):
        return []
    level = levels[depth]
    buckets: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        buckets.setdefault(row.get(level.key), []).append(row)
    ordered = sorted((v for v in buckets if v is not None), key=lambda v: _head(level, v, names)[2])
    if level.grouping.direction == "desc":
        ordered.reverse()
    if None in buckets:
        ordered = [None, *ordered] if level.grouping.direction == "desc" else [*ordered, None]
    out = []
    inner = depth < len(levels) - 1
    for value in ordered:
        if value is None:
            head_value, head_name = None, ""
        else:
            head_value, head_name, _ = _head(level, value, names)
        members = buckets[value]
        group = SummaryGroup(head_name, head_value, _values(summaries, functions, _fold(members, selected), backend,
                                                            entity),
                             _groups(backend, entity, members, levels, summaries, functions, selected, names,
                                     depth + 1) if inner else None)
        out.append(group)
    return out
