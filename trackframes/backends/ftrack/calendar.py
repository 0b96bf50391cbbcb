"""Work-day rules from ftrack's calendar: ``CalendarEvent`` records over a Monday–Friday week.

ftrack has no work-day rules of its own. What it offers is a calendar of
events, each with ``start``/``end``, a ``name``, ``leave`` (an absence) and a
scope: ``everyone``, a ``project`` (``project_id``) or people (its
``calendar_event_resources``). trackframes reads it as follows, and says so in
docs/ftrack.md:

* the week is Monday to Friday (the default, when there are no events);
* a **leave** event makes each day it covers a day off for its scope;
* an event that is not a leave, covering a Saturday or a Sunday, makes that
  day a working day for its scope (a crunch weekend, as studios mark it);
* the most specific event wins: the person's, then the project's, then
  everyone's; days without an event follow the week.

Each rule is ``{"date": "YYYY-MM-DD", "working": bool, "description": the
event's name or None, "reason": "USER_EXCEPTION" | "PROJECT_EXCEPTION" |
"STUDIO_EXCEPTION" | "STUDIO_WORK_WEEK"}``, the shape every backend's
``work_day_rules`` returns.

>>> from datetime import date
>>> cal = WorkCalendar([Event("Holiday", date(2024, 5, 1), date(2024, 5, 1), True, True, None, ()),
...                     Event("Crunch", date(2024, 5, 4), date(2024, 5, 4), False, False, "p1", ())])
>>> [cal.working(date(2024, 5, d), project="p1") for d in (1, 2, 4, 5)]
[False, True, True, False]
>>> cal.rule(date(2024, 5, 1))["reason"]
'STUDIO_EXCEPTION'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable

__all__ = ["Event", "WorkCalendar", "EVENT_QUERY", "parse_events", "MONDAY_TO_FRIDAY"]

#: Working flags of the week, Monday first.
MONDAY_TO_FRIDAY = (True, True, True, True, True, False, False)
#: The query that reads every calendar event with its scope.
EVENT_QUERY = ("select name, start, end, leave, everyone, project_id, calendar_event_resources.resource_id "
               "from CalendarEvent")


@dataclass(frozen=True)
class Event:
    """One calendar event: its days (inclusive), whether it is a leave, and its scope."""

    name: str | None
    first: date
    last: date
    leave: bool
    everyone: bool
    project: Any
    people: tuple[Any, ...]


def parse_events(rows: Iterable[Any], day_of: Any) -> list[Event]:
    """Events from decoded rows (``day_of`` turns a date-time value into its UTC day); rows without
    dates are skipped."""
    out = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        first, last = day_of(row.get("start")), day_of(row.get("end"))
        if first is None:
            continue
        last = last if last is not None and last >= first else first
        people = tuple(r.get("resource_id") for r in row.get("calendar_event_resources") or ()
                       if isinstance(r, dict) and r.get("resource_id") is not None)
        name = row.get("name")
        out.append(Event(name if isinstance(name, str) else None, first, last, row.get("leave") is True,
                         row.get("everyone") is True, row.get("project_id"), people))
    return out


class WorkCalendar:
    """Which days are worked, per project and person, from calendar events (see the module docstring)."""

    def __init__(self, events: Iterable[Event], week: tuple[bool, ...] = MONDAY_TO_FRIDAY) -> None:
        self.week = week
        self._people: dict[Any, dict[date, Event]] = {}
        self._projects: dict[Any, dict[date, Event]] = {}
        self._everyone: dict[date, Event] = {}
        for event in events:
            if event.people:
                targets = [self._people.setdefault(p, {}) for p in event.people]
            elif event.project is not None and not event.everyone:
                targets = [self._projects.setdefault(event.project, {})]
            elif event.everyone:
                targets = [self._everyone]
            else:
                continue
            day = event.first
            while day <= event.last:
                for target in targets:
                    current = target.get(day)
                    if current is None or (event.leave and not current.leave):  # a leave outweighs an event
                        target[day] = event
                day += timedelta(days=1)

    def _effect(self, event: Event, day: date) -> bool | None:
        """Working (True), off (False), or no effect (None) of ``event`` on ``day``."""
        if event.leave:
            return False
        return True if not self.week[day.weekday()] else None

    def rule(self, day: date, project: Any = None, user: Any = None) -> dict[str, Any]:
        """The rule of one day."""
        scopes = ((self._people.get(user, {}) if user is not None else {}, "USER_EXCEPTION"),
                  (self._projects.get(project, {}) if project is not None else {}, "PROJECT_EXCEPTION"),
                  (self._everyone, "STUDIO_EXCEPTION"))
        for days, reason in scopes:
            event = days.get(day)
            if event is not None:
                working = self._effect(event, day)
                if working is not None:
                    return {"date": day.isoformat(), "working": working, "description": event.name,
                            "reason": reason}
        return {"date": day.isoformat(), "working": self.week[day.weekday()], "description": None,
                "reason": "STUDIO_WORK_WEEK"}

    def working(self, day: date, project: Any = None, user: Any = None) -> bool:
        return bool(self.rule(day, project, user)["working"])

    def rules(self, start: date, end: date, project: Any = None, user: Any = None) -> list[dict[str, Any]]:
        """One rule per day from ``start`` to ``end`` (inclusive)."""
        if end < start:
            raise ValueError(f"end ({end}) is before start ({start}).")
        return [self.rule(start + timedelta(days=i), project, user) for i in range((end - start).days + 1)]
