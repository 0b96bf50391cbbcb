"""``export``: stream a query's pages into a Parquet dataset, atomically.

Pages come from :meth:`trackframes.site.Site._pages` as typed record batches
(each converted in the fetching threads as it lands) and go straight into a
:class:`~trackframes.io.writer.DatasetWriter` (``pyarrow.dataset.write_dataset``
fed as the pages arrive); the whole result is never held.
The dataset is written into a temporary sibling directory and swapped in
when complete (:mod:`trackframes.io.atomic`).

**Watermark rule.** The watermark is the client's UTC clock read just before
the first request of the fetch, not the largest ``updated_at`` seen: a record
changed while a long export is running may already have been fetched in its
old state, and the largest ``updated_at`` seen can be later than that change
(or even in the future, when clocks disagree). A sync asks for everything
updated at or after ``watermark - overlap`` (five minutes by default), which
also absorbs clock skew between client and server and writes the server
commits late.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from .._version import __version__
from ..exceptions import SchemaError
from ..schema import FieldSpec, arrow_schema
from .atomic import Staging, is_dataset
from .errors import CorruptDatasetError, DatasetExistsError
from .metadata import (FORMAT, FORMAT_VERSION, clean_url, iso, query_differences, query_identity, read_metadata,
                       schema_to_json, specs_to_json, write_metadata)
from .partition import Layout, PartitionKey, parse_partition_by, source_field
from .writer import DatasetWriter, WrittenFile, check_compression

__all__ = ["export", "ExportResult", "DEFAULT_OVERLAP_SECONDS", "stream_query", "build_metadata", "human_size",
           "plural"]

#: the safety overlap a sync subtracts from the watermark, in seconds
DEFAULT_OVERLAP_SECONDS = 300.0


@dataclass(frozen=True)
class ExportResult:
    """What an export or sync wrote.

    ``fetched`` counts the records fetched from the site, ``removed`` the rows
    of the previous dataset that were dropped (deleted, changed, or no longer
    matching the filters); an export fetches everything and removes nothing.
    """

    path: Path
    entity: str
    rows: int
    files: int
    bytes: int
    fetched: int
    removed: int
    watermark: datetime
    seconds: float

    def __str__(self) -> str:
        return (f"{plural(self.rows, f'{self.entity} row')} in {self.path} ({plural(self.files, 'file')}, "
                f"{human_size(self.bytes)}); fetched {self.fetched:,d}, removed {self.removed:,d} "
                f"in {self.seconds:.1f} s; watermark {iso(self.watermark)}")


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, with an ``s`` unless there is exactly one: ``1 file``, ``2,400 Task rows``.

    >>> plural(1, "file"), plural(0, "file"), plural(2400, "Task row")
    ('1 file', '0 files', '2,400 Task rows')
    """
    return f"{count:,d} {noun}" if count == 1 else f"{count:,d} {noun}s"


