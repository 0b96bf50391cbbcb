"""Staffing of the generated production: how many artists each department needs, and who does which task.

The demo production should look like a healthy studio: people about fully
booked, rarely more. :func:`headcount` sizes each department from the work the
projects plan, so that its busiest stretch keeps its people about
:data:`TARGET_LOAD` busy. :class:`Roster` then hands each task to people of its
department with room for it in every week the task touches: the first such
person from a random place in the department onwards (looking at up to
``TRIES + MORE_TRIES`` people), else the least busy of those. Each person's own
working days count (studio holidays, vacations, a part-time week), in the same
way ``trackframes.schedule.utilization`` spreads bookings.

A few "go-to" artists are the exception on purpose: in the weeks right after
today they take on extra open work, up to a plausible 105-140 % of their
working time, so that the demo's "who is over-booked" has a real answer.

>>> from datetime import date
>>> start = date(2026, 3, 2).toordinal()                  # a Monday
>>> flags = bytearray(1 if date.fromordinal(start + i).weekday() < 5 else 0 for i in range(28))
>>> roster = Roster(start, start + 27, flags, seed=1)
>>> roster.choose([7, 8], 1, start, start + 4, 5 * 480)    # a five-day task, full time
[7]
>>> roster.choose([7, 8], 1, start, start + 4, 5 * 480)    # 7 is busy that week: 8 takes the next one
[8]
>>> round(roster.week_load(7, start), 2)
1.0
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence

__all__ = ["TARGET_LOAD", "MINUTES_PER_DAY", "MAX_AT_ONCE", "headcount", "Roster"]

#: Share of working time the busiest stretch of a department should book, on average.
TARGET_LOAD = 0.8
#: Length of a working day in minutes (a task's estimate in days is its minutes / this).
MINUTES_PER_DAY = 8 * 60
#: Department members drawn for each task when looking for someone with room.
TRIES = 8
#: When none of them has room: how many more are looked at (the whole department when smaller).
MORE_TRIES = 48
#: Open tasks a go-to artist may have running at once.
MAX_AT_ONCE = 3


def headcount(windows: Iterable[tuple[str, int, int, float]], target: float = TARGET_LOAD) -> dict[str, int]:
    """People each department needs: its peak concurrent work over ``target``.

    ``windows`` are ``(department, first day, last day, person-days)``: work
    spread evenly over the working days (five in seven) of a span of day
    ordinals. Departments get at least one person.

    >>> headcount([("FX", 0, 69, 40.0), ("FX", 35, 104, 40.0), ("Comp", 0, 139, 10.0)])
    {'Comp': 1, 'FX': 2}
    """
    events: dict[str, list[tuple[int, float]]] = {}
    for dept, lo, hi, days in windows:
        if hi < lo or days <= 0:
            events.setdefault(dept, [])
            continue
        rate = days / max(1.0, (hi - lo + 1) * 5 / 7)  # person-days per working day
        events.setdefault(dept, []).extend(((lo, rate), (hi + 1, -rate)))
    out = {}
    for dept in sorted(events):
        level = peak = 0.0
        for _, delta in sorted(events[dept]):
            level += delta
            peak = max(peak, level)
        out[dept] = max(1, math.ceil(peak / target - 1e-9))
    return out


class Roster:
    """Who works on which day, and how busy each person is, over a span of day ordinals.

    ``studio`` holds a working flag per day from ``first`` to ``last``;
    :meth:`set_days` gives a person their own flags (vacations, a part-time
    week). Loads are in days of work per working day (1.0 = fully booked).
    """

    def __init__(self, first: int, last: int, studio: bytearray | bytes, *, seed: int = 0,
                 rng: random.Random | None = None) -> None:
        if len(studio) != last - first + 1:
            raise ValueError("studio needs one flag per day from first to last")
        self.first = first
        self.last = last
        self.studio = bytes(studio)
        self.rng = rng or random.Random(seed)
        self._days: dict[int, bytes] = {}  # people with working days of their own
        self._weeks: dict[int, dict[int, float]] = {}  # person -> Monday -> booked days that week
        self._week_days: dict[tuple[int | None, int], int] = {}
        self._open: dict[int, dict[int, float]] = {}  # horizon days only: load of work that stays open
        self._open_spans: dict[int, list[tuple[int, int]]] = {}  # open tasks touching the horizon
        self.horizon: tuple[int, int] | None = None
        self.hot: dict[int, float] = {}  # go-to artist -> the weekly load they may reach

    # -- people's days ---------------------------------------------------------
    def set_days(self, uid: int, flags: bytearray | bytes) -> None:
        """Give person ``uid`` their own working flags (same span as the studio's)."""
        if len(flags) != len(self.studio):
            raise ValueError("flags need one value per day of the roster's span")
        self._days[uid] = bytes(flags)

    def works(self, uid: int, ordinal: int) -> bool:
        """Whether ``uid`` works on day ``ordinal`` (days outside the span follow no one)."""
        i = ordinal - self.first
        return 0 <= i < len(self.studio) and bool(self._days.get(uid, self.studio)[i])

    def days(self, uid: int | None, start: int, due: int) -> list[int]:
        """``uid``'s working days from ``start`` to ``due`` (inclusive), as offsets into the span.

        ``uid=None`` gives the studio's, which is everyone's without days of their own.
        """
        flags = self.studio if uid is None else self._days.get(uid, self.studio)
        lo, hi = max(0, start - self.first), min(len(flags) - 1, due - self.first)
        return [i for i in range(lo, hi + 1) if flags[i]]

    def _working(self, uid: int, monday: int) -> int:
        """How many days ``uid`` works in the week starting ``monday`` (cached)."""
        key = (uid if uid in self._days else None, monday)
        hit = self._week_days.get(key)
        if hit is None:
            hit = self._week_days[key] = len(self.days(key[0], monday, monday + 6))
        return hit

    def _by_week(self, days: list[int]) -> dict[int, int]:
        """Monday → how many of ``days`` (offsets) fall in that week."""
        out: dict[int, int] = {}
        for i in days:
            monday = self._monday(i + self.first)
            out[monday] = out.get(monday, 0) + 1
        return out

    def _candidates(self, pool: Sequence[int], limit: int) -> list[int]:
        """Up to ``limit`` members of ``pool``, from a random place in it onwards (one draw, not ``limit``)."""
        n = len(pool)
        at = int(self.rng.random() * n)
        return [pool[(at + j) % n] for j in range(min(limit, n))]

    # -- choosing people ----------------------------------------------------------
    def find(self, pool: Sequence[int], start: int, due: int, minutes: float) -> int | None:
        """Someone in ``pool`` with room for a task from ``start`` to ``due`` (nobody is booked), else None."""
        return self._fit(self._candidates(pool, TRIES + MORE_TRIES), start, due, minutes / MINUTES_PER_DAY)[1]

    def _fit(self, tries: list[int], start: int, due: int, share: float
             ) -> tuple[tuple[float, int, list[int]] | None, int | None]:
        """(the least busy of ``tries`` after taking ``share``, the first with room for it) in one pass."""
        studio = self.days(None, start, due)
        studio_weeks = self._by_week(studio)
        best: tuple[float, int, list[int]] | None = None
        for uid in tries:
            own = uid in self._days
            days = self.days(uid, start, due) if own else studio
            if not days:
                continue
            per = share / len(days)
            weeks = self._weeks.get(uid, {})
            peak = 0.0
            for monday, n in (self._by_week(days) if own else studio_weeks).items():
                peak = max(peak, (weeks.get(monday, 0.0) + per * n) / self._working(uid, monday))
            if best is None or peak < best[0]:
                best = (peak, uid, days)
            if peak <= 1.0 + 1e-9:
                return best, uid
        return best, None

    def choose(self, pool: Sequence[int], count: int, start: int, due: int, minutes: float, *,
               stays_open: bool = False, prefer: int | None = None) -> list[int]:
        """``count`` people of ``pool`` for a task from ``start`` to ``due`` estimated at ``minutes``.

        Each takes an even share of the estimate, spread over their own
        working days in the span; the choice prefers people with room for it
        (see the module docstring). ``stays_open`` marks work still open after
        today, which is what over-booking looks at. ``prefer`` (someone
        :meth:`find` found) is asked first.
        """
        chosen: list[int] = []
        share = minutes / MINUTES_PER_DAY / max(1, count)
        for _ in range(min(count, len(pool))):
            drawn = self._candidates(pool, TRIES + MORE_TRIES + len(chosen) + 1)
            tries = [u for u in drawn if u not in chosen and u != prefer]
            if prefer is not None and prefer not in chosen:
                tries.insert(0, prefer)
            best, _ = self._fit(tries, start, due, share)
            if best is None:  # everyone drawn is away for the whole task: the first of them still owns it
                chosen.append(tries[0])
                continue
            self._book(best[1], best[2], share, stays_open)
            chosen.append(best[1])
        return chosen

    def _book(self, uid: int, days: list[int], share: float, stays_open: bool) -> None:
        weeks = self._weeks.setdefault(uid, {})
        per = share / len(days)
        for monday, n in self._by_week(days).items():
            weeks[monday] = weeks.get(monday, 0.0) + per * n
        if stays_open and self.horizon is not None:
            lo, hi = self.horizon
            mine = self._open.setdefault(uid, {})
            touched = False
            for i in days:
                if lo <= i + self.first <= hi:
                    mine[i] = mine.get(i, 0.0) + per
                    touched = True
            if touched:
                self._open_spans.setdefault(uid, []).append((days[0] + self.first, days[-1] + self.first))

    # -- go-to artists: over-booked on purpose, within reason ---------------------------
    def try_hot(self, uid: int, start: int, due: int, minutes: float) -> bool:
        """Give a go-to artist this open task if it keeps each week of the horizon within their limit."""
        limit = self.hot.get(uid)
        if limit is None or self.horizon is None:
            return False
        if sum(1 for a, b in self._open_spans.get(uid, ()) if a <= due and b >= start) >= MAX_AT_ONCE - 1:
            return False  # busy, but not juggling more than a few tasks at once
        days = self.days(uid, start, due)
        if not days:
            return False
        per = minutes / MINUTES_PER_DAY / len(days)
        lo, hi = self.horizon
        mine = self._open.get(uid, {})
        weeks = {self._monday(i + self.first) for i in days if lo <= i + self.first <= hi}
        if not weeks:
            return False
        task_days = set(days)
        for monday in weeks:
            week = self.days(uid, monday, monday + 6)
            if not week:
                return False
            booked = sum(mine.get(i, 0.0) for i in week) + per * sum(1 for i in week if i in task_days)
            if booked / len(week) > limit:
                return False
        self._book(uid, days, minutes / MINUTES_PER_DAY, True)
        return True

    def week_load(self, uid: int, monday: int, *, open_only: bool = False) -> float:
        """Booked days over working days in the week starting ``monday`` (1.0 = fully booked)."""
        week = self.days(uid, monday, monday + 6)
        if not week:
            return 0.0
        if open_only:
            mine = self._open.get(uid, {})
            return sum(mine.get(i, 0.0) for i in week) / len(week)
        return self._weeks.get(uid, {}).get(monday, 0.0) / len(week)

    @staticmethod
    def _monday(ordinal: int) -> int:
        return ordinal - (ordinal - 1) % 7  # date.fromordinal(1) was a Monday
