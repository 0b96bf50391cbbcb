"""The neutral production rendered as a ShotGrid site: the catalog's entity types and their records.

:func:`render` turns a :class:`~trackframes.sandbox.production.Production` into a
:class:`~.model.Store`: each kind becomes its ShotGrid entity type (people are
``HumanUser``, vendors ``CustomNonProjectEntity01``), each record gets the
catalog's field names (``content``, ``sg_status_list``, ``est_in_mins``...) and
wire forms (links ``{"type", "id"}``, ``url`` attachments, status codes such as
``ip``), and ids stay the production's. Values ShotGrid derives are derived
here: a shot's footage from its cut length, a version's frame range, a
project's tracking settings, a task's ``pipeline_step`` colour.
:func:`generate` is the generator and the renderer in one call.

>>> from datetime import date
>>> from trackframes.sandbox import production
>>> prod = production.generate(scale=0.01, seed=1, today=date(2026, 3, 2))
>>> store = render(prod)
>>> task = store.records["Task"][1]
>>> task["content"] == prod.tasks[0].name, task["entity"]["type"], task["sg_status_list"] in TASK_STATUS_CODES.values()
(True, 'Asset', True)
>>> store.count("HumanUser") == len(prod.people), store.today == prod.today
(True, True)
"""

from __future__ import annotations

import gc
from datetime import date
from typing import Any, Callable

from ..production import Production, generate as generate_production
from ..production.model import (
    Asset,
    Attachment,
    Group,
    Note,
    Person,
    Project,
    Sequence,
    Shot,
    Step,
    Task,
    TimeEntry,
    Vendor,
    Version,
)
from .catalog import (
    NOTE_STATUS_CODES,
    SHOT_STATUS_CODES,
    TASK_STATUS_CODES,
    VERSION_STATUS_CODES,
    build_entities,
)
from .model import Store, WorkCalendar

__all__ = ["ENTITY_OF_KIND", "render", "generate", "render_calendar"]

#: The ShotGrid entity type of each kind of record.
ENTITY_OF_KIND: dict[str, str] = {
    "project": "Project", "sequence": "Sequence", "shot": "Shot", "asset": "Asset", "step": "Step",
    "task": "Task", "version": "Version", "time_entry": "TimeLog", "person": "HumanUser", "group": "Group",
    "note": "Note", "vendor": "CustomNonProjectEntity01",
}
#: Navigation chains of a project's tracking settings.
NAVCHAINS = {"Shot": "Shot.sg_sequence", "Asset": "Asset.sg_asset_type"}

Link = dict[str, Any]
#: Kinds other records link to (each gets one shared link dict per record).
_LINKED = ("project", "sequence", "shot", "asset", "step", "task", "version", "person", "group")


