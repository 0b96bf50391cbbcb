"""How an ftrack query is paged: ranges of the id space, each walked by keyset on ``id``.

Plain ``offset``/``limit`` paging loses and repeats records when others are
created or deleted between pages: every record after the change shifts. So
records are paged by a stable key instead:

* the id space is cut into ranges by the first hex digits of the ids (ftrack
  ids are UUIDs, spread evenly over that space): ``id >= "40000000-..." and
  id < "80000000-..."``; the first range has no lower bound and the last no
  upper bound, so every id falls in exactly one range, whatever its form;
* each range is asked for ``order by id``, and continues with ``id > "<last id
  of the page>"`` for as long as the server's ``metadata.next.offset`` says
  more rows follow. A page may hold fewer rows than asked (the server caps
  the page size, or hides rows the API user may not see: "permission
  culling"); the continuation starts after the last row *returned*, so
  nothing is skipped either way;
* a page that returns no row but a ``next.offset`` (every row of its window
  was hidden) continues from that offset, as given, within the same range and
  lower bound: it may jump past many hidden rows.

A record present for the whole fetch has one id, hence one range and one
place in that range's id order: it is returned exactly once, whatever is
created or deleted meanwhile (records created during the fetch may or may not
appear). Ranges are fetched concurrently; their number follows the count when
it is known, else :data:`DEFAULT_RANGES` per unit of concurrency.

Every page is checked before it is followed: its ids must be in the range,
above the lower bound and increasing, and an offset continuation must move
forward; a server that ignores the filter or the order would otherwise be
asked the same thing forever (:class:`~trackframes.exceptions.ProtocolError`).

A ``limit`` without order walks one range from the start and asks for no more
rows than are still missing: at most ``ceil(limit / page_size)`` requests
(more only when the server hides or caps rows).

>>> bounds(4)
[None, '40000000-0000-0000-0000-000000000000', '80000000-0000-0000-0000-000000000000', 'c0000000-0000-0000-0000-000000000000', None]
>>> print(range_clause(None, "40000000-0000-0000-0000-000000000000", "1b3"))
(id < "40000000-0000-0000-0000-000000000000") and (id > "1b3")
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ...answers import Source, misbehaviour
from ...paging import Page as PagingPage
from . import ql

__all__ = ["Request", "bounds", "range_clause", "DEFAULT_RANGES", "MAX_RANGES", "Walker"]

#: Ranges per unit of concurrency when the number of records is not known.
DEFAULT_RANGES = 4
#: The most ranges a plan cuts the id space into.
MAX_RANGES = 4096
_SPACE = 16 ** 8
_TAIL = "-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Request:
    """One page to fetch: a range ``[lo, hi)`` of ids (``None``: open), the lower bound ``after``
    (exclusive), the offset within that, the range's index and the page's sequence number in it."""

    lo: str | None
    hi: str | None
    after: str | None = None
    offset: int = 0
    index: int = 0
    seq: int = 0
    got: int = 0


def _position(uid: str) -> int | None:
    """Where an id sits in the UUID space (its first 8 hex digits), or ``None`` for another kind of id."""
    head = uid[:8]
    if len(uid) < 8 or not all(c in "0123456789abcdefABCDEF" for c in head):
        return None
    return int(head, 16)


def bounds(parts: int) -> list[str | None]:
    """``parts + 1`` range bounds over the UUID space (first and last open)."""
    parts = max(1, min(parts, MAX_RANGES))
    inner = [f"{(_SPACE * i) // parts:08x}{_TAIL}" for i in range(1, parts)]
    return [None, *inner, None]


def range_clause(lo: str | None, hi: str | None, after: str | None) -> str | None:
    """The id bounds of a page as a clause (``None`` when it has none)."""
    parts = []
    if lo is not None:
        parts.append(ql.condition("id", ">=", lo))
    if hi is not None:
        parts.append(ql.condition("id", "<", hi))
    if after is not None:
        parts.append(ql.condition("id", ">", after))
    return ql.and_(*parts) if parts else None


class Walker:
    """Builds page expressions and continuations for one query (``where``: the filter clause or ``None``)."""

    def __init__(self, entity: str, projections: list[str], where: str | None, page_size: int,
                 source: Source, limit: int | None = None) -> None:
        self.entity = entity
        self.projections = projections
        self.where = where
        self.page_size = page_size
        self.source = source
        self.limit = limit

    def first(self) -> Request:
        """The first page: the whole id space from its start."""
        return Request(None, None)

    def fan_out(self, first: Request, ids: list[str], next_offset: int | None, fallback: int) -> list[Request]:
        """The requests after the first page: its continuation, cut into ranges over the rest of the id space.

        The number of ranges follows the density of the first page (ids are spread
        evenly: a page whose last id sits at 1/50th of the space stands for about 50
        pages); ``fallback`` ranges when the ids are not UUIDs. Boundaries at or below
        the last id are dropped, so no record is asked for twice.
        """
        more = self.follow(first, ids, next_offset)
        if more is None or self.limit is not None or not ids:
            return [] if more is None else [more]
        position = _position(ids[-1])
        if position is None:
            parts = fallback
        else:
            share = (position + 1) / _SPACE
            remaining = max(0.0, len(ids) / share - len(ids))
            parts = max(1, min(MAX_RANGES, math.ceil(remaining / max(1, self.page_size))))
        last = ids[-1].lower()
        edges = [b for b in bounds(parts)[1:-1] if b > last]
        if position is not None and parts > 1:  # cut what is left after the last id, not the whole space
            step = (_SPACE - position) / parts
            edges = [f"{int(position + step * i):08x}{_TAIL}" for i in range(1, parts)]
            edges = [b for b in dict.fromkeys(edges) if b > last]
        his = [*edges, None]
        out = [Request(None, his[0], ids[-1], 0, 0, 1, len(ids))]
        out += [Request(edges[i], his[i + 1], index=i + 1) for i in range(len(edges))]
        return out

    def size(self, request: Request) -> int:
        if self.limit is None:
            return self.page_size
        return max(0, min(self.page_size, self.limit - request.got))

    def expression(self, request: Request) -> str:
        clause = range_clause(request.lo, request.hi, request.after)
        where = ql.and_(*(c for c in (self.where, clause) if c)) if (self.where or clause) else None
        return ql.select(self.entity, self.projections, where=where, order_by=["id"],
                         offset=request.offset or None, limit=self.size(request))

    def follow(self, request: Request, ids: list[str], next_offset: int | None) -> Request | None:
        """The continuation of ``request`` after a page of ``ids`` (checked; see the module docstring)."""
        self.check(request, ids)
        got = request.got + len(ids)
        if next_offset is None or (self.limit is not None and got >= self.limit):
            return None
        if ids:
            return Request(request.lo, request.hi, ids[-1], 0, request.index, request.seq + 1, got)
        if next_offset <= request.offset:
            raise misbehaviour(self.source, f"with no rows and metadata.next.offset {next_offset} for a page at "
                                            f"offset {request.offset}: following it would ask for the same page "
                                            "forever.")
        return Request(request.lo, request.hi, request.after, next_offset, request.index, request.seq + 1, got)

    def check(self, request: Request, ids: list[str]) -> None:
        if not ids:
            return
        keys = [i.lower() for i in ids]
        low = request.after.lower() if request.after is not None else None
        if any(b <= a for a, b in zip(keys, keys[1:])):
            raise misbehaviour(self.source, "with ids out of order although it was asked to order by id, so the "
                                            "records cannot be paged safely.")
        first, last = keys[0], keys[-1]
        if (low is not None and first <= low) or (request.lo is not None and first < request.lo) or (
                request.hi is not None and last >= request.hi):
            raise misbehaviour(self.source, f"with ids {ids[0]} to {ids[-1]} outside the id range it was asked "
                                            "for: it ignores the id filter, and following it would request the "
                                            "same records forever.")

    def page(self, request: Request, parsed: Any, ids: list[str], next_offset: int | None) -> PagingPage[Any]:
        more = self.follow(request, ids, next_offset)
        return PagingPage(parsed, len(ids), next=more, key=(request.index, request.seq))

