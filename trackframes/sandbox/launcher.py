"""Start a sandbox: a local server speaking a tracker's protocol over a generated production.

:func:`serve` finds the backend's sandbox module through the backend registry
(:func:`trackframes.backends.registry.sandbox_module`), generates the neutral
production (:mod:`trackframes.sandbox.production`) and has the module render
and serve it (:mod:`trackframes.sandbox.protocol` states what a module
provides). The :class:`Sandbox` handle is the same for every backend.

>>> import trackframes as tf
>>> from datetime import date
>>> with tf.sandbox.serve(scale=0.02, seed=0, today=date(2026, 3, 2)) as sb:
...     site = sb.connect(progress=False)
...     tasks = site.tasks()                          # archived projects left out, as always
...     prod = sb.production
...     live = [t for t in prod.tasks if not prod.get("project", t.project).archived]
...     (sb.backend, site.today, len(tasks) == len(live))
('shotgrid', datetime.date(2026, 3, 2), True)

``trackframes sandbox --port 8765`` runs the same server in the foreground
(:func:`serve_forever`). A port that is taken raises :class:`PortInUseError`
before any data is generated:

>>> import socket
>>> with socket.socket() as taken:
...     taken.bind(("127.0.0.1", 0)); taken.listen()
...     try:
...         tf.sandbox.serve(scale=0.02, port=taken.getsockname()[1])
...     except tf.sandbox.PortInUseError as err:
...         print(err.port == taken.getsockname()[1], "already in use" in str(err))
True True
"""

from __future__ import annotations

import errno
import gc
import socket
import sys
import threading
from datetime import date
from typing import Any, TextIO

from ..backends.registry import backends as registry_rows, get as registry_row, sandbox_module
from ..suggest import hint, suggest
from .loopback import check_host
from .production import Production, generate
from .protocol import SandboxServer

__all__ = ["Sandbox", "PortInUseError", "serve", "serve_forever", "describe", "free_port", "backends",
           "check_host"]

#: Generated productions with at least this many records are frozen out of the cyclic GC.
FREEZE_GC_ROWS = 50_000


def backends() -> tuple[str, ...]:
    """The backends whose protocol a sandbox can speak (the registry's rows with a sandbox module).

    >>> "shotgrid" in backends()
    True
    """
    return tuple(b.name for b in registry_rows() if b.sandbox)


def __getattr__(name: str) -> Any:
    if name == "BACKENDS":  # read from the registry when asked, so that plug-ins count
        return backends()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class PortInUseError(OSError):
    """The port asked for is taken, by another sandbox or any other program.

    ``host`` and ``port`` name it; ``errno`` is ``EADDRINUSE``.
    """

    def __init__(self, host: str, port: int) -> None:
        super().__init__(errno.EADDRINUSE, f"port {port} on {host} is already in use")
        self.host = host
        self.port = port

    def __str__(self) -> str:
        return (f"port {self.port} on {self.host} is already in use (by another sandbox or program); "
                "choose another port, or port 0 for any free one")


def free_port(host: str = "127.0.0.1", near: int | None = None) -> int:
    """A TCP port that is free on ``host`` now: ``near`` or one of the next 20 if given, else any.

    >>> 0 < free_port() < 65536
    True
    """
    for port in ([] if near is None else range(near, min(near + 21, 65536))):
        if _port_is_free(host, port):
            return port
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _port_is_free(host: str, port: int) -> bool:
    """Whether the sandbox's server could bind ``port`` (same socket options as the server)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


class Sandbox:
    """A running sandbox server. Use it as a context manager or call :meth:`close`.

    Attributes:
        backend: the protocol spoken (``"shotgrid"``...).
        url: the site root, e.g. ``http://127.0.0.1:54321``; ``api_url`` is where
            the protocol's API lives under it.
        production: the neutral production served (``None`` when a store was given).
        store: the protocol's store of it (the mutation knobs change it).
        knobs: behaviour switches, changeable while the server runs.
        stats: request counters.
        credentials: every accepted secret (never shown by ``repr``).
        auth: a credential for :func:`trackframes.connect`.
    """

    def __init__(self, server: SandboxServer, backend: str, scale: float | None, seed: int, *,
                 froze_gc: bool = False) -> None:
        self._server = server
        self.backend = backend
        self.scale = scale
        self.seed = seed
        self._url = server.url
        self._closed = False
        self._froze_gc = froze_gc

    # -- what users need ---------------------------------------------------
    @property
    def url(self) -> str:
        return self._url

    @property
    def api_url(self) -> str:
        """Where the protocol's API lives (ShotGrid: ``url`` plus ``/api/v1.1``)."""
        return self._server.api_url

    @property
    def port(self) -> int:
        return int(self._url.rsplit(":", 1)[1])

    @property
    def production(self) -> Production | None:
        return self._server.production

    @property
    def store(self) -> Any:
        return self._server.store

    @property
    def today(self) -> date:
        """The date the production was laid out around (``site.today`` of :meth:`connect`)."""
        return self._server.today

    @property
    def knobs(self) -> Any:
        return self._server.knobs

    @property
    def stats(self) -> Any:
        return self._server.stats

    @property
    def credentials(self) -> dict[str, Any]:
        """A copy of the accepted credentials (see ``docs/sandbox.md``)."""
        return self._server.credentials

    @property
    def auth(self) -> Any:
        """A ``trackframes.auth`` credential of this backend (ShotGrid: a ``ScriptKey``)."""
        return self._server.auth

    def connect(self, **options: Any) -> Any:
        """``trackframes.connect(url, backend=..., auth=..., today=<the production's today>, **options)``."""
        import trackframes

        options.setdefault("backend", self.backend)
        options.setdefault("auth", self.auth)
        options.setdefault("today", self.today)
        return trackframes.connect(self._url, **options)

    # -- lifecycle -----------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Stop the server thread, close its connections and free the port."""
        if not self._closed:
            self._closed = True
            self._server.close()
            if self._froze_gc:
                gc.unfreeze()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else self._url
        size = sum(len(t) for _, t in self.production) if self.production is not None else _size(self.store)
        scale = "custom store" if self.scale is None else f"scale={self.scale}"
        return f"Sandbox(backend={self.backend!r}, {state}, {scale}, seed={self.seed}, records={size})"


