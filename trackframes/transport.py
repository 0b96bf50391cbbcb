"""HTTP transport: a configured ``requests.Session``, retries, time bounds and error mapping.

One :meth:`Transport.request` sends a request until it has a whole answer:

* **Retries.** 429 honours ``Retry-After`` (capped at :data:`RETRY_AFTER_MAX`
  seconds per wait); 502/503/504, connection resets (also while the body is
  arriving) and timeouts back off exponentially with jitter. Reads are
  idempotent, so POSTed searches and summaries are retried too. The policy and
  its counting are ``urllib3.Retry``'s; this module only drives it, because
  body reads and deadlines happen above urllib3.
* **Time.** ``timeout`` bounds each attempt as a whole (connecting, waiting and
  receiving the body, however slowly it trickles), and the call's
  :class:`~trackframes.deadline.Deadline` bounds all attempts and waits together.
* **Redirects** are never followed: a site that redirects (``http://`` to
  ``https://``) gets a :class:`~trackframes.TransportError` naming the URL to use.
* **TLS.** ``verify`` is passed with every request, so ``REQUESTS_CA_BUNDLE``
  and ``CURL_CA_BUNDLE`` cannot override it (requests issue 3829); with
  ``verify=True`` they apply as usual.
* **Secrets** reach the wire through :class:`HeaderAuth` and :class:`SecretForm`,
  which reveal them only while the request is being prepared; afterwards the
  response's copy of the request forgets them.

The test seam is :class:`HandlerAdapter`: a fake server is just a callable,
mounted in place of the network::

    >>> from trackframes.transport import HandlerAdapter, Transport
    >>> t = Transport(adapter=HandlerAdapter(lambda req: (200, {}, b'{"ok": true}')))
    >>> t.request("GET", "https://example.invalid/api").json()
    {'ok': True}
"""

from __future__ import annotations

import gzip
import logging
import time
import zlib
from typing import Any, Callable, Mapping

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.auth import AuthBase
from urllib3 import Timeout
from urllib3 import exceptions as u3
from urllib3.util.retry import Retry

from ._version import __version__
from .auth import Secret
from .deadline import DEFAULT_DEADLINE, Deadline, current
from .exceptions import RateLimitError, TrackframesError, TransportError
from .failures import Failure, classify
from .urls import origin, path_of

__all__ = ["Transport", "HandlerAdapter", "HeaderAuth", "SecretForm", "make_retry", "RETRY_STATUSES",
           "RETRY_AFTER_MAX"]

log = logging.getLogger("trackframes.http")

RETRY_STATUSES = (429, 502, 503, 504)
#: Longest single wait a ``Retry-After`` header can impose (seconds). A longer
#: request is honoured up to this cap, unless it outlasts the call's deadline:
#: then the call stops at once with a :class:`~trackframes.RateLimitError`.
RETRY_AFTER_MAX = 120.0
USER_AGENT = f"trackframes/{__version__} requests/{requests.__version__}"
_READ_CHUNK = 256 * 1024
_SECRET_HEADERS = ("Authorization", "Proxy-Authorization")


def make_retry(max_retries: int, backoff_factor: float = 0.25, backoff_max: float = 20.0) -> Retry:
    """The retry policy: 429 (honouring ``Retry-After``), 502/503/504, connection errors and timeouts."""
    return Retry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        allowed_methods=None,  # every method: our POSTs are reads (searches, summaries)
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        backoff_jitter=backoff_factor,
        respect_retry_after_header=True,
        raise_on_status=False,  # hand the last response back so its error objects can be reported
        raise_on_redirect=True,
    )


class HeaderAuth(AuthBase):
    """Sets one header (``Authorization`` by default) from a :class:`~trackframes.auth.Secret`.

    The value is revealed only while ``requests`` prepares the request.

    >>> from trackframes.auth import Secret
    >>> HeaderAuth(Secret("Bearer abc"))
    HeaderAuth(Authorization=***)
    """

    def __init__(self, value: Secret, name: str = "Authorization") -> None:
        self.value = value
        self.name = name

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self.name] = self.value.reveal()
        return request

    def __repr__(self) -> str:
        return f"HeaderAuth({self.name}=***)"


