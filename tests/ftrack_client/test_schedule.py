"""The schedule fields: seconds to minutes, days, sequences, assignees, logged time, durations; work-day rules."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest

from trackframes.engine import mask
from trackframes.sandbox.ftrack import FtrackServer

from ..sandbox_ftrack.production import API_KEY, API_USER, APPOINTMENTS, TASKS, TIMELOGS, at, uid
from .bulk import calendar_store
from .conftest import connect
from .helpers import ids, nested, shaped


@pytest.fixture(scope="module")
def site():
    with FtrackServer(calendar_store(), api_user=API_USER, api_key=API_KEY) as running:
        yield connect(running)


def rows_by_id(site, entity, fields):
    table, _ = nested(site, entity, fields)
    return {r["id"]: r for r in table.to_pylist()}


# the calendar written out by hand (bulk.EVENTS): copper works Saturday 11 May, is off on Wednesday 8 May
COPPER_OFF = {date(2024, 5, 1), date(2024, 5, 8)}
COPPER_EXTRA = {date(2024, 5, 11)}


def copper_days(first: date, last: date) -> int:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return sum(1 for d in days if (d.weekday() < 5 and d not in COPPER_OFF) or d in COPPER_EXTRA)


def test_task_fields_in_canonical_units(site):
    fields = ["bid_minutes", "start_day", "end_day", "sequence", "assignees", "logged_minutes", "duration_minutes"]
    rows = rows_by_id(site, "Task", fields)
    logged = defaultdict(float)
    for _, _, task, _, seconds, _ in TIMELOGS:
        logged[task] += seconds
    people = defaultdict(list)
    for user, task, kind in APPOINTMENTS:
        if kind == "assignment":
            people[task].append(user)
    for key, name, parent, status, kind, priority, bid, start, end in TASKS:
        row = rows[uid("task", key)]
        assert row["bid_minutes"] == (None if bid is None else round(bid / 60))
        assert (row["start_day"], row["end_day"]) == (date(2024, 5, start), date(2024, 5, end))
        expected_sequence = {"sh010": "sq010", "sh020": "sq010", "sh030": "sq020", "sh100": "sq100"}.get(
            parent.split(":")[1])
        assert (row["sequence"] or {}).get("name") == expected_sequence
        assert sorted(a["name"] for a in row["assignees"]) == sorted(people[key])
        assert all(a["type"] == "User" for a in row["assignees"])
        assert row["logged_minutes"] == round(logged[key] / 60)
        if not key.startswith("sh100"):  # nickel has no events: Monday to Friday
            assert row["duration_minutes"] == 480 * copper_days(date(2024, 5, start), date(2024, 5, end))


def test_the_durations_see_the_calendar(site):
    rows = rows_by_id(site, "Task", ["duration_minutes"])
    # sh010/anim: Mon 6 to Fri 10 May, with the copper offsite on Wednesday: four days
    assert rows[uid("task", "sh010/anim")]["duration_minutes"] == 4 * 480
    # sh030/comp: 16 to 24 May; no events: seven weekdays
    assert rows[uid("task", "sh030/comp")]["duration_minutes"] == 7 * 480


def test_timelog_fields(site):
    rows = rows_by_id(site, "Timelog", ["start_day", "duration_minutes", "project", "user", "context"])
    for key, user, task, start, seconds, _ in TIMELOGS:
        row = rows[uid("timelog", key)]
        assert (row["start_day"], row["duration_minutes"]) == (start.date(), round(seconds / 60))
        project = "nickel" if task.startswith("sh100") else "copper"
        assert row["project"] == {"id": uid("project", project), "type": "Project", "name": project}
        assert row["user"]["name"] == user and row["context"]["id"] == uid("task", task)


@pytest.mark.parametrize("filters", [
    [["start_day", "greater_than", "2024-05-06"]],
    [["start_day", "less_than", date(2024, 5, 9)]],
    [["start_day", "is", "2024-05-07"]],
    [["start_day", "between", ["2024-05-07", "2024-05-13"]]],
    [["project", "is", {"type": "Project", "id": uid("project", "copper")}], ["start_day", "less_than", "2024-05-13"]],
    [["duration_minutes", "greater_than", 60]],
    [["start_day", "is_not", "2024-05-07"]],
])
def test_filters_on_computed_fields_equal_the_engine(site, filters):
    backend = site.backend
    fields = ["start_day", "duration_minutes", "project"]
    table, specs = nested(site, "Timelog", fields)
    table = shaped(table, specs)
    expected = table.filter(mask(table, filters, specs)).column("id").to_pylist()
    pushed, residual = backend.split_filters("Timelog", backend.check_filters("Timelog", filters).tree)
    if residual.items:  # the engine's part: pushed is what the server filters
        got = set(ids(site, "Timelog", pushed))
        assert set(expected) <= got
    else:
        assert ids(site, "Timelog", filters) == expected
    assert 0 < len(expected) < table.num_rows


def test_schedule_fields_read_done_and_hold_statuses_from_their_states(site):
    fields = site.backend.schedule_fields()
    assert fields.done_statuses == {"Approved"} and fields.hold_statuses == {"On hold"}
    assert fields.task_fields["estimate_minutes"] == "bid_minutes"


def test_work_day_rules_from_the_calendar(site):
    backend = site.backend
    copper, omar = uid("project", "copper"), uid("user", "omar")
    rules = {r["date"]: r for r in backend.work_day_rules(date(2024, 5, 1), date(2024, 5, 15), project_id=copper,
                                                          user_id=omar)}
    assert rules["2024-05-01"] == {"date": "2024-05-01", "working": False, "description": "Labour Day",
                                   "reason": "STUDIO_EXCEPTION"}
    assert rules["2024-05-08"]["working"] is False and rules["2024-05-08"]["reason"] == "PROJECT_EXCEPTION"
    assert rules["2024-05-11"]["working"] is True and rules["2024-05-12"]["working"] is False
    assert [rules[f"2024-05-{d}"]["working"] for d in (13, 14, 15)] == [False, False, False]
    assert rules["2024-05-14"]["reason"] == "USER_EXCEPTION"
    studio = {r["date"]: r["working"] for r in backend.work_day_rules(date(2024, 5, 8), date(2024, 5, 14))}
    assert studio == {"2024-05-08": True, "2024-05-09": True, "2024-05-10": True, "2024-05-11": False,
                      "2024-05-12": False, "2024-05-13": True, "2024-05-14": True}
