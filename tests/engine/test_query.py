"""The neutral filter tree and order keys: every public form, clear errors, canonical JSON, split."""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trackframes as tf
from trackframes.query import (MAX_DEPTH, Condition, Group, OrderKey, and_, from_json, or_, parse_filters,
                               parse_order, paths, split, to_json, walk)


def C(path, op, value):  # noqa: N802 - reads like the tree it builds
    return Condition(path, op, value)


# -- forms ----------------------------------------------------------------------------------------

def test_list_form_is_an_and_of_conditions():
    assert parse_filters([["code", "is", "a"], ["id", "greater_than", 3]]) == \
        Group("and", (C("code", "is", "a"), C("id", "greater_than", 3)))


def test_none_and_empty_lists_match_everything():
    assert parse_filters(None) == Group("and", ()) == parse_filters([])


def test_hash_form_nests():
    tree = parse_filters({"logical_operator": "or", "conditions": [
        ["a", "is", 1], {"logical_operator": "and", "conditions": [["b", "is", 2], ["c", "is", 3]]}]})
    assert tree == Group("or", (C("a", "is", 1), Group("and", (C("b", "is", 2), C("c", "is", 3)))))


def test_client_library_forms_mix_with_the_others():
    tree = parse_filters([["a", "is", 1],
                          {"filter_operator": "any", "filters": [
                              ["b", "is", 2],
                              {"logical_operator": "and", "conditions": [["c", "is", 3]]},
                              {"filter_operator": "all", "filters": [["d", "is", 4]]}]}])
    assert tree == Group("and", (C("a", "is", 1), Group("or", (
        C("b", "is", 2), Group("and", (C("c", "is", 3),)), Group("and", (C("d", "is", 4),))))))


def test_path_relation_values_conditions():
    tree = parse_filters([{"path": "id", "relation": "in", "values": [1, 2]},
                          {"path": "code", "relation": "is", "values": ["a"]},
                          {"path": "due_date", "relation": "in_last", "values": [1, "DAY"]}])
    assert list(walk(tree)) == [C("id", "in", [1, 2]), C("code", "is", "a"), C("due_date", "in_last", [1, "DAY"])]


def test_spread_values():
    assert list(walk(parse_filters([["start_date", "in_last", 1, "DAY"], ["status", "in", "ip", "rev"],
                                    ["id", "in", (1, 2)]]))) == [
        C("start_date", "in_last", [1, "DAY"]), C("status", "in", ["ip", "rev"]), C("id", "in", [1, 2])]


def test_the_hash_form_of_each_public_form():
    """The hash form a backend compiles from (values spread out or in tuples become lists)."""
    def h(op, *conditions):
        return {"logical_operator": op, "conditions": list(conditions)}

    cases = [(None, h("and")), ([], h("and")), ([["a", "is", 1]], h("and", ["a", "is", 1])),
             ([["d", "in_last", 2, "WEEK"]], h("and", ["d", "in_last", [2, "WEEK"]])),
             ([["s", "in", "a", "b"]], h("and", ["s", "in", ["a", "b"]])),
             ({"logical_operator": "or", "conditions": [["a", "is", 1], ["b", "between", (1, 2)]]},
              h("or", ["a", "is", 1], ["b", "between", [1, 2]])),
             ([{"logical_operator": "and", "conditions": [{"logical_operator": "or", "conditions": []}]}],
              h("and", h("and", h("or"))))]
    for form, want in cases:
        assert parse_filters(form).to_dict() == want, form


# -- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, words", [
    (["code", "is", "a"], ["write [['code', 'is', 'a']]"]),
    ({"code"}, ["Filters", "set"]),
    ([["code", "is", "a", "b"]], ["code", "too many values"]),
    ([["code"]], ["Not a filter condition", "['code']"]),
    ([5], ["Not a filter condition", "5"]),
    ({"logical_operator": "xor", "conditions": []}, ["logical_operator", "'xor'", "'and'", "'or'"]),
    ({"filter_operator": "and", "filters": []}, ["filter_operator", "'all'", "'any'"]),
    ({"logical_operator": "or"}, ["'conditions' list"]),
    ({"path": 5, "relation": "is", "values": [1]}, ["path", "relation"]),
    ({"path": "code", "relation": "is", "values": [1, 2]}, ["exactly one value"]),
])
def test_malformed_filters_name_the_bad_part(bad, words):
    with pytest.raises(tf.SchemaError) as info:
        parse_filters(bad)
    for word in words:
        assert word in str(info.value)


