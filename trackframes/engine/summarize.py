"""Summaries of a shaped table, in total and per (nested) group: :func:`summarize`.

The result is the :class:`~trackframes.summaries.SummaryResult` a backend's
``summarize`` returns, with every value as the server returns it (the sandbox
server is the reference), so :func:`trackframes.summaries.summary_frame`
turns either into the same frame. Groups are described in
:mod:`trackframes.engine.buckets`. "Values" below are a field's non-null
(non-empty) values in the group:

* ``record_count``: the records; ``count``: the records with a value;
* ``sum`` (0, or 0.0 for float fields, when there are none), ``average`` (a float, or
  None), ``maximum``/``minimum`` of numbers; ``earliest``/``latest`` of dates and
  date-times (ISO 8601 text), None when there are none;
* ``checked``/``unchecked``: records checked / not checked (null counts as unchecked);
  ``percentage``: the percentage checked, an int rounded half up (0 for no records);
* ``status_percentage``: the percentage of records whose status is the summary's value
  (default ``"fin"``), rounded half up; ``status_percentage_as_float`` unrounded;
  ``status_list``: ``{status: records}`` of the non-null statuses, in the field's
  valid-values order, other values after them by name.

>>> import trackframes as tf
>>> from trackframes.engine import summarize
>>> from trackframes.summaries import Grouping, Summary
>>> with tf.sandbox.serve(scale=0.02, seed=1) as sb:
...     site = sb.connect(progress=False)
...     fields = ["est_in_mins", "step"]
...     table = site.find_arrow("Task", fields=fields)
...     specs = site.backend.resolve_fields("Task", fields)
...     wanted, levels = [Summary("est_in_mins", "sum")], [Grouping("step", "exact", "desc")]
...     local = summarize(table, wanted, levels, specs)
...     remote = site.backend.summarize("Task", site.backend.check_filters("Task", None).native, wanted,
...                                      levels)
>>> [(g.name, g.summaries) for g in local.groups] == [(g.name, g.summaries) for g in remote.groups]
True
>>> local.total == remote.total
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import SchemaError
from ..suggest import hint, suggest
from ..schema import FieldKind, FieldSpec
from ..backends.base import Grouping, Summary, SummaryGroup, SummaryResult
from ..query.summaries import parse_grouping, parse_summaries
from .buckets import Head, memberships, wire
from .clock import utc_now
from .columns import Specs, column, present, spec_for, spec_map, text, to_bool

__all__ = ["summarize", "SUMMARY_KINDS", "DEFAULT_STATUS"]

#: The status ``status_percentage`` counts when the summary names none (the server's default).
DEFAULT_STATUS = "fin"

_NUMBERS = frozenset({FieldKind.INTEGER, FieldKind.FLOAT})
_DATES = frozenset({FieldKind.DATE, FieldKind.DATETIME})

#: Summary type → the field kinds it applies to (``None``: every kind).
SUMMARY_KINDS: dict[str, frozenset[FieldKind] | None] = {
    "record_count": None,
    "count": None,
    "sum": _NUMBERS,
    "average": _NUMBERS,
    "maximum": _NUMBERS,
    "minimum": _NUMBERS,
    "earliest": _DATES,
    "latest": _DATES,
    "percentage": frozenset({FieldKind.BOOLEAN}),
    "checked": frozenset({FieldKind.BOOLEAN}),
    "unchecked": frozenset({FieldKind.BOOLEAN}),
    "status_percentage": frozenset({FieldKind.CATEGORY}),
    "status_percentage_as_float": frozenset({FieldKind.CATEGORY}),
    "status_list": frozenset({FieldKind.CATEGORY}),
}


def summarize(table: pa.Table, summaries: Any, groupings: Any, specs: Specs, *, today: date | None = None,
              type_names: Mapping[str, str] | None = None) -> SummaryResult:
    """Summaries of every row of ``table``, in total and per group.

    ``summaries`` and ``groupings`` are :class:`~trackframes.summaries.Summary` and
    :class:`~trackframes.summaries.Grouping` lists (or the forms ``site.summarize``
    accepts); ``specs`` the fields' specs. ``today`` (default: the current UTC date)
    anchors ``clustered_date``; ``type_names`` maps entity types to the display
    names ``entitytype`` groups are named by (default: the type itself).
    """
    wanted = list(summaries) if _all(summaries, Summary) else parse_summaries(summaries)
    levels = list(groupings) if _all(groupings, Grouping) else parse_grouping(groupings)
    by_name = spec_map(specs)
    fields = [_checked(table, by_name, s) for s in wanted]
    level_specs = [spec_for(table, by_name, g.field) for g in levels]
    today = today or utc_now().date()
    n = table.num_rows
    result = SummaryResult()
    rows, gids = np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    totals = _aggregate(table, wanted, fields, rows, gids, 1)
    result.total = {i: values[0] for i, values in enumerate(totals)}
    parents: list[SummaryGroup] = []
    for depth, (level, spec) in enumerate(zip(levels, level_specs)):
        mrows, mbuckets, heads = memberships(table, level.type, spec, today=today, type_names=type_names)
        rows, parent_of, bucket_of, gids = _join(n, rows, gids, mrows, mbuckets, len(heads))
        groups = len(parent_of)
        values = _aggregate(table, wanted, fields, rows, gids, groups)
        rank = _ranks(heads, level.direction == "desc")
        order = np.lexsort((rank[bucket_of], parent_of))
        made: list[SummaryGroup] = [None] * groups  # type: ignore[list-item]
        inner = depth < len(levels) - 1
        for g in order.tolist():
            head = heads[int(bucket_of[g])]
            group = SummaryGroup(name=head.name, value=head.value,
                                 summaries={i: v[g] for i, v in enumerate(values)}, groups=[] if inner else None)
            made[g] = group
            (result.groups if depth == 0 else parents[int(parent_of[g])].groups).append(group)  # type: ignore[union-attr]
        parents = made
    return result


def _all(items: Any, kind: type) -> bool:
    return isinstance(items, (list, tuple)) and all(isinstance(x, kind) for x in items)


def _checked(table: pa.Table, specs: Mapping[str, FieldSpec], summary: Summary) -> FieldSpec:
    spec = spec_for(table, specs, summary.field)
    if summary.type not in SUMMARY_KINDS:
        hints = suggest(summary.type, SUMMARY_KINDS)
        raise SchemaError(f"Unknown summary type {summary.type!r}.{hint(hints)} Summary types: "
                          f"{', '.join(SUMMARY_KINDS)}.", name=summary.type, suggestions=hints)
    kinds = SUMMARY_KINDS[summary.type]
    if kinds is not None and spec.kind not in kinds:
        fits = [k for k, ks in SUMMARY_KINDS.items() if ks is None or spec.kind in ks]
        raise SchemaError(f"Summary type {summary.type!r} does not apply to {summary.field!r}, a "
                          f"{spec.kind.value} field. Summary types for it: {', '.join(fits)}.", name=summary.type,
                          suggestions=fits)
    return spec


def _join(n: int, rows: np.ndarray, gids: np.ndarray, mrows: np.ndarray, mbuckets: np.ndarray, nbuckets: int
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (row, group of the previous level) × the level's (row, bucket) memberships.

    Returns the new pairs' rows, each new group's parent group and bucket, and each pair's group.
    """
    order = np.argsort(mrows, kind="stable")
    mrows, mbuckets = mrows[order], mbuckets[order]
    counts = np.bincount(mrows, minlength=n)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])) if n else np.zeros(0, dtype=np.int64)
    per_pair = counts[rows]
    pick = np.repeat(np.arange(len(rows)), per_pair)
    first = np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    within = np.arange(len(pick)) - first
    new_rows = rows[pick]
    parent = gids[pick]
    bucket = mbuckets[starts[new_rows] + within]
    size = max(nbuckets, 1)
    keys, new_gids = np.unique(parent * size + bucket, return_inverse=True)
    return new_rows, keys // size, keys % size, new_gids.reshape(-1)


