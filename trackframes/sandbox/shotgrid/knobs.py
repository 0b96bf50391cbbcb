"""Test knobs (latency, rate limits, failures, mutation) and request counters.

``Knobs`` is a small dataclass that a running server reads on every request, so
tests can change it at any time::

    sb.knobs.rate_limit_every = 3
    sb.knobs.relationship_shape = "wrapped"

All randomness of the knobs comes from one dedicated ``random.Random`` seeded by
``seed`` (setting ``seed`` again reseeds it), never from the global generator.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["Knobs", "Stats", "RELATIONSHIP_SHAPES", "knob_names"]

RELATIONSHIP_SHAPES = ("spec", "wrapped", "bare")


@dataclass
class Knobs:
    """Per-server behaviour switches; every one can be changed while the server runs.

    Attributes:
        latency: seconds added to every request.
        rate_limit_every: every Nth authenticated request gets a 429 (0 = off).
        rate_limit_probability: chance of a 429 for each authenticated request.
        retry_after: whole seconds sent in the ``Retry-After`` header of a 429.
        error_probability: chance of a 502/503/504 for each authenticated request.
        token_lifetime: seconds an access token is valid (``expires_in``).
        refresh_token_lifetime: seconds a refresh token is valid (24 h, as documented).
        page_size_cap: largest ``page[size]`` honoured; larger sizes are capped silently.
        mutate_creates: records of the requested type created before each list/search page.
        mutate_deletes: records of the requested type retired before each list/search page.
        relationship_shape: ``"spec"``, ``"wrapped"`` or ``"bare"`` (see ``render``).
        seed: seed of the knobs' own random generator.
    """

    latency: float = 0.0
    rate_limit_every: int = 0
    rate_limit_probability: float = 0.0
    retry_after: int = 1
    error_probability: float = 0.0
    token_lifetime: float = 600.0
    refresh_token_lifetime: float = 24 * 3600.0
    page_size_cap: int = 500
    mutate_creates: int = 0
    mutate_deletes: int = 0
    relationship_shape: str = "spec"
    seed: int = 0
    rng: random.Random = field(default_factory=random.Random, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def __setattr__(self, name: str, value: Any) -> None:
        value = _check(name, value)
        super().__setattr__(name, value)
        if name == "seed" and "rng" in self.__dict__:
            self.rng.seed(value)

    def update(self, **changes: Any) -> None:
        """Set several knobs at once; unknown names raise ``TypeError``."""
        unknown = sorted(set(changes) - set(knob_names()))
        if unknown:
            raise TypeError(f"unknown knob(s) {', '.join(unknown)}; knobs are {', '.join(knob_names())}")
        for name, value in changes.items():
            setattr(self, name, value)


def knob_names() -> list[str]:
    """Names accepted by ``Knobs(...)`` and ``serve(**knobs)``."""
    return [f.name for f in fields(Knobs) if f.init]


def _check(name: str, value: Any) -> Any:
    if name in ("latency", "rate_limit_probability", "error_probability", "token_lifetime",
                "refresh_token_lifetime"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"knob {name} must be a number, not {value!r}")
        value = float(value)
        if value < 0:
            raise ValueError(f"knob {name} must be >= 0, not {value}")
        if name.endswith("probability") and value > 1:
            raise ValueError(f"knob {name} must be between 0 and 1, not {value}")
    elif name in ("rate_limit_every", "retry_after", "page_size_cap", "mutate_creates",
                  "mutate_deletes", "seed"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"knob {name} must be an int, not {value!r}")
        if value < 0 or (name == "page_size_cap" and value < 1):
            raise ValueError(f"knob {name} out of range: {value}")
    elif name == "relationship_shape":
        if value not in RELATIONSHIP_SHAPES:
            raise ValueError(f"relationship_shape must be one of {RELATIONSHIP_SHAPES}, not {value!r}")
    return value


@dataclass
class Stats:
    """Counters a test can read: requests served, 429s, 5xx answers, tokens issued."""

    requests: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    tokens_issued: int = 0
    authenticated: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def bump(self, name: str, by: int = 1) -> int:
        """Add ``by`` to one counter and return its new value (thread-safe)."""
        with self._lock:
            value = getattr(self, name) + by
            setattr(self, name, value)
            return value

    def reset(self) -> None:
        with self._lock:
            self.requests = self.rate_limited = self.server_errors = 0
            self.tokens_issued = self.authenticated = 0

    def as_dict(self) -> dict[str, int]:
        return {"requests": self.requests, "rate_limited": self.rate_limited,
                "server_errors": self.server_errors, "tokens_issued": self.tokens_issued,
                "authenticated": self.authenticated}
