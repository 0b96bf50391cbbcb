"""A sandbox in its own process, so that server and client do not share one interpreter lock."""

from __future__ import annotations

import multiprocessing as mp
from contextlib import contextmanager
from typing import Any, Iterator


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
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(child, scale, seed, knobs), daemon=True)
    proc.start()
    try:
        if not parent.poll(600):
            raise RuntimeError("the sandbox did not start within 10 minutes")
        yield parent.recv()
    finally:
        try:
            parent.send("stop")
        except (BrokenPipeError, OSError):
            pass
        proc.join(30)
        if proc.is_alive():
            proc.kill()
