"""A real child process killed with SIGKILL in the middle of an export."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.io.conftest import siblings, tree_digest
from trackframes.io import read_parquet

ROOT = Path(__file__).resolve().parents[2]

# The child serves its own slow sandbox (latency per request, small pages) and exports Tasks over the
# dataset the test wrote, in small files so that they appear one after the other.
CHILD = """
import sys
from datetime import date
import trackframes as tf
from trackframes.io import export

with tf.sandbox.serve(scale=0.05, seed=2, today=date(2026, 3, 2), latency=0.15) as sb:
    site = sb.connect(progress=False, page_size=20, concurrency=2)
    export(site, "Task", sys.argv[1], row_group_size=20, max_rows_per_file=40, overwrite=True)
print("finished", flush=True)
"""


def _temp_files(path: Path) -> list[Path] | None:
    """Parquet files in the hidden temporary siblings of ``path``; None while there is no such directory."""
    temps = [path.parent / name for name in siblings(path) if ".tmp-" in name]
    if not temps:
        return None
    return [f for t in temps for f in t.rglob("*.parquet")]


@pytest.mark.parametrize("files_before_kill", [0, 3, 10])
def test_killing_an_export_leaves_the_previous_dataset_readable_and_unchanged(site, tmp_path, files_before_kill):
    path = tmp_path / "tasks"
    site.export("Shot", path, fields=["code", "sg_status_list", "sg_sequence"])
    before = tree_digest(path)
    frame = read_parquet(path)

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            files = _temp_files(path)
            if files is not None and len(files) >= files_before_kill:
                break
            assert proc.poll() is None, f"the child ended before it was killed: {proc.communicate()}"
            assert time.monotonic() < deadline, "the child never started writing"
            time.sleep(0.01)
        # while the new dataset is being written, the old one is what is at the path
        assert tree_digest(path) == before
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    # exactly the previous files, byte for byte, and they read back as before
    assert tree_digest(path) == before
    pd.testing.assert_frame_equal(read_parquet(path), frame)
    # the half-written dataset is only in a hidden sibling, never at the path ...
    leftovers = siblings(path)
    assert leftovers and all(name.startswith(".tasks.tmp-") for name in leftovers)
    # ... and the next export of the path clears it away
    site.export("Shot", path, fields=["code"], overwrite=True)
    assert siblings(path) == []
    pd.testing.assert_frame_equal(read_parquet(path), site.find("Shot", fields=["code"]))
