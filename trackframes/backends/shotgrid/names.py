"""ShotGrid names: entity type names ↔ REST path names, and the site's projects and people.

>>> path_name("CustomNonProjectEntity01"), path_name("HumanUser"), path_name("TimeLog")
('custom_non_project_entity_01s', 'human_users', 'time_logs')
>>> schema_name("CustomNonProjectEntity01")
'custom_non_project_entity_01'
"""

from __future__ import annotations

import re

from ..base import Directory

__all__ = ["snake", "path_name", "schema_name", "DIRECTORY", "DEMO_QUERIES"]

#: Projects and people on a ShotGrid site (``site.projects()``, ``site.people()``, ``find(project=...)``).
DIRECTORY = Directory(
    project_entity="Project",
    project_name_fields=("name",),
    project_fields=("name", "sg_status", "sg_type", "start_date", "end_date", "archived"),
    archived_field="archived",
    project_link_field="project",
    user_entity="HumanUser",
    user_name_fields=("login", "name"),
    people_fields=("name", "login", "email", "sg_department", "department", "sg_status_list"),
    active_people=(("sg_status_list", "is", "act"),),
)

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])")


def snake(entity: str) -> str:
    """``CustomNonProjectEntity01`` → ``custom_non_project_entity_01``."""
    return _BOUNDARY.sub("_", entity).lower()


def path_name(entity: str) -> str:
    """The plural snake_case form the ``/entity/...`` endpoints take."""
    base = snake(entity)
    if base.endswith("y") and not base.endswith(("ay", "ey", "oy", "uy")):
        return base[:-1] + "ies"
    if base.endswith(("s", "x", "ch", "sh")):
        return base + "es"
    return base + "s"


def schema_name(entity: str) -> str:
    """The singular snake_case form the ``/schema/...`` endpoints take."""
    return snake(entity)


#: What ``trackframes demo`` writes besides the canonical tasks and time-log frames: stem → (entity, fields).
DEMO_QUERIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "shots": ("Shot", ("code", "sg_sequence", "sg_status_list", "sg_cut_in", "sg_cut_out", "project")),
    "versions": ("Version", ("code", "entity", "sg_task", "user", "sg_status_list", "created_at", "project")),
}
