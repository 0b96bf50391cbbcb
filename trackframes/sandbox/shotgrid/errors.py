"""The exception the sandbox's ShotGrid query engine raises for a bad request.

A :class:`RequestError` carries a list of error objects in the format of the
REST API v1.1 reference and the HTTP status to answer with (400 unless said
otherwise)::

    {"id": "<32 hex>", "status": 400, "code": 103, "title": "Request Parameters invalid.",
     "source": {"filters": ["..."]} | None, "detail": "...", "meta": None}

Codes 102 (unauthorized) and 103 (invalid request parameters) come from the
reference; 104 for a missing record is the sandbox's own choice.
"""

from __future__ import annotations

import json
from typing import Any

from .problems import error_object as _error_object

__all__ = ["RequestError", "error_object", "bad_request", "not_found", "show"]


def show(value: Any) -> str:
    """``value`` as JSON text, for error messages (``repr`` when it is not JSON)."""
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)


def error_object(status: int = 400, detail: str | None = None, *, code: int | None = None,
                 title: str | None = None, source: dict[str, Any] | None = None) -> dict[str, Any]:
    """One error object; ``code`` and ``title`` default from ``status`` (the server's own table)."""
    return _error_object(status, detail, code=code, title=title, source=source)


class RequestError(Exception):
    """A request the sandbox refuses; ``errors`` are the error objects to answer with."""

    def __init__(self, errors: list[dict[str, Any]], status: int = 400) -> None:
        self.errors = list(errors)
        self.status = status
        self.headers: dict[str, str] = {}
        text = "; ".join(str(e.get("detail") or e.get("title")) for e in self.errors)
        super().__init__(text or f"HTTP {status}")

    @property
    def detail(self) -> str:
        """The details of every error object, joined."""
        return str(self)

    def body(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        return {"errors": self.errors}


def _source(detail: str, source: dict[str, Any] | str | None) -> dict[str, Any] | None:
    if isinstance(source, str):  # a parameter name: {"filters": [detail]}
        return {source: [detail]}
    return source


def bad_request(detail: str, source: dict[str, Any] | str | None = None) -> RequestError:
    """400 / code 103. ``source`` is an object, or the name of the offending parameter."""
    return RequestError([error_object(400, detail, source=_source(detail, source))], 400)


def not_found(detail: str, source: dict[str, Any] | str | None = None) -> RequestError:
    """404 / code 104."""
    return RequestError([error_object(404, detail, source=_source(detail, source))], 404)
