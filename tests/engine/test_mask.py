"""mask() on a hand-made table: every relation on every field kind, expected rows worked out by hand.

Rows (see tables.py): code Alpha/beta/None/""/ALPHABET; cut 10/20/None/30/20; due 1 Mar/2 Mar/None/23 Feb/
9 Mar 2026; links Shot 1 "sh010"/Asset 1 "Tree"/None/Shot 2 "SH020"/Shot 1; now = Monday 2 March 2026 14:30:15Z.
"""

from __future__ import annotations

from datetime import date, timedelta, timezone

import pyarrow as pa
import pytest

import trackframes as tf
from trackframes.engine import mask
from trackframes.query import parse_filters

from .tables import NOW, SPECS, table

ALL = {1, 2, 3, 4, 5}
SHOT1 = {"type": "Shot", "id": 1}
ANN = {"type": "Person", "id": 1}

CASES = [
    # text: case-insensitive; null is no value; "" is a value
    (["code", "is", "alpha"], {1}),
    (["code", "is", None], {3}),
    (["code", "is_not", "alpha"], {2, 3, 4, 5}),
    (["code", "is_not", None], {1, 2, 4, 5}),
    (["code", "in", ["BETA", None]], {2, 3}),
    (["code", "not_in", ["beta"]], {1, 3, 4, 5}),
    (["code", "contains", "PHA"], {1, 5}),
    (["code", "contains", ""], {1, 2, 4, 5}),
    (["code", "contains", None], set()),
    (["code", "not_contains", "pha"], {2, 3, 4}),
    (["code", "not_contains", None], ALL),
    (["code", "starts_with", "al"], {1, 5}),
    (["code", "ends_with", "BET"], {5}),
    # a thumbnail's empty text is no thumbnail
    (["thumb", "is", None], {2, 3, 5}),
    (["thumb", "is_not", None], {1, 4}),
    # categories
    (["status", "is", "IP"], {1, 5}),
    (["status", "in", ["fin", "rev"]], {2, 4}),
    (["status", "not_in", ["ip"]], {2, 3, 4}),
    (["status", "is", None], {3}),
    # numbers
    (["cut", "is", 20], {2, 5}),
    (["cut", "is", 20.0], {2, 5}),
    (["cut", "is", 20.5], set()),
    (["cut", "is", None], {3}),
    (["cut", "is_not", 20], {1, 3, 4}),
    (["cut", "less_than", 20], {1}),
    (["cut", "greater_than", 10], {2, 4, 5}),
    (["cut", "less_than", None], set()),
    (["cut", "between", [20, 30]], {2, 4, 5}),
    (["cut", "between", [None, 15]], {1}),
    (["cut", "between", [25, None]], {4}),
    (["cut", "between", [None, None]], {1, 2, 4, 5}),
    (["cut", "between", [30, 20]], set()),
    (["cut", "not_between", [20, 30]], {1, 3}),
    (["cut", "in", [10, 30, None]], {1, 3, 4}),
    (["cut", "in", [20.0]], {2, 5}),
    (["cut", "in", []], set()),
    (["cut", "not_in", []], ALL),
    (["rate", "greater_than", 1.5], {3, 4}),
    (["rate", "between", [1.5, 2.5]], {1, 3, 4}),
    (["rate", "in", [2]], {3}),
    (["id", "in", [2, 4, 99]], {2, 4}),
    # checkboxes
    (["done", "is", True], {1, 4}),
    (["done", "is", False], {2, 5}),
    (["done", "is", None], {3}),
    (["done", "is_not", True], {2, 3, 5}),
    # dates
    (["due", "is", "2026-03-02"], {2}),
    (["due", "is", date(2026, 3, 1)], {1}),
    (["due", "less_than", "2026-03-02"], {1, 4}),
    (["due", "greater_than", "2026-03-01"], {2, 5}),
    (["due", "between", ["2026-03-01", "2026-03-02"]], {1, 2}),
    (["due", "not_between", ["2026-03-01", "2026-03-02"]], {3, 4, 5}),
    (["due", "in", ["2026-03-09", None]], {3, 5}),
    (["due", "in_last", [1, "DAY"]], {1, 2}),
    (["due", "in_last", 1, "WEEK"], {1, 2, 4}),
    (["due", "not_in_last", [1, "WEEK"]], {3, 5}),
    (["due", "in_last", [1, "month"]], {1, 2, 4}),
    (["due", "in_next", [1, "WEEK"]], {2, 5}),
    (["due", "not_in_next", [1, "DAY"]], {1, 3, 4, 5}),
    (["due", "in_calendar_day", 0], {2}),
    (["due", "in_calendar_day", -1], {1}),
    (["due", "in_calendar_week", 0], {2}),
    (["due", "in_calendar_week", -1], {1, 4}),
    (["due", "in_calendar_week", [1]], {5}),
    (["due", "in_calendar_month", 0], {1, 2, 5}),
    (["due", "in_calendar_month", -1], {4}),
    (["due", "in_calendar_year", 0], {1, 2, 4, 5}),
    (["due", "in_calendar_year", 1], set()),
    # date-times: whole seconds, any ISO 8601 spelling, a date is its UTC midnight
    (["at", "is", "2026-03-02T10:00:00Z"], {1}),
    (["at", "is", "2026-03-02T12:00:00+02:00"], {1}),
    (["at", "is", "2026-03-02T10:00:00.700Z"], {1}),
    (["at", "is", "2026-03-02T10:00:00"], {1}),
    (["at", "greater_than", "2026-03-02"], {1, 4}),
    (["at", "less_than", date(2026, 3, 1)], {5}),
    (["at", "between", ["2026-03-01T23:30:00Z", "2026-03-02T10:00:00Z"]], {1, 2}),
    (["at", "in_last", [1, "HOUR"]], {4}),
    (["at", "in_last", [5, "HOUR"]], {1, 4}),
    (["at", "in_next", [1, "DAY"]], set()),
    (["at", "not_in_next", [1, "DAY"]], ALL),
    (["at", "in_calendar_day", 0], {1, 4}),
    (["at", "in_calendar_day", -1], {2}),
    (["at", "in_calendar_week", -1], {2, 5}),  # Sunday 1 March 23:30 is last week
    # links: type and id; names case-insensitive
    (["link", "is", SHOT1], {1, 5}),
    (["link", "is", {"type": "Asset", "id": 1}], {2}),
    (["link", "is", None], {3}),
    (["link", "is_not", SHOT1], {2, 3, 4}),
    (["link", "in", [{"type": "Shot", "id": 2}, None]], {3, 4}),
    (["link", "not_in", [{"type": "Shot", "id": 2}]], {1, 2, 3, 5}),
    (["link", "type_is", "Shot"], {1, 4, 5}),
    (["link", "type_is_not", "Shot"], {2, 3}),
    (["link", "type_is", None], {3}),
    (["link", "name_contains", "SH0"], {1, 4, 5}),
    (["link", "name_not_contains", "sh0"], {2, 3}),
    (["link", "name_is", "TREE"], {2}),
    (["link", "name_starts_with", "t"], {2}),
    (["link", "name_ends_with", "20"], {4}),
    (["link.Shot.code", "is", "SH010"], {1, 5}),
    (["link.Shot.code", "is", None], {2, 3}),
    # multi-links: "is" means "contains"; is None means an empty list
    (["people", "is", ANN], {1, 5}),
    (["people", "is", None], {2, 3}),
    (["people", "is_not", None], {1, 4, 5}),
    (["people", "is_not", ANN], {2, 3, 4}),
    (["people", "contains", {"type": "Team", "id": 2}], {1}),
    (["people", "not_contains", {"type": "Team", "id": 2}], {2, 3, 4, 5}),
    (["people", "in", [{"type": "Person", "id": 3}, None]], {2, 3, 4}),
    (["people", "not_in", [{"type": "Person", "id": 3}]], {1, 2, 3, 5}),
    (["people", "type_is", "Team"], {1}),
    (["people", "type_is_not", "Team"], {2, 3, 4, 5}),
    (["people", "type_is", None], {2, 3}),
    (["people", "name_contains", "AN"], {1, 5}),
    (["people", "name_not_contains", "an"], {2, 3, 4}),
    (["people", "name_is", "BOB"], {4}),
    (["people", "name_starts_with", "b"], {4}),
    (["people", "name_ends_with", "im"], {1}),
    # tags
    (["tags", "is", "Hero"], {1, 5}),
    (["tags", "is", {"name": "shared"}], {1}),
    (["tags", "is", None], {2, 3}),
    (["tags", "is_not", "hero"], {2, 3, 4}),
    (["tags", "name_contains", "ER"], {1, 5}),
    (["tags", "name_not_contains", "back"], {1, 2, 3, 5}),
]


