"""The generated demo production: schema catalog, data wire forms, realism, determinism.

Every check here is an independent reference: value formats are validated by a
checker written from the REST API's Data Types table, schedules are re-derived
from ``WorkCalendar.rule`` day by day, and summary fields are recomputed from
the records they summarise.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from trackframes.sandbox.catalog import build_entities
from trackframes.sandbox.data import generate, make_record
from trackframes.sandbox.model import EntityDef, FieldDef, Store

TODAY = date(2026, 3, 11)  # a Wednesday
SCALE = 0.1
SEED = 7

#: The data types of the REST API v1.1 "Data Types" table (plus ``percent``,
#: listed under "Valid Operators By Data Type").
SPEC_DATA_TYPES = {
    "addressing", "checkbox", "color", "currency", "date", "date_time", "duration", "entity",
    "entity_type", "float", "footage", "image", "list", "multi_entity", "number", "password",
    "percent", "serializable", "status_list", "tag_list", "text", "timecode", "url",
}
ENTITY_TYPES = {
    "Project", "Sequence", "Shot", "Asset", "Step", "Task", "Version", "TimeLog",
    "HumanUser", "Group", "Note", "CustomNonProjectEntity01",
}
LINKISH = {"entity", "multi_entity", "addressing"}
INT32 = (-2147483648, 2147483647)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
FOOTAGE_RE = re.compile(r"^(\d+)-(\d{2})$")
COLOR_RE = re.compile(r"^(\d{1,3}),(\d{1,3}),(\d{1,3})$")
URL_KEYS = {"url", "name", "content_type", "link_type", "type", "id"}


@pytest.fixture(scope="module")
def store() -> Store:
    return generate(scale=SCALE, seed=SEED, today=TODAY)


# -- an independent wire-form checker ----------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_link(value: Any, fdef: FieldDef) -> str | None:
    if not isinstance(value, dict) or set(value) != {"type", "id"}:
        return f"link must be exactly {{type, id}}: {value!r}"
    if value["type"] not in fdef.valid_types:
        return f"link type {value['type']} not in {fdef.valid_types}"
    if not _is_int(value["id"]) or value["id"] < 1:
        return f"bad link id {value['id']!r}"
    return None


def wire_error(fdef: FieldDef, value: Any, entity_names: set[str]) -> str | None:
    """Why ``value`` is not a valid stored value of ``fdef`` (None when it is)."""
    dt = fdef.data_type
    if dt in ("multi_entity", "addressing", "tag_list"):
        if not isinstance(value, list):
            return f"{dt} must be a list, got {value!r}"
        if dt == "tag_list":
            return None if all(isinstance(v, str) and v for v in value) else f"bad tags {value!r}"
        for item in value:
            err = _check_link(item, fdef)
            if err:
                return err
        ids = [(v["type"], v["id"]) for v in value]
        return None if len(ids) == len(set(ids)) else f"duplicate links {value!r}"
    if value is None:
        return None
    if dt in ("text", "password"):
        return None if isinstance(value, str) else f"not a str: {value!r}"
    if dt == "color":
        if value == "pipeline_step":
            return None
        m = COLOR_RE.match(value) if isinstance(value, str) else None
        return None if m and all(0 <= int(g) <= 255 for g in m.groups()) else f"bad color {value!r}"
    if dt == "footage":
        m = FOOTAGE_RE.match(value) if isinstance(value, str) else None
        return None if m and int(m.group(2)) < 16 else f"bad footage {value!r}"
    if dt == "image":
        return None if isinstance(value, str) and value.startswith("https://") else f"bad image {value!r}"
    if dt == "entity_type":
        return None if value in entity_names else f"unknown entity type {value!r}"
    if dt in ("list", "status_list"):
        return None if value in fdef.valid_values else f"{value!r} not in {fdef.valid_values}"
    if dt in ("number", "duration", "timecode"):
        return None if _is_int(value) and INT32[0] <= value <= INT32[1] else f"not an int32: {value!r}"
    if dt == "percent":
        return None if _is_int(value) and 0 <= value <= 100 else f"bad percent {value!r}"
    if dt == "float":
        return None if isinstance(value, float) else f"not a float: {value!r}"
    if dt == "currency":
        ok = isinstance(value, float) and round(value, 2) == value and abs(value) <= 9999999999999.99
        return None if ok else f"bad currency {value!r}"
    if dt == "checkbox":
        return None if isinstance(value, bool) else f"not a bool: {value!r}"
    if dt == "date":
        if not (isinstance(value, str) and DATE_RE.match(value)):
            return f"bad date {value!r}"
        return None if date.fromisoformat(value).year >= 1970 else f"date before 1970 {value!r}"
    if dt == "date_time":
        if not (isinstance(value, str) and DATE_TIME_RE.match(value)):
            return f"bad date_time {value!r}"
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        return None
    if dt == "entity":
        return _check_link(value, fdef)
    if dt == "url":
        if not isinstance(value, dict) or set(value) != URL_KEYS:
            return f"url must have exactly {sorted(URL_KEYS)}: {value!r}"
        if not (isinstance(value["url"], str) and value["url"].startswith("https://")):
            return f"bad url {value!r}"
        if value["link_type"] not in ("upload", "web", "local") or not _is_int(value["id"]):
            return f"bad url attachment {value!r}"
        return None
    if dt == "serializable":
        if not isinstance(value, dict):
            return f"serializable must be an object: {value!r}"
        json.dumps(value)
        return None
    return f"unknown data type {dt}"


def record_errors(edef: EntityDef, rec: dict[str, Any], entity_names: set[str]) -> list[str]:
    errors = []
    extra = set(rec) - set(edef.fields) - {"type"}
    if extra:
        errors.append(f"fields not in the schema: {sorted(extra)}")
    for name, fdef in edef.fields.items():
        if name not in rec:
            errors.append(f"missing {name}")
            continue
        err = wire_error(fdef, rec[name], entity_names)
        if err:
            errors.append(f"{edef.name}.{name}: {err}")
    return errors


def iter_links(store: Store, rec: dict[str, Any], edef: EntityDef):
    for name, fdef in edef.fields.items():
        if fdef.data_type not in LINKISH:
            continue
        value = rec.get(name)
        for link in (value if isinstance(value, list) else [value] if value else []):
            yield name, fdef, link


def working(store: Store, day: date, project: int | None = None, user: int | None = None) -> bool:
    return store.calendar.rule(day, project_id=project, user_id=user)["working"]


def d(value: str) -> date:
    return date.fromisoformat(value)


def digest(store: Store) -> str:
    payload = {"records": store.records,
               "calendar": {k: {str(day): v for day, v in rules.items()}
                            for k, rules in store.calendar.user_exceptions.items()}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


# -- the catalog ------------------------------------------------------------------------


def test_catalog_covers_every_spec_data_type() -> None:
    entities = build_entities()
    assert set(entities) == ENTITY_TYPES
    used = {f.data_type for e in entities.values() for f in e.fields.values()}
    assert used == SPEC_DATA_TYPES


def test_catalog_field_definitions_are_coherent() -> None:
    entities = build_entities()
    for name, edef in entities.items():
        assert edef.name == name and edef.display_name
        for fname, fdef in edef.fields.items():
            assert fdef.name == fname and fdef.entity_type == name and fdef.display_name
            if fdef.data_type in LINKISH:
                assert fdef.valid_types, f"{name}.{fname} has no valid_types"
                assert set(fdef.valid_types) <= ENTITY_TYPES
            if fdef.data_type in ("list", "status_list"):
                assert fdef.valid_values, f"{name}.{fname} has no valid_values"
        # system fields on every type
        assert edef.fields["id"].data_type == "number" and not edef.fields["id"].editable
        for stamp in ("created_at", "updated_at"):
            assert edef.fields[stamp].data_type == "date_time" and not edef.fields[stamp].editable
        for who in ("created_by", "updated_by"):
            assert edef.fields[who].data_type == "entity" and edef.fields[who].valid_types == ("HumanUser",)
        if "project" in edef.fields:
            assert edef.fields["project"].valid_types == ("Project",)
        if "image" in edef.fields:
            assert not edef.fields["image"].editable
    assert not entities["Task"].fields["time_logs_sum"].editable
    assert any(f.mandatory for e in entities.values() for f in e.fields.values())
    assert any(f.description for e in entities.values() for f in e.fields.values())


def test_catalog_names_and_key_fields() -> None:
    entities = build_entities()
    expected_name_fields = {"Project": "name", "HumanUser": "name", "Task": "content", "Note": "subject"}
    for name, edef in entities.items():
        if name in expected_name_fields:
            assert edef.name_field == expected_name_fields[name]
        elif name != "TimeLog":  # a time log has no code; it is named by its description
            assert edef.name_field == "code"
        assert edef.name_field in edef.fields
    task = entities["Task"].fields
    assert task["content"].display_name == "Task Name" and task["content"].mandatory
    assert set(task["entity"].valid_types) == {"Shot", "Asset"}
    assert set(task["task_assignees"].valid_types) == {"HumanUser", "Group"}
    assert set(task["sg_status_list"].valid_values) == {"wtg", "rdy", "ip", "rev", "fin", "hld", "omt"}
    for f in ("duration", "est_in_mins", "time_logs_sum"):
        assert task[f].data_type == "duration"
    assert entities["Step"].fields["entity_type"].data_type == "entity_type"
    assert entities["Note"].fields["addressings_to"].data_type == "addressing"
    assert entities["Project"].fields["tracking_settings"].data_type == "serializable"
    assert entities["HumanUser"].fields["password_proxy"].data_type == "password"
    assert set(entities["HumanUser"].fields["sg_status_list"].valid_values) == {"act", "dis"}
    assert not entities["HumanUser"].has_project and entities["Task"].has_project


def test_build_entities_returns_fresh_objects() -> None:
    a, b = build_entities(), build_entities()
    assert a == b
    a["Task"].fields.pop("color")
    assert "color" in b["Task"].fields


def test_project_visibility_differs(store: Store) -> None:
    hidden_entities = {n: e.hidden_in_projects for n, e in store.entities.items() if e.hidden_in_projects}
    hidden_fields = [f for e in store.entities.values() for f in e.fields.values() if f.hidden_in_projects]
    assert "CustomNonProjectEntity01" in hidden_entities
    assert hidden_fields
    projects = set(store.records["Project"])
    assert hidden_entities["CustomNonProjectEntity01"] & projects
    assert all(f.hidden_in_projects & projects for f in hidden_fields)
    # hidden in one project only: other projects still see them
    assert projects - hidden_entities["CustomNonProjectEntity01"]


# -- determinism and size -------------------------------------------------------------------


def test_same_inputs_give_identical_stores() -> None:
    a = generate(scale=0.03, seed=3, today=TODAY)
    b = generate(scale=0.03, seed=3, today=TODAY)
    for entity in a.records:
        assert list(a.records[entity]) == list(b.records[entity])  # ids and order
    assert a.records == b.records
    assert a.calendar == b.calendar
    assert a.today == b.today == TODAY


def test_other_seed_or_day_gives_a_different_store() -> None:
    base = generate(scale=0.03, seed=3, today=TODAY)
    assert generate(scale=0.03, seed=4, today=TODAY).records != base.records
    moved = generate(scale=0.03, seed=3, today=TODAY + timedelta(days=30))
    assert moved.records["Task"] != base.records["Task"]


def test_determinism_does_not_depend_on_hash_seed() -> None:
    here = digest(generate(scale=0.03, seed=3, today=TODAY))
    code = (
        "import sys, datetime\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from tests.sandbox.test_data import digest\n"
        "from trackframes.sandbox.data import generate\n"
        "print(digest(generate(scale=0.03, seed=3, today=datetime.date(2026, 3, 11))))\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for hash_seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run([sys.executable, "-c", code, root], env=env, capture_output=True, text=True,
                             check=True, timeout=120)
        assert out.stdout.strip() == here


def test_default_today_is_the_current_date() -> None:
    before = date.today()
    s = generate(scale=0.01, seed=1)
    assert s.today in (before, date.today())


def test_scale_must_be_positive() -> None:
    with pytest.raises(ValueError):
        generate(scale=0, seed=1, today=TODAY)


def test_tiny_scales_still_have_every_type() -> None:
    for scale in (0.01, 0.005):
        s = generate(scale=scale, seed=2, today=TODAY)
        for entity in ENTITY_TYPES:
            assert s.count(entity) >= 1, (scale, entity)
        projects = list(s.records["Project"].values())
        assert len(projects) >= 3
        assert any(p["archived"] for p in projects) and any(not p["archived"] for p in projects)
        assert s.count("HumanUser") >= 8


def test_counts_scale_roughly_linearly() -> None:
    small = generate(scale=0.03, seed=5, today=TODAY)
    large = generate(scale=0.12, seed=5, today=TODAY)
    for entity in ("Shot", "Asset", "Task", "Version", "TimeLog", "Note"):
        ratio = large.count(entity) / small.count(entity)
        assert 2.8 <= ratio <= 5.5, (entity, small.count(entity), large.count(entity))
    total_small = sum(map(len, small.records.values()))
    total_large = sum(map(len, large.records.values()))
    assert 3.0 <= total_large / total_small <= 5.0


def test_size_matches_the_documented_proportions(store: Store) -> None:
    tasks = store.count("Task")
    shots, assets = store.count("Shot"), store.count("Asset")
    assert 0.8 * 2000 * SCALE <= shots <= 1.2 * 2000 * SCALE
    assert 0.8 * 450 * SCALE <= assets <= 1.2 * 450 * SCALE
    assert 5 <= tasks / shots <= 9
    started = {t["id"] for t in store.records["Task"].values() if t["time_logs_sum"] > 0}
    assert 1.3 <= store.count("Version") / len(started) <= 3.5
    assert 1.3 <= store.count("TimeLog") / len(started) <= 3.5
    assert 0.3 <= store.count("Note") / store.count("Version") <= 0.8
    # staffed for the work (see test_departments_are_staffed_for_their_work): about one person per 50 tasks
    assert 25 <= tasks / store.count("HumanUser") <= 80
    assert 5 <= store.count("Group") <= 8


# -- wire forms and integrity -------------------------------------------------------------


def test_every_record_has_valid_wire_values(store: Store) -> None:
    names = set(store.entities)
    for entity, edef in store.entities.items():
        for rid, rec in store.records[entity].items():
            assert rec["id"] == rid and rec["type"] == entity
            errors = record_errors(edef, rec, names)
            assert not errors, (entity, rid, errors[:5])


def test_every_data_type_has_real_values(store: Store) -> None:
    seen: set[str] = set()
    for entity, edef in store.entities.items():
        for rec in store.records[entity].values():
            for name, fdef in edef.fields.items():
                if rec[name] not in (None, [], ""):
                    seen.add(fdef.data_type)
    assert seen == SPEC_DATA_TYPES


def test_ids_ascend_per_type(store: Store) -> None:
    for entity, table in store.records.items():
        ids = list(table)
        assert ids == sorted(ids) and ids == list(range(1, len(ids) + 1)), entity


def test_links_point_at_existing_records_of_valid_types(store: Store) -> None:
    for entity, edef in store.entities.items():
        for rec in store.records[entity].values():
            for name, fdef, link in iter_links(store, rec, edef):
                assert link["type"] in fdef.valid_types, (entity, name, link)
                assert link["id"] in store.records[link["type"]], (entity, rec["id"], name, link)


def test_project_scoped_records_agree_on_their_project(store: Store) -> None:
    recs = store.records
    for task in recs["Task"].values():
        owner = recs[task["entity"]["type"]][task["entity"]["id"]]
        assert owner["project"] == task["project"]
        step = recs["Step"][task["step"]["id"]]
        assert step["entity_type"] == task["entity"]["type"]
    for shot in recs["Shot"].values():
        assert recs["Sequence"][shot["sg_sequence"]["id"]]["project"] == shot["project"]
    for version in recs["Version"].values():
        task = recs["Task"][version["sg_task"]["id"]]
        assert task["entity"] == version["entity"] and task["project"] == version["project"]
    for log in recs["TimeLog"].values():
        assert recs["Task"][log["entity"]["id"]]["project"] == log["project"]
    for note in recs["Note"].values():
        for link in note["note_links"]:
            assert recs[link["type"]][link["id"]]["project"] == note["project"]


def test_reverse_links_are_consistent(store: Store) -> None:
    recs = store.records
    for user in recs["HumanUser"].values():
        for g in user["groups"]:
            assert {"type": "HumanUser", "id": user["id"]} in recs["Group"][g["id"]]["users"]
        for p in user["projects"]:
            assert {"type": "HumanUser", "id": user["id"]} in recs["Project"][p["id"]]["users"]
    for group in recs["Group"].values():
        for u in group["users"]:
            assert {"type": "Group", "id": group["id"]} in recs["HumanUser"][u["id"]]["groups"]
    for project in recs["Project"].values():
        for u in project["users"]:
            assert {"type": "Project", "id": project["id"]} in recs["HumanUser"][u["id"]]["projects"]
    for shot in recs["Shot"].values():
        for a in shot["assets"]:
            assert {"type": "Shot", "id": shot["id"]} in recs["Asset"][a["id"]]["shots"]
    for asset in recs["Asset"].values():
        for s in asset["shots"]:
            assert {"type": "Asset", "id": asset["id"]} in recs["Shot"][s["id"]]["assets"]
    for task in recs["Task"].values():
        for up in task["upstream_tasks"]:
            assert {"type": "Task", "id": task["id"]} in recs["Task"][up["id"]]["downstream_tasks"]
        for down in task["downstream_tasks"]:
            assert {"type": "Task", "id": task["id"]} in recs["Task"][down["id"]]["upstream_tasks"]


def test_timestamps_are_ordered_and_not_in_the_future(store: Store) -> None:
    limit = TODAY.isoformat()
    for entity, table in store.records.items():
        for rec in table.values():
            assert rec["created_at"] <= rec["updated_at"], (entity, rec["id"])
            assert rec["updated_at"][:10] < limit, (entity, rec["id"], rec["updated_at"])


def test_users_are_plausible(store: Store) -> None:
    users = list(store.records["HumanUser"].values())
    logins = [u["login"] for u in users]
    assert len(set(logins)) == len(logins)
    for u in users:
        assert u["name"] == f"{u['firstname']} {u['lastname']}"
        assert u["email"].endswith("@example.com") and u["email"].split("@")[0] == u["login"]
        assert len(u["password_proxy"]) >= 8
    assert {u["sg_status_list"] for u in users} <= {"act", "dis"}
    assert sum(u["sg_status_list"] == "act" for u in users) >= 8


def test_shot_numbers_are_consistent(store: Store) -> None:
    for shot in store.records["Shot"].values():
        cut = shot["sg_cut_out"] - shot["sg_cut_in"] + 1
        assert shot["sg_cut_duration"] == cut > 0
        assert shot["sg_head_in"] <= shot["sg_cut_in"] and shot["sg_tail_out"] >= shot["sg_cut_out"]
        feet, frames = map(int, shot["sg_footage"].split("-"))
        assert feet * 16 + frames == cut
        assert shot["sg_timecode_out"] > shot["sg_timecode_in"]
        tasks = [t for t in store.records["Task"].values() if t["entity"] == {"type": "Shot", "id": shot["id"]}]
        live = [t for t in tasks if t["sg_status_list"] != "omt"]
        if live:
            expected = round(100 * sum(t["sg_status_list"] == "fin" for t in live) / len(live))
            assert shot["sg_percent_complete"] == expected


# -- schedule realism -------------------------------------------------------------------


def tasks_by_owner(store: Store) -> dict[tuple[str, int], list[dict[str, Any]]]:
    out: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for task in store.records["Task"].values():
        out[(task["entity"]["type"], task["entity"]["id"])].append(task)
    return out


def test_tasks_start_and_end_on_working_days_with_matching_duration(store: Store) -> None:
    for task in store.records["Task"].values():
        start, due, pid = d(task["start_date"]), d(task["due_date"]), task["project"]["id"]
        assert start <= due
        assert working(store, start, pid) and working(store, due, pid), task["id"]
        days = sum(working(store, start + timedelta(days=i), pid) for i in range((due - start).days + 1))
        assert task["duration"] == days * 8 * 60
        assert task["est_in_mins"] > 0 and task["est_in_mins"] % 240 == 0


def test_tasks_follow_the_pipeline_step_order(store: Store) -> None:
    steps = store.records["Step"]
    ordered = sorted(steps.values(), key=lambda s: s["list_order"])
    shot_order = [s["code"] for s in ordered if s["entity_type"] == "Shot"]
    assert shot_order == ["Matchmove", "Layout", "Animation", "FX", "Lighting", "Roto", "Comp"]
    for owner, tasks in tasks_by_owner(store).items():
        chain = sorted(tasks, key=lambda t: steps[t["step"]["id"]]["list_order"])
        assert [t["id"] for t in chain] == sorted(t["id"] for t in tasks)
        for before, after in zip(chain, chain[1:]):
            assert d(after["start_date"]) > d(before["due_date"]), owner
            assert after["upstream_tasks"] == [{"type": "Task", "id": before["id"]}]
        owner_steps = [steps[t["step"]["id"]]["code"] for t in chain]
        assert len(owner_steps) == len(set(owner_steps))
        assert [t["content"] for t in chain] == owner_steps


def test_task_statuses_agree_with_today(store: Store) -> None:
    archived = {pid for pid, p in store.records["Project"].items() if p["archived"]}
    past = current = future = 0
    past_fin = overdue = 0
    for task in store.records["Task"].values():
        start, due, status = d(task["start_date"]), d(task["due_date"]), task["sg_status_list"]
        if status in ("ip", "rev", "fin"):
            assert start <= TODAY, task
        if status in ("wtg", "rdy"):
            assert due >= TODAY, task
        if task["project"]["id"] in archived:
            assert status in ("fin", "omt") and due < TODAY
            continue
        if due < TODAY:
            past += 1
            past_fin += status == "fin"
            overdue += status in ("ip", "rev")
        elif start > TODAY:
            future += 1
        else:
            current += 1
    assert past and current and future
    assert past_fin / past > 0.75
    assert overdue > 0  # a few late tasks are still in progress
    statuses = {t["sg_status_list"] for t in store.records["Task"].values()}
    assert statuses == {"wtg", "rdy", "ip", "rev", "fin", "hld", "omt"}


def test_assignees_are_people_and_groups(store: Store) -> None:
    kinds: set[str] = set()
    sizes = []
    for task in store.records["Task"].values():
        kinds.update(a["type"] for a in task["task_assignees"])
        sizes.append(len(task["task_assignees"]))
        if task["sg_status_list"] in ("ip", "rev", "fin"):
            assert task["task_assignees"], task
    assert kinds == {"HumanUser", "Group"}
    assert max(sizes) >= 2


def test_time_logs_sum_matches_the_logs(store: Store) -> None:
    sums: dict[int, int] = defaultdict(int)
    for log in store.records["TimeLog"].values():
        sums[log["entity"]["id"]] += log["duration"]
    for task in store.records["Task"].values():
        assert task["time_logs_sum"] == sums.get(task["id"], 0)
    ratios = [t["time_logs_sum"] / t["est_in_mins"] for t in store.records["Task"].values()
              if t["sg_status_list"] == "fin" and t["time_logs_sum"]]
    assert 0.8 <= statistics.median(ratios) <= 1.25
    assert any(r > 1.1 for r in ratios) and any(r < 0.9 for r in ratios)


def test_time_logs_fall_on_days_their_user_works(store: Store) -> None:
    tasks = store.records["Task"]
    for log in store.records["TimeLog"].values():
        day = d(log["date"])
        assert day < TODAY
        assert working(store, day, log["project"]["id"], log["user"]["id"]), log
        task = tasks[log["entity"]["id"]]
        assert day >= d(task["start_date"])
        assert task["sg_status_list"] in ("ip", "rev", "fin", "hld")
        assert log["duration"] > 0 and log["duration"] % 15 == 0


def test_versions_follow_their_task(store: Store) -> None:
    tasks = store.records["Task"]
    by_task: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for v in store.records["Version"].values():
        by_task[v["sg_task"]["id"]].append(v)
        task = tasks[v["sg_task"]["id"]]
        assert v["created_at"][:10] >= task["start_date"]
        assert v["frame_count"] == v["sg_last_frame"] - v["sg_first_frame"] + 1
        if v["entity"]["type"] == "Shot":
            assert v["frame_count"] == store.records["Shot"][v["entity"]["id"]]["sg_cut_duration"]
    for tid, versions in by_task.items():
        if tasks[tid]["sg_status_list"] == "fin":
            last = max(versions, key=lambda v: v["code"])
            assert last["sg_status_list"] in ("apr", "vwd")


def test_notes_review_versions_and_address_people(store: Store) -> None:
    kinds: set[str] = set()
    for note in store.records["Note"].values():
        assert note["content"]
        assert any(link["type"] == "Version" for link in note["note_links"])
        assert note["addressings_to"]
        kinds.update(a["type"] for a in note["addressings_to"] + note["addressings_cc"])
    assert kinds == {"HumanUser", "Group"}
    assert any(n["tag_list"] for n in store.records["Note"].values())


# -- a healthy production with a few real problems ---------------------------------------------
# These read the store the way a producer reads a schedule: what is late, who is over-booked,
# how many tasks each person juggles, and whether finished work is closed out.

OPEN = ("wtg", "rdy", "ip", "rev")  # statuses of work still to do (on hold and omitted book nothing)
REALISM = [(SCALE, SEED, TODAY), (0.3, 1, date(2025, 10, 6)), (0.5, 4, date(2026, 12, 1))]


@pytest.fixture(scope="module", params=REALISM, ids=lambda p: f"scale{p[0]}-seed{p[1]}-{p[2]}")
def show(request: Any, store: Store) -> tuple[Store, date]:
    scale, seed, today = request.param
    return (store if (scale, seed, today) == (SCALE, SEED, TODAY) else generate(scale=scale, seed=seed,
                                                                                 today=today)), today


def live_tasks(store: Store) -> list[dict[str, Any]]:
    archived = {pid for pid, p in store.records["Project"].items() if p["archived"]}
    return [t for t in store.records["Task"].values() if t["project"]["id"] not in archived]


def working_days_between(store: Store, after: date, until: date) -> int:
    """Studio working days after ``after`` up to and including ``until``."""
    return sum(working(store, after + timedelta(days=i)) for i in range(1, (until - after).days + 1))


def sequence_of(store: Store, task: dict[str, Any]) -> int | None:
    if task["entity"]["type"] != "Shot":
        return None
    return store.records["Shot"][task["entity"]["id"]]["sg_sequence"]["id"]


def test_late_work_is_rare_and_concentrated(show: tuple[Store, date]) -> None:
    store, today = show
    tasks = live_tasks(store)
    late = [t for t in tasks if t["sg_status_list"] in OPEN + ("hld",) and d(t["due_date"]) < today]
    assert 0 < len(late) <= 0.02 * len(tasks)
    by_seq = defaultdict(int)
    for t in late:
        by_seq[sequence_of(store, t)] += 1
    assert by_seq.get(None, 0) <= 3  # hardly any late asset work
    shots = sorted((n for k, n in by_seq.items() if k is not None), reverse=True)
    assert sum(shots[:2]) >= 0.7 * sum(shots)  # one or two sequences hold most of it
    worst = max(working_days_between(store, d(t["due_date"]), today) for t in late)
    assert worst <= 20
    late_shots = {t["entity"]["id"] for t in late if t["entity"]["type"] == "Shot"}
    assert 1 <= len(late_shots) <= 20  # a handful of shots


def test_finished_work_is_finished(show: tuple[Store, date]) -> None:
    store, today = show
    tasks = live_tasks(store)
    long_ago = today - timedelta(days=30)
    leftovers = [t for t in tasks if d(t["due_date"]) < long_ago and t["sg_status_list"] not in ("fin", "omt")]
    assert leftovers == []
    last_due: dict[int, date] = {}
    for t in tasks:
        seq = sequence_of(store, t)
        if seq is not None:
            last_due[seq] = max(last_due.get(seq, date.min), d(t["due_date"]))
    closed = [seq for seq, due in last_due.items() if due < long_ago]
    assert closed
    for seq in closed:
        assert store.records["Sequence"][seq]["sg_status_list"] in ("fin", "omt"), seq
    for p in store.records["Project"].values():
        if p["archived"]:
            assert all(t["sg_status_list"] in ("fin", "omt") for t in store.records["Task"].values()
                       if t["project"]["id"] == p["id"])


def person_week_bookings(store: Store, monday: date, weeks: int) -> dict[tuple[int, date], float]:
    """(user id, Monday) → booked / available, for open work spread over each person's own working days."""
    booked: dict[tuple[int, date], float] = defaultdict(float)
    end = monday + timedelta(days=7 * weeks - 1)
    for t in live_tasks(store):
        if t["sg_status_list"] not in OPEN:
            continue
        start, due = d(t["start_date"]), d(t["due_date"])
        if due < monday or start > end:
            continue
        people = [a["id"] for a in t["task_assignees"] if a["type"] == "HumanUser"]
        for uid in people:
            span = [start + timedelta(days=i) for i in range((due - start).days + 1)]
            worked = [x for x in span if working(store, x, None, uid)] or [start]
            for x in worked:
                if monday <= x <= end:
                    booked[(uid, x - timedelta(days=x.weekday()))] += t["est_in_mins"] / len(people) / len(worked)
    out = {}
    for (uid, week), minutes in booked.items():
        available = 480 * sum(working(store, week + timedelta(days=i), None, uid) for i in range(7))
        out[(uid, week)] = minutes / available if available else float("inf")
    return out


