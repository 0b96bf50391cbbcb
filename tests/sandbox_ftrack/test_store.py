"""The ftrack sandbox's store: flattening $mixin schemas, relations through foreign keys,
record validation with helpful errors, polymorphic reads, creates and deletes."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import pytest

from trackframes.sandbox.ftrack import Relation, Store, ValidationError
from trackframes.sandbox.ftrack.schemas import array, entity, fk, ref, standard_relations, standard_schemas, string

from .production import build_store, uid


def tiny(**relations):
    schemas = [
        entity("Base", {"id": string(), "name": string(), "owner_id": fk("Person"), "owner": ref("Person")},
               required=("id", "name"), default_projections=("id", "name")),
        {"id": "Thing", "$mixin": {"$ref": "Base"}, "required": ["colour"],  # inherits the keys and projections
         "properties": {"colour": string(default="red"), "name": string(description="own")}},
        entity("Person", {"id": string(), "things": array("Base")}),
    ]
    return Store(schemas, {}, relations)


def test_mixin_schemas_are_flattened_parent_first_and_served_without_mixin():
    store = tiny()
    thing = store.schema("Thing")
    assert list(thing["properties"]) == ["id", "name", "owner_id", "owner", "colour"]
    assert thing["properties"]["name"] == {"type": "string", "description": "own"}  # own definition wins
    assert thing["required"] == ["id", "name", "colour"]
    assert thing["primary_key"] == ["id"] and thing["default_projections"] == ["id", "name"]
    assert all("$mixin" not in s for s in store.schemas)
    assert store.parent_of("Thing") == "Base" and store.is_a("Thing", "Base") and not store.is_a("Base", "Thing")
    assert store.subtypes("Base") == ["Base", "Thing"]
    assert store.schema_hash == hashlib.md5(json.dumps(store.schemas, sort_keys=True).encode()).hexdigest()


def test_references_and_collections_resolve_through_foreign_keys_polymorphically():
    store = tiny()
    store.add("Person", {"id": "p1"})
    store.add("Base", {"id": "b1", "name": "plain", "owner_id": "p1"})
    store.add("Thing", {"id": "t1", "name": "thing", "owner_id": "p1"})
    store.add("Thing", {"id": "t2", "name": "orphan"})
    assert store.get("Thing", "t1").data["colour"] == "red"  # schema default filled in
    assert store.follow(store.get("Base", "t1"), "owner").key == ("p1",)
    assert store.follow(store.get("Thing", "t2"), "owner") is None
    assert [r.key[0] for r in store.follow(store.get("Person", "p1"), "things")] == ["b1", "t1"]
    assert [r.type for r in store.records("Base")] == ["Base", "Thing", "Thing"]
    assert store.get("Thing", "b1") is None and store.get("Base", "t1").type == "Thing"


def test_deleting_a_record_leaves_references_to_it_null():
    store = build_store()
    sh010 = store.get("Shot", uid("shot", "sh010"))
    anim = store.get("Task", uid("task", "sh010/anim"))
    version = store.version
    assert store.remove(sh010) and not store.remove(sh010)
    assert store.version > version
    assert store.follow(anim, "parent") is None
    assert uid("shot", "sh010") not in [r.key[0] for r in store.records("TypedContext")]


def test_ambiguous_or_misnamed_relations_are_refused_with_a_way_out():
    schemas = [entity("Person", {"id": string(), "pets": array("Pet")}),
               entity("Pet", {"id": string(), "owner": ref("Person"), "vet": ref("Person")})]
    with pytest.raises(ValidationError, match=r"cannot tell how Person\.pets .* owner, vet .*Relation\(inverse"):
        Store(schemas)
    store = Store(schemas, {"Person": [{"id": "a"}, {"id": "v"}],
                            "Pet": [{"id": "x", "owner_id": "a", "vet_id": "v"}]},
                  {"Person.pets": Relation(inverse="vet_id")})
    assert [p.key[0] for p in store.follow(store.get("Person", "v"), "pets")] == ["x"]
    with pytest.raises(ValidationError, match='Person has no reference or collection "pet"; did you mean pets'):
        Store(schemas, {}, {"Person.pet": Relation(inverse="vet_id")})
    with pytest.raises(ValidationError, match="unknown entity type; did you mean Person"):
        Store(schemas, {}, {"Persn.pets": Relation(inverse="vet_id")})


@pytest.mark.parametrize("data, words", [
    ({"id": "x", "nmae": "a"}, ['Task has no attribute "nmae"', "did you mean name"]),
    ({"id": "x", "status": "s"}, ["Task.status is a relation; give status_id instead"]),
    ({"id": "x", "bid": "lots"}, ["Task.bid is number, not str"]),
    ({"id": "x", "bid": True}, ["Task.bid is number, not a boolean"]),
    ({"id": "x", "start_date": datetime(2024, 5, 1)}, ["has no time zone"]),
    ({"id": "x", "start_date": "soon"}, ["Task.start_date is a date-time", "'soon' is not one"]),
    ({"name": "no id"}, ["a Task record needs its primary key id"]),
    ({"id": uid("task", "sh010/anim")}, ["exists already (as a Task)"]),
])
def test_bad_records_are_refused_naming_the_attribute(data, words):
    store = build_store()
    with pytest.raises(ValidationError) as caught:
        store.add("Task", data)
    for word in words:
        assert word in str(caught.value)


def test_datetimes_are_stored_in_utc_and_hidden_foreign_keys_are_allowed():
    store = build_store()
    record = store.add("Task", {"id": "x", "start_date": "2024-05-01T12:00:00+02:00"})
    assert record.data["start_date"] == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    status = store.get("Status", uid("status", "Approved"))
    assert "state" in store.properties("Status") and "state_id" not in store.properties("Status")
    assert store.follow(status, "state").data["short"] == "DONE"  # through the hidden state_id


def test_unknown_types_and_attributes_get_the_closest_names():
    store = Store(standard_schemas(), {}, standard_relations())
    with pytest.raises(ValidationError, match='unknown entity type "Timelogs"; did you mean Timelog'):
        store.schema("Timelogs")
    with pytest.raises(ValidationError, match='User has no attribute "user_name"; did you mean username'):
        store.prop("User", "user_name")
    assert store.unresolved == []


def test_schemas_with_dangling_references_or_no_primary_key_are_refused():
    with pytest.raises(ValidationError, match="refers to unknown type 'Stauts'.*did you mean Status"):
        Store([entity("Status", {"id": string()}), entity("Task", {"id": string(), "status": ref("Stauts")})])
    with pytest.raises(ValidationError, match="needs a primary_key"):
        Store([entity("Task", {"name": string()})])
    with pytest.raises(ValidationError, match="inherits from itself"):
        Store([entity("A", {"id": string()}, mixin="B"), entity("B", {"id": string()}, mixin="A")])
