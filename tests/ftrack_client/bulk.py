"""A larger ftrack production for paging tests: many tasks with random (UUID4) ids.

Built on the hand-built production of tests/sandbox_ftrack/production.py (its
statuses, types, users, projects and shots), plus ``n`` tasks spread over the
shots, with bids, dates, statuses and some nulls, from a seeded generator.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from trackframes.sandbox.ftrack import Store, standard_relations, standard_schemas
from trackframes.sandbox.ftrack.schemas import OBJECT_TYPE_IDS

from ..sandbox_ftrack.production import STATUSES, TYPES, records, uid

SHOTS = ["sh010", "sh020", "sh030", "sh040", "sh100"]


def bulk_records(n: int, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    out = records()
    copper, nickel = uid("project", "copper"), uid("project", "nickel")
    base = datetime(2024, 5, 1, 9, tzinfo=timezone.utc)
    for i in range(n):
        shot = rng.choice(SHOTS)
        start = base + timedelta(days=rng.randrange(60), hours=rng.randrange(8))
        out["Task"].append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "name": f"task {i:05d}",
            "context_type": "task", "object_type_id": OBJECT_TYPE_IDS["Task"],
            "parent_id": uid("shot", shot), "project_id": nickel if shot == "sh100" else copper,
            "status_id": uid("status", rng.choice(STATUSES)[0]), "type_id": uid("type", rng.choice(TYPES)[0]),
            "bid": None if rng.random() < 0.1 else float(rng.randrange(1, 40) * 1800),
            "start_date": start, "end_date": None if rng.random() < 0.1 else start + timedelta(days=rng.randrange(9)),
            "description": None if rng.random() < 0.2 else rng.choice(["Hero", "crowd", "FX pass", "50% done"]),
        })
    return out


def bulk_store(n: int, seed: int = 7) -> Store:
    return Store(standard_schemas(), bulk_records(n, seed), standard_relations())


#: Custom attributes of every type, on shots: key, type name, value per shot (None: no value).
CUSTOM = [
    ("fstart", "number", {"sh010": 1001, "sh020": 1001, "sh030": 1001}),
    ("fend", "number", {"sh010": 1096, "sh020": 1040, "sh030": 1200}),
    ("client_note", "text", {"sh010": "Hero shot", "sh020": 'say "hi" \\ bye'}),
    ("omit", "boolean", {"sh010": False, "sh030": True}),
    ("delivery", "date", {"sh010": datetime(2024, 6, 1, tzinfo=timezone.utc),
                          "sh020": datetime(2024, 6, 15, 12, tzinfo=timezone.utc)}),
    ("tags", "enumerator", {"sh010": ["hero", "fx"], "sh030": []}),
]


#: configuration defaults (``variable`` values: a number, an object)
DEFAULTS: dict[str, Any] = {"fstart": 1001, "tags": {"menu": ["hero", "fx"]}}


def rich_records() -> dict[str, list[dict[str, Any]]]:
    """The hand-built production with a custom attribute of every type on shots."""
    out = records()
    out["CustomAttributeType"] = [{"id": uid("catype", t), "name": t}
                                  for t in ("number", "text", "boolean", "date", "enumerator")]
    out["CustomAttributeConfiguration"] = [
        {"id": uid("caconf", key), "key": key, "label": key.replace("_", " ").title(), "config": "{}",
         "default": DEFAULTS.get(key), "entity_type": "task", "object_type_id": OBJECT_TYPE_IDS["Shot"],
         "type_id": uid("catype", kind)} for key, kind, _ in CUSTOM]
    out["ContextCustomAttributeValue"] = [
        {"configuration_id": uid("caconf", key), "entity_id": uid("shot", shot), "key": key, "value": value}
        for key, _, values in CUSTOM for shot, value in values.items()]
    return out


def rich_store() -> Store:
    return Store(standard_schemas(), rich_records(), standard_relations())


#: Calendar events: name, first day, last day, leave, everyone, project key, people.
EVENTS = [
    ("Labour Day", datetime(2024, 5, 1, tzinfo=timezone.utc), datetime(2024, 5, 1, 23, tzinfo=timezone.utc),
     True, True, None, ()),
    ("Crunch", datetime(2024, 5, 11, tzinfo=timezone.utc), datetime(2024, 5, 11, 18, tzinfo=timezone.utc),
     False, False, "copper", ()),
    ("Offsite", datetime(2024, 5, 8, tzinfo=timezone.utc), datetime(2024, 5, 8, 18, tzinfo=timezone.utc),
     True, False, "copper", ()),
    ("Vacation", datetime(2024, 5, 13, tzinfo=timezone.utc), datetime(2024, 5, 15, 18, tzinfo=timezone.utc),
     True, False, None, ("omar",)),
    ("Team meeting", datetime(2024, 5, 14, tzinfo=timezone.utc), datetime(2024, 5, 14, 1, tzinfo=timezone.utc),
     False, True, None, ()),
]


def calendar_records() -> dict[str, list[dict[str, Any]]]:
    """The hand-built production with a studio holiday, a project crunch Saturday and offsite, a vacation."""
    out = records()
    out["CalendarEvent"] = [
        {"id": uid("event", name), "name": name, "start": first, "end": last, "leave": leave, "everyone": everyone,
         "project_id": uid("project", project) if project else None}
        for name, first, last, leave, everyone, project, _ in EVENTS]
    out["CalendarEventResource"] = [
        {"id": uid("event-resource", f"{name}/{person}"), "calendar_event_id": uid("event", name),
         "resource_id": uid("user", person)} for name, *_, people in EVENTS for person in people]
    return out


def calendar_store() -> Store:
    return Store(standard_schemas(), calendar_records(), standard_relations())
