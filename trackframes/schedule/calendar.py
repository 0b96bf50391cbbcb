"""Working-day calendars: which days are worked, and how many lie between two dates.

:class:`Calendar` is built from work-day rules (``site.work_day_rules``, or
the calendar a canonical tasks frame carries) and answers vectorised
questions over pandas Series. Days outside the rules follow a default week
(Monday to Friday).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Sequence

__all__ = ["MINUTES_PER_DAY", "Calendar", "working_days", "as_date", "today_or", "frame_today", "monday_of",
           "epoch_days"]

#: Length of a working day, in minutes, unless told otherwise.
MINUTES_PER_DAY = 8 * 60


# ---------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------

def as_date(value: Any) -> date:
    """A calendar date from a date, datetime, Timestamp or ISO string."""
    import pandas as pd

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip()[:10])
    if isinstance(value, pd.Timestamp):
        return value.date()
    raise TypeError(f"Expected a date (date, datetime or 'YYYY-MM-DD'), not {value!r}.")


def frame_today(df: Any) -> date | None:
    """The "today" of the site a frame came from (``df.attrs["trackframes"]["today"]``), if it says."""
    info = (getattr(df, "attrs", None) or {}).get("trackframes", {}) or {}
    raw = info.get("today")
    return None if raw is None else as_date(raw)


def today_or(as_of: Any, frame: Any = None) -> date:
    """``as_of`` as a date; when it is ``None``, the today of the site ``frame`` came from, else the real date."""
    if as_of is not None:
        return as_date(as_of)
    return frame_today(frame) or date.today()


def monday_of(day: date) -> date:
    """The Monday of the week ``day`` is in."""
    return day - timedelta(days=day.weekday())


def epoch_days(values: Any) -> tuple[Any, Any]:
    """Values (scalars or array-like of dates) → (int64 days since 1970-01-01, valid mask)."""
    import numpy as np
    import pandas as pd

    series = pd.to_datetime(pd.Series(values) if not isinstance(values, pd.Series) else values)
    naive = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) is not None else series
    days = naive.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT")).astype("datetime64[D]")
    valid = ~np.isnat(days)
    return np.where(valid, days.astype("int64"), 0), valid


# ---------------------------------------------------------------------------
# the working-day calendar
# ---------------------------------------------------------------------------

class Calendar:
    """Working days: the known rules, and a default week outside the days they cover.

    Build it from ``site.work_day_rules(...)`` with :meth:`from_rules`; the
    canonical tasks frame carries its own (:meth:`from_frame`). Days outside
    the known rules follow ``default_week`` (Monday to Friday).

    >>> cal = Calendar({date(2026, 3, 6): False})        # a Friday off
    >>> cal.working_days(date(2026, 3, 2), date(2026, 3, 8))
    4
    """

    def __init__(self, rules: Mapping[date, bool] | None = None, *, minutes_per_day: int = MINUTES_PER_DAY,
                 default_week: Sequence[bool] = (True, True, True, True, True, False, False)) -> None:
        import numpy as np

        if len(default_week) != 7:
            raise ValueError("default_week needs seven booleans, Monday first.")
        self.minutes_per_day = minutes_per_day
        self.default_week = tuple(bool(x) for x in default_week)
        known = sorted((as_date(d), bool(w)) for d, w in (rules or {}).items())
        self._known_days = np.array([(d - date(1970, 1, 1)).days for d, _ in known], dtype="int64")
        self._known_flags = np.array([w for _, w in known], dtype=bool)

    def __repr__(self) -> str:
        if not len(self._known_days):
            return "<Calendar default week>"
        return f"<Calendar {self.start} .. {self.end}, {int((~self._known_flags).sum())} days off>"

    @property
    def start(self) -> date | None:
        """First day the rules cover (``None`` without rules)."""
        return date(1970, 1, 1) + timedelta(days=int(self._known_days[0])) if len(self._known_days) else None

    @property
    def end(self) -> date | None:
        """Last day the rules cover (``None`` without rules)."""
        return date(1970, 1, 1) + timedelta(days=int(self._known_days[-1])) if len(self._known_days) else None

    # -- construction --------------------------------------------------------
    @classmethod
    def from_rules(cls, rules: Any, **kwargs: Any) -> "Calendar":
        """From a work-day rules frame (``date``, ``working``) or a list of rule dicts."""
        import pandas as pd

        if isinstance(rules, pd.DataFrame):
            pairs = zip(rules["date"], rules["working"])
        else:
            pairs = ((r["date"], r["working"]) for r in rules)
        return cls({as_date(d): bool(w) for d, w in pairs if d is not None and not pd.isna(w)}, **kwargs)

    @classmethod
    def from_frame(cls, df: Any, default: "Calendar | None" = None) -> "Calendar | None":
        """The calendar a canonical frame carries in its provenance, else ``default``."""
        info = (getattr(df, "attrs", {}) or {}).get("trackframes", {}).get("calendar")
        if not info:
            return default
        return cls.from_dict(info)

    def to_dict(self) -> dict[str, Any]:
        """A compact, JSON-friendly form: the covered span and its exceptions to the default week."""
        import numpy as np

        if not len(self._known_days):
            return {"start": None, "end": None, "off": [], "on": [], "minutes_per_day": self.minutes_per_day}
        weekdays = (self._known_days + 3) % 7  # 1970-01-01 was a Thursday
        default = np.array(self.default_week)[weekdays]
        iso = [(date(1970, 1, 1) + timedelta(days=int(d))).isoformat() for d in self._known_days]
        return {
            "start": iso[0], "end": iso[-1], "minutes_per_day": self.minutes_per_day,
            "off": [iso[i] for i in np.flatnonzero(default & ~self._known_flags)],
            "on": [iso[i] for i in np.flatnonzero(~default & self._known_flags)],
        }

    @classmethod
    def from_dict(cls, info: Mapping[str, Any]) -> "Calendar":
        """Inverse of :meth:`to_dict`."""
        cal = cls(minutes_per_day=int(info.get("minutes_per_day") or MINUTES_PER_DAY))
        if not info.get("start"):
            return cal
        lo, hi = as_date(info["start"]), as_date(info["end"])
        rules = {lo + timedelta(days=i): cal.default_week[(lo + timedelta(days=i)).weekday()]
                 for i in range((hi - lo).days + 1)}
        rules.update({as_date(d): False for d in info.get("off", ())})
        rules.update({as_date(d): True for d in info.get("on", ())})
        return cls(rules, minutes_per_day=cal.minutes_per_day)

    # -- questions -----------------------------------------------------------
    def _flags(self, lo: int, hi: int) -> Any:
        """Working flags for epoch days ``lo`` .. ``hi`` (inclusive)."""
        import numpy as np

        days = np.arange(lo, hi + 1, dtype="int64")
        flags = np.array(self.default_week)[(days + 3) % 7]
        if len(self._known_days):
            at = np.searchsorted(self._known_days, days)
            at = np.minimum(at, len(self._known_days) - 1)
            hit = self._known_days[at] == days
            flags = np.where(hit, self._known_flags[at], flags)
        return flags

    def is_working(self, day: Any) -> bool:
        """Whether ``day`` is a working day."""
        d = (as_date(day) - date(1970, 1, 1)).days
        return bool(self._flags(d, d)[0])

    def working_dates(self, start: Any, end: Any) -> list[date]:
        """The working days from ``start`` to ``end``, inclusive."""
        import numpy as np

        lo, hi = (as_date(start) - date(1970, 1, 1)).days, (as_date(end) - date(1970, 1, 1)).days
        if hi < lo:
            return []
        flags = self._flags(lo, hi)
        return [date(1970, 1, 1) + timedelta(days=int(lo + i)) for i in np.flatnonzero(flags)]

    def non_working_dates(self, start: Any, end: Any) -> list[date]:
        """The days off from ``start`` to ``end``, inclusive."""
        working = set(self.working_dates(start, end))
        lo, hi = as_date(start), as_date(end)
        return [lo + timedelta(days=i) for i in range((hi - lo).days + 1) if lo + timedelta(days=i) not in working]

    def working_days(self, start: Any, end: Any) -> Any:
        """Working days from ``start`` to ``end``, both included (0 when ``end`` is before ``start``).

        Scalars give an ``int``; Series or arrays give an ``Int64`` Series
        (null where either date is missing).
        """
        import numpy as np
        import pandas as pd

        scalar = not _is_array(start) and not _is_array(end)
        index = start.index if isinstance(start, pd.Series) else end.index if isinstance(end, pd.Series) else None
        n = 1 if scalar else len(start if _is_array(start) else end)
        s, s_ok = epoch_days(start if _is_array(start) else [start] * n)
        e, e_ok = epoch_days(end if _is_array(end) else [end] * n)
        ok = s_ok & e_ok
        if not ok.any():
            counts = np.zeros(n, dtype="int64")
        else:
            lo, hi = int(min(s[ok].min(), e[ok].min())), int(max(s[ok].max(), e[ok].max()))
            cum = np.concatenate([[0], np.cumsum(self._flags(lo, hi))])
            si, ei = np.clip(s - lo, 0, hi - lo), np.clip(e - lo, 0, hi - lo)
            counts = np.where(ok & (e >= s), cum[ei + 1] - cum[si], 0)
        if scalar:
            return int(counts[0]) if ok[0] else None
        return pd.Series(pd.array(np.where(ok, counts, 0), dtype="Int64").copy(), index=index).mask(~ok)


def _is_array(value: Any) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, (str, bytes, date, datetime))


def working_days(start: Any, end: Any, calendar: Calendar | None = None) -> Any:
    """Working days from ``start`` to ``end``, inclusive (Monday–Friday without a calendar)."""
    return (calendar or Calendar()).working_days(start, end)
