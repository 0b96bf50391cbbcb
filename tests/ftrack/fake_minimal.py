"""A deliberately tiny ftrack API server, for proving the ``ftrack_api`` test harness only.

It answers exactly what the real ``ftrack_api.Session`` needs to construct, plus
``select <attributes> from Project [where id is <id>] [offset N] [limit M]`` over
two fixed projects, honouring ``offset``/``limit`` and reporting
``metadata.next.offset`` as the ftrack operations spec describes. The id filter
takes both shapes the client sends: ``(id is "<id>")`` from ``session.get`` and
the unquoted ``id is <id>`` of auto-population. Everything else is refused with the spec's
error payload. It shares no code with trackframes and is not the ftrack sandbox
(that one replaces it later).

Usage::

    with FakeFtrack() as fake:
        fake.url            # "http://127.0.0.1:<port>"
        fake.requests       # [{"headers": {...}, "operations": [...]}, ...]
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_USER = "jane"
API_KEY = "fake-key-7Hq2"  # test-only credential of this fake server

# The two schemas the client cannot construct without: Location (the session
# builds its four built-in locations at start-up) and the one we query.
SCHEMAS: list[dict[str, Any]] = [
    {
        "id": "Location",
        "type": "object",
        "primary_key": ["id"],
        "required": ["name", "id"],
        "immutable": ["id"],
        "default_projections": ["id"],
        "properties": {
            "id": {"type": "string", "default": "{uid}"},
            "name": {"type": "string"},
        },
    },
    {
        "id": "Project",
        "type": "object",
        "primary_key": ["id"],
        "required": ["id", "name"],
        "immutable": ["id"],
        "default_projections": ["id", "name"],
        "properties": {
            "id": {"type": "string", "default": "{uid}"},
            "name": {"type": "string", "default": ""},
            "full_name": {"type": "string"},
        },
    },
]
# Same digest as a real server's schema_hash: MD5 of the schemas dumped with sorted keys.
SCHEMA_HASH = hashlib.md5(json.dumps(SCHEMAS, sort_keys=True).encode("utf-8")).hexdigest()

PROJECTS: list[dict[str, Any]] = [
    {"id": "5b0e8f5c-0d6a-4b8e-9a51-0f1d4a6f0001", "name": "alpha", "full_name": "Alpha Feature"},
    {"id": "5b0e8f5c-0d6a-4b8e-9a51-0f1d4a6f0002", "name": "bravo", "full_name": "Bravo Series"},
]

QUERY = re.compile(
    r"^select\s+(?P<projections>[\w.,\s]+?)\s+from\s+(?P<type>\w+)"
    r"(?:\s+where\s+(?P<open>\()?id\s+is\s+(?P<quote>\"?)(?P<id>[\w-]+)(?P=quote)(?(open)\)))?"
    r"(?:\s+offset\s+(?P<offset>\d+))?(?:\s+limit\s+(?P<limit>\d+))?\s*$"
)


def _error(exception: str, content: str) -> dict[str, Any]:
    return {"exception": exception, "content": content, "error_code": None}


def _query(expression: str) -> dict[str, Any]:
    match = QUERY.match(expression)
    if not match or match["type"] != "Project":
        raise LookupError("this fake server only answers 'select ... from Project [where id is <id>]"
                          f" [offset N] [limit M]', not {expression!r}")
    fields = [f.strip() for f in match["projections"].split(",") if f.strip()]
    unknown = [f for f in fields if f not in SCHEMAS[1]["properties"]]
    if unknown:
        raise LookupError(f"Project has no attribute {unknown[0]!r}")
    rows = [p for p in PROJECTS if match["id"] in (None, p["id"])]
    offset = int(match["offset"] or 0)
    limit = int(match["limit"]) if match["limit"] else len(rows)
    page = rows[offset:offset + limit]
    data = [{"__entity_type__": "Project", "id": p["id"], **{f: p[f] for f in fields}} for p in page]
    end = offset + len(page)
    return {"action": "query", "data": data,
            "metadata": {"next": {"offset": end if end < len(rows) else None}}}


def answer(operations: Any) -> tuple[int, Any]:
    """Return ``(status, body)`` for one POSTed batch (HTTP 200 errors: the non-strict style)."""
    if not isinstance(operations, list):
        return 200, _error("ValidationError", "the request body must be a list of operations")
    results = []
    for op in operations:
        action = op.get("action") if isinstance(op, dict) else None
        if action == "query_server_information":
            results.append({"version": "4.13.8.1234", "schema_hash": SCHEMA_HASH,
                            "is_timezone_support_enabled": True})
        elif action == "query_schemas":
            results.append(SCHEMAS)
        elif action == "query":
            try:
                results.append(_query(str(op.get("expression", ""))))
            except LookupError as exc:
                return 200, _error("ParseError", str(exc))
        else:
            return 200, _error("ValidationError", f"unsupported action {action!r}")
    return 200, results


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            operations = json.loads(raw or b"null")
        except ValueError:
            operations = None
        self.server.log.append({
            "path": self.path,
            "headers": {k: ("<set>" if k == "ftrack-api-key" else v) for k, v in headers.items()},
            "operations": operations,
        })
        if self.path.rstrip("/") != "/api":
            status, body = 404, _error("NotFound", f"no endpoint {self.path}")
        elif headers.get("ftrack-user") != API_USER or headers.get("ftrack-api-key") != API_KEY:
            status, body = 401, _error("InvalidCredentialsError", "The supplied API key is not valid.")
        else:
            status, body = answer(operations)
        payload = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.log: list[dict[str, Any]] = []


class FakeFtrack:
    """Runs the fake server on 127.0.0.1 in a background thread (a context manager)."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, the ``server_url`` for ``ftrack_api.Session``."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every POST received: path, headers (the API key masked) and the decoded operations."""
        return list(self._server.log)

    def __enter__(self) -> "FakeFtrack":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