class _Renderer:
    """One rendering. Records are built in the catalog's field order (``id`` first, ``type``
    last, as :meth:`Store.insert` orders them) and share one link dict per linked record."""

    def __init__(self, production: Production) -> None:
        self.links: dict[str, list[Link | None]] = {
            kind: [None, *({"type": ENTITY_OF_KIND[kind], "id": i} for i in range(1, production.count(kind) + 1))]
            for kind in _LINKED}
        self.projects = self.links["project"]
        self.people = self.links["person"]

    @staticmethod
    def attachment(item: Attachment | None) -> dict[str, Any] | None:
        if item is None:
            return None
        return {"url": item.url, "name": item.name, "content_type": item.mime_type, "link_type": item.source,
                "type": "Attachment", "id": item.id}

    # -- one function per kind: the record, fields in the catalog's order ----------------
    def project(self, p: Project) -> dict[str, Any]:
        people = self.people
        return {
            "id": p.id, "created_at": p.created, "updated_at": p.updated, "created_by": people[p.created_by],
            "updated_by": people[p.updated_by], "name": p.name, "sg_status": p.status, "archived": p.archived,
            "is_template": p.template, "start_date": p.start, "end_date": p.end, "sg_budget": p.budget,
            "sg_type": p.project_type, "sg_description": p.description,
            "tracking_settings": {"navchains": dict(NAVCHAINS), "frame_rate": p.frame_rate,
                                  "resolution": list(p.resolution), "color_space": p.color_space,
                                  "delivery_format": p.delivery_format},
            "users": [people[u] for u in p.members], "image": p.thumbnail, "type": "Project",
        }

    def sequence(self, s: Sequence) -> dict[str, Any]:
        people = self.people
        return {"id": s.id, "project": self.projects[s.project], "created_at": s.created, "updated_at": s.updated,
                "created_by": people[s.created_by], "updated_by": people[s.updated_by], "code": s.name,
                "description": s.description, "sg_status_list": SHOT_STATUS_CODES[s.status], "image": s.thumbnail,
                "type": "Sequence"}

    def shot(self, s: Shot) -> dict[str, Any]:
        people, assets = self.people, self.links["asset"]
        cut = s.cut_duration
        return {
            "id": s.id, "project": self.projects[s.project], "created_at": s.created, "updated_at": s.updated,
            "created_by": people[s.created_by], "updated_by": people[s.updated_by], "code": s.name,
            "description": s.description, "sg_sequence": self.links["sequence"][s.sequence],
            "sg_status_list": SHOT_STATUS_CODES[s.status], "sg_shot_type": s.shot_type,
            "sg_cut_order": s.cut_order, "sg_head_in": s.head_in, "sg_cut_in": s.cut_in, "sg_cut_out": s.cut_out,
            "sg_tail_out": s.tail_out, "sg_cut_duration": cut, "sg_timecode_in": s.timecode_in,
            "sg_timecode_out": s.timecode_out,
            "sg_footage": f"{cut // 16:02d}-{cut % 16:02d}",  # 35 mm: 16 frames a foot
            "sg_percent_complete": s.percent_complete, "assets": [assets[a] for a in s.assets],
            "image": s.thumbnail, "type": "Shot",
        }

    def asset(self, a: Asset) -> dict[str, Any]:
        people, shots = self.people, self.links["shot"]
        return {"id": a.id, "project": self.projects[a.project], "created_at": a.created, "updated_at": a.updated,
                "created_by": people[a.created_by], "updated_by": people[a.updated_by], "code": a.name,
                "description": a.description, "sg_asset_type": a.asset_type,
                "sg_status_list": SHOT_STATUS_CODES[a.status], "shots": [shots[s] for s in a.shots],
                "tag_list": list(a.tags), "image": a.thumbnail, "type": "Asset"}

    def step(self, s: Step) -> dict[str, Any]:
        people = self.people
        return {"id": s.id, "created_at": s.created, "updated_at": s.updated, "created_by": people[s.created_by],
                "updated_by": people[s.updated_by], "code": s.name, "short_name": s.short_name,
                "description": s.description, "color": s.color, "list_order": s.order,
                "entity_type": ENTITY_OF_KIND[s.applies_to], "type": "Step"}

    def task(self, t: Task) -> dict[str, Any]:
        people, tasks, links = self.people, self.links["task"], self.links
        return {
            "id": t.id, "project": self.projects[t.project], "created_at": t.created, "updated_at": t.updated,
            "created_by": people[t.created_by], "updated_by": people[t.updated_by], "content": t.name,
            "entity": links[t.parent.kind][t.parent.id], "step": links["step"][t.step],
            "sg_status_list": TASK_STATUS_CODES[t.status],
            "task_assignees": [links[a.kind][a.id] for a in t.assignees], "start_date": t.start,
            "due_date": t.due, "duration": t.duration, "est_in_mins": t.estimate, "time_logs_sum": t.logged,
            "sg_priority_1": t.priority, "color": "pipeline_step" if t.color is None else t.color,
            "milestone": t.milestone, "upstream_tasks": [tasks[u] for u in t.upstream],
            "downstream_tasks": [tasks[d] for d in t.downstream], "sg_description": t.description, "type": "Task",
        }

    def version(self, v: Version) -> dict[str, Any]:
        people = self.people
        return {
            "id": v.id, "project": self.projects[v.project], "created_at": v.created, "updated_at": v.updated,
            "created_by": people[v.created_by], "updated_by": people[v.updated_by], "code": v.name,
            "description": v.description, "entity": self.links[v.parent.kind][v.parent.id],
            "sg_task": self.links["task"][v.task], "user": people[v.artist],
            "sg_status_list": VERSION_STATUS_CODES[v.status], "sg_uploaded_movie": self.attachment(v.movie),
            "sg_path_to_frames": v.frames_path, "sg_first_frame": v.first_frame, "sg_last_frame": v.last_frame,
            "frame_count": v.frame_count, "frame_range": f"{v.first_frame}-{v.last_frame}",
            "sg_uploaded_movie_frame_rate": v.frame_rate, "client_approved": v.client_approved,
            "image": v.thumbnail, "type": "Version",
        }

    def time_entry(self, t: TimeEntry) -> dict[str, Any]:
        people = self.people
        return {"id": t.id, "project": self.projects[t.project], "created_at": t.created, "updated_at": t.updated,
                "created_by": people[t.created_by], "updated_by": people[t.updated_by],
                "entity": self.links["task"][t.task], "user": people[t.person], "date": t.date,
                "duration": t.minutes, "description": t.description, "type": "TimeLog"}

    def person(self, p: Person) -> dict[str, Any]:
        people, groups, projects = self.people, self.links["group"], self.projects
        return {"id": p.id, "created_at": p.created, "updated_at": p.updated, "created_by": people[p.created_by],
                "updated_by": people[p.updated_by], "name": p.name, "firstname": p.first_name,
                "lastname": p.last_name, "login": p.login, "email": p.email,
                "sg_status_list": "act" if p.active else "dis", "password_proxy": p.password,
                "sg_department": p.department, "groups": [groups[g] for g in p.groups],
                "projects": [projects[i] for i in p.projects], "image": p.thumbnail, "type": "HumanUser"}

    def group(self, g: Group) -> dict[str, Any]:
        people = self.people
        return {"id": g.id, "created_at": g.created, "updated_at": g.updated, "created_by": people[g.created_by],
                "updated_by": people[g.updated_by], "code": g.name, "users": [people[u] for u in g.members],
                "type": "Group"}

    def note(self, n: Note) -> dict[str, Any]:
        people, links, tasks = self.people, self.links, self.links["task"]
        return {
            "id": n.id, "project": self.projects[n.project], "created_at": n.created, "updated_at": n.updated,
            "created_by": people[n.created_by], "updated_by": people[n.updated_by], "subject": n.subject,
            "content": n.body, "user": people[n.author], "note_links": [links[r.kind][r.id] for r in n.about],
            "tasks": [tasks[t] for t in n.tasks], "addressings_to": [links[r.kind][r.id] for r in n.to],
            "addressings_cc": [links[r.kind][r.id] for r in n.cc], "sg_note_type": n.note_type,
            "sg_status_list": NOTE_STATUS_CODES[n.status], "tag_list": list(n.tags), "type": "Note",
        }

    def vendor(self, v: Vendor) -> dict[str, Any]:
        people = self.people
        return {
            "id": v.id, "created_at": v.created, "updated_at": v.updated, "created_by": people[v.created_by],
            "updated_by": people[v.updated_by], "code": v.name, "description": v.description,
            "sg_status_list": "act" if v.active else "dis", "sg_entity_type": ENTITY_OF_KIND[v.works_on],
            "sg_day_rate": v.day_rate, "sg_discount": v.discount, "sg_rating": v.rating,
            "sg_website": self.attachment(v.website), "sg_contact": people[v.contact], "sg_country": v.country,
            "sg_contract_start": v.contract_start, "type": "CustomNonProjectEntity01",
        }

    def record_of(self, kind: str) -> Callable[[Any], dict[str, Any]]:
        return getattr(self, kind)  # type: ignore[no-any-return]


