"""Credentials, access tokens and refresh tokens of one sandbox server.

Access tokens are JWT-shaped (HS256 over a random per-server secret) with the
claims ``iss``, ``aud``, ``iat``, ``exp``, ``sub`` (user login or script name),
``user_type`` (``"HumanUser"`` or ``"ApiUser"``) and ``sudo_as`` when the
``sudo_as_login:<login>`` scope was used. The server checks the signature and the
expiry of every token itself.

Refresh tokens are JWT-shaped too, but their ``jti`` must also be present in a
server-side table: using one removes it, which makes refresh tokens single use.

Failures raise ``ApiError`` with status 401, code 102 and one of these ``detail``
strings, which clients may rely on: ``"Token Expired"``, ``"Invalid token"``,
``"Invalid credentials"``, ``"2FA token required"``, ``"Invalid 2FA token"``,
``"Invalid refresh token"``, ``"Invalid session token"``,
``"Unknown sudo_as_login user"`` and ``"Authorization header missing"``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import orjson

from .problems import bad_request, unauthorized

__all__ = ["Identity", "Credentials", "TokenService", "GRANT_TYPES"]

GRANT_TYPES = ("client_credentials", "password", "session_token", "refresh_token")
SUDO_SCOPE = "sudo_as_login:"


@dataclass(frozen=True)
class Identity:
    """Who a token speaks for."""

    sub: str
    user_type: str
    sudo_as: str | None = None

    @property
    def acting_login(self) -> str:
        """The login the request acts as (the sudo target when there is one)."""
        return self.sudo_as or self.sub


@dataclass
class Credentials:
    """The secrets a sandbox accepts.

    ``scripts`` maps script name → key, ``passwords`` login → password,
    ``otp`` login → the one accepted 2FA code for users with 2FA on, and
    ``sessions`` session token → login.
    """

    scripts: dict[str, str]
    passwords: dict[str, str]
    otp: dict[str, str]
    sessions: dict[str, str]

    def __repr__(self) -> str:  # never show secrets
        return (f"Credentials(scripts={sorted(self.scripts)}, users={sorted(self.passwords)}, "
                f"two_factor={sorted(self.otp)}, sessions={len(self.sessions)})")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenService:
    """Issues and checks tokens for one server.

    Args:
        credentials: the accepted secrets.
        issuer: the ``iss``/``aud`` claim (the server's ``host:port``).
        user_exists: tells whether a login names an active user (for ``sudo_as``).
        lifetimes: returns ``(access, refresh)`` token lifetimes in seconds; read on
            every grant so knob changes apply at once.
        clock: seconds since the epoch (``time.time``).
    """

    def __init__(self, credentials: Credentials, issuer: str, user_exists: Callable[[str], bool],
                 lifetimes: Callable[[], tuple[float, float]], clock: Callable[[], float] = time.time) -> None:
        self.credentials = credentials
        self.issuer = issuer
        self._user_exists = user_exists
        self._lifetimes = lifetimes
        self._clock = clock
        self._secret = secrets.token_bytes(32)
        self._refresh: dict[str, tuple[Identity, float]] = {}
        self._lock = threading.Lock()

    # -- JWT ---------------------------------------------------------------
    def _sign(self, claims: dict[str, Any]) -> str:
        header = _b64(b'{"alg":"HS256","typ":"JWT"}')
        payload = _b64(orjson.dumps(claims))
        signing_input = f"{header}.{payload}".encode("ascii")
        signature = hmac.new(self._secret, signing_input, hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def _claims(self, token: str, detail: str) -> dict[str, Any]:
        """Verified claims of a token signed by this server; ``ApiError(401, detail)`` otherwise."""
        parts = token.split(".")
        if len(parts) != 3:
            raise unauthorized(detail)
        header, payload, signature = parts
        expected = hmac.new(self._secret, f"{header}.{payload}".encode("ascii", "replace"),
                            hashlib.sha256).digest()
        try:
            given = _unb64(signature)
            claims = orjson.loads(_unb64(payload))
        except (binascii.Error, ValueError, orjson.JSONDecodeError):
            raise unauthorized(detail) from None
        if not hmac.compare_digest(expected, given) or not isinstance(claims, dict):
            raise unauthorized(detail)
        if claims.get("iss") != self.issuer or claims.get("aud") != self.issuer:
            raise unauthorized(detail)
        return claims

    # -- issuing -----------------------------------------------------------
    def issue(self, identity: Identity) -> dict[str, Any]:
        """A new access/refresh token pair, as the ``/auth/access_token`` response body."""
        access_life, refresh_life = self._lifetimes()
        now = self._clock()
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.issuer,
            "iat": int(now),
            "exp": round(now + access_life, 3),
            "sub": identity.sub,
            "user_type": identity.user_type,
            "jti": secrets.token_hex(8),
        }
        if identity.sudo_as:
            claims["sudo_as"] = identity.sudo_as
        refresh_id = secrets.token_hex(16)
        refresh_claims = {"iss": self.issuer, "aud": self.issuer, "iat": int(now),
                          "exp": round(now + refresh_life, 3), "jti": refresh_id}
        with self._lock:
            self._prune(now)
            self._refresh[refresh_id] = (identity, now + refresh_life)
        return {
            "token_type": "Bearer",
            "access_token": self._sign(claims),
            "expires_in": int(access_life),
            "refresh_token": self._sign(refresh_claims),
        }

    def _prune(self, now: float) -> None:
        for key in [k for k, (_, exp) in self._refresh.items() if exp <= now]:
            del self._refresh[key]

    # -- checking ----------------------------------------------------------
    def verify(self, authorization: str | None) -> Identity:
        """The identity behind an ``Authorization: Bearer <token>`` header value."""
        if not authorization or not authorization.strip():
            raise unauthorized("Authorization header missing")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("Invalid token")
        claims = self._claims(token.strip(), "Invalid token")
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or "user_type" not in claims or "sub" not in claims:
            raise unauthorized("Invalid token")
        if exp <= self._clock():
            raise unauthorized("Token Expired")
        return Identity(str(claims["sub"]), str(claims["user_type"]), claims.get("sudo_as"))

    # -- grants ------------------------------------------------------------
    def grant(self, params: Mapping[str, str], authorization: str | None) -> dict[str, Any]:
        """Handle one ``POST /auth/access_token``; returns the response body."""
        grant_type = params.get("grant_type")
        if not grant_type:
            raise bad_request("grant_type is required", "grant_type", "grant_type is missing")
        if grant_type not in GRANT_TYPES:
            raise bad_request(f"Unsupported grant_type {grant_type!r}; supported: {', '.join(GRANT_TYPES)}",
                              "grant_type")
        if grant_type == "refresh_token":
            identity = self._refresh_identity(params.get("refresh_token"))
        else:
            if grant_type == "client_credentials":
                identity = self._script_identity(params, authorization)
            elif grant_type == "password":
                identity = self._password_identity(params)
            else:
                identity = self._session_identity(params)
            identity = self._apply_scope(identity, params.get("scope"))
        return self.issue(identity)

    def _script_identity(self, params: Mapping[str, str], authorization: str | None) -> Identity:
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        if authorization and authorization.strip().lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization.strip()[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise unauthorized("Invalid credentials") from None
            client_id, sep, client_secret = decoded.partition(":")
            if not sep:
                raise unauthorized("Invalid credentials")
        if not client_id or client_secret is None:
            raise bad_request("client_id and client_secret are required", "client_id",
                              "client_id and client_secret are missing")
        key = self.credentials.scripts.get(client_id)
        if key is None or not hmac.compare_digest(key.encode(), client_secret.encode()):
            raise unauthorized("Invalid credentials")
        return Identity(client_id, "ApiUser")

    def _password_identity(self, params: Mapping[str, str]) -> Identity:
        login, password = params.get("username"), params.get("password")
        if not login or password is None:
            raise bad_request("username and password are required", "username",
                              "username and password are missing")
        known = self.credentials.passwords.get(login)
        if known is None or not hmac.compare_digest(known.encode(), password.encode()):
            raise unauthorized("Invalid credentials")
        if not self._user_exists(login):
            raise unauthorized("Invalid credentials")
        code = self.credentials.otp.get(login)
        if code is not None:
            given = params.get("auth_token")
            if not given:
                raise unauthorized("2FA token required")
            if not hmac.compare_digest(code.encode(), given.strip().encode()):
                raise unauthorized("Invalid 2FA token")
        return Identity(login, "HumanUser")

    def _session_identity(self, params: Mapping[str, str]) -> Identity:
        token = params.get("session_token")
        if not token:
            raise bad_request("session_token is required", "session_token", "session_token is missing")
        login = self.credentials.sessions.get(token)
        if login is None or not self._user_exists(login):
            raise unauthorized("Invalid session token")
        return Identity(login, "HumanUser")

    def _refresh_identity(self, token: str | None) -> Identity:
        if not token:
            raise bad_request("refresh_token is required", "refresh_token", "refresh_token is missing")
        claims = self._claims(token, "Invalid refresh token")
        jti = claims.get("jti")
        now = self._clock()
        with self._lock:
            entry = self._refresh.pop(jti, None) if isinstance(jti, str) else None
        if entry is None or entry[1] <= now:
            raise unauthorized("Invalid refresh token")
        return entry[0]

    def _apply_scope(self, identity: Identity, scope: str | None) -> Identity:
        if not scope:
            return identity
        scope = scope.strip()
        if not scope.startswith(SUDO_SCOPE):
            raise bad_request(f"Unsupported scope {scope!r}; only {SUDO_SCOPE}<login> is available", "scope")
        login = scope[len(SUDO_SCOPE):].strip()
        if not login or not self._user_exists(login):
            raise unauthorized("Unknown sudo_as_login user")
        return Identity(identity.sub, identity.user_type, login)
