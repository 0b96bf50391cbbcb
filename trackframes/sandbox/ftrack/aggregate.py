"""The strict API's aggregate queries: ``select count(id), sum(bid) from Task group by status_id``.

Each result row is a plain dict (no ``__entity_type__``): every group key under
the path as written (``status_id``, or ``status.name``: grouping by a dotted path
is **unverified** against a real server) and every aggregate under
``<function>_<attribute>`` (``count_id``, ``sum_bid``; a dotted argument joins
its parts with ``_``). SQL rules: ``count`` counts non-null values, ``sum`` /
``avg`` / ``min`` / ``max`` skip nulls and are null for a group without values.
Rows come ordered by their group keys (nulls first) unless ``order by`` names
group keys; ``offset`` and ``limit`` apply to the rows.

>>> from trackframes.sandbox.ftrack.schemas import standard_schemas, standard_relations
>>> from trackframes.sandbox.ftrack.store import Store
>>> from trackframes.sandbox.ftrack.expression import parse
>>> store = Store(standard_schemas(), {"Task": [
...     {"id": "t1", "bid": 3600, "status_id": "s1", "context_type": "task"},
...     {"id": "t2", "bid": 1800, "status_id": "s1", "context_type": "task"},
...     {"id": "t3", "status_id": "s2", "context_type": "task"}]}, standard_relations())
>>> group_rows(store, parse("select count(id), sum(bid) from Task group by status_id"))
[{'status_id': 's1', 'count_id': 2, 'sum_bid': 5400}, {'status_id': 's2', 'count_id': 1, 'sum_bid': None}]
"""

from __future__ import annotations

from typing import Any, Callable

from .encode import encode_value
from .errors import ValidationError
from .evaluate import matching, scalar_getter
from .store import Record, Store
from .syntax import Aggregate, Path, Query
from .values import sort_key

__all__ = ["group_rows", "check_group_query"]


def check_group_query(query: Query) -> None:
    """The shape rules: aggregates need ``group by``; every plain projection is a group key."""
    if query.aggregates and not query.group_by:
        raise ValidationError(f"{query.aggregates[0].function}() needs a group by clause "
                              f"(e.g. select count(id) from {query.entity_type} group by status_id)")
    keys = {p.dotted for p in query.group_by}
    for item in query.projections or ():
        if isinstance(item, Path) and item.dotted not in keys:
            raise ValidationError(f"{item} is selected but not grouped; select only group by keys "
                                  f"({', '.join(sorted(keys))}) and aggregates")
    for key in query.order_by:
        if key.path.dotted not in keys:
            raise ValidationError(f"order by {key.path}: a grouped query orders by its group by keys only")


def _aggregate(store: Store, entity_type: str, agg: Aggregate) -> Callable[[list[Record]], Any]:
    prop, get = scalar_getter(store, entity_type, agg.path, f"{agg.function}()")
    numeric = prop.type in ("integer", "number")
    if agg.function in ("sum", "avg") and not numeric:
        raise ValidationError(f"{agg.function}({agg.path}) needs a number attribute; "
                              f"{prop.owner}.{prop.name} is {prop.type or prop.kind}")

    def compute(rows: list[Record]) -> Any:
        values = [v for v in (get(r) for r in rows) if v is not None]
        if agg.function == "count":
            return len(values)
        if not values:
            return None
        if agg.function == "sum":
            return sum(values)
        if agg.function == "avg":
            return sum(values) / len(values)
        pick = min if agg.function == "min" else max
        return pick(values, key=sort_key)
    return compute


def group_rows(store: Store, query: Query) -> list[dict[str, Any]]:
    """The grouped rows of ``query`` (after :func:`check_group_query`), encoded for JSON."""
    check_group_query(query)
    entity_type = query.entity_type
    key_getters = [scalar_getter(store, entity_type, p, "group by")[1] for p in query.group_by]
    aggregates = [(agg.key, _aggregate(store, entity_type, agg)) for agg in query.aggregates]
    groups: dict[tuple[Any, ...], list[Record]] = {}
    for record in matching(store, entity_type, query.where):
        groups.setdefault(tuple(g(record) for g in key_getters), []).append(record)
    names = [p.dotted for p in query.group_by]
    ordered = sorted(groups, key=lambda k: [(0, (0, 0)) if v is None else (1, sort_key(v)) for v in k])
    for order in reversed(query.order_by):
        i = names.index(order.path.dotted)
        ordered.sort(key=lambda k, i=i: (0, (0, 0)) if k[i] is None else (1, sort_key(k[i])),
                     reverse=order.descending)
    start = query.offset or 0
    chosen = ordered[start:] if query.limit is None else ordered[start:start + query.limit]
    rows = []
    for key in chosen:
        row = {name: encode_value(value) for name, value in zip(names, key)}
        row.update((name, encode_value(compute(groups[key]))) for name, compute in aggregates)
        rows.append(row)
    return rows
