"""tf.read_dask on a real Dask cluster: a LocalCluster of two worker processes, started and stopped here.

dtypes equal ``find``'s (list<struct> as ArrowDtype, known categories in ``find``'s
order, UTC timestamps, dates, nullable numbers), values equal ``read_parquet``'s,
``filters=`` leaves partitions out of the graph, ``columns=`` keeps ``id``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pyarrow.compute as pc
import pytest

import trackframes as tf
from trackframes.io import CorruptDatasetError, NotADatasetError, export

from .conftest import PROJECT_NAMES, SPECS, Exported, engines_store

DATASETS = [spec.name for spec in SPECS]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as c:
        yield c


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values("id", ignore_index=True)


def _categories(df: Any) -> dict[str, list[str]]:
    return {c: list(df[c].cat.categories) for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)}


def test_the_workers_are_separate_processes_running_this_trackframes(client):
    pids = client.run(os.getpid)
    assert len(pids) == 2 and os.getpid() not in pids.values()
    files = client.run(lambda: __import__("trackframes").__file__)
    assert set(files.values()) == {tf.__file__}


@pytest.mark.parametrize("name", DATASETS)
def test_dtypes_are_finds_and_values_are_read_parquets(client, exported: Exported, name):
    found = exported.found[name]
    ddf = tf.read_dask(exported.paths[name])
    assert list(ddf.columns) == list(found.columns)
    assert dict(ddf.dtypes) == dict(found.dtypes)
    assert _categories(ddf._meta) == _categories(found)  # known, and in find's order
    assert all(ddf[c].cat.known for c in _categories(found))
    got = ddf.compute()
    assert dict(got.dtypes) == dict(found.dtypes)
    pd.testing.assert_frame_equal(_sorted(got), tf.read_parquet(exported.paths[name]))
    pd.testing.assert_frame_equal(_sorted(got), found)


def test_each_partition_is_in_id_order_with_finds_dtypes(client, exported: Exported):
    ddf = tf.read_dask(exported.paths["versions"])
    parts = client.gather(client.compute(ddf.to_delayed()))
    assert len(parts) == ddf.npartitions > 10
    for part in parts:
        assert part["id"].is_monotonic_increasing
        assert dict(part.dtypes) == dict(exported.found["versions"].dtypes)


def test_filters_on_a_partition_key_leave_the_other_directories_out(client, exported: Exported):
    path = exported.paths["tasks"]
    project = PROJECT_NAMES[2]
    every = tf.read_dask(path)
    some = tf.read_dask(path, filters=[("project.name", "=", project)])
    assert (every.npartitions, some.npartitions) == (3, 1)
    want = tf.read_parquet(path, filters=[("project.name", "=", project)])
    assert len(want) and set(want["project.name"]) == {project}
    pd.testing.assert_frame_equal(_sorted(some.compute()), want)


def test_filters_on_a_period_key_and_a_column_together(client, exported: Exported):
    path = exported.paths["versions"]
    filters = [("created_at_month", ">=", "2026-01"), ("sg_status_list", "in", ["apr", "rev"]),
               ("sg_uploaded_movie_frame_rate", ">", 0.0)]
    some = tf.read_dask(path, filters=filters)
    assert 0 < some.npartitions < tf.read_dask(path).npartitions
    want = tf.read_parquet(path, filters=filters)
    assert 0 < len(want) < len(exported.found["versions"])
    pd.testing.assert_frame_equal(_sorted(some.compute()), want)


@pytest.mark.parametrize("columns", [["content"], ["task_assignees", "due_date"], ["content", "id"], ["id"]])
def test_columns_keep_id_first(client, exported: Exported, columns):
    path = exported.paths["tasks"]
    ddf = tf.read_dask(path, columns=columns)
    want = tf.read_parquet(path, columns=columns)
    assert list(ddf.columns) == list(want.columns) == ["id"] + [c for c in columns if c != "id"]
    assert dict(ddf.dtypes) == dict(want.dtypes)
    pd.testing.assert_frame_equal(_sorted(ddf.compute()), want)


def test_selecting_columns_after_reading_gives_the_same_values(client, exported: Exported):
    """Dask pushes a column selection into the read; the values are those of the full read."""
    path = exported.paths["shots"]
    got = tf.read_dask(path)[["id", "assets", "sg_sequence.name"]].compute()
    pd.testing.assert_frame_equal(_sorted(got), tf.read_parquet(path, columns=["assets", "sg_sequence.name"]))


# -- a dataset of small row groups, and an empty one -----------------------------------------------------------


@pytest.fixture(scope="module")
def small_groups(tmp_path_factory) -> Iterator[dict[str, Path]]:
    """Tasks in row groups of 50 rows (unpartitioned), and a dataset of no rows."""
    root = tmp_path_factory.mktemp("dask-groups")
    fields = ["content", "sg_status_list", "task_assignees", "due_date", "est_in_mins", "project"]
    with tf.sandbox.serve(store=engines_store()) as sb, sb.connect(progress=False) as site:
        export(site, "Task", root / "tasks", fields=fields, row_group_size=50)
        site.export("Task", root / "none", fields=fields, filters=[["id", "less_than", 0]])
        found = site.find("Task", fields=fields)
        none = site.find("Task", [["id", "less_than", 0]], fields)
    yield {"tasks": root / "tasks", "none": root / "none", "found": found, "found_none": none}


def test_partitions_are_whole_row_groups_up_to_rows_per_partition(client, small_groups):
    path = small_groups["tasks"]
    total = len(small_groups["found"])
    assert total > 300
    ddf = tf.read_dask(path, rows_per_partition=120)  # two row groups of 50 per partition
    sizes = ddf.map_partitions(len).compute().tolist()
    assert sum(sizes) == total
    assert all(size <= 120 for size in sizes) and sizes.count(100) >= total // 100 - 1
    assert ddf.npartitions == len(sizes) == -(-total // 100)
    assert tf.read_dask(path).npartitions == 1
    assert tf.read_dask(path, rows_per_partition=1).npartitions == -(-total // 50)  # a row group is never split
    pd.testing.assert_frame_equal(_sorted(ddf.compute()), small_groups["found"])


def test_filters_skip_row_groups_by_their_statistics(client, small_groups):
    path = small_groups["tasks"]
    filters = [("id", "<", 80)]
    ddf = tf.read_dask(path, filters=filters, rows_per_partition=50)
    every = tf.read_dask(path, rows_per_partition=50)
    assert ddf.npartitions < every.npartitions
    want = tf.read_parquet(path, filters=filters)
    assert list(want["id"]) == [i for i in small_groups["found"]["id"] if i < 80]
    pd.testing.assert_frame_equal(_sorted(ddf.compute()), want)
    expression = tf.read_dask(path, filters=pc.field("id") < 80, rows_per_partition=50)
    assert expression.npartitions == ddf.npartitions


def test_an_empty_dataset_gives_an_empty_frame_of_finds_dtypes(client, small_groups):
    ddf = tf.read_dask(small_groups["none"])
    got = ddf.compute()
    want = small_groups["found_none"]
    assert len(got) == len(want) == 0
    assert dict(ddf.dtypes) == dict(got.dtypes) == dict(want.dtypes)
    assert _categories(got) == _categories(want)
    pd.testing.assert_frame_equal(got, want)


# -- bad input ---------------------------------------------------------------------------------------------------


def test_an_unknown_column_is_named_with_the_closest(exported: Exported):
    with pytest.raises(tf.SchemaError, match=r"has no column 'contnet'.*'content'"):
        tf.read_dask(exported.paths["tasks"], columns=["contnet"])
    with pytest.raises(tf.SchemaError, match=r"filters name the column 'projet.name'.*'project.name'"):
        tf.read_dask(exported.paths["tasks"], filters=[("projet.name", "=", "x")])
    with pytest.raises(ValueError, match="filters"):
        tf.read_dask(exported.paths["tasks"], filters=[("id", "=", "12")])
    with pytest.raises(TypeError, match=r"columns=\['content'\]"):
        tf.read_dask(exported.paths["tasks"], columns="content")


@pytest.mark.parametrize("bad", [0, -5, 1.5, "100", True])
def test_rows_per_partition_must_be_a_whole_number(exported: Exported, bad):
    with pytest.raises(ValueError, match=r"rows_per_partition must be a whole number of rows >= 1.*not "):
        tf.read_dask(exported.paths["tasks"], rows_per_partition=bad)


def test_a_folder_that_is_not_a_dataset_points_to_dask(tmp_path):
    with pytest.raises(NotADatasetError, match="dask.dataframe.read_parquet"):
        tf.read_dask(tmp_path)


def test_a_damaged_file_is_named(exported: Exported, tmp_path):
    copy = tmp_path / "tasks"
    shutil.copytree(exported.paths["tasks"], copy)
    victim = sorted(copy.rglob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[:100])
    with pytest.raises(CorruptDatasetError, match=re.escape(str(victim))):
        tf.read_dask(copy)


def test_a_file_damaged_after_the_graph_was_made_is_named_by_the_worker(client, exported: Exported, tmp_path):
    copy = tmp_path / "versions"
    shutil.copytree(exported.paths["versions"], copy)
    ddf = tf.read_dask(copy)
    victim = sorted(copy.rglob("*.parquet"))[0]
    data = bytearray(victim.read_bytes())
    data[4:200] = b"\xff" * 196  # the pages, not the footer
    victim.write_bytes(bytes(data))
    with pytest.raises(CorruptDatasetError, match=re.escape(str(victim))) as caught:
        ddf.compute()
    assert Path(caught.value.file) == victim


def test_without_dask_the_error_says_how_to_install_it(exported: Exported):
    code = ("import sys; sys.modules['dask'] = None; sys.modules['dask.dataframe'] = None\n"
            "import trackframes as tf\n"
            f"try:\n    tf.read_dask({str(exported.paths['tasks'])!r})\n"
            "except ImportError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert 'pip install "trackframes[dask]"' in done.stdout
