"""Which call of the user's is running, so that messages name it rather than an internal request.

``find("Task")`` sends a count, two id probes and the pages; if any of them
fails, the user should read ``find('Task') failed: ...``, not "Summarizing Task
failed". :class:`~trackframes.site.Site` marks each public method with
:func:`user_call`; backends word their requests with :func:`describe`, which
gives the outermost user call when there is one. Worker threads see the call
too: the paging engine runs each task in a copy of the caller's context.

>>> from trackframes.calls import describe, user_call
>>> describe("Summarizing Task")
'Summarizing Task'
>>> with user_call("find('Task')"):
...     describe("Summarizing Task")
"find('Task')"
"""

from __future__ import annotations

import functools
import inspect
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator, TypeVar

__all__ = ["describe", "user_call", "names_call", "current_call", "keep_call"]

F = TypeVar("F", bound=Callable[..., Any])

_call: ContextVar[str | None] = ContextVar("trackframes_user_call", default=None)


def current_call() -> str | None:
    """The outermost user call running in this context, if any."""
    return _call.get()


def describe(internal: str) -> str:
    """The user's call when one is running, else ``internal`` (the request's own description)."""
    return _call.get() or internal


@contextmanager
def user_call(label: str) -> Iterator[None]:
    """Mark ``label`` as the user's call for what runs inside (an outer call keeps its name)."""
    if _call.get() is not None:
        yield
        return
    token = _call.set(label)
    try:
        yield
    finally:
        _call.reset(token)


def names_call(method: F) -> F:
    """Decorate a public ``Site`` method so that messages inside it name it: ``find('Task')``, ``sync()``.

    The first argument is shown when the method's first parameter is ``entity``.
    Generator methods keep the call's name only while they compute, never
    between the values they yield.
    """
    params = list(inspect.signature(method).parameters)
    shows_entity = len(params) > 1 and params[1] == "entity"
    name = method.__name__

    def label(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        entity = args[1] if len(args) > 1 else kwargs.get("entity")
        return f"{name}({entity!r})" if shows_entity and entity is not None else f"{name}()"

    if inspect.isgeneratorfunction(method):
        @functools.wraps(method)
        def generator(*args: Any, **kwargs: Any) -> Any:
            import contextvars

            context = contextvars.copy_context()
            context.run(_enter, label(args, kwargs))
            return _run_in(context, context.run(method, *args, **kwargs))

        return generator  # type: ignore[return-value]

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with user_call(label(args, kwargs)):
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def keep_call(inner: Iterator[Any]) -> Iterator[Any]:
    """An iterator that computes each item of ``inner`` inside the user's call running now.

    For a public method that checks its arguments at once and returns a lazy
    iterator: messages raised while iterating still name the call.
    """
    import contextvars

    return _run_in(contextvars.copy_context(), inner)


def _run_in(context: Any, inner: Iterator[Any]) -> Iterator[Any]:
    try:
        while True:
            try:
                item = context.run(next, inner)
            except StopIteration:
                return
            yield item
    finally:
        close = getattr(inner, "close", None)
        if close is not None:
            context.run(close)


def _enter(label: str) -> None:
    if _call.get() is None:
        _call.set(label)
