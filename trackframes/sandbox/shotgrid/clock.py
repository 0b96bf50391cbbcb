"""The clock of relative date filters: ``now`` and the user's offset from UTC.

``now`` defaults to the current UTC time of day on ``store.today`` (the date the
demo production was generated around); "local" means UTC shifted by the
request's ``tz_offset_hours``.

>>> from datetime import datetime, timezone
>>> shift(datetime(2024, 1, 31, tzinfo=timezone.utc), 1, "MONTH").date()
datetime.date(2024, 2, 29)
>>> Clock(datetime(2026, 3, 2, 23, 0, tzinfo=timezone.utc), 2).today
datetime.date(2026, 3, 3)
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .model import Store

__all__ = ["UTC", "DT_FORMAT", "UNITS", "Clock", "reference_now", "make_clock", "add_months", "shift",
           "fmt_floor", "fmt_ceil"]

UNITS = ("HOUR", "DAY", "WEEK", "MONTH", "YEAR")
DT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
UTC = timezone.utc


@dataclass(frozen=True)
class Clock:
    """``now`` (aware, UTC) and the user's offset from UTC in hours."""

    now: datetime
    offset: int

    @property
    def local_now(self) -> datetime:
        return (self.now + timedelta(hours=self.offset)).replace(tzinfo=None)

    @property
    def today(self) -> date:
        return self.local_now.date()

    def local_to_utc(self, day: date) -> str:
        """Local midnight starting ``day``, as a stored ``date_time`` string."""
        return (datetime.combine(day, datetime.min.time()) - timedelta(hours=self.offset)).strftime(DT_FORMAT)


def reference_now(store: Store, now: datetime | None = None) -> datetime:
    """``now`` as an aware UTC datetime; by default the current UTC time of day on ``store.today``."""
    if now is None:
        return datetime.combine(store.today, datetime.now(UTC).timetz())
    if now.tzinfo is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)


def make_clock(store: Store, now: datetime | None, tz_offset_hours: int) -> Clock:
    return Clock(reference_now(store, now), int(tz_offset_hours))


def add_months(moment: Any, months: int) -> Any:
    total = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def shift(moment: datetime, n: int, unit: str) -> datetime:
    if unit == "HOUR":
        return moment + timedelta(hours=n)
    if unit == "DAY":
        return moment + timedelta(days=n)
    if unit == "WEEK":
        return moment + timedelta(weeks=n)
    if unit == "MONTH":
        return add_months(moment, n)
    return add_months(moment, 12 * n)


def fmt_floor(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(DT_FORMAT)


def fmt_ceil(moment: datetime) -> str:
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.astimezone(UTC).strftime(DT_FORMAT)
