from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackframes.paging import Page, fetch_pages, id_ranges


@given(lo=st.integers(1, 10_000), width=st.integers(0, 50_000), count=st.integers(1, 100_000),
       size=st.integers(1, 1000))
@settings(max_examples=200, deadline=None)
def test_id_ranges_cover_the_span_exactly_once(lo, width, count, size):
    hi = lo + width
    ranges = id_ranges(lo, hi, count, size)
    assert ranges[0][0] == lo and ranges[-1][1] == hi
    for (a, b), (c, _) in zip(ranges, ranges[1:]):
        assert a <= b and c == b + 1
    assert len(ranges) <= max(1, -(-count // size))


def test_id_ranges_empty_cases():
    assert id_ranges(10, 5, 3, 100) == []
    assert id_ranges(1, 10, 0, 100) == []


def keyset_source(ids: list[int], page: int):
    def fetch(req):
        lo, hi = req
        rows = [i for i in ids if lo <= i <= hi][:page]
        nxt = (rows[-1] + 1, hi) if len(rows) == page and rows[-1] < hi else None
        return Page(rows, len(rows), next=nxt, key=(lo,))
    return fetch


@pytest.mark.parametrize("concurrency", [1, 3, 8])
def test_every_record_once_with_continuations(concurrency):
    ids = sorted({(i * 7919) % 100_003 for i in range(1, 5000)})
    ranges = id_ranges(ids[0], ids[-1], 40, 100)  # far too few ranges: continuations must fill in
    got = [i for p in fetch_pages(ranges, keyset_source(ids, 100), concurrency=concurrency) for i in p.data]
    assert sorted(got) == ids
    assert len(got) == len(set(got))


def test_in_flight_requests_never_exceed_concurrency():
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def fetch(req):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.01)
        with lock:
            state["now"] -= 1
        return Page([req], 1)

    pages = list(fetch_pages(range(40), fetch, concurrency=4))
    assert sorted(p.data[0] for p in pages) == list(range(40))
    assert 1 < state["max"] <= 4


def test_first_error_is_raised_and_the_rest_is_cancelled():
    started = []

    def fetch(req):
        started.append(req)
        if req == 3:
            raise RuntimeError("boom")
        time.sleep(0.02)
        return Page([req], 1)

    with pytest.raises(RuntimeError, match="boom"):
        list(fetch_pages(range(200), fetch, concurrency=4))
    assert len(started) < 200


def test_closing_early_stops_submitting():
    started = []

    def fetch(req):
        started.append(req)
        time.sleep(0.01)
        return Page([req], 1)

    gen = fetch_pages(range(500), fetch, concurrency=2)
    next(gen)
    gen.close()
    assert len(started) < 20


def test_on_page_sees_every_page():
    seen = []
    list(fetch_pages(range(10), lambda r: Page([r], 1), concurrency=3, on_page=seen.append))
    assert sorted(p.data[0] for p in seen) == list(range(10))


# -- interrupts, cancellation and the user's call in worker threads ------------------------------------------------

def _workers_alive(before: frozenset[threading.Thread] = frozenset()) -> list[str]:
    """Page threads alive now that were not alive at ``before`` (sites of other tests may keep theirs)."""
    return [t.name for t in threading.enumerate() if t.name.startswith("trackframes-page") and t not in before]


def _threads() -> frozenset[threading.Thread]:
    return frozenset(threading.enumerate())


def test_an_interrupt_while_waiting_cancels_the_scope_aborts_the_work_and_joins_the_threads():
    import _thread

    from trackframes import cancel

    release = threading.Event()
    started = threading.Event()
    scopes = []

    def abort(scope):  # what trackframes.connections does for sockets
        scopes.append(scope)
        release.set()

    def fetch(req):
        started.set()
        release.wait(30)  # a request hung on the server
        cancel.check()
        return Page([req], 1)

    remove = cancel.on_cancel(abort)
    before = _threads()
    timer = threading.Thread(target=lambda: started.wait(10) and _thread.interrupt_main(), daemon=True)
    try:
        timer.start()
        begun = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            list(fetch_pages(range(20), fetch, concurrency=4))
        elapsed = time.monotonic() - begun
    finally:
        remove()
        release.set()
        timer.join()
    assert scopes and scopes[0].cancelled
    assert _workers_alive(before) == [], "the workers ended before fetch_pages returned"
    assert elapsed < 10, "it did not wait for the hung work (safety bound; the hang lasts 30 s)"


def test_closing_the_generator_joins_the_workers():
    before = _threads()
    gen = fetch_pages(range(100), lambda r: (time.sleep(0.01), Page([r], 1))[1], concurrency=4)
    next(gen)
    gen.close()
    assert _workers_alive(before) == []


def test_worker_threads_see_the_users_call():
    from trackframes.calls import describe, user_call

    with user_call("find('Task')"):
        pages = list(fetch_pages(range(6), lambda r: Page([describe("Searching Task")], 1), concurrency=3))
    assert {p.data[0] for p in pages} == {"find('Task')"}


def test_gather_returns_in_order_and_the_first_error_cancels_the_rest():
    from trackframes.workers import gather

    assert gather([lambda: 3, lambda: 1, lambda: 2]) == [3, 1, 2]
    release = threading.Event()
    with pytest.raises(ValueError, match="bad probe"):
        gather([lambda: release.wait(30), lambda: (_ for _ in ()).throw(ValueError("bad probe"))])
    release.set()


# -- id ranges sized from id buckets --------------------------------------------------------------------------------

from trackframes.paging import bucket_ranges  # noqa: E402


def _buckets(ids: list[int], width: int) -> list[tuple[int, int, int]]:
    counts: dict[int, int] = {}
    for i in ids:
        counts[i // width * width] = counts.get(i // width * width, 0) + 1
    return [(start, start + width - 1, n) for start, n in sorted(counts.items())]


def _fetch_requests(ranges: list[tuple[int, int, int]], ids: list[int], page: int, descending: bool) -> int:
    """Requests an id-range fetch makes: one per range, plus one per continuation (a full page that
    stops short of its range's end)."""
    sent = 0
    for lo, hi, _ in ranges:
        inside = sorted((i for i in ids if lo <= i <= hi), reverse=descending)
        while True:
            sent += 1
            got, inside = inside[:page], inside[page:]
            edge = hi if not descending else lo
            if len(got) < page or got[-1] == edge:
                break
    return sent


id_sets = st.builds(
    lambda runs: sorted({i for start, length, step in runs for i in range(start, start + length * step, step)}),
    st.lists(st.tuples(st.integers(1, 5000), st.integers(1, 400), st.integers(1, 4)), min_size=1, max_size=6))


@given(ids=id_sets, width=st.sampled_from([10, 100]), page=st.integers(100, 300))
@settings(max_examples=300, deadline=None)
def test_bucket_ranges_cover_the_span_and_need_no_second_round_trip(ids, width, page):
    ranges = bucket_ranges(_buckets(ids, width), ids[0], ids[-1], page)
    assert ranges[0][0] == ids[0] and ranges[-1][1] == ids[-1]
    for (_, hi, _), (lo, _, _) in zip(ranges, ranges[1:]):
        assert lo == hi + 1
    for lo, hi, expected in ranges:  # counts are exact and fit a page
        assert sum(1 for i in ids if lo <= i <= hi) == expected <= page
    assert _fetch_requests(ranges, ids, page, descending=False) == len(ranges)
    # whole buckets of at most a page: two neighbouring ranges hold more than a page
    assert len(ranges) <= 2 * -(-len(ids) // page) + 1


@given(ids=id_sets, page=st.integers(100, 300), data=st.data())
@settings(max_examples=300, deadline=None)
def test_bucket_ranges_for_a_limit_hold_its_rows_and_no_more_ranges_than_needed(ids, page, data):
    limit = data.draw(st.integers(1, len(ids)))
    descending = data.draw(st.booleans())
    ranges = bucket_ranges(_buckets(ids, 10), ids[0], ids[-1], page, limit=limit, descending=descending)
    wanted = (ids[::-1] if descending else ids)[:limit]
    held = [i for lo, hi, _ in ranges for i in ids if lo <= i <= hi]
    assert set(wanted) <= set(held)
    assert sum(n for *_, n in ranges) >= limit > sum(n for *_, n in ranges[:-1])  # the last one is needed
    assert _fetch_requests(ranges, ids, page, descending) == len(ranges)


def test_dense_ids_give_exactly_one_range_per_page():
    ids = list(range(10_000)) + list(range(20_000, 25_000))  # a hidden block in the middle
    ranges = bucket_ranges(_buckets(ids, 1000), 0, 24_999, 500)
    assert len(ranges) == 30 and all(n == 500 for *_, n in ranges)
    assert _fetch_requests(ranges, ids, 500, descending=False) == 30


@given(buckets=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 50), st.integers(0, 100)), max_size=20),
       low=st.integers(0, 1000), width=st.integers(0, 3000))
