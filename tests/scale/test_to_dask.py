"""site.to_dask on a real Dask cluster: a LocalCluster of two worker processes, started and stopped here.

The ShotGrid sandbox is served from this process on 127.0.0.1; the workers (other processes)
reconnect to it over HTTP from the pickled connection in the task graph.
"""

from __future__ import annotations

import os
import pickle
from datetime import date

import pandas as pd
import pytest

import trackframes as tf
from trackframes.exceptions import CapabilityError, SchemaError
from trackframes.reconnect import Connection
from trackframes.distributed import PartReader
from trackframes.site import Site

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

FIELDS = ["content", "sg_status_list", "project", "entity", "task_assignees", "due_date", "updated_at",
          "est_in_mins"]
KEY = "to-dask-s3cr3t-key-4f1c"


@pytest.fixture(scope="module")
def sb():
    with tf.sandbox.serve(scale=0.05, seed=3, today=date(2026, 3, 2), script_key=KEY) as server:
        yield server


@pytest.fixture(scope="module")
def site(sb):
    with sb.connect(progress=False) as s:
        yield s


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=False) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def frame(ddf) -> pd.DataFrame:
    return ddf.compute().reset_index()


# -- on the cluster -------------------------------------------------------------------------------------------

def test_the_workers_import_this_trackframes(client):
    assert set(client.run(lambda: tf.__file__).values()) == {tf.__file__}


def test_the_result_equals_find_and_each_partition_was_fetched_by_a_worker(site, client):
    ddf = site.to_dask("Task", fields=FIELDS, partitions=4, include_archived_projects=True)
    want = site.find("Task", fields=FIELDS, include_archived_projects=True)
    pd.testing.assert_frame_equal(frame(ddf), want)
    assert ddf.npartitions == 4
    pids = set(client.run(os.getpid).values())
    where = ddf.map_partitions(lambda d: pd.DataFrame({"pid": [os.getpid()]}), meta={"pid": "int64"}).compute()
    assert set(where["pid"]) <= pids and os.getpid() not in set(where["pid"])


def test_filters_fields_and_project(site, client):
    project = site.projects()["name"].iloc[0]
    filters = [["content", "contains", "a"], ["due_date", "is_not", None]]
    ddf = site.to_dask("Task", filters, ["content", "due_date", "sg_status_list"], 3, project=project)
    want = site.find("Task", filters, ["content", "due_date", "sg_status_list"], project=project)
    assert 0 < len(want) < len(site.find("Task", fields=["id"]))
    pd.testing.assert_frame_equal(frame(ddf), want)


def test_meta_has_finds_dtypes_and_nothing_is_fetched_to_learn_them(sb, site):
    site.field_specs("Version")  # the schema read find does too
    before = sb.stats.requests
    ddf = site.to_dask("Version", fields=["code", "entity", "sg_status_list", "created_at", "user"])
    sent = sb.stats.requests - before
    want = site.find("Version", fields=["code", "entity", "sg_status_list", "created_at", "user"], limit=1)
    meta = ddf._meta.reset_index()
    assert list(meta.columns) == list(want.columns)
    link_types = {"entity.type", "user.type"}
    for name in want.columns:  # a link's type: a category whose categories come from the records, as in find
        if name in link_types:
            assert isinstance(meta[name].dtype, pd.CategoricalDtype) and not dd.utils.has_known_categories(
                ddf[name])
        else:
            assert meta[name].dtype == want[name].dtype, name
    assert dd.utils.has_known_categories(ddf["sg_status_list"])
    assert list(meta["sg_status_list"].cat.categories) == list(want["sg_status_list"].cat.categories)
    assert ddf.index.name == "id"
    assert sent <= 4  # the split only: a count, two one-record searches, one count per id bucket


