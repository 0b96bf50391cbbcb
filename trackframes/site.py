"""A connection to one site: the reading API every backend shares.

``Site`` validates a request against the site's schema, asks the backend for a
fetch plan, runs it through the paging engine (pages are typed as they
arrive, in the worker threads), then orders, limits and converts the result.

>>> import trackframes as tf
>>> with tf.sandbox.serve(scale=0.02, seed=1) as sb:
...     site = sb.connect(progress=False)
...     df = site.find("Shot", [["sg_status_list", "is_not", "omt"]], ["code", "sg_sequence"], limit=5)
...     list(df.columns)
['id', 'code', 'sg_sequence.id', 'sg_sequence.type', 'sg_sequence.name']
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from typing import Any, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from . import frames
from .backends.base import Backend, EntityInfo, Plan, Query
from .exceptions import SchemaError
from .paging import Page, fetch_pages
from .schema import FieldKind, FieldSpec, arrow_schema

__all__ = ["Site"]

Filters = Any
Fields = Sequence[str] | str | None


class Site:
    """A connection to a production-tracking site. Build it with :func:`trackframes.connect`."""

    def __init__(self, backend: Backend, *, url: str, page_size: int = 500, concurrency: int = 8,
                 progress: bool = True, today: date | str | None = None) -> None:
        self.backend = backend
        self.url = url
        self.page_size = page_size
        self.concurrency = concurrency
        self.progress = progress
        self.today = today  # type: ignore[assignment]  # the setter accepts None and ISO strings
        from .accessor import register_site

        register_site(self)  # so df.tf.expand finds this site from a frame's provenance

    def __repr__(self) -> str:
        return f"<trackframes.Site {self.backend.name} {self.url}>"

    def __enter__(self) -> "Site":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
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
    def entity_types(self) -> dict[str, EntityInfo]:
        """Entity types of the site, by API name."""
        return dict(self.backend.entities())

    def field_specs(self, entity: str) -> dict[str, FieldSpec]:
        """Fields of an entity type, by API name (fetched once per connection)."""
        return dict(self.backend.fields(entity))

    # -- reading ---------------------------------------------------------------
    def find(self, entity: str, filters: Filters = None, fields: Fields = None, order: Sequence[str] | None = None,
             limit: int | None = None, *, include_archived_projects: bool = False, retired: bool = False,
             progress: bool | None = None) -> Any:
        """Records as a typed DataFrame: ``id`` then the requested fields' columns."""
        query, out_specs = self._query(entity, filters, fields, order, limit, include_archived_projects, retired)
        table = self._fetch_table(query, out_specs, progress)
        df = frames.to_pandas(table, out_specs)
        df.attrs["trackframes"] = self._provenance(query, out_specs, filters)
        return df

    def find_arrow(self, entity: str, filters: Filters = None, fields: Fields = None,
                   order: Sequence[str] | None = None, limit: int | None = None, *,
                   include_archived_projects: bool = False, retired: bool = False,
                   progress: bool | None = None) -> pa.Table:
        """Like :meth:`find` but returns the typed ``pyarrow.Table``."""
        query, out_specs = self._query(entity, filters, fields, order, limit, include_archived_projects, retired)
        table = self._fetch_table(query, out_specs, progress)
        meta = {b"trackframes": _json(self._provenance(query, out_specs, filters))}
        return table.replace_schema_metadata(meta)

    def find_one(self, entity: str, filters: Filters = None, fields: Fields = None,
                 order: Sequence[str] | None = None, *, include_archived_projects: bool = False,
                 retired: bool = False) -> Any:
        """The first matching record as a Series, or ``None``."""
        df = self.find(entity, filters, fields, order, limit=1, include_archived_projects=include_archived_projects,
                       retired=retired, progress=False)
        return None if df.empty else df.iloc[0]

    def iter_batches(self, entity: str, filters: Filters = None, fields: Fields = None, *,
                     include_archived_projects: bool = False, retired: bool = False,
                     progress: bool | None = None) -> Iterator[pa.RecordBatch]:
        """Typed record batches, one per page, in the order pages arrive (memory stays bounded)."""
        query, out_specs = self._query(entity, filters, fields, None, None, include_archived_projects, retired)
        for page in self._pages(query, progress):
            yield page.data

    def count(self, entity: str, filters: Filters = None, *, include_archived_projects: bool = False,
              retired: bool = False) -> int:
        """How many records match, counted by the server."""
        query, _ = self._query(entity, filters, ["id"], None, None, include_archived_projects, retired)
        return self.backend.count(query)

    async def afind(self, *args: Any, **kwargs: Any) -> Any:
        """:meth:`find` without blocking the event loop."""
        return await asyncio.to_thread(self.find, *args, **kwargs)

    async def acount(self, *args: Any, **kwargs: Any) -> int:
        """:meth:`count` without blocking the event loop."""
        return await asyncio.to_thread(self.count, *args, **kwargs)

    # -- summaries, schema frames and schedules (trackframes.summaries, trackframes.schedule) --------------
    def summarize(self, entity: str, summaries: Any, filters: Filters = None, grouping: Any = None, *,
                  include_archived_projects: bool = False) -> Any:
        """Server-side summaries as a tidy DataFrame (overall summaries in ``attrs["total"]``)."""
        from .summaries import summarize

        return summarize(self, entity, summaries, filters, grouping,
                         include_archived_projects=include_archived_projects)

    async def asummarize(self, *args: Any, **kwargs: Any) -> Any:
        """:meth:`summarize` without blocking the event loop."""
        return await asyncio.to_thread(self.summarize, *args, **kwargs)

    def entities(self, project: Any = None) -> Any:
        """One row per entity type: API name, display name, visible."""
        from .summaries import entities_frame

        return entities_frame(self, project=project)

    def schema(self, entity: str, project: Any = None) -> Any:
        """One row per field of ``entity``: name, display name, data type, pandas dtype, ..."""
        from .summaries import schema_frame

        return schema_frame(self, entity, project=project)

    def work_day_rules(self, start: Any, end: Any, project: Any = None, user: Any = None) -> Any:
        """One row per day: date, working, description, reason."""
        from .schedule import work_day_rules

        return work_day_rules(self, start, end, project=project, user=user)

    def tasks(self, project: Any = None, filters: Filters = None, *, include_archived_projects: bool = False) -> Any:
        """The canonical schedule frame (same columns on every backend; see docs/schedules.md)."""
        from .schedule import tasks_frame

        return tasks_frame(self, project=project, filters=filters,
                           include_archived_projects=include_archived_projects)

    def timelogs(self, project: Any = None, start: Any = None, end: Any = None, *, user: Any = None,
                 include_archived_projects: bool = False) -> Any:
        """The canonical time-log frame: date, minutes, user, task, project (``user``: a login, name or id)."""
        from .schedule import timelogs_frame

        return timelogs_frame(self, project=project, start=start, end=end, user=user,
                              include_archived_projects=include_archived_projects)

    # -- export and sync (trackframes.io) -------------------------------------------------------------------
    def export(self, entity: str, path: Any, filters: Filters = None, fields: Fields = None,
               partition_by: Any = None, compression: str = "zstd", *, progress: bool | None = None,
               include_archived_projects: bool = False) -> Any:
        """Stream records into a Parquet dataset at ``path``, atomically (see docs/export.md)."""
        from .io import export

        return export(self, entity, path, filters=filters, fields=fields, partition_by=partition_by,
                      compression=compression, progress=progress,
                      include_archived_projects=include_archived_projects)

    def sync(self, path: Any, *, progress: bool | None = None, overlap: Any = None) -> Any:
        """Bring a dataset written by :meth:`export` up to date with what changed since."""
        from .io import sync

        return sync(self, path, progress=progress, overlap=overlap)

    # -- internals ---------------------------------------------------------------
    def _query(self, entity: str, filters: Filters, fields: Fields, order: Sequence[str] | None,
               limit: int | None, include_archived_projects: bool, retired: bool) -> tuple[Query, list[FieldSpec]]:
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
            raise ValueError(f"limit must be a whole number >= 0 or None, not {limit!r}")
        if isinstance(order, str):
            order = [o.strip() for o in order.split(",") if o.strip()]
        normal = self.backend.check_filters(entity, filters)
        out_specs = self.backend.resolve_fields(entity, fields)
        specs = list(out_specs)
        order = list(order or [])
        have = {s.name for s in specs}
        for item in order:  # order by a field that was not asked for: fetch it, drop it later
            name = item.lstrip("-")
            spec = next((s for s in specs if s.name == name), None)
            if spec is None:
                spec = self.backend.resolve_fields(entity, [name])[-1]
            if spec.kind is FieldKind.MULTI_ENTITY:
                raise SchemaError(f"Cannot order by {name!r}: it is a multi-entity field.", name=name)
            if name not in have:
                specs.append(spec)
                have.add(name)
        query = Query(entity, normal, tuple(specs), tuple(order), limit, include_archived_projects, retired)
        return query, out_specs

    def _pages(self, query: Query, progress: bool | None, plan: Plan | None = None) -> Iterator[Page[Any]]:
        """Typed record batches, one per page, as pages arrive (each finished in its fetching thread)."""
        plan = plan or self.backend.plan(query, self.page_size)
        specs = list(query.fields)

        def fetch(request: Any) -> Page[Any]:
            page = plan.fetch(request)
            parsed, more = plan.finish(page.data)
            nested = plan.assemble([parsed])
            rows = sum(t.num_rows for t in nested)
            return Page(frames.shape_batch(pa.concat_tables(nested), specs), rows, page.next or more, page.key)

        bar = _ProgressBar(query.entity, plan.total, enabled=self.progress if progress is None else progress,
                           eager=len(plan.requests) > 1)
        try:
            yield from fetch_pages(plan.requests, fetch, concurrency=self.concurrency, on_page=bar.update)
        finally:
            bar.close()

    def _collect(self, plan: Plan, requests: list[Any], bar: "_ProgressBar") -> list[tuple[Any, Any]]:
        """(key, parsed page) for every page: fetched ``concurrency`` at a time, each parsed by a
        small separate pool so that a fetching thread sends its next request at once."""
        results: list[tuple[Any, Any]] = []
        follow_ups: list[Any] = []
        with ThreadPoolExecutor(PARSE_THREADS, thread_name_prefix="trackframes-parse") as parsers:
            futures = []
            for page in fetch_pages(requests, plan.fetch, concurrency=self.concurrency):
                future = parsers.submit(plan.finish, page.data)
                future.add_done_callback(lambda f: f.exception() is None and bar.add(_rows(f.result()[0])))
                futures.append((page.key, future))
            for key, future in futures:
                parsed, more = future.result()
                results.append((key, parsed))
                if more is not None:
                    follow_ups.append(more)
        if follow_ups:  # full pages from a server that does not say links.next
            results += self._collect(plan, follow_ups, bar)
        return results

    def _fetch_table(self, query: Query, out_specs: list[FieldSpec], progress: bool | None) -> pa.Table:
        plan = self.backend.plan(query, self.page_size)
        bar = _ProgressBar(query.entity, plan.total, enabled=self.progress if progress is None else progress,
                           eager=len(plan.requests) > 1)
        try:
            pages = sorted(self._collect(plan, list(plan.requests), bar), key=lambda kv: kv[0])
        finally:
            bar.close()
        specs = list(query.fields)
        parsed = [data for _, data in pages if _rows(data)]
        del pages
        if not parsed:
            table = frames.empty_table(specs)
        else:
            # pages were parsed as they arrived; turning them into typed columns happens once, for all
            nested = plan.assemble(parsed)
            del parsed
            table = frames.concat_tables([frames.shape_table(t, specs) for t in nested], specs)
            if len(nested) > 1 and not plan.server_sorted:
                table = table.take(pc.sort_indices(table, sort_keys=[("id", "ascending")]))
        if not plan.server_sorted and query.order and list(query.order) != ["id"]:
            table = _sort(table, query.order, specs)
        if query.limit is not None:
            table = table.slice(0, query.limit)
        if len(specs) != len(out_specs):
            table = table.select(arrow_schema(out_specs).names)
        return table

    def _provenance(self, query: Query, out_specs: list[FieldSpec], filters: Filters) -> dict[str, Any]:
        return {
            "site": self.url,
            "backend": self.backend.name,
            "entity": query.entity,
            "filters": query.filters,
            "fields": [s.name for s in out_specs if s.name != "id"],
            "order": list(query.order),
            "limit": query.limit,
            "include_archived_projects": query.include_archived_projects,
            "retired": query.retired,
            "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "today": self.today.isoformat(),
        }


