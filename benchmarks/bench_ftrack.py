"""find() of every Task from the ftrack sandbox against ftrack_api's own session.query(...).all() + DataFrame.

    python benchmarks/bench_ftrack.py                  # sandbox scale 1 (~14,600 tasks), 50 ms latency
    python benchmarks/bench_ftrack.py --scale 0.2      # quick look

Both clients read the same production from the same server process (a child
process, so that server and client never share one interpreter lock), at the
same latency per request, in the same run:

* ``ftrack_api`` (the real client, 3.1.0, in its own venv: scripts/ftrack-venv.sh)
  runs ``session.query("select <fields> from Task").all()`` and turns the
  entities into a ``pandas.DataFrame`` the way a script does (a dict per entity,
  links as ``<f>.id``/``<f>.name``, date-times from arrow objects), timed inside
  its own process (session construction excluded);
* trackframes runs ``site.find("Task", fields=...)``: the same columns, typed
  (``string``, ``Float64``, ``datetime64[ms, UTC]``, ``category``...).

Both include archived projects (ftrack_api has no notion of them), so they read
the same rows. The call users make, with archived projects hidden (the default),
is timed too and compared per row. Goal: at least 7x faster, with typed columns.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _remote import in_child  # noqa: E402

FIELDS = ["name", "bid", "start_date", "end_date", "description", "status", "type", "parent", "project",
          "priority"]
LINKS = {"status": "name", "type": "name", "parent": "name", "project": "name", "priority": "name"}

FTRACK_API_SCRIPT = r'''
import json, os, sys, time, logging
logging.disable(logging.CRITICAL)
import ftrack_api, pandas as pd
job = json.loads(sys.stdin.read())
session = ftrack_api.Session(server_url=job["url"], api_key=job["api_key"], api_user=job["api_user"],
                             auto_connect_event_hub=False, plugin_paths=[], schema_cache_path=False)
links = job["links"]
projections = [f if f not in links else f + "." + links[f] for f in job["fields"]]
started = time.perf_counter()
tasks = session.query("select " + ", ".join(projections) + " from Task").all()
rows = []
for t in tasks:
    row = {"id": t["id"]}
    for f in job["fields"]:
        value = t[f]
        if f in links:
            row[f + ".id"] = None if value is None else value["id"]
            row[f + ".name"] = None if value is None else value[links[f]]
        elif hasattr(value, "datetime"):
            row[f] = value.datetime
        else:
            row[f] = value
    rows.append(row)
df = pd.DataFrame(rows)
seconds = time.perf_counter() - started
print(json.dumps({"rows": len(df), "seconds": seconds, "ids": sorted(df["id"]),
                  "dtypes": {c: str(t) for c, t in df.dtypes.items()}}))
'''


def _serve(conn: Any, scale: float, seed: int, latency: float) -> None:
    from datetime import date

    from trackframes.sandbox import production
    from trackframes.sandbox.ftrack import start

    prod = production.generate(scale=scale, seed=seed, today=date(2026, 3, 2))
    server = start(prod, latency=latency)
    conn.send({"url": server.url, **server.credentials, "tasks": len(prod.tasks)})
    conn.recv()
    server.close()


@contextmanager
def remote_ftrack(scale: float, seed: int, latency: float) -> Iterator[dict[str, Any]]:
    """The ftrack sandbox in a child process (:func:`benchmarks._remote.in_child`)."""
    with in_child(_serve, scale, seed, latency, what="the ftrack sandbox") as info:
        yield info


def ftrack_api_run(python: str, info: dict[str, Any]) -> dict[str, Any]:
    job = {"url": info["url"], "api_user": info["api_user"], "api_key": info["api_key"], "fields": FIELDS,
           "links": LINKS}
    proc = subprocess.run([python, "-c", FTRACK_API_SCRIPT], input=json.dumps(job), capture_output=True, text=True,
                          timeout=3600, env={"NO_PROXY": "127.0.0.1,localhost", "PATH": "/usr/bin:/bin"})
    if proc.returncode != 0:
        raise RuntimeError(f"ftrack_api run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


def bench_venv() -> str:
    """ftrack_api's venv for this benchmark (scripts/ftrack-venv.sh in a folder of its own), plus pandas."""
    import os

    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "trackframes" / "ftrack-bench-venv"
    env = {**os.environ, "TRACKFRAMES_FTRACK_VENV": str(cache)}
    python = subprocess.run(["bash", str(ROOT / "scripts" / "ftrack-venv.sh")], capture_output=True, text=True,
                            check=True, env=env).stdout.strip()
    if subprocess.run([python, "-c", "import pandas"], capture_output=True).returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "pandas"], check=True)
    return python


def trackframes_run(info: dict[str, Any], concurrency: int | None = None, *, archived: bool = True) -> dict[str, Any]:
    """``site.find`` of every Task, with the connection's default options unless ``concurrency`` is given.

    ``archived=False`` is the call users make (archived projects hidden, the default); ``True``
    reads the rows ftrack_api reads, for the like-for-like comparison.
    """
    import trackframes as tf

    options = {} if concurrency is None else {"concurrency": concurrency}
    site = tf.connect(info["url"], backend="ftrack", auth=tf.ApiKey(info["api_user"], info["api_key"]),
                      progress=False, **options)
    site.field_specs("Task")  # schema read, as ftrack_api's session construction (excluded on both sides)
    started = time.perf_counter()
    df = site.find("Task", fields=FIELDS) if not archived else \
        site.find("Task", fields=FIELDS, include_archived_projects=True)
    seconds = time.perf_counter() - started
    site.close()
    return {"rows": len(df), "seconds": seconds, "ids": sorted(df["id"]),
            "dtypes": {c: str(t) for c, t in df.dtypes.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=None, help="default: the connection's default")
    args = parser.parse_args()
    python = bench_venv()
    with remote_ftrack(args.scale, args.seed, args.latency) as info:
        print(f"ftrack sandbox: {info['tasks']:,} tasks, {args.latency * 1000:.0f} ms per request")
        ours = trackframes_run(info, args.concurrency)
        default = trackframes_run(info, args.concurrency, archived=False)
        theirs = ftrack_api_run(python, info)
    assert ours["ids"] == theirs["ids"], "the two clients read different rows"
    print(f"ftrack_api query().all() + DataFrame: {theirs['seconds']:8.2f} s  ({theirs['rows']:,} rows)")
    print(f"trackframes site.find():              {ours['seconds']:8.2f} s  ({ours['rows']:,} rows)")
    print(f"speed-up: {theirs['seconds'] / ours['seconds']:.1f}x (goal: >= 7x)")
    print(f"the default call (archived projects hidden): {default['seconds']:8.2f} s  ({default['rows']:,} rows); "
          f"per row against ftrack_api: {(theirs['seconds'] / theirs['rows']) / (default['seconds'] / default['rows']):.1f}x")
    print("dtypes, ftrack_api:  ", theirs["dtypes"])
    print("dtypes, trackframes: ", ours["dtypes"])


if __name__ == "__main__":
    main()
