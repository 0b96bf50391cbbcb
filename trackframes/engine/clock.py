"""Relative dates: ``in_last``/``in_next`` windows and ``in_calendar_*`` periods around ``now``.

``now`` is an instant (naive means UTC) and ``tz`` the time zone whose calendar
the relative relations use (default UTC), as the server does with the user's
time zone offset:

* ``in_last N UNIT`` is ``[now - N units, now]`` and ``in_next`` ``[now, now + N units]``
  (HOUR, DAY, WEEK, MONTH, YEAR; months and years keep the day of month, clamped to the
  month's end). Date-times compare at whole seconds (the window's start rounded up, its
  end rounded down). For ``date`` fields both ends are the local dates of those instants.
* ``in_calendar_day k`` is the local day ``today + k``; ``in_calendar_week k`` the
  Monday-to-Sunday week ``k`` weeks away; ``in_calendar_month``/``in_calendar_year`` the
  month/year ``k`` away. For date-times the period runs from local midnight to local midnight.

>>> from datetime import datetime, timezone
>>> clock = Clock(datetime(2026, 3, 31, 9, 30, tzinfo=timezone.utc))
>>> clock.window("in_last", 1, "MONTH", dates=True)
(datetime.date(2026, 2, 28), datetime.date(2026, 3, 31))
>>> clock.period("in_calendar_week", 0, dates=True)
(datetime.date(2026, 3, 30), datetime.date(2026, 4, 6))
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

__all__ = ["Clock", "UNITS", "utc_now"]

UNITS = ("HOUR", "DAY", "WEEK", "MONTH", "YEAR")
_UTC = timezone.utc


def utc_now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(_UTC)


def _add_months(moment: Any, months: int) -> Any:
    total = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _shift(moment: datetime, n: int, unit: str) -> datetime:
    if unit == "HOUR":
        return moment + timedelta(hours=n)
    if unit == "DAY":
        return moment + timedelta(days=n)
    if unit == "WEEK":
        return moment + timedelta(weeks=n)
    if unit == "MONTH":
        return _add_months(moment, n)
    return _add_months(moment, 12 * n)


def _floor(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _ceil(moment: datetime) -> datetime:
    return moment.replace(microsecond=0) + timedelta(seconds=1) if moment.microsecond else moment


@dataclass(frozen=True)
class Clock:
    """``now`` (an instant) and the time zone of the calendar that relative relations use."""

    now: datetime
    tz: tzinfo = field(default=_UTC)

    def __post_init__(self) -> None:
        now = self.now if self.now.tzinfo else self.now.replace(tzinfo=_UTC)
        object.__setattr__(self, "now", now.astimezone(_UTC))
        if self.tz is None:
            object.__setattr__(self, "tz", _UTC)

    @property
    def local_now(self) -> datetime:
        """``now`` on the local wall clock (naive)."""
        return self.now.astimezone(self.tz).replace(tzinfo=None)

    @property
    def today(self) -> date:
        """The local date of ``now``."""
        return self.local_now.date()

    def midnight(self, day: date) -> datetime:
        """The instant (UTC) at which the local ``day`` starts."""
        return datetime.combine(day, time(), tzinfo=self.tz).astimezone(_UTC)

    def window(self, op: str, amount: int, unit: str, *, dates: bool) -> tuple[Any, Any]:
        """``in_last``/``in_next``: the inclusive ``(low, high)`` window, as dates or UTC instants."""
        unit = unit.upper()
        if dates:
            local = self.local_now
            if op == "in_last":
                return _shift(local, -amount, unit).date(), self.today
            return self.today, _shift(local, amount, unit).date()
        if op == "in_last":
            return _ceil(_shift(self.now, -amount, unit)), _floor(self.now)
        return _ceil(self.now), _floor(_shift(self.now, amount, unit))

    def period(self, op: str, k: int, *, dates: bool) -> tuple[Any, Any]:
        """``in_calendar_*``: the half-open ``[start, end)`` period, as dates or UTC instants."""
        today = self.today
        if op == "in_calendar_day":
            start = today + timedelta(days=k)
            end = start + timedelta(days=1)
        elif op == "in_calendar_week":
            start = today - timedelta(days=today.weekday()) + timedelta(weeks=k)
            end = start + timedelta(weeks=1)
        elif op == "in_calendar_month":
            start = _add_months(today.replace(day=1), k)
            end = _add_months(start, 1)
        else:
            start = date(today.year + k, 1, 1)
            end = date(today.year + k + 1, 1, 1)
        if dates:
            return start, end
        return self.midnight(start), self.midnight(end)
