"""One generated production, in tracker-neutral terms, that every sandbox protocol renders.

:func:`generate` builds a :class:`Production`: projects (one archived),
sequences, shots, assets, pipeline steps (task types, each in a department),
tasks with dates, bids in minutes and assignees, versions, time logs, review
notes, people, department groups, vendors, and the studio's :class:`Calendar`
(holidays, project crunch days, vacations, a part-time week). Statuses carry
their :class:`Meaning` (not started, in progress, review, done, omitted, on
hold); ids are integers per kind. A protocol server renders the production in
its own schema, names and ids (each backend's
``trackframes.sandbox.<backend>.render_production``), so every protocol serves
the same show.

>>> from datetime import date
>>> from trackframes.sandbox.production import generate
>>> prod = generate(scale=0.02, seed=0, today=date(2026, 3, 2))
>>> prod
Production(today=2026-03-02, scale=0.02, seed=0, records=..., tasks=...)
>>> sorted({STATUSES["task"][t.status].meaning.value for t in prod.tasks})
['done', 'in progress', 'not started', 'omitted', 'on hold', 'review']
>>> task = prod.tasks[-1]
>>> prod.get(task.parent.kind, task.parent.id).project == task.project
True
>>> prod.calendar.working(date(2026, 12, 25))
False
"""

from __future__ import annotations

from .calendar import Calendar, DayRule, studio_holidays
from .generator import generate
from .model import (
    KINDS,
    STATUSES,
    Asset,
    Attachment,
    Group,
    Meaning,
    Note,
    Person,
    Production,
    Project,
    Record,
    Ref,
    Sequence,
    Shot,
    Status,
    Step,
    Task,
    TimeEntry,
    Vendor,
    Version,
)

__all__ = [
    "KINDS", "STATUSES", "Asset", "Attachment", "Calendar", "DayRule", "Group", "Meaning", "Note", "Person",
    "Production", "Project", "Record", "Ref", "Sequence", "Shot", "Status", "Step", "Task", "TimeEntry", "Vendor",
    "Version", "generate", "studio_holidays",
]
