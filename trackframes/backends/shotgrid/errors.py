"""ShotGrid error responses → the trackframes exception tree.

One function maps a status to an exception class through a table, and carries
the server's error objects (``{"id", "status", "code", "title", "detail",
"source", "meta"}``) on the exception.
"""

from __future__ import annotations

from typing import Any

import orjson
import requests

from ...exceptions import (
    AuthError,
    QueryError,
    RateLimitError,
    ServerError,
    TrackframesError,
)

__all__ = ["error_objects", "raise_for_response", "is_token_expired"]

_STATUS_CLASSES: dict[int, type[TrackframesError]] = {
    400: QueryError,
    401: AuthError,
    403: AuthError,
    404: QueryError,
    405: QueryError,
    409: QueryError,
    422: QueryError,
    429: RateLimitError,
}


def error_objects(response: requests.Response) -> list[dict[str, Any]]:
    """The ``errors`` array of an error response (empty when the body is not JSON:API)."""
    try:
        body = orjson.loads(response.content or b"{}")
    except orjson.JSONDecodeError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def is_token_expired(response: requests.Response) -> bool:
    if response.status_code != 401:
        return False
    return any("expired" in str(e.get("detail") or "").lower() for e in error_objects(response))


def _auth_reason(details: str) -> str:
    low = details.lower()
    if "2fa" in low or "two factor" in low or "auth_token" in low:
        return "2fa_required" if "required" in low else "2fa_invalid"
    if "expired" in low:
        return "expired"
    return "invalid"


def raise_for_response(response: requests.Response, *, what: str, credential: str | None = None) -> None:
    """Raise the matching :class:`TrackframesError` for a non-2xx response; return otherwise."""
    status = response.status_code
    if status < 400:
        return
    errors = error_objects(response)
    details = "; ".join(str(e.get("detail") or e.get("title") or "") for e in errors if e) or response.reason or ""
    request_id = next((str(e["id"]) for e in errors if e.get("id")), None) or response.headers.get("X-Request-Id")
    cls = _STATUS_CLASSES.get(status, ServerError if status >= 500 else QueryError)
    message = f"{what} failed: {details}".rstrip(": ")
    kwargs: dict[str, Any] = {"status": status, "request_id": request_id, "errors": errors,
                              "url": response.request.path_url.split("?")[0] if response.request else None}
    if cls is AuthError:
        reason = "forbidden" if status == 403 else _auth_reason(details)
        who = f" ({credential})" if credential else ""
        raise AuthError(f"{what} was refused{who}: {details or 'unauthorized'}", credential=credential,
                        reason=reason, **kwargs)
    if cls is RateLimitError:
        retry_after = response.headers.get("Retry-After")
        try:
            hint = float(retry_after) if retry_after is not None else None
        except ValueError:
            hint = None
        raise RateLimitError(f"{what}: the site kept rate-limiting after every retry ({details}).",
                             retry_after=hint, **kwargs)
    if cls is ServerError:
        raise ServerError(f"{what}: the site kept failing after every retry ({details or status}).", **kwargs)
    raise cls(message, **kwargs)
