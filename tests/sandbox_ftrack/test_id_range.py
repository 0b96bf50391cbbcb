"""Queries ordered by id with id bounds (keyset paging) read a bisected slice: same rows as a full scan."""

from __future__ import annotations

import pytest

from trackframes.sandbox.ftrack import evaluate, parse
from trackframes.sandbox.ftrack.evaluate import compile_where, order_records

from ..ftrack_client.bulk import bulk_store

STORE = bulk_store(400, seed=11)
IDS = sorted(r.key[0] for r in STORE.records("Task"))


def scan(expression: str) -> list[str]:
    """The same query evaluated by a full scan (the general path)."""
    query = parse(expression)
    rows = STORE.records("Task")
    if query.where is not None:
        predicate = compile_where(STORE, "Task", query.where)
        rows = [r for r in rows if predicate(r) is True]
    rows = order_records(STORE, "Task", rows, query.order_by)
    start = query.offset or 0
    rows = rows[start:] if query.limit is None else rows[start:start + query.limit]
    return [r.key[0] for r in rows]


@pytest.mark.parametrize("expression", [
    f'select id from Task where id > "{IDS[10]}" order by id',
    f'select id from Task where id >= "{IDS[10]}" and id < "{IDS[200].upper()}" order by id limit 50',
    f'select id from Task where (id > "{IDS[5]}") and (bid > 20000) order by id offset 3 limit 9',
    f'select id from Task where id <= "{IDS[30]}" and (status.name is "Approved" or bid is none) order by id',
    'select id from Task where id > "zzz" order by id',
    'select id from Task where id > "40000000-0000-0000-0000-000000000000" and id < "80000000-0000-0000-0000-000000000000" order by id',
])
def test_id_bounded_queries_equal_a_full_scan(expression):
    query = parse(expression)
    got = [r.key[0] for r in evaluate(STORE, "Task", query)]
    assert got == scan(expression)


def test_the_slices_are_not_trivial():
    assert 0 < len(scan(f'select id from Task where (id > "{IDS[5]}") and (bid > 20000) order by id')) < 300
