"""site.tasks(), site.timelogs() and site.work_day_rules() against the sandbox store."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

import trackframes as tf
from trackframes.schedule import Calendar, tasks_frame
from tests.schedule.conftest import DONE, TODAY, day, days, live

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schedules.md"


def doc_table(title: str) -> dict[str, str]:
    """column → dtype from the table under a '## <title>' heading of docs/schedules.md."""
    text = DOCS.read_text()
    section = text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", section, flags=re.M)
    return dict(rows)


def na(value):
    return None if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)) else value


def test_tasks_columns_follow_the_documented_contract(tasks):
    documented = doc_table("The tasks frame")
    assert documented, "docs/schedules.md has the tasks table"
    assert list(tasks.columns) == list(documented)
    assert {c: str(t) for c, t in tasks.dtypes.items()} == documented


def test_timelogs_columns_follow_the_documented_contract(site):
    logs = site.timelogs(start=TODAY - timedelta(days=10), end=TODAY)
    documented = doc_table("The time-log frame")
    assert list(logs.columns) == list(documented)
    assert {c: str(t) for c, t in logs.dtypes.items()} == documented


def test_work_day_rules_columns_follow_the_documented_contract(site):
    rules = site.work_day_rules(TODAY, TODAY + timedelta(days=3))
    documented = doc_table("Work-day rules")
    assert {c: str(t) for c, t in rules.dtypes.items()} == documented


def test_tasks_match_the_store(sb, tasks):
    store = sb.store
    expected = live(sb, "Task")
    assert tasks["id"].tolist() == [t["id"] for t in expected]
    for row, rec in zip(tasks.to_dict("records"), expected):
        ent = rec["entity"]
        assert row["name"] == rec["content"]
        assert (row["entity.id"], row["entity.type"], row["entity.name"]) == (
            ent["id"], ent["type"], store.display_name(ent["type"], ent["id"]))
        seq = store.records["Shot"][ent["id"]]["sg_sequence"] if ent["type"] == "Shot" else None
        assert na(row["sequence.id"]) == (seq and seq["id"])
        assert na(row["sequence.name"]) == (seq and store.display_name("Sequence", seq["id"]))
        assert (row["step.id"], row["step.name"]) == (rec["step"]["id"], store.display_name("Step", rec["step"]["id"]))
        assert row["status"] == rec["sg_status_list"]
        assert row["done"] == (rec["sg_status_list"] in DONE)
        assert [(a["type"], a["id"], a["name"]) for a in row["assignees"]] == [
            (a["type"], a["id"], store.display_name(a["type"], a["id"])) for a in rec["task_assignees"]]
        assert na(row["start_date"]) == (rec["start_date"] and pd.Timestamp(rec["start_date"]))
        assert na(row["due_date"]) == (rec["due_date"] and pd.Timestamp(rec["due_date"]))
        assert na(row["duration_minutes"]) == rec["duration"]
        assert na(row["estimate_minutes"]) == rec["est_in_mins"]
        assert na(row["logged_minutes"]) == rec["time_logs_sum"]
        assert (row["project.id"], row["project.name"]) == (
            rec["project"]["id"], store.display_name("Project", rec["project"]["id"]))


def test_tasks_of_one_project_given_every_way(site, sb):
    project = live(sb, "Project")[0]
    want = [t["id"] for t in live(sb, "Task") if t["project"]["id"] == project["id"]]
    for given in (project["id"], project["name"], {"type": "Project", "id": project["id"]},
                  pd.Series({"id": project["id"], "name": project["name"]})):
        df = site.tasks(project=given)
        assert df["id"].tolist() == want
        assert df.attrs["trackframes"]["project"] == project["id"]
    with pytest.raises(ValueError, match="Did you mean"):
        site.tasks(project=project["name"] + "x")
    with pytest.raises(ValueError, match="Expected a Project"):
        site.tasks(project={"type": "Shot", "id": 1})


def test_task_filters_combine_with_the_project(site, sb):
    project = live(sb, "Project")[0]
    want = [t["id"] for t in live(sb, "Task")
            if t["project"]["id"] == project["id"] and t["sg_status_list"] == "ip"]
    assert want
    df = site.tasks(project=project["id"], filters=[["sg_status_list", "is", "ip"]])
    assert df["id"].tolist() == want
    hashed = site.tasks(project=project["id"], filters={"logical_operator": "or", "conditions": [
        ["sg_status_list", "is", "ip"], ["sg_status_list", "is", "ip"]]})
    assert hashed["id"].tolist() == want
    with pytest.raises(tf.SchemaError):  # checked like find() checks filters
        site.tasks(filters=["sg_status_list", "is", "ip"])


def test_tasks_carry_the_work_day_calendar(sb, tasks):
    cal = Calendar.from_frame(tasks)
    assert cal is not None
    lo, hi = tasks["start_date"].min().date(), tasks["due_date"].max().date()
    assert cal.start <= lo and cal.end >= hi
    for d in days(cal.start, cal.end):
        assert cal.is_working(d) == sb.store.calendar.rule(d)["working"], d


def test_timelogs_match_the_store(site, sb):
    project = live(sb, "Project")[0]
    lo, hi = TODAY - timedelta(days=40), TODAY - timedelta(days=5)
    want = [r for r in live(sb, "TimeLog") if r["project"]["id"] == project["id"] and lo <= day(r["date"]) <= hi]
    assert want
    df = site.timelogs(project=project["name"], start=lo, end=hi.isoformat())
    assert df["id"].tolist() == [r["id"] for r in want]
    store = sb.store
    for row, rec in zip(df.to_dict("records"), want):
        assert row["date"] == pd.Timestamp(rec["date"])
        assert row["minutes"] == rec["duration"]
        assert (row["user.id"], row["user.name"]) == (rec["user"]["id"], store.display_name("HumanUser",
                                                                                             rec["user"]["id"]))
        assert (row["task.id"], row["task.name"]) == (rec["entity"]["id"], store.display_name("Task",
                                                                                               rec["entity"]["id"]))
        assert row["project.id"] == project["id"]
        assert na(row["description"]) == rec["description"]
    everything = site.timelogs()
    assert len(everything) == len(live(sb, "TimeLog"))


def test_work_day_rules_match_the_store_per_project_and_user(site, sb):
    project = live(sb, "Project")[0]
    user = sb.store.records["HumanUser"][min(sb.store.calendar.user_exceptions)]
    lo, hi = date(2025, 1, 1), date(2026, 2, 15)  # more than a year: several requests
    for kwargs, pid, uid in (({}, None, None), ({"project": project["id"]}, project["id"], None),
                             ({"user": user["login"]}, None, user["id"]),
                             ({"project": project["name"], "user": user["id"]}, project["id"], user["id"])):
        df = site.work_day_rules(lo, hi, **kwargs)
        assert len(df) == (hi - lo).days + 1
        for row in df.itertuples(index=False):
            rule = sb.store.calendar.rule(row.date.date(), pid, uid)
            assert row.working == rule["working"]
            assert na(row.description) == rule["description"]
            assert row.reason == rule["reason"]
    with pytest.raises(ValueError):
        site.work_day_rules(hi, lo)


def test_calendar_from_rules_frame(site, sb):
    rules = site.work_day_rules("2025-12-01", "2026-01-31")
    cal = Calendar.from_rules(rules)
    for d in days(date(2025, 11, 20), date(2026, 2, 10)):  # outside the rules: Monday to Friday
        inside = date(2025, 12, 1) <= d <= date(2026, 1, 31)
        want = sb.store.calendar.rule(d)["working"] if inside else d.weekday() < 5
        assert cal.is_working(d) == want, d


def test_schedule_frames_need_a_backend_that_has_them(site):
    class Bare:
        name = "bare"

    class FakeSite:
        backend = Bare()
        url = "http://127.0.0.1:1"

    with pytest.raises(NotImplementedError):
        tasks_frame(FakeSite())


class OddSite:
    """The sandbox backend, told that tasks keep their sequence and logged time in fields the site lacks."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def schedule_fields(self):
        import dataclasses

        fields = self.inner.schedule_fields()
        return dataclasses.replace(fields, task_fields={**fields.task_fields, "sequence": "entity.Shot.sg_sequel",
                                                        "logged_minutes": "time_logged"})


def test_fields_the_site_lacks_leave_typed_null_columns(site, tasks):
    odd = tf.Site(OddSite(site.backend), url=site.url, progress=False)
    df = odd.tasks()
    assert df.attrs["trackframes"]["missing"] == ["sequence", "logged_minutes"]
    assert df["sequence.id"].isna().all() and df["sequence.name"].isna().all() and df["logged_minutes"].isna().all()
    assert {c: str(t) for c, t in df.dtypes.items()} == {c: str(t) for c, t in tasks.dtypes.items()}
    assert df["name"].tolist() == tasks["name"].tolist()
