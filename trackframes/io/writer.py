"""Streaming record batches into a (possibly partitioned) directory of Parquet files.

:class:`DatasetWriter` keeps, per partition directory, a small buffer of rows
and an open ``pyarrow.parquet.ParquetWriter``. A buffer is written out as one
row group once it holds ``row_group_size`` rows, and the largest buffer is
written early whenever all buffers together pass ``buffer_bytes``, so memory
stays bounded whatever the number of partitions. Files roll over after
``max_rows_per_file`` rows; at most ``max_open_files`` files are open at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .partition import Layout

__all__ = ["DatasetWriter", "WrittenFile", "conform", "COMPRESSIONS"]

COMPRESSIONS = ("zstd", "snappy", "gzip", "brotli", "lz4", "none")


@dataclass(frozen=True)
class WrittenFile:
    """One Parquet file of a dataset: its path relative to the dataset root (``/``-separated)."""

    path: str
    rows: int
    bytes: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "rows": self.rows, "bytes": self.bytes}


class _Partition:
    __slots__ = ("directory", "batches", "rows", "nbytes", "writer", "file", "file_rows", "seq")

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.batches: list[pa.RecordBatch] = []
        self.rows = 0
        self.nbytes = 0
        self.writer: pq.ParquetWriter | None = None
        self.file = ""
        self.file_rows = 0
        self.seq = 0


class DatasetWriter:
    """Write batches of the frame schema under ``root``; :meth:`close` returns the files written.

    ``tag`` goes into every file name (``part-<tag>-00000.parquet``) so that
    files of different runs can live side by side in one partition directory.
    """

    def __init__(self, root: Path, layout: Layout, *, compression: str = "zstd", tag: str = "0000",
                 row_group_size: int = 65_536, max_rows_per_file: int = 2_000_000,
                 buffer_bytes: int = 64 << 20, max_open_files: int = 64) -> None:
        if row_group_size < 1 or max_rows_per_file < 1 or max_open_files < 1:
            raise ValueError("row_group_size, max_rows_per_file and max_open_files must be >= 1")
        self.root = Path(root)
        self.layout = layout
        self.schema = layout.file_schema
        self.compression = None if compression == "none" else compression
        self.tag = tag
        self.row_group_size = row_group_size
        self.max_rows_per_file = max_rows_per_file
        self.buffer_bytes = buffer_bytes
        self.max_open_files = max_open_files
        self.files: list[WrittenFile] = []
        self._parts: dict[str, _Partition] = {}
        self._open: dict[str, None] = {}  # directories with an open file, least recently used first
        self._buffered = 0
        self._closed = False
        self.rows = 0  # rows received so far

    # -- writing -----------------------------------------------------------------
    def write(self, batch: pa.RecordBatch | pa.Table) -> None:
        """Rows of the frame schema (partition columns included); split by partition here."""
        for chunk in _batches(batch):
            if chunk.num_rows:
                for directory, rows in self.layout.split(chunk):
                    self._add(directory, rows)

    def write_into(self, directory: str, batch: pa.RecordBatch | pa.Table) -> None:
        """Rows already in the file schema for a known partition directory (rows kept by a sync)."""
        for chunk in _batches(batch):
            if chunk.num_rows:
                self._add(directory, conform(chunk, self.schema))

    def _add(self, directory: str, rows: pa.RecordBatch) -> None:
        part = self._parts.get(directory)
        if part is None:
            part = self._parts[directory] = _Partition(directory)
        part.batches.append(rows)
        part.rows += rows.num_rows
        self.rows += rows.num_rows
        size = rows.nbytes
        part.nbytes += size
        self._buffered += size
        if part.rows >= self.row_group_size:
            self._flush(part)
        while self._buffered > self.buffer_bytes:
            self._flush(max(self._parts.values(), key=lambda p: p.nbytes))

    def _flush(self, part: _Partition) -> None:
        if not part.rows:
            return
        table = pa.Table.from_batches(part.batches, schema=self.schema)
        self._buffered -= part.nbytes
        part.batches, part.rows, part.nbytes = [], 0, 0
        offset = 0
        while offset < table.num_rows:
            if part.writer is None or part.file_rows >= self.max_rows_per_file:
                self._roll(part)
            take = min(table.num_rows - offset, self.max_rows_per_file - part.file_rows)
            assert part.writer is not None
            part.writer.write_table(table.slice(offset, take), row_group_size=self.row_group_size)
            part.file_rows += take
            offset += take
        self._open.pop(part.directory, None)
        self._open[part.directory] = None

    def _roll(self, part: _Partition) -> None:
        self._close_file(part)
        while len(self._open) >= self.max_open_files:
            self._close_file(self._parts[next(iter(self._open))])  # its buffered rows wait for a new file
        name = f"part-{self.tag}-{part.seq:05d}.parquet"
        part.seq += 1
        part.file = f"{part.directory}/{name}" if part.directory else name
        target = self.root / part.file
        target.parent.mkdir(parents=True, exist_ok=True)
        part.writer = pq.ParquetWriter(str(target), self.schema, compression=self.compression,
                                       use_dictionary=True, write_statistics=True)
        part.file_rows = 0
        self._open[part.directory] = None

    def _close_file(self, part: _Partition) -> None:
        if part.writer is None:
            return
        part.writer.close()
        part.writer = None
        self._open.pop(part.directory, None)
        target = self.root / part.file
        self.files.append(WrittenFile(part.file, part.file_rows, target.stat().st_size))

    def write_empty(self) -> None:
        """A zero-row file at the root, so that readers of an empty export still see the columns."""
        part = self._parts.setdefault("", _Partition(""))
        self._roll(part)
        self._close_file(part)

    # -- closing -----------------------------------------------------------------
    def close(self) -> list[WrittenFile]:
        """Write every buffer out, close every file; returns all files written."""
        if not self._closed:
            for part in self._parts.values():
                self._flush(part)
            for part in self._parts.values():
                self._close_file(part)
            self._closed = True
        return list(self.files)

    def abort(self) -> None:
        """Close open files without finishing (the caller discards the directory)."""
        for part in self._parts.values():
            if part.writer is not None:
                try:
                    part.writer.close()
                except Exception:  # noqa: BLE001 - the directory is being thrown away
                    pass
                part.writer = None
        self._parts.clear()
        self._closed = True

    def __enter__(self) -> "DatasetWriter":
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _batches(data: pa.RecordBatch | pa.Table) -> list[pa.RecordBatch]:
    return data.to_batches() if isinstance(data, pa.Table) else [data]


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` in ``schema``'s column order and types; missing columns become nulls (a grown schema)."""
    if batch.schema.equals(schema):
        return batch
    n = batch.num_rows
    arrays = []
    for field in schema:
        if field.name in batch.schema.names:
            col = batch.column(field.name)
            arrays.append(col if col.type == field.type else col.cast(field.type))
        else:
            arrays.append(pa.nulls(n, field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
