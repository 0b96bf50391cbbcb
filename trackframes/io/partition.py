"""Hive partitioning of an exported dataset: parsing ``partition_by`` and splitting batches.

A partition key is either a column of the frame (``"project.name"``,
``"status"``) or a date/timestamp column cut to a period
(``"updated_at:month"``, or ``{"updated_at": "month"}``; periods are
``year``, ``month``, ``week`` and ``day``, in UTC). A column key is kept out of the
Parquet files and restored from the directory names
(``project.name=Alpha/part-0000-00000.parquet``), as every Hive-style reader
expects. A period key adds a directory level named ``<column>_<period>``
(``updated_at_month=2026-03``) while the column itself stays in the files.

A ``week`` is an ISO 8601 week, written as ISO week-year, ``W`` and the
two-digit week number: ``updated_at_week=2026-W09`` (Monday 23 February to
Sunday 1 March 2026). The year is the ISO week-year, which differs from the
calendar year for a few days around New Year (31 December 2024 is in
``2025-W01``, 1 January 2027 in ``2026-W53``); one key, not ``year=/week=``
levels, so that a week never straddles two directories, and the values sort
in time order as text.

>>> import pyarrow as pa
>>> from datetime import datetime, timezone
>>> stamps = pa.array([datetime(2026, 2, 27, tzinfo=timezone.utc), datetime(2024, 12, 31, tzinfo=timezone.utc)],
...                   pa.timestamp("ms", tz="UTC"))
>>> layout = Layout(parse_partition_by("updated_at:week"), pa.schema([("id", pa.int64()), ("updated_at", stamps.type)]))
>>> rows = layout.prepare(pa.record_batch([pa.array([1, 2]), stamps], names=["id", "updated_at"]))
>>> rows["updated_at_week"].to_pylist()
['2026-W09', '2025-W01']

The directories themselves are written by ``pyarrow.dataset.write_dataset``
(see :mod:`trackframes.io.writer`) with the :meth:`Layout.partitioning` this
module builds. Text values are percent-encoded (``/`` becomes ``%2F``, a space
``%20``) except non-ASCII characters, which are written as they are (``Été``):
Spark and Hive decode each ``%XX`` as one character, so the UTF-8 escape of
``É`` (``%C3%89``, what pyarrow's own encoding writes) would come back to them
as two wrong characters, while pyarrow, DuckDB, Polars and Dask read raw UTF-8
names as well as escaped ones. So :meth:`Layout.prepare` encodes the text keys
and ``write_dataset`` writes them unchanged; readers decode them with the
``"uri"`` segment encoding (:meth:`Layout.partitioning` ``reading=True``).
Nulls are written as ``__HIVE_DEFAULT_PARTITION__``.

>>> _segment("Rain / Shine"), _segment("Château 100%")
('Rain%20%2F%20Shine', 'Château%20100%25')
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence
from urllib.parse import quote, unquote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ..exceptions import SchemaError

__all__ = ["PartitionKey", "Layout", "parse_partition_by", "recode", "NULL_SEGMENT", "PERIODS"]

NULL_SEGMENT = "__HIVE_DEFAULT_PARTITION__"
#: period name -> strftime format of the directory value
PERIODS: dict[str, str] = {"year": "%Y", "month": "%Y-%m", "week": "%G-W%V", "day": "%Y-%m-%d"}


@dataclass(frozen=True)
class PartitionKey:
    """One directory level: a frame column, optionally cut to a period."""

    column: str
    period: str | None = None

    @property
    def name(self) -> str:
        """The directory key (``column`` or ``column_period``)."""
        return self.column if self.period is None else f"{self.column}_{self.period}"

    @property
    def derived(self) -> bool:
        """True when the key is computed from a column that stays in the files."""
        return self.period is not None

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "period": self.period, "name": self.name}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "PartitionKey":
        return cls(data["column"], data.get("period"))


def parse_partition_by(partition_by: Any) -> list[PartitionKey]:
    """``None``, ``"col"``, ``"col:period"``, ``{"col": "period"}`` or a list of those → keys."""
    if partition_by is None:
        return []
    items: list[Any] = [partition_by] if isinstance(partition_by, (str, Mapping)) else list(partition_by)
    keys: list[PartitionKey] = []
    for item in items:
        if isinstance(item, PartitionKey):
            keys.append(item)
        elif isinstance(item, Mapping):
            keys.extend(_key(str(col), None if period is None else str(period)) for col, period in item.items())
        elif isinstance(item, str):
            column, sep, period = item.rpartition(":") if ":" in item else (item, "", "")
            keys.append(_key(column.strip(), period.strip() if sep else None))
        else:
            raise TypeError(f"partition_by items are column names, 'column:period' or {{column: period}}, "
                            f"not {item!r}")
    names = [k.name for k in keys]
    if len(set(names)) != len(names):
        raise SchemaError(f"partition_by names a partition twice: {names}.")
    return keys


def _key(column: str, period: str | None) -> PartitionKey:
    if not column:
        raise SchemaError("partition_by has an empty column name.")
    if period is not None:
        period = period.lower()
        if period not in PERIODS:
            hints = difflib.get_close_matches(period, list(PERIODS), n=1)
            hint = f" Did you mean {hints[0]!r}?" if hints else ""
            raise SchemaError(f"Unknown partition period {period!r} for {column!r}; use one of "
                              f"{', '.join(PERIODS)}.{hint}", name=period, suggestions=hints)
    return PartitionKey(column, period)


def source_field(column: str) -> str:
    """The field a frame column comes from (``project.name`` → ``project``)."""
    head, _, tail = column.rpartition(".")
    if head and tail in ("id", "type", "name", "url", "content_type", "link_type"):
        return head
    return column


class Layout:
    """The partition keys checked against a frame schema; splits batches into directories."""

    def __init__(self, keys: Sequence[PartitionKey], schema: pa.Schema) -> None:
        self.keys = list(keys)
        self.schema = schema
        for key in self.keys:
            self._check(key)
        hive = {k.column for k in self.keys if not k.derived}
        self.file_schema = pa.schema([f for f in schema if f.name not in hive])

    def _check(self, key: PartitionKey) -> None:
        if key.column not in self.schema.names:
            hints = difflib.get_close_matches(key.column, self.schema.names, n=3)
            hint = f" Did you mean {', '.join(map(repr, hints))}?" if hints else ""
            raise SchemaError(f"Cannot partition by {key.column!r}: it is not a column of the export.{hint}",
                              name=key.column, suggestions=hints)
        if key.column == "id":
            raise SchemaError("Cannot partition by 'id': every record would get its own directory.", name="id")
        typ = self.schema.field(key.column).type
        temporal = pa.types.is_date(typ) or pa.types.is_timestamp(typ)
        if key.derived and not temporal:
            raise SchemaError(f"Partition period {key.period!r} needs a date or timestamp column; "
                              f"{key.column!r} is {typ}.", name=key.column)
        if not key.derived and temporal:
            raise SchemaError(f"Partition a date or timestamp column by a period: write "
                              f"'{key.column}:month' (or {'/'.join(p for p in PERIODS if p != 'month')}), not "
                              f"{key.column!r}.", name=key.column)
        scalar = (pa.types.is_string(typ) or pa.types.is_integer(typ) or pa.types.is_boolean(typ)
                  or pa.types.is_dictionary(typ) or temporal)
        if not scalar:
            raise SchemaError(f"Cannot partition by {key.column!r} ({typ}): use a text, number, boolean, "
                              "category, date or timestamp column.", name=key.column)
        if key.derived and key.name in self.schema.names:
            raise SchemaError(f"Partition key {key.name!r} would hide the column of the same name.", name=key.name)

    @property
    def hive_schema(self) -> pa.Schema:
        """Types of the directory keys as readers should parse them (categories as text)."""
        out = []
        for key in self.keys:
            typ = pa.string() if key.derived else self.schema.field(key.column).type
            out.append(pa.field(key.name, pa.string() if pa.types.is_dictionary(typ) else typ))
        return pa.schema(out)

    @property
    def stored_schema(self) -> pa.Schema:
        """The files' columns, then the directory keys they lack: the schema to read the dataset with."""
        names = self.file_schema.names
        return pa.schema(list(self.file_schema) + [f for f in self.hive_schema if f.name not in names])

    @property
    def write_schema(self) -> pa.Schema:
        """What :meth:`prepare` gives: the frame's columns (keys as :attr:`hive_schema` types), then period keys."""
        hive = self.hive_schema
        fields = [hive.field(f.name) if f.name in hive.names else f for f in self.schema]
        return pa.schema(fields + [f for f in hive if f.name not in self.schema.names])

    def partitioning(self) -> ds.Partitioning | None:
        """The Hive partitioning ``write_dataset`` writes and readers parse (``None`` without keys)."""
        return ds.partitioning(self.hive_schema, flavor="hive") if self.keys else None

    def prepare(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Rows of the frame schema with their directory keys as columns (:attr:`write_schema`).

        A column key is cast to its :attr:`hive_schema` type (categories to text); a period key is
        computed (``updated_at`` → ``updated_at_month``, in UTC). ``write_dataset`` moves the keys into
        the directory names and keeps them out of the files.
        """
        if not self.keys:
            return batch
        periods = {k.name: k for k in self.keys if k.derived}
        schema = self.write_schema
        arrays = []
        for field in schema:
            if field.name in periods:
                key = periods[field.name]
                col = batch.column(key.column)
                if pa.types.is_date(col.type):
                    col = pc.cast(col, pa.timestamp("s"))
                arrays.append(pc.strftime(col, PERIODS[key.period or ""]))  # UTC timestamps: UTC directories
            else:
                col = batch.column(field.name)
                arrays.append(col if col.type == field.type else pc.cast(col, field.type))
        return pa.RecordBatch.from_arrays(arrays, schema=schema)


_ASCII_RUN = re.compile(r"[\x00-\x7f]+")  # escaped; other characters stay as they are (see the module docstring)


def _segment(value: str) -> str:
    """One directory value: ASCII percent-encoded, other characters as they are."""
    return _ASCII_RUN.sub(lambda run: quote(run.group(), safe=""), value)


def recode(relative: str) -> str:
    """A path as ``write_dataset`` writes it (``k=%C3%89t%C3%A9/part-0.parquet``) with each directory value
    re-encoded by :func:`_segment` (``k=Été/part-0.parquet``).

    >>> recode("project.name=Ch%C3%A2teau%20Noir/seq=__HIVE_DEFAULT_PARTITION__/part-0.parquet")
    'project.name=Château%20Noir/seq=__HIVE_DEFAULT_PARTITION__/part-0.parquet'
    """
    *dirs, name = relative.split("/")
    out = []
    for part in dirs:
        key, eq, value = part.partition("=")
        out.append(f"{key}={_segment(unquote(value))}" if eq and value != NULL_SEGMENT else part)
    return "/".join(out + [name])
