"""Sandboxes and a request recorder for the fetch pipeline's tests.

The recorder is a ``requests`` response hook on the site's own session: it sees
every request the site sends (what the sandbox answers), and nothing is patched.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

import trackframes as tf


@pytest.fixture(scope="session")
def big() -> Iterator[Any]:
    """14,700 Tasks; a block of about 2,200 of them, mid-span, belongs to archived projects."""
    with tf.sandbox.serve(scale=1, seed=0) as sandbox:
        yield sandbox


@dataclass
class Sent:
    """The requests one site sent: endpoint name, query parameters and JSON body."""

    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)

    def clear(self) -> None:
        self.requests.clear()

    @property
    def pages(self) -> list[tuple[str, dict[str, str], Any]]:
        """Record pages: every search but the one-record id probes (the edges of the id span)."""
        return [r for r in self.requests
                if r[0] == "_search" and not (r[1].get("page[size]") == "1" and r[1].get("fields") == "id")]

    @property
    def probes(self) -> list[tuple[str, dict[str, str], Any]]:
        """What a read sends besides its pages: one-record id probes and counts (not tokens or schema)."""
        pages = self.pages
        return [r for r in self.requests if r[0] in ("_search", "_summarize") and r not in pages]

    @property
    def summaries(self) -> list[tuple[str, dict[str, str], Any]]:
        return [r for r in self.requests if r[0] == "_summarize"]

    def continuations(self) -> int:
        """Second round trips: range pages that continue a range already asked for (same upper id)."""
        ends = []
        for _, _, body in self.pages:
            bounds = [c[2] for c in _conditions(body.get("filters")) if c[:2] == ["id", "between"]]
            if bounds:
                ends.append(tuple(bounds[-1]))
        uppers = [hi for _, hi in ends]
        lowers = [lo for lo, _ in ends]
        # a continuation keeps one end of its range: the upper (ascending) or the lower (descending)
        return (len(uppers) - len(set(uppers))) + (len(lowers) - len(set(lowers)))


def _conditions(node: Any) -> Iterator[list[Any]]:
    if isinstance(node, dict):
        for item in node.get("conditions", []):
            yield from _conditions(item)
    elif isinstance(node, list) and node and isinstance(node[0], (list, dict)):
        for item in node:
            yield from _conditions(item)
    elif isinstance(node, list):
        yield node


def record(site: tf.Site) -> Sent:
    """Start recording the requests ``site`` sends."""
    sent = Sent()

    def hook(response: Any, *args: Any, **kwargs: Any) -> None:
        url = urlsplit(response.request.url)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        body = response.request.body
        try:
            parsed = json.loads(body) if body else None
        except (ValueError, TypeError):
            parsed = None
        sent.requests.append((url.path.rsplit("/", 1)[-1], query, parsed))

    site.backend.transport.session.hooks["response"].append(hook)
    return sent


def archived(sb: Any) -> set[int]:
    return {pid for pid, rec in sb.store.records["Project"].items() if rec.get("archived")}


def live_ids(sb: Any, entity: str, *, keep: Any = None, include_archived: bool = False) -> list[int]:
    """Reference: ids of the live records a default read returns, ascending (``keep(record)`` filters)."""
    hidden = set() if include_archived else archived(sb)
    out = []
    for rid in sorted(sb.store.records[entity]):
        rec = sb.store.records[entity][rid]
        if (rec.get("project") or {}).get("id") in hidden:
            continue
        if keep is None or keep(rec):
            out.append(rid)
    return out


def pages_for(rows: int, page_size: int) -> int:
    return math.ceil(rows / page_size)
