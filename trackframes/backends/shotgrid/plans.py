"""Fetch plans for ShotGrid reads: which requests, in which order, and how each page continues.

Records are never paged by page number (edits during the fetch would shift them
between pages). :func:`plan` picks one of:

* **one request** when ``limit`` fits in a page (the server sorts). If the server
  caps the page below the limit (a short page with ``links.next``), the fetch
  continues by keyset on ``id`` (no order, or an order on ``id``) or falls back
  to the id ranges below at the server's page size, sorted locally (any other
  order);
* **a keyset chain** for a ``limit`` of a few pages (:data:`KEYSET_PAGES`) in id
  order: page after page (``id`` greater than the last one), so
  ``ceil(limit / page_size)`` requests and no probe. A ``limit`` over a page in
  the order of a number or date field is read the same way, the server sorting
  (``field,id``) and each page continuing after the last row's value and id,
  nulls where PostgreSQL puts them (last ascending, first descending);
* **id ranges** otherwise. The record count (``_summarize``) and the id span (two
  one-record searches) come first, in parallel. When the matches fill only part
  of their span (a filter, archived projects hidden), one more ``_summarize``
  counts them per id bucket (:func:`id_buckets`) and the ranges are sized from
  where the records really are (:func:`~trackframes.paging.bucket_ranges`): a
  range that the count sized over ids the filter excludes would come back
  short, and one over a dense stretch would need a second round trip. Dense
  matches get even ranges. Ranges of about one page each are fetched
  concurrently; a range holding more than a page continues by keyset. A larger
  ``limit`` in id order takes only the ranges that hold its rows, when the
  buckets say exactly where they are (else the keyset chain reads them). A
  ``limit`` over a page in the order of another kind of field (text, links)
  reads every match and cuts locally: the filters cannot say "after this text
  value" in the server's collation.

Every Task, archived projects included, in one range per page of 500:

>>> import trackframes as tf
>>> from trackframes.backends.base import Query
>>> with tf.sandbox.serve(scale=0.2, seed=1) as sb:
...     site = sb.connect(progress=False)
...     backend = site.backend
...     fields = tuple(backend.resolve_fields("Task", ["content"]))
...     query = Query("Task", backend.check_filters("Task", None).native, fields, include_archived_projects=True)
...     len(plan(backend, query, 500).requests) == -(-len(sb.store.records["Task"]) // 500)
True

Every page is checked before it is trusted: ids must lie inside the requested
range and increase (else a continuation could loop forever), a page must not
exceed its size. Anything else raises
:class:`~trackframes.exceptions.ProtocolError` (:mod:`trackframes.answers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from typing import TYPE_CHECKING, Any, Callable, Sequence

import pyarrow.compute as pc

from ...answers import Malformed, Source, json_type, misbehaviour
from ...exceptions import QueryError
from ...paging import Page, bucket_ranges, gather, id_ranges
from ...schema import FieldKind
from ..base import Plan, Query
from .decode import PageDecoder, RawPage
from .filters import and_
from .names import path_name
from .schema import ID_SPEC

if TYPE_CHECKING:  # pragma: no cover
    from .backend import ShotGridBackend

__all__ = ["plan", "survey", "count_by_id", "Survey", "KEYSET_PAGES", "ID_BUCKETS", "DENSE", "MOST_BUCKETS"]

#: An id-ordered ``limit`` of up to this many pages is read by one keyset chain (no probes: fewer round
#: trips than probes, buckets and ranges); a larger one by the id ranges that hold it.
KEYSET_PAGES = 4
#: The numeric grouping types of ``_summarize`` (bucket width, name), used to count records per id bucket.
ID_BUCKETS = ((10, "tens"), (100, "hundreds"), (1_000, "thousands"), (10_000, "tensofthousands"),
              (100_000, "hundredsofthousands"), (1_000_000, "millions"))
#: Matches that fill less than this share of their id span get ranges sized by id buckets.
DENSE = 0.97
#: The most id buckets asked for (the answer stays under a few MB).
MOST_BUCKETS = 50_000


def plan(backend: "ShotGridBackend", query: Query, page_size: int) -> Plan:
    """The plan for ``query`` (see the module docstring)."""
    decoder = PageDecoder(query.fields)
    limit = query.limit
    if limit is not None and limit <= page_size:
        return _keyset_plan(backend, query, decoder, page_size)
    if limit is not None and _id_order(query.order) is not None:
        if -(-limit // page_size) > KEYSET_PAGES and not query.retired:
            ranged = _range_plan(backend, query, decoder, page_size, limit=limit)
            if ranged is not None:
                return ranged
        return _keyset_plan(backend, query, decoder, page_size)
    if limit is not None:
        chained = _field_keyset_plan(backend, query, decoder, page_size)
        if chained is not None:
            return chained
    ranged = _range_plan(backend, query, decoder, page_size)
    assert ranged is not None
    return ranged


@dataclass
class Survey:
    """What a read learns before its pages: the count, the id span and, if asked for, the matches per id
    bucket (``(first id, last id, records)``)."""

    count: int | None
    low: int | None
    high: int | None
    buckets: list[tuple[int, int, int]] | None = None


def survey(backend: "ShotGridBackend", query: Query, page_size: int, *, buckets: str = "sparse",
           widest: int | None = None) -> Survey:
    """Count the matches and find their id span (two one-record searches), in parallel.

    ``buckets``: ``"sparse"`` asks for the count per id bucket (:func:`count_by_id`)
    when the matches fill less than :data:`DENSE` of their span, ``"always"``
    always (``widest`` caps the bucket width), ``"never"`` never. When an
    earlier read of the entity told its span, the buckets are asked for in the
    same round trip as the span (their total is the count); else in a second.
    Retired records have no count (``_summarize`` cannot count them).
    """
    source = backend.search_source(query.entity)

    def edge(sort: str) -> Callable[[], int | None]:
        def probe() -> int | None:
            page = backend.search(query, query.filters, sort=sort, size=1, fields=[ID_SPEC], raw=True, source=source)
            return page.ids[0].as_py() if page.rows else None
        return probe

    hint = backend.id_spans.get(query.entity)
    width = None
    if hint is not None and buckets != "never" and not query.retired and backend.groups_ids:
        width = _width(*hint, page_size, widest)
    if width is not None:
        low, high, grouped = gather([edge("id"), edge("-id"), lambda: count_by_id(backend, query, width)])
        if grouped is not None:
            found = Survey(grouped[0], low, high, grouped[1])
        else:  # the server refused to group by id: count in a second round trip
            found = Survey(backend.count(query), low, high)
    else:
        calls = [edge("id"), edge("-id")] + ([] if query.retired else [lambda: backend.count(query)])
        low, high, *count = gather(calls)
        found = Survey(count[0] if count else None, low, high)
        if found.count and low is not None and high is not None and found.count > page_size \
                and (buckets == "always" or (buckets == "sparse" and found.count < DENSE * (high - low + 1))):
            width = _width(high - low + 1, found.count, page_size, widest)
            grouped = count_by_id(backend, query, width) if width is not None else None
            found.buckets = grouped[1] if grouped is not None else None
    if low is not None and high is not None:
        if low > high:
            raise misbehaviour(source, f"with a smallest id ({low}) above its largest ({high}): it seems to "
                                       "ignore the sort parameter, so the records cannot be paged safely.")
        if found.count:
            backend.id_spans[query.entity] = (high - low + 1, found.count)
    return found


def _width(span: int, count: int, page_size: int, widest: int | None) -> int | None:
    """The bucket width: the smallest that keeps the answer to about 16 buckets per page of matches (at
    least 256, at most :data:`MOST_BUCKETS`); ``None`` when it would be wider than ``widest``."""
    most = min(MOST_BUCKETS, max(256, 16 * -(-count // page_size)))
    width = next((w for w, _ in ID_BUCKETS if -(-span // w) <= most), ID_BUCKETS[-1][0])
    return None if widest is not None and width > widest else width


def count_by_id(backend: "ShotGridBackend", query: Query, width: int
                ) -> tuple[int, list[tuple[int, int, int]] | None] | None:
    """Where the matches are, from one ``_summarize`` grouped by id buckets of ``width`` ids: the total
    count and ``(first id, last id, records)`` per bucket (``None`` if no bucket was usable).

    ``None`` when the server cannot group by id (remembered: not asked again).
    The buckets only size the id ranges, which always cover the whole span: a
    wrong bucket costs time, never records.
    """
    if not backend.groups_ids:
        return None
    kind = dict(ID_BUCKETS)[width]
    body = {"filters": query.filters, "summary_fields": [{"field": "id", "type": "record_count"}],
            "grouping": [{"field": "id", "type": kind, "direction": "asc"}],
            "options": {"include_archived_projects": query.include_archived_projects}}
    try:
        data = backend.read("POST", f"/entity/{path_name(query.entity)}/_summarize",
                            what=f"Counting {query.entity} by id", expect=dict, parse=summary_data, body=body,
                            content_type=backend.HASH_FILTERS)
    except QueryError:
        backend.groups_ids = False  # this server does not group by id: even ranges from now on
        return None
    total = data["summaries"].get("id")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise Malformed(f"JSON of the wrong shape (the record count is {total!r}, not a whole number)")
    buckets = []
    for group in data.get("groups") or []:
        start = _bucket_start(group)
        records = (group.get("summaries") or {}).get("id") if isinstance(group, dict) else None
        if start is not None and isinstance(records, int) and not isinstance(records, bool) and records > 0:
            buckets.append((start, start + width - 1, records))
    return total, buckets or None


def _range_plan(backend: "ShotGridBackend", query: Query, decoder: PageDecoder, page_size: int, *,
                limit: int | None = None) -> Plan | None:
    """Id ranges of about one page each; with ``limit`` (id order) only those holding its rows, or
    ``None`` when where those lie is not known exactly (the caller then reads them by keyset)."""
    found = survey(backend, query, page_size, buckets="sparse" if limit is None else "always",
                   widest=None if limit is None else page_size)
    count, low, high = found.count, found.low, found.high
    fetch, finish = _range_fetch(backend, query, decoder, page_size)
    if low is None or high is None:
        return Plan([], fetch, total=0 if count is None else count, assemble=decoder.assemble, finish=finish,
                    recount=(lambda: backend.count(query) or 0) if count else None)
    if limit is not None:
        prefix = _limit_ranges(found, page_size, limit, descending=_id_order(query.order) is True)
        if prefix is None:
            return None
        descending = _id_order(query.order) is True
        return Plan([(lo, hi, 0, descending) for lo, hi, _ in prefix], fetch, total=min(limit, count or 0),
                    assemble=decoder.assemble, finish=finish, limit=limit)
    if found.buckets is not None:
        ranges = [(lo, hi) for lo, hi, _ in bucket_ranges(found.buckets, low, high, page_size)]
    elif count is None:  # retired records: no count, so guess generously (continuations fill in)
        ranges = id_ranges(low, high, page_size * max(1, backend.settings.concurrency) * 2, page_size)
    else:
        ranges = id_ranges(low, high, max(count, 1), page_size)
    recount: Callable[[], int] | None = None
    if count is not None:
        span = and_(query.filters, ["id", "between", [low, high]])
        recount = lambda: backend.count_filters(query.entity, span, query.include_archived_projects)  # noqa: E731
    return Plan([(lo, hi, 0, False) for lo, hi in ranges], fetch, total=count, assemble=decoder.assemble,
                finish=finish, recount=recount)


def _limit_ranges(found: Survey, page_size: int, limit: int, *, descending: bool
                  ) -> list[tuple[int, int, int]] | None:
    """The ranges holding the first ``limit`` matches in id order, if they take no more requests than
    ``ceil(limit / page_size)``: buckets no wider than a page give each range an exact count."""
    assert found.low is not None and found.high is not None
    if found.count is None:
        return None
    if found.count <= page_size:
        return [(found.low, found.high, found.count)]
    if found.buckets is None:
        return None
    prefix = bucket_ranges(found.buckets, found.low, found.high, page_size, limit=limit, descending=descending)
    return prefix if len(prefix) <= -(-min(limit, found.count) // page_size) else None


Range = tuple[int, int, int, bool]  # (first id, last id, continuation number, descending)


def _range_fetch(backend: "ShotGridBackend", query: Query, decoder: PageDecoder,
                 page_size: int) -> tuple[Callable[[Range], Page[Any]], Callable[[Any], tuple[Any, Any]]]:
    """Fetch an id range; parse at once only when the range continues (``links.next``).

    Otherwise the body is handed back unparsed and ``finish`` parses it later,
    in the parse pool, so the fetching thread sends its next request at once.
    Each parsed page is checked: its ids lie inside the requested range and
    are ordered, so every continuation starts strictly past the last one. A
    descending range is read from its top down (the last ranges of a
    descending ``limit``, :func:`~trackframes.paging.bucket_ranges`).
    """
    source = backend.search_source(query.entity)

    def follow(page: RawPage, request: Range, full: bool) -> Range | None:
        lo, hi, seq, descending = request
        check_range(page, lo, hi, source, ascending=not descending)
        last = page.last_id
        if not (full and page.rows and last is not None):
            return None
        if descending:
            return (lo, last - 1, seq + 1, True) if last > lo else None
        return (last + 1, hi, seq + 1, False) if last < hi else None

    def fetch(request: Range) -> Page[Any]:
        lo, hi, seq, descending = request
        filters = and_(query.filters, ["id", "between", [lo, hi]])
        body = backend.search_bytes(query, filters, sort="-id" if descending else "id", size=page_size,
                                    what=source.call)
        if _has_next_link(body):
            page = decoder.parse(body, source)
            return Page(page, page.rows, next=follow(page, request, True), key=(lo, seq))
        return Page(_Unparsed(body, request), 0, next=None, key=(lo, seq))

    def finish(data: Any) -> tuple[RawPage, Range | None]:
        if isinstance(data, RawPage):
            return data, None
        page = decoder.parse(data.body, source)
        # a server that sends no links.next: a full page may still continue
        return page, follow(page, data.request, page.rows >= page_size)

    return fetch, finish


def _keyset_plan(backend: "ShotGridBackend", query: Query, decoder: PageDecoder, page_size: int) -> Plan:
    """The first ``limit`` records in the server's order, one page after another.

    The first page is fetched here, to learn whether the server capped it. A
    limit that fits in a page is that page (a short page without ``links.next``
    is the last one, as the API says). In id order the next pages follow by
    keyset on ``id``. Another order whose page was capped falls back to id
    ranges at the server's page size, sorted locally.
    """
    limit = query.limit or 0
    if not limit:
        return Plan([], _pass, total=0, server_sorted=True, assemble=decoder.assemble)
    sort = ",".join(getattr(o, "text", o) for o in query.order) if query.order else "id"
    source = backend.search_source(query.entity)
    size = min(limit, page_size)
    first = backend.search(query, query.filters, sort=sort, size=size, decoder=decoder, raw=True, source=source)
    if first.rows > size:
        raise misbehaviour(source, f"with {first.rows} records for page[size]={size}: it ignores the page "
                                   "size, so the records cannot be paged safely.")
    capped = first.rows < size and bool(first.links.get("next"))
    if first.rows == limit or not first.rows or (first.rows < size and not capped):
        return Plan([first], _ready, total=first.rows, server_sorted=True, assemble=decoder.assemble)
    cap = first.rows if capped else size
    if sort not in ("id", "-id"):
        # any other order: fetch every match by id range (at the server's page size), sort and cut locally
        ranged = _range_plan(backend, query, decoder, min(page_size, cap))
        assert ranged is not None
        return ranged
    descending = sort == "-id"
    check_order(first, source, ascending=not descending)

    def fetch(request: Any) -> Page[Any]:
        if isinstance(request, RawPage):
            page, got, asked = request, 0, size
        else:
            after, got = request
            bound = ["id", "less_than" if descending else "greater_than", after]
            asked = min(cap, limit - got)
            page = backend.search(query, and_(query.filters, bound), sort=sort, size=asked, decoder=decoder,
                                  raw=True, source=source)
            check_order(page, source, ascending=not descending, after=after)
        got += page.rows
        going = page.rows >= asked or bool(page.links.get("next"))
        more = (page.last_id, got) if page.rows and got < limit and going else None
        return Page(page, page.rows, next=more, key=(got,))

    return Plan([first], fetch, total=limit, server_sorted=True, assemble=decoder.assemble, limit=limit)


#: Field kinds whose order the filters can continue after ("greater than this value").
_COMPARABLE = frozenset({FieldKind.INTEGER, FieldKind.FLOAT, FieldKind.DATE, FieldKind.DATETIME})


def _field_keyset_plan(backend: "ShotGridBackend", query: Query, decoder: PageDecoder,
                       page_size: int) -> Plan | None:
    """The first ``limit`` records in the order of one number or date field, page after page.

    ``None`` for another order. The server sorts by ``field,id``; each page
    continues after the last row's (value, id): ``ceil(limit / page_size)``
    requests, no probe. Every page must start after the previous one's last
    row (else the server ignored the filter).
    """
    keys = [getattr(o, "text", o) for o in query.order]
    if not keys or len(keys) > 2 or (len(keys) == 2 and keys[1] != "id"):
        return None
    name, descending = keys[0].lstrip("-"), keys[0].startswith("-")
    spec = next((f for f in query.fields if f.name == name), None)
    if spec is None or spec.kind not in _COMPARABLE or "." in name or name == "id":
        return None
    limit = query.limit or 0
    sort = f"{keys[0]},id"
    source = backend.search_source(query.entity)

    def fetch(request: Any) -> Page[Any]:
        cursor, got = request
        asked = min(page_size, limit - got)
        filters = query.filters if cursor is None else and_(query.filters, _after(name, descending, *cursor))
        page = backend.search(query, filters, sort=sort, size=asked, decoder=decoder, raw=True, source=source)
        if page.rows > asked:
            raise misbehaviour(source, f"with {page.rows} records for page[size]={asked}: it ignores the page "
                                       "size, so the records cannot be paged safely.")
        more = None
        if page.rows:
            values = decoder.assemble([page])[0].column(name)
            first = (_filter_value(values[0].as_py(), spec.kind), page.ids[0].as_py())
            if cursor is not None and not _comes_after(first, cursor, descending):
                raise misbehaviour(source, f"with a page starting at id {first[1]}, not after id {cursor[1]} in "
                                           f"the order by {keys[0]!r}: it ignores the filter, so the records "
                                           "cannot be paged safely.")
            got += page.rows
            if got < limit and (page.rows >= asked or page.links.get("next")):
                more = ((_filter_value(values[page.rows - 1].as_py(), spec.kind), page.last_id), got)
        return Page(page, page.rows, next=more, key=(got,))

    return Plan([(None, 0)], fetch, total=limit, server_sorted=True, assemble=decoder.assemble, limit=limit)


def _filter_value(value: Any, kind: FieldKind) -> Any:
    """A parsed value as the filters write it (date-times in whole seconds, as the server keeps them)."""
    if kind is FieldKind.DATETIME and value is not None:
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def _after(name: str, descending: bool, value: Any, last_id: int) -> dict[str, Any]:
    """The records after (``value``, ``last_id``) in the order ``name,id`` (``-name,id``), nulls placed as
    PostgreSQL does: last ascending, first descending."""
    same = {"logical_operator": "and", "conditions": [[name, "is", value], ["id", "greater_than", last_id]]}
    if value is None:
        rest = [] if not descending else [[name, "is_not", None]]
        return {"logical_operator": "or", "conditions": [same, *rest]}
    beyond = [name, "less_than" if descending else "greater_than", value]
    rest = [] if descending else [[name, "is", None]]
    return {"logical_operator": "or", "conditions": [beyond, same, *rest]}


def _comes_after(row: tuple[Any, int], cursor: tuple[Any, int], descending: bool) -> bool:
    """Whether ``row`` (value, id) comes strictly after ``cursor`` in the order (nulls as in :func:`_after`)."""
    (value, rid), (at, at_id) = row, cursor
    if value is None or at is None:
        if value is None and at is None:
            return rid > at_id
        return (value is None) != descending
    if value != at:
        return (value > at) != descending
    return rid > at_id


class _Unparsed:
    """A fetched page body waiting to be parsed, with the request that fetched it."""

    __slots__ = ("body", "request")

    def __init__(self, body: bytes, request: Range) -> None:
        self.body = body
        self.request = request


def _has_next_link(body: bytes) -> bool:
    """Whether the page's top-level ``links`` has ``next`` (the last ``"links"`` of the body)."""
    at = body.rfind(b'"links"')
    return at >= 0 and b'"next"' in body[at:]


