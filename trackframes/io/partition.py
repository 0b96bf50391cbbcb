"""Hive partitioning of an exported dataset: parsing ``partition_by`` and splitting batches.

A partition key is either a column of the frame (``"project.name"``,
``"sg_status_list"``) or a date/timestamp column cut to a period
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
>>> [d for d, _ in layout.split(pa.record_batch([pa.array([1, 2]), stamps], names=["id", "updated_at"]))]
['updated_at_week=2026-W09', 'updated_at_week=2025-W01']

Directory values are percent-encoded (``/`` becomes ``%2F``, a space ``%20``),
except non-ASCII characters, which are written as they are (``Été``): Spark and
Hive decode each ``%XX`` as one character, so the UTF-8 escape of ``É``
(``%C3%89``) would come back to them as two wrong characters, while pyarrow,
DuckDB, Polars and Dask read raw UTF-8 names as well as escaped ones. Nulls are
written as ``__HIVE_DEFAULT_PARTITION__``. Every one of those readers decodes both.

>>> _segment("Rain / Shine"), _segment("Château 100%")
('Rain%20%2F%20Shine', 'Château%20100%25')
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import SchemaError

__all__ = ["PartitionKey", "Layout", "parse_partition_by", "NULL_SEGMENT", "PERIODS"]

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

    def split(self, batch: pa.RecordBatch) -> Iterator[tuple[str, pa.RecordBatch]]:
        """``(relative directory, rows in file schema)`` for each partition the batch touches."""
        rows = batch.select(self.file_schema.names) if self.keys else batch
        if not self.keys:
            yield "", rows
            return
        codes: Any = None
        segments: list[list[str]] = []
        for key in self.keys:
            encoded = pc.dictionary_encode(self._values(key, batch), null_encoding="encode")
            segs = [f"{key.name}={_segment(v)}" for v in encoded.dictionary.to_pylist()]
            idx = pc.cast(encoded.indices, pa.int64())
            codes = idx if codes is None else pc.add(pc.multiply(codes, len(segs)), idx)
            segments.append(segs)
        unique = pc.unique(codes).to_pylist()
        for code in unique:
            parts = []
            rest = code
            for segs in reversed(segments):
                rest, i = divmod(rest, len(segs))
                parts.append(segs[i])
            directory = "/".join(reversed(parts))
            yield directory, rows if len(unique) == 1 else rows.filter(pc.equal(codes, code))

    def _values(self, key: PartitionKey, batch: pa.RecordBatch) -> pa.Array:
        col = batch.column(key.column)
        if key.derived:
            if pa.types.is_date(col.type):
                col = pc.cast(col, pa.timestamp("s"))
            return pc.strftime(col, PERIODS[key.period])  # timestamps are UTC: their directory is UTC too
        if pa.types.is_dictionary(col.type):
            return pc.cast(col, pa.string())
        return col


def _segment(value: Any) -> str:
    if value is None:
        return NULL_SEGMENT
    if isinstance(value, bool):
        return "true" if value else "false"
    return _ASCII_RUN.sub(lambda run: quote(run.group(), safe=""), str(value))


_ASCII_RUN = re.compile(r"[\x00-\x7f]+")  # escaped; other characters stay as they are (see the module docstring)
