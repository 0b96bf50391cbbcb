"""Valid values a notebook has at hand are accepted, and mean what they say (issue 10, item 14).

Each filter built from numpy, pandas or datetime values is checked against a
reference computed straight from the sandbox's store, never against another
call of the code under test.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import orjson
import pandas as pd
import pytest

from tests.shotgrid.conftest import live_records


def _ids(df: pd.DataFrame) -> list[int]:
    return sorted(int(i) for i in df["id"])


def _ref(sb, entity, keep) -> list[int]:
    return sorted(r["id"] for r in live_records(sb, entity) if keep(r))


def _utc(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_numpy_ints_and_floats(site, sb):
    cut = np.int64(1010)
    assert _ids(site.find("Shot", [["sg_cut_in", "greater_than", cut]])) == \
        _ref(sb, "Shot", lambda r: r["sg_cut_in"] is not None and r["sg_cut_in"] > 1010)
    budget = np.float64(10_000_000.5)
    assert _ids(site.find("Project", [["sg_budget", "less_than", budget]], include_archived_projects=True)) == \
        sorted(r["id"] for r in sb.store.records["Project"].values()
               if r["sg_budget"] is not None and r["sg_budget"] < 10_000_000.5)
    # an integral float for a number field is that number (ids out of a float column)
    assert _ids(site.find("Shot", [["id", "is", np.float64(3.0)]])) == [3]


def test_limit_accepts_numpy_integers(site):
    assert len(site.find("Task", fields=["content"], limit=np.int64(5))) == 5
    assert len(site.find("Task", fields=["content"], limit=np.int32(0))) == 0


def _middle_created(sb) -> datetime:
    stamps = sorted(_utc(r["created_at"]) for r in live_records(sb, "Shot"))
    return stamps[len(stamps) // 2].replace(minute=0, second=0)


@pytest.mark.parametrize("make", [
    lambda t: pd.Timestamp(t.replace(tzinfo=None)),                         # naive: UTC
    lambda t: pd.Timestamp(t).tz_convert("Europe/Paris"),                   # aware, same instant
    lambda t: np.datetime64(t.replace(tzinfo=None)),
    lambda t: t,                                                            # datetime, UTC
    lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"),
], ids=["naive-timestamp", "aware-timestamp", "datetime64", "datetime", "iso-text"])
def test_date_time_values(site, sb, make):
    cutoff = _middle_created(sb)
    got = _ids(site.find("Shot", [["created_at", "greater_than", make(cutoff)]]))
    assert got == _ref(sb, "Shot", lambda r: _utc(r["created_at"]) > cutoff)
    assert 0 < len(got) < len(live_records(sb, "Shot"))


def _busy_day(sb) -> date:
    days = pd.Series([r["due_date"] for r in live_records(sb, "Task") if r["due_date"]]).value_counts()
    return date.fromisoformat(days.index[0])


@pytest.mark.parametrize("make", [
    lambda d: d,
    lambda d: datetime(d.year, d.month, d.day, 17, 30),                    # a date-time for a date field: its date
    lambda d: pd.Timestamp(d.isoformat() + " 23:59").tz_localize("Europe/Paris"),
    lambda d: np.datetime64(d.isoformat()),
    lambda d: d.isoformat(),
], ids=["date", "datetime", "aware-timestamp", "datetime64", "iso-text"])
def test_date_values(site, sb, make):
    day = _busy_day(sb)
    got = _ids(site.find("Task", [["due_date", "is", make(day)]]))
    assert got == _ref(sb, "Task", lambda r: r["due_date"] == day.isoformat())
    assert got


def test_date_range_with_dates(site, sb):
    got = _ids(site.find("Task", [["due_date", "between", (date(2026, 3, 1), pd.Timestamp("2026-03-15"))]]))
    assert got == _ref(sb, "Task", lambda r: r["due_date"] is not None
                       and "2026-03-01" <= r["due_date"] <= "2026-03-15")
    assert got


@pytest.mark.parametrize("make", [
    lambda ids: np.array(ids),
    lambda ids: pd.Series(ids, dtype="Int64"),
    lambda ids: pd.Index(ids),
    lambda ids: pd.array(ids, dtype="Int64"),
    lambda ids: tuple(np.int64(i) for i in ids),
])
def test_list_likes_for_in(site, sb, make):
    ids = [2, 3, 5, 8, 13]
    assert _ids(site.find("Shot", [["id", "in", make(ids)]])) == _ref(sb, "Shot", lambda r: r["id"] in ids)


def test_status_values_from_a_series(site, sb):
    wanted = pd.Series(["ip", "rev"], dtype="category")
    assert _ids(site.find("Task", [["sg_status_list", "in", wanted]])) == \
        _ref(sb, "Task", lambda r: r["sg_status_list"] in ("ip", "rev"))


def test_missing_values_in_lists_mean_empty(site, sb):
    got = _ids(site.find("Task", [["sg_description", "in", ["no such text", pd.NA]]]))
    assert got == _ref(sb, "Task", lambda r: r["sg_description"] is None)
    # in a float Series, NaN is pandas' missing value: None, which no id equals
    assert _ids(site.find("Shot", [["id", "in", pd.Series([4.0, np.nan])]])) == [4]
    nullable = pd.Series([1001, None], dtype="Int64")
    assert _ids(site.find("Shot", [["sg_cut_in", "in", nullable]])) == \
        _ref(sb, "Shot", lambda r: r["sg_cut_in"] in (1001, None))


def test_ids_from_our_own_frames(site, sb):
    shots = site.find("Shot", [["sg_sequence.Sequence.code", "is", "SQ010"]], ["code"])
    shot_ids = set(shots["id"])
    assert shot_ids
    want = _ref(sb, "Task", lambda r: r["entity"] and r["entity"]["type"] == "Shot" and r["entity"]["id"] in shot_ids)
    assert want
    assert _ids(site.find("Task", [["entity", "in", shots[["id"]]]], ["content"])) == want   # type from provenance
    assert _ids(site.find("Task", [["entity", "in", shots]], ["content"])) == want
    assert _ids(site.find("Task", [["entity", "in", shots["id"]]], ["content"])) == want     # a frame's id column
    assert _ids(site.find("Shot", [["id", "in", shots["id"]]])) == sorted(shot_ids)
    assert _ids(site.find("Shot", [["id", "in", shots[["id"]]]])) == sorted(shot_ids)
    typed = pd.DataFrame({"id": list(shots["id"]), "type": "Shot"})
    assert _ids(site.find("Task", [["entity", "in", typed]], ["content"])) == want


def test_links_from_link_columns_and_rows(site, sb):
    tasks = site.find("Task", [["entity", "type_is", "Shot"]], ["entity"], limit=20)
    shots = {(str(t), int(i)) for t, i in zip(tasks["entity.type"], tasks["entity.id"])}
    got = _ids(site.find("Version", [["entity", "in", tasks[["entity.id", "entity.type"]]]], ["code"]))
    assert got == _ref(sb, "Version", lambda r: r["entity"] and (r["entity"]["type"], r["entity"]["id"]) in shots)
    shot = site.find("Shot", fields=["code"], limit=1).iloc[0]  # a row of a frame: a link
    assert _ids(site.find("Task", [["entity", "is", shot]], ["content"])) == \
        _ref(sb, "Task", lambda r: r["entity"] == {"type": "Shot", "id": int(shot["id"])})
    # a link dict with numpy values and extra keys
    link = {"type": "Shot", "id": np.int64(shot["id"]), "name": shot["code"]}
    assert _ids(site.find("Task", [["entity", "is", link]], ["content"])) == \
        _ref(sb, "Task", lambda r: r["entity"] == {"type": "Shot", "id": int(shot["id"])})


def test_filters_through_multi_entity_links_still_work(site, sb):
    login = sb.store.records["HumanUser"][7]["login"]
    got = _ids(site.find("Task", [["task_assignees.HumanUser.login", "is", login]], ["content"]))
    assert got == _ref(sb, "Task", lambda r: {"type": "HumanUser", "id": 7} in r["task_assignees"])


def test_relative_dates_and_shotgun_api3_forms(site, sb):
    a = site.find("Task", [["due_date", "in_next", [np.int64(2), "week"]]], ["content"])
    b = site.find("Task", [["due_date", "in_next", 2, "WEEK"]], ["content"])
    assert _ids(a) == _ids(b)
    any_of = {"filter_operator": "any", "filters": [["sg_status_list", "is", "ip"], ["sg_status_list", "is", "rev"]]}
    assert _ids(site.find("Task", any_of, ["content"])) == \
        _ref(sb, "Task", lambda r: r["sg_status_list"] in ("ip", "rev"))
    by_dict = site.find("Shot", fields=["code"], order=[{"field_name": "code", "direction": "desc"}], limit=5)
    codes = sorted((r["code"] for r in live_records(sb, "Shot")), key=str.lower, reverse=True)
    assert list(by_dict["code"]) == codes[:5]


def test_provenance_of_numpy_filters_is_plain_json(site):
    df = site.find("Shot", [["id", "in", np.array([1, 2])], ["created_at", "greater_than", pd.Timestamp("2020-01-01")]],
                   ["code"])
    filters = orjson.loads(orjson.dumps(df.attrs["trackframes"]))["filters"]
    assert filters["conditions"] == [["id", "in", [1, 2]], ["created_at", "greater_than", "2020-01-01T00:00:00Z"]]
