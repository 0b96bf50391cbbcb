"""The schedule report: the three answers, a Gantt chart, a utilization chart and ``summary.csv``.

:func:`schedule_report` fetches what it needs and answers "late sequences",
"over-booked users" and "bid vs actual"; :meth:`ScheduleReport.write` saves
the files the demo shows. A report prints as a few lines (and as a small
table in a notebook), never as its frames.

>>> from datetime import date
>>> import trackframes as tf
>>> from trackframes import schedule
>>> with tf.sandbox.serve(scale=0.02, seed=1, today=date(2026, 3, 2)) as sb:
...     report = schedule.schedule_report(sb.connect(progress=False))
>>> report.as_of                                       # the sandbox's today, not the real date
datetime.date(2026, 3, 2)
>>> repr(report).startswith("ScheduleReport as of 2026-03-02:"), len(repr(report).splitlines())
(True, 4)
>>> list(report.answers())
['late sequences', 'over-booked users', 'bid vs actual']
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
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
from ..values import plain_id
from .frames import record_id, schedule_fields, tasks_frame, timelogs_frame, user_calendars

__all__ = ["ScheduleReport", "schedule_report"]

#: People named in the over-booking answer and rows in the utilization chart.
TOP_PEOPLE, CHART_PEOPLE = 5, 25


# ---------------------------------------------------------------------------
# the report: three answers, two charts and a CSV
# ---------------------------------------------------------------------------

@dataclass(repr=False)
class ScheduleReport:
    """What :func:`schedule_report` found; :meth:`answers`, :meth:`text` and :meth:`write` present it.

    ``tasks`` is the tasks frame with :func:`~trackframes.schedule.schedule_status`'s
    columns; ``bid_vs_actual`` covers every task, ``finished`` the tasks done
    with time logged (omitted work has no actual to compare). ``user_entity`` is
    the entity type of people among the assignees (``None``: every assignee).
    """

    as_of: date
    tasks: Any
    timelogs: Any
    calendar: Calendar
    lateness: Any
    utilization: Any
    overbooked: Any
    bid_vs_actual: Any
    horizon: tuple[date, date]
    finished: Any = None
    user_entity: str | None = None
    _steps: dict[Any, str] | None = field(default=None, init=False)

    # -- counts ---------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Tasks, open, late and at-risk tasks, sequences (with late tasks), over-booked people."""
        t = self.tasks
        late_seqs = self.lateness[self.lateness["late"] > 0]
        return {
            "tasks": len(t),
            "open": int((~t["done"].fillna(False).astype(bool)).sum()),
            "late": int(t["late"].fillna(False).astype(bool).sum()),
            "at_risk": int(t["at_risk"].fillna(False).astype(bool).sum()),
            "sequences": len(self.lateness),
            "late_sequences": len(late_seqs),
            "overbooked_people": int(self.overbooked["user.id"].nunique()),
        }

    def __repr__(self) -> str:
        c = self.counts()
        lo, hi = self.horizon
        head = (f"ScheduleReport as of {self.as_of}: {c['tasks']:,} tasks, {c['open']:,} open, {c['late']:,} late, "
                f"{c['at_risk']:,} at risk; booking checked {lo} to {hi}")
        return "\n".join([head] + [f"  {k.capitalize()}: {v}" for k, v in self.answers().items()])

    def _repr_html_(self) -> str:
        c = self.counts()
        head = "<th style='text-align:left;vertical-align:top;padding-right:1em'>"
        rows = "".join(f"<tr>{head}{html.escape(k.capitalize())}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>" for k, v in self.answers().items())
        return (f"<div><p><b>Schedule report</b> as of {self.as_of}: {c['tasks']:,} tasks, {c['open']:,} open, "
                f"<b>{c['late']:,} late</b> in {c['late_sequences']} of {c['sequences']} sequences, "
                f"{c['at_risk']:,} at risk; {c['overbooked_people']} people over-booked "
                f"from {self.horizon[0]} to {self.horizon[1]}.</p><table>{rows}</table></div>")

    # -- the answers --------------------------------------------------------------
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

    def _late_entities(self) -> dict[tuple[Any, Any], int]:
        """(project, sequence) → how many shots (entities) have late tasks."""
        late = self.tasks[self.tasks["late"].fillna(False).astype(bool)]
        if late.empty or "sequence.name" not in late.columns:
            return {}
        keys = [c for c in ("project.name", "sequence.name") if c in late.columns]
        counts = late.groupby(keys, observed=True, dropna=True)["entity.id"].nunique()
        return {(k if isinstance(k, tuple) else (None, k)): int(v) for k, v in counts.items()}

    def _late_text(self, top: int = 4) -> str:
        late = self.lateness[self.lateness["late"] > 0]
        total = len(self.lateness)
        if late.empty:
            return f"No sequence has late tasks as of {self.as_of} ({total} sequences)."
        shots = self._late_entities()
        parts = []
        for _, row in late.head(top).iterrows():
            n, days = int(row["late"]), int(row["max_days_late"])
            on = shots.get((row.get("project.name"), row.get("sequence.name")))
            noun = _plural(on, "shot") if on else ""
            parts.append(f"{_label(row)} {_plural(n, 'task')}" + (f" on {noun}" if noun else "")
                         + f", {_days_late(days, n)}")
        more = len(late) - top
        tail = f"; {more} more" if more > 0 else ""
        return (f"{len(late)} of {total} sequences have late tasks as of {self.as_of}: "
                + "; ".join(parts) + tail + ".")

    def _people_steps(self) -> dict[Any, str]:
        """Each booked person's main step (most open estimate in the horizon), for grouping."""
        if self._steps is None:
            import pandas as pd

            lo, hi = (pd.Timestamp(d) for d in self.horizon)
            work = open_work(self.tasks)
            work = work[(work["due_date"] >= lo) & (work["start_date"] <= hi)]
            rows = [(plain_id(p["id"]), step, est or 0)
                    for people, step, est in work[["assignees", "step.name", "estimate_minutes"]].itertuples(
                        index=False, name=None)
                    for p in (people if people is not None and not isinstance(people, float) else [])
                    if self.user_entity in (None, p.get("type")) and step is not None and not pd.isna(step)]
            frame = pd.DataFrame(rows, columns=["user.id", "step", "minutes"])
            best = frame.groupby(["user.id", "step"])["minutes"].sum().reset_index()
            best = best.sort_values(["user.id", "minutes", "step"], ascending=[True, False, True])
            self._steps = dict(best.drop_duplicates("user.id").set_index("user.id")["step"].items())
        return self._steps

    def _overbooked_text(self, top: int = TOP_PEOPLE) -> str:
        lo, hi = self.horizon
        if self.overbooked.empty:
            return f"Nobody is booked above their working time from {lo} to {hi}."
        peak = self.overbooked.sort_values("booked_utilization", ascending=False).drop_duplicates("user.id")
        steps = self._people_steps()
        parts = []
        for _, row in peak.head(top).iterrows():
            step = steps.get(plain_id(row["user.id"]))
            weeks = int((self.overbooked["user.id"] == row["user.id"]).sum())
            span = ((hi - lo).days + 1) // 7
            more = f", over in all {span} weeks" if weeks == span > 1 else \
                f", over in {weeks} of {span} weeks" if weeks > 1 else ""
            parts.append(f"{row['user.name']} ({step + ', ' if step else ''}{row['booked_utilization']:.0%} "
                         f"in the week of {row['week'].date()}{more})")
        people = "1 person is" if len(peak) == 1 else f"{len(peak)} people are"
        tail = f"; {len(peak) - top} more" if len(peak) > top else ""
        return f"{people} booked above their working time from {lo} to {hi}: " + "; ".join(parts) + tail + "."

    def _bid_text(self) -> str:
        done = self.finished if self.finished is not None else self.bid_vs_actual.iloc[0:0]
        everything = self.bid_vs_actual
        est, logged = float(done["estimate_minutes"].sum()), float(done["logged_minutes"].sum())
        open_est = float(everything["estimate_minutes"].sum()) - est
        open_logged = float(everything["logged_minutes"].sum()) - logged
        if est <= 0:
            if float(everything["estimate_minutes"].sum()) <= 0:
                return "No task has an estimate."
            return (f"Nothing is finished yet; {open_est / 60:,.0f} h bid, "
                    f"{open_logged / 60:,.0f} h logged so far.")
        ranked = done.dropna(subset=["ratio"]).sort_values("ratio", ascending=False)
        parts = [f"{row.iloc[0]} {row['ratio']:.0%} ({row['logged_hours']:,.0f} h of {row['estimate_hours']:,.0f} h)"
                 for _, row in ranked.head(3).iterrows()]
        return (f"Finished tasks logged {logged / 60:,.0f} h against {est / 60:,.0f} h bid ({logged / est:.0%}); "
                f"furthest over: " + "; ".join(parts) + f". Open work: {open_est / 60:,.0f} h bid, "
                f"{open_logged / 60:,.0f} h logged so far.")

    # -- the charts and the CSV --------------------------------------------------------
    def gantt_tasks(self) -> tuple[Any, str]:
        """The tasks the report's Gantt chart draws and its title: the sequence with the most late tasks,
        else every task (the chart then picks the active shots around today)."""
        late = self.lateness[self.lateness["late"] > 0]
        tasks = self.tasks
        if late.empty or "sequence.name" not in late.columns:
            return tasks, f"Work around {self.as_of}"
        row = late.iloc[0]
        mask = tasks["sequence.name"] == row["sequence.name"]
        if "project.name" in late.columns:
            mask &= tasks["project.name"] == row["project.name"]
        on = self._late_entities().get((row.get("project.name"), row.get("sequence.name")))
        title = (f"{_label(row)}, the sequence with the most late work: {_plural(int(row['late']), 'late task')}"
                 + (f" on {_plural(on, 'shot')}" if on else ""))
        return tasks[mask.fillna(False).astype(bool)], title

    def summary(self) -> Any:
        """Bid against actual per step: every task's columns, then ``finished_*`` for finished work."""
        out = self.bid_vs_actual.copy()
        if self.finished is not None and len(out):
            key = out.columns[0]
            fin = self.finished.set_index(key)[["tasks", "estimate_minutes", "logged_minutes", "ratio"]]
            fin.columns = [f"finished_{c}" for c in fin.columns]
            out = out.join(fin, on=key)
        return out

    def write(self, output: str | Path) -> dict[str, Path]:
        """Write ``gantt.png``, ``utilization.png`` and ``summary.csv`` (bid vs actual) into ``output``."""
        from .. import plots

        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"gantt": out / "gantt.png", "utilization": out / "utilization.png", "summary": out / "summary.csv"}
        shown, title = self.gantt_tasks()
        fig = plots.gantt(shown, by="entity.name", color="step.name", today=self.as_of, calendar=self.calendar,
                          title=title)
        fig.savefig(paths["gantt"], dpi=100)
        lo, hi = self.horizon
        window = self.utilization[(self.utilization["week"] >= _ts(monday_of(lo)))
                                  & (self.utilization["week"] <= _ts(hi))]
        fig = plots.utilization_chart(window, top=CHART_PEOPLE, groups=self._people_steps(),
                                      title=f"Booked time against working time, {lo} to {hi} (grouped by main step)")
        fig.savefig(paths["utilization"], dpi=100)
        self.summary().to_csv(paths["summary"], index=False)
        return paths


