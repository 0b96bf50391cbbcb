"""Zou's models as data: each entity type's route, columns, links and column types.

Zou (Kitsu's API server) has no schema endpoint, so the schema is this table,
written from Zou 1.0.97's SQLAlchemy models (``zou/app/models/*.py``) and
checked against a live server by ``tests/kitsu``. One line per column::

    <wire name> <Zou type>[:<option>] [-> <Target>[|<Target>...]]

* ``<wire name>`` is the key in Zou's JSON records.
* A column with a target is a link. A foreign key ``<x>_id`` is addressed as
  the link ``<x>`` (``task_type_id`` → ``task_type``); a foreign key without
  the suffix keeps its name (``created_by``). ``[]`` marks a many-to-many list
  (ids, sent with ``relations=true`` only).
* The option ``date`` types a ``DateTime`` column as a calendar date (Task's
  ``start_date`` and ``due_date``: Kitsu stores midnight and means a day);
  ``Choice:<a>,<b>,...`` lists the values of a choice column; ``derived`` marks
  a column Zou does not store but the reader fills (TimeSpent's and Comment's
  ``project``: they are read per project, through their task; Project's
  ``archived``: its status is Closed).

>>> MODELS["Task"].column("task_type").wire, MODELS["Task"].column("task_type").targets
('task_type_id', ('TaskType',))
>>> MODELS["Task"].column("assignees").many, MODELS["Shot"].route
(True, 'entities')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ...schema import FieldKind

__all__ = ["Column", "Model", "MODELS", "ENTITY_KINDS", "KIND_OF_TYPE", "zou_kind"]

#: Zou type → the neutral kind (links are ENTITY or MULTI_ENTITY, whatever their type).
_KINDS: dict[str, FieldKind] = {
    "String": FieldKind.TEXT,
    "Text": FieldKind.TEXT,
    "Email": FieldKind.TEXT,
    "Timezone": FieldKind.TEXT,
    "Locale": FieldKind.TEXT,
    "UUID": FieldKind.TEXT,
    "Integer": FieldKind.INTEGER,
    "BigInteger": FieldKind.INTEGER,
    "Float": FieldKind.FLOAT,
    "Boolean": FieldKind.BOOLEAN,
    "Date": FieldKind.DATE,
    "DateTime": FieldKind.DATETIME,
    "Choice": FieldKind.CATEGORY,
    "JSONB": FieldKind.JSON,
    "ARRAY": FieldKind.JSON,
}

#: The entity types stored in Zou's ``entity`` table (served by ``/data/entities``).
ENTITY_KINDS = ("Episode", "Sequence", "Shot", "Asset")
#: An entity type name (Zou's ``entity_type`` table) → the entity type trackframes shows;
#: every other name is an asset type, so its records are Assets.
KIND_OF_TYPE = {"Episode": "Episode", "Sequence": "Sequence", "Shot": "Shot", "Edit": "Edit",
                "Concept": "Concept", "Scene": "Scene"}


def zou_kind(zou_type: str) -> FieldKind:
    """The neutral kind of a Zou column type (``FieldKind.UNKNOWN`` when unknown)."""
    return _KINDS.get(zou_type, FieldKind.UNKNOWN)


@dataclass(frozen=True)
class Column:
    """One column of a model: its field name, its key on the wire and its type."""

    name: str
    wire: str
    zou_type: str
    targets: tuple[str, ...] = ()
    many: bool = False
    as_date: bool = False
    values: tuple[str, ...] = ()
    derived: bool = False

    @property
    def kind(self) -> FieldKind:
        if self.targets:
            return FieldKind.MULTI_ENTITY if self.many else FieldKind.ENTITY
        if self.as_date:
            return FieldKind.DATE
        return zou_kind(self.zou_type)


@dataclass(frozen=True)
class Model:
    """One entity type: where it is read and what its records hold.

    ``route`` is the CRUD list route (``/data/<route>``). ``project_route`` is
    the route under ``/data/projects/<id>/`` that project members may read when
    the CRUD route is for admins only; ``by_project`` models are always read
    there, one request per project. ``name_field`` names a record in links
    (``None``: records have no name). ``descriptors`` is the metadata
    descriptors' ``entity_type`` for its custom fields. ``relations`` asks for
    the many-to-many lists (``relations=true``).
    """

    name: str
    route: str
    columns: tuple[Column, ...]
    project_route: str | None = None
    name_field: str | None = "name"
    by_project: bool = False
    descriptors: str | None = None
    relations: bool = False
    _by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({c.name: c for c in self.columns})

    def column(self, name: str) -> Column:
        return self._by_name[name]

    def get(self, name: str) -> Column | None:
        return self._by_name.get(name)

    @property
    def entity_table(self) -> bool:
        return self.route == "entities"


def _link_name(wire: str) -> str:
    return wire[:-3] if wire.endswith("_id") else wire


def _parse(spec: str) -> tuple[Column, ...]:
    cols = []
    for line in spec.strip().splitlines():
        line = line.strip()
        if not line:
            continue
        head, _, target = line.partition("->")
        wire, zou_type = head.split()[:2]
        option = ""
        if ":" in zou_type:
            zou_type, option = zou_type.split(":", 1)
        targets = tuple(t.strip() for t in target.split("|")) if target.strip() else ()
        many = zou_type == "[]"
        name = wire if many or not targets else _link_name(wire)
        cols.append(Column(name=name, wire=wire, zou_type="UUID" if targets else zou_type, targets=targets,
                           many=many, as_date=option == "date", derived=option == "derived",
                           values=tuple(option.split(",")) if zou_type == "Choice" else ()))
    return tuple(cols)


_COMMON = """
created_at DateTime
updated_at DateTime
"""

_ENTITY = """
name String
code String
description Text
canceled Boolean
nb_frames Integer
nb_entities_out Integer
is_casting_standby Boolean
is_shared Boolean
status Choice:standby,running,complete,canceled
project_id UUID -> Project
preview_file_id UUID -> PreviewFile
data JSONB
ready_for UUID -> TaskType
created_by UUID -> Person
shotgun_id Integer
"""

_PROJECT = """
name String
code String
description Text
file_tree JSONB
data JSONB
has_avatar Boolean
fps String
ratio String
resolution String
production_type String
production_style Choice:2d,2dpaper,3d,2d3d,ar,vfx,stop-motion,motion-design,archviz,commercial,catalog,immersive,nft,video-game,vr
start_date Date
end_date Date
man_days Integer
nb_episodes Integer
episode_span Integer
max_retakes Integer
is_clients_isolated Boolean
is_client_stats_visible Boolean
is_client_task_list_visible Boolean
is_client_task_panel_visible Boolean
is_preview_download_allowed Boolean
is_set_preview_automated Boolean
homepage String
is_publish_default_for_artists Boolean
is_bot_collaboration_enabled Boolean
is_single_preview_per_revision Boolean
is_frame_in_numbering Boolean
revision_padding Integer
hd_bitrate_compression Integer
ld_bitrate_compression Integer
project_status_id UUID -> ProjectStatus
archived Boolean:derived
default_preview_background_file_id UUID
from_schedule_version_id UUID
status_automations ARRAY
preview_background_files ARRAY
team [] -> Person
asset_types [] -> AssetType
task_statuses [] -> TaskStatus
task_types [] -> TaskType
shotgun_id Integer
"""

_TASK = """
name String
description Text
priority Integer
difficulty Integer
duration Float
estimation Float
completion_rate Integer
retake_count Integer
sort_order Integer
start_date DateTime:date
due_date DateTime:date
real_start_date DateTime
end_date DateTime
done_date DateTime
last_comment_date DateTime
nb_assets_ready Integer
data JSONB
nb_drawings Integer
last_preview_file_id UUID -> PreviewFile
project_id UUID -> Project
task_type_id UUID -> TaskType
task_status_id UUID -> TaskStatus
entity_id UUID -> Shot|Sequence|Episode|Asset|Edit|Concept
assigner_id UUID -> Person
assignees [] -> Person
shotgun_id Integer
planned_start_date Date:derived
planned_due_date Date:derived
"""

_PERSON = """
first_name String
last_name String
full_name String
email Email
phone String
country String
contract_type Choice:open-ended,fixed-term,short-term,freelance,apprentice,internship
active Boolean
archived Boolean
last_presence Date
desktop_login String
totp_enabled Boolean
email_otp_enabled Boolean
fido_enabled Boolean
preferred_two_factor_authentication Choice:totp,email_otp,fido
timezone Timezone
locale Locale
use_12_hour_clock Boolean
display_date_format String
data JSONB
role Choice:user,admin,supervisor,manager,client,vendor
position Choice:supervisor,lead,artist
seniority Choice:senior,mid,junior
daily_salary Integer
has_avatar Boolean
notifications_enabled Boolean
notifications_slack_enabled Boolean
notifications_slack_userid String
notifications_mattermost_enabled Boolean
notifications_mattermost_userid String
notifications_discord_enabled Boolean
notifications_discord_userid String
is_bot Boolean
is_guest Boolean
preview_project_id UUID -> Project
preview_opened_at DateTime
preview_open_until DateTime
expiration_date Date
is_generated_from_ldap Boolean
ldap_uid String
studio_id UUID
departments [] -> Department
shotgun_id Integer
"""


def _model(name: str, route: str, spec: str, **options: object) -> Model:
    return Model(name=name, route=route, columns=_parse(spec + _COMMON), **options)  # type: ignore[arg-type]


_MODELS = (
    _model("Project", "projects", _PROJECT, relations=True, descriptors="Project"),
    _model("Episode", "entities", _ENTITY, descriptors="Episode", relations=True),
    _model("Sequence", "entities", _ENTITY + "parent_id UUID -> Episode\n",
           descriptors="Sequence", relations=True),
    _model("Shot", "entities", _ENTITY + "parent_id UUID -> Sequence\nentities_out [] -> Asset\n",
           descriptors="Shot", relations=True),
    _model("Asset", "entities", _ENTITY + "entity_type_id UUID -> AssetType\nsource_id UUID -> Episode\n"
           "entities_out [] -> Asset\nentities_in [] -> Shot|Asset\n",
           descriptors="Asset", relations=True),
    _model("AssetType", "asset-types", "name String\nshort_name String\ndescription Text\narchived Boolean\n"
           "task_types [] -> TaskType\n", relations=True),
    _model("Task", "tasks", _TASK, descriptors="Task", relations=True),
    _model("TaskType", "task-types", """
