"""Id ranges sized from where the matching records are (one count per id bucket), not from the count alone."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

import trackframes as tf
from tests.fakes.spec_server import SCRIPT, SpecServer, make_projects
from tests.pipeline.conftest import archived, live_ids, pages_for, record
from trackframes.transport import HandlerAdapter

PAGE = 100


@pytest.fixture(scope="module")
def site(big: Any) -> Iterator[tf.Site]:
    with big.connect(progress=False, page_size=PAGE) as s:
        s.field_specs("Task")
        yield s


def test_archived_projects_hide_a_large_share_of_the_id_span(big):
    """The precondition of the next test: the default read skips ids in the middle of its span."""
    ids = live_ids(big, "Task")
    hidden = (ids[-1] - ids[0] + 1) - len(ids)
    assert hidden >= 0.1 * (ids[-1] - ids[0] + 1)
    assert archived(big)


def test_the_default_call_reads_one_request_per_page_and_no_second_round_trip(big, site):
    sent = record(site)
    df = site.find("Task", fields=["content"])
    assert df["id"].tolist() == live_ids(big, "Task")
    assert len(sent.pages) == pages_for(len(df), PAGE)
    assert sent.continuations() == 0
    assert len(sent.probes) == 4  # two id probes and the count, then the count per id bucket
    grouping = [body["grouping"] for name, _, body in sent.summaries if body.get("grouping")]
    assert len(grouping) == 1 and grouping[0][0]["field"] == "id"
    assert grouping[0][0]["type"] in ("tens", "hundreds")  # buckets no wider than a page


@pytest.mark.parametrize("filters, keep", [
    ([["sg_status_list", "is_not", "fin"]], lambda rec: rec.get("sg_status_list") != "fin"),
    ([["sg_status_list", "is", "ip"]], lambda rec: rec.get("sg_status_list") == "ip"),
], ids=["is_not_fin", "is_ip"])
def test_sparse_matches_need_no_second_round_trip(big, site, filters, keep):
    sent = record(site)
    df = site.find("Task", filters, ["content"])
    assert df["id"].tolist() == live_ids(big, "Task", keep=keep)
    assert sent.continuations() == 0
    # whole buckets of at most a page are packed: two neighbouring ranges always hold more than a page
    assert len(sent.pages) <= 2 * pages_for(len(df), PAGE) + 1


def test_matches_that_fill_their_span_are_cut_evenly_without_asking_for_buckets(big):
    with big.connect(progress=False, page_size=PAGE) as site:  # a first read: nothing known of the span
        site.field_specs("Task")
        sent = record(site)
        df = site.find("Task", fields=["content"], include_archived_projects=True)
    assert len(df) == len(big.store.records["Task"])
    assert len(sent.pages) == pages_for(len(df), PAGE)
    assert len(sent.summaries) == 1 and not sent.summaries[0][2].get("grouping")


def test_a_later_read_counts_by_id_bucket_in_the_same_round_trip_as_the_span(big):
    with big.connect(progress=False, page_size=PAGE) as site:
        site.field_specs("Task")
        sent = record(site)
        first = site.find("Task", fields=["content"])["id"].tolist()
        assert [bool(body.get("grouping")) for _, _, body in sent.summaries] == [False, True]  # count, then
        sent.clear()
        second = site.find("Task", fields=["content"])["id"].tolist()
        # the span of the first read sized the buckets: both edges and the buckets (with the total) at once
        assert [bool(body.get("grouping")) for _, _, body in sent.summaries] == [True]
        assert len(sent.probes) == 3
        assert len(sent.pages) == pages_for(len(second), PAGE) and sent.continuations() == 0
    assert first == second == live_ids(big, "Task")


# -- servers that do not group by id ---------------------------------------------------------------------------

def _connect(handler: Any, **options: Any) -> tf.Site:
    return tf.connect("https://spec.example.com", auth=tf.ScriptKey(*SCRIPT), transport_adapter=HandlerAdapter(handler),
                      progress=False, **options)


def test_a_server_that_refuses_to_group_by_id_is_read_by_even_ranges_and_asked_once():
    server = SpecServer(records=[p for p in make_projects() if p["id"] % 3])  # sparse ids
    asked = []

    def handler(request: Any) -> Any:
        body = json.loads(request.body) if request.body and request.path_url.endswith("_summarize") else {}
        if body.get("grouping"):
            asked.append(body["grouping"])
            return server._error(400, 103, "Bad Request", "Grouping by id is not supported")
        return server(request)

    site = _connect(handler, page_size=50)
    expected = sorted(p["id"] for p in make_projects() if p["id"] % 3)
    assert site.find("Project", fields=["name"])["id"].tolist() == expected
    assert site.find("Project", fields=["name"])["id"].tolist() == expected
    assert len(asked) == 1  # remembered: the second read does not ask again


def test_a_server_that_ignores_the_grouping_still_gives_every_record():
    server = SpecServer(records=[p for p in make_projects() if p["id"] % 3])  # answers groups: []
    site = _connect(server, page_size=50)
    assert site.find("Project", fields=["name"])["id"].tolist() == sorted(
        p["id"] for p in make_projects() if p["id"] % 3)


# -- the sandbox's count per id bucket ----------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["tens", "hundreds", "thousands", "millions"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_the_sandboxs_count_per_id_bucket_equals_its_general_grouping(big, kind, direction):
    from trackframes.sandbox.shotgrid import summarize as sandbox

    store = big.store
    filters = {"logical_operator": "and", "conditions": [["sg_status_list", "is_not", "fin"]]}
    fields = [{"field": "id", "type": "record_count"}, {"field": "content", "type": "record_count"}]
    grouping = [{"field": "id", "type": kind, "direction": direction}]
    fast = sandbox.summarize(store, "Task", filters, fields, grouping)
    # the general path, on the same records
    ids = sandbox.search(store, "Task", filters)
    records = [store.records["Task"][i] for i in ids]
    specs = sandbox._parse_summaries(store, "Task", fields)
    levels = sandbox._parse_grouping(store, "Task", grouping, sandbox.reference_now(store, None).date())
    assert fast == {"summaries": sandbox._summaries(records, specs), "groups": sandbox._groups(records, levels, specs)}
    assert sum(g["summaries"]["id"] for g in fast["groups"]) == len(ids)