def test_a_few_people_are_over_booked_by_a_plausible_margin(show: tuple[Store, date]) -> None:
    store, today = show
    monday = today - timedelta(days=today.weekday())
    loads = person_week_bookings(store, monday, 4)
    over = {uid for (uid, _), load in loads.items() if load > 1.0 + 1e-9}
    artists = [u for u in store.records["HumanUser"].values() if u["sg_department"] != "Production"]
    assert 1 <= len(over) <= max(3, 0.04 * len(artists))
    assert max(loads.values()) <= 1.4
    busy = [load for load in loads.values() if load > 0]
    assert 0.35 <= statistics.median(busy) <= 1.0  # people with work are mostly busy, not idle or swamped


def test_people_juggle_a_few_tasks_at_a_time(show: tuple[Store, date]) -> None:
    store, today = show
    running: dict[int, int] = defaultdict(int)
    window: dict[int, int] = defaultdict(int)
    horizon = today + timedelta(days=27)
    for t in live_tasks(store):
        if t["sg_status_list"] not in OPEN:
            continue
        start, due = d(t["start_date"]), d(t["due_date"])
        for a in t["task_assignees"]:
            if a["type"] == "HumanUser":
                running[a["id"]] += start <= today <= due
                window[a["id"]] += start <= horizon and due >= today
    assert max(running.values()) <= 4
    assert statistics.median(v for v in running.values() if v) <= 2
    assert statistics.median(v for v in window.values() if v) <= 5  # tasks are a week long, give or take


