"""Zou's error answers → the trackframes exception tree.

Zou answers errors as ``{"error": true, "message": "..."}`` (its own
exceptions), ``{"msg": "..."}`` (the JWT layer: a missing, malformed or revoked
token) or ``{"message": "..."}``. One function maps the status to an exception
class and quotes the server's message, which never holds credentials.

>>> import requests
>>> r = requests.Response()
>>> r.status_code, r._content = 400, b'{"error": true, "message": "Invalid UUID value: x"}'
>>> raise_for_response(r, what="find('Task')")
Traceback (most recent call last):
...
trackframes.exceptions.QueryError: find('Task') failed: Invalid UUID value: x (HTTP 400)
"""

from __future__ import annotations

from typing import Any

import orjson
import requests

from ...exceptions import AuthError, QueryError, RateLimitError, ServerError

__all__ = ["server_message", "raise_for_response", "is_token_refused"]

_TOKEN_WORDS = ("signature has expired", "token has been revoked", "token has expired", "not enough segments",
                "invalid header", "signature verification failed", "missing jwt", "invalid token")


def _body(response: requests.Response) -> Any:
    try:
        return orjson.loads(response.content or b"{}")
    except orjson.JSONDecodeError:
        return None


def server_message(response: requests.Response) -> str:
    """The message of a Zou error answer ("" when it has none, or is not JSON)."""
    body = _body(response)
    if isinstance(body, dict):
        for key in ("message", "msg"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return ""


def is_token_refused(response: requests.Response) -> bool:
    """Whether the answer refuses the access token itself (expired, revoked, malformed), not the request."""
    if response.status_code not in (401, 422):
        return False
    text = server_message(response).lower()
    return response.status_code == 401 or any(word in text for word in _TOKEN_WORDS)


def raise_for_response(response: requests.Response, *, what: str, credential: str | None = None) -> None:
    """Raise the matching error for a non-2xx answer; return otherwise."""
    status = response.status_code
    if status < 400:
        return
    message = server_message(response) or response.reason or f"HTTP {status}"
    url = response.request.path_url.split("?")[0] if response.request is not None else None
    kwargs: dict[str, Any] = {"status": status, "url": url}
    who = f" ({credential})" if credential else ""
    if status == 403:
        raise AuthError(f"{what} was refused{who}: this account may not read {url or 'it'} ({message})",
                        credential=credential, reason="forbidden", **kwargs)
    if is_token_refused(response):
        expired = "expired" in message.lower()
        raise AuthError(f"{what} was refused{who}: {message}", credential=credential,
                        reason="expired" if expired else "invalid", **kwargs)
    if status == 429:
        raise RateLimitError(f"{what}: the server kept rate-limiting after every retry ({message}).", **kwargs)
    if status >= 500:
        raise ServerError(f"{what}: the server kept failing after every retry ({message}).", **kwargs)
    if status == 404:
        raise QueryError(f"{what} failed: the server has no {url} ({message}). The site URL must be Zou's API "
                         "root, such as https://kitsu.yourstudio.com/api.", **kwargs)
    raise QueryError(f"{what} failed: {message}", **kwargs)
