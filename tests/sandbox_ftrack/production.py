"""A small hand-built ftrack production for the sandbox tests.

Two projects; copper has sequences sq010 (shots sh010, sh020, and a layout task
of its own) and sq020 (sh030, sh040 without tasks); nickel has sq100/sh100. Eight
tasks with statuses, types, priorities, bids (seconds), dates; three users;
assignments and one allocation; time logs; one note; an asset with two versions;
shot frame ranges as custom attributes. Ids are UUIDs derived from readable names
(``uid("task", "sh010/anim")``), so tests can name records.

Worked facts the tests rely on (check them against the tables below):

* tasks: sh010/anim, sh010/comp, sh020/anim, sh020/light, sh030/layout,
  sh030/comp "final" \\ v2, sq010/layout, sh100/anim (insertion order);
* "In progress": sh010/anim and the sh030 comp; no bid: sh020/light;
* jane logged 3600 + 5400 on sh010/anim and 7200 on sh020/anim; sh030/layout,
  sq010/layout and sh100/anim have no time logs.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from trackframes.sandbox.ftrack import Store, standard_relations, standard_schemas
from trackframes.sandbox.ftrack.schemas import OBJECT_TYPE_IDS

NAMESPACE = uuid.UUID("6f2b8f52-7a0e-4c5e-9a51-0f1d4a6f0000")
API_USER = "jane"
API_KEY = "test-key-3c1e"  # test-only credential of the sandbox under test
COMP_FINAL = 'comp "final" \\ v2'  # a task name with a quote and a backslash


def uid(kind: str, name: str) -> str:
    """The id of a named record: a UUID derived from its kind and name."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=timezone.utc)


STATES = [("not_started", "Not started", "NOT_STARTED"), ("in_progress", "In progress", "IN_PROGRESS"),
          ("done", "Done", "DONE"), ("blocked", "Blocked", "BLOCKED")]
# name, state, sort, color
STATUSES = [("Not started", "not_started", 0, "#cccccc"), ("In progress", "in_progress", 1, "#4a90e2"),
            ("Pending review", "in_progress", 2, "#f5a623"), ("Approved", "done", 3, "#7ed321"),
            ("On hold", "blocked", 4, "#d0021b")]
TYPES = [("Animation", 1), ("Compositing", 2), ("Lighting", 3), ("Layout", 0)]
PRIORITIES = [("Low", 1.0), ("Medium", 2.0), ("High", 3.0), ("Urgent", 4.0)]
USERS = [("jane", "Jane", "Doe", True), ("omar", "Omar", "Haddad", True), ("li", "Li", "Wei", False)]
# key, name, parent key, status, type, priority, bid seconds, start day, end day
TASKS = [
    ("sh010/anim", "anim", "shot:sh010", "In progress", "Animation", "High", 28800.0, 6, 10),
    ("sh010/comp", "comp", "shot:sh010", "Not started", "Compositing", "Medium", 14400.0, 13, 15),
    ("sh020/anim", "anim", "shot:sh020", "Approved", "Animation", "Low", 21600.0, 6, 8),
    ("sh020/light", "light", "shot:sh020", "Pending review", "Lighting", "Medium", None, 9, 14),
    ("sh030/layout", "layout", "shot:sh030", "On hold", "Layout", "Urgent", 7200.0, 2, 3),
    ("sh030/comp", COMP_FINAL, "shot:sh030", "In progress", "Compositing", "Medium", 36000.0, 16, 24),
    ("sq010/layout", "layout", "sequence:sq010", "Approved", "Layout", "Medium", 10800.0, 1, 3),
    ("sh100/anim", "anim", "shot:sh100", "Not started", "Animation", "Low", 3600.0, 20, 22),
]
# user, task key, type
APPOINTMENTS = [("jane", "sh010/anim", "assignment"), ("jane", "sh020/anim", "assignment"),
                ("omar", "sh010/comp", "assignment"), ("omar", "sh030/comp", "assignment"),
                ("li", "sh020/light", "assignment"), ("jane", "sh030/layout", "assignment"),
                ("omar", "sh030/layout", "assignment"), ("omar", "sh010/anim", "allocation")]
# key, user, task key, start, seconds, comment
TIMELOGS = [("t1", "jane", "sh010/anim", at(6), 3600.0, "blocking"),
            ("t2", "jane", "sh010/anim", at(7, 14), 5400.0, "splines"),
            ("t3", "jane", "sh020/anim", at(7, 9, 30), 7200.0, ""),
            ("t4", "omar", "sh010/comp", at(13), 1800.0, "setup"),
            ("t5", "omar", "sh030/comp", at(16), 3600.0, "first pass"),
            ("t6", "li", "sh020/light", at(9), 900.0, "")]
# shot, frame start, frame end
FRAMES = [("sh010", 1001, 1096), ("sh020", 1001, 1040), ("sh030", 1001, 1200)]


