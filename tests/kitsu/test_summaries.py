"""Summaries on Kitsu (computed by the shared local engine) equal a pandas recomputation of gazu's records.

Zou has no summary endpoint: ``site.summarize`` fetches the fields and the local
engine summarizes them into the same tidy frame as ShotGrid's server summaries.
Here pandas recomputes each summary from gazu's records of the same tasks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import gazu
import pandas as pd
import pytest

import trackframes as tf
from tests.kitsu.conftest import Zou
from tests.kitsu.helpers import connect


@pytest.fixture(scope="module")
def site(zou: Zou) -> tf.Site:
    return connect(zou)


@pytest.fixture(scope="module")
def tasks(zou: Zou) -> pd.DataFrame:
    """gazu's tasks of the main project, with the task type's name and the start day."""
    gz = zou.client()
    types = {t["id"]: t["name"] for t in gazu.task.all_task_types(client=gz)}
    df = pd.DataFrame(gazu.task.all_tasks_for_project(zou.main["id"], client=gz))
    df["type_name"] = df["task_type_id"].map(types)
    df["start"] = pd.to_datetime(df["start_date"].str[:10])
    return df


def _main(zou: Zou, *conditions: list[Any]) -> list[list[Any]]:
    return [["project", "is", {"type": "Project", "id": zou.main["id"]}], *conditions]


def test_totals_equal_pandas(site: tf.Site, zou: Zou, tasks: pd.DataFrame) -> None:
    s = site.summarize("Task", {"estimation": "sum", "id": "record_count", "priority": "average",
                                "difficulty": "maximum", "start_date": "earliest", "due_date": "latest",
                                "description": "count"}, _main(zou))
    total = s.attrs["total"]
    assert total["estimation_sum"] == tasks["estimation"].sum()
    assert total["id_record_count"] == len(tasks)
    assert total["priority_average"] == pytest.approx(tasks["priority"].mean())
    assert total["difficulty_maximum"] == tasks["difficulty"].max()
    assert total["start_date_earliest"].date() == tasks["start"].min().date()
    assert total["due_date_latest"].date() == date.fromisoformat(tasks["due_date"].dropna().max()[:10])
    assert total["description_count"] == tasks["description"].notna().sum()


def test_groups_by_link_and_by_month_equal_pandas(site: tf.Site, zou: Zou, tasks: pd.DataFrame) -> None:
    s = site.summarize("Task", {"estimation": "sum", "id": "record_count"},
                       _main(zou, ["priority", "greater_than", 0]),
                       grouping=[("task_type", "exact"), ("start_date", "month")])
    mine = tasks[tasks["priority"] > 0]
    want = mine.groupby(["task_type_id", mine["start"].dt.to_period("M")], dropna=False).agg(
        estimation_sum=("estimation", "sum"), id_record_count=("id", "size")).reset_index()
    assert len(s) == len(want) and s["id_record_count"].sum() == len(mine)
    got = {(r["task_type.id"], None if pd.isna(r["start_date"]) else r["start_date"].to_period("M")):
           (r["estimation_sum"], r["id_record_count"]) for r in s.to_dict("records")}
    for r in want.to_dict("records"):
        month = None if pd.isna(r["start"]) else r["start"]
        assert got[(r["task_type_id"], month)] == (r["estimation_sum"], r["id_record_count"])
    assert dict(zip(s["task_type.id"], s["task_type.name"])) == dict(zip(mine["task_type_id"], mine["type_name"]))


def test_counts_through_a_link_grouped_descending(site: tf.Site, zou: Zou, tasks: pd.DataFrame) -> None:
    s = site.summarize("Task", {"task_status.short_name": "count"}, _main(zou),
                       grouping=[("task_type", "exact", "desc")])
    want = tasks.groupby("type_name").size().sort_index(ascending=False)
    assert list(s["task_type.name"]) == list(want.index)
    assert list(s["task_status.short_name_count"]) == list(want.values)
