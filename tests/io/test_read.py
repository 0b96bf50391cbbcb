"""read_parquet / read_arrow: ``columns`` keep ``id``, ``filters`` prune partitions, bad input is named."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import trackframes as tf
from trackframes.io import CorruptDatasetError, NotADatasetError, read_arrow, read_parquet

FIELDS = ["content", "sg_status_list", "due_date", "task_assignees", "project"]


@pytest.fixture(scope="module")
def dataset(sb, tmp_path_factory):
    """Tasks partitioned by project name, read only."""
    path = tmp_path_factory.mktemp("read") / "tasks"
    with sb.connect(progress=False) as site:
        site.export("Task", path, fields=FIELDS, partition_by="project.name")
    return path


def _projects(site) -> list[str]:
    names = site.find("Task", fields=["project"])["project.name"].dropna().unique().tolist()
    assert len(names) >= 2
    return sorted(names)


# -- columns ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [["content"], ["due_date", "content"], ["content", "id"], ["id"],
                                     ["task_assignees", "content", "content"]])
def test_columns_keep_id_first_as_find_does(site, dataset, columns):
    got = read_parquet(dataset, columns=columns)
    fields = [c for c in dict.fromkeys(columns) if c != "id"]
    want = site.find("Task", fields=fields or ["content"])[["id"] + fields]
    pd.testing.assert_frame_equal(got, want)
    arrow = read_arrow(dataset, columns=columns)
    assert arrow.column_names == ["id"] + fields


def test_columns_of_a_single_file_keep_id_too(site, tmp_path):
    want = site.find("Task", fields=["content", "due_date"])
    file = tmp_path / "t.parquet"
    want.tf.to_parquet(file)
    assert list(read_parquet(file, columns=["due_date"]).columns) == ["id", "due_date"]
    no_id = tmp_path / "no-id.parquet"
    want.drop(columns="id").to_parquet(no_id)
    assert list(read_parquet(no_id, columns=["due_date"]).columns) == ["due_date"]


def test_a_string_for_columns_is_refused_with_the_fix(dataset):
    with pytest.raises(TypeError, match=r"columns=\['content'\]"):
        read_parquet(dataset, columns="content")


# -- filters ---------------------------------------------------------------------------------------------------


def test_filters_on_a_partition_key_read_only_those_directories(site, tmp_path):
    path = tmp_path / "tasks"
    site.export("Task", path, fields=FIELDS, partition_by="project.name")
    keep, *others = _projects(site)
    # damage every file outside the kept partition: a read that opened them would fail
    damaged = 0
    for file in path.rglob("*.parquet"):
        if file.parent.name != "project.name=" + keep.replace(" ", "%20"):
            file.write_bytes(b"not parquet")
            damaged += 1
    assert damaged >= len(others)
    want = site.find("Task", [["project.Project.name", "is", keep]], FIELDS)
    pd.testing.assert_frame_equal(read_parquet(path, filters=[("project.name", "=", keep)]), want)
    assert read_arrow(path, filters=pc.field("project.name") == keep).num_rows == len(want)
    with pytest.raises(CorruptDatasetError):
        read_parquet(path)  # the damage is real


@pytest.mark.parametrize("filters, site_filters", [
    ([("sg_status_list", "in", ["ip", "rev"])], [["sg_status_list", "in", ["ip", "rev"]]]),
    (("sg_status_list", "=", "ip"), [["sg_status_list", "is", "ip"]]),
    ([("due_date", ">=", date(2026, 3, 1)), ("sg_status_list", "!=", "fin")],
     [["due_date", "greater_than", "2026-02-28"], ["sg_status_list", "is_not", "fin"]]),
    (pc.field("id") < 40, [["id", "less_than", 40]]),
])
def test_filters_on_columns_select_the_rows_find_selects(site, dataset, filters, site_filters):
    got = read_parquet(dataset, filters=filters)
    want = site.find("Task", site_filters, FIELDS)
    assert len(want) > 0
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs["trackframes"]["read_filters"]


def test_filters_in_disjunctive_normal_form(site, dataset):
    a, b = _projects(site)[:2]
    got = read_parquet(dataset, columns=["content"],
                       filters=[[("project.name", "=", a)], [("project.name", "=", b), ("sg_status_list", "=", "ip")]])
    want = site.find("Task", {"logical_operator": "or", "conditions": [
        ["project.Project.name", "is", a],
        {"logical_operator": "and", "conditions": [["project.Project.name", "is", b], ["sg_status_list", "is", "ip"]]}]},
        ["content"])
    pd.testing.assert_frame_equal(got, want)


def test_a_period_key_filters_by_directory(site, tmp_path):
    path = tmp_path / "versions"
    site.export("Version", path, fields=["code", "created_at"], partition_by="created_at:month")
    months = sorted(p.name.split("=", 1)[1] for p in path.iterdir() if p.is_dir())
    month = months[len(months) // 2]
    got = read_parquet(path, filters=[("created_at_month", "=", month)])
    every = site.find("Version", fields=["code", "created_at"])
    want = every[every["created_at"].dt.strftime("%Y-%m") == month].reset_index(drop=True)
    assert len(want) > 0
    pd.testing.assert_frame_equal(got, want)
    assert "created_at_month" not in got.columns


def test_filters_on_a_plain_file_and_a_directory_of_files(site, tmp_path):
    want = site.find("Task", fields=["content", "sg_status_list"])
    file = tmp_path / "t.parquet"
    want.tf.to_parquet(file)
    got = read_parquet(file, filters=[("sg_status_list", "=", "ip")])
    expected = want[want["sg_status_list"] == "ip"].reset_index(drop=True)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(got, expected)
    folder = tmp_path / "folder"
    folder.mkdir()
    want.tf.to_parquet(folder / "a.parquet")
    assert len(read_parquet(folder, filters=[("sg_status_list", "=", "ip")])) == len(expected)


@pytest.mark.parametrize("filters, error, message", [
    ([("sg_status", "=", "ip")], tf.SchemaError, "filters name the column 'sg_status'.*Did you mean 'sg_status_list'"),
    ([("id", "=", "twelve")], ValueError, "filters .* do not fit the columns of"),
    ([("id", "~", 3)], ValueError, "filters"),
    ("id > 3", TypeError, "filters must be"),
])
def test_bad_filters_are_refused_before_reading(dataset, filters, error, message):
    with pytest.raises(error, match=message):
        read_parquet(dataset, filters=filters)


# -- what is not a dataset, and damage -----------------------------------------------------------------------------


def test_paths_that_are_not_datasets_are_named(tmp_path):
    missing = tmp_path / "missing"
    with pytest.raises(NotADatasetError, match=f"{missing} does not exist"):
        read_parquet(missing)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NotADatasetError, match=f"{empty} is empty: it is not a dataset"):
        read_parquet(empty)
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "notes.txt").write_text("hello")
    (mine / "sub" / "more.csv").write_text("a,b")
    with pytest.raises(NotADatasetError, match=r"holds no Parquet files \(notes.txt, sub/more.csv\)") as caught:
        read_parquet(mine)
    assert isinstance(caught.value, FileNotFoundError) and isinstance(caught.value, tf.TrackframesError)
    assert caught.value.path == mine


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "flip"])
def test_a_damaged_parquet_file_is_named(site, tmp_path, damage):
    path = tmp_path / "tasks"
    site.export("Task", path, fields=FIELDS, partition_by="project.name")
    victim = sorted(path.rglob("*.parquet"))[1]
    data = victim.read_bytes()
    if damage == "truncate":
        victim.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        victim.write_bytes(b"<html>login</html>" * 20)
    elif damage == "empty":
        victim.write_bytes(b"")
    else:  # the footer stays, the column chunks are overwritten
        meta = pq.read_metadata(victim)
        start = meta.row_group(0).column(1).data_page_offset
        victim.write_bytes(data[:start] + bytes(range(256)) * 4 + data[start + 1024:])
    with pytest.raises(CorruptDatasetError) as caught:
        read_parquet(path)
    assert str(victim) in str(caught.value) and caught.value.file == victim and caught.value.path == path
    assert isinstance(caught.value, tf.TrackframesError)


def test_a_damaged_single_file_is_named(tmp_path):
    file = tmp_path / "t.parquet"
    file.write_bytes(b"PAR1 nothing else")
    with pytest.raises(CorruptDatasetError, match=f"{file} cannot be read as Parquet"):
        read_parquet(file)


def test_a_file_listed_in_the_metadata_but_gone_is_named(site, tmp_path):
    path = tmp_path / "tasks"
    site.export("Task", path, fields=["content"], partition_by="sg_status_list")
    gone = sorted(path.rglob("*.parquet"))[0]
    gone.unlink()
    with pytest.raises(CorruptDatasetError, match=f"{gone} is missing"):
        read_parquet(path)


@pytest.mark.parametrize("content, message", [
    (b"{ not json", "is not valid JSON"),
    (b"null", "is not trackframes dataset metadata"),
    (b"[1, 2]", "is not trackframes dataset metadata"),
    (b'{"format": "trackframes-dataset", "format_version": 1}', "has no 'site'"),
])
def test_damaged_metadata_is_named(site, tmp_path, content, message):
    path = tmp_path / "tasks"
    site.export("Task", path, fields=["content"])
    (path / "_trackframes.json").write_bytes(content)
    with pytest.raises(CorruptDatasetError, match=message) as caught:
        read_parquet(path)
    assert str(path / "_trackframes.json") in str(caught.value)


def test_damaged_values_inside_the_metadata_are_named(site, tmp_path):
    import orjson

    path = tmp_path / "tasks"
    site.export("Task", path, fields=["content"])
    meta = orjson.loads((path / "_trackframes.json").read_bytes())
    for key, value in [("arrow_schema", "bm90IGEgc2NoZW1h"), ("watermark", "yesterday"), ("files", [{"path": 1}]),
                       ("rows", "many")]:
        broken = {**meta, key: value}
        (path / "_trackframes.json").write_bytes(orjson.dumps(broken))
        with pytest.raises(CorruptDatasetError, match=f"'{key}'"):
            read_parquet(path)
