"""Start a sandbox: a local server speaking a tracker's protocol over a demo production.

>>> import trackframes as tf
>>> with tf.sandbox.serve(scale=0.05, seed=0) as sb:        # doctest: +SKIP
...     site = sb.connect()
...     tasks = site.find("Task", fields=["content", "due_date"])

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

from .model import Store
from .shotgrid.knobs import Knobs, Stats, knob_names
from .shotgrid.server import ShotGridServer, check_host

__all__ = ["Sandbox", "PortInUseError", "serve", "serve_forever", "describe", "free_port", "BACKENDS"]

#: Backends a sandbox can speak.
BACKENDS: tuple[str, ...] = ("shotgrid",)
#: Generated productions with at least this many records are frozen out of the cyclic GC.
FREEZE_GC_ROWS = 50_000


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
        backend: the protocol spoken (``"shotgrid"``).
        url: the site root, e.g. ``http://127.0.0.1:54321``; the REST API is under
            ``/api/v1.1``.
        store: the generated production the server reads (and the mutation knobs change).
        knobs: behaviour switches, changeable while the server runs.
        stats: request counters.
        credentials: script name/key, users with passwords, a 2FA user with its
            code, and a session token (never shown by ``repr``).
    """

    def __init__(self, server: ShotGridServer, backend: str, scale: float | None, seed: int, *,
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
        """``url`` plus ``/api/v1.1``."""
        return f"{self._url}/api/v1.1"

    @property
    def port(self) -> int:
        return int(self._url.rsplit(":", 1)[1])

    @property
    def store(self) -> Store:
        return self._server.store

    @property
    def knobs(self) -> Knobs:
        return self._server.knobs

    @property
    def stats(self) -> Stats:
        return self._server.stats

    @property
    def credentials(self) -> dict[str, Any]:
        """A copy of the accepted credentials (see ``docs/sandbox.md``)."""
        creds = self._server.credentials
        return {**creds, "users": [dict(u) for u in creds["users"]],
                "two_factor_user": dict(creds["two_factor_user"]) if creds["two_factor_user"] else None}

    @property
    def auth(self) -> Any:
        """A ``trackframes.auth.ScriptKey`` for the sandbox's API script."""
        from ..auth import ScriptKey

        creds = self._server.credentials
        return ScriptKey(creds["script_name"], creds["script_key"])

    def connect(self, **options: Any) -> Any:
        """``trackframes.connect(self.url, auth=self.auth, today=<the production's today>, **options)``."""
        import trackframes

        options.setdefault("auth", self.auth)
        options.setdefault("today", self.store.today)
        return trackframes.connect(self._url, **options)

    # -- lifecycle -----------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Stop the server thread, close its connections and free the port."""
        if not self._closed:
            self._closed = True
            self._server.stop()
            if self._froze_gc:
                gc.unfreeze()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else self._url
        size = sum(len(t) for t in self.store.records.values())
        scale = "custom store" if self.scale is None else f"scale={self.scale}"
        return f"Sandbox(backend={self.backend!r}, {state}, {scale}, seed={self.seed}, records={size})"


def serve(backend: str = "shotgrid", scale: float = 1.0, seed: int = 0, *, host: str = "127.0.0.1",
          port: int = 0, today: date | None = None, store: Store | None = None,
          script_name: str = "trackframes_sandbox", script_key: str | None = None, **knobs: Any) -> Sandbox:
    """Generate a demo production and serve it on 127.0.0.1; returns a started :class:`Sandbox`.

    Args:
        backend: the protocol to speak; only ``"shotgrid"`` for now.
        scale: size of the generated production (1.0 is a mid-size studio show).
        seed: seed of the generated data, and the initial seed of the knobs' randomness.
        host: ``"127.0.0.1"`` (or ``"localhost"``); other hosts raise ``ValueError``.
        port: TCP port; 0 picks a free one. A taken port raises :class:`PortInUseError`
            (an ``OSError``) before the production is generated.
        today: the date the production is generated around (default: today).
        store: serve this store instead of generating one (``scale``/``today`` unused).
        script_name: the API script name clients authenticate with.
        script_key: its key; ``None`` makes a random key per server.
        **knobs: initial values of :class:`~trackframes.sandbox.shotgrid.knobs.Knobs`
            (``latency``, ``rate_limit_every``, ``page_size_cap``...).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown sandbox backend {backend!r}; available: {', '.join(BACKENDS)}")
    check_host(host)
    unknown = sorted(set(knobs) - set(knob_names()))
    if unknown:
        raise TypeError(f"unknown knob(s) {', '.join(unknown)}; knobs are "
                        f"{', '.join(n for n in knob_names() if n != 'seed')} (the knobs' seed starts "
                        "as the data seed; change it with sb.knobs.seed)")
    if port and not _port_is_free(host, port):
        raise PortInUseError(host, port)
    knob_state = Knobs(seed=seed, **knobs)
    generated_scale: float | None = scale
    froze_gc = False
    if store is None:
        from .data import generate

        store = generate(scale=scale, seed=seed, today=today)
        if sum(len(table) for table in store.records.values()) >= FREEZE_GC_ROWS:
            froze_gc = _freeze_gc()
    else:
        generated_scale = None
    try:
        server = ShotGridServer(store, host=host, port=port, knobs=knob_state, script_name=script_name,
                                script_key=script_key).start()
    except BaseException as exc:
        if froze_gc:
            gc.unfreeze()
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
                  port: int = 8765, today: date | None = None, script_name: str = "trackframes_sandbox",
                  script_key: str | None = None, out: TextIO | None = None,
                  stop: threading.Event | None = None, **knobs: Any) -> None:
    """Run a sandbox in the foreground (``trackframes sandbox``) until Ctrl-C.

    Prints the URL, the credentials and how to connect to ``out`` (stdout by
    default). ``stop`` ends the loop when set (for embedding and tests).
    """
    out = out or sys.stdout
    stop = stop or threading.Event()
    sb = serve(backend, scale, seed, host=host, port=port, today=today, script_name=script_name,
               script_key=script_key, **knobs)
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
    creds = sb.credentials
    lines = [
        f"trackframes sandbox ({sb.backend}) serving at {sb.url}  (REST API: {sb.api_url})",
        f"  script:   {creds['script_name']} / key {creds['script_key']}",
    ]
    for user in creds["users"]:
        lines.append(f"  user:     {user['login']} / password {user['password']}")
    if creds["two_factor_user"]:
        u = creds["two_factor_user"]
        lines.append(f"  2FA user: {u['login']} / password {u['password']} / code {u['otp']}")
    if creds["session_token"]:
        lines.append(f"  session token ({creds['session_login']}): {creds['session_token']}")
    lines += [
        "",
        "Connect from Python:",
        "  import trackframes as tf",
        f"  site = tf.connect({sb.url!r}, auth=tf.ScriptKey({creds['script_name']!r}, {creds['script_key']!r}))",
        "",
        "Press Ctrl-C to stop.",
        "",
    ]
    return "\n".join(lines)
