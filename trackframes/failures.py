"""Why a request got no usable answer, in words a user can act on.

:func:`classify` turns whatever ``requests``, ``urllib3`` or ``ssl`` raised into
a :class:`Failure`: a kind, whether another attempt may help, and the message
of the :class:`~trackframes.TransportError` to raise if it persists.

The original exception is reduced to a :class:`LowLevelError` (its type and
message, without traceback or request object) before it is chained, so nothing
that went out with the request, such as an ``Authorization`` header or a token
request body, survives in an error chain or in a traceback's frames.

>>> import requests
>>> from trackframes.failures import classify
>>> f = classify(requests.ConnectTimeout("x"), method="GET", url="https://a.example.com/api/v1.1/schema", timeout=5)
>>> f.kind, f.retryable
('connect_timeout', True)
>>> print(f.message)
Could not connect to https://a.example.com within 5 s (timeout=5); check the URL, the network and any proxy.
"""

from __future__ import annotations

import os
import socket
import ssl
from dataclasses import dataclass
from typing import Any

import requests
from urllib3 import exceptions as u3

from .exceptions import TransportError
from .urls import origin, path_of, redact

__all__ = ["Failure", "LowLevelError", "RequestTimeout", "classify", "ca_source"]

# OpenSSL's words for "the other end answered, but not with TLS"
_NOT_TLS_REASONS = {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG",
                    "UNKNOWN_PROTOCOL", "WRONG_SSL_VERSION"}
_NOT_TLS_WORDS = ("wrong version number", "record layer failure", "http request", "packet length too long",
                  "unknown protocol")


class RequestTimeout(TransportError, TimeoutError):
    """One request took longer than ``timeout`` seconds (connecting, or receiving the whole answer).

    It is a :class:`~trackframes.TransportError` and a builtin ``TimeoutError``.
    """


class LowLevelError(Exception):
    """The original error of a failed request, reduced to its type and message."""

    @classmethod
    def of(cls, exc: BaseException) -> "LowLevelError":
        kind = f"{type(exc).__module__}.{type(exc).__qualname__}"
        return cls(f"{kind}: {redact(str(exc))}"[:1000])


@dataclass
class Failure:
    """A request that got no usable answer: ``kind``, whether to retry, and what to tell the user."""

    kind: str
    retryable: bool
    message: str
    cause: LowLevelError | None = None
    timeout: bool = False

    def error(self, *, attempts: int = 1, url: str | None = None) -> TransportError:
        """The error to raise when this failure is the last word (``attempts`` tried)."""
        tries = f" ({attempts} attempts)" if attempts > 1 else ""
        cls = RequestTimeout if self.timeout else TransportError
        return cls(self.message + tries, url=url)


def classify(exc: BaseException, *, method: str, url: str, timeout: float, phase: str = "send",
             verify: bool | str | None = True, proxies: Any = None, what: str | None = None) -> Failure:
    """What went wrong, from an exception raised while sending (``phase="send"``) or reading the body.

    ``what`` names the request in messages (default: method and path).
    """
    where, doing = origin(url), what or f"{method} {path_of(url)}"
    cause = LowLevelError.of(exc)
    tls = _find(exc, ssl.SSLError)
    if tls is not None and phase == "body":  # TLS broke mid-answer: the connection broke
        return Failure("body_reset", True, f"The connection to {where} broke while the answer to {doing} was "
                       f"arriving ({_innermost(exc)}).", cause)
    if tls is not None or isinstance(exc, requests.exceptions.SSLError) or _find(exc, u3.SSLError) is not None:
        return _tls(tls or exc, where, verify, cause)
    if isinstance(exc, requests.exceptions.ProxyError) or _find(exc, u3.ProxyError) is not None:
        proxy = _proxy_for(url, proxies)
        return Failure("proxy", True, f"Could not connect to {where} through the proxy{proxy} "
                       f"({_innermost(exc)}); check the proxy settings (proxies=, HTTPS_PROXY).", cause)
    if _find(exc, u3.NameResolutionError) is not None:
        return Failure("dns", True, f"Could not resolve the host name of {where}; check the site URL.", cause)
    if _find(exc, u3.NewConnectionError) is not None:
        refused = _find(exc, ConnectionRefusedError) is not None or "refused" in str(exc).lower()
        detail = "connection refused" if refused else _innermost(exc)
        return Failure("connect", True, f"Could not connect to {where} ({detail}); check the URL and that the "
                       "site is up.", cause)
    if isinstance(exc, requests.exceptions.ConnectTimeout) or _find(exc, u3.ConnectTimeoutError) is not None:
        return Failure("connect_timeout", True, f"Could not connect to {where} within {timeout:g} s "
                       f"(timeout={timeout:g}); check the URL, the network and any proxy.", cause, timeout=True)
    if (isinstance(exc, (requests.exceptions.ReadTimeout, socket.timeout))
            or _find(exc, u3.ReadTimeoutError) is not None):
        if phase == "body":
            text = (f"{doing} timed out: the answer was still arriving when timeout={timeout:g} s (for the whole "
                    "request) ran out; raise timeout= if the site is slow.")
        else:
            text = (f"{doing} timed out: no answer from {where} within timeout={timeout:g} s; raise timeout= "
                    "if the site is slow.")
        return Failure("timeout", True, text, cause, timeout=True)
    if isinstance(exc, requests.exceptions.ContentDecodingError) or _find(exc, u3.DecodeError) is not None:
        return Failure("decode", False, f"The answer to {doing} could not be decompressed ({_innermost(exc)}).",
                       cause)
    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                        u3.ProtocolError, ConnectionError)):
        if phase == "body":
            text = f"The connection to {where} broke while the answer to {doing} was arriving ({_innermost(exc)})."
            return Failure("body_reset", True, text, cause)
        return Failure("reset", True, f"The connection to {where} closed before {doing} got an answer "
                       f"({_innermost(exc)}).", cause)
    return Failure("other", False, f"{doing} failed: {type(exc).__name__}: {redact(str(exc))[:300]}", cause)


