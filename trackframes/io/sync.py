"""``sync``: bring an exported dataset up to date with what changed on the site since its watermark.

One sync asks the site three questions, in this order:

1. the ids of retired records (``options[return_only]=retired`` on ShotGrid);
2. the ids of every record updated at or after ``watermark - overlap``,
   whatever the dataset's filters (a record changed so that it no longer
   matches must leave the dataset);
3. the full rows of the records updated since then that match the filters,
   streamed into the new dataset as they arrive.

The new dataset is the old rows whose ids none of the three answers named,
plus the rows of (3). Files of the old dataset holding none of those ids are
hard-linked into the new dataset unchanged; the others are rewritten
without the dropped rows. The result goes through the same atomic swap as an
export, and the watermark becomes the time the sync started. A record that
changes while a sync runs keeps its previous version until the next sync,
which picks it up because it changed after the new watermark.

What a sync cannot see: values that live on *other* records (dotted fields
such as ``entity.Shot.sg_sequence``, the ``.name`` of links) are as of the
record's own last change, and records of a project that was archived since
stay. Filters relative to the current time (``in_last``, ``in_calendar_day``,
...) are refused, since records drift out of them without changing.
"""

from __future__ import annotations

import math
import numbers
import os
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import Any, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..exceptions import QueryError, SchemaError
from ..schema import arrow_schema
from .atomic import Staging, backups
from .export import DEFAULT_OVERLAP_SECONDS, ExportResult, build_metadata, stream_query
from .metadata import (check_compatible, check_same_site, iso, listed_files, parse_iso, read_metadata,
                       schema_from_json, write_metadata)
from .partition import Layout, PartitionKey
from .scan import reading
from .writer import DatasetWriter, WrittenFile

__all__ = ["sync", "RELATIVE_OPERATORS"]

#: the longest overlap a sync accepts (beyond it, an export is what is wanted)
_MAX_OVERLAP = timedelta(days=3650)

#: filter operators whose meaning moves with the clock
RELATIVE_OPERATORS = frozenset({"in_last", "not_in_last", "in_next", "not_in_next", "in_calendar_day",
                                "in_calendar_week", "in_calendar_month", "in_calendar_year"})


def sync(site: Any, path: str | Path, *, progress: bool | None = None, overlap: float | timedelta | None = None,
         entity: str | None = None) -> ExportResult:
    """Update the dataset at ``path`` (written by :func:`trackframes.io.export`) from ``site``.

    Args:
        site: a connection to the site the dataset was exported from.
        path: the dataset directory.
        progress: progress bars (default: the connection's setting).
        overlap: how far before the watermark to look again (default 300 s, or the dataset's
            ``overlap_seconds``); it must exceed the clock difference between this machine and the server.
        entity: when given, the entity type the dataset must hold.

    Raises:
        QueryError: the dataset comes from another site, backend or entity, or its filters are relative
            to the current time.
        SchemaError: the site's schema changed incompatibly (a column went or changed type). Fields added
            to the site appear as new columns when the dataset holds all fields (old rows get nulls).
        NotADatasetError: ``path`` is not a dataset written by export (a ``FileNotFoundError``).
        CorruptDatasetError: its ``_trackframes.json`` or a Parquet file cannot be read (the file is named).
        DatasetWriteError: the storage refused a write (disk full, ...); the dataset is unchanged.
    """
    t0 = time.perf_counter()
    path = Path(path)
    _check_overlap(overlap)
    if not backups(path):
        read_metadata(path)  # not a dataset (and none moved aside by a killed writer): say so before locking
    with Staging(path, create_parent=False) as stage:
        meta = read_metadata(path)  # again under the lock: another writer may have just finished
        listed_files(path, meta)
        check_same_site(meta, site.url, site.backend.name, path, entity)
        ent = meta["entity"]
        _check_syncable(meta["filters"], path)
        if "updated_at" not in site.field_specs(ent):
            raise SchemaError(f"{ent} has no updated_at field, so {path} cannot be synced; export it again "
                              "instead.", name="updated_at")
        names = "*" if meta["all_fields"] else list(meta["fields"])
        archived = bool(meta["include_archived_projects"])
        _, specs = site._query(ent, meta["filters"], names, None, None, archived, False)
        old_schema = schema_from_json(meta["arrow_schema"])
        new_schema = arrow_schema(specs)
        grown = check_compatible(old_schema, new_schema, path)
        keys = [PartitionKey.from_json(k) for k in meta["partition_by"]]
        layout = Layout(keys, new_schema)

        started = datetime.now(timezone.utc)
        since = _since(parse_iso(meta["watermark"]), _overlap(overlap, meta))
        changed = ["updated_at", "greater_than", since]
        retired = _ids(site, ent, None, retired=True, progress=progress)
        touched = _ids(site, ent, [changed], retired=False, progress=progress)
        query, _ = site._query(ent, {"logical_operator": "and", "conditions": [meta["filters"], changed]},
                               names, None, None, archived, False)

        generation = int(meta.get("generation", 0)) + 1
        settings = dict(meta.get("layout") or {})
        with DatasetWriter(stage.tmp, layout, compression=meta["compression"], tag=f"{generation:04d}",
                           row_group_size=settings.get("row_group_size", 65_536),
                           max_rows_per_file=settings.get("max_rows_per_file", 2_000_000)) as writer:
            fetched_ids: list[pa.Array] = []
            fetched, latest = stream_query(site, query, writer, progress, ids=fetched_ids)
            drop = np.unique(np.concatenate([retired, touched] + [_np(a) for a in fetched_ids]))
            kept, removed = _carry_over(path, stage.tmp, meta["files"], drop, writer, rewrite_all=grown)
            if not kept and not writer.rows and not keys:
                writer.write_empty()
        files = kept + writer.files
        previous = parse_iso(meta.get("max_updated_at"))
        latest = max((m for m in (previous, latest) if m is not None), default=None)
        last_sync = {"started_at": iso(started), "since": since, "fetched": fetched, "removed": removed,
                     "retired_seen": int(len(retired)), "schema_grew": bool(grown)}
        new_meta = build_metadata(site, query, specs, bool(meta["all_fields"]), keys, meta["compression"], files,
                                  watermark=started, max_updated_at=latest, generation=generation,
                                  created_at=meta.get("created_at"), layout=settings, last_sync=last_sync)
        new_meta["filters"] = meta["filters"]  # the export's filters, not the sync's
        new_meta["overlap_seconds"] = meta.get("overlap_seconds", DEFAULT_OVERLAP_SECONDS)
        write_metadata(stage.tmp, new_meta)
        stage.commit()
    return ExportResult(path, ent, new_meta["rows"], len(files), sum(f.bytes for f in files), fetched, removed,
                        started, time.perf_counter() - t0)


