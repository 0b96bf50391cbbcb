"""Paging that does not trust the server blindly: id filters checked, no page-number paging, counts compared."""

from __future__ import annotations

import json
import threading
import warnings
from datetime import date
from typing import Any

import pytest

import trackframes as tf
from trackframes.paging import RowCountWarning
from trackframes.transport import HandlerAdapter
from tests.fakes.spec_server import SCRIPT, SpecServer, make_projects

RUNAWAY = 300  # requests after which the fake server gives up (an endless loop would never stop by itself)


class Runaway(RuntimeError):
    pass


class Misbehaving(SpecServer):
    """A spec server with one flaw, that refuses to serve more than ``RUNAWAY`` requests."""

    def __init__(self, flaw: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flaw = flaw
        self.searches = 0
        self._lock = threading.Lock()  # requests arrive from several threads at once

    def __call__(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        if len(self.requests) >= RUNAWAY:
            raise Runaway(f"{len(self.requests)} requests: the client is looping")
        return super().__call__(request)

    def _search(self, body: dict[str, Any], query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.searches += 1
            number = self.searches
        if self.flaw == "ignores id filter":
            body = {**body, "filters": _without_id(body.get("filters"))}
        status, headers, raw = super()._search(body, query)
        if self.flaw == "unsorted" and query.get("page[size]") != "1":
            page = json.loads(raw)
            page["data"].reverse()
            raw = json.dumps(page).encode()
        if self.flaw == "drops records" and number == 5:  # a page with two records silently missing
            page = json.loads(raw)
            page["data"] = page["data"][2:]
            raw = json.dumps(page).encode()
        return status, headers, raw


def _without_id(node: Any) -> Any:
    if isinstance(node, dict):
        return {**node, "conditions": [_without_id(c) for c in node.get("conditions", []) if not _is_id(c)]}
    if isinstance(node, list) and node and isinstance(node[0], list):
        return [_without_id(c) for c in node if not _is_id(c)]
    return node


def _is_id(cond: Any) -> bool:
    return isinstance(cond, list) and len(cond) == 3 and cond[0] == "id"


def connect(server: SpecServer, **options: Any) -> tf.Site:
    options.setdefault("page_size", 50)
    return tf.connect("https://spec.example.com", auth=tf.ScriptKey(*SCRIPT), transport_adapter=HandlerAdapter(server),
                      progress=False, max_retries=0, **options)


# -- item 3: a server that ignores the id filter ----------------------------------------------------------------

@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_server_that_ignores_the_id_filter_is_named_instead_of_looping_forever(concurrency):
    server = Misbehaving("ignores id filter")
    with connect(server, concurrency=concurrency) as site:
        with pytest.raises(tf.ProtocolError) as info:
            site.find("Project", fields=["name"])
    message = str(info.value)
    assert "ignores the id filter" in message and message.startswith("find('Project')")
    assert "POST /api/v1.1/entity/projects/_search" in message
    assert len(server.requests) < 40, "it stopped at the first page that broke the promise"


def test_ids_out_of_order_are_refused():
    server = Misbehaving("unsorted")
    with connect(server) as site:
        with pytest.raises(tf.ProtocolError, match="out of ascending order"):
            site.find("Project", fields=["name"])


# -- item 2 (second half): fewer rows than the server counted --------------------------------------------------

def test_records_silently_missing_from_a_page_raise_a_warning_naming_the_figures():
    server = Misbehaving("drops records")
    with connect(server) as site:
        with pytest.warns(RowCountWarning) as caught:
            df = site.find("Project", fields=["name"])
    total = len(make_projects())
    assert len(df) == total - 2
    message = str(caught[0].message)
    assert f"fetched {total - 2:,} records" in message and f"counted {total:,} before" in message
    assert message.startswith("find('Project')")


def test_the_same_check_covers_iter_batches():
    server = Misbehaving("drops records")
    with connect(server) as site:
        with pytest.warns(RowCountWarning):
            rows = sum(b.num_rows for b in site.iter_batches("Project", fields=["name"]))
    assert rows == len(make_projects()) - 2


@pytest.mark.parametrize("creates, deletes", [(0, 7), (9, 9), (7, 0)])
def test_records_created_and_deleted_during_the_fetch_give_no_warning(creates, deletes):
    with tf.sandbox.serve(scale=0.03, seed=11, today=date(2026, 3, 2), mutate_creates=creates,
                          mutate_deletes=deletes) as sb:
        with sb.connect(progress=False, page_size=50, concurrency=4) as site:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RowCountWarning)
                df = site.find("Task", fields=["content"], include_archived_projects=True)
    assert df["id"].is_unique and len(df) > 100


# -- item 8: a server that caps pages, never page-number paging --------------------------------------------------

@pytest.fixture
def capped():
    with tf.sandbox.serve(scale=0.03, seed=5, today=date(2026, 3, 2), page_size_cap=7) as sb:
        yield sb


def _live(sb, entity):
    archived = {pid for pid, rec in sb.store.records["Project"].items() if rec.get("archived")}
    return {rid: rec for rid, rec in sb.store.records[entity].items()
            if (rec.get("project") or {}).get("id") not in archived}


@pytest.mark.parametrize("order", [None, ["id"], ["-id"]])
def test_a_capped_page_continues_by_id_and_loses_nothing_while_records_are_deleted(capped, order):
    before = set(_live(capped, "Task"))
    capped.knobs.mutate_deletes = 3  # before every page: page numbers would shift under the fetch
    with capped.connect(progress=False, page_size=100) as site:
        got = site.find("Task", fields=["content"], order=order, limit=60)["id"].tolist()
    capped.knobs.mutate_deletes = 0
    after = set(_live(capped, "Task"))
    assert len(got) == 60 and len(set(got)) == 60, "no record twice, and the limit is met"
    descending = order == ["-id"]
    assert got == sorted(got, reverse=descending)
    assert set(got) <= before, "nothing but real records"
    span = {i for i in before & after if min(got) <= i <= max(got)}
    assert span <= set(got), "no record that existed throughout and falls in the span is missing"


def test_a_capped_page_with_another_order_is_fetched_by_id_range_and_sorted_locally(capped):
    key = lambda r: (r["content"].lower(), r["id"])  # noqa: E731 - the server's order: text case-insensitively, then id
    before = _live(capped, "Task")
    capped.knobs.mutate_deletes = 3
    with capped.connect(progress=False, page_size=100) as site:
        got = site.find("Task", fields=["content"], order=["content"], limit=100)
    capped.knobs.mutate_deletes = 0
    after = _live(capped, "Task")
    ids = got["id"].tolist()
    assert len(ids) == 100 and len(set(ids)) == 100
    assert set(ids) <= set(before)
    assert ids == [r["id"] for r in sorted((before[i] for i in ids), key=key)], "in the requested order"
    last = key(before[ids[-1]])
    throughout = [before[i] for i in set(before) & set(after)]
    assert {r["id"] for r in throughout if key(r) <= last} <= set(ids), "nothing that sorts before the last is lost"


def test_the_usual_single_page_sends_no_extra_request(capped):
    capped.knobs.page_size_cap = 500
    with capped.connect(progress=False, page_size=100) as site:
        site.find("Shot", fields=["code"], limit=1)  # warm the schema
        before = capped.stats.requests
        df = site.find("Shot", fields=["code"], limit=30)
        assert len(df) == 30
        assert capped.stats.requests - before == 1


@pytest.mark.parametrize("page_size", [501, 10**6])
def test_a_page_size_above_the_servers_maximum_is_refused_with_the_reason(page_size):
    with pytest.raises(ValueError) as info:
        tf.connect("https://studio.example.com", auth=tf.ScriptKey("s", "k"), page_size=page_size)
    message = str(info.value)
    assert f"page_size={page_size}" in message and "500" in message


def test_the_servers_maximum_itself_is_fine():
    site = tf.connect("https://studio.example.com", auth=tf.ScriptKey("s", "k"), page_size=500)
    assert site.page_size == 500 == site.backend.MAX_PAGE_SIZE
