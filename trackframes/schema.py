"""Backend-neutral field kinds and the table that maps each kind to Arrow and pandas.

Schema is data: every backend maps its own field data types to a
:class:`FieldKind` (see ``backends/<name>/schema.py``), and this module maps a
kind to its Arrow column(s). ``to_arrow`` is the primary path; pandas dtypes are
derived from the Arrow types (see :func:`pandas_dtype`).

>>> from trackframes.schema import FieldKind, FieldSpec, columns_for
>>> [(c.name, str(c.type)) for c in columns_for(FieldSpec("entity", FieldKind.ENTITY, "entity"))]
[('entity.id', 'int64'), ('entity.type', 'dictionary<values=string, indices=int32, ordered=0>'), ('entity.name', 'string')]

Ids are typed by the backend's schema: the ``id`` spec's kind is ``INTEGER`` or
``TEXT`` (UUIDs), and the ids inside links have the same type:

>>> uuid_id = FieldSpec("id", FieldKind.TEXT, "id")
>>> links = FieldSpec("assignees", FieldKind.MULTI_ENTITY, "multi_entity")
>>> arrow_schema([uuid_id, links])
id: string
assignees: list<item: struct<id: string, type: string, name: string>>
  child 0, item: struct<id: string, type: string, name: string>
      child 0, id: string
      child 1, type: string
      child 2, name: string
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import pyarrow as pa

__all__ = [
    "UntypedValueWarning",
    "FieldKind",
    "FieldSpec",
    "ENTITY_STRUCT",
    "ID_TYPES",
    "id_type",
    "id_kind_of",
    "entity_struct",
    "URL_PARTS",
    "ARROW_TYPES",
    "columns_for",
    "arrow_schema",
    "pandas_dtype",
    "dtype_name",
]


class UntypedValueWarning(UserWarning):
    """A value the schema does not explain was kept as text (or dropped to null)."""


class FieldKind(str, enum.Enum):
    """What a field holds, independent of any tracker's vocabulary."""

    TEXT = "text"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    CATEGORY = "category"
    ENTITY = "entity"
    MULTI_ENTITY = "multi_entity"
    URL = "url"
    TAG_LIST = "tag_list"
    JSON = "json"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FieldSpec:
    """One field as a backend's schema describes it.

    ``name`` is the API name (dotted for linked fields), ``data_type`` the
    tracker's own type name, ``kind`` the neutral kind that decides the columns.
    """

    name: str
    kind: FieldKind
    data_type: str
    display_name: str = ""
    entity: str = ""
    valid_types: tuple[str, ...] = ()
    valid_values: tuple[str, ...] = ()
    editable: bool = True
    mandatory: bool = False
    visible: bool = True
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def renamed(self, name: str) -> "FieldSpec":
        """The same field under another column name (used for dotted linked fields)."""
        return FieldSpec(name, self.kind, self.data_type, self.display_name, self.entity,
                         self.valid_types, self.valid_values, self.editable, self.mandatory,
                         self.visible, self.description, self.extra)


#: The Arrow type of ids of each id kind (a backend's ``id_kind``).
ID_TYPES: dict[FieldKind, pa.DataType] = {FieldKind.INTEGER: pa.int64(), FieldKind.TEXT: pa.string()}


def id_type(kind: FieldKind = FieldKind.INTEGER) -> pa.DataType:
    """The Arrow type of ids of ``kind`` (``INTEGER``: int64, ``TEXT``: string)."""
    try:
        return ID_TYPES[FieldKind(kind)]
    except (KeyError, ValueError):
        raise ValueError(f"Ids are whole numbers or text: id kind {kind!r} is neither "
                         f"(use FieldKind.INTEGER or FieldKind.TEXT).") from None


def entity_struct(ids: pa.DataType = pa.int64()) -> pa.StructType:
    """The ``struct<id, type, name>`` of one link, with ids of Arrow type ``ids``."""
    return pa.struct([("id", ids), ("type", pa.string()), ("name", pa.string())])


