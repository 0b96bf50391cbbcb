"""Credential objects and the token provider.

Credentials never reveal their secrets: ``repr``/``str`` mask them, pickling
drops them, and exceptions never quote them.

>>> import trackframes as tf
>>> key = tf.ScriptKey("reports", "s3cr3t-value")
>>> key
ScriptKey(script_name='reports', script_key=***)
>>> "s3cr3t-value" in repr(key) + str(key)
False

The :class:`TokenProvider` turns a credential into bearer tokens. It does no
I/O until the first request asks for a token, refreshes a little before the
token expires (``margin`` seconds), refreshes again when the server says a
token expired, uses each refresh token once, and falls back to a fresh grant
when a refresh fails. It is safe to share between threads.
"""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping

from .exceptions import AuthError

__all__ = [
    "Secret",
    "Credential",
    "ScriptKey",
    "UserPassword",
    "SessionToken",
    "ApiKey",
    "BearerToken",
    "Token",
    "TokenProvider",
]


class Secret:
    """A string that never shows itself: masked in ``repr``/``str``, dropped by ``pickle``."""

    __slots__ = ("_value",)

    def __init__(self, value: "str | Secret") -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"a secret must be a str, not {type(value).__name__}")
        self._value: str | None = value

    def reveal(self) -> str:
        """The secret itself, for the one place that sends it."""
        if self._value is None:
            raise AuthError(
                "This credential was unpickled and its secret was deliberately not stored; "
                "create the credential again with the secret."
            )
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret) or self._value is None or other._value is None:
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash("trackframes.Secret")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_dropped_secret, ())


def _dropped_secret() -> Secret:
    secret = Secret("")
    secret._value = None
    return secret


class Credential:
    """Base class: subclasses list their public and secret attributes."""

    kind: ClassVar[str] = "credential"
    _public: ClassVar[tuple[str, ...]] = ()
    _secret: ClassVar[tuple[str, ...]] = ()

    def __repr__(self) -> str:
        parts = [f"{name}={getattr(self, name)!r}" for name in self._public if getattr(self, name) is not None]
        parts += [f"{name}=***" for name in self._secret if getattr(self, name) is not None]
        return f"{type(self).__name__}({', '.join(parts)})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self._public + self._secret)

    __hash__ = None  # type: ignore[assignment]


def _secret_or_none(value: "str | Secret | None") -> Secret | None:
    return None if value is None else Secret(value)


class ScriptKey(Credential):
    """An API script name and key; ``sudo_as`` acts as that user (scope ``sudo_as_login``)."""

    kind = "ScriptKey"
    _public = ("script_name", "sudo_as")
    _secret = ("script_key",)

    def __init__(self, script_name: str, script_key: "str | Secret", sudo_as: str | None = None) -> None:
        self.script_name = script_name
        self.script_key = Secret(script_key)
        self.sudo_as = sudo_as


class UserPassword(Credential):
    """A user's login and password; ``otp`` is the 2FA code when the site requires one."""

    kind = "UserPassword"
    _public = ("login", "sudo_as")
    _secret = ("password", "otp")

    def __init__(self, login: str, password: "str | Secret", otp: "str | Secret | None" = None,
                 sudo_as: str | None = None) -> None:
        self.login = login
        self.password = Secret(password)
        self.otp = _secret_or_none(otp)
        self.sudo_as = sudo_as


class SessionToken(Credential):
    """A web session token (ShotGrid's ``session_token`` grant)."""

    kind = "SessionToken"
    _secret = ("token",)

    def __init__(self, token: "str | Secret") -> None:
        self.token = Secret(token)


class ApiKey(Credential):
    """An ftrack API user and key."""

    kind = "ApiKey"
    _public = ("user",)
    _secret = ("key",)

    def __init__(self, user: str, key: "str | Secret") -> None:
        self.user = user
        self.key = Secret(key)


