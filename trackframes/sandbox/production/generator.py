"""The generated production: a deterministic generator of a live-looking studio.

:func:`generate` builds a :class:`~.model.Production` holding a few projects
(one of them archived) with sequences, shots, assets, a shot and an asset
pipeline, scheduled tasks, versions, time logs, review notes, people,
department groups and vendors. Dates are laid out around ``today``, so the
schedule always looks current, and it reads like a healthy production with a
few real problems: work due more than a few days ago is final (or omitted),
except in one or two sequences that ran into trouble a few weeks ago; people
are staffed and booked for the work (:mod:`.staffing`: each task goes to
someone in its department with room for it, starting a little later or hiring
when nobody has); and a few go-to artists are over-booked by a plausible
margin in the weeks after ``today``. ``docs/sandbox.md`` lists these properties
and ``tests/sandbox/test_data.py`` checks them.

Size (records over all kinds) grows linearly with ``scale``: about 92,000
records at scale 1 (2,000 shots, 450 assets, 14,600 tasks, about 300 people,
two to three versions and time logs per started task, half a note per version)
and about 950,000 at scale 10. Tiny scales still give at least one record of
every kind and three projects (one archived).

The generator uses one ``random.Random(seed)`` and iterates nothing whose
order depends on hashing, so equal ``(scale, seed, today)`` give equal
productions in any interpreter. Strings and :class:`~.model.Ref` values are
shared between records to keep large productions small: treat them as
read-only.

Work-day rules are consistent with the data: tasks start and end on working
days of their project, a task's ``duration`` is its working days times eight
hours (in minutes), and a time log falls on a day its person works. Recorded
activity (``created``, ``updated``, time logs, versions) never goes past the
day before ``today``.

>>> from datetime import date
>>> prod = generate(scale=0.01, seed=1, today=date(2026, 3, 2))
>>> len(prod.projects) >= 3 and any(p.archived for p in prod.projects)
True
>>> generate(scale=0.01, seed=1, today=date(2026, 3, 2)) == prod
True
"""

from __future__ import annotations

import gc
import math
import random
from bisect import bisect_right
from datetime import date, timedelta
from typing import Any

from .builder import ProjectBuilder, ProjectPlan
from .calendar import Calendar, studio_holidays
from .model import Attachment, Group, Person, Production, Project, Ref, Step, Vendor
from .staffing import Roster, headcount
from .vocabulary import (
    ARTIST_DEPARTMENTS,
    ASSET_TYPE_WEIGHTS,
    ASSET_TYPES,
    COUNTRIES,
    DEPARTMENT_CUM,
    FIRST_NAMES,
    LAST_NAMES,
    LEFT,
    MEDIA_HOST,
    PROJECT_TITLES,
    PROJECT_TYPES,
    RIG_ODDS,
    SHOT_STEP_ODDS,
    STEPS,
    VENDOR_SPECIALTIES,
    VENDOR_WORDS,
)

__all__ = ["generate"]

#: Statuses of work still to do (on hold and omitted work books nobody's time from today).
OPEN = ("waiting", "ready", "in_progress", "review")


