"""Schemas and custom attributes → field specs; attribute paths typed by what they reach."""

from __future__ import annotations

import pytest

from trackframes.exceptions import SchemaError
from trackframes.sandbox.ftrack import FtrackServer

from ..sandbox_ftrack.production import API_KEY, API_USER
from .bulk import rich_store
from .conftest import connect


@pytest.fixture(scope="module")
def rich():
    with FtrackServer(rich_store(), api_user=API_USER, api_key=API_KEY) as running:
        yield running


def kinds(specs):
    return {s.name: s.kind.value for s in specs}


def test_each_property_type_gets_its_kind(site):
    specs = site.field_specs("Task")
    # written out from the table, not from the code
    assert {n: specs[n].kind.value for n in ("id", "name", "start_date", "bid", "status", "timelogs", "metadata")} == {
        "id": "text", "name": "text", "start_date": "datetime", "bid": "float", "status": "entity",
        "timelogs": "multi_entity", "metadata": "json"}
    assert site.field_specs("ObjectType")["sort"].kind.value == "integer"
    assert site.field_specs("User")["is_active"].kind.value == "boolean"
    assert site.field_specs("CustomAttributeConfiguration")["default"].kind.value == "json"
    assert specs["parent"].valid_types[:3] == ("Project", "Task", "Shot")
    assert "Context" not in specs["parent"].valid_types and "TypedContext" not in specs["parent"].valid_types


def test_star_is_id_and_the_types_own_scalar_and_reference_attributes(site):
    names = [s.name for s in site.backend.resolve_fields("Task", "*")]
    assert names[0] == "id" and {"name", "bid", "status", "parent", "project", "start_date"} <= set(names)
    assert not {"timelogs", "assignments", "custom_attributes", "children"} & set(names)


def test_dotted_paths_are_typed_by_the_attribute_they_reach(site):
    specs = site.backend.resolve_fields("Task", ["parent.name", "project.full_name", "status.state", "priority.value",
                                                 "parent.parent.name", "status.state.short"])
    assert kinds(specs) == {"id": "text", "parent.name": "text", "project.full_name": "text", "status.state": "entity",
                            "priority.value": "float", "parent.parent.name": "text", "status.state.short": "text"}


@pytest.mark.parametrize("field, message", [
    ("nmae", "Task has no field 'nmae'. Did you mean 'name'?"),
    ("bid_minutez", "Task has no field 'bid_minutez'. Did you mean 'bid_minutes'"),
    ("status.nam", "Status has no attribute 'nam' (in 'status.nam'). Did you mean 'name'?"),
    ("bid.value", "Task.bid is a number attribute, so 'bid.value' cannot follow it"),
    ("timelogs.duration", "goes through Task.timelogs, a collection: such paths work in filters only"),
    ("custom_attributes.nope", "Task has no custom attribute 'nope'"),
])
def test_unknown_and_impossible_fields_are_refused_with_suggestions(site, field, message):
    with pytest.raises(SchemaError) as caught:
        site.backend.resolve_fields("Task", [field])
    assert message in str(caught.value)


def test_unknown_entity_type_suggests_the_closest(site):
    with pytest.raises(SchemaError) as caught:
        site.field_specs("Tsak")
    assert caught.value.suggestions[0] == "Task"


def test_custom_attributes_are_typed_by_their_configuration(rich):
    site = connect(rich)
    specs = site.backend.custom_specs("Shot")
    assert kinds(specs.values()) == {
        "custom_attributes.fstart": "float", "custom_attributes.fend": "float",
        "custom_attributes.client_note": "text", "custom_attributes.omit": "boolean",
        "custom_attributes.delivery": "datetime", "custom_attributes.tags": "tag_list"}
    assert site.backend.custom_specs("Task") == {}  # configured on shots only
    assert site.backend.custom_specs("Project") == {}
    assert "fstart" in site.backend.custom_specs("TypedContext")  # every typed context's keys
    spec = site.backend.resolve_fields("Task", ["parent.custom_attributes.fend"])[-1]
    assert (spec.name, spec.kind.value) == ("parent.custom_attributes.fend", "float")
