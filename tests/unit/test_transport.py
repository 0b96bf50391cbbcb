"""Transport behaviour that needs no sockets: a HandlerAdapter stands in for the server."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests

import trackframes as tf
from trackframes.deadline import Deadline, DeadlineExceeded, scope
from trackframes.transport import HandlerAdapter, Transport

URL = "https://site.invalid/api/v1.1/schema"


def scripted(*answers):
    """A handler that gives ``answers`` in turn and records each request."""
    seen = []
    queue = list(answers)

    def handler(request):
        seen.append(request)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    return handler, seen


def test_extra_keywords_reach_requests_and_timeout_can_be_set_per_request():
    handler, seen = scripted((200, {}, b"{}"))
    transport = Transport(adapter=HandlerAdapter(handler))
    transport.request("POST", URL, json={"a": 1}, timeout=3)
    assert seen[0].body == b'{"a": 1}'
    with pytest.raises(TypeError, match="verify"):
        transport.request("GET", URL, verify=False)


def test_a_retry_after_date_beyond_the_deadline_is_a_rate_limit_error_at_once():
    later = email.utils.formatdate(time.time() + 7200, usegmt=True)
    handler, seen = scripted((429, {"Retry-After": later}, b"{}"))
    transport = Transport(adapter=HandlerAdapter(handler), deadline=60)
    with pytest.raises(tf.RateLimitError) as info:
        transport.request("GET", URL)
    assert info.value.retry_after > 7000 and len(seen) == 1
    assert "deadline of 60 s" in str(info.value)


def test_an_unreadable_retry_after_falls_back_to_backoff():
    handler, seen = scripted((503, {"Retry-After": "soon"}, b"{}"), (200, {}, b"{}"))
    transport = Transport(adapter=HandlerAdapter(handler))
    assert transport.request("GET", URL).status_code == 200
    assert len(seen) == 2


def test_a_503_that_outlasts_the_retries_is_returned_for_the_caller_to_report():
    handler, seen = scripted((503, {}, b'{"errors": []}'))
    transport = Transport(adapter=HandlerAdapter(handler), max_retries=2)
    assert transport.request("GET", URL).status_code == 503
    assert len(seen) == 3


def test_a_deadline_shorter_than_the_backoff_stops_the_retries():
    handler, seen = scripted(requests.exceptions.ConnectionError("reset"))
    transport = Transport(adapter=HandlerAdapter(handler), max_retries=20)
    with scope(Deadline(0.5, what="count('Shot')")):
        with pytest.raises(DeadlineExceeded) as info:
            transport.request("GET", URL, what="Reading the entity list")
    message = str(info.value)
    assert message.startswith("count('Shot') ran out of time: its deadline of 0.5 s passed while Reading the entity")
    assert "closed before Reading the entity list got an answer" in message
    assert 1 < len(seen) < 20


def test_an_expired_scope_sends_nothing():
    handler, seen = scripted((200, {}, b"{}"))
    transport = Transport(adapter=HandlerAdapter(handler))
    deadline = Deadline(0.01)
    time.sleep(0.02)
    with pytest.raises(DeadlineExceeded):
        transport.request("GET", URL, deadline=deadline)
    assert seen == []


def test_a_request_that_is_not_retried_names_the_failure_once():
    handler, seen = scripted(requests.exceptions.InvalidHeader("bad header"))
    transport = Transport(adapter=HandlerAdapter(handler), max_retries=5)
    with pytest.raises(tf.TransportError, match="InvalidHeader") as info:
        transport.request("GET", URL)
    assert len(seen) == 1 and "attempts" not in str(info.value)


def test_deadline_values_are_checked():
    for bad in (0, -1, float("nan"), "5", True):
        with pytest.raises(ValueError, match="deadline"):
            Deadline(bad)  # type: ignore[arg-type]