def test_departments_are_staffed_for_their_work(show: tuple[Store, date]) -> None:
    """Over the last half year and the next two months, no department is booked much beyond its people
    (in past weeks, everyone who was there then, including people who have left since)."""
    store, today = show
    steps = {sid: r["code"] for sid, r in store.records["Step"].items()}
    dept_of = {"Model": "Assets", "Rig": "Assets", "Surface": "Assets", "Lookdev": "Lighting",
               "Matchmove": "Layout", "Layout": "Layout", "Animation": "Animation", "FX": "FX",
               "Lighting": "Lighting", "Roto": "Compositing", "Comp": "Compositing"}
    people, here = defaultdict(int), defaultdict(int)  # everyone who worked there; those still here
    for u in store.records["HumanUser"].values():
        people[u["sg_department"]] += 1
        here[u["sg_department"]] += u["sg_status_list"] == "act"
    lo, hi = today - timedelta(days=182), today + timedelta(days=60)
    demand: dict[tuple[str, date], float] = defaultdict(float)
    for t in live_tasks(store):
        if t["sg_status_list"] == "omt":
            continue
        start, due = d(t["start_date"]), d(t["due_date"])
        if due < lo or start > hi:
            continue
        days = [start + timedelta(days=i) for i in range((due - start).days + 1)]
        days = [x for x in days if working(store, x)] or [start]
        for x in days:
            if lo <= x <= hi:
                demand[(dept_of[steps[t["step"]["id"]]], x - timedelta(days=x.weekday()))] += \
                    t["est_in_mins"] / 480 / len(days)
    assert demand
    for (dept, week), person_days in demand.items():
        staff = people[dept] if week + timedelta(days=6) < today else here[dept]
        capacity = staff * sum(working(store, week + timedelta(days=i)) for i in range(7))
        if capacity:  # a go-to artist's deliberate over-booking may tip a small department over a little
            assert person_days <= 1.1 * capacity, (dept, week, person_days, capacity)


