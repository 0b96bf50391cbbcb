"""sync and read_parquet given bad arguments or bad paths: one clear error naming the argument or the path."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

import trackframes as tf
from tests.io.conftest import now_iso, siblings, tree_digest
from trackframes.io import CorruptDatasetError, NotADatasetError, read_parquet, sync


@pytest.fixture
def exported(fresh, tmp_path):
    path = tmp_path / "tasks"
    with fresh.connect(progress=False) as site:
        site.export("Task", path, fields=["content", "sg_status_list"], partition_by="sg_status_list")
    return path


@pytest.mark.parametrize("overlap, error", [
    ("abc", TypeError), ("60", TypeError), ([60], TypeError), (True, TypeError), (-1, ValueError),
    (float("nan"), ValueError), (float("inf"), ValueError), (timedelta(seconds=-5), ValueError),
    (10**12, ValueError),
])
def test_a_bad_overlap_is_one_sentence_naming_it_and_nothing_is_sent(fresh, exported, overlap, error):
    before = tree_digest(exported)
    with fresh.connect(progress=False, max_retries=0) as site:
        fresh.knobs.error_probability = 1.0  # any request would fail with a ServerError instead
        try:
            with pytest.raises(error) as caught:
                site.sync(exported, overlap=overlap)
        finally:
            fresh.knobs.error_probability = 0.0
    message = str(caught.value)
    assert message.startswith("overlap must be a number of seconds >= 0 (such as 300) or a datetime.timedelta")
    assert repr(overlap) in message and message.count(". ") <= 1 and "\n" not in message
    assert tree_digest(exported) == before and siblings(exported) == []


@pytest.mark.parametrize("overlap", [0, 60, 2.5, np.float64(30), np.int64(30), timedelta(minutes=2)])
def test_valid_overlaps_are_taken(fresh, exported, overlap):
    with fresh.connect(progress=False) as site:
        assert sync(site, exported, overlap=overlap).rows == len(read_parquet(exported))


def test_sync_of_a_folder_that_is_not_a_dataset_says_so(fresh, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with fresh.connect(progress=False) as site:
        for path, what in [(mine, "has no _trackframes.json"), (tmp_path / "missing", "does not exist"),
                           (mine / "notes.txt", "is a file")]:
            with pytest.raises(NotADatasetError) as caught:
                site.sync(path)
            message = str(caught.value)
            assert message == f"{path} {what}: it is not a dataset written by trackframes export."
            assert "refusing to replace" not in message and caught.value.path == path
            assert isinstance(caught.value, FileNotFoundError) and isinstance(caught.value, tf.TrackframesError)
    assert (mine / "notes.txt").read_text() == "keep me" and sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_sync_with_damaged_metadata_names_the_file(fresh, exported):
    (exported / "_trackframes.json").write_text('{"format": "trackframes-dataset", "format_vers')
    before = tree_digest(exported)
    with fresh.connect(progress=False) as site:
        with pytest.raises(CorruptDatasetError, match="is not valid JSON") as caught:
            site.sync(exported)
    assert str(exported / "_trackframes.json") in str(caught.value)
    assert tree_digest(exported) == before and siblings(exported) == []


def test_sync_with_a_damaged_parquet_file_names_it_and_changes_nothing(fresh, exported):
    victim = sorted(exported.rglob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[:100])
    before = tree_digest(exported)
    with fresh.connect(progress=False) as site:
        rid = next(iter(fresh.store.records["Task"]))
        fresh.store.update("Task", rid, {"content": "changed", "updated_at": now_iso()})
        with pytest.raises(CorruptDatasetError) as caught:
            site.sync(exported)
    assert f"{victim} cannot be read as Parquet" in str(caught.value) and caught.value.file == victim
    assert tree_digest(exported) == before and siblings(exported) == []
    assert [p.name for p in exported.parent.iterdir()] == ["tasks"]  # no lock file left either


def test_sync_with_a_listed_file_gone_names_it(fresh, exported):
    gone = sorted(exported.rglob("*.parquet"))[0]
    gone.unlink()
    with fresh.connect(progress=False) as site:
        with pytest.raises(CorruptDatasetError, match=f"{gone} is missing"):
            site.sync(exported)


def test_a_damaged_dataset_can_be_replaced_by_a_fresh_export(fresh, exported):
    sorted(exported.rglob("*.parquet"))[0].write_bytes(b"junk")
    with fresh.connect(progress=False) as site:
        site.export("Task", exported, fields=["content", "sg_status_list"], partition_by="sg_status_list")
        pd.testing.assert_frame_equal(read_parquet(exported), site.find("Task", fields=["content", "sg_status_list"]))
