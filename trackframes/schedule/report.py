"""The schedule report: the three answers, a Gantt chart, a utilization chart and ``summary.csv``.

:func:`schedule_report` fetches what it needs and answers "late sequences",
"over-booked users" and "bid vs actual"; :meth:`ScheduleReport.write` saves
the files the demo shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .analysis import (
    bid_vs_actual,
    explode_people,
    lateness,
    open_work,
    overbooked,
    schedule_status,
    utilization,
)
from .calendar import Calendar, as_date, monday_of
from .frames import record_id, schedule_fields, tasks_frame, timelogs_frame, user_calendars

__all__ = ["ScheduleReport", "schedule_report"]

# ---------------------------------------------------------------------------
# the report: three answers, two charts and a CSV
# ---------------------------------------------------------------------------

@dataclass
class ScheduleReport:
    """What :func:`schedule_report` found; :meth:`answers` and :meth:`write` present it."""

    as_of: date
    tasks: Any
    timelogs: Any
    calendar: Calendar
    lateness: Any
    utilization: Any
    overbooked: Any
    bid_vs_actual: Any
    horizon: tuple[date, date]

    def answers(self) -> dict[str, str]:
        """The three answers as sentences: late sequences, over-booked users, bid vs actual."""
        return {
            "late sequences": self._late_text(),
            "over-booked users": self._overbooked_text(),
            "bid vs actual": self._bid_text(),
        }

    def text(self) -> str:
        """The answers, one paragraph each."""
        return "\n".join(f"{k.capitalize()}: {v}" for k, v in self.answers().items())

    def _late_text(self, top: int = 5) -> str:
        late = self.lateness[self.lateness["late"] > 0]
        total = len(self.lateness)
        if late.empty:
            return f"No sequence has late tasks as of {self.as_of} ({total} sequences)."
        parts = [f"{_label(row)} {int(row['late'])} late (up to {int(row['max_days_late'])} working days)"
                 for _, row in late.head(top).iterrows()]
        return f"{len(late)} of {total} sequences have late tasks as of {self.as_of}: " + "; ".join(parts) + "."

    def _overbooked_text(self, top: int = 5) -> str:
        lo, hi = self.horizon
        if self.overbooked.empty:
            return f"Nobody is booked above their working time from {lo} to {hi}."
        peak = self.overbooked.sort_values("booked_utilization", ascending=False).drop_duplicates("user.id")
        parts = [f"{row['user.name']} ({row['booked_utilization']:.0%} in the week of {row['week'].date()})"
                 for _, row in peak.head(top).iterrows()]
        return (f"{len(peak)} people are booked above their working time from {lo} to {hi}: "
                + "; ".join(parts) + ".")

    def _bid_text(self) -> str:
        bid = self.bid_vs_actual
        est, logged = float(bid["estimate_minutes"].sum()), float(bid["logged_minutes"].sum())
        if est <= 0:
            return "No task has an estimate."
        ranked = bid.dropna(subset=["ratio"]).sort_values("ratio", ascending=False)
        parts = [f"{row.iloc[0]} {row['logged_hours']:,.0f} h logged of {row['estimate_hours']:,.0f} h bid "
                 f"({row['ratio']:.0%})" for _, row in ranked.head(3).iterrows()]
        return (f"{logged / 60:,.0f} h logged against {est / 60:,.0f} h bid ({logged / est:.0%}); "
                f"furthest over: " + "; ".join(parts) + ".")

    def gantt_tasks(self, max_lanes: int = 30) -> Any:
        """The tasks the report's Gantt chart shows: the sequence with the most late tasks, else the horizon."""
        late = self.lateness[self.lateness["late"] > 0]
        tasks = self.tasks
        if not late.empty and "sequence.name" in late.columns:
            row = late.iloc[0]
            mask = tasks["sequence.name"] == row["sequence.name"]
            if "project.name" in late.columns:
                mask &= tasks["project.name"] == row["project.name"]
            chosen = tasks[mask.fillna(False).astype(bool)]
        else:
            lo, hi = (_ts(d) for d in self.horizon)
            chosen = tasks[((tasks["due_date"] >= lo) & (tasks["start_date"] <= hi)).fillna(False).astype(bool)]
        lanes = chosen["entity.name"].dropna().unique()[:max_lanes]
        return chosen[chosen["entity.name"].isin(lanes)]

    def write(self, output: str | Path) -> dict[str, Path]:
        """Write ``gantt.png``, ``utilization.png`` and ``summary.csv`` (bid vs actual) into ``output``."""
        from .. import plots

        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"gantt": out / "gantt.png", "utilization": out / "utilization.png", "summary": out / "summary.csv"}
        shown = self.gantt_tasks()
        names = shown[["sequence.name", "project.name"]].dropna().drop_duplicates()
        title = (f"{names.iloc[0, 0]} ({names.iloc[0, 1]}), the sequence with the most late tasks"
                 if len(names) == 1 else f"Tasks from {self.horizon[0]} to {self.horizon[1]}")
        fig = plots.gantt(shown, by="entity.name", color="step.name", today=self.as_of, calendar=self.calendar,
                          title=title)
        fig.savefig(paths["gantt"], dpi=100, bbox_inches="tight")
        lo, hi = self.horizon
        window = self.utilization[(self.utilization["week"] >= _ts(monday_of(lo)))
                                  & (self.utilization["week"] <= _ts(hi))]
        fig = plots.utilization_chart(window, title=f"Booked time against working time, {lo} to {hi}")
        fig.savefig(paths["utilization"], dpi=100, bbox_inches="tight")
        self.bid_vs_actual.to_csv(paths["summary"], index=False)
        return paths


