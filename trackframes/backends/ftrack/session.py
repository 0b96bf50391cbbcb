"""The ftrack operations transport: batches of operations POSTed to ``<url>/api``.

Every call is one ``POST <url>/api`` whose body is a JSON list of operations
(``[{"action": "query", "expression": ...}, ...]``) and whose answer is the
list of their results, in the same order (the operations spec). The request
carries ``ftrack-user`` and ``ftrack-api-key``; the key stays a
:class:`~trackframes.auth.Secret` until the request is written to the wire
(:class:`~trackframes.transport.HeaderAuth`), and the sent request forgets it.
Retries (429 with ``Retry-After``, 5xx), timeouts and deadlines are
:class:`~trackframes.transport.Transport`'s.

Nothing is sent when the object is built. The first call that needs the
schema sends ``query_server_information``, then ``query_schemas`` unless the
on-disk cache (:mod:`.cache`) holds the schemas of the server's ``schema_hash``.

Answers are checked: an error in either style raises the matching
:class:`~trackframes.exceptions.TrackframesError` (:mod:`.errors`); a body that
is not the promised list raises :class:`~trackframes.exceptions.ProtocolError`.

>>> from trackframes.transport import HandlerAdapter, Transport
>>> import trackframes as tf, orjson
>>> seen = []
>>> def server(request):
...     seen.append(dict(request.headers))
...     ops = orjson.loads(request.body)
...     return 200, {}, orjson.dumps([{"version": "4.13.0"} for _ in ops])
>>> ops = Operations("https://studio.example.com", tf.ApiKey("jane", "k3y"),
...                  Transport(adapter=HandlerAdapter(server)), SchemaCache(None))
>>> ops.call([{"action": "query_server_information"}], what="Reading the server information")
[{'version': '4.13.0'}]
>>> seen[0]["ftrack-user"], seen[0]["ftrack-api-key"], seen[0]["Content-Type"]
('jane', 'k3y', 'application/json')
>>> ops
<Operations https://studio.example.com/api user='jane'>
"""

from __future__ import annotations

import threading
from typing import Any, Sequence

import orjson
import requests

from ...answers import Malformed, Source, json_type, loads, reading
from ...auth import ApiKey
from ...calls import describe
from ...deadline import current, scope
from ...transport import HeaderAuth, Transport
from .cache import SchemaCache
from .errors import error_for, error_object, raise_for_response

__all__ = ["Operations", "API_PATH", "results_of"]

#: Where a server takes its operations.
API_PATH = "/api"


class Operations:
    """POSTs batches of operations to one ftrack server (thread-safe; see the module docstring)."""

    def __init__(self, url: str, credential: ApiKey, transport: Transport, cache: SchemaCache) -> None:
        if not isinstance(credential, ApiKey):
            raise TypeError(f"ftrack signs in with tf.ApiKey(user=..., key=...), not {type(credential).__name__}.")
        self.url = url.rstrip("/") + API_PATH
        self.user = credential.user
        self._key = HeaderAuth(credential.key, name="ftrack-api-key")
        self.transport = transport
        self.cache = cache
        self._lock = threading.Lock()
        self._info: dict[str, Any] | None = None
        self._schemas: list[dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"<Operations {self.url} user={self.user!r}>"

    # -- one batch ---------------------------------------------------------------------
    def post(self, operations: Sequence[dict[str, Any]], *, what: str, strict: bool = False) -> bytes:
        """The raw body of the answer to one batch (HTTP errors raised; the body is not checked)."""
        headers = {"Content-Type": "application/json", "Accept": "application/json", "ftrack-user": self.user,
                   "ftrack-strict-api": "true" if strict else "false"}
        with scope(current() or self.transport.new_deadline(what)):
            response: requests.Response = self.transport.request(
                "POST", self.url, data=orjson.dumps(list(operations)), headers=headers, auth=self._key, what=what)
        raise_for_response(response, what=what)
        return response.content

    def source(self, what: str) -> Source:
        """Where an answer came from, for messages."""
        return Source(what, f"POST {API_PATH}")

    def call(self, operations: Sequence[dict[str, Any]], *, what: str, strict: bool = False) -> list[Any]:
        """The checked results of one batch: one per operation, in order."""
        what = describe(what)
        body = self.post(operations, what=what, strict=strict)
        return results_of(body, len(operations), self.source(what))

    # -- the server and its schema -------------------------------------------------------------
    def server_information(self) -> dict[str, Any]:
        """``query_server_information`` (asked once per connection)."""
        with self._lock:
            if self._info is None:
                (info,) = self.call([{"action": "query_server_information"}],
                                    what="Reading the ftrack server information")
                if not isinstance(info, dict):
                    with reading(self.source("Reading the ftrack server information"), b""):
                        raise Malformed(f"JSON of the wrong shape (the server information is {json_type(info)}, "
                                        "not an object)")
                self._info = info
            return self._info

    def schemas(self) -> list[dict[str, Any]]:
        """The server's schemas: from the disk cache when its ``schema_hash`` is there, else ``query_schemas``."""
        info = self.server_information()
        with self._lock:
            if self._schemas is not None:
                return self._schemas
            schema_hash = info.get("schema_hash")
            cached = self.cache.get(schema_hash) if isinstance(schema_hash, str) else None
            if cached is None:
                what = "Reading the ftrack schemas"
                (schemas,) = self.call([{"action": "query_schemas"}], what=what)
                if not isinstance(schemas, list) or not all(isinstance(s, dict) and isinstance(s.get("id"), str)
                                                            for s in schemas):
                    with reading(self.source(what), b""):
                        raise Malformed("JSON of the wrong shape (query_schemas did not answer a list of schemas "
                                        "with ids)")
                if isinstance(schema_hash, str):
                    self.cache.put(schema_hash, schemas)
                cached = schemas
            self._schemas = cached
            return cached

    def timezone_support(self) -> bool:
        """Whether the server stores date-times in UTC (``is_timezone_support_enabled``; assumed when absent)."""
        return self.server_information().get("is_timezone_support_enabled", True) is not False


def results_of(body: bytes, count: int, source: Source) -> list[Any]:
    """The results of a batch of ``count`` operations, after checking the answer (see the module doc).

    An error object sent with status 200 (the non-strict style) raises its
    :class:`~trackframes.exceptions.TrackframesError`.
    """
    obj = error_object(body) if body[:1] == b"{" or body.lstrip()[:1] == b"{" else None
    if obj is not None:
        raise error_for(obj, None, what=source.call, url=API_PATH)
    with reading(source, body):
        parsed = loads(body)
        if not isinstance(parsed, list):
            raise Malformed(f"JSON of the wrong shape ({json_type(parsed)} instead of the list of results)")
        if len(parsed) != count:
            raise Malformed(f"JSON of the wrong shape ({len(parsed)} results for {count} operations)")
        return parsed