class SecretForm(AuthBase):
    """A form body (``application/x-www-form-urlencoded``) whose secret fields stay secret until sent.

    >>> from trackframes.auth import Secret
    >>> SecretForm({"grant_type": "password", "password": Secret("pw")})
    SecretForm(grant_type='password', password=***)
    """

    def __init__(self, fields: Mapping[str, "str | Secret"]) -> None:
        self.fields = dict(fields)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.prepare_body({k: v.reveal() if isinstance(v, Secret) else v for k, v in self.fields.items()}, None)
        return request

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}=***" if isinstance(v, Secret) else f"{k}={v!r}" for k, v in self.fields.items())
        return f"SecretForm({shown})"


class HandlerAdapter(BaseAdapter):
    """A ``requests`` adapter that answers with ``handler(prepared_request)``.

    The handler returns ``(status, headers, body_bytes)``, or raises a
    ``requests`` exception to stand for a network failure. Use it to put any
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


class _StatusOnly:
    """What ``Retry.increment`` needs to know about a response: its status."""

    def __init__(self, status: int) -> None:
        self.status = status

    def get_redirect_location(self) -> bool:
        return False


class Transport:
    """A pooled session with per-request timeouts, a per-call deadline and retries; knows no tracker.

    ``site`` (the site root URL) lets a redirect error name the root to use instead;
    ``retry_after_max`` caps each wait a ``Retry-After`` header asks for.
    """

    def __init__(
        self,
        *,
        timeout: float = 60.0,
        max_retries: int = 5,
        pool_size: int = 10,
        verify: bool | str = True,
        proxies: Mapping[str, str] | None = None,
        adapter: BaseAdapter | None = None,
        deadline: float = DEFAULT_DEADLINE,
        site: str | None = None,
        retry_after_max: float = RETRY_AFTER_MAX,
    ) -> None:
        self.timeout = float(timeout)
        self.max_retries = max_retries
        self.deadline = float(deadline)
        self.verify = verify
        self.proxies = dict(proxies) if proxies else None
        self.site = site
        self.retry_after_max = float(retry_after_max)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept-Encoding"] = "gzip, deflate"  # the encodings _decode knows
        self.session.verify = verify
        if self.proxies:
            self.session.proxies.update(self.proxies)
        if adapter is None:
            # no retries down in urllib3: request() retries, so that body reads and deadlines count too
            adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=Retry(0, read=False))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __repr__(self) -> str:
        return f"<Transport timeout={self.timeout:g} deadline={self.deadline:g}>"

    def new_deadline(self, what: str = "the call") -> Deadline:
        """A fresh :class:`~trackframes.deadline.Deadline` of ``connect(deadline=...)`` seconds."""
        return Deadline(self.deadline, what=what)

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None, data: Any = None,
                headers: Mapping[str, str] | None = None, auth: AuthBase | None = None,
                deadline: Deadline | None = None, what: str | None = None, timeout: float | None = None,
                **extra: Any) -> requests.Response:
        """Send one request, retrying as the policy allows, and return the whole answer.

        The answer's body is read before this returns. ``timeout`` overrides the
        transport's for this request; ``extra`` (``json=``, ``files=``...) goes to
        ``requests``. ``what`` names the request in messages. The deadline is
        ``deadline``, else the surrounding :func:`trackframes.deadline.scope`'s, else a new one.
        Failures without an HTTP answer raise :class:`~trackframes.TransportError`
        (:class:`~trackframes.failures.RequestTimeout`,
        :class:`~trackframes.deadline.DeadlineExceeded`); a 429/5xx that outlasts
        the retries is returned for the caller to report with its error objects.
        """
        what = what or f"{method} {path_of(url)}"
        deadline = deadline or current() or self.new_deadline(what)
        for reserved in ("stream", "allow_redirects", "verify", "proxies"):
            if reserved in extra:
                raise TypeError(f"Transport.request() sets {reserved}= itself; configure it on the Transport.")
        limit = self.timeout if timeout is None else float(timeout)
        send = {"params": params, "data": data, "headers": headers, "auth": auth, **extra}
        retry: Retry | None = make_retry(self.max_retries)
        attempts = 0
        doing, status = "sending the request", None
        while True:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise deadline.exceeded(_while(deadline, what, doing), status=status, url=path_of(url))
            attempts += 1
            started = time.monotonic()
            outcome = self._attempt(method, url, min(limit, remaining), send, what, limit)
            if isinstance(outcome, Failure):
                if outcome.timeout and remaining < limit:  # the deadline, not timeout=, cut it short
                    raise deadline.exceeded(_while(deadline, what, "waiting for an answer"), url=path_of(url)) \
                        from outcome.cause
                retry = _count(retry, method, url, outcome) if outcome.retryable else None
                if retry is None:
                    raise outcome.error(attempts=attempts, url=path_of(url)) from outcome.cause
                wait = retry.get_backoff_time()
                doing, status = f"retrying after this failure: {outcome.message.rstrip('.')}", None
                log.debug("%s: %s; retrying in %.2f s", what, outcome.kind, wait)
            else:
                response = outcome
                log.debug("%s -> %s in %.3f s", what, response.status_code, time.monotonic() - started)
                if response.is_redirect:
                    raise self._redirected(response, method, url)
                if response.status_code not in RETRY_STATUSES:
                    return response
                try:
                    retry = retry.increment(method, url, response=_StatusOnly(response.status_code))  # type: ignore
                except u3.MaxRetryError:
                    return response  # retries used up: the caller reports the answer with its error objects
                wait = self._wait_for(response, retry, deadline, what, url)
                doing, status = f"waiting to retry after HTTP {response.status_code}", response.status_code
            if wait >= deadline.remaining():
                raise deadline.exceeded(_while(deadline, what, doing), status=status, url=path_of(url))
            if wait > 0:
                time.sleep(wait)

    def close(self) -> None:
        self.session.close()

    # -- one attempt -----------------------------------------------------------------
    def _attempt(self, method: str, url: str, budget: float, send: dict[str, Any], what: str,
                 limit: float) -> requests.Response | Failure:
        """One try: the response with its whole body read within ``budget`` seconds, or why not."""
        end = time.monotonic() + budget
        verify = None if self.verify is True else self.verify  # None: REQUESTS_CA_BUNDLE may apply
        try:
            response = self.session.request(method, url, timeout=Timeout(total=budget), stream=True,
                                            allow_redirects=False, verify=verify,
                                            proxies=self.proxies, **send)
        except TrackframesError:
            raise  # raised by our own auth hook while preparing the request (an AuthError is an OSError too)
        except (requests.RequestException, u3.HTTPError, OSError, ValueError) as exc:
            failure = classify(exc, method=method, url=url, timeout=limit, verify=self.verify,
                               proxies=self.proxies, what=what)
        else:
            _forget_secrets(response.request, send["auth"])
            failure = self._read_body(response, end, method, url, what, limit)
            if failure is None:
                return response
        return failure

    def _read_body(self, response: requests.Response, end: float, method: str, url: str, what: str,
                   limit: float) -> Failure | None:
        """Read the whole body by ``end`` (monotonic), one socket read at a time."""
        raw = response.raw
        if response._content is not False or raw is None:  # already read (HandlerAdapter)
            return None
        sock = _socket_of(raw)
        before = sock.gettimeout() if sock is not None else None
        chunks: list[bytes] = []
        failure: Failure | None = None
        try:
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    raise u3.ReadTimeoutError(None, url, "the body did not arrive in time")  # type: ignore[arg-type]
                if sock is not None and _holds(raw):
                    sock.settimeout(max(left, 0.001))
                chunk = raw.read1(_READ_CHUNK, decode_content=False)
                if not chunk:
                    break
                chunks.append(chunk)
            body = _decode(b"".join(chunks), response.headers.get("Content-Encoding", ""))
        except (u3.HTTPError, OSError, ValueError) as exc:
            failure = classify(exc, method=method, url=url, timeout=limit, phase="body",
                               verify=self.verify, what=what)
        finally:
            # only while the response still holds its connection: once urllib3 has put it back in the
            # pool (at the end of the body), another thread may be using or closing that socket
            if sock is not None and _holds(raw):
                try:
                    sock.settimeout(before)
                except OSError:
                    pass
        if failure is not None:
            response.close()
            return failure
        response._content = body
        response._content_consumed = True  # type: ignore[attr-defined]
        raw.release_conn()
        return None

    # -- answers that are not the answer -----------------------------------------------
    def _wait_for(self, response: requests.Response, retry: Retry, deadline: Deadline, what: str, url: str) -> float:
        """Seconds to wait before retrying a 429/5xx; raise if the site asks for longer than the deadline allows."""
        asked = _retry_after(response, retry)
        if asked is None:
            return retry.get_backoff_time()
        left = deadline.remaining()
        if asked > left:
            status = response.status_code
            text = (f"{what}: the site asked to wait {asked:g} s before trying again (HTTP {status}, Retry-After), "
                    f"longer than the {max(left, 0):.0f} s left before the call's deadline of "
                    f"{deadline.seconds:g} s; try again later.")
            if status == 429:
                raise RateLimitError(text, retry_after=asked, status=status, url=path_of(url))
            raise deadline.exceeded(_while(deadline, what, f"asked to wait {asked:g} s (HTTP {status}, Retry-After)"),
                                    status=status, url=path_of(url))
        return min(asked, self.retry_after_max)

    def _redirected(self, response: requests.Response, method: str, url: str) -> TransportError:
        location = requests.compat.urljoin(url, response.headers.get("Location", ""))
        status = response.status_code
        response.close()
        target = origin(location) + path_of(location)
        hint = f"check the site URL (it redirected to {target})"
        if self.site and url.startswith(self.site):
            rest = path_of(url)[len(path_of(self.site)):]
            if rest and path_of(location).endswith(rest):
                new_site = origin(location) + path_of(location)[: len(path_of(location)) - len(rest)]
                hint = f"use that URL: tf.connect({new_site!r}, ...)"
                target = new_site
        return TransportError(f"The site redirected {method} {path_of(url)} to {target} (HTTP {status}); {hint}. "
                              "API requests do not follow redirects, because a redirected POST loses its body.",
                              status=status, url=path_of(url))


def _while(deadline: Deadline, what: str, doing: str) -> str:
    """What was going on when the deadline passed, without naming the call twice."""
    return doing if deadline.what == what else f"{what} was {doing}"


def _count(retry: Retry | None, method: str, url: str, failure: Failure) -> Retry | None:
    """The policy after counting ``failure``, or ``None`` when no retry is left."""
    if retry is None:
        return None
    marker: Exception = u3.ConnectTimeoutError() if failure.kind in ("connect", "connect_timeout", "dns", "proxy") \
        else u3.ProtocolError(failure.kind)
    try:
        return retry.increment(method, url, error=marker)
    except (u3.MaxRetryError, u3.HTTPError):
        return None


def _retry_after(response: requests.Response, retry: Retry) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None or response.status_code not in Retry.RETRY_AFTER_STATUS_CODES:
        return None
    try:
        return float(retry.parse_retry_after(value))
    except (u3.InvalidHeader, ValueError, OverflowError):
        return None


def _holds(raw: Any) -> bool:
    """Whether the urllib3 response still holds its connection (not yet released to the pool)."""
    return getattr(raw, "_connection", None) is not None


def _socket_of(raw: Any) -> Any:
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    return sock if sock is not None and hasattr(sock, "settimeout") else None


def _decode(body: bytes, encoding: str) -> bytes:
    """Undo ``Content-Encoding`` (gzip, deflate; applied in order, so undone in reverse)."""
    for name in reversed([e.strip().lower() for e in encoding.split(",") if e.strip()]):
        problem = None
        try:
            if name in ("gzip", "x-gzip"):
                body = gzip.decompress(body)
            elif name == "deflate":
                body = _inflate(body)
            elif name != "identity":
                problem = f"unsupported Content-Encoding {name!r}"
        except (OSError, EOFError, zlib.error) as exc:
            problem = f"a broken {name} body ({type(exc).__name__})"
        if problem:
            raise u3.DecodeError(problem)
    return body


def _inflate(body: bytes) -> bytes:
    try:
        return zlib.decompress(body)
    except zlib.error:
        return zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send it


def _forget_secrets(request: requests.PreparedRequest | None, auth: Any) -> None:
    """Drop what the auth objects put on the request, now that it has been sent."""
    if request is None:
        return
    for name in _SECRET_HEADERS:
        request.headers.pop(name, None)
    if isinstance(auth, HeaderAuth):  # a secret in a header of its own name (an API key header)
        request.headers.pop(auth.name, None)
    if isinstance(auth, SecretForm):
        request.body = None
