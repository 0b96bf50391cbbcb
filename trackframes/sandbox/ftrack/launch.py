"""The ftrack sandbox as a sandbox module: :func:`start` renders a production and serves it.

This is what ``tf.sandbox.serve(backend="ftrack")`` and ``trackframes sandbox
--backend ftrack`` call (through the backend registry, see
:mod:`trackframes.sandbox.protocol`): the neutral production is rendered into an
ftrack store (:mod:`.render_production`) and served by an
:class:`~.server.FtrackServer` on a background thread, on 127.0.0.1 only, with
an API user and key.

>>> from datetime import date
>>> from trackframes.sandbox import production
>>> server = start(production.generate(scale=0.01, seed=1, today=date(2026, 3, 2)), api_key="k3y-Q")
>>> server.url.startswith("http://127.0.0.1:"), type(server.auth).__name__, "k3y-Q" in repr(server)
(True, 'ApiKey', False)
>>> server.store.count("Task") == len(server.production.tasks), server.today
(True, datetime.date(2026, 3, 2))
>>> server.close()
"""

from __future__ import annotations

from typing import Any

from ..handle import ServerHandle
from .knobs import Knobs
from .knobs import knob_names as _knob_names
from .render_production import render
from .server import FtrackServer
from .store import Store

__all__ = ["OPTIONS", "FtrackSandbox", "knob_names", "start"]

#: Options of :func:`start` besides the knobs.
OPTIONS: tuple[str, ...] = ("api_user", "api_key")


def knob_names() -> list[str]:
    """The knobs :func:`start` accepts (``seed`` is :func:`start`'s own argument)."""
    return [name for name in _knob_names() if name != "seed"]


class FtrackSandbox(ServerHandle):
    """A running ftrack sandbox server (the handle :func:`start` returns).

    Attributes:
        url: the server URL ``tf.connect`` takes; the operations API is ``api_url`` (``url + "/api"``).
        store: the ftrack store served (the mutation knobs change it).
        production: the neutral production rendered into ``store`` (``None`` when a store was given).
        knobs, stats: behaviour switches and request counters.
        today: the date the production was laid out around.
    """

    API_PATH = "/api"

    @property
    def credentials(self) -> dict[str, Any]:
        """A copy of the accepted credential: ``{"api_user", "api_key"}``."""
        return dict(self._server.credentials)

    @property
    def auth(self) -> Any:
        """A ``trackframes.auth.ApiKey`` for the sandbox's API user."""
        return self._server.auth

    def banner(self) -> list[str]:
        """The credential and how to connect, for ``trackframes sandbox``."""
        creds = self._server.credentials
        return [
            f"  API user: {creds['api_user']} / API key {creds['api_key']}",
            "",
            "Connect from Python:",
            "  import trackframes as tf",
            f"  site = tf.connect({self.url!r}, backend=\"ftrack\", "
            f"auth=tf.ApiKey({creds['api_user']!r}, {creds['api_key']!r}))",
        ]


def start(production: Any, *, store: Store | None = None, host: str = "127.0.0.1", port: int = 0, seed: int = 0,
          api_user: str | None = None, api_key: str | None = None, **knobs: Any) -> FtrackSandbox:
    """Serve ``production`` (rendered as an ftrack store) or ``store`` on ``host:port``; returns the handle.

    Args:
        production: the neutral production to render; ``None`` when ``store`` is given.
        store: an ftrack store to serve as it is.
        host: ``"127.0.0.1"`` (or ``"localhost"``); other hosts raise ``ValueError``.
        port: TCP port; 0 picks a free one.
        seed: initial seed of the knobs' randomness.
        api_user: the user clients send as ``ftrack-user`` (default: the first active user's username).
        api_key: its key; ``None`` makes a random key per server.
        **knobs: initial values of :class:`~.knobs.Knobs` (:func:`knob_names`).
    """
    if (production is None) == (store is None):
        raise TypeError("start() serves a production or a store: give exactly one of them")
    knob_state = Knobs(seed=seed)
    knob_state.update(**knobs)
    served = render(production) if store is None else store
    server = FtrackServer(served, host=host, port=port, knobs=knob_state, api_user=api_user,
                          api_key=api_key).start()
    return FtrackSandbox(server, production)
