"""Replacing a dataset directory atomically.

A dataset at ``out/tasks`` is written into a hidden sibling
``out/.tasks.tmp-<pid>-<random>`` and swapped in only once it is complete:

* on Linux the two directories are exchanged with one ``renameat2(...,
  RENAME_EXCHANGE)`` call, so ``out/tasks`` is always either the whole old
  dataset or the whole new one, then the old one is deleted;
* elsewhere (or on a file system without exchange) the old directory is
  renamed aside to ``out/.tasks.old-<pid>-<random>`` and the new one renamed
  into place; if the process dies between the two renames, the next export or
  sync on that path puts the old dataset back first.

A process killed at any point leaves the previous dataset untouched; its
temporary directory is removed by the next export or sync of the same path.
Writers of one path take an exclusive lock on ``out/.tasks.lock``
(:mod:`trackframes.io.lock`: the kernel releases it when the process dies,
and the file is deleted when the writer is done), so two exports or syncs of
one dataset never run at once. Readers take no lock.

A single file (``df.tf.to_parquet``) takes the same path: the lock, a
temporary sibling directory holding the new file, cleaned up the same way,
and the swap, here one ``os.replace`` of the file (atomic for a file).

A write the storage refuses (disk full, quota, read-only) becomes a
:class:`~trackframes.io.errors.DatasetWriteError` naming the dataset path,
after the temporary directory has been removed.
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import shutil
import sys
from pathlib import Path
from typing import Any

from ..exceptions import TrackframesError
from .errors import STORAGE_ERRNOS, DatasetExistsError, write_failed
from .lock import DatasetLock

__all__ = ["Staging", "METADATA_FILE", "is_dataset", "backups", "recover", "temp_dirs"]

METADATA_FILE = "_trackframes.json"


def is_dataset(path: Path) -> bool:
    """True when ``path`` is a directory written by trackframes."""
    return (path / METADATA_FILE).is_file()


def _siblings(path: Path, kind: str) -> list[Path]:
    prefix = f".{path.name}.{kind}-"
    try:
        return sorted(p for p in path.parent.iterdir() if p.name.startswith(prefix))
    except FileNotFoundError:
        return []


def temp_dirs(path: Path) -> list[Path]:
    """Temporary siblings of ``path`` left by unfinished exports or syncs."""
    return _siblings(Path(path), "tmp")


def backups(path: Path) -> list[Path]:
    """Previous datasets of ``path`` moved aside by a swap that did not finish."""
    return [p for p in _siblings(Path(path), "old") if is_dataset(p)]


def recover(path: Path) -> None:
    """Undo what a killed writer left: restore a dataset moved aside, remove temporary directories.

    Call it only while holding the lock of ``path`` (:class:`Staging` does).
    """
    path = Path(path)
    olds = backups(path)
    if olds and not path.exists():
        newest = max(olds, key=lambda p: p.stat().st_mtime)
        os.rename(newest, path)
        _fsync_dir(path.parent)
    for stale in _siblings(path, "old") + _siblings(path, "tmp"):
        if stale.exists():
            shutil.rmtree(stale, ignore_errors=True)


class Staging:
    """Lock ``path``, give a fresh temporary sibling directory, and swap it in on :meth:`commit`.

    With ``file=True``, ``path`` is one file: write it at :attr:`file` (inside the
    temporary directory) and :meth:`commit` moves it to ``path``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with Staging(Path(tmp) / "notes.txt", file=True) as stage:
    ...         _ = stage.file.write_text("all or nothing")
    ...         stage.commit()
    ...     sorted(p.name for p in Path(tmp).iterdir()), (Path(tmp) / "notes.txt").read_text()
    (['notes.txt'], 'all or nothing')

    Leaving the block without :meth:`commit` (an error) deletes the temporary
    directory and keeps the previous dataset (or file).
    """

    def __init__(self, path: Path, *, create_parent: bool = True, file: bool = False) -> None:
        self.path = Path(path)
        self.create_parent = create_parent
        self.is_file = file
        self.tmp = self.path.parent / f".{self.path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        #: where a single file is written (``file=True``)
        self.file = self.tmp / self.path.name
        self.committed = False
        self._lock = DatasetLock(self.path, writers="df.tf.to_parquet" if file else "export or sync")

    def __enter__(self) -> "Staging":
        if self.create_parent:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        try:
            recover(self.path)
            self._check()
            self.tmp.mkdir()
        except BaseException as exc:
            self._lock.release()
            if _refused_by_storage(exc):
                raise self._failed(exc) from exc  # type: ignore[arg-type]
            raise
        return self

    def _check(self) -> None:
        if not self.is_file:
            _check_replaceable(self.path)
        elif self.path.is_dir():
            raise DatasetExistsError(f"{self.path} is a directory, not a file; refusing to replace it with a "
                                     "Parquet file. Choose a file name.", path=self.path)

    def _failed(self, exc: OSError) -> Exception:
        previous = self.path.is_file() if self.is_file else is_dataset(self.path)
        return write_failed(self.path, exc, previous=previous, what="file" if self.is_file else "dataset")

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        try:
            if not self.committed and self.tmp.exists():
                shutil.rmtree(self.tmp, ignore_errors=True)
        finally:
            self._lock.release()
        if not self.committed and _refused_by_storage(exc):
            raise self._failed(exc) from exc  # type: ignore[arg-type]

    # -- the swap ------------------------------------------------------------------
    def commit(self) -> None:
        """Make the temporary directory durable, then put it (or its file) at ``path`` in one step."""
        _fsync_tree(self.tmp)
        if self.is_file:
            self._check()
            os.replace(self.file, self.path)
            self.committed = True
            _fsync_dir(self.path.parent)
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        if not self.path.exists():
            os.rename(self.tmp, self.path)
            self.committed = True
            _fsync_dir(self.path.parent)
            return
        _check_replaceable(self.path)
        if _exchange(self.tmp, self.path):
            self.committed = True
            _fsync_dir(self.path.parent)
            shutil.rmtree(self.tmp, ignore_errors=True)  # now the previous dataset
            return
        aside = self.path.parent / f".{self.path.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
        os.rename(self.path, aside)
        os.rename(self.tmp, self.path)
        self.committed = True
        _fsync_dir(self.path.parent)
        shutil.rmtree(aside, ignore_errors=True)


def _refused_by_storage(exc: BaseException | None) -> bool:
    """True for an ``OSError`` that means the storage refused a write (full, quota, read-only, I/O)."""
    return (isinstance(exc, OSError) and not isinstance(exc, TrackframesError)
            and exc.errno in STORAGE_ERRNOS)


def _check_replaceable(path: Path) -> None:
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_dir() or path.is_symlink():
        raise DatasetExistsError(f"{path} exists and is not a dataset directory; refusing to replace it.", path=path)
    if not is_dataset(path) and any(path.iterdir()):
        raise DatasetExistsError(f"{path} is a directory that trackframes did not write (no {METADATA_FILE}); "
                                 "refusing to replace it. Choose another path or empty it.", path=path)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux ``renameat2``); False when not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. platforms that cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """fsync every file and directory under ``root`` (bottom-up), so a crash after the swap loses nothing."""
    for dirpath, _dirs, files in os.walk(root, topdown=False):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))
