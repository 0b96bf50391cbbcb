"""The ftrack sandbox over HTTP: authentication, both error styles, batches, server information and
schemas, paging with the page cap and permission culling, and the knobs."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import pytest
import requests

from trackframes.sandbox.ftrack import FtrackServer, Knobs
from trackframes.sandbox.ftrack.knobs import knob_names
from trackframes.sandbox.shotgrid.knobs import knob_names as shotgrid_knob_names

from .production import API_KEY, API_USER, TASKS, build_store, uid

TASK_IDS = [uid("task", t[0]) for t in TASKS]


def post(server: FtrackServer, operations: Any, *, strict: bool = False, user: str | None = API_USER,
         key: str | None = API_KEY, raw: bytes | None = None) -> requests.Response:
    headers = {"ftrack-strict-api": "true" if strict else "false"}
    if user is not None:
        headers["ftrack-user"] = user
    if key is not None:
        headers["ftrack-api-key"] = key
    data = raw if raw is not None else json.dumps(operations).encode()
    return requests.post(server.url + "/api", data=data, headers={**headers, "content-type": "application/json"},
                         timeout=30)


def query(server: FtrackServer, expression: str, **kwargs: Any) -> dict[str, Any]:
    response = post(server, [{"action": "query", "expression": expression}], **kwargs)
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list), body
    return body[0]


@pytest.fixture
def server():
    with FtrackServer(build_store(), api_user=API_USER, api_key=API_KEY) as running:
        yield running


# -- authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize("user, key, words", [
    (None, None, ["ftrack-user and ftrack-api-key headers are required"]),
    (API_USER, None, ["ftrack-api-key header is required"]),
    (API_USER, "wrong-key-91x", ['not valid for user "jane"']),
    ("omar", API_KEY, ['not valid for user "omar"']),
])
def test_bad_credentials_are_401_in_both_styles_and_never_echo_the_key(server, user, key, words, caplog):
    caplog.set_level(logging.DEBUG, logger="trackframes")
    for strict in (False, True):
        response = post(server, [{"action": "query_server_information"}], strict=strict, user=user, key=key)
        assert response.status_code == 401
        body = response.json()
        assert body["exception"] == "InvalidCredentialsError" and body["error_code"] is None
        for word in words:
            assert word in body["content"]
        assert response.headers["FTRACK_ERROR"] == body["content"]
        for secret in (API_KEY, "wrong-key-91x"):
            assert secret not in response.text and secret not in str(response.headers)
    assert API_KEY not in caplog.text and "wrong-key-91x" not in caplog.text
    assert server.stats.authenticated == 0


def test_the_key_stays_out_of_the_servers_repr():
    with FtrackServer(build_store()) as running:
        key = running.credentials["api_key"]
        assert running.credentials["api_user"] == "jane"  # the first active user
        assert key not in repr(running) and key not in repr(running.auth)
        assert len(key) == 36 and key.count("-") == 4


# -- operations, batches, errors ---------------------------------------------------------------


def test_server_information_and_schemas_are_what_ftrack_api_needs(server):
    info, schemas = post(server, [{"action": "query_server_information"}, {"action": "query_schemas"}]).json()
    assert set(info) == {"version", "schema_hash", "is_timezone_support_enabled", "storage_scenario"}
    assert info["is_timezone_support_enabled"] is True
    # the hash ftrack_api computes of its cache equals the server's: its schema cache then works
    assert info["schema_hash"] == hashlib.md5(json.dumps(schemas, sort_keys=True).encode()).hexdigest()
    by_id = {s["id"]: s for s in schemas}
    assert "Location" in by_id and {"Task", "Shot", "TypedContext", "User", "Timelog", "Appointment"} <= set(by_id)
    for schema in schemas:
        assert "$mixin" not in schema and schema["primary_key"] and schema["default_projections"]
        for name, fragment in schema["properties"].items():
            target = fragment.get("$ref") or (fragment.get("items") or {}).get("$ref")
            assert target is None or target in by_id, (schema["id"], name, target)
    # a concrete type repeats its parents' properties
    assert set(by_id["TypedContext"]["properties"]) <= set(by_id["Task"]["properties"])
    assert set(by_id["Context"]["properties"]) <= set(by_id["Project"]["properties"])
    (only,) = post(server, [{"action": "query_server_information", "values": ["schema_hash", "nope"]}]).json()
    assert set(only) == {"version", "schema_hash"}


def test_a_batch_answers_each_operation_in_order(server):
    results = post(server, [
        {"action": "query", "expression": "select name from Project"},
        {"action": "parse_query", "expression": "select nmae from Task"},
        {"action": "query", "expression": "select username from User where is_active is false"},
    ]).json()
    assert [r["name"] for r in results[0]["data"]] == ["copper", "nickel"]
    assert results[1]["action"] == "parse_query" and "did you mean name" in results[1]["data"]
    assert [r["username"] for r in results[2]["data"]] == ["li"]


@pytest.mark.parametrize("operations, status, exception, words", [
    ([{"action": "query", "expression": "select name from Task where name iss x"}], 400, "ParseError",
     ['unknown operator "iss"', "at position 33"]),
    ([{"action": "query", "expression": "select nmae from Task"}], 400, "ValidationError",
     ['Task has no attribute "nmae"; did you mean name?']),
    ([{"action": "query", "expression": "select name from Tsak"}], 400, "ValidationError", ["did you mean Task"]),
    ([{"action": "create", "entity_type": "Task", "entity_data": {}}], 400, "ValidationError",
     ["read-only", "action create"]),
    ([{"action": "query_shemas"}], 400, "ValidationError", ["unknown action 'query_shemas'",
                                                              "did you mean query_schemas"]),
    ([{"action": "query"}], 400, "ValidationError", ["needs an expression"]),
    ({"action": "query"}, 400, "ValidationError", ["JSON list of operations"]),
    ([{"action": "query", "expression": "select name from Project"},
      {"action": "query", "expression": "select name from Project where x is 1"}], 400, "ValidationError",
     ['Project has no attribute "x"']),
])
def test_errors_fail_the_batch_in_both_styles(server, operations, status, exception, words):
    for strict, expected_status in ((False, 200), (True, status)):
        response = post(server, operations, strict=strict)
        assert response.status_code == expected_status
        body = response.json()
        assert isinstance(body, dict) and body["exception"] == exception and body["error_code"] is None
        for word in words:
            assert word in body["content"]


def test_a_body_that_is_not_json_is_a_validation_error(server):
    response = post(server, None, raw=b"{nope", strict=True)
    assert response.status_code == 400 and "not valid JSON" in response.json()["content"]


def test_other_methods_and_paths_are_refused(server):
    assert requests.get(server.url + "/api", timeout=10).status_code == 405
    response = requests.post(server.url + "/v1/api", json=[], timeout=10)
    assert response.status_code == 404 and "POST to /api" in response.json()["content"]


def test_parse_query_validates_syntax_and_names_without_failing_the_batch(server):
    results = post(server, [{"action": "parse_query", "expression": e} for e in (
        'select name, parent.name from Task where status.name is "x" order by name',
        "select name from Task where",
        "select count(id) from Task",
        "select name from Task order by timelogs.duration",
        "",
    )]).json()
    assert results[0]["data"] is True
    assert "expected a condition" in results[1]["data"]
    assert "needs a group by clause" in results[2]["data"]
    assert "through a collection" in results[3]["data"]
    assert "empty" in results[4]["data"]


def test_group_by_needs_the_strict_api(server):
    operations = [{"action": "query", "expression": "select count(id) from Task group by status.name"}]
    refused = post(server, operations).json()
    assert refused["exception"] == "ValidationError" and "ftrack-strict-api: true" in refused["content"]
    (answer,) = post(server, operations, strict=True).json()
    assert {r["status.name"]: r["count_id"] for r in answer["data"]} == {
        "Approved": 2, "In progress": 2, "Not started": 2, "On hold": 1, "Pending review": 1}


# -- paging ----------------------------------------------------------------------------------------


def walk(server: FtrackServer, expression: str, page: int) -> tuple[list[str], list[tuple[int, int, int | None]]]:
    """Follow metadata.next.offset like ftrack_api: ids in order and (offset, rows, next) per page."""
    ids, pages, offset = [], [], 0
    while offset is not None:
        answer = query(server, f"{expression} offset {offset} limit {page}")
        following = answer["metadata"]["next"]["offset"]
        pages.append((offset, len(answer["data"]), following))
        ids += [row["id"] for row in answer["data"]]
        assert len(pages) < 100, "next.offset never became null"
        offset = following
    return ids, pages


@pytest.mark.parametrize("page", [1, 2, 3, 7, 8, 500])
def test_pages_follow_next_offset_to_null(server, page):
    ids, pages = walk(server, "select id from Task", page)
    assert ids == TASK_IDS
    assert [p[0] for p in pages] == list(range(0, len(TASK_IDS), page))
    assert pages[-1][2] is None and all(p[2] == p[0] + page for p in pages[:-1])


def test_the_page_cap_returns_fewer_rows_and_next_offset_says_where_to_go_on(server):
    server.knobs.page_size_cap = 3
    answer = query(server, "select id from Task offset 0 limit 7")
    assert len(answer["data"]) == 3 and answer["metadata"]["next"]["offset"] == 3
    assert len(query(server, "select id from Task")["data"]) == 3  # no limit: the cap
    ids, pages = walk(server, "select id from Task", 7)
    assert ids == TASK_IDS and [p[0] for p in pages] == [0, 3, 6]


@pytest.mark.parametrize("cull_every, page", [(1, 2), (2, 3), (3, 500), (2, 1)])
def test_permission_culling_jumps_next_offset_past_hidden_rows_and_loses_nothing(server, cull_every, page):
    server.knobs.cull_every = cull_every
    ids, pages = walk(server, "select id from Task", page)
    assert ids == TASK_IDS  # every visible row exactly once, in order
    assert any(p[2] is not None and p[2] - p[0] > p[1] for p in pages) or page >= 500
    hidden = len(TASK_IDS) // cull_every
    assert server.stats.culled == hidden
    if page < len(TASK_IDS):
        assert any(rows < page and following is not None for _, rows, following in pages)


def test_culled_rows_never_appear_in_other_queries(server):
    server.knobs.cull_every = 1
    (one,) = query(server, f"select name from Task where id is {TASK_IDS[3]} limit 500")["data"]
    assert one["id"] == TASK_IDS[3]
    assert sorted(r["id"] for r in query(server, "select id from Task limit 500")["data"]) == sorted(TASK_IDS)


def test_mutations_between_pages_change_what_offset_paging_sees(server):
    server.knobs.update(mutate_creates=1, seed=3)
    before = server.store.count("Task")
    first = query(server, "select id, name from Task offset 0 limit 4")
    assert server.store.count("Task") == before + 1 and server.stats.created == 1
    created = [r for r in server.store.records("Task") if r.key[0] not in TASK_IDS]
    assert len(created) == 1 and len(created[0].key[0]) == 36
    assert len(first["data"]) == 4
    server.knobs.update(mutate_creates=0, mutate_deletes=2)
    query(server, "select id from Task offset 4 limit 4")
    assert server.store.count("Task") == before - 1 and server.stats.deleted == 2


def test_plain_offset_paging_under_deletes_loses_rows_the_whole_walk_could_see(server):
    server.knobs.update(mutate_deletes=1, seed=5)
    ids, _ = walk(server, "select id from Task", 2)
    survivors = {r.key[0] for r in server.store.records("Task")}
    assert survivors - set(ids), "offset paging should have skipped a record that was there throughout"


def test_references_once_knob_turns_deduplication_off(server):
    expression = "select status.name from Task where status.name is Approved"
    on = query(server, expression)["data"]
    assert on[0]["status"]["name"] == "Approved" and set(on[1]["status"]) == {"__entity_type__", "id"}
    server.knobs.references_once = False
    off = query(server, expression)["data"]
    assert [row["status"]["name"] for row in off] == ["Approved", "Approved"]


def test_rate_limits_and_server_errors(server):
    server.knobs.update(rate_limit_every=2, retry_after=4)
    assert post(server, [{"action": "query_server_information"}]).status_code == 200
    limited = post(server, [{"action": "query_server_information"}])
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "4"
    assert limited.json()["exception"] == "TooManyRequestsError"
    server.knobs.update(rate_limit_every=0, error_probability=1.0)
    failed = post(server, [{"action": "query_server_information"}])
    assert failed.status_code in (502, 503, 504) and failed.headers["Content-Type"] == "text/html"
    assert server.stats.rate_limited == 1 and server.stats.server_errors == 1


def test_the_knobs_shared_with_the_shotgrid_sandbox_keep_its_names():
    shared = {"latency", "rate_limit_every", "rate_limit_probability", "retry_after", "error_probability",
              "page_size_cap", "mutate_creates", "mutate_deletes", "seed"}
    assert shared <= set(knob_names()) and shared <= set(shotgrid_knob_names())
    knobs = Knobs()
    for name in set(shotgrid_knob_names()) - set(knob_names()):
        with pytest.raises(TypeError, match=f"knob {name} is the ShotGrid sandbox's"):
            knobs.update(**{name: 1})
    with pytest.raises(TypeError, match="unknown knob"):
        knobs.update(cul_every=1)
    with pytest.raises(ValueError, match="page_size_cap"):
        knobs.update(page_size_cap=0)
    with pytest.raises(TypeError, match="references_once"):
        knobs.update(references_once=1)
