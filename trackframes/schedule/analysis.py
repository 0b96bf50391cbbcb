"""The producer's questions over the canonical frames: late and at-risk tasks, utilization, bid vs actual.

These helpers never talk to the site; they take the frames of
:mod:`trackframes.schedule.frames` and a :class:`~trackframes.schedule.calendar.Calendar`
(by default the one the tasks frame carries).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Sequence

from .calendar import Calendar, as_date, epoch_days, monday_of, today_or
from ..values import plain_id

__all__ = [
    "schedule_status",
    "late_tasks",
    "at_risk_tasks",
    "lateness",
    "utilization",
    "overbooked",
    "bid_vs_actual",
    "explode_people",
    "open_work",
]

# ---------------------------------------------------------------------------
# late and at-risk
# ---------------------------------------------------------------------------

def _calendar_for(df: Any, calendar: Calendar | None) -> Calendar:
    return calendar or Calendar.from_frame(df) or Calendar()


def _people(assignees: Any) -> Any:
    """Number of assignees per task (at least 1)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(assignees.dtype, pd.ArrowDtype):
        arr = pa.array(assignees.array)
        lengths = np.asarray(pc.fill_null(pc.list_value_length(arr), 0))
    else:
        lengths = np.array([len(v) if isinstance(v, (list, tuple, np.ndarray)) else 0 for v in assignees])
    return np.maximum(lengths, 1)


def schedule_status(tasks: Any, as_of: Any = None, calendar: Calendar | None = None) -> Any:
    """The tasks with ``late``, ``days_late``, ``working_days_left``, ``remaining_minutes`` and ``at_risk``.

    * ``late``: not done and due before ``as_of`` (by default the today of the
      site the frame came from, ``site.today``, else the real date);
      ``days_late`` counts the working days after the due date up to ``as_of``.
    * ``working_days_left``: working days from ``as_of`` to the due date, both
      included, for open tasks not yet late.
    * ``remaining_minutes``: estimate minus logged time, at least 0.
    * ``at_risk``: open, not late, and the remaining time exceeds the working
      time left (working days left × minutes per day × assignees).
    """
    import pandas as pd

    cal = _calendar_for(tasks, calendar)
    today = pd.Timestamp(today_or(as_of, tasks))
    out = tasks.copy()
    due = out["due_date"]
    done = out["done"].fillna(False).astype(bool) if "done" in out else pd.Series(False, index=out.index)
    open_ = ~done
    late = (open_ & due.notna() & (due < today)).astype(bool)
    after_due = due + pd.Timedelta(days=1)
    days_late = cal.working_days(after_due.where(late), pd.Series(today, index=out.index))
    out["late"] = pd.array(late.to_numpy(), dtype="boolean")
    out["days_late"] = days_late.where(late, 0).astype("Int64")
    pending = (open_ & due.notna() & (due >= today)).astype(bool)
    left = cal.working_days(pd.Series(today, index=out.index), due.where(pending))
    out["working_days_left"] = left.where(pending).astype("Int64")
    remaining = (out["estimate_minutes"].astype("Float64") - out["logged_minutes"].fillna(0).astype("Float64"))
    out["remaining_minutes"] = remaining.clip(lower=0).round().astype("Int64")
    capacity = out["working_days_left"].astype("Float64") * cal.minutes_per_day * _people(out["assignees"])
    risky = (out["remaining_minutes"].astype("Float64") > capacity).fillna(False).astype(bool)
    out["at_risk"] = pd.array((pending & risky).to_numpy(), dtype="boolean")
    return out


def late_tasks(tasks: Any, as_of: Any = None, calendar: Calendar | None = None) -> Any:
    """The late tasks (see :func:`schedule_status`), most working days late first."""
    status = schedule_status(tasks, as_of, calendar)
    return status[status["late"].astype(bool)].sort_values(["days_late", "id"], ascending=[False, True])


def at_risk_tasks(tasks: Any, as_of: Any = None, calendar: Calendar | None = None) -> Any:
    """The at-risk tasks (see :func:`schedule_status`), soonest due first."""
    status = schedule_status(tasks, as_of, calendar)
    return status[status["at_risk"].astype(bool)].sort_values(["due_date", "id"])