def human_size(size: int) -> str:
    """A byte count for people, in powers of 1000 as disks are sold: ``812 B``, ``14.2 KB``, ``3.0 MB``.

    >>> human_size(812), human_size(14_210), human_size(2_999_999), human_size(42_000_000_000)
    ('812 B', '14.2 KB', '3.0 MB', '42.0 GB')
    """
    if size < 1000:
        return f"{size:d} B"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1000
        if round(value, 1) < 1000 or unit == "TB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def export(site: Any, entity: str, path: str | Path, *, filters: Any = None, fields: Any = None,
           partition_by: Any = None, compression: str = "zstd", progress: bool | None = None,
           include_archived_projects: bool = False, row_group_size: int = 65_536,
           max_rows_per_file: int = 2_000_000, overwrite: bool = False) -> ExportResult:
    """Stream ``entity`` records into a Parquet dataset at ``path`` (a directory), atomically.

    Args:
        site: a :class:`trackframes.Site`.
        entity, filters, fields: as for :meth:`~trackframes.Site.find` (``None`` or ``"*"``: all fields).
        partition_by: Hive partition keys: column names (``["project.name"]``), or a date/timestamp column
            cut to a period: ``"updated_at:month"`` or ``{"updated_at": "month"}`` (year, month, week, day;
            a week is an ISO week, ``updated_at_week=2026-W09``).
            A partition column whose field was not asked for is added to the fields.
        compression: Parquet codec: zstd, snappy, gzip, brotli, lz4 or none.
        progress: progress bars (default: the connection's setting).
        include_archived_projects: also export records of archived projects.
        row_group_size, max_rows_per_file: Parquet layout (rows per row group / per file).
        overwrite: replace a dataset of *another* query at ``path``. Exporting the same query again
            (entity, filters, fields, partitions, archived projects, site) refreshes it without this; a
            different one is refused with the differences spelled out. A file or a folder trackframes did
            not write is never replaced.

    Raises:
        DatasetExistsError: ``path`` holds a dataset of another query (without ``overwrite``), a file, or
            a folder of your own; nothing is changed.
        DatasetWriteError: the storage refused a write (disk full, ...); the previous dataset is unchanged.

    Returns:
        An :class:`ExportResult`. The dataset's ``_trackframes.json`` records the query and the watermark
        that :func:`trackframes.io.sync` continues from.
    """
    t0 = time.perf_counter()
    path = Path(path)
    compression = check_compression(compression)
    keys = parse_partition_by(partition_by)
    names, all_fields = _field_names(site, entity, fields, keys)
    query, specs = site._query(entity, filters, names, None, None, include_archived_projects, False)
    layout = Layout(keys, arrow_schema(specs))
    with Staging(path) as stage:
        if not overwrite and is_dataset(path):
            _check_same_query(path, site, query, specs, all_fields, keys)
        watermark = datetime.now(timezone.utc)
        with DatasetWriter(stage.tmp, layout, compression=compression, tag="0000",
                           row_group_size=row_group_size, max_rows_per_file=max_rows_per_file) as writer:
            rows, max_updated = stream_query(site, query, writer, progress, specs=specs)
            if rows == 0 and not keys:
                writer.write_empty()
        files = writer.files
        meta = build_metadata(site, query, specs, all_fields, keys, compression, files,
                              watermark=watermark, max_updated_at=max_updated, generation=0,
                              created_at=watermark, layout={"row_group_size": row_group_size,
                                                            "max_rows_per_file": max_rows_per_file})
        write_metadata(stage.tmp, meta)
        stage.commit()
    return ExportResult(path, entity, rows, len(files), sum(f.bytes for f in files), rows, 0, watermark,
                        time.perf_counter() - t0)


def _check_same_query(path: Path, site: Any, query: Any, specs: Sequence[FieldSpec], all_fields: bool,
                      keys: Sequence[PartitionKey]) -> None:
    """Refuse to replace the dataset at ``path`` when it holds another query than this export's."""
    try:
        old = read_metadata(path)
    except CorruptDatasetError as exc:
        raise CorruptDatasetError(f"{exc.message} Pass overwrite=True (trackframes export --overwrite) to replace "
                                  "it with this export.", path=path, file=exc.file) from exc
    new = {"site": clean_url(site.url), "backend": site.backend.name, "entity": query.entity,
           "filters": query.tree.to_dict(), "all_fields": all_fields,
           "fields": [s.name for s in specs if s.name != "id"], "partition_by": [k.to_json() for k in keys],
           "include_archived_projects": bool(query.include_archived_projects)}
    differences = query_differences(query_identity(old), query_identity(new))
    if differences:
        raise DatasetExistsError(
            f"{path} holds a dataset of another query ({'; '.join(differences)}). Exporting there would replace "
            "it: pass overwrite=True (trackframes export --overwrite) to do so, or choose another path. "
            "(Exporting the same query again refreshes it.)", path=path)