def test_bad_group_operator_suggests_the_valid_ones():
    with pytest.raises(tf.SchemaError) as info:
        parse_filters({"logical_operator": "AND", "conditions": []})
    assert info.value.suggestions == ["and", "or"]


def nested(depth: int):
    node = {"logical_operator": "and", "conditions": [["code", "is", "a"]]}
    for _ in range(depth):
        node = {"logical_operator": "or", "conditions": [node]}
    return node


def test_nesting_depth_is_limited_with_one_sentence():
    parse_filters(nested(MAX_DEPTH - 1))
    with pytest.raises(tf.SchemaError) as info:
        parse_filters(nested(200))
    message = str(info.value)
    assert str(MAX_DEPTH) in message and message.count(".") <= 2 and "filters" in message


def test_deep_trees_never_hit_the_recursion_limit():
    with pytest.raises(tf.SchemaError):
        parse_filters(nested(50_000))


@pytest.mark.parametrize("value, words", [
    (float("nan"), ["NaN", "None"]), (np.float64("nan"), ["NaN"]), (float("inf"), ["inf", "infinity"]),
    (-np.inf, ["-inf"]), ([1, float("nan")], ["NaN"]),
])
def test_nan_and_infinity_are_refused(value, words):
    with pytest.raises(tf.SchemaError) as info:
        parse_filters([["cut_in", "in" if isinstance(value, list) else "is", value]])
    for word in words + ["cut_in"]:
        assert word in str(info.value)


def test_numpy_and_pandas_values_become_python():
    tree = parse_filters([["a", "is", np.int64(5)], ["b", "in", np.array([1.5, np.nan])],
                          ["c", "is", pd.NA], ["d", "in", pd.Index([1, 2])],
                          ["e", "is", {"type": "Shot", "id": np.int32(3)}], ["f", "is", np.datetime64("NaT")]])
    got = [c.value for c in walk(tree)]
    assert got == [5, [1.5, None], None, [1, 2], {"type": "Shot", "id": 3}, None]
    assert type(got[0]) is int and type(got[4]["id"]) is int


def test_a_pandas_series_is_left_for_the_backend():
    series = pd.Series([1, 2], name="ids")
    assert next(walk(parse_filters([["id", "in", series]]))).value is series


# -- canonical form ---------------------------------------------------------------------------------

def test_canonical_json_is_stable_and_round_trips():
    a = parse_filters([["e", "is", {"id": 3, "type": "Shot"}], ["d", "is", date(2026, 3, 2)]])
    b = parse_filters([["e", "is", {"type": "Shot", "id": 3}], ["d", "is", "2026-03-02"]])
    assert a.to_json() == b.to_json() == \
        '{"conditions":[["e","is",{"id":3,"type":"Shot"}],["d","is","2026-03-02"]],"logical_operator":"and"}'
    assert from_json(a.to_json()) == b and hash(a) == hash(b)


def test_date_times_are_written_in_utc():
    moment = datetime(2026, 3, 2, 18, 0, tzinfo=timezone.utc)
    plus_two = parse_filters([["t", "greater_than", datetime(2026, 3, 2, 20, 0, tzinfo=timezone(
        __import__("datetime").timedelta(hours=2)))]])
    assert plus_two.to_json() == to_json(C("t", "greater_than", moment)) == \
        '{"conditions":[["t","greater_than","2026-03-02T18:00:00Z"]],"logical_operator":"and"}'


def test_trees_are_hashable_and_compare_by_value():
    trees = {parse_filters([["a", "in", [1, 2]]]), parse_filters([["a", "in", (1, 2)]])}
    assert len(trees) == 1
    assert parse_filters([["a", "in", [1, 2]]]) != parse_filters([["a", "in", [2, 1]]])


def test_to_json_refuses_values_json_cannot_hold():
    with pytest.raises(TypeError, match="cannot be written as JSON"):
        to_json(C("a", "is", object()))


json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=5),
                           lambda kids: st.lists(kids, max_size=3), max_leaves=6)