def _pass(request: Any) -> Page[Any]:  # pragma: no cover - a plan without requests never fetches
    raise AssertionError("nothing to fetch")


def _ready(page: RawPage) -> Page[Any]:
    """The fetch of a plan whose only page was fetched while planning."""
    return Page(page, page.rows, key=(0,))


def _id_order(order: Sequence[Any]) -> bool | None:
    """Whether ``order`` is by id: ``False`` ascending (or no order), ``True`` descending, else ``None``."""
    keys = [getattr(o, "text", o) for o in order]
    if not keys or keys == ["id"]:
        return False
    if keys == ["-id"]:
        return True
    return None


def _bucket_start(group: Any) -> int | None:
    """The first id of an id bucket: its ``group_value`` (a whole number, or one written as text)."""
    if not isinstance(group, dict):
        return None
    value = group.get("group_value")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_range(page: RawPage, lo: int, hi: int, source: Source, *, ascending: bool) -> None:
    """Refuse a page whose ids leave ``[lo, hi]`` or are out of order: its server ignored the filter or sort."""
    if not page.rows:
        return
    bounds = pc.min_max(page.ids)
    first, last = bounds["min"].as_py(), bounds["max"].as_py()
    if first < lo or last > hi:
        raise misbehaviour(source, f"with ids {first} to {last} for a filter asking for ids {lo} to {hi}: it "
                                   "ignores the id filter (a cache or proxy in the way?), and following it "
                                   "would request the same records forever.")
    check_order(page, source, ascending=ascending)


