"""Kitsu's side of the canonical schedule frames: which fields fill them, and work-day rules.

Zou has no studio calendar: its business days are Monday to Friday
(``zou/app/utils/date_helpers.py``), and a person's day-offs (``DayOff``: a first
and a last day, inclusive) are the exceptions. ``work_day_rules`` gives one rule
per day on that basis: the studio week, then the person's day-offs when a person
is asked for (projects have no calendar of their own in Kitsu). Day-offs are
read like any Kitsu records: the admin list, else each project's (which every
project member may read).

The tasks frame takes Task's *planned* dates: its own, else its schedule item's
(:mod:`.planned`). Durations are Zou's minutes: ``estimation`` is the estimate,
``duration`` the time logged (Zou sums the task's time spents into it). ``done``
follows the task statuses Zou marks ``is_done``. A working day lasts the
studio's ``hours_by_day`` (its organisation's setting, which Kitsu's UI uses to
turn minutes into days).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ...query.filters import Condition, Group
from ..base import ScheduleFields

if TYPE_CHECKING:
    from .backend import KitsuBackend

__all__ = ["TASK_FIELDS", "TIMELOG_FIELDS", "schedule_fields", "work_day_rules", "minutes_per_day"]

TASK_FIELDS = {
    "name": "name",
    "entity": "entity",
    "sequence": "entity.Shot.parent",
    "step": "task_type",
    "status": "task_status.short_name",
    "assignees": "assignees",
    "start_date": "planned_start_date",
    "due_date": "planned_due_date",
    "estimate_minutes": "estimation",
    "logged_minutes": "duration",
    "project": "project",
}
TIMELOG_FIELDS = {
    "date": "date",
    "minutes": "duration",
    "user": "person",
    "task": "task",
    "project": "project",
}
#: Zou's working week: Monday to Friday.
WORK_WEEK = (True, True, True, True, True, False, False)


def schedule_fields(backend: "KitsuBackend") -> ScheduleFields:
    """The fields behind ``site.tasks()`` and ``site.timelogs()`` (done statuses as the server marks them)."""
    statuses = backend.lookups.directory("task-status")
    done = frozenset(str(s["short_name"]) for s in statuses.values() if s.get("is_done") and s.get("short_name"))
    return ScheduleFields(task_entity="Task", task_fields=TASK_FIELDS, timelog_entity="TimeSpent",
                          timelog_fields=TIMELOG_FIELDS, project_entity="Project", project_name_fields=("name",),
                          user_entity="Person", user_name_fields=("email", "full_name"), done_statuses=done,
                          minutes_per_day=minutes_per_day(backend))


def minutes_per_day(backend: "KitsuBackend") -> int:
    """The studio's working minutes per day: its organisation's ``hours_by_day`` (8 when unset)."""
    organisations = backend.lookups.directory("organisations")
    hours = next((o.get("hours_by_day") for o in organisations.values() if o.get("hours_by_day")), 8)
    return int(round(float(hours) * 60))


def work_day_rules(backend: "KitsuBackend", start: date, end: date, project_id: Any = None,
                   user_id: Any = None) -> list[dict[str, Any]]:
    """One rule per day from ``start`` to ``end`` (inclusive): the studio week, then the person's day-offs."""
    if end < start:
        raise ValueError(f"end ({end}) is before start ({start}).")
    off: dict[date, str | None] = {}
    if user_id is not None:
        person = Condition("person", "is", {"type": "Person", "id": str(user_id)})
        for day_off in backend.reader.records("DayOff", Group("and", (person,))):
            first, last = _day(day_off.get("date")), _day(day_off.get("end_date"))
            if first is None or last is None or day_off.get("person_id") != str(user_id):
                continue
            day = max(first, start)
            while day <= min(last, end):
                off[day] = day_off.get("description") or "Day off"
                day += timedelta(days=1)
    rules = []
    day = start
    while day <= end:
        if day in off:
            rules.append({"date": day.isoformat(), "working": False, "description": off[day],
                          "reason": "USER_EXCEPTION"})
        else:
            rules.append({"date": day.isoformat(), "working": WORK_WEEK[day.weekday()], "description": None,
                          "reason": "STUDIO_WORK_WEEK"})
        day += timedelta(days=1)
    return rules


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None
