"""A full disk during an export or sync: a DatasetWriteError naming the dataset, the old dataset intact.

The disk really fills up: a child process gets a private mount namespace
(``unshare``) with a small tmpfs of its own, fills it to within a few pages,
then exports and syncs onto it (needs root, as in the development
container; skipped elsewhere). A second test, which runs anywhere on Linux,
caps the size of any file the child writes (``RLIMIT_FSIZE``), which the
kernel reports as ``EFBIG``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux mount namespaces and rlimits")

COMMON = r"""
import errno, hashlib, json, os, sys
from datetime import date, datetime, timezone
from pathlib import Path
import trackframes as tf
from trackframes.io import DatasetWriteError, read_parquet

def digest(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, root)] = hashlib.sha256(open(full, "rb").read()).hexdigest()
    return out

def attempt(call):
    try:
        call()
    except DatasetWriteError as exc:
        return {"type": type(exc).__name__, "errno": exc.errno, "message": str(exc),
                "trackframes": isinstance(exc, tf.TrackframesError), "oserror": isinstance(exc, OSError),
                "path": str(exc.path)}
    except BaseException as exc:
        return {"type": type(exc).__name__, "message": str(exc)}
    return {"type": None}

def leftovers(parent, name):
    return sorted(p for p in os.listdir(parent) if p.startswith("." + name))
"""

TMPFS_CHILD = COMMON + r"""
disk = Path(sys.argv[1])
report = {}
with tf.sandbox.serve(scale=0.05, seed=2, today=date(2026, 3, 2)) as sb:
    site = sb.connect(progress=False)
    path = disk / "tasks"
    site.export("Task", path, fields=["content", "sg_status_list", "task_assignees"])
    before = digest(path)
    rows = len(read_parquet(path))
    # fill the disk, then give back two pages: far less than a dataset needs
    filler = disk / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    os.truncate(filler, filler.stat().st_size - 8192)

    report["export"] = attempt(lambda: site.export("Task", path, fields=["content", "sg_status_list",
                                                                          "task_assignees"]))
    report["export_unchanged"] = digest(path) == before and len(read_parquet(path)) == rows
    report["export_leftovers"] = leftovers(disk, "tasks")

    some = next(iter(sb.store.records["Task"]))
    sb.store.update("Task", some, {"content": "x" * 5000,
                                   "updated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    report["sync"] = attempt(lambda: site.sync(path))
    report["sync_unchanged"] = digest(path) == before
    report["sync_leftovers"] = leftovers(disk, "tasks")

    report["new"] = attempt(lambda: site.export("Shot", disk / "shots"))
    report["new_leftovers"] = leftovers(disk, "shots") + (["shots"] if (disk / "shots").exists() else [])

    filler.unlink()  # space again: the same calls now work
    report["after"] = [site.sync(path).fetched, read_parquet(path).set_index("id").loc[some, "content"] == "x" * 5000]
print(json.dumps(report))
"""


def _tmpfs_available(where: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "mount", "-t", "tmpfs", "-o",
                            "size=64k", "tmpfs", str(where)], capture_output=True)
    return probe.returncode == 0


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _check(result: dict, path_text: str, errno_value: int, reason: str) -> None:
    assert result["type"] == "DatasetWriteError", result
    assert result["trackframes"] and result["oserror"] and result["errno"] == errno_value
    assert result["path"] == path_text
    assert f"Could not write the dataset {path_text}: {reason}" in result["message"], result["message"]


def test_a_full_disk_fails_with_the_dataset_named_and_keeps_the_old_dataset(tmp_path):
    import errno

    disk = tmp_path / "disk"
    disk.mkdir()
    if not _tmpfs_available(disk):
        pytest.skip("cannot mount a tmpfs in a private mount namespace here (needs root)")
    code = ("import subprocess, sys; "
            "subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', sys.argv[1]], check=True); "
            "exec(sys.stdin.read())")
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable, "-c", code, str(disk)],
                          input=TMPFS_CHILD, capture_output=True, text=True, env=_env(), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    no_space = os.strerror(errno.ENOSPC)
    _check(report["export"], str(disk / "tasks"), errno.ENOSPC, no_space)
    assert "the previous dataset at" in report["export"]["message"]
    assert report["export_unchanged"] and report["export_leftovers"] == []
    _check(report["sync"], str(disk / "tasks"), errno.ENOSPC, no_space)
    assert report["sync_unchanged"] and report["sync_leftovers"] == []
    _check(report["new"], str(disk / "shots"), errno.ENOSPC, no_space)
    assert "nothing was written at" in report["new"]["message"] and report["new_leftovers"] == []
    assert report["after"] == [1, True]
    assert not any(disk.iterdir())  # the tmpfs lived only in the child's namespace


RLIMIT_CHILD = COMMON + r"""
import resource, signal
where = Path(sys.argv[1])
report = {}
with tf.sandbox.serve(scale=0.05, seed=2, today=date(2026, 3, 2)) as sb:
    site = sb.connect(progress=False)
    path = where / "tasks"
    site.export("Task", path, fields=["content"])
    before = digest(path)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead of a signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    report["export"] = attempt(lambda: site.export("Task", path, overwrite=True))  # every field: files over 4 KB
    report["unchanged"] = digest(path) == before
    report["leftovers"] = leftovers(where, "tasks")
print(json.dumps(report))
"""


def test_a_file_size_limit_fails_the_same_way(tmp_path):
    import errno

    done = subprocess.run([sys.executable, "-c", RLIMIT_CHILD, str(tmp_path)], capture_output=True, text=True,
                          env=_env(), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    _check(report["export"], str(tmp_path / "tasks"), errno.EFBIG, os.strerror(errno.EFBIG))
    assert "the previous dataset at" in report["export"]["message"]
    assert report["unchanged"] and report["leftovers"] == []