def _ts(day: date) -> Any:
    """``pandas.Timestamp`` of a date (for comparisons with ``datetime64[ms]`` columns)."""
    import pandas as pd

    return pd.Timestamp(day)


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _days_late(days: int, tasks: int) -> str:
    if days <= 0:
        return "due on the last working day" if tasks == 1 else "all due on the last working day"
    return f"{days} working {'day' if days == 1 else 'days'} late" if tasks == 1 else \
        f"up to {days} working {'day' if days == 1 else 'days'} late"


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
    Only open work books time (see :func:`~trackframes.schedule.utilization`).
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
    users = set(active["user.id"]) | {plain_id(u) for u in timelogs["user.id"].dropna()}
    # bookings spread over each task's own working days: cover the active tasks' whole spans
    span_lo = min([past] + [d.date() for d in active["start"].dropna()])
    span_hi = max([horizon[1]] + [d.date() for d in active["due"].dropna()])
    calendars = user_calendars(site, users, span_lo, span_hi, pid)
    util = utilization(timelogs, tasks, calendar=calendar, calendars=calendars, start=past, end=horizon[1])
    status = schedule_status(tasks, today, calendar)
    finished = status[status["done"].fillna(False).astype(bool) & (status["logged_minutes"].fillna(0) > 0)]
    return ScheduleReport(
        as_of=today,
        tasks=status,
        timelogs=timelogs,
        calendar=calendar,
        lateness=lateness(tasks, as_of=today, calendar=calendar),
        utilization=util,
        overbooked=overbooked(util, start=horizon[0], end=horizon[1]),
        bid_vs_actual=bid_vs_actual(tasks),
        horizon=horizon,
        finished=bid_vs_actual(finished),
        user_entity=fields.user_entity,
    )
