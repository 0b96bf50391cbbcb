"""The one fetch pipeline: page requests in, parsed and shaped pages out.

A backend describes *what* to fetch as a :class:`~trackframes.backends.base.Plan`:
the first page requests, ``fetch(request) -> Page`` (one request, in an I/O
thread), ``finish(data)`` (parsing, in the parse pool) and ``assemble`` (parsed
pages into nested tables). This module decides *how*:

* **fetch** — up to ``concurrency`` requests in flight; each page's
  continuation is sent as soon as the page (or its parse) says there is one;
* **parse pool** — :data:`PARSE_THREADS` threads run ``finish`` on each page as
  it lands, so a fetching thread sends its next request at once;
* **shape** — in *collect* mode (``find``) the parsed pages are kept, ordered by
  their key and assembled and typed once, for all pages (:func:`collect`); in
  *stream* mode (``iter_batches``, export) each page is assembled and typed in
  the parse pool and handed over as a record batch as soon as it is ready
  (:func:`stream`).

Both modes count rows the same way (:func:`rows_of`, once per parsed page):
progress bars, the :class:`RowCountWarning` check (:func:`check_rows`) and the
rows an export writes all see the same figures.

A plan with a ``limit`` lists its requests in result order; its pipeline then
follows a continuation only while the rows of the requests before it fall short
of the limit, so ``limit`` rows never cost more page requests than they need.

>>> from trackframes.paging import Page, fetch_pages, id_ranges
>>> data = list(range(1, 1001))
>>> def fetch(req):
...     lo, hi = req
...     rows = [i for i in data if lo <= i <= hi][:100]
...     more = len(rows) == 100 and rows[-1] < hi
...     return Page(rows, len(rows), next=(rows[-1] + 1, hi) if more else None, key=(lo,))
>>> pages = fetch_pages(id_ranges(1, 1000, 1000, 250), fetch, concurrency=4)
>>> sorted(i for p in pages for i in p.data) == data
True

Threads: :mod:`trackframes.workers` (one :class:`~trackframes.workers.Executor`
per site, reused by every call; each call's tasks cancellable on their own;
Ctrl-C returns within about a second and leaves no thread running work).
"""

from __future__ import annotations

import math
import warnings
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterable, Iterator, TypeVar

import pyarrow as pa

from .calls import current_call
from .workers import JOIN_GRACE, PARSE_THREADS, POLL, Executor, Tasks, Workers, gather, wait_any

__all__ = ["Page", "RowCountWarning", "POLL", "JOIN_GRACE", "PARSE_THREADS", "id_ranges", "bucket_ranges",
           "Workers", "Executor", "Tasks", "gather", "fetch_pages", "collect", "stream", "rows_of", "check_rows"]

T = TypeVar("T")
R = TypeVar("R")


class RowCountWarning(UserWarning):
    """Fewer rows arrived than the server counted before and after the fetch: records went missing."""


@dataclass
class Page(Generic[T]):
    """One fetched page: its ``data``, row count, continuation request and sort key."""

    data: T
    rows: int
    next: Any = None
    key: tuple[Any, ...] = ()


# -- id ranges ----------------------------------------------------------------------------------------------------

