"""sort_indices / apply on a hand-made table, and against an independent SQL engine with PostgreSQL's null order."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackframes.engine import apply, sort_indices
from trackframes.schema import FieldKind, FieldSpec

from .tables import SPECS, table


def order(keys) -> list[int]:
    t = table()
    return t.take(sort_indices(t, keys, SPECS)).column("id").to_pylist()


@pytest.mark.parametrize("keys, expected", [
    (["cut"], [1, 2, 5, 4, 3]),               # 10, 20, 20 (ties by id), 30, null last
    (["-cut"], [3, 4, 2, 5, 1]),              # null first descending, ties still by id ascending
    (["code"], [4, 1, 5, 2, 3]),              # "", alpha, alphabet, beta (case-insensitive), null
    (["-code"], [3, 2, 5, 1, 4]),
    (["status"], [2, 1, 5, 4, 3]),            # categories by their text: fin, ip, ip, rev
    (["link"], [1, 5, 4, 2, 3]),              # by name: sh010, sh010, SH020, Tree
    (["-link"], [3, 2, 4, 1, 5]),
    (["people"], [1, 5, 4, 2, 3]),            # (anim, ann) < (ann) < (bob); empty lists are null
    (["tags"], [4, 5, 1, 2, 3]),              # (background) < (hero) < (hero, shared)
    (["web"], [3, 5, 1, 2, 4]),               # name, else URL: http://b, http://c, site
    (["done"], [2, 5, 1, 4, 3]),
    (["-due"], [3, 5, 2, 1, 4]),
    (["at"], [5, 2, 1, 4, 3]),
    (["-done", "cut"], [3, 1, 4, 2, 5]),
    (["-id"], [5, 4, 3, 2, 1]),
    (["link.Shot.code", "-id"], [5, 1, 4, 3, 2]),
    ([], [1, 2, 3, 4, 5]),
])
def test_order(keys, expected):
    assert order(keys) == expected


def test_apply_filters_orders_and_limits():
    t = table()
    assert apply(t, SPECS, [["cut", "is_not", None]], ["-cut"], 2)["id"].to_pylist() == [4, 2]
    assert apply(t, SPECS, None, "-cut", 0).num_rows == 0
    assert apply(t.slice(2).take([2, 0, 1]), SPECS)["id"].to_pylist() == [3, 4, 5]  # by id without an order


@pytest.mark.parametrize("limit, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_bad_limits(limit, error):
    with pytest.raises(error, match="limit"):
        apply(table(), SPECS, limit=limit)


# -- PostgreSQL's order, from an independent SQL engine -------------------------------------------------

rows = st.lists(st.tuples(st.none() | st.integers(-3, 3),
                          st.none() | st.text(alphabet="aAbB _-z", max_size=3),
                          st.none() | st.booleans()), min_size=0, max_size=25)
keys = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans()), min_size=1, max_size=3,
                unique_by=lambda k: k[0])
NUMERIC = [FieldSpec("a", FieldKind.INTEGER, "number"), FieldSpec("b", FieldKind.TEXT, "text"),
           FieldSpec("c", FieldKind.BOOLEAN, "checkbox")]


@settings(max_examples=100, deadline=None)
@given(rows, keys)
def test_order_is_postgresqls(data, wanted):
    ids = list(range(len(data), 0, -1))  # ids not in row order, so "ties by id" is visible
    t = pa.table({"id": pa.array(ids, pa.int64()), "a": pa.array([r[0] for r in data], pa.int64()),
                  "b": pa.array([r[1] for r in data], pa.string()), "c": pa.array([r[2] for r in data], pa.bool_())})
    terms = []
    for name, desc in wanted:
        expr = f"lower({name})" if name == "b" else name
        terms.append(f"{expr} {'DESC NULLS FIRST' if desc else 'ASC NULLS LAST'}")
    sql = f"SELECT id FROM t ORDER BY {', '.join(terms)}, id ASC"
    expected = [r[0] for r in duckdb.sql(sql).fetchall()]
    mine = t.take(sort_indices(t, [("-" if d else "") + n for n, d in wanted], NUMERIC))["id"].to_pylist()
    assert mine == expected
