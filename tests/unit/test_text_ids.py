"""Ids take their type from the backend's schema: UUID strings stay strings (issue 11, item 3).

The backend is :class:`tests.fakes.memory.MemoryBackend`: in memory, ids are UUID
strings, and its server filters by equality only (the rest runs in the local
engine). Expected values come from its records, never from the code under test.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

import trackframes as tf
from trackframes import schedule
from trackframes.schedule import task_columns, timelog_columns
from trackframes.schema import FieldKind
from trackframes.site import Site
from tests.fakes.memory import TODAY, MemoryBackend

LINKS = pa.list_(pa.struct([("id", pa.string()), ("type", pa.string()), ("name", pa.string())]))


@pytest.fixture
def backend() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
def site(backend: MemoryBackend) -> Site:
    return Site(backend, url="memory://studio", progress=False, today=TODAY)


def live(backend: MemoryBackend, entity: str) -> list[dict[str, Any]]:
    archived = {r["id"] for r in backend.records["Project"].values() if r["archived"]}
    return [r for _, r in sorted(backend.records[entity].items())
            if (r.get("project") or {}).get("id") not in archived and r["id"] not in archived]


def test_find_keeps_text_ids_and_link_ids(site, backend):
    df = site.find("Task", fields=["name", "project", "assignees", "due_date"])
    want = live(backend, "Task")
    assert site.id_kind is FieldKind.TEXT
    assert list(df["id"]) == [r["id"] for r in want]
    assert str(df["id"].dtype) == "string" and str(df["project.id"].dtype) == "string"
    assert list(df["project.id"]) == [r["project"]["id"] for r in want]
    assert df["assignees"].dtype == pd.ArrowDtype(LINKS)
    table = site.find_arrow("Task", fields=["project", "assignees"])
    assert table.schema.field("id").type == pa.string()
    assert table.schema.field("project.id").type == pa.string()
    assert table.schema.field("assignees").type == LINKS


def test_empty_results_are_typed_with_text_ids(site):
    df = site.find("Task", [["status", "is", "no such status"]], ["project", "assignees"])
    assert df.empty
    assert str(df["id"].dtype) == "string" and str(df["project.id"].dtype) == "string"
    assert df["assignees"].dtype == pd.ArrowDtype(LINKS)


def test_filters_on_text_ids_pushed_and_local(site, backend):
    people = sorted(backend.records["Person"].values(), key=lambda r: r["name"])
    ana = people[0]
    by_link = site.find("Task", [["assignees", "is", {"type": "Person", "id": ana["id"]}]], ["name"])
    assert set(by_link["id"]) == {r["id"] for r in live(backend, "Task")
                                  if any(a["id"] == ana["id"] for a in r["assignees"])}
    assert len(by_link)
    some = [r["id"] for r in live(backend, "Task")][:3]
    assert list(site.find("Task", [["id", "in", some]])["id"]) == sorted(some)
    late = site.find("Task", [["due_date", "less_than", "2026-03-01"], ["status", "is_not", "done"]], ["name"])
    assert list(late["id"]) == [r["id"] for r in live(backend, "Task")
                                if r["due_date"] < "2026-03-01" and r["status"] != "done"]
    assert site.count("Task", [["due_date", "less_than", "2026-03-01"]]) == \
        sum(r["due_date"] < "2026-03-01" for r in live(backend, "Task"))
    assert all(c.op in MemoryBackend.PUSHED for q in backend.sent for c in tf.query.walk(q.filters))


def test_project_by_name_and_by_text_id(site, backend):
    sky = next(r for r in backend.records["Project"].values() if r["name"] == "Copper Sky")
    by_name = site.find("Task", fields=["name"], project="Copper Sky")
    by_id = site.find("Task", fields=["name"], project=sky["id"])
    assert list(by_name["id"]) == list(by_id["id"]) == [r["id"] for r in live(backend, "Task")
                                                       if r["project"]["id"] == sky["id"]]
    with pytest.raises(ValueError, match="archived"):
        site.find("Task", fields=["name"], project="Old Reel")


def test_tasks_and_timelogs_frames_have_text_ids(site, backend):
    tasks = site.tasks()
    assert dict(tasks.dtypes.astype(str)) == task_columns(FieldKind.TEXT)
    assert list(tasks["id"]) == [r["id"] for r in live(backend, "Task")]
    assert list(tasks["entity.id"]) == [r["entity"]["id"] for r in live(backend, "Task")]
    assert list(tasks["done"]) == [r["status"] == "done" for r in live(backend, "Task")]
    logs = site.timelogs(start=date(2026, 2, 1), end=date(2026, 3, 31))
    assert dict(logs.dtypes.astype(str)) == timelog_columns(FieldKind.TEXT)
    assert sorted(logs["id"]) == sorted(r["id"] for r in live(backend, "TimeLog")
                                        if "2026-02-01" <= r["date"] <= "2026-03-31")
    ana = next(r for r in backend.records["Person"].values() if r["username"] == "ana")
    mine = site.timelogs(user="ana")
    assert set(mine["user.id"]) == {ana["id"]} and len(mine)
    assert len(site.timelogs(user=ana["id"])) == len(mine)
    empty = site.tasks(filters=[["status", "is", "no such status"]])
    assert empty.empty and dict(empty.dtypes.astype(str)) == task_columns(FieldKind.TEXT)


def test_frame_helpers_keep_text_ids(site, backend):
    tasks = site.find("Task", fields=["name", "project", "assignees"])
    exploded = tasks.tf.explode("assignees")
    assert str(exploded["assignees.id"].dtype) == "string"
    assert set(exploded["assignees.id"].dropna()) == {a["id"] for r in live(backend, "Task") for a in r["assignees"]}
    expanded = tasks[["id", "name", "project.id", "project.type"]].tf.expand("project", ["name", "archived"])
    projects = backend.records["Project"]
    assert list(expanded["project.name"]) == [projects[p]["name"] for p in tasks["project.id"]]
    assert list(expanded["project.archived"]) == [projects[p]["archived"] for p in tasks["project.id"]]
    util = schedule.utilization(site.timelogs(), site.tasks(), start=date(2026, 2, 2), end=date(2026, 3, 29))
    people = {r["id"] for r in backend.records["Person"].values()}
    assert len(util) and set(util["user.id"]) <= people and str(util["user.id"].dtype) == "string"


def test_people_and_projects_shortcuts_read_the_backends_directory(site, backend):
    assert list(site.projects()["name"]) == ["Copper Sky"]
    assert list(site.projects(include_archived_projects=True)["name"]) == ["Copper Sky", "Old Reel"]
    people = site.people()
    assert list(people.columns) == ["id", "name", "username", "email"]
    assert sorted(people["id"]) == sorted(backend.records["Person"])
