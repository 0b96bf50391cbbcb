"""Streaming record batches into a Hive-partitioned Parquet dataset, with ``pyarrow.dataset.write_dataset``.

``write_dataset`` does the dataset work: the Hive directories (values
percent-encoded, nulls as ``__HIVE_DEFAULT_PARTITION__``), row groups of at most
``row_group_size`` rows, files of at most ``max_rows_per_file`` rows, at most
``max_open_files`` files open at once, the file names (``part-<tag>-<n>.parquet``)
and the list of files written (its ``file_visitor``). It reads the rows from a
``pyarrow.RecordBatchReader`` built on the batches :meth:`DatasetWriter.write`
receives.

What is ours, and why ``write_dataset`` cannot do it:

* **A thread of its own.** ``write_dataset`` holds the calling thread until its
  input ends, and Python runs a ``KeyboardInterrupt`` only in the main thread:
  called from there, Ctrl-C would wait for the whole export. So the caller
  fetches (and sees Ctrl-C at once) and hands batches over a small queue to
  ``write_dataset`` running on a thread of its own.
* **Bounded memory.** ``write_dataset`` queues whatever it is given (up to 8
  million rows) when it writes slower than rows come in, and keeps up to
  ``min_rows_per_group`` rows per open file besides. Measured with a codec
  slower than the input (brotli, level 11), it held the whole input: 1M rows
  of about 450 bytes took the process from 119 MB to 719 MB.
  So it gets whole row groups, never partial ones (``min_rows_per_group=0``:
  it holds nothing back), and the caller waits before handing over the next
  one while Arrow holds more than ``buffer_bytes`` (32 MB by default; at least
  16 MB). Arrow offers no count of what it still has to write, so "holds" is
  its memory pool above what it held when the writer started, less the rows
  the writer itself buffers; memory the process holds in Arrow for other
  reasons counts too, so a wait also ends after 3 s in which nothing was
  released (and there is none with a single I/O thread, which would be busy
  reading the rows handed over). A row group is ``row_group_size`` rows, or fewer when they pass
  ``buffer_bytes / 2``; with partitions, its rows are spread over the
  directories they belong to. The callers feed it from the network, which is
  slower than it writes: it rarely waits (a sync copies the rows it keeps
  itself, see :func:`copy_rows`).
* **The zero-row file** of an empty export (:meth:`DatasetWriter.write_empty`):
  ``write_dataset`` writes no file for no rows, and readers of an empty dataset
  should still see its columns.
* **Copying a file less some rows** (:func:`copy_rows`, for a sync): the rows
  kept from an old file stay in its directory, so they need no partitioning,
  and a copy that reads one row group while writing the last holds little.
  Through ``write_dataset`` they would come faster than it writes them, which
  is what its queue cannot bear.

>>> import tempfile
>>> import pyarrow as pa
>>> from trackframes.io.partition import Layout, parse_partition_by
>>> schema = pa.schema([("id", pa.int64()), ("project.name", pa.string())])
>>> layout = Layout(parse_partition_by("project.name"), schema)
>>> with tempfile.TemporaryDirectory() as tmp:
...     with DatasetWriter(Path(tmp), layout) as writer:
...         writer.write(pa.record_batch([pa.array([1, 2, 3]), pa.array(["Hollow Pines", "a/b", None])], schema=schema))
...     for f in sorted(writer.files, key=lambda f: f.path):
...         print(f.path, f.rows)
project.name=Hollow%20Pines/part-0000-0.parquet 1
project.name=__HIVE_DEFAULT_PARTITION__/part-0000-0.parquet 1
project.name=a%2Fb/part-0000-0.parquet 1
"""

from __future__ import annotations

import difflib
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from .partition import Layout, recode

__all__ = ["DatasetWriter", "WrittenFile", "conform", "check_compression", "copy_rows", "write_file", "COMPRESSIONS"]

COMPRESSIONS = ("zstd", "snappy", "gzip", "brotli", "lz4", "none")

#: seconds the caller waits at a time (so that Ctrl-C is seen at once)
_POLL = 0.02
#: the least memory Arrow may hold before the caller waits (room for what the fetch itself holds in Arrow's pool)
_FLOOR = 16 << 20
#: seconds without any memory released by Arrow after which the caller stops waiting for it (the memory is
#: then held by something else in the process, not by the writer)
_STALL = 3.0


@dataclass(frozen=True)
class WrittenFile:
    """One Parquet file of a dataset: its path relative to the dataset root (``/``-separated)."""

    path: str
    rows: int
    bytes: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "rows": self.rows, "bytes": self.bytes}


