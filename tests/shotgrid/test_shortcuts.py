"""Shortcuts producers expect (issue 9, item 18): projects(), people(), find(project=), search(), find(tz=).

References come from the sandbox's store, not from other calls of the code under test.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import requests

import trackframes as tf
from tests.shotgrid.conftest import TODAY, archived_projects, live_records
from trackframes.backends.shotgrid.search import DEFAULT_TYPES
from trackframes.transport import HandlerAdapter


def _ids(df: pd.DataFrame) -> list[int]:
    return sorted(int(i) for i in df["id"])


def _project(sb, name: str) -> dict:
    return next(r for r in sb.store.records["Project"].values() if r["name"] == name)


# -- projects() and people() ----------------------------------------------------------------------------

def test_projects_lists_active_projects_by_name(site, sb):
    df = site.projects()
    archived = archived_projects(sb)
    want = sorted((r for r in sb.store.records["Project"].values() if r["id"] not in archived),
                  key=lambda r: r["name"].lower())
    assert list(df["name"]) == [r["name"] for r in want]
    assert list(df["id"]) == [r["id"] for r in want]
    assert {"name", "sg_status", "start_date", "end_date", "archived"} <= set(df.columns)
    assert str(df["start_date"].dtype) == "datetime64[ms]" and str(df["archived"].dtype) == "boolean"
    assert not df["archived"].any()


def test_projects_can_include_archived_ones(site, sb):
    df = site.projects(include_archived_projects=True)
    assert _ids(df) == sorted(sb.store.records["Project"])
    archived = set(df.loc[df["archived"].astype(bool), "id"])
    assert archived == archived_projects(sb) and archived
    assert list(site.projects(fields=["name"]).columns) == ["id", "name"]


def test_people_lists_active_accounts_with_useful_columns():
    with tf.sandbox.serve(scale=0.02, seed=5, today=TODAY) as sb:
        users = sb.store.records["HumanUser"]
        gone = sorted(users)[1]
        with sb.store.lock:
            users[gone]["sg_status_list"] = "dis"
        with sb.connect(progress=False) as site:
            df = site.people()
            active = sorted((r for r in users.values() if r["sg_status_list"] == "act"),
                            key=lambda r: r["name"].lower())
            assert list(df["login"]) == [r["login"] for r in active]
            assert gone not in set(df["id"])
            assert list(df.columns[:5]) == ["id", "name", "login", "email", "sg_department"]
            assert str(df["login"].dtype) == "string"
            everyone = site.people(include_inactive=True)
            assert _ids(everyone) == sorted(users)


# -- find(project=...) -----------------------------------------------------------------------------------

@pytest.mark.parametrize("given", [
    lambda p: p["name"],
    lambda p: p["id"],
    lambda p: np.int64(p["id"]),
    lambda p: {"type": "Project", "id": p["id"]},
    lambda p: pd.Series({"id": p["id"], "name": p["name"]}),
], ids=["name", "id", "numpy-id", "link", "row"])
def test_find_with_project(site, sb, given):
    copper = _project(sb, "Copper Sky")
    df = site.find("Shot", fields=["code"], project=given(copper))
    want = sorted(r["id"] for r in live_records(sb, "Shot") if r["project"]["id"] == copper["id"])
    assert _ids(df) == want and want
    assert len(want) < len(live_records(sb, "Shot"))


def test_project_combines_with_filters_and_works_for_count_and_find_one(site, sb):
    copper = _project(sb, "Copper Sky")
    want = [r for r in live_records(sb, "Task") if r["project"]["id"] == copper["id"] and r["sg_status_list"] == "ip"]
    assert _ids(site.find("Task", [["sg_status_list", "is", "ip"]], ["content"], project="Copper Sky")) == \
        sorted(r["id"] for r in want)
    assert site.count("Task", [["sg_status_list", "is", "ip"]], project="Copper Sky") == len(want)
    row = site.find_one("Task", [["sg_status_list", "is", "ip"]], ["content"], project="Copper Sky")
    assert int(row["id"]) in {r["id"] for r in want}
    assert _ids(site.find("Project", project="Copper Sky")) == [copper["id"]]
    batches = list(site.iter_batches("Task", fields=["content"], project="Copper Sky"))
    assert sum(b.num_rows for b in batches) == sum(1 for r in live_records(sb, "Task")
                                                   if r["project"]["id"] == copper["id"])


def test_project_name_typos_get_suggestions(site):
    with pytest.raises(ValueError) as info:
        site.find("Shot", project="Coper Sky")
    assert "Coper Sky" in str(info.value) and "Did you mean 'Copper Sky'" in str(info.value)
    with pytest.raises(ValueError, match="no Project with id 999"):
        site.find("Shot", project=999)
    with pytest.raises(ValueError, match="not a link to a Shot"):
        site.find("Shot", project={"type": "Shot", "id": 1})


def test_archived_project_is_named_as_archived(site, sb):
    (starling,) = [r for r in sb.store.records["Project"].values() if r.get("archived")]
    with pytest.raises(ValueError) as info:
        site.find("Shot", project=starling["name"])
    message = str(info.value)
    assert "archived" in message and starling["name"] in message and "include_archived_projects=True" in message
    df = site.find("Shot", fields=["project"], project=starling["name"], include_archived_projects=True)
    want = [r["id"] for r in sb.store.records["Shot"].values() if r["project"]["id"] == starling["id"]]
    assert _ids(df) == sorted(want) and want


# -- search() --------------------------------------------------------------------------------------------

def _matches(sb, text: str, types) -> set[tuple[str, int]]:
    out = set()
    for entity in types:
        name_field = sb.store.entities[entity].name_field
        for r in live_records(sb, entity):
            value = r.get(name_field)
            if isinstance(value, str) and text.lower() in value.lower():
                out.add((entity, r["id"]))
    return out


def test_search_finds_records_by_name(site, sb):
    code = live_records(sb, "Shot")[0]["code"]
    hits = site.search(code.lower(), limit=None)
    assert {(str(t), int(i)) for t, i in zip(hits["type"], hits["id"])} == _matches(sb, code, DEFAULT_TYPES)
    shots = hits[hits["type"] == "Shot"]
    assert code in set(shots["name"])
    assert list(hits.columns[:3]) == ["type", "id", "name"]
    assert str(hits["type"].dtype) == "category" and str(hits["id"].dtype) == "Int64"
    assert str(hits["name"].dtype) == "string"
    assert hits.attrs["trackframes"]["kind"] == "search"


def test_search_follows_pages_and_stops_at_the_limit(site, sb):
    text = "_v00"   # in most version codes: hundreds of matches
    want = _matches(sb, text, ["Version"])
    assert len(want) > 150, "the reference must span several pages"
    everything = site.search(text, ["Version"], limit=None)
    assert {(str(t), int(i)) for t, i in zip(everything["type"], everything["id"])} == want
    assert len(everything) == len(want)
    assert len(site.search(text, ["Version"], limit=120)) == 120


def test_search_with_filters_per_type(site, sb):
    copper = _project(sb, "Copper Sky")
    link = {"type": "Project", "id": copper["id"]}
    hits = site.search("0", {"Shot": [["project", "is", link]], "Sequence": [["project", "is", link]]}, limit=None)
    want = {k for k in _matches(sb, "0", ["Shot", "Sequence"])
            if sb.store.records[k[0]][k[1]]["project"]["id"] == copper["id"]}
    assert {(str(t), int(i)) for t, i in zip(hits["type"], hits["id"])} == want and want


def test_search_refuses_a_body_that_is_not_a_page(sb):
    session = requests.Session()

    def handler(request):
        if request.url.endswith("/_text_search"):
            return 200, {"Content-Type": "application/json"}, b"null"
        answer = session.send(request)
        return answer.status_code, dict(answer.headers), answer.content

    with sb.connect(progress=False, transport_adapter=HandlerAdapter(handler)) as site:
        with pytest.raises(tf.TrackframesError) as info:
            site.search("SQ0")
    assert "Text search" in str(info.value) and "null" in str(info.value)


# -- find(tz=...) --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("tz", ["Europe/Paris", ZoneInfo("America/Los_Angeles"), "UTC"])
def test_tz_shows_timestamps_in_a_zone(site, sb, tz):
    fields = ["code", "created_at", "updated_at"]
    local = site.find("Shot", fields=fields, tz=tz)
    assert str(local["created_at"].dt.tz) == str(tz)
    for rec, stamp in zip(live_records(sb, "Shot"), local["created_at"]):
        assert stamp == pd.Timestamp(rec["created_at"])          # the same instant ...
        assert stamp.tzinfo is not None and str(stamp.tz) == str(tz)  # ... shown in the zone
    assert local.attrs["trackframes"]["tz"] == str(tz)


def test_tz_leaves_calendar_dates_alone(site, sb):
    tasks = site.find("Task", fields=["due_date", "updated_at"], tz="Asia/Tokyo", limit=50)
    assert str(tasks["due_date"].dtype) == "datetime64[ms]"
    for rec, due in zip(live_records(sb, "Task"), tasks["due_date"]):
        assert (None if pd.isna(due) else due.date()) == (rec["due_date"] and date.fromisoformat(rec["due_date"]))
    row = site.find_one("Task", fields=["updated_at"], tz="Asia/Tokyo")
    assert str(row["updated_at"].tz) == "Asia/Tokyo"
