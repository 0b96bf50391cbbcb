"""GET /schedule/work_day_rules of the ShotGrid sandbox against the store's work calendar."""

from __future__ import annotations

from datetime import date, timedelta

from .conftest import TODAY, assert_error


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def test_studio_rules_weekends_and_holidays(sg_http):
    cal = sg_http.sb.store.calendar
    start, end = date(TODAY.year - 1, 12, 1), date(TODAY.year, 1, 31)
    resp = sg_http.get("/schedule/work_day_rules", params={"start_date": start.isoformat(),
                                                           "end_date": end.isoformat()})
    assert resp.status_code == 200
    body = resp.json()
    assert body["links"]["self"] == (f"/api/v1.1/schedule/work_day_rules?end_date={end}&start_date={start}")
    data = body["data"]
    assert [d["date"] for d in data] == [d.isoformat() for d in days(start, end)]
    holidays = 0
    for entry in data:
        assert set(entry) == {"date", "working", "description", "reason"}
        day = date.fromisoformat(entry["date"])
        if day in cal.studio_exceptions:
            holidays += 1
            working, description = cal.studio_exceptions[day]
            assert (entry["working"], entry["description"], entry["reason"]) == (working, description,
                                                                                  "STUDIO_EXCEPTION")
        else:
            assert entry["reason"] == "STUDIO_WORK_WEEK"
            assert entry["working"] is cal.studio_week[day.weekday()]
            assert entry["description"] is None
    assert holidays, "the demo calendar has studio holidays around new year"
    assert any(not e["working"] and e["reason"] == "STUDIO_WORK_WEEK" for e in data)  # weekends


def test_user_vacations_and_project_rules(sg_http):
    store = sg_http.sb.store
    cal = store.calendar
    user_id = next(uid for uid, exc in cal.user_exceptions.items() if exc and uid in store.records["HumanUser"])
    vacation = sorted(cal.user_exceptions[user_id])
    start, end = vacation[0] - timedelta(days=3), vacation[0] + timedelta(days=20)
    data = sg_http.get("/schedule/work_day_rules", params={
        "start_date": start.isoformat(), "end_date": end.isoformat(), "user_id": user_id}).json()["data"]
    by_day = {date.fromisoformat(e["date"]): e for e in data}
    for day in days(start, end):
        if day in cal.user_exceptions[user_id]:
            working, description = cal.user_exceptions[user_id][day]
            assert by_day[day]["reason"] == "USER_EXCEPTION"
            assert (by_day[day]["working"], by_day[day]["description"]) == (working, description)
    # the same days for nobody in particular follow the studio rules
    plain = sg_http.get("/schedule/work_day_rules", params={
        "start_date": start.isoformat(), "end_date": end.isoformat()}).json()["data"]
    assert all(e["reason"].startswith("STUDIO") for e in plain)
    assert plain != data

    project_id = next(pid for pid, exc in cal.project_exceptions.items() if exc)
    day = sorted(cal.project_exceptions[project_id])[0]
    entry = sg_http.get("/schedule/work_day_rules", params={
        "start_date": day.isoformat(), "end_date": day.isoformat(), "project_id": project_id}).json()["data"]
    working, description = cal.project_exceptions[project_id][day]
    assert entry == [{"date": day.isoformat(), "working": working, "description": description,
                      "reason": "PROJECT_EXCEPTION"}]


def test_work_day_rule_errors(sg_http):
    for params in ({"start_date": "2026-01-01"}, {"end_date": "2026-01-01"},
                   {"start_date": "2026-1-1", "end_date": "2026-01-02"},
                   {"start_date": "2026-02-30", "end_date": "2026-03-02"},
                   {"start_date": "2026-03-02", "end_date": "2026-03-01"},
                   {"start_date": "2000-01-01", "end_date": "2026-01-01"},
                   {"start_date": "2026-01-01", "end_date": "2026-01-02", "user_id": "abc"},
                   {"start_date": "2026-01-01", "end_date": "2026-01-02", "user_id": "999999"},
                   {"start_date": "2026-01-01", "end_date": "2026-01-02", "project_id": "999999"}):
        assert_error(sg_http.get("/schedule/work_day_rules", params=params), 400, 103)
    one = sg_http.get("/schedule/work_day_rules", params={"start_date": "2026-01-01", "end_date": "2026-01-01"})
    assert len(one.json()["data"]) == 1
