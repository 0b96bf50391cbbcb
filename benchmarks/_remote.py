"""A sandbox in its own process, so that server and client do not share one interpreter lock."""

from __future__ import annotations

import multiprocessing as mp
from contextlib import contextmanager
from typing import Any, Callable, Iterator


def _serve(conn: Any, scale: float, seed: int, knobs: dict[str, Any]) -> None:
    import trackframes as tf

    with tf.sandbox.serve(scale=scale, seed=seed, **knobs) as sb:
        counts = {name: len(records) for name, records in sb.store.records.items()}
        conn.send({"url": sb.url, "api_url": sb.api_url, "script_name": sb.credentials["script_name"],
                   "script_key": sb.credentials["script_key"], "counts": counts})
        conn.recv()  # block until the parent says stop


@contextmanager
def remote_sandbox(scale: float, seed: int = 0, **knobs: Any) -> Iterator[dict[str, Any]]:
    """Start a sandbox in a child process; yields its URL, credentials and record counts."""
    with in_child(_serve, scale, seed, knobs) as info:
        yield info


@contextmanager
def in_child(serve: Callable[..., None], *args: Any, what: str = "the sandbox") -> Iterator[Any]:
    """Run ``serve(conn, *args)`` in a forked child; yields the first thing it sends, and tells it to stop after.

    ``serve`` sends what the parent needs (URL, credentials...) once the server is up, then
    waits for the parent's "stop" on ``conn``.
    """
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve, args=(child, *args), daemon=True)
    proc.start()
    try:
        if not parent.poll(600):
            raise RuntimeError(f"{what} did not start within 10 minutes")
        yield parent.recv()
    finally:
        try:
            parent.send("stop")
        except (BrokenPipeError, OSError):
            pass
        proc.join(30)
        if proc.is_alive():
            proc.kill()
