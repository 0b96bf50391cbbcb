"""The four /schema endpoints of the ShotGrid sandbox: shapes, data types, per-project visibility."""

from __future__ import annotations

import re

import pytest

from .conftest import assert_error

FIELD_KEYS = {"name", "description", "entity_type", "data_type", "editable", "mandatory", "unique",
              "properties", "visible", "ui_value_displayable"}
LINK_TYPES = {"entity", "multi_entity", "addressing"}
# the "Data Types" table of the REST API v1.1 reference, plus percent (in its filter table)
SPEC_DATA_TYPES = {"addressing", "checkbox", "color", "currency", "date", "date_time", "duration", "entity",
                   "float", "footage", "image", "list", "multi_entity", "number", "password", "percent",
                   "serializable", "status_list", "text", "timecode", "url"}


def snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        prev = name[i - 1] if i else ""
        if i and ((ch.isupper() and not prev.isupper()) or (ch.isdigit() and not prev.isdigit())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def is_value(obj) -> bool:
    return isinstance(obj, dict) and set(obj) == {"value", "editable"} and isinstance(obj["editable"], bool)


def hidden_entities(store, project_id):
    return {name for name, edef in store.entities.items() if project_id in edef.hidden_in_projects}


def a_hidden_project(store) -> int:
    ids = {p for edef in store.entities.values() for p in edef.hidden_in_projects}
    ids |= {p for edef in store.entities.values() for f in edef.fields.values() for p in f.hidden_in_projects}
    assert ids, "the demo schema hides something in some project"
    return min(ids)


def test_all_entities(sg_http):
    store = sg_http.sb.store
    resp = sg_http.get("/schema")
    assert resp.status_code == 200
    body = resp.json()
    assert body["links"] == {"self": "/api/v1.1/schema"}
    assert set(body["data"]) == set(store.entities)
    for name, rec in body["data"].items():
        assert set(rec) == {"name", "visible"}
        assert is_value(rec["name"]) and is_value(rec["visible"])
        assert rec["name"]["value"] == store.entities[name].display_name
        assert rec["visible"]["value"] is True


def test_entity_visibility_per_project(sg_http):
    store = sg_http.sb.store
    pid = a_hidden_project(store)
    data = sg_http.get("/schema", params={"project_id": pid}).json()["data"]
    hidden = hidden_entities(store, pid)
    assert {n for n, rec in data.items() if rec["visible"]["value"] is False} == hidden
    other = max(store.records["Project"]) + 1
    data = sg_http.get("/schema", params={"project_id": other}).json()["data"]
    assert all(rec["visible"]["value"] for rec in data.values())


@pytest.mark.parametrize("spelling", ["CustomNonProjectEntity01", "custom_non_project_entity_01",
                                      "custom_non_project_entity_01s"])
def test_entity_names_in_any_spelling(sg_http, spelling):
    store = sg_http.sb.store
    resp = sg_http.get(f"/schema/{spelling}")
    assert resp.status_code == 200
    body = resp.json()
    assert body["data"]["name"] == {"value": store.entities["CustomNonProjectEntity01"].display_name,
                                    "editable": False}
    assert body["links"]["self"] == "/api/v1.1/schema/custom_non_project_entity_01s"
    fields = sg_http.get(f"/schema/{spelling}/fields").json()["data"]
    assert set(fields) == set(store.entities["CustomNonProjectEntity01"].fields)


def test_every_entity_in_every_spelling(sg_http):
    for name in sg_http.sb.store.entities:
        single = snake(name)
        plural = single[:-1] + "ies" if re.search(r"[^aeiou]y$", single) else single + "s"
        for spelling in (name, single, plural):
            resp = sg_http.get(f"/schema/{spelling}")
            assert resp.status_code == 200, spelling
            assert resp.json()["data"]["name"]["value"] == sg_http.sb.store.entities[name].display_name


def test_fields_of_every_entity(sg_http):
    store = sg_http.sb.store
    seen_types = set()
    for entity, edef in store.entities.items():
        body = sg_http.get(f"/schema/{entity}/fields").json()
        assert set(body["data"]) == set(edef.fields)
        assert body["links"]["self"].endswith("/fields")
        for fname, rec in body["data"].items():
            fdef = edef.fields[fname]
            assert set(rec) == FIELD_KEYS
            assert all(is_value(rec[k]) for k in FIELD_KEYS - {"properties"})
            assert rec["name"]["value"] == fdef.display_name
            assert rec["data_type"]["value"] == fdef.data_type
            assert rec["entity_type"]["value"] == entity
            assert rec["editable"]["value"] is fdef.editable
            assert rec["mandatory"]["value"] is fdef.mandatory
            assert rec["unique"]["value"] is fdef.unique
            assert rec["description"]["value"] == fdef.description
            props = rec["properties"]
            assert all(is_value(v) for v in props.values())
            assert props["default_value"]["value"] == fdef.default_value
            assert "summary_default" in props
            if fdef.data_type in LINK_TYPES:
                assert props["valid_types"]["value"] == list(fdef.valid_types)
            else:
                assert "valid_types" not in props
            if fdef.data_type in ("list", "status_list"):
                assert props["valid_values"]["value"] == list(fdef.valid_values)
                assert set(props["display_values"]["value"]) == set(fdef.valid_values)
                assert all(isinstance(v, str) and v for v in props["display_values"]["value"].values())
            seen_types.add(rec["data_type"]["value"])
    assert SPEC_DATA_TYPES <= seen_types


def test_one_field_matches_the_field_list(sg_http):
    listing = sg_http.get("/schema/tasks/fields").json()["data"]
    for fname in ("content", "entity", "task_assignees", "sg_status_list", "due_date"):
        body = sg_http.get(f"/schema/task/fields/{fname}").json()
        assert body["links"]["self"] == f"/api/v1.1/schema/tasks/fields/{fname}"
        assert body["data"] == listing[fname]


def test_field_visibility_per_project(sg_http):
    store = sg_http.sb.store
    pid = a_hidden_project(store)
    for entity, edef in store.entities.items():
        hidden = {f for f, fdef in edef.fields.items() if pid in fdef.hidden_in_projects}
        data = sg_http.get(f"/schema/{entity}/fields", params={"project_id": pid}).json()["data"]
        assert {f for f, rec in data.items() if rec["visible"]["value"] is False} == hidden
        for fname in hidden:
            one = sg_http.get(f"/schema/{entity}/fields/{fname}", params={"project_id": pid}).json()
            assert one["data"]["visible"]["value"] is False
            assert sg_http.get(f"/schema/{entity}/fields/{fname}").json()["data"]["visible"]["value"] is True
    entity = sorted(hidden_entities(store, pid))[0]
    assert sg_http.get(f"/schema/{entity}", params={"project_id": pid}).json()["data"]["visible"]["value"] is False


def test_schema_errors(sg_http):
    err = assert_error(sg_http.get("/schema/not_an_entity"), 400, 103)
    assert err["source"] == {"entity": ["entity is not valid"]}
    assert_error(sg_http.get("/schema/not_an_entity/fields"), 400, 103)
    assert_error(sg_http.get("/schema/tasks/fields/not_a_field"), 400, 103)
    assert_error(sg_http.get("/schema", params={"project_id": "abc"}), 400, 103)
    assert_error(sg_http.get("/schema/tasks/nonsense"), 404, 104)
    assert_error(sg_http.request("DELETE", "/schema/tasks/fields/content"), 405, 105)
    # the server still answers
    assert sg_http.get("/schema/tasks").status_code == 200
