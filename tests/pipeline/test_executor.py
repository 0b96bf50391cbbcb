"""One executor per Site: created on first use, reused by every call, shut down by close().

Threads are told apart by name: a site's pools are ``trackframes-page-<n>`` and
``trackframes-parse-<n>``, with ``<n>`` new for every pool.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

import pytest

from tests.pipeline.conftest import live_ids

WORKERS = ("trackframes-page", "trackframes-parse")


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith(WORKERS)}


def test_one_executor_is_made_by_the_first_call_and_reused_by_every_call(big):
    before = _threads()
    site = big.connect(progress=False, page_size=200)
    assert site._executor is None and _threads() == before  # nothing runs until a call needs it
    site.find("Task", fields=["content"])
    executor = site._executor
    mine = _threads() - before
    assert executor is not None and any(n.startswith("trackframes-page") for n in mine)
    assert any(n.startswith("trackframes-parse") for n in mine)
    site.find("Shot", fields=["code"], order=["-code"], limit=250)
    list(site.iter_batches("Version", fields=["code"]))
    site.count("Task", retired=True)
    assert site._executor is executor
    assert _threads() - before == mine  # the same threads did every call
    site.close()
    assert _threads() - before == set()


def test_a_site_dropped_without_close_ends_its_threads(big):
    before = _threads()
    site = big.connect(progress=False, page_size=200)
    site.find("Task", fields=["content"])
    assert _threads() - before
    del site
    gc.collect()
    assert _threads() - before == set()


def test_a_stream_closed_early_leaves_no_thread_working_and_the_site_goes_on(big):
    before = _threads()
    with big.connect(progress=False, page_size=100) as site:
        batches = site.iter_batches("Task", fields=["content"])
        next(batches)
        batches.close()
        assert _threads() - before == set()  # the call's work was cancelled and its threads joined
        assert site.find("Task", fields=["content"])["id"].tolist() == live_ids(big, "Task")


def test_an_abandoned_call_does_not_cancel_another_call_on_the_same_site(big):
    """One thread stops reading a stream half-way while another thread's find runs on the same threads."""
    with big.connect(progress=False, page_size=100) as site:
        site.find("Task", fields=["content"], limit=1)
        results: dict[str, Any] = {}
        started = threading.Event()

        def reader() -> None:
            batches = site.iter_batches("Task", fields=["content"])
            next(batches)
            started.set()
            batches.close()

        def finder() -> None:
            started.wait(30)
            results["ids"] = site.find("Task", fields=["content"])["id"].tolist()

        threads = [threading.Thread(target=finder), threading.Thread(target=reader)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert results["ids"] == live_ids(big, "Task")


def test_gather_inside_a_call_runs_on_the_sites_threads(big):
    from trackframes.workers import gather

    with big.connect(progress=False, page_size=100) as site:
        site.find("Task", fields=["content"])  # every fetching thread started
        before = _threads()
        with site._call():
            names = gather([lambda: threading.current_thread().name] * 3)
        assert set(names) <= before and all(n.startswith("trackframes-page") for n in names)


@pytest.mark.parametrize("stream", [False, True], ids=["find", "iter_batches"])
def test_the_deadline_of_connect_bounds_the_whole_call_in_every_thread(stream):
    """Each page is quick (0.3 s) but the pages together take far longer than the call's 1.5 s deadline."""
    import time

    import trackframes as tf
    from trackframes.deadline import DeadlineExceeded

    with tf.sandbox.serve(scale=0.05, seed=1, latency=0.3) as sb:
        site = sb.connect(progress=False, page_size=20, concurrency=2, deadline=1.5)
        site.field_specs("Task")
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as info:
            if stream:
                list(site.iter_batches("Task", fields=["content"]))
            else:
                site.find("Task", fields=["content"])
        assert time.monotonic() - started < 10, "safety bound: the pages alone would take about 6 s"
        assert ("iter_batches('Task')" if stream else "find('Task')") in str(info.value)
        site.close()
