"""Error objects in the ShotGrid REST format and the exception that carries them.

Every non-2xx answer of the sandbox server is ``{"errors": [error object, ...]}``
where an error object is ``{"id", "status", "code", "title", "source", "detail",
"meta"}`` as the REST API v1.1 reference describes.

``code`` values: 102 for authentication failures and 103 for invalid request
parameters come from the reference. The others are the sandbox's own choices
(documented in ``docs/sandbox.md``): 104 not found, 105 method not allowed,
106 payload too large, 107 rate limited, 108 temporary server failure (502, 503,
504) and 109 internal server error.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = [
    "ApiError",
    "error_object",
    "bad_request",
    "unauthorized",
    "not_found",
    "method_not_allowed",
    "TITLES",
    "CODES",
]

#: Title for each HTTP status the sandbox answers with.
TITLES: dict[int, str] = {
    400: "Request Parameters invalid.",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

#: ShotGrid error code for each HTTP status.
CODES: dict[int, int] = {
    400: 103,
    401: 102,
    404: 104,
    405: 105,
    411: 103,
    413: 106,
    429: 107,
    500: 109,
    501: 105,
    502: 108,
    503: 108,
    504: 108,
}


def error_object(status: int, detail: str | None = None, *, code: int | None = None,
                 title: str | None = None, source: dict[str, Any] | None = None,
                 meta: Any = None) -> dict[str, Any]:
    """One error object; ``code`` and ``title`` default from the status."""
    return {
        "id": uuid.uuid4().hex,
        "status": status,
        "code": CODES.get(status, 103) if code is None else code,
        "title": TITLES.get(status, "Error") if title is None else title,
        "source": source,
        "detail": detail,
        "meta": meta,
    }


class ApiError(Exception):
    """Raised inside request handling; the server answers with its error objects.

    ``headers`` are extra response headers (``Allow``, ``Retry-After``...).
    """

    def __init__(self, status: int, errors: list[dict[str, Any]],
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}: " + "; ".join(str(e.get("detail") or e.get("title")) for e in errors))
        self.status = status
        self.errors = errors
        self.headers = dict(headers or {})

    @classmethod
    def single(cls, status: int, detail: str | None = None, *, headers: dict[str, str] | None = None,
               **kwargs: Any) -> "ApiError":
        """An error carrying one error object."""
        return cls(status, [error_object(status, detail, **kwargs)], headers)

    def body(self) -> dict[str, Any]:
        return {"errors": self.errors}


def bad_request(detail: str, param: str | None = None, reason: str | None = None) -> ApiError:
    """400 / code 103, with ``source`` naming the offending parameter when given."""
    source = {param: [reason or f"{param} is not valid"]} if param else None
    return ApiError.single(400, detail, source=source)


def unauthorized(detail: str) -> ApiError:
    """401 / code 102 with one of the documented ``detail`` strings."""
    return ApiError.single(401, detail)


def not_found(detail: str) -> ApiError:
    return ApiError.single(404, detail)


def method_not_allowed(method: str, allowed: list[str]) -> ApiError:
    return ApiError.single(405, f"Method {method} is not allowed here; use {', '.join(allowed)}",
                           headers={"Allow": ", ".join(allowed)})
