"""Every relation compiled to ftrack's query language selects what the local engine selects.

The same filters are sent to the ftrack sandbox (compiled by the backend) and
evaluated by ``trackframes.engine`` over every record fetched unfiltered; the ids
must be equal. Values include nulls, quotes, backslashes, ``%`` and ``_``.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from trackframes.engine import mask
from trackframes.exceptions import SchemaError
from trackframes.sandbox.ftrack import FtrackServer

from ..sandbox_ftrack.production import API_KEY, API_USER, COMP_FINAL, uid
from .bulk import bulk_store, rich_store
from .conftest import connect
from .helpers import ids, nested, shaped

NOW = datetime(2024, 5, 20, tzinfo=timezone.utc)
TASK_FIELDS = ["name", "description", "bid", "start_date", "end_date", "status", "parent", "type", "timelogs",
               "assignments", "status.name", "parent.name", "project.full_name", "priority.value"]


@pytest.fixture(scope="module")
def bulk():
    with FtrackServer(bulk_store(300), api_user=API_USER, api_key=API_KEY) as running:
        yield connect(running)


@pytest.fixture(scope="module")
def everything(bulk):
    table, specs = nested(bulk, "Task", TASK_FIELDS)
    # the engine needs the spec of every path it reads, also those a link's columns hold (status.name)
    dotted = [bulk.backend.path("Task", f).spec for f in TASK_FIELDS if "." in f]
    return shaped(table, specs), specs + dotted


def test_a_dotted_field_that_a_link_already_gives_is_not_fetched_twice(bulk):
    names = [s.name for s in bulk.backend.resolve_fields("Task", ["status", "status.name", "status.id", "name"])]
    assert names == ["id", "status", "name"]
    names = [s.name for s in bulk.backend.resolve_fields("Task", ["parent", "parent.name", "parent.parent.name"])]
    assert names == ["id", "parent", "parent.parent.name"]


def status(name):
    return {"type": "Status", "id": uid("status", name)}


def shot(name):
    return {"type": "Shot", "id": uid("shot", name)}


TASK_FILTERS = [
    [["name", "is", "TASK 00007"]],
    [["name", "is", COMP_FINAL]],
    [["name", "is_not", "anim"]],
    [["description", "is", None]],
    [["description", "is_not", None]],
    [["description", "in", ["Hero", "crowd", None]]],
    [["description", "not_in", ["hero", "FX pass"]]],
    [["description", "contains", "% d"]],
    [["description", "contains", "_"]],
    [["description", "not_contains", "o"]],
    [["name", "starts_with", "task 001"]],
    [["name", "ends_with", '"final" \\ v2']],
    [["bid", "is", 3600]],
    [["bid", "is_not", 3600.0]],
    [["bid", "less_than", 9000]],
    [["bid", "greater_than", 50000]],
    [["bid", "between", [10000, 20000]]],
    [["bid", "between", [None, 5400]]],
    [["bid", "not_between", [5400, 60000]]],
    [["bid", "in", [1800, 3600, None]]],
    [["bid", "not_in", [1800, 3600]]],
    [["bid", "is", None]],
    [["bid", "less_than", None]],
    [["start_date", "greater_than", "2024-06-01"]],
    [["start_date", "less_than", datetime(2024, 5, 3, 12, tzinfo=timezone.utc)]],
    [["start_date", "between", ["2024-05-10T00:00:00Z", date(2024, 5, 20)]]],
    [["start_date", "is", "2024-05-06T09:00:00"]],
    [["end_date", "is", None]],
    [["end_date", "not_between", ["2024-05-01", "2024-06-10"]]],
    [["start_date", "in", ["2024-05-06T09:00:00Z", "2024-05-13T09:00:00+00:00"]]],
    [["status", "is", status("In progress")]],
    [["status", "is_not", status("Approved")]],
    [["status", "in", [status("Approved"), status("On hold")]]],
    [["status", "not_in", [status("Approved"), None]]],
    [["status", "type_is", "Status"]],
    [["status", "type_is_not", "Status"]],
    [["status", "name_is", "on HOLD"]],
    [["status", "name_contains", "progress"]],
    [["status", "name_not_contains", "e"]],
    [["status", "name_starts_with", "not"]],
    [["status", "name_ends_with", "VIEW"]],
    [["parent", "is", shot("sh010")]],
    [["parent", "in", [shot("sh020"), {"type": "Sequence", "id": uid("sequence", "sq010")}]]],
    [["parent", "name_contains", "sh0"]],
    [["parent", "is", None]],
    [["timelogs", "is", {"type": "Timelog", "id": uid("timelog", "t1")}]],
    [["timelogs", "is", None]],
    [["timelogs", "is_not", None]],
    [["timelogs", "name_contains", "JANE"]],
    [["timelogs", "not_contains", {"type": "Timelog", "id": uid("timelog", "t1")}]],
    [["assignments", "type_is", "Appointment"]],
    [["status.name", "is", "approved"]],
    [["parent.name", "in", ["sh010", "sh030"]]],
    [["project.full_name", "contains", "copper"]],
    [["priority.value", "greater_than", 2]],
    [["priority.value", "is", None]],
    {"logical_operator": "or", "conditions": [["bid", "greater_than", 60000], ["description", "is", "crowd"],
                                              {"logical_operator": "and", "conditions": [
                                                  ["status.name", "is", "On hold"], ["bid", "is_not", None]]}]},
    {"logical_operator": "or", "conditions": []},
    [],
]


@pytest.mark.parametrize("filters", TASK_FILTERS, ids=[str(i) for i in range(len(TASK_FILTERS))])
def test_each_relation_selects_what_the_local_engine_selects(bulk, everything, filters):
    table, specs = everything
    expected = table.filter(mask(table, filters, specs, now=NOW)).column("id").to_pylist()
    assert ids(bulk, "Task", filters, page_size=97) == expected


def test_the_filters_are_not_trivial(everything):
    table, specs = everything
    sizes = [table.filter(mask(table, f, specs, now=NOW)).num_rows for f in TASK_FILTERS]
    assert sum(0 < s < table.num_rows for s in sizes) >= len(TASK_FILTERS) - 12
    assert len(set(sizes)) > 25


@pytest.fixture(scope="module")
def rich():
    with FtrackServer(rich_store(), api_user=API_USER, api_key=API_KEY) as running:
        yield connect(running)


CUSTOM_FILTERS = [
    [["custom_attributes.fend", "greater_than", 1050]],
    [["custom_attributes.fend", "is", None]],
    [["custom_attributes.fend", "is_not", 1040]],
    [["custom_attributes.fend", "in", [1040, None]]],
    [["custom_attributes.fstart", "between", [1000, 1001]]],
    [["custom_attributes.client_note", "contains", '"hi" \\']],
    [["custom_attributes.client_note", "is", "hero SHOT"]],
    [["custom_attributes.omit", "is", True]],
    [["custom_attributes.omit", "is_not", True]],
]


@pytest.mark.parametrize("filters", CUSTOM_FILTERS, ids=[str(i) for i in range(len(CUSTOM_FILTERS))])
def test_custom_attribute_filters_select_what_the_local_engine_selects(rich, filters):
    fields = ["name", "custom_attributes.fstart", "custom_attributes.fend", "custom_attributes.client_note",
              "custom_attributes.omit"]
    table, specs = nested(rich, "Shot", fields)
    table = shaped(table, specs)
    expected = table.filter(mask(table, filters, specs, now=NOW)).column("id").to_pylist()
    assert ids(rich, "Shot", filters) == expected


def test_a_filter_through_a_collection_is_sent_and_matches_when_some_member_matches(site):
    got = ids(site, "Task", [["timelogs.duration", "greater_than", 4000]])
    assert sorted(got) == sorted([uid("task", "sh010/anim"), uid("task", "sh020/anim")])
    got = ids(site, "Task", [["assignments.resource.id", "is_not", uid("user", "omar")]])
    assert uid("task", "sh010/comp") not in got and uid("task", "sh010/anim") in got


@pytest.mark.parametrize("filters, message", [
    ([["bid", "contains", 3]], "Relation 'contains' does not apply to 'bid'"),
    ([["bid", "is", "lots"]], "'lots' is not a valid value for 'is' on 'bid'"),
    ([["status", "is", {"type": "Shot", "id": "x"}]], "'status' links to Status, not 'Shot'"),
    ([["status", "is", {"type": "Status", "id": 5}]], "ftrack ids are UUID strings"),
    ([["nmae", "is", "x"]], "Did you mean 'name'?"),
    ([["start_date", "between", ["2024-01-01"]]], "[low, high]"),
    ([["name", "is", "x", "y"]], "too many values"),
])
def test_bad_filters_are_refused_before_sending(site, filters, message):
    before = site.backend.operations.transport.session.adapters
    with pytest.raises(SchemaError) as caught:
        site.backend.check_filters("Task", filters)
    assert message in str(caught.value)
    assert site.backend.operations.transport.session.adapters is before


def test_values_that_look_like_query_text_are_quoted_not_run(site):
    sneaky = 'anim" or name is_not "x'
    assert ids(site, "Task", [["name", "is", sneaky]]) == []
    assert ids(site, "Task", [["name", "contains", ") or (id is_not none"]]) == []
    assert ids(site, "Task", [["name", "is", COMP_FINAL]]) == [uid("task", "sh030/comp")]


def test_relations_the_language_cannot_say_are_left_to_the_local_engine(site):
    backend = site.backend
    tree = backend.check_filters("Task", [["start_date", "in_last", [7, "DAY"]], ["parent", "type_is", "Shot"],
                                          ["bid", "greater_than", 0]]).tree
    pushed, residual = backend.split_filters("Task", tree)
    assert [c.op for c in pushed.items] == ["greater_than"]
    assert [c.op for c in residual.items] == ["in_last", "type_is"]