def render_calendar(production: Production) -> WorkCalendar:
    """The production's calendar as the store's work-day rules (people's rules are users' rules)."""
    cal = production.calendar
    return WorkCalendar(
        studio_week=tuple(cal.studio_week),
        studio_exceptions=dict(cal.studio_exceptions),
        project_weeks=dict(cal.project_weeks),
        project_exceptions={pid: dict(rules) for pid, rules in cal.project_exceptions.items()},
        user_weeks=dict(cal.person_weeks),
        user_exceptions={uid: dict(rules) for uid, rules in cal.person_exceptions.items()},
    )


def render(production: Production) -> Store:
    """A new ShotGrid store holding ``production`` (ids kept; see the module docstring)."""
    was_enabled = gc.isenabled()
    gc.disable()  # millions of new containers, and no cycles among them
    try:
        return _render(production)
    finally:
        if was_enabled:
            gc.enable()


def _render(production: Production) -> Store:
    store = Store(build_entities(), calendar=render_calendar(production), today=production.today)
    renderer = _Renderer(production)
    for kind, records in production:
        entity = ENTITY_OF_KIND[kind]
        rows = list(map(renderer.record_of(kind), records))
        if rows:  # the catalog's field order, as Store.insert keeps it
            order = ["id", *(f for f in store.entities[entity].fields if f != "id"), "type"]
            if list(rows[0]) != order:
                raise AssertionError(f"{entity} rendered with fields {list(rows[0])}, not {order}")
        store.load(entity, rows)
    return store


def generate(scale: float = 1.0, seed: int = 0, today: date | None = None) -> Store:
    """Generate the production (:func:`trackframes.sandbox.production.generate`) and render it as a store.

    Equal ``(scale, seed, today)`` give equal stores; ``today`` defaults to ``date.today()``.
    """
    return render(generate_production(scale=scale, seed=seed, today=today))
