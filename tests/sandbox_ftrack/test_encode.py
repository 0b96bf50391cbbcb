"""How the ftrack sandbox encodes query results: entity markers, primary and system keys, only
what was projected, date-times, and entities encoded fully once in ftrack_api's merge order."""

from __future__ import annotations

import pytest

from trackframes.sandbox.ftrack.encode import encode_records, projection_tree
from trackframes.sandbox.ftrack.errors import ValidationError
from trackframes.sandbox.ftrack.evaluate import evaluate
from trackframes.sandbox.ftrack.expression import parse

from .production import build_store, uid

COPPER = uid("project", "copper")


@pytest.fixture(scope="module")
def store():
    return build_store()


def encoded(store, text, **options):
    query = parse(text)
    paths = [p.dotted for p in query.projections] if query.projections is not None else \
        store.default_projections(query.entity_type)
    tree = projection_tree(store, query.entity_type, paths)
    return encode_records(store, evaluate(store, query.entity_type, query), tree, **options)


def stub(entity_type, record_id):
    return {"__entity_type__": entity_type, "id": record_id}


def test_projected_attributes_keys_system_projections_and_datetimes(store):
    (row,) = encoded(store, f'select name, bid, start_date from Task where id is {uid("task", "sh010/anim")}')
    assert row == {
        "__entity_type__": "Task", "id": uid("task", "sh010/anim"),
        "project_id": COPPER, "context_type": "task",              # TypedContext's system projections
        "name": "anim", "bid": 28800.0,
        "start_date": {"__type__": "datetime", "value": "2024-05-06T09:00:00"},
    }


def test_polymorphic_rows_carry_their_concrete_type_and_null_links_are_null(store):
    rows = encoded(store, "select name, parent.name from Context where name in (copper, sq010, sh010)")
    assert [(r["__entity_type__"], r["name"]) for r in rows] == [("Project", "copper"), ("Sequence", "sq010"),
                                                                 ("Shot", "sh010")]
    assert rows[0]["parent"] is None
    assert rows[1]["parent"] == stub("Project", COPPER)  # encoded in full as the first row already
    assert rows[2]["parent"] == {"__entity_type__": "Sequence", "id": uid("sequence", "sq010")}


def test_an_entity_is_encoded_fully_once_with_everything_asked_of_it(store):
    # sq010's parent and project are both copper: Sequence's schema lists parent before project, so the
    # full copy (with name and full_name) goes under parent and project is a reference
    rows = encoded(store, "select parent.name, project.full_name from Sequence where project.name is copper")
    first, second = rows
    assert first["parent"] == {"__entity_type__": "Project", "id": COPPER, "context_type": "show",
                               "name": "copper", "full_name": "Copper Sky"}
    assert first["project"] == stub("Project", COPPER)
    assert second["parent"] == stub("Project", COPPER) and second["project"] == stub("Project", COPPER)
    # off: every occurrence in full, each with what was asked at that place
    plain = encoded(store, "select parent.name, project.full_name from Sequence where project.name is copper",
                    references_once=False)
    for row in plain:
        assert row["parent"] == {"__entity_type__": "Project", "id": COPPER, "context_type": "show", "name": "copper"}
        assert row["project"] == {"__entity_type__": "Project", "id": COPPER, "context_type": "show",
                                  "full_name": "Copper Sky"}


def test_nested_occurrence_before_a_later_record_takes_the_full_copy(store):
    # the recorded real reply of "select version, asset.versions.version from AssetVersion": the first
    # version refers to itself inside asset.versions; the second version is first met there
    v1, v2 = uid("version", "sh010_anim/v1"), uid("version", "sh010_anim/v2")
    asset = uid("asset", "sh010_anim")
    rows = encoded(store, "select version, asset.versions.version from AssetVersion")
    first, second = rows
    assert first["version"] == 1 and first["asset"]["id"] == asset
    assert first["asset"]["versions"][0] == {"__entity_type__": "AssetVersion", "id": v1}
    assert first["asset"]["versions"][1] == {"__entity_type__": "AssetVersion", "id": v2, "asset_id": asset,
                                             "version": 2, "asset": {"__entity_type__": "Asset", "id": asset}}
    assert second == {"__entity_type__": "AssetVersion", "id": v2}


def test_collections_and_key_value_collections_without_sub_attributes(store):
    (shot,) = encoded(store, "select custom_attributes, children from Shot where name is sh010")
    assert shot["custom_attributes"] == [
        {"__entity_type__": "ContextCustomAttributeValue", "configuration_id": uid("caconf", key),
         "entity_id": uid("shot", "sh010"), "key": key, "value": value}
        for key, value in (("fstart", 1001), ("fend", 1096))]
    assert [c["id"] for c in shot["children"]] == [uid("task", "sh010/anim"), uid("task", "sh010/comp")]
    assert shot["children"][0] == {"__entity_type__": "Task", "id": uid("task", "sh010/anim"),
                                   "project_id": COPPER, "context_type": "task"}
    (empty,) = encoded(store, "select timelogs from Task where name is light")
    assert [t["id"] for t in empty["timelogs"]] == [uid("timelog", "t6")]
    (none,) = encoded(store, f'select timelogs from Task where id is {uid("task", "sh100/anim")}')
    assert none["timelogs"] == []


def test_default_projections_when_the_query_selects_nothing(store):
    (row,) = encoded(store, "Status where name is Approved")
    assert row == {"__entity_type__": "Status", "id": uid("status", "Approved")}
    (task,) = encoded(store, f'Task where id is {uid("task", "sq010/layout")}')
    assert task == {"__entity_type__": "Task", "id": uid("task", "sq010/layout"), "project_id": COPPER,
                    "context_type": "task", "name": "layout"}


def test_projections_name_unknown_or_unfollowable_attributes_clearly(store):
    with pytest.raises(ValidationError, match='Status has no attribute "nmae"; did you mean name'):
        projection_tree(store, "Task", ["status.nmae"])
    with pytest.raises(ValidationError, match="Task.name is a string attribute"):
        projection_tree(store, "Task", ["name.first"])