def _field_names(site: Any, entity: str, fields: Any, keys: Sequence[PartitionKey]) -> tuple[Any, bool]:
    """The fields to fetch (partition fields added) and whether they are all the entity's fields."""
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.split(",") if f.strip()]
    if fields is None or list(fields) == ["*"] or "*" in list(fields):
        return "*", True
    names = list(fields)
    columns = arrow_schema(site.backend.resolve_fields(entity, names)).names
    for key in keys:
        if key.column in columns:
            continue
        candidate = source_field(key.column)
        try:
            site.backend.resolve_fields(entity, [candidate])
        except SchemaError as exc:
            raise SchemaError(f"Cannot partition by {key.column!r}: {exc.message}", name=key.column,
                              suggestions=exc.suggestions) from None
        if candidate not in names:
            names.append(candidate)
    return names, False


def stream_query(site: Any, query: Any, writer: DatasetWriter, progress: bool | None,
                 ids: list[pa.Array] | None = None,
                 specs: Sequence[FieldSpec] | None = None) -> tuple[int, datetime | None]:
    """Write every page of ``query`` as it arrives; returns (rows, largest ``updated_at`` seen).

    When ``ids`` is a list, each page's ``id`` column is appended to it. A query with a residual
    (conditions the backend cannot send) needs its output ``specs``: pages are filtered by it
    locally and its extra columns dropped (:func:`trackframes.queries.finish_batches`).
    """
    from ..queries import finish_batches

    rows = 0
    latest = None
    pages = site._pages(query, progress)
    batches: Any = (page.data for page in pages)
    if query.residual.items:
        if specs is None:
            raise ValueError("stream_query needs the output specs of a query with a residual")
        batches = finish_batches(batches, query, list(specs), site._now())
    try:
        for batch in batches:
            if not batch.num_rows:
                continue
            rows += batch.num_rows
            writer.write(batch)
            if ids is not None:
                ids.append(batch.column("id"))
            if "updated_at" in batch.schema.names and pa.types.is_timestamp(batch.schema.field("updated_at").type):
                top = pc.max(batch.column("updated_at")).as_py()
                if top is not None and (latest is None or top > latest):
                    latest = top
    finally:
        pages.close()
    return rows, latest


def build_metadata(site: Any, query: Any, specs: Sequence[FieldSpec], all_fields: bool,
                   keys: Sequence[PartitionKey], compression: str, files: Sequence[WrittenFile], *,
                   watermark: datetime, max_updated_at: datetime | None, generation: int,
                   created_at: datetime | str | None, layout: dict[str, int],
                   last_sync: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``_trackframes.json`` content (see :mod:`trackframes.io.metadata`)."""
    schema = arrow_schema(list(specs))
    now = datetime.now(timezone.utc)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "trackframes_version": __version__,
        "site": clean_url(site.url),
        "backend": site.backend.name,
        "entity": query.entity,
        "filters": query.tree.to_dict(),
        "fields": [s.name for s in specs if s.name != "id"],
        "all_fields": all_fields,
        "include_archived_projects": bool(query.include_archived_projects),
        "partition_by": [k.to_json() for k in keys],
        "compression": compression,
        "layout": layout,
        "columns": [{"name": f.name, "type": str(f.type)} for f in schema],
        "arrow_schema": schema_to_json(schema),
        "field_specs": specs_to_json(specs),
        "created_at": created_at if isinstance(created_at, str) else iso(created_at),
        "fetch_started_at": iso(watermark),
        "fetched_at": iso(now),
        "watermark": iso(watermark),
        "watermark_rule": "client UTC clock before the first request; sync fetches updated_at >= watermark - "
                          "overlap",
        "overlap_seconds": DEFAULT_OVERLAP_SECONDS,
        "max_updated_at": iso(max_updated_at),
        "generation": generation,
        "rows": sum(f.rows for f in files),
        "files": [f.to_json() for f in files],
        "last_sync": last_sync,
    }
