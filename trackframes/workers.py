"""The worker threads of the fetch pipeline, and how a call's work is cancelled.

An :class:`Executor` is one site's threads: a fetch pool (``concurrency``
threads) and a parse pool (:data:`PARSE_THREADS`), created on first use and
reused by every call until :meth:`Executor.close`. Each call runs its work as
one :class:`Tasks` group with its own :class:`~trackframes.cancel.Scope`, so
interrupting one call never touches another's work. Every task runs in a copy
of its submitter's context, so workers see the user's call
(:mod:`trackframes.calls`) and its deadline (:mod:`trackframes.deadline`).

Interrupting a call (Ctrl-C, an error, a stream closed early) returns at once:
the caller waits in slices of :data:`POLL` seconds, so a ``KeyboardInterrupt``
surfaces within about a tenth of a second; the call's queued tasks are
dropped; its requests in flight are aborted through its scope (see
:mod:`trackframes.connections`); its running tasks get :data:`JOIN_GRACE`
seconds to end. Then, unless another call is using them, the pools are shut
down and their threads joined within that same grace (the next call starts new
ones): a thread stuck in something no abort reaches never holds a slot of the
site's pools, and no thread is left after an interrupt.

>>> ex = Executor(concurrency=4)
>>> with ex.tasks() as tasks:
...     tasks.fetch(lambda: 6 * 7).result()
42
>>> ex.close()
"""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from queue import Empty, SimpleQueue
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

from .cancel import Scope

__all__ = ["Workers", "Tasks", "Executor", "gather", "wait_any", "POLL", "JOIN_GRACE", "PARSE_THREADS"]

T = TypeVar("T")

#: Seconds the waiting thread waits at a time, so that an interrupt is seen promptly.
POLL = 0.1
#: Seconds an interrupted call waits for its running tasks, then for the pools' threads, to end.
JOIN_GRACE = 1.0
#: Threads that parse pages. Parsing releases the GIL; more threads than cores would only contend.
PARSE_THREADS = 2

_ids = itertools.count(1)
_active: ContextVar["Executor | None"] = ContextVar("trackframes_executor", default=None)