def test_finished_steps_come_in_around_their_bid(store: Store) -> None:
    """FX runs over its bid, as it usually does; the pipeline as a whole lands near it."""
    steps = {sid: r["code"] for sid, r in store.records["Step"].items()}
    bid: dict[str, int] = defaultdict(int)
    logged: dict[str, int] = defaultdict(int)
    for t in store.records["Task"].values():
        if t["sg_status_list"] == "fin":
            bid[steps[t["step"]["id"]]] += t["est_in_mins"]
            logged[steps[t["step"]["id"]]] += t["time_logs_sum"]
    ratio = {k: logged[k] / bid[k] for k in bid}
    assert max(ratio, key=ratio.get) == "FX" and ratio["FX"] > 1.08
    assert 0.9 <= sum(logged.values()) / sum(bid.values()) <= 1.1


# -- the work-day calendar ------------------------------------------------------------------


def test_weekends_are_off_and_weekdays_on_by_default(store: Store) -> None:
    cal = store.calendar
    assert cal.studio_week == (True, True, True, True, True, False, False)
    day = TODAY - timedelta(days=200)
    seen = 0
    for i in range(120):
        current = day + timedelta(days=i)
        if current in cal.studio_exceptions:
            continue
        rule = cal.rule(current)
        assert rule["working"] == (current.weekday() < 5)
        assert rule["reason"] == "STUDIO_WORK_WEEK"
        seen += 1
    assert seen > 100