def check_compression(compression: str | None) -> str:
    """The Parquet codec name in lower case (``None`` → ``"none"``); ``ValueError`` with the closest names.

    >>> check_compression("ZSTD"), check_compression(None)
    ('zstd', 'none')
    >>> check_compression("zstandard")
    Traceback (most recent call last):
    ...
    ValueError: compression must be one of zstd, snappy, gzip, brotli, lz4, none, not 'zstandard'. Did you mean 'zstd'?
    """
    value = "none" if compression is None else str(compression).lower()
    if value not in COMPRESSIONS:
        hints = difflib.get_close_matches(value, COMPRESSIONS, n=1, cutoff=0.4)
        hint = f" Did you mean {hints[0]!r}?" if hints else ""
        raise ValueError(f"compression must be one of {', '.join(COMPRESSIONS)}, not {compression!r}.{hint}")
    return value


def _codec(compression: str) -> str | None:
    return None if compression == "none" else compression


def write_file(table: pa.Table, target: Path, compression: str) -> None:
    """One Parquet file, with the dataset files' options (dictionary encoding, statistics)."""
    pq.write_table(table, str(target), compression=_codec(check_compression(compression)), use_dictionary=True,
                   write_statistics=True)


def copy_rows(src: Path, target: Path, keep: Callable[[pa.Array], pa.Array], schema: pa.Schema,
              compression: str) -> int:
    """The rows of the Parquet file ``src`` that ``keep(ids)`` keeps, into a new file ``target`` in ``schema``.

    One row group at a time, each written out as it was (less the rows dropped), so memory holds one
    row group. Returns the rows written.
    """
    rows = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetFile(src) as reader, pq.ParquetWriter(str(target), schema, compression=_codec(compression),
                                                         use_dictionary=True, write_statistics=True) as out:
        for i in range(reader.num_row_groups):
            group = reader.read_row_group(i)
            group = group.filter(keep(group.column("id").combine_chunks()))
            if group.num_rows:
                out.write_table(pa.Table.from_batches([conform(b, schema) for b in group.to_batches()], schema),
                                row_group_size=group.num_rows)
                rows += group.num_rows
    return rows


