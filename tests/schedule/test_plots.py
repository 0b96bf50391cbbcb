"""The charts: window, lanes, labels, late marks, shading and colours checked against the data."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date, timedelta

import pandas as pd
import pytest

pytest.importorskip("matplotlib")

import matplotlib.dates as mdates  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402

from trackframes import plots, schedule  # noqa: E402
from tests.schedule.conftest import DONE, TODAY, day, days, live, studio_rule  # noqa: E402

MONDAY = TODAY - timedelta(days=TODAY.weekday())
WINDOW = (MONDAY - timedelta(weeks=3), MONDAY + timedelta(weeks=5, days=-1))  # the documented default


def bars(ax) -> list:
    return [p for c in ax.containers if isinstance(c, BarContainer) for p in c.patches]


def xlim_dates(ax) -> tuple[date, date]:
    lo, hi = ax.get_xlim()
    return mdates.num2date(lo).date(), mdates.num2date(hi).date()


def one_sequence(tasks: pd.DataFrame, late: bool = False) -> pd.DataFrame:
    """The tasks of a sequence (the one with the most late tasks when ``late``)."""
    if late:
        status = schedule.schedule_status(tasks, as_of=TODAY)
        counts = status[status["late"].astype(bool)]["sequence.id"].value_counts()
        seq = counts.index[0]
    else:
        seq = tasks["sequence.id"].dropna().iloc[0]
    return tasks[(tasks["sequence.id"] == seq).fillna(False)]


def late_reference(sb) -> dict[str, list[dict]]:
    """Entity name → its late tasks (open, due before TODAY), from the store."""
    out: dict[str, list[dict]] = {}
    for t in live(sb, "Task"):
        if t["sg_status_list"] not in DONE and day(t["due_date"]) < TODAY:
            out.setdefault(sb.store.display_name(t["entity"]["type"], t["entity"]["id"]), []).append(t)
    return out


def is_red(rgba) -> bool:
    r, g, b = rgba[:3]
    return r > 0.6 and g < 0.35 and b < 0.35


# ---------------------------------------------------------------------------
# the Gantt chart
# ---------------------------------------------------------------------------

def test_gantt_has_a_bar_per_task_lanes_labels_today_and_shading(sb, tasks):
    part = one_sequence(tasks, late=True)
    lo, hi = part["start_date"].min().date(), part["due_date"].max().date()
    lanes = sorted(part["entity.name"].unique())
    fig = part.tf.gantt(lanes=lanes, start=lo, end=hi, today=TODAY, shade="all", max_lanes=None)
    ax = fig.axes[0]
    assert len(bars(ax)) == len(part) > 0
    assert [t.get_text() for t in ax.get_yticklabels()] == lanes  # the lanes asked for, in that order
    assert ax.get_ylabel() == "shot" and ax.get_legend().get_title().get_text() == "step"
    assert xlim_dates(ax) == (lo, hi + timedelta(days=1))
    # each bar spans its task, in its lane, coloured by step, and no step is drawn in the colour of late work
    spans = sorted((round(b.get_x(), 6), round(b.get_x() + b.get_width(), 6), round(b.get_y() + b.get_height() / 2))
                   for b in bars(ax))
    want = sorted((round(mdates.date2num(start), 6), round(mdates.date2num(due + pd.Timedelta(days=1)), 6),
                   lanes.index(lane))
                  for start, due, lane in zip(part["start_date"], part["due_date"], part["entity.name"]))
    assert spans == want
    colour_of: dict[str, set] = {}
    for b, step in zip(bars(ax), part["step.name"]):
        colour_of.setdefault(step, set()).add(tuple(b.get_facecolor()))
    assert all(len(c) == 1 for c in colour_of.values())
    assert len({next(iter(c)) for c in colour_of.values()}) == len(colour_of)
    assert not any(is_red(next(iter(c))) for c in colour_of.values())
    # the legend: steps in the order their work starts, then today, late work and shading
    first = part.groupby("step.name")["start_date"].min().sort_values(kind="stable")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    late = part[~part["done"].astype(bool) & (part["due_date"] < pd.Timestamp(TODAY))]
    assert len(late) > 0
    assert legend == list(first.index) + [
        f"today ({TODAY})",
        f"late ({len(late)} open past due, {late['entity.name'].nunique()} shot"
        + ("s)" if late["entity.name"].nunique() > 1 else ")"),
        "non-working day"]
    today_lines = [ln for ln in ax.get_lines() if ln.get_xdata()[0] == mdates.date2num(TODAY)]
    assert len(today_lines) == 1
    # shaded days are exactly the store's non-working days in view
    shaded = sum(round(p.get_width()) for p in ax.patches if p not in bars(ax))
    works = studio_rule(sb)
    assert shaded == sum(1 for d in days(lo, hi) if not works(d))


def test_gantt_late_marks_are_light_one_dotted_line_per_lane(sb, tasks):
    part = one_sequence(tasks, late=True)
    ax = part.tf.gantt(today=TODAY).axes[0]
    late = late_reference(sb)
    shown = [t.get_text() for t in ax.get_yticklabels()]
    lanes_late = [lane for lane in shown if lane in late]
    outlined = [b for b in bars(ax) if is_red(b.get_edgecolor())]
    assert len(outlined) == sum(len(late[lane]) for lane in lanes_late) > 0
    assert all(b.get_linewidth() <= 1.5 for b in outlined)
    (dots,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    segments = dots.get_segments()
    assert len(segments) == len(lanes_late)  # one line per lane: overlapping dots never merge into a solid line
    for seg in segments:
        lane = shown[round(seg[0][1])]
        first_miss = min(day(t["due_date"]) for t in late[lane]) + timedelta(days=1)
        assert seg[0][0] == pytest.approx(mdates.date2num(first_miss))
        assert seg[1][0] == pytest.approx(mdates.date2num(TODAY))
    (offset, pattern), = dots.get_linestyle()
    assert pattern is not None and pattern[0] < pattern[1]  # dots shorter than the gaps between them
    assert dots.get_zorder() < min(b.get_zorder() for b in bars(ax))  # under the bars


def test_gantt_defaults_to_the_weeks_around_today_with_late_and_active_lanes_first(sb, tasks):
    ax = tasks.tf.gantt(max_lanes=5).axes[0]  # the frame's today is the sandbox's
    assert xlim_dates(ax) == (WINDOW[0], WINDOW[1] + timedelta(days=1))
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    assert len(lanes) == 5
    late = late_reference(sb)
    ranked = sorted(late, key=lambda lane: -len(late[lane]))
    k = min(len(late), 5)
    assert [len(late[lane]) for lane in lanes[:k]] == [len(late[lane]) for lane in ranked[:k]]
    assert set(lanes[:k]) <= set(late)
    # every lane shown has work in the window; the title says how many lanes had some
    lo, hi = (pd.Timestamp(d) for d in WINDOW)
    in_view = tasks[(tasks["due_date"] >= lo) & (tasks["start_date"] <= hi)]
    for lane in lanes:
        assert lane in set(in_view["entity.name"]) or lane in late
    candidates = set(in_view["entity.name"]) | set(late)
    assert len(candidates) > 5
    assert f"5 shots or assets of {len(candidates)} with work in view" in ax.get_title()
    assert ax.get_ylabel() == "shot or asset"


def test_gantt_window_and_lanes_can_be_picked(tasks):
    part = one_sequence(tasks)
    names = sorted(part["entity.name"].unique())
    fig = plots.gantt(part, lanes=[names[1], names[0]], start="2025-12-01", end=date(2026, 1, 31), today=TODAY)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [names[1], names[0]]
    assert xlim_dates(ax) == (date(2025, 12, 1), date(2026, 2, 1))
    assert len(bars(ax)) == int(part["entity.name"].isin(names[:2]).sum())
    with pytest.raises(KeyError, match=f"Did you mean '{names[0]}'"):
        plots.gantt(part, lanes=[names[0] + "x"])
    with pytest.raises(TypeError, match="start_column"):
        plots.gantt(part, start="start_date")
    with pytest.raises(ValueError, match="before start"):
        plots.gantt(part, start="2026-02-01", end="2026-01-01")


def test_gantt_of_old_work_shows_its_own_span(sb, tasks):
    old = tasks[tasks["due_date"] < pd.Timestamp(WINDOW[0]) - pd.Timedelta(days=30)]
    part = old[(old["sequence.id"] == old["sequence.id"].dropna().iloc[0]).fillna(False)]
    assert len(part) and part["due_date"].max() < pd.Timestamp(WINDOW[0])  # nothing of it near today
    ax = part.tf.gantt(today=TODAY).axes[0]
    lo, hi = xlim_dates(ax)
    assert lo <= part["start_date"].min().date() and hi > part["due_date"].max().date()
    assert len(bars(ax)) == len(part[part["entity.name"].isin([t.get_text() for t in ax.get_yticklabels()])])


def test_gantt_long_spans_shade_only_days_off(sb, tasks):
    part = one_sequence(tasks)
    ax = part.tf.gantt(today=TODAY, start=TODAY - timedelta(days=300), end=TODAY).axes[0]
    lo, hi = xlim_dates(ax)
    assert (hi - lo).days > 180  # so "auto" shades days off in the working week only
    shaded = sum(round(p.get_width()) for p in ax.patches if p not in bars(ax))
    works = studio_rule(sb)
    assert shaded == sum(1 for d in days(lo, hi - timedelta(days=1)) if not works(d) and d.weekday() < 5)
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == "day off (weekends not shaded)"
    plain = part.tf.gantt(today=TODAY, shade="none").axes[0]
    assert len(plain.patches) == len(bars(plain))  # nothing shaded


def test_gantt_limits_lanes_and_says_so(tasks):
    part = one_sequence(tasks)
    fig = plots.gantt(part, max_lanes=3, today=TODAY, start=part["start_date"].min(), end=part["due_date"].max())
    ax = fig.axes[0]
    n = part["entity.name"].nunique()
    assert len(ax.get_yticklabels()) == 3
    assert f"3 shots of {n} with work in view" in ax.get_title()


def test_gantt_on_a_find_frame_without_a_calendar(site):
    df = site.find("Task", [["sg_status_list", "is", "ip"]], ["entity", "step", "start_date", "due_date"])
    fig = df.tf.gantt(today=TODAY, max_lanes=None)
    ax = fig.axes[0]
    assert len(bars(ax)) == int((df["start_date"].notna() & df["due_date"].notna()).sum())
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == f"today ({TODAY})"
    with pytest.raises(KeyError, match="Did you mean 'step.name'"):
        df.tf.gantt(by="step.nam")


# ---------------------------------------------------------------------------
# the utilization chart
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def util(site, tasks):
    logs = site.timelogs(start=WINDOW[0], end=TODAY)
    return schedule.utilization(logs, tasks, start=MONDAY - timedelta(weeks=2), end=MONDAY + timedelta(days=27))


def contrast(a, b) -> float:
    """WCAG contrast ratio of two colours."""
    def lum(c):
        r, g, b = (x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in to_rgba(c)[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_utilization_chart_sorts_by_overload_and_keeps_the_top(util):
    fig = plots.utilization_chart(util, top=6)
    ax = fig.axes[0]
    peaks = util.assign(v=util["booked_utilization"].astype(float)).groupby("user.name")["v"].max().fillna(0)
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert len(shown) == 6
    assert [peaks[n] for n in shown] == sorted(peaks, reverse=True)[:6]
    assert f"the 6 most booked of {util['user.id'].nunique()} people" in ax.get_title()
    assert ax.get_xlabel() == "week starting"
    weeks = sorted(util["week"].unique())
    assert [t.get_text() for t in ax.get_xticklabels()] == [pd.Timestamp(w).strftime("%d %b") for w in weeks]
    w, h = fig.get_size_inches() * fig.dpi
    assert w <= 1400 and h <= 800  # six people: a small image
    everyone = plots.utilization_chart(util, top=None).axes[0]
    assert len(everyone.get_yticklabels()) == util["user.id"].nunique()


def test_utilization_chart_scale_diverges_around_full_and_text_reads(util):
    fig = plots.utilization_chart(util, top=None)
    ax = fig.axes[0]
    image = ax.images[0]
    cmap, norm = image.get_cmap(), image.norm
    assert norm(1.0) == pytest.approx(0.5)  # fully booked sits in the middle of the scale
    idle, full, over = cmap(norm(0.0)), cmap(norm(1.0)), cmap(norm(1.5))
    assert idle[2] > idle[0] + 0.2 and over[0] > over[2] + 0.2  # spare time blue, over-booked red
    assert min(full[:3]) > 0.9  # the neutral middle is near white
    assert contrast(idle, full) > 4  # 0 % booked does not look like a healthy week
    data = image.get_array()
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t for t in ax.texts}
    checked = 0
    for (i, j), t in texts.items():
        if t.get_text() == "off":
            continue
        cell = cmap(norm(min(float(data[i, j]), norm.vmax)))
        assert contrast(t.get_color(), cell) >= 4.5, (t.get_text(), cell, t.get_color())
        checked += 1
    assert checked > 10
    colours = Counter(t.get_color() for t in ax.texts if t.get_text() != "off")
    assert len(colours) == 2  # black on light cells, white on dark ones


def test_utilization_chart_values_and_groups(util, tasks):
    steps = {}
    for people, step in tasks[["assignees", "step.name"]].itertuples(index=False, name=None):
        for p in people:
            steps.setdefault(p["id"], step)
    fig = plots.utilization_chart(util, top=None, groups=steps)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    bold = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    people = util.drop_duplicates("user.id").set_index("user.name")["user.id"]
    assert set(bold) == {steps.get(u, "(other)") for u in people}
    # each person sits under their group's header, and cells hold their values
    data = ax.images[0].get_array()
    grid = util.pivot_table(index="user.name", columns="week", values="booked_utilization", aggfunc="sum")
    current = None
    for i, label in enumerate(labels):
        if label in bold and label not in people.index:
            current = label
            assert data.mask[i].all()  # a header row has no cells
            continue
        assert steps.get(people[label], "(other)") == current
        avail = util[util["user.name"] == label].set_index("week")["available_minutes"]
        for j, week in enumerate(grid.columns):
            if avail[week] > 0:
                assert float(data[i, j]) == pytest.approx(float(grid.loc[label, week]))
            else:
                assert data.mask[i, j]  # a week off is grey, not "0 %"


def test_charts_of_nothing_say_so():
    empty = plots.utilization_chart(schedule.utilization(None, None))
    assert "Nobody is booked in these weeks" in [t.get_text() for t in empty.axes[0].texts]
    none = pd.DataFrame({"entity.name": pd.Series([], dtype="string"),
                         "start_date": pd.Series([], dtype="datetime64[ms]"),
                         "due_date": pd.Series([], dtype="datetime64[ms]"), "step.name": pd.Series([], dtype="string")})
    ax = plots.gantt(none, today=TODAY).axes[0]
    assert "No task in this window" in [t.get_text() for t in ax.texts]
    assert xlim_dates(ax) == (WINDOW[0], WINDOW[1] + timedelta(days=1))


def test_bid_vs_actual_chart_has_two_bars_per_step(tasks):
    bid = schedule.bid_vs_actual(tasks)
    fig = plots.bid_vs_actual_chart(bid)
    ax = fig.axes[0]
    heights = [b.get_width() for b in bars(ax)]
    assert len(heights) == 2 * len(bid)
    assert heights[: len(bid)] == pytest.approx(bid["estimate_hours"].astype(float).tolist())
    assert heights[len(bid):] == pytest.approx(bid["logged_hours"].astype(float).tolist())
    assert [t.get_text() for t in ax.get_yticklabels()] == bid["step.name"].tolist()
    assert ax.get_ylabel() == "step"


def test_missing_matplotlib_says_how_to_install_it(monkeypatch, tasks):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install trackframes\[plot\]"):
        tasks.tf.gantt(today=TODAY)
    with pytest.raises(ImportError, match=r"pip install trackframes\[plot\]"):
        plots.bid_vs_actual_chart(schedule.bid_vs_actual(tasks))
