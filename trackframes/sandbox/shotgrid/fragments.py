"""Serialized records, cached: a page body is then a join of ready-made JSON fragments.

Serving the same records with the same columns again (paging through a large
result, a benchmark's repeated runs) skips rendering and JSON encoding. The
cache is dropped whenever the store changes (``store.version``), so a rename of
a linked record or any mutation is never served stale, and it is bounded.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Sequence

import orjson

__all__ = ["FragmentCache"]


class FragmentCache:
    """``(plan, record id) -> JSON bytes`` for one store, cleared on every store change."""

    def __init__(self, max_fragments: int = 400_000) -> None:
        self.max_fragments = max_fragments
        self._lock = threading.Lock()
        self._version: int | None = None
        self._plans: dict[Any, dict[int, bytes]] = {}
        self._size = 0

    def fragments(self, version: int, plan: Any, records: Sequence[dict[str, Any]],
                  render: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> list[bytes]:
        """The JSON of each record, rendering (as a batch) only those not cached for ``plan``."""
        with self._lock:
            if version != self._version:
                self._plans, self._size, self._version = {}, 0, version
            cached = self._plans.setdefault(plan, {})
            out: list[bytes | None] = [cached.get(rec["id"]) for rec in records]
        missing = [rec for rec, frag in zip(records, out) if frag is None]
        if missing:
            fresh = {rec["id"]: orjson.dumps(obj) for rec, obj in zip(missing, render(missing))}
            out = [frag if frag is not None else fresh[rec["id"]] for rec, frag in zip(records, out)]
            with self._lock:
                if version == self._version:
                    if self._size + len(fresh) > self.max_fragments:
                        self._plans, self._size = {plan: {}}, 0
                    target = self._plans.setdefault(plan, {})
                    target.update(fresh)
                    self._size += len(fresh)
        return out  # type: ignore[return-value]

    @staticmethod
    def page(fragments: list[bytes], links: dict[str, str]) -> bytes:
        """``{"data": [...], "links": {...}}`` from ready-made record fragments."""
        return b'{"data":[' + b",".join(fragments) + b'],"links":' + orjson.dumps(links) + b"}"
