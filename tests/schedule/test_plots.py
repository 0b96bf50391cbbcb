"""The charts: axes, labels, bars and shading checked against the data."""

from __future__ import annotations

import sys
from datetime import date, timedelta

import pandas as pd
import pytest

pytest.importorskip("matplotlib")

import matplotlib.dates as mdates  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402

from trackframes import plots, schedule  # noqa: E402
from tests.schedule.conftest import TODAY, days, studio_rule  # noqa: E402


def bars(ax) -> list:
    return [p for c in ax.containers if isinstance(c, BarContainer) for p in c.patches]


def one_sequence(tasks: pd.DataFrame) -> pd.DataFrame:
    seq = tasks["sequence.id"].dropna().iloc[0]
    return tasks[(tasks["sequence.id"] == seq).fillna(False)]


def test_gantt_has_a_bar_per_task_lanes_labels_today_and_shading(sb, tasks):
    part = one_sequence(tasks)
    fig = part.tf.gantt(by="entity.name", color="step.name", today=TODAY, shade="all")
    ax = fig.axes[0]
    drawn = part[part["start_date"].notna() & part["due_date"].notna()]
    late = drawn[~drawn["done"].astype(bool) & (drawn["due_date"] < pd.Timestamp(TODAY))]
    assert len(bars(ax)) == len(drawn) > 0
    first = drawn.groupby("entity.name")["start_date"].min()
    lanes = sorted(first.index, key=lambda n: (first[n], list(first.index).index(n)))
    assert [t.get_text() for t in ax.get_yticklabels()] == lanes
    assert ax.get_xlabel() == "date" and ax.get_ylabel() == "entity.name"
    assert f"{len(drawn)} tasks" in ax.get_title()
    # each bar spans its task, in its lane, coloured by step
    spans = sorted((round(b.get_x(), 6), round(b.get_x() + b.get_width(), 6), round(b.get_y() + b.get_height() / 2))
                   for b in bars(ax))
    want = sorted((round(mdates.date2num(start), 6), round(mdates.date2num(due + pd.Timedelta(days=1)), 6),
                   lanes.index(lane))
                  for start, due, lane in zip(drawn["start_date"], drawn["due_date"], drawn["entity.name"]))
    assert spans == want
    colour_of = {}
    for b, step in zip(bars(ax), drawn["step.name"]):
        colour_of.setdefault(step, set()).add(tuple(b.get_facecolor()))
    assert all(len(c) == 1 for c in colour_of.values())
    assert len({next(iter(c)) for c in colour_of.values()}) == len(colour_of)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    steps = list(dict.fromkeys(drawn["step.name"]))
    assert len(late) > 0
    assert legend == steps + [f"today ({TODAY})", f"late ({len(late)} open past due)", "non-working day"]
    # late tasks: a red outline, and a dotted line from the due date to today
    outlined = [b for b in bars(ax) if b.get_edgecolor()[:3] == pytest.approx((0.839, 0.153, 0.157), abs=1e-3)]
    assert len(outlined) == len(late)
    whiskers = [seg for c in ax.collections for seg in c.get_segments()]
    assert sorted(round(seg[0][0], 6) for seg in whiskers) == sorted(
        round(mdates.date2num(d + pd.Timedelta(days=1)), 6) for d in late["due_date"])
    assert all(seg[1][0] == mdates.date2num(TODAY) for seg in whiskers)
    today_lines = [ln for ln in ax.get_lines() if ln.get_xdata()[0] == mdates.date2num(TODAY)]
    assert len(today_lines) == 1
    # shaded days are exactly the store's non-working days in view
    lo, hi = (mdates.num2date(x).date() for x in ax.get_xlim())
    shaded = sum(round(p.get_width()) for p in ax.patches if p not in bars(ax))
    works = studio_rule(sb)
    assert shaded == sum(1 for d in days(lo, hi - timedelta(days=1)) if not works(d))


def test_gantt_long_spans_shade_only_days_off(sb, tasks):
    part = one_sequence(tasks)
    ax = part.tf.gantt(today=TODAY).axes[0]
    lo, hi = (mdates.num2date(x).date() for x in ax.get_xlim())
    assert (hi - lo).days > 180  # so "auto" shades days off in the working week only
    shaded = sum(round(p.get_width()) for p in ax.patches if p not in bars(ax))
    works = studio_rule(sb)
    assert shaded == sum(1 for d in days(lo, hi - timedelta(days=1)) if not works(d) and d.weekday() < 5)
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == "day off (weekends not shaded)"
    plain = part.tf.gantt(today=TODAY, shade="none").axes[0]
    assert len(plain.patches) == len(bars(plain))  # nothing shaded


def test_gantt_limits_lanes_and_says_so(tasks):
    part = one_sequence(tasks)
    n = part["entity.name"].nunique()
    fig = plots.gantt(part, max_lanes=3, today=TODAY)
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == 3
    assert f"first 3 of {n} lanes" in ax.get_title()


def test_gantt_on_a_find_frame_without_a_calendar(site):
    df = site.find("Task", [["sg_status_list", "is", "ip"]], ["entity", "step", "start_date", "due_date"])
    fig = df.tf.gantt(today=TODAY)
    ax = fig.axes[0]
    assert len(bars(ax)) == int((df["start_date"].notna() & df["due_date"].notna()).sum())
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == f"today ({TODAY})"
    with pytest.raises(KeyError, match="sequence.name"):
        df.tf.gantt(by="sequence.name")


def test_utilization_chart_is_a_person_by_week_grid(site, tasks):
    logs = site.timelogs(start=date(2026, 2, 2), end=TODAY)
    util = schedule.utilization(logs, tasks, start=date(2026, 2, 2), end=date(2026, 3, 29))
    fig = plots.utilization_chart(util)
    ax = fig.axes[0]
    people = sorted(util["user.name"].unique())
    weeks = sorted(util["week"].unique())
    assert ax.images[0].get_array().shape == (len(people), len(weeks))
    assert [t.get_text() for t in ax.get_yticklabels()] == people
    assert len(ax.get_xticklabels()) == len(weeks)
    assert ax.get_xlabel() == "week starting" and ax.get_ylabel() == "person"
    grid = util.pivot_table(index="user.name", columns="week", values="booked_utilization", aggfunc="sum")
    assert (ax.images[0].get_array() == grid.fillna(0).to_numpy(dtype=float) * 100).all()


def test_bid_vs_actual_chart_has_two_bars_per_step(tasks):
    bid = schedule.bid_vs_actual(tasks)
    fig = plots.bid_vs_actual_chart(bid)
    ax = fig.axes[0]
    heights = [b.get_width() for b in bars(ax)]
    assert len(heights) == 2 * len(bid)
    assert heights[: len(bid)] == pytest.approx(bid["estimate_hours"].astype(float).tolist())
    assert heights[len(bid):] == pytest.approx(bid["logged_hours"].astype(float).tolist())
    assert [t.get_text() for t in ax.get_yticklabels()] == bid["step.name"].tolist()


def test_missing_matplotlib_says_how_to_install_it(monkeypatch, tasks):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install trackframes\[plot\]"):
        tasks.tf.gantt(today=TODAY)
    with pytest.raises(ImportError, match=r"pip install trackframes\[plot\]"):
        plots.bid_vs_actual_chart(schedule.bid_vs_actual(tasks))