def _context(kind: str, name: str, parent: str | None, project: str, **extra: Any) -> dict[str, Any]:
    return {"id": uid(kind, name), "name": name.split("/")[-1], "context_type": "task",
            "parent_id": parent, "project_id": project, "object_type_id": OBJECT_TYPE_IDS[kind.capitalize()]
            if kind.capitalize() in OBJECT_TYPE_IDS else None, **extra}


def records() -> dict[str, list[dict[str, Any]]]:
    """The production's records by type."""
    copper, nickel = uid("project", "copper"), uid("project", "nickel")
    out: dict[str, list[dict[str, Any]]] = {
        "ObjectType": [{"id": oid, "name": name, "is_leaf": name == "Task"} for name, oid in OBJECT_TYPE_IDS.items()],
        "State": [{"id": uid("state", k), "name": n, "short": s} for k, n, s in STATES],
        "Status": [{"id": uid("status", n), "name": n, "state_id": uid("state", st), "sort": sort, "color": c}
                   for n, st, sort, c in STATUSES],
        "Type": [{"id": uid("type", n), "name": n, "sort": s} for n, s in TYPES],
        "Priority": [{"id": uid("priority", n), "name": n, "value": v, "sort": int(v)} for n, v in PRIORITIES],
        "User": [{"id": uid("user", u), "username": u, "first_name": f, "last_name": last,
                  "email": f"{u}@example.com", "is_active": active} for u, f, last, active in USERS],
        "Project": [
            {"id": copper, "name": "copper", "full_name": "Copper Sky", "context_type": "show", "status": "active",
             "project_id": copper, "start_date": at(1, 0), "end_date": datetime(2024, 6, 28, tzinfo=timezone.utc)},
            {"id": nickel, "name": "nickel", "full_name": "Nickel Rain", "context_type": "show", "status": "hidden",
             "project_id": nickel, "start_date": at(15, 0)},
        ],
        "Sequence": [_context("sequence", "sq010", copper, copper), _context("sequence", "sq020", copper, copper),
                     _context("sequence", "sq100", nickel, nickel)],
        "Shot": [_context("shot", name, uid("sequence", seq), project)
                 for name, seq, project in (("sh010", "sq010", copper), ("sh020", "sq010", copper),
                                            ("sh030", "sq020", copper), ("sh040", "sq020", copper),
                                            ("sh100", "sq100", nickel))],
    }
    tasks = []
    for key, name, parent, status, kind, priority, bid, start, end in TASKS:
        parent_kind, parent_name = parent.split(":")
        project = nickel if key.startswith("sh100") else copper
        tasks.append({**_context("task", key, uid(parent_kind, parent_name), project), "name": name,
                      "status_id": uid("status", status), "type_id": uid("type", kind),
                      "priority_id": uid("priority", priority), "bid": bid, "start_date": at(start),
                      "end_date": at(end, 18), "description": f"{kind} for {key}"})
    out["Task"] = tasks
    out["Appointment"] = [{"id": uid("appointment", f"{u}/{t}/{k}"), "type": k, "resource_id": uid("user", u),
                           "context_id": uid("task", t)} for u, t, k in APPOINTMENTS]
    out["Timelog"] = [{"id": uid("timelog", k), "user_id": uid("user", u), "context_id": uid("task", t),
                       "start": s, "duration": d, "comment": c, "name": f"{u} on {t}"}
                      for k, u, t, s, d, c in TIMELOGS]
    out["Note"] = [{"id": uid("note", "n1"), "content": "Arc on the jump, please", "date": at(8, 11),
                    "user_id": uid("user", "omar"), "parent_id": uid("task", "sh010/anim"), "parent_type": "Task"}]
    out["Asset"] = [{"id": uid("asset", "sh010_anim"), "name": "sh010_anim", "context_id": uid("shot", "sh010")}]
    out["AssetVersion"] = [
        {"id": uid("version", f"sh010_anim/v{v}"), "version": v, "asset_id": uid("asset", "sh010_anim"),
         "task_id": uid("task", "sh010/anim"), "status_id": uid("status", s), "user_id": uid("user", "jane"),
         "date": at(7 + v, 17)} for v, s in ((1, "Pending review"), (2, "Approved"))]
    out["CustomAttributeType"] = [{"id": uid("catype", "number"), "name": "number"}]
    out["CustomAttributeConfiguration"] = [
        {"id": uid("caconf", key), "key": key, "label": label, "config": '{"isdecimal": false}', "default": None,
         "entity_type": "task", "object_type_id": OBJECT_TYPE_IDS["Shot"], "type_id": uid("catype", "number")}
        for key, label in (("fstart", "Frame start"), ("fend", "Frame end"))]
    out["ContextCustomAttributeValue"] = [
        {"configuration_id": uid("caconf", key), "entity_id": uid("shot", shot), "key": key, "value": value}
        for shot, first, last in FRAMES for key, value in (("fstart", first), ("fend", last))]
    return out


def build_store() -> Store:
    """A fresh store of the production (the mutation knobs change it)."""
    return Store(standard_schemas(), records(), standard_relations())
