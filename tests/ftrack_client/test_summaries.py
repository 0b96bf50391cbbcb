"""Summaries computed by the ftrack server (strict-API group by) equal the local engine's."""

from __future__ import annotations

from datetime import date

import pytest

from trackframes.backends.base import Grouping, Summary
from trackframes.engine import summarize as local_summarize
from trackframes.exceptions import CapabilityError
from trackframes.sandbox.ftrack import FtrackServer

from ..sandbox_ftrack.production import API_KEY, API_USER, uid
from .bulk import bulk_store
from .conftest import connect
from .helpers import nested, shaped

S = Summary
G = Grouping
CASES = [
    ([S("id", "record_count")], []),
    ([S("bid", "sum"), S("bid", "average"), S("bid", "count"), S("bid", "maximum"), S("bid", "minimum")], []),
    ([S("start_date", "earliest"), S("end_date", "latest"), S("id", "record_count")], [G("status")]),
    ([S("bid", "sum"), S("bid", "average")], [G("status", "exact", "desc")]),
    ([S("id", "record_count"), S("bid", "sum")], [G("status"), G("type", "exact", "desc")]),
    ([S("end_date", "count"), S("status", "count")], [G("bid")]),
    ([S("bid", "maximum")], [G("priority"), G("bid", "exact", "desc")]),
]


@pytest.fixture(scope="module")
def bulk():
    with FtrackServer(bulk_store(250), api_user=API_USER, api_key=API_KEY) as running:
        yield connect(running), running


@pytest.mark.parametrize("wanted, levels", CASES, ids=[str(i) for i in range(len(CASES))])
def test_server_summaries_equal_the_local_engine(bulk, wanted, levels):
    site, server = bulk
    backend = site.backend
    filters = [["status.name", "is_not", "On hold"]]
    assert backend.can_summarize("Task", wanted, levels)
    fields = list(dict.fromkeys([s.field for s in wanted if s.field != "id"] + [g.field for g in levels]))
    table, specs = nested(site, "Task", fields or ["name"], filters, include_archived_projects=False)
    local = local_summarize(shaped(table, specs), wanted, levels, specs, today=date(2024, 5, 20))
    before = server.stats.queries
    remote = backend.summarize("Task", backend.check_filters("Task", filters).native, wanted, levels)
    assert remote.total == local.total
    assert _tree(remote.groups) == _tree(local.groups)
    assert server.stats.queries - before <= 1 + len(levels)  # one grouped query, one name lookup per link level


def _tree(groups):
    return [(g.name, g.value, g.summaries, _tree(g.groups) if g.groups else None) for g in groups]


def test_the_groups_are_not_trivial(bulk):
    site, _ = bulk
    result = site.backend.summarize("Task", site.backend.check_filters("Task", None).native, [S("id", "record_count")],
                                    [G("status"), G("type")])
    assert len(result.groups) == 5 and all(len(g.groups) > 1 for g in result.groups)
    assert result.groups[0].value == {"type": "Status", "id": uid("status", "Approved"), "name": "Approved"}


@pytest.mark.parametrize("wanted, levels", [
    ([S("name", "count")], [G("name")]),                      # text groups: the server's SQL ignores case
    ([S("bid", "sum")], [G("parent")]),                       # a link to several types
    ([S("bid", "sum")], [G("start_date", "month")]),          # not an exact grouping
    ([S("priority.value", "sum")], []),                       # a dotted field
    ([S("status", "status_list")], []),                       # not a server summary type
])
def test_what_the_server_cannot_compute_is_declared_and_refused(bulk, wanted, levels):
    site, _ = bulk
    assert not site.backend.can_summarize("Task", wanted, levels)
    with pytest.raises(CapabilityError, match="local engine"):
        site.backend.summarize("Task", site.backend.check_filters("Task", None).native, wanted, levels)
