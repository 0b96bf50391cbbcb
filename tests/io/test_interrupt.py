"""Ctrl-C during an export: it stops the export at once (not after the last page), and changes nothing.

``write_dataset`` holds the thread that calls it until its input ends, and Python runs a
``KeyboardInterrupt`` only in the main thread; the export must still see Ctrl-C while pages are coming.
"""

from __future__ import annotations

import _thread
import threading

import pandas as pd
import pytest

import trackframes as tf
from tests.io.conftest import TODAY, siblings, tree_digest
from trackframes.io import read_parquet


def test_ctrl_c_stops_an_export_before_its_last_page_and_keeps_the_previous_dataset(tmp_path):
    path = tmp_path / "tasks"
    with tf.sandbox.serve(scale=0.02, seed=5, today=TODAY) as sb:
        with sb.connect(progress=False, page_size=5, concurrency=2) as site:
            site.export("Task", path, fields=["content"])
            before = tree_digest(path)
            frame = read_parquet(path)
            start = sb.stats.requests
            site.export("Task", tmp_path / "whole", fields=["content", "due_date"])
            whole = sb.stats.requests - start  # the requests of one complete export
            assert whole > 20

            sb.knobs.latency = 0.05
            start = sb.stats.requests
            seen = threading.Event()

            def interrupt() -> None:  # Ctrl-C once a few pages have come in
                while sb.stats.requests - start < 8:
                    if seen.wait(0.005):
                        return
                _thread.interrupt_main()

            helper = threading.Thread(target=interrupt, daemon=True)
            helper.start()
            try:
                with pytest.raises(KeyboardInterrupt):
                    site.export("Task", path, fields=["content", "due_date"], overwrite=True)
            finally:
                seen.set()
                helper.join()
            sent = sb.stats.requests - start
            sb.knobs.latency = 0.0
    assert sent < whole, f"the export went on to its end ({sent} of {whole} requests) before stopping"
    assert tree_digest(path) == before and siblings(path) == []
    assert not (tmp_path / ".tasks.lock").exists()
    pd.testing.assert_frame_equal(read_parquet(path), frame)
