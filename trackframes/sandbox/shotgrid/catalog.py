"""The ShotGrid sandbox's schema as data: entity types and their field definitions.

Field names, data types and display names follow a typical Flow Production
Tracking (ShotGrid) site: the built-in fields keep their system names
(``content``, ``task_assignees``, ``est_in_mins`` ...) and studio additions use
the ``sg_`` prefix. Every data type of the REST API's *Data Types* table is
used by at least one field (see :data:`DATA_TYPES`).

Per-project visibility: the custom entity ``CustomNonProjectEntity01``
("Vendor") and the Shot field ``sg_footage`` are hidden in project
:data:`HIDDEN_PROJECT_ID`, so schema requests with that ``project_id`` differ
from the site-wide answer.

The value lists (departments, asset types, priorities...) are the neutral
production's (:mod:`trackframes.sandbox.production.vocabulary`); status codes
map the production's status keys (:data:`TASK_STATUS_CODES`...).
"""

from __future__ import annotations

from typing import Any

from ..production.vocabulary import (ASSET_TYPES, COUNTRIES, DEPARTMENTS, NOTE_TYPES, PRIORITIES,
                                     PROJECT_STATUSES, PROJECT_TYPES, SHOT_TYPES)
from .model import EntityDef, FieldDef

__all__ = [
    "ASSET_TYPES",
    "COUNTRIES",
    "DATA_TYPES",
    "DEPARTMENTS",
    "ENTITY_TYPES",
    "HIDDEN_PROJECT_ID",
    "LINK_TYPES",
    "NOTE_STATUSES",
    "NOTE_STATUS_CODES",
    "NOTE_TYPES",
    "PRIORITIES",
    "PROJECT_STATUSES",
    "PROJECT_TYPES",
    "SHOT_STATUSES",
    "SHOT_STATUS_CODES",
    "SHOT_TYPES",
    "TASK_STATUSES",
    "TASK_STATUS_CODES",
    "USER_STATUSES",
    "VERSION_STATUSES",
    "VERSION_STATUS_CODES",
    "build_entities",
]

#: Every field data type of the REST API's Data Types table.
DATA_TYPES: tuple[str, ...] = (
    "addressing", "checkbox", "color", "currency", "date", "date_time", "duration",
    "entity", "entity_type", "float", "footage", "image", "list", "multi_entity",
    "number", "password", "percent", "serializable", "status_list", "tag_list",
    "text", "timecode", "url",
)

#: Data types whose value links to other records.
LINK_TYPES: frozenset[str] = frozenset({"entity", "multi_entity", "addressing"})

#: The entity types of the sandbox site, in schema order.
ENTITY_TYPES: tuple[str, ...] = (
    "Project", "Sequence", "Shot", "Asset", "Step", "Task", "Version", "TimeLog",
    "HumanUser", "Group", "Note", "CustomNonProjectEntity01",
)

#: The project in which the Vendor entity and ``Shot.sg_footage`` are hidden.
HIDDEN_PROJECT_ID = 2

_HIDDEN: frozenset[int] = frozenset({HIDDEN_PROJECT_ID})

#: Neutral status key of the production -> ShotGrid status code, per kind of record.
TASK_STATUS_CODES: dict[str, str] = {"waiting": "wtg", "ready": "rdy", "in_progress": "ip", "review": "rev",
                                     "final": "fin", "on_hold": "hld", "omitted": "omt"}
SHOT_STATUS_CODES: dict[str, str] = {"waiting": "wtg", "ready": "rdy", "in_progress": "ip", "on_hold": "hld",
                                     "final": "fin", "omitted": "omt"}
VERSION_STATUS_CODES: dict[str, str] = {"none": "na", "review": "rev", "viewed": "vwd", "approved": "apr",
                                        "rejected": "rej"}
NOTE_STATUS_CODES: dict[str, str] = {"open": "opn", "in_progress": "ip", "closed": "clsd"}