@settings(max_examples=300, deadline=None)
def test_wrong_buckets_cost_time_never_records(buckets, low, width):
    """Whatever a server says per bucket, the ranges still cover the whole span, once."""
    high = low + width
    ranges = bucket_ranges([(a, a + w, n) for a, w, n in buckets], low, high, 100)
    assert ranges[0][0] == low and ranges[-1][1] == high
    for (_, hi, _), (lo, _, _) in zip(ranges, ranges[1:]):
        assert lo == hi + 1
    assert all(lo <= hi for lo, hi, _ in ranges)


# -- limits and per-call cancellation on a shared executor ---------------------------------------------------------

def test_with_a_limit_continuations_are_followed_only_while_the_rows_before_them_fall_short():
    from trackframes.paging import collect
    from trackframes.workers import Executor

    asked = []

    class Plan:
        requests = [(0, 0), (1, 0), (2, 0)]  # three ranges, each with two full pages
        limit = 250
        server_sorted = False

        def fetch(self, request):
            asked.append(request)
            index, part = request
            return Page(list(range(100)), 100, next=(index, 1) if part == 0 else None, key=request)

        def finish(self, data):
            return __import__("pyarrow").table({"id": data}), None

        def assemble(self, parsed):
            return [__import__("pyarrow").concat_tables(parsed)]

    executor = Executor(4)
    with executor.tasks() as tasks:
        tables, rows, ordered = collect(tasks, Plan(), lambda t: t, concurrency=4)
    executor.close()
    # ranges 0 and 1 hold 400 rows with their continuations; 250 only need range 0's continuation
    assert sorted(asked) == [(0, 0), (0, 1), (1, 0), (2, 0)]
    assert rows == 400 and ordered


