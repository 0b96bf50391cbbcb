"""The engine's filters equal the server's: every relation on every field, and random filter trees.

The reference is the sandbox server. The sweep asks its query function directly
(so ``now`` is exact); the property test goes through ``site.find`` over HTTP.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trackframes.engine import mask
from trackframes.query import Condition, Group, RELATIONS, walk
from trackframes.sandbox.shotgrid.query import VALID_OPERATORS, search

from .conftest import ENTITIES, Data, server_now
from .gen import Pick, condition, relations, tree

NOW = datetime(2026, 3, 2, 14, 30, 15, 250000, tzinfo=timezone.utc)  # a fixed instant for the sweep


def engine_ids(d: Data, node: Any, now: datetime) -> set[int]:
    return set(d.table.filter(mask(d.table, node, d.specs, now=now)).column("id").to_pylist())


def server_ids(sb: Any, d: Data, node: Group, now: datetime) -> set[int]:
    return set(search(sb.store, d.entity, node.to_dict(), now=now))


def sweep(d: Data) -> list[Condition]:
    """Three conditions for every relation the server takes on every field of the table."""
    out = []
    for seed, (path, field) in enumerate(d.fields.items()):
        for op in relations(field.spec):
            for k in range(3):
                out.append(condition(Pick.seeded(hash((d.entity, path, op, k)) & 0xFFFF), d.fields,
                                     NOW.date(), path=path, op=op))
    return out


@pytest.mark.parametrize("entity", ENTITIES)
def test_every_relation_on_every_field_matches_the_server(sb, data, entity):
    d = data[entity]
    checked = 0
    for cond in sweep(d):
        tree_ = Group("and", (cond,))
        expected = server_ids(sb, d, tree_, NOW)
        assert engine_ids(d, tree_, NOW) == expected, f"{entity}: {cond}"
        checked += 1
    assert checked > 20


def test_the_sweep_covers_every_relation_and_field_kind(data):
    seen_ops = {c.op for d in data.values() for c in sweep(d)}
    server_ops = {op for ops in VALID_OPERATORS.values() for op in ops}
    assert server_ops <= seen_ops
    assert seen_ops <= set(RELATIONS)
    kinds = {d.fields[c.path].spec.kind for d in data.values() for c in sweep(d)}
    assert {k.value for k in kinds} >= {"text", "integer", "float", "boolean", "date", "datetime", "category",
                                        "entity", "multi_entity", "tag_list"}
    dotted = {c.path for d in data.values() for c in sweep(d) if "." in c.path}
    assert len(dotted) >= 10


@pytest.mark.parametrize("entity", ["Task", "Shot", "Version", "Note", "Asset", "CustomNonProjectEntity01"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_random_filter_trees_match_the_server(sb, site, data, entity, draw):
    d = data[entity]
    node = tree(Pick.of(draw), d.fields, sb.store.today)
    before = server_now(sb)
    got = set(site.find(entity, node.to_dict(), ["id"])["id"].tolist())
    after = server_now(sb)
    mine = engine_ids(d, node, before)
    if mine != got and any(c.op.startswith(("in_", "not_in_")) for c in walk(node)):
        mine = engine_ids(d, node, after)  # the server's clock ticked between the two readings
    assert mine == got