def _ts(day: date) -> Any:
    """``pandas.Timestamp`` of a date (for comparisons with ``datetime64[ms]`` columns)."""
    import pandas as pd

    return pd.Timestamp(day)


def _label(row: Any) -> str:
    """``SQ010 (Copper Sky)``: a lateness row's sequence and project."""
    import pandas as pd

    project = row.get("project.name")
    return f"{row.get('sequence.name')}" + ("" if project is None or pd.isna(project) else f" ({project})")


def schedule_report(site: Any, project: Any = None, as_of: Any = None, *, weeks: int = 4) -> ScheduleReport:
    """Fetch tasks, time logs and calendars and answer the three questions.

    ``as_of`` is the site's today by default (``site.today``: the real date,
    or the day a sandbox's production was generated around); over-booking
    looks at the ``weeks`` weeks starting with the week of ``as_of``;
    utilization also covers the ``weeks`` weeks before it (logged time).
    """
    today = as_date(as_of) if as_of is not None else as_date(getattr(site, "today", None) or date.today())
    monday = monday_of(today)
    horizon = (monday, monday + timedelta(days=7 * weeks - 1))
    past = monday - timedelta(days=7 * weeks)
    fields = schedule_fields(site)
    pid = record_id(site, fields.project_entity, project)
    tasks = tasks_frame(site, pid)
    calendar = Calendar.from_frame(tasks) or Calendar()
    timelogs = timelogs_frame(site, pid, start=past, end=today)
    people = explode_people(open_work(tasks), fields.user_entity)
    active = people[(people["due"] >= _ts(past)) & (people["start"] <= _ts(horizon[1]))]
    users = set(active["user.id"]) | {int(u) for u in timelogs["user.id"].dropna()}
    # bookings spread over each task's own working days: cover the active tasks' whole spans
    span_lo = min([past] + [d.date() for d in active["start"].dropna()])
    span_hi = max([horizon[1]] + [d.date() for d in active["due"].dropna()])
    calendars = user_calendars(site, users, span_lo, span_hi, pid)
    util = utilization(timelogs, tasks, calendar=calendar, calendars=calendars, start=past, end=horizon[1])
    return ScheduleReport(
        as_of=today,
        tasks=schedule_status(tasks, today, calendar),
        timelogs=timelogs,
        calendar=calendar,
        lateness=lateness(tasks, as_of=today, calendar=calendar),
        utilization=util,
        overbooked=overbooked(util, start=horizon[0], end=horizon[1]),
        bid_vs_actual=bid_vs_actual(tasks),
        horizon=horizon,
    )
