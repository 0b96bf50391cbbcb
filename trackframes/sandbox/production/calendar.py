"""The studio's work calendar: who works on which day.

A :class:`Calendar` holds a studio week (Monday to Friday), dated studio
exceptions (holidays, see :func:`studio_holidays`), per-project weeks and
exceptions (a crunch Saturday, a team offsite) and per-person weeks and
exceptions (a part-time week, vacations, sick days). The most specific rule
wins: the person's exception, the project's exception, the studio's exception,
the person's week, the project's week, the studio week.

>>> from datetime import date
>>> cal = Calendar(studio_exceptions={date(2026, 1, 1): (False, "New Year's Day")},
...                person_exceptions={7: {date(2026, 1, 5): (False, "Vacation")}})
>>> cal.working(date(2026, 1, 5)), cal.working(date(2026, 1, 5), person=7)
(True, False)
>>> cal.rule(date(2026, 1, 1), person=7)
DayRule(day=datetime.date(2026, 1, 1), working=False, description="New Year's Day", scope='studio', exception=True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = ["Calendar", "DayRule", "Exceptions", "MONDAY_TO_FRIDAY", "studio_holidays"]

#: Seven working flags, Monday first.
MONDAY_TO_FRIDAY: tuple[bool, ...] = (True, True, True, True, True, False, False)

#: Dated exceptions: day -> (working, description).
Exceptions = dict[date, tuple[bool, "str | None"]]


@dataclass(frozen=True)
class DayRule:
    """The rule for one day: whether it is worked, why (a description for
    exceptions), whose rule it is (``"person"``, ``"project"`` or ``"studio"``)
    and whether it is a dated exception or the weekly pattern."""

    day: date
    working: bool
    description: str | None
    scope: str
    exception: bool


@dataclass
class Calendar:
    """Work-day rules: a studio week plus dated exceptions, per project and per person.

    Weeks are seven booleans, Monday first. Exceptions map a date to
    ``(working, description)``. Projects and people are named by their ids.
    """

    studio_week: tuple[bool, ...] = MONDAY_TO_FRIDAY
    studio_exceptions: Exceptions = field(default_factory=dict)
    project_weeks: dict[int, tuple[bool, ...]] = field(default_factory=dict)
    project_exceptions: dict[int, Exceptions] = field(default_factory=dict)
    person_weeks: dict[int, tuple[bool, ...]] = field(default_factory=dict)
    person_exceptions: dict[int, Exceptions] = field(default_factory=dict)

    def rule(self, day: date, project: int | None = None, person: int | None = None) -> DayRule:
        """The rule for ``day``, most specific first (see the module docstring)."""
        if person is not None:
            hit = self.person_exceptions.get(person, {}).get(day)
            if hit is not None:
                return DayRule(day, hit[0], hit[1], "person", True)
        if project is not None:
            hit = self.project_exceptions.get(project, {}).get(day)
            if hit is not None:
                return DayRule(day, hit[0], hit[1], "project", True)
        hit = self.studio_exceptions.get(day)
        if hit is not None:
            return DayRule(day, hit[0], hit[1], "studio", True)
        if person is not None and person in self.person_weeks:
            return DayRule(day, self.person_weeks[person][day.weekday()], None, "person", False)
        if project is not None and project in self.project_weeks:
            return DayRule(day, self.project_weeks[project][day.weekday()], None, "project", False)
        return DayRule(day, self.studio_week[day.weekday()], None, "studio", False)

    def working(self, day: date, project: int | None = None, person: int | None = None) -> bool:
        """Whether ``day`` is a working day (for ``project`` and ``person`` when given)."""
        if person is not None:
            hit = self.person_exceptions.get(person)
            if hit is not None and day in hit:
                return hit[day][0]
        if project is not None:
            hit = self.project_exceptions.get(project)
            if hit is not None and day in hit:
                return hit[day][0]
        studio = self.studio_exceptions.get(day)
        if studio is not None:
            return studio[0]
        if person is not None and person in self.person_weeks:
            return self.person_weeks[person][day.weekday()]
        if project is not None and project in self.project_weeks:
            return self.project_weeks[project][day.weekday()]
        return self.studio_week[day.weekday()]


def _easter(year: int) -> date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def studio_holidays(year: int) -> dict[date, str]:
    """The studio's closed days in one year, with descriptions.

    >>> list(studio_holidays(2026).values())[:3]
    ["New Year's Day", 'Good Friday', 'Easter Monday']
    """
    easter = _easter(year)
    days = {
        date(year, 1, 1): "New Year's Day",
        easter - timedelta(days=2): "Good Friday",
        easter + timedelta(days=1): "Easter Monday",
        date(year, 5, 1): "Labour Day",
        date(year, 12, 24): "Christmas Eve",
        date(year, 12, 25): "Christmas Day",
        date(year, 12, 26): "Boxing Day",
        date(year, 12, 31): "New Year's Eve",
    }
    # the summer party: last Friday of July
    last = date(year, 7, 31)
    days[last - timedelta(days=(last.weekday() - 4) % 7)] = "Studio summer party"
    return dict(sorted(days.items()))
