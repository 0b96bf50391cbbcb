"""Export and sync on the real Zou: a dataset reads back as ``find`` gives it, and a sync after edits
equals a fresh export, with Zou's event log (an admin) and without it (an artist: ids compared)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import gazu
import pandas as pd
import pytest

import trackframes as tf
from trackframes.backends.kitsu.changes import Feed
from tests.kitsu.conftest import Zou
from tests.kitsu.helpers import connect
from tests.kitsu.test_zou_up import Api

FIELDS = ["name", "priority", "task_type", "task_status", "entity", "assignees", "start_date", "updated_at",
          "data.render_layers"]


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a = a.sort_values("id").reset_index(drop=True)
    b = b.sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a[b.columns], b, check_categorical=False)


@pytest.fixture()
def scratch_tasks(zou: Zou) -> Iterator[tuple[Api, list[str]]]:
    """Tasks made for the test in the main project (deleted afterwards, whatever happens)."""
    api = Api(zou)
    first = gazu.task.all_tasks_for_project(zou.main["id"], client=zou.client())[0]
    template = {k: first[k] for k in ("project_id", "task_type_id", "task_status_id", "entity_id")}
    made = [api.post("data/tasks", {**template, "name": f"export-{i}", "priority": 1}).json()["id"] for i in range(3)]
    yield api, made
    for task_id in made:
        api.session.delete(f"{api.url}/data/tasks/{task_id}", timeout=60)


def _edit(api: Api, made: list[str], zou: Zou) -> dict[str, Any]:
    """A task edited, a task deleted, a task created: what a sync must pick up."""
    api.session.put(f"{api.url}/data/tasks/{made[0]}", json={"priority": 3}, timeout=60).raise_for_status()
    api.session.delete(f"{api.url}/data/tasks/{made[1]}", timeout=60).raise_for_status()
    first = gazu.task.all_tasks_for_project(zou.main["id"], client=zou.client())[0]
    template = {k: first[k] for k in ("project_id", "task_type_id", "task_status_id", "entity_id")}
    new = api.post("data/tasks", {**template, "name": "export-new", "priority": 2}).json()["id"]
    made.append(new)
    return {"edited": made[0], "deleted": made[1], "created": new}


def test_export_reads_back_like_find(zou: Zou, tmp_path: Path) -> None:
    site = connect(zou)
    where = tmp_path / "tasks"
    result = site.export("Task", where, [["project", "is", {"type": "Project", "id": zou.main["id"]}]], FIELDS,
                         partition_by="task_type.name")
    back = tf.read_parquet(where)
    found = site.find("Task", [["project", "is", {"type": "Project", "id": zou.main["id"]}]], FIELDS)
    assert result.rows == len(found) == len(zou.main["tasks"])
    _same(back, found)


@pytest.mark.parametrize("who", ["admin", "artist"])
def test_sync_after_edits_equals_a_fresh_export(zou: Zou, tmp_path: Path, scratch_tasks: Any, who: str) -> None:
    api, made = scratch_tasks
    if who == "admin":
        site = connect(zou)
        assert Feed(site.backend).available("Task")  # deletions come from Zou's event log
    else:  # an artist of the main project may not read the event log: sync compares ids
        person = zou.person("Chloe")
        site = connect(zou, tf.UserPassword(person["email"], person["password"]))
        assert site.backend.changed_since("Task", pd.Timestamp.now(tz="UTC")) is None
    filters = [["project", "is", {"type": "Project", "id": zou.main["id"]}]]
    where = tmp_path / "synced"
    site.export("Task", where, filters, FIELDS)
    changes = _edit(api, made, zou)
    site.sync(where, overlap=600)
    synced = tf.read_parquet(where)
    ids = set(synced["id"])
    assert changes["created"] in ids and changes["deleted"] not in ids
    assert synced.set_index("id").loc[changes["edited"], "priority"] == 3
    fresh = tmp_path / "fresh"
    site.export("Task", fresh, filters, FIELDS)
    _same(synced, tf.read_parquet(fresh))
