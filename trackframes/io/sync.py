"""``sync``: bring an exported dataset up to date with what changed on the site since its watermark.

A sync looks ``overlap`` (5 minutes by default) before the dataset's
watermark; call that moment ``since``. It works one of two ways, depending on
what the site's backend can tell.

**With a change feed** (:class:`trackframes.backends.changes.ChangeFeed`;
which backends have one: ``docs/export.md``), it asks three questions about
the changes only:

1. the ids of the records deleted since ``since`` (a backend that cannot say
   when gives every deleted record);
2. the ids of every record changed since ``since``, whatever the dataset's
   filters (a record changed so that it no longer matches must leave);
3. the full rows of the records changed since ``since`` that match the
   filters, streamed into the new dataset as they arrive.

The new dataset is the old rows whose ids none of the answers named, plus the
rows of (3).

**Without one** it compares ids:

1. the ids of every record that matches the dataset's query now: one id-only
   query over the whole result, so its cost grows with the dataset, not with
   the changes;
2. when the records have an ``updated_at`` time, the full rows of the matching
   records updated since ``since``, and the rows of the matching records the
   dataset lacks although they did not change (a record revived, or moved into
   the query without changing), fetched by id;
3. without ``updated_at``, nothing tells which records changed: the rows of
   every matching record are fetched and everything is rewritten, as costly
   as an export.

The new dataset is the old rows whose ids are still current and were not
fetched again, plus every row fetched. Deleted records leave, whichever way.

Either way, files of the old dataset whose rows all stay are hard-linked into
the new dataset unchanged; the others are copied, less the dropped rows, into
a new file in the same directory (:func:`~trackframes.io.writer.copy_rows`).
That is this module's own code: ``write_dataset`` can neither link files nor
take rows as fast as a local file gives them (see :mod:`trackframes.io.writer`).
The fetched rows go through ``write_dataset``. The result goes through the
atomic swap of an export, and the watermark becomes the time the sync started.
A record that changes while a sync runs keeps its previous version until the
next sync, which picks it up because it changed after the new watermark.

What a sync cannot see: values that live on *other* records (dotted fields,
the names of linked records) are as of the record's own last change. With a
change feed, records of a project archived since the export stay, and a
restored record comes back only once it changes. Filters relative to the current time
(``in_last``, ``in_calendar_day``, ...) are refused, since records drift out
of them without changing.
"""

from __future__ import annotations

import math
import numbers
import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import Any, Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..backends.changes import change_feed
from ..exceptions import QueryError, SchemaError
from ..schema import FieldKind, arrow_schema
from .atomic import Staging, backups
from .export import DEFAULT_OVERLAP_SECONDS, ExportResult, build_metadata, stream_query
from .metadata import (check_compatible, check_same_site, iso, listed_files, parse_iso, read_metadata,
                       schema_from_json, write_metadata)
from .partition import Layout, PartitionKey
from .scan import reading
from .writer import DatasetWriter, WrittenFile, copy_rows

__all__ = ["sync", "RELATIVE_OPERATORS", "CHANGE_FEED", "ID_COMPARISON", "FULL_FETCH"]

#: the longest overlap a sync accepts (beyond it, an export is what is wanted)
_MAX_OVERLAP = timedelta(days=3650)

#: filter operators whose meaning moves with the clock
RELATIVE_OPERATORS = frozenset({"in_last", "not_in_last", "in_next", "not_in_next", "in_calendar_day",
                                "in_calendar_week", "in_calendar_month", "in_calendar_year"})

#: how a sync found the changes (``last_sync["method"]`` in the metadata)
CHANGE_FEED, ID_COMPARISON, FULL_FETCH = "change feed", "id comparison", "full fetch"

