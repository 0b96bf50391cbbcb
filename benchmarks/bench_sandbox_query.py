"""Query time of the ShotGrid sandbox's search for id-range pages over a large store.

Builds a synthetic store of 200,000 Tasks, then times what the HTTP server does
for a parallel paged fetch: the user's filters AND-ed with a different
``["id", "between", [lo, hi]]`` per 500-record page. The first page pays for the
scan (and fills the cache); the following ones should cost well under 5 ms.

    python benchmarks/bench_sandbox_query.py [--records 200000] [--page 500]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone

from trackframes.sandbox.shotgrid.model import EntityDef, FieldDef, Store
from trackframes.sandbox.shotgrid.query import search


def build_store(n: int, seed: int = 0) -> Store:
    def f(name: str, dtype: str, **kw: object) -> FieldDef:
        return FieldDef(name=name, data_type=dtype, display_name=name, entity_type="Task", **kw)  # type: ignore[arg-type]

    fields = [f("content", "text"), f("sg_status_list", "status_list", valid_values=("wtg", "ip", "fin")),
              f("due_date", "date"), f("est_in_mins", "duration"), f("updated_at", "date_time"),
              f("project", "entity", valid_types=("Project",))]
    task = EntityDef("Task", "Task", {x.name: x for x in fields}, "content")
    project = EntityDef("Project", "Project", {"name": FieldDef("name", "text", "Name", "Project"),
                                               "archived": FieldDef("archived", "checkbox", "Archived", "Project")},
                        "name")
    today = date(2026, 3, 2)
    store = Store({"Task": task, "Project": project}, today=today)
    projects = [store.insert("Project", {"name": f"P{i}", "archived": i == 3}) for i in range(4)]
    rng = random.Random(seed)
    statuses = ("wtg", "ip", "fin")
    base = datetime(2026, 3, 2, tzinfo=timezone.utc)
    for i in range(n):
        store.insert("Task", {
            "content": f"task {i}",
            "sg_status_list": rng.choice(statuses),
            "due_date": (today + timedelta(days=rng.randint(-200, 200))).isoformat(),
            "est_in_mins": rng.choice((None, 60, 480, 960)),
            "updated_at": (base - timedelta(minutes=rng.randint(0, 500_000))).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "project": {"type": "Project", "id": projects[rng.randrange(4)]["id"]},
        })
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--page", type=int, default=500)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    t0 = time.perf_counter()
    store = build_store(args.records)
    print(f"built {args.records} Tasks in {time.perf_counter() - t0:.2f} s")

    user_filters = [["sg_status_list", "in", ["ip", "fin"]], ["due_date", "in_last", [90, "DAY"]]]
    top = max(store.records["Task"])
    ranges = [(lo, lo + args.page - 1) for lo in range(1, top + 1, args.page)]

    def page(lo: int, hi: int, sort: list[str] | None = None) -> list[int]:
        return search(store, "Task", user_filters + [["id", "between", [lo, hi]]], sort=sort)

    t0 = time.perf_counter()
    first = page(*ranges[0])
    first_ms = (time.perf_counter() - t0) * 1000
    times = []
    total = len(first)
    for lo, hi in ranges[1:]:
        t0 = time.perf_counter()
        total += len(page(lo, hi))
        times.append((time.perf_counter() - t0) * 1000)
    print(f"first page:      {first_ms:8.1f} ms (scan of {args.records} records, fills the cache)")
    print(f"next {len(times)} pages: median {statistics.median(times):.3f} ms, "
          f"p99 {sorted(times)[int(len(times) * 0.99)]:.3f} ms, max {max(times):.3f} ms; {total} ids in all")

    # the same with a sort on another field (cached sorted list, id range applied by a scan)
    page(*ranges[0], sort=["-due_date"])
    t0 = time.perf_counter()
    for lo, hi in ranges[1:51]:
        page(lo, hi, sort=["-due_date"])
    print(f"sorted by -due_date, 50 pages: {(time.perf_counter() - t0) * 1000 / 50:.3f} ms per page")

    # a fresh store version, pages requested concurrently: one scan, the others wait for it
    store.update("Task", 1, {"content": "changed"})
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.threads) as pool:
        results = list(pool.map(lambda r: page(*r), ranges))
    print(f"{len(ranges)} pages on {args.threads} threads after a change: "
          f"{(time.perf_counter() - t0) * 1000:.1f} ms in all, {sum(map(len, results))} ids")


if __name__ == "__main__":
    main()
