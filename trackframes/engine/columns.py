"""Reading the shaped table: field specs by name, a field's columns, text folding, per-row "any".

The engine works on the *shaped* Arrow table a site returns
(:func:`trackframes.frames.shape_table`): ``id``; a link field as
``<field>.id``/``.type``/``.name`` columns; a multi-link field as one
``list<struct<id, type, name>>`` column; a file/link field as
``<field>.name/.url/.content_type/.link_type``; tags as ``list<string>``;
categories dictionary-encoded; dates ``date32``; date-times ``timestamp[ms, UTC]``.
Dotted fields (``entity.Shot.code``) are columns under their dotted name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import SchemaError
from ..suggest import hint, suggest
from ..schema import URL_PARTS, FieldKind, FieldSpec

__all__ = ["Specs", "spec_map", "spec_for", "column", "link_columns", "text", "fold",
           "present", "elements", "any_per_row", "to_bool", "url_present", "EMPTY_MEANS_NULL"]

Specs = Mapping[str, FieldSpec] | Iterable[FieldSpec]

#: Data types whose empty text means "no value" (a thumbnail field holds "" when there is none).
EMPTY_MEANS_NULL = frozenset({"image"})


def spec_map(specs: Specs) -> dict[str, FieldSpec]:
    """Field specs keyed by (dotted) name, from a mapping or a list of specs."""
    if isinstance(specs, Mapping):
        return dict(specs)
    return {s.name: s for s in specs}


def spec_for(table: pa.Table, specs: Mapping[str, FieldSpec], path: str) -> FieldSpec:
    """The spec of ``path``; ``id`` is known from the table itself."""
    spec = specs.get(path)
    if spec is not None:
        return spec
    if path == "id" and "id" in table.column_names:
        typ = table.schema.field("id").type
        kind = FieldKind.TEXT if pa.types.is_string(typ) or pa.types.is_large_string(typ) else FieldKind.INTEGER
        return FieldSpec("id", kind, "id")
    hints = suggest(path, [*specs, "id"])
    raise SchemaError(f"No field spec for {path!r}: the engine needs the spec of every field it reads."
                      f"{hint(hints)} Known fields: {', '.join(sorted(specs)) or 'none'}.", name=path,
                      suggestions=hints)


def _chunk(col: Any) -> pa.Array:
    if isinstance(col, pa.ChunkedArray):
        return col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    return col


def column(table: pa.Table, name: str) -> pa.Array:
    """One column as a single array; a clear error when the table does not have it."""
    if name not in table.column_names:
        hints = suggest(name, table.column_names)
        raise SchemaError(f"The table has no column {name!r}; fetch the field before applying the engine to it."
                          f"{hint(hints)}", name=name, suggestions=hints)
    return _chunk(table.column(name))


def link_columns(table: pa.Table, path: str) -> tuple[pa.Array, pa.Array, pa.Array]:
    """``(id, type as text, name)`` of a link field."""
    return (column(table, f"{path}.id"), text(column(table, f"{path}.type")), column(table, f"{path}.name"))


def url_present(table: pa.Table, path: str) -> np.ndarray:
    """Rows whose file/link field holds a value (any of its parts is set)."""
    out = np.zeros(table.num_rows, dtype=bool)
    for part in URL_PARTS:
        out |= to_bool(pc.is_valid(column(table, f"{path}.{part}")))
    return out


def text(arr: pa.Array) -> pa.Array:
    """A text view of a (possibly dictionary-encoded) string column."""
    if pa.types.is_dictionary(arr.type):
        return pc.cast(arr, pa.string())
    if pa.types.is_large_string(arr.type):
        return pc.cast(arr, pa.string())
    return arr


def fold(arr: pa.Array) -> pa.Array:
    """Lower-cased text, exactly as Python's ``str.lower`` folds it (nulls stay null)."""
    arr = text(arr)
    if len(arr) == 0 or pc.all(pc.fill_null(pc.string_is_ascii(arr), True)).as_py():
        return pc.utf8_lower(arr)
    # non-ASCII text: Unicode case rules differ between libraries, so fold each distinct value in Python
    encoded = pc.dictionary_encode(arr)
    lowered = pa.array([v.lower() for v in encoded.dictionary.to_pylist()], pa.string())
    return pc.take(lowered, encoded.indices)


def to_bool(arr: Any) -> np.ndarray:
    """A numpy bool array of a boolean Arrow array, nulls as False."""
    if isinstance(arr, np.ndarray):
        return arr.astype(bool, copy=False)
    arr = _chunk(arr)
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def present(table: pa.Table, spec: FieldSpec) -> np.ndarray:
    """Rows where the field holds a value (a non-empty list for list kinds)."""
    kind, path = spec.kind, spec.name
    if kind is FieldKind.ENTITY:
        return to_bool(pc.is_valid(column(table, f"{path}.id")))
    if kind is FieldKind.URL:
        return url_present(table, path)
    col = column(table, path)
    if kind in (FieldKind.MULTI_ENTITY, FieldKind.TAG_LIST):
        return to_bool(pc.greater(pc.list_value_length(col), 0))
    return to_bool(pc.is_valid(col))


def elements(lists: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The elements of a list column and, for each, the row it belongs to (null rows have none)."""
    lists = _chunk(lists)
    n = len(lists)
    offsets = np.asarray(lists.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
    values = lists.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
    parents = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    if lists.null_count:
        keep = to_bool(pc.is_valid(lists))[parents]
        values = values.filter(pa.array(keep))
        parents = parents[keep]
    return values, parents


def any_per_row(n: int, parents: np.ndarray, element_hits: Any) -> np.ndarray:
    """Rows with at least one element for which ``element_hits`` is true."""
    out = np.zeros(n, dtype=bool)
    hits = to_bool(element_hits)
    if hits.any():
        out[parents[hits]] = True
    return out
