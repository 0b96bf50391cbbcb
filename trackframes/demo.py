"""``trackframes demo``: the embedded sandbox end to end.

Starts a sandbox, fetches Tasks, Shots, Versions and TimeLogs as typed frames
(concurrently, with progress bars), prints a short overview, answers three
scheduling questions (late sequences, over-booked users, bid against actual),
and writes each frame as Parquet plus ``gantt.png``, ``utilization.png`` and
``summary.csv`` into the output folder.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

__all__ = ["run_demo", "DEMO_QUERIES"]

#: entity -> fields fetched by the demo
DEMO_QUERIES: dict[str, list[str]] = {
    "Task": ["content", "entity", "step", "sg_status_list", "task_assignees", "start_date", "due_date",
             "duration", "est_in_mins", "time_logs_sum", "project", "entity.Shot.sg_sequence"],
    "Shot": ["code", "sg_sequence", "sg_status_list", "sg_cut_in", "sg_cut_out", "project"],
    "Version": ["code", "entity", "sg_task", "user", "sg_status_list", "created_at", "project"],
    "TimeLog": ["entity", "user", "date", "duration", "project"],
}


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
        frames = {}
        for entity, fields in DEMO_QUERIES.items():
            t0 = time.perf_counter()
            table = site.find_arrow(entity, fields=fields)
            pq.write_table(table, output / f"{_snake(entity)}s.parquet", compression="zstd")
            frames[entity] = _to_frame(table, site, entity, fields)
            write(f"{entity:8s} {table.num_rows:>8,d} rows  {table.num_columns:>3d} columns  "
                  f"{time.perf_counter() - t0:6.2f} s\n")
        write("\n" + overview(frames, today=site.today) + "\n")
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


def _to_frame(table: Any, site: Any, entity: str, fields: list[str]) -> Any:
    from .frames import to_pandas

    specs = site.backend.resolve_fields(entity, fields)
    return to_pandas(table, specs)


def overview(frames: dict[str, Any], today: Any = None) -> str:
    """A short, tidy text overview of the demo frames (late against ``today``, by default the real date)."""
    import pandas as pd

    tasks = frames["Task"]
    logs = frames["TimeLog"]
    lines = ["Task columns and dtypes:"]
    width = max(len(c) for c in tasks.columns)
    for col, dtype in tasks.dtypes.items():
        lines.append(f"  {col:<{width}}  {dtype}")
    lines.append("")
    lines.append("Tasks by status:")
    counts = tasks["sg_status_list"].value_counts(sort=False)
    lines.append("  " + "  ".join(f"{k}={v}" for k, v in counts.items()))
    day = pd.Timestamp(today) if today is not None else pd.Timestamp.today().normalize()
    late = tasks[(tasks["due_date"] < day) & ~tasks["sg_status_list"].isin(["fin", "omt"])]
    lines.append(f"Late tasks (due before {day.date()}, not final): {len(late):,d}")
    if len(logs):
        by_step = (tasks.set_index("id")["step.name"])
        hours = logs.assign(step=logs["entity.id"].map(by_step)).groupby("step", observed=True)["duration"].sum() / 60
        lines.append("Logged hours by step: " + ", ".join(f"{k} {v:,.0f}" for k, v in hours.sort_values().items()))
    bid = tasks.groupby("step.name", observed=True)[["est_in_mins", "time_logs_sum"]].sum() / 60
    lines.append("Bid vs logged hours by step:")
    for step, row in bid.iterrows():
        lines.append(f"  {step:<10s} bid {row['est_in_mins']:>9,.0f} h  logged {row['time_logs_sum']:>9,.0f} h")
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


def _snake(entity: str) -> str:
    from .backends.shotgrid.names import snake

    return snake(entity)


def _stdout() -> Any:
    import sys

    return sys.stdout
