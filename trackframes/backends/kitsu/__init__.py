"""The Kitsu (Zou) backend.

``create(settings, credential, transport)`` is what the backend registry calls.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create"]


def create(settings: Any, credential: Any, transport: Any) -> Any:
    """A :class:`~trackframes.backends.kitsu.backend.KitsuBackend` (no I/O)."""
    from .backend import KitsuBackend

    return KitsuBackend(settings, credential, transport)
