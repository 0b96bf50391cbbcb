"""The REAL ftrack_api client against the ftrack sandbox serving the neutral generated production.

The issue's list, over the production every sandbox serves: construction, paging across page
sizes 2, 7 and 500 with and without ``select``, ``.one()``, ``.first()``, ``session.get()``,
nested projections, auto-population of unprojected attributes, operators including
``has``/``any``, ``order by``, a strict-API ``group by`` through ``session.call``; every result is
compared with a local evaluation of the same store.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, Callable

import pytest

from trackframes.sandbox import production
from trackframes.sandbox.ftrack import evaluate, parse, start
from trackframes.sandbox.ftrack.render_production import uuid_of

from ..ftrack.test_driver import build_venv, drive, queries_sent

PROD = production.generate(scale=0.04, seed=3, today=date(2026, 3, 2))


@pytest.fixture(scope="module")
def venv_python() -> str:
    return build_venv()


@pytest.fixture(scope="module")
def sandbox():
    server = start(PROD)
    yield server
    server.close()


def run(python: str, server: Any, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    creds = server.credentials
    job = {"server_url": server.url, "api_user": creds["api_user"], "api_key": creds["api_key"], "steps": steps,
           "record_requests": True, **extra}
    report, proc = drive(python, job)
    assert creds["api_key"] not in proc.stdout + proc.stderr
    assert report["session"]["ok"], report["session"]
    return report


def local(server: Any, expression: str) -> list[Any]:
    query = parse(expression)
    return evaluate(server.store, query.entity_type, query)


def ok(step: dict[str, Any]) -> Any:
    assert step["ok"], step.get("error")
    return step["result"]


def iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def test_construction_paging_one_first_and_get(venv_python, sandbox):
    shot = PROD.shots[0]
    subset = f'select name, bid, start_date, status.name from Task where parent.name is "{shot.name}"'
    everything = "select name, bid from Task"
    project = PROD.projects[0]
    report = run(venv_python, sandbox, [
        {"query": subset, "page_size": 2},
        {"query": subset, "page_size": 7},
        {"query": everything, "page_size": 500},
        {"query": f'Task where parent.name is "{shot.name}"', "page_size": 7},
        {"query": f'select name, full_name, status from Project where name is "{project.name}"', "mode": "one"},
        {"query": "select name from Task order by bid descending", "mode": "first"},
        {"get": ["User", uuid_of("person", PROD.people[0].id)]},
        {"get": ["Task", uuid_of("task", PROD.tasks[0].id)]},
    ])
    session = report["session"]
    assert session["sent"] == [[{"action": "query_server_information"}], [{"action": "query_schemas"}]]
    assert {"Location", "Task", "Shot", "AssetBuild", "Timelog", "Appointment", "CalendarEvent"} <= set(session["types"])
    expected = [(r.key[0], r.data["name"], r.data["bid"], iso(r.data["start_date"])) for r in local(sandbox, subset)]
    assert len(expected) > 2
    for step, page in zip(report["steps"][:2], (2, 7)):
        rows = ok(step)
        assert [(r["id"], r["name"], r["bid"], r["start_date"]) for r in rows] == expected
        assert len(queries_sent(step["sent"])) == -(-len(expected) // page)  # ceil: the last page says no more
    full = ok(report["steps"][2])
    assert [r["id"] for r in full] == [r.key[0] for r in local(sandbox, everything)]
    assert len(full) == len(PROD.tasks) > 500
    default = ok(report["steps"][3])
    assert [r["id"] for r in default] == [r.key[0] for r in local(sandbox, subset)]
    assert queries_sent(report["steps"][3]["sent"])[0].startswith("select context_type, id, name from Task")
    one = ok(report["steps"][4])
    assert (one["id"], one["full_name"], one["status"]) == (
        uuid_of("project", project.id), project.name, "hidden" if project.archived else "active")
    first = ok(report["steps"][5])
    assert first["id"] == local(sandbox, "select name from Task order by bid descending")[0].key[0]
    user = ok(report["steps"][6])
    assert (user["entity_type"], user["id"]) == ("User", uuid_of("person", PROD.people[0].id))
    task = ok(report["steps"][7])
    assert task["id"] == uuid_of("task", PROD.tasks[0].id)


def test_nested_projections_and_auto_population(venv_python, sandbox):
    nested = ["name", "parent.name", "parent.parent.name", "status.name", "status.state.short", "type.name",
              "project.full_name", "priority.name"]
    expression = f"select {', '.join(nested)} from Task where parent.name is \"{PROD.shots[1].name}\""
    populated = f"select name from Task where parent.name is \"{PROD.shots[1].name}\""
    report = run(venv_python, sandbox, [
        {"query": expression, "read": nested, "page_size": 3},
        {"query": populated, "read": ["bid", "status.name", "assignments", "timelogs"]},
    ])
    rows, auto = (ok(s) for s in report["steps"])
    records = local(sandbox, expression)
    assert [r["id"] for r in rows] == [r.key[0] for r in records] and len(records) > 1
    store = sandbox.store
    for row, record in zip(rows, records):
        assert row["read"]["status.name"] == store.follow(record, "status").data["name"]
        assert row["read"]["parent.parent.name"] == store.follow(store.follow(record, "parent"), "parent").data["name"]
        assert row["read"]["type.name"] == store.follow(record, "type").data["name"]
    assert all(q.startswith(expression) for q in queries_sent(report["steps"][0]["sent"]))
    sent = queries_sent(report["steps"][1]["sent"])
    first = local(sandbox, populated)[0].key[0]
    assert f"select bid from Task where id is {first} offset 0 limit 500" in sent  # unquoted id
    for row, record in zip(auto, local(sandbox, populated)):
        assert row["read"]["bid"] == record.data["bid"]
        assert sorted(a["id"] for a in row["read"]["assignments"]) == sorted(
            a.key[0] for a in store.follow(record, "assignments"))


def _logger() -> Any:
    """Someone who logged time."""
    return next(p for p in PROD.people if p.id == PROD.time_entries[0].person)


def _operator_queries() -> list[str]:
    person = PROD.people[1]
    step = PROD.steps[0]
    return [
        'select id from Task where status.name is "In Progress"',
        "select id from Task where bid > 28800 and bid <= 86400",
        "select id from Task where not bid is 14400",
        f'select id from Task where type.name in ("{step.name}", "Comp")',
        'select id from Task where name like "%an%"',
        "select id from Task where timelogs any (duration > 14000)",
        "select id from Task where not timelogs any ()",
        f'select id from Task where assignments any (resource has (id is "{uuid_of("person", person.id)}"))',
        "select id from Task where status has (state.short is DONE)",
        "select id from Task where project has (status is hidden)",
        'select id from Task where start_date after "2026-02-01" and end_date before "2026-04-01"',
        "select id from Shot where custom_attributes any (key is fend and value > 1100)",
        "select id from Task order by type.name, bid descending",
        "select id from Timelog where user.username is " + _logger().login + " order by start",
        "select id from TypedContext where parent.name is " + PROD.sequences[0].name,
    ]


def _plain_python(store: Any) -> list[Callable[[Any], bool]]:
    """The operator queries' criteria written out in Python over the store's records, one per query of
    :func:`_operator_queries` (null makes a comparison false, under ``not`` too)."""
    person, step = PROD.people[1], PROD.steps[0]

    def name(record: Any, attr: str) -> Any:
        target = store.follow(record, attr)
        return None if target is None else target.data.get("name")

    def day(value: Any) -> Any:
        return None if value is None else value.date().isoformat()

    def custom(record: Any, key: str) -> Any:
        for value in store.follow(record, "custom_attributes"):
            if store.follow(value, "configuration").data["key"] == key:
                return value.data["value"]
        return None

    return [
        lambda r: name(r, "status") == "In Progress",
        lambda r: r.data["bid"] is not None and 28800 < r.data["bid"] <= 86400,
        lambda r: r.data["bid"] is not None and r.data["bid"] != 14400,
        lambda r: name(r, "type") in (step.name, "Comp"),
        lambda r: "an" in (r.data["name"] or "").lower(),
        lambda r: any((t.data["duration"] or 0) > 14000 for t in store.follow(r, "timelogs")),
        lambda r: not store.follow(r, "timelogs"),
        lambda r: any(a.data["resource_id"] == uuid_of("person", person.id) for a in store.follow(r, "assignments")),
        lambda r: store.follow(store.follow(r, "status"), "state").data["short"] == "DONE",
        lambda r: store.follow(r, "project").data["status"] == "hidden",
        lambda r: (day(r.data["start_date"]) or "") > "2026-02-01" and "" < (day(r.data["end_date"]) or "") < "2026-04-01",
        lambda r: (custom(r, "fend") or 0) > 1100,
        lambda r: True,
        lambda r: store.follow(r, "user").data["username"] == _logger().login,
        lambda r: name(r, "parent") == PROD.sequences[0].name,
    ]


def test_operators_and_order_by_equal_the_local_evaluation(venv_python, sandbox):
    queries = _operator_queries()
    report = run(venv_python, sandbox, [{"query": q, "page_size": 200, "output": "records"} for q in queries],
                 record_requests=False)
    sizes = []
    for expression, step in zip(queries, report["steps"]):
        rows = ok(step)
        expected = local(sandbox, expression)
        assert [(r["entity_type"], r["id"]) for r in rows] == [(r.type, r.key[0]) for r in expected], expression
        sizes.append(len(rows))
    assert sum(1 for s in sizes if s) >= len(queries) - 2 and len(set(sizes)) > 6
    store = sandbox.store
    for expression, step, criteria in zip(queries, report["steps"], _plain_python(store)):
        entity = expression.split(" from ")[1].split()[0]
        wanted = {r.key[0] for r in store.records(entity) if criteria(r)}
        assert {r["id"] for r in ok(step)} == wanted, expression
    starts = [store.get("Timelog", r["id"]).data["start"] for r in ok(report["steps"][13])]
    assert len(starts) > 1 and starts == sorted(starts)  # order by start
    assert {r["entity_type"] for r in ok(report["steps"][14])} == {"Shot"}  # TypedContext: its subtypes' records


def test_strict_api_group_by_through_session_call(venv_python, sandbox):
    report = run(venv_python, sandbox, [
        {"call": [{"action": "query", "expression": "select count(id), sum(bid) from Task group by status_id"}]},
    ], session={"strict_api": True})
    (grouped,) = ok(report["steps"][0])
    counts = Counter(r.data["status_id"] for r in sandbox.store.records("Task"))
    assert {r["status_id"]: r["count_id"] for r in grouped["data"]} == dict(counts)
    assert sum(r["sum_bid"] or 0 for r in grouped["data"]) == sum(t.estimate * 60 for t in PROD.tasks)
