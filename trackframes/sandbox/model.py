"""The ShotGrid sandbox's store classes, under their earlier import path
(:mod:`trackframes.sandbox.shotgrid.model`)."""

from __future__ import annotations

from .shotgrid.model import EntityDef, FieldDef, Store, WorkCalendar

__all__ = ["EntityDef", "FieldDef", "Store", "WorkCalendar"]