def _ranks(heads: list[Head], desc: bool) -> np.ndarray:
    """Each bucket's position: by its ordering key, the null group last ascending and first descending."""
    keyed = sorted((h.order, i) for i, h in enumerate(heads) if not h.null)
    rank = np.empty(max(len(heads), 1), dtype=np.int64)
    count = len(keyed)
    for pos, (_, i) in enumerate(keyed):
        rank[i] = count - 1 - pos if desc else pos
    for i, h in enumerate(heads):
        if h.null:
            rank[i] = -1 if desc else count
    return rank


# ---------------------------------------------------------------------------
# aggregation
# ---------------------------------------------------------------------------

def _half_up_percent(part: np.ndarray, whole: np.ndarray) -> list[int]:
    """``round(100 * part / whole)`` with halves rounded up, in integers (0 for no records)."""
    return [(200 * int(p) + int(w)) // (2 * int(w)) if w else 0 for p, w in zip(part, whole)]


def _aggregate(table: pa.Table, wanted: Sequence[Summary], specs: Sequence[FieldSpec], rows: np.ndarray,
               gids: np.ndarray, groups: int) -> list[list[Any]]:
    """Per summary, its value for each group (``gids[j]`` is the group of row ``rows[j]``)."""
    records = np.bincount(gids, minlength=groups)
    cache: dict[str, Any] = {}
    out = []
    for summary, spec in zip(wanted, specs):
        kind = summary.type
        if kind == "record_count":
            out.append([int(x) for x in records])
        elif kind == "count":
            has = present(table, spec)[rows]
            out.append([int(x) for x in np.bincount(gids, weights=has, minlength=groups)])
        elif kind in ("checked", "unchecked", "percentage"):
            checked = np.bincount(gids, weights=to_bool(column(table, spec.name))[rows], minlength=groups)
            if kind == "checked":
                out.append([int(x) for x in checked])
            elif kind == "unchecked":
                out.append([int(r - c) for r, c in zip(records, checked)])
            else:
                out.append(_half_up_percent(checked, records))
        elif kind in ("status_percentage", "status_percentage_as_float"):
            target = DEFAULT_STATUS if summary.value is None else summary.value
            hits = to_bool(pc.equal(text(column(table, spec.name)), target))[rows]
            matched = np.bincount(gids, weights=hits, minlength=groups)
            if kind == "status_percentage":
                out.append(_half_up_percent(matched, records))
            else:
                out.append([100.0 * float(m) / int(r) if r else 0.0 for m, r in zip(matched, records)])
        elif kind == "status_list":
            out.append(_status_lists(table, spec, rows, gids, groups))
        else:
            stats = cache.get(spec.name)
            if stats is None:
                stats = cache[spec.name] = _stats(table, spec, rows, gids, groups)
            out.append(_from_stats(kind, spec, stats, groups))
    return out


def _stats(table: pa.Table, spec: FieldSpec, rows: np.ndarray, gids: np.ndarray, groups: int
           ) -> dict[str, list[Any]]:
    """Sum, count, min and max of the field's values per group (Arrow's group_by)."""
    values = column(table, spec.name).take(pa.array(rows))
    numeric = spec.kind in _NUMBERS
    aggs = [("v", "count"), ("v", "min"), ("v", "max")] + ([("v", "sum")] if numeric else [])
    grouped = pa.table({"g": pa.array(gids), "v": values}).group_by("g").aggregate(aggs)
    out: dict[str, list[Any]] = {name: [None] * groups for name in ("count", "min", "max", "sum")}
    g = grouped.column("g").to_pylist()
    for name in ("count", "min", "max", "sum"):
        if f"v_{name}" not in grouped.column_names:
            continue
        for at, value in zip(g, grouped.column(f"v_{name}").to_pylist()):
            out[name][at] = value
    return out


def _from_stats(kind: str, spec: FieldSpec, stats: dict[str, list[Any]], groups: int) -> list[Any]:
    if kind == "sum":
        zero: Any = 0.0 if spec.kind is FieldKind.FLOAT else 0
        return [zero if s is None else s for s in stats["sum"]]
    if kind == "average":
        return [None if not c else float(s) / c for s, c in zip(stats["sum"], stats["count"])]
    if kind in ("maximum", "latest"):
        return [wire(v) for v in stats["max"]]
    return [wire(v) for v in stats["min"]]  # minimum, earliest


def _status_lists(table: pa.Table, spec: FieldSpec, rows: np.ndarray, gids: np.ndarray, groups: int
                  ) -> list[dict[str, int]]:
    statuses = text(column(table, spec.name)).take(pa.array(rows))
    grouped = pa.table({"g": pa.array(gids), "s": statuses}).group_by(["g", "s"]).aggregate([("s", "count")])
    counts: list[dict[str, int]] = [{} for _ in range(groups)]
    for g, status, count in zip(grouped.column("g").to_pylist(), grouped.column("s").to_pylist(),
                                grouped.column("s_count").to_pylist()):
        if status is not None:
            counts[g][status] = count
    order = {s: i for i, s in enumerate(spec.valid_values)}
    return [dict(sorted(c.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))) for c in counts]
