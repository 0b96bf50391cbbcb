"""Helpers shared by the Kitsu tests: sites on the real Zou, a recording proxy, gazu's records typed.

``Recorder`` is a :class:`trackframes.transport.HandlerAdapter` handler that
forwards every request to the real server and records it, so tests can count
what trackframes sends (sign-ins, look-ups) without patching anything.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

import trackframes as tf
from trackframes.transport import HandlerAdapter


@dataclass
class Sent:
    method: str
    path: str
    params: dict[str, list[str]]
    status: int


@dataclass
class Recorder:
    """Forwards requests to the real Zou and keeps what was sent (never the headers or the body)."""

    sent: list[Sent] = field(default_factory=list)
    session: requests.Session = field(default_factory=requests.Session)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.session.trust_env = False

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        response = self.session.request(request.method or "GET", request.url or "", data=request.body,
                                        headers=dict(request.headers), timeout=120)
        parts = urlsplit(request.url or "")
        with self.lock:
            self.sent.append(Sent(request.method or "GET", parts.path, parse_qs(parts.query), response.status_code))
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-encoding",
                                                                                  "transfer-encoding")}
        return response.status_code, headers, response.content

    def paths(self, contains: str = "") -> list[str]:
        with self.lock:
            return [s.path for s in self.sent if contains in s.path]

    def clear(self) -> None:
        with self.lock:
            self.sent.clear()


def connect(zou: Any, auth: Any = None, recorder: Recorder | None = None, **options: Any) -> tf.Site:
    """A Kitsu site on the test Zou (the admin by default), optionally through a :class:`Recorder`."""
    auth = auth or tf.UserPassword(zou.email, zou.password)
    adapter = HandlerAdapter(recorder) if recorder is not None else None
    return tf.connect(zou.url, backend="kitsu", auth=auth, transport_adapter=adapter,
                      progress=False, **options)
