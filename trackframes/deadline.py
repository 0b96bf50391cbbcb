"""Deadlines: one point on the monotonic clock that a whole call must finish by.

A :class:`Deadline` bounds every request of one call (a ``find`` with its
probes, pages, retries, waits and token renewals), so no server behaviour can
make a call run longer than ``connect(deadline=...)`` seconds (default
:data:`DEFAULT_DEADLINE`).

The transport picks the deadline up from the surrounding :func:`scope`; a
request made outside any scope gets a deadline of its own. The layers above
open one scope per public call and carry it into their worker threads with
:func:`contextvars.copy_context` (``pool.submit(ctx.run, fetch, request)``)::

    >>> from trackframes.deadline import Deadline, current, scope
    >>> with scope(Deadline(600, what="find('Task')")) as deadline:
    ...     current() is deadline, 599 < deadline.remaining() <= 600
    (True, True)
    >>> current() is None
    True

A scope inside another never outlives the outer one:

    >>> with scope(Deadline(5)):
    ...     with scope(Deadline(600)) as inner:
    ...         inner.remaining() <= 5
    True

``float("inf")`` means no deadline:

    >>> Deadline(float("inf")).remaining()
    inf
"""

from __future__ import annotations

import contextvars
import math
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from .exceptions import TransportError

__all__ = ["Deadline", "DeadlineExceeded", "DEFAULT_DEADLINE", "current", "scope"]

#: Seconds a whole call may take when ``connect(deadline=...)`` is not given: ten minutes,
#: several times what a full fetch of a large show takes, and short enough that a stuck
#: notebook cell or cron job gives up on its own.
DEFAULT_DEADLINE = 600.0

_current: contextvars.ContextVar["Deadline | None"] = contextvars.ContextVar("trackframes_deadline", default=None)


class DeadlineExceeded(TransportError, TimeoutError):
    """A call ran out of time: its deadline passed before the site answered in full.

    It is a :class:`~trackframes.TransportError` (and a builtin ``TimeoutError``).
    ``deadline`` is the call's deadline in seconds.
    """

    def __init__(self, message: str, *, deadline: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.deadline = deadline


class Deadline:
    """``seconds`` from now on the monotonic clock; ``what`` names the call in messages."""

    __slots__ = ("seconds", "at", "what", "_clock")

    def __init__(self, seconds: float, *, what: str = "the call",
                 clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or math.isnan(seconds) or seconds <= 0:
            raise ValueError(f"deadline must be a positive number of seconds (or float('inf')), not {seconds!r}")
        self.seconds = float(seconds)
        self.what = what
        self._clock = clock
        self.at = clock() + self.seconds

    def __repr__(self) -> str:
        return f"<Deadline {self.what}: {self.remaining():.1f} of {self.seconds:g} s left>"

    def remaining(self) -> float:
        """Seconds left (``inf`` without a deadline, negative once it has passed)."""
        return self.at - self._clock()

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    def clip(self, seconds: float) -> float:
        """``seconds``, or less if the deadline comes first."""
        return min(seconds, self.remaining())

    def exceeded(self, doing: str, **kwargs: object) -> DeadlineExceeded:
        """The error to raise when time ran out while ``doing`` something."""
        return DeadlineExceeded(
            f"{self.what} ran out of time: its deadline of {self.seconds:g} s passed while {doing.rstrip('.')}. "
            "Pass connect(deadline=...) with more seconds for long fetches.",
            deadline=self.seconds, **kwargs)

    def check(self, doing: str) -> None:
        """Raise :class:`DeadlineExceeded` if the deadline has passed."""
        if self.expired:
            raise self.exceeded(doing)


def current() -> Deadline | None:
    """The deadline of the surrounding :func:`scope`, if any."""
    return _current.get()


@contextmanager
def scope(deadline: Deadline) -> Iterator[Deadline]:
    """Make ``deadline`` the one every request inside the block must meet.

    Inside another scope, the earlier of the two deadlines wins.
    """
    outer = _current.get()
    if outer is not None and outer.at < deadline.at:
        deadline = outer
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)
