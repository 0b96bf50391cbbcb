"""A sandbox module for the launcher tests: it implements trackframes.sandbox.protocol without a network.

``start`` records what it was given; the handle it returns serves nothing (its URL names the discard
port). Registered in a subprocess as the sandbox of a made-up backend, it shows that
``tf.sandbox.serve`` finds sandboxes through the backend registry.
"""

from __future__ import annotations

from typing import Any

OPTIONS = ("greeting",)
STARTED: list[dict[str, Any]] = []
SERVERS: list["FakeServer"] = []


def knob_names() -> list[str]:
    return ["latency"]


class FakeServer:
    def __init__(self, production: Any, store: Any, options: dict[str, Any]) -> None:
        self.production = production
        self.store = store if store is not None else {"rendered": production}
        self.today = production.today if production is not None else None
        self.options = options
        self.url = "http://127.0.0.1:9"
        self.api_url = self.url + "/fake-api"
        self.knobs = {"latency": options.get("latency", 0.0)}
        self.stats = {"requests": 0}
        self.closed = 0

    @property
    def auth(self) -> Any:
        from trackframes.auth import ApiKey

        return ApiKey("fake-user", "fake-key-123")

    @property
    def credentials(self) -> dict[str, Any]:
        return {"api_user": "fake-user", "api_key": "fake-key-123"}

    def banner(self) -> list[str]:
        return [f"  fake user: fake-user / key fake-key-123 / {self.options.get('greeting', 'hello')}"]

    def close(self) -> None:
        self.closed += 1


def start(production: Any, *, store: Any = None, host: str = "127.0.0.1", port: int = 0, seed: int = 0,
          **options: Any) -> FakeServer:
    STARTED.append({"production": production, "store": store, "host": host, "port": port, "seed": seed,
                    **options})
    server = FakeServer(production, store, options)
    SERVERS.append(server)
    return server
