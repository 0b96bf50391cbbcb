"""The ftrack sandbox's evaluator over the hand-built production: every expected result below is
worked out by hand from the tables in production.py (tasks named by their key)."""

from __future__ import annotations

from collections import Counter

import pytest

from trackframes.sandbox.ftrack.aggregate import group_rows
from trackframes.sandbox.ftrack.errors import ValidationError
from trackframes.sandbox.ftrack.evaluate import evaluate
from trackframes.sandbox.ftrack.expression import parse

from .production import COMP_FINAL, TASKS, build_store, uid

ALL = [t[0] for t in TASKS]


@pytest.fixture(scope="module")
def store():
    return build_store()


@pytest.fixture(scope="module")
def label(store):
    names = {uid("task", key): key for key in ALL}

    def name_of(record):
        return names.get(record.key[0]) or record.data.get("name") or record.data.get("username")
    return name_of


def run(store, label, text):
    query = parse(text)
    return [label(r) for r in evaluate(store, query.entity_type, query)]


@pytest.mark.parametrize("text, expected", [
    ('Task where status.name is "In progress"', ["sh010/anim", "sh030/comp"]),
    ('Task where status.name = "in PROGRESS"', ["sh010/anim", "sh030/comp"]),  # text ignores case
    ("Task where bid is 14400", ["sh010/comp"]),
    ('Task where bid is "14400"', ["sh010/comp"]),  # numeric text reads as a number
    ("Task where bid is none", ["sh020/light"]),
    ("Task where bid is_not none", [k for k in ALL if k != "sh020/light"]),
    # three-valued logic: the null bid is neither "is_not 14400" nor "not is 14400"
    ("Task where bid is_not 14400", [k for k in ALL if k not in ("sh010/comp", "sh020/light")]),
    ("Task where not bid is 14400", [k for k in ALL if k not in ("sh010/comp", "sh020/light")]),
    ("Task where not (bid > 20000)", ["sh010/comp", "sh030/layout", "sq010/layout", "sh100/anim"]),
    ("Task where bid > 10800", ["sh010/anim", "sh010/comp", "sh020/anim", "sh030/comp"]),
    ("Task where bid greater_than 10800", ["sh010/anim", "sh010/comp", "sh020/anim", "sh030/comp"]),
    ("Task where bid >= 10800", ["sh010/anim", "sh010/comp", "sh020/anim", "sh030/comp", "sq010/layout"]),
    ("Task where bid < 10800", ["sh030/layout", "sh100/anim"]),
    ("Task where bid less_than 10800", ["sh030/layout", "sh100/anim"]),
    ("Task where bid <= 7200", ["sh030/layout", "sh100/anim"]),
    ('Task where start_date after "2024-05-13"', ["sh010/comp", "sh030/comp", "sh100/anim"]),
    ('Task where end_date before "2024-05-08T18:00:01"', ["sh020/anim", "sh030/layout", "sq010/layout"]),
    ('Task where start_date is "2024-05-06T09:00:00+00:00"', ["sh010/anim", "sh020/anim"]),
    ('Task where start_date is "2024-05-06T11:00:00+02:00"', ["sh010/anim", "sh020/anim"]),
    ('Task where name like "%AN%"', ["sh010/anim", "sh020/anim", "sh100/anim"]),
    ('Task where name like "l%"', ["sh020/light", "sh030/layout", "sq010/layout"]),
    ('Task where name like "_omp"', ["sh010/comp"]),
    ('Task where name like "%\\\\\\\\ v2"', ["sh030/comp"]),  # a literal backslash, escaped in the pattern
    ('Task where name not_like "%a%"', ["sh010/comp", "sh020/light"]),
    (f'Task where name is "{COMP_FINAL.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"',
     ["sh030/comp"]),
    ('Task where type.name in ("Layout", "Lighting")', ["sh020/light", "sh030/layout", "sq010/layout"]),
    ('Task where type.name not_in ("Layout", "Lighting")',
     ["sh010/anim", "sh010/comp", "sh020/anim", "sh030/comp", "sh100/anim"]),
    ("Task where bid in (3600, none)", ["sh100/anim"]),
    ("Task where parent.name is sh010", ["sh010/anim", "sh010/comp"]),
    ("Task where parent.parent.name is sq010", ["sh010/anim", "sh010/comp", "sh020/anim", "sh020/light"]),
    ("Task where project.name is nickel", ["sh100/anim"]),
    ("Task where project.full_name is \"Copper Sky\" and priority.value >= 3", ["sh010/anim", "sh030/layout"]),
    # collections: some member matches; different members may match different conditions
    ("Task where timelogs.duration > 3000", ["sh010/anim", "sh020/anim", "sh030/comp"]),
    ("Task where timelogs.duration < 4000 and timelogs.duration > 5000", ["sh010/anim"]),
    ("Task where timelogs any (duration < 4000 and duration > 5000)", []),
    ("Task where timelogs any (user.username is jane and duration > 4000)", ["sh010/anim", "sh020/anim"]),
    ("Task where timelogs any (user.username is omar)", ["sh010/comp", "sh030/comp"]),
    ("Task where not timelogs any ()", ["sh030/layout", "sq010/layout", "sh100/anim"]),
    ("Task where timelogs any ()", ["sh010/anim", "sh010/comp", "sh020/anim", "sh020/light", "sh030/comp"]),
    # assignments are the appointments of type assignment; omar's allocation on sh010/anim is not one
    (f"Task where assignments any (resource_id is {uid('user', 'omar')})",
     ["sh010/comp", "sh030/layout", "sh030/comp"]),
    (f"Task where appointments any (resource_id is {uid('user', 'omar')})",
     ["sh010/anim", "sh010/comp", "sh030/layout", "sh030/comp"]),
    ("Task where status has (state.short is DONE)", ["sh020/anim", "sq010/layout"]),
    ("Task where status has ()", ALL),
    ("Task where status_id in (select id from Status where state.short is IN_PROGRESS)",
     ["sh010/anim", "sh020/light", "sh030/comp"]),
    ("Task where status_id not_in (select id from Status where state.short is IN_PROGRESS)",
     ["sh010/comp", "sh020/anim", "sh030/layout", "sq010/layout", "sh100/anim"]),
    (f'Task where status is "{uid("status", "Approved")}"', ["sh020/anim", "sq010/layout"]),
    ("Task where ancestors any (name is sq020)", ["sh030/layout", "sh030/comp"]),
    ("Task order by bid descending", ["sh030/comp", "sh010/anim", "sh020/anim", "sh010/comp", "sq010/layout",
                                      "sh030/layout", "sh100/anim", "sh020/light"]),
    ("Task order by bid", ["sh020/light", "sh100/anim", "sh030/layout", "sq010/layout", "sh010/comp",
                           "sh020/anim", "sh010/anim", "sh030/comp"]),
    ("Task order by type.name, priority.value descending",
     ["sh010/anim", "sh020/anim", "sh100/anim", "sh010/comp", "sh030/comp", "sh030/layout", "sq010/layout",
      "sh020/light"]),
    ("Task order by name", ["sh010/anim", "sh020/anim", "sh100/anim", "sh010/comp", "sh030/comp",
                            "sh030/layout", "sq010/layout", "sh020/light"]),
    ("Task order by bid descending offset 2 limit 3", ["sh020/anim", "sh010/comp", "sq010/layout"]),
    ("Task offset 6", ["sq010/layout", "sh100/anim"]),
    ("Task limit 0", []),
    # polymorphic queries return the concrete records
    ("TypedContext where parent.name is sq010", ["sh010", "sh020", "sq010/layout"]),
    ("TypedContext where parent.parent.name is none", ["sq010", "sq020", "sq100"]),
    ("Context where name is copper", ["copper"]),
    ("Project where children any (name is sq100)", ["nickel"]),
    ("Shot where custom_attributes any (key is fstart and value is 1001)", ["sh010", "sh020", "sh030"]),
    ("Shot where custom_attributes any (key is fend and value > 1050)", ["sh010", "sh030"]),
    ("User where is_active is false", ["li"]),
    ("User where is_active is 1", ["jane", "omar"]),
    ('Note where author has (first_name is "Omar" and last_name is "Haddad")', ["Arc on the jump, please"]),
])
def test_queries_select_the_hand_worked_records(store, label, text, expected):
    if text.startswith("Note"):
        assert [r.data["content"] for r in evaluate(store, "Note", parse(text))] == expected
        return
    assert run(store, label, text) == expected


