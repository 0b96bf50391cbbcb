"""Decoding answers: references encoded once (any depth, any order), datetimes, unknown types, bad pages."""

from __future__ import annotations

import warnings
from datetime import datetime, timezone

import orjson
import pytest

from trackframes.backends.ftrack.decode import PageDecoder
from trackframes.backends.ftrack.schema import Model
from trackframes.exceptions import ProtocolError, QueryError
from trackframes.schema import UntypedValueWarning

S = {"type": "string"}
MODEL = Model([
    {"id": "Status", "primary_key": ["id"], "properties": {"id": S, "name": S, "state": {"$ref": "State"}}},
    {"id": "State", "primary_key": ["id"], "properties": {"id": S, "name": S, "short": S}},
    {"id": "User", "primary_key": ["id"], "properties": {"id": S, "username": S}},
    {"id": "Task", "primary_key": ["id"], "properties": {
        "id": S, "name": S, "bid": {"type": "number"}, "start": {"type": "string", "format": "date-time"},
        "status": {"$ref": "Status"}, "parent": {"$ref": "Task"}, "owner": {"$ref": "User"},
        "links": {"type": "array", "items": {"$ref": "Task"}}}},
])


def decode(fields, records, next_offset=None):
    decoder = PageDecoder(MODEL, [MODEL.resolve("Task", f) for f in fields])
    body = orjson.dumps([{"action": "query", "data": records, "metadata": {"next": {"offset": next_offset}}}])
    (page,) = decoder.parse(body)
    return page


def ent(kind, rid, **attrs):
    return {"__entity_type__": kind, "id": rid, **attrs}


def test_a_stub_resolves_to_the_full_copy_wherever_it_is():
    full_state = ent("State", "st", short="WIP")
    records = [
        # the stub comes first; the full status sits inside another record's parent, two levels down
        ent("Task", "t1", status=ent("Status", "s1"), parent=ent("Task", "t9")),
        ent("Task", "t2", status=ent("Status", "s2", name="Done", state=ent("State", "st")),
            parent=ent("Task", "t9", name="Parent", status=ent("Status", "s1", name="WIP", state=full_state))),
    ]
    page = decode(["status", "status.state.short", "parent.name", "parent.status.name"], records)
    rows = page.table.to_pylist()
    assert rows[0]["status"] == {"id": "s1", "type": "Status", "name": "WIP"}
    assert rows[0]["status.state.short"] == "WIP" and rows[1]["status.state.short"] == "WIP"
    assert [r["parent.name"] for r in rows] == ["Parent", "Parent"]
    assert [r["parent.status.name"] for r in rows] == ["WIP", "WIP"]


def test_collections_links_users_and_nulls():
    records = [ent("Task", "t1", links=[ent("Task", "t2"), ent("Task", "t3", name="c")], owner=ent("User", "u", username="jane")),
               ent("Task", "t2", name="b", links=[], owner=None),
               ent("Task", "t3", name="c")]
    rows = decode(["links", "owner"], records).table.to_pylist()
    assert rows[0]["links"] == [{"id": "t2", "type": "Task", "name": "b"}, {"id": "t3", "type": "Task", "name": "c"}]
    assert rows[0]["owner"] == {"id": "u", "type": "User", "name": "jane"}  # username names a User
    assert rows[1]["links"] == [] and rows[1]["owner"] is None and rows[2]["links"] is None


def test_datetimes_naive_are_utc_offsets_are_kept_and_dates_are_midnight():
    records = [ent("Task", "a", start={"__type__": "datetime", "value": "2024-05-01T09:30:00"}),
               ent("Task", "b", start={"__type__": "datetime", "value": "2024-05-01T09:30:00+02:00"}),
               ent("Task", "c", start={"__type__": "date", "value": "2024-05-02"}),
               ent("Task", "d", start=None)]
    values = decode(["start"], records).table.column("start").to_pylist()
    assert values == [datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc), datetime(2024, 5, 1, 7, 30, tzinfo=timezone.utc),
                      datetime(2024, 5, 2, tzinfo=timezone.utc), None]


def test_an_unknown_entity_type_is_kept_as_text_with_a_warning():
    records = [ent("Task", "a", parent=ent("Hologram", "h1", name="ghost"), bid=ent("Hologram", "h2"),
                   name=ent("Hologram", "h3", name="x"))]
    with pytest.warns(UntypedValueWarning, match="Hologram"):
        rows = decode(["parent", "bid", "name"], records).table.to_pylist()
    assert rows[0]["parent"] == {"id": "h1", "type": "Hologram", "name": "ghost"}
    assert rows[0]["bid"] is None  # a number field cannot hold it: null, with the warning
    assert orjson.loads(rows[0]["name"]) == {"__entity_type__": "Hologram", "id": "h3", "name": "x"}  # text: JSON


def test_values_of_the_wrong_type_become_nulls_with_a_warning():
    with pytest.warns(UntypedValueWarning, match="bid"):
        rows = decode(["bid"], [ent("Task", "a", bid="lots"), ent("Task", "b", bid=2)]).table.to_pylist()
    assert [r["bid"] for r in rows] == [None, 2.0]


def test_next_offset_and_ids_are_read():
    page = decode(["name"], [ent("Task", "a"), ent("Task", "b")], next_offset=7)
    assert (page.rows, page.ids, page.next_offset) == (2, ["a", "b"], 7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert decode(["name"], []).table.num_rows == 0


@pytest.mark.parametrize("body, problem", [
    (b'[{"action": "query", "data": null, "metadata": {"next": {"offset": null}}}]', '"data" null'),
    (b'[{"action": "query", "data": []}]', 'no "metadata"'),
    (b'[{"action": "query", "data": [{"__entity_type__": "Task"}], "metadata": {}}]', "has id None"),
    (b'[{"action": "query", "data": [], "metadata": {"next": {"offset": -1}}}]', "not a whole number"),
    (b'{"data": []}', "instead of a list"),
])
def test_pages_of_the_wrong_shape_are_protocol_errors(body, problem):
    decoder = PageDecoder(MODEL, [MODEL.resolve("Task", "name")])
    with pytest.raises(ProtocolError) as caught:
        decoder.parse(body)
    assert problem in str(caught.value)


def test_an_error_object_instead_of_a_page_is_the_servers_error():
    decoder = PageDecoder(MODEL, [MODEL.resolve("Task", "name")])
    with pytest.raises(QueryError, match="ParseError: bad"):
        decoder.parse(orjson.dumps({"exception": "ParseError", "content": "bad"}))
