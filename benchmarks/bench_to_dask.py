"""site.to_dask(...).compute() on a LocalCluster against site.find, on the same sandbox, in one run.

    python benchmarks/bench_to_dask.py                    # Versions at sandbox scale 4 (~120k records)
    python benchmarks/bench_to_dask.py --scale 33         # ~1M Versions (needs ~20 GB and a long generation)
    python benchmarks/bench_to_dask.py --scale 1 --parts 2,4

The sandbox runs in its own process (``_remote.py``) with ``--latency`` seconds
added to every request (50 ms by default). Every route reads the same records,
``Version`` with ``--fields`` (default every field), archived projects included:

1. ``site.find`` in a fresh process: wall time and peak extra memory (RSS);
2. ``site.to_dask(...).compute()`` on ``LocalCluster(n_workers=2, threads_per_worker=1,
   processes=True)``, default partitions (about 50k records each): wall time
   (the split, the workers' fetches and the transfer of every row back to this process),
   and each worker's peak extra memory (workers warmed first: trackframes imported, schema read); and ``len(ddf)`` (rows counted on the workers,
   nothing sent back but the counts);
3. the time of ``compute()`` for each partition count of ``--parts``.

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


def measure_to_dask(client: Any, site: Any, fields: Any, partitions: int | None, *,
                    memory: bool = False) -> dict[str, Any]:
    bases = client.run(_worker_reset) if memory else {}
    start = time.perf_counter()
    ddf = site.to_dask(ENTITY, fields=fields, partitions=partitions, include_archived_projects=True)
    split = time.perf_counter() - start
    df = ddf.compute()
    seconds = time.perf_counter() - start
    out = {"rows": len(df), "seconds": seconds, "split": split, "npartitions": ddf.npartitions}
    if memory:
        peaks = client.run(_worker_peak)
        out["worker_extra_mb"] = [(peaks[w] - bases[w]) / 1024 for w in sorted(peaks)]
    del df
    start = time.perf_counter()
    out["len"] = len(site.to_dask(ENTITY, fields=fields, partitions=partitions, include_archived_projects=True))
    out["len_seconds"] = time.perf_counter() - start
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=4.0, help="sandbox scale (4: ~120k Versions; 33: ~1M)")
    ap.add_argument("--latency", type=float, default=0.05, help="server latency per request, seconds")
    ap.add_argument("--fields", default="*", help="comma-separated fields, or * for every field")
    ap.add_argument("--parts", default="2,4,8,16", help="partition counts to time")
    args = ap.parse_args()
    fields: Any = None if args.fields == "*" else args.fields.split(",")
    from distributed import Client, LocalCluster

    print(f"starting a sandbox at scale {args.scale} in its own process (latency {args.latency * 1000:.0f} ms)...")
    with remote_sandbox(args.scale, seed=0, latency=args.latency) as info:
        print(f"{info['counts'][ENTITY]:,} {ENTITY} records; {os.cpu_count()} cores")
        found = measure_find(info, fields)
        print(f"\n1. site.find: {found['rows']:,} rows in {found['seconds']:.1f} s, "
              f"peak extra memory {found['extra_mb']:.0f} MB")
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client, _connect(info) as site:
            site.field_specs(ENTITY)
            client.run(_warm, site.connection, site._today)
            first = measure_to_dask(client, site, fields, None, memory=True)
            assert first["rows"] == found["rows"] == first["len"], (first, found)
            print(f"\n2. site.to_dask(...).compute(), 2 workers, {first['npartitions']} partitions (default): "
                  f"{first['seconds']:.1f} s (the split {first['split']:.2f} s); "
                  f"len(ddf) {first['len_seconds']:.1f} s")
            print("   peak extra memory per worker: "
                  + ", ".join(f"{mb:.0f} MB" for mb in first["worker_extra_mb"])
                  + f" (find: {found['extra_mb']:.0f} MB)")
            print("\n3. compute() time by partition count")
            print(f"   {'partitions':>10}  {'compute() s':>11}  {'len(ddf) s':>10}")
            for parts in [int(p) for p in args.parts.split(",") if p]:
                got = measure_to_dask(client, site, fields, parts)
                assert got["rows"] == found["rows"]
                print(f"   {got['npartitions']:>10}  {got['seconds']:>11.1f}  {got['len_seconds']:>10.1f}")


if __name__ == "__main__":
    main()
