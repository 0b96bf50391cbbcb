"""The trackframes exception tree.

Every error trackframes raises derives from one root::

    TrackframesError
    ├── AuthError            credentials rejected, expired, or 2FA required
    ├── SchemaError          unknown entity/field/operator (raised before sending)
    ├── QueryError           the server rejected the request (carries its error objects)
    ├── RateLimitError       HTTP 429 that outlasted the retries
    ├── ServerError          HTTP 5xx that outlasted the retries
    ├── TransportError       connection, TLS or timeout failures
    ├── ProtocolError        the server answered, but not in the shape the API promises
    └── CapabilityError      the backend cannot do this (names the backend and the capability)

Errors also subclass the matching builtin where one fits (``SchemaError`` is a
``ValueError``, ``AuthError`` a ``PermissionError``, ``TransportError`` a
``ConnectionError``), so generic handlers keep working.

Each error carries ``status`` (the HTTP status, when there was a response),
``request_id`` (the server's error id, when it gave one) and ``errors`` (the
server's error objects, as dicts). None of them ever holds credentials.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "TrackframesError",
    "AuthError",
    "SchemaError",
    "QueryError",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "ProtocolError",
    "CapabilityError",
]


class TrackframesError(Exception):
    """Root of every trackframes error."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.request_id = request_id
        self.errors: list[dict[str, Any]] = list(errors or [])
        self.url = url

    def __str__(self) -> str:
        parts = [self.message]
        extra = []
        if self.status is not None:
            extra.append(f"HTTP {self.status}")
        if self.request_id:
            extra.append(f"request id {self.request_id}")
        if extra:
            parts.append(f"({', '.join(extra)})")
        return " ".join(parts)

    def __reduce__(self):  # keep keyword state through pickling
        return (_rebuild, (type(self), self.message, self.__dict__))


def _rebuild(cls: type, message: str, state: dict[str, Any]) -> TrackframesError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class AuthError(TrackframesError, PermissionError):
    """Credentials were rejected, expired, or need a 2FA code.

    ``credential`` names the credential kind (``"ScriptKey"``, ...) and
    ``reason`` is one of ``"invalid"``, ``"expired"``, ``"2fa_required"`` or
    ``"forbidden"``.
    """

    def __init__(self, message: str, *, credential: str | None = None, reason: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.credential = credential
        self.reason = reason


class SchemaError(TrackframesError, ValueError):
    """An entity type, field, operator or summary that the site's schema does not allow.

    ``name`` is the bad item and ``suggestions`` the closest valid names.
    """

    def __init__(self, message: str, *, name: str | None = None,
                 suggestions: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.name = name
        self.suggestions = list(suggestions or [])


class QueryError(TrackframesError, ValueError):
    """The server rejected the request; ``errors`` holds its error objects."""


class RateLimitError(TrackframesError):
    """The server kept answering 429 after every retry. ``retry_after`` is its last hint."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(TrackframesError):
    """The server kept failing (5xx) after every retry."""


class TransportError(TrackframesError, ConnectionError):
    """The request never got an HTTP answer: connection refused or reset, TLS, timeout."""


class ProtocolError(TrackframesError):
    """The server answered, but not in the shape the API promises.

    A proxy's login page, a body cut short, ``null`` or an object without its
    ``data`` array, with status 200. ``body_kind`` says what came back (``"an
    HTML page"``, ``"truncated JSON"``, ``"JSON of the wrong shape (...)"``,
    ``"an empty body"``...) and ``excerpt`` its first bytes, as printable text
    (empty for answers that may hold secrets). ``url`` is the request's path.
    Nothing was lost silently: the call stops here.
    """

    def __init__(self, message: str, *, body_kind: str | None = None, excerpt: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.body_kind = body_kind
        self.excerpt = excerpt


class CapabilityError(TrackframesError, NotImplementedError):
    """The backend lacks a capability the call needs (``backend`` and ``capability`` name them)."""

    def __init__(self, message: str, *, backend: str | None = None, capability: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.backend = backend
        self.capability = capability
