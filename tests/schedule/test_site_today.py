"""A site's own "today", archived projects in site.tasks()/timelogs(), and timelogs(user=...)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

import trackframes as tf
from trackframes import schedule
from tests.schedule.conftest import DONE, TODAY, archived, day, live


def late_reference(sb, as_of: date) -> set[int]:
    """Ids of the open tasks due before ``as_of``, read from the store."""
    return {t["id"] for t in live(sb, "Task")
            if t["sg_status_list"] not in DONE and t["due_date"] and day(t["due_date"]) < as_of}


# ---------------------------------------------------------------------------
# site.today
# ---------------------------------------------------------------------------

def test_the_sandbox_site_carries_the_generated_today(sb, site):
    assert sb.store.today == TODAY != date.today()
    assert site.today == TODAY


def test_frames_record_the_site_today(site, tasks):
    assert tasks.attrs["trackframes"]["today"] == TODAY.isoformat()
    logs = site.timelogs(start=TODAY - timedelta(days=7), end=TODAY)
    assert logs.attrs["trackframes"]["today"] == TODAY.isoformat()
    found = site.find("Shot", fields=["code"], limit=1)
    assert found.attrs["trackframes"]["today"] == TODAY.isoformat()


def test_schedule_helpers_use_the_site_today(sb, tasks):
    want = late_reference(sb, TODAY)
    real = late_reference(sb, date.today())
    assert want and want != real  # the sandbox's today and the real date give different answers
    status = schedule.schedule_status(tasks)
    assert set(status.loc[status["late"].astype(bool), "id"]) == want
    assert set(schedule.late_tasks(tasks)["id"]) == want
    assert schedule.lateness(tasks)["late"].sum() == sum(
        1 for t in live(sb, "Task") if t["id"] in want and t["entity"]["type"] == "Shot")
    # an explicit as_of still wins
    again = schedule.schedule_status(tasks, as_of=date.today())
    assert set(again.loc[again["late"].astype(bool), "id"]) == real


def test_schedule_report_uses_the_site_today(sb, site):
    report = schedule.schedule_report(site)
    assert report.as_of == TODAY
    assert report.horizon[0] == TODAY - timedelta(days=TODAY.weekday())
    want = late_reference(sb, TODAY)
    assert int(report.tasks["late"].sum()) == len(want)


def test_a_frame_without_provenance_uses_the_real_date(sb, tasks):
    bare = tasks.copy()
    bare.attrs = {}
    status = schedule.schedule_status(bare)
    assert set(status.loc[status["late"].astype(bool), "id"]) == late_reference(sb, date.today())


def test_today_can_be_given_to_connect_and_set():
    site = tf.connect("https://studio.example.com", auth=tf.ScriptKey("reports", "k3y"))
    assert site.today == date.today()
    site = tf.connect("https://studio.example.com", auth=tf.ScriptKey("reports", "k3y"), today="2025-05-05")
    assert site.today == date(2025, 5, 5)
    site.today = date(2024, 1, 2)
    assert site.today == date(2024, 1, 2)
    site.today = None
    assert site.today == date.today()
    with pytest.raises(TypeError, match="today must be a date"):
        site.today = 20240102


def test_the_gantt_chart_marks_the_frame_today(tasks):
    pytest.importorskip("matplotlib")
    import matplotlib.dates as mdates

    fig = tasks.tf.gantt(max_lanes=5)
    ax = fig.axes[0]
    marks = [ln for ln in ax.get_lines() if ln.get_xdata()[0] == mdates.date2num(TODAY)]
    assert len(marks) == 1


# ---------------------------------------------------------------------------
# archived projects
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gone(sb):
    pid = min(archived(sb))
    return sb.store.records["Project"][pid]


def test_an_archived_project_by_name_says_it_is_archived(site, gone):
    for call in (lambda: site.tasks(project=gone["name"]), lambda: site.timelogs(project=gone["name"]),
                 lambda: site.tasks(project=gone["id"]), lambda: site.timelogs(project=gone["id"])):
        with pytest.raises(ValueError, match="is archived") as info:
            call()
        assert "include_archived_projects=True" in str(info.value)


def test_archived_projects_are_included_when_asked(sb, site, gone):
    want = [t["id"] for t in sb.store.records["Task"].values() if t["project"]["id"] == gone["id"]]
    assert want
    df = site.tasks(project=gone["name"], include_archived_projects=True)
    assert df["id"].tolist() == sorted(want)
    assert set(df["project.name"]) == {gone["name"]}
    logs = [r["id"] for r in sb.store.records["TimeLog"].values() if r["project"]["id"] == gone["id"]]
    got = site.timelogs(project=gone["id"], include_archived_projects=True)
    assert got["id"].tolist() == sorted(logs) and logs
    everything = site.tasks(include_archived_projects=True)
    assert gone["id"] in set(everything["project.id"])
    assert gone["id"] not in set(site.tasks()["project.id"])


def test_a_misspelt_archived_project_is_suggested(site, gone):
    with pytest.raises(ValueError, match=f"Did you mean '{gone['name']}'"):
        site.tasks(project=gone["name"][:-1])


# ---------------------------------------------------------------------------
# timelogs(user=...)
# ---------------------------------------------------------------------------

def test_timelogs_of_one_person_given_every_way(sb, site):
    logs = live(sb, "TimeLog")
    uid = max({r["user"]["id"] for r in logs}, key=lambda u: (sum(r["user"]["id"] == u for r in logs), -u))
    person = sb.store.records["HumanUser"][uid]
    want = [r["id"] for r in logs if r["user"]["id"] == uid]
    for given in (uid, person["login"], person["name"], {"type": "HumanUser", "id": uid},
                  pd.Series({"id": uid, "name": person["name"]})):
        df = site.timelogs(user=given)
        assert df["id"].tolist() == want, given
        assert df.attrs["trackframes"]["user"] == uid
    lo = TODAY - timedelta(days=30)
    project = logs[0]["project"]["id"]
    window = site.timelogs(project=project, start=lo, end=TODAY, user=person["login"])
    assert window["id"].tolist() == [r["id"] for r in logs if r["user"]["id"] == uid
                                     and r["project"]["id"] == project and lo <= day(r["date"]) <= TODAY]
    with pytest.raises(ValueError, match="Did you mean"):
        site.timelogs(user=person["name"] + "x")
