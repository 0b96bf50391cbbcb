"""Accounts that may not list everything: an artist reads through the routes Zou opens to project members.

Zou keeps its lists of day-offs, schedule items, milestones, time spents and comments
for admins; the backend asks once, and when refused reads each project's list instead.
An artist of the main project must then see what an admin sees of that project.
"""

from __future__ import annotations

import pytest

import trackframes as tf
from tests.kitsu.conftest import Zou
from tests.kitsu.helpers import Recorder, connect


@pytest.fixture(scope="module")
def admin(zou: Zou) -> tf.Site:
    return connect(zou)


@pytest.fixture(scope="module")
def artist(zou: Zou) -> tuple[tf.Site, Recorder]:
    recorder = Recorder()
    chloe = zou.person("Chloe")
    return connect(zou, tf.UserPassword(chloe["email"], chloe["password"]), recorder=recorder), recorder


@pytest.mark.parametrize("entity", ["ScheduleItem", "Milestone", "TimeSpent", "Comment", "Task", "Shot"])
def test_an_artist_sees_what_an_admin_sees_of_her_project(zou: Zou, admin: tf.Site, artist: tuple, entity: str) -> None:
    site, _ = artist
    fields = ["name"] if entity in ("Milestone", "Task", "Shot") else ["project"]
    mine = site.find(entity, fields=fields, project=zou.main["id"])
    theirs = admin.find(entity, fields=fields, project=zou.main["id"])
    assert len(mine) == len(set(mine["id"])) and set(mine["id"]) == set(theirs["id"]) and len(mine)


def test_an_artist_reads_day_offs_once_each_through_her_projects(zou: Zou, admin: tf.Site, artist: tuple) -> None:
    site, recorder = artist
    recorder.clear()
    mine = site.find("DayOff", fields=["person", "date", "end_date", "description"])
    assert recorder.paths("/data/day-offs") == ["/api/data/day-offs"]  # asked once: refused
    assert any(p.endswith("/day-offs") and "/projects/" in p for p in recorder.paths())
    assert len(mine) == len(set(mine["id"]))  # a person in several projects: each day-off once
    theirs = admin.find("DayOff", fields=["person"])
    assert set(mine["id"]) == set(theirs["id"]) == set(zou.seed["day_offs"])
    again = site.find("DayOff", fields=["person"])
    assert recorder.paths("/data/day-offs").count("/api/data/day-offs") == 1  # the refusal is remembered
    assert set(again["id"]) == set(mine["id"])
