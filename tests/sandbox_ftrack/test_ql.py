"""trackframes.backends.ftrack.ql writes what the sandbox's independent parser reads back exactly,
whatever the values hold (quotes, backslashes, keywords, wildcards), and refuses bad names."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackframes.backends.ftrack import ql
from trackframes.exceptions import SchemaError
from trackframes.sandbox.ftrack.errors import ParseError
from trackframes.sandbox.ftrack.expression import parse, parse_expression
from trackframes.sandbox.ftrack.syntax import (
    Aggregate, BoolOp, Comparison, Literal, Not, OrderKey, Path, Query, Relation, Subquery,
)
from trackframes.sandbox.ftrack.values import like_matcher, parse_datetime

NASTY = ['plain', 'say "hi"', "back\\slash", 'trailing\\', '\\"', '""', "\\\\", 'a "b" \\ c',
         "take offset 5 limit 3", "x\" or id is_not none or name is \"", "and", "none", "select id from Task",
         "50% _off_", "naïve — ünïcode ✓", "tab\tand\nnewline", "", "'single'", "(paren", ")"]


def P(dotted: str) -> Path:
    return Path(tuple(dotted.split(".")))


@pytest.mark.parametrize("value", NASTY)
def test_any_string_round_trips_as_one_string_literal(value):
    assert parse_expression(ql.condition("name", "is", value)) == Comparison(P("name"), "is", Literal(value, "string"))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_round_trips(value):
    text = ql.condition("parent.name", "is_not", value)
    parsed = parse_expression(text)
    assert parsed == Comparison(P("parent.name"), "is_not", Literal(value, "string"))
    assert parsed.value.value == value


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text(), st.integers(), st.none(), st.booleans(),
                          st.floats(allow_nan=False, allow_infinity=False)), max_size=6))
def test_lists_of_mixed_values_round_trip(values):
    parsed = parse_expression(ql.condition("id", "in", values)).value
    assert [lit.value for lit in parsed] == values
    for lit, value in zip(parsed, values):
        if isinstance(value, str):
            assert lit.kind == "string"


def test_scalars_round_trip_with_their_kinds():
    cases = [(None, Literal(None, "none")), (True, Literal(True, "boolean")), (False, Literal(False, "boolean")),
             (0, Literal(0, "number")), (-12, Literal(-12, "number")), (2.5, Literal(2.5, "number")),
             (1e20, Literal(1e20, "number")), (10 ** 30, Literal(10 ** 30, "number"))]
    for value, literal in cases:
        assert parse_expression(ql.condition("x", "is", value)).value == literal


def test_datetimes_are_written_in_utc_and_read_back_to_the_same_instant():
    local = datetime(2024, 5, 1, 9, 30, 15, tzinfo=timezone(timedelta(hours=2)))
    text = ql.condition("start", ">=", local)
    assert text == 'start >= "2024-05-01T07:30:15"'
    assert parse_datetime(parse_expression(text).value.value) == local
    fine = datetime(2024, 5, 1, 9, 30, 15, 250, tzinfo=timezone.utc)
    assert parse_datetime(parse_expression(ql.condition("start", "<", fine)).value.value) == fine
    assert ql.condition("end_date", "before", date(2024, 6, 1)) == 'end_date before "2024-06-01"'
    with pytest.raises(SchemaError, match="no time zone"):
        ql.quote(datetime(2024, 5, 1))


def test_values_that_cannot_be_written_are_refused_by_type():
    for bad in (float("nan"), float("inf")):
        with pytest.raises(SchemaError, match="finite"):
            ql.quote(bad)
    with pytest.raises(SchemaError, match="cannot write a bytes value"):
        ql.quote(b"x")
    with pytest.raises(SchemaError, match="needs a list"):
        ql.condition("id", "in", "abc")
    with pytest.raises(SchemaError, match="text pattern"):
        ql.condition("name", "like", 5)


@pytest.mark.parametrize("bad", ['name" or id is_not none', "1name", "na me", "", "name)", "and", "a..b", ".a"])
def test_names_that_could_inject_are_refused(bad):
    with pytest.raises(SchemaError):
        ql.path(bad)
    with pytest.raises(SchemaError):
        ql.condition(bad, "is", 1)


def test_unknown_operators_get_the_closest_names():
    with pytest.raises(SchemaError, match="did you mean is_not"):
        ql.condition("name", "isnot", "x")


def test_a_whole_select_round_trips():
    text = ql.select(
        "Task", ["name", "parent.name", "status.state.short"],
        where=ql.and_(ql.condition("project.full_name", "is", 'Copper "Sky"'),
                      ql.or_(ql.condition("bid", ">", 3600), ql.condition("bid", "is", None)),
                      ql.not_(ql.any_("timelogs")),
                      ql.has("status", ql.condition("name", "not_in", ["Omitted", "On hold"]))),
        order_by=["-status.sort", ("name", False)], offset=20, limit=10)
    assert parse(text) == Query(
        "Task", (P("name"), P("parent.name"), P("status.state.short")),
        BoolOp("and", (
            Comparison(P("project.full_name"), "is", Literal('Copper "Sky"', "string")),
            BoolOp("or", (Comparison(P("bid"), ">", Literal(3600, "number")),
                          Comparison(P("bid"), "is", Literal(None, "none")))),
            Not(Relation(P("timelogs"), "any", None)),
            Relation(P("status"), "has", Comparison(P("name"), "not_in", (Literal("Omitted", "string"),
                                                                          Literal("On hold", "string")))),
        )),
        order_by=(OrderKey(P("status.sort"), True), OrderKey(P("name"), False)), offset=20, limit=10)


def test_aggregates_group_by_and_subselects_round_trip():
    grouped = ql.select("Task", [ql.aggregate("count", "id"), ql.aggregate("sum", "bid")],
                        group_by=["status_id", "project_id"])
    assert parse(grouped) == Query("Task", (Aggregate("count", P("id")), Aggregate("sum", P("bid"))),
                                   group_by=(P("status_id"), P("project_id")))
    inner = ql.select("Project", ["id"], where=ql.condition("name", "like", ql.like_pattern("cop", "starts_with")))
    outer = ql.condition("project_id", "not_in", ql.Subselect(inner))
    assert parse_expression(outer) == Comparison(P("project_id"), "not_in", Subquery(Query(
        "Project", (P("id"),), Comparison(P("name"), "like", Literal("cop%", "string")))))


@pytest.mark.parametrize("clause", ['name is "x" limit 5', 'name is "x") limit 5 (', 'name is "x") order by name (',
                                    'name is "x") offset 0 limit 1 --'])
def test_a_where_clause_cannot_add_clauses_after_it(clause):
    with pytest.raises(ParseError):
        parse(ql.select("Task", ["name"], where=clause))


@pytest.mark.parametrize("text", ["50%", "a_b", "back\\slash", "%_\\", 'q"uote', "plain"])
def test_like_patterns_match_the_text_literally(text):
    for mode, hit, misses in [
        ("contains", f"xx{text}yy", [text[:-1] + "Z" if text else "Z", "xxyy"]),
        ("starts_with", f"{text}tail", [f"z{text}"]),
        ("ends_with", f"head{text}", [f"{text}z"]),
        ("exact", text.upper(), [f"{text}z"]),
    ]:
        pattern = parse_expression(ql.condition("name", "like", ql.like_pattern(text, mode))).value.value
        match = like_matcher(pattern)
        assert match(hit), (mode, pattern, hit)
        for miss in misses:
            assert not match(miss), (mode, pattern, miss)
    # the wildcards are literal: "50%" does not match "50 apples"
    assert not like_matcher(ql.like_pattern("50%", "exact"))("50 apples")
    assert not like_matcher(ql.like_pattern("a_b", "exact"))("axb")


def test_bad_counts_and_order_items_are_refused():
    for kwargs in ({"offset": -1}, {"limit": True}, {"limit": 1.5}):
        with pytest.raises(SchemaError, match="whole number"):
            ql.select("Task", ["id"], **kwargs)
    with pytest.raises(SchemaError, match="order item"):
        ql.select("Task", ["id"], order_by=[("name",)])
    with pytest.raises(SchemaError, match="at least one attribute"):
        ql.select("Task", [])