class _Generator:
    """One generation run. Holds the rng, lookup tables and the production being filled."""

    def __init__(self, scale: float, seed: int, today: date) -> None:
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale!r}")
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self.scale = scale
        self.today = today
        self.t = today.toordinal()
        self.last_day = self.t - 1  # latest day with recorded activity
        self.calendar = Calendar()
        self.prod = Production(today=today, scale=scale, seed=seed, calendar=self.calendar)
        self._refs: dict[tuple[str, int], Ref] = {}
        self._iso: dict[int, str] = {}
        self._attachment_id = 0
        # people
        self.dept_active: dict[str, list[int]] = {}
        self.dept_all: dict[str, list[int]] = {}
        self.dept_group: dict[str, int] = {}
        self.production_staff: list[int] = []  # people of the Production department
        self.steps: dict[str, Step] = {}
        self.roster: Roster | None = None  # who is busy when (set up with the calendar)
        self.hot: dict[str, list[int]] = {}  # department -> its go-to artists, over-booked on purpose
        self.logins: set[str] = set()
        self.hired = 0  # artists hired while the schedule was laid out (their department was full)

    # -- small helpers ------------------------------------------------------
    # (cheaper than Random.randint/choice/choices, which matters at a million rows)
    def ri(self, lo: int, hi: int) -> int:
        """A random integer in ``[lo, hi]``."""
        return lo + int(self.random() * (hi - lo + 1))

    def pick(self, seq: Any) -> Any:
        """A random element of a non-empty sequence."""
        return seq[int(self.random() * len(seq))]

    def weighted(self, seq: Any, cum: tuple[float, ...]) -> Any:
        """A random element of ``seq`` drawn with cumulative weights ``cum``."""
        return seq[bisect_right(cum, self.random() * cum[-1])]

    def ref(self, kind: str, record_id: int) -> Ref:
        """A shared :class:`Ref` to a record."""
        key = (kind, record_id)
        hit = self._refs.get(key)
        if hit is None:
            hit = self._refs[key] = Ref(kind, record_id)
        return hit

    def iso(self, ordinal: int) -> str:
        hit = self._iso.get(ordinal)
        if hit is None:
            hit = self._iso[ordinal] = date.fromordinal(ordinal).isoformat()
        return hit

    def stamp(self, ordinal: int, early: int = 9 * 3600, late: int = 20 * 3600) -> str:
        """A UTC timestamp during studio hours on a day, never after ``last_day``."""
        ordinal = min(ordinal, self.last_day)
        secs = early + int(self.random() * (late - early))
        h, rest = divmod(secs, 3600)
        m, s = divmod(rest, 60)
        return f"{self.iso(ordinal)}T{h:02d}:{m:02d}:{s:02d}Z"

    @staticmethod
    def ord_of(stamp: str) -> int:
        """The day ordinal of a timestamp."""
        return date.fromisoformat(stamp[:10]).toordinal()

    def later(self, created: str, ordinal: int) -> str:
        """An ``updated`` moment on ``ordinal`` (capped) that is not before ``created``."""
        updated = self.stamp(ordinal)
        return updated if updated >= created else created

    def thumbnail(self, odds: float = 0.85) -> str | None:
        if self.rng.random() >= odds:
            return None
        return f"{MEDIA_HOST}/thumbnail/{self.rng.getrandbits(64):016x}.jpg"

    def attachment(self, url: str, name: str, mime_type: str | None, source: str) -> Attachment:
        self._attachment_id += 1
        return Attachment(self._attachment_id, url, name, mime_type, source)

    def add(self, record: Any) -> Any:
        """Add ``record`` to the production (it gets the next id of its kind)."""
        return self.prod.add(record)

    def person(self, person_id: int) -> Person:
        return self.prod.people[person_id - 1]

    @staticmethod
    def system(created: str, updated: str, by: int, updated_by: int | None = None) -> dict[str, Any]:
        """Who created a record and when, and its last update."""
        return {"created": created, "updated": updated, "created_by": by,
                "updated_by": by if updated_by is None else updated_by}

    # -- run ----------------------------------------------------------------
    def run(self) -> Production:
        projects = self.plan_projects()
        first_day = min(p.start for p in projects) - 420
        self.make_people(first_day, headcount(self.planned_work(projects)))
        self.make_groups(first_day)
        self.make_projects(projects)
        self.make_calendar(projects)
        self.make_roster(projects)
        self.make_steps(first_day)
        self.make_vendors(first_day)
        for project in projects:
            ProjectBuilder(self, project).run()
        for project in projects:
            members = sorted(project.members | set(self.production_staff))
            self.prod.get("project", project.pid).members = members
            for uid in members:
                self.person(uid).projects.append(project.pid)
        return self.prod

    # -- projects -------------------------------------------------------------
    def plan_projects(self) -> list[ProjectPlan]:
        rng, t = self.rng, self.t
        count = max(3, round(4 * math.sqrt(self.scale)))
        projects: list[ProjectPlan] = []
        for i in range(count):
            title = PROJECT_TITLES[i % len(PROJECT_TITLES)]
            if i >= len(PROJECT_TITLES):
                title = f"{title} {i // len(PROJECT_TITLES) + 1}"
            words = title.split()
            short = "".join(w[0] for w in words).upper() if len(words) > 1 else title[:3].upper()
            archived = i % 4 == 2  # finished shows: every fourth project from the third on
            if i == 0:
                start, end, weight = t - self.ri(360, 420), t + self.ri(120, 170), 1.0
            elif i == 1:
                start, end, weight = t - self.ri(230, 280), t + self.ri(180, 250), 0.7
            elif archived:
                end = t - self.ri(150, 250) - 60 * (i // 4)
                start, weight = end - self.ri(330, 420), 0.4 if i == 2 else rng.uniform(0.3, 0.6)
            else:
                start, end = t - self.ri(230, 420), t + self.ri(120, 250)
                weight = rng.uniform(0.4, 0.8)
            fps = self.pick((24.0, 24.0, 23.976, 25.0))
            projects.append(ProjectPlan(i, title, short, archived, start, end, weight, fps))
        total = sum(p.weight for p in projects)
        for p in projects:
            p.n_shots = max(1, round(2000 * self.scale * p.weight / total))
            p.n_assets = max(1, round(450 * self.scale * p.weight / total))
        return projects

    @staticmethod
    def planned_work(projects: list[ProjectPlan]) -> list[tuple[str, int, int, float]]:
        """(department, first day, last day, expected person-days) of each project's shot and asset work.

        Shot chains run over the whole project; assets are built in its first half.
        """
        rig = sum(w * RIG_ODDS.get(a, 0.0) for a, w in zip(ASSET_TYPES, ASSET_TYPE_WEIGHTS)) \
            / sum(ASSET_TYPE_WEIGHTS)
        out = []
        for p in projects:
            for spec in STEPS:
                mean = (int(spec.bid_days[0] * 2) + int(spec.bid_days[1] * 2)) / 4  # the bid's mean, in days
                if spec.applies_to == "shot":
                    out.append((spec.department, p.start, p.end, p.n_shots * SHOT_STEP_ODDS[spec.name] * mean))
                else:
                    odds = rig if spec.name == "Rig" else 1.0
                    out.append((spec.department, p.start, p.start + (p.end - p.start) // 2 + 7,
                                p.n_assets * odds * mean))
        return out

    def make_projects(self, projects: list[ProjectPlan]) -> None:
        rng = self.rng
        for p in projects:
            created = self.stamp(p.start - self.ri(20, 60))
            status = "Delivered" if p.archived else ("Bidding" if p.start > self.t else "Active")
            record = Project(
                name=p.name,
                abbreviation=p.abbreviation,
                status=status,
                archived=p.archived,
                template=False,
                start=self.iso(p.start),
                end=self.iso(p.end),
                budget=round(p.weight * rng.uniform(8e6, 2.5e7), 2),
                project_type=self.pick(PROJECT_TYPES),
                description=f"{p.name}: {self.pick(('feature', 'series', 'spot'))} VFX work.",
                frame_rate=p.fps,
                resolution=(2048, 858) if p.index % 2 == 0 else (1920, 1080),
                color_space="ACEScg",
                delivery_format="EXR 16-bit half",
                members=[],
                thumbnail=self.thumbnail(0.9),
                **self.system(created, self.later(created, min(p.end, self.last_day)), 1),
            )
            p.pid = self.add(record).id

    # -- people ---------------------------------------------------------------
    def make_people(self, first_day: int, staff: dict[str, int]) -> None:
        """People: production staff, then artists, each department sized by ``staff`` (people busy at once)."""
        rng = self.rng
        sizes = {d: max(1, math.ceil(staff.get(d, 1) / (1 - LEFT))) for d in ARTIST_DEPARTMENTS}
        artists = sum(sizes.values())
        n_production = max(1, round(artists / 9))
        count = max(8, n_production + artists)
        # every department first, then the rest of each department's places in a random order
        slots = [d for d in ARTIST_DEPARTMENTS for _ in range(sizes[d] - 1)]
        rng.shuffle(slots)
        depts = list(ARTIST_DEPARTMENTS) + slots
        combos = len(FIRST_NAMES) * len(LAST_NAMES)
        pairs = rng.sample(range(combos), min(count, combos))
        pairs += [self.ri(0, combos - 1) for _ in range(count - len(pairs))]  # huge scales repeat names
        span = max(1, self.last_day - first_day)
        for k, pair in enumerate(pairs):
            if k < n_production:
                dept = "Production"
            elif k - n_production < len(depts):
                dept = depts[k - n_production]
            else:  # tiny scales: a few more people to reach the minimum
                dept = self.weighted(ARTIST_DEPARTMENTS, DEPARTMENT_CUM)
            active = k < 8 or rng.random() > LEFT
            self.add_person(pair, dept, active, self.stamp(first_day + int(span * 0.8 * k / count)))

    def add_person(self, pair: int, dept: str, active: bool, created: str) -> int:
        """Add one person (name number ``pair`` of the first × last names); returns their id."""
        first, last = FIRST_NAMES[pair // len(LAST_NAMES)], LAST_NAMES[pair % len(LAST_NAMES)]
        login = (first[0] + last.replace(" ", "")).lower()
        base, n = login, 2
        while login in self.logins:
            login, n = f"{base}{n}", n + 1
        self.logins.add(login)
        password = "".join(self.pick("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%")
                           for _ in range(14))
        person = self.add(Person(
            name=f"{first} {last}",
            first_name=first,
            last_name=last,
            login=login,
            email=f"{login}@example.com",
            active=active,
            password=password,
            department=dept,
            groups=[],
            projects=[],
            thumbnail=self.thumbnail(0.6),
            **self.system(created, self.later(created, self.last_day - self.ri(0, 60)), 1),
        ))
        uid = person.id
        if dept == "Production":
            self.production_staff.append(uid)
        else:
            self.dept_all.setdefault(dept, []).append(uid)
            if active:
                self.dept_active.setdefault(dept, []).append(uid)
        return uid

    def hire(self, dept: str, ordinal: int, archived: bool) -> int:
        """A new artist for ``dept``, starting a little before day ``ordinal`` (the department was full).

        People hired for a finished show have left again (inactive).
        """
        pair = self.ri(0, len(FIRST_NAMES) * len(LAST_NAMES) - 1)
        uid = self.add_person(pair, dept, not archived, self.stamp(ordinal - self.ri(10, 40)))
        group = self.prod.get("group", self.dept_group[dept])
        group.members = [*group.members, uid]
        self.person(uid).groups = [group.id]
        self.hired += 1
        return uid

    def make_groups(self, first_day: int) -> None:
        for dept in ARTIST_DEPARTMENTS:
            members = self.dept_all[dept]
            created = self.stamp(first_day + self.ri(0, 30))
            group = self.add(Group(
                name=dept,
                members=list(members),
                **self.system(created, self.later(created, self.last_day - self.ri(0, 90)), 1),
            ))
            self.dept_group[dept] = group.id
            for uid in members:
                self.person(uid).groups = [group.id]

    def make_calendar(self, projects: list[ProjectPlan]) -> None:
        rng, cal, t = self.rng, self.calendar, self.t
        lo = date.fromordinal(min(p.start for p in projects) - 430).year
        hi = date.fromordinal(max(p.end for p in projects) + 400).year
        for year in range(lo, hi + 1):
            for day, text in studio_holidays(year).items():
                cal.studio_exceptions[day] = (False, text)
        for p in projects:
            rules: dict[date, tuple[bool, str | None]] = {}
            anchor = p.end - 40 if p.archived else t + self.ri(-30, 30)
            for offset in (-14, 7):  # two crunch Saturdays around a delivery
                day = date.fromordinal(anchor + offset)
                day += timedelta(days=(5 - day.weekday()) % 7)
                rules[day] = (True, "Crunch: delivery weekend")
            day = date.fromordinal(anchor + self.ri(20, 40) if p.archived else anchor - self.ri(35, 60))
            while day.weekday() >= 5 or day in cal.studio_exceptions:
                day += timedelta(days=1)
            rules[day] = (False, "Wrap party" if p.archived else "Team offsite")
            cal.project_exceptions[p.pid] = dict(sorted(rules.items()))
        # a part-time artist (Friday off) and several vacations
        people = self.prod.people
        artists = [u.id for u in people if u.department != "Production"]
        cal.person_weeks[artists[-1]] = (True, True, True, True, False, False, False)
        count = max(3, len(people) // 6)
        for uid in sorted(rng.sample(range(1, len(people) + 1), count)):
            monday = date.fromordinal(t + self.ri(-150, 90))
            monday -= timedelta(days=monday.weekday())
            weeks = 2 if rng.random() < 0.25 else 1
            days = cal.person_exceptions.setdefault(uid, {})
            for i in range(7 * weeks):
                day = monday + timedelta(days=i)
                if day.weekday() < 5:
                    days[day] = (False, "Vacation")
        for uid in sorted(rng.sample(range(1, len(people) + 1), 2)):
            day = date.fromordinal(t - self.ri(5, 120))
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            cal.person_exceptions.setdefault(uid, {})[day] = (False, "Sick day")
        # working days of each project over the whole generated span
        first, last = min(p.start for p in projects) - 430, max(p.end for p in projects) + 400
        for p in projects:
            p.work = [o for o in range(first, last + 1) if cal.working(date.fromordinal(o), project=p.pid)]

    def make_roster(self, projects: list[ProjectPlan]) -> None:
        """Each person's working days (studio rules, then their own), and the go-to artists."""
        cal = self.calendar
        first, last = min(p.start for p in projects) - 430, max(p.end for p in projects) + 400
        studio = bytearray(cal.working(date.fromordinal(o)) for o in range(first, last + 1))
        roster = self.roster = Roster(first, last, studio, rng=self.rng)
        for uid in sorted(set(cal.person_weeks) | set(cal.person_exceptions)):
            flags = bytearray(studio)
            week = cal.person_weeks.get(uid)
            if week is not None:
                for i in range(len(flags)):
                    day = date.fromordinal(first + i)
                    if day not in cal.studio_exceptions:
                        flags[i] = week[day.weekday()]
            for day, (on, _) in cal.person_exceptions.get(uid, {}).items():
                if first <= day.toordinal() <= last:
                    flags[day.toordinal() - first] = on
            roster.set_days(uid, flags)
        monday = self.t - date.fromordinal(self.t).weekday()
        roster.horizon = (monday, monday + 27)  # the four weeks a producer looks ahead
        shots = [d for d in ARTIST_DEPARTMENTS if d != "Assets"]
        people = [u for d in shots for u in self.dept_active.get(d, [])]
        for uid in sorted(self.rng.sample(people, min(len(people), max(2, round(3 * math.sqrt(self.scale)))))):
            roster.hot[uid] = self.rng.uniform(1.3, 1.4)
            self.hot.setdefault(self.person(uid).department, []).append(uid)

    def works(self, ordinal: int, pid: int, uid: int) -> bool:
        """Whether person ``uid`` works on day ``ordinal`` for project ``pid``."""
        return self.calendar.working(date.fromordinal(ordinal), project=pid, person=uid)

    # -- site setup -----------------------------------------------------------
    def make_steps(self, first_day: int) -> None:
        for spec in STEPS:
            created = self.stamp(first_day + self.ri(0, 10))
            self.steps[spec.name] = self.add(Step(
                name=spec.name,
                short_name=spec.short_name,
                description=spec.description,
                color=spec.color,
                order=spec.list_order,
                applies_to=spec.applies_to,
                department=spec.department,
                **self.system(created, created, 1),
            ))

    def make_vendors(self, first_day: int) -> None:
        rng = self.rng
        adjectives, nouns = VENDOR_WORDS
        count = min(max(2, round(8 * math.sqrt(self.scale))), len(adjectives) * len(nouns))
        for k in sorted(rng.sample(range(len(adjectives) * len(nouns)), count)):
            name = f"{adjectives[k // len(nouns)]} {nouns[k % len(nouns)]}"
            slug = name.lower().replace(" ", "")
            created = self.stamp(first_day + self.ri(0, 400))
            self.add(Vendor(
                name=name,
                description=f"Outsourcing partner for {self.pick(VENDOR_SPECIALTIES)}.",
                active=rng.random() < 0.85,
                works_on=self.pick(("shot", "shot", "asset")),
                day_rate=round(rng.uniform(250, 900), 2),
                discount=self.pick((0, 0, 5, 10, 12, 15, 20)),
                rating=self.ri(1, 5),
                website=self.attachment(f"https://www.{slug}.example.com", name, None, "web"),
                contact=self.pick(self.production_staff),
                country=self.pick(COUNTRIES),
                contract_start=self.iso(first_day + self.ri(0, 400)),
                **self.system(created, self.later(created, self.last_day - self.ri(0, 200)), 1),
            ))

    # -- choices used by the project builder -----------------------------------
    def pool(self, dept: str, archived: bool) -> list[int]:
        """The people who may work on a task of ``dept``: everyone for finished shows, else those still here."""
        return self.dept_all[dept] if archived else (self.dept_active.get(dept) or self.dept_all[dept])

    def assignees(self, dept: str, archived: bool, status: str, start: int, due: int, minutes: int,
                  free: int | None = None) -> list[Ref]:
        """Who a task is assigned to: people of ``dept`` with room for it (``free`` first), a group, or nobody yet.

        Work assigned to a group or to nobody yet still takes someone's time:
        it is counted against the person who has room for it, unnamed.
        """
        rng = self.rng
        roster = self.roster
        assert roster is not None
        pool = self.pool(dept, archived)
        group = self.ref("group", self.dept_group[dept])
        if status == "waiting" and rng.random() < 0.25:
            roster.choose(pool, 1, start, due, minutes, prefer=free)
            return []
        r = rng.random()
        if r < 0.04:
            roster.choose(pool, 1, start, due, minutes, prefer=free)
            return [group]
        count = 2 if r > 0.78 and len(pool) > 1 else 1
        stays_open = status in OPEN
        if status in ("final", "on_hold") and due >= self.t:  # finished early or paused: frees the days from today
            due = self.t - 1
        people: list[int] = []
        if status == "omitted" or due < start:  # omitted (or paused) before anyone worked on it: books nobody
            people = rng.sample(pool, count)
        elif stays_open and self.hot.get(dept):  # a go-to artist takes it on (or shares it) if it stays plausible
            share = minutes / count
            people = next(([u] for u in self.hot[dept] if roster.try_hot(u, start, due, share)), [])
            if people and count == 2:
                people += roster.choose([u for u in pool if u != people[0]], 1, start, due, share,
                                        stays_open=True, prefer=free if free != people[0] else None)
        if not people:
            people = roster.choose(pool, count, start, due, minutes, stays_open=stays_open, prefer=free)
        refs = [self.ref("person", u) for u in people]
        if r < 0.14:
            refs.append(group)
        return refs

    def worker(self, assignees: list[Ref], dept: str) -> int:
        """A person doing the work: a person assignee, else a member of an assigned group."""
        people = [a.id for a in assignees if a.kind == "person"]
        if people:
            return self.pick(people)
        pool = self.dept_active.get(dept) or self.dept_all[dept]
        return self.pick(pool)


def generate(scale: float = 1.0, seed: int = 0, today: date | None = None) -> Production:
    """Generate the production.

    Args:
        scale: size factor; 1 gives about 14,600 tasks and 92,000 records in all,
            10 about 940,000 records. Fractional scales work (at least one record
            of every kind, three projects).
        seed: seed of the ``random.Random`` that drives every choice.
        today: the day the schedule is laid out around (default: ``date.today()``).

    Returns:
        A :class:`Production` whose ``calendar`` holds the studio, project and
        person work-day rules and whose ``today`` is ``today``.
    """
    # Millions of new containers would trigger full cyclic-GC passes over the
    # growing heap again and again; the generator creates no cycles.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _Generator(scale, seed, today or date.today()).run()
    finally:
        if was_enabled:
            gc.enable()
