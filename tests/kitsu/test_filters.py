"""Filters of every relation, on the real Zou, equal a plain evaluation over gazu's records.

What Zou can answer exactly is sent (``task_type_id=...``, ``priority=[...]``,
``assignees=<id>``); the rest is applied by the local engine to the fetched rows.
Either way the ids ``site.find`` returns must be those the independent evaluator
of ``tests/kitsu/localeval.py`` picks from gazu's records of the same data. Most
results hold more than Zou's page of 100 records.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import gazu
import pytest

import trackframes as tf
from trackframes.schema import FieldKind
from tests.kitsu.conftest import Zou
from tests.kitsu.helpers import Recorder, connect, gazu_names, typed
from tests.kitsu.localeval import matches

TODAY = date(2026, 2, 16)  # a Monday inside the seeded schedule: relative dates find records


@pytest.fixture(scope="module")
def gz(zou: Zou) -> Any:
    return zou.client()


@pytest.fixture(scope="module")
def site(zou: Zou) -> tf.Site:
    site = connect(zou)
    site.today = TODAY
    return site


@pytest.fixture(scope="module")
def records(zou: Zou, gz: Any) -> dict[str, list[dict[str, Any]]]:
    main = zou.main["id"]
    return {
        "Task": gazu.task.all_tasks_for_project(main, client=gz),
        "Shot": gazu.shot.all_shots_for_project(main, client=gz),
        "Person": gazu.client.fetch_all("persons", {"relations": "true"}, client=gz),
        "TimeSpent": gazu.client.fetch_all(f"projects/{main}/time-spents", client=gz),
    }


@pytest.fixture(scope="module")
def statuses(gz: Any) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in gazu.task.all_task_statuses(client=gz)}


@pytest.fixture(scope="module")
def names(zou: Zou, gz: Any) -> dict[str, tuple[str, str | None]]:
    return gazu_names(zou, gz)


def _link(zou: Zou, kind: str, key: str) -> dict[str, str]:
    seed = zou.seed
    ids = {"TaskType": seed["task_types"], "Person": {k: v["id"] for k, v in seed["people"].items()},
           "Department": seed["departments"], "Project": {"main": zou.main["id"]},
           "Shot": {"first": zou.main["shots"][0]}, "Sequence": {"first": zou.main["sequences"][0]}}
    return {"type": kind, "id": ids[kind][key]}


# (entity, field, relation, value); a value ("TaskType", "Animation") is a seeded link
CASES: list[tuple[str, str, str, Any]] = [
    ("Task", "priority", "is", 1), ("Task", "priority", "is_not", 0), ("Task", "priority", "less_than", 2),
    ("Task", "priority", "greater_than", 0), ("Task", "priority", "between", [1, 2]),
    ("Task", "priority", "not_between", [1, 2]), ("Task", "priority", "in", [0, 3]),
    ("Task", "priority", "not_in", [0, 3]),
    ("Task", "estimation", "is", 4800), ("Task", "estimation", "in", [0, 960.0]), ("Task", "estimation", "is", None),
    ("Task", "difficulty", "greater_than", 3),
    ("Task", "task_type", "is", ("TaskType", "Animation")), ("Task", "task_type", "is_not", ("TaskType", "Animation")),
    ("Task", "task_type", "in", [("TaskType", "Layout"), ("TaskType", "Lighting")]),
    ("Task", "task_type", "not_in", [("TaskType", "Layout")]), ("Task", "task_type", "name_contains", "ing"),
    ("Task", "task_type", "name_not_contains", "ing"), ("Task", "task_type", "name_starts_with", "Comp"),
    ("Task", "task_type", "name_ends_with", "ATION"), ("Task", "task_type", "name_is", "rigging"),
    ("Task", "task_type", "type_is", "TaskType"),
    ("Task", "entity", "type_is", "Asset"), ("Task", "entity", "type_is_not", "Shot"),
    ("Task", "entity", "is", ("Shot", "first")), ("Task", "entity", "name_starts_with", "sh00"),
    ("Task", "assignees", "is", ("Person", "Bruno")), ("Task", "assignees", "contains", ("Person", "Gina")),
    ("Task", "assignees", "not_contains", ("Person", "Gina")), ("Task", "assignees", "is", None),
    ("Task", "assignees", "is_not", None), ("Task", "assignees", "in", [("Person", "Ada"), ("Person", "Esther")]),
    ("Task", "assignees", "name_contains", "lef"), ("Task", "assigner", "is", None),
    ("Task", "description", "is", "Client note."), ("Task", "description", "is", "client NOTE."),
    ("Task", "description", "contains", "first"), ("Task", "description", "not_contains", "first"),
    ("Task", "description", "starts_with", "match"), ("Task", "description", "ends_with", "shot."),
    ("Task", "description", "is", None), ("Task", "description", "in", ["Blocking first.", None]),
    ("Task", "name", "is", "MAIN"), ("Task", "project", "is", ("Project", "main")),
    ("Task", "start_date", "is", "2026-01-19"), ("Task", "start_date", "less_than", "2026-02-01"),
    ("Task", "start_date", "greater_than", "2026-03-01"),
    ("Task", "start_date", "between", ["2026-01-10", "2026-01-20"]),
    ("Task", "start_date", "in_last", [2, "WEEK"]), ("Task", "start_date", "not_in_last", [2, "WEEK"]),
    ("Task", "start_date", "in_next", [1, "MONTH"]), ("Task", "start_date", "not_in_next", [1, "MONTH"]),
    ("Task", "start_date", "in_calendar_month", 0), ("Task", "start_date", "in_calendar_week", -1),
    ("Task", "start_date", "in_calendar_day", 1), ("Task", "start_date", "in_calendar_year", 0),
    ("Task", "due_date", "is", None),
    ("Task", "task_status.short_name", "is", "wip"), ("Task", "task_status.short_name", "in", ["done", "wfa"]),
    ("Task", "data.render_layers", "greater_than", 6), ("Task", "data.render_layers", "is", None),
    ("Shot", "data.tags", "is", "fx"), ("Shot", "data.tags", "name_contains", "WAT"), ("Shot", "data.tags", "is", None),
    ("Shot", "data.hero_shot", "is", True), ("Shot", "data.cut_status", "is", "omit"),
    ("Shot", "data.cut_status", "in", ["trim", "omit"]), ("Shot", "data.difficulty", "between", [2, 3]),
    ("Shot", "data.delivery", "less_than", "2026-03-01"), ("Shot", "nb_frames", "greater_than", 200),
    ("Shot", "status", "is", "RUNNING"), ("Shot", "canceled", "is", False),
    ("Shot", "parent", "is", ("Sequence", "first")), ("Shot", "name", "ends_with", "50"),
    ("Person", "role", "is", "supervisor"), ("Person", "role", "in", ["USER", "manager"]),
    ("Person", "active", "is", False), ("Person", "departments", "is", ("Department", "Animation")),
    ("Person", "first_name", "is", "ada"),
    ("TimeSpent", "date", "between", ["2026-01-10", "2026-01-31"]), ("TimeSpent", "duration", "greater_than", 240),
    ("TimeSpent", "person", "is", ("Person", "Bruno")),
]


def _value(zou: Zou, value: Any) -> Any:
    if isinstance(value, tuple):
        return _link(zou, *value)
    if isinstance(value, list):
        return [_value(zou, v) for v in value]
    return value


_KINDS = {FieldKind.ENTITY: "link", FieldKind.MULTI_ENTITY: "links", FieldKind.TAG_LIST: "tags"}


def _typed_field(site: tf.Site, entity: str, field: str, record: dict[str, Any], names: dict,
                 statuses: dict[str, dict]) -> tuple[Any, str]:
    """The field's typed value and its kind for the evaluator."""
    if field == "task_status.short_name":
        return statuses[record["task_status_id"]]["short_name"], ""
    spec = site.backend.resolve_fields(entity, [field])[-1]
    return typed(spec, record, names), _KINDS.get(spec.kind, "")


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{c[0]}-{c[1]}-{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_filter_equals_local_evaluation(site: tf.Site, zou: Zou, records: dict, names: dict, statuses: dict,
                                        index: int) -> None:
    entity, field, op, value = CASES[index]
    value = _value(zou, value)
    want = set()
    for record in records[entity]:
        typed_value, kind = _typed_field(site, entity, field, record, names, statuses)
        if matches(typed_value, op, value, kind=kind, today=TODAY):
            want.add(record["id"])
    project = None if entity == "Person" else zou.main["id"]
    got = site.find(entity, [[field, op, value]], ["id"], project=project)["id"]
    assert len(got) == len(set(got))
    assert set(got) == want
    if index % 4 == 0:  # counts too, for a quarter of the cases
        assert site.count(entity, [[field, op, value]], project=project) == len(want)


def test_most_cases_select_some_records_but_not_all(site: tf.Site, zou: Zou, records: dict, names: dict,
                                                    statuses: dict) -> None:
    """The cases above discriminate: most select a proper, non-empty part, many of more than a page."""
    sizes = []
    for entity, field, op, value in CASES:
        value = _value(zou, value)
        hits = 0
        for record in records[entity]:
            typed_value, kind = _typed_field(site, entity, field, record, names, statuses)
            hits += matches(typed_value, op, value, kind=kind, today=TODAY)
        sizes.append((hits, len(records[entity])))
    proper = [n for n, total in sizes if 0 < n < total]
    assert len(proper) >= 0.85 * len(CASES)
    assert sum(n > 100 for n, _ in sizes) >= 20


def test_exact_conditions_are_sent_and_others_are_not(zou: Zou) -> None:
    recorder = Recorder()
    site = connect(zou, recorder=recorder)
    animation = _link(zou, "TaskType", "Animation")
    filters = [["task_type", "is", animation], ["priority", "in", [1, 2]], ["description", "contains", "first"],
               ["assignees", "is", _link(zou, "Person", "Bruno")], ["name", "is", "main"]]
    site.find("Task", filters, ["name"], project=zou.main["id"])
    reads = [s for s in recorder.sent if s.path == "/api/data/tasks"]
    assert len(reads) == 1
    params = reads[0].params
    assert params["task_type_id"] == [animation["id"]] and params["priority"] == ["[1,2]"]
    assert params["assignees"] == [_link(zou, "Person", "Bruno")["id"]]
    assert params["project_id"] == [f'["{zou.main["id"]}"]']
    assert params["name"] == ["main"]  # narrows (Zou's ILIKE); the engine still checks it exactly
    assert "description" not in params


def test_or_groups_and_a_second_condition_on_a_column_are_checked_per_record(site: tf.Site, zou: Zou,
                                                                             records: dict) -> None:
    layout, lighting = _link(zou, "TaskType", "Layout"), _link(zou, "TaskType", "Lighting")
    filters = [{"filter_operator": "any", "filters": [["task_type", "is", layout], ["priority", "is", 3]]},
               ["priority", "in", [0, 3]], ["priority", "is", 3], ["task_type", "is_not", lighting]]
    got = set(site.find("Task", filters, ["id"], project=zou.main["id"])["id"])
    want = {t["id"] for t in records["Task"]
            if (t["task_type_id"] == layout["id"] or t["priority"] == 3) and t["priority"] == 3
            and t["task_type_id"] != lighting["id"]}
    assert got == want and want


def test_a_long_in_list_is_sent_in_parts(zou: Zou, records: dict) -> None:
    recorder = Recorder()
    site = connect(zou, recorder=recorder)
    ids = sorted(t["id"] for t in records["Task"])[:250]
    got = site.find("Task", [["id", "in", ids]], ["name"], include_archived_projects=True)
    assert sorted(got["id"]) == ids
    reads = [s for s in recorder.sent if s.path == "/api/data/tasks"]
    assert len(reads) >= 3  # Zou's gunicorn refuses request lines over 4094 bytes: 250 ids need parts
    assert all(len(s.params["id"][0]) < 3100 for s in reads)


def test_count_is_zous_own_when_it_answers_the_whole_filter(zou: Zou, records: dict) -> None:
    recorder = Recorder()
    site = connect(zou, recorder=recorder)
    site.field_specs("Task")
    recorder.clear()
    wanted = sum(1 for t in records["Task"] if t["priority"] == 1)
    assert site.count("Task", [["priority", "is", 1]], project=zou.main["id"]) == wanted
    reads = [s for s in recorder.sent if s.path == "/api/data/tasks"]
    assert reads and all(s.params.get("limit") == ["1"] for s in reads)  # counted by Zou, no rows read
    recorder.clear()
    assert site.count("Task", [["description", "contains", "first"]], project=zou.main["id"]) == sum(
        1 for t in records["Task"] if "first" in (t["description"] or "").lower())  # counted here
