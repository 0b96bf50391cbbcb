"""Schedule charts: a Gantt chart, a utilization heat map and bid against actual.

matplotlib is optional (``pip install trackframes[plot]``) and imported only
when a chart is drawn. Charts are built on a bare ``matplotlib.figure.Figure``
(no pyplot state): save them with ``fig.savefig(...)``, or let Jupyter show
them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

__all__ = ["gantt", "utilization_chart", "bid_vs_actual_chart", "require_matplotlib"]

_HINT = "Charts need matplotlib, an optional dependency: pip install trackframes[plot]"


def require_matplotlib() -> Any:
    """Import matplotlib, or raise ``ImportError`` saying how to install it."""
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as exc:
        raise ImportError(_HINT) from exc
    return matplotlib


def _figure(width: float, height: float) -> Any:
    require_matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _palette(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab20" if n > 10 else "tab10"]
    return [cmap(i % cmap.N) for i in range(n)]


def gantt(tasks: Any, by: str = "entity.name", color: str | None = "step.name", *, start: str = "start_date",
          end: str = "due_date", today: Any = None, calendar: Any = None, title: str | None = None,
          max_lanes: int = 40, shade: str = "auto", ax: Any = None) -> Any:
    """A Gantt chart of ``tasks``: one lane per ``by`` value, one bar per task, coloured by ``color``.

    Bars run from the start date to the end of the due date. Lanes are ordered
    by their first start; at most ``max_lanes`` are drawn (the title says how
    many were left out). Today (or ``today``) is marked with a vertical line.
    With a ``done`` column (the canonical tasks frame), late tasks (open, due
    before today) get a red outline and a dotted red line from their due date
    to today.

    Non-working days are shaded when a calendar is known (``calendar``, else
    the one a canonical tasks frame carries): ``shade="all"`` shades every one,
    ``"days off"`` only those in the working week (holidays, exceptions),
    ``"none"`` nothing, and ``"auto"`` all of them for spans up to 180 days,
    days off beyond. Tasks without both dates are not drawn. Returns the ``Figure``.
    """
    require_matplotlib()
    import matplotlib.dates as mdates
    import numpy as np
    import pandas as pd
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .schedule.calendar import Calendar, today_or

    for column in (by, start, end) + ((color,) if color else ()):
        if column not in tasks.columns:
            raise KeyError(f"gantt needs a {column!r} column; the frame has {list(tasks.columns)}.")
    rows = tasks[tasks[start].notna() & tasks[end].notna() & tasks[by].notna()]
    first = rows.groupby(by, observed=True, sort=False)[start].min().sort_values(kind="stable")
    lanes = list(first.index)
    hidden = max(0, len(lanes) - max_lanes)
    lanes = lanes[:max_lanes]
    rows = rows[rows[by].isin(lanes)]
    lane_of = {lane: i for i, lane in enumerate(lanes)}
    today = today_or(today, tasks)
    calendar = calendar if calendar is not None else Calendar.from_frame(tasks)

    if ax is None:
        fig = _figure(12, max(3.0, 0.38 * len(lanes) + 1.8))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    keys = list(dict.fromkeys(rows[color].astype("object").where(rows[color].notna(), "(none)"))) if color else []
    colors = dict(zip(keys, _palette(len(keys))))
    starts = mdates.date2num(pd.to_datetime(rows[start]).dt.to_pydatetime())
    ends = mdates.date2num((pd.to_datetime(rows[end]) + pd.Timedelta(days=1)).dt.to_pydatetime())
    ys = [lane_of[v] for v in rows[by]]
    bar_colors = ([colors[v] for v in rows[color].astype("object").where(rows[color].notna(), "(none)")]
                  if color else "tab:blue")
    today_num = mdates.date2num(today)
    late = ((~rows["done"].fillna(False).astype(bool)) & (rows[end] < pd.Timestamp(today))).to_numpy() \
        if "done" in rows.columns else np.zeros(len(rows), dtype=bool)
    ax.barh(ys, ends - starts, left=starts, height=0.7, color=bar_colors,
            edgecolor=["tab:red" if x else "white" for x in late], linewidth=[1.5 if x else 0.5 for x in late],
            label="_tasks")
    if late.any():
        ax.hlines(np.asarray(ys)[late], ends[late], today_num, colors="tab:red", linestyles=":", linewidth=1.2,
                  zorder=2)

    if len(rows):
        lo = min(rows[start].min().date(), today) - timedelta(days=2)
        hi = max(rows[end].max().date(), today) + timedelta(days=3)
    else:
        lo, hi = today - timedelta(days=7), today + timedelta(days=7)
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
            ax.axvspan(mdates.date2num(a), mdates.date2num(b + timedelta(days=1)), color="0.88", zorder=0,
                       linewidth=0)
        shaded = Patch(color="0.88", label="non-working day" if shade == "all" else "day off (weekends not shaded)")
    ax.axvline(today_num, color="tab:red", linestyle="--", linewidth=1.5, zorder=3, label=f"today ({today})")
    ax.set_xlim(mdates.date2num(lo), mdates.date2num(hi))
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    ax.set_yticks(range(len(lanes)), [str(v) for v in lanes])
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("date")
    ax.set_ylabel(by)
    ax.grid(axis="x", color="0.8", linewidth=0.5)
    shown = f"{len(rows)} tasks" + (f", first {len(lanes)} of {len(lanes) + hidden} lanes" if hidden else "")
    ax.set_title(f"{title or 'Schedule'} ({shown})")
    handles = [Patch(color=colors[k], label=str(k)) for k in keys]
    handles.append(ax.get_lines()[-1])
    if late.any():
        handles.append(Line2D([], [], color="tab:red", linestyle=":", label=f"late ({int(late.sum())} open past due)"))
    if shaded is not None:
        handles.append(shaded)
    ax.legend(handles=handles, title=color, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
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


def utilization_chart(util: Any, value: str = "booked_utilization", *, title: str | None = None,
                      ax: Any = None) -> Any:
    """A heat map of ``value`` (a ratio; 1.0 = full) per person (rows) and week (columns)."""
    require_matplotlib()
    import numpy as np
    import pandas as pd

    grid = util.pivot_table(index="user.name", columns="week", values=value, aggfunc="sum", observed=True)
    grid = grid.astype("float64")
    if ax is None:
        fig = _figure(max(6.0, 0.9 * grid.shape[1] + 3), max(2.5, 0.4 * grid.shape[0] + 1.8))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    data = grid.to_numpy(dtype=float) if grid.size else np.zeros((0, 0))
    image = ax.imshow(np.nan_to_num(data) * 100, aspect="auto", cmap="RdYlGn_r", vmin=0, vmax=150,
                      interpolation="nearest")
    ax.set_xticks(range(grid.shape[1]), [pd.Timestamp(w).strftime("%d %b") for w in grid.columns],
                  rotation=45, ha="right")
    ax.set_yticks(range(grid.shape[0]), [str(u) for u in grid.index])
    for (i, j), v in np.ndenumerate(data):
        if not np.isnan(v):
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize="x-small")
    ax.set_xlabel("week starting")
    ax.set_ylabel("person")
    ax.set_title(title or value.replace("_", " "))
    fig.colorbar(image, ax=ax, label="% of working time")
    return fig


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
    ax.set_ylabel(by)
    ax.set_title(title or "Bid against logged time")
    ax.legend(loc="lower right")
    return fig
