"""How another process connects to the same site: settings and credential that survive ``pickle``.

A credential's :class:`~trackframes.auth.Secret`\\ s are dropped when pickled on
their own (so a frame, a cache or an exception never carries them away by
accident). A :class:`Connection` is the one object that deliberately carries
them to a Dask worker: its pickle holds each secret masked with a random pad
of the same length (so the plain secret text never appears in the bytes or in
a search through them); this hides it from accidental display, it is not
encryption. Anyone who can read the pickle can log in, as with any scheduler
or worker that can read your tasks, so use TLS between Dask's processes
(``distributed.security.Security``) on a shared network.

``repr`` and ``str`` never show the secrets, before or after the trip:

>>> import pickle
>>> import trackframes as tf
>>> from trackframes.config import resolve
>>> conn = Connection(resolve("https://studio.example.com", env={}), tf.ScriptKey("reports", "s3cr3t-value"))
>>> conn
Connection(shotgrid https://studio.example.com, ScriptKey(script_name='reports', script_key=***))
>>> blob = pickle.dumps(conn)
>>> b"s3cr3t-value" in blob, pickle.loads(blob).credential.script_key.reveal()
(False, 's3cr3t-value')
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import Any

from .auth import Credential, Secret
from .config import Settings

__all__ = ["Connection", "site_for"]


class Connection:
    """A site's URL, backend, options and credential, picklable with its secrets (see the module docstring).

    ``key`` names the connection (a random id, no secret in it): a worker process
    keeps one site per key (:func:`site_for`), so its schema is read once.
    ``local_transport`` is true when the site was connected with a
    ``transport_adapter`` (an in-process server): other processes cannot reach it.
    """

    __slots__ = ("settings", "credential", "key", "local_transport")

    def __init__(self, settings: Settings, credential: Credential, *, key: str | None = None,
                 local_transport: bool = False) -> None:
        self.settings = settings
        self.credential = credential
        self.key = key or uuid.uuid4().hex
        self.local_transport = local_transport

    def __repr__(self) -> str:
        return f"Connection({self.settings.backend} {self.settings.url}, {self.credential!r})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:
        cred = self.credential
        public = {name: getattr(cred, name) for name in cred._public}
        secrets = {name: _Sealed(value) if isinstance(value, Secret) else value
                   for name in cred._secret for value in [getattr(cred, name)]}
        return (_restore, (self.settings, type(cred), public, secrets, self.key, self.local_transport))

    def connect(self, today: date | None = None, **overrides: Any) -> Any:
        """A new :class:`~trackframes.site.Site` with these settings (``overrides`` replace options)."""
        from .connect import connect

        options = {f.name: getattr(self.settings, f.name) for f in dataclass_fields(self.settings)
                   if f.name != "url"}
        options.update(overrides)
        return connect(self.settings.url, auth=self.credential, today=today, **options)


def _restore(settings: Settings, cls: type, public: dict[str, Any], secrets: dict[str, Any], key: str,
             local_transport: bool) -> Connection:
    credential = cls.__new__(cls)
    for name, value in public.items():
        setattr(credential, name, value)
    for name, value in secrets.items():
        setattr(credential, name, value.secret if isinstance(value, _Sealed) else value)
    return Connection(settings, credential, key=key, local_transport=local_transport)


class _Sealed:
    """A :class:`Secret` on its way to another process: pickled as ``(pad, secret XOR pad)``."""

    __slots__ = ("secret",)

    def __init__(self, secret: Secret) -> None:
        self.secret = secret

    def __repr__(self) -> str:
        return "***"

    def __reduce__(self) -> tuple[Any, ...]:
        data = self.secret.reveal().encode("utf-8")
        pad = os.urandom(len(data))
        return (_unseal, (pad, bytes(a ^ b for a, b in zip(data, pad))))


def _unseal(pad: bytes, masked: bytes) -> _Sealed:
    return _Sealed(Secret(bytes(a ^ b for a, b in zip(masked, pad)).decode("utf-8")))


_sites: dict[str, Any] = {}
_sites_lock = threading.Lock()


def site_for(connection: Connection, today: date | None) -> Any:
    """This process's site for ``connection`` (made once per connection and ``today``; quiet: no progress bars)."""
    name = f"{connection.key}/{today}"
    with _sites_lock:
        site = _sites.get(name)
        if site is None:
            site = _sites[name] = connection.connect(today=today, progress=False)
        return site