def test_studio_holidays_are_off(store: Store) -> None:
    cal = store.calendar
    for year in (TODAY.year - 1, TODAY.year):
        for day in (date(year, 1, 1), date(year, 12, 25)):
            rule = cal.rule(day)
            assert rule["working"] is False and rule["reason"] == "STUDIO_EXCEPTION" and rule["description"]
    # and no task of any project is scheduled to start or end on one
    holidays = {day.isoformat() for day, (on, _) in cal.studio_exceptions.items() if not on}
    for task in store.records["Task"].values():
        pid = task["project"]["id"]
        overridden = {day.isoformat() for day, (on, _) in cal.project_exceptions.get(pid, {}).items() if on}
        assert task["start_date"] not in holidays - overridden


def test_project_exceptions_apply_to_that_project_only(store: Store) -> None:
    cal = store.calendar
    crunch = [(pid, day) for pid, rules in cal.project_exceptions.items()
              for day, (on, text) in rules.items() if on and day.weekday() >= 5]
    closed = [(pid, day) for pid, rules in cal.project_exceptions.items()
              for day, (on, text) in rules.items() if not on and day.weekday() < 5]
    assert crunch and closed
    pids = list(store.records["Project"])
    for pid, day in crunch:
        assert cal.rule(day, project_id=pid)["working"] is True
        assert cal.rule(day, project_id=pid)["reason"] == "PROJECT_EXCEPTION"
        assert cal.rule(day)["working"] is False
        other = next(p for p in pids if day not in cal.project_exceptions.get(p, {}))
        assert cal.rule(day, project_id=other)["working"] is False
    for pid, day in closed:
        assert cal.rule(day, project_id=pid)["working"] is False
        if day not in cal.studio_exceptions:
            assert cal.rule(day)["working"] is True


