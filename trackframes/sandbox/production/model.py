"""The records of a generated production, in tracker-neutral terms.

A :class:`Production` holds one list of records per kind (:data:`KINDS`):
projects, sequences, shots, assets, pipeline steps, tasks, versions, time logs,
people, department groups, review notes and vendors, plus the studio's
:class:`~.calendar.Calendar` and the ``today`` the schedule is laid out around.

Ids are integers per kind, from 1 in creation order (``production.tasks[0].id
== 1``); each protocol maps them to its own ids. A reference to one record of a
known kind is its id (``task.step``); a reference that may name several kinds
is a :class:`Ref` (``task.parent`` is a shot or an asset). Dates are ISO text
(``"2026-03-02"``), moments UTC ISO text (``"2026-03-02T09:30:00Z"``), work
amounts whole minutes. Statuses are keys of :data:`STATUSES` whose
:class:`Meaning` a renderer maps to its tracker's states.

>>> from datetime import date
>>> from trackframes.sandbox.production import generate
>>> prod = generate(scale=0.01, seed=1, today=date(2026, 3, 2))
>>> task = prod.tasks[0]
>>> task.parent.kind, prod.get("step", task.step).name == task.name
('asset', True)
>>> STATUSES["task"][task.status].meaning in Meaning
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, Iterator, NamedTuple

from .calendar import Calendar

__all__ = [
    "KINDS", "STATUSES", "Meaning", "Status", "Ref", "Attachment", "Record",
    "Project", "Person", "Group", "Step", "Sequence", "Shot", "Asset", "Task", "Version", "TimeEntry",
    "Note", "Vendor", "Production",
]


class Meaning(str, Enum):
    """What a status means, whatever a tracker calls it."""

    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    REVIEW = "review"
    DONE = "done"
    OMITTED = "omitted"
    ON_HOLD = "on hold"


@dataclass(frozen=True)
class Status:
    """One status: its key in the production, a display name and its meaning."""

    key: str
    name: str
    meaning: Meaning


def _table(*items: Status) -> dict[str, Status]:
    return {s.key: s for s in items}


_WORK = (Status("waiting", "Waiting to Start", Meaning.NOT_STARTED),
         Status("ready", "Ready to Start", Meaning.NOT_STARTED),
         Status("in_progress", "In Progress", Meaning.IN_PROGRESS))
_CLOSED = (Status("final", "Final", Meaning.DONE), Status("on_hold", "On Hold", Meaning.ON_HOLD),
           Status("omitted", "Omitted", Meaning.OMITTED))

#: The statuses of each kind that has one, in workflow order: key -> :class:`Status`.
#: Shots, sequences and assets roll their tasks' statuses up (no review of their own).
STATUSES: dict[str, dict[str, Status]] = {
    "task": _table(*_WORK, Status("review", "Pending Review", Meaning.REVIEW), *_CLOSED),
    "shot": _table(*_WORK, Status("on_hold", "On Hold", Meaning.ON_HOLD), Status("final", "Final", Meaning.DONE),
                   Status("omitted", "Omitted", Meaning.OMITTED)),
    "version": _table(Status("none", "N/A", Meaning.NOT_STARTED), Status("review", "Pending Review", Meaning.REVIEW),
                      Status("viewed", "Viewed", Meaning.REVIEW), Status("approved", "Approved", Meaning.DONE),
                      Status("rejected", "Rejected", Meaning.IN_PROGRESS)),
    "note": _table(Status("open", "Open", Meaning.NOT_STARTED),
                   Status("in_progress", "In Progress", Meaning.IN_PROGRESS), Status("closed", "Closed", Meaning.DONE)),
}
STATUSES["sequence"] = STATUSES["asset"] = STATUSES["shot"]


class Ref(NamedTuple):
    """A reference to a record whose kind may vary: ``Ref("shot", 12)``."""

    kind: str
    id: int


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file or web page a record points at: an uploaded movie, a vendor's website.

    ``source`` is ``"upload"`` or ``"web"``; ids count attachments of every record.
    """

    id: int
    url: str
    name: str
    mime_type: str | None
    source: str


@dataclass(slots=True, kw_only=True)
class Record:
    """What every record has: its id, when and by whom (a person id) it was created and last updated."""

    id: int = 0
    created: str = ""
    updated: str = ""
    created_by: int = 0
    updated_by: int = 0


@dataclass(slots=True, kw_only=True)
class Project(Record):
    """A show. ``abbreviation`` is its short name (file paths use it); archived shows are finished."""

    name: str
    abbreviation: str
    status: str  # one of vocabulary.PROJECT_STATUSES
    archived: bool
    template: bool
    start: str
    end: str
    budget: float
    project_type: str
    description: str
    frame_rate: float
    resolution: tuple[int, int]
    color_space: str
    delivery_format: str
    members: list[int]
    thumbnail: str | None


@dataclass(slots=True, kw_only=True)
class Person(Record):
    """Someone at the studio (``active`` is False once they have left)."""

    name: str
    first_name: str
    last_name: str
    login: str
    email: str
    active: bool
    password: str
    department: str
    groups: list[int]
    projects: list[int]
    thumbnail: str | None


@dataclass(slots=True, kw_only=True)
class Group(Record):
    """The people of one artist department."""

    name: str
    members: list[int]


@dataclass(slots=True, kw_only=True)
class Step(Record):
    """A pipeline step (task type): ``applies_to`` is ``"shot"`` or ``"asset"``; ``color`` is ``"r,g,b"``."""

    name: str
    short_name: str
    description: str
    color: str
    order: int
    applies_to: str
    department: str