def _check_syncable(filters: Any, path: Path) -> None:
    if isinstance(filters, Mapping):
        for item in filters.get("conditions", []):
            _check_syncable(item, path)
    elif isinstance(filters, (list, tuple)) and len(filters) >= 2 and isinstance(filters[1], str):
        if filters[1] in RELATIVE_OPERATORS:
            raise QueryError(f"{path} was exported with the filter {list(filters)!r}, which is relative to the "
                             "current time: records leave it without changing, so a sync cannot follow it. "
                             "Export again instead, or use fixed dates.")


def _check_overlap(overlap: Any) -> None:
    """``TypeError``/``ValueError`` naming ``overlap`` unless it is None, seconds >= 0 or a timedelta >= 0."""
    valid = "a number of seconds >= 0 (such as 300) or a datetime.timedelta"
    if overlap is None:
        return
    if isinstance(overlap, bool) or not isinstance(overlap, (numbers.Real, timedelta)):
        raise TypeError(f"overlap must be {valid}, not {overlap!r}.")
    seconds = overlap.total_seconds() if isinstance(overlap, timedelta) else float(overlap)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"overlap must be {valid}, not {overlap!r}.")
    if seconds > _MAX_OVERLAP.total_seconds():
        raise ValueError(f"overlap must be {valid} of at most {_MAX_OVERLAP.days} days, not {overlap!r}; "
                         "to fetch everything again, export instead.")


def _overlap(overlap: float | timedelta | None, meta: Mapping[str, Any]) -> timedelta:
    if overlap is None:
        overlap = float(meta.get("overlap_seconds", DEFAULT_OVERLAP_SECONDS))
    _check_overlap(overlap)
    return overlap if isinstance(overlap, timedelta) else timedelta(seconds=float(overlap))


def _since(watermark: datetime | None, overlap: timedelta) -> str:
    """The ``greater_than`` bound: one second before ``watermark - overlap``, cut to whole seconds.

    Site timestamps have whole seconds, so ``updated_at > since`` means ``updated_at >= watermark - overlap``.
    """
    if watermark is None:  # pragma: no cover - every dataset has one
        raise SchemaError("The dataset has no watermark; export it again.")
    bound = (watermark - overlap).replace(microsecond=0) - timedelta(seconds=1)
    return bound.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _np(array: Any) -> np.ndarray:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def _ids(site: Any, entity: str, filters: Any, *, retired: bool, progress: bool | None) -> np.ndarray:
    """Ids of the matching records (archived projects included), as a sorted array."""
    query, _ = site._query(entity, filters, ["id"], None, None, True, retired)
    chunks = [_np(page.data.column("id")) for page in site._pages(query, progress) if page.rows]
    return np.unique(np.concatenate(chunks)) if chunks else np.empty(0, np.int64)


def _member(ids: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    if not len(sorted_set) or not len(ids):
        return np.zeros(len(ids), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_set, ids), len(sorted_set) - 1)
    return sorted_set[pos] == ids


def _carry_over(old_root: Path, new_root: Path, files: Sequence[Mapping[str, Any]], drop: np.ndarray,
                writer: DatasetWriter, *, rewrite_all: bool) -> tuple[list[WrittenFile], int]:
    """Old rows not in ``drop`` into the new dataset: whole files linked, the others rewritten.

    Returns the linked files and how many old rows were dropped.
    """
    kept: list[WrittenFile] = []
    removed = 0
    for entry in files:
        rel = str(entry["path"])
        src = old_root / rel
        with reading(old_root, [str(src)]):
            hits = _member(_np(pq.read_table(src, columns=["id"]).column("id")), drop)
        n_hits = int(hits.sum())
        if not n_hits and not rewrite_all:
            target = new_root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            _link(src, target)
            kept.append(WrittenFile(rel, int(entry["rows"]), int(entry["bytes"])))
            continue
        removed += n_hits
        directory = str(PurePosixPath(rel).parent)
        directory = "" if directory == "." else directory
        with reading(old_root, [str(src)]), pq.ParquetFile(src) as reader:
            for batch in reader.iter_batches(batch_size=8_192):
                mask = ~_member(_np(batch.column("id")), drop)
                if mask.all():
                    writer.write_into(directory, batch)
                elif mask.any():
                    writer.write_into(directory, batch.filter(pa.array(mask)))
    return kept, removed


def _link(src: Path, dst: Path) -> None:
    """A hard link (no copy, and the old dataset's file is never modified); a copy when links fail."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
