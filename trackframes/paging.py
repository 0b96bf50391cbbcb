"""The one paging engine: page requests in, pages out, concurrently.

A backend describes *what* to fetch as a list of page requests and a
``fetch(request) -> Page`` function; this module decides *how*: it keeps up to
``concurrency`` requests in flight, submits each page's continuation as soon as
the page lands, and yields pages in the order they complete so the caller can
convert each one while the next are still on the wire.

Strategies are plain functions that build the first requests:

* :func:`id_ranges` splits ``[min_id, max_id]`` into ranges of about one page
  each. Every range is fetched with ``id`` bounds, sorted by id, and continues
  after its last id when it holds more than a page (keyset paging). A record
  that exists for the whole fetch has one id, hence one range and one place in
  that range, so creates and deletes on the server during the fetch can never
  make it go missing or appear twice (page-number paging cannot promise that).
* A single request, when one page holds the answer.

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
"""

from __future__ import annotations

import math
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterable, Iterator, TypeVar

__all__ = ["Page", "fetch_pages", "id_ranges"]

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Page(Generic[T]):
    """One fetched page: its decoded ``data``, row count, continuation and sort key."""

    data: T
    rows: int
    next: Any = None
    key: tuple[Any, ...] = ()


def id_ranges(min_id: int, max_id: int, count: int, page_size: int) -> list[tuple[int, int]]:
    """Split ``[min_id, max_id]`` into inclusive ranges that each hold about one page."""
    if count <= 0 or max_id < min_id:
        return []
    parts = max(1, math.ceil(count / page_size))
    span = max_id - min_id + 1
    parts = min(parts, span)
    bounds = [min_id + (span * i) // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(parts)]


def fetch_pages(
    requests: Iterable[R],
    fetch: Callable[[R], Page[T]],
    *,
    concurrency: int = 8,
    on_page: Callable[[Page[T]], None] | None = None,
) -> Iterator[Page[T]]:
    """Fetch every request (and every continuation) with up to ``concurrency`` in flight.

    Pages are yielded as they complete. Closing the generator early cancels
    what has not started. The first error cancels the rest and is re-raised.
    """
    pending_requests = list(requests)
    pending_requests.reverse()  # pop() from the end keeps submission in the given order
    if not pending_requests:
        return
    if concurrency <= 1:
        yield from _sequential(pending_requests, fetch, on_page)
        return
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="trackframes-page")
    in_flight: set[Future[Page[T]]] = set()
    try:
        while pending_requests or in_flight:
            while pending_requests and len(in_flight) < concurrency:
                in_flight.add(pool.submit(fetch, pending_requests.pop()))
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                page = future.result()
                if page.next is not None:
                    pending_requests.append(page.next)
                if on_page is not None:
                    on_page(page)
                yield page
    finally:
        for future in in_flight:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _sequential(stack: list[R], fetch: Callable[[R], Page[T]], on_page: Callable[[Page[T]], None] | None
                ) -> Iterator[Page[T]]:
    while stack:
        page = fetch(stack.pop())
        if page.next is not None:
            stack.append(page.next)
        if on_page is not None:
            on_page(page)
        yield page