def check_order(page: RawPage, source: Source, *, ascending: bool, after: int | None = None) -> None:
    """Refuse a page whose ids are not strictly ordered by id (or do not start past ``after``)."""
    if page.rows > 1:
        ids = page.ids
        step = pc.greater if ascending else pc.less
        if not pc.all(step(ids.slice(1), ids.slice(0, page.rows - 1))).as_py():
            raise misbehaviour(source, f"with ids out of {'ascending' if ascending else 'descending'} order "
                                       "although it was asked to sort by id, so the records cannot be paged "
                                       "safely.")
    if after is not None and page.rows:
        edge = page.ids[0].as_py()
        if (edge <= after) if ascending else (edge >= after):
            raise misbehaviour(source, f"with id {edge} to a request for ids {'after' if ascending else 'before'} "
                                       f"{after}: it ignores the id filter, and following it would request the "
                                       "same records forever.")


def summary_data(data: dict[str, Any]) -> dict[str, Any]:
    """Check the containers of a ``_summarize`` answer's ``data`` (values themselves may be null)."""
    summaries = data.get("summaries")
    if not isinstance(summaries, dict):
        raise Malformed(f"JSON of the wrong shape (\"summaries\" is {json_type(summaries)}, not an object)"
                        if "summaries" in data else "JSON of the wrong shape (no \"summaries\" object)")
    groups = data.get("groups")
    if groups is not None:
        if not isinstance(groups, list):
            raise Malformed(f"JSON of the wrong shape (\"groups\" is {json_type(groups)}, not an array)")
        _check_groups(groups)
    return data


def _check_groups(groups: list[Any]) -> None:
    for group in groups:
        if not isinstance(group, dict):
            raise Malformed(f"JSON of the wrong shape (a summary group is {json_type(group)}, not an object)")
        inner = group.get("summaries")
        if inner is not None and not isinstance(inner, dict):
            raise Malformed(f"JSON of the wrong shape (a group's \"summaries\" is {json_type(inner)}, not an object)")
        sub = group.get("groups")
        if sub is not None:
            if not isinstance(sub, list):
                raise Malformed(f"JSON of the wrong shape (a group's \"groups\" is {json_type(sub)}, not an array)")
            _check_groups(sub)
