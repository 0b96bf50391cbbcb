"""Cancellation of work running in worker threads (Ctrl-C, an error elsewhere, a closed generator).

A :class:`Scope` is bound to a worker thread while it runs one task
(:meth:`Scope.run`). Cancelling the scope marks it, then calls every hook
registered with :func:`on_cancel`: :mod:`trackframes.connections` registers one
that shuts down the sockets of requests in flight in that scope, so a thread
blocked on a hung server wakes at once. Code about to start something slow
calls :func:`check`, which raises :class:`Cancelled` in a cancelled scope.

>>> from trackframes.cancel import Cancelled, Scope, check
>>> scope = Scope()
>>> scope.run(lambda: check() or "ran")
'ran'
>>> scope.cancel()
>>> scope.run(check)
Traceback (most recent call last):
...
trackframes.cancel.Cancelled: the call was interrupted
"""

from __future__ import annotations

import threading
from typing import Any, Callable, TypeVar

__all__ = ["Scope", "Cancelled", "current", "check", "on_cancel"]

T = TypeVar("T")

_local = threading.local()
_hooks: list[Callable[["Scope"], None]] = []


class Cancelled(Exception):
    """Raised inside a cancelled scope instead of starting more work (never a retryable network error)."""

    def __init__(self, message: str = "the call was interrupted") -> None:
        super().__init__(message)


class Scope:
    """One cancellable unit of work spread over worker threads."""

    __slots__ = ("cancelled", "__weakref__")

    def __init__(self) -> None:
        self.cancelled = False

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Call ``fn(*args)`` with this scope bound to the current thread."""
        previous = getattr(_local, "scope", None)
        _local.scope = self
        try:
            if self.cancelled:
                raise Cancelled()
            return fn(*args)
        finally:
            _local.scope = previous

    def cancel(self) -> None:
        """Mark the scope cancelled, then let every hook abort what is in flight in it."""
        self.cancelled = True  # first, so that work starting after the hooks' scan sees it
        for hook in list(_hooks):
            try:
                hook(self)
            except Exception:  # pragma: no cover - an abort is best effort
                pass


def current() -> Scope | None:
    """The scope bound to this thread, if any."""
    return getattr(_local, "scope", None)


def check() -> None:
    """Raise :class:`Cancelled` when the current thread's scope was cancelled."""
    scope = current()
    if scope is not None and scope.cancelled:
        raise Cancelled()


def on_cancel(hook: Callable[[Scope], None]) -> Callable[[], None]:
    """Register ``hook(scope)``, called when any scope is cancelled; returns a function that unregisters it."""
    if hook not in _hooks:
        _hooks.append(hook)

    def remove() -> None:
        if hook in _hooks:
            _hooks.remove(hook)

    return remove
