"""A tiny in-memory backend whose ids are UUID strings, like ftrack's and Kitsu's.

It implements the READ, SCHEDULE (and directory) contract of
:mod:`trackframes.backends.base` over a handful of Python records, with its own
vocabulary (``Person``, ``status``, ``bid_minutes``), and a server that, like
Kitsu's, filters by equality only: every other relation is left to the site's
local engine. Pages are nested Arrow tables built straight from the records, so
ids reach the site as text and nothing in between may turn them into numbers.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any, Mapping, Sequence

import pyarrow as pa

from trackframes.backends.base import (Capability, CheckedFilters, Directory, EntityInfo, Plan, Query,
                                       ScheduleFields)
from trackframes.engine import RELATIONS_BY_KIND
from trackframes.exceptions import SchemaError
from trackframes.paging import Page
from trackframes.query import Condition, Group, parse_filters, walk
from trackframes.schema import FieldKind, FieldSpec
from trackframes.suggest import hint, suggest

TODAY = date(2026, 3, 2)


def uid(*parts: Any) -> str:
    """A stable UUID for a record."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, parts))))


def _spec(entity: str, name: str, kind: FieldKind, *, types: tuple[str, ...] = (),
          values: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(name, kind, kind.value, display_name=name.replace("_", " ").title(), entity=entity,
                     valid_types=types, valid_values=values)


ID = FieldSpec("id", FieldKind.TEXT, "uuid", display_name="Id")
T, I, D, C, L, M = (FieldKind.TEXT, FieldKind.INTEGER, FieldKind.DATE, FieldKind.CATEGORY, FieldKind.ENTITY,
                    FieldKind.MULTI_ENTITY)
SCHEMA: dict[str, dict[str, FieldSpec]] = {
    "Project": {"name": _spec("Project", "name", T), "archived": _spec("Project", "archived", FieldKind.BOOLEAN)},
    "Person": {"name": _spec("Person", "name", T), "username": _spec("Person", "username", T),
               "email": _spec("Person", "email", T)},
    "Step": {"name": _spec("Step", "name", T)},
    "Shot": {"name": _spec("Shot", "name", T), "project": _spec("Shot", "project", L, types=("Project",))},
    "Task": {"name": _spec("Task", "name", T), "status": _spec("Task", "status", C, values=("todo", "wip", "done",
                                                                                            "paused")),
             "project": _spec("Task", "project", L, types=("Project",)),
             "entity": _spec("Task", "entity", L, types=("Shot",)),
             "step": _spec("Task", "step", L, types=("Step",)),
             "assignees": _spec("Task", "assignees", M, types=("Person",)),
             "start_date": _spec("Task", "start_date", D), "due_date": _spec("Task", "due_date", D),
             "bid_minutes": _spec("Task", "bid_minutes", I)},
    "TimeLog": {"date": _spec("TimeLog", "date", D), "minutes": _spec("TimeLog", "minutes", I),
                "user": _spec("TimeLog", "user", L, types=("Person",)),
                "task": _spec("TimeLog", "task", L, types=("Task",)),
                "project": _spec("TimeLog", "project", L, types=("Project",))},
}

SCHEDULE = ScheduleFields(
    task_entity="Task",
    task_fields={"name": "name", "entity": "entity", "step": "step", "status": "status", "assignees": "assignees",
                 "start_date": "start_date", "due_date": "due_date", "estimate_minutes": "bid_minutes",
                 "project": "project"},
    timelog_entity="TimeLog",
    timelog_fields={"date": "date", "minutes": "minutes", "user": "user", "task": "task", "project": "project"},
    project_entity="Project", project_name_fields=("name",),
    user_entity="Person", user_name_fields=("username", "name"),
    done_statuses=frozenset({"done"}), hold_statuses=frozenset({"paused"}),
)
DIRECTORY = Directory(project_entity="Project", project_name_fields=("name",), project_fields=("name", "archived"),
                      archived_field="archived", user_entity="Person", user_name_fields=("username", "name"),
                      people_fields=("name", "username", "email"))


def _link(entity: str, rid: str, name: str) -> dict[str, str]:
    return {"type": entity, "id": rid, "name": name}


def production() -> dict[str, dict[str, dict[str, Any]]]:
    """Two projects (one archived), three people, two steps, four shots, eight tasks, some time logs."""
    records: dict[str, dict[str, dict[str, Any]]] = {e: {} for e in SCHEMA}

    def add(kind: str, key: str, **values: Any) -> dict[str, Any]:
        rid = uid(kind, key)
        records[kind][rid] = {"id": rid, **values}
        return _link(kind, rid, values.get("name") or key)

    sky = add("Project", "sky", name="Copper Sky", archived=False)
    old = add("Project", "old", name="Old Reel", archived=True)
    people = [add("Person", n, name=n.title(), username=n, email=f"{n}@studio.test") for n in ("ana", "bo", "cy")]
    steps = [add("Step", s, name=s) for s in ("Anim", "Light")]
    for i in range(4):
        project = sky if i < 3 else old
        shot = add("Shot", f"sh{i}", name=f"sh{i:03d}0", project=project)
        for j, step in enumerate(steps):
            start = TODAY + timedelta(days=7 * (i - 2) + 3 * j)
            status = ("done", "wip", "todo", "paused")[(i + j) % 4]
            task = add("Task", f"t{i}{j}", name=f"{step['name']} {shot['name']}", status=status, project=project,
                       entity=shot, step=step, assignees=[people[(i + j) % 3]] if (i + j) % 5 else [],
                       start_date=start.isoformat(), due_date=(start + timedelta(days=5)).isoformat(),
                       bid_minutes=480 * (1 + j))
            for k in range(2):
                add("TimeLog", f"l{i}{j}{k}", date=(start + timedelta(days=k)).isoformat(), minutes=60 * (k + 1),
                    user=people[(i + j + k) % 3], task=task, project=project)
    return records


class MemoryBackend:
    """READ and SCHEDULE over :func:`production`'s records; the server filters by equality only."""

    name = "memory"
    MAX_PAGE_SIZE = 100
    id_kind = FieldKind.TEXT
    capabilities = frozenset({Capability.READ, Capability.SCHEDULE})
    PUSHED = ("is", "in")

    def __init__(self) -> None:
        self.records = production()
        self.sent: list[Query] = []

    # -- schema --
    def entities(self) -> dict[str, EntityInfo]:
        return {e: EntityInfo(e, e) for e in SCHEMA}

    def fields(self, entity: str) -> dict[str, FieldSpec]:
        if entity not in SCHEMA:
            hints = suggest(entity, SCHEMA)
            raise SchemaError(f"Unknown entity type {entity!r}.{hint(hints)}", name=entity, suggestions=hints)
        return {"id": ID, **SCHEMA[entity]}

    def resolve_fields(self, entity: str, fields: Sequence[str] | str | None) -> list[FieldSpec]:
        known = self.fields(entity)
        if fields is None or fields == "*":
            return list(known.values())
        names = [f.strip() for f in fields.split(",")] if isinstance(fields, str) else list(fields)
        out = [ID]
        for name in names:
            if name not in known:
                hints = suggest(name, known)
                raise SchemaError(f"Unknown field {name!r} on {entity}.{hint(hints)}", name=name, suggestions=hints)
            if known[name] not in out:
                out.append(known[name])
        return out

    def check_filters(self, entity: str, filters: Any) -> CheckedFilters:
        tree = parse_filters(filters)
        for condition in walk(tree):
            spec = self.resolve_fields(entity, [condition.path])[-1]
            if condition.op not in self.operators(spec):
                raise SchemaError(f"{condition.op!r} does not apply to {condition.path!r}.", name=condition.op)
        return CheckedFilters(tree, tree)  # this server's own form is the tree itself

    def can_push(self, condition: Condition, spec: FieldSpec | None) -> bool:
        return condition.op in self.PUSHED

    def operators(self, spec: FieldSpec) -> tuple[str, ...]:
        return RELATIONS_BY_KIND[spec.kind]

    def directory(self) -> Directory:
        return DIRECTORY

    # -- reading --
    def _matches(self, record: Mapping[str, Any], node: Any) -> bool:
        if isinstance(node, Group):
            hits = (self._matches(record, item) for item in node.items)
            return all(hits) if node.op == "and" else any(hits)
        assert node.op in self.PUSHED, f"the server was sent {node.op!r}"
        value = record.get(node.path)
        keys = [v["id"] for v in value] if isinstance(value, list) else \
            [value.get("id") if isinstance(value, dict) else value]  # a multi-link "is": any of its links
        wanted = node.value if node.op == "in" else [node.value]
        return any((w.get("id") if isinstance(w, dict) else w) in keys for w in wanted)

    def _rows(self, query: Query) -> list[dict[str, Any]]:
        archived = {r["id"] for r in self.records["Project"].values() if r["archived"]}
        rows = []
        for rid in sorted(self.records[query.entity]):
            record = self.records[query.entity][rid]
            project = record.get("project") or {}
            if not query.include_archived_projects and (project.get("id") in archived
                                                        or (query.entity == "Project" and rid in archived)):
                continue
            if self._matches(record, query.filters):
                rows.append(record)
        return rows

    def plan(self, query: Query, page_size: int) -> Plan:
        self.sent.append(query)
        rows = self._rows(query)
        if query.limit is not None:
            rows = rows[:query.limit]
        names = [s.name for s in query.fields]
        pages = [rows[i:i + page_size] for i in range(0, len(rows), page_size)]

        def fetch(i: int) -> Page[Any]:
            page = pa.Table.from_pylist([{n: r.get(n) for n in names} for r in pages[i]]) if pages[i] else \
                pa.table({n: pa.array([], pa.string()) for n in names})
            return Page(page, page.num_rows, None, (i,))

        return Plan(list(range(len(pages))), fetch, total=len(rows))

    def count(self, query: Query) -> int:
        self.sent.append(query)
        return len(self._rows(query))

    # -- schedule --
    def schedule_fields(self) -> ScheduleFields:
        return SCHEDULE

    def work_day_rules(self, start: Any, end: Any, project_id: Any = None, user_id: Any = None) -> list[dict[str, Any]]:
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        return [{"date": d.isoformat(), "working": d.weekday() < 5, "description": None, "reason": None}
                for d in days]

    def close(self) -> None:
        pass
