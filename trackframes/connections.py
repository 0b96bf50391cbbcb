"""Abortable HTTP connections: a cancelled :class:`~trackframes.cancel.Scope` closes its sockets.

A worker thread waiting on a hung server sits in a socket read for up to the
whole timeout, and neither Ctrl-C nor a pool shutdown can reach it. :func:`track`
gives a ``requests`` session connection classes that remember which scope sent
their current request; when that scope is cancelled, their sockets are shut
down, which wakes the blocked read at once. A cancelled scope also refuses to
open or send anything more (:class:`~trackframes.cancel.Cancelled`, which
``urllib3`` does not retry), so retries cannot resend the request.

>>> import requests
>>> from trackframes.connections import track
>>> session = requests.Session()
>>> track(session)
>>> sorted(cls.__name__ for cls in session.get_adapter("https://x").poolmanager.pool_classes_by_scheme.values())
['_HTTPPool', '_HTTPSPool']
"""

from __future__ import annotations

import socket
import threading
import weakref
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from . import cancel

__all__ = ["track", "abort"]

_live: "weakref.WeakSet[Any]" = weakref.WeakSet()
_lock = threading.Lock()


class _Tracked:
    """Mixin for urllib3 connections: refuse work in a cancelled scope, remember the scope of each request."""

    _trackframes_scope: "weakref.ref[cancel.Scope] | None" = None

    def connect(self) -> None:
        cancel.check()
        super().connect()  # type: ignore[misc]
        # A cancel while connecting found no socket to shut down, so it is seen here instead: the
        # cancel marks its scope before it looks for sockets, and the socket exists before this check.
        try:
            cancel.check()
        except cancel.Cancelled:
            self.close()  # type: ignore[attr-defined]
            raise

    def request(self, *args: Any, **kwargs: Any) -> None:
        scope = cancel.current()
        self._trackframes_scope = None if scope is None else weakref.ref(scope)
        if scope is not None:
            with _lock:
                _live.add(self)
        cancel.check()  # after the mark: a cancel either sees the mark or is seen here
        super().request(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Tracked, HTTPConnection):
    pass


class _HTTPSConnection(_Tracked, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def abort(scope: cancel.Scope) -> None:
    """Shut down the sockets of the requests in flight in ``scope`` (their reads fail at once)."""
    with _lock:
        mine = [c for c in _live if c._trackframes_scope is not None and c._trackframes_scope() is scope]
    for conn in mine:
        sock = getattr(conn, "sock", None)
        if sock is None:
            continue
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket call, also for TLS sockets
        except OSError:
            pass


cancel.on_cancel(abort)


def track(session: Any) -> None:
    """Make the HTTP(S) connections of a ``requests`` session abortable (adapters without pools are left alone)."""
    for adapter in session.adapters.values():
        manager = getattr(adapter, "poolmanager", None)
        if manager is None or getattr(adapter, "_trackframes_tracked", False):
            continue
        _install(manager)
        original = getattr(adapter, "proxy_manager_for", None)
        if original is not None:
            def proxy_manager_for(proxy: Any, _original: Any = original, **kwargs: Any) -> Any:
                proxy_manager = _original(proxy, **kwargs)
                _install(proxy_manager)
                return proxy_manager

            adapter.proxy_manager_for = proxy_manager_for
        adapter._trackframes_tracked = True


def _install(manager: Any) -> None:
    classes = dict(manager.pool_classes_by_scheme)
    if classes.get("http") is HTTPConnectionPool:
        classes["http"] = _HTTPPool
    if classes.get("https") is HTTPSConnectionPool:
        classes["https"] = _HTTPSPool
    manager.pool_classes_by_scheme = classes