def test_user_vacations_are_off_for_that_user_only(store: Store) -> None:
    cal = store.calendar
    vacations = [(uid, day) for uid, rules in cal.user_exceptions.items()
                 for day, (on, text) in rules.items() if not on and text == "Vacation"]
    users_on_vacation = {uid for uid, _ in vacations}
    assert len(users_on_vacation) >= 3
    # a week off: five weekdays in a row
    for uid in users_on_vacation:
        days = sorted(day for u, day in vacations if u == uid)
        assert len(days) >= 5
    checked = 0
    for uid, day in vacations:
        rule = cal.rule(day, user_id=uid)
        assert rule["working"] is False and rule["reason"] == "USER_EXCEPTION" and rule["description"]
        if cal.rule(day)["working"]:
            others = [u for u in store.records["HumanUser"] if u not in cal.user_exceptions
                      and u not in cal.user_weeks]
            assert others and all(cal.rule(day, user_id=u)["working"] for u in others)
            checked += 1
    assert checked
    # nobody logs time on their vacation
    off = set(vacations)
    for log in store.records["TimeLog"].values():
        assert (log["user"]["id"], d(log["date"])) not in off


def test_part_time_week(store: Store) -> None:
    cal = store.calendar
    assert cal.user_weeks
    for uid, week in cal.user_weeks.items():
        assert len(week) == 7 and sum(week) < 5
        off_days = {i for i, on in enumerate(week) if not on and i < 5}
        for log in store.records["TimeLog"].values():
            if log["user"]["id"] == uid:
                day = d(log["date"])
                rules = cal.project_exceptions.get(log["project"]["id"], {})
                if day not in cal.user_exceptions.get(uid, {}) and day not in rules \
                        and day not in cal.studio_exceptions:
                    assert day.weekday() not in off_days


