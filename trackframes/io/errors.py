"""Errors about dataset directories: not a dataset, another dataset in the way, unreadable, not writable.

Each is a :class:`~trackframes.TrackframesError` (so one ``except
TrackframesError`` in a cron job catches them all) and also the builtin
error that fits, so handlers written for the builtin keep working::

    DatasetError (TrackframesError)
    ├── NotADatasetError      (FileNotFoundError)  no dataset written by export at the path
    ├── DatasetExistsError    (FileExistsError)    something else is at the path: refused, left alone
    ├── CorruptDatasetError   (ValueError)         _trackframes.json or a Parquet file cannot be read
    └── DatasetWriteError     (OSError)            the disk refused a write (full, quota, read-only)

Every one carries ``path``, the dataset directory, and names it in its message.

>>> import tempfile
>>> from trackframes.io import NotADatasetError, read_metadata
>>> with tempfile.TemporaryDirectory() as tmp:
...     try:
...         read_metadata(tmp)
...     except NotADatasetError as exc:
...         print(isinstance(exc, FileNotFoundError), "not a dataset" in str(exc), exc.path == Path(tmp))
True True True
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

from ..exceptions import TrackframesError

__all__ = ["DatasetError", "NotADatasetError", "DatasetExistsError", "CorruptDatasetError", "DatasetWriteError",
           "STORAGE_ERRNOS", "write_failed"]

#: ``errno`` values that mean the storage refused a write (rather than a bug or a network error)
STORAGE_ERRNOS = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EFBIG, errno.EROFS,
                                       errno.EIO) if e is not None)


class DatasetError(TrackframesError):
    """A problem with the dataset directory ``path`` (not with the site)."""

    def __init__(self, message: str, *, path: str | os.PathLike[str], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.path = Path(path)


class NotADatasetError(DatasetError, FileNotFoundError):
    """``path`` holds no dataset written by ``export`` (no ``_trackframes.json``)."""


class DatasetExistsError(DatasetError, FileExistsError):
    """``path`` holds something an export will not replace: a file, a folder of your own, another query."""


class CorruptDatasetError(DatasetError, ValueError):
    """The dataset's ``_trackframes.json`` or one of its Parquet files cannot be read; ``file`` names it."""

    def __init__(self, message: str, *, path: str | os.PathLike[str], file: str | os.PathLike[str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(message, path=path, **kwargs)
        self.file = None if file is None else Path(file)


class DatasetWriteError(DatasetError, OSError):
    """Writing the dataset failed on the storage (disk full, quota, file too large, read-only, I/O error).

    ``errno`` is the operating system's error number. The previous dataset at
    ``path`` is unchanged and the partial copy has been removed.
    """


def write_failed(path: Path, exc: OSError, *, previous: bool, what: str = "dataset") -> DatasetWriteError:
    """The error for a write into the temporary copy of ``path`` (a dataset, or a ``file``) the storage refused."""
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    where = f" (writing {exc.filename})" if getattr(exc, "filename", None) else ""
    kept = (f"the previous {what} at {path} is unchanged" if previous
            else f"nothing was written at {path}")
    err = DatasetWriteError(f"Could not write the {what} {path}: {reason}{where}. The partial copy was removed and "
                            f"{kept}; free some space (or fix the storage) and run it again.", path=path)
    err.errno = exc.errno
    err.strerror = reason
    return err
