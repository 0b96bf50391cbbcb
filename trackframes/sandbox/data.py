"""The sandbox's demo production: a deterministic generator of a live-looking studio.

:func:`generate` builds a :class:`~trackframes.sandbox.model.Store` holding a few
projects (one of them archived) with sequences, shots, assets, a shot and an
asset pipeline, scheduled tasks, versions, time logs, review notes, people,
department groups and vendors. Dates are laid out around ``today``, so the
schedule always looks current: some tasks are final, some in progress, some
late and some still to come.

Size (rows over all entity types) grows linearly with ``scale``: about 92,000
rows at scale 1 (2,000 shots, 450 assets, 14,600 tasks, two to three versions
and time logs per started task, half a note per version) and about 940,000 at
scale 10. Tiny scales still give at least one record of every type and three
projects (one archived).

The generator uses one ``random.Random(seed)`` and iterates nothing whose
order depends on hashing, so equal ``(scale, seed, today)`` give equal stores
in any interpreter.

Values are stored in the wire forms documented in :mod:`.model`. Link dicts
(``{"type", "id"}``) and strings are shared between records to keep large
stores small: treat stored values as read-only and replace them rather than
mutating them in place.

Work-day rules are consistent with the data: tasks start and end on working
days of their project, a task's ``duration`` is its working days times eight
hours (in minutes), and a time log falls on a day its user works. Recorded
activity (``created_at``, ``updated_at``, time logs, versions) never goes past
the day before ``today``.
"""

from __future__ import annotations

import gc
import math
import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from . import catalog
from .model import Store, WorkCalendar
from .staffing import Roster, headcount

__all__ = ["MINUTES_PER_DAY", "generate", "make_record", "studio_holidays"]

#: Length of a working day in minutes: task durations are working days × this.
MINUTES_PER_DAY = 8 * 60

Link = dict[str, Any]

# -- static production data -------------------------------------------------


def _cumulative(weights: tuple[float, ...]) -> tuple[float, ...]:
    """Cumulative weights, for :meth:`_Generator.weighted`."""
    return tuple(accumulate(weights))


@dataclass(frozen=True)
class _StepSpec:
    code: str
    short_name: str
    entity_type: str
    department: str
    list_order: int
    color: str
    bid_days: tuple[float, float]
    description: str


#: The pipeline, in order. Shot tasks run Matchmove → … → Comp; asset tasks Model → … → Lookdev.
_STEPS: tuple[_StepSpec, ...] = (
    _StepSpec("Model", "MOD", "Asset", "Assets", 10, "95,150,220", (3, 9), "Modeling of the asset geometry."),
    _StepSpec("Rig", "RIG", "Asset", "Assets", 20, "150,110,210", (2, 7), "Rigging for animation."),
    _StepSpec("Surface", "SRF", "Asset", "Assets", 30, "210,140,70", (2, 7), "Texturing and shading."),
    _StepSpec("Lookdev", "LKD", "Asset", "Lighting", 40, "230,200,80", (1.5, 5), "Look development."),
    _StepSpec("Matchmove", "MM", "Shot", "Layout", 50, "120,120,120", (1, 4), "Camera and object tracking."),
    _StepSpec("Layout", "LAY", "Shot", "Layout", 60, "70,170,170", (1.5, 5), "Camera, staging and set dressing."),
    _StepSpec("Animation", "ANM", "Shot", "Animation", 70, "90,190,90", (3, 11), "Character and vehicle animation."),
    _StepSpec("FX", "FX", "Shot", "FX", 80, "220,110,60", (3, 9), "Simulations: destruction, smoke, water."),
    _StepSpec("Lighting", "LGT", "Shot", "Lighting", 90, "240,210,60", (2, 7), "Lighting and rendering."),
    _StepSpec("Roto", "RTO", "Shot", "Compositing", 100, "200,90,150", (1, 3.5), "Rotoscoping and paint."),
    _StepSpec("Comp", "CMP", "Shot", "Compositing", 110, "220,60,60", (2, 6), "Compositing and final output."),
)

#: Chance that a shot gets a task of each shot step.
_SHOT_STEP_ODDS: dict[str, float] = {
    "Matchmove": 0.9, "Layout": 1.0, "Animation": 1.0, "FX": 0.75, "Lighting": 1.0, "Roto": 0.9, "Comp": 1.0,
}
#: Chance that an asset gets a Rig task, by asset type (other asset steps are always there).
_RIG_ODDS: dict[str, float] = {"Character": 1.0, "Vehicle": 1.0, "Prop": 0.5}

_ARTIST_DEPARTMENTS: tuple[str, ...] = ("Layout", "Animation", "FX", "Lighting", "Compositing", "Assets")
_DEPARTMENT_CUM = _cumulative((1.0, 2.0, 1.0, 1.5, 2.0, 1.5))
#: Share of each department's people who have left the studio (disabled accounts).
_LEFT = 0.08
#: How each step's finished work came in against its bid, on average (FX sims are the usual overrun).
_OVERRUN: dict[str, float] = {"FX": 1.16, "Animation": 1.05, "Lighting": 1.02, "Comp": 0.97, "Roto": 0.93,
                              "Layout": 0.95, "Matchmove": 0.92, "Model": 1.0, "Rig": 1.03, "Surface": 0.98,
                              "Lookdev": 1.04}

_FIRST_NAMES: tuple[str, ...] = (
    "Ada", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kavya", "Liam", "Maya", "Nikolai", "Olivia", "Pablo", "Qi", "Rosa", "Samir", "Tessa",
    "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Aiko", "Ben", "Carmen", "Diego",
    "Emil", "Freya", "Gustavo", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Marco", "Nadia",
)
_LAST_NAMES: tuple[str, ...] = (
    "Abara", "Berg", "Castillo", "Dubois", "Eriksen", "Fontaine", "Garcia", "Hoffmann", "Ito", "Jensen",
    "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka",
    "Ueda", "Varga", "Walsh", "Xu", "Yilmaz", "Zimmer", "Almeida", "Brennan", "Chen", "Da Silva",
    "Evans", "Fischer", "Gupta", "Haddad", "Iyer", "Jovanovic", "Kim", "Laurent", "Mendes", "Novak",
)
_PROJECT_TITLES: tuple[str, ...] = (
    "Copper Sky", "Hollow Pines", "Starling", "Tidebreaker", "Quiet Giants", "Blue Meridian",
    "Lanterns", "Northbound", "Wildwood", "Paper Moons", "Ember Road", "Glasswing",
    "The Long Orbit", "Saltwater", "Iron Tide", "Last Light Express",
)
_VENDOR_WORDS: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("Pixel", "Frame", "Lumen", "North", "Iron", "Blue", "Silver", "Red", "Atlas"),
    ("Forge", "Works", "Labs", "Foundry", "Studios", "Garden", "Yard", "House"),
)
_ASSET_NAMES: dict[str, tuple[str, ...]] = {
    "Character": ("hero", "villain", "sidekick", "captain", "robot", "dragon", "fox", "pilot", "guard", "child"),
    "Prop": ("lantern", "sword", "map", "compass", "crate", "radio", "key", "bottle", "book", "helmet"),
    "Environment": ("harbor", "forest", "city", "canyon", "station", "village", "cave", "rooftop"),
    "Vehicle": ("airship", "truck", "boat", "train", "glider", "rover"),
    "FX": ("smoke", "fire", "rain", "sparks", "dust", "splash"),
    "Matte Painting": ("skyline", "mountains", "sunset", "ruins"),
}
_ASSET_TYPE_WEIGHTS: tuple[float, ...] = (3, 4, 2, 1, 1, 0.5)  # order of catalog.ASSET_TYPES
_ASSET_TYPE_CUM = _cumulative(_ASSET_TYPE_WEIGHTS)
_SHOT_TYPE_CUM = _cumulative((5, 2, 2, 1))  # order of catalog.SHOT_TYPES
_PRIORITY_CUM = _cumulative((1, 6, 2, 0.5))  # order of catalog.PRIORITIES
_SLIPS: tuple[int, ...] = (0, 1, 2, 4)  # schedule slack beyond the bid, in days (never less than the bid)
_SLIP_CUM = _cumulative((7, 2, 1, 0.5))
_MAX_DELAY = 10  # working days a task's start may move for someone to have room for it
_VENDOR_SPECIALTIES: tuple[str, ...] = ("shots", "assets", "roto and paint", "matchmove")
_CLIENT_STEPS: tuple[str, ...] = ("Comp", "Animation", "Lookdev")  # steps whose final versions go to the client
_TAGS: tuple[str, ...] = ("dailies", "client", "blocking", "polish", "timing", "continuity", "tech-check", "urgent")
_PLACES: tuple[str, ...] = ("the harbor", "the forest", "the control room", "the rooftop", "the canyon", "the market")
_SHOT_TEMPLATES: tuple[str, ...] = (
    "Wide establishing shot of {place}.", "Close-up on the {char} reacting.",
    "Tracking shot following the {char} through {place}.",
    "Over-the-shoulder as the {char} turns.", "Insert of the {prop}.", "Crane down into {place}.",
)
_NOTE_BODIES: tuple[str, ...] = (
    "Timing feels late on the turn; pull the anticipation a few frames earlier.",
    "Edges chatter on the roto around the hair, please tighten.",
    "Love the light direction, push the rim a touch warmer.",
    "Client asked for less motion blur on the fast pan.",
    "Contact shadows are missing under the feet.",
    "Please match the grade to the previous shot in the cut.",
    "Approved for the next department, minor notes only.",
    "The simulation looks too thick, aim for thinner smoke.",
    "Check the plate stabilisation before the next pass.",
    "Silhouette reads well now, moving on to polish.",
)
_LOG_PHRASES: tuple[str, ...] = (
    "first pass", "blocking", "polish", "fixes from dailies", "tech check", "client notes", "renders", "review prep",
)
_NOTE_PREFIX: dict[str, str] = {
    "Internal": "Dailies", "Client": "Client review", "Director": "Director review", "Supervisor": "Supervisor notes",
}
_NOTE_TYPE_CUM = _cumulative((5, 2, 1, 2))  # order of catalog.NOTE_TYPES
_MEDIA_HOST = "https://media.example.com"


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
    """The studio's closed days in one year, with descriptions."""
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


