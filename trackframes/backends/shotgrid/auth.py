"""ShotGrid OAuth2 grants: credential objects → ``POST /auth/access_token`` bodies.

=================  =========================================================
credential         grant
=================  =========================================================
ScriptKey          ``client_credentials`` (``client_id``/``client_secret``)
UserPassword       ``password`` (``auth_token`` carries the 2FA code)
SessionToken       ``session_token``
(refresh)          ``refresh_token`` (each refresh token works once)
=================  =========================================================

``sudo_as`` becomes the scope ``sudo_as_login:<login>``.
"""

from __future__ import annotations

import base64
from typing import Any, Callable

import orjson

from ...answers import Malformed, Source, json_type, loads, reading
from ...auth import Credential, ScriptKey, Secret, SessionToken, Token, TokenProvider, UserPassword
from ...exceptions import AuthError
from ...transport import SecretForm, Transport
from .errors import raise_for_response

__all__ = ["grant_body", "make_token_provider", "token_claims"]


def grant_body(credential: Credential) -> dict[str, "str | Secret"]:
    """The form fields of the grant for a credential; secret fields stay :class:`Secret` until sent.

    >>> import trackframes as tf
    >>> grant_body(tf.ScriptKey("reports", "k3y", sudo_as="jane"))
    {'grant_type': 'client_credentials', 'client_id': 'reports', 'client_secret': ***, 'scope': 'sudo_as_login:jane'}
    """
    body: dict[str, str | Secret]
    if isinstance(credential, ScriptKey):
        body = {"grant_type": "client_credentials", "client_id": credential.script_name,
                "client_secret": credential.script_key}
    elif isinstance(credential, UserPassword):
        body = {"grant_type": "password", "username": credential.login, "password": credential.password}
        if credential.otp is not None:
            body["auth_token"] = credential.otp
    elif isinstance(credential, SessionToken):
        body = {"grant_type": "session_token", "session_token": credential.token}
    else:
        raise AuthError(
            f"{type(credential).__name__} does not work with ShotGrid; use tf.ScriptKey, tf.UserPassword "
            "or tf.SessionToken.", credential=type(credential).__name__, reason="invalid",
        )
    sudo_as = getattr(credential, "sudo_as", None)
    if sudo_as:
        body["scope"] = f"sudo_as_login:{sudo_as}"
    return body


def make_token_provider(transport: Transport, token_url: str, credential: Credential,
                        margin: float = 60.0) -> TokenProvider:
    """A :class:`TokenProvider` that grants and refreshes against ``token_url``.

    The grant's secrets travel as :class:`~trackframes.transport.SecretForm`, so
    they are plain text only while the request is being prepared.
    """
    kind = type(credential).__name__

    def post(fields: dict[str, str | Secret]) -> Token:
        response = transport.request("POST", token_url, auth=SecretForm(fields),
                                     headers={"Accept": "application/json"}, what="Authentication")
        raise_for_response(response, what="Authentication", credential=kind)
        return Token.from_response(_token_payload(response.content, token_url))

    grant: Callable[[], Token] = lambda: post(grant_body(credential))  # noqa: E731

    def refresh(refresh_token: Secret) -> Token:
        return post({"grant_type": "refresh_token", "refresh_token": refresh_token})

    return TokenProvider(grant, refresh, margin=margin)


def _token_payload(content: bytes, token_url: str) -> dict[str, Any]:
    """The token answer, checked: an object with a non-empty ``access_token`` string (never echoed)."""
    from urllib.parse import urlsplit

    source = Source("Authentication", f"POST {urlsplit(token_url).path}", secret=True)
    with reading(source, content):
        payload = loads(content)
        if not isinstance(payload, dict):
            raise Malformed(f"JSON of the wrong shape ({json_type(payload)} instead of a token object)")
        access = payload.get("access_token")
        if not isinstance(access, str) or not access:
            raise Malformed("JSON of the wrong shape (no access_token string)")
        expires_in = payload.get("expires_in")
        if expires_in is not None and (isinstance(expires_in, bool) or not isinstance(expires_in, (int, float))):
            raise Malformed("JSON of the wrong shape (expires_in is not a number of seconds)")
        return payload


def token_claims(access_token: str | None) -> dict[str, Any]:
    """The (unverified) claims of a JWT-shaped access token, or ``{}`` if it is opaque.

    Used only to show who is signed in; nothing trusts these claims.
    """
    if not access_token or access_token.count(".") != 2:
        return {}
    payload = access_token.split(".")[1]
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}
