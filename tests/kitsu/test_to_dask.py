"""site.to_dask over the real Zou: parts by project, on a LocalCluster of two worker processes."""

from __future__ import annotations

import pandas as pd
import pytest

import trackframes as tf
from tests.kitsu.conftest import Zou

distributed = pytest.importorskip("distributed")

FIELDS = ["name", "project", "task_type", "task_status", "entity", "assignees", "start_date", "due_date"]


def _sorted_links(df: pd.DataFrame) -> pd.DataFrame:
    """Many-to-many lists in id order (Zou gives them in no set order, which may differ between routes)."""
    out = df.copy()
    out["assignees"] = pd.Series([sorted(v, key=lambda link: link["id"]) for v in df["assignees"]],
                                 dtype=df["assignees"].dtype, index=df.index)
    return out


@pytest.fixture(scope="module")
def site(zou: Zou):
    # workers reconnect from the pickled connection: no transport_adapter here
    with tf.connect(zou.url, backend="kitsu", auth=tf.UserPassword(zou.email, zou.password), progress=False) as s:
        yield s


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.mark.parametrize("archived", [False, True], ids=["default", "archived"])
def test_parts_by_project_equal_find(site, client, archived):
    ddf = site.to_dask("Task", fields=FIELDS, include_archived_projects=archived)
    want = site.find("Task", fields=FIELDS, include_archived_projects=archived).sort_values("id", ignore_index=True)
    got = ddf.compute().reset_index().sort_values("id", ignore_index=True)
    pd.testing.assert_frame_equal(_sorted_links(got), _sorted_links(want), check_categorical=False)
    projects = site.projects(include_archived_projects=archived)
    assert ddf.npartitions == len(projects) > 1
    per_part = ddf.map_partitions(lambda d: pd.DataFrame({"n": [d["project.id"].nunique()]}),
                                  meta={"n": "int64"}).compute()["n"]
    assert per_part.max() <= 1  # one project per part


def test_fewer_parts_group_projects_and_filters_still_apply(site, client, zou):
    filters = [["task_status.name", "is_not", "Done"]]
    ddf = site.to_dask("Task", filters, ["name", "project"], partitions=1, include_archived_projects=True)
    want = site.find("Task", filters, ["name", "project"], include_archived_projects=True)
    assert ddf.npartitions == 1
    got = ddf.compute().reset_index().sort_values("id", ignore_index=True)
    pd.testing.assert_frame_equal(got, want.sort_values("id", ignore_index=True), check_categorical=False)


def test_a_type_without_a_project_is_one_part(site, client):
    ddf = site.to_dask("Person", fields=["email"])
    assert ddf.npartitions == 1
    want = site.find("Person", fields=["email"]).sort_values("id", ignore_index=True)
    pd.testing.assert_frame_equal(ddf.compute().reset_index().sort_values("id", ignore_index=True), want)