conditions = st.builds(lambda p, o, v: [p, o, v], st.sampled_from(["a", "b.Shot.c"]),
                       st.sampled_from(["is", "in", "between"]), json_values)
trees = st.recursive(st.lists(conditions, max_size=3).map(lambda cs: {"logical_operator": "and", "conditions": cs}),
                     lambda kids: st.builds(lambda op, items: {"logical_operator": op, "conditions": items},
                                            st.sampled_from(["and", "or"]), st.lists(kids | conditions, max_size=3)),
                     max_leaves=8)


@settings(max_examples=80, deadline=None)
@given(trees)
def test_json_round_trip_property(raw):
    tree = parse_filters(raw)
    assert from_json(tree.to_json()) == tree
    assert from_json(tree.to_json()).to_json() == tree.to_json()


# -- building, reading, splitting -----------------------------------------------------------------------

def test_and_splices_and_groups_and_skips_none():
    inner = Group("and", (C("a", "is", 1),))
    assert and_(inner, None, C("b", "is", 2), [["c", "is", 3]]) == \
        Group("and", (C("a", "is", 1), C("b", "is", 2), C("c", "is", 3)))
    assert or_(C("a", "is", 1), None) == Group("or", (C("a", "is", 1),))


def test_walk_and_paths_in_order():
    tree = parse_filters([["a", "is", 1], {"logical_operator": "or", "conditions": [
        ["b", "is", 2], {"logical_operator": "and", "conditions": [["a", "is", 3], ["c", "is", 4]]}]}])
    assert [c.path for c in walk(tree)] == ["a", "b", "a", "c"]
    assert paths(tree) == ["a", "b", "c"]


def test_split_pushes_what_it_can_and_keeps_the_rest():
    is_only = lambda c: c.op == "is"  # noqa: E731
    tree = parse_filters([["a", "is", 1], ["b", "contains", "x"],
                          {"logical_operator": "and", "conditions": [["c", "is", 2], ["d", "starts_with", "y"]]},
                          {"logical_operator": "or", "conditions": [["e", "is", 3], ["f", "is", 4]]},
                          {"logical_operator": "or", "conditions": [["g", "is", 5], ["h", "contains", "z"]]}])
    pushed, residual = split(tree, is_only)
    assert [c.path for c in walk(pushed)] == ["a", "c", "e", "f"]
    assert residual == Group("and", (C("b", "contains", "x"), C("d", "starts_with", "y"),
                                     Group("or", (C("g", "is", 5), C("h", "contains", "z")))))


def test_split_of_an_or_is_all_or_nothing():
    tree = parse_filters({"logical_operator": "or", "conditions": [["a", "is", 1], ["b", "contains", "x"]]})
    assert split(tree, lambda c: c.op == "is") == (Group("and", ()), tree)
    assert split(tree, lambda c: True) == (tree, Group("and", ()))


# -- order ----------------------------------------------------------------------------------------------

def test_order_forms():
    want = (OrderKey("due_date", True), OrderKey("content", False))
    assert parse_order(["-due_date", "content"]) == want
    assert parse_order("-due_date, content") == want
    assert parse_order([{"field_name": "due_date", "direction": "desc"}, {"field_name": "content"}]) == want
    assert parse_order(None) == () == parse_order([]) == parse_order("")
    assert [k.text for k in want] == ["-due_date", "content"]


@pytest.mark.parametrize("order, error, words", [
    (["--content"], tf.SchemaError, ["order", "--content", "'-content'"]),
    ("+due_date", tf.SchemaError, ["order", "+due_date", "'due_date'"]),
    (["-due date"], tf.SchemaError, ["order", "-due date", "'-due_date'"]),
    (["-"], tf.SchemaError, ["order", "'-'"]),
    ([None], TypeError, ["order", "None", "'-due_date'"]),
    (5, TypeError, ["order", "5"]),
    ({"field_name": "x"}, TypeError, ["order"]),
    ([{"field_name": "x", "direction": "down"}], TypeError, ["'asc' or 'desc'"]),
])
def test_bad_order_names_the_item(order, error, words):
    with pytest.raises(error) as info:
        parse_order(order)
    for word in words:
        assert word in str(info.value)
