"""Decoded pages → typed Arrow record batches → pandas.

Backends decode each page into a *nested* Arrow table: ``id`` plus one column
per requested field, where links are ``struct<id, type, name>``, multi-links
``list<struct<...>>``, file/link fields ``struct<name, url, content_type,
link_type>``, dates ISO strings or ``date32`` and timestamps strings or
``timestamp``. :func:`shape_batch` turns that into the frame's final Arrow
schema (:func:`trackframes.schema.arrow_schema`): links flattened into
``.id/.type/.name`` columns, dates and timestamps typed, list-like fields
dictionary-encoded. :func:`to_pandas` is derived from Arrow.
"""

from __future__ import annotations

import warnings
from typing import Any, Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from .schema import URL_PARTS, FieldKind, FieldSpec, UntypedValueWarning, arrow_schema, pandas_dtype

__all__ = ["shape_table", "shape_batch", "empty_table", "concat_tables", "to_pandas", "UntypedValueWarning"]


def shape_table(nested: pa.Table, specs: Sequence[FieldSpec]) -> pa.Table:
    """Give decoded pages the frame's Arrow schema (see module docstring).

    Works column by column on the whole (possibly multi-chunk) table, so
    shaping many pages at once costs a handful of vectorised calls per column.
    Ids (``id`` and the ids in links) take the type of the ``id`` spec's kind
    (:func:`trackframes.schema.arrow_schema`): int64, or text for UUIDs.
    """
    schema = arrow_schema(list(specs))
    ids = schema.field("id").type
    n = nested.num_rows
    arrays: list[Any] = [_column(nested, "id", n, ids)]
    for spec in specs:
        if spec.name == "id":
            continue
        arrays.extend(_shape(spec, _column(nested, spec.name, n, None), n, ids))
    return pa.Table.from_arrays(arrays, schema=schema)


def shape_batch(nested: pa.Table, specs: Sequence[FieldSpec]) -> pa.RecordBatch:
    """:func:`shape_table` for one page, as a single record batch."""
    table = shape_table(nested, specs).combine_chunks()
    batches = table.to_batches()
    if batches:
        return batches[0]
    return pa.RecordBatch.from_arrays([pa.array([], f.type) for f in table.schema], schema=table.schema)


def empty_table(specs: Sequence[FieldSpec], *, id_kind: FieldKind | None = None) -> pa.Table:
    """A zero-row table with every column and the right types (ids of ``id_kind``, see ``arrow_schema``)."""
    return arrow_schema(list(specs), id_kind=id_kind).empty_table()


def concat_tables(tables: Sequence[pa.Table], specs: Sequence[FieldSpec]) -> pa.Table:
    """Stack typed tables (an empty, fully typed table when there are none: ids typed by ``specs``' id spec)."""
    tables = [t for t in tables if t.num_rows] or [empty_table(specs)]
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


def to_pandas(table: pa.Table, specs: Sequence[FieldSpec] = ()) -> Any:
    """The pandas frame of a typed table: nullable dtypes, dates as ``datetime64[ms]``.

    Category columns get the schema's valid values as categories (in schema
    order), followed by any other value the server returned, so that no value
    is ever lost and frames from different queries share categories.
    """
    df = table.to_pandas(types_mapper=pandas_dtype, date_as_object=False, split_blocks=True,
                         self_destruct=False, ignore_metadata=True)
    for spec in specs:
        if spec.kind is FieldKind.CATEGORY and spec.name in df.columns:
            df[spec.name] = _with_categories(df[spec.name], spec.valid_values)
    return df


def _with_categories(series: Any, valid: Sequence[str]) -> Any:
    import pandas as pd

    observed = [c for c in series.cat.categories if c not in set(valid)]
    categories = list(dict.fromkeys(list(valid) + observed))
    if list(series.cat.categories) == categories:
        return series
    return series.cat.set_categories(categories) if categories else series.astype(pd.CategoricalDtype([]))


# -- per-kind shaping ----------------------------------------------------------

def _column(table: pa.Table, name: str, n: int, typ: pa.DataType | None) -> Any:
    if name in table.column_names:
        col = table.column(name)
        if col.num_chunks == 1:
            col = col.chunk(0)
        if typ is not None and col.type != typ:
            col = pc.cast(col, typ)
        return col
    return pa.nulls(n, typ or pa.null())


