"""Paging by id ranges and keyset: exact under page caps, permission culling, creates and deletes."""

from __future__ import annotations

import math
import re
from typing import Any

import orjson
import pytest

import trackframes as tf
from trackframes.backends.ftrack.plan import Request, Walker
from trackframes.answers import Source
from trackframes.exceptions import ProtocolError
from trackframes.sandbox.ftrack import FtrackServer
from trackframes.transport import HandlerAdapter

from ..sandbox_ftrack.production import API_KEY, API_USER
from .bulk import bulk_store
from .conftest import connect
from .helpers import nested

FIELDS = ["name", "bid", "status", "parent", "status.state", "parent.parent.name", "timelogs"]
N = 700


def fetch(knobs: dict[str, Any], *, page_size: int = 50, concurrency: int = 6, **options: Any):
    with FtrackServer(bulk_store(N), api_user=API_USER, api_key=API_KEY) as server:
        server.knobs.update(**knobs)
        before = {r.key[0] for r in server.store.records("Task")}
        table, _ = nested(connect(server), "Task", FIELDS, page_size=page_size, concurrency=concurrency, **options)
        after = {r.key[0] for r in server.store.records("Task")}
        return table, before, after, server.stats


@pytest.fixture(scope="module")
def clean():
    table, before, after, stats = fetch({})
    assert before == after and table.num_rows == len(before) == N + 8
    return table


@pytest.mark.parametrize("knobs", [{"page_size_cap": 7}, {"cull_every": 3}, {"cull_every": 1, "page_size_cap": 5},
                                   {"references_once": False}, {"latency": 0.002}],
                         ids=["cap", "cull", "cull-and-cap", "no-dedup", "latency"])
def test_knobs_give_exactly_the_clean_table(clean, knobs):
    table, _, _, stats = fetch(knobs)
    assert table.equals(clean)
    if "cull_every" in knobs:
        assert stats.culled > 0


def test_records_present_for_the_whole_fetch_appear_exactly_once_under_creates_and_deletes():
    table, before, after, stats = fetch({"mutate_creates": 2, "mutate_deletes": 2, "seed": 3}, page_size=40)
    got = table.column("id").to_pylist()
    assert stats.created > 40 and stats.deleted > 40
    assert len(got) == len(set(got))
    assert before & after <= set(got)
    assert len(before & after) < len(before)  # the deletes did hit records of the walk


def test_pages_come_in_id_order_and_ranges_follow_the_density_of_the_first_page(clean):
    ids = clean.column("id").to_pylist()
    assert ids == sorted(ids)
    with FtrackServer(bulk_store(N), api_user=API_USER, api_key=API_KEY) as server:
        nested(connect(server), "Task", ["name"], page_size=100)
        # about N/100 pages: the first page, then ranges of about a page each (a few continue once)
        assert math.ceil((N + 8) / 100) <= server.stats.queries <= 2 * math.ceil((N + 8) / 100) + 2


def test_a_limit_without_order_asks_for_what_is_missing_only():
    with FtrackServer(bulk_store(N), api_user=API_USER, api_key=API_KEY) as server:
        table, _ = nested(connect(server), "Task", ["name"], page_size=50, limit=120)
        assert table.num_rows == 120 and server.stats.queries == 3  # 50 + 50 + 20
        everything, _ = nested(connect(server), "Task", ["name"], page_size=50)
        assert table.column("id").to_pylist() == everything.column("id").to_pylist()[:120]


class Culling:
    """A server hiding every row of a page's window: it returns none, but says where to go on."""

    def __init__(self, ids: list[str], hide_first: int) -> None:
        self.ids = sorted(ids)
        self.hide_first = hide_first
        self.expressions: list[str] = []

    def __call__(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        ops = orjson.loads(request.body)
        action = ops[0]["action"]
        if action == "query_server_information":
            return 200, {}, orjson.dumps([{"version": "4.13.8", "schema_hash": "x"}])
        if action == "query_schemas":
            return 200, {}, orjson.dumps([[{"id": "Task", "primary_key": ["id"], "properties": {
                "id": {"type": "string"}, "name": {"type": "string"}}}]])
        expression = ops[0]["expression"]
        self.expressions.append(expression)
        after = re.search(r'id > "([^"]+)"', expression)
        offset = int((re.search(r"offset (\d+)", expression) or [0, 0])[1])
        limit = int(re.search(r"limit (\d+)", expression)[1])
        rows = [i for i in self.ids if after is None or i > after[1]]
        scan = [None] * self.hide_first + rows if after is None else rows  # hidden rows count for offsets
        window = scan[offset:offset + limit]
        data = [{"__entity_type__": "Task", "id": i, "name": i} for i in window if i is not None]
        more = offset + limit < len(scan)
        return 200, {}, orjson.dumps([{"action": "query", "data": data,
                                       "metadata": {"next": {"offset": offset + limit if more else None}}}])


def test_a_page_with_every_row_hidden_continues_from_the_offset_the_server_gives():
    ids = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(0, 2**32, 2**27)]
    fake = Culling(ids, hide_first=7)
    site = tf.connect("https://studio.example.com", backend="ftrack", auth=tf.ApiKey("jane", "k"),
                      transport_adapter=HandlerAdapter(fake), progress=False)
    table, _ = nested(site, "Task", ["name"], page_size=3, concurrency=1)
    assert table.column("id").to_pylist() == ids
    assert "offset 3 limit 3" in fake.expressions[1] and "offset 6 limit 3" in fake.expressions[2]


def test_a_server_that_ignores_the_id_filter_is_caught_not_followed_forever():
    walker = Walker("Task", ["name"], None, 2, Source("find('Task')", "POST /api"))
    with pytest.raises(ProtocolError, match="outside the id range"):
        walker.follow(Request(None, "8", after="5"), ["3", "4"], 2)
    with pytest.raises(ProtocolError, match="out of order"):
        walker.follow(Request(None, None), ["4", "3"], 2)
    with pytest.raises(ProtocolError, match="same page forever"):
        walker.follow(Request(None, None, offset=4), [], 4)
