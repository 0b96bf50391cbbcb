"""``limit`` reads only what it needs, and ``order`` with ``limit`` is the head of the full order.

Request counts are counted on the site's own session (tests/pipeline/conftest.py).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any, Iterator

import pytest

import trackframes as tf
from tests.pipeline.conftest import live_ids, pages_for, record

PAGE = 100
FILTERS = {
    "default": [],
    "is_not_fin": [["sg_status_list", "is_not", "fin"]],
    "is_ip": [["sg_status_list", "is", "ip"]],
}
KEEP = {
    "default": None,
    "is_not_fin": lambda rec: rec.get("sg_status_list") != "fin",
    "is_ip": lambda rec: rec.get("sg_status_list") == "ip",
}


@pytest.fixture(scope="module")
def site(big: Any) -> Iterator[tf.Site]:
    with big.connect(progress=False, page_size=PAGE) as s:
        s.field_specs("Task")
        yield s


@pytest.mark.parametrize("limit", [150, 1000, 4321])
@pytest.mark.parametrize("order", [None, "id", "-id"])
@pytest.mark.parametrize("name", list(FILTERS))
def test_a_limit_over_a_page_makes_at_most_ceil_limit_over_page_size_page_requests(big, site, name, order, limit):
    sent = record(site)
    df = site.find("Task", FILTERS[name], ["content"], order=order, limit=limit)
    every = live_ids(big, "Task", keep=KEEP[name])
    expected = (every[::-1] if order == "-id" else every)[:limit]
    assert df["id"].tolist() == expected
    assert len(sent.pages) <= math.ceil(limit / PAGE), sent.pages
    assert len(sent.probes) <= 4  # two id probes, the count, the count per id bucket
    assert sent.continuations() == 0


def test_a_limit_of_a_few_pages_is_one_keyset_chain_without_probes(big, site):
    sent = record(site)
    df = site.find("Task", fields=["content"], limit=3 * PAGE + 1)
    assert df["id"].tolist() == live_ids(big, "Task")[: 3 * PAGE + 1]
    assert len(sent.pages) == 4 and sent.probes == []


@pytest.mark.parametrize("order", [None, "-id"])
def test_a_larger_limit_is_planned_as_the_id_ranges_that_hold_it(big, site, order):
    limit = 25 * PAGE + 7
    query, _ = site._query("Task", None, ["content"], order, limit, False, False)
    with site._call():
        plan = site.backend.plan(query, PAGE)
    assert plan.limit == limit
    assert len(plan.requests) == math.ceil(limit / PAGE)  # fetched concurrently, not one after another
    ids = live_ids(big, "Task")
    wanted = ids[::-1][:limit] if order else ids[:limit]
    covered = [i for lo, hi, *_ in plan.requests for i in ids if lo <= i <= hi]
    assert set(wanted) <= set(covered)


# -- order with nulls -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nulls() -> Iterator[Any]:
    """A sandbox whose Tasks have empty due dates, durations, steps and descriptions (every 4th, 5th, 6th)."""
    with tf.sandbox.serve(scale=0.3, seed=4, today=date(2026, 3, 2)) as sb:
        for rid in sorted(sb.store.records["Task"]):
            changes: dict[str, Any] = {}
            if rid % 4 == 0:
                changes["due_date"] = None
            if rid % 5 == 0:
                changes["duration"] = None
            if rid % 6 == 0:
                changes["step"] = None
            if changes:
                sb.store.update("Task", rid, changes)
        yield sb


def _server_order(sb: Any, field: str, descending: bool) -> list[int]:
    """PostgreSQL's order, written out: nulls last ascending and first descending, text and links by
    lower-cased name, ties by id ascending."""
    rows = []
    for rid in live_ids(sb, "Task"):
        value = sb.store.records["Task"][rid].get(field)
        if isinstance(value, dict):
            value = (sb.store.display_name(value["type"], value["id"]) or "").lower()
        elif isinstance(value, str) and field != "due_date":
            value = value.lower()
        rows.append((rid, value))
    present = sorted((r for r in rows if r[1] is not None), key=lambda r: r[0])
    present.sort(key=lambda r: r[1], reverse=descending)  # stable: ties stay by id ascending
    empty = [rid for rid, value in rows if value is None]
    ordered = [rid for rid, _ in present]
    return empty + ordered if descending else ordered + empty


@pytest.mark.parametrize("limit", [7, 130, None])
@pytest.mark.parametrize("key", ["due_date", "-due_date", "duration", "-duration", "step", "-step",
                                 "sg_description", "-sg_description"])
def test_order_and_limit_give_the_head_of_the_servers_full_order_with_nulls(nulls, key, limit):
    with nulls.connect(progress=False, page_size=50) as site:
        df = site.find("Task", fields=["content"], order=[key], limit=limit)
    expected = _server_order(nulls, key.lstrip("-"), key.startswith("-"))
    assert df["id"].tolist() == expected[:limit]


def test_the_servers_own_sort_agrees_with_the_local_order(nulls):
    """A limit within a page is sorted by the server; a larger one locally: the same head either way."""
    with nulls.connect(progress=False, page_size=50) as site:
        for key in ("-due_date", "step", "-sg_description"):
            server = site.find("Task", fields=["content"], order=[key], limit=50)["id"].tolist()
            local = site.find("Task", fields=["content"], order=[key], limit=51)["id"].tolist()
            assert local[:50] == server


@pytest.mark.parametrize("key", ["due_date", "-due_date", "duration", "-duration", "created_at", "-updated_at"])
def test_a_limit_over_a_page_in_a_number_or_date_order_reads_ceil_limit_over_page_size_pages(nulls, key):
    with nulls.connect(progress=False, page_size=50) as site:
        sent = record(site)
        df = site.find("Task", fields=["content"], order=[key, "id"], limit=130)
    assert df["id"].tolist() == _server_order(nulls, key.lstrip("-"), key.startswith("-"))[:130]
    assert len(sent.pages) == 3 and sent.probes == []


def test_a_server_that_ignores_the_continuation_filter_is_named_instead_of_trusted(nulls):
    import json

    from tests.faults.proxy import FaultProxy

    def ignore_filters(ex: Any) -> None:
        body = json.loads(ex.body)
        body["filters"] = {"logical_operator": "and", "conditions": []}
        ex.relay(ex.forward(body=json.dumps(body).encode()))

    with FaultProxy(nulls.url) as proxy:
        proxy.add(ignore_filters, path="/_search")
        site = tf.connect(proxy.url, auth=nulls.auth, progress=False, page_size=50)
        with pytest.raises(tf.ProtocolError, match="not after id .* ignores the filter"):
            site.find("Task", fields=["content"], order=["-due_date"], limit=130)
        site.close()
