"""All tasks of a Kitsu project: ``site.find`` against the gazu way, on the same real Zou, in one run.

    bash scripts/zou.sh up && python -m tests.kitsu.seed --bench 3000   # once: Zou and "TF Bench"
    python benchmarks/bench_kitsu.py                   # 5 rounds, alternating
    python benchmarks/bench_kitsu.py --rounds 9 --json bench.json

Each round measures, in turn, on the same server:

1. **gazu**: ``pd.DataFrame(gazu.task.all_tasks_for_project(project))``, what users write
   today: untyped (ids and foreign keys as text, timestamps as naive strings, no names);
2. **find**: ``site.find("Task", fields="*", project=...)`` on a new connection, signed in
   (as gazu's client is) but with nothing looked up yet: typed columns, links with their
   types and names (the linked records read alongside), custom fields parsed;
3. **find again**: the same call on the same connection (the look-ups of the last minute kept);
   it reads the project's tasks as one request per task type, at once, checked
   (``trackframes/backends/kitsu/split.py``);
4. **find again, unsplit**: the same on another used connection whose split is
   off (``reader.split.max_parts = 0``): one request for all the tasks, as before;
5. **floor**: the one request ``/data/projects/<id>/tasks`` (the route gazu calls, and
   find too) and ``orjson.loads`` of its body, nothing else: the least any client can do.

It prints the medians, the dtypes of both frames, and where find's time goes: the
server's answers (the tasks, and the linked records read alongside), and the
client's decoding, typing and shaping, measured on the same call. Zou serialises
every column of every record whatever ``fields=`` says, so the server's side of
the task request is the floor's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gazu  # noqa: E402
import orjson  # noqa: E402
import pandas as pd  # noqa: E402
import requests  # noqa: E402

import trackframes as tf  # noqa: E402
from trackframes.transport import HandlerAdapter  # noqa: E402


def zou_env() -> dict[str, str]:
    home = os.environ.get("TRACKFRAMES_ZOU_HOME", "/tmp/trackframes-zou")
    path = Path(os.environ.get("ZOU_ENV_FILE", Path(home) / "zou.env"))
    if not path.exists():
        sys.exit(f"{path} is missing: start Zou with `bash scripts/zou.sh up` first")
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def bench_project(env: dict[str, str]) -> dict[str, Any]:
    manifest = json.loads((Path(env["ZOU_HOME"]) / "seed-manifest.json").read_text())
    if "bench" not in manifest:
        sys.exit("the benchmark project is missing: run `python -m tests.kitsu.seed --bench 3000`")
    return manifest["bench"]


class Timed:
    """A transport handler that forwards to the real server and records how long each request took."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.session.trust_env = False
        self.times: list[tuple[str, float, float]] = []

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        started = time.perf_counter()
        response = self.session.request(request.method or "GET", request.url or "", data=request.body,
                                        headers=dict(request.headers), timeout=300)
        path = request.path_url.split("?")[0]
        if "task_type_id=" in request.path_url:
            path += " (one task type)"
        self.times.append((f"{path} {response.status_code}", started, time.perf_counter()))
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() not in ("content-encoding", "transfer-encoding")}
        return response.status_code, headers, response.content


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = call()
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    env = zou_env()
    bench = bench_project(env)
    url, email, password = env["ZOU_URL"], env["ZOU_ADMIN_EMAIL"], env["ZOU_ADMIN_PASSWORD"]
    project = bench["id"]
    client = gazu.client.create_client(url)
    gazu.log_in(email, password, client=client)
    raw = requests.Session()
    raw.trust_env = False
    raw.headers["Authorization"] = "Bearer " + raw.post(f"{url}/auth/login", json={
        "email": email, "password": password}).json()["access_token"]

    def gazu_way() -> pd.DataFrame:
        return pd.DataFrame(gazu.task.all_tasks_for_project(project, client=client))

    def connect() -> tf.Site:
        return tf.connect(url, backend="kitsu", auth=tf.UserPassword(email, password), progress=False)

    def floor() -> Any:
        body = raw.get(f"{url}/data/projects/{project}/tasks", timeout=300)
        return orjson.loads(body.content)

    warm = connect()
    warm.find("Task", fields="*", project=project)  # sign-in, schema and look-ups once
    unsplit = connect()
    unsplit.backend.reader.split.max_parts = 0  # one request for the project's tasks, as before the split
    unsplit.find("Task", fields="*", project=project)
    figures: dict[str, list[float]] = {"gazu": [], "find": [], "find_again": [], "unsplit": [], "floor": []}
    for _ in range(args.rounds):
        seconds, gz = timed(gazu_way)
        figures["gazu"].append(seconds)
        site = connect()
        site.backend.identity()  # signed in, as gazu's client is before its call
        seconds, df = timed(lambda: site.find("Task", fields="*", project=project))
        figures["find"].append(seconds)
        site.close()
        seconds, again = timed(lambda: warm.find("Task", fields="*", project=project))
        figures["find_again"].append(seconds)
        seconds, whole = timed(lambda: unsplit.find("Task", fields="*", project=project))
        figures["unsplit"].append(seconds)
        seconds, records = timed(floor)
        figures["floor"].append(seconds)
    assert len(gz) == len(df) == len(again) == len(whole) == len(records) == bench["n_tasks"]
    assert sorted(again["id"]) == sorted(whole["id"])
    outcomes = warm.backend.reader.split.outcomes
    medians = {k: statistics.median(v) for k, v in figures.items()}

    # where find's time goes: the same call on a new connection, each request timed
    handler = Timed()
    site = tf.connect(url, backend="kitsu", auth=tf.UserPassword(email, password), progress=False,
                      transport_adapter=HandlerAdapter(handler))
    site.entity_types()
    site.field_specs("Task")
    site.backend.identity()
    traces = []
    for _ in range(2):  # a new session (nothing looked up yet), then the same session again
        handler.times.clear()
        started = time.perf_counter()
        site.find("Task", fields="*", project=project)
        total = time.perf_counter() - started
        requests_seen = [(path, a - started, b - started) for path, a, b in handler.times]
        traces.append((requests_seen, max((b for _, _, b in requests_seen), default=0.0), total))

    print(f"Kitsu: all {bench['n_tasks']} tasks of {bench['name']!r}, median of {args.rounds} rounds, same Zou, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"  gazu + pd.DataFrame       {medians['gazu']:6.3f} s   untyped")
    print(f"  site.find (new session)   {medians['find']:6.3f} s   {medians['gazu'] / medians['find']:.2f}x gazu")
    print(f"  site.find (same session)  {medians['find_again']:6.3f} s   "
          f"{medians['gazu'] / medians['find_again']:.2f}x gazu")
    print(f"  same, unsplit (as before) {medians['unsplit']:6.3f} s   "
          f"{medians['gazu'] / medians['unsplit']:.2f}x gazu")
    print(f"  floor: one request+parse  {medians['floor']:6.3f} s")
    print(f"  split outcomes (same session): {', '.join(f'{o} {outcomes.count(o)}' for o in sorted(set(outcomes)))}")
    for title, (requests_seen, fetch_end, total) in zip(("new session, signed in", "same session again"), traces):
        print(f"  where a find's time goes (one call, {title}):")
        for path, a, b in requests_seen:
            print(f"    {a:6.3f} -> {b:6.3f} s  {path}")
        print(f"    {fetch_end:6.3f} -> {total:6.3f} s  the rest: decoding, typing and shaping on the client")
    object_columns = sum(str(t) == "object" for t in gz.dtypes)
    print(f"  dtypes: gazu {len(gz.columns)} columns, {object_columns} of them 'object' "
          f"(created_at {gz['created_at'].dtype}, task_type_id {gz['task_type_id'].dtype}); "
          f"find {len(df.columns)} columns, none 'object' "
          f"(created_at {df['created_at'].dtype}, task_type.name {df['task_type.name'].dtype}, "
          f"start_date {df['start_date'].dtype})")
    assert not any(str(t) == "object" for t in df.dtypes)
    if args.json:
        Path(args.json).write_text(json.dumps({"medians": medians, "rounds": figures, "n_tasks": bench["n_tasks"],
                                               "traces": traces}, indent=1))


if __name__ == "__main__":
    main()
