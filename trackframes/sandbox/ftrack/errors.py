"""Errors the ftrack sandbox answers with, in the operations API's error payload.

An operational error becomes ``{"exception": <name>, "content": <details>,
"error_code": null}``: with HTTP 200 for a non-strict client, with the status
below when the client sent ``ftrack-strict-api: true``.

>>> err = ValidationError('Task has no attribute "nmae"; did you mean name?')
>>> err.payload()
{'exception': 'ValidationError', 'content': 'Task has no attribute "nmae"; did you mean name?', 'error_code': None}
>>> err.status
400

``InvalidCredentialsError`` for a bad key is the real server's name. Which
names a real server gives query errors is **unverified**: the sandbox answers
``ParseError`` for bad syntax and ``ValidationError`` (a name ftrack's clients
know) for unknown types, attributes and bad values. The ``TooManyRequestsError``
of the rate-limit knob is a guess too.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterable

__all__ = ["OperationError", "ParseError", "ValidationError", "AuthenticationError", "suggest"]


class OperationError(Exception):
    """An error one operation of a batch raised; the whole batch answers with it."""

    exception = "ServerError"
    status = 500

    def __init__(self, content: str) -> None:
        super().__init__(content)
        self.content = content

    def payload(self) -> dict[str, Any]:
        """The error body both error styles carry."""
        return {"exception": self.exception, "content": self.content, "error_code": None}


class ParseError(OperationError, ValueError):
    """The expression is not valid query-language syntax.

    ``position`` is the 0-based offset into ``expression`` where reading stopped.
    """

    exception = "ParseError"
    status = 400

    def __init__(self, message: str, expression: str = "", position: int | None = None) -> None:
        self.expression = expression
        self.position = position
        self.reason = message
        super().__init__(_located(message, expression, position))


class ValidationError(OperationError, ValueError):
    """Well-formed, but names an unknown type or attribute, or a value of the wrong type."""

    exception = "ValidationError"
    status = 400


class AuthenticationError(OperationError, PermissionError):
    """Missing or wrong ``ftrack-user`` / ``ftrack-api-key`` (never echoes the key)."""

    exception = "InvalidCredentialsError"
    status = 401


def suggest(name: str, candidates: Iterable[str], n: int = 3) -> str:
    """``"; did you mean a, b?"`` with the closest names, or ``""`` when none is close.

    >>> suggest("nmae", ["name", "id", "bid"])
    '; did you mean name?'
    >>> suggest("zzz", ["name"])
    ''
    """
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=n, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        close = [lowered[name.lower()]] if name.lower() in lowered else []
    return f"; did you mean {', '.join(close)}?" if close else ""


def _located(message: str, expression: str, position: int | None) -> str:
    """``message`` plus the position and a caret under the place in ``expression``."""
    if position is None:
        return message
    start = max(0, position - 40)
    end = min(len(expression), position + 40)
    snippet = expression[start:end].replace("\n", " ").replace("\t", " ")
    prefix = "..." if start else ""
    suffix = "..." if end < len(expression) else ""
    caret = " " * (len(prefix) + position - start) + "^"
    return f"{message} at position {position}:\n  {prefix}{snippet}{suffix}\n  {caret}"
