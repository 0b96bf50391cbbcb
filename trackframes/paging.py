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

Interrupting (Ctrl-C, an error, closing the generator) returns at once: the
main thread waits in short slices, so a ``KeyboardInterrupt`` surfaces within
about a tenth of a second; the work still queued is dropped; the requests in
flight are aborted through their :class:`~trackframes.cancel.Scope` (see
:mod:`trackframes.connections`); and the worker threads, which are daemon
threads, are joined for at most :data:`JOIN_GRACE` seconds, so a thread stuck
in something no abort reaches can never hold up the interpreter's exit.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextvars import copy_context
from dataclasses import dataclass
from queue import Empty, SimpleQueue
from typing import Any, Callable, Generic, Iterable, Iterator, Sequence, TypeVar

from .cancel import Scope

__all__ = ["Page", "fetch_pages", "id_ranges", "gather", "Workers", "RowCountWarning", "POLL", "JOIN_GRACE"]

T = TypeVar("T")
R = TypeVar("R")

#: Seconds the main thread waits at a time, so that an interrupt is seen promptly.
POLL = 0.1
#: Seconds an interrupted call waits for its worker threads to end.
JOIN_GRACE = 1.0

_ids = itertools.count(1)


class RowCountWarning(UserWarning):
    """Fewer rows arrived than the server counted before and after the fetch: records went missing."""


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


class Workers:
    """A small pool of daemon threads whose work can be cancelled as a whole.

    Each task runs in a copy of the submitter's context (so it sees the user's
    call, :mod:`trackframes.calls`) and inside the pool's :class:`Scope`.
    ``close(cancel=True)`` drops queued tasks, cancels the scope (aborting
    requests in flight) and joins the threads for at most :data:`JOIN_GRACE`
    seconds; ``close()`` lets submitted tasks finish.
    """

    def __init__(self, size: int, name: str = "trackframes-worker") -> None:
        self.size = max(1, size)
        self.name = f"{name}-{next(_ids)}"
        self.scope = Scope()
        self._queue: SimpleQueue[Any] = SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., T], *args: Any) -> "Future[T]":
        future: Future[T] = Future()
        self._queue.put((future, copy_context(), fn, args))
        with self._lock:
            if self._idle:
                self._idle -= 1
            elif len(self._threads) < self.size:
                thread = threading.Thread(target=self._work, name=f"{self.name}_{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, context, fn, args = item
            if future.set_running_or_notify_cancel():
                try:
                    result = context.run(self.scope.run, fn, *args)
                except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                    future.set_exception(exc)
                else:
                    future.set_result(result)
                del future, context, fn, args, item
            with self._lock:
                self._idle += 1

    def close(self, *, cancel: bool = False) -> None:
        """Stop the threads; with ``cancel``, drop queued work and abort the work in flight first."""
        if self._closed:
            return
        self._closed = True
        if cancel:
            while True:
                try:
                    item = self._queue.get_nowait()
                except Empty:
                    break
                if item is not None:
                    item[0].cancel()
            self.scope.cancel()
        for _ in self._threads:
            self._queue.put(None)
        me = threading.current_thread()
        deadline = time.monotonic() + JOIN_GRACE
        for thread in self._threads:
            if thread is not me:
                thread.join(max(0.0, deadline - time.monotonic()) if cancel else None)

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        self.close(cancel=exc_type is not None)


def wait_any(futures: set["Future[T]"]) -> tuple[set["Future[T]"], set["Future[T]"]]:
    """``wait(FIRST_COMPLETED)`` in slices of :data:`POLL` seconds, so an interrupt is never held up."""
    while True:
        done, pending = wait(futures, timeout=POLL, return_when=FIRST_COMPLETED)
        if done:
            return done, pending


def gather(calls: Sequence[Callable[[], Any]], *, name: str = "trackframes-probe") -> list[Any]:
    """Run a few calls at once and return their results in order; the first error cancels the rest.

    >>> gather([lambda: 1, lambda: 2])
    [1, 2]
    """
    with Workers(len(calls), name) as pool:
        futures = [pool.submit(call) for call in calls]
        pending = set(futures)
        while pending:
            done, pending = wait_any(pending)
            for future in done:
                future.result()  # raises the first error (the pool then cancels the others)
        return [f.result() for f in futures]


def fetch_pages(
    requests: Iterable[R],
    fetch: Callable[[R], Page[T]],
    *,
    concurrency: int = 8,
    on_page: Callable[[Page[T]], None] | None = None,
) -> Iterator[Page[T]]:
    """Fetch every request (and every continuation) with up to ``concurrency`` in flight.

    Pages are yielded as they complete. Closing the generator early, an error
    or an interrupt cancels the rest (see the module docstring); the first
    error is re-raised.
    """
    pending_requests = list(requests)
    pending_requests.reverse()  # pop() from the end keeps submission in the given order
    if not pending_requests:
        return
    if concurrency <= 1:
        yield from _sequential(pending_requests, fetch, on_page)
        return
    pool = Workers(concurrency, "trackframes-page")
    in_flight: set[Future[Page[T]]] = set()
    finished = False
    try:
        while pending_requests or in_flight:
            while pending_requests and len(in_flight) < concurrency:
                in_flight.add(pool.submit(fetch, pending_requests.pop()))
            done, in_flight = wait_any(in_flight)
            for future in done:
                page = future.result()
                if page.next is not None:
                    pending_requests.append(page.next)
                if on_page is not None:
                    on_page(page)
                yield page
        finished = True
    finally:
        pool.close(cancel=not finished)


def _sequential(stack: list[R], fetch: Callable[[R], Page[T]], on_page: Callable[[Page[T]], None] | None
                ) -> Iterator[Page[T]]:
    while stack:
        page = fetch(stack.pop())
        if page.next is not None:
            stack.append(page.next)
        if on_page is not None:
            on_page(page)
        yield page