def test_polymorphic_results_keep_their_concrete_types(store):
    rows = evaluate(store, "TypedContext", parse("TypedContext where parent.name is sq010"))
    assert [r.type for r in rows] == ["Shot", "Shot", "Task"]


@pytest.mark.parametrize("text, words", [
    ("Tsak where name is x", ['unknown entity type "Tsak"', "did you mean Task"]),
    ("Task where nmae is x", ['Task has no attribute "nmae"', "did you mean name"]),
    ("Task where bid is abc", ["Task.bid is a number", '"abc" is not a number']),
    ('Task where start_date > "yesterday"', ["date-time", '"yesterday" is not one']),
    ("User where is_active is maybe", ["boolean", '"maybe"']),
    ('Task where bid like "1%"', ["like compares text", "number"]),
    ("Task where status > x", ["a reference compares with is"]),
    ("Task where timelogs is x", ["collection", "timelogs any (...)"]),
    ("Task where bid.value is 1", ["Task.bid is a number attribute", "only references and collections"]),
    ("Task where status any (name is x)", ["is not a collection", "use status has (...)"]),
    ("Task where timelogs has (duration > 1)", ["is not a reference", "use timelogs any (...)"]),
    ("Task where assignments any (resource.username is omar)", ['Resource has no attribute "username"']),
    ("Task order by timelogs.duration", ["cannot order by timelogs.duration", "collection"]),
    ("Task order by status", ["cannot order by status, a reference", "status.name"]),
])
def test_bad_queries_raise_validation_errors_naming_the_problem(store, text, words):
    query = parse(text)
    with pytest.raises(ValidationError) as caught:
        evaluate(store, query.entity_type, query)
    for word in words:
        assert word in str(caught.value)


