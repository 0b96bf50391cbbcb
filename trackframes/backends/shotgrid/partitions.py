"""A ShotGrid read split into independent id ranges (the PARTITION capability, ``site.to_dask``).

The split comes from the survey the fetch plans already make (:func:`.plans.survey`):
the record count, the id span (two one-record searches) and the count per id
bucket (one ``_summarize`` grouped by id). The cut points are where the running
count of matches crosses each ``count * k / n``, interpolated inside a bucket,
so parts hold about the same number of records even when a filter leaves most
of the span empty. The ranges cover the whole span, without gap or overlap:
a wrong bucket costs balance, never records. Ids are ordered, so each part's
``low``/``high`` are known (Dask divisions).

All Tasks in three parts of about equal size:

>>> import trackframes as tf
>>> from trackframes.backends.base import Query
>>> with tf.sandbox.serve(scale=0.05, seed=1) as sb:
...     backend = sb.connect(progress=False).backend
...     query = Query("Task", backend.check_filters("Task", None).native,
...                   tuple(backend.resolve_fields("Task", ["content"])), include_archived_projects=True)
...     parts = partitions(backend, query, parts=3)
...     ids = sorted(sb.store.records["Task"])
>>> len(parts), parts[0].low == ids[0], parts[-1].high == ids[-1]
(3, True, True)
>>> all(a.high + 1 == b.low for a, b in zip(parts, parts[1:]))  # no gap, no overlap
True
>>> parts[0].condition.to_list()[:2]
['id', 'between']
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

from ...query.filters import Condition
from ..base import Partition, Query
from .plans import survey

if TYPE_CHECKING:  # pragma: no cover
    from .backend import ShotGridBackend

__all__ = ["partitions", "cut_points"]

#: The page size the survey sizes its id buckets for (buckets of about 1/16 of this many records).
SURVEY_PAGE = 500


def partitions(backend: "ShotGridBackend", query: Query, *, parts: int | None = None,
               rows: int = 50_000) -> list[Partition]:
    """``query`` as id ranges: ``parts`` of them, or about ``rows`` records each (see the module docstring)."""
    found = survey(backend, query, SURVEY_PAGE, buckets="always")
    if found.low is None or found.high is None:  # no match now: one part, the whole query
        return [Partition(None, rows=found.count or 0)]
    count = found.count
    if parts is None:
        parts = 1 if count is None else max(1, math.ceil(count / rows))
    buckets = found.buckets or ([(found.low, found.high, count)] if count else [])
    cuts = cut_points(buckets, found.low, found.high, parts)
    bounds = [found.low, *cuts, found.high + 1]
    out = []
    for lo, nxt in zip(bounds, bounds[1:]):
        hi = nxt - 1
        expected = None if count is None else _records(buckets, lo, hi)
        out.append(Partition(Condition("id", "between", [lo, hi]), lo, hi, expected))
    return out


def cut_points(buckets: Sequence[tuple[int, int, int]], low: int, high: int, parts: int) -> list[int]:
    """The first ids of parts 2..n of ``[low, high]``: equal shares of the records the buckets count.

    ``buckets`` are ``(first id, last id, records)``; records are taken as even
    inside a bucket. Cut points increase strictly and leave every part at least
    one id, so there are ``min(parts, high - low + 1)`` parts.

    >>> cut_points([(1, 100, 100), (101, 1000, 100)], 1, 1000, 2)  # half the records are in ids 1-100
    [101]
    >>> cut_points([], 1, 10, 20)  # no counts: even ids, at most one part per id
    [2, 3, 4, 5, 6, 7, 8, 9, 10]
    """
    parts = max(1, min(parts, high - low + 1))
    total = sum(r for _, _, r in buckets)
    cuts: list[int] = []
    for k in range(1, parts):
        if total > 0:
            cut = _position(buckets, total * k / parts)
        else:
            cut = low + ((high - low + 1) * k) // parts
        earliest = cuts[-1] + 1 if cuts else low + 1
        latest = high - (parts - 1 - k)
        cuts.append(min(max(cut, earliest), latest))
    return cuts


def _position(buckets: Sequence[tuple[int, int, int]], target: float) -> int:
    """The first id after the first ``target`` records (records even inside each bucket)."""
    seen = 0.0
    for first, last, records in buckets:
        if records > 0 and seen + records >= target:
            share = (target - seen) / records
            return first + math.ceil(share * (last - first + 1))
        seen += records
    return buckets[-1][1] + 1


def _records(buckets: Sequence[tuple[int, int, int]], lo: int, hi: int) -> int:
    """The records the buckets put in ``[lo, hi]`` (even inside a bucket), rounded."""
    total = 0.0
    for first, last, records in buckets:
        overlap = min(hi, last) - max(lo, first) + 1
        if overlap > 0:
            total += records * overlap / (last - first + 1)
    return round(total)
