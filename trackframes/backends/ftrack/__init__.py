"""The ftrack backend: typed frames from ftrack's operations API (``POST <url>/api``).

``tf.connect(url, backend="ftrack", auth=tf.ApiKey(user=..., key=...))`` builds
it through the backend registry (:func:`create`). The modules, one concern each:

* :mod:`.session`, :mod:`.errors`, :mod:`.cache`: the operations transport,
  error answers, the on-disk schema cache;
* :mod:`.schema`, :mod:`.custom`: schemas and custom attributes → field specs;
* :mod:`.ql`, :mod:`.compile`: the query language and the filter compiler;
* :mod:`.decode`, :mod:`.plan`: pages → nested Arrow tables, and how pages are walked;
* :mod:`.backend`: the backend itself.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create"]


def create(settings: Any, credential: Any, transport: Any) -> Any:
    """The backend for ``settings.url`` (nothing is sent yet)."""
    from .backend import FtrackBackend

    return FtrackBackend(settings, credential, transport)