def id_ranges(min_id: int, max_id: int, count: int, page_size: int) -> list[tuple[int, int]]:
    """Split ``[min_id, max_id]`` into inclusive ranges that each hold about one page, if ids are even.

    >>> id_ranges(1, 1000, 1000, 250)
    [(1, 250), (251, 500), (501, 750), (751, 1000)]
    """
    if count <= 0 or max_id < min_id:
        return []
    parts = max(1, math.ceil(count / page_size))
    span = max_id - min_id + 1
    parts = min(parts, span)
    bounds = [min_id + (span * i) // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(parts)]


def bucket_ranges(buckets: Iterable[tuple[int, int, int]], low: int, high: int, page_size: int, *,
                  limit: int | None = None, descending: bool = False) -> list[tuple[int, int, int]]:
    """Inclusive id ranges of at most one page each, sized from where the records really are.

    ``buckets`` are ``(first_id, last_id, records)`` of non-overlapping id
    buckets (a server's record count grouped by id), ids outside every bucket
    holding no record. The ranges cover ``[low, high]`` without gap or overlap,
    whatever the buckets say (so a wrong bucket costs time, never records), and
    come with their expected record count: ``(lo, hi, records)``.

    Whole buckets are packed up to ``page_size``. A bucket whose every id is a
    record ("dense") is cut exactly where the page is full; a sparse bucket
    larger than a page is cut in proportion. A range is only filled to exactly
    ``page_size`` when its last id is known to be a record (a dense bucket ends
    it, or ``high`` does): a full page that stops short of its range's end
    would look like a range with more records, and cost a request to find out.

    With ``descending`` the ranges are built from ``high`` down, their first
    id playing that part (fetch them in descending id order). With ``limit``,
    only the ranges holding the first ``limit`` records in that order are
    returned, in that order.

    Ids 1-200 and 301-400 all exist, 401-500 holds 20 records, pages of 150:

    >>> bucket_ranges([(1, 100, 100), (101, 200, 100), (301, 400, 100), (401, 500, 20)], 1, 500, 150)
    [(1, 150, 150), (151, 400, 150), (401, 500, 20)]
    >>> bucket_ranges([(1, 100, 100), (101, 200, 100), (201, 300, 90)], 1, 300, 150, limit=60, descending=True)
    [(201, 300, 90)]
    """
    if high < low:
        return []
    items = sorted((max(a, low), min(b, high), c) for a, b, c in buckets if c > 0 and b >= low and a <= high)
    if descending:  # walk from the top: mirror the ids, pack, mirror back
        items = sorted((-b, -a, c) for a, b, c in items)
        low, high = -high, -low
    out: list[tuple[int, int, int]] = []
    start, end, fill, total = low, low - 1, 0, 0  # the open range: [start, end] holds fill records so far
    for first, last, count in items:
        first = max(first, end + 1)  # buckets that overlap (a confused server) are clipped
        count = min(count, last - first + 1)
        while count > 0:
            dense = count == last - first + 1
            room = page_size - fill
            if fill and (room == 0 or (not dense and count >= room)):
                out.append((start, end, fill))  # close before this bucket; the new range takes any gap
                start, fill = end + 1, 0
                continue
            if count <= room:
                fill, total, end, count = fill + count, total + count, last, 0
                if limit is not None and total >= limit:
                    out.append((start, end, fill))
                    return _mirror(out) if descending else out
                continue
            # more than the page has room for: cut the bucket
            if dense:
                take, cut = room, first + room - 1
            else:  # fill is 0 here: cut into even parts of at most a page, assuming even ids
                take = math.ceil(count / math.ceil(count / page_size))
                cut = min(last - 1, max(first, first + (last - first + 1) * take // count - 1))
            out.append((start, cut, fill + take))
            total += take
            if limit is not None and total >= limit:
                return _mirror(out) if descending else out
            start, end, fill, first, count = cut + 1, cut, 0, cut + 1, count - take
    out.append((start, high, fill))
    return _mirror(out) if descending else out


def _mirror(ranges: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    return [(-hi, -lo, n) for lo, hi, n in ranges]


# -- the pipeline -----------------------------------------------------------------------------------------------------

def rows_of(parsed: Any) -> int:
    """The rows of one parsed page: its ``rows``, else its ``num_rows``. Every count goes through this."""
    rows = getattr(parsed, "rows", None)
    return int(rows) if rows is not None else int(parsed.num_rows)


@dataclass
class _Done:
    key: tuple[Any, ...]
    data: Any
    rows: int
    more: bool
    index: int = 0  # the first request this page descends from
    complete: bool = False  # nothing more of that request is on its way


def _pump(tasks: Tasks, requests: Iterable[Any], fetch: Callable[[Any], Page[Any]],
          finish: Callable[[Any], tuple[Any, Any, int]] | None, *, concurrency: int,
          limit: int | None = None) -> Iterator[_Done]:
    """Fetch every request and continuation, finish each page in the parse pool, yield pages as they finish.

    ``finish(data) -> (result, continuation or None, rows)``; without it the
    fetched page is the result. With ``limit``, continuations are followed
    only while the rows of the requests before them are short of ``limit``.
    """
    queue: deque[tuple[int, Any]] = deque(enumerate(requests))
    fetching: dict[Future[Page[Any]], int] = {}
    parsing: dict[Future[Any], tuple[int, Page[Any]]] = {}
    deferred: dict[int, list[Any]] = {}
    rows: dict[int, int] = {}
    pending = {index: 1 for index, _ in queue}  # work on its way per first request
    backlog = max(concurrency, 2 * PARSE_THREADS)

    def follow(index: int, request: Any) -> None:
        if limit is None:
            queue.appendleft((index, request))  # a continuation first: it may be the slowest chain
            pending[index] += 1
        else:
            deferred.setdefault(index, []).append(request)

    def finished(index: int) -> bool:
        pending[index] -= 1
        return not pending[index] and index not in deferred

    while True:
        while queue and len(fetching) < concurrency and len(parsing) < backlog:
            index, request = queue.popleft()
            fetching[tasks.fetch(fetch, request)] = index
        if not fetching and not parsing:
            if not deferred:
                return
            needed = _needed(deferred, rows, limit or 0)
            deferred.clear()
            for index, _ in needed:
                pending[index] += 1
            queue.extend(needed)
            if not queue:
                return
            continue
        done, _ = wait_any(list(fetching) + list(parsing))
        for future in done:
            if future in fetching:
                index = fetching.pop(future)
                page = future.result()
                if page.next is not None:
                    follow(index, page.next)
                if finish is None:
                    rows[index] = rows.get(index, 0) + page.rows
                    yield _Done(page.key, page, page.rows, page.next is not None, index, finished(index))
                else:
                    parsing[tasks.parse(finish, page.data)] = (index, page)
            else:
                index, page = parsing.pop(future)
                result, more, count = future.result()
                if more is not None:
                    follow(index, more)
                rows[index] = rows.get(index, 0) + count
                yield _Done(page.key, result, count, page.next is not None or more is not None, index,
                            finished(index))


def _result(future: "Future[T]") -> T:
    """``future.result()``, waited for in slices so that an interrupt is never held up."""
    while not future.done():
        wait_any([future])
    return future.result()


def _needed(deferred: dict[int, list[Any]], rows: dict[int, int], limit: int) -> list[tuple[int, Any]]:
    """The continuations still needed for ``limit`` rows: those of the first request that has any,
    unless the requests before it already hold ``limit`` rows."""
    total = 0
    for index in sorted(set(rows) | set(deferred)):
        if index in deferred:
            return [] if total >= limit else [(index, r) for r in deferred[index]]
        total += rows.get(index, 0)
        if total >= limit:
            return []
    return []


#: Collect mode assembles and types the pages of this many first requests at a time, as soon as they are
#: all in (in the parse pool, while later pages are on the wire), so little is left to do after the last.
CHUNK = 16


def collect(tasks: Tasks, plan: Any, shape: Callable[[pa.Table], pa.Table], *, concurrency: int,
            on_rows: Callable[[int, bool], None] | None = None) -> tuple[list[pa.Table], int, bool]:
    """Collect mode: every page parsed as it arrives, assembled and typed in key order.

    Pages are assembled and typed a chunk of :data:`CHUNK` first requests at
    a time, once every page of the chunk is in (by-id ranges come in id
    order, so the chunks do too). Returns the shaped tables, the rows fetched,
    and whether the tables, one after another, are in key order (else pages
    came in different shapes and the rows need ordering).
    """
    def finish(data: Any) -> tuple[Any, Any, int]:
        parsed, more = plan.finish(data)
        return parsed, more, rows_of(parsed)

    def typed(pages: list[tuple[tuple[Any, ...], Any]]) -> list[pa.Table]:
        pages.sort(key=lambda kv: kv[0])
        return [shape(table) for table in plan.assemble([data for _, data in pages])]

    count = len(plan.requests)
    chunked = plan.limit is None and not plan.server_sorted and count > CHUNK
    waiting: dict[int, list[tuple[tuple[Any, ...], Any]]] = {}
    complete: set[int] = set()
    chunks: list[Any] = []  # futures of typed chunks, in order
    start = 0
    fetched = 0
    for done in _pump(tasks, plan.requests, plan.fetch, finish, concurrency=concurrency, limit=plan.limit):
        fetched += done.rows
        if on_rows is not None:
            on_rows(done.rows, done.more)
        if done.rows:
            waiting.setdefault(done.index if chunked else 0, []).append((done.key, done.data))
        if chunked and done.complete:
            complete.add(done.index)
            while start < count and all(i in complete for i in range(start, min(start + CHUNK, count))):
                end = min(start + CHUNK, count)
                pages = [page for i in range(start, end) for page in waiting.pop(i, [])]
                if pages:
                    chunks.append(tasks.parse(typed, pages))
                start = end
    rest = [page for i in sorted(waiting) for page in waiting[i]]
    waiting.clear()
    typed_chunks = [_result(chunk) for chunk in chunks]
    tables = [table for chunk in typed_chunks for table in chunk]
    pieces = [len(chunk) for chunk in typed_chunks]
    if rest:
        last = typed(rest)
        tables += last
        pieces.append(len(last))
    return tables, fetched, all(n == 1 for n in pieces)


def stream(tasks: Tasks, plan: Any, shape: Callable[[pa.Table], pa.Table], *, concurrency: int,
           on_rows: Callable[[int, bool], None] | None = None) -> Iterator[Page[pa.RecordBatch]]:
    """Stream mode: each page parsed, assembled and shaped in the parse pool, yielded as a record batch.

    Pages come in the order they complete; at most about ``concurrency`` pages
    are in hand at once, however slowly the batches are consumed.
    """
    def finish(data: Any) -> tuple[Any, Any, int]:
        parsed, more = plan.finish(data)
        table = pa.concat_tables([shape(t) for t in plan.assemble([parsed])]).combine_chunks()
        batches = table.to_batches()
        batch = batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)
        return batch, more, rows_of(parsed)

    for done in _pump(tasks, plan.requests, plan.fetch, finish, concurrency=concurrency, limit=plan.limit):
        if on_rows is not None:
            on_rows(done.rows, done.more)
        yield Page(done.data, done.rows, key=done.key)


def fetch_pages(requests: Iterable[R], fetch: Callable[[R], Page[T]], *, concurrency: int = 8,
                on_page: Callable[[Page[T]], None] | None = None) -> Iterator[Page[T]]:
    """Fetch every request (and every continuation) with up to ``concurrency`` in flight, on threads of its own.

    Pages are yielded as they complete. Closing the generator early, an error
    or an interrupt cancels the rest (see the module docstring); the first
    error is re-raised.
    """
    requests = list(requests)
    if not requests:
        return
    executor = Executor(concurrency)
    try:
        with executor.tasks() as tasks:
            for done in _pump(tasks, requests, fetch, None, concurrency=executor.concurrency):
                if on_page is not None:
                    on_page(done.data)
                yield done.data
    finally:
        executor.close()


def check_rows(plan: Any, fetched: int, entity: str) -> None:
    """Warn when fewer rows arrived than the server counted, by more than edits during the fetch explain.

    The rule: an id-range fetch returns every record that matched from its
    start to its end, once. So when nothing changed, ``fetched`` equals the
    count taken while planning. When it is lower, the query is counted again
    over the same id span (records created during the fetch get larger ids,
    outside it). Records deleted or edited out of the filter during the fetch
    lower both ``fetched`` and that recount; records created or edited in can
    only raise ``fetched``. So ``fetched`` below both counts means rows were
    lost without any other sign (a proxy or server dropping records), and
    :class:`RowCountWarning` names the three figures.

    It warns rather than raises: the rows in hand are what the server sent and
    a long fetch is not thrown away, while edits in both directions during one
    fetch (a record edited into the filter after its range was read, and
    another deleted) can, rarely, produce the same figures without any loss.
    Answers that break the API's shape or promises raise ``ProtocolError``.
    """
    planned = plan.total
    if plan.recount is None or planned is None or fetched >= planned:
        return
    now = plan.recount()
    if fetched >= now:
        return
    call = current_call() or f"Fetching {entity}"
    warnings.warn(RowCountWarning(
        f"{call}: fetched {fetched:,} records, but the server counted {planned:,} before the fetch and {now:,} "
        "after it (same filters, same id span). Edits during the fetch do not explain the difference: some "
        "records are missing. Run the call again; if the figures still differ, look for a proxy or cache "
        "between trackframes and the site."), stacklevel=5)