# -- make_record -----------------------------------------------------------------------


@pytest.mark.parametrize("entity", sorted(ENTITY_TYPES))
def test_make_record_gives_valid_linked_values(entity: str) -> None:
    s = generate(scale=0.02, seed=9, today=TODAY)
    edef = s.entities[entity]
    names = set(s.entities)
    before = s.count(entity)
    for seed in range(5):
        values = make_record(s, entity, random.Random(seed))
        assert "id" not in values and "type" not in values
        assert set(values) <= set(edef.fields)
        for fname, fdef in edef.fields.items():
            if fdef.mandatory:
                assert values.get(fname) not in (None, "", []), (entity, fname)
        rec = s.insert(entity, values)
        assert not record_errors(edef, rec, names), record_errors(edef, rec, names)
        for name, fdef, link in iter_links(s, rec, edef):
            assert link["id"] in s.records[link["type"]], (entity, name, link)
        if edef.has_project:
            assert rec["project"] is not None
        created = datetime.strptime(rec["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        assert created <= datetime.now(timezone.utc) and rec["updated_at"] >= rec["created_at"]
    assert s.count(entity) == before + 5


def test_make_record_is_driven_by_the_rng() -> None:
    s = generate(scale=0.02, seed=9, today=TODAY)
    stamps = {"created_at", "updated_at"}
    for entity in sorted(ENTITY_TYPES):
        a = make_record(s, entity, random.Random(42))
        b = make_record(s, entity, random.Random(42))
        assert {k: v for k, v in a.items() if k not in stamps} == {k: v for k, v in b.items() if k not in stamps}


def test_make_record_links_follow_retirements() -> None:
    s = generate(scale=0.02, seed=9, today=TODAY)
    # retire most tasks: new versions and time logs must still link to live ones
    keep = list(s.records["Task"])[-3:]
    for tid in list(s.records["Task"]):
        if tid not in keep:
            s.retire("Task", tid)
    rng = random.Random(1)
    for _ in range(10):
        for entity in ("Version", "TimeLog"):
            values = make_record(s, entity, rng)
            link = values["sg_task"] if entity == "Version" else values["entity"]
            assert link["id"] in keep


def test_make_record_new_task_is_scheduled_on_working_days() -> None:
    s = generate(scale=0.02, seed=9, today=TODAY)
    rng = random.Random(3)
    for _ in range(10):
        values = make_record(s, "Task", rng)
        pid = values["project"]["id"]
        start, due = d(values["start_date"]), d(values["due_date"])
        assert TODAY < start <= due
        assert working(s, start, pid) and working(s, due, pid)
        days = sum(working(s, start + timedelta(days=i), pid) for i in range((due - start).days + 1))
        assert values["duration"] == days * 8 * 60


def test_make_record_rejects_unknown_types() -> None:
    s = generate(scale=0.01, seed=1, today=TODAY)
    with pytest.raises(KeyError):
        make_record(s, "Playlist", random.Random(0))