def test_collect_mode_types_the_pages_a_chunk_at_a_time_and_keeps_key_order():
    import pyarrow as pa

    from trackframes.paging import CHUNK, collect
    from trackframes.workers import Executor

    count = 2 * CHUNK + 5

    class Plan:
        requests = [(i, 0) for i in range(count)]  # ranges of ids [10 i, 10 i + 9], two pages each
        limit = None
        server_sorted = False

        def fetch(self, request):
            index, part = request
            time.sleep(0.001 * ((index * 7) % 5))  # pages complete out of order
            ids = list(range(10 * index + 5 * part, 10 * index + 5 * part + 5))
            return Page(ids, 5, next=(index, 1) if part == 0 else None, key=request)

        def finish(self, data):
            return pa.table({"id": data}), None

        def assemble(self, parsed):
            return [pa.concat_tables(parsed)]

    shaped = []

    def shape(table):
        shaped.append(table.num_rows)
        return table

    executor = Executor(4)
    with executor.tasks() as tasks:
        tables, rows, ordered = collect(tasks, Plan(), shape, concurrency=4)
    executor.close()
    assert rows == 10 * count and ordered
    assert pa.concat_tables(tables)["id"].to_pylist() == list(range(10 * count))
    assert shaped == [10 * CHUNK, 10 * CHUNK, 50]  # typed as each chunk completed, then the rest


def test_cancelling_one_calls_tasks_leaves_another_calls_tasks_running():
    from trackframes import cancel
    from trackframes.workers import Executor

    executor = Executor(4)
    release, aborted = threading.Event(), threading.Event()
    cancelled = []

    def abort(scope):  # what trackframes.connections does for sockets
        cancelled.append(scope)
        aborted.set()

    remove = cancel.on_cancel(abort)
    try:
        with executor.tasks() as keep:
            kept = [keep.fetch(lambda i=i: release.wait(10) and i) for i in range(2)]
            with pytest.raises(RuntimeError):
                with executor.tasks() as doomed:
                    lost = [doomed.fetch(lambda: aborted.wait(10) and cancel.check()) for _ in range(4)]
                    raise RuntimeError("this call fails")
            assert cancelled == [doomed.scope]  # only the failed call's scope
            assert all(f.done() for f in lost)  # cancelled before they ran, or aborted
            assert not any(f.done() for f in kept)
            release.set()
            assert [f.result(10) for f in kept] == [0, 1]
    finally:
        remove()
        release.set()
        executor.close()
