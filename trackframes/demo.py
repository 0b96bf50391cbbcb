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
    if len(logs):
        by_step = tasks.set_index("id")["step.name"]
        hours = logs.assign(step=logs["task.id"].map(by_step)).groupby("step", observed=True)["minutes"].sum() / 60
        lines.append("Logged hours by step: " + ", ".join(f"{k} {v:,.0f}" for k, v in hours.sort_values().items()))
    bid = tasks.groupby("step.name", observed=True)[["estimate_minutes", "logged_minutes"]].sum() / 60
    lines.append("Bid vs logged hours by step:")
    for step, row in bid.iterrows():
        lines.append(f"  {step:<10s} bid {row['estimate_minutes']:>9,.0f} h  logged {row['logged_minutes']:>9,.0f} h")
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