#: the time stamp the id comparison fetches changed rows by, when the records have it
UPDATED = "updated_at"


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

    >>> import tempfile
    >>> from datetime import date
    >>> import trackframes as tf
    >>> with tf.sandbox.serve(scale=0.02, seed=1, today=date(2026, 3, 2)) as sb, tempfile.TemporaryDirectory() as tmp:
    ...     site = sb.connect(progress=False)
    ...     _ = site.export("Shot", f"{tmp}/shots", fields=["code"])
    ...     _ = sb.store.retire("Shot", min(sb.store.records["Shot"]))
    ...     result = sync(site, f"{tmp}/shots")
    ...     method = read_metadata(f"{tmp}/shots")["last_sync"]["method"]
    >>> result.removed, result.fetched, method
    (1, 0, 'change feed')
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
        names = "*" if meta["all_fields"] else list(meta["fields"])
        archived = bool(meta["include_archived_projects"])
        _, specs = site._query(ent, meta["filters"], names, None, None, archived, False)
        old_schema = schema_from_json(meta["arrow_schema"])
        new_schema = arrow_schema(specs)
        grown = check_compatible(old_schema, new_schema, path)
        keys = [PartitionKey.from_json(k) for k in meta["partition_by"]]

        started = datetime.now(timezone.utc)
        since = parse_iso(meta["watermark"]) - _overlap(overlap, meta)  # type: ignore[operator]
        plan = _changes(site, ent, meta["filters"], archived, since, progress)
        query, query_specs = site._query(ent, _and(meta["filters"], plan.changed), names, None, None, archived,
                                         False)

        generation = int(meta.get("generation", 0)) + 1
        settings = dict(meta.get("layout") or {})
        layout = Layout(keys, new_schema)
        with DatasetWriter(stage.tmp, layout, compression=meta["compression"],
                           tag=f"{generation:04d}", row_group_size=settings.get("row_group_size", 65_536),
                           max_rows_per_file=settings.get("max_rows_per_file", 2_000_000)) as writer:
            fetched_ids: list[pa.Array] = []
            fetched, latest = stream_query(site, query, writer, progress, ids=fetched_ids, specs=query_specs)
            again = _unique(fetched_ids, new_schema.field("id").type)
            drop = _unique([plan.drop, again], again.type)
            old_ids: list[pa.Array] = []
            kept, removed = _carry_over(path, stage.tmp, meta["files"], layout.file_schema,
                                        keep=lambda ids: _keep(ids, plan.current, drop), rewrite_all=grown,
                                        tag=f"{generation:04d}", compression=meta["compression"], seen=old_ids)
            if plan.current is not None and plan.changed is not None:
                known = _unique(old_ids + [again], again.type)
                missing = pc.filter(plan.current, pc.invert(pc.is_in(plan.current, value_set=known)))
                more, late = _fetch_ids(site, ent, meta["filters"], names, archived, missing, writer, progress)
                fetched += more
                latest = max((m for m in (latest, late) if m is not None), default=None)
            if not kept and not writer.rows and not keys:
                writer.write_empty()
        files = sorted(kept + writer.files, key=lambda f: f.path)
        previous = parse_iso(meta.get("max_updated_at"))
        latest = max((m for m in (previous, latest) if m is not None), default=None)
        last_sync = {"started_at": iso(started), "since": iso(since), "method": plan.method, "fetched": fetched,
                     "removed": removed, "deleted_seen": plan.deleted,
                     "schema_grew": bool(grown)}
        new_meta = build_metadata(site, query, specs, bool(meta["all_fields"]), keys, meta["compression"], files,
                                  watermark=started, max_updated_at=latest, generation=generation,
                                  created_at=meta.get("created_at"), layout=settings, last_sync=last_sync)
        new_meta["filters"] = meta["filters"]  # the export's filters, not the sync's
        new_meta["overlap_seconds"] = meta.get("overlap_seconds", DEFAULT_OVERLAP_SECONDS)
        write_metadata(stage.tmp, new_meta)
        stage.commit()
    return ExportResult(path, ent, new_meta["rows"], len(files), sum(f.bytes for f in files), fetched, removed,
                        started, time.perf_counter() - t0)


# -- what changed ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Changes:
    """How to sync: fetch the rows matching ``changed`` (``None``: all), keep old rows whose ids are in
    ``current`` (``None``: any) and not in ``drop``."""

    method: str
    changed: Any
    drop: pa.Array
    current: pa.Array | None
    deleted: int | None = None  # how many deleted records the change feed named


def _changes(site: Any, entity: str, filters: Any, archived: bool, since: datetime,
             progress: bool | None) -> _Changes:
    id_type = arrow_schema(site.backend.resolve_fields(entity, ["id"])).field("id").type
    feed = change_feed(site.backend)
    changed = feed.changed_since(entity, since) if feed is not None else None
    if feed is not None and changed is not None:
        deleted = pc.cast(feed.deleted_since(entity, since), id_type)
        touched = _ids(site, entity, changed, True, progress)  # whatever the filters: leavers must go
        return _Changes(CHANGE_FEED, changed, _unique([deleted, touched], id_type), None, len(deleted))
    current = _ids(site, entity, filters, archived, progress)
    changed = _updated_since(site, entity, since)
    if changed is None:
        return _Changes(FULL_FETCH, None, pa.array([], id_type), pa.array([], id_type))
    return _Changes(ID_COMPARISON, changed, pa.array([], id_type), current)


def _updated_since(site: Any, entity: str, since: datetime) -> list[list[Any]] | None:
    """``updated_at`` at or after ``since`` (a second earlier: sites keep whole seconds), if the records have it."""
    spec = site.field_specs(entity).get(UPDATED)
    if spec is None or spec.kind is not FieldKind.DATETIME:
        return None
    bound = since.astimezone(timezone.utc).replace(microsecond=0) - timedelta(seconds=1)
    return [[UPDATED, "greater_than", bound.strftime("%Y-%m-%dT%H:%M:%SZ")]]


