"""site.to_dask(...).compute() on a LocalCluster against site.find, on the same sandbox, in one run.

    python benchmarks/bench_to_dask.py                    # Versions at sandbox scale 4 (~120k records)
    python benchmarks/bench_to_dask.py --scale 33 --parts 8,32   # ~1M Versions (the sandbox holds ~15 GB)
    python benchmarks/bench_to_dask.py --scale 1 --parts 2,4

The sandbox runs in its own process (``_remote.py``) with ``--latency`` seconds
added to every request (50 ms by default). Every route reads the same records,
``Version`` with ``--fields`` (default every field), archived projects included:

1. ``site.find`` in a fresh process: wall time and peak extra memory (RSS);
2. on ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` (a new one for each
   measure, warmed first: trackframes imported, schema read, one small compute), for the default
   partitions (about 50k records each) and each count of ``--parts``: ``site.to_dask(...).compute()`` (the split, the workers' fetches and
   the transfer of every row back to this process) and ``len(ddf)`` (rows counted on the workers,
   only the counts sent back), each with its wall time and each worker's peak extra memory.
   ``compute()`` gathers the partitions on one worker, which joins them into one frame before
   sending it here: that worker's peak is about twice the whole result, by Dask's design.

Each site (the find process, each worker) fetches with the default concurrency (8 requests at a
time), so two workers have up to 16 requests in flight against find's 8.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _memory import reset_peak, status_kb  # noqa: E402
from _remote import remote_sandbox  # noqa: E402

ENTITY = "Version"


def _connect(info: dict[str, Any]) -> Any:
    import trackframes as tf

    return tf.connect(info["url"], auth=tf.ScriptKey(info["script_name"], info["script_key"]), progress=False)


def _find_in_child(conn: Any, info: dict[str, Any], fields: Any) -> None:
    site = _connect(info)
    site.field_specs(ENTITY)  # the schema read, outside the measure (to_dask's driver has it too)
    reset_peak()
    base = status_kb("VmRSS")
    start = time.perf_counter()
    df = site.find(ENTITY, fields=fields, include_archived_projects=True)
    seconds = time.perf_counter() - start
    conn.send({"rows": len(df), "seconds": seconds, "extra_mb": (status_kb("VmHWM") - base) / 1024})


def measure_find(info: dict[str, Any], fields: Any) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_find_in_child, args=(child, info, fields))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def _warm(connection: Any, today: Any) -> int:
    """Import trackframes on a worker and read the schema there (what a worker does once), outside the measures."""
    from trackframes.reconnect import site_for

    return len(site_for(connection, today).field_specs(ENTITY))


def _worker_reset() -> int:
    import gc

    gc.collect()
    reset_peak()
    return status_kb("VmRSS")


def _worker_peak() -> int:
    return status_kb("VmHWM")


def measure_to_dask(info: dict[str, Any], fields: Any, partitions: int | None) -> dict[str, Any]:
    """compute() (every row back here) then len() (counted on the workers): time and each worker's peak,
    each on a new cluster (so each peak is measured from a clean heap), warmed first."""
    from distributed import Client, LocalCluster

    out: dict[str, Any] = {}
    for route in ("compute", "len"):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client, _connect(info) as site:
            site.field_specs(ENTITY)
            client.run(_warm, site.connection, site._today)  # trackframes imported, the schema read
            small = site.to_dask(ENTITY, [["id", "less_than", 2000]], fields, 2, include_archived_projects=True)
            small.compute()  # a compute's first-time costs, on both sides
            bases = client.run(_worker_reset)
            start = time.perf_counter()
            ddf = site.to_dask(ENTITY, fields=fields, partitions=partitions, include_archived_projects=True)
            split = time.perf_counter() - start
            rows = len(ddf.compute()) if route == "compute" else len(ddf)
            seconds = time.perf_counter() - start
            peaks = client.run(_worker_peak)
        out[route] = {"rows": rows, "seconds": seconds, "split": split,
                      "worker_mb": [(peaks[w] - bases[w]) / 1024 for w in sorted(peaks)]}
        out["npartitions"] = ddf.npartitions
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=4.0, help="sandbox scale (4: ~120k Versions; 33: ~1M)")
    ap.add_argument("--latency", type=float, default=0.05, help="server latency per request, seconds")
    ap.add_argument("--fields", default="*", help="comma-separated fields, or * for every field")
    ap.add_argument("--parts", default="2,4,8,16", help="partition counts to time")
    args = ap.parse_args()
    fields: Any = None if args.fields == "*" else args.fields.split(",")

    print(f"starting a sandbox at scale {args.scale} in its own process (latency {args.latency * 1000:.0f} ms)...")
    with remote_sandbox(args.scale, seed=0, latency=args.latency) as info:
        print(f"{info['counts'][ENTITY]:,} {ENTITY} records; {os.cpu_count()} cores")
        found = measure_find(info, fields)
        print(f"\n1. site.find: {found['rows']:,} rows in {found['seconds']:.1f} s, "
              f"peak extra memory {found['extra_mb']:.0f} MB")
        print("\n2. site.to_dask, 2 workers: compute() (every row back here), len(ddf) (counted on the workers)")
        print(f"   {'partitions':>11}  {'compute() s':>11}  {'peak per worker MB':>18}  {'len(ddf) s':>10}  "
              f"{'peak per worker MB':>18}")
        for parts in [None] + [int(p) for p in args.parts.split(",") if p]:
            got = measure_to_dask(info, fields, parts)
            assert got["compute"]["rows"] == got["len"]["rows"] == found["rows"], (got, found)
            name = f"{got['npartitions']}{' (default)' if parts is None else ''}"
            print(f"   {name:>11}  {got['compute']['seconds']:>11.1f}  "
                  f"{' / '.join(f'{mb:.0f}' for mb in got['compute']['worker_mb']):>18}  "
                  f"{got['len']['seconds']:>10.1f}  {' / '.join(f'{mb:.0f}' for mb in got['len']['worker_mb']):>18}")
        print(f"   (the split, sent by to_dask before any task: {got['len']['split']:.2f} s in the last run)")


if __name__ == "__main__":
    main()
