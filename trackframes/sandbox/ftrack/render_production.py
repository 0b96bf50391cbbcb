"""The neutral production rendered as an ftrack server: its schemas' types, UUID ids, seconds and date-times.

:func:`render` turns a :class:`~trackframes.sandbox.production.Production` into a
:class:`~.store.Store` over :func:`~.schemas.standard_schemas`:

=============  ==========================================================================
neutral        ftrack
=============  ==========================================================================
project        ``Project`` (``status`` ``hidden`` when archived, ``active`` otherwise)
sequence       ``Sequence`` under its project
shot           ``Shot`` under its sequence; frame range and cut order as custom attributes
asset          ``AssetBuild`` under its project, typed by a ``Type``; tags as an enumerator
step           ``Type`` (the task types)
task           ``Task`` under its shot or asset: ``bid`` in **seconds**, ``start_date`` and
               ``end_date`` at midnight UTC, assignees as ``Appointment`` records of type
               ``assignment``; ``milestone`` as a boolean custom attribute
version        ``AssetVersion`` of an ``Asset`` (one per shot or asset and step)
time entry     ``Timelog``: ``start`` at 09:00 UTC on its day, ``duration`` in seconds
person         ``User`` (``username`` is the login)
group          ``Group``
note           ``Note`` on its version
calendar       ``CalendarEvent`` records (see below)
=============  ==========================================================================

Statuses become ``Status`` records (one per name) whose ``State`` follows their
meaning: not started → ``NOT_STARTED``; in progress and review → ``IN_PROGRESS``;
done and omitted → ``DONE``; on hold → ``BLOCKED``.

The calendar becomes events, read back by the ftrack backend's calendar rules:
a studio or project exception that is a day off is a ``leave`` event (for
``everyone``, or for the project); one that is a working day (a crunch
Saturday) is an event that is not a leave; a person's exceptions are events
of that person; a part-time week becomes that person's leave events on the
days they do not work, over the production's span.

Ids are UUIDs derived from the neutral ids (:func:`uuid_of`), so the same
production always gets the same ids and a test can map them back.

>>> from datetime import date
>>> from trackframes.sandbox import production
>>> prod = production.generate(scale=0.01, seed=1, today=date(2026, 3, 2))
>>> store = render(prod)
>>> task = store.get("Task", uuid_of("task", prod.tasks[0].id))
>>> task.data["bid"] == prod.tasks[0].estimate * 60, task.data["name"] == prod.tasks[0].name
(True, True)
>>> store.count("User") == len(prod.people)
True
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable

from .schemas import OBJECT_TYPE_IDS, standard_relations, standard_schemas
from .store import Store

__all__ = ["render", "uuid_of", "NAMESPACE", "STATES", "STATE_OF_MEANING", "TYPE_OF_KIND", "CUSTOM_ATTRIBUTES"]

#: The namespace of the UUIDs derived from neutral ids.
NAMESPACE = uuid.UUID("0f7f0b37-8a2c-4d51-9b3e-5d1c2a6e7f10")
#: The ftrack states: key, name, short.
STATES = (("not_started", "Not started", "NOT_STARTED"), ("in_progress", "In progress", "IN_PROGRESS"),
          ("blocked", "Blocked", "BLOCKED"), ("done", "Done", "DONE"))
#: Each status meaning's state.
STATE_OF_MEANING = {"not started": "not_started", "in progress": "in_progress", "review": "in_progress",
                    "done": "done", "omitted": "done", "on hold": "blocked"}
#: The ftrack type of each neutral kind.
TYPE_OF_KIND = {"project": "Project", "sequence": "Sequence", "shot": "Shot", "asset": "AssetBuild", "step": "Type",
                "task": "Task", "version": "AssetVersion", "time_entry": "Timelog", "person": "User",
                "group": "Group", "note": "Note"}
#: Custom attributes: key, label, type, the ftrack type they are configured on.
CUSTOM_ATTRIBUTES = (("fstart", "Frame start", "number", "Shot"), ("fend", "Frame end", "number", "Shot"),
                     ("cut_order", "Cut order", "number", "Shot"), ("shot_type", "Shot type", "text", "Shot"),
                     ("milestone", "Milestone", "boolean", "Task"), ("delivery", "Delivery", "date", "Shot"),
                     ("tags", "Tags", "enumerator", "AssetBuild"), ("fps", "Frame rate", "number", "Project"))
_TIMELOG_HOUR = time(9)
_VERSION = re.compile(r"^(?P<asset>.*)_v(?P<n>\d+)$")


def uuid_of(kind: str, record_id: Any) -> str:
    """The ftrack id of a neutral record (``kind`` as the production names it, or any other key)."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{record_id}"))