name String
short_name String
description Text
color String
priority Integer
for_entity String
allow_timelog Boolean
archived Boolean
department_id UUID -> Department
shotgun_id Integer
"""),
    _model("TaskStatus", "task-status", """
name String
short_name String
description Text
color String
priority Integer
archived Boolean
is_done Boolean
is_artist_allowed Boolean
is_client_allowed Boolean
is_retake Boolean
is_feedback_request Boolean
is_default Boolean
is_wip Boolean
for_concept Boolean
shotgun_id Integer
"""),
    _model("ProjectStatus", "project-status", "name String\ncolor String\n"),
    _model("Person", "persons", _PERSON, name_field="full_name", relations=True),
    _model("Department", "departments", "name String\ncolor String\narchived Boolean\n"),
    _model("TimeSpent", "time-spents", "duration Float\ndate Date\ntask_id UUID -> Task\nperson_id UUID -> Person\n"
           "project_id UUID:derived -> Project\n", project_route="time-spents", name_field=None, by_project=True),
    _model("DayOff", "day-offs", "date Date\nend_date Date\ndescription Text\nperson_id UUID -> Person\n",
           project_route="day-offs", name_field=None),
    _model("ScheduleItem", "schedule-items", """
start_date Date
end_date Date
man_days Integer
project_id UUID -> Project
task_type_id UUID -> TaskType
object_id UUID -> Sequence|Episode|AssetType
""", project_route="schedule-items", name_field=None),
    _model("Milestone", "milestones", "date Date\nname String\nproject_id UUID -> Project\n"
           "task_type_id UUID -> TaskType\n", project_route="milestones"),
    _model("Comment", "comments", """