def _size(store: Any) -> int | str:
    records = getattr(store, "records", None)
    return sum(len(t) for t in records.values()) if isinstance(records, dict) else "?"


def serve(backend: str = "shotgrid", scale: float = 1.0, seed: int = 0, *, host: str = "127.0.0.1",
          port: int = 0, today: date | None = None, production: Production | None = None, store: Any = None,
          **options: Any) -> Sandbox:
    """Generate a production and serve it on 127.0.0.1 in ``backend``'s protocol; returns a started :class:`Sandbox`.

    Args:
        backend: the protocol to speak: a backend of the registry with a sandbox
            (:func:`backends`); others raise ``ValueError`` naming those that have one.
        scale: size of the generated production (1.0 is a mid-size studio show).
        seed: seed of the generated data, and the initial seed of the knobs' randomness.
        host: ``"127.0.0.1"`` (or ``"localhost"``); other hosts raise ``ValueError``.
        port: TCP port; 0 picks a free one. A taken port raises :class:`PortInUseError`
            (an ``OSError``) before the production is generated.
        today: the date the production is generated around (default: today).
        production: serve this neutral production instead of generating one
            (``scale`` and ``today`` unused), e.g. one production under two protocols.
        store: serve this store of the backend's own kind as it is (ShotGrid: a
            ``trackframes.sandbox.shotgrid.model.Store``).
        **options: the backend's options (ShotGrid: ``script_name``, ``script_key``)
            and the initial values of its knobs (``latency``, ``rate_limit_every``,
            ``page_size_cap``...).
    """
    module = sandbox_module(backend)
    check_host(host)
    knobs, extra = list(module.knob_names()), tuple(module.OPTIONS)
    unknown = sorted(set(options) - set(knobs) - set(extra))
    if unknown:
        title = registry_row(backend).title
        raise TypeError(f"unknown option(s) or knob(s) {', '.join(unknown)} for the {title} sandbox."
                        f"{hint(suggest(unknown[0], [*extra, *knobs]))} Options: {', '.join(extra) or 'none'}; "
                        f"knobs: {', '.join(knobs)} (the knobs' seed starts as the data seed; change it "
                        "with sb.knobs.seed)")
    if production is not None and store is not None:
        raise TypeError("serve() takes a production or a store, not both")
    if port and not _port_is_free(host, port):
        raise PortInUseError(host, port)
    generated_scale: float | None = scale
    froze_gc = False
    if store is None and production is None:
        production = generate(scale=scale, seed=seed, today=today)
    elif production is None:
        generated_scale = None
    else:
        generated_scale = production.scale
    try:
        server = module.start(production, store=store, host=host, port=port, seed=seed, **options)
        if store is None and sum(len(t) for _, t in production) >= FREEZE_GC_ROWS:  # type: ignore[union-attr]
            froze_gc = _freeze_gc()
    except BaseException as exc:
        if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:  # taken since the check above
            raise PortInUseError(host, port) from None
        raise
    return Sandbox(server, backend, generated_scale, seed, froze_gc=froze_gc)


def _freeze_gc() -> bool:
    """Move a freshly generated large production out of the cyclic GC's way.

    A large store holds millions of long-lived objects; every full collection
    would walk them all (a second or more at scale 7), stalling requests. They
    are collected once now and then frozen (``gc.freeze``); :meth:`Sandbox.close`
    unfreezes. Records hold no reference cycles, so refcounting still frees them.
    """
    gc.collect()
    gc.freeze()
    return True


def serve_forever(backend: str = "shotgrid", scale: float = 1.0, seed: int = 0, *, host: str = "127.0.0.1",
                  port: int = 8765, today: date | None = None, out: TextIO | None = None,
                  stop: threading.Event | None = None, **options: Any) -> None:
    """Run a sandbox in the foreground (``trackframes sandbox``) until Ctrl-C.

    Prints the URL, the credentials and how to connect to ``out`` (stdout by
    default). ``stop`` ends the loop when set (for embedding and tests);
    ``options`` are :func:`serve`'s.
    """
    out = out or sys.stdout
    stop = stop or threading.Event()
    sb = serve(backend, scale, seed, host=host, port=port, today=today, **options)
    try:
        out.write(describe(sb))
        out.flush()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        out.write("\nstopping the sandbox\n")
    finally:
        sb.close()


def describe(sb: Sandbox) -> str:
    """The banner :func:`serve_forever` prints: URL, credentials and a connect snippet."""
    lines = [f"trackframes sandbox ({sb.backend}) serving at {sb.url}  (API: {sb.api_url})",
             *sb._server.banner(), "", "Press Ctrl-C to stop.", ""]
    return "\n".join(lines)
