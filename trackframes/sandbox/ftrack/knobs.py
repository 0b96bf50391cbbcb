"""Behaviour switches of the ftrack sandbox, with the ShotGrid sandbox's knob names.

The knobs both sandboxes have keep the same names and meanings, so a test can
pass one set to either backend: ``latency``, ``rate_limit_every``,
``rate_limit_probability``, ``retry_after``, ``error_probability``,
``page_size_cap``, ``mutate_creates``, ``mutate_deletes``, ``seed``. Two are
ftrack's own:

* ``cull_every``: permission culling. After every N visible rows of a query's
  scan order sits a row the API user may not see: it counts for ``offset`` and
  ``limit`` but is never returned, so a page can hold fewer rows than asked and
  ``metadata.next.offset`` jumps past rows, as the operations spec describes.
  The hidden rows exist for no other query, so the visible data equals a run
  without culling.
* ``references_once``: encode each entity fully once per reply and refer to it
  by type and id elsewhere (the real server's way); off, every occurrence is
  encoded in full.

ShotGrid's token knobs (``token_lifetime``, ``refresh_token_lifetime``) and
``relationship_shape`` have no meaning here and are refused by name.

>>> knobs = Knobs(latency=0.05, cull_every=3)
>>> knobs.update(page_size_cap=7, seed=2)
>>> knobs.page_size_cap, knobs.references_once
(7, True)
>>> knobs.update(token_lifetime=60)
Traceback (most recent call last):
...
TypeError: knob token_lifetime is the ShotGrid sandbox's; the ftrack sandbox authenticates with an API key and has no tokens
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["Knobs", "Stats", "knob_names", "SHOTGRID_ONLY"]

#: Knobs of the ShotGrid sandbox that the ftrack sandbox has no use for.
SHOTGRID_ONLY = {
    "token_lifetime": "the ftrack sandbox authenticates with an API key and has no tokens",
    "refresh_token_lifetime": "the ftrack sandbox authenticates with an API key and has no tokens",
    "relationship_shape": "ftrack encodes relations one way; see references_once",
}


@dataclass
class Knobs:
    """Per-server behaviour switches; every one can be changed while the server runs.

    Attributes:
        latency: seconds added to every request.
        rate_limit_every: every Nth authenticated request gets a 429 (0 = off).
        rate_limit_probability: chance of a 429 for each authenticated request.
        retry_after: whole seconds sent in the ``Retry-After`` header of a 429.
        error_probability: chance of a 502/503/504 for each authenticated request.
        page_size_cap: most rows a query page returns, whatever ``limit`` asks.
        mutate_creates: records of the queried type created before each query.
        mutate_deletes: records of the queried type deleted before each query.
        cull_every: one hidden row after every N visible rows (0 = off; see the module doc).
        references_once: encode each entity fully once per reply (see the module doc).
        seed: seed of the knobs' own random generator.
    """

    latency: float = 0.0
    rate_limit_every: int = 0
    rate_limit_probability: float = 0.0
    retry_after: int = 1
    error_probability: float = 0.0
    page_size_cap: int = 500
    mutate_creates: int = 0
    mutate_deletes: int = 0
    cull_every: int = 0
    references_once: bool = True
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
        for name in changes:
            if name in SHOTGRID_ONLY:
                raise TypeError(f"knob {name} is the ShotGrid sandbox's; {SHOTGRID_ONLY[name]}")
        unknown = sorted(set(changes) - set(knob_names()))
        if unknown:
            raise TypeError(f"unknown knob(s) {', '.join(unknown)}; knobs are {', '.join(knob_names())}")
        for name, value in changes.items():
            setattr(self, name, value)


def knob_names() -> list[str]:
    """Names accepted by ``Knobs(...)``."""
    return [f.name for f in fields(Knobs) if f.init]


def _check(name: str, value: Any) -> Any:
    if name in ("latency", "rate_limit_probability", "error_probability"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"knob {name} must be a number, not {value!r}")
        value = float(value)
        if not value >= 0:
            raise ValueError(f"knob {name} must be >= 0, not {value}")
        if name.endswith("probability") and value > 1:
            raise ValueError(f"knob {name} must be between 0 and 1, not {value}")
    elif name in ("rate_limit_every", "retry_after", "page_size_cap", "mutate_creates", "mutate_deletes",
                  "cull_every", "seed"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"knob {name} must be an int, not {value!r}")
        if value < 0 or (name == "page_size_cap" and value < 1):
            raise ValueError(f"knob {name} out of range: {value}")
    elif name == "references_once" and not isinstance(value, bool):
        raise TypeError(f"knob references_once must be True or False, not {value!r}")
    return value


@dataclass
class Stats:
    """Counters a test can read (thread-safe ``bump``)."""

    requests: int = 0
    authenticated: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    queries: int = 0
    culled: int = 0
    created: int = 0
    deleted: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def bump(self, name: str, by: int = 1) -> int:
        """Add ``by`` to one counter and return its new value."""
        with self._lock:
            value = getattr(self, name) + by
            setattr(self, name, value)
            return value

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init}

    def reset(self) -> None:
        with self._lock:
            for name in self.as_dict():
                setattr(self, name, 0)