class BearerToken(Credential):
    """A ready-made bearer token (for example a Kitsu bot token)."""

    kind = "BearerToken"
    _secret = ("token",)

    def __init__(self, token: "str | Secret") -> None:
        self.token = Secret(token)


@dataclass
class Token:
    """An access token with its expiry on the monotonic clock and an optional refresh token."""

    access_token: Secret
    expires_at: float
    token_type: str = "Bearer"
    refresh_token: Secret | None = None

    def __repr__(self) -> str:
        return f"Token(token_type={self.token_type!r}, expires_at={self.expires_at:.0f}, access_token=***)"

    @classmethod
    def from_response(cls, body: Mapping[str, Any], clock: Callable[[], float] = time.monotonic) -> "Token":
        """Build from an OAuth2 token response (``access_token``, ``expires_in``, ...)."""
        try:
            access = body["access_token"]
            expires_in = float(body.get("expires_in") or 3600)
        except (KeyError, TypeError, ValueError) as exc:
            raise AuthError("The token response had no usable access_token/expires_in.") from exc
        refresh = body.get("refresh_token")
        return cls(
            access_token=Secret(str(access)),
            expires_at=clock() + expires_in,
            token_type=str(body.get("token_type") or "Bearer"),
            refresh_token=Secret(str(refresh)) if refresh else None,
        )


def _header_value(token: Token) -> Secret:
    return Secret(f"{token.token_type} {token.access_token.reveal()}")


Grant = Callable[[], Token]
Refresh = Callable[[Secret], Token]


class TokenProvider:
    """Hands out ``Authorization`` header values, refreshing tokens as needed.

    ``grant`` obtains a fresh token from the credential; ``refresh`` trades a
    refresh token for a new token (each refresh token is used at most once).
    """

    def __init__(self, grant: Grant, refresh: Refresh | None = None, *, margin: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._grant = grant
        self._refresh = refresh
        self._margin = margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Token | None = None
        self._issued_at = 0.0
        self.grants = 0
        self.refreshes = 0

    def __repr__(self) -> str:
        state = "no token" if self._token is None else "token held"
        return f"<TokenProvider {state}>"

    def header(self) -> str:
        """The ``Authorization`` header value as text (prefer :meth:`authorization`, which keeps it secret)."""
        return self.authorization().reveal()

    def authorization(self) -> Secret:
        """The ``Authorization`` header value, kept secret, getting or renewing the token first if needed."""
        with self._lock:
            token = self._token
            if token is None:
                token = self._new_token()
            elif token.expires_at - min(self._margin, self._lifetime_margin(token)) <= self._clock():
                token = self._renew(token)
            return _header_value(token)

    def expire(self, header_used: "str | Secret | None" = None) -> None:
        """Mark the token as expired (after a 401 "Token Expired").

        With ``header_used`` (the value that was sent), only if that is still the
        current token, so that many threads seeing the same 401 renew it once.
        """
        with self._lock:
            token = self._token
            if token is None:
                return
            if header_used is not None and Secret(header_used) != _header_value(token):
                return
            token.expires_at = float("-inf")

    def identity_token(self) -> str | None:
        """The raw access token currently held (for decoding claims), if any."""
        with self._lock:
            return None if self._token is None else self._token.access_token.reveal()

    # -- internals ---------------------------------------------------------
    def _lifetime_margin(self, token: Token) -> float:
        # never refresh so early that a short-lived token is renewed on every call
        return max(0.0, (token.expires_at - self._issued_at) / 4)

    def _new_token(self) -> Token:
        token = self._grant()
        self.grants += 1
        self._store(token)
        return token

    def _renew(self, token: Token) -> Token:
        refresh_token, token.refresh_token = token.refresh_token, None  # single use
        if refresh_token is not None and self._refresh is not None:
            try:
                new = self._refresh(refresh_token)
            except AuthError:
                pass
            else:
                self.refreshes += 1
                self._store(new)
                return new
        return self._new_token()

    def _store(self, token: Token) -> None:
        self._token = token
        self._issued_at = self._clock()
