"""sync with the backend's change feed and without it (the id comparison): both give a fresh export's dataset.

The sandbox's ShotGrid backend has a change feed; ``connect(..., change_feed=False)`` wraps it in a backend
that forwards the public backend protocol only (``tests/io/conftest.py``), which is what a backend without a
change feed looks like to ``sync``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import trackframes as tf
from tests.io.conftest import WithoutChangeFeed, connect, now_iso, siblings
from tests.io.test_sync import ACTIVE, create_task, live_task, reference_ids, refetch
from trackframes.backends.changes import change_feed
from trackframes.io import export, read_metadata, read_parquet, sync

BOTH = pytest.mark.parametrize("feed, method", [(True, "change feed"), (False, "id comparison")])


def test_the_sandbox_backend_has_a_change_feed_and_the_wrapper_hides_it(fresh):
    with connect(fresh) as site, connect(fresh, change_feed=False) as bare:
        assert change_feed(site.backend) is site.backend
        assert isinstance(bare.backend, WithoutChangeFeed) and change_feed(bare.backend) is None


@BOTH
def test_both_ways_apply_creates_updates_retirements_and_records_leaving_the_filter(fresh, tmp_path, feed, method):
    store = fresh.store
    path = tmp_path / "tasks"
    with connect(fresh, change_feed=feed) as site:
        export(site, "Task", path, filters=ACTIVE, partition_by=["project.name"])
        before = set(read_parquet(path)["id"])
        created = [create_task(store, seed, sg_status_list="ip") for seed in range(3)]
        create_task(store, 9, sg_status_list="omt")  # created outside the filter
        updated = [live_task(store, n, lambda r: r["sg_status_list"] != "omt") for n in (0, 7, 19)]
        for rid in updated:
            store.update("Task", rid, {"sg_status_list": "rev", "updated_at": now_iso()})
        leaving = live_task(store, 30, lambda r: r["sg_status_list"] not in ("omt", "rev"))
        store.update("Task", leaving, {"sg_status_list": "omt", "updated_at": now_iso()})
        retired = [live_task(store, n, lambda r: r["sg_status_list"] != "omt" and r["id"] not in updated)
                   for n in (3, 11)]
        for rid in retired:
            store.retire("Task", rid)

        result = sync(site, path, overlap=0)
        got = read_parquet(path)
        pd.testing.assert_frame_equal(got, refetch(site, path, tmp_path / "fresh"))
    assert got["id"].tolist() == reference_ids(store)
    last = read_metadata(path)["last_sync"]
    assert last["method"] == method
    # the change feed names every retired record (ShotGrid does not say when they were retired)
    assert last["deleted_seen"] == (len(store.retired["Task"]) if feed else None)
    # only the changed records were fetched again, whichever way
    assert result.fetched == len(set(created + updated) & set(reference_ids(store)))
    assert result.removed == len(before - set(got["id"])) + len(set(updated) & before)
    assert siblings(path) == []


@BOTH
def test_a_record_restored_without_changing_comes_back_only_with_the_id_comparison(fresh, tmp_path, feed, method):
    store = fresh.store
    path = tmp_path / "tasks"
    rid = live_task(store, 12, lambda r: r["sg_status_list"] != "omt")
    store.retire("Task", rid)
    with connect(fresh, change_feed=feed) as site:
        export(site, "Task", path, filters=ACTIVE, fields=["content"])
        assert rid not in set(read_parquet(path)["id"])
        store.revive("Task", rid)  # back, with the updated_at it had before the export
        result = sync(site, path, overlap=0)
        got = read_parquet(path)
        if not feed:  # it matches the query now: the comparison finds it and fetches it by id
            pd.testing.assert_frame_equal(got, refetch(site, path, tmp_path / "fresh"))
    assert (rid in set(got["id"])) is (not feed)
    assert result.fetched == (0 if feed else 1)
    assert read_metadata(path)["last_sync"]["method"] == method


@BOTH
def test_records_of_a_project_archived_since_leave_only_with_the_id_comparison(fresh, tmp_path, feed, method):
    store = fresh.store
    path = tmp_path / "tasks"
    with connect(fresh, change_feed=feed) as site:
        export(site, "Task", path, fields=["content", "project"])
        frame = read_parquet(path)
        project = int(frame["project.id"].dropna().iloc[0])
        theirs = set(frame.loc[frame["project.id"] == project, "id"])
        store.update("Project", project, {"archived": True, "updated_at": now_iso()})
        result = sync(site, path, overlap=0)
        got = read_parquet(path)
        if not feed:
            pd.testing.assert_frame_equal(got, refetch(site, path, tmp_path / "fresh"))
    assert theirs
    assert (theirs <= set(got["id"])) is feed
    assert result.removed == (0 if feed else len(theirs))


@pytest.mark.parametrize("feed", [True, False])
def test_records_without_updated_at_are_fetched_again_in_full(fresh, tmp_path, feed):
    store = fresh.store
    path = tmp_path / "tasks"
    with connect(fresh, change_feed=feed) as site:
        export(site, "Task", path, filters=ACTIVE, fields=["content", "duration"])
    rows = len(read_parquet(path))
    del store.entities["Task"].fields["updated_at"]
    rid = live_task(store, 2, lambda r: r["sg_status_list"] != "omt")
    store.update("Task", rid, {"duration": 777})
    store.retire("Task", live_task(store, 5, lambda r: r["sg_status_list"] != "omt" and r["id"] != rid))
    with connect(fresh, change_feed=feed) as site:
        result = sync(site, path, overlap=0)
        got = read_parquet(path)
        pd.testing.assert_frame_equal(got, refetch(site, path, tmp_path / "fresh"))
    assert read_metadata(path)["last_sync"]["method"] == "full fetch"
    assert (result.fetched, result.removed) == (len(got), rows)
    assert got.set_index("id").loc[rid, "duration"] == 777


def test_sync_speaks_no_tracker_vocabulary():
    """The change feed owns the tracker's words; sync only talks to it (and to the neutral query API)."""
    source = (Path(tf.__file__).parent / "io" / "sync.py").read_text()
    for token in ("return_only", "retired", "sg_", "ShotGrid", "shotgrid", "HumanUser", "_summarize", "links"):
        assert not re.search(re.escape(token), source), token


@BOTH
def test_rewritten_files_keep_their_partition_values(fresh, tmp_path, feed, method):
    """Files under several keys (a number, a category, a null) are rewritten into the same directories."""
    store = fresh.store
    path = tmp_path / "tasks"
    orphan = create_task(store, 4, project=None, sg_status_list="ip")
    with connect(fresh, change_feed=feed) as site:
        export(site, "Task", path, fields=["content", "duration"], partition_by=["project.id", "sg_status_list"])
        dirs = {p.relative_to(path).parent for p in path.rglob("*.parquet")}
        for n in range(0, 60, 6):  # a change in many files: they are rewritten, not linked
            store.update("Task", live_task(store, n), {"duration": 4321 + n, "updated_at": now_iso()})
        store.update("Task", orphan, {"duration": 99, "updated_at": now_iso()})
        sync(site, path, overlap=0)
        got = read_parquet(path)
        pd.testing.assert_frame_equal(got, refetch(site, path, tmp_path / "fresh"))
    assert {p.relative_to(path).parent for p in path.rglob("*.parquet")} == dirs
    assert any("__HIVE_DEFAULT_PARTITION__" in str(d) for d in dirs)
    assert got.set_index("id").loc[orphan, "duration"] == 99