def test_divisions_are_known_and_loc_reads_only_the_partitions_it_needs(sb, site, client):
    ddf = site.to_dask("Version", fields=["code"], partitions=6, include_archived_projects=True)
    assert ddf.known_divisions and ddf.npartitions == 6
    ids = sorted(sb.store.records["Version"])
    assert ddf.divisions[0] == ids[0] and ddf.divisions[-1] == ids[-1]
    for i in (0, 3, 5):  # every partition's ids lie inside its division
        part = ddf.get_partition(i).compute()
        assert len(part) and part.index.is_monotonic_increasing
        assert ddf.divisions[i] <= part.index.min() and part.index.max() <= ddf.divisions[i + 1]
    lo, hi = ddf.divisions[2] + 1, ddf.divisions[3] - 1  # inside one partition
    window = ddf.loc[lo:hi]
    assert window.npartitions == 1
    before = sb.stats.requests
    got = window.compute().reset_index()
    fetched = sb.stats.requests - before
    want = site.find("Version", [["id", "between", [lo, hi]]], ["code"], include_archived_projects=True)
    pd.testing.assert_frame_equal(got, want)
    assert fetched <= 8  # one partition's pages (a handful), not the six partitions'


def test_a_join_on_id_uses_the_divisions(site, client):
    left = site.to_dask("Version", fields=["code"], partitions=3, include_archived_projects=True)
    right = site.to_dask("Version", fields=["sg_status_list"], partitions=3, include_archived_projects=True)
    joined = left.join(right)
    assert joined.npartitions == 3 and joined.known_divisions  # aligned: no shuffle
    want = site.find("Version", fields=["code", "sg_status_list"], include_archived_projects=True)
    pd.testing.assert_frame_equal(frame(joined), want)