object_id UUID -> Task
object_type String
text Text
data JSONB
replies JSONB
checklist JSONB
pinned Boolean
for_client Boolean
links ARRAY
task_status_id UUID -> TaskStatus
person_id UUID -> Person
editor_id UUID -> Person
preview_file_id UUID -> PreviewFile
previews [] -> PreviewFile
mentions [] -> Person
department_mentions [] -> Department
acknowledgements [] -> Person
shotgun_id Integer
project_id UUID:derived -> Project
""", project_route="comments", name_field=None, relations=True, by_project=True),
    _model("PreviewFile", "preview-files", """
name String
original_name String
revision Integer
position Integer
extension String
description Text
path String
source String
file_size BigInteger
status Choice:processing,ready,broken,missing
validation_status Choice:validated,rejected,neutral
annotations JSONB
width Integer
height Integer
duration Float
data JSONB
token_in Integer
token_out Integer
task_id UUID -> Task
person_id UUID -> Person
source_file_id UUID
is_movie Boolean
url String
uploaded_movie_url String
uploaded_movie_name String
comments [] -> Comment
shotgun_id Integer
""", relations=True),
    _model("Playlist", "playlists", """
name String
shots JSONB
project_id UUID -> Project
episode_id UUID -> Episode
task_type_id UUID -> TaskType
for_client Boolean
for_entity String
is_for_all Boolean
created_by UUID -> Person
"""),
)

#: Every entity type the Kitsu backend reads, by name.
MODELS: Mapping[str, Model] = {m.name: m for m in _MODELS}