#: Status values shared by several entities.
TASK_STATUSES: tuple[str, ...] = tuple(TASK_STATUS_CODES.values())
SHOT_STATUSES: tuple[str, ...] = tuple(SHOT_STATUS_CODES.values())
VERSION_STATUSES: tuple[str, ...] = tuple(VERSION_STATUS_CODES.values())
NOTE_STATUSES: tuple[str, ...] = tuple(NOTE_STATUS_CODES.values())
USER_STATUSES: tuple[str, ...] = ("act", "dis")


class _Builder:
    """Collects the fields of one entity type; every type gets the system fields."""

    def __init__(self, entity: str, *, project: bool) -> None:
        self.entity = entity
        self.fields: dict[str, FieldDef] = {}
        self.add("id", "number", "Id", editable=False, unique=True,
                 description="Unique identifier of the record.")
        if project:
            self.add("project", "entity", "Project", valid_types=("Project",), mandatory=True)
        self.add("created_at", "date_time", "Date Created", editable=False)
        self.add("updated_at", "date_time", "Date Updated", editable=False)
        self.add("created_by", "entity", "Created by", valid_types=("HumanUser",), editable=False)
        self.add("updated_by", "entity", "Updated by", valid_types=("HumanUser",), editable=False)

    def add(self, name: str, data_type: str, display_name: str, **extra: Any) -> "_Builder":
        self.fields[name] = FieldDef(name=name, data_type=data_type, display_name=display_name,
                                     entity_type=self.entity, **extra)
        return self

    def build(self, display_name: str, name_field: str,
              hidden_in_projects: frozenset[int] = frozenset()) -> EntityDef:
        return EntityDef(name=self.entity, display_name=display_name, fields=self.fields,
                         name_field=name_field, hidden_in_projects=hidden_in_projects)


def _project() -> EntityDef:
    b = _Builder("Project", project=False)
    b.add("name", "text", "Project Name", mandatory=True)
    b.add("sg_status", "list", "Status", valid_values=PROJECT_STATUSES, default_value="Active")
    b.add("archived", "checkbox", "Archived", default_value=False,
          description="Archived projects are read-only and hidden from most pages.")
    b.add("is_template", "checkbox", "Template", default_value=False)
    b.add("start_date", "date", "Start Date")
    b.add("end_date", "date", "End Date")
    b.add("sg_budget", "currency", "Budget", description="Approved budget in USD.")
    b.add("sg_type", "list", "Type", valid_values=PROJECT_TYPES)
    b.add("sg_description", "text", "Description")
    b.add("tracking_settings", "serializable", "Tracking Settings", editable=False)
    b.add("users", "multi_entity", "Users", valid_types=("HumanUser",))
    b.add("image", "image", "Thumbnail", editable=False)
    return b.build("Project", "name")


def _sequence() -> EntityDef:
    b = _Builder("Sequence", project=True)
    b.add("code", "text", "Sequence Name", mandatory=True)
    b.add("description", "text", "Description")
    b.add("sg_status_list", "status_list", "Status", valid_values=SHOT_STATUSES, default_value="wtg")
    b.add("image", "image", "Thumbnail", editable=False)
    return b.build("Sequence", "code")


def _shot() -> EntityDef:
    b = _Builder("Shot", project=True)
    b.add("code", "text", "Shot Code", mandatory=True)
    b.add("description", "text", "Description")
    b.add("sg_sequence", "entity", "Sequence", valid_types=("Sequence",))
    b.add("sg_status_list", "status_list", "Status", valid_values=SHOT_STATUSES, default_value="wtg")
    b.add("sg_shot_type", "list", "Type", valid_values=SHOT_TYPES)
    b.add("sg_cut_order", "number", "Cut Order")
    b.add("sg_head_in", "number", "Head In")
    b.add("sg_cut_in", "number", "Cut In", description="First frame of the cut.")
    b.add("sg_cut_out", "number", "Cut Out", description="Last frame of the cut.")
    b.add("sg_tail_out", "number", "Tail Out")
    b.add("sg_cut_duration", "number", "Cut Duration", description="Frames between Cut In and Cut Out, inclusive.")
    b.add("sg_timecode_in", "timecode", "Timecode In", description="Record timecode of the first cut frame.")
    b.add("sg_timecode_out", "timecode", "Timecode Out")
    b.add("sg_footage", "footage", "Footage", description="Cut length in feet and frames (35 mm, 16 frames a foot).",
          hidden_in_projects=_HIDDEN)
    b.add("sg_percent_complete", "percent", "% Complete", description="Share of the shot's tasks that are final.")
    b.add("assets", "multi_entity", "Assets", valid_types=("Asset",))
    b.add("image", "image", "Thumbnail", editable=False)
    return b.build("Shot", "code")


