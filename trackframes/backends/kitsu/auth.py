"""Signing in to Zou: email and password (a JWT and its refresh token), or a bot's bearer token.

* ``tf.UserPassword(email, password)``: ``POST /auth/login`` with a JSON body
  gives an access token (a JWT, valid 7 days by default) and a refresh token.
  A token near its expiry (read from the JWT's ``exp``, unverified) or refused
  by the server is renewed with ``GET /auth/refresh-token``, and once the
  refresh token is spent, by signing in again.
* ``tf.BearerToken(token)``: a bot's long-lived token, sent as it is.

A refused sign-in is never retried: Zou locks an account for a minute after 5
failed logins, and a retry (by this process, or by one of its threads) would
spend the user's attempts. The first refusal is kept and raised again, without
a request, by every later call of the connection; build a new connection with
the right password. Messages say what went wrong (wrong email or password, the
lock-out, an inactive account, a password that must be changed) and never
quote the password or a token.

>>> import trackframes as tf
>>> login_body(tf.UserPassword("ada@studio.example", "pw"))
{'email': 'ada@studio.example', 'password': ***}
"""

from __future__ import annotations

import base64
import threading
import time
from typing import Any, Callable

import orjson
import requests

from ...answers import Malformed, Source, json_type, loads, reading
from ...auth import BearerToken, Credential, Secret, Token, TokenProvider, UserPassword
from ...exceptions import AuthError
from ...transport import SecretForm, Transport
from .errors import raise_for_response, server_message

__all__ = ["login_body", "SecretJson", "make_token_provider", "token_claims", "LOCKOUT_MESSAGE"]

#: What the lock-out answer means, in the words a user needs.
LOCKOUT_MESSAGE = ("Kitsu has locked this account for a minute after 5 failed sign-ins (Zou counts every wrong "
                   "password). Wait a minute, then connect again with the right password; trackframes never "
                   "retries a refused sign-in by itself.")
#: Seconds a bearer token without a readable expiry is taken to last before it is checked again.
OPAQUE_LIFETIME = 3600.0


def login_body(credential: UserPassword) -> dict[str, "str | Secret"]:
    """The JSON fields of ``POST /auth/login``; the password stays a :class:`Secret` until sent."""
    body: dict[str, str | Secret] = {"email": credential.login, "password": credential.password}
    if credential.otp is not None:
        body["totp"] = credential.otp
    return body


class SecretJson(SecretForm):
    """A JSON body whose secret fields are revealed only while the request is prepared.

    It is a :class:`~trackframes.transport.SecretForm`, so the transport drops
    the body from the request once it has been sent, as it does for forms.

    >>> SecretJson({"email": "a@b.c", "password": Secret("pw")})
    SecretForm(email='a@b.c', password=***)
    """

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        plain = {k: v.reveal() if isinstance(v, Secret) else v for k, v in self.fields.items()}
        request.prepare_body(None, None, json=plain)
        return request


def token_claims(token: str | None) -> dict[str, Any]:
    """The (unverified) claims of a JWT, or ``{}`` for an opaque token; used for expiry and display only."""
    if not token or token.count(".") != 2:
        return {}
    payload = token.split(".")[1]
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _token(access: str, refresh: str | None, clock: Callable[[], float]) -> Token:
    """A :class:`Token` whose expiry comes from the JWT's ``exp`` (wall clock → monotonic clock)."""
    exp = token_claims(access).get("exp")
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        lifetime = max(0.0, float(exp) - time.time())
    else:
        lifetime = OPAQUE_LIFETIME
    return Token(Secret(access), clock() + lifetime, "Bearer", Secret(refresh) if refresh else None)