PARSE_THREADS = 2  # parsing releases the GIL; more threads than cores would only contend


def _rows(parsed: Any) -> int:
    rows = getattr(parsed, "rows", None)
    return int(rows) if rows is not None else parsed.num_rows


def _json(value: Any) -> bytes:
    import orjson

    return orjson.dumps(value)


def _sort(table: pa.Table, order: Sequence[str], specs: list[FieldSpec]) -> pa.Table:
    """Order rows like the server would: text case-insensitively, links by name, nulls last, ties by id."""
    by_name = {s.name: s for s in specs}
    keys: list[tuple[str, str, str]] = []
    columns: dict[str, pa.Array] = {}
    for i, item in enumerate(list(order) + (["id"] if "id" not in [o.lstrip("-") for o in order] else [])):
        name = item.lstrip("-")
        spec = by_name.get(name)
        if spec is None or spec.name == "id":
            col = table.column("id")
        elif spec.kind is FieldKind.ENTITY or spec.kind is FieldKind.URL:
            col = table.column(f"{name}.name")
        else:
            col = table.column(name)
        col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        if pa.types.is_dictionary(col.type):
            col = pc.cast(col, pa.string())
        if pa.types.is_string(col.type):
            col = pc.utf8_lower(col)
        key = f"__k{i}"
        columns[key] = col
        keys.append((key, "descending" if item.startswith("-") else "ascending", "at_end"))
    idx = pc.sort_indices(pa.table(columns), sort_keys=keys)
    return table.take(idx)


class _ProgressBar:
    """A ``tqdm.auto`` bar that appears only once a fetch spans more than one page."""

    def __init__(self, entity: str, total: int | None, *, enabled: bool, eager: bool) -> None:
        self.entity = entity
        self.total = total
        self.enabled = enabled
        self.bar: Any = None
        self.pages = 0
        self.rows = 0
        self._lock = threading.Lock()
        if enabled and eager:
            self._open()

    def _open(self) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.total, desc=self.entity, unit=" rec", leave=False, dynamic_ncols=True)
        if self.rows:
            self.bar.update(self.rows)

    def update(self, page: Page[Any]) -> None:
        """Count a page as it arrives (a continuation shows there will be more than one)."""
        self.add(page.rows, more=page.next is not None)

    def add(self, rows: int, *, more: bool = False) -> None:
        """Count one page's rows; the bar appears once a second page (or a continuation) is seen."""
        with self._lock:
            self.pages += 1
            self.rows += rows
            if self.bar is None and self.enabled and (more or self.pages > 1):
                self._open()
            elif self.bar is not None:
                self.bar.update(rows)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
