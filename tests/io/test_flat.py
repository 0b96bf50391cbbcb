"""df.tf.flat(tz=...): frames that Excel and CSV take, with local wall-clock times and lists joined as text."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pytest

import trackframes as tf

ENTITIES = ["Task", "Version", "Shot", "Asset", "Project", "HumanUser", "Note", "TimeLog"]


def _names(links: object) -> object:
    """Linked records as the text a person reads, computed here without trackframes."""
    if links is None or links is pd.NA:
        return None
    return ", ".join(link["name"] if link.get("name") else f"{link['type']} {link['id']}" for link in links)


def _wall_clock(moment: pd.Timestamp, zone: str) -> datetime | None:
    if pd.isna(moment):
        return None
    return moment.to_pydatetime().astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def test_excel_refuses_find_frames_as_they_are(site, tmp_path):
    """The problem flat solves: timezone-aware columns (and list columns) do not go into Excel."""
    pytest.importorskip("openpyxl")
    tasks = site.find("Task", fields=["content", "updated_at"])
    with pytest.raises(ValueError, match="Excel does not support datetimes with timezones"):
        tasks.to_excel(tmp_path / "t.xlsx")


@pytest.mark.parametrize("entity", ENTITIES)
def test_every_column_of_every_entity_goes_to_excel_and_reads_back_as_people_see_it(site, tmp_path, entity):
    pytest.importorskip("openpyxl")
    df = site.find(entity)
    flat = df.tf.flat(tz="Europe/Paris")
    file = tmp_path / f"{entity}.xlsx"
    flat.to_excel(file, index=False)
    back = pd.read_excel(file)
    assert list(back.columns) == list(df.columns) and len(back) == len(df)
    for column in df.columns:
        dtype = df[column].dtype
        got = [None if pd.isna(v) else v for v in back[column].tolist()]
        if isinstance(dtype, pd.DatetimeTZDtype):
            want = [_wall_clock(v, "Europe/Paris") for v in df[column]]
            got = [None if v is None else pd.Timestamp(v).to_pydatetime() for v in got]
        elif isinstance(dtype, pd.ArrowDtype) and pa.types.is_list(dtype.pyarrow_dtype):
            if pa.types.is_struct(dtype.pyarrow_dtype.value_type):
                want = [_names(v) for v in df[column].tolist()]
            else:
                want = [None if v is None else ", ".join(v) for v in df[column].tolist()]
            want = [None if w == "" else w for w in want]  # Excel keeps no empty strings
        elif str(dtype) == "datetime64[ms]":
            want = [None if pd.isna(v) else v.to_pydatetime() for v in df[column]]
            got = [None if v is None else pd.Timestamp(v).to_pydatetime() for v in got]
        else:
            want = [None if pd.isna(v) else v for v in df[column].astype(object)]
            if str(dtype) in ("string", "category"):
                got = [None if v is None else str(v) for v in got]  # Excel turns "12" into 12
                want = [None if v is None else str(v) for v in want]
        assert got == want, (entity, column)


def test_csv_has_joined_names_and_no_python_reprs(site):
    tasks = site.find("Task", fields=["content", "task_assignees", "updated_at", "due_date"])
    assert tasks["task_assignees"].map(len).max() >= 2  # the joining is exercised
    text = tasks.tf.flat(tz="America/Los_Angeles").to_csv(index=False)
    assert "[{" not in text and "'id':" not in text and "+00:00" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    for row, (_, task) in zip(rows, tasks.iterrows()):
        assert row["task_assignees"] == (_names(task["task_assignees"]) or "")
        want = _wall_clock(task["updated_at"], "America/Los_Angeles")
        assert row["updated_at"] == ("" if want is None else str(pd.Timestamp(want)))


def test_summer_and_winter_times_get_their_own_offsets():
    df = pd.DataFrame({"at": pd.to_datetime(["2026-01-15 12:00", "2026-07-15 12:00", None], utc=True)})
    flat = df.tf.flat(tz="Europe/Paris")
    assert flat["at"].tolist()[:2] == [pd.Timestamp("2026-01-15 13:00"), pd.Timestamp("2026-07-15 14:00")]
    assert pd.isna(flat["at"].iloc[2]) and flat["at"].dt.tz is None
    assert df.tf.flat()["at"].iloc[0] == pd.Timestamp("2026-01-15 12:00")  # default: UTC wall clock
    assert df.tf.flat(tz=timezone.utc)["at"].iloc[1] == pd.Timestamp("2026-07-15 12:00")


def test_lists_missing_empty_and_unnamed_items():
    typ = pa.list_(pa.struct([("id", pa.int64()), ("type", pa.string()), ("name", pa.string())]))
    links = pa.array([[{"id": 1, "type": "HumanUser", "name": "Ana"}, {"id": 2, "type": "HumanUser", "name": "Bo"}],
                      [], None, [{"id": 12, "type": "Group", "name": None}]], typ)
    tags = pa.array([["hero", "fx"], [], None, ["x"]], pa.list_(pa.string()))
    index = [10, 11, 12, 13]
    df = pd.DataFrame({"links": pd.Series(links, dtype=pd.ArrowDtype(typ), index=index),
                       "tags": pd.Series(tags, dtype=pd.ArrowDtype(tags.type), index=index)})
    flat = df.tf.flat(sep=" / ")
    assert flat["links"].fillna("<missing>").tolist() == ["Ana / Bo", "", "<missing>", "Group 12"]
    assert flat["tags"].fillna("<missing>").tolist() == ["hero / fx", "", "<missing>", "x"]
    assert list(flat.index) == [10, 11, 12, 13]


def test_numbers_categories_and_dates_are_kept_and_the_original_is_untouched(site):
    tasks = site.find("Task", fields=["content", "sg_status_list", "duration", "due_date", "task_assignees",
                                      "updated_at"])
    before = tasks.copy()
    flat = tasks.tf.flat(tz="Asia/Tokyo")
    for column in ["id", "content", "sg_status_list", "duration", "due_date"]:
        pd.testing.assert_series_equal(flat[column], tasks[column])
    pd.testing.assert_frame_equal(tasks, before)
    assert flat.attrs["trackframes"]["flat"] == {"tz": "Asia/Tokyo", "sep": ", "}
    assert flat.attrs["trackframes"]["entity"] == "Task"


def test_arrow_backed_frames_flatten_too(site, tmp_path):
    pytest.importorskip("openpyxl")
    tasks = site.find("Task", fields=["content", "task_assignees", "updated_at", "due_date", "duration"])
    file = tmp_path / "t.parquet"
    tasks.to_parquet(file)
    arrow = pd.read_parquet(file, dtype_backend="pyarrow")  # every column Arrow-backed
    flat = arrow.tf.flat(tz="Europe/Paris")
    assert str(flat["updated_at"].dtype).startswith("datetime64[") and flat["updated_at"].dt.tz is None
    flat.to_excel(tmp_path / "t.xlsx", index=False)
    assert pd.read_excel(tmp_path / "t.xlsx")["task_assignees"].fillna("").tolist() == [
        _names(v) for v in tasks["task_assignees"].tolist()]


def test_schedule_frames_flatten_for_excel(site, tmp_path):
    pytest.importorskip("openpyxl")
    for frame in (site.tasks(), site.timelogs()):
        frame.tf.flat(tz="Europe/London").to_excel(tmp_path / "s.xlsx", index=False)
        assert len(pd.read_excel(tmp_path / "s.xlsx")) == len(frame)


@pytest.mark.parametrize("tz, error, message", [
    ("Europe/Pari", ValueError, "Unknown time zone 'Europe/Pari'. Did you mean 'Europe/Paris'?"),
    ("paris", ValueError, "Did you mean 'Europe/Paris'?"),
    ("PST", ValueError, "Did you mean 'America/Los_Angeles'?"),
    ("", ValueError, "Unknown time zone ''"),
    ("../../etc/passwd", ValueError, "Unknown time zone"),
    (3600, TypeError, "tz must be a time zone name"),
])
def test_wrong_zones_are_refused_with_the_closest_names(site, tz, error, message):
    tasks = site.find("Task", fields=["updated_at"])
    with pytest.raises(error) as caught:
        tasks.tf.flat(tz=tz)
    assert message in str(caught.value)


def test_flat_is_reachable_as_documented():
    df = pd.DataFrame({"a": [1]})
    assert df.tf.flat(tz="UTC").equals(tf.io.flat.flat(df, "UTC"))
