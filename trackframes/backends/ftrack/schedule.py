"""The ftrack fields behind the canonical schedule frames, and work-day rules from ftrack's calendar.

``site.tasks()`` reads ``Task`` records and ``site.timelogs()`` ``Timelog``
records through :data:`TASK_FIELDS` and :data:`TIMELOG_FIELDS`. Several of them
are computed fields (:mod:`.derived`): this is where ftrack's seconds become
the canonical minutes (``bid`` → ``bid_minutes``, ``Timelog.duration`` →
``duration_minutes``), date-times become calendar days, appointments of type
``assignment`` become assignees and a time log finds its project.

``done`` statuses are those whose ``state`` is ``DONE`` on the server, and
paused ones (``hold_statuses``) those whose state is ``BLOCKED``; both are read
once per connection. Work-day rules come from the server's calendar events
over a Monday–Friday week (:mod:`.calendar`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..base import ScheduleFields
from .calendar import EVENT_QUERY, WorkCalendar, parse_events
from .derived import utc_day

__all__ = ["TASK_FIELDS", "TIMELOG_FIELDS", "STATUS_QUERY", "schedule_fields", "work_calendar"]

#: Canonical tasks column (or link prefix) → ftrack field.
TASK_FIELDS = {
    "name": "name",
    "entity": "parent",
    "sequence": "sequence",
    "step": "type",
    "status": "status.name",
    "assignees": "assignees",
    "start_date": "start_day",
    "due_date": "end_day",
    "duration_minutes": "duration_minutes",
    "estimate_minutes": "bid_minutes",
    "logged_minutes": "logged_minutes",
    "project": "project",
}
#: Canonical time-log column (or link prefix) → ftrack field.
TIMELOG_FIELDS = {
    "date": "start_day",
    "minutes": "duration_minutes",
    "user": "user",
    "task": "context",
    "project": "project",
    "description": "comment",
}
#: The statuses and their states, read once to tell done and paused work.
STATUS_QUERY = "select name, state.short from Status"


def schedule_fields(backend: Any) -> ScheduleFields:
    """The :class:`~trackframes.backends.base.ScheduleFields` of an ftrack server (statuses asked once)."""
    done: set[str] = set()
    hold: set[str] = set()
    if "Status" in backend.model.props:
        (rows,) = backend.query([STATUS_QUERY], what="Reading the statuses")
        for row in rows:
            name, state = row.get("name"), row.get("state")
            short = state.get("short") if isinstance(state, dict) else None
            if isinstance(name, str) and short == "DONE":
                done.add(name)
            elif isinstance(name, str) and short == "BLOCKED":
                hold.add(name)
    return ScheduleFields(
        task_entity="Task", task_fields=TASK_FIELDS, timelog_entity="Timelog", timelog_fields=TIMELOG_FIELDS,
        project_entity="Project", project_name_fields=("name", "full_name"), user_entity="User",
        user_name_fields=("username", "email"), done_statuses=frozenset(done), hold_statuses=frozenset(hold))


def work_calendar(backend: Any) -> WorkCalendar:
    """The server's calendar events as a :class:`~.calendar.WorkCalendar` (an empty week without them)."""
    if "CalendarEvent" not in backend.model.props:
        return WorkCalendar([])
    (rows,) = backend.query([EVENT_QUERY], what="Reading the calendar")
    return WorkCalendar(parse_events(rows, utc_day))


def work_day_rules(backend: Any, start: date, end: date, project_id: Any = None,
                   user_id: Any = None) -> list[dict[str, Any]]:
    """One rule per day from ``start`` to ``end`` (see :mod:`.calendar`)."""
    return backend.calendar().rules(start, end, project=project_id, user=user_id)