def _and(filters: Any, more: Any) -> Any:
    """``filters`` and ``more`` (a list of conditions, or a group; ``None``: ``filters`` alone)."""
    if more is None:
        return filters
    extra = list(more) if isinstance(more, (list, tuple)) else [more]
    return {"logical_operator": "and", "conditions": [filters, *extra]}


def _ids(site: Any, entity: str, filters: Any, archived: bool, progress: bool | None) -> pa.Array:
    """Ids of the records matching ``filters``, sorted and unique."""
    from ..queries import finish_batches

    query, specs = site._query(entity, filters, ["id"], None, None, archived, False)
    batches: Any = (page.data for page in site._pages(query, progress) if page.rows)
    if query.residual.items:  # conditions the backend cannot send (Kitsu's updated_at) are applied here
        batches = finish_batches(batches, query, list(specs), site._now())
    chunks = [batch.column("id") for batch in batches if batch.num_rows]
    return _unique(chunks, arrow_schema(specs).field("id").type)


def _unique(arrays: Sequence[Any], id_type: pa.DataType) -> pa.Array:
    chunks = [a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for a in arrays if len(a)]
    if not chunks:
        return pa.array([], id_type)
    ids = pc.unique(pa.concat_arrays([pc.cast(c, id_type) for c in chunks]))
    return ids.take(pc.sort_indices(ids))


def _keep(ids: pa.Array, current: pa.Array | None, drop: pa.Array) -> pa.Array:
    """Which of ``ids`` stay: in ``current`` (when given) and not in ``drop``."""
    keep = pc.invert(pc.is_in(ids, value_set=drop))
    if current is not None:
        keep = pc.and_(keep, pc.is_in(ids, value_set=current))
    return keep


def _fetch_ids(site: Any, entity: str, filters: Any, names: Any, archived: bool, ids: pa.Array,
               writer: DatasetWriter, progress: bool | None) -> tuple[int, datetime | None]:
    """Stream the rows of the records ``ids`` that match ``filters``, a page of ids at a time."""
    rows, latest = 0, None
    step = site.page_size
    for start in range(0, len(ids), step):
        chunk = ids.slice(start, step).to_pylist()
        query, query_specs = site._query(entity, _and(filters, [["id", "in", chunk]]), names, None, len(chunk),
                                         archived, False)
        n, top = stream_query(site, query, writer, progress, specs=query_specs)
        rows += n
        latest = max((m for m in (latest, top) if m is not None), default=None)
    return rows, latest


# -- checks ------------------------------------------------------------------------------------------------------


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


# -- the old rows ---------------------------------------------------------------------------------------------------


def _carry_over(old_root: Path, new_root: Path, files: Sequence[Mapping[str, Any]], schema: pa.Schema, *,
                keep: Any, rewrite_all: bool, tag: str, compression: str,
                seen: list[pa.Array]) -> tuple[list[WrittenFile], int]:
    """Old rows that ``keep`` keeps into the new dataset: whole files linked, the others copied less the rest.

    ``keep(ids)`` gives a boolean mask. A file that loses rows (or every file, with ``rewrite_all``) is
    copied into its own directory as ``part-<tag>-r<n>.parquet`` in ``schema`` (the new file schema).
    Every old id is appended to ``seen``. Returns the files kept or copied and how many old rows were
    dropped.
    """
    kept: list[WrittenFile] = []
    removed = 0
    for n, entry in enumerate(files):
        rel = str(entry["path"])
        src = old_root / rel
        with reading(old_root, [str(src)]):
            ids = pq.read_table(src, columns=["id"]).column("id").combine_chunks()
        seen.append(ids)
        stay = keep(ids)
        n_stay = int(pc.sum(stay).as_py() or 0)
        if n_stay == len(ids) and not rewrite_all:
            target = new_root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            _link(src, target)
            kept.append(WrittenFile(rel, int(entry["rows"]), int(entry["bytes"])))
            continue
        removed += len(ids) - n_stay
        if not n_stay:
            continue
        copy = (PurePosixPath(rel).parent / f"part-{tag}-r{n}.parquet").as_posix()
        with reading(old_root, [str(src)]):
            rows = copy_rows(src, new_root / copy, keep, schema, compression)
        kept.append(WrittenFile(copy, rows, (new_root / copy).stat().st_size))
    return kept, removed


def _link(src: Path, dst: Path) -> None:
    """A hard link (no copy, and the old dataset's file is never modified); a copy where hard linking fails."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
