"""Parquet export of ~1M records: peak memory, rows per second, and a 1% sync against the full export.

    python benchmarks/bench_export.py                 # sandbox scale 10.7: ~1M records across entity types
    python benchmarks/bench_export.py --scale 1       # quick look (~100k records)
    python benchmarks/bench_export.py --entities Version --scale 31   # ~1M Versions alone

The sandbox runs in a process of its own. The export runs in a fresh process
that measures its own peak RSS (``VmHWM`` after writing ``5`` to
``/proc/self/clear_refs``, Linux) over the whole export: every entity type,
all fields, every record (archived projects included), streamed into one
dataset per type. Target: peak RSS <= 400 MB.

Then 1% of the records of every type change on the server (90% updated, 10%
retired, plus new records worth 10% of that), and a sync of every dataset
runs in another fresh process; its time is reported against the export's.
After the sync each dataset must hold as many rows as the server counts.

Last, another 1% changes and every dataset is synced again with the backend's
change feed hidden, the way a backend without one is synced (the id
comparison: every current id is listed, then the changed rows fetched).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_MB = 400


# -- the sandbox in its own process, with a mutation command ------------------------------------------------------

from _memory import reset_peak, status_kb  # noqa: E402


def _serve(conn: Any, scale: float, seed: int) -> None:
    import trackframes as tf

    with tf.sandbox.serve(scale=scale, seed=seed) as sb:
        counts = {name: len(records) for name, records in sb.store.records.items()}
        conn.send({"url": sb.url, "script_name": sb.credentials["script_name"],
                   "script_key": sb.credentials["script_key"], "counts": counts})
        while True:
            message = conn.recv()
            if message == "stop":
                return
            conn.send(_mutate(sb.store, *message[1:]))


def _mutate(store: Any, fraction: float, seed: int) -> dict[str, int]:
    """Change ``fraction`` of the records of every type: 90% updated, 10% retired; plus 10% as many new ones."""
    from trackframes.sandbox.data import make_record

    rng = random.Random(seed)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    done = {"updated": 0, "retired": 0, "created": 0}
    for entity in list(store.records):
        ids = list(store.records[entity])
        k = min(len(ids), max(1, round(len(ids) * fraction)))
        chosen = rng.sample(ids, k)
        retire = k // 10
        for rid in chosen[:retire]:
            done["retired"] += store.retire(entity, rid)
        for rid in chosen[retire:]:
            store.update(entity, rid, {"updated_at": now})
            done["updated"] += 1
        for _ in range(k // 10):
            try:
                store.insert(entity, make_record(store, entity, rng))
            except KeyError:  # no record maker for this type
                break
            done["created"] += 1
    return done


@contextmanager
def remote_sandbox(scale: float, seed: int = 0) -> Iterator[tuple[dict[str, Any], Any]]:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(child, scale, seed), daemon=True)
    proc.start()
    try:
        if not parent.poll(900):
            raise RuntimeError("the sandbox did not start within 15 minutes")
        yield parent.recv(), parent
    finally:
        try:
            parent.send("stop")
        except (BrokenPipeError, OSError):
            pass
        proc.join(60)
        if proc.is_alive():
            proc.kill()


# -- export and sync, each in a fresh process that measures itself -------------------------------------------------

class WithoutChangeFeed:
    """A backend with its change feed hidden: the public backend protocol, forwarded."""

    def __init__(self, inner: Any) -> None:
        self._inner, self.name, self.MAX_PAGE_SIZE = inner, inner.name, inner.MAX_PAGE_SIZE

    def entities(self) -> Any:
        return self._inner.entities()

    def fields(self, entity: str) -> Any:
        return self._inner.fields(entity)

    def resolve_fields(self, entity: str, fields: Any) -> Any:
        return self._inner.resolve_fields(entity, fields)

    def check_filters(self, entity: str, filters: Any) -> Any:
        return self._inner.check_filters(entity, filters)

    def plan(self, query: Any, page_size: int) -> Any:
        return self._inner.plan(query, page_size)

    def count(self, query: Any) -> int:
        return self._inner.count(query)

    def close(self) -> None:
        self._inner.close()


def _worker(kind: str, info: dict[str, Any], out: str, entities: list[str], conn: Any) -> None:
    import gc

    import trackframes as tf
    from trackframes.io import export, read_metadata, sync

    site = tf.connect(info["url"], auth=tf.ScriptKey(info["script_name"], info["script_key"]), progress=False)
    if kind == "compare":
        site = tf.Site(WithoutChangeFeed(site.backend), url=site.url, page_size=site.page_size,
                       concurrency=site.concurrency, progress=False)
    site.entity_types()
    gc.collect()
    reset_peak()
    base = status_kb("VmRSS")
    results = {}
    t0 = time.perf_counter()
    for entity in entities:
        path = Path(out) / entity
        if kind == "export":
            result = export(site, entity, path, include_archived_projects=True)
        else:
            result = sync(site, path)
        results[entity] = {"rows": result.rows, "fetched": result.fetched, "removed": result.removed,
                           "files": result.files, "bytes": result.bytes, "seconds": result.seconds,
                           "method": (read_metadata(path).get("last_sync") or {}).get("method")}
    seconds = time.perf_counter() - t0
    conn.send({"results": results, "seconds": seconds, "base_mb": base / 1024,
               "peak_mb": status_kb("VmHWM") / 1024})
    site.close()


def run_in_fresh_process(kind: str, info: dict[str, Any], out: str, entities: list[str]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_worker, args=(kind, info, out, entities, child))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def server_counts(info: dict[str, Any], entities: list[str]) -> dict[str, int]:
    import trackframes as tf

    with tf.connect(info["url"], auth=tf.ScriptKey(info["script_name"], info["script_key"]), progress=False) as s:
        return {e: s.count(e, include_archived_projects=True) for e in entities}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=10.7, help="sandbox scale (10.7 gives ~1M records in all)")
    ap.add_argument("--entities", nargs="*", default=None, help="entity types to export (default: all)")
    ap.add_argument("--fraction", type=float, default=0.01, help="share of records changed before the sync")
    ap.add_argument("--out", default=None, help="output folder (default: a temporary one, removed)")
    args = ap.parse_args()

    out = args.out or tempfile.mkdtemp(prefix="trackframes-bench-export-")
    print(f"starting a sandbox at scale {args.scale} in its own process...")
    t0 = time.perf_counter()
    try:
        with remote_sandbox(args.scale) as (info, control):
            entities = args.entities or [e for e, n in info["counts"].items() if n]
            total = sum(info["counts"][e] for e in entities)
            print(f"  ready in {time.perf_counter() - t0:.1f} s: {total:,} records in {len(entities)} entity types")

            exp = run_in_fresh_process("export", info, out, entities)
            rows = sum(r["rows"] for r in exp["results"].values())
            size = sum(r["bytes"] for r in exp["results"].values())
            print(f"\n1. export, all fields, {len(entities)} datasets under {out}")
            for entity, r in exp["results"].items():
                print(f"   {entity:26s} {r['rows']:>9,d} rows {r['files']:>4d} files {r['bytes'] / 1e6:8.1f} MB "
                      f"{r['seconds']:7.1f} s")
            print(f"   total {rows:,} rows, {size / 1e6:.0f} MB of Parquet in {exp['seconds']:.1f} s: "
                  f"{rows / exp['seconds']:,.0f} rows/s")
            print(f"   peak RSS {exp['peak_mb']:.0f} MB (target <= {TARGET_MB} MB; {exp['base_mb']:.0f} MB before "
                  f"the export, so {exp['peak_mb'] - exp['base_mb']:.0f} MB for the export itself) -> "
                  f"{'OK' if exp['peak_mb'] <= TARGET_MB else 'OVER TARGET'}")

            control.send(("mutate", args.fraction, 1))
            changed = control.recv()
            print(f"\n2. {args.fraction:.0%} of the records change on the server: {changed['updated']:,} updated, "
                  f"{changed['retired']:,} retired, {changed['created']:,} created")
            syn = run_in_fresh_process("sync", info, out, entities)
            fetched = sum(r["fetched"] for r in syn["results"].values())
            removed = sum(r["removed"] for r in syn["results"].values())
            print(f"   sync of every dataset: {syn['seconds']:.1f} s ({fetched:,} records fetched, {removed:,} rows "
                  f"dropped), {syn['seconds'] / exp['seconds']:.2f}x the full export; peak RSS "
                  f"{syn['peak_mb']:.0f} MB")
            counts = server_counts(info, entities)
            wrong = {e: (syn["results"][e]["rows"], counts[e]) for e in entities
                     if syn["results"][e]["rows"] != counts[e]}
            methods = sorted({str(r["method"]) for r in syn["results"].values()})
            print(f"   rows after the sync match the server's counts: {'yes' if not wrong else wrong}; "
                  f"method: {', '.join(methods)}")

            control.send(("mutate", args.fraction, 2))
            changed = control.recv()
            print(f"\n3. another {args.fraction:.0%} changes ({changed['updated']:,} updated, {changed['retired']:,} "
                  f"retired, {changed['created']:,} created); sync with the change feed hidden")
            cmp_ = run_in_fresh_process("compare", info, out, entities)
            fetched = sum(r["fetched"] for r in cmp_["results"].values())
            removed = sum(r["removed"] for r in cmp_["results"].values())
            counts = server_counts(info, entities)
            wrong = {e: (cmp_["results"][e]["rows"], counts[e]) for e in entities
                     if cmp_["results"][e]["rows"] != counts[e]}
            methods = sorted({str(r["method"]) for r in cmp_["results"].values()})
            print(f"   sync of every dataset: {cmp_['seconds']:.1f} s ({fetched:,} records fetched, {removed:,} rows "
                  f"dropped), {cmp_['seconds'] / exp['seconds']:.2f}x the full export; peak RSS "
                  f"{cmp_['peak_mb']:.0f} MB; method: {', '.join(methods)}")
            print(f"   rows after the sync match the server's counts: {'yes' if not wrong else wrong}")
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
