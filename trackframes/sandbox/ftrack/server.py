"""The ftrack sandbox's HTTP server: ``POST /api`` on 127.0.0.1, over a :class:`~.store.Store`.

Standard library ``ThreadingHTTPServer`` (HTTP/1.1, keep-alive, one daemon
thread per connection), bound to the loopback interface only. It reads the
body, applies the ``latency`` knob and hands the batch to :class:`~.api.FtrackApi`.

>>> from trackframes.sandbox.ftrack.schemas import standard_schemas, standard_relations
>>> from trackframes.sandbox.ftrack.store import Store
>>> import requests
>>> store = Store(standard_schemas(), {"User": [{"id": "u1", "username": "jane"}]}, standard_relations())
>>> with FtrackServer(store) as server:
...     creds = server.credentials
...     answer = requests.post(server.url + "/api", json=[{"action": "query_server_information"}],
...                            headers={"ftrack-user": creds["api_user"], "ftrack-api-key": creds["api_key"]},
...                            timeout=10).json()
>>> answer[0]["version"], answer[0]["schema_hash"] == store.schema_hash, creds["api_user"]
('4.13.8.1234', True, 'jane')
>>> "api_key" in repr(server) or creds["api_key"] in repr(server)
False
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from ..shotgrid.server import check_host
from .api import FtrackApi, Response
from .knobs import Knobs, Stats
from .store import Record, Store

__all__ = ["FtrackServer", "MAX_BODY", "new_api_key"]

log = logging.getLogger("trackframes.sandbox")

#: Largest request body accepted (bytes).
MAX_BODY = 16 * 1024 * 1024


def new_api_key() -> str:
    """A random API key shaped like ftrack's (a UUID)."""
    return str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))


def _error_body(exception: str, content: str) -> dict[str, Any]:
    return {"exception": exception, "content": content, "error_code": None}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "trackframes-sandbox"
    sys_version = ""
    server: "_HTTPServer"

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        length = self.headers.get("Content-Length")
        try:
            size = int(length) if length is not None else -1
        except ValueError:
            size = -1
        if size < 0 or size > MAX_BODY:
            self.close_connection = True
            why = "a Content-Length header is required" if size < 0 else f"bodies are limited to {MAX_BODY} bytes"
            self._write(Response(413 if size > MAX_BODY else 411, _error_body("ValidationError", why)))
            return
        body = self.rfile.read(size) if size else b""
        latency = self.server.knobs.latency
        if latency:
            time.sleep(latency)
        if self.path.split("?", 1)[0].rstrip("/") != "/api":
            self.server.api.stats.bump("requests")
            self._write(Response(404, _error_body("NotFoundError", f"no endpoint {self.path[:200]}; POST to /api")))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        self._write(self.server.api.handle(headers, body))

    def _other(self) -> None:
        self.server.api.stats.bump("requests")
        self._write(Response(405, _error_body("MethodNotAllowed", f"{self.command} is not supported; POST a "
                                                                  "JSON list of operations to /api"),
                             {"Allow": "POST"}))

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _other

    def _write(self, response: Response) -> None:
        payload = response.payload()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value.replace("\r", " ").replace("\n", " "))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base class name
        log.debug("%s - %s", self.address_string(), format % args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], api: FtrackApi, knobs: Knobs) -> None:
        self.api = api
        self.knobs = knobs
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
        log.debug("ftrack sandbox: connection error from %s", client_address, exc_info=True)


class FtrackServer:
    """An ftrack operations API over one store, on a background thread (also a context manager).

    Args:
        store: the production to serve.
        host: ``"127.0.0.1"`` (or ``"localhost"``); anything else is a ``ValueError``.
        port: TCP port; 0 picks a free one.
        knobs: behaviour switches (a new default :class:`~.knobs.Knobs` when omitted).
        api_user: the user name clients send as ``ftrack-user`` (default: the
            first active ``User``'s ``username``, else ``"sandbox"``).
        api_key: its key (random per server when omitted).
        make_record: values of a new record for the ``mutate_creates`` knob.
    """

    def __init__(self, store: Store, *, host: str = "127.0.0.1", port: int = 0, knobs: Knobs | None = None,
                 api_user: str | None = None, api_key: str | None = None,
                 make_record: Callable[[Store, Record, Any], dict[str, Any]] | None = None) -> None:
        self.host = check_host(host)
        self.store = store
        self.knobs = knobs if knobs is not None else Knobs()
        self.stats = Stats()
        self._api_user = api_user or _first_user(store)
        self._api_key = api_key or new_api_key()
        self._make_record = make_record
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        state = self.url if self._httpd is not None else "stopped"
        return f"FtrackServer({state}, api_user={self._api_user!r})"

    @property
    def credentials(self) -> dict[str, str]:
        """``{"api_user", "api_key"}`` the server accepts (never part of ``repr``)."""
        return {"api_user": self._api_user, "api_key": self._api_key}

    @property
    def auth(self) -> Any:
        """A ``trackframes.auth.ApiKey`` for the server's API user."""
        from ...auth import ApiKey

        return ApiKey(self._api_user, self._api_key)

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The server URL clients take (``http://127.0.0.1:<port>``; the API is ``/api`` under it)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> "FtrackServer":
        """Bind and start serving on a daemon thread; returns ``self``."""
        if self._httpd is not None:
            return self
        api = FtrackApi(self.store, self.knobs, self.stats, {self._api_user: self._api_key}, self._make_record)
        httpd = _HTTPServer((self.host, self._port), api, self.knobs)
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"trackframes-ftrack-sandbox-{httpd.server_address[1]}", daemon=True)
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

    def __enter__(self) -> "FtrackServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _first_user(store: Store) -> str:
    if "User" in store.type_names:
        for record in store.records("User"):
            if record.data.get("username") and record.data.get("is_active", True):
                return str(record.data["username"])
    return "sandbox"