def lateness(tasks: Any, by: str | Sequence[str] = ("project.name", "sequence.name"), as_of: Any = None,
             calendar: Calendar | None = None) -> Any:
    """How late each group is (by sequence by default): one row per group, the latest first.

    Columns: the ``by`` columns, ``tasks``, ``open``, ``late``, ``at_risk``,
    ``max_days_late`` and ``latest_due`` (of the open tasks). Rows with a null
    ``by`` value (asset tasks have no sequence) are left out.
    """
    import pandas as pd

    keys = [by] if isinstance(by, str) else list(by)
    status = schedule_status(tasks, as_of, calendar)
    status = status.assign(_open=(~status["done"].fillna(False).astype(bool)).astype(int),
                           _late=status["late"].astype(int), _risk=status["at_risk"].astype(int),
                           _open_due=status["due_date"].where(~status["done"].fillna(False).astype(bool)))
    grouped = status.groupby(keys, observed=True, dropna=True, sort=True)
    out = pd.DataFrame({
        "tasks": grouped["id"].count().astype("Int64"),
        "open": grouped["_open"].sum().astype("Int64"),
        "late": grouped["_late"].sum().astype("Int64"),
        "at_risk": grouped["_risk"].sum().astype("Int64"),
        "max_days_late": grouped["days_late"].max().astype("Int64"),
        "latest_due": grouped["_open_due"].max(),
    }).reset_index()
    return out.sort_values(["late", "max_days_late", *keys], ascending=[False, False] + [True] * len(keys),
                           kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------
# utilization
# ---------------------------------------------------------------------------

def explode_people(tasks: Any, user_entity: str | None) -> Any:
    """One row per (task, person): ``user.id``, ``user.name``, the task's dates and its share of the estimate.

    People are the assignees of type ``user_entity`` (``None``: every assignee).
    """
    import pandas as pd

    rows = []
    cols = ["id", "assignees", "start_date", "due_date", "estimate_minutes"]
    for tid, people, start, due, est in tasks[cols].itertuples(index=False, name=None):
        people = [] if people is None or (not isinstance(people, (list, tuple)) and pd.isna(people)) else people
        humans = [p for p in people if (user_entity is None or p.get("type") == user_entity)
                  and p.get("id") is not None]
        if not humans or pd.isna(start) or pd.isna(due) or pd.isna(est) or est <= 0:
            continue
        share = float(est) / len(humans)
        for p in humans:
            rows.append((plain_id(p["id"]), p.get("name"), start, due, share))
    return pd.DataFrame(rows, columns=["user.id", "user.name", "start", "due", "minutes"])


def _booked(people: Any, calendar: Calendar, lo: int, hi: int) -> Any:
    """Each booking spread evenly over its working days → (epoch day, minutes) rows inside [lo, hi]."""
    import numpy as np
    import pandas as pd

    if people.empty:
        return pd.DataFrame({"day": np.array([], dtype="int64"), "minutes": np.array([], dtype=float)})
    s, _ = epoch_days(people["start"])
    e, _ = epoch_days(people["due"])
    e = np.maximum(e, s)
    span_lo, span_hi = int(min(s.min(), lo)), int(max(e.max(), hi))
    flags = calendar._flags(span_lo, span_hi)
    work = np.flatnonzero(flags) + span_lo  # working epoch days
    first = np.searchsorted(work, s)
    last = np.searchsorted(work, e, side="right")
    count = last - first
    none = count <= 0  # no working day in the span: book it all on the start day
    lengths = np.where(none, 1, count)
    row = np.repeat(np.arange(len(people)), lengths)
    offset = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    day = np.where(none[row], s[row], work[np.minimum(first[row] + offset, len(work) - 1)] if len(work) else s[row])
    minutes = people["minutes"].to_numpy(dtype=float)[row] / lengths[row]
    out = pd.DataFrame({"day": day, "minutes": minutes, "user.id": people["user.id"].to_numpy()[row]})
    return out[(out["day"] >= lo) & (out["day"] <= hi)]


def open_work(tasks: Any) -> Any:
    """The tasks still to be worked on: not done, and not on hold.

    On hold means a status listed in the frame's ``attrs["trackframes"]["hold_statuses"]``
    (the backend's ``ScheduleFields.hold_statuses``). A frame without a ``done`` column
    counts every task as open.
    """
    import pandas as pd

    keep = pd.Series(True, index=tasks.index)
    if "done" in tasks.columns:
        keep &= ~tasks["done"].fillna(False).astype(bool)
    hold = ((getattr(tasks, "attrs", {}) or {}).get("trackframes", {}) or {}).get("hold_statuses") or []
    if hold and "status" in tasks.columns:
        keep &= ~tasks["status"].astype("object").isin(list(hold)).to_numpy()
    return tasks[keep.to_numpy()]


def utilization(timelogs: Any = None, tasks: Any = None, *, calendar: Calendar | None = None,
                calendars: Mapping[Any, Calendar] | None = None, start: Any = None, end: Any = None,
                user_entity: str | None = None, open_only: bool = True) -> Any:
    """Logged and booked time per person per week, against their working time.

    * ``logged_minutes``: time logged in the week (from ``timelogs``);
    * ``booked_minutes``: each open task's estimate split evenly between its
      people and spread evenly over the working days from its start to its due
      date. Only open work books time (see :func:`open_work`): finished and
      omitted tasks book nothing (their time shows in ``logged_minutes``), nor
      do tasks on hold; ``open_only=False`` books every task as planned;
    * ``available_minutes``: the person's working days in the week (inside
      ``start`` .. ``end``) × minutes per day, from ``calendars[user id]``, else
      ``calendar``, else the tasks' calendar, else Monday–Friday (a calendar
      should cover the whole span of every task, since bookings are spread over
      each task's own working days);
    * ``logged_utilization`` / ``booked_utilization``: the ratios (1.0 = full).

    One row per person who logged time or is booked inside the span, and per
    week (``week`` is the Monday) of the span, sorted by person then week.
    """
    import numpy as np
    import pandas as pd

    base = _calendar_for(tasks if tasks is not None else timelogs, calendar)
    calendars = dict(calendars or {})
    if user_entity is None:
        attrs = getattr(tasks, "attrs", {}) or getattr(timelogs, "attrs", {}) or {}
        user_entity = attrs.get("trackframes", {}).get("user_entity")
    if tasks is not None and open_only:
        tasks = open_work(tasks)
    people = explode_people(tasks, user_entity) if tasks is not None else explode_people(
        pd.DataFrame(columns=["id", "assignees", "start_date", "due_date", "estimate_minutes"]), user_entity)
    logs = timelogs if timelogs is not None else pd.DataFrame(
        {"date": pd.Series([], dtype="datetime64[ms]"), "minutes": pd.Series([], dtype="Int64"),
         "user.id": pd.Series([], dtype="Int64"), "user.name": pd.Series([], dtype="string")})
    logs = logs[logs["user.id"].notna() & logs["date"].notna()]
    dates = [d for d in (logs["date"].min(), logs["date"].max(), people["start"].min() if len(people) else None,
                         people["due"].max() if len(people) else None) if d is not None and not pd.isna(d)]
    if start is None and not dates:
        return _empty_utilization(_frames_id_dtype(timelogs, tasks))
    lo_day = as_date(start) if start is not None else min(dates).date()
    hi_day = as_date(end) if end is not None else max(dates).date()
    lo, hi = (lo_day - date(1970, 1, 1)).days, (hi_day - date(1970, 1, 1)).days
    log_days, _ = epoch_days(logs["date"])
    logged = pd.DataFrame({"user.id": [plain_id(u) for u in logs["user.id"]], "day": log_days,
                           "minutes": logs["minutes"].fillna(0).astype("int64").to_numpy()})
    logged = logged[(logged["day"] >= lo) & (logged["day"] <= hi)]
    users = sorted(set(logged["user.id"]) | set(people["user.id"]))
    if not users:
        return _empty_utilization(_frames_id_dtype(timelogs, tasks))
    names = dict(zip(people["user.id"], people["user.name"]))
    names.update((plain_id(u), n) for u, n in zip(logs["user.id"], logs["user.name"]) if not pd.isna(n))
    weeks0 = (np.arange(lo, hi + 1) + 3) // 7  # week number of each day, weeks starting on Monday
    frames = []
    for uid in users:
        cal = calendars.get(uid, base)
        flags = cal._flags(lo, hi)
        avail = pd.Series(flags.astype("int64")).groupby(weeks0).sum()
        booked = _booked(people[people["user.id"] == uid], cal, lo, hi)
        mine = logged[logged["user.id"] == uid]
        if booked.empty and mine.empty:
            continue  # assigned only outside the span
        b = booked.groupby((booked["day"] + 3) // 7)["minutes"].sum()
        g = mine.groupby((mine["day"] + 3) // 7)["minutes"].sum()
        frame = pd.DataFrame({"week_no": avail.index, "working_days": avail.to_numpy()})
        frame["logged_minutes"] = frame["week_no"].map(g).fillna(0).astype("int64")
        frame["booked_minutes"] = frame["week_no"].map(b).fillna(0.0).astype(float)
        frame["available_minutes"] = frame["working_days"] * cal.minutes_per_day
        frame["user.id"] = uid
        frame["user.name"] = names.get(uid)
        frames.append(frame)
    if not frames:
        return _empty_utilization(_frames_id_dtype(timelogs, tasks))
    out = pd.concat(frames, ignore_index=True)
    monday = np.datetime64("1970-01-05", "D") + (out["week_no"].to_numpy() - 1) * 7  # week 1 starts 1970-01-05
    avail = out["available_minutes"].astype("Float64")
    result = pd.DataFrame({
        "user.id": out["user.id"].astype(_id_dtype(users)),
        "user.name": out["user.name"].astype(pd.StringDtype()),
        "week": pd.Series(monday.astype("datetime64[ms]")),
        "working_days": out["working_days"].astype("Int64"),
        "available_minutes": out["available_minutes"].astype("Int64"),
        "logged_minutes": out["logged_minutes"].astype("Int64"),
        "booked_minutes": out["booked_minutes"].astype("Float64"),
    })
    result["logged_utilization"] = (result["logged_minutes"].astype("Float64") / avail.where(avail > 0))
    result["booked_utilization"] = (result["booked_minutes"] / avail.where(avail > 0))
    return result.sort_values(["user.name", "user.id", "week"]).reset_index(drop=True)


def _id_dtype(ids: Any) -> str:
    """``string`` for text ids (UUIDs), else ``Int64``."""
    return "string" if any(isinstance(i, str) for i in ids) else "Int64"


def _frames_id_dtype(*frames: Any) -> str:
    """The id dtype of the first of ``frames`` that has ids (``Int64`` when none has)."""
    for frame in frames:
        for column in ("user.id", "id"):
            if frame is not None and column in getattr(frame, "columns", ()):
                return "string" if str(frame[column].dtype) == "string" else "Int64"
    return "Int64"


def _empty_utilization(id_dtype: str = "Int64") -> Any:
    import pandas as pd

    return pd.DataFrame({
        "user.id": pd.Series([], dtype=id_dtype), "user.name": pd.Series([], dtype=pd.StringDtype()),
        "week": pd.Series([], dtype="datetime64[ms]"), "working_days": pd.Series([], dtype="Int64"),
        "available_minutes": pd.Series([], dtype="Int64"), "logged_minutes": pd.Series([], dtype="Int64"),
        "booked_minutes": pd.Series([], dtype="Float64"), "logged_utilization": pd.Series([], dtype="Float64"),
        "booked_utilization": pd.Series([], dtype="Float64"),
    })


def overbooked(util: Any, threshold: float = 1.0, *, column: str = "booked_utilization", start: Any = None,
               end: Any = None) -> Any:
    """The person-weeks above ``threshold`` (weeks from ``start`` to ``end``), the most booked first."""
    import pandas as pd

    rows = util[(util[column] > threshold).fillna(False).astype(bool)]
    if start is not None:
        rows = rows[rows["week"] >= pd.Timestamp(monday_of(as_date(start)))]
    if end is not None:
        rows = rows[rows["week"] <= pd.Timestamp(as_date(end))]
    return rows.sort_values([column, "user.name"], ascending=[False, True]).reset_index(drop=True)


# ---------------------------------------------------------------------------
# bid against actual
# ---------------------------------------------------------------------------

def bid_vs_actual(tasks: Any, by: str | Sequence[str] = "step.name", *, done_only: bool = False) -> Any:
    """Estimate (bid) against logged time per step (or any ``by`` columns).

    Columns: ``by``, ``tasks``, ``estimate_minutes``, ``logged_minutes``,
    ``variance_minutes`` (logged − estimate), ``ratio`` (logged / estimate),
    ``estimate_hours`` and ``logged_hours``. ``done_only`` keeps only done tasks.
    """
    import pandas as pd

    keys = [by] if isinstance(by, str) else list(by)
    rows = tasks[tasks["done"].fillna(False).astype(bool)] if done_only else tasks
    grouped = rows.groupby(keys, observed=True, dropna=True, sort=True)
    out = pd.DataFrame({
        "tasks": grouped["id"].count().astype("Int64"),
        "estimate_minutes": grouped["estimate_minutes"].sum().astype("Int64"),
        "logged_minutes": grouped["logged_minutes"].sum().astype("Int64"),
    }).reset_index()
    out["variance_minutes"] = (out["logged_minutes"] - out["estimate_minutes"]).astype("Int64")
    est = out["estimate_minutes"].astype("Float64")
    out["ratio"] = out["logged_minutes"].astype("Float64") / est.where(est > 0)
    out["estimate_hours"] = est / 60
    out["logged_hours"] = out["logged_minutes"].astype("Float64") / 60
    return out