def ca_source(verify: bool | str | None) -> str:
    """Which certificate authorities a request with ``verify`` trusts, in words."""
    if isinstance(verify, str):
        return f"the CA bundle verify={verify!r}"
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if os.environ.get(name):
            return f"the CA bundle in {name}={os.environ[name]!r}"
    return "the default CA bundle (certifi)"


def _tls(tls: BaseException, where: str, verify: bool | str | None, cause: LowLevelError) -> Failure:
    reason = str(getattr(tls, "reason", None) or "").upper()
    text = str(tls)
    low = text.lower()
    if isinstance(tls, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in reason \
            or "certificate verify failed" in low:
        detail = str(getattr(tls, "verify_message", None) or "certificate verify failed")
        if "mismatch" in detail.lower():
            message = (f"TLS certificate verification failed for {where}: the certificate is not valid for that "
                       f"host name ({detail.rstrip('.')}). Use the host name the certificate was issued for.")
        else:
            message = (f"TLS certificate verification failed for {where}: {detail} (checked against "
                       f"{ca_source(verify)}). If the site uses a private certificate authority, pass "
                       "verify='/path/to/ca-bundle.pem' (verification stays on by default).")
        return Failure("tls_verify", False, message, cause)
    if reason in _NOT_TLS_REASONS or any(word in low for word in _NOT_TLS_WORDS):
        why = reason.lower().replace("_", " ") or next(w for w in _NOT_TLS_WORDS if w in low)
        return Failure("not_tls", False, f"{where} does not speak TLS: the https:// URL points at a port that "
                       f"answers in plain HTTP ({why}). Use http:// if that server really is plain HTTP (such as "
                       "a local sandbox), or the site's HTTPS address.", cause)
    return Failure("tls", False, f"The TLS handshake with {where} failed ({reason.lower() or _innermost(tls)}).",
                   cause)


def _find(exc: BaseException, cls: type | tuple[type, ...], depth: int = 6) -> Any:
    """The first exception of type ``cls`` in ``exc``'s args, ``reason``, cause and context."""
    seen: set[int] = set()
    todo = [(exc, 0)]
    while todo:
        item, level = todo.pop(0)
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, cls):
            return item
        if level >= depth:
            continue
        nested = [a for a in getattr(item, "args", ()) if isinstance(a, BaseException)]
        for extra in (getattr(item, "reason", None), getattr(item, "original_error", None),
                      item.__cause__, item.__context__):
            if isinstance(extra, BaseException):
                nested.append(extra)
        todo += [(n, level + 1) for n in nested]
    return None


def _innermost(exc: BaseException) -> str:
    """A short name for the deepest error behind ``exc`` (``ConnectionResetError``, ``IncompleteRead``...)."""
    best = exc
    for _ in range(8):
        nested = [a for a in getattr(best, "args", ()) if isinstance(a, BaseException)]
        reason = getattr(best, "reason", None)
        nxt = reason if isinstance(reason, BaseException) else (nested[0] if nested else best.__cause__)
        if nxt is None or nxt is best:
            break
        best = nxt
    return type(best).__name__


def _proxy_for(url: str, proxies: Any) -> str:
    if isinstance(proxies, dict):
        scheme = url.split("://", 1)[0]
        proxy = proxies.get(scheme) or proxies.get("all")
        if proxy:
            return f" {origin(proxy)}"
    return ""
