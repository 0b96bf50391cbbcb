"""df.tf.to_parquet writes the way an export does: the writers' lock, a temporary sibling, one-step replace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import trackframes as tf
from tests.io.conftest import siblings
from trackframes.io import DatasetExistsError, read_parquet
from trackframes.io.lock import DatasetLock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tasks(sb):
    with sb.connect(progress=False) as site:
        return site.find("Task", fields=["content", "sg_status_list", "task_assignees", "due_date"])


def test_it_is_refused_while_another_writer_holds_the_path(tasks, tmp_path):
    path = tmp_path / "tasks.parquet"
    tasks.head(3).tf.to_parquet(path)
    before = path.read_bytes()
    with DatasetLock(path):  # another writer of the same path
        with pytest.raises(tf.TrackframesError, match="is being written by another"):
            tasks.tf.to_parquet(path)
    assert path.read_bytes() == before and siblings(path) == []


def test_a_write_left_by_a_killed_process_is_cleared_and_the_file_replaced(tasks, tmp_path):
    path = tmp_path / "tasks.parquet"
    tasks.head(3).tf.to_parquet(path)
    stale = tmp_path / ".tasks.parquet.tmp-1-abcd"  # what a process killed while writing leaves
    stale.mkdir()
    (stale / "tasks.parquet").write_bytes(b"half a file")
    assert tasks.tf.to_parquet(path) == path
    assert siblings(path) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["tasks.parquet"]
    pd.testing.assert_frame_equal(read_parquet(path), tasks)
    assert pq.read_metadata(path).num_rows == len(tasks)


def test_a_directory_at_the_path_is_refused_and_left_alone(tasks, tmp_path):
    folder = tmp_path / "tasks.parquet"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep me")
    with pytest.raises(DatasetExistsError, match="is a directory"):
        tasks.tf.to_parquet(folder)
    assert (folder / "mine.txt").read_text() == "keep me" and siblings(folder) == []


def test_a_bad_codec_is_named_with_the_closest_one_and_nothing_is_written(tasks, tmp_path):
    with pytest.raises(ValueError, match="compression must be one of .* not 'zstandard'. Did you mean 'zstd'"):
        tasks.tf.to_parquet(tmp_path / "t.parquet", compression="zstandard")
    assert list(tmp_path.iterdir()) == []


CHILD = r"""
import hashlib, json, resource, signal, sys
from datetime import date
from pathlib import Path
import trackframes as tf
from trackframes.io import DatasetWriteError

where = Path(sys.argv[1])
with tf.sandbox.serve(scale=0.05, seed=2, today=date(2026, 3, 2)) as sb, sb.connect(progress=False) as site:
    small = site.find("Shot", fields=["code"], limit=1)
    big = site.find("Task")                                  # every field: far more than 8 KB of Parquet
path = where / "tasks.parquet"
small.tf.to_parquet(path)
before = hashlib.sha256(path.read_bytes()).hexdigest()
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)                # writes past the limit fail with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (8192, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    big.tf.to_parquet(path)
    report = {"type": None}
except DatasetWriteError as exc:
    report = {"type": type(exc).__name__, "errno": exc.errno, "message": str(exc), "path": str(exc.path),
              "oserror": isinstance(exc, OSError)}
report["unchanged"] = hashlib.sha256(path.read_bytes()).hexdigest() == before
report["left"] = sorted(p.name for p in where.iterdir())
print(json.dumps(report))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE")
def test_a_refused_write_raises_dataset_write_error_and_keeps_the_previous_file(tmp_path):
    import errno

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["type"] == "DatasetWriteError" and report["oserror"] and report["errno"] == errno.EFBIG
    assert report["path"] == str(tmp_path / "tasks.parquet")
    assert f"Could not write the file {tmp_path / 'tasks.parquet'}" in report["message"]
    assert "the previous file at" in report["message"]
    assert report["unchanged"] and report["left"] == ["tasks.parquet"]