# -- the generator ------------------------------------------------------------


@dataclass
class _Project:
    """Planning data of one project while it is generated."""

    index: int
    name: str
    code: str
    archived: bool
    start: int  # ordinal
    end: int  # ordinal
    weight: float
    fps: float
    n_shots: int = 1
    n_assets: int = 1
    pid: int = 0
    work: list[int] = field(default_factory=list)  # ordinals of its working days, ascending
    members: set[int] = field(default_factory=set)  # user ids


class _Generator:
    """One generation run. Holds the rng, lookup tables and the store being filled."""

    def __init__(self, scale: float, seed: int, today: date) -> None:
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale!r}")
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self.scale = scale
        self.today = today
        self.t = today.toordinal()
        self.last_day = self.t - 1  # latest day with recorded activity
        self.calendar = WorkCalendar()
        self.store = Store(catalog.build_entities(), calendar=self.calendar, today=today)
        self._links: dict[tuple[str, int], Link] = {}
        self._iso: dict[int, str] = {}
        self._attachment_id = 0
        # people
        self.users: list[dict[str, Any]] = []
        self.dept_active: dict[str, list[int]] = {}
        self.dept_all: dict[str, list[int]] = {}
        self.dept_group: dict[str, int] = {}
        self.production: list[int] = []
        self.steps: dict[str, dict[str, Any]] = {}
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

    def link(self, entity: str, record_id: int) -> Link:
        key = (entity, record_id)
        hit = self._links.get(key)
        if hit is None:
            hit = self._links[key] = {"type": entity, "id": record_id}
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
        """The day ordinal of a stored timestamp."""
        return date.fromisoformat(stamp[:10]).toordinal()

    def later(self, created: str, ordinal: int) -> str:
        """An ``updated_at`` on ``ordinal`` (capped) that is not before ``created``."""
        updated = self.stamp(ordinal)
        return updated if updated >= created else created

    def thumbnail(self, odds: float = 0.85) -> str | None:
        if self.rng.random() >= odds:
            return None
        return f"{_MEDIA_HOST}/thumbnail/{self.rng.getrandbits(64):016x}.jpg"

    def attachment(self, url: str, name: str, content_type: str | None, link_type: str) -> dict[str, Any]:
        self._attachment_id += 1
        return {"url": url, "name": name, "content_type": content_type, "link_type": link_type,
                "type": "Attachment", "id": self._attachment_id}

    def insert(self, entity: str, values: dict[str, Any]) -> dict[str, Any]:
        return self.store.insert(entity, values)

    def system(self, created: str, updated: str, by: int, updated_by: int | None = None) -> dict[str, Any]:
        return {"created_at": created, "updated_at": updated, "created_by": self.link("HumanUser", by),
                "updated_by": self.link("HumanUser", by if updated_by is None else updated_by)}

    # -- run ----------------------------------------------------------------
    def run(self) -> Store:
        projects = self.plan_projects()
        first_day = min(p.start for p in projects) - 420
        self.make_users(first_day, headcount(self.planned_work(projects)))
        self.make_groups(first_day)
        self.make_projects(projects)
        self.make_calendar(projects)
        self.make_roster(projects)
        self.make_steps(first_day)
        self.make_vendors(first_day)
        for project in projects:
            _ProjectBuilder(self, project).run()
        for project in projects:
            members = sorted(project.members | set(self.production))
            self.store.records["Project"][project.pid]["users"] = [self.link("HumanUser", u) for u in members]
            for uid in members:
                self.store.records["HumanUser"][uid]["projects"].append(self.link("Project", project.pid))
        return self.store

    # -- projects -------------------------------------------------------------
    def plan_projects(self) -> list[_Project]:
        rng, t = self.rng, self.t
        count = max(3, round(4 * math.sqrt(self.scale)))
        projects: list[_Project] = []
        for i in range(count):
            title = _PROJECT_TITLES[i % len(_PROJECT_TITLES)]
            if i >= len(_PROJECT_TITLES):
                title = f"{title} {i // len(_PROJECT_TITLES) + 1}"
            words = title.split()
            code = "".join(w[0] for w in words).upper() if len(words) > 1 else title[:3].upper()
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
            projects.append(_Project(i, title, code, archived, start, end, weight, fps))
        total = sum(p.weight for p in projects)
        for p in projects:
            p.n_shots = max(1, round(2000 * self.scale * p.weight / total))
            p.n_assets = max(1, round(450 * self.scale * p.weight / total))
        return projects

    @staticmethod
    def planned_work(projects: list[_Project]) -> list[tuple[str, int, int, float]]:
        """(department, first day, last day, expected person-days) of each project's shot and asset work.

        Shot chains run over the whole project; assets are built in its first half.
        """
        rig = sum(w * _RIG_ODDS.get(a, 0.0) for a, w in zip(catalog.ASSET_TYPES, _ASSET_TYPE_WEIGHTS)) \
            / sum(_ASSET_TYPE_WEIGHTS)
        out = []
        for p in projects:
            for spec in _STEPS:
                mean = (int(spec.bid_days[0] * 2) + int(spec.bid_days[1] * 2)) / 4  # the bid's mean, in days
                if spec.entity_type == "Shot":
                    out.append((spec.department, p.start, p.end, p.n_shots * _SHOT_STEP_ODDS[spec.code] * mean))
                else:
                    odds = rig if spec.code == "Rig" else 1.0
                    out.append((spec.department, p.start, p.start + (p.end - p.start) // 2 + 7,
                                p.n_assets * odds * mean))
        return out

    def make_projects(self, projects: list[_Project]) -> None:
        rng = self.rng
        for p in projects:
            created = self.stamp(p.start - self.ri(20, 60))
            status = "Delivered" if p.archived else ("Bidding" if p.start > self.t else "Active")
            settings = {
                "navchains": {"Shot": "Shot.sg_sequence", "Asset": "Asset.sg_asset_type"},
                "frame_rate": p.fps,
                "resolution": [2048, 858] if p.index % 2 == 0 else [1920, 1080],
                "color_space": "ACEScg",
                "delivery_format": "EXR 16-bit half",
            }
            values = {
                "name": p.name,
                "sg_status": status,
                "archived": p.archived,
                "is_template": False,
                "start_date": self.iso(p.start),
                "end_date": self.iso(p.end),
                "sg_budget": round(p.weight * rng.uniform(8e6, 2.5e7), 2),
                "sg_type": self.pick(catalog.PROJECT_TYPES),
                "sg_description": f"{p.name}: {self.pick(('feature', 'series', 'spot'))} VFX work.",
                "tracking_settings": settings,
                "users": [],
                "image": self.thumbnail(0.9),
                **self.system(created, self.later(created, min(p.end, self.last_day)), 1),
            }
            p.pid = self.insert("Project", values)["id"]

    # -- people ---------------------------------------------------------------
    def make_users(self, first_day: int, staff: dict[str, int]) -> None:
        """People: production staff, then artists, each department sized by ``staff`` (people busy at once)."""
        rng = self.rng
        sizes = {d: max(1, math.ceil(staff.get(d, 1) / (1 - _LEFT))) for d in _ARTIST_DEPARTMENTS}
        artists = sum(sizes.values())
        n_production = max(1, round(artists / 9))
        count = max(8, n_production + artists)
        # every department first, then the rest of each department's places in a random order
        slots = [d for d in _ARTIST_DEPARTMENTS for _ in range(sizes[d] - 1)]
        rng.shuffle(slots)
        depts = list(_ARTIST_DEPARTMENTS) + slots
        combos = len(_FIRST_NAMES) * len(_LAST_NAMES)
        pairs = rng.sample(range(combos), min(count, combos))
        pairs += [self.ri(0, combos - 1) for _ in range(count - len(pairs))]  # huge scales repeat names
        span = max(1, self.last_day - first_day)
        for k, pair in enumerate(pairs):
            if k < n_production:
                dept = "Production"
            elif k - n_production < len(depts):
                dept = depts[k - n_production]
            else:  # tiny scales: a few more people to reach the minimum
                dept = self.weighted(_ARTIST_DEPARTMENTS, _DEPARTMENT_CUM)
            active = k < 8 or rng.random() > _LEFT
            self.add_person(pair, dept, active, self.stamp(first_day + int(span * 0.8 * k / count)))

    def add_person(self, pair: int, dept: str, active: bool, created: str) -> int:
        """Insert one HumanUser (name number ``pair`` of the first × last names); returns its id."""
        first, last = _FIRST_NAMES[pair // len(_LAST_NAMES)], _LAST_NAMES[pair % len(_LAST_NAMES)]
        login = (first[0] + last.replace(" ", "")).lower()
        base, n = login, 2
        while login in self.logins:
            login, n = f"{base}{n}", n + 1
        self.logins.add(login)
        password = "".join(self.pick("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%")
                           for _ in range(14))
        values = {
            "name": f"{first} {last}",
            "firstname": first,
            "lastname": last,
            "login": login,
            "email": f"{login}@example.com",
            "sg_status_list": "act" if active else "dis",
            "password_proxy": password,
            "sg_department": dept,
            "groups": [],
            "projects": [],
            "image": self.thumbnail(0.6),
            **self.system(created, self.later(created, self.last_day - self.ri(0, 60)), 1),
        }
        rec = self.insert("HumanUser", values)
        uid = rec["id"]
        self.users.append(rec)
        if dept == "Production":
            self.production.append(uid)
        else:
            self.dept_all.setdefault(dept, []).append(uid)
            if active:
                self.dept_active.setdefault(dept, []).append(uid)
        return uid

    def hire(self, dept: str, ordinal: int, archived: bool) -> int:
        """A new artist for ``dept``, starting a little before day ``ordinal`` (the department was full).

        People hired for a finished show have left again (disabled).
        """
        pair = self.ri(0, len(_FIRST_NAMES) * len(_LAST_NAMES) - 1)
        uid = self.add_person(pair, dept, not archived, self.stamp(ordinal - self.ri(10, 40)))
        group = self.store.records["Group"][self.dept_group[dept]]
        group["users"] = [*group["users"], self.link("HumanUser", uid)]
        self.store.records["HumanUser"][uid]["groups"] = [self.link("Group", group["id"])]
        self.hired += 1
        return uid

    def make_groups(self, first_day: int) -> None:
        for dept in _ARTIST_DEPARTMENTS:
            members = self.dept_all[dept]
            created = self.stamp(first_day + self.ri(0, 30))
            rec = self.insert("Group", {
                "code": dept,
                "users": [self.link("HumanUser", u) for u in members],
                **self.system(created, self.later(created, self.last_day - self.ri(0, 90)), 1),
            })
            self.dept_group[dept] = rec["id"]
            for uid in members:
                self.store.records["HumanUser"][uid]["groups"] = [self.link("Group", rec["id"])]

    def make_calendar(self, projects: list[_Project]) -> None:
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
        artists = [u["id"] for u in self.users if u["sg_department"] != "Production"]
        cal.user_weeks[artists[-1]] = (True, True, True, True, False, False, False)
        count = max(3, len(self.users) // 6)
        for uid in sorted(rng.sample(range(1, len(self.users) + 1), count)):
            monday = date.fromordinal(t + self.ri(-150, 90))
            monday -= timedelta(days=monday.weekday())
            weeks = 2 if rng.random() < 0.25 else 1
            days = cal.user_exceptions.setdefault(uid, {})
            for i in range(7 * weeks):
                day = monday + timedelta(days=i)
                if day.weekday() < 5:
                    days[day] = (False, "Vacation")
        for uid in sorted(rng.sample(range(1, len(self.users) + 1), 2)):
            day = date.fromordinal(t - self.ri(5, 120))
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            cal.user_exceptions.setdefault(uid, {})[day] = (False, "Sick day")
        # working days of each project over the whole generated span
        first, last = min(p.start for p in projects) - 430, max(p.end for p in projects) + 400
        for p in projects:
            p.work = [o for o in range(first, last + 1)
                      if cal.rule(date.fromordinal(o), project_id=p.pid)["working"]]

    def make_roster(self, projects: list[_Project]) -> None:
        """Each person's working days (studio rules, then their own), and the go-to artists."""
        cal = self.calendar
        first, last = min(p.start for p in projects) - 430, max(p.end for p in projects) + 400
        studio = bytearray(cal.rule(date.fromordinal(o))["working"] for o in range(first, last + 1))
        roster = self.roster = Roster(first, last, studio, rng=self.rng)
        for uid in sorted(set(cal.user_weeks) | set(cal.user_exceptions)):
            flags = bytearray(studio)
            week = cal.user_weeks.get(uid)
            if week is not None:
                for i in range(len(flags)):
                    day = date.fromordinal(first + i)
                    if day not in cal.studio_exceptions:
                        flags[i] = week[day.weekday()]
            for day, (on, _) in cal.user_exceptions.get(uid, {}).items():
                if first <= day.toordinal() <= last:
                    flags[day.toordinal() - first] = on
            roster.set_days(uid, flags)
        monday = self.t - date.fromordinal(self.t).weekday()
        roster.horizon = (monday, monday + 27)  # the four weeks a producer looks ahead
        shots = [d for d in _ARTIST_DEPARTMENTS if d != "Assets"]
        people = [u for d in shots for u in self.dept_active.get(d, [])]
        for uid in sorted(self.rng.sample(people, min(len(people), max(2, round(3 * math.sqrt(self.scale)))))):
            roster.hot[uid] = self.rng.uniform(1.3, 1.4)
            dept = self.store.records["HumanUser"][uid]["sg_department"]
            self.hot.setdefault(dept, []).append(uid)

    def user_works(self, ordinal: int, pid: int, uid: int) -> bool:
        return self.calendar.rule(date.fromordinal(ordinal), project_id=pid, user_id=uid)["working"]

    # -- site setup -----------------------------------------------------------
    def make_steps(self, first_day: int) -> None:
        for spec in _STEPS:
            created = self.stamp(first_day + self.ri(0, 10))
            rec = self.insert("Step", {
                "code": spec.code,
                "short_name": spec.short_name,
                "description": spec.description,
                "color": spec.color,
                "list_order": spec.list_order,
                "entity_type": spec.entity_type,
                **self.system(created, created, 1),
            })
            self.steps[spec.code] = rec

    def make_vendors(self, first_day: int) -> None:
        rng = self.rng
        adjectives, nouns = _VENDOR_WORDS
        count = min(max(2, round(8 * math.sqrt(self.scale))), len(adjectives) * len(nouns))
        for k in sorted(rng.sample(range(len(adjectives) * len(nouns)), count)):
            name = f"{adjectives[k // len(nouns)]} {nouns[k % len(nouns)]}"
            slug = name.lower().replace(" ", "")
            created = self.stamp(first_day + self.ri(0, 400))
            self.insert("CustomNonProjectEntity01", {
                "code": name,
                "description": f"Outsourcing partner for {self.pick(_VENDOR_SPECIALTIES)}.",
                "sg_status_list": "act" if rng.random() < 0.85 else "dis",
                "sg_entity_type": self.pick(("Shot", "Shot", "Asset")),
                "sg_day_rate": round(rng.uniform(250, 900), 2),
                "sg_discount": self.pick((0, 0, 5, 10, 12, 15, 20)),
                "sg_rating": self.ri(1, 5),
                "sg_website": self.attachment(f"https://www.{slug}.example.com", name, None, "web"),
                "sg_contact": self.link("HumanUser", self.pick(self.production)),
                "sg_country": self.pick(catalog.COUNTRIES),
                "sg_contract_start": self.iso(first_day + self.ri(0, 400)),
                **self.system(created, self.later(created, self.last_day - self.ri(0, 200)), 1),
            })

    # -- choices used by the project builder -----------------------------------
    def pool(self, dept: str, archived: bool) -> list[int]:
        """The people who may work on a task of ``dept``: everyone for finished shows, else those still here."""
        return self.dept_all[dept] if archived else (self.dept_active.get(dept) or self.dept_all[dept])

    def assignees(self, dept: str, archived: bool, status: str, start: int, due: int, minutes: int,
                  free: int | None = None) -> list[Link]:
        """Who a task is assigned to: people of ``dept`` with room for it (``free`` first), a group, or nobody yet.

        Work assigned to a group or to nobody yet still takes someone's time:
        it is counted against the person who has room for it, unnamed.
        """
        rng = self.rng
        roster = self.roster
        assert roster is not None
        pool = self.pool(dept, archived)
        group = self.link("Group", self.dept_group[dept])
        if status == "wtg" and rng.random() < 0.25:
            roster.choose(pool, 1, start, due, minutes, prefer=free)
            return []
        r = rng.random()
        if r < 0.04:
            roster.choose(pool, 1, start, due, minutes, prefer=free)
            return [group]
        count = 2 if r > 0.78 and len(pool) > 1 else 1
        stays_open = status in ("wtg", "rdy", "ip", "rev")
        if status in ("fin", "hld") and due >= self.t:  # finished early or paused: frees the days from today
            due = self.t - 1
        people: list[int] = []
        if status == "omt" or due < start:  # omitted (or paused) before anyone worked on it: books nobody
            people = rng.sample(pool, count)
        elif stays_open and self.hot.get(dept):  # a go-to artist takes it on (or shares it) if it stays plausible
            share = minutes / count
            people = next(([u] for u in self.hot[dept] if roster.try_hot(u, start, due, share)), [])
            if people and count == 2:
                people += roster.choose([u for u in pool if u != people[0]], 1, start, due, share,
                                        stays_open=True, prefer=free if free != people[0] else None)
        if not people:
            people = roster.choose(pool, count, start, due, minutes, stays_open=stays_open, prefer=free)
        links = [self.link("HumanUser", u) for u in people]
        if r < 0.14:
            links.append(group)
        return links

    def worker(self, assignees: list[Link], dept: str) -> int:
        """A person doing the work: a user assignee, else a member of an assigned group."""
        users = [a["id"] for a in assignees if a["type"] == "HumanUser"]
        if users:
            return self.pick(users)
        pool = self.dept_active.get(dept) or self.dept_all[dept]
        return self.pick(pool)


class _ProjectBuilder:
    """Generates one project's sequences, assets, shots and everything below them."""

    def __init__(self, gen: _Generator, project: _Project) -> None:
        self.g = gen
        self.rng = gen.rng
        self.p = project
        self.work = project.work
        self.n_shots = project.n_shots
        self.n_assets = project.n_assets
        self.asset_links: list[tuple[Link, str]] = []  # (link, asset type)
        self.asset_shots: dict[int, list[Link]] = {}
        self.created_day = project.start - gen.ri(5, 20)
        self.today_idx = self.day_index(gen.t)  # index in ``work`` of today (or the next working day)

    def coordinator(self) -> int:
        return self.g.pick(self.g.production)

    def day_index(self, ordinal: int) -> int:
        """Index in ``work`` of the first working day on or after ``ordinal``."""
        return bisect_left(self.work, ordinal)

    def run(self) -> None:
        self.make_assets()
        self.make_shots()

    # -- assets ----------------------------------------------------------------
    def make_assets(self) -> None:
        g, rng, p = self.g, self.rng, self.p
        seen: dict[str, int] = {}
        start_idx = self.day_index(p.start)
        span = self.day_index(p.end) - start_idx
        for _ in range(self.n_assets):
            atype = g.weighted(catalog.ASSET_TYPES, _ASSET_TYPE_CUM)
            stem = g.pick(_ASSET_NAMES[atype])
            seen[stem] = seen.get(stem, 0) + 1
            code = stem if seen[stem] == 1 else f"{stem}{seen[stem]:02d}"
            by = self.coordinator()
            created = g.stamp(self.created_day + g.ri(0, 15))
            rec = g.insert("Asset", {
                "project": g.link("Project", p.pid),
                "code": code,
                "description": f"{atype} asset: {stem}.",
                "sg_asset_type": atype,
                "sg_status_list": "wtg",
                "shots": [],
                "tag_list": sorted(rng.sample(("hero", "background", "shared", "reuse", "client-facing"), g.ri(0, 2))),
                "image": g.thumbnail(),
                **g.system(created, created, by),
            })
            link = g.link("Asset", rec["id"])
            self.asset_links.append((link, atype))
            self.asset_shots[rec["id"]] = rec["shots"]
            steps = [s for s in _STEPS if s.entity_type == "Asset"
                     and (s.code != "Rig" or rng.random() < _RIG_ODDS.get(atype, 0.0))]
            # assets are built in the first half of the show
            first = start_idx + int(rng.random() * 0.5 * max(1, span - 30))
            statuses = self.make_tasks(link, code, steps, first, created, frames=(1001, 1120))
            self.finish_status(rec, statuses, created)

    # -- shots ---------------------------------------------------------------
    def make_shots(self) -> None:
        g, rng, p = self.g, self.rng, self.p
        n_seq = max(1, round(self.n_shots / 25))
        per_seq = [self.n_shots // n_seq + (1 if k < self.n_shots % n_seq else 0) for k in range(n_seq)]
        start_idx = self.day_index(p.start)
        span = self.day_index(p.end) - start_idx
        shot_steps = [s for s in _STEPS if s.entity_type == "Shot"]
        characters = [a for a in self.asset_links if a[1] in ("Character", "Vehicle")]
        others = [a for a in self.asset_links if a[1] not in ("Character", "Vehicle")]
        trouble = self.trouble(n_seq, start_idx, span)
        for k, count in enumerate(per_seq):
            seq_code = f"SQ{(k + 1) * 10:03d}"
            created = g.stamp(self.created_day + g.ri(0, 10))
            seq = g.insert("Sequence", {
                "project": g.link("Project", p.pid),
                "code": seq_code,
                "description": f"Sequence {seq_code} of {p.name}.",
                "sg_status_list": "wtg",
                "image": g.thumbnail(0.7),
                **g.system(created, created, self.coordinator()),
            })
            seq_link = g.link("Sequence", seq["id"])
            statuses: list[str] = []
            timecode = 3_600_000 + k * 600_000  # 01:00:00:00 plus ten minutes a sequence
            for n in range(count):
                stuck = None
                if trouble is not None and trouble[0] == k and rng.random() < trouble[2]:
                    stuck = trouble[1]
                status, timecode = self.make_shot(seq_link, seq_code, n, k, n_seq, start_idx, span,
                                                  shot_steps, characters, others, timecode, stuck)
                statuses.append(status)
            self.finish_status(seq, statuses, seq["created_at"])

    def trouble(self, n_seq: int, start_idx: int, span: int) -> tuple[int, int, float] | None:
        """The sequence where work got stuck, in the two main live projects: (sequence index, first working-day
        index of the trouble, share of its shots hit). Tasks of a hit shot due since then are still open."""
        p, g = self.p, self.g
        if p.archived or p.index > 1:
            return None
        elapsed = self.today_idx - start_idx
        room = max(1, span - 45)
        if elapsed < 40 or elapsed > room:
            return None
        back, share = (g.ri(12, 18), 0.25) if p.index == 0 else (g.ri(5, 9), 0.15)
        # the sequence whose shots started about a month ago: mid-way through their chains today
        k = min(n_seq - 1, max(0, round((elapsed - 22) / room * n_seq - 0.5)))
        return k, self.today_idx - back, share

    def make_shot(self, seq_link: Link, seq_code: str, n: int, k: int, n_seq: int, start_idx: int, span: int,
                  shot_steps: list[Any], characters: list[tuple[Link, str]], others: list[tuple[Link, str]],
                  timecode: int, stuck: int | None = None) -> tuple[str, int]:
        """Insert one shot and its tasks; returns its status and its timecode out.

        ``stuck`` (a working-day index) marks a shot in trouble: its tasks due from that day on are still open.
        """
        g, rng, p = self.g, self.rng, self.p
        code = f"{seq_code}_{(n + 1) * 10:04d}"
        cut = max(8, int(rng.lognormvariate(4.3, 0.5)))  # frames, median ~74
        cut_in, cut_out = 1001, 1000 + cut
        tc_out = timecode + round(cut * 1000 / p.fps)
        picks = rng.sample(characters, min(len(characters), g.ri(0, 2)))
        picks += rng.sample(others, min(len(others), g.ri(0, 2)))
        assets = [a[0] for a in picks]
        created = g.stamp(self.created_day + g.ri(0, 20))
        char = picks[0][0]["id"] if picks else 0
        description = g.pick(_SHOT_TEMPLATES).format(
            place=g.pick(_PLACES), char=("hero", "robot", "pilot", "captain")[char % 4],
            prop=g.pick(_ASSET_NAMES["Prop"]))
        rec = g.insert("Shot", {
            "project": g.link("Project", p.pid),
            "code": code,
            "description": description,
            "sg_sequence": seq_link,
            "sg_status_list": "wtg",
            "sg_shot_type": g.weighted(catalog.SHOT_TYPES, _SHOT_TYPE_CUM),
            "sg_cut_order": n + 1,
            "sg_head_in": cut_in - 8,
            "sg_cut_in": cut_in,
            "sg_cut_out": cut_out,
            "sg_tail_out": cut_out + 8,
            "sg_cut_duration": cut,
            "sg_timecode_in": timecode,
            "sg_timecode_out": tc_out,
            "sg_footage": f"{cut // 16:02d}-{cut % 16:02d}",
            "sg_percent_complete": 0,
            "assets": assets,
            "image": g.thumbnail(),
            **g.system(created, created, self.coordinator()),
        })
        link = g.link("Shot", rec["id"])
        for a in assets:
            self.asset_shots[a["id"]].append(link)
        steps = [s for s in shot_steps if rng.random() < _SHOT_STEP_ODDS[s.code]]
        # earlier sequences are further along; chains spread over the project's window
        room = max(1, span - 45)
        frac = min(1.0, max(0.0, (k + rng.random() * 1.6 - 0.3) / n_seq))
        first = start_idx + int(frac * room)
        statuses = self.make_tasks(link, code, steps, first, created, frames=(cut_in, cut_out), stuck=stuck)
        done = sum(1 for s in statuses if s == "fin")
        live = sum(1 for s in statuses if s != "omt")
        rec["sg_percent_complete"] = round(100 * done / live) if live else 0
        return self.finish_status(rec, statuses, created), tc_out

    def finish_status(self, rec: dict[str, Any], statuses: list[str], created: str) -> str:
        """Roll the children's statuses up into the parent's ``sg_status_list``."""
        if not statuses or all(s == "omt" for s in statuses):
            status = "omt" if statuses else "wtg"
        elif all(s in ("fin", "omt") for s in statuses):
            status = "fin"
        elif any(s in ("ip", "rev") for s in statuses) or (
                any(s == "fin" for s in statuses) and not any(s == "hld" for s in statuses)):
            status = "ip"
        elif any(s == "hld" for s in statuses):
            status = "hld"
        elif any(s == "rdy" for s in statuses):
            status = "rdy"
        else:
            status = "wtg"
        rec["sg_status_list"] = status
        if status != "wtg":
            rec["updated_at"] = self.g.later(created, self.g.last_day - self.g.ri(0, 30))
        return status

    # -- tasks and their activity -------------------------------------------------
    def task_status(self, s_idx: int, e_idx: int, stuck: int | None = None) -> str:
        """A task's status from where its dates fall against today (indexes into ``work``).

        Work due before today is done (final, or now and then omitted), except in
        a shot in trouble (``stuck``: its tasks due since then are still open) and
        for a few tasks due in the last three working days, still being finished.
        """
        r, t = self.rng.random(), self.g.t
        start, due = self.work[s_idx], self.work[e_idx]
        if self.p.archived:
            return "omt" if r < 0.03 else "fin"
        if due < t:
            if stuck is not None and e_idx >= stuck:
                return "ip" if r < 0.55 else "rev" if r < 0.85 else "hld"
            if self.today_idx - e_idx <= 3 and self.rng.random() < 0.015:
                return "ip" if r < 0.6 else "rev"
            return "omt" if r < 0.02 else "fin"
        if start > t:
            return "wtg" if r < 0.6 else "rdy" if r < 0.94 else "hld" if r < 0.98 else "omt"
        return "ip" if r < 0.62 else "rev" if r < 0.78 else "fin" if r < 0.86 else "rdy" if r < 0.96 else "hld"

    def make_tasks(self, link: Link, code: str, steps: list[_StepSpec], first: int,
                   created: str, frames: tuple[int, int], stuck: int | None = None) -> list[str]:
        """Insert one shot's or asset's task chain, step after step; returns the statuses."""
        g, rng, p, work = self.g, self.rng, self.p, self.work
        statuses: list[str] = []
        idx = first
        previous: dict[str, Any] | None = None
        project_link = g.link("Project", p.pid)
        for spec in steps:
            lo, hi = spec.bid_days
            bid_half_days = g.ri(int(lo * 2), int(hi * 2))
            slip = g.weighted(_SLIPS, _SLIP_CUM)
            days = max(1, math.ceil(bid_half_days / 2) + slip)
            estimate = bid_half_days * MINUTES_PER_DAY // 2
            s_idx, e_idx, free = self.level(spec.department, idx, days, estimate)
            days = e_idx - s_idx + 1
            idx = e_idx + 1 + g.pick((0, 0, 0, 1, 1, 2, 3))
            start, due = work[s_idx], work[e_idx]
            status = self.task_status(s_idx, e_idx, stuck)
            statuses.append(status)
            assignees = g.assignees(spec.department, p.archived, status, start, due, estimate, free)
            p.members.update(a["id"] for a in assignees if a["type"] == "HumanUser")
            by = self.coordinator()
            t_created = g.stamp(min(start - g.ri(3, 40), g.ord_of(created) + g.ri(0, 10)))
            if t_created < created:
                t_created = created
            step_rec = g.steps[spec.code]
            values = {
                "project": project_link,
                "content": spec.code,
                "entity": link,
                "step": g.link("Step", step_rec["id"]),
                "sg_status_list": status,
                "task_assignees": assignees,
                "start_date": g.iso(start),
                "due_date": g.iso(due),
                "duration": days * MINUTES_PER_DAY,
                "est_in_mins": estimate,
                "time_logs_sum": 0,
                "sg_priority_1": g.weighted(catalog.PRIORITIES, _PRIORITY_CUM),
                "color": "pipeline_step" if rng.random() < 0.9 else spec.color,
                "milestone": spec.code == "Comp" and rng.random() < 0.05,
                "upstream_tasks": [g.link("Task", previous["id"])] if previous else [],
                "downstream_tasks": [],
                "sg_description": None if rng.random() < 0.8 else f"{spec.description} {code}.",
                **g.system(t_created, t_created, by),
            }
            task = g.insert("Task", values)
            task_link = g.link("Task", task["id"])
            if previous is not None:
                previous["downstream_tasks"] = [task_link]
            previous = task
            # in a shot in trouble, the work running today is behind too (at risk of running late),
            # and now and then a task running today has fallen behind on its own
            pace = 1.0
            if stuck is not None and due >= g.t:
                pace = rng.uniform(0.2, 0.45)
            elif start <= g.t <= due and rng.random() < 0.12:
                pace = rng.uniform(0.25, 0.5)
            last_activity = self.make_activity(task, task_link, link, code, spec, s_idx, e_idx, status,
                                               assignees, estimate, frames, pace)
            touched = last_activity if last_activity is not None else (
                min(due, g.last_day) if start <= g.t else g.ord_of(t_created) + g.ri(0, 20))
            task["updated_at"] = g.later(t_created, touched)
            task["updated_by"] = g.link("HumanUser", by)
        return statuses

    def level(self, dept: str, idx: int, days: int, minutes: int) -> tuple[int, int, int]:
        """Working-day indexes of a task of ``days`` weekdays starting at ``idx`` or later, and who has room.

        Planned days are weekdays (a crunch weekend is for catching up); the
        start moves later, by up to :data:`_MAX_DELAY` working days, until
        someone in the department has room for it (a resource-levelled plan);
        when nobody has, the department hires someone.
        """
        g, work = self.g, self.work
        roster = g.roster
        assert roster is not None
        pool = g.pool(dept, self.p.archived)
        spans = []
        for delay in range(_MAX_DELAY + 1):
            s_idx = e_idx = idx + delay
            weekdays = (work[s_idx] - 1) % 7 < 5
            while weekdays < days:
                e_idx += 1
                weekdays += (work[e_idx] - 1) % 7 < 5
            uid = roster.find(pool, work[s_idx], work[e_idx], minutes)
            if uid is not None:
                return s_idx, e_idx, uid
            spans.append((s_idx, e_idx))
        # still nobody with room: the studio hires someone for the planned dates
        s_idx, e_idx = spans[0]
        return s_idx, e_idx, g.hire(dept, work[s_idx], self.p.archived)

    def activity_window(self, s_idx: int, e_idx: int, status: str) -> tuple[int, int]:
        """Working-day indexes during which a started task was worked on (may be empty)."""
        g = self.g
        last = bisect_right(self.work, g.last_day) - 1
        if status == "fin":
            end = min(e_idx, last)
        elif status in ("ip", "rev"):
            end = last  # overdue work continues past the due date
        elif status == "hld":
            end = min(s_idx + (e_idx - s_idx) // 2, last)
        else:
            return (0, -1)
        return (s_idx, end)

    def make_activity(self, task: dict[str, Any], task_link: Link, entity_link: Link, code: str, spec: _StepSpec,
                      s_idx: int, e_idx: int, status: str, assignees: list[Link], bid: int,
                      frames: tuple[int, int], pace: float = 1.0) -> int | None:
        """Time logs, versions and notes of one task; returns the day of its last activity."""
        lo, hi = self.activity_window(s_idx, e_idx, status)
        if hi < lo:
            return None
        last = self.make_time_logs(task, task_link, spec, lo, hi, e_idx, status, assignees, bid, pace)
        last_version = self.make_versions(task_link, entity_link, code, spec, lo, hi, status, assignees, frames)
        if last_version is not None:
            last = max(last or 0, last_version)
        return last

    def make_time_logs(self, task: dict[str, Any], task_link: Link, spec: _StepSpec, lo: int, hi: int,
                       e_idx: int, status: str, assignees: list[Link], bid: int, pace: float = 1.0) -> int | None:
        """One task's time logs (``pace`` < 1: open work that fell behind); returns the day of the last."""
        g, rng, p, work = self.g, self.rng, self.p, self.work
        planned = e_idx - lo + 1
        elapsed = hi - lo + 1
        if status == "fin":
            total = bid * rng.uniform(0.6, 1.45) * _OVERRUN.get(spec.code, 1.0)
        else:  # open work logs in step with time, but a stuck task stops booking hours at some point
            total = bid * min(elapsed / planned, rng.uniform(1.05, 1.6)) * rng.uniform(0.7, 1.3) * pace
        n = min(elapsed, g.pick((1, 2, 2, 3, 3, 4, 4, 5)))
        weights = [rng.random() + 0.3 for _ in range(n)]
        unit = total / sum(weights)
        logged = 0
        last: int | None = None
        for w in weights:
            minutes = max(15, round(unit * w / 15) * 15)
            uid = g.worker(assignees, spec.department)
            day = None
            for _ in range(6):
                candidate = work[g.ri(lo, hi)]
                if g.user_works(candidate, p.pid, uid):
                    day = candidate
                    break
            if day is None:
                continue
            p.members.add(uid)
            created = g.stamp(day, 16 * 3600)
            g.insert("TimeLog", {
                "project": g.link("Project", p.pid),
                "entity": task_link,
                "user": g.link("HumanUser", uid),
                "date": g.iso(day),
                "duration": minutes,
                "description": f"{spec.code}: {g.pick(_LOG_PHRASES)}",
                **g.system(created, created if rng.random() < 0.85 else g.later(created, day + g.ri(1, 5)), uid),
            })
            logged += minutes
            last = day if last is None else max(last, day)
        task["time_logs_sum"] = logged
        return last

    def make_versions(self, task_link: Link, entity_link: Link, code: str, spec: _StepSpec, lo: int, hi: int,
                      status: str, assignees: list[Link], frames: tuple[int, int]) -> int | None:
        g, rng, p, work = self.g, self.rng, self.p, self.work
        choices = {"fin": (1, 2, 2, 3, 3, 3, 4, 5), "ip": (0, 1, 2, 2, 3, 3), "rev": (1, 2, 2, 3, 3),
                   "hld": (0, 1, 1)}[status]
        n = g.pick(choices)
        if n == 0:
            return None
        days = sorted(work[g.ri(lo, hi)] for _ in range(n))
        first, last = frames
        count = last - first + 1
        project_link = g.link("Project", p.pid)
        frames_dir = f"/mnt/projects/{p.code.lower()}/{code}/{spec.short_name.lower()}"
        for k, day in enumerate(days, start=1):
            final = k == n
            if final:
                vstatus = {"fin": "apr" if rng.random() < 0.9 else "vwd", "rev": "rev",
                           "ip": g.pick(("rev", "vwd")), "hld": g.pick(("vwd", "na"))}[status]
            else:
                vstatus = "rej" if rng.random() < 0.4 else "vwd"
            vcode = f"{code}_{spec.short_name.lower()}_v{k:03d}"
            uid = g.worker(assignees, spec.department)
            created = g.stamp(day)
            movie = None
            if rng.random() < 0.92:
                movie = g.attachment(f"{_MEDIA_HOST}/{p.code.lower()}/{vcode}.mov", f"{vcode}.mov",
                                     "video/quicktime", "upload")
            values = {
                "project": project_link,
                "code": vcode,
                "description": f"{spec.code} v{k:03d} for review",
                "entity": entity_link,
                "sg_task": task_link,
                "user": g.link("HumanUser", uid),
                "sg_status_list": vstatus,
                "sg_uploaded_movie": movie,
                "sg_path_to_frames": f"{frames_dir}/v{k:03d}/{vcode}.%04d.exr",
                "sg_first_frame": first,
                "sg_last_frame": last,
                "frame_count": count,
                "frame_range": f"{first}-{last}",
                "sg_uploaded_movie_frame_rate": p.fps,
                "client_approved": vstatus == "apr" and spec.code in _CLIENT_STEPS and rng.random() < 0.6,
                "image": g.thumbnail(0.9) if movie is not None else None,
                **g.system(created, created, uid),
            }
            updated_day = day + g.ri(0, 3) if vstatus != "rev" else day
            version = g.insert("Version", values)
            version["updated_at"] = g.later(created, updated_day)
            version["updated_by"] = g.link("HumanUser", self.coordinator() if vstatus != "rev" else uid)
            if rng.random() < 0.55:
                self.make_note(version, task_link, entity_link, spec, day, uid, final)
        return days[-1]

    def make_note(self, version: dict[str, Any], task_link: Link, entity_link: Link, spec: _StepSpec,
                  day: int, artist: int, final: bool) -> None:
        g, rng = self.g, self.rng
        note_type = g.weighted(catalog.NOTE_TYPES, _NOTE_TYPE_CUM)
        author = g.pick(g.production) if note_type != "Internal" or rng.random() < 0.5 else \
            g.pick(g.dept_active.get(spec.department) or g.dept_all[spec.department])
        cc: list[Link] = []
        if rng.random() < 0.4:
            cc.append(g.link("Group", g.dept_group[spec.department]))
        if rng.random() < 0.3:
            other = g.pick(g.production)
            if other != author:
                cc.append(g.link("HumanUser", other))
        note_day = min(day + g.ri(0, 2), g.last_day)
        created = g.stamp(note_day)
        if created < version["created_at"]:
            created = version["created_at"]
        g.insert("Note", {
            "project": version["project"],
            "subject": f"{_NOTE_PREFIX[note_type]}: {version['code']}",
            "content": g.pick(_NOTE_BODIES),
            "user": g.link("HumanUser", author),
            "note_links": [g.link("Version", version["id"]), entity_link],
            "tasks": [task_link],
            "addressings_to": [g.link("HumanUser", artist)],
            "addressings_cc": cc,
            "sg_note_type": note_type,
            "sg_status_list": "opn" if final and rng.random() < 0.6 else ("ip" if rng.random() < 0.1 else "clsd"),
            "tag_list": sorted(rng.sample(_TAGS, g.pick((0, 1, 1, 2)))),
            **g.system(created, g.later(created, note_day + g.ri(0, 4)), author),
        })


def generate(scale: float = 1.0, seed: int = 0, today: date | None = None) -> Store:
    """Generate the demo production.

    Args:
        scale: size factor; 1 gives about 14,600 tasks and 92,000 rows in all,
            10 about 940,000 rows. Fractional scales work (at least one record
            of every type, three projects).
        seed: seed of the ``random.Random`` that drives every choice.
        today: the day the schedule is laid out around (default: ``date.today()``).

    Returns:
        A filled :class:`Store` whose ``calendar`` holds the studio, project and
        user work-day rules and whose ``today`` is ``today``.
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


# -- records created later (the server's mutation knobs) ------------------------------


def make_record(store: Store, entity: str, rng: random.Random) -> dict[str, Any]:
    """Field values for a plausible new ``entity`` record linking to existing records.

    Links go to live records of the right types (tasks of the chosen shot's
    project, steps of the matching entity type, ...), new tasks are scheduled
    on working days after ``store.today``, and all values use the stored wire
    forms. The record is not inserted. ``created_at``/``updated_at`` are the
    current UTC time, as a server sets them. Summary fields of other records
    (such as a task's ``time_logs_sum`` for a new TimeLog) are left to the caller.

    Raises:
        KeyError: ``entity`` is not one of the sandbox's entity types.
    """
    maker = _MAKERS.get(entity)
    if maker is None:
        raise KeyError(f"no record maker for entity type {entity!r}")
    picker = _Picker(store, rng)
    with store.lock:
        values = maker(picker)
        author = picker.active_user()
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    values.update({"created_at": now, "updated_at": now, "created_by": author, "updated_by": author})
    return values


_Where = Callable[[dict[str, Any]], bool]


class _Picker:
    """Random choices among a store's live records, for :func:`make_record`."""

    def __init__(self, store: Store, rng: random.Random) -> None:
        self.store = store
        self.rng = rng

    def pick(self, entity: str, where: _Where | None = None) -> dict[str, Any] | None:
        """A random live record (matching ``where``), or None when there is none."""
        table = self.store.records[entity]
        if not table:
            return None
        lo, hi = next(iter(table)), next(reversed(table))
        for _ in range(32):  # ids are dense: probing is O(1) and almost always hits
            rec = table.get(self.rng.randint(lo, hi))
            if rec is not None and (where is None or where(rec)):
                return rec
        matches = [r for r in table.values() if where is None or where(r)]
        return self.rng.choice(matches) if matches else None

    def pick_link(self, entity: str, where: _Where | None = None) -> Link | None:
        rec = self.pick(entity, where)
        return None if rec is None else {"type": entity, "id": rec["id"]}

    def active_user(self) -> Link | None:
        return self.pick_link("HumanUser", lambda r: r.get("sg_status_list") == "act") or self.pick_link("HumanUser")

    def live_project(self) -> Link | None:
        return self.pick_link("Project", lambda r: not r.get("archived")) or self.pick_link("Project")

    def is_working(self, day: date, project: Link | None = None, user: Link | None = None) -> bool:
        rule = self.store.calendar.rule(day, project_id=project["id"] if project else None,
                                        user_id=user["id"] if user else None)
        return bool(rule["working"])

    def working_day(self, offset: int, project: Link | None = None) -> date:
        """The first working day of ``project`` on or after ``today + offset``."""
        day = self.store.today + timedelta(days=offset)
        for _ in range(60):
            if self.is_working(day, project):
                break
            day += timedelta(days=1)
        return day


def _copy_link(link: Link | None) -> Link | None:
    return None if link is None else {"type": link["type"], "id": link["id"]}


def _new_project(c: _Picker) -> dict[str, Any]:
    names = {r.get("name") for r in c.store.records["Project"].values()}
    title = c.rng.choice(_PROJECT_TITLES)
    name, n = title, 2
    while name in names:
        name, n = f"{title} {n}", n + 1
    start = c.working_day(c.rng.randint(7, 60))
    return {
        "name": name,
        "sg_status": "Bidding",
        "archived": False,
        "is_template": False,
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=c.rng.randint(200, 500))).isoformat(),
        "sg_budget": round(c.rng.uniform(2e6, 2e7), 2),
        "sg_type": c.rng.choice(catalog.PROJECT_TYPES),
        "sg_description": f"{name}: new bid.",
        "tracking_settings": {"frame_rate": 24.0, "color_space": "ACEScg"},
        "users": [],
        "image": None,
    }


def _new_sequence(c: _Picker) -> dict[str, Any]:
    return {
        "project": c.live_project(),
        "code": f"SQ{c.rng.randint(50, 99) * 10:03d}",
        "description": "Added sequence.",
        "sg_status_list": "wtg",
        "image": None,
    }


def _new_shot(c: _Picker) -> dict[str, Any]:
    seq = c.pick("Sequence")
    cut = c.rng.randint(24, 200)
    timecode = c.rng.randint(3_600_000, 7_200_000)
    return {
        "project": _copy_link(seq["project"]) if seq else c.live_project(),
        "code": f"{seq['code'] if seq else 'SQ000'}_{c.rng.randint(100, 999) * 10:04d}",
        "description": "Added in the latest cut.",
        "sg_sequence": {"type": "Sequence", "id": seq["id"]} if seq else None,
        "sg_status_list": "wtg",
        "sg_shot_type": c.rng.choice(catalog.SHOT_TYPES),
        "sg_cut_order": c.rng.randint(1, 60),
        "sg_head_in": 993,
        "sg_cut_in": 1001,
        "sg_cut_out": 1000 + cut,
        "sg_tail_out": 1008 + cut,
        "sg_cut_duration": cut,
        "sg_timecode_in": timecode,
        "sg_timecode_out": timecode + round(cut * 1000 / 24),
        "sg_footage": f"{cut // 16:02d}-{cut % 16:02d}",
        "sg_percent_complete": 0,
        "assets": [],
        "image": None,
    }


def _new_asset(c: _Picker) -> dict[str, Any]:
    atype = c.rng.choice(catalog.ASSET_TYPES)
    stem = c.rng.choice(_ASSET_NAMES[atype])
    return {
        "project": c.live_project(),
        "code": f"{stem}{c.rng.randint(10, 99)}",
        "description": f"{atype} asset: {stem}.",
        "sg_asset_type": atype,
        "sg_status_list": "wtg",
        "shots": [],
        "tag_list": ["new"],
        "image": None,
    }


def _new_step(c: _Picker) -> dict[str, Any]:
    orders = [r.get("list_order") or 0 for r in c.store.records["Step"].values()]
    red, green, blue = (c.rng.randint(0, 255) for _ in range(3))
    return {
        "code": c.rng.choice(("Matte Painting", "Paint", "Crowd", "Groom", "Previs")),
        "short_name": "NEW",
        "description": "Added pipeline step.",
        "color": f"{red},{green},{blue}",
        "list_order": max(orders, default=0) + 10,
        "entity_type": c.rng.choice(("Shot", "Asset")),
    }


def _new_task(c: _Picker) -> dict[str, Any]:
    etype = c.rng.choice(("Shot", "Asset"))
    owner = c.pick(etype) or c.pick("Shot" if etype == "Asset" else "Asset")
    step = c.pick("Step", lambda r: owner is not None and r.get("entity_type") == owner["type"]) or c.pick("Step")
    project = _copy_link(owner["project"]) if owner else c.live_project()
    start = c.working_day(c.rng.randint(1, 30), project)
    days = c.rng.randint(1, 8)
    due, counted = start, 1
    while counted < days:
        due += timedelta(days=1)
        counted += c.is_working(due, project)
    user = c.active_user()
    return {
        "project": project,
        "content": step["code"] if step else "Task",
        "entity": {"type": owner["type"], "id": owner["id"]} if owner else None,
        "step": {"type": "Step", "id": step["id"]} if step else None,
        "sg_status_list": "wtg",
        "task_assignees": [user] if user else [],
        "start_date": start.isoformat(),
        "due_date": due.isoformat(),
        "duration": days * MINUTES_PER_DAY,
        "est_in_mins": days * MINUTES_PER_DAY,
        "time_logs_sum": 0,
        "sg_priority_1": "Medium",
        "color": "pipeline_step",
        "milestone": False,
        "upstream_tasks": [],
        "downstream_tasks": [],
        "sg_description": None,
    }


def _task_worker(c: _Picker, task: dict[str, Any] | None) -> Link | None:
    """A user assignee of ``task`` when it has one, else any active user."""
    users = [a for a in (task or {}).get("task_assignees") or [] if a["type"] == "HumanUser"]
    if users:
        return _copy_link(c.rng.choice(users))
    return c.active_user()


def _in_work(task: dict[str, Any]) -> bool:
    return task.get("sg_status_list") in ("ip", "rev")


def _new_version(c: _Picker) -> dict[str, Any]:
    task = c.pick("Task", _in_work) or c.pick("Task")
    entity = task.get("entity") if task else None
    owner = c.store.display_name(entity["type"], entity["id"]) if entity else None
    step = (task or {}).get("content") or "wip"
    code = f"{owner or 'misc'}_{step.lower()}_v{c.rng.randint(2, 9):03d}"
    movie = {"url": f"{_MEDIA_HOST}/new/{code}.mov", "name": f"{code}.mov", "content_type": "video/quicktime",
             "link_type": "upload", "type": "Attachment", "id": 10_000_000 + c.rng.randint(0, 9_999_999)}
    return {
        "project": _copy_link(task["project"]) if task else c.live_project(),
        "code": code,
        "description": "New version for review",
        "entity": _copy_link(entity),
        "sg_task": {"type": "Task", "id": task["id"]} if task else None,
        "user": _task_worker(c, task),
        "sg_status_list": "rev",
        "sg_uploaded_movie": movie,
        "sg_path_to_frames": f"/mnt/projects/new/{code}.%04d.exr",
        "sg_first_frame": 1001,
        "sg_last_frame": 1100,
        "frame_count": 100,
        "frame_range": "1001-1100",
        "sg_uploaded_movie_frame_rate": 24.0,
        "client_approved": False,
        "image": None,
    }


def _new_time_log(c: _Picker) -> dict[str, Any]:
    task = c.pick("Task", _in_work) or c.pick("Task")
    user = _task_worker(c, task)
    project = _copy_link(task["project"]) if task else c.live_project()
    day = c.store.today - timedelta(days=1)
    for _ in range(30):
        if c.is_working(day, project, user):
            break
        day -= timedelta(days=1)
    return {
        "project": project,
        "entity": {"type": "Task", "id": task["id"]} if task else None,
        "user": user,
        "date": day.isoformat(),
        "duration": c.rng.randint(1, 32) * 15,
        "description": f"{(task or {}).get('content') or 'Work'}: {c.rng.choice(_LOG_PHRASES)}",
    }


def _new_human_user(c: _Picker) -> dict[str, Any]:
    logins = {r.get("login") for r in c.store.records["HumanUser"].values()}
    first, last = c.rng.choice(_FIRST_NAMES), c.rng.choice(_LAST_NAMES)
    base = (first[0] + last.replace(" ", "")).lower()
    login, n = base, 2
    while login in logins:
        login, n = f"{base}{n}", n + 1
    return {
        "name": f"{first} {last}",
        "firstname": first,
        "lastname": last,
        "login": login,
        "email": f"{login}@example.com",
        "sg_status_list": "act",
        "password_proxy": f"{login}-{c.rng.getrandbits(40):010x}",
        "sg_department": c.rng.choice(_ARTIST_DEPARTMENTS),
        "groups": [],
        "projects": [],
        "image": None,
    }


def _new_group(c: _Picker) -> dict[str, Any]:
    users: dict[int, Link] = {}
    for _ in range(c.rng.randint(1, 3)):
        link = c.active_user()
        if link is not None:
            users[link["id"]] = link
    return {"code": c.rng.choice(("Reviewers", "Leads", "Night Shift", "Client Team", "Pipeline")),
            "users": list(users.values())}


def _new_note(c: _Picker) -> dict[str, Any]:
    version = c.pick("Version")
    links = [{"type": "Version", "id": version["id"]}] if version else []
    if version and version.get("entity"):
        links.append(_copy_link(version["entity"]))
    artist = _copy_link(version.get("user")) if version else None
    artist = artist or c.active_user()
    author = c.pick_link("HumanUser", lambda r: r.get("sg_department") == "Production") or c.active_user()
    note_type = c.rng.choice(catalog.NOTE_TYPES)
    task = version.get("sg_task") if version else None
    return {
        "project": _copy_link(version["project"]) if version else c.live_project(),
        "subject": f"{_NOTE_PREFIX[note_type]}: {version['code'] if version else 'general'}",
        "content": c.rng.choice(_NOTE_BODIES),
        "user": author,
        "note_links": links,
        "tasks": [_copy_link(task)] if task else [],
        "addressings_to": [artist] if artist else [],
        "addressings_cc": [],
        "sg_note_type": note_type,
        "sg_status_list": "opn",
        "tag_list": [c.rng.choice(_TAGS)],
    }


def _new_vendor(c: _Picker) -> dict[str, Any]:
    adjectives, nouns = _VENDOR_WORDS
    name = f"{c.rng.choice(adjectives)} {c.rng.choice(nouns)} {c.rng.randint(2, 9)}"
    slug = name.lower().replace(" ", "")
    website = {"url": f"https://www.{slug}.example.com", "name": name, "content_type": None,
               "link_type": "web", "type": "Attachment", "id": 20_000_000 + c.rng.randint(0, 9_999_999)}
    return {
        "code": name,
        "description": "New outsourcing partner.",
        "sg_status_list": "act",
        "sg_entity_type": c.rng.choice(("Shot", "Asset")),
        "sg_day_rate": round(c.rng.uniform(250, 900), 2),
        "sg_discount": c.rng.choice((0, 5, 10)),
        "sg_rating": c.rng.randint(1, 5),
        "sg_website": website,
        "sg_contact": c.active_user(),
        "sg_country": c.rng.choice(catalog.COUNTRIES),
        "sg_contract_start": (c.store.today + timedelta(days=c.rng.randint(0, 60))).isoformat(),
    }


_MAKERS: dict[str, Callable[[_Picker], dict[str, Any]]] = {
    "Project": _new_project,
    "Sequence": _new_sequence,
    "Shot": _new_shot,
    "Asset": _new_asset,
    "Step": _new_step,
    "Task": _new_task,
    "Version": _new_version,
    "TimeLog": _new_time_log,
    "HumanUser": _new_human_user,
    "Group": _new_group,
    "Note": _new_note,
    "CustomNonProjectEntity01": _new_vendor,
}
