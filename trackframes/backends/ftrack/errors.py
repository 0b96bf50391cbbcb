"""ftrack error answers → the trackframes exception tree.

An ftrack server reports a failed batch in one of two styles (the operations
spec's "error handling"):

* **non-strict** (the default): HTTP 200 and, instead of the list of results,
  one object ``{"exception": "<Name>", "content": "<details>", "error_code": ...}``;
* **strict** (``ftrack-strict-api: true``) and every authentication error: a
  real HTTP status with the same object as the body (and an ``FTRACK_ERROR``
  header holding the details).

Both become the same :class:`~trackframes.exceptions.TrackframesError`
subclass, chosen by the exception name first and the status second, carrying
the server's object in ``errors`` (its ``exception`` and ``content``
verbatim) and the status in ``status`` (``None`` for the 200 style).

>>> err = error_for({"exception": "ValidationError", "content": 'Task has no attribute "nmae"'}, None,
...                 what="find('Task')")
>>> type(err).__name__, err.errors[0]["exception"], str(err)
('QueryError', 'ValidationError', 'find(\\'Task\\') failed: the ftrack server refused it with ValidationError: Task has no attribute "nmae"')
>>> type(error_for({"exception": "InvalidCredentialsError", "content": "bad key"}, 401, what="x")).__name__
'AuthError'
"""

from __future__ import annotations

from typing import Any, Mapping

import orjson
import requests

from ...exceptions import AuthError, QueryError, RateLimitError, ServerError, TrackframesError

__all__ = ["error_for", "raise_for_response", "error_object", "AUTH_EXCEPTIONS"]

#: Exception names that mean "these credentials are not accepted".
AUTH_EXCEPTIONS = frozenset({"InvalidCredentialsError", "FTAuthenticationError", "AuthenticationError",
                             "InvalidApiKeyError"})
_FORBIDDEN = frozenset({"PermissionError", "PermissionDeniedError", "AccessDeniedError"})
_RATE = frozenset({"TooManyRequestsError", "RateLimitError", "RateLimitExceededError"})
_SERVER = frozenset({"ServerError", "InternalServerError", "DatabaseError", "OperationalError"})
#: Longest ``content`` quoted in a message (the whole object stays in ``errors``).
CONTENT_CHARS = 600


def error_object(body: bytes) -> dict[str, Any] | None:
    """The ``{"exception", "content", ...}`` object of an error answer, or ``None`` when it has none."""
    try:
        parsed = orjson.loads(body or b"null")
    except orjson.JSONDecodeError:
        return None
    if isinstance(parsed, dict) and isinstance(parsed.get("exception"), str):
        return parsed
    return None


def _content(obj: Mapping[str, Any]) -> str:
    content = obj.get("content")
    text = content if isinstance(content, str) else orjson.dumps(content).decode()
    return text if len(text) <= CONTENT_CHARS else text[: CONTENT_CHARS - 3] + "..."


def error_for(obj: Mapping[str, Any] | None, status: int | None, *, what: str, credential: str = "ApiKey",
              reason: str = "", retry_after: float | None = None, url: str | None = None) -> TrackframesError:
    """The exception for an error object (``None``: only a status, with ``reason`` as its text)."""
    name = str(obj.get("exception")) if obj else ""
    details = f"{name}: {_content(obj)}" if obj else (reason or f"HTTP {status}")
    errors = [dict(obj)] if obj else []
    kwargs: dict[str, Any] = {"status": status, "errors": errors, "url": url}
    code = obj.get("error_code") if obj else None
    if code is not None:
        kwargs["request_id"] = str(code)
    if name in AUTH_EXCEPTIONS or status == 401:
        return AuthError(f"{what} was refused ({credential}): {details}. Check the API user and key.",
                         credential=credential, reason="invalid", **kwargs)
    if name in _FORBIDDEN or status == 403:
        return AuthError(f"{what} was refused ({credential}): {details}.", credential=credential,
                         reason="forbidden", **kwargs)
    if name in _RATE or status == 429:
        return RateLimitError(f"{what}: the site kept rate-limiting after every retry ({details}).",
                              retry_after=retry_after, **kwargs)
    if name in _SERVER or (status is not None and status >= 500):
        return ServerError(f"{what}: the site failed ({details}).", **kwargs)
    return QueryError(f"{what} failed: the ftrack server refused it with {details}", **kwargs)


def raise_for_response(response: requests.Response, *, what: str, credential: str = "ApiKey") -> None:
    """Raise for an HTTP error status (any body: the error object when there is one); return otherwise."""
    status = response.status_code
    if status < 400:
        return
    obj = error_object(response.content)
    if obj is None:
        header = response.headers.get("FTRACK_ERROR")
        if header:
            obj = {"exception": "Error", "content": header}
    retry_after = None
    if status == 429:
        try:
            retry_after = float(response.headers.get("Retry-After", ""))
        except ValueError:
            retry_after = None
    path = response.request.path_url.split("?")[0] if response.request is not None else None
    raise error_for(obj, status, what=what, credential=credential, reason=response.reason or "",
                    retry_after=retry_after, url=path)
