"""Plausible new records for the sandbox server's mutation knobs (:func:`make_record`).

Records are made from the store as it is (links to live records of the right
types, dates after the store's today) and are not inserted.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from ..production.vocabulary import (
    ARTIST_DEPARTMENTS,
    ASSET_NAMES,
    FIRST_NAMES,
    LAST_NAMES,
    LOG_PHRASES,
    MEDIA_HOST,
    MINUTES_PER_DAY,
    NOTE_BODIES,
    NOTE_PREFIX,
    PROJECT_TITLES,
    TAGS,
    VENDOR_WORDS,
)
from . import catalog
from .model import Store

__all__ = ["make_record"]

Link = dict[str, Any]


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
    title = c.rng.choice(PROJECT_TITLES)
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
    stem = c.rng.choice(ASSET_NAMES[atype])
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
    movie = {"url": f"{MEDIA_HOST}/new/{code}.mov", "name": f"{code}.mov", "content_type": "video/quicktime",
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
        "description": f"{(task or {}).get('content') or 'Work'}: {c.rng.choice(LOG_PHRASES)}",
    }


def _new_human_user(c: _Picker) -> dict[str, Any]:
    logins = {r.get("login") for r in c.store.records["HumanUser"].values()}
    first, last = c.rng.choice(FIRST_NAMES), c.rng.choice(LAST_NAMES)
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
        "sg_department": c.rng.choice(ARTIST_DEPARTMENTS),
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
        "subject": f"{NOTE_PREFIX[note_type]}: {version['code'] if version else 'general'}",
        "content": c.rng.choice(NOTE_BODIES),
        "user": author,
        "note_links": links,
        "tasks": [_copy_link(task)] if task else [],
        "addressings_to": [artist] if artist else [],
        "addressings_cc": [],
        "sg_note_type": note_type,
        "sg_status_list": "opn",
        "tag_list": [c.rng.choice(TAGS)],
    }


def _new_vendor(c: _Picker) -> dict[str, Any]:
    adjectives, nouns = VENDOR_WORDS
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
