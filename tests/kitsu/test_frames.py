"""Every entity type and every field: our frame equals gazu's records of the same data, typed.

gazu (the official client) returns plain dicts: ids, naive UTC timestamp strings,
raw ``*_id`` foreign keys, custom fields as the strings the UI wrote. Here each of
its records is typed by hand, independently of the backend's decoder: links get
their type and name from gazu's own lists, timestamps become UTC instants, and
custom fields are parsed from what the seed wrote. The frame must hold exactly
those values, row for row.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any, Callable

import gazu
import pytest

import trackframes as tf
from trackframes.schema import FieldKind
from tests.kitsu.conftest import Zou
from tests.kitsu.helpers import connect

ENTITY_TYPES = ("Project", "Episode", "Sequence", "Shot", "Asset", "AssetType", "Task", "TaskType", "TaskStatus",
                "Person", "Department", "TimeSpent", "DayOff", "ScheduleItem", "Milestone", "Comment",
                "PreviewFile", "Playlist")


@pytest.fixture(scope="module")
def site(zou: Zou) -> tf.Site:
    return connect(zou)


@pytest.fixture(scope="module")
def gz(zou: Zou) -> Any:
    return zou.client()


def _records(zou: Zou, gz: Any) -> dict[str, Callable[[], list[dict[str, Any]]]]:
    """gazu's records of each entity type (the main project's, for project-scoped types)."""
    main = zou.main["id"]
    fetch = gazu.client.fetch_all
    return {
        "Project": lambda: fetch("projects", {"relations": "true"}, client=gz),
        "Episode": lambda: fetch("entities", {"id": json.dumps(zou.main["episodes"]), "relations": "true"}, client=gz),
        "Sequence": lambda: fetch("entities", {"id": json.dumps(zou.main["sequences"]), "relations": "true"},
                                  client=gz),
        "Shot": lambda: [s for part in _parts(zou.main["shots"]) for s in
                         fetch("entities", {"id": json.dumps(part), "relations": "true"}, client=gz)],
        "Asset": lambda: fetch("entities", {"id": json.dumps(zou.main["assets"]), "relations": "true"}, client=gz),
        "AssetType": lambda: gazu.asset.all_asset_types(client=gz),
        "Task": lambda: gazu.task.all_tasks_for_project(main, client=gz),
        "TaskType": lambda: gazu.task.all_task_types(client=gz),
        "TaskStatus": lambda: gazu.task.all_task_statuses(client=gz),
        "Person": lambda: fetch("persons", {"relations": "true"}, client=gz),
        "Department": lambda: gazu.person.all_departments(client=gz),
        "TimeSpent": lambda: fetch(f"projects/{main}/time-spents", client=gz),
        "DayOff": lambda: fetch("day-offs", client=gz),
        "ScheduleItem": lambda: fetch("schedule-items", {"project_id": main}, client=gz),
        "Milestone": lambda: fetch("milestones", {"project_id": main}, client=gz),
        "Comment": lambda: gazu.task.all_comments_for_project(main, client=gz),
        "PreviewFile": lambda: fetch("preview-files", {"relations": "true"}, client=gz),
        "Playlist": lambda: gazu.playlist.all_playlists_for_project(main, client=gz),
    }


def _parts(ids: list[str], size: int = 60) -> list[list[str]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


@pytest.fixture(scope="module")
def names(zou: Zou, gz: Any) -> dict[str, tuple[str, str | None]]:
    """id → (entity type, name) of everything a link can point at, from gazu's lists."""
    out: dict[str, tuple[str, str | None]] = {}
    fetch = gazu.client.fetch_all
    for p in fetch("projects", client=gz):
        out[p["id"]] = ("Project", p["name"])
    for p in fetch("persons", client=gz):
        out[p["id"]] = ("Person", p["full_name"])
    for kind, rows, field in [("TaskType", gazu.task.all_task_types(client=gz), "name"),
                              ("TaskStatus", gazu.task.all_task_statuses(client=gz), "name"),
                              ("Department", gazu.person.all_departments(client=gz), "name"),
                              ("AssetType", gazu.asset.all_asset_types(client=gz), "name"),
                              ("ProjectStatus", gazu.project.all_project_status(client=gz), "name")]:
        out.update({r["id"]: (kind, r[field]) for r in rows})
    for project in (zou.main["id"], zou.archive["id"]):
        for kind, rows in [("Episode", gazu.shot.all_episodes_for_project(project, client=gz)),
                           ("Sequence", gazu.shot.all_sequences_for_project(project, client=gz)),
                           ("Shot", gazu.shot.all_shots_for_project(project, client=gz)),
                           ("Asset", gazu.asset.all_assets_for_project(project, client=gz))]:
            out.update({r["id"]: (kind, r["name"]) for r in rows})
        out.update({t["id"]: ("Task", t["name"]) for t in gazu.task.all_tasks_for_project(project, client=gz)})
    out.update({p["id"]: ("PreviewFile", p["name"]) for p in fetch("preview-files", client=gz)})
    out.update({c["id"]: ("Comment", None) for c in gazu.task.all_comments_for_project(zou.main["id"], client=gz)})
    return out