def _refusal(response: requests.Response, login: str) -> AuthError:
    """The error for a refused sign-in, from Zou's flags (the password is never in it)."""
    try:
        body = orjson.loads(response.content or b"{}")
    except orjson.JSONDecodeError:
        body = {}
    body = body if isinstance(body, dict) else {}
    status = response.status_code
    kwargs: dict[str, Any] = {"credential": "UserPassword", "status": status, "url": "/auth/login"}
    if body.get("too_many_failed_login_attemps"):
        return AuthError(f"Signing in as {login!r} was refused: {LOCKOUT_MESSAGE}", reason="locked", **kwargs)
    if body.get("unactive"):
        return AuthError(f"Signing in as {login!r} was refused: the account is inactive; a studio manager can "
                         "activate it in Kitsu.", reason="inactive", **kwargs)
    if body.get("default_password"):
        return AuthError(f"Signing in as {login!r} was refused: the account still has the instance's default "
                         "password, which Kitsu asks to change first; sign in to Kitsu in a browser and set a "
                         "new password.", reason="default_password", **kwargs)
    if body.get("missing_OTP") or body.get("wrong_OTP"):
        what = "needs" if body.get("missing_OTP") else "refused the"
        return AuthError(f"Signing in as {login!r} was refused: Kitsu {what} a two-factor code; pass it as "
                         "tf.UserPassword(email, password, otp=...).", reason="2fa_required", **kwargs)
    if status == 400 and body.get("login") is False:
        return AuthError(f"Signing in as {login!r} was refused: wrong email or password. Zou locks an account "
                         "for a minute after 5 failed sign-ins, and trackframes does not retry; check the "
                         "password before connecting again.", reason="invalid", **kwargs)
    message = server_message(response) or response.reason or f"HTTP {status}"
    return AuthError(f"Signing in as {login!r} failed: {message}", reason="invalid", **kwargs)


def _tokens(content: bytes, path: str) -> dict[str, Any]:
    """The token answer, checked: an object with a non-empty ``access_token`` (never echoed)."""
    with reading(Source("Signing in", f"{'POST' if 'login' in path else 'GET'} {path}", secret=True), content):
        payload = loads(content)
        if not isinstance(payload, dict):
            raise Malformed(f"JSON of the wrong shape ({json_type(payload)} instead of a token object)")
        if not isinstance(payload.get("access_token"), str) or not payload["access_token"]:
            raise Malformed("JSON of the wrong shape (no access_token string)")
        return payload


class _OnceGrant:
    """A sign-in that is attempted until it is refused once, then never again."""

    def __init__(self, grant: Callable[[], Token]) -> None:
        self._grant = grant
        self._refused: AuthError | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Token:
        with self._lock:
            if self._refused is not None:
                raise AuthError(f"{self._refused.message} (the sign-in is not tried again: connect again "
                                "with the right credential)", credential=self._refused.credential,
                                reason=self._refused.reason, status=self._refused.status, url=self._refused.url)
            try:
                return self._grant()
            except AuthError as exc:
                self._refused = exc
                raise


def make_token_provider(transport: Transport, api: str, credential: Credential,
                        clock: Callable[[], float] = time.monotonic) -> TokenProvider:
    """A :class:`TokenProvider` for ``credential`` against the API root ``api``."""
    if isinstance(credential, BearerToken):
        secret = credential.token

        def bearer() -> Token:
            return _token(secret.reveal(), None, clock)

        return TokenProvider(bearer, None, margin=60.0, clock=clock)
    if not isinstance(credential, UserPassword):  # registry.check refuses other kinds first
        raise AuthError(f"{type(credential).__name__} does not work with Kitsu; use tf.UserPassword(email, "
                        "password) or tf.BearerToken(bot_token).", credential=type(credential).__name__,
                        reason="invalid")
    login = credential.login

    def grant() -> Token:
        response = transport.request("POST", api + "/auth/login", auth=SecretJson(login_body(credential)),
                                     headers={"Accept": "application/json"}, what="Signing in")
        if response.status_code != 200:
            if response.status_code in (400, 401):
                raise _refusal(response, login)
            raise_for_response(response, what="Signing in", credential="UserPassword")
        payload = _tokens(response.content, "/auth/login")
        refresh = payload.get("refresh_token")
        return _token(payload["access_token"], refresh if isinstance(refresh, str) else None, clock)

    def refresh(refresh_token: Secret) -> Token:
        from ...transport import HeaderAuth

        response = transport.request("GET", api + "/auth/refresh-token", what="Renewing the sign-in",
                                     auth=HeaderAuth(Secret(f"Bearer {refresh_token.reveal()}")),
                                     headers={"Accept": "application/json"})
        raise_for_response(response, what="Renewing the sign-in", credential="UserPassword")
        payload = _tokens(response.content, "/auth/refresh-token")
        return _token(payload["access_token"], None, clock)

    return TokenProvider(_OnceGrant(grant), refresh, margin=3600.0, clock=clock)
