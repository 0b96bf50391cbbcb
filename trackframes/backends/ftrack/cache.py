"""The on-disk cache of ftrack schemas, keyed by the server's ``schema_hash``.

``query_schemas`` answers with a few hundred kilobytes that change only when
the server's schema does, so, as ``ftrack_api`` does, the schemas are kept on
disk and fetched again only when ``query_server_information`` reports another
``schema_hash``. One file per hash, under :func:`cache_dir`:
``$TRACKFRAMES_CACHE_DIR`` when set (``off`` turns the cache off), else the
user cache directory (``~/.cache/trackframes`` on Linux), in ``ftrack-schemas/``.

A file holds the hash, an MD5 of its own schemas (checked on every read, so a
damaged file is ignored and replaced, never trusted) and the schemas. Files are
written atomically (a temporary file renamed into place), so concurrent
processes never read half a file.

>>> import tempfile
>>> cache = SchemaCache(tempfile.mkdtemp())
>>> cache.get("abc") is None
True
>>> cache.put("abc", [{"id": "Task"}])
>>> cache.get("abc")
[{'id': 'Task'}]
>>> SchemaCache(None).get("abc") is None  # no cache directory: nothing is kept
True
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import orjson

__all__ = ["SchemaCache", "cache_dir", "ENV", "OFF"]

log = logging.getLogger("trackframes.ftrack")

#: The environment variable that moves (or, with ``off``, disables) the cache.
ENV = "TRACKFRAMES_CACHE_DIR"
#: Values of :data:`ENV` that turn the cache off.
OFF = ("off", "none", "0", "false", "no")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def cache_dir(env: dict[str, str] | None = None) -> Path | None:
    """The directory for ftrack schemas (``None``: the cache is off)."""
    environ = os.environ if env is None else env
    value = environ.get(ENV)
    if value is not None:
        if value.strip().lower() in OFF or not value.strip():
            return None
        return Path(value).expanduser() / "ftrack-schemas"
    return _user_cache_dir(environ) / "trackframes" / "ftrack-schemas"


def _user_cache_dir(environ: Any) -> Path:
    """The platform's user cache directory (``platformdirs`` when installed, else the same rules)."""
    try:
        import platformdirs
    except ImportError:
        import sys

        if sys.platform == "win32":
            return Path(environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        if sys.platform == "darwin":
            return Path.home() / "Library" / "Caches"
        return Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return Path(platformdirs.user_cache_dir())


def _digest(schemas: Any) -> str:
    return hashlib.md5(orjson.dumps(schemas, option=orjson.OPT_SORT_KEYS)).hexdigest()


class SchemaCache:
    """Schemas on disk by ``schema_hash`` (``directory=None``: nothing is stored)."""

    def __init__(self, directory: str | Path | None) -> None:
        self.directory = None if directory is None else Path(directory)

    def __repr__(self) -> str:
        return f"SchemaCache({str(self.directory) if self.directory else 'off'})"

    def _path(self, schema_hash: str) -> Path | None:
        if self.directory is None or not schema_hash:
            return None
        return self.directory / f"{_SAFE.sub('_', schema_hash)[:128]}.json"

    def get(self, schema_hash: str) -> list[Any] | None:
        """The schemas stored for ``schema_hash``, or ``None`` (missing, unreadable or damaged)."""
        path = self._path(schema_hash)
        if path is None:
            return None
        try:
            stored = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        if not isinstance(stored, dict) or stored.get("schema_hash") != schema_hash:
            return None
        schemas = stored.get("schemas")
        if not isinstance(schemas, list) or stored.get("digest") != _digest(schemas):
            log.debug("ignoring the damaged ftrack schema cache file %s", path)
            return None
        return schemas

    def put(self, schema_hash: str, schemas: list[Any]) -> None:
        """Store ``schemas`` for ``schema_hash`` (failures to write are logged, never raised)."""
        path = self._path(schema_hash)
        if path is None:
            return
        body = orjson.dumps({"schema_hash": schema_hash, "digest": _digest(schemas), "schemas": schemas})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".schemas-", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(body)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError as exc:
            log.debug("could not write the ftrack schema cache %s: %s", path, exc)
