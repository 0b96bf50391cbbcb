"""The ShotGrid sandbox as a sandbox module: :func:`start` renders a production and serves it.

This is what ``tf.sandbox.serve(backend="shotgrid")`` calls (through the backend
registry, see :mod:`trackframes.sandbox.protocol`): the neutral production is
rendered into a ShotGrid store (:mod:`.render_production`) and served by a
:class:`~.server.ShotGridServer` on a background thread.

>>> from datetime import date
>>> from trackframes.sandbox import production
>>> server = start(production.generate(scale=0.01, seed=1, today=date(2026, 3, 2)), script_key="k3y", latency=0.0)
>>> server.url.startswith("http://127.0.0.1:"), type(server.auth).__name__, "k3y" in repr(server)
(True, 'ScriptKey', False)
>>> server.store.count("Task") == len(server.production.tasks), server.today
(True, datetime.date(2026, 3, 2))
>>> server.close()
"""

from __future__ import annotations

from typing import Any

from ..production import Production
from ..handle import ServerHandle
from .knobs import Knobs
from .knobs import knob_names as _knob_names
from .model import Store
from .render_production import render
from .server import ShotGridServer

__all__ = ["OPTIONS", "ShotGridSandbox", "knob_names", "start"]

#: Options of :func:`start` besides the knobs.
OPTIONS: tuple[str, ...] = ("script_name", "script_key")


def knob_names() -> list[str]:
    """The knobs :func:`start` accepts (``seed`` is :func:`start`'s own argument)."""
    return [name for name in _knob_names() if name != "seed"]


class ShotGridSandbox(ServerHandle):
    """A running ShotGrid sandbox server (the handle :func:`start` returns).

    Attributes:
        url: the site root; the REST API is under ``api_url`` (``url + "/api/v1.1"``).
        store: the ShotGrid store served (the mutation knobs change it).
        production: the neutral production rendered into ``store`` (``None`` when a store was given).
        knobs, stats: behaviour switches and request counters.
        today: the date the production was laid out around.
    """

    API_PATH = "/api/v1.1"

    @property
    def credentials(self) -> dict[str, Any]:
        """A copy of every accepted credential (see ``docs/sandbox.md``)."""
        creds = self._server.credentials
        return {**creds, "users": [dict(u) for u in creds["users"]],
                "two_factor_user": dict(creds["two_factor_user"]) if creds["two_factor_user"] else None}

    @property
    def auth(self) -> Any:
        """A ``trackframes.auth.ScriptKey`` for the sandbox's API script."""
        from ...auth import ScriptKey

        creds = self._server.credentials
        return ScriptKey(creds["script_name"], creds["script_key"])

    def banner(self) -> list[str]:
        """Every credential and how to connect, for ``trackframes sandbox``."""
        creds = self._server.credentials
        lines = [f"  script:   {creds['script_name']} / key {creds['script_key']}"]
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
            f"  site = tf.connect({self.url!r}, auth=tf.ScriptKey({creds['script_name']!r}, "
            f"{creds['script_key']!r}))",
        ]
        return lines


def start(production: Production | None, *, store: Store | None = None, host: str = "127.0.0.1", port: int = 0,
          seed: int = 0, script_name: str = "trackframes_sandbox", script_key: str | None = None,
          **knobs: Any) -> ShotGridSandbox:
    """Serve ``production`` (rendered as a ShotGrid store) or ``store`` on ``host:port``; returns the handle.

    Args:
        production: the neutral production to render; ``None`` when ``store`` is given.
        store: a ShotGrid store to serve as it is.
        host: ``"127.0.0.1"`` (or ``"localhost"``); other hosts raise ``ValueError``.
        port: TCP port; 0 picks a free one.
        seed: initial seed of the knobs' randomness.
        script_name: the API script name clients authenticate with.
        script_key: its key; ``None`` makes a random key per server.
        **knobs: initial values of :class:`~.knobs.Knobs` (:func:`knob_names`).
    """
    if (production is None) == (store is None):
        raise TypeError("start() serves a production or a store: give exactly one of them")
    knob_state = Knobs(seed=seed, **knobs)
    served = render(production) if store is None else store  # type: ignore[arg-type]
    server = ShotGridServer(served, host=host, port=port, knobs=knob_state, script_name=script_name,
                            script_key=script_key).start()
    return ShotGridSandbox(server, production)
