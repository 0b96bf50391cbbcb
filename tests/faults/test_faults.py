"""A hostile network between client and sandbox: every fault ends in the clean rows or a clear error, in bounded time.

Each ``within(N, ...)`` states a safety bound: the call must be over after N
seconds (the code under test would otherwise hang the test).
"""

from __future__ import annotations

import pandas as pd
import pytest
import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ReadTimeoutError

import trackframes as tf
from trackframes.deadline import Deadline, DeadlineExceeded, scope
from trackframes.failures import RequestTimeout
from trackframes.transport import HandlerAdapter, Transport

from .conftest import within
from .proxy import FullBacklog, delay, hang, reset_before_answer, reset_mid_body, retry_after, trickle

FIELDS = ["content", "sg_status_list", "entity", "task_assignees"]
SEARCH = "/_search"


@pytest.fixture(scope="module")
def clean(upstream):
    with upstream.connect(progress=False, page_size=50) as site:
        return site.find("Task", fields=FIELDS)


def through(proxy, upstream, **options):
    options.setdefault("progress", False)
    options.setdefault("page_size", 50)
    return tf.connect(proxy.url, auth=upstream.auth, **options)


# -- resets while the body arrives (item 7) -------------------------------------------------
def test_resets_mid_body_are_retried_and_give_the_clean_rows(proxy, upstream, clean):
    rule = proxy.add(reset_mid_body(0.5), path=SEARCH, times=4)
    with through(proxy, upstream, max_retries=5) as site:
        got = within(30, lambda: site.find("Task", fields=FIELDS))
    assert rule.hits == 4, "the fault really happened"
    pd.testing.assert_frame_equal(got, clean)


def test_resets_before_the_answer_are_retried_too(proxy, upstream, clean):
    rule = proxy.add(reset_before_answer, path=SEARCH, times=3)
    with through(proxy, upstream, max_retries=5) as site:
        got = within(30, lambda: site.find("Task", fields=FIELDS))
    assert rule.hits == 3
    pd.testing.assert_frame_equal(got, clean)


def test_a_reset_mid_body_on_every_answer_is_a_clear_transport_error(proxy, upstream):
    proxy.add(reset_mid_body(0.5), path=SEARCH)
    with through(proxy, upstream, max_retries=2) as site:
        with pytest.raises(tf.TransportError) as info:
            within(30, lambda: site.count("Task") and site.find("Task", fields=FIELDS))
    message = str(info.value)
    assert "broke while the answer to find('Task') was arriving" in message  # the user's call, not the request
    assert "3 attempts" in message


# -- trickling bodies (item 5): timeout bounds the whole request ------------------------------
def test_a_body_trickling_forever_is_cut_at_the_timeout_for_the_whole_request(proxy, upstream):
    proxy.add(trickle(interval=0.5), path=SEARCH)  # one byte every 0.5 s: each socket read succeeds
    with through(proxy, upstream, timeout=1, max_retries=1) as site:
        with pytest.raises(RequestTimeout) as info:
            within(15, lambda: site.find("Task", fields=FIELDS))
    message = str(info.value)
    assert "timed out" in message and "timeout=1 s" in message and "still arriving" in message
    assert isinstance(info.value, tf.TransportError) and isinstance(info.value, TimeoutError)


def test_a_body_that_trickled_once_is_fetched_again_and_the_rows_are_the_clean_ones(proxy, upstream, clean):
    rule = proxy.add(trickle(interval=0.5), path=SEARCH, times=1)
    with through(proxy, upstream, timeout=1.5, max_retries=2) as site:
        got = within(30, lambda: site.find("Task", fields=FIELDS))
    assert rule.hits == 1
    pd.testing.assert_frame_equal(got, clean)


# -- Retry-After (item 5) -----------------------------------------------------------------------
def test_a_huge_retry_after_stops_at_once_with_a_rate_limit_error(proxy, upstream):
    proxy.add(retry_after(3600), path=SEARCH)
    with through(proxy, upstream) as site:  # default deadline: 600 s
        with pytest.raises(tf.RateLimitError) as info:
            within(10, lambda: site.find("Task", fields=FIELDS))
    err = info.value
    assert err.retry_after == 3600 and err.status == 429
    assert "3600 s" in str(err) and "deadline" in str(err)


def test_a_short_retry_after_is_waited_out_and_the_rows_are_the_clean_ones(proxy, upstream, clean):
    rule = proxy.add(retry_after(1), path=SEARCH, times=2)
    with through(proxy, upstream) as site:
        got = within(30, lambda: site.find("Task", fields=FIELDS))
    assert rule.hits == 2
    pd.testing.assert_frame_equal(got, clean)


