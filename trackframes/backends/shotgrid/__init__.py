"""The ShotGrid (Flow Production Tracking) REST API v1.1 backend.

``create(settings, credential, transport)`` is what the backend registry calls.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create"]


def create(settings: Any, credential: Any, transport: Any) -> Any:
    """A :class:`~trackframes.backends.shotgrid.backend.ShotGridBackend` (no I/O)."""
    from .backend import ShotGridBackend

    return ShotGridBackend(settings, credential, transport)