def ids(t: pa.Table, filters, **kw) -> set[int]:
    return set(t.filter(mask(t, filters, SPECS, now=NOW, **kw)).column("id").to_pylist())


@pytest.mark.parametrize("condition, expected", CASES, ids=lambda x: repr(x) if isinstance(x, list) else "")
def test_relation(condition, expected):
    assert ids(table(), [condition]) == expected


def test_every_relation_of_the_vocabulary_is_tested():
    from trackframes.query import RELATIONS

    assert {c[1] for c, _ in CASES} == set(RELATIONS)


def test_groups():
    t = table()
    either = {"logical_operator": "or", "conditions": [["code", "is", "alpha"], ["cut", "is", 30]]}
    assert ids(t, [either]) == {1, 4}
    assert ids(t, {"logical_operator": "or", "conditions": []}) == ALL
    assert ids(t, []) == ALL
    assert ids(t, [{"logical_operator": "or", "conditions": []}, ["cut", "is", 10]]) == {1}
    assert ids(t, {"filter_operator": "any", "filters": [["cut", "is", 10], {"filter_operator": "all", "filters": [
        ["cut", "is", 20], ["done", "is", False]]}]}) == {1, 2, 5}


def test_the_calendar_follows_the_time_zone():
    t = table()
    plus_ten = timezone(timedelta(hours=10))  # 00:30 on Tuesday 3 March there
    assert ids(t, [["due", "in_calendar_day", 0]], tz=plus_ten) == set()
    assert ids(t, [["due", "in_calendar_day", -1]], tz=plus_ten) == {2}
    plus_two = timezone(timedelta(hours=2))  # the local day 2 March is [1 Mar 22:00Z, 2 Mar 22:00Z)
    assert ids(t, [["at", "in_calendar_day", 0]], tz=plus_two) == {1, 2, 4}


