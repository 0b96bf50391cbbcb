"""Schedule charts: a Gantt chart, a utilization heat map and bid against actual.

matplotlib is optional (``pip install trackframes[plot]``) and imported only
when a chart is drawn. Charts are built on a bare ``matplotlib.figure.Figure``
(no pyplot state): save them with ``fig.savefig(...)``, or let Jupyter show
them.

>>> import trackframes as tf
>>> from trackframes import plots, schedule
>>> with tf.sandbox.serve(scale=0.02, seed=1) as sb:
...     site = sb.connect(progress=False)
...     tasks = site.tasks()
...     fig = plots.gantt(tasks, max_lanes=8)            # the weeks around the site's today
...     util = schedule.utilization(None, tasks, start=site.today, end=site.today)
...     heat = plots.utilization_chart(util, top=10)
>>> fig.axes[0].get_ylabel(), heat.axes[0].get_xlabel()
('shot or asset', 'week starting')
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Sequence

__all__ = ["gantt", "utilization_chart", "bid_vs_actual_chart", "require_matplotlib", "human_label", "text_color"]

_HINT = "Charts need matplotlib, an optional dependency: pip install trackframes[plot]"

#: Weeks shown before and after today's week by default.
WEEKS_BEFORE, WEEKS_AFTER = 3, 5
#: How late tasks are marked (a red outline, and a dotted red line from the first missed due date to today).
LATE_COLOR = "tab:red"
TODAY_COLOR = "0.15"

_LABELS = {
    "step.name": "step",
    "sequence.name": "sequence",
    "project.name": "project",
    "name": "task",
    "status": "status",
    "user.name": "person",
    "task.name": "task",
}


def require_matplotlib() -> Any:
    """Import matplotlib, or raise ``ImportError`` saying how to install it."""
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as exc:
        raise ImportError(_HINT) from exc
    return matplotlib


def human_label(column: str, frame: Any = None) -> str:
    """A reader's name for a column: ``"step.name"`` → ``"step"``, ``"entity.name"`` → ``"shot"``.

    A field of a frame read from a site is named by the site's display name for
    it (``frame``'s provenance, while its site is open); other columns by their
    words.

    >>> human_label("sequence.name"), human_label("step.name"), human_label("due_date")
    ('sequence', 'step', 'due date')
    """
    if column == "entity.name":
        kinds = set()
        if frame is not None and "entity.type" in getattr(frame, "columns", ()):
            kinds = {str(k) for k in frame["entity.type"].dropna().unique()}
        return kinds.pop().lower() if len(kinds) == 1 else "shot or asset"
    if column in _LABELS:
        return _LABELS[column]
    text = column[: -len(".name")] if column.endswith(".name") else column
    return _display_name(frame, text) or text.replace("_", " ").replace(".", " ")


def _display_name(frame: Any, field: str) -> str | None:
    """The site's display name of ``field`` of the frame's entity, lower-cased (``None`` when unknown)."""
    prov = (getattr(frame, "attrs", None) or {}).get("trackframes") or {}
    entity, url = prov.get("entity"), prov.get("site")
    if not isinstance(entity, str) or not isinstance(url, str) or prov.get("kind") not in (None, "find"):
        return None
    from .accessor import registered_site

    site = registered_site(url)
    if site is None:
        return None
    try:
        spec = site.field_specs(entity).get(field)
    except Exception:  # a label is never worth a failed chart
        return None
    return spec.display_name.lower() if spec is not None and spec.display_name else None


def _plural(word: str) -> str:
    """``"shot"`` → ``"shots"``, ``"shot or asset"`` → ``"shots or assets"``."""
    return " or ".join(w if w.endswith("s") else f"{w}s" for w in word.split(" or "))


def _figure(width: float, height: float) -> Any:
    require_matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _palette(n: int) -> list[Any]:
    """``n`` distinct bar colours, none of them red (red marks late work)."""
    from matplotlib import colormaps

    tab10, tab20 = colormaps["tab10"], colormaps["tab20"]
    colors = [tab10(i) for i in range(10) if i != 3] + [tab20(2 * i + 1) for i in range(10) if i != 3]
    return [colors[i % len(colors)] for i in range(n)]


# ---------------------------------------------------------------------------
# the Gantt chart
# ---------------------------------------------------------------------------

def _window(rows: Any, start: Any, end: Any, today: date, start_column: str, end_column: str,
            ) -> tuple[date, date]:
    """The days shown: ``start``/``end`` when given, else the weeks around today (else the tasks' own span)."""
    import pandas as pd

    from .schedule.calendar import as_date, monday_of

    if start is not None or end is not None:
        lo = as_date(start) if start is not None else as_date(end) - timedelta(weeks=WEEKS_BEFORE + WEEKS_AFTER)
        hi = as_date(end) if end is not None else lo + timedelta(weeks=WEEKS_BEFORE + WEEKS_AFTER)
        if hi < lo:
            raise ValueError(f"end ({hi}) is before start ({lo}).")
        return lo, hi
    monday = monday_of(today)
    lo, hi = monday - timedelta(weeks=WEEKS_BEFORE), monday + timedelta(weeks=WEEKS_AFTER, days=-1)
    overlaps = (rows[end_column] >= pd.Timestamp(lo)) & (rows[start_column] <= pd.Timestamp(hi))
    if len(rows) and not overlaps.any():  # nothing near today (old or future work): show the tasks' span
        lo = rows[start_column].min().date() - timedelta(days=2)
        hi = rows[end_column].max().date() + timedelta(days=3)
    return lo, hi


def _lanes(rows: Any, by: str, lanes: Sequence[Any] | None, max_lanes: int | None, late: Any, window: tuple[date, date],
           start_column: str, end_column: str) -> tuple[list[Any], int, dict[Any, int]]:
    """(lanes to draw, how many lanes had work in the window, late tasks per lane)."""
    import pandas as pd

    late_per_lane = rows.loc[late, by].value_counts().to_dict() if late.any() else {}
    if lanes is not None:
        known = list(dict.fromkeys(rows[by]))
        wanted = list(dict.fromkeys(lanes))
        missing = [lane for lane in wanted if lane not in set(known)]
        if missing:
            close = difflib.get_close_matches(str(missing[0]), [str(k) for k in known], n=3, cutoff=0.5)
            did = (" Did you mean " + " or ".join(repr(c) for c in close) + "?") if close else ""
            raise KeyError(f"No task has {by} == {missing[0]!r}.{did}")
        return wanted, len(wanted), late_per_lane
    lo, hi = (pd.Timestamp(d) for d in window)
    inside = (rows[end_column] >= lo) & (rows[start_column] <= hi)
    open_ = ~rows["done"].fillna(False).astype(bool) if "done" in rows.columns else pd.Series(True, index=rows.index)
    shown = rows[inside | late]
    if shown.empty:
        return [], 0, late_per_lane
    grouped = shown.assign(_active=(inside & open_)[shown.index]).groupby(by, observed=True, sort=False)
    first = grouped[start_column].min()
    active = grouped["_active"].any()
    order = sorted(first.index, key=lambda lane: (-late_per_lane.get(lane, 0), not active[lane], first[lane],
                                                  str(lane)))
    return order[:max_lanes] if max_lanes else order, len(order), late_per_lane


def gantt(tasks: Any, by: str = "entity.name", color: str | None = "step.name", *, start: Any = None,
          end: Any = None, lanes: Sequence[Any] | None = None, max_lanes: int | None = 30, today: Any = None,
          calendar: Any = None, title: str | None = None, shade: str = "auto", start_column: str = "start_date",
          end_column: str = "due_date", ax: Any = None) -> Any:
    """A Gantt chart of ``tasks``: one lane per ``by`` value, one bar per task, coloured by ``color``.

    * **Window**: the days from ``start`` to ``end`` (dates); by default three
      weeks before today's week to five weeks after it, or the tasks' own span
      when none of them comes near today. ``today`` defaults to the today of the
      site the frame came from (``site.today``).
    * **Lanes**: ``lanes`` picks them (in that order); otherwise lanes with a
      late task come first (the most late tasks first), then lanes with open
      work in the window, then the rest with work in the window, each by their
      first start; at most ``max_lanes`` are drawn and the title says how many
      were left out.
    * **Marks**: bars run from the start date to the end of the due date. With
      a ``done`` column (the canonical tasks frame), late tasks (open, due
      before today) get a red outline, and each lane with late work a dotted red
      line from its first missed due date to today. Today is a dashed line.
      Non-working days are shaded when a calendar is known (``calendar``, else
      the one a canonical tasks frame carries): ``shade="all"`` shades every
      one, ``"days off"`` only those in the working week, ``"none"`` nothing,
      ``"auto"`` all of them for windows up to 180 days.

    ``start_column``/``end_column`` name the date columns. Axis and legend
    titles are readers' words (:func:`human_label`). Returns the ``Figure``.
    """
    require_matplotlib()
    import matplotlib.dates as mdates
    import numpy as np
    import pandas as pd
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .schedule.calendar import Calendar, today_or

    for name, value in (("start", start), ("end", end)):
        if isinstance(value, str) and value in tasks.columns:
            raise TypeError(f"{name}= is the first or last day shown; name the date column with {name}_column=.")
    for column in (by, start_column, end_column) + ((color,) if color else ()):
        if column not in tasks.columns:
            close = difflib.get_close_matches(column, [str(c) for c in tasks.columns], n=3, cutoff=0.5)
            did = (" Did you mean " + " or ".join(repr(c) for c in close) + "?") if close else ""
            raise KeyError(f"gantt needs a {column!r} column; the frame has {list(tasks.columns)}.{did}")
    today = today_or(today, tasks)
    calendar = calendar if calendar is not None else Calendar.from_frame(tasks)
    rows = tasks[tasks[start_column].notna() & tasks[end_column].notna() & tasks[by].notna()]
    late_all = ((~rows["done"].fillna(False).astype(bool)) & (rows[end_column] < pd.Timestamp(today))) \
        if "done" in rows.columns else pd.Series(False, index=rows.index)
    lo, hi = _window(rows, start, end, today, start_column, end_column)
    chosen, candidates, _ = _lanes(rows, by, lanes, max_lanes, late_all, (lo, hi), start_column, end_column)
    rows = rows[rows[by].isin(chosen)]
    late = late_all[rows.index].to_numpy(dtype=bool)
    lane_of = {lane: i for i, lane in enumerate(chosen)}

    if ax is None:
        fig = _figure(12, max(3.0, 0.36 * len(chosen) + 2.0))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    labels = rows[color].astype("object").where(rows[color].notna(), "(none)") if color else None
    # legend in the order work happens (each key by its earliest start): the pipeline order for steps
    keys = list(rows.groupby(labels, sort=False)[start_column].min().sort_values(kind="stable").index) \
        if labels is not None and len(rows) else []
    colors = dict(zip(keys, _palette(len(keys))))
    starts = mdates.date2num(pd.to_datetime(rows[start_column]).dt.to_pydatetime())
    ends = mdates.date2num((pd.to_datetime(rows[end_column]) + pd.Timedelta(days=1)).dt.to_pydatetime())
    ys = np.array([lane_of[v] for v in rows[by]], dtype=float)
    today_num = mdates.date2num(today)
    ax.barh(ys, ends - starts, left=starts, height=0.7, color=[colors[v] for v in labels] if color else "tab:blue",
            edgecolor=[LATE_COLOR if x else "white" for x in late], linewidth=[1.3 if x else 0.5 for x in late],
            label="_tasks", zorder=2)
    overdue_lanes = 0
    if late.any():  # one dotted line per lane, from its first missed due date to today, under the bars
        first_miss = pd.Series(ends[late]).groupby(ys[late]).min()
        overdue_lanes = len(first_miss)
        lines = ax.hlines(first_miss.index.to_numpy(), first_miss.to_numpy(), today_num, colors=LATE_COLOR,
                          linestyles=(0, (1, 2.5)), linewidth=1.6, alpha=0.85, zorder=1)
        lines.set_capstyle("round")
    ax.axvline(today_num, color=TODAY_COLOR, linestyle="--", linewidth=1.2, zorder=3, label=f"today ({today})")

    if shade == "auto":
        shade = "all" if (hi - lo).days <= 180 else "days off"
    if shade not in ("all", "days off", "none"):
        raise ValueError(f"shade must be 'auto', 'all', 'days off' or 'none', not {shade!r}.")
    shaded = None
    if calendar is not None and shade != "none":
        off = calendar.non_working_dates(lo, hi)
        if shade == "days off":
            off = [d for d in off if calendar.default_week[d.weekday()]]
        for a, b in _spans(off):
            ax.axvspan(mdates.date2num(a), mdates.date2num(b + timedelta(days=1)), color="0.92", zorder=0,
                       linewidth=0)
        shaded = Patch(color="0.92", label="non-working day" if shade == "all" else "day off (weekends not shaded)")
    ax.set_xlim(mdates.date2num(lo), mdates.date2num(hi + timedelta(days=1)))
    ax.set_ylim(max(len(chosen), 1) - 0.5, -0.5)
    ax.set_yticks(range(len(chosen)), [str(v) for v in chosen])
    if not chosen:
        ax.text(0.5, 0.5, "No task in this window", transform=ax.transAxes, ha="center", va="center", color="0.4")
    if (hi - lo).days <= 120:
        ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    else:
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("date")
    lane_word = human_label(by, tasks)
    ax.set_ylabel(lane_word)
    ax.grid(axis="x", color="0.8", linewidth=0.5)
    visible = int(((rows[end_column] >= pd.Timestamp(lo)) & (rows[start_column] <= pd.Timestamp(hi))).sum())
    shown = f"{visible} tasks, {len(chosen)} {_plural(lane_word)}"
    if candidates > len(chosen):
        shown += f" of {candidates} with work in view"
    ax.set_title(f"{title or 'Schedule'}\n{lo:%d %b %Y} to {hi:%d %b %Y}: {shown}", fontsize="medium")
    handles: list[Any] = [Patch(color=colors[k], label=str(k)) for k in keys]
    handles.append(Line2D([], [], color=TODAY_COLOR, linestyle="--", linewidth=1.2, label=f"today ({today})"))
    if late.any():
        handles.append(Line2D([], [], color=LATE_COLOR, linestyle=(0, (1, 2.5)), linewidth=1.6,
                              label=f"late ({int(late.sum())} open past due, {overdue_lanes} "
                                    f"{lane_word if overdue_lanes == 1 else _plural(lane_word)})"))
    if shaded is not None:
        handles.append(shaded)
    ax.legend(handles=handles, title=human_label(color, tasks) if color else None, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return fig


def _spans(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days → (first, last) runs."""
    out: list[tuple[date, date]] = []
    for day in sorted(days):
        if out and day == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


# ---------------------------------------------------------------------------
# the utilization heat map
# ---------------------------------------------------------------------------

def text_color(rgba: Sequence[float]) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba`` (by relative luminance).

    >>> text_color((1.0, 1.0, 1.0)), text_color((0.4, 0.0, 0.05))
    ('black', 'white')
    """
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(float(c)) for c in rgba[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if luminance > 0.179 else "white"  # the luminance where both contrasts are equal


def utilization_chart(util: Any, value: str = "booked_utilization", *, title: str | None = None,
                      top: int | None = 25, groups: str | Mapping[Any, Any] | None = None, vmax: float = 1.5,
                      ax: Any = None) -> Any:
    """A heat map of ``value`` (a ratio; 1.0 = full) per person (rows) and week (columns).

    * People are sorted by overload: their busiest week first (then their
      average); ``top`` keeps the most loaded (``None`` keeps everyone) and the
      title says how many were left out.
    * ``groups`` (a column of ``util``, or a mapping of ``user.id`` to a
      label such as a department or step) puts people under a header row per
      group, the most loaded group first.
    * The colour scale diverges around 100 %: blue is spare time (0 % is the
      darkest blue, never the colour of a healthy week), white is fully booked
      and red over-booked, up to ``vmax``. Each cell's text is black or white
      by the cell's luminance. Weeks with no working time are grey ("off").
    """
    require_matplotlib()
    import numpy as np
    import pandas as pd
    from matplotlib import colormaps
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.patches import Rectangle
    from matplotlib.ticker import PercentFormatter

    frame = util.copy()
    frame["_value"] = frame[value].astype("float64")
    if "available_minutes" in frame.columns:
        frame.loc[frame["available_minutes"].fillna(0).astype(float) <= 0, "_value"] = np.nan
    grid = frame.pivot_table(index="user.id", columns="week", values="_value", aggfunc="sum", dropna=False,
                             observed=True, min_count=1)
    grid = grid.astype("float64")
    names = frame.drop_duplicates("user.id").set_index("user.id")["user.name"].astype("object").to_dict()
    peak = grid.max(axis=1).fillna(0.0)
    order = sorted(grid.index, key=lambda u: (-peak[u], -float(grid.loc[u].fillna(0).mean()), str(names.get(u))))
    total = len(order)
    if top:
        order = order[:top]
    group_of: dict[Any, Any] = {}
    if groups is not None:
        mapping = (frame.drop_duplicates("user.id").set_index("user.id")[groups].to_dict()
                   if isinstance(groups, str) else dict(groups))
        group_of = {u: mapping.get(u) if mapping.get(u) is not None and not pd.isna(mapping.get(u)) else "(other)"
                    for u in order}
    rows: list[tuple[str, Any]] = []
    if group_of:
        first_seen = list(dict.fromkeys(group_of[u] for u in order))  # groups by their most loaded person
        for g in first_seen:
            rows.append(("group", g))
            rows += [("person", u) for u in order if group_of[u] == g]
    else:
        rows = [("person", u) for u in order]
    weeks = list(grid.columns)
    data = np.full((len(rows), len(weeks)), np.nan)
    for i, (kind, key) in enumerate(rows):
        if kind == "person":
            data[i] = grid.loc[key].to_numpy(dtype=float)

    if ax is None:
        fig = _figure(max(6.0, 0.95 * len(weeks) + 3.5), max(2.5, 0.3 * len(rows) + 1.6))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    cmap = colormaps["RdBu_r"].with_extremes(bad="white")
    norm = TwoSlopeNorm(vmin=0.0, vcenter=1.0, vmax=max(vmax, 1.0 + 1e-6))
    if not data.size:  # nobody booked: an empty grid says so
        data = np.full((1, max(1, len(weeks))), np.nan)
        ax.text(0.5, 0.5, "Nobody is booked in these weeks", transform=ax.transAxes, ha="center", va="center",
                color="0.4")
    image = ax.imshow(np.ma.masked_invalid(data), aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
    for i, (kind, key) in enumerate(rows):
        if kind == "group":
            ax.axhline(i - 0.5, color="0.3", linewidth=0.8)
            continue
        for j in range(len(weeks)):
            v = data[i, j]
            if np.isnan(v):
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, color="0.85", linewidth=0))
                ax.text(j, i, "off", ha="center", va="center", fontsize="x-small", color="0.35")
            else:
                ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize="small",
                        color=text_color(cmap(norm(min(v, norm.vmax)))))
    ax.set_xticks(range(len(weeks)), [pd.Timestamp(w).strftime("%d %b") for w in weeks])
    ax.set_yticks(range(len(rows)), [str(key) if kind == "group" else str(names.get(key)) for kind, key in rows])
    for tick, (kind, _) in zip(ax.get_yticklabels(), rows):
        if kind == "group":
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("week starting")
    ax.set_ylabel("")
    what = title or human_label(value).capitalize()
    shown = f"the {len(order)} most booked of {total} people" if len(order) < total else f"{total} people"
    ax.set_title(f"{what}\n{shown}, busiest first", fontsize="medium")
    bar = fig.colorbar(image, ax=ax, label="share of working time", extend="max", shrink=0.8)
    bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    return fig


# ---------------------------------------------------------------------------
# bid against actual
# ---------------------------------------------------------------------------

def bid_vs_actual_chart(bid: Any, by: str | None = None, *, title: str | None = None, ax: Any = None) -> Any:
    """Bid against logged hours per step: two horizontal bars per row of :func:`~trackframes.schedule.bid_vs_actual`."""
    require_matplotlib()
    import numpy as np

    by = by or bid.columns[0]
    if ax is None:
        fig = _figure(9, max(2.5, 0.5 * len(bid) + 1.5))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    y = np.arange(len(bid))
    ax.barh(y - 0.2, bid["estimate_hours"].astype(float).fillna(0), height=0.4, label="bid (h)", color="tab:blue")
    ax.barh(y + 0.2, bid["logged_hours"].astype(float).fillna(0), height=0.4, label="logged (h)", color="tab:orange")
    ax.set_yticks(y, [str(v) for v in bid[by]])
    ax.set_ylim(len(bid) - 0.5, -0.5)
    ax.set_xlabel("hours")
    ax.set_ylabel(human_label(by))
    ax.set_title(title or "Bid against logged time")
    ax.legend(loc="lower right")
    return fig
