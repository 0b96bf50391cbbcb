"""HTTP transport: a configured ``requests.Session`` plus error mapping.

Retries are ``urllib3.Retry``'s job, not a hand-written loop: 429 honours
``Retry-After``; 502/503/504 and connection resets back off exponentially
with jitter, capped. Every request has a timeout. Reads are idempotent, so
POSTed searches and summaries are retried too.

The test seam is :class:`HandlerAdapter`: a fake server is just a callable,
mounted in place of the network::

    >>> from trackframes.transport import HandlerAdapter, Transport
    >>> t = Transport(adapter=HandlerAdapter(lambda req: (200, {}, b'{"ok": true}')))
    >>> t.request("GET", "https://example.invalid/api").json()
    {'ok': True}
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Mapping

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.util.retry import Retry

from ._version import __version__
from .exceptions import TransportError

__all__ = ["Transport", "HandlerAdapter", "make_retry", "RETRY_STATUSES"]

log = logging.getLogger("trackframes.http")

RETRY_STATUSES = (429, 502, 503, 504)
USER_AGENT = f"trackframes/{__version__} requests/{requests.__version__}"


def make_retry(max_retries: int, backoff_factor: float = 0.25, backoff_max: float = 20.0) -> Retry:
    """The retry policy: 429 (honouring ``Retry-After``), 502/503/504 and connection errors."""
    return Retry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        allowed_methods=None,  # every method: our POSTs are reads (_search, _summarize)
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        backoff_jitter=backoff_factor,
        respect_retry_after_header=True,
        raise_on_status=False,  # hand the last response back so its error objects can be reported
        raise_on_redirect=True,
    )


class HandlerAdapter(BaseAdapter):
    """A ``requests`` adapter that answers with ``handler(prepared_request)``.

    The handler returns ``(status, headers, body_bytes)``. Use it to put any
    fake server behind a :class:`Transport` without sockets.
    """

    def __init__(self, handler: Callable[[requests.PreparedRequest], tuple[int, Mapping[str, str], bytes]]):
        super().__init__()
        self.handler = handler

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # noqa: D102
        status, headers, body = self.handler(request)
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers)
        response._content = body
        response.url = request.url or ""
        response.request = request
        response.reason = requests.status_codes._codes.get(status, ("",))[0].upper()  # type: ignore[attr-defined]
        return response

    def close(self) -> None:  # noqa: D102
        pass


class Transport:
    """A pooled session with timeouts and retries; knows nothing about any tracker."""

    def __init__(
        self,
        *,
        timeout: float = 60.0,
        max_retries: int = 5,
        pool_size: int = 10,
        verify: bool | str = True,
        proxies: Mapping[str, str] | None = None,
        adapter: BaseAdapter | None = None,
    ) -> None:
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.verify = verify
        if proxies:
            self.session.proxies.update(proxies)
        if adapter is None:
            adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=make_retry(max_retries))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __repr__(self) -> str:
        return f"<Transport timeout={self.timeout}>"

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send one request; connection, TLS and timeout failures become :class:`TransportError`."""
        kwargs.setdefault("timeout", self.timeout)
        started = time.perf_counter()
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise TransportError(
                f"TLS verification failed for {_host(url)}. If the site uses a private certificate "
                "authority, pass verify='/path/to/ca-bundle.pem' (verification stays on by default).",
                url=_path(url),
            ) from _scrub(exc)
        except requests.exceptions.Timeout as exc:
            raise TransportError(
                f"{method} {_path(url)} timed out after {kwargs['timeout']} s; raise timeout= if the site is slow.",
                url=_path(url),
            ) from _scrub(exc)
        except requests.exceptions.ConnectionError as exc:
            raise TransportError(
                f"Could not reach {_host(url)} ({type(exc).__name__}); check the URL and the network.",
                url=_path(url),
            ) from _scrub(exc)
        except requests.exceptions.RequestException as exc:
            raise TransportError(f"{method} {_path(url)} failed: {type(exc).__name__}", url=_path(url)) from _scrub(exc)
        log.debug("%s %s -> %s in %.3f s", method, _path(url), response.status_code, time.perf_counter() - started)
        return response

    def close(self) -> None:
        self.session.close()


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def _path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def _scrub(exc: BaseException) -> BaseException:
    """Detach the request (and so its headers) from a requests exception before chaining it."""
    for attr in ("request", "response"):
        if getattr(exc, attr, None) is not None:
            try:
                setattr(exc, attr, None)
            except AttributeError:  # pragma: no cover
                pass
    return exc