def _custom(data_type: str, raw: Any) -> Any:
    """A custom field as the seed wrote it, read the way its type says (the test's own reading)."""
    if raw in (None, ""):
        return [] if data_type == "taglist" else None
    return {
        "number": lambda v: float(v),
        "boolean": lambda v: v == "true",
        "taglist": lambda v: v.split(","),
        "date": date.fromisoformat,
        "checklist": json.loads,
    }.get(data_type, lambda v: v)(raw)


def _expected(spec: tf.schema.FieldSpec, record: dict[str, Any], names: dict) -> Any:
    """One field of a gazu record, typed by hand."""
    custom = spec.extra.get("custom")
    if custom is not None:
        data = record.get("data") or {}
        return _custom(custom, data.get(spec.extra["key"]))
    raw = record.get(spec.extra.get("wire", spec.name))
    kind = spec.kind
    if kind is FieldKind.ENTITY:
        return None if raw is None else {"id": raw, "type": names[raw][0], "name": names[raw][1]}
    if kind is FieldKind.MULTI_ENTITY:
        return [{"id": i, "type": names[i][0], "name": names[i][1]} for i in raw or []]
    if raw is None:
        return None
    if kind is FieldKind.DATETIME:
        return datetime.fromisoformat(raw).replace(tzinfo=timezone.utc)
    if kind is FieldKind.DATE:
        return date.fromisoformat(raw[:10])
    if kind is FieldKind.JSON:
        return raw
    if kind is FieldKind.FLOAT:
        return float(raw)
    return raw


def _actual(spec: tf.schema.FieldSpec, row: dict[str, Any]) -> Any:
    """One field of a frame row (``find_arrow``'s Python values), links gathered back into a dict."""
    if spec.kind is FieldKind.ENTITY:
        link = {part: row[f"{spec.name}.{part}"] for part in ("id", "type", "name")}
        return None if link["id"] is None else link
    value = row[spec.name]
    if spec.kind is FieldKind.JSON and value is not None:
        return json.loads(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc)
    return value


def _frame_rows(site: tf.Site, zou: Zou, entity: str) -> list[dict[str, Any]]:
    if entity in ("Project", "AssetType", "TaskType", "TaskStatus", "Person", "Department", "DayOff",
                  "PreviewFile"):
        table = site.find_arrow(entity, fields="*", include_archived_projects=True)
    else:
        table = site.find_arrow(entity, fields="*", project=zou.main["id"])
    return table.to_pylist()


@pytest.mark.parametrize("entity", ENTITY_TYPES)
def test_frame_equals_gazu_records(site: tf.Site, zou: Zou, gz: Any, names: dict, entity: str) -> None:
    wanted = {r["id"]: r for r in _records(zou, gz)[entity]()}
    rows = {r["id"]: r for r in _frame_rows(site, zou, entity)}
    assert wanted and set(rows) == set(wanted)
    specs = [s for s in site.backend.resolve_fields(entity, "*") if s.name != "id"]
    assert len(specs) >= 3
    closed = {s["id"] for s in gazu.project.all_project_status(client=gz) if s["name"] == "Closed"}
    for rid, record in wanted.items():
        for spec in specs:
            if spec.name == "project" and spec.extra.get("derived"):  # read per project: the main one here
                record = {**record, "project_id": zou.main["id"]}
            elif spec.name == "archived" and entity == "Project":  # the project's status is Closed
                record = {**record, "archived": record["project_status_id"] in closed}
            assert _actual(spec, rows[rid]) == _expected(spec, record, names), (entity, rid, spec.name)


def test_custom_fields_equal_what_the_seed_wrote(site: tf.Site, zou: Zou) -> None:
    """Against the seed's own plan (not the server): every custom field of every shot, asset and task."""
    descriptors = zou.main["descriptors"]
    for entity, written in (("Shot", zou.main["shot_data"]), ("Asset", zou.main["asset_data"]),
                            ("Task", zou.main["task_data"])):
        mine = {k.split(".", 1)[1]: d for k, d in descriptors.items() if k.startswith(f"{entity}.")}
        fields = [f"data.{name}" for name in mine]
        rows = {r["id"]: r for r in site.find_arrow(entity, fields=fields, project=zou.main["id"]).to_pylist()}
        for rid, data in written.items():
            for name, descriptor in mine.items():
                got = rows[rid][f"data.{name}"]
                want = _custom(descriptor["data_type"], data.get(name))
                if descriptor["data_type"] == "checklist" and got is not None:
                    got = json.loads(got)
                assert got == want, (entity, rid, name)