def _die_once(df: pd.DataFrame, marker: str) -> pd.DataFrame:
    """Kill this worker process the first time any task gets here (the marker file says it happened)."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return df
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    os._exit(1)


def test_a_worker_killed_mid_computation_is_retried_and_the_result_is_exact(site, client, tmp_path):
    marker = str(tmp_path / "killed")
    before = set(client.run(os.getpid).values())
    ddf = site.to_dask("Task", fields=FIELDS, partitions=4, include_archived_projects=True)
    got = ddf.map_partitions(_die_once, marker, meta=ddf._meta).compute().reset_index()
    killed = int(open(marker).read())
    assert killed in before
    pd.testing.assert_frame_equal(got, site.find("Task", fields=FIELDS, include_archived_projects=True))
    client.wait_for_workers(2, timeout=60)
    assert killed not in set(client.run(os.getpid).values())


def test_secrets_never_appear_in_the_graph_or_in_worker_logs(sb, client):
    site = sb.connect(progress=False, max_retries=0)
    try:
        ddf = site.to_dask("Task", fields=["content"], partitions=2)
        graph = dict(ddf.__dask_graph__())
        shown = repr(graph) + str(graph) + repr(ddf.dask) + repr(ddf.expr) + repr(ddf)
        readers = [task.func for task in graph.values() if isinstance(getattr(task, "func", None), PartReader)]
        assert len(readers) == 2 and "PartReader(" in shown
        assert KEY not in shown + repr(readers) and "***" in repr(readers[0])
        assert KEY.encode() not in pickle.dumps(graph)  # the pickle masks it too
        sb.knobs.error_probability = 1.0  # every worker request fails now: the workers log the failed tasks
        try:
            with pytest.raises(Exception):
                ddf.compute()
        finally:
            sb.knobs.error_probability = 0.0
    finally:
        site.close()
    logs = client.get_worker_logs()
    text = "\n".join(line for worker in logs.values() for _, line in worker)
    assert "Compute Failed" in text  # the failure was logged
    assert KEY not in text and "Bearer " not in text


# -- without a cluster ----------------------------------------------------------------------------------------

def test_a_pickled_connection_round_trips_its_credential_but_never_shows_it(site):
    conn = site.connection
    blob = pickle.dumps(conn)
    back = pickle.loads(blob)
    assert back.credential == conn.credential and back.settings == conn.settings and back.key == conn.key
    assert back.credential.script_key.reveal() == KEY
    assert KEY.encode() not in blob and KEY not in repr(back) + str(back) + repr(conn)
    assert KEY.encode() not in pickle.dumps(conn.credential)  # a credential on its own still drops its secret


@pytest.mark.parametrize("bad, error, words", [
    (0, ValueError, "partitions must be a whole number >= 1"),
    (-3, ValueError, "not -3"),
    (2.5, TypeError, "got float 2.5"),
    (True, TypeError, "got bool True"),
    ("4", TypeError, "got str '4'"),
])
def test_bad_partitions_are_refused_before_anything_is_sent(sb, site, bad, error, words):
    before = sb.stats.requests
    with pytest.raises(error, match=words):
        site.to_dask("Task", partitions=bad)
    assert sb.stats.requests == before


def test_a_bad_field_is_named_with_the_closest_names(site):
    with pytest.raises(SchemaError, match="contnet") as info:
        site.to_dask("Task", fields=["contnet"])
    assert "content" in str(info.value)


def test_partitions_none_gives_about_fifty_thousand_records_each(site):
    from trackframes.distributed import ROWS_PER_PARTITION

    assert ROWS_PER_PARTITION == 50_000
    assert site.to_dask("Task", include_archived_projects=True).npartitions == 1  # a few hundred Tasks


ENDS_ONLY = {"logical_operator": "or", "conditions": [["id", "less_than", 120], ["id", "greater_than", 640]]}


@pytest.mark.parametrize("filters", [None, ENDS_ONLY])  # ENDS_ONLY: even id ranges would leave middle parts empty
def test_parts_of_about_rows_records_each_even_when_a_filter_leaves_most_ids_out(site, filters):
    from trackframes.queries import build_query

    query, _ = build_query(site, "Task", filters, ["id"], None, None, True, False)
    total = site.count("Task", filters, include_archived_projects=True)
    rows = max(20, total // 5)
    with site._call():
        parts = site.backend.partitions(query, rows=rows)
    assert len(parts) == -(-total // rows)
    sizes = [site.count("Task", {"logical_operator": "and", "conditions": [
        *([filters] if filters else []), ["id", "between", [p.low, p.high]]]}, include_archived_projects=True)
        for p in parts]
    assert sum(sizes) == total  # no gap, no overlap
    assert max(sizes) <= 1.5 * total / len(parts) and min(sizes) >= 0.5 * total / len(parts), sizes


def test_no_match_gives_one_empty_partition_with_finds_dtypes(site):
    ddf = site.to_dask("Task", [["content", "is", "no such task anywhere"]], ["content", "due_date"])
    got = ddf.compute(scheduler="sync").reset_index()
    want = site.find("Task", [["content", "is", "no such task anywhere"]], ["content", "due_date"])
    assert ddf.npartitions == 1 and got.empty
    pd.testing.assert_frame_equal(got, want, check_index_type=False)


def test_a_backend_that_cannot_partition_says_so():
    from tests.fakes.memory import MemoryBackend

    with Site(MemoryBackend(), url="memory://studio") as site:
        with pytest.raises(CapabilityError, match="memory backend cannot split a read.*'partition'"):
            site.to_dask("Task")


def test_a_site_connected_through_an_in_process_adapter_is_refused(sb):
    from trackframes.transport import HandlerAdapter

    site = tf.connect(sb.url, auth=sb.auth, transport_adapter=HandlerAdapter(lambda request: None))
    with pytest.raises(ValueError, match="transport_adapter"):
        site.to_dask("Task")


def test_the_cut_points_follow_where_the_records_are():
    from trackframes.backends.shotgrid.partitions import cut_points

    # 900 records in ids 1-100, 100 in ids 101-10000: 4 parts of 250 cut inside the dense bucket
    buckets = [(1, 100, 900), (101, 10_000, 100)]
    cuts = cut_points(buckets, 1, 10_000, 4)
    assert cuts == sorted(set(cuts)) and cuts[-1] <= 100
    assert cut_points([], 5, 7, 10) == [6, 7]  # never more parts than ids
    assert Connection  # imported for the pickle test


# -- ftrack: parts by id prefix --------------------------------------------------------------------------------

FTRACK_FIELDS = ["name", "bid", "start_date", "status", "parent", "project"]


FTRACK_KEY = "to-dask-ftrack-k3y-9e2d"


@pytest.fixture(scope="module")
def ftrack_sb():
    with tf.sandbox.serve(backend="ftrack", scale=0.05, seed=3, today=date(2026, 3, 2), api_key=FTRACK_KEY) as server:
        yield server


@pytest.fixture(scope="module")
def ftrack_site(ftrack_sb):
    with ftrack_sb.connect(progress=False) as s:
        yield s


@pytest.mark.parametrize("archived", [False, True], ids=["default", "archived"])
def test_ftrack_parts_by_id_prefix_equal_find(ftrack_site, client, archived):
    ddf = ftrack_site.to_dask("Task", fields=FTRACK_FIELDS, partitions=5, include_archived_projects=archived)
    want = ftrack_site.find("Task", fields=FTRACK_FIELDS, include_archived_projects=archived)
    got = frame(ddf).sort_values("id", ignore_index=True)
    pd.testing.assert_frame_equal(got, want.sort_values("id", ignore_index=True), check_categorical=False)
    assert ddf.npartitions == 5 and ddf.known_divisions
    sizes = ddf.map_partitions(len).compute().tolist()
    assert sum(sizes) == len(want) and min(sizes) > 0  # random UUIDs: every prefix run holds records


def test_ftrack_divisions_bound_each_part(ftrack_site, client):
    ddf = ftrack_site.to_dask("Task", fields=["name"], partitions=20)
    assert ddf.npartitions == 20
    bounds = ddf.map_partitions(lambda d: pd.DataFrame({"lo": [d.index.min()], "hi": [d.index.max()]}),
                                meta={"lo": "string", "hi": "string"}).compute()
    for k, (lo, hi) in enumerate(zip(bounds["lo"], bounds["hi"])):
        assert ddf.divisions[k] <= lo and hi <= ddf.divisions[k + 1], k
    one = ddf.divisions[7]
    assert ddf.loc[one:ddf.divisions[8]].npartitions <= 2


def test_ftrack_a_worker_killed_mid_computation_is_retried_and_the_result_is_exact(ftrack_site, client, tmp_path):
    marker = str(tmp_path / "killed")
    before = set(client.run(os.getpid).values())
    ddf = ftrack_site.to_dask("Task", fields=FTRACK_FIELDS, partitions=4)
    got = ddf.map_partitions(_die_once, marker, meta=ddf._meta).compute().reset_index()
    assert int(open(marker).read()) in before
    want = ftrack_site.find("Task", fields=FTRACK_FIELDS)
    pd.testing.assert_frame_equal(got.sort_values("id", ignore_index=True), want.sort_values("id", ignore_index=True),
                                  check_categorical=False)
    client.wait_for_workers(2, timeout=60)


def test_ftrack_secrets_never_appear_in_the_graph_or_in_worker_logs(ftrack_sb, client):
    site = ftrack_sb.connect(progress=False, max_retries=0)
    try:
        ddf = site.to_dask("Task", fields=["name"], partitions=2)
        graph = dict(ddf.__dask_graph__())
        shown = repr(graph) + str(graph) + repr(ddf.dask) + repr(ddf.expr) + repr(ddf)
        assert FTRACK_KEY not in shown and FTRACK_KEY.encode() not in pickle.dumps(graph)
        ftrack_sb.knobs.update(error_probability=1.0)
        try:
            with pytest.raises(Exception):
                ddf.compute()
        finally:
            ftrack_sb.knobs.update(error_probability=0.0)
    finally:
        site.close()
    text = "\n".join(line for worker in client.get_worker_logs().values() for _, line in worker)
    assert "Compute Failed" in text and FTRACK_KEY not in text
