"""summarize() on hand-made tables: every summary type and grouping type, worked out by hand.

Rows (see tables.py): cut 10/20/None/30/20, rate 1.5/None/2.0/2.5/-1.0, done True/False/None/True/False,
status ip/fin/None/rev/ip, due 1 Mar/2 Mar/None/23 Feb/9 Mar 2026 (today: Monday 2 March 2026).
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

import trackframes as tf
from trackframes.engine import summarize
from trackframes.schema import FieldKind, FieldSpec
from trackframes.summaries import Grouping, Summary

from .tables import SPECS, table

TODAY = date(2026, 3, 2)


def total(*summaries: Summary, t: pa.Table | None = None, specs=SPECS) -> list:
    result = summarize(table() if t is None else t, list(summaries), [], specs, today=TODAY)
    assert result.groups == []
    return [result.total[i] for i in range(len(summaries))]


@pytest.mark.parametrize("summary, expected", [
    (Summary("id", "record_count"), 5),
    (Summary("code", "count"), 4),           # "" is a value
    (Summary("people", "count"), 3),         # an empty list is not
    (Summary("link", "count"), 4),
    (Summary("web", "count"), 3),
    (Summary("tags", "count"), 3),
    (Summary("cut", "sum"), 80),
    (Summary("cut", "average"), 20.0),
    (Summary("cut", "maximum"), 30),
    (Summary("cut", "minimum"), 10),
    (Summary("rate", "sum"), 5.0),
    (Summary("rate", "average"), 1.25),
    (Summary("due", "earliest"), "2026-02-23"),
    (Summary("due", "latest"), "2026-03-09"),
    (Summary("at", "earliest"), "2026-02-28T00:00:00Z"),
    (Summary("at", "latest"), "2026-03-02T14:29:59Z"),
    (Summary("done", "checked"), 2),
    (Summary("done", "unchecked"), 3),       # null counts as unchecked
    (Summary("done", "percentage"), 40),
    (Summary("status", "status_percentage"), 20),           # "fin" by default
    (Summary("status", "status_percentage", "ip"), 40),
    (Summary("status", "status_percentage_as_float", "rev"), 20.0),
    (Summary("status", "status_list"), {"ip": 2, "rev": 1, "fin": 1}),  # the field's valid-values order
])
def test_summary(summary, expected):
    got = total(summary)[0]
    assert got == expected and type(got) is type(expected)


def test_summaries_of_no_rows():
    none = table().slice(0, 0)
    got = total(Summary("id", "record_count"), Summary("cut", "sum"), Summary("rate", "sum"),
                Summary("cut", "average"), Summary("cut", "maximum"), Summary("due", "earliest"),
                Summary("done", "percentage"), Summary("status", "status_percentage_as_float"),
                Summary("status", "status_list"), t=none)
    assert got == [0, 0, 0.0, None, None, None, 0, 0.0, {}]
    assert type(got[1]) is int and type(got[2]) is float


def test_percentages_round_half_up():
    spec = [FieldSpec("done", FieldKind.BOOLEAN, "checkbox")]
    eighth = pa.table({"id": range(8), "done": [True] + [False] * 7})        # 12.5 % → 13
    assert total(Summary("done", "percentage"), t=eighth, specs=spec) == [13]
    third = pa.table({"id": range(3), "done": [True, False, False]})        # 33.3 % → 33
    assert total(Summary("done", "percentage"), t=third, specs=spec) == [33]


def test_status_list_puts_unknown_statuses_after_the_valid_ones_by_name():
    spec = [FieldSpec("status", FieldKind.CATEGORY, "status_list", valid_values=("wtg", "ip"))]
    t = pa.table({"id": range(5), "status": ["zz", "ip", "aa", "ip", None]})
    assert list(total(Summary("status", "status_list"), t=t, specs=spec)[0].items()) == \
        [("ip", 2), ("aa", 1), ("zz", 1)]


def groups(level: Grouping, *, t: pa.Table | None = None, specs=SPECS, today=TODAY, type_names=None):
    """(name, value, number of records) of each group, in order."""
    t = table() if t is None else t
    result = summarize(t, [Summary("id", "record_count")], [level], specs, today=today, type_names=type_names)
    assert result.total[0] == t.num_rows
    return [(g.name, g.value, g.summaries[0]) for g in result.groups]


@pytest.mark.parametrize("level, expected", [
    (Grouping("cut", "exact"), [("10", 10, 1), ("20", 20, 2), ("30", 30, 1), ("", None, 1)]),
    (Grouping("cut", "exact", "desc"), [("", None, 1), ("30", 30, 1), ("20", 20, 2), ("10", 10, 1)]),
    (Grouping("code", "exact"), [("Alpha", "Alpha", 1), ("ALPHABET", "ALPHABET", 1), ("beta", "beta", 1),
                                 ("", None, 2)]),   # case-sensitive groups, ordered ignoring case; "" is no value
    (Grouping("status", "exact"), [("fin", "fin", 1), ("ip", "ip", 2), ("rev", "rev", 1), ("", None, 1)]),
    (Grouping("rate", "exact"), [("-1.0", -1.0, 1), ("1.5", 1.5, 1), ("2.0", 2.0, 1), ("2.5", 2.5, 1),
                                 ("", None, 1)]),
    (Grouping("done", "exact"), [("False", False, 2), ("True", True, 2), ("", None, 1)]),
    (Grouping("due", "exact"), [("2026-02-23", "2026-02-23", 1), ("2026-03-01", "2026-03-01", 1),
                                ("2026-03-02", "2026-03-02", 1), ("2026-03-09", "2026-03-09", 1), ("", None, 1)]),
    (Grouping("at", "exact", "desc"), [("", None, 1), ("2026-03-02T14:29:59Z", "2026-03-02T14:29:59Z", 1),
                                       ("2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z", 1),
                                       ("2026-03-01T23:30:00Z", "2026-03-01T23:30:00Z", 1),
                                       ("2026-02-28T00:00:00Z", "2026-02-28T00:00:00Z", 1)]),
    (Grouping("link", "exact"), [("sh010", {"type": "Shot", "id": 1, "name": "sh010"}, 2),
                                 ("SH020", {"type": "Shot", "id": 2, "name": "SH020"}, 1),
                                 ("Tree", {"type": "Asset", "id": 1, "name": "Tree"}, 1), ("", None, 1)]),
    (Grouping("people", "exact"), [("Anim", {"type": "Team", "id": 2, "name": "Anim"}, 1),
                                   ("Ann", {"type": "Person", "id": 1, "name": "Ann"}, 2),
                                   ("bob", {"type": "Person", "id": 3, "name": "bob"}, 1), ("", None, 2)]),
    (Grouping("tags", "exact"), [("background", "background", 1), ("HERO", "HERO", 1), ("hero", "hero", 1),
                                 ("Shared", "Shared", 1), ("", None, 2)]),
    (Grouping("cut", "tens"), [("10 - 20", 10, 1), ("20 - 30", 20, 2), ("30 - 40", 30, 1), ("", None, 1)]),
    (Grouping("cut", "hundreds"), [("0 - 100", 0, 4), ("", None, 1)]),
    (Grouping("rate", "tens"), [("-10 - 0", -10, 1), ("0 - 10", 0, 3), ("", None, 1)]),
    (Grouping("due", "day"), [("2026-02-23", "2026-02-23", 1), ("2026-03-01", "2026-03-01", 1),
                              ("2026-03-02", "2026-03-02", 1), ("2026-03-09", "2026-03-09", 1), ("", None, 1)]),
    (Grouping("due", "week"), [("Week of 2026-02-23", "2026-02-23", 2), ("Week of 2026-03-02", "2026-03-02", 1),
                               ("Week of 2026-03-09", "2026-03-09", 1), ("", None, 1)]),
    (Grouping("due", "month", "desc"), [("", None, 1), ("March 2026", "2026-03-01", 3),
                                        ("February 2026", "2026-02-01", 1)]),
    (Grouping("due", "quarter"), [("Q1 2026", "2026-01-01", 4), ("", None, 1)]),
    (Grouping("due", "year"), [("2026", "2026-01-01", 4), ("", None, 1)]),
    (Grouping("at", "day"), [("2026-02-28", "2026-02-28", 1), ("2026-03-01", "2026-03-01", 1),
                             ("2026-03-02", "2026-03-02", 2), ("", None, 1)]),   # by the UTC date
    (Grouping("due", "clustered_date"), [("Last week", "Last week", 1), ("Yesterday", "Yesterday", 1),
                                         ("Today", "Today", 1), ("Next week", "Next week", 1),
                                         ("No date", None, 1)]),
    (Grouping("due", "clustered_date", "desc"), [("No date", None, 1), ("Next week", "Next week", 1),
                                                 ("Today", "Today", 1), ("Yesterday", "Yesterday", 1),
                                                 ("Last week", "Last week", 1)]),
    (Grouping("link", "entitytype"), [("Assets!", "Asset", 1), ("Shots!", "Shot", 3), ("", None, 1)]),
    (Grouping("people", "entitytype"), [("Person", "Person", 3), ("Team", "Team", 1), ("", None, 2)]),
    (Grouping("code", "firstletter"), [("A", "A", 2), ("B", "B", 1), ("", None, 2)]),
])
def test_grouping(level, expected):
    assert groups(level, type_names={"Shot": "Shots!", "Asset": "Assets!"}) == expected


def test_clustered_dates_around_another_today():
    days = ["2026-02-01", "2026-02-24", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06",
            "2026-03-10", "2026-04-01"]
    t = pa.table({"id": range(len(days)), "due": pa.array([date.fromisoformat(d) for d in days])})
    spec = [FieldSpec("due", FieldKind.DATE, "date")]
    got = groups(Grouping("due", "clustered_date"), t=t, specs=spec, today=date(2026, 3, 4))  # a Wednesday
    assert [(name, n) for name, _, n in got] == [
        ("Earlier", 1), ("Last week", 1), ("Earlier this week", 1), ("Yesterday", 1), ("Today", 1),
        ("Tomorrow", 1), ("Later this week", 1), ("Next week", 1), ("Later", 1)]


def test_work_day_buckets():
    t = pa.table({"id": range(5), "minutes": pa.array([0, 479, 480, 2400, None], pa.int64())})
    spec = [FieldSpec("minutes", FieldKind.INTEGER, "duration")]
    assert groups(Grouping("minutes", "oneday"), t=t, specs=spec) == [
        ("0 - 1 days", 0, 2), ("1 - 2 days", 480, 1), ("5 - 6 days", 2400, 1), ("", None, 1)]
    assert groups(Grouping("minutes", "fivedays"), t=t, specs=spec) == [
        ("0 - 5 days", 0, 3), ("5 - 10 days", 2400, 1), ("", None, 1)]


def test_bucket_sizes():
    t = pa.table({"id": range(6), "n": pa.array([5, 15_000, 250_000, 1_500_000, 2_000_001, None], pa.int64())})
    spec = [FieldSpec("n", FieldKind.INTEGER, "number")]
    expect = {"thousands": ["0 - 1000", "15000 - 16000", "250000 - 251000", "1500000 - 1501000",
                            "2000000 - 2001000", ""],
              "tensofthousands": ["0 - 10000", "10000 - 20000", "250000 - 260000", "1500000 - 1510000",
                                  "2000000 - 2010000", ""],
              "hundredsofthousands": ["0 - 100000", "200000 - 300000", "1500000 - 1600000",
                                      "2000000 - 2100000", ""],
              "millions": ["0 - 1000000", "1000000 - 2000000", "2000000 - 3000000", ""]}
    for kind, names in expect.items():
        assert [name for name, _, _ in groups(Grouping("n", kind), t=t, specs=spec)] == names, kind


def test_nested_groups_carry_their_own_summaries():
    result = summarize(table(), [Summary("cut", "sum"), Summary("id", "record_count")],
                       [Grouping("done", "exact", "desc"), Grouping("status", "exact")], SPECS, today=TODAY)
    shape = [(g.name, g.summaries, [(s.name, s.summaries, s.groups) for s in g.groups]) for g in result.groups]
    assert shape == [
        ("", {0: 0, 1: 1}, [("", {0: 0, 1: 1}, None)]),
        ("True", {0: 40, 1: 2}, [("ip", {0: 10, 1: 1}, None), ("rev", {0: 30, 1: 1}, None)]),
        ("False", {0: 40, 1: 2}, [("fin", {0: 20, 1: 1}, None), ("ip", {0: 20, 1: 1}, None)]),
    ]
    assert result.total == {0: 80, 1: 5}


def test_a_row_in_several_groups_counts_once_per_group():
    result = summarize(table(), [Summary("id", "record_count")],
                       [Grouping("people", "entitytype"), Grouping("people", "exact")], SPECS, today=TODAY)
    person = result.groups[0]
    assert (person.name, person.summaries) == ("Person", {0: 3})
    assert [(g.name, g.summaries[0]) for g in person.groups] == [("Anim", 1), ("Ann", 2), ("bob", 1)]


@pytest.mark.parametrize("summaries, grouping, words", [
    ([Summary("code", "sum")], [], ["'sum'", "'code'", "text", "record_count"]),
    ([Summary("cut", "sums")], [], ["'sums'", "'sum'"]),
    ([Summary("id", "count")], [Grouping("code", "tens")], ["'tens'", "'code'", "exact"]),
    ([Summary("id", "count")], [Grouping("web", "exact")], ["'web'", "cannot be grouped"]),
    ([Summary("nope", "count")], [], ["'nope'"]),
])
def test_bad_requests_are_refused(summaries, grouping, words):
    with pytest.raises(tf.SchemaError) as info:
        summarize(table(), summaries, grouping, SPECS)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_public_forms_are_accepted():
    result = summarize(table(), {"cut": "sum"}, ["done"], SPECS)
    assert result.total == {0: 80} and [g.name for g in result.groups] == ["False", "True", ""]