def test_projections_are_checked(store):
    with pytest.raises(ValidationError, match='Status has no attribute "nme"; did you mean name'):
        evaluate(store, "Task", parse("select status.nme from Task"))


def test_group_by_counts_and_sums_worked_by_hand(store):
    rows = group_rows(store, parse("select count(id), sum(bid), avg(bid), min(bid), max(bid) from Task "
                                   "where project.name is copper group by status.name"))
    assert rows == [
        {"status.name": "Approved", "count_id": 2, "sum_bid": 32400.0, "avg_bid": 16200.0, "min_bid": 10800.0,
         "max_bid": 21600.0},
        {"status.name": "In progress", "count_id": 2, "sum_bid": 64800.0, "avg_bid": 32400.0,
         "min_bid": 28800.0, "max_bid": 36000.0},
        {"status.name": "Not started", "count_id": 1, "sum_bid": 14400.0, "avg_bid": 14400.0,
         "min_bid": 14400.0, "max_bid": 14400.0},
        {"status.name": "On hold", "count_id": 1, "sum_bid": 7200.0, "avg_bid": 7200.0, "min_bid": 7200.0,
         "max_bid": 7200.0},
        {"status.name": "Pending review", "count_id": 1, "sum_bid": None, "avg_bid": None, "min_bid": None,
         "max_bid": None},
    ]
    by_fk = group_rows(store, parse("select count(id) from Task group by project_id, status_id "
                                    "order by project_id descending limit 1"))
    nickel, copper = uid("project", "nickel"), uid("project", "copper")
    counts = Counter((nickel if key.startswith("sh100") else copper, uid("status", status))
                     for key, _, _, status, *_ in TASKS)
    # groups sort by (project_id, status_id); descending project first, ties keep that order
    project = max(nickel, copper)
    status = min(s for p, s in counts if p == project)
    assert by_fk == [{"project_id": project, "status_id": status, "count_id": counts[(project, status)]}]
    timed = group_rows(store, parse("select count(id), max(start) from Timelog group by user.username"))
    assert [(r["user.username"], r["count_id"], r["max_start"]["value"]) for r in timed] == [
        ("jane", 3, "2024-05-07T14:00:00"), ("li", 1, "2024-05-09T09:00:00"), ("omar", 2, "2024-05-16T09:00:00")]


@pytest.mark.parametrize("text, words", [
    ("select count(id) from Task", ["needs a group by clause"]),
    ("select name, count(id) from Task group by status_id", ["name is selected but not grouped"]),
    ("select sum(name) from Task group by status_id", ["sum(name) needs a number attribute"]),
    ("select count(id) from Task group by timelogs.duration", ["through a collection"]),
    ("select count(id) from Task group by status_id order by bid", ["orders by its group by keys only"]),
])
def test_bad_group_queries_are_refused(store, text, words):
    with pytest.raises(ValidationError) as caught:
        group_rows(store, parse(text))
    for word in words:
        assert word in str(caught.value)
