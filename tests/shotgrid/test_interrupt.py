"""Ctrl-C against a hung server returns at once, aborts the requests in flight and leaves no thread behind.

Bounds stated by these tests (safety limits, far above what a working
interrupt needs, far below the request timeout of 60 s it used to wait for):
the interrupted process exits within 5 s of SIGINT.
"""

from __future__ import annotations

import _thread
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

import trackframes as tf
from tests.shotgrid.hung_server import HungProxy, counts, data_pages

ROOT = Path(__file__).resolve().parents[2]
EXIT_BOUND = 5.0  # seconds from SIGINT to the process's exit
TIMEOUT = 60  # the request timeout: what an interrupt used to wait out


@pytest.fixture(scope="module")
def sb():
    with tf.sandbox.serve(scale=0.03, seed=2, today=date(2026, 3, 2)) as sandbox:
        yield sandbox


def _wait_for(predicate, limit: float = 30.0) -> None:
    end = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("the fetch never reached the hung requests")
        time.sleep(0.02)


WORKERS = ("trackframes-page", "trackframes-parse", "trackframes-probe")  # the client's threads (not the sandbox's)


def _our_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(WORKERS)]


CHILD = """
import json, os, sys, threading, trackframes as tf
url, concurrency = sys.argv[1], int(sys.argv[2])
auth = tf.ScriptKey(os.environ["TEST_SCRIPT_NAME"], os.environ["TEST_SCRIPT_KEY"])
site = tf.connect(url, auth=auth, progress=False, page_size=50, concurrency=concurrency, timeout=%d)
site.field_specs("Task")
print("ready", flush=True)
try:
    site.find("Task", fields=["content"])
except KeyboardInterrupt:
    left = [t.name for t in threading.enumerate() if t.name.startswith("trackframes-")]
    print(json.dumps({"interrupted": True, "threads": left}), flush=True)
    sys.exit(0)
print(json.dumps({"interrupted": False}), flush=True)
""" % TIMEOUT


@pytest.mark.parametrize("concurrency", [4, 1])
def test_sigint_against_a_hung_server_exits_within_the_bound_with_no_thread_left(sb, concurrency):
    with HungProxy(sb.url, data_pages) as proxy:
        creds = sb.credentials
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               "TEST_SCRIPT_NAME": creds["script_name"], "TEST_SCRIPT_KEY": creds["script_key"]}
        child = subprocess.Popen([sys.executable, "-c", CHILD, proxy.url, str(concurrency)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        try:
            assert child.stdout.readline().strip() == "ready"
            _wait_for(lambda: proxy.hung >= min(concurrency, 2))
            child.send_signal(signal.SIGINT)
            sent = time.monotonic()
            out, err = child.communicate(timeout=EXIT_BOUND)
            elapsed = time.monotonic() - sent
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
        assert child.returncode == 0, err
        report = json.loads(out.strip().splitlines()[-1])
        assert report == {"interrupted": True, "threads": []}
        assert elapsed < EXIT_BOUND
        if concurrency > 1:  # worker threads' requests were aborted, not abandoned
            _wait_for(lambda: proxy.closed_by_client >= min(concurrency, 2), limit=EXIT_BOUND)


@pytest.mark.parametrize("hang", [data_pages, counts], ids=["pages", "count probe"])
def test_keyboard_interrupt_in_process_aborts_the_requests_and_joins_the_threads(sb, hang):
    with HungProxy(sb.url, hang) as proxy:
        site = tf.connect(proxy.url, auth=sb.auth, progress=False, page_size=50, concurrency=4, timeout=TIMEOUT)
        site.field_specs("Task")
        state = {"in_find": False}

        def interrupt() -> None:
            _wait_for(lambda: proxy.hung >= 1)
            if state["in_find"]:
                _thread.interrupt_main()

        timer = threading.Thread(target=interrupt, daemon=True)
        before = set(_our_threads())  # idle threads of other sites still open in this process
        timer.start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            state["in_find"] = True
            try:
                site.find("Task", fields=["content"])
            finally:
                state["in_find"] = False
        elapsed = time.monotonic() - started
        timer.join()
        assert set(_our_threads()) - before == set(), "every worker thread was joined before find returned"
        assert elapsed < EXIT_BOUND
        _wait_for(lambda: proxy.closed_by_client >= proxy.hung, limit=EXIT_BOUND)
        site.close()


def test_the_site_still_works_after_an_interrupt(sb):
    with HungProxy(sb.url, data_pages) as proxy:
        site = tf.connect(proxy.url, auth=sb.auth, progress=False, page_size=50, concurrency=4, timeout=TIMEOUT)
        site.field_specs("Shot")

        def interrupt() -> None:
            _wait_for(lambda: proxy.hung >= 1)
            _thread.interrupt_main()

        timer = threading.Thread(target=interrupt, daemon=True)
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            site.find("Shot", fields=["code"])
        timer.join()
        proxy.hang = lambda *a: False
        df = site.find("Shot", fields=["code"])
        assert len(df) == len([r for r in sb.store.records["Shot"].values()
                               if not (sb.store.records["Project"].get((r.get("project") or {}).get("id")) or {})
                               .get("archived")])
        site.close()