def test_the_time_zone_may_be_a_zone_name_object():
    from zoneinfo import ZoneInfo

    assert ids(table(), [["due", "in_calendar_day", 0]], tz=ZoneInfo("Pacific/Auckland")) == set()  # 3 March there


def test_several_chunks_and_slices_give_the_same_rows():
    t = table()
    chunked = pa.concat_tables([t.slice(0, 2), t.slice(2)])
    for condition, expected in CASES:
        assert ids(chunked, [condition]) == expected, condition
    tail = t.slice(2)
    assert ids(tail, [["people", "is", None]]) == {3}
    assert ids(tail, [["tags", "name_contains", "er"]]) == {5}


def test_a_null_list_hiding_values_counts_as_empty():
    t = table()
    people = t.column("people").combine_chunks()
    hidden = pa.ListArray.from_arrays(people.offsets, people.values, mask=pa.array([True, False, False, False, False]))
    t = t.set_column(t.schema.get_field_index("people"), "people", hidden)
    assert ids(t, [["people", "is", None]]) == {1, 2, 3}
    assert ids(t, [["people", "is", ANN]]) == {5}


def test_string_ids():
    specs = [FieldSpecFor("code")]
    t = pa.table({"id": ["a1", "b2"], "code": ["x", "y"]})
    assert mask(t, [["id", "is", "b2"]], specs).to_pylist() == [False, True]


def FieldSpecFor(name):  # noqa: N802
    from trackframes.schema import FieldKind, FieldSpec

    return FieldSpec(name, FieldKind.TEXT, "text")


def test_non_ascii_text_folds_like_python():
    t = pa.table({"id": [1, 2], "code": ["İstanbul", "ÉTÉ"]})
    specs = [FieldSpecFor("code")]
    assert mask(t, [["code", "is", "İstanbul".lower()]], specs).to_pylist() == [True, False]
    assert mask(t, [["code", "contains", "été"]], specs).to_pylist() == [False, True]


def test_an_empty_table():
    t = table().slice(0, 0)
    assert len(mask(t, [["people", "is", ANN], ["due", "in_last", [1, "DAY"]]], SPECS, now=NOW)) == 0


def test_mask_takes_a_parsed_tree():
    t = table()
    assert mask(t, parse_filters([["cut", "is", 20]]), SPECS).to_pylist() == [False, True, False, False, True]


@pytest.mark.parametrize("condition, words", [
    (["cut", "contains", 2], ["'contains'", "'cut'", "integer", "Valid relations"]),
    (["web", "is", None], ["'web'", "cannot be filtered on"]),
    (["cod", "is", "x"], ["'cod'", "'code'"]),
    (["cut", "is", "20"], ["'20'", "'cut'", "a number"]),
    (["cut", "in", 20], ["a list of"]),
    (["cut", "between", [1]], ["[low, high]"]),
    (["done", "is", 1], ["True, False or None"]),
    (["due", "is", "next friday"], ["'next friday'", "YYYY-MM-DD"]),
    (["due", "is", "2026-03-02T10:00:00Z"], ["YYYY-MM-DD"]),
    (["at", "greater_than", "yesterday"], ["ISO 8601"]),
    (["due", "in_last", ["two", "WEEK"]], ["[count, unit]"]),
    (["due", "in_calendar_day", "0"], ["whole-number offset"]),
    (["link", "is", 12], ["{'type': ..., 'id': ...}"]),
    (["link", "is", {"type": "Shot", "id": "x"}], ["ids"]),
    (["link", "name_is", None], ["text"]),
    (["tags", "name_contains", None], ["a tag name"]),
    (["thumb", "is", "http://x"], ["None"]),
    (["code", "starts_with", None], ["text"]),
])
def test_bad_conditions_are_refused_with_the_reason(condition, words):
    with pytest.raises(tf.SchemaError) as info:
        mask(table(), [condition], SPECS, now=NOW)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_a_field_missing_from_the_table_is_named():
    with pytest.raises(tf.SchemaError) as info:
        mask(table().drop_columns(["cut"]), [["cut", "is", 1]], SPECS)
    assert "'cut'" in str(info.value) and "fetch" in str(info.value)
