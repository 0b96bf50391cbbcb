"""The sandbox's HTTP server for the ShotGrid REST API v1.1.

Standard library ``ThreadingHTTPServer`` speaking HTTP/1.1 with keep-alive, one
daemon thread per connection, bound to 127.0.0.1 only. The endpoints themselves
live in :mod:`.routes`; this module reads requests, applies the ``latency`` knob,
writes JSON answers (``orjson``) and counts them.

>>> from trackframes.sandbox.shotgrid.server import ShotGridServer  # doctest: +SKIP
>>> server = ShotGridServer(store).start()                            # doctest: +SKIP
>>> server.url                                                        # doctest: +SKIP
'http://127.0.0.1:54321'
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import unquote

import orjson

from .model import Store
from ..loopback import check_host
from .accounts import active_login, build_credentials
from .auth import TokenService
from .exchange import Request, Response
from .knobs import Knobs, Stats
from .params import QueryString
from .problems import TITLES, ApiError, error_object
from .routes import ShotGridApi

__all__ = ["ShotGridServer", "check_host", "MAX_BODY"]

log = logging.getLogger("trackframes.sandbox")

#: Largest request body accepted (bytes).
MAX_BODY = 16 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, hands it to the API, writes the JSON answer."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "trackframes-sandbox"
    sys_version = ""
    server: "_HTTPServer"

    def _serve(self) -> None:
        app = self.server.app
        self.server.stats.bump("requests")
        try:
            body = self._read_body()
        except ApiError as exc:
            self.close_connection = True
            self._write(Response(exc.status, exc.body(), exc.headers))
            return
        latency = self.server.knobs.latency
        if latency:
            time.sleep(latency)
        raw_path, _, query = self.path.partition("?")
        try:
            path = unquote(raw_path, errors="strict")
            qs = QueryString.parse(query)
        except (UnicodeDecodeError, ApiError):
            self._write(Response(400, {"errors": [error_object(400, "The URL is not valid UTF-8")]}))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = app.handle(Request(self.command, path, qs, headers, body))
        self._write(response)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
            if length < 0:
                raise ValueError
        except ValueError:
            raise ApiError.single(400, f"Invalid Content-Length {raw!r}") from None
        if length > MAX_BODY:
            raise ApiError.single(413, f"Request bodies are limited to {MAX_BODY} bytes")
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise ApiError.single(400, "Malformed chunked body") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise ApiError.single(413, f"Request bodies are limited to {MAX_BODY} bytes")
            parts.append(self.rfile.read(size))
            self.rfile.readline(16)

    def _write(self, response: Response) -> None:
        payload = response.body if isinstance(response.body, bytes) else orjson.dumps(
            response.body, option=orjson.OPT_NON_STR_KEYS)
        status = response.status
        if status == 429:
            self.server.stats.bump("rate_limited")
        elif status >= 500:
            self.server.stats.bump("server_errors")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level failures (bad request line, unknown method...) as JSON error objects."""
        self.close_connection = True
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.1"  # answer with a status line and headers anyway
        if not hasattr(self, "command"):
            self.command = ""
        self.server.stats.bump("requests")
        detail = message or TITLES.get(code, "Error")
        body = {"errors": [error_object(code, detail)]}
        try:
            self._write(Response(code, body))
        except OSError:
            pass

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base class name
        log.debug("%s - %s", self.address_string(), format % args)


class _HTTPServer(ThreadingHTTPServer):
    """Threading server that remembers its open connections so it can close them."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: ShotGridApi, knobs: Knobs, stats: Stats) -> None:
        self.app = app
        self.knobs = knobs
        self.stats = stats
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
            self._open.clear()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("sandbox: connection error from %s", client_address, exc_info=True)


class ShotGridServer:
    """A ShotGrid REST API v1.1 server over one store, on a background thread.

    Args:
        store: the production to serve.
        host: ``"127.0.0.1"`` (or ``"localhost"``); anything else is a ``ValueError``.
        port: TCP port; 0 picks a free one.
        knobs: behaviour switches (a new default ``Knobs`` when omitted).
        script_name: the API script name clients authenticate with.
        script_key: its key; a random one when ``None``.
        make_record: values of a new record for the mutation knobs
            (``trackframes.sandbox.shotgrid.new_records.make_record`` when omitted).
    """

    def __init__(self, store: Store, *, host: str = "127.0.0.1", port: int = 0, knobs: Knobs | None = None,
                 script_name: str = "trackframes_sandbox", script_key: str | None = None,
                 make_record: Callable[..., dict[str, Any]] | None = None) -> None:
        self.host = check_host(host)
        self.store = store
        self.knobs = knobs if knobs is not None else Knobs()
        self.stats = Stats()
        self._credentials, self.credentials = build_credentials(store, script_name, script_key)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port = port
        self._make_record = make_record

    def __repr__(self) -> str:
        state = self.url if self._httpd is not None else "stopped"
        return f"ShotGridServer({state})"

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """The site root, e.g. ``http://127.0.0.1:54321`` (the API is under ``/api/v1.1``)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ShotGridServer":
        """Bind and start serving on a daemon thread; returns ``self``."""
        if self._httpd is not None:
            return self
        knobs = self.knobs
        tokens = TokenService(
            self._credentials,
            issuer="pending",
            user_exists=lambda login: active_login(self.store, login),
            lifetimes=lambda: (knobs.token_lifetime, knobs.refresh_token_lifetime),
        )
        app = ShotGridApi(self.store, tokens, knobs, self.stats, self._make_record)
        httpd = _HTTPServer((self.host, self._port), app, knobs, self.stats)
        tokens.issuer = f"{self.host}:{httpd.server_address[1]}"
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"trackframes-sandbox-{httpd.server_address[1]}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and free the port."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = self._thread = None
        httpd.shutdown()
        httpd.server_close()
        httpd.close_connections()
        if thread is not None:
            thread.join(timeout=5)
