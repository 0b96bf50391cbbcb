"""Canonical schedule frames, work-day calendars and the producer's questions.

``site.tasks()`` and ``site.timelogs()`` return frames with the same columns
on every backend (:data:`TASK_COLUMNS`, :data:`TIMELOG_COLUMNS`, documented in
``docs/schedules.md``); each backend says which of its fields fill them
(:class:`ScheduleFields`). ``site.work_day_rules()`` gives one row per day,
and :class:`Calendar` turns those rows into working-day arithmetic.

The helpers work on those frames and never talk to the site:

* :func:`working_days`: working days between two dates (inclusive), vectorised;
* :func:`schedule_status`, :func:`late_tasks`, :func:`at_risk_tasks`,
  :func:`lateness`: late and at-risk tasks against today or a given date;
* :func:`utilization`, :func:`overbooked`: logged and booked time per person
  per week against working time (only open work books time, :func:`open_work`);
* :func:`bid_vs_actual`: estimate against logged time per step.

:func:`schedule_report` puts them together (the demo's three answers, a
Gantt chart, a utilization chart and ``summary.csv``).

Modules: :mod:`.calendar` (dates and working days), :mod:`.frames` (reading
the canonical frames), :mod:`.analysis` (the helpers), :mod:`.report`.

>>> from datetime import date
>>> working_days(date(2026, 3, 2), date(2026, 3, 8))      # Monday to Sunday, Monday-Friday week
5
"""

from __future__ import annotations

from .analysis import (
    at_risk_tasks,
    bid_vs_actual,
    late_tasks,
    lateness,
    open_work,
    overbooked,
    schedule_status,
    utilization,
)
from .calendar import MINUTES_PER_DAY, Calendar, working_days
from .frames import (
    TASK_COLUMNS,
    TIMELOG_COLUMNS,
    WORK_DAY_COLUMNS,
    ScheduleFields,
    record_id,
    task_columns,
    tasks_frame,
    timelog_columns,
    timelogs_frame,
    user_calendars,
    work_day_rules,
)
from .report import ScheduleReport, schedule_report

__all__ = [
    "MINUTES_PER_DAY",
    "TASK_COLUMNS",
    "TIMELOG_COLUMNS",
    "WORK_DAY_COLUMNS",
    "Calendar",
    "ScheduleFields",
    "ScheduleReport",
    "at_risk_tasks",
    "bid_vs_actual",
    "late_tasks",
    "lateness",
    "open_work",
    "overbooked",
    "record_id",
    "schedule_report",
    "schedule_status",
    "task_columns",
    "tasks_frame",
    "timelog_columns",
    "timelogs_frame",
    "user_calendars",
    "utilization",
    "work_day_rules",
    "working_days",
]
