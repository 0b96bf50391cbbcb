"""``site.tasks()``, ``site.timelogs()`` and ``site.work_day_rules()`` on the real Zou.

The canonical columns are the same on every backend; the values are checked
against gazu's records and the seed's plan: steps are task types, statuses
their short names, ``done`` the statuses Zou marks done, dates the task's own
or else its schedule item's, minutes Zou's.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import gazu
import pandas as pd
import pytest

import trackframes as tf
from trackframes.schedule.frames import task_columns, timelog_columns
from trackframes.schema import FieldKind
from tests.kitsu.conftest import Zou
from tests.kitsu.helpers import connect


@pytest.fixture(scope="module")
def site(zou: Zou) -> tf.Site:
    return connect(zou)


@pytest.fixture(scope="module")
def gz(zou: Zou) -> Any:
    return zou.client()


def test_tasks_have_the_canonical_columns_and_gazus_values(site: tf.Site, zou: Zou, gz: Any) -> None:
    df = site.tasks(project="TF Seed Main")
    assert {c: str(t) for c, t in df.dtypes.items()} == task_columns(FieldKind.TEXT)
    tasks = {t["id"]: t for t in gazu.task.all_tasks_for_project(zou.main["id"], client=gz)}
    assert set(df["id"]) == set(tasks)
    types = {t["id"]: t["name"] for t in gazu.task.all_task_types(client=gz)}
    statuses = {s["id"]: s for s in gazu.task.all_task_statuses(client=gz)}
    shots = {s["id"]: s for s in gazu.shot.all_shots_for_project(zou.main["id"], client=gz)}
    for row in df.astype(object).where(df.notna(), None).to_dict("records"):
        task = tasks[row["id"]]
        status = statuses[task["task_status_id"]]
        assert row["status"] == status["short_name"] and row["done"] == bool(status["is_done"])
        assert row["step.name"] == types[task["task_type_id"]] and row["step.id"] == task["task_type_id"]
        assert row["logged_minutes"] == task["duration"] and row["estimate_minutes"] == task["estimation"]
        assert row["entity.id"] == task["entity_id"] and row["project.id"] == zou.main["id"]
        shot = shots.get(task["entity_id"])
        assert row["sequence.id"] == (shot["parent_id"] if shot else None)
        assert sorted(a["id"] for a in row["assignees"]) == sorted(task["assignees"])
    assert df["status"].isna().sum() == 0 and df["done"].any() and not df["done"].all()


def _items(zou: Zou, gz: Any) -> dict[tuple[str, str | None], dict[str, Any]]:
    items = gazu.client.fetch_all(f"projects/{zou.main['id']}/schedule-items", client=gz)
    return {(i["task_type_id"], i["object_id"]): i for i in items}


def test_tasks_without_dates_take_their_schedule_items_dates(site: tf.Site, zou: Zou, gz: Any) -> None:
    df = site.tasks(project=zou.main["id"]).set_index("id")
    items = _items(zou, gz)
    shots = {s["id"]: s for s in gazu.shot.all_shots_for_project(zou.main["id"], client=gz)}
    undated = [t for t in gazu.task.all_tasks_for_project(zou.main["id"], client=gz) if not t["start_date"]]
    assert len(undated) > 50  # the seed leaves about 15 % of the tasks without dates
    from_sequence = 0
    for task in undated:
        shot = shots.get(task["entity_id"])
        item = items.get((task["task_type_id"], shot["parent_id"] if shot else None))
        from_sequence += item is not None and shot is not None
        item = item or items[(task["task_type_id"], None)]
        row = df.loc[task["id"]]
        assert row["start_date"].date() == date.fromisoformat(item["start_date"])
        assert row["due_date"].date() == date.fromisoformat(item["end_date"])
    assert from_sequence > 0  # Animation is planned per sequence as well as for the project
    dated = [t for t in gazu.task.all_tasks_for_project(zou.main["id"], client=gz) if t["start_date"]]
    assert all(df.loc[t["id"], "start_date"].date() == date.fromisoformat(t["start_date"][:10]) for t in dated)


def test_timelogs_have_the_canonical_columns_and_every_minute(site: tf.Site, zou: Zou) -> None:
    df = site.timelogs(project="TF Seed Main")
    assert {c: str(t) for c, t in df.dtypes.items()} == timelog_columns(FieldKind.TEXT)
    assert set(df["id"]) == set(zou.main["time_spents"])
    assert df["minutes"].sum() == zou.main["time_spent_minutes"]
    assert set(df["project.name"]) == {"TF Seed Main"}
    bruno = site.timelogs(project="TF Seed Main", user=zou.person("Bruno")["email"])
    assert len(bruno) and set(bruno["user.name"]) == {"Bruno Silva"}
    assert set(bruno["id"]) == set(df.loc[df["user.name"] == "Bruno Silva", "id"])
    january = site.timelogs(project="TF Seed Main", start="2026-01-01", end="2026-01-31")
    assert set(january["id"]) == set(df.loc[df["date"] < pd.Timestamp("2026-02-01"), "id"])


def test_work_day_rules_are_monday_to_friday_less_day_offs(site: tf.Site, zou: Zou) -> None:
    studio = site.work_day_rules("2026-03-01", "2026-03-31")
    assert list(studio["working"]) == [d.weekday() < 5 for d in studio["date"]]
    ada = site.work_day_rules("2026-03-01", "2026-03-31", user=zou.person("Ada")["email"])
    off = {d.date() for d, working in zip(ada["date"], ada["working"]) if not working and d.weekday() < 5}
    assert off == {date(2026, 3, 2) + timedelta(days=i) for i in range(5)}  # her holiday, 2 to 6 March
    assert set(ada.loc[ada["date"].dt.date.isin(off), "description"]) == {"Holiday"}
    bruno = site.work_day_rules("2026-03-09", "2026-03-09", user=zou.person("Bruno")["email"])
    assert list(bruno["working"]) == [False]


def test_a_working_day_lasts_the_studios_hours_by_day(zou: Zou, gz: Any) -> None:
    """Kitsu's organisation says how long a working day is; the tasks frame's calendar uses it."""
    from tests.kitsu.test_zou_up import Api

    api = Api(zou)
    organisation = gazu.client.fetch_all("organisations", client=gz)[0]
    before = organisation["hours_by_day"]
    api.session.put(f"{api.url}/data/organisations/{organisation['id']}", json={"hours_by_day": 7.5},
                    timeout=60).raise_for_status()
    try:
        df = connect(zou).tasks(project="TF Seed Main")
        assert df.attrs["trackframes"]["calendar"]["minutes_per_day"] == 450
    finally:
        api.session.put(f"{api.url}/data/organisations/{organisation['id']}", json={"hours_by_day": before},
                        timeout=60).raise_for_status()
