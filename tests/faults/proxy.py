"""A fault-injecting HTTP proxy on 127.0.0.1, in front of a sandbox (or any HTTP server).

The client talks to the proxy as if it were the site; the proxy forwards each
request to the upstream server and hands the answer back, unless a rule says
otherwise::

    with FaultProxy(sb.url) as proxy:
        proxy.add(trickle(interval=0.5), path="/_search", times=1)
        site = tf.connect(proxy.url, auth=sb.auth)

A rule is an *action* (a function of one :class:`Exchange`) with an optional
``path`` substring, ``method`` and number of ``times``; the first rule that
matches and has times left handles the request, anything else is passed
through. Actions for the usual faults are below; a new fault is a new function
(``def action(ex: Exchange) -> None``) using :meth:`Exchange.forward`,
:meth:`Exchange.respond`, :meth:`Exchange.send` and :meth:`Exchange.reset`.

``tls=`` (an ``ssl.SSLContext`` with a certificate loaded) makes it an HTTPS
front for a plain-HTTP upstream. Every request seen is recorded in
``proxy.seen`` as ``(method, path, headers, body)``, ``proxy.wire`` holds the
raw bytes each request arrived as, and ``proxy.answers`` the ``(path, body)``
of each answer fetched from upstream.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable
from urllib.parse import urlsplit

__all__ = ["FaultProxy", "Exchange", "Rule", "passthrough", "reset_mid_body", "reset_before_answer", "trickle",
           "retry_after", "hang", "delay", "respond_with", "redirect", "FullBacklog"]

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "te", "upgrade"}


@dataclass
class Upstream:
    """The upstream server's answer."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Exchange:
    """One request on its way through the proxy, and the means to answer it."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes
    client: socket.socket
    proxy: "FaultProxy"
    upstream: http.client.HTTPConnection
    keep_alive: bool = True

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def forward(self, *, body: bytes | None = None, path: str | None = None) -> Upstream:
        """Send the request (or a changed ``body``/``path``) upstream and return the whole answer."""
        headers = {k: v for k, v in self.headers if k.lower() not in _HOP and k.lower() != "host"}
        payload = self.body if body is None else body
        self.upstream.request(self.method, path or self.path, body=payload, headers=headers)
        answer = self.upstream.getresponse()
        data = answer.read()
        with self.proxy._lock:
            self.proxy.answers.append((self.path, data))
        return Upstream(answer.status, answer.reason, list(answer.getheaders()), data)

    def head(self, status: int, reason: str, headers: Iterable[tuple[str, str]], length: int) -> bytes:
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP]
        lines += [f"Content-Length: {length}", "Connection: keep-alive" if self.keep_alive else "Connection: close"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def respond(self, status: int, headers: Iterable[tuple[str, str]] = (), body: bytes = b"",
                reason: str | None = None) -> None:
        """Answer at once, in one piece."""
        reason = reason or http.client.responses.get(status, "")
        self.send(self.head(status, reason, list(headers), len(body)) + body)

    def relay(self, answer: Upstream) -> None:
        self.respond(answer.status, answer.headers, answer.body, answer.reason)

    def send(self, data: bytes) -> None:
        self.client.sendall(data)

    def reset(self) -> None:
        """Drop the connection with a TCP reset (RST), as a crashed server or middlebox does."""
        self.keep_alive = False
        try:
            self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.client.close()

    def wait(self, seconds: float) -> bool:
        """Sleep, or return True at once when the proxy is closing."""
        return self.proxy._stop.wait(seconds)


Action = Callable[[Exchange], None]


@dataclass
class Rule:
    """``action`` for requests whose path contains ``path`` (and whose method is ``method``), ``times`` times."""

    action: Action
    path: str | None = None
    method: str | None = None
    times: int | None = None
    hits: int = 0

    def matches(self, ex: Exchange) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and ex.method != self.method:
            return False
        return self.path is None or self.path in ex.path


# -- actions ------------------------------------------------------------------------------
def passthrough(ex: Exchange) -> None:
    ex.relay(ex.forward())


def reset_mid_body(fraction: float = 0.5) -> Action:
    """Send the headers (with the full Content-Length) and part of the body, then reset."""

    def action(ex: Exchange) -> None:
        answer = ex.forward()
        cut = max(1, int(len(answer.body) * fraction))
        ex.send(ex.head(answer.status, answer.reason, answer.headers, len(answer.body)) + answer.body[:cut])
        time.sleep(0.05)
        ex.reset()

    return action


def reset_before_answer(ex: Exchange) -> None:
    """Read the request, then reset the connection without a word."""
    ex.reset()


def trickle(interval: float = 0.5, step: int = 1) -> Action:
    """Send the headers at once, then the body ``step`` bytes every ``interval`` seconds."""

    def action(ex: Exchange) -> None:
        answer = ex.forward()
        ex.send(ex.head(answer.status, answer.reason, answer.headers, len(answer.body)))
        for at in range(0, len(answer.body), step):
            if ex.wait(interval):
                ex.reset()
                return
            ex.send(answer.body[at:at + step])

    return action


def retry_after(seconds: int | str, status: int = 429) -> Action:
    """Answer ``status`` (429) with ``Retry-After: seconds`` and a JSON:API error body."""

    def action(ex: Exchange) -> None:
        body = (b'{"errors": [{"status": %d, "code": 0, "title": "Too Many Requests", '
                b'"detail": "slow down"}]}' % status)
        ex.respond(status, [("Retry-After", str(seconds)), ("Content-Type", "application/json")], body)

    return action


def hang(ex: Exchange) -> None:
    """Take the request and never answer (until the proxy closes)."""
    ex.keep_alive = False
    ex.wait(3600)
    ex.reset()


def delay(seconds: float, then: "Action | None" = None) -> Action:
    """Wait ``seconds`` before handling the request (by passing it through, or with ``then``)."""

    def action(ex: Exchange) -> None:
        if ex.wait(seconds):
            ex.reset()
            return
        (then or passthrough)(ex)

    return action


def respond_with(status: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()) -> Action:
    """Answer with a fixed status, headers and body, without asking upstream."""
    fixed = list(headers)

    def action(ex: Exchange) -> None:
        ex.respond(status, fixed, body)

    return action


def redirect(status: int, location: str) -> Action:
    """Answer ``status`` (301/302/307/308) pointing at ``location``."""
    return respond_with(status, b"", [("Location", location), ("Content-Type", "text/html")])


# -- the proxy ----------------------------------------------------------------------------
@dataclass
class _Seen:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes


class FaultProxy:
    """A threaded proxy on 127.0.0.1 in front of ``upstream`` (``http://host:port``)."""

    def __init__(self, upstream: str, *, tls: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.tls = tls
        self.rules: list[Rule] = []
        self.seen: list[_Seen] = []
        self.wire: list[bytes] = []
        self.answers: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._clients: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._acceptor = threading.Thread(target=self._accept, name="fault-proxy-accept", daemon=True)
        self._acceptor.start()

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<FaultProxy {self.url} -> {self.upstream_host}:{self.upstream_port}, {len(self.rules)} rule(s)>"

    def add(self, action: Action, *, path: str | None = None, method: str | None = None,
            times: int | None = None) -> Rule:
        """Apply ``action`` to matching requests (all of them when ``times`` is None)."""
        rule = Rule(action, path, method, times)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def requests_to(self, path: str) -> int:
        with self._lock:
            return sum(path in s.path for s in self.seen)

    def close(self) -> None:
        self._stop.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        try:
            self._listener.close()
        except OSError:
            pass
        with self._lock:
            clients = list(self._clients)
        for sock in clients:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._acceptor.join(5)
        for thread in list(self._threads):
            thread.join(5)

    # -- internals ------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), name="fault-proxy-conn", daemon=True)
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        if self.tls is not None:
            try:
                sock.settimeout(10)
                sock = self.tls.wrap_socket(sock, server_side=True)
                sock.settimeout(None)
            except (OSError, ssl.SSLError):
                sock.close()
                return
        with self._lock:
            self._clients.add(sock)
        upstream = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        reader = sock.makefile("rb")
        try:
            while not self._stop.is_set():
                request = _read_request(reader)
                if request is None:
                    return
                method, path, headers, body, raw = request
                ex = Exchange(method, path, headers, body, sock, self, upstream)
                with self._lock:
                    self.seen.append(_Seen(method, path, headers, body))
                    self.wire.append(raw)
                    rule = next((r for r in self.rules if r.matches(ex)), None)
                    if rule is not None:
                        rule.hits += 1
                (rule.action if rule else passthrough)(ex)
                if not ex.keep_alive:
                    return
        except (OSError, http.client.HTTPException):
            return
        finally:
            with self._lock:
                self._clients.discard(sock)
            upstream.close()
            try:
                reader.close()
                sock.close()
            except OSError:
                pass


def _read_request(reader) -> tuple[str, str, list[tuple[str, str]], bytes, bytes] | None:
    line = reader.readline(65537)
    if not line:
        return None
    raw = [line]
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: list[tuple[str, str]] = []
    while True:
        line = reader.readline(65537)
        raw.append(line)
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    lowered = {k.lower(): v for k, v in headers}
    if "chunked" in lowered.get("transfer-encoding", "").lower():
        parts = []
        while True:
            size_line = reader.readline(1024)
            raw.append(size_line)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                raw.append(reader.readline(1024))
                break
            chunk = reader.read(size)
            raw.append(chunk + reader.readline(16))
            parts.append(chunk)
        body = b"".join(parts)
    else:
        body = reader.read(int(lowered.get("content-length") or 0))
        raw.append(body)
    return method, path, headers, body, b"".join(raw)


class FullBacklog:
    """A port on 127.0.0.1 whose accept queue is full, so that new connections never complete.

    Connecting to :attr:`url` hangs until the client's connect timeout, as with a
    firewall that drops packets.
    """

    def __init__(self, fillers: int = 4) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._fillers = []
        for _ in range(fillers):
            sock = socket.socket()
            sock.setblocking(False)
            try:
                sock.connect(("127.0.0.1", self.port))
            except BlockingIOError:
                pass
            self._fillers.append(sock)
        time.sleep(0.1)

    def __enter__(self) -> "FullBacklog":
        return self

    def __exit__(self, *exc: object) -> None:
        for sock in self._fillers:
            sock.close()
        self._listener.close()
