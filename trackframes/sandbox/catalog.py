"""The ShotGrid sandbox's schema catalog, under its earlier import path
(:mod:`trackframes.sandbox.shotgrid.catalog`)."""

from __future__ import annotations

from .shotgrid.catalog import (
    ASSET_TYPES,
    COUNTRIES,
    DATA_TYPES,
    DEPARTMENTS,
    ENTITY_TYPES,
    HIDDEN_PROJECT_ID,
    LINK_TYPES,
    NOTE_STATUS_CODES,
    NOTE_STATUSES,
    NOTE_TYPES,
    PRIORITIES,
    PROJECT_STATUSES,
    PROJECT_TYPES,
    SHOT_STATUS_CODES,
    SHOT_STATUSES,
    SHOT_TYPES,
    TASK_STATUS_CODES,
    TASK_STATUSES,
    USER_STATUSES,
    VERSION_STATUS_CODES,
    VERSION_STATUSES,
    build_entities,
)

__all__ = ["ASSET_TYPES", "COUNTRIES", "DATA_TYPES", "DEPARTMENTS", "ENTITY_TYPES", "HIDDEN_PROJECT_ID",
           "LINK_TYPES", "NOTE_STATUSES", "NOTE_STATUS_CODES", "NOTE_TYPES", "PRIORITIES", "PROJECT_STATUSES",
           "PROJECT_TYPES", "SHOT_STATUSES", "SHOT_STATUS_CODES", "SHOT_TYPES", "TASK_STATUSES", "TASK_STATUS_CODES",
           "USER_STATUSES", "VERSION_STATUSES", "VERSION_STATUS_CODES", "build_entities"]
