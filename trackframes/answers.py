"""Server answers that are not in the shape the API promises → :class:`~trackframes.exceptions.ProtocolError`.

A 200 answer can still be wrong: a proxy's login page, a body cut short, a
top-level ``null``, an object without its ``data`` array. Backends check the
shape of every answer they read and describe what is wrong with
:class:`Malformed`; :func:`reading` turns that (and a body that is not JSON at
all) into one :class:`ProtocolError` message, built here and nowhere else. The
message names the call, the request and the kind of body, and shows its first
bytes so that a login page is recognisable. Answers that may hold secrets (the
token endpoint) are never echoed, unless they are an HTML page.

>>> from trackframes.answers import Source, loads, reading
>>> src = Source("find('Task')", "POST /api/tasks/query")
>>> body = b"<html><head><title>Sign in to ACME proxy</title></head>"
>>> with reading(src, body):
...     loads(body)
Traceback (most recent call last):
...
trackframes.exceptions.ProtocolError: find('Task'): the server answered POST /api/tasks/query
with an HTML page, not the JSON the API promises. It starts: '<html><head><title>Sign in to ACME proxy</title></head>'
(a proxy or a login page may be in the way).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import orjson

from .exceptions import ProtocolError

__all__ = ["Source", "Malformed", "reading", "protocol_error", "misbehaviour", "loads", "member", "json_type",
           "body_kind", "excerpt", "EXCERPT_BYTES"]

#: How many bytes of a bad answer a message shows.
EXCERPT_BYTES = 80


@dataclass(frozen=True)
class Source:
    """Where an answer came from, for messages: the user's call and the HTTP request (method and path).

    ``secret`` marks answers that may carry credentials (a token grant): their
    bytes are shown only when they are an HTML page (a proxy's login page).
    """

    call: str
    request: str
    secret: bool = False


class Malformed(ValueError):
    """An answer broke the promised shape; ``problem`` says how ("\\"data\\" is null", ...)."""

    def __init__(self, problem: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.errors = list(errors or [])


def loads(body: bytes) -> Any:
    """``orjson.loads`` that raises :class:`Malformed` (naming the kind of body) instead of a parser error."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Malformed(body_kind(body)) from None


def member(parsed: Any, name: str, expect: type | tuple[type, ...]) -> Any:
    """``parsed[name]`` after checking that ``parsed`` is an object and the member has the ``expect`` type.

    An object with an ``errors`` array instead (a JSON:API error document sent
    with status 200) raises :class:`Malformed` carrying those error objects.

    >>> member({"data": []}, "data", list)
    []
    >>> member({"data": None}, "data", list)
    Traceback (most recent call last):
    ...
    trackframes.answers.Malformed: JSON of the wrong shape ("data" is null, not an array)
    """
    if not isinstance(parsed, dict):
        raise Malformed(f"JSON of the wrong shape ({json_type(parsed)} instead of an object)")
    value = parsed.get(name, _MISSING)
    if isinstance(value, expect) and not isinstance(value, bool):
        return value
    errors = parsed.get("errors")
    if value is _MISSING and isinstance(errors, list) and errors:
        objs = [e for e in errors if isinstance(e, dict)]
        detail = "; ".join(str(e.get("detail") or e.get("title") or "") for e in objs).strip("; ")
        raise Malformed(f"an \"errors\" array instead of \"{name}\" ({detail or 'no detail'})", errors=objs)
    wanted = json_type(expect() if isinstance(expect, type) else expect[0]())
    if value is _MISSING:
        raise Malformed(f"JSON of the wrong shape (an object without \"{name}\")")
    raise Malformed(f"JSON of the wrong shape (\"{name}\" is {json_type(value)}, not {wanted})")


def json_type(value: Any) -> str:
    """``"null"``, ``"a boolean"``, ``"a number"``, ``"a string"``, ``"an array"`` or ``"an object"``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    return "an object"


_MISSING: Any = object()


@contextmanager
def reading(source: Source, body: bytes, *, status: int | None = None) -> Iterator[None]:
    """Turn :class:`Malformed` raised inside the block into a :class:`ProtocolError` about ``body``."""
    try:
        yield
    except Malformed as exc:
        raise protocol_error(source, body, exc.problem, status=status, errors=exc.errors) from None


def protocol_error(source: Source, body: bytes, problem: str | None = None, *, status: int | None = None,
                   errors: list[dict[str, Any]] | None = None) -> ProtocolError:
    """The one place that words a bad answer: call, request, kind of body, and its first bytes."""
    kind = problem or body_kind(body)
    text = f"{source.call}: the server answered {source.request} with {kind}"
    if kind == "an HTML page":
        text += ", not the JSON the API promises"
    shown = _shown(source, body)
    if shown is not None:
        text += f". It starts: '{shown}'"
    if kind == "an HTML page":
        text += " (a proxy or a login page may be in the way)"
    text += "."
    path = source.request.split(" ", 1)[-1]
    return ProtocolError(text, status=status, errors=errors, url=path, body_kind=kind,
                         excerpt=shown if shown is not None else "")


def misbehaviour(source: Source, what: str, *, status: int | None = None) -> ProtocolError:
    """A well-formed answer that still breaks the API's promise (ids outside the filter, unsorted ids...)."""
    path = source.request.split(" ", 1)[-1]
    return ProtocolError(f"{source.call}: the server answered {source.request} {what}", status=status, url=path,
                         body_kind="JSON that breaks the request's promise")


def body_kind(body: bytes) -> str:
    """A few words for what a body that failed to parse as JSON is: empty, HTML, truncated JSON, ..."""
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        return "an empty body"
    head = stripped[:512].lower()
    if head.startswith(b"<") or b"<html" in head or b"<!doctype" in head:
        return "an HTML page"
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if stripped[:1] in (b"{", b"[", b'"') or stripped[:4] in (b"true", b"null") or stripped[:5] == b"false":
            if "end of data" in exc.msg:
                return "truncated JSON"
            if "after document" in exc.msg:
                return "JSON followed by more content"
            return "malformed JSON"
        return "text that is not JSON"
    return "JSON of the wrong shape"


def excerpt(body: bytes, limit: int = EXCERPT_BYTES) -> str:
    """The first ``limit`` bytes of ``body`` as printable text (whitespace runs folded, others escaped)."""
    head = body[:limit].decode("utf-8", errors="replace")
    out = []
    for ch in head:
        if ch in " \t\r\n":
            if not out or out[-1] != " ":
                out.append(" ")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    text = "".join(out).strip()
    return text + ("…" if len(body) > limit else "")


def _shown(source: Source, body: bytes) -> str | None:
    if source.secret and body_kind(body) != "an HTML page":
        return None  # a token endpoint's answer may hold a token (as JSON, a form, text): only a page is shown
    return excerpt(body) if body.strip() else None
