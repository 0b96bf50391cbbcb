"""The server's row order on a shaped table: :func:`sort_indices`, and :func:`apply` (filter, order, limit).

The order is PostgreSQL's, as the server applies it:

* ascending puts nulls last, descending puts them first;
* text and categories compare case-insensitively (lower-cased, then by code point);
* a link sorts by its display name (a link without a name as ""); a file/link field by
  its name, else its URL; a multi-link field by its sorted lower-cased names and a tag
  list by its sorted lower-cased tags, an empty list being null;
* ties are broken by id, ascending.

>>> import pyarrow as pa
>>> from trackframes.schema import FieldKind, FieldSpec
>>> t = pa.table({"id": [1, 2, 3, 4], "due": pa.array([None, 5, None, 3])})
>>> specs = [FieldSpec("due", FieldKind.INTEGER, "number")]
>>> t.take(sort_indices(t, ["due"], specs))["id"].to_pylist()
[4, 2, 1, 3]
>>> t.take(sort_indices(t, ["-due"], specs))["id"].to_pylist()
[1, 3, 2, 4]
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..query.order import OrderKey, parse_order
from ..schema import FieldKind, FieldSpec
from .columns import Specs, column, elements, fold, link_columns, spec_for, spec_map, text, url_present

__all__ = ["sort_indices", "apply"]


def sort_indices(table: pa.Table, keys: Any, specs: Specs) -> pa.Array:
    """Row indices of ``table`` in the server's order for ``keys`` (order keys or any public order form)."""
    order = list(parse_order(keys))
    by_name = spec_map(specs)
    if not any(k.path == "id" for k in order):
        order.append(OrderKey("id"))
    columns: dict[str, pa.Array] = {}
    sort_keys: list[tuple[str, str]] = []
    for i, key in enumerate(order):
        values = _sort_column(table, spec_for(table, by_name, key.path))
        direction = "descending" if key.descending else "ascending"
        # nulls last ascending, first descending: sort on "is null" first, in the key's direction
        columns[f"n{i}"] = pc.is_null(values)
        columns[f"v{i}"] = values
        sort_keys += [(f"n{i}", direction), (f"v{i}", direction)]
    if not columns:
        return pa.array(np.arange(table.num_rows, dtype=np.uint64))
    return pc.sort_indices(pa.table(columns), sort_keys=sort_keys)


def _sort_column(table: pa.Table, spec: FieldSpec) -> pa.Array:
    """A column whose natural order (nulls aside) is the server's order of the field."""
    kind, path = spec.kind, spec.name
    if kind is FieldKind.ENTITY:
        ids, _, names = link_columns(table, path)
        has_link = pc.is_valid(ids)
        return pc.if_else(has_link, pc.fill_null(fold(names), ""), pa.scalar(None, pa.string()))
    if kind is FieldKind.URL:
        name, url = fold(column(table, f"{path}.name")), fold(column(table, f"{path}.url"))
        name = pc.if_else(pc.equal(name, ""), pa.scalar(None, pa.string()), name)
        label = pc.coalesce(name, url)
        has = pa.array(url_present(table, path))
        return pc.if_else(has, pc.fill_null(label, ""), pa.scalar(None, pa.string()))
    if kind in (FieldKind.MULTI_ENTITY, FieldKind.TAG_LIST):
        return _list_rank(table, spec)
    col = column(table, path)
    if kind in (FieldKind.TEXT, FieldKind.CATEGORY, FieldKind.JSON, FieldKind.UNKNOWN) or pa.types.is_dictionary(
            col.type) or pa.types.is_string(col.type):
        return fold(text(col))
    return col


def _list_rank(table: pa.Table, spec: FieldSpec) -> pa.Array:
    """Each row's rank among the sorted tuples of its lower-cased names (null for an empty list)."""
    col = column(table, spec.name)
    values, parents = elements(col)
    if spec.kind is FieldKind.MULTI_ENTITY:
        names = pc.fill_null(fold(pc.struct_field(values, "name")), "").to_pylist()
    else:
        names = pc.fill_null(fold(values), "").to_pylist()
    per_row: list[list[str]] = [[] for _ in range(table.num_rows)]
    for parent, name in zip(parents.tolist(), names):
        per_row[parent].append(name)
    tuples = [tuple(sorted(x)) if x else None for x in per_row]
    distinct = sorted({t for t in tuples if t is not None})
    rank = {t: r for r, t in enumerate(distinct)}
    return pa.array([None if t is None else rank[t] for t in tuples], pa.int64())


def apply(table: pa.Table, specs: Specs, filters: Any = None, order: Any = None, limit: int | None = None, *,
          now: datetime | None = None, tz: tzinfo | None = None) -> pa.Table:
    """The rows of ``table`` that match ``filters``, in the server's ``order``, at most ``limit`` of them.

    Without ``order`` the rows come by id, ascending, as the server returns them.

    >>> import pyarrow as pa
    >>> from trackframes.schema import FieldKind, FieldSpec
    >>> t = pa.table({"id": [3, 1, 2], "code": ["b", "A", None]})
    >>> apply(t, [FieldSpec("code", FieldKind.TEXT, "text")], [["code", "is_not", None]], "-code")["id"]
    <pyarrow.lib.ChunkedArray object at ...>
    [
      [
        3,
        1
      ]
    ]
    """
    from .filters import mask

    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
        raise TypeError(f"limit must be a whole number >= 0 or None, not {limit!r}.")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be a whole number >= 0 or None, not {limit!r}.")
    if filters is not None:
        table = table.filter(mask(table, filters, specs, now=now, tz=tz))
    table = table.take(sort_indices(table, order, specs))
    return table if limit is None else table.slice(0, limit)

