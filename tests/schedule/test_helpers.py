"""trackframes.schedule helpers against references computed from the sandbox store."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, timedelta

import pandas as pd
import pytest

from trackframes import schedule
from trackframes.schedule import Calendar
from tests.schedule.conftest import (
    DONE,
    IDLE,
    TODAY,
    booked_reference,
    day,
    days,
    live,
    studio_rule,
    user_rule,
)


def count_working(works, lo: date, hi: date) -> int:
    return sum(1 for d in days(lo, hi) if works(d))


# ---------------------------------------------------------------------------
# working days
# ---------------------------------------------------------------------------

def test_working_days_without_rules_are_monday_to_friday():
    assert schedule.working_days(date(2026, 3, 2), date(2026, 3, 8)) == 5  # Monday .. Sunday
    assert schedule.working_days("2026-03-06", "2026-03-09") == 2  # Friday .. Monday
    assert schedule.working_days(date(2026, 3, 9), date(2026, 3, 2)) == 0
    friday_off = Calendar({date(2026, 3, 6): False, date(2026, 3, 7): True})  # a Saturday worked instead
    assert friday_off.working_days(date(2026, 3, 2), date(2026, 3, 8)) == 5
    assert not friday_off.is_working(date(2026, 3, 6)) and friday_off.is_working(date(2026, 3, 7))


def test_working_days_agree_with_the_store_rules(sb, tasks):
    cal = Calendar.from_frame(tasks)
    works = studio_rule(sb)
    rng = random.Random(7)
    lo, hi = cal.start, cal.end
    span = (hi - lo).days
    pairs = [(lo + timedelta(days=rng.randrange(span)), lo + timedelta(days=rng.randrange(span))) for _ in range(60)]
    for a, b in pairs:
        assert cal.working_days(a, b) == (count_working(works, a, b) if b >= a else 0), (a, b)
    starts = pd.Series([pd.Timestamp(a) for a, _ in pairs] + [pd.NaT])
    ends = pd.Series([pd.Timestamp(b) for _, b in pairs] + [pd.Timestamp(lo)])
    vector = cal.working_days(starts, ends)
    assert str(vector.dtype) == "Int64"
    assert vector.iloc[:-1].tolist() == [cal.working_days(a, b) for a, b in pairs]
    assert pd.isna(vector.iloc[-1])


def test_calendar_round_trips_through_its_dict(tasks):
    cal = Calendar.from_frame(tasks)
    again = Calendar.from_dict(cal.to_dict())
    assert [again.is_working(d) for d in days(cal.start, cal.end)] == \
           [cal.is_working(d) for d in days(cal.start, cal.end)]
    assert cal.working_dates(date(2026, 3, 2), date(2026, 3, 8)) == \
           [d for d in days(date(2026, 3, 2), date(2026, 3, 8)) if cal.is_working(d)]


# ---------------------------------------------------------------------------
# late and at risk
# ---------------------------------------------------------------------------

def status_reference(sb, as_of: date) -> dict[int, dict]:
    works = studio_rule(sb)
    out = {}
    for t in live(sb, "Task"):
        due = day(t["due_date"])
        done = t["sg_status_list"] in DONE
        late = not done and due is not None and due < as_of
        pending = not done and due is not None and due >= as_of
        left = count_working(works, as_of, due) if pending else None
        remaining = None if t["est_in_mins"] is None else max(t["est_in_mins"] - (t["time_logs_sum"] or 0), 0)
        people = max(1, len(t["task_assignees"]))
        out[t["id"]] = {
            "late": late,
            "days_late": count_working(works, due + timedelta(days=1), as_of) if late else 0,
            "working_days_left": left,
            "remaining_minutes": remaining,
            "at_risk": bool(pending and remaining is not None and remaining > left * 480 * people),
        }
    return out


@pytest.mark.parametrize("as_of", [TODAY, date(2025, 11, 14)])
def test_schedule_status_agrees_with_the_store(sb, tasks, as_of):
    want = status_reference(sb, as_of)
    got = schedule.schedule_status(tasks, as_of=as_of)
    assert len(got) == len(tasks)
    for row in got.to_dict("records"):
        ref = want[row["id"]]
        for column, value in ref.items():
            cell = None if pd.isna(row[column]) else row[column]
            assert cell == value, (row["id"], column, cell, value)
    assert any(r["late"] for r in want.values()) and any(r["at_risk"] for r in want.values()) or as_of != TODAY


def test_late_and_at_risk_tasks(sb, tasks):
    want = status_reference(sb, TODAY)
    late = schedule.late_tasks(tasks, TODAY)
    assert set(late["id"]) == {i for i, r in want.items() if r["late"]}
    assert late["days_late"].is_monotonic_decreasing
    risky = schedule.at_risk_tasks(tasks, TODAY)
    assert set(risky["id"]) == {i for i, r in want.items() if r["at_risk"]}


def test_lateness_per_sequence(sb, tasks):
    want = status_reference(sb, TODAY)
    store = sb.store
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for t in live(sb, "Task"):
        if t["entity"]["type"] != "Shot":
            continue
        seq = store.records["Shot"][t["entity"]["id"]]["sg_sequence"]
        if seq is None:
            continue
        key = (store.display_name("Project", t["project"]["id"]), store.display_name("Sequence", seq["id"]))
        groups[key].append(t)
    got = schedule.lateness(tasks, as_of=TODAY)
    assert len(got) == len(groups)
    for row in got.to_dict("records"):
        members = groups[(row["project.name"], row["sequence.name"])]
        refs = [want[t["id"]] for t in members]
        assert row["tasks"] == len(members)
        assert row["open"] == sum(1 for t in members if t["sg_status_list"] not in DONE)
        assert row["late"] == sum(r["late"] for r in refs)
        assert row["at_risk"] == sum(r["at_risk"] for r in refs)
        assert row["max_days_late"] == max(r["days_late"] for r in refs)
    assert got["late"].is_monotonic_decreasing


# ---------------------------------------------------------------------------
# utilization
# ---------------------------------------------------------------------------

LO, HI = date(2026, 2, 2), date(2026, 3, 29)  # Monday .. Sunday: eight whole weeks


def logged_reference(sb, lo: date, hi: date) -> dict[tuple[int, date], int]:
    out: dict[tuple[int, date], int] = defaultdict(int)
    for log in live(sb, "TimeLog"):
        d = day(log["date"])
        if lo <= d <= hi:
            out[(log["user"]["id"], d - timedelta(days=d.weekday()))] += log["duration"]
    return out


def test_utilization_agrees_with_the_store(sb, site, tasks):
    logs = site.timelogs(start=LO, end=HI)
    util = schedule.utilization(logs, tasks, start=LO, end=HI)
    logged = logged_reference(sb, LO, HI)
    booked = booked_reference(sb, LO, HI, lambda uid: studio_rule(sb))
    works = studio_rule(sb)
    users = {u for u, _ in logged} | {u for u, _ in booked}
    weeks = [LO + timedelta(weeks=i) for i in range(8)]
    assert set(util["user.id"]) == users
    assert len(util) == len(users) * len(weeks)
    for row in util.to_dict("records"):
        key = (row["user.id"], row["week"].date())
        assert row["week"].date() in weeks
        available = 480 * count_working(works, key[1], key[1] + timedelta(days=6))
        assert row["available_minutes"] == available
        assert row["logged_minutes"] == logged.get(key, 0)
        assert math.isclose(row["booked_minutes"], booked.get(key, 0.0), abs_tol=1e-6)
        if available:
            assert math.isclose(row["booked_utilization"], booked.get(key, 0.0) / available, abs_tol=1e-9)
            assert math.isclose(row["logged_utilization"], logged.get(key, 0) / available, abs_tol=1e-9)
    assert sum(booked.values()) > 0 and sum(logged.values()) > 0


def test_only_open_work_books_time(sb, site, tasks):
    """Finished, omitted and on-hold tasks book nothing; open_only=False books them all as planned."""
    works = studio_rule(sb)
    open_ref = booked_reference(sb, LO, HI, lambda uid: works)
    all_ref = booked_reference(sb, LO, HI, lambda uid: works, open_only=False)
    idle = [t for t in live(sb, "Task") if t["sg_status_list"] in IDLE and day(t["start_date"]) <= HI
            and day(t["due_date"]) >= LO and any(a["type"] == "HumanUser" for a in t["task_assignees"])]
    assert "fin" in {t["sg_status_list"] for t in idle}  # the window holds idle bookings to drop
    assert any(t["sg_status_list"] == "hld" for t in live(sb, "Task"))
    assert sum(all_ref.values()) > sum(open_ref.values()) > 0
    for open_only, ref in ((True, open_ref), (False, all_ref)):
        util = schedule.utilization(None, tasks, start=LO, end=HI, open_only=open_only)
        got = {(r["user.id"], r["week"].date()): r["booked_minutes"] for r in util.to_dict("records")}
        assert {k for k, v in got.items() if v > 1e-9} == {k for k, v in ref.items() if v > 1e-9}
        for key, minutes in ref.items():
            assert math.isclose(got[key], minutes, abs_tol=1e-6), (open_only, key)
    assert set(schedule.open_work(tasks)["id"]) == {t["id"] for t in live(sb, "Task")
                                                    if t["sg_status_list"] not in IDLE}


def test_utilization_with_each_persons_calendar(sb, site, tasks):
    logs = site.timelogs(start=LO, end=HI)
    people = sorted(set(logs["user.id"].dropna().astype(int)) | {
        a["id"] for t in live(sb, "Task") for a in t["task_assignees"] if a["type"] == "HumanUser"})
    # bookings spread over each task's own working days, so the calendars must cover every task's span
    span_lo = min(LO, tasks["start_date"].min().date())
    span_hi = max(HI, tasks["due_date"].max().date())
    calendars = schedule.user_calendars(site, people, span_lo, span_hi)
    util = schedule.utilization(logs, tasks, calendars=calendars, start=LO, end=HI)
    booked = booked_reference(sb, LO, HI, lambda uid: user_rule(sb, uid))
    for row in util.to_dict("records"):
        monday = row["week"].date()
        works = user_rule(sb, row["user.id"])
        assert row["working_days"] == count_working(works, monday, monday + timedelta(days=6))
        assert math.isclose(row["booked_minutes"], booked.get((row["user.id"], monday), 0.0), abs_tol=1e-6)
    over = schedule.overbooked(util, start=TODAY)
    want = {(u, w) for (u, w), m in booked.items() if w >= TODAY
            and m > 480 * count_working(user_rule(sb, u), w, w + timedelta(days=6))}
    assert {(r["user.id"], r["week"].date()) for r in over.to_dict("records")} == want
    assert over["booked_utilization"].is_monotonic_decreasing


def test_utilization_of_nothing_is_an_empty_typed_frame():
    empty = schedule.utilization(None, None)
    assert len(empty) == 0 and str(empty.dtypes["booked_utilization"]) == "Float64"


# ---------------------------------------------------------------------------
# bid against actual
# ---------------------------------------------------------------------------

def test_bid_vs_actual_per_step(sb, site, tasks):
    store = sb.store
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for t in live(sb, "Task"):
        s = sums[store.display_name("Step", t["step"]["id"])]
        s[0] += 1
        s[1] += t["est_in_mins"] or 0
        s[2] += t["time_logs_sum"] or 0
    got = schedule.bid_vs_actual(tasks)
    assert got["step.name"].tolist() == sorted(sums)
    for row in got.to_dict("records"):
        n, est, logged = sums[row["step.name"]]
        assert (row["tasks"], row["estimate_minutes"], row["logged_minutes"]) == (n, est, logged)
        assert row["variance_minutes"] == logged - est
        assert math.isclose(row["ratio"], logged / est)
        assert math.isclose(row["logged_hours"], logged / 60)
    # the server's own summaries give the same numbers
    server = site.summarize("Task", {"est_in_mins": "sum", "time_logs_sum": "sum"}, grouping=["step"])
    by_name = dict(zip(server["step.name"], zip(server["est_in_mins_sum"], server["time_logs_sum_sum"])))
    for row in got.to_dict("records"):
        assert by_name[row["step.name"]] == (row["estimate_minutes"], row["logged_minutes"])


def test_bid_vs_actual_done_only(sb, tasks):
    done = [t for t in live(sb, "Task") if t["sg_status_list"] in DONE]
    got = schedule.bid_vs_actual(tasks, done_only=True)
    assert got["tasks"].sum() == len(done)
    assert got["estimate_minutes"].sum() == sum(t["est_in_mins"] or 0 for t in done)


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------

def late_by_sequence(sb) -> dict[tuple[str, str], list[dict]]:
    """(project, sequence) → its late tasks, from the store."""
    store = sb.store
    out: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for t in live(sb, "Task"):
        if t["entity"]["type"] != "Shot" or t["sg_status_list"] in DONE or day(t["due_date"]) >= TODAY:
            continue
        seq = store.records["Shot"][t["entity"]["id"]]["sg_sequence"]
        out[(store.display_name("Project", t["project"]["id"]), store.display_name("Sequence", seq["id"]))].append(t)
    return out


@pytest.fixture(scope="module")
def report(site):
    return schedule.schedule_report(site, as_of=TODAY)


def test_schedule_report_answers_and_files(sb, site, report, tmp_path):
    answers = report.answers()
    assert list(answers) == ["late sequences", "over-booked users", "bid vs actual"]
    late = late_by_sequence(sb)
    works = studio_rule(sb)

    def most_late(group):
        return max(count_working(works, day(t["due_date"]) + timedelta(days=1), TODAY) for t in group)

    # the documented order: most late tasks, then most working days late, then by name
    (project, seq), worst = min(late.items(), key=lambda kv: (-len(kv[1]), -most_late(kv[1]), kv[0]))
    shots = len({t["entity"]["id"] for t in worst})
    most = most_late(worst)
    noun = "task" if len(worst) == 1 else "tasks"
    assert f"{seq} ({project}) {len(worst)} {noun} on {shots} shot" in answers["late sequences"]
    assert f"{most} working day" in answers["late sequences"]
    assert answers["late sequences"].startswith(f"{len(late)} of {len(report.lateness)} sequences have late tasks")
    lo, hi = report.horizon
    assert lo == TODAY - timedelta(days=TODAY.weekday()) and hi == lo + timedelta(days=27)
    booked = booked_reference(sb, lo, hi, lambda uid: user_rule(sb, uid))
    over = {u for (u, w), m in booked.items() if m > 480 * count_working(user_rule(sb, u), w, w + timedelta(days=6))}
    names = {sb.store.display_name("HumanUser", u) for u in over}
    assert set(report.overbooked["user.id"]) == over
    for name in names:
        assert name in answers["over-booked users"]
    finished = [t for t in live(sb, "Task") if t["sg_status_list"] in DONE and t["time_logs_sum"]]
    est = sum(t["est_in_mins"] for t in finished) / 60
    logged = sum(t["time_logs_sum"] for t in finished) / 60
    assert f"Finished tasks logged {logged:,.0f} h against {est:,.0f} h bid ({logged / est:.0%})" \
        in answers["bid vs actual"]
    open_est = sum(t["est_in_mins"] or 0 for t in live(sb, "Task")) / 60 - est
    assert f"Open work: {open_est:,.0f} h bid" in answers["bid vs actual"]
    paths = report.write(tmp_path)
    assert sorted(p.name for p in paths.values()) == ["gantt.png", "summary.csv", "utilization.png"]
    for p in paths.values():
        assert p.stat().st_size > 1000 or p.suffix == ".csv"
    assert open(paths["gantt"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    csv = pd.read_csv(paths["summary"])
    assert csv["step.name"].tolist() == report.bid_vs_actual["step.name"].tolist()
    assert csv["logged_minutes"].tolist() == report.bid_vs_actual["logged_minutes"].tolist()
    by_step: dict[str, int] = defaultdict(int)
    for t in finished:
        by_step[sb.store.display_name("Step", t["step"]["id"])] += t["time_logs_sum"]
    assert dict(zip(csv["step.name"], csv["finished_logged_minutes"].fillna(0))) == \
        {k: by_step.get(k, 0) for k in csv["step.name"]}


def test_schedule_report_prints_a_short_summary(sb, report):
    text = repr(report)
    lines = text.splitlines()
    assert len(lines) == 4 and len(text) < 2000
    tasks = live(sb, "Task")
    late = sum(1 for t in tasks if t["sg_status_list"] not in DONE and day(t["due_date"]) < TODAY)
    opened = sum(1 for t in tasks if t["sg_status_list"] not in DONE)
    assert lines[0].startswith(f"ScheduleReport as of {TODAY}: {len(tasks):,} tasks, {opened:,} open, {late:,} late")
    for (name, answer), line in zip(report.answers().items(), lines[1:]):
        assert line == f"  {name.capitalize()}: {answer}"
    for column in ("estimate_minutes", "entity.name", "assignees"):  # never the frames
        assert column not in text
    page = report._repr_html_()
    assert page.startswith("<div>") and page.count("<tr>") == 3 and f"as of {TODAY}" in page
    assert f"{late:,} late" in page and "estimate_minutes" not in page and len(page) < 4000
    assert str(report) == text
