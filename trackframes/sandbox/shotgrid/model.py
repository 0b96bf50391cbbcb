"""The ShotGrid sandbox's store: entity and field definitions, records and work-day rules.

:mod:`.render_production` fills it from the neutral production; the server's
endpoints read it and the mutation knobs change it. It knows nothing about HTTP.

Values are stored in their JSON wire form (the form the ShotGrid REST API uses):

==============  =====================================================================
data type       stored value
==============  =====================================================================
text, color,    ``str`` (``color`` is ``"r,g,b"`` or ``"pipeline_step"``; ``footage`` is
footage, list,  ``"FF-ff"``; ``image`` is a URL; ``entity_type`` is an entity type name)
status_list,
image, entity_
type, password
number,         ``int`` (``duration`` in minutes, ``timecode`` in milliseconds)
duration,
timecode,
percent
float, currency ``float``
checkbox        ``bool``
date            ``"YYYY-MM-DD"``
date_time       ``"YYYY-MM-DDThh:mm:ssZ"`` (UTC)
entity          ``{"type": str, "id": int}`` (the link's ``name`` is resolved when read)
multi_entity,   ``[{"type": str, "id": int}, ...]``
addressing
url             ``{"url", "name", "content_type", "link_type", "type", "id"}``
tag_list        ``[str, ...]``
serializable    any JSON object
==============  =====================================================================

Any value may be ``None`` (multi-valued types use ``[]``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterator

__all__ = ["FieldDef", "EntityDef", "WorkCalendar", "Store"]


@dataclass(frozen=True)
class FieldDef:
    """One field of an entity type, as the schema endpoints describe it."""

    name: str
    data_type: str
    display_name: str
    entity_type: str
    valid_types: tuple[str, ...] = ()
    valid_values: tuple[str, ...] = ()
    editable: bool = True
    mandatory: bool = False
    unique: bool = False
    description: str = ""
    default_value: Any = None
    hidden_in_projects: frozenset[int] = frozenset()


@dataclass
class EntityDef:
    """One entity type: its display name, fields and the field that names a record."""

    name: str
    display_name: str
    fields: dict[str, FieldDef]
    name_field: str
    hidden_in_projects: frozenset[int] = frozenset()

    @property
    def has_project(self) -> bool:
        return "project" in self.fields


@dataclass
class WorkCalendar:
    """Work-day rules: a studio week plus dated exceptions.

    ``studio_week`` holds seven booleans, Monday first. Each exception dict maps
    a date to ``(working, description)``.
    """

    studio_week: tuple[bool, ...] = (True, True, True, True, True, False, False)
    studio_exceptions: dict[date, tuple[bool, str | None]] = field(default_factory=dict)
    project_weeks: dict[int, tuple[bool, ...]] = field(default_factory=dict)
    project_exceptions: dict[int, dict[date, tuple[bool, str | None]]] = field(default_factory=dict)
    user_weeks: dict[int, tuple[bool, ...]] = field(default_factory=dict)
    user_exceptions: dict[int, dict[date, tuple[bool, str | None]]] = field(default_factory=dict)

    def rule(self, day: date, project_id: int | None = None, user_id: int | None = None) -> dict[str, Any]:
        """The rule for one day, most specific first: user, then project, then studio."""
        if user_id is not None:
            hit = self.user_exceptions.get(user_id, {}).get(day)
            if hit is not None:
                return _rule(day, hit[0], hit[1], "USER_EXCEPTION")
        if project_id is not None:
            hit = self.project_exceptions.get(project_id, {}).get(day)
            if hit is not None:
                return _rule(day, hit[0], hit[1], "PROJECT_EXCEPTION")
        hit = self.studio_exceptions.get(day)
        if hit is not None:
            return _rule(day, hit[0], hit[1], "STUDIO_EXCEPTION")
        if user_id is not None and user_id in self.user_weeks:
            return _rule(day, self.user_weeks[user_id][day.weekday()], None, "USER_WORK_WEEK")
        if project_id is not None and project_id in self.project_weeks:
            return _rule(day, self.project_weeks[project_id][day.weekday()], None, "PROJECT_WORK_WEEK")
        return _rule(day, self.studio_week[day.weekday()], None, "STUDIO_WORK_WEEK")


def _rule(day: date, working: bool, description: str | None, reason: str) -> dict[str, Any]:
    return {"date": day.isoformat(), "working": working, "description": description, "reason": reason}


class Store:
    """Entity definitions and live/retired records, safe to share between threads.

    Records of each type are kept in ascending id order (ids only ever grow), so
    ``records[type]`` iterates by id. ``version`` increases on every change,
    which lets query caches know when they are stale.
    """

    def __init__(self, entities: dict[str, EntityDef], calendar: WorkCalendar | None = None,
                 today: date | None = None) -> None:
        self.entities = entities
        self.records: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in entities}
        self.retired: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in entities}
        self.calendar = calendar or WorkCalendar()
        self.today = today or date.today()
        self.version = 0
        self.lock = threading.RLock()
        self._next_id: dict[str, int] = {name: 1 for name in entities}

    # -- reading -----------------------------------------------------------
    def get(self, entity: str, record_id: int, retired: bool = False) -> dict[str, Any] | None:
        table = self.retired if retired else self.records
        return table.get(entity, {}).get(record_id)

    def display_name(self, entity: str, record_id: int) -> str | None:
        """The name a link to this record shows (its name field), live or retired."""
        rec = self.records.get(entity, {}).get(record_id) or self.retired.get(entity, {}).get(record_id)
        if rec is None:
            return None
        value = rec.get(self.entities[entity].name_field)
        return None if value is None else str(value)

    def link(self, ref: dict[str, Any] | None) -> dict[str, Any] | None:
        """``{"type", "id"}`` → ``{"id", "name", "type"}`` as the API returns links."""
        if ref is None:
            return None
        return {"id": ref["id"], "name": self.display_name(ref["type"], ref["id"]), "type": ref["type"]}

    def iter_records(self, entity: str, retired: bool = False) -> Iterator[dict[str, Any]]:
        table = self.retired if retired else self.records
        return iter(list(table[entity].values()))

    def count(self, entity: str) -> int:
        return len(self.records[entity])

    # -- writing -----------------------------------------------------------
    def insert(self, entity: str, values: dict[str, Any]) -> dict[str, Any]:
        """Add a record; fills ``id``, ``type`` and every unset field with its default."""
        with self.lock:
            edef = self.entities[entity]
            rid = self._next_id[entity]
            self._next_id[entity] = rid + 1
            rec: dict[str, Any] = {}
            for fname, fdef in edef.fields.items():
                if fname in values:
                    rec[fname] = values[fname]
                elif fdef.data_type in ("multi_entity", "addressing", "tag_list"):
                    rec[fname] = []
                else:
                    rec[fname] = fdef.default_value
            rec["id"] = rid
            rec["type"] = entity
            self.records[entity][rid] = rec
            self.version += 1
            return rec

    def load(self, entity: str, rows: list[dict[str, Any]]) -> None:
        """Append complete records (every field, then ``id`` and ``type``) whose ids ascend above the table's.

        Loading a generated production this way skips :meth:`insert`'s defaults; ``version``
        grows by one per record, as with :meth:`insert`.
        """
        with self.lock:
            table = self.records[entity]
            last = self._next_id[entity] - 1
            for rec in rows:
                rid = rec["id"]
                if rid <= last or rec.get("type") != entity:
                    raise ValueError(f"{entity} records load with ascending new ids and type {entity!r}, "
                                     f"not id {rid!r} of type {rec.get('type')!r} after {last}")
                table[rid] = rec
                last = rid
            self._next_id[entity] = last + 1
            self.version += len(rows)

    def retire(self, entity: str, record_id: int) -> bool:
        with self.lock:
            rec = self.records[entity].pop(record_id, None)
            if rec is None:
                return False
            self.retired[entity][record_id] = rec
            self.version += 1
            return True

    def revive(self, entity: str, record_id: int) -> bool:
        with self.lock:
            rec = self.retired[entity].pop(record_id, None)
            if rec is None:
                return False
            # keep id order: rebuild the table (revives are rare)
            table = self.records[entity]
            table[record_id] = rec
            self.records[entity] = dict(sorted(table.items()))
            self.version += 1
            return True

    def update(self, entity: str, record_id: int, values: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            rec = self.records[entity][record_id]
            rec.update(values)
            self.version += 1
            return rec
