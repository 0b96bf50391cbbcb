"""The writers' lock of a dataset path: ``out/.tasks.lock``, which exists only while a writer holds it.

Exports and syncs of one path exclude each other: the first takes an
exclusive lock, any other fails at once with a
:class:`~trackframes.TrackframesError`. Readers take no lock.

On POSIX systems the lock is ``flock`` on ``out/.tasks.lock`` (the kernel
drops it when the process dies). The holder deletes the file *while still
holding the lock*, when it is done, so that no lock file is left behind
after an export or sync, refused or not. A writer that locks a file which
the holder has just deleted notices that the path no longer names the file
it locked (``fstat`` and ``stat`` differ) and locks the current file
instead, so two writers never both hold "the" lock. A process killed while
holding the lock leaves the empty file, unlocked; the next writer takes it
over and removes it.

Without ``fcntl`` (Windows) the lock is :class:`filelock.FileLock`, which
removes its file on release there. On POSIX systems ``filelock`` also takes an
``flock``, but leaves its file behind on release (deleting it safely needs the
check above), so this module keeps its own few lines there.

>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as tmp:
...     with DatasetLock(Path(tmp) / "tasks") as lock:
...         held = sorted(p.name for p in Path(tmp).iterdir())
...     after = sorted(p.name for p in Path(tmp).iterdir())
>>> held, after
(['.tasks.lock'], [])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..exceptions import TrackframesError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["DatasetLock", "lock_path"]

#: how often a writer retries when the file it locked was deleted under it (each retry means another
#: writer finished in between: a handful at most)
_ATTEMPTS = 50


def lock_path(path: Path) -> Path:
    """The lock file of the dataset at ``path``: ``<parent>/.<name>.lock``."""
    path = Path(path)
    return path.parent / f".{path.name}.lock"


class DatasetLock:
    """An exclusive, non-blocking lock on the dataset path ``path``; release removes the lock file.

    ``writers`` names who else may hold it, for the message of a refusal.
    """

    def __init__(self, path: Path, *, writers: str = "export or sync") -> None:
        self.path = Path(path)
        self.writers = writers
        self.file = lock_path(self.path)
        self._fd: int | None = None
        self._fallback: Any = None

    @property
    def held(self) -> bool:
        return self._fd is not None or self._fallback is not None

    def acquire(self) -> None:
        """Take the lock, or raise ``TrackframesError`` at once when another writer holds it."""
        if self.held:
            raise RuntimeError(f"{self.file} is already held by this DatasetLock.")
        if fcntl is None:  # pragma: no cover - Windows
            self._acquire_fallback()
            return
        for _ in range(_ATTEMPTS):
            fd = os.open(self.file, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise self._busy() from None
            except BaseException:
                os.close(fd)
                raise
            try:
                current = os.stat(self.file)
            except FileNotFoundError:
                current = None
            if current is not None and os.path.samestat(os.fstat(fd), current):
                self._fd = fd
                return
            os.close(fd)  # its holder deleted it as we locked it: lock the file that is there now
        raise self._busy()

    def release(self) -> None:
        """Delete the lock file and drop the lock (in that order); a no-op when not held."""
        if self._fallback is not None:  # pragma: no cover - Windows
            lock, self._fallback = self._fallback, None
            lock.release()
            return
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.unlink(self.file)
        except FileNotFoundError:  # pragma: no cover - someone removed it by hand
            pass
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def _acquire_fallback(self) -> None:  # pragma: no cover - Windows
        import filelock

        lock = filelock.FileLock(str(self.file), timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise self._busy() from None
        self._fallback = lock

    def _busy(self) -> TrackframesError:
        return TrackframesError(f"{self.path} is being written by another {self.writers} (lock {self.file}); "
                                "try again when it has finished.")

    def __enter__(self) -> "DatasetLock":
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"DatasetLock({str(self.path)!r}, held={self.held})"