def _asset() -> EntityDef:
    b = _Builder("Asset", project=True)
    b.add("code", "text", "Asset Name", mandatory=True)
    b.add("description", "text", "Description")
    b.add("sg_asset_type", "list", "Type", valid_values=ASSET_TYPES)
    b.add("sg_status_list", "status_list", "Status", valid_values=SHOT_STATUSES, default_value="wtg")
    b.add("shots", "multi_entity", "Shots", valid_types=("Shot",))
    b.add("tag_list", "tag_list", "Tags")
    b.add("image", "image", "Thumbnail", editable=False)
    return b.build("Asset", "code")


def _step() -> EntityDef:
    b = _Builder("Step", project=False)
    b.add("code", "text", "Step Name", mandatory=True)
    b.add("short_name", "text", "Short Name")
    b.add("description", "text", "Description")
    b.add("color", "color", "Color")
    b.add("list_order", "number", "Order", description="Position of the step in the pipeline.")
    b.add("entity_type", "entity_type", "Entity Type", description="The entity type this step applies to.")
    return b.build("Pipeline Step", "code")


def _task() -> EntityDef:
    b = _Builder("Task", project=True)
    b.add("content", "text", "Task Name", mandatory=True)
    b.add("entity", "entity", "Link", valid_types=("Shot", "Asset"))
    b.add("step", "entity", "Pipeline Step", valid_types=("Step",))
    b.add("sg_status_list", "status_list", "Status", valid_values=TASK_STATUSES, default_value="wtg")
    b.add("task_assignees", "multi_entity", "Assigned To", valid_types=("HumanUser", "Group"))
    b.add("start_date", "date", "Start Date")
    b.add("due_date", "date", "Due Date")
    b.add("duration", "duration", "Duration", description="Working time between start and due date, in minutes.")
    b.add("est_in_mins", "duration", "Bid", description="Bid for the task, in minutes.")
    b.add("time_logs_sum", "duration", "Time Logged", editable=False, default_value=0,
          description="Sum of the durations of the task's time logs, in minutes.")
    b.add("sg_priority_1", "list", "Priority", valid_values=PRIORITIES, default_value="Medium")
    b.add("color", "color", "Gantt Bar Color", default_value="pipeline_step")
    b.add("milestone", "checkbox", "Milestone", default_value=False)
    b.add("upstream_tasks", "multi_entity", "Upstream Dependency", valid_types=("Task",))
    b.add("downstream_tasks", "multi_entity", "Downstream Dependency", valid_types=("Task",))
    b.add("sg_description", "text", "Description")
    return b.build("Task", "content")


def _version() -> EntityDef:
    b = _Builder("Version", project=True)
    b.add("code", "text", "Version Name", mandatory=True)
    b.add("description", "text", "Description")
    b.add("entity", "entity", "Link", valid_types=("Shot", "Asset"))
    b.add("sg_task", "entity", "Task", valid_types=("Task",))
    b.add("user", "entity", "Artist", valid_types=("HumanUser",))
    b.add("sg_status_list", "status_list", "Status", valid_values=VERSION_STATUSES, default_value="rev")
    b.add("sg_uploaded_movie", "url", "Uploaded Movie")
    b.add("sg_path_to_frames", "text", "Path to Frames")
    b.add("sg_first_frame", "number", "First Frame")
    b.add("sg_last_frame", "number", "Last Frame")
    b.add("frame_count", "number", "Frame Count")
    b.add("frame_range", "text", "Frame Range")
    b.add("sg_uploaded_movie_frame_rate", "float", "Uploaded Movie Frame Rate")
    b.add("client_approved", "checkbox", "Client Approved", default_value=False)
    b.add("image", "image", "Thumbnail", editable=False)
    return b.build("Version", "code")