def test_each_retry_after_wait_is_capped():
    answers = iter([(429, {"Retry-After": "100"}, b"{}"), (429, {"Retry-After": "100"}, b"{}"),
                    (200, {}, b'{"ok": 1}')])
    transport = Transport(adapter=HandlerAdapter(lambda request: next(answers)), retry_after_max=0.2)
    response = within(10, lambda: transport.request("GET", "https://site.invalid/api"))  # not 200 s
    assert response.json() == {"ok": 1}


# -- hung servers (items 5 and 17) ---------------------------------------------------------------
def test_a_hung_server_times_out_and_the_message_names_the_timeout(proxy, upstream):
    proxy.add(hang, path=SEARCH)
    with through(proxy, upstream, timeout=1, max_retries=1) as site:
        with pytest.raises(RequestTimeout) as info:
            within(15, lambda: site.find("Task", fields=FIELDS))
    message = str(info.value)
    assert "timed out" in message and "timeout=1 s" in message
    assert "Could not reach" not in message and "could not connect" not in message.lower()


def test_the_deadline_bounds_every_retry_against_a_hung_server(proxy, upstream):
    proxy.add(hang, path=SEARCH)
    with through(proxy, upstream, timeout=1, max_retries=50, deadline=3) as site:
        with pytest.raises(DeadlineExceeded) as info:
            within(15, lambda: site.find("Task", fields=FIELDS))
    assert "deadline of 3 s" in str(info.value) and info.value.deadline == 3
    assert isinstance(info.value, tf.TransportError) and isinstance(info.value, TimeoutError)


def test_a_hung_token_request_is_bounded_too(proxy, upstream):
    proxy.add(hang, path="/auth/access_token")
    with through(proxy, upstream, timeout=1, max_retries=1) as site:
        with pytest.raises(RequestTimeout, match="Authentication timed out"):
            within(15, lambda: site.count("Shot"))


def test_a_connect_timeout_says_it_could_not_connect_within_the_timeout(upstream):
    with FullBacklog() as dead:  # connections to it never complete
        with tf.connect(dead.url, auth=upstream.auth, timeout=0.5, max_retries=1, progress=False) as site:
            with pytest.raises(RequestTimeout) as info:
                within(15, lambda: site.count("Shot"))
    assert f"Could not connect to {dead.url} within 0.5 s" in str(info.value)


@pytest.mark.parametrize("error, words", [
    (requests.exceptions.ConnectTimeout(MaxRetryError(None, "/", ConnectTimeoutError("x"))),  # type: ignore
     "Could not connect to https://site.invalid within 2 s (timeout=2)"),
    (requests.exceptions.ReadTimeout(ReadTimeoutError(None, "/", "read timed out")),  # type: ignore
     "GET /api timed out: no answer from https://site.invalid within timeout=2 s"),
])
def test_timeout_messages_name_the_timeout(error, words):
    def handler(request):
        raise error

    transport = Transport(adapter=HandlerAdapter(handler), timeout=2, max_retries=0)
    with pytest.raises(RequestTimeout) as info:
        transport.request("GET", "https://site.invalid/api")
    assert words in str(info.value)


# -- one deadline across many requests (the helper for the layers above) ---------------------------
def test_a_deadline_scope_bounds_several_requests_together(proxy, upstream):
    proxy.add(delay(0.5), path="/schema")
    with through(proxy, upstream) as site:
        site.backend.tokens.authorization()  # the token first, outside the scope

        def many() -> None:
            with scope(Deadline(2, what="ten schema reads")):
                for _ in range(10):
                    site.backend.request("GET", "/schema", what="Reading the entity list")

        with pytest.raises(DeadlineExceeded, match="ten schema reads ran out of time: its deadline of 2 s"):
            within(15, many)
    assert 2 <= proxy.requests_to("/schema") < 10


# -- compressed answers (the transport reads bodies itself, so it decodes them too) -------------------
def gzipped(ex):
    import gzip

    answer = ex.forward()
    body = gzip.compress(answer.body)
    headers = [(k, v) for k, v in answer.headers if k.lower() != "content-encoding"]
    ex.respond(answer.status, headers + [("Content-Encoding", "gzip")], body)


def broken_gzip(ex):
    answer = ex.forward()
    ex.respond(answer.status, answer.headers + [("Content-Encoding", "gzip")], b"\x1f\x8b not really gzip")


def test_gzip_encoded_answers_give_the_clean_rows(proxy, upstream, clean):
    rule = proxy.add(gzipped)
    with through(proxy, upstream) as site:
        got = within(30, lambda: site.find("Task", fields=FIELDS))
    assert rule.hits > 3
    assert any(k.lower() == "accept-encoding" and "gzip" in v for k, v in proxy.seen[0].headers)
    pd.testing.assert_frame_equal(got, clean)


def test_a_broken_gzip_body_is_a_clear_error(proxy, upstream):
    proxy.add(broken_gzip, path=SEARCH)
    with through(proxy, upstream, max_retries=0) as site:
        with pytest.raises(tf.TransportError, match="could not be decompressed"):
            within(15, lambda: site.find("Task", fields=FIELDS))
