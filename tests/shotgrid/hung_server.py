"""A tiny HTTP proxy on 127.0.0.1 in front of a sandbox that hangs on chosen requests.

Requests that ``hang(method, path, query)`` selects are read and then never
answered: the handler waits until the client closes the connection (counted
in ``closed_by_client``) or the proxy is closed. Everything else is forwarded
to the sandbox. Used to test that interrupting a fetch aborts the requests in
flight instead of waiting for them.
"""

from __future__ import annotations

import select
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import requests

Hang = Callable[[str, str, dict[str, str]], bool]


def data_pages(method: str, path: str, query: dict[str, str]) -> bool:
    """The record pages of a find (not its one-record id probes)."""
    return path.endswith("/_search") and query.get("page[size]") != "1"


def counts(method: str, path: str, query: dict[str, str]) -> bool:
    """The count probe (``_summarize``)."""
    return path.endswith("/_summarize")


class HungProxy:
    def __init__(self, upstream: str, hang: Hang) -> None:
        self.upstream = upstream.rstrip("/")
        self.hang = hang
        self.hung = 0
        self.closed_by_client = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self.session = requests.Session()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self, "GET")

            def do_POST(self) -> None:
                proxy._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="hung-proxy", daemon=True)
        self._thread.start()

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        url = urlsplit(h.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if self.hang(method, url.path, query):
            with self._lock:
                self.hung += 1
            self._wait_for_close(h)
            return
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "content-length", "connection")}
        answer = self.session.request(method, self.upstream + h.path, data=body, headers=headers, timeout=30)
        content = answer.content
        h.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                h.send_header(key, value)
        h.send_header("Content-Length", str(len(content)))
        h.end_headers()
        h.wfile.write(content)

    def _wait_for_close(self, h: BaseHTTPRequestHandler) -> None:
        sock = h.connection
        while not self.stopping.is_set():
            readable, _, _ = select.select([sock], [], [], 0.05)
            if readable:
                try:
                    data = sock.recv(1, 0)
                except OSError:
                    data = b""
                if not data:
                    with self._lock:
                        self.closed_by_client += 1
                    h.close_connection = True
                    return

    def close(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.session.close()

    def __enter__(self) -> "HungProxy":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