class Workers:
    """A small pool of daemon threads; each task runs in its submitter's context and a :class:`Scope`.

    ``close(cancel=True)`` drops queued tasks, cancels the pool's own scope
    (aborting requests in flight) and joins the threads for at most
    :data:`JOIN_GRACE` seconds; ``close()`` lets submitted tasks finish.
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

    def submit(self, fn: Callable[..., T], *args: Any, scope: Scope | None = None) -> "Future[T]":
        """Run ``fn(*args)`` in a worker, in a copy of this context, inside ``scope`` (else the pool's)."""
        future: Future[T] = Future()
        self._queue.put((future, copy_context(), scope or self.scope, fn, args))
        with self._lock:
            if self._idle:
                self._idle -= 1
            elif len(self._threads) < self.size:
                thread = threading.Thread(target=self._work, name=f"{self.name}_{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        return future

    def owns_current_thread(self) -> bool:
        return threading.current_thread() in self._threads

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, context, scope, fn, args = item
            if future.set_running_or_notify_cancel():
                try:
                    result = context.run(scope.run, fn, *args)
                except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del future, context, scope, fn, args, item
            with self._lock:
                self._idle += 1

    def close(self, *, cancel: bool = False, until: float | None = None) -> None:
        """Stop the threads; with ``cancel``, drop queued work and abort the work in flight first.

        ``until`` (a :func:`time.monotonic` time) bounds the join of a cancelled pool.
        """
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
        end = until if until is not None else time.monotonic() + JOIN_GRACE
        for thread in self._threads:
            if thread is not me:
                thread.join(max(0.0, end - time.monotonic()) if cancel else None)

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        self.close(cancel=exc_type is not None)


class Tasks:
    """One call's tasks on an :class:`Executor`'s pools, cancellable together and alone."""

    def __init__(self, fetch: Workers, parse: Workers) -> None:
        self.scope = Scope()
        self._fetch, self._parse = fetch, parse
        self._futures: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def fetch(self, fn: Callable[..., T], *args: Any) -> "Future[T]":
        """Run ``fn(*args)`` in the fetch pool."""
        return self._track(self._fetch.submit(fn, *args, scope=self.scope))

    def parse(self, fn: Callable[..., T], *args: Any) -> "Future[T]":
        """Run ``fn(*args)`` in the parse pool."""
        return self._track(self._parse.submit(fn, *args, scope=self.scope))

    def _track(self, future: "Future[T]") -> "Future[T]":
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._futures.discard(future)

    def cancel(self, until: float) -> None:
        """Drop the queued tasks, abort those in flight, and wait for the running ones until ``until``."""
        with self._lock:
            futures = list(self._futures)
        for future in futures:
            future.cancel()
        self.scope.cancel()
        running = [f for f in futures if not f.done()]
        if running:
            wait(running, timeout=max(0.0, until - time.monotonic()))


class Executor:
    """The worker threads of one site: a fetch pool and a parse pool, created on first use."""

    def __init__(self, concurrency: int, parse_threads: int = PARSE_THREADS) -> None:
        self.concurrency = max(1, concurrency)
        self.parse_threads = max(1, parse_threads)
        self._lock = threading.Lock()
        self._pools: tuple[Workers, Workers] | None = None
        self._calls = 0

    def __repr__(self) -> str:
        state = "running" if self._pools else "idle"
        return f"<trackframes.paging.Executor {state}, {self.concurrency} fetching, {self.parse_threads} parsing>"

    @property
    def started(self) -> bool:
        """Whether the pools' threads exist (they are made by the first call)."""
        return self._pools is not None

    @contextmanager
    def tasks(self) -> Iterator[Tasks]:
        """One call's :class:`Tasks`; leaving the block by an exception cancels them (see the module)."""
        with self._lock:
            if self._pools is None:
                self._pools = (Workers(self.concurrency, "trackframes-page"),
                               Workers(self.parse_threads, "trackframes-parse"))
            self._calls += 1
            group = Tasks(*self._pools)
        ok = False
        try:
            yield group
            ok = True
        finally:
            until = time.monotonic() + JOIN_GRACE
            if not ok:
                group.cancel(until)
            with self._lock:
                self._calls -= 1
                retire = self._pools if not ok and not self._calls else None
                if retire is not None:
                    self._pools = None
            if retire is not None:
                for pool in retire:
                    pool.close(cancel=True, until=until)

    @contextmanager
    def active(self) -> Iterator["Executor"]:
        """Make this the executor that :func:`gather` uses inside the block (and in its workers)."""
        token = _active.set(self)
        try:
            yield self
        finally:
            _active.reset(token)

    def owns_current_thread(self) -> bool:
        pools = self._pools
        return pools is not None and any(p.owns_current_thread() for p in pools)

    def close(self) -> None:
        """Shut the pools down and join their threads (work still running is cancelled).

        A later call starts new pools.
        """
        with self._lock:
            pools, self._pools = self._pools, None
        if pools is not None:
            until = time.monotonic() + JOIN_GRACE
            for pool in pools:
                pool.close(cancel=True, until=until)


def wait_any(futures: Iterable["Future[T]"]) -> tuple[set["Future[T]"], set["Future[T]"]]:
    """``wait(FIRST_COMPLETED)`` in slices of :data:`POLL` seconds, so an interrupt is never held up."""
    while True:
        done, pending = wait(futures, timeout=POLL, return_when=FIRST_COMPLETED)
        if done:
            return done, pending


def gather(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run a few calls at once and return their results in order; the first error cancels the rest.

    Inside a site's call the site's fetch pool runs them; elsewhere, a pool of their own.

    >>> gather([lambda: 1, lambda: 2])
    [1, 2]
    """
    executor = _active.get()
    if executor is not None and not executor.owns_current_thread():
        with executor.tasks() as tasks:
            return _gather(tasks, calls)
    private = Executor(len(calls))
    try:
        with private.tasks() as tasks:
            return _gather(tasks, calls)
    finally:
        private.close()


def _gather(tasks: Tasks, calls: Sequence[Callable[[], Any]]) -> list[Any]:
    futures = [tasks.fetch(call) for call in calls]
    pending = set(futures)
    while pending:
        done, pending = wait_any(pending)
        for future in done:
            future.result()  # raises the first error (leaving tasks() then cancels the others)
    return [f.result() for f in futures]
