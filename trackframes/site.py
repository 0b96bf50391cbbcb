"""A connection to one site: the reading API every backend shares.

``Site`` validates a request against the site's schema, asks the backend for a
fetch plan and runs it through the one fetch pipeline (:mod:`trackframes.paging`):
collect mode for ``find`` (pages parsed as they arrive, typed once, then put in
the server's order by :func:`trackframes.engine.sort_indices` and cut to
``limit``), stream mode for ``iter_batches`` and export. Each public call runs
inside one deadline (``connect(deadline=...)``) on the site's own threads,
which :meth:`Site.close` shuts down.

Filters and order are parsed once into the neutral query model
(:mod:`trackframes.query`); the backend checks them against its schema and
sends what its server can evaluate, and the site applies the rest with the
local engine (:mod:`trackframes.engine`) before ordering, limiting and counting.

>>> import trackframes as tf
>>> with tf.sandbox.serve(scale=0.02, seed=1) as sb:
...     site = sb.connect(progress=False)
...     df = site.find("Task", [["due_date", "is_not", None]], ["content", "due_date", "project"], limit=5)
...     list(df.columns)
['id', 'content', 'due_date', 'project.id', 'project.type', 'project.name']
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, timezone
from typing import Any, Iterator, Sequence

import pandas as pd
import pyarrow as pa

from . import frames
from .arguments import check_flag, check_progress, check_tz, convert_tz
from .backends.base import Backend, Capability, EntityInfo, Plan, Query, require
from .calls import current_call, keep_call, names_call
from .deadline import scope as deadline_scope
from .distributed import DaskDataFrame
from .engine.order import sort_indices
from .io import ExportResult
from .paging import Page, check_rows, collect, stream
from .queries import build_query, finish_batches, finish_table, relative_now
from .workers import Executor
from .schema import FieldKind, FieldSpec, arrow_schema

__all__ = ["Site"]

Filters = Any
Fields = Sequence[str] | str | None
Order = Sequence[str] | str | None


class Site:
    """A connection to a production-tracking site. Build it with :func:`trackframes.connect`."""

    def __init__(self, backend: Backend, *, url: str, page_size: int = 500, concurrency: int = 8,
                 progress: bool | None = None, today: date | str | None = None) -> None:
        check = getattr(backend, "check_page_size", None)
        if check is not None:
            check(page_size)
        self.backend = backend
        self.url = url
        self.page_size = page_size
        self.concurrency = concurrency
        self.progress = progress
        self._executor: Executor | None = None
        self._executor_lock = threading.Lock()
        self.today = today  # type: ignore[assignment]  # the setter accepts None and ISO strings
        from .accessor import register_site

        register_site(self)  # so df.tf.expand finds this site from a frame's provenance

    def __repr__(self) -> str:
        return f"<trackframes.Site {self.backend.name} {self.url}>"

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this site's backend can do (``Capability.SUMMARIZE``, ...); see :mod:`trackframes.backends.base`."""
        return frozenset(getattr(self.backend, "capabilities", frozenset({Capability.READ})))

    @property
    def id_kind(self) -> FieldKind:
        """The kind of this site's record ids: ``FieldKind.INTEGER``, or ``FieldKind.TEXT`` (UUIDs)."""
        return FieldKind(self.backend.id_kind)

    def __enter__(self) -> "Site":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Shut down the site's worker threads and its connections (a later call opens new ones)."""
        with self._executor_lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.close()
        self.backend.close()

    @property
    def today(self) -> date:
        """The site's "today": the schedule helpers measure lateness against it.

        The real date unless set (``connect(..., today=...)`` or ``site.today = ...``);
        a sandbox's site gets the day its production was generated around.
        Frames the site returns record it in ``df.attrs["trackframes"]["today"]``.
        """
        return self._today if self._today is not None else date.today()

    @today.setter
    def today(self, value: date | str | None) -> None:
        if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
            self._today = value
        elif isinstance(value, datetime):
            self._today = value.date()
        elif isinstance(value, str):
            self._today = date.fromisoformat(value.strip())
        else:
            raise TypeError(f"today must be a date, an ISO date string or None, not {type(value).__name__}.")

    # -- schema ----------------------------------------------------------------
    @names_call
    def entity_types(self) -> dict[str, EntityInfo]:
        """Entity types of the site, by API name."""
        return dict(self.backend.entities())

    @names_call
    def field_specs(self, entity: str) -> dict[str, FieldSpec]:
        """Fields of an entity type, by API name (fetched once per connection)."""
        return dict(self.backend.fields(entity))

    # -- reading ---------------------------------------------------------------
    @names_call
    def find(self, entity: str, filters: Filters = None, fields: Fields = None, order: Order = None,
             limit: int | None = None, *, project: Any = None, include_archived_projects: bool = False,
             retired: bool = False, progress: bool | None = None, tz: Any = None,
             where: str | None = None) -> pd.DataFrame:
        """Records as a typed DataFrame: ``id`` then the requested fields' columns.

        ``project`` (a name, an id, or a link/row) keeps the records of one
        project. ``tz`` (``"Europe/Paris"``) shows the UTC date-time columns in
        that zone; calendar dates are left as they are. ``where`` is a clause in the
        backend's own query language (ftrack), ANDed with ``filters``.
        """
        zone = check_tz(tz)
        with self._call():
            query, out_specs = self._query(entity, filters, fields, order, limit, include_archived_projects,
                                           retired, project=project, progress=progress, where=where)
            table = self._fetch(query, out_specs, progress)
        df = frames.to_pandas(table, out_specs)
        df.attrs["trackframes"] = self._provenance(query, out_specs, filters)
        if zone is not None:
            convert_tz(df, zone)
            df.attrs["trackframes"]["tz"] = str(zone)
        return df

    @names_call
    def find_arrow(self, entity: str, filters: Filters = None, fields: Fields = None, order: Order = None,
                   limit: int | None = None, *, project: Any = None, include_archived_projects: bool = False,
                   retired: bool = False, progress: bool | None = None, where: str | None = None) -> pa.Table:
        """Like :meth:`find` but returns the typed ``pyarrow.Table``."""
        with self._call():
            query, out_specs = self._query(entity, filters, fields, order, limit, include_archived_projects,
                                           retired, project=project, progress=progress, where=where)
            table = self._fetch(query, out_specs, progress)
        meta = {b"trackframes": _json(self._provenance(query, out_specs, filters))}
        return table.replace_schema_metadata(meta)

    @names_call
    def find_one(self, entity: str, filters: Filters = None, fields: Fields = None, order: Order = None, *,
                 project: Any = None, include_archived_projects: bool = False, retired: bool = False,
                 tz: Any = None, where: str | None = None) -> pd.Series | None:
        """The first matching record as a Series, or ``None``."""
        df = self.find(entity, filters, fields, order, limit=1, project=project,
                       include_archived_projects=include_archived_projects, retired=retired, progress=False, tz=tz,
                       where=where)
        return None if df.empty else df.iloc[0]

    @names_call
    def iter_batches(self, entity: str, filters: Filters = None, fields: Fields = None, *, project: Any = None,
                     include_archived_projects: bool = False, retired: bool = False,
                     progress: bool | None = None, where: str | None = None) -> Iterator[pa.RecordBatch]:
        """Typed record batches, one per page, in the order pages arrive (memory stays bounded)."""
        query, out_specs = self._query(entity, filters, fields, None, None, include_archived_projects, retired,
                                       project=project, progress=progress, where=where)
        batches = self._batches(query, progress)
        if query.residual.items:
            batches = finish_batches(batches, query, out_specs, self._now())
        return keep_call(batches)

    def _batches(self, query: Query, progress: bool | None) -> Iterator[pa.RecordBatch]:
        for page in self._pages(query, progress):
            yield page.data

    @names_call
    def count(self, entity: str, filters: Filters = None, *, project: Any = None,
              include_archived_projects: bool = False, retired: bool = False, where: str | None = None) -> int:
        """How many records match, counted by the server (by the site when part of the filter runs locally,
        or from their ids where the server cannot count them, as for retired records)."""
        with self._call():
            query, out_specs = self._query(entity, filters, ["id"], None, None, include_archived_projects,
                                           retired, project=project, where=where)
            if query.residual.items:
                return self._fetch(query, out_specs, False).num_rows
            counted = self.backend.count(query)
            if counted is None:  # a server that cannot count these (retired records): count their ids
                counted = sum(page.rows for page in self._pages(query, False))
            return counted

    # -- shortcuts (trackframes.shortcuts, backends/<name>/search.py) ------------------------------------------
    @names_call
    def projects(self, *, include_archived_projects: bool = False, fields: Fields = None,
                 filters: Filters = None) -> pd.DataFrame:
        """Active projects, by name (archived ones too with ``include_archived_projects=True``).

        Default columns: name, status, type, start and end dates, archived
        (those the site has); ``fields=`` picks others.
        """
        from .shortcuts import projects_frame

        check_flag("include_archived_projects", include_archived_projects)
        return projects_frame(self, include_archived_projects=include_archived_projects, fields=fields,
                              filters=filters)

    @names_call
    def people(self, *, include_inactive: bool = False, fields: Fields = None,
               filters: Filters = None) -> pd.DataFrame:
        """Active people, by name (disabled accounts too with ``include_inactive=True``).

        Default columns: name, login, email, department, status (those the site has).
        """
        from .shortcuts import people_frame

        check_flag("include_inactive", include_inactive)
        return people_frame(self, include_inactive=include_inactive, fields=fields, filters=filters)

    @names_call
    def search(self, text: str, entity_types: Any = None, *, limit: int | None = 100) -> pd.DataFrame:
        """Records whose name contains ``text``, as a frame: type, id, name (server-side text search).

        ``entity_types`` is a list of entity types, or a dict of entity type →
        filters for that type; by default the usual production types. At most
        ``limit`` matches (``None``: all).
        """
        df = require(self.backend, Capability.TEXT_SEARCH).text_search(text, entity_types, limit=limit)
        df.attrs["trackframes"] = {"site": self.url, "backend": self.backend.name, "kind": "search",
                                   **df.attrs.get("trackframes", {}),
                                   "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        return df

    async def afind(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        """:meth:`find` without blocking the event loop."""
        return await asyncio.to_thread(self.find, *args, **kwargs)

    async def acount(self, *args: Any, **kwargs: Any) -> int:
        """:meth:`count` without blocking the event loop."""
        return await asyncio.to_thread(self.count, *args, **kwargs)

    # -- summaries, schema frames and schedules (trackframes.summaries, trackframes.schedule) --------------
    @names_call
    def summarize(self, entity: str, summaries: Any, filters: Filters = None, grouping: Any = None, *,
                  include_archived_projects: bool = False) -> pd.DataFrame:
        """Server-side summaries as a tidy DataFrame (overall summaries in ``attrs["total"]``)."""
        from .summaries import summarize

        return summarize(self, entity, summaries, filters, grouping,
                         include_archived_projects=include_archived_projects)

    async def asummarize(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        """:meth:`summarize` without blocking the event loop."""
        return await asyncio.to_thread(self.summarize, *args, **kwargs)

    @names_call
    def entities(self, project: Any = None) -> pd.DataFrame:
        """One row per entity type: API name, display name, visible."""
        from .summaries import entities_frame

        return entities_frame(self, project=project)

    @names_call
    def schema(self, entity: str, project: Any = None) -> pd.DataFrame:
        """One row per field of ``entity``: name, display name, data type, pandas dtype, ..."""
        from .summaries import schema_frame

        return schema_frame(self, entity, project=project)

    @names_call
    def work_day_rules(self, start: Any, end: Any, project: Any = None, user: Any = None) -> pd.DataFrame:
        """One row per day: date, working, description, reason."""
        from .schedule import work_day_rules

        return work_day_rules(self, start, end, project=project, user=user)

    @names_call
    def tasks(self, project: Any = None, filters: Filters = None, *,
              include_archived_projects: bool = False) -> pd.DataFrame:
        """The canonical schedule frame (same columns on every backend; see docs/schedules.md)."""
        from .schedule import tasks_frame

        return tasks_frame(self, project=project, filters=filters,
                           include_archived_projects=include_archived_projects)

    @names_call
    def timelogs(self, project: Any = None, start: Any = None, end: Any = None, *, user: Any = None,
                 include_archived_projects: bool = False) -> pd.DataFrame:
        """The canonical time-log frame: date, minutes, user, task, project (``user``: a login, name or id)."""
        from .schedule import timelogs_frame

        return timelogs_frame(self, project=project, start=start, end=end, user=user,
                              include_archived_projects=include_archived_projects)

    @names_call
    def to_dask(self, entity: str, filters: Filters = None, fields: Fields = None, partitions: int | None = None,
                *, project: Any = None, include_archived_projects: bool = False) -> DaskDataFrame:
        """The records of :meth:`find` as a lazy ``dask.dataframe.DataFrame`` indexed by ``id``, one bounded
        query per partition, fetched by the Dask workers (see :mod:`trackframes.distributed`)."""
        from .distributed import to_dask

        return to_dask(self, entity, filters, fields, partitions, project=project,
                       include_archived_projects=include_archived_projects)

    # -- export and sync (trackframes.io) -------------------------------------------------------------------
    @names_call
    def export(self, entity: str, path: Any, filters: Filters = None, fields: Fields = None,
               partition_by: Any = None, compression: str = "zstd", *, progress: bool | None = None,
               include_archived_projects: bool = False, overwrite: bool = False) -> ExportResult:
        """Stream records into a Parquet dataset at ``path``, atomically (see docs/export.md)."""
        from .io import export

        check_progress(progress)
        check_flag("include_archived_projects", include_archived_projects)
        return export(self, entity, path, filters=filters, fields=fields, partition_by=partition_by,
                      compression=compression, progress=progress,
                      include_archived_projects=include_archived_projects, overwrite=overwrite)

    @names_call
    def sync(self, path: Any, *, progress: bool | None = None, overlap: Any = None) -> ExportResult:
        """Bring a dataset written by :meth:`export` up to date with what changed since."""
        from .io import sync

        check_progress(progress)
        return sync(self, path, progress=progress, overlap=overlap)

    # -- internals ---------------------------------------------------------------
    def _query(self, entity: str, filters: Filters, fields: Fields, order: Order, limit: Any,
               include_archived_projects: bool, retired: bool, *, project: Any = None,
               progress: Any = None, where: str | None = None) -> tuple[Query, list[FieldSpec]]:
        """Check every argument (nothing is sent but schema reads and a project lookup); build the query.

        See :func:`trackframes.queries.build_query`: the filters are parsed once, checked by the
        backend and split into what it sends and the residual the site applies (:meth:`_fetch`).
        """
        return build_query(self, entity, filters, fields, order, limit, include_archived_projects, retired,
                           project=project, progress=progress, where=where)

    def _now(self) -> datetime | None:
        """The instant relative dates are measured from: now, on the site's ``today`` when it is set."""
        return relative_now(self._today)

    def _fetch(self, query: Query, out_specs: list[FieldSpec], progress: bool | None) -> pa.Table:
        """The query's typed table: fetched, then its residual applied (:func:`trackframes.queries.finish_table`)."""
        if not query.residual.items:
            return self._fetch_table(query, out_specs, progress)
        return finish_table(self._fetch_table(query, list(query.fields), progress), query, out_specs, self._now())

    @contextmanager
    def _call(self) -> Iterator[Executor]:
        """The scope of one public call: one deadline for all its requests, and the site's threads.

        Work submitted to the threads inside runs in a copy of this context, so
        it sees the call (for messages) and its deadline. Nested calls keep the
        outer deadline when it comes first (:func:`trackframes.deadline.scope`).
        """
        with self._executor_lock:
            if self._executor is None:
                self._executor = Executor(self.concurrency)
                # a site dropped without close() still ends its threads
                weakref.finalize(self, self._executor.close).atexit = False
            executor = self._executor
        with ExitStack() as stack:
            new_deadline = getattr(getattr(self.backend, "transport", None), "new_deadline", None)
            if new_deadline is not None:
                stack.enter_context(deadline_scope(new_deadline(what=current_call() or "the call")))
            stack.enter_context(executor.active())
            yield executor

    def _pages(self, query: Query, progress: bool | None, plan: Plan | None = None) -> Iterator[Page[Any]]:
        """Stream mode: typed record batches (``page.data``, ``page.rows`` rows), one per page, as pages complete.

        Each page is parsed and typed in the parse pool. The fetch runs in a
        context of its own (one deadline from the first page on), so nothing of
        it leaks into the consumer's code between pages.
        """
        return keep_call(self._stream(query, progress, plan))

    def _stream(self, query: Query, progress: bool | None, plan: Plan | None) -> Iterator[Page[Any]]:
        with self._call() as executor:
            plan = plan or self.backend.plan(query, self.page_size)
            specs = list(query.fields)
            bar = _ProgressBar(query.entity, plan.total, enabled=self._progress(progress),
                               eager=len(plan.requests) > 1)
            fetched = 0
            complete = False
            try:
                with executor.tasks() as tasks:
                    for page in stream(tasks, plan, lambda t: frames.shape_table(t, specs),
                                       concurrency=self.concurrency, on_rows=bar.count):
                        fetched += page.rows
                        yield page
                complete = True
            finally:
                bar.close(complete=complete)
            check_rows(plan, fetched, query.entity)

    def _fetch_table(self, query: Query, out_specs: list[FieldSpec], progress: bool | None) -> pa.Table:
        """Collect mode: every page, typed once, in the server's order, cut to ``limit``."""
        specs = list(query.fields)
        with self._call() as executor:
            plan = self.backend.plan(query, self.page_size)
            bar = _ProgressBar(query.entity, plan.total, enabled=self._progress(progress),
                               eager=len(plan.requests) > 1)
            complete = False
            try:
                with executor.tasks() as tasks:
                    tables, fetched, ordered = collect(tasks, plan, lambda t: frames.shape_table(t, specs),
                                                       concurrency=self.concurrency, on_rows=bar.count)
                complete = True
            finally:
                bar.close(complete=complete)
            check_rows(plan, fetched, query.entity)
        table = frames.concat_tables(tables, specs)
        del tables
        order = list(query.order)
        if not plan.server_sorted and (order and order != ["id"] or not ordered):
            # the server's order (PostgreSQL: nulls last ascending, first descending; ties by id)
            table = table.take(sort_indices(table, order, specs))
        if query.limit is not None:
            table = table.slice(0, query.limit)
        if len(specs) != len(out_specs):
            table = table.select(arrow_schema(out_specs).names)
        return table

    def _progress(self, progress: bool | None) -> bool | None:
        """The call's ``progress`` (True forces bars, False silences), else the site's; None: automatic."""
        return self.progress if progress is None else progress

    def _provenance(self, query: Query, out_specs: list[FieldSpec], filters: Filters) -> dict[str, Any]:
        return {
            "site": self.url,
            "backend": self.backend.name,
            "entity": query.entity,
            "filters": query.tree.to_dict(),
            "fields": [s.name for s in out_specs if s.name != "id"],
            "order": list(query.order),
            "limit": query.limit,
            "include_archived_projects": query.include_archived_projects,
            "retired": query.retired,
            "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "today": self.today.isoformat(),
        }


def _json(value: Any) -> bytes:
    import orjson

    return orjson.dumps(value)


class _ProgressBar:
    """A ``tqdm.auto`` bar that appears only once a fetch spans more than one page.

    ``enabled``: True forces a bar, False silences it, None follows tqdm's
    convention (``disable=None``): a bar on a terminal and in a notebook, none
    when stderr is a file or a pipe (cron, CI, ``> log``). In a notebook the
    bar stays after the fetch, showing its final count, so a saved notebook
    shows the finished state; on a terminal it is cleared.
    """

    def __init__(self, entity: str, total: int | None, *, enabled: bool | None, eager: bool,
                 tqdm_class: Any = None) -> None:
        self.entity = entity
        self.total = total
        self.enabled = enabled
        self.bar: Any = None
        self.pages = 0
        self.rows = 0
        self._tqdm = tqdm_class
        self._lock = threading.Lock()
        if enabled is not False and eager:
            self._open()

    def _open(self) -> None:
        tqdm = self._tqdm
        if tqdm is None:
            from tqdm.auto import tqdm
        notebook = any(c.__module__ == "tqdm.notebook" for c in tqdm.__mro__)
        self.bar = tqdm(total=self.total, desc=self.entity, unit=" rec", leave=notebook, dynamic_ncols=True,
                        disable=None if self.enabled is None else False)
        if self.rows:
            self.bar.update(self.rows)

    def update(self, page: Page[Any]) -> None:
        """Count a page as it arrives (a continuation shows there will be more than one)."""
        self.add(page.rows, more=page.next is not None)

    def count(self, rows: int, more: bool) -> None:
        """Count one page's rows as the pipeline reports them (``on_rows``)."""
        self.add(rows, more=more)

    def add(self, rows: int, *, more: bool = False) -> None:
        """Count one page's rows; the bar appears once a second page (or a continuation) is seen."""
        with self._lock:
            self.pages += 1
            self.rows += rows
            if self.bar is None and self.enabled is not False and (more or self.pages > 1):
                self._open()
            elif self.bar is not None:
                self.bar.update(rows)

    def close(self, *, complete: bool = False) -> None:
        """Close the bar; a complete fetch first shows its final count as the total (100 %)."""
        with self._lock:
            bar, self.bar = self.bar, None
        if bar is None:
            return
        if complete:
            bar.total = bar.n = self.rows
            container = getattr(bar, "container", None)  # a notebook widget keeps its own maximum
            if container is not None:
                container.children[1].max = max(self.rows, 1)
            bar.refresh()
        bar.close()
