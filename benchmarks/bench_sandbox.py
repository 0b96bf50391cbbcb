"""How fast the ShotGrid sandbox serves 500-record Task pages.

Generates a production with at least 100,000 Tasks, then fetches 500-record
pages over keep-alive sessions:

* sequentially, following page numbers (``GET /entity/tasks``);
* with 8 concurrent clients, each taking the next page number;
* with 8 concurrent clients paging by id ranges (``POST _search``), as the
  trackframes client does.

Prints pages per second for each (target: at least 50 on a 2-core machine) and
the server's CPU time per page, which varies much less than the rate when other
programs share the machine. Run with
``python benchmarks/bench_sandbox.py [--scale 7.2] [--pages 120]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import queue
import threading
import time
from datetime import date
from multiprocessing.connection import Connection
from typing import Any, Callable

import orjson
import requests

import trackframes.sandbox as tf_sandbox

FIELDS = "content,sg_status_list,entity,step,task_assignees,start_date,due_date,duration,project"
PAGE = 500


def _session(sb: Any) -> requests.Session:
    creds = sb.credentials
    token = requests.post(f"{sb.api_url}/auth/access_token", timeout=60, data={
        "grant_type": "client_credentials", "client_id": creds["script_name"],
        "client_secret": creds["script_key"]}).json()["access_token"]
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    return session


def _by_number(sb: Any, session: requests.Session, number: int) -> int:
    resp = session.get(f"{sb.api_url}/entity/tasks", timeout=60,
                       params={"fields": FIELDS, "page[size]": PAGE, "page[number]": number})
    resp.raise_for_status()
    return len(orjson.loads(resp.content)["data"])


def _by_id_range(sb: Any, session: requests.Session, lo: int) -> int:
    resp = session.post(f"{sb.api_url}/entity/tasks/_search", timeout=60, params={"fields": FIELDS},
                        json={"filters": [["id", "between", [lo, lo + PAGE - 1]]], "page": {"size": PAGE}})
    resp.raise_for_status()
    return len(orjson.loads(resp.content)["data"])


def _run(sb: Any, jobs: list[int], clients: int,
         fetch: Callable[[Any, requests.Session, int], int]) -> tuple[float, int]:
    work: queue.Queue[int] = queue.Queue()
    for job in jobs:
        work.put(job)
    sessions = [_session(sb) for _ in range(clients)]
    records = [0] * clients

    def worker(i: int) -> None:
        while True:
            try:
                job = work.get_nowait()
            except queue.Empty:
                return
            records[i] += fetch(sb, sessions[i], job)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    for s in sessions:
        s.close()
    return len(jobs) / elapsed, sum(records)


class _Remote:
    """What the clients need of a sandbox running in another process."""

    def __init__(self, info: dict) -> None:
        self.url = info["url"]
        self.api_url = info["url"] + "/api/v1.1"
        self.credentials = info["credentials"]


def _serve_in_child(conn: Connection, scale: float, seed: int) -> None:
    with tf_sandbox.serve(scale=scale, seed=seed, today=date(2026, 3, 2)) as sb:
        conn.send({"url": sb.url, "credentials": sb.credentials, "ids": sorted(sb.store.records["Task"])})
        while conn.recv() == "cpu":  # the server process's CPU seconds, until the parent is done
            conn.send(time.process_time())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=7.2, help="production scale (7.2 gives >100k Tasks)")
    parser.add_argument("--pages", type=int, default=120, help="pages fetched per run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--same-process", action="store_true",
                        help="run the server in this process (clients and server then share one GIL)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    if args.same_process:
        local = tf_sandbox.serve(scale=args.scale, seed=args.seed, today=date(2026, 3, 2))
        sb, ids, stop = local, sorted(local.store.records["Task"]), local.close
        server_cpu: Callable[[], float] | None = None
    else:
        parent, child = multiprocessing.Pipe()
        proc = multiprocessing.get_context("spawn").Process(target=_serve_in_child,
                                                            args=(child, args.scale, args.seed), daemon=True)
        proc.start()
        info = parent.recv()
        sb, ids = _Remote(info), info["ids"]

        def stop() -> None:
            parent.send("done")
            proc.join(30)

        def server_cpu() -> float:
            parent.send("cpu")
            return float(parent.recv())
    try:
        n_tasks = len(ids)
        where = "this process" if args.same_process else "a child process"
        print(f"generated scale {args.scale}: {n_tasks:,} Tasks in {time.perf_counter() - t0:.1f} s; "
              f"server in {where}")
        if n_tasks < 100_000:
            print("warning: fewer than 100,000 Tasks; raise --scale")
        numbers = list(range(1, min(args.pages, n_tasks // PAGE) + 1))
        _run(sb, numbers[:3], 1, _by_number)  # warm the query cache and the connections
        starts = list(range(ids[0], ids[-1] + 1, PAGE))[: len(numbers)]
        runs = [("sequential, page numbers:", numbers, 1, _by_number),
                ("8 concurrent, page numbers:", numbers, 8, _by_number),
                ("sequential, id ranges:", starts, 1, _by_id_range),
                ("8 concurrent, id ranges:", starts, 8, _by_id_range)]
        for label, jobs, clients, fetch in runs:
            before = server_cpu() if server_cpu else 0.0
            rate, recs = _run(sb, jobs, clients, fetch)
            cpu = f"  server CPU {(server_cpu() - before) / len(jobs) * 1000:5.1f} ms/page" if server_cpu else ""
            print(f"{label:30s} {rate:7.1f} pages/s{cpu}  ({recs:,} records)")
        print("target: >= 50 pages/s")
    finally:
        stop()


if __name__ == "__main__":
    main()
