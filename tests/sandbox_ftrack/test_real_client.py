"""The REAL ftrack_api client (3.1.0, in its own venv, driven by tests/ftrack/driver.py) against the
ftrack sandbox over the hand-built production: construction, paging, one/first/get, nested
projections, auto-population, operators, order by, strict-API group by, custom attributes, the
schema cache, culling and the page cap. Every result is compared with a local evaluation of the
same store (and the evaluator itself is checked against hand-worked results in test_evaluate.py)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from trackframes.backends.ftrack import ql
from trackframes.sandbox.ftrack import FtrackServer, evaluate, parse

from ..ftrack.test_driver import build_venv, drive, queries_sent
from .production import API_KEY, API_USER, COMP_FINAL, TASKS, build_store, uid

TASK_IDS = [uid("task", t[0]) for t in TASKS]


@pytest.fixture(scope="module")
def venv_python() -> str:
    return build_venv()


@pytest.fixture(scope="module")
def server():
    with FtrackServer(build_store(), api_user=API_USER, api_key=API_KEY) as running:
        yield running


def run(python: str, server: FtrackServer, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    job = {"server_url": server.url, "api_user": API_USER, "api_key": API_KEY, "steps": steps,
           "record_requests": True, **extra}
    report, proc = drive(python, job)
    assert API_KEY not in proc.stdout + proc.stderr
    assert report["session"]["ok"], report["session"]
    return report


def local(server: FtrackServer, expression: str) -> list[Any]:
    query = parse(expression)
    return evaluate(server.store, query.entity_type, query)


def iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def assert_ok(step: dict[str, Any]) -> Any:
    assert step["ok"], step.get("error")
    return step["result"]


def test_session_construction_paging_one_first_and_get(venv_python, server):
    expression = "select name, bid, start_date from Task"
    li = uid("user", "li")
    report = run(venv_python, server, [
        {"query": expression, "page_size": 2},
        {"query": expression, "page_size": 7},
        {"query": expression, "page_size": 500},
        {"query": 'Task where status.name is "In progress"'},
        {"query": 'select name, full_name from Project where name is "copper"', "mode": "one"},
        {"query": "select name from Project", "mode": "one"},
        {"query": "select name, bid from Task order by bid descending", "mode": "first"},
        {"query": "select name from Task where bid > 1000000", "mode": "first"},
        {"get": ["User", li]},
        {"get": ["Task", uid("task", "no-such-task")]},
        {"get": ["Task", TASK_IDS[0]]},  # in the session's cache: no request
    ])
    session = report["session"]
    assert session["sent"] == [[{"action": "query_server_information"}], [{"action": "query_schemas"}]]
    assert {"Location", "Task", "Shot", "TypedContext", "Timelog", "Appointment"} <= set(session["types"])
    assert session["server_information"]["schema_hash"] == server.store.schema_hash

    expected = [(r.key[0], r.data["name"], r.data["bid"], iso(r.data["start_date"])) for r in local(server, expression)]
    for step, page in zip(report["steps"][:3], (2, 7, 500)):
        rows = assert_ok(step)
        assert [(r["id"], r["name"], r["bid"], r["start_date"]) for r in rows] == expected
        assert all(r["entity_type"] == "Task" for r in rows)
        offsets = list(range(0, len(TASK_IDS), page))
        assert queries_sent(step["sent"]) == [f"{expression} offset {o} limit {page}" for o in offsets]

    default = report["steps"][3]
    assert [r["id"] for r in assert_ok(default)] == [r.key[0] for r in local(server, 'Task where status.name is "In progress"')]
    assert queries_sent(default["sent"])[0].startswith("select context_type, id, name from Task where")
    one = assert_ok(report["steps"][4])
    assert (one["id"], one["full_name"]) == (uid("project", "copper"), "Copper Sky")
    assert report["steps"][5]["error"]["type"] == "MultipleResultsFoundError"
    first = assert_ok(report["steps"][6])
    assert first["id"] == local(server, "Task order by bid descending")[0].key[0] == uid("task", "sh030/comp")
    assert assert_ok(report["steps"][7]) is None
    got = assert_ok(report["steps"][8])
    assert (got["entity_type"], got["id"], got["resource_type"]) == ("User", li, "user")
    assert queries_sent(report["steps"][8]["sent"]) == [
        f'select id from User where (id is "{li}") offset 0 limit 500']
    assert assert_ok(report["steps"][9]) is None
    cached = report["steps"][10]
    assert assert_ok(cached)["name"] == "anim" and cached["sent"] == []


NESTED = ["name", "parent.name", "parent.parent.name", "status.name", "status.state.short", "project.full_name",
          "type.name", "priority.value"]


def _read_local(server: FtrackServer, record: Any, dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        if value is None:
            return None
        prop = server.store.prop(value.type, part)
        value = server.store.follow(value, part) if prop.is_relation else value.data.get(part)
    return value


def test_nested_projections_arrive_complete_with_no_further_requests(venv_python, server):
    expression = f"select {', '.join(NESTED)} from Task"
    report = run(venv_python, server, [{"query": expression, "read": NESTED, "page_size": 3}])
    step = report["steps"][0]
    rows = assert_ok(step)
    records = local(server, expression)
    assert [r["id"] for r in rows] == [r.key[0] for r in records]
    for row, record in zip(rows, records):
        assert row["read"] == {p: _read_local(server, record, p) for p in NESTED}
    # everything was in the pages: entities shared between rows were encoded fully once, in the
    # order ftrack_api merges, so nothing had to be fetched again
    assert all(q.startswith(expression) for q in queries_sent(step["sent"]))
    assert rows[0]["parent"]["entity_type"] == "Shot" and rows[6]["parent"]["entity_type"] == "Sequence"


def test_auto_population_fetches_unprojected_attributes_with_unquoted_ids(venv_python, server):
    expression = "select name from Task where project.name is copper order by name"
    reads = ["bid", "status.name", "parent.parent.name", "timelogs", "assignments"]
    jane = uid("user", "jane")
    report = run(venv_python, server, [
        {"query": expression, "read": reads},
        {"attr": ["User", jane, ["first_name", "email", "timelogs"]]},
    ])
    step, attr = report["steps"]
    rows = assert_ok(step)
    records = local(server, expression)
    assert [r["id"] for r in rows] == [r.key[0] for r in records]
    for row, record in zip(rows, records):
        read = row["read"]
        assert read["bid"] == record.data["bid"]
        assert read["status.name"] == _read_local(server, record, "status.name")
        assert read["parent.parent.name"] == _read_local(server, record, "parent.parent.name")
        assert [t["id"] for t in read["timelogs"]] == [t.key[0] for t in server.store.follow(record, "timelogs")]
        assert [a["id"] for a in read["assignments"]] == [a.key[0] for a in server.store.follow(record, "assignments")]
    sent = queries_sent(step["sent"])
    first_id = records[0].key[0]
    assert f"select bid from Task where id is {first_id} offset 0 limit 500" in sent
    assert f"select timelogs from Task where id is {first_id} offset 0 limit 500" in sent
    values = assert_ok(attr)
    assert (values["first_name"], values["email"]) == ("Jane", "jane@example.com")
    assert sorted(t["id"] for t in values["timelogs"]) == sorted(uid("timelog", k) for k in ("t1", "t2", "t3"))


OPERATOR_QUERIES = [
    'select id from Task where status.name is "In progress"',
    "select id from Task where bid is_not 14400",
    "select id from Task where bid is none",
    "select id from Task where not bid is 14400",
    "select id from Task where bid > 10800 and bid <= 28800",
    'select id from Task where start_date after "2024-05-13" or end_date before "2024-05-04"',
    'select id from Task where name like "%AN%"',
    'select id from Task where name not_like "%a%"',
    'select id from Task where type.name in ("Layout", "Lighting")',
    'select id from Task where type.name not_in ("Layout", "Lighting")',
    "select id from Task where parent.parent.name is sq010",
    "select id from Task where timelogs.duration > 3000",
    "select id from Task where timelogs any (user.username is jane and duration > 4000)",
    "select id from Task where not timelogs any ()",
    f"select id from Task where assignments any (resource_id is {uid('user', 'omar')})",
    "select id from Task where status has (state.short is DONE)",
    "select id from Task where status_id in (select id from Status where state.short is IN_PROGRESS)",
    "select id from Task where ancestors any (name is sq020)",
    "select id from Task where (project.name is copper and priority.value >= 3) or project.name is nickel",
    "select id from Task order by type.name, priority.value descending",
    "select id from Task order by bid",
    "select id from Task order by name descending",
    "select id, name from TypedContext where parent.name is sq010",
    "select id from Shot where custom_attributes any (key is fend and value > 1050)",
    "select id from User where is_active is false",
    "select id from Note where author has (first_name is Omar)",
]


def test_operators_and_order_by_equal_the_local_evaluation(venv_python, server):
    report = run(venv_python, server, [{"query": q, "page_size": 3} for q in OPERATOR_QUERIES])
    for expression, step in zip(OPERATOR_QUERIES, report["steps"]):
        rows = assert_ok(step)
        expected = local(server, expression)
        assert [(r["entity_type"], r["id"]) for r in rows] == [(r.type, r.key[0]) for r in expected], expression
    # non-trivial: the queries select different, non-empty subsets
    sizes = [len(s["result"]) for s in report["steps"]]
    assert all(sizes) and len(set(sizes)) > 4
    assert [r["entity_type"] for r in report["steps"][22]["result"]] == ["Shot", "Shot", "Task"]


def test_quotes_and_backslashes_in_values_survive_the_client_and_the_server(venv_python, server):
    expression = ql.select("Task", ["name"], where=ql.condition("name", "is", COMP_FINAL))
    report = run(venv_python, server, [{"query": expression}, {"query": "select nmae from Task"}])
    found, bad = report["steps"]
    assert [(r["id"], r["name"]) for r in assert_ok(found)] == [(uid("task", "sh030/comp"), COMP_FINAL)]
    assert bad["error"]["type"] == "ServerError"
    assert 'Task has no attribute "nmae"; did you mean name?' in bad["error"]["message"]


def test_references_encoded_once_and_custom_attributes_need_no_extra_requests(venv_python, server):
    versions = "select version, asset.versions.version from AssetVersion"
    shots = "select name, custom_attributes from Shot where project.name is copper"
    report = run(venv_python, server, [
        {"query": versions, "read": ["version", "asset.versions"]},
        {"query": shots, "read": ["custom_attributes"]},
    ])
    version_step, shot_step = report["steps"]
    rows = assert_ok(version_step)
    assert [r["read"]["version"] for r in rows] == [1, 2]
    assert [[v["version"] for v in r["read"]["asset.versions"]] for r in rows] == [[1, 2], [1, 2]]
    assert queries_sent(version_step["sent"]) == [f"{versions} offset 0 limit 500"]
    frames = {uid("shot", "sh010"): {"fstart": 1001, "fend": 1096}, uid("shot", "sh020"): {"fstart": 1001, "fend": 1040},
              uid("shot", "sh030"): {"fstart": 1001, "fend": 1200}, uid("shot", "sh040"): {}}
    assert {r["id"]: r["read"]["custom_attributes"] for r in assert_ok(shot_step)} == frames
    assert queries_sent(shot_step["sent"]) == [f"{shots} offset 0 limit 500"]


def test_strict_api_group_by_through_session_call(venv_python, server):
    report = run(venv_python, server, [
        {"call": [{"action": "query", "expression": "select count(id), sum(bid) from Task group by status_id"}]},
        {"call": [{"action": "query", "expression": "select count(id) from Task where project.name is copper "
                                                    "group by status.name"},
                  {"action": "query", "expression": "select name from Project order by name descending"}]},
        {"call": [{"action": "query", "expression": "select count(id) from Task group status_id"}]},
    ], session={"strict_api": True})
    by_status, batch, refused = report["steps"]
    # the strict style answers errors with a real status (400 here); ftrack_api reports both styles alike
    assert refused["error"]["type"] == "ServerError" and "ParseError" in refused["error"]["message"]
    assert 'expected "by" after "group"' in refused["error"]["message"]
    (grouped,) = assert_ok(by_status)
    counts = Counter(uid("status", t[3]) for t in TASKS)
    sums: dict[str, float] = {}
    for t in TASKS:
        if t[6] is not None:
            sums[uid("status", t[3])] = sums.get(uid("status", t[3]), 0.0) + t[6]
    assert {r["status_id"]: (r["count_id"], r["sum_bid"]) for r in grouped["data"]} == {
        s: (n, sums.get(s)) for s, n in counts.items()}
    names, projects = assert_ok(batch)
    assert {r["status.name"]: r["count_id"] for r in names["data"]} == dict(
        Counter(t[3] for t in TASKS if not t[0].startswith("sh100")))
    assert [p["name"] for p in projects["data"]] == ["nickel", "copper"]
    assert len(by_status["sent"]) == 1 and len(batch["sent"]) == 1  # the two queries shared one POST


def test_the_schema_cache_skips_query_schemas_the_second_time(venv_python, server, tmp_path):
    options = {"session": {"schema_cache_path": str(tmp_path)}}
    first = run(venv_python, server, [], **options)["session"]["sent"]
    second = run(venv_python, server, [], **options)["session"]["sent"]
    assert first == [[{"action": "query_server_information"}], [{"action": "query_schemas"}]]
    assert second == [[{"action": "query_server_information"}]]


@pytest.mark.parametrize("knobs", [{"page_size_cap": 3}, {"cull_every": 2}, {"cull_every": 1, "page_size_cap": 4},
                                   {"references_once": False}])
def test_cap_culling_and_dedup_knobs_give_the_clean_result(venv_python, knobs):
    expression = "select name, status.name, parent.name from Task"
    with FtrackServer(build_store(), api_user=API_USER, api_key=API_KEY) as clean_server:
        clean = assert_ok(run(venv_python, clean_server, [{"query": expression, "page_size": 2}])["steps"][0])
    with FtrackServer(build_store(), api_user=API_USER, api_key=API_KEY) as knobbed:
        knobbed.knobs.update(**knobs)
        report = run(venv_python, knobbed, [{"query": expression, "page_size": p} for p in (2, 7, 500)])
    for step in report["steps"]:
        assert assert_ok(step) == clean
    if "cull_every" in knobs:
        offsets = [int(re.search(r"offset (\d+)", q).group(1)) for q in queries_sent(report["steps"][0]["sent"])]
        assert offsets == list(range(0, offsets[-1] + 1, 2)) and offsets[-1] >= len(TASK_IDS)


def test_a_wrong_key_fails_the_session_without_echoing_the_key(venv_python, server):
    wrong = "wrong-key-Zq81"
    report, proc = drive(venv_python, {"server_url": server.url, "api_user": API_USER, "api_key": wrong,
                                       "steps": []})
    assert report["session"]["ok"] is False
    assert report["session"]["error"]["type"] == "ServerError"
    assert "InvalidCredentialsError" in report["session"]["error"]["message"]
    assert wrong not in proc.stdout + proc.stderr