def id_kind_of(specs: Iterable["FieldSpec"], default: FieldKind = FieldKind.INTEGER) -> FieldKind:
    """The id kind the ``id`` spec among ``specs`` gives, else ``default``."""
    for spec in specs:
        if spec.name == "id":
            return spec.kind if spec.kind in ID_TYPES else default
    return default


#: A link with integer ids (see :func:`entity_struct` for other id types).
ENTITY_STRUCT = entity_struct()
URL_PARTS = ("name", "url", "content_type", "link_type")
_CATEGORY = pa.dictionary(pa.int32(), pa.string())

#: Arrow type of the (single) column of each kind. ENTITY and URL expand into
#: several columns; see :func:`columns_for`.
ARROW_TYPES: dict[FieldKind, pa.DataType] = {
    FieldKind.TEXT: pa.string(),
    FieldKind.INTEGER: pa.int64(),
    FieldKind.FLOAT: pa.float64(),
    FieldKind.BOOLEAN: pa.bool_(),
    FieldKind.DATE: pa.date32(),
    FieldKind.DATETIME: pa.timestamp("ms", tz="UTC"),
    FieldKind.CATEGORY: _CATEGORY,
    FieldKind.MULTI_ENTITY: pa.list_(ENTITY_STRUCT),
    FieldKind.TAG_LIST: pa.list_(pa.string()),
    FieldKind.JSON: pa.string(),
    FieldKind.UNKNOWN: pa.string(),
}

_ENTITY_PARTS: tuple[tuple[str, pa.DataType], ...] = (
    ("id", pa.int64()),
    ("type", _CATEGORY),
    ("name", pa.string()),
)


def columns_for(spec: FieldSpec, id_kind: FieldKind = FieldKind.INTEGER) -> list[pa.Field]:
    """The Arrow column(s) a field becomes, in order (links hold ids of ``id_kind``)."""
    ids = id_type(id_kind)
    if spec.kind is FieldKind.ENTITY:
        return [pa.field(f"{spec.name}.{part}", ids if part == "id" else typ) for part, typ in _ENTITY_PARTS]
    if spec.kind is FieldKind.MULTI_ENTITY:
        return [pa.field(spec.name, pa.list_(entity_struct(ids)))]
    if spec.kind is FieldKind.URL:
        return [pa.field(f"{spec.name}.{part}", pa.string()) for part in URL_PARTS]
    return [pa.field(spec.name, ARROW_TYPES[spec.kind])]


def arrow_schema(specs: Sequence[FieldSpec], *, id_kind: FieldKind | None = None) -> pa.Schema:
    """The frame's Arrow schema: ``id`` first, then each field's columns in order.

    The ids (``id`` and those in links) are of ``id_kind``, by default the kind
    of the ``id`` spec among ``specs`` (integers when there is none).
    """
    kind = id_kind if id_kind is not None else id_kind_of(specs)
    cols = [pa.field("id", id_type(kind))]
    for spec in specs:
        if spec.name == "id":
            continue
        cols.extend(columns_for(spec, kind))
    return pa.schema(cols)


def pandas_dtype(arrow_type: pa.DataType) -> Any:
    """The pandas dtype trackframes gives an Arrow column type (the ``types_mapper``)."""
    import pandas as pd

    if pa.types.is_int64(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_float64(arrow_type):
        return pd.Float64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype()
    if pa.types.is_list(arrow_type) or pa.types.is_struct(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None  # dates, timestamps, dictionaries: Arrow's own conversion


def dtype_name(spec: FieldSpec) -> str:
    """A short text form of the pandas dtype(s) of a field, as the docs' dtype table shows it."""
    names = []
    for col in columns_for(spec):
        names.append(_dtype_text(col.type))
    return ", ".join(names)


def _dtype_text(arrow_type: pa.DataType) -> str:
    if pa.types.is_dictionary(arrow_type):
        return "category"
    if pa.types.is_date32(arrow_type):
        return "datetime64[ms]"
    if pa.types.is_timestamp(arrow_type):
        return "datetime64[ms, UTC]"
    mapped = pandas_dtype(arrow_type)
    if mapped is None:  # pragma: no cover - every kind is covered above
        return str(arrow_type)
    return str(mapped)
