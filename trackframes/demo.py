"""``trackframes demo``: the embedded sandbox end to end.

Starts a sandbox, reads the canonical tasks and time-log frames
(``site.tasks()``, ``site.timelogs()``, the same columns on every backend) and
the records the backend adds for the demo (its SCHEDULE capability's
``demo_queries()``: shots and versions on ShotGrid), prints a short overview,
answers three scheduling questions (late sequences, over-booked users, bid
against actual), and writes each frame as Parquet plus ``gantt.png``,
``utilization.png`` and ``summary.csv`` into the output folder.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

__all__ = ["run_demo", "demo_queries", "overview"]


def demo_queries(site: Any) -> Mapping[str, tuple[str, Sequence[str]]]:
    """The backend's extra demo frames: Parquet file stem → (entity, fields)."""
    from .backends.base import Capability, require

    return require(site.backend, Capability.SCHEDULE).demo_queries()


def run_demo(output: Path, *, scale: float = 1.0, seed: int = 0, progress: bool | None = None,
             out: Any = None) -> int:
    """Run the demo; returns a process exit code."""
    import pyarrow.parquet as pq

    from . import sandbox

    write = (out or _stdout()).write
    output.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    write(f"Starting the sandbox (scale {scale}, seed {seed})...\n")
    with sandbox.serve(scale=scale, seed=seed) as sb:
        site = sb.connect(progress=progress)
        write(f"Sandbox at {sb.url}\n\n")
        tasks = _timed(write, "tasks", lambda: site.tasks(), lambda df: _write_frame(df, output / "tasks.parquet"))
        logs = _timed(write, "time_logs", lambda: site.timelogs(),
                      lambda df: _write_frame(df, output / "time_logs.parquet"))
        for stem, (entity, fields) in demo_queries(site).items():
            _timed(write, stem, lambda e=entity, f=fields: site.find_arrow(e, fields=list(f)),
                   lambda table, s=stem: pq.write_table(table, output / f"{s}.parquet", compression="zstd"))
        write("\n" + overview(tasks, logs, today=site.today) + "\n")
        write("\nScheduling questions:\n")
        from .schedule import schedule_report

        report = schedule_report(site)
        write(report.text() + "\n")
        try:
            written = report.write(output)
        except ImportError as exc:  # matplotlib is a dependency, but a broken install still gets every table
            written = _write_without_charts(report, output, write, exc)
        for path in written.values():
            write(f"  wrote {path.name}\n")
    write(f"Parquet files in {output.resolve()}/  (total {time.perf_counter() - started:.1f} s)\n")
    return 0


def _timed(write: Callable[[str], Any], label: str, read: Callable[[], Any], save: Callable[[Any], Any]) -> Any:
    """Read one frame (or table), save it, and print one line: rows, columns, seconds."""
    t0 = time.perf_counter()
    data = read()
    save(data)
    rows, columns = (data.num_rows, data.num_columns) if hasattr(data, "num_rows") else data.shape
    write(f"{label:10s} {rows:>8,d} rows  {columns:>3d} columns  {time.perf_counter() - t0:6.2f} s\n")
    return data


def _write_frame(df: Any, path: Path) -> None:
    """A canonical frame as Parquet, with its provenance (``df.tf.to_parquet``)."""
    df.tf.to_parquet(path)


def overview(tasks: Any, logs: Any, today: Any = None) -> str:
    """A short, tidy text overview of the canonical frames (late against ``today``, by default the real date)."""
    import pandas as pd

    lines = ["Task columns and dtypes:"]
    width = max(len(c) for c in tasks.columns)
    for col, dtype in tasks.dtypes.items():
        lines.append(f"  {col:<{width}}  {dtype}")
    lines.append("")
    lines.append("Tasks by status:")
    counts = tasks["status"].value_counts(sort=False)
    lines.append("  " + "  ".join(f"{k}={v}" for k, v in counts.items()))
    day = pd.Timestamp(today) if today is not None else pd.Timestamp.today().normalize()
    late = tasks[(tasks["due_date"] < day) & ~tasks["done"].fillna(False).astype(bool)]
    lines.append(f"Late tasks (due before {day.date()}, not done): {len(late):,d}")
    lines.append(f"Time logs: {len(logs):,d} entries, {float(logs['minutes'].sum()) / 60:,.0f} h")
    lines.append("")
    lines.append(hours_by_step(tasks))
    return "\n".join(lines)


def hours_by_step(tasks: Any) -> str:
    """Finished work against its bid, and the bid of the work still open, per step (hours).

    Comparing all bids with all logged hours would make every step look under budget while work
    is still open, so finished and open tasks are kept apart. Finished means done with time logged,
    as in the report's bid answer (a task omitted before anyone worked on it is neither).
    """
    done = tasks["done"].fillna(False).astype(bool)
    finished = done & (tasks["logged_minutes"].fillna(0) > 0)
    hours = tasks.assign(
        fin_bid=tasks["estimate_minutes"].where(finished, 0), fin_logged=tasks["logged_minutes"].where(finished, 0),
        open_bid=tasks["estimate_minutes"].where(~done, 0), open_logged=tasks["logged_minutes"].where(~done, 0),
    ).groupby("step.name", observed=True)[["fin_bid", "fin_logged", "open_bid", "open_logged"]].sum() / 60
    width = max([len("step")] + [len(str(s)) for s in hours.index])
    lines = ["Hours by step: finished tasks against their bid; open tasks' bid and hours logged so far",
             f"  {'step':<{width}}  {'finished: bid':>14}  {'logged':>9}  {'ratio':>5}  {'open: bid':>10}  {'logged':>8}"]
    for step, row in hours.iterrows():
        ratio = f"{row['fin_logged'] / row['fin_bid']:.0%}" if row["fin_bid"] else "-"
        lines.append(f"  {str(step):<{width}}  {row['fin_bid']:>12,.0f} h  {row['fin_logged']:>7,.0f} h  {ratio:>5}  "
                     f"{row['open_bid']:>8,.0f} h  {row['open_logged']:>6,.0f} h")
    return "\n".join(lines)


def _write_without_charts(report: Any, output: Path, write: Any, error: ImportError) -> dict[str, Path]:
    """``summary.csv`` only, and one line naming the charts skipped, when matplotlib cannot be imported."""
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError:
        path = output / "summary.csv"
        report.bid_vs_actual.to_csv(path, index=False)
        write("  skipped gantt.png and utilization.png: matplotlib cannot be imported "
              "(pip install matplotlib)\n")
        return {"summary": path}
    raise error  # another import failed: not ours to hide


def _stdout() -> Any:
    import sys

    return sys.stdout
