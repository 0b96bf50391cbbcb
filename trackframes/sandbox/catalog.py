"""The ShotGrid sandbox's schema catalog, under its earlier import path
(:mod:`trackframes.sandbox.shotgrid.catalog`)."""

from __future__ import annotations

from .shotgrid.catalog import *  # noqa: F401,F403
from .shotgrid.catalog import __all__  # noqa: F401