def _time_log() -> EntityDef:
    b = _Builder("TimeLog", project=True)
    b.add("entity", "entity", "Link", valid_types=("Task",), mandatory=True)
    b.add("user", "entity", "User", valid_types=("HumanUser",))
    b.add("date", "date", "Date", mandatory=True)
    b.add("duration", "duration", "Duration", mandatory=True, description="Logged time, in minutes.")
    b.add("description", "text", "Description")
    return b.build("Time Log", "description")


def _human_user() -> EntityDef:
    b = _Builder("HumanUser", project=False)
    b.add("name", "text", "Name")
    b.add("firstname", "text", "First Name", mandatory=True)
    b.add("lastname", "text", "Last Name", mandatory=True)
    b.add("login", "text", "Login", mandatory=True, unique=True)
    b.add("email", "text", "Email", mandatory=True)
    b.add("sg_status_list", "status_list", "Status", valid_values=USER_STATUSES, default_value="act")
    b.add("password_proxy", "password", "Password")
    b.add("sg_department", "list", "Department", valid_values=DEPARTMENTS)
    b.add("groups", "multi_entity", "Groups", valid_types=("Group",))
    b.add("projects", "multi_entity", "Projects", valid_types=("Project",))
    b.add("image", "image", "Thumbnail", editable=False)
    return b.build("Person", "name")


def _group() -> EntityDef:
    b = _Builder("Group", project=False)
    b.add("code", "text", "Group Name", mandatory=True)
    b.add("users", "multi_entity", "Users", valid_types=("HumanUser",))
    return b.build("Group", "code")


def _note() -> EntityDef:
    b = _Builder("Note", project=True)
    b.add("subject", "text", "Subject")
    b.add("content", "text", "Body", mandatory=True)
    b.add("user", "entity", "Author", valid_types=("HumanUser",))
    b.add("note_links", "multi_entity", "Links", valid_types=("Version", "Shot", "Asset", "Sequence"))
    b.add("tasks", "multi_entity", "Tasks", valid_types=("Task",))
    b.add("addressings_to", "addressing", "To", valid_types=("HumanUser", "Group"))
    b.add("addressings_cc", "addressing", "Cc", valid_types=("HumanUser", "Group"))
    b.add("sg_note_type", "list", "Type", valid_values=NOTE_TYPES)
    b.add("sg_status_list", "status_list", "Status", valid_values=NOTE_STATUSES, default_value="opn")
    b.add("tag_list", "tag_list", "Tags")
    return b.build("Note", "subject")


def _vendor() -> EntityDef:
    b = _Builder("CustomNonProjectEntity01", project=False)
    b.add("code", "text", "Vendor Name", mandatory=True)
    b.add("description", "text", "Description")
    b.add("sg_status_list", "status_list", "Status", valid_values=USER_STATUSES, default_value="act")
    b.add("sg_entity_type", "entity_type", "Works On", description="The entity type the vendor delivers.")
    b.add("sg_day_rate", "currency", "Day Rate", description="Artist day rate in USD.")
    b.add("sg_discount", "percent", "Discount")
    b.add("sg_rating", "number", "Rating", description="1 (poor) to 5 (excellent).")
    b.add("sg_website", "url", "Website")
    b.add("sg_contact", "entity", "Contact", valid_types=("HumanUser",))
    b.add("sg_country", "list", "Country", valid_values=COUNTRIES)
    b.add("sg_contract_start", "date", "Contract Start")
    return b.build("Vendor", "code", hidden_in_projects=_HIDDEN)


def build_entities() -> dict[str, EntityDef]:
    """A fresh set of entity definitions for the sandbox site, keyed by entity type.

    Each call returns new objects, so a server may add fields without affecting
    other stores.
    """
    builders = (_project, _sequence, _shot, _asset, _step, _task, _version, _time_log,
                _human_user, _group, _note, _vendor)
    entities = {edef.name: edef for edef in (make() for make in builders)}
    assert tuple(entities) == ENTITY_TYPES
    return entities