def _shape(spec: FieldSpec, col: pa.Array, n: int, id_type: pa.DataType) -> list[pa.Array]:
    kind = spec.kind
    if kind is FieldKind.ENTITY:
        col = _as_struct(col, ("id", "type", "name"), n)
        ids = pc.cast(_child(col, "id", n), id_type)
        types = _dict(pc.cast(_child(col, "type", n), pa.string()))
        names = pc.cast(_child(col, "name", n), pa.string())
        return [ids, types, names]
    if kind is FieldKind.URL:
        col = _as_struct(col, URL_PARTS, n)
        return [pc.cast(_child(col, part, n), pa.string()) for part in URL_PARTS]
    if kind is FieldKind.CATEGORY:
        return [_dict(_to_text(spec, col))]
    if kind is FieldKind.DATE:
        return [_to_date(spec, col)]
    if kind is FieldKind.DATETIME:
        return [_to_timestamp(spec, col)]
    if kind in (FieldKind.TEXT, FieldKind.JSON, FieldKind.UNKNOWN):
        return [_to_text(spec, col)]
    from .schema import ARROW_TYPES, entity_struct

    target = pa.list_(entity_struct(id_type)) if kind is FieldKind.MULTI_ENTITY else ARROW_TYPES[kind]
    if col.type == target:
        return [col]
    try:
        return [pc.cast(col, target)]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        warnings.warn(
            f"Field {spec.name!r} ({spec.data_type}) held values that are not {kind.value}; "
            "they were dropped to nulls. Check the field's data type on the site.",
            UntypedValueWarning, stacklevel=4,
        )
        return [pa.nulls(n, target)]


def _as_struct(col: pa.Array, parts: Sequence[str], n: int) -> pa.Array:
    if pa.types.is_struct(col.type):
        return col
    if pa.types.is_null(col.type):
        return pa.nulls(n, pa.struct([(p, pa.string()) for p in parts]))
    raise TypeError(f"expected a struct column, got {col.type}")  # decoder bug, not user data


def _child(col: pa.Array, name: str, n: int) -> pa.Array:
    if col.type.get_field_index(name) < 0:
        return pa.nulls(n, pa.string())
    child = pc.struct_field(col, name)
    return child


def _dict(arr: pa.Array) -> pa.Array:
    encoded = pc.dictionary_encode(arr)
    if encoded.type.index_type != pa.int32():
        encoded = pc.cast(encoded, pa.dictionary(pa.int32(), pa.string()))
    return encoded


def _to_text(spec: FieldSpec, col: pa.Array) -> pa.Array:
    if pa.types.is_string(col.type):
        return col
    if pa.types.is_null(col.type):
        return pc.cast(col, pa.string())
    try:
        return pc.cast(col, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        import orjson

        return pa.array([None if v is None else (v if isinstance(v, str) else orjson.dumps(v).decode())
                         for v in col.to_pylist()], pa.string())


def _to_date(spec: FieldSpec, col: pa.Array) -> pa.Array:
    if pa.types.is_date32(col.type):
        return col
    if pa.types.is_null(col.type):
        return pa.nulls(len(col), pa.date32())
    try:
        return pc.cast(col, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed = pc.strptime(pc.utf8_slice_codeunits(pc.cast(col, pa.string()), 0, 10), "%Y-%m-%d", "s",
                             error_is_null=True)
        warnings.warn(f"Field {spec.name!r} held values that are not YYYY-MM-DD dates; they became nulls.",
                      UntypedValueWarning, stacklevel=4)
        return pc.cast(parsed, pa.date32())


def _to_timestamp(spec: FieldSpec, col: pa.Array) -> pa.Array:
    target = pa.timestamp("ms", tz="UTC")
    if col.type == target:
        return col
    if pa.types.is_null(col.type):
        return pa.nulls(len(col), target)
    try:
        return pc.cast(col, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        warnings.warn(f"Field {spec.name!r} held values that are not ISO 8601 timestamps; they became nulls.",
                      UntypedValueWarning, stacklevel=4)
        out = [_parse_ts(v) for v in col.to_pylist()]
        return pa.array(out, target)


def _parse_ts(value: Any) -> Any:
    from datetime import datetime, timezone

    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