def _moment(day: str | None, at: time = time(0)) -> datetime | None:
    if not day:
        return None
    d = date.fromisoformat(day[:10])
    return datetime.combine(d, at, tzinfo=timezone.utc)


def _stamp(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _color(rgb: str | None) -> str | None:
    if not rgb:
        return None
    try:
        r, g, b = (int(x) for x in rgb.split(","))
    except ValueError:
        return None
    return f"#{r:02x}{g:02x}{b:02x}"


class _Renderer:
    def __init__(self, production: Any) -> None:
        self.prod = production
        self.out: dict[str, list[dict[str, Any]]] = {}
        self.status_ids: dict[str, str] = {}
        self.type_ids: dict[str, str] = {}

    def add(self, entity: str, data: dict[str, Any]) -> dict[str, Any]:
        self.out.setdefault(entity, []).append(data)
        return data

    def ref(self, kind: str, record_id: Any) -> str:
        return uuid_of(kind, record_id)

    def system(self, record: Any) -> dict[str, Any]:
        return {"created_at": _stamp(getattr(record, "created", None)),
                "created_by_id": self.ref("person", record.created_by) if getattr(record, "created_by", 0) else None}

    def status(self, kind: str, key: str) -> str | None:
        from ..production import STATUSES

        status = STATUSES.get(kind, {}).get(key)
        return None if status is None else self.status_ids[status.name]

    def type_id(self, name: str) -> str:
        found = self.type_ids.get(name)
        if found is None:
            found = self.type_ids[name] = uuid_of("type", name)
            self.add("Type", {"id": found, "name": name, "sort": len(self.type_ids)})
        return found

    # -- the vocabularies -----------------------------------------------------------------
    def vocabularies(self) -> None:
        from ..production import STATUSES
        from ..production.vocabulary import PRIORITIES

        self.out["ObjectType"] = [{"id": oid, "name": name, "is_leaf": name == "Task"}
                                  for name, oid in OBJECT_TYPE_IDS.items()]
        self.out["State"] = [{"id": uuid_of("state", k), "name": n, "short": s} for k, n, s in STATES]
        sort = 0
        for table in STATUSES.values():
            for status in table.values():
                if status.name in self.status_ids:
                    continue
                self.status_ids[status.name] = uuid_of("status", status.name)
                self.add("Status", {"id": self.status_ids[status.name], "name": status.name, "sort": sort,
                                    "state_id": uuid_of("state", STATE_OF_MEANING[status.meaning.value])})
                sort += 1
        self.out["Priority"] = [{"id": uuid_of("priority", p), "name": p, "value": float(i + 1), "sort": i}
                                for i, p in enumerate(PRIORITIES)]
        kinds = {"number": "number", "text": "text", "boolean": "boolean", "date": "date",
                 "enumerator": "enumerator"}
        self.out["CustomAttributeType"] = [{"id": uuid_of("catype", k), "name": k} for k in kinds]
        configs = []
        for key, label, kind, owner in CUSTOM_ATTRIBUTES:
            entity_type, object_type = ("show", None) if owner == "Project" else ("task", OBJECT_TYPE_IDS[owner])
            configs.append({"id": uuid_of("caconf", f"{owner}/{key}"), "key": key, "label": label, "config": "{}",
                            "default": None, "entity_type": entity_type, "object_type_id": object_type,
                            "type_id": uuid_of("catype", kind)})
        self.out["CustomAttributeConfiguration"] = configs

    def custom(self, owner: str, entity_id: str, key: str, value: Any) -> None:
        if value is None:
            return
        self.add("ContextCustomAttributeValue", {"configuration_id": uuid_of("caconf", f"{owner}/{key}"),
                                                 "entity_id": entity_id, "key": key, "value": value})

    # -- records -----------------------------------------------------------------------------
    def people(self) -> None:
        for person in self.prod.people:
            self.add("User", {"id": self.ref("person", person.id), "username": person.login,
                              "first_name": person.first_name, "last_name": person.last_name, "email": person.email,
                              "is_active": bool(person.active)})
        for group in self.prod.groups:
            self.add("Group", {"id": self.ref("group", group.id), "name": group.name, "local": False})

    def contexts(self) -> None:
        for p in self.prod.projects:
            pid = self.ref("project", p.id)
            self.add("Project", {"id": pid, "name": p.name, "full_name": p.name, "context_type": "show",
                                 "status": "hidden" if p.archived else "active", "project_id": pid,
                                 "start_date": _moment(p.start), "end_date": _moment(p.end), **self.system(p)})
            self.custom("Project", pid, "fps", float(p.frame_rate))
        for s in self.prod.sequences:
            project = self.ref("project", s.project)
            self.add("Sequence", {"id": self.ref("sequence", s.id), "name": s.name, "context_type": "task",
                                  "parent_id": project, "project_id": project, "description": s.description,
                                  "status_id": self.status("sequence", s.status), **self.system(s)})
        for s in self.prod.shots:
            sid = self.ref("shot", s.id)
            self.add("Shot", {"id": sid, "name": s.name, "context_type": "task",
                              "parent_id": self.ref("sequence", s.sequence), "project_id": self.ref("project", s.project),
                              "description": s.description, "status_id": self.status("shot", s.status),
                              **self.system(s)})
            for key, value in (("fstart", s.cut_in), ("fend", s.cut_out), ("cut_order", s.cut_order),
                               ("shot_type", s.shot_type)):
                self.custom("Shot", sid, key, float(value) if isinstance(value, int) else value)
        for a in self.prod.assets:
            aid = self.ref("asset", a.id)
            project = self.ref("project", a.project)
            self.add("AssetBuild", {"id": aid, "name": a.name, "context_type": "task", "parent_id": project,
                                    "project_id": project, "description": a.description,
                                    "type_id": self.type_id(a.asset_type), "status_id": self.status("asset", a.status),
                                    **self.system(a)})
            self.custom("AssetBuild", aid, "tags", list(a.tags))

    def tasks(self) -> None:
        for step in self.prod.steps:
            self.type_ids[step.name] = self.ref("step", step.id)
            self.add("Type", {"id": self.ref("step", step.id), "name": step.name, "sort": step.order,
                              "color": _color(step.color)})
        for t in self.prod.tasks:
            tid = self.ref("task", t.id)
            self.add("Task", {"id": tid, "name": t.name, "context_type": "task",
                              "parent_id": self.ref(t.parent.kind, t.parent.id), "project_id": self.ref("project", t.project),
                              "type_id": self.ref("step", t.step), "status_id": self.status("task", t.status),
                              "priority_id": uuid_of("priority", t.priority) if t.priority else None,
                              "bid": float(t.estimate * 60), "start_date": _moment(t.start), "end_date": _moment(t.due),
                              "description": t.description, **self.system(t)})
            if t.milestone:
                self.custom("Task", tid, "milestone", True)
            for i, who in enumerate(t.assignees):
                self.add("Appointment", {"id": uuid_of("appointment", f"{t.id}/{i}"), "type": "assignment",
                                         "context_id": tid, "resource_id": self.ref(who.kind, who.id)})

    def versions(self) -> None:
        assets: dict[tuple[Any, str], str] = {}
        for v in self.prod.versions:
            match = _VERSION.match(v.name)
            name, number = (match["asset"], int(match["n"])) if match else (v.name, 1)
            key = (v.parent, name)
            if key not in assets:
                assets[key] = uuid_of("asset-of", f"{v.parent.kind}/{v.parent.id}/{name}")
                self.add("Asset", {"id": assets[key], "name": name, "context_id": self.ref(v.parent.kind, v.parent.id)})
            self.add("AssetVersion", {"id": self.ref("version", v.id), "version": number, "asset_id": assets[key],
                                      "task_id": self.ref("task", v.task), "status_id": self.status("version", v.status),
                                      "user_id": self.ref("person", v.artist), "comment": v.description,
                                      "date": _stamp(v.created), "is_published": True})
        for n in self.prod.notes:
            about = next((r for r in getattr(n, "about", getattr(n, "links", ())) if r.kind == "version"), None)
            self.add("Note", {"id": self.ref("note", n.id), "content": n.body, "date": _stamp(n.created),
                              "user_id": self.ref("person", n.author),
                              "parent_id": self.ref("version", about.id) if about else None,
                              "parent_type": "AssetVersion" if about else None})

    def time_entries(self) -> None:
        for e in self.prod.time_entries:
            self.add("Timelog", {"id": self.ref("time_entry", e.id), "name": e.description[:60],
                                 "comment": e.description, "start": _moment(e.date, _TIMELOG_HOUR),
                                 "duration": float(e.minutes * 60), "user_id": self.ref("person", e.person),
                                 "context_id": self.ref("task", e.task)})

    def calendar(self) -> None:
        cal = self.prod.calendar
        events: list[dict[str, Any]] = []
        resources: list[dict[str, Any]] = []

        def event(key: str, day: date, working: bool, name: str | None, *, everyone: bool = False,
                  project: Any = None, person: Any = None) -> None:
            eid = uuid_of("event", key)
            events.append({"id": eid, "name": name or ("Working day" if working else "Day off"),
                           "start": datetime.combine(day, time(0), tzinfo=timezone.utc),
                           "end": datetime.combine(day, time(23, 59), tzinfo=timezone.utc), "leave": not working,
                           "everyone": everyone, "project_id": self.ref("project", project) if project else None})
            if person is not None:
                resources.append({"id": uuid_of("event-resource", key), "calendar_event_id": eid,
                                  "resource_id": self.ref("person", person)})

        for day, (working, name) in sorted(cal.studio_exceptions.items()):
            event(f"studio/{day}", day, working, name, everyone=True)
        for project, rules in sorted(cal.project_exceptions.items()):
            for day, (working, name) in sorted(rules.items()):
                event(f"project/{project}/{day}", day, working, name, project=project)
        for person, rules in sorted(cal.person_exceptions.items()):
            for day, (working, name) in sorted(rules.items()):
                event(f"person/{person}/{day}", day, working, name, person=person)
        first, last = self.span()
        for person, week in sorted(cal.person_weeks.items()):
            days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
            for day in days:
                if week[day.weekday()] != (day.weekday() < 5) and day not in cal.person_exceptions.get(person, {}):
                    event(f"person-week/{person}/{day}", day, week[day.weekday()], "Part-time week", person=person)
        self.out["CalendarEvent"] = events
        self.out["CalendarEventResource"] = resources

    def span(self) -> tuple[date, date]:
        days = [date.fromisoformat(p.start[:10]) for p in self.prod.projects if p.start] + \
               [date.fromisoformat(p.end[:10]) for p in self.prod.projects if p.end]
        return min(days), max(days)

    def render(self) -> dict[str, list[dict[str, Any]]]:
        self.vocabularies()
        self.people()
        self.contexts()
        self.tasks()
        self.versions()
        self.time_entries()
        self.calendar()
        return self.out


def render(production: Any, schemas: Iterable[dict[str, Any]] | None = None) -> Store:
    """The ftrack store of ``production`` (see the module docstring)."""
    records = _Renderer(production).render()
    store = Store(standard_schemas() if schemas is None else schemas, records, standard_relations())
    store.today = production.today  # type: ignore[attr-defined]
    return store
