"""A shared ShotGrid sandbox for the schedule tests, and references computed from its store.

The references read ``sb.store`` (records in wire form, ``store.calendar.rule``)
with plain Python: they never call trackframes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Callable, Iterator

import pytest

import trackframes as tf

TODAY = date(2026, 3, 2)
DONE = ("fin", "omt")  # the sandbox's task statuses after which no work is expected
IDLE = DONE + ("hld",)  # ... and with work on hold: neither books time


@pytest.fixture(scope="session")
def sb() -> Iterator[Any]:
    with tf.sandbox.serve(scale=0.03, seed=4, today=TODAY) as sandbox:  # late and at-risk work in a small show
        yield sandbox


@pytest.fixture(scope="module")
def site(sb: Any) -> Iterator[tf.Site]:
    with sb.connect(progress=False) as s:
        yield s


@pytest.fixture(scope="module")
def tasks(site: tf.Site) -> Any:
    return site.tasks()


def archived(sb: Any) -> set[int]:
    return {pid for pid, p in sb.store.records["Project"].items() if p.get("archived")}


def live(sb: Any, entity: str) -> list[dict[str, Any]]:
    """Live records of ``entity`` outside archived projects, by id."""
    gone = archived(sb)
    table = sb.store.records[entity]
    return [table[i] for i in sorted(table) if (table[i].get("project") or {}).get("id") not in gone]


def day(iso: str | None) -> date | None:
    return None if iso is None else date.fromisoformat(iso[:10])


def days(lo: date, hi: date) -> Iterator[date]:
    d = lo
    while d <= hi:
        yield d
        d += timedelta(days=1)


def studio_rule(sb: Any) -> Callable[[date], bool]:
    return lambda d: sb.store.calendar.rule(d)["working"]


def user_rule(sb: Any, uid: int) -> Callable[[date], bool]:
    return lambda d: sb.store.calendar.rule(d, None, uid)["working"]


def booked_reference(sb: Any, lo: date, hi: date, rule_for: Callable[[int], Callable[[date], bool]],
                     open_only: bool = True) -> dict[tuple[int, date], float]:
    """(user id, Monday) → booked minutes: each open task's estimate split between the people, spread
    over working days (every task's with ``open_only=False``)."""
    out: dict[tuple[int, date], float] = defaultdict(float)
    for task in live(sb, "Task"):
        if open_only and task["sg_status_list"] in IDLE:
            continue
        start, due, est = day(task["start_date"]), day(task["due_date"]), task["est_in_mins"]
        people = [a["id"] for a in task["task_assignees"] if a["type"] == "HumanUser"]
        if start is None or due is None or not est or est <= 0 or not people:
            continue
        for uid in people:
            works = rule_for(uid)
            spread = [d for d in days(start, max(start, due)) if works(d)] or [start]
            for d in spread:
                if lo <= d <= hi:
                    out[(uid, d - timedelta(days=d.weekday()))] += est / len(people) / len(spread)
    return out
