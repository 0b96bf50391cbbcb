"""Fixtures: a sandbox with a fault-injecting proxy in front, and a way to bound a call's time."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any, Callable, Iterator

import pytest

import trackframes as tf

from .proxy import FaultProxy


@pytest.fixture(scope="module")
def upstream() -> Iterator[Any]:
    """A small sandbox the proxy forwards to (shared by a module's tests; knobs left alone)."""
    with tf.sandbox.serve(scale=0.02, seed=11, today=date(2026, 3, 2)) as sandbox:
        yield sandbox


@pytest.fixture
def proxy(upstream: Any) -> Iterator[FaultProxy]:
    """A fresh proxy (no rules) in front of ``upstream``; ``proxy.url`` is the site URL to connect to."""
    with FaultProxy(upstream.url) as front:
        yield front


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()``'s result or exception, or an AssertionError if it has not finished after ``seconds``.

    ``seconds`` is a safety bound, not a measurement: it stops a test from hanging
    when the code under test would hang.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            box["error"] = exc

    worker = threading.Thread(target=run, name="bounded-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise AssertionError(f"the call did not finish within {seconds} s")
    if "error" in box:
        raise box["error"]
    return box["value"]
