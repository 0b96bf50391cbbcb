"""The writers' lock: exclusive, and no ``.<name>.lock`` file is ever left behind once the writers are done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

import trackframes as tf
from trackframes.io import read_parquet, sync

ROOT = Path(__file__).resolve().parents[2]


def _hidden(parent: Path) -> list[str]:
    """Every hidden entry of ``parent`` (lock files, temporary and aside directories)."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_a_refused_export_leaves_no_lock_file(site, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="did not write"):
        site.export("Shot", mine)
    assert _hidden(tmp_path) == []  # no .mine.lock
    a_file = tmp_path / "file.parquet"
    a_file.write_bytes(b"x")
    with pytest.raises(FileExistsError):
        site.export("Shot", a_file)
    assert _hidden(tmp_path) == []


def test_exports_syncs_and_failures_leave_no_lock_file(fresh, tmp_path):
    path = tmp_path / "tasks"
    with fresh.connect(progress=False, max_retries=0) as site:
        site.export("Task", path, fields=["content"])
        assert _hidden(tmp_path) == []
        sync(site, path)
        assert _hidden(tmp_path) == []
        with pytest.raises(tf.SchemaError):
            site.export("Task", path, fields=["contnt"])
        assert _hidden(tmp_path) == []
        fresh.knobs.error_probability = 1.0
        try:
            with pytest.raises(tf.ServerError):
                site.export("Task", path, fields=["content"])
            with pytest.raises(tf.ServerError):
                sync(site, path)
        finally:
            fresh.knobs.error_probability = 0.0
        assert _hidden(tmp_path) == []


def test_a_second_writer_is_refused_and_the_holders_lock_stays_until_it_is_done(site, tmp_path):
    from trackframes.io.lock import DatasetLock

    path = tmp_path / "ds"
    site.export("Shot", path, fields=["code"])
    with DatasetLock(path):  # another writer
        with pytest.raises(tf.TrackframesError, match="another export or sync"):
            site.export("Shot", path, fields=["code"])
        with pytest.raises(tf.TrackframesError, match="another export or sync"):
            sync(site, path)
        assert _hidden(tmp_path) == [".ds.lock"]  # the refused writers did not remove the holder's file
    assert _hidden(tmp_path) == []
    site.export("Shot", path, fields=["code"])


HOLDER = """
import sys, time
from pathlib import Path
from trackframes.io.lock import DatasetLock

lock = DatasetLock(Path(sys.argv[1]))
lock.acquire()
print("held", flush=True)
time.sleep(600)
"""


def test_the_lock_of_a_killed_writer_is_taken_over_and_removed(site, tmp_path):
    path = tmp_path / "ds"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(tf.TrackframesError, match="another export or sync"):
            site.export("Shot", path, fields=["code"])
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        proc.stdout.close()
    assert _hidden(tmp_path) == [".ds.lock"]  # the kernel dropped the lock; the empty file stays
    site.export("Shot", path, fields=["code"])
    assert _hidden(tmp_path) == []
    pd.testing.assert_frame_equal(read_parquet(path), site.find("Shot", fields=["code"]))


def test_writers_racing_for_the_lock_never_overlap(tmp_path):
    """Holders delete the file on release: a writer that locked the deleted file must not also get in."""
    from trackframes.io.lock import DatasetLock

    path = tmp_path / "ds"
    inside = 0
    overlaps = 0
    entries = 0
    guard = threading.Lock()

    def worker() -> None:
        nonlocal inside, overlaps, entries
        for _ in range(300):
            lock = DatasetLock(path)
            try:
                lock.acquire()
            except tf.TrackframesError:
                continue
            try:
                with guard:
                    inside += 1
                    entries += 1
                    overlaps += inside > 1
                for _ in range(20):
                    os.stat(tmp_path)  # a moment inside, releasing the GIL
                with guard:
                    inside -= 1
            finally:
                lock.release()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert entries > 0 and overlaps == 0
    assert _hidden(tmp_path) == []

