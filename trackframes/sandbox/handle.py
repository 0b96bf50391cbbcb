"""What every running sandbox server's handle has: URL, store, knobs, stats, today, close.

Each protocol's ``launch`` module subclasses :class:`ServerHandle` with what is its
own: the credentials, a ``trackframes.auth`` credential and the banner of
``trackframes sandbox``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

__all__ = ["ServerHandle"]


class ServerHandle:
    """A running sandbox server (the handle a sandbox module's ``start`` returns).

    Attributes:
        url: the URL ``tf.connect`` takes; the API is under ``api_url``.
        store: the store served (the mutation knobs change it).
        production: the neutral production rendered into ``store`` (``None`` when a store was given).
        knobs, stats: behaviour switches and request counters.
        today: the date the production was laid out around.
    """

    #: the API's path under ``url``
    API_PATH = ""

    def __init__(self, server: Any, production: Any) -> None:
        self._server = server
        self.production = production
        self.url: str = server.url
        self.api_url = f"{self.url}{self.API_PATH}"

    @property
    def store(self) -> Any:
        return self._server.store

    @property
    def knobs(self) -> Any:
        return self._server.knobs

    @property
    def stats(self) -> Any:
        return self._server.stats

    @property
    def today(self) -> date:
        today = getattr(self._server.store, "today", None)
        return today if isinstance(today, date) else date.today()

    def close(self) -> None:
        """Stop serving, close every connection and free the port (twice is harmless)."""
        self._server.stop()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url})"
