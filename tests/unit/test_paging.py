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

def _workers_alive() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("trackframes-page")]


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
    assert _workers_alive() == [], "the workers ended before fetch_pages returned"
    assert elapsed < 10, "it did not wait for the hung work (safety bound; the hang lasts 30 s)"


def test_closing_the_generator_joins_the_workers():
    gen = fetch_pages(range(100), lambda r: (time.sleep(0.01), Page([r], 1))[1], concurrency=4)
    next(gen)
    gen.close()
    assert _workers_alive() == []


def test_worker_threads_see_the_users_call():
    from trackframes.calls import describe, user_call

    with user_call("find('Task')"):
        pages = list(fetch_pages(range(6), lambda r: Page([describe("Searching Task")], 1), concurrency=3))
    assert {p.data[0] for p in pages} == {"find('Task')"}


def test_gather_returns_in_order_and_the_first_error_cancels_the_rest():
    from trackframes.paging import gather

    assert gather([lambda: 3, lambda: 1, lambda: 2]) == [3, 1, 2]
    release = threading.Event()
    with pytest.raises(ValueError, match="bad probe"):
        gather([lambda: release.wait(30), lambda: (_ for _ in ()).throw(ValueError("bad probe"))])
    release.set()
