"""Kitsu's column types: the docs/dtypes.md table, and Zou's naive UTC times under a machine in another zone."""

from __future__ import annotations

import os
import re
import time
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

import gazu
import pytest

from trackframes import frames
from trackframes.backends.kitsu.schema import ID_SPEC, data_type_kinds
from trackframes.schema import FieldSpec
from tests.kitsu.conftest import Zou
from tests.kitsu.helpers import connect

DOC = Path(__file__).resolve().parents[2] / "docs" / "dtypes.md"
ROW = re.compile(r"^\| `([^`]+)` \| ([a-z_]+) \| (.+?) \| (.+?) \| (.+?) \|$")


def kitsu_rows() -> dict[str, tuple[str, list[str], list[str], list[str]]]:
    """The rows of the Kitsu table of docs/dtypes.md (between its heading and the next one)."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Kitsu (Zou)", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = ROW.match(line)
        if m:
            cells = [re.findall(r"`([^`]*)`", m.group(i)) for i in (3, 4, 5)]
            rows[m.group(1)] = (m.group(2), *cells)
    return rows


def test_every_kitsu_data_type_is_documented_and_nothing_else() -> None:
    assert sorted(kitsu_rows()) == sorted(data_type_kinds())


@pytest.mark.parametrize("data_type", sorted(data_type_kinds()))
def test_documented_columns_and_dtypes_are_what_a_kitsu_frame_gets(data_type: str) -> None:
    kind_text, columns, pandas_dtypes, arrow_types = kitsu_rows()[data_type]
    kind = data_type_kinds()[data_type]
    assert kind.value == kind_text
    specs = [ID_SPEC, FieldSpec("f", kind, data_type)]
    table = frames.empty_table(specs)
    df = frames.to_pandas(table, specs)
    assert str(df["id"].dtype) == "string" and str(table.schema.field("id").type) == "string"
    got = [c for c in df.columns if c != "id"]
    assert got == [c.replace("<f>", "f") for c in columns]
    assert [str(df[c].dtype) for c in got] == pandas_dtypes
    assert [str(table.schema.field(c).type) for c in got] == arrow_types


@pytest.fixture()
def tokyo() -> Iterator[None]:
    """The machine's time zone set to Asia/Tokyo (UTC+9) for the test, then put back."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    try:
        assert time.localtime().tm_gmtoff == 9 * 3600
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_naive_utc_times_are_utc_whatever_the_machine_zone(zou: Zou, tokyo: None) -> None:
    site = connect(zou)
    fields = ["created_at", "updated_at", "start_date", "due_date", "estimation", "duration", "project"]
    df = site.find("Task", fields=fields, project=zou.main["id"])
    dtypes = {c: str(df[c].dtype) for c in df.columns}
    assert dtypes["created_at"] == dtypes["updated_at"] == "datetime64[ms, UTC]"
    assert dtypes["start_date"] == dtypes["due_date"] == "datetime64[ms]"
    assert dtypes["estimation"] == dtypes["duration"] == "Float64"
    assert dtypes["id"] == dtypes["project.id"] == "string"
    tasks = {t["id"]: t for t in gazu.task.all_tasks_for_project(zou.main["id"], client=zou.client())}
    by_id = df.set_index("id")
    for task_id, task in tasks.items():
        row = by_id.loc[task_id]
        created = datetime.fromisoformat(task["created_at"]).replace(tzinfo=timezone.utc)
        assert row["created_at"].to_pydatetime() == created
        if task["start_date"]:
            assert row["start_date"].date() == date.fromisoformat(task["start_date"][:10])
        assert row["estimation"] == task["estimation"]  # minutes, as Zou stores them
    # the instant printed in the machine's zone is 9 hours ahead: nothing was read as local time
    sample = tasks[next(iter(tasks))]["created_at"]
    local = by_id.loc[next(iter(tasks)), "created_at"].tz_convert("Asia/Tokyo")
    assert local.hour == (datetime.fromisoformat(sample).hour + 9) % 24
