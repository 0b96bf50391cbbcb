"""The engine's order and limit equal the server's, with nulls in the ordering columns."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trackframes.engine import apply
from trackframes.query import parse_order
from trackframes.sandbox.shotgrid.query import search
from trackframes.schema import FieldKind

from .conftest import Data, server_now
from .gen import Pick, tree

SITE_KINDS = {k for k in FieldKind} - {FieldKind.MULTI_ENTITY}


def order_of(pick: Pick, d: Data, kinds: set[FieldKind]) -> list[str]:
    usable = [s.name for s in d.specs if s.kind in kinds and s.kind not in (FieldKind.JSON,)]
    nullable = [name for name in usable if with_nulls(d, name)]
    keys: list[str] = []
    for _ in range(pick.integer(1, 3)):
        name = pick.choice(nullable if nullable and pick.chance(60) else usable)
        if name not in [k.lstrip("-") for k in keys]:
            keys.append(("-" if pick.chance(50) else "") + name)
    return keys


def with_nulls(d: Data, key: str) -> bool:
    name = key.lstrip("-")
    cols = [c for c in d.table.column_names if c == name or c.startswith(name + ".")]
    return any(d.table.column(c).null_count for c in cols)


@pytest.mark.parametrize("entity", ["Task", "Shot", "Version", "TimeLog", "Asset", "Note"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_order_and_limit_match_the_server(sb, site, data, entity, draw):
    d = data[entity]
    pick = Pick.of(draw)
    order = order_of(pick, d, SITE_KINDS)
    filters = tree(pick, d.fields, sb.store.today) if pick.chance(30) else None
    public = None if filters is None else filters.to_dict()
    limit = pick.integer(1, 40)
    now = server_now(sb)
    got = site.find(entity, public, ["id"], order=order, limit=limit)["id"].tolist()
    mine = apply(d.table, d.specs, filters, order, limit, now=now)["id"].to_pylist()
    assert mine == got, (order, limit)


@pytest.mark.parametrize("entity", ["Task", "Shot", "Version", "Asset", "Note", "CustomNonProjectEntity01"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_full_order_matches_the_servers_sort(sb, data, entity, draw):
    """Every row, every sortable kind (multi-links and tags too), straight from the server's query code."""
    d = data[entity]
    order = order_of(Pick.of(draw), d, set(FieldKind))
    expected = search(sb.store, entity, None, order)
    assert apply(d.table, d.specs, None, order)["id"].to_pylist() == expected, order


def test_nulls_are_last_ascending_and_first_descending_on_the_server(sb, site, data):
    """PostgreSQL's rule, which real ShotGrid follows: checked here on the sandbox's answers."""
    d = data["Task"]
    key = "entity.Shot.sg_cut_in"  # null for the tasks of assets
    column = d.table.column(key)
    assert 0 < column.null_count < len(column), "the test needs tasks with and without a value"
    nulls = set(d.table.filter(column.is_null()).column("id").to_pylist())
    up = site.find("Task", None, ["id"], order=[key], limit=len(d.table))["id"].tolist()
    down = site.find("Task", None, ["id"], order=["-" + key], limit=len(d.table))["id"].tolist()
    assert len(up) == len(down) == len(d.table) <= site.page_size  # one server-sorted page
    assert up[-len(nulls):] == sorted(nulls)  # last ascending, ties by id
    assert down[:len(nulls)] == sorted(nulls)  # first descending, ties by id
    assert apply(d.table, d.specs, order=[key])["id"].to_pylist() == up
    assert apply(d.table, d.specs, order=["-" + key])["id"].to_pylist() == down


def test_parse_order_forms_give_the_same_rows(data):
    d = data["Task"]
    forms: list[Any] = ["-due_date, content", ["-due_date", "content"],
                        [{"field_name": "due_date", "direction": "desc"}, {"field_name": "content"}],
                        parse_order("-due_date,content")]
    results = [apply(d.table, d.specs, order=f)["id"].to_pylist() for f in forms]
    assert all(r == results[0] for r in results)