@dataclass(slots=True, kw_only=True)
class Sequence(Record):
    """A sequence of shots."""

    project: int
    name: str
    description: str
    status: str
    thumbnail: str | None


@dataclass(slots=True, kw_only=True)
class Shot(Record):
    """A shot: frames of the cut (with handles), record timecodes in milliseconds, the assets it uses."""

    project: int
    name: str
    description: str
    sequence: int
    status: str
    shot_type: str
    cut_order: int
    head_in: int
    cut_in: int
    cut_out: int
    tail_out: int
    cut_duration: int
    timecode_in: int
    timecode_out: int
    percent_complete: int
    assets: list[int]
    thumbnail: str | None


@dataclass(slots=True, kw_only=True)
class Asset(Record):
    """A character, prop, environment...; ``shots`` are the shots that use it."""

    project: int
    name: str
    description: str
    asset_type: str
    status: str
    shots: list[int]
    tags: list[str]
    thumbnail: str | None


@dataclass(slots=True, kw_only=True)
class Task(Record):
    """One step of work on a shot or an asset.

    ``duration`` is the working time between ``start`` and ``due`` and ``estimate``
    the bid, in minutes; ``logged`` is the sum of its time logs. ``assignees`` are
    people and groups (``Ref("person", ...)``, ``Ref("group", ...)``). ``color``
    ``None`` means the step's colour. ``upstream``/``downstream`` are the tasks
    before and after it in its chain.
    """

    project: int
    name: str
    parent: Ref
    step: int
    status: str
    assignees: list[Ref]
    start: str
    due: str
    duration: int
    estimate: int
    logged: int
    priority: str
    color: str | None
    milestone: bool
    upstream: list[int]
    downstream: list[int]
    description: str | None


@dataclass(slots=True, kw_only=True)
class Version(Record):
    """A version of a task's work sent to review: its frames and movie."""

    project: int
    name: str
    description: str
    parent: Ref
    task: int
    artist: int
    status: str
    movie: Attachment | None
    frames_path: str
    first_frame: int
    last_frame: int
    frame_count: int
    frame_rate: float
    client_approved: bool
    thumbnail: str | None


@dataclass(slots=True, kw_only=True)
class TimeEntry(Record):
    """Time someone spent on a task on one day, in minutes."""

    project: int
    task: int
    person: int
    date: str
    minutes: int
    description: str


@dataclass(slots=True, kw_only=True)
class Note(Record):
    """A review note about a version and its shot or asset (``about``), addressed to people and groups."""

    project: int
    subject: str
    body: str
    author: int
    about: list[Ref]
    tasks: list[int]
    to: list[Ref]
    cc: list[Ref]
    note_type: str
    status: str
    tags: list[str]


@dataclass(slots=True, kw_only=True)
class Vendor(Record):
    """An outsourcing partner: what it works on (``"shot"`` or ``"asset"``), its rates and contact."""

    name: str
    description: str
    active: bool
    works_on: str
    day_rate: float
    discount: int
    rating: int
    website: Attachment
    contact: int
    country: str
    contract_start: str


#: Kinds of records, in creation order of their tables, with their record class.
KINDS: dict[str, type[Record]] = {
    "project": Project, "sequence": Sequence, "shot": Shot, "asset": Asset, "step": Step, "task": Task,
    "version": Version, "time_entry": TimeEntry, "person": Person, "group": Group, "note": Note, "vendor": Vendor,
}


@dataclass
class Production:
    """A generated production: one list of records per kind, the calendar and ``today``.

    ``production.tasks[i].id == i + 1``: :meth:`get` reads a record by id.
    Records may be mutated while the production is generated; renderers read them.
    """

    today: date
    scale: float = 0.0
    seed: int = 0
    calendar: Calendar = field(default_factory=Calendar)
    projects: list[Project] = field(default_factory=list)
    sequences: list[Sequence] = field(default_factory=list)
    shots: list[Shot] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)
    time_entries: list[TimeEntry] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    vendors: list[Vendor] = field(default_factory=list)

    def table(self, kind: str) -> list[Any]:
        """The records of ``kind`` in id order; ``KeyError`` naming the kinds otherwise."""
        if kind not in KINDS:
            raise KeyError(f"no kind {kind!r}; kinds: {', '.join(KINDS)}")
        return getattr(self, _TABLES[kind])

    def get(self, kind: str, record_id: int) -> Any:
        """The record of ``kind`` with ``record_id``."""
        table = self.table(kind)
        if not 0 < record_id <= len(table):
            raise KeyError(f"no {kind} {record_id}")
        return table[record_id - 1]

    def add(self, record: Record) -> Any:
        """Append ``record`` to its table, giving it the next id of its kind; returns it."""
        table = getattr(self, _BY_CLASS[type(record)])
        record.id = len(table) + 1
        table.append(record)
        return record

    def count(self, kind: str) -> int:
        return len(self.table(kind))

    def __iter__(self) -> Iterator[tuple[str, list[Any]]]:
        """``(kind, records)`` for every kind."""
        return ((kind, self.table(kind)) for kind in KINDS)

    def __repr__(self) -> str:
        size = sum(len(t) for _, t in self)
        return (f"Production(today={self.today.isoformat()}, scale={self.scale}, seed={self.seed}, "
                f"records={size}, tasks={len(self.tasks)})")


_TABLES = {"project": "projects", "sequence": "sequences", "shot": "shots", "asset": "assets", "step": "steps",
           "task": "tasks", "version": "versions", "time_entry": "time_entries", "person": "people", "group": "groups",
           "note": "notes", "vendor": "vendors"}
_BY_CLASS = {cls: _TABLES[kind] for kind, cls in KINDS.items()}