class DatasetWriter:
    """Write batches of the frame schema under ``root``; :meth:`close` returns the files written.

    ``tag`` goes into every file name (``part-<tag>-0.parquet``) so that files of
    different runs can live side by side in one partition directory (a sync
    adds its files next to those it keeps).
    """

    def __init__(self, root: Path, layout: Layout, *, compression: str = "zstd", tag: str = "0000",
                 row_group_size: int = 65_536, max_rows_per_file: int = 2_000_000,
                 buffer_bytes: int = 32 << 20, max_open_files: int = 64) -> None:
        if row_group_size < 1 or max_rows_per_file < 1 or max_open_files < 1 or buffer_bytes < 1:
            raise ValueError("row_group_size, max_rows_per_file, max_open_files and buffer_bytes must be >= 1")
        self.root = Path(root).absolute()
        self.layout = layout
        self.schema = layout.file_schema
        self.compression = check_compression(compression)
        self.tag = tag
        self.row_group_size = min(row_group_size, max_rows_per_file)
        self.max_rows_per_file = max_rows_per_file
        self.buffer_bytes = buffer_bytes
        self.max_open_files = max_open_files
        self.files: list[WrittenFile] = []
        self.rows = 0  # rows received so far
        self._batches: list[pa.RecordBatch] = []  # received, not yet handed over
        self._buffered = 0
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._baseline = pa.total_allocated_bytes()
        self._closed = False

    # -- receiving -------------------------------------------------------------
    def write(self, batch: pa.RecordBatch | pa.Table) -> None:
        """Rows of the frame schema (partition columns included; missing columns become nulls)."""
        if self._closed:
            raise ValueError("This DatasetWriter is closed.")
        for chunk in (batch.to_batches() if isinstance(batch, pa.Table) else [batch]):
            if not chunk.num_rows:
                continue
            rows = self.layout.prepare(conform(chunk, self.layout.schema))
            self._batches.append(rows)
            self._buffered += rows.nbytes
            self.rows += rows.num_rows
            while self._batches and (sum(b.num_rows for b in self._batches) >= self.row_group_size
                                     or self._buffered >= self.buffer_bytes // 2):
                self._hand_over(final=False)

    def _hand_over(self, *, final: bool) -> None:
        """Give ``write_dataset`` one row group's worth of the rows received (all of them when ``final``)."""
        group = pa.concat_batches(self._batches)  # a copy: the pages it came from are freed
        take = group.num_rows
        if not final:
            by_size = max(1, group.num_rows * (self.buffer_bytes // 2) // max(group.nbytes, 1))
            take = min(group.num_rows, self.row_group_size, by_size)
        self._batches = [group.slice(take)] if take < group.num_rows else []
        self._buffered = sum(b.nbytes for b in self._batches)
        out = group.slice(0, take)
        del group
        if self._thread is None:
            self._start()
        self._wait_for_room(out.nbytes)
        self._put(out)

    # -- the writing thread ----------------------------------------------------------
    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="trackframes-write", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        options = ds.ParquetFileFormat().make_write_options(compression=_codec(self.compression),
                                                            use_dictionary=True, write_statistics=True)
        try:
            ds.write_dataset(
                pa.RecordBatchReader.from_batches(self.layout.write_schema, self._received()), str(self.root),
                format="parquet", file_options=options, partitioning=self.layout.partitioning(),
                basename_template=f"part-{self.tag}-{{i}}.parquet", max_rows_per_file=self.max_rows_per_file,
                max_rows_per_group=self.row_group_size, min_rows_per_group=0, max_open_files=self.max_open_files,
                max_partitions=max(1024, self.row_group_size), file_visitor=self._visit,
                existing_data_behavior="overwrite_or_ignore", use_threads=True)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            self._error = exc

    def _received(self) -> Iterator[pa.RecordBatch]:
        while True:
            try:
                item = self._queue.get(timeout=_POLL)
            except queue.Empty:
                if self._stop.is_set():
                    raise _Aborted() from None
                continue
            if item is None:
                return
            yield item

    def _visit(self, written: Any) -> None:
        """``write_dataset``'s ``file_visitor``: note each file as it is closed."""
        path = Path(written.path)
        size = getattr(written, "size", None)
        self.files.append(WrittenFile(path.relative_to(self.root).as_posix(), written.metadata.num_rows,
                                      int(size) if size is not None else path.stat().st_size))

    def _wait_for_room(self, size: int) -> None:
        """Wait while Arrow holds more than ``buffer_bytes`` (at least 16 MB), not counting our ``size`` bytes."""
        if pa.io_thread_count() < 2:
            return  # the one I/O thread is the one reading our rows: waiting for it to write would stall
        limit = max(self.buffer_bytes, _FLOOR)
        low = None
        since = time.monotonic()
        while True:
            self._check_thread()
            held = pa.total_allocated_bytes() - self._baseline - size - self._buffered
            if held <= limit:
                return
            if low is None or held < low:
                low, since = held, time.monotonic()
            elif time.monotonic() - since > _STALL:
                return  # nothing released for long: memory held elsewhere, not by the writer
            time.sleep(_POLL)

    def _put(self, item: Any) -> None:
        while True:
            self._check_thread()
            try:
                self._queue.put(item, timeout=_POLL)
                return
            except queue.Full:
                continue

    def _check_thread(self) -> None:
        if self._error is not None:
            raise self._error
        if self._thread is not None and not self._thread.is_alive():
            raise RuntimeError("The Parquet writing thread ended unexpectedly.")  # pragma: no cover

    def _join(self) -> None:
        if self._thread is not None:
            while self._thread.is_alive():
                self._thread.join(_POLL)

    def write_empty(self) -> None:
        """A zero-row file at the root, so that readers of an empty export still see the columns."""
        name = f"part-{self.tag}-0.parquet"
        target = self.root / name
        write_file(self.schema.empty_table(), target, self.compression)
        self.files.append(WrittenFile(name, 0, target.stat().st_size))

    # -- closing -----------------------------------------------------------------
    def close(self) -> list[WrittenFile]:
        """Write out every row received, close every file; returns all files written."""
        if self._closed:
            return list(self.files)
        if self._batches:
            self._hand_over(final=True)
        if self._thread is not None:
            self._put(None)
            self._join()
            if self._error is not None:
                raise self._error
        self._closed = True
        self.files = [self._recoded(f) for f in self.files]
        self.files.sort(key=lambda f: f.path)
        return list(self.files)

    def _recoded(self, written: WrittenFile) -> WrittenFile:
        """Move a file out of the directory ``write_dataset`` named into the one :func:`recode` names
        (non-ASCII values as they are, for Spark); the emptied directory is removed."""
        new = recode(written.path)
        if new == written.path:
            return written
        source, target = self.root / written.path, self.root / new
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        parent = source.parent
        while parent != self.root and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
        return WrittenFile(new, written.rows, written.bytes)

    def abort(self) -> None:
        """Stop writing (the caller discards the directory); returns once the writing thread has ended."""
        self._closed = True
        self._batches = []
        self._stop.set()
        try:
            self._queue.get_nowait()  # make room, so that the thread sees the stop
        except queue.Empty:
            pass
        self._join()

    def __enter__(self) -> "DatasetWriter":
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class _Aborted(Exception):
    """Raised into ``write_dataset`` to stop it when the caller gave up."""


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

