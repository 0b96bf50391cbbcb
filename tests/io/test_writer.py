"""DatasetWriter (pyarrow.dataset.write_dataset underneath): every row lands once, in its partition, within the
file and row-group limits; partition values round-trip through every reader; memory stays bounded."""

from __future__ import annotations

import re
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trackframes as tf
from trackframes.io.partition import Layout, PartitionKey, parse_partition_by
from trackframes.io.writer import DatasetWriter

LINKS = pa.list_(pa.struct([("id", pa.int64()), ("type", pa.string()), ("name", pa.string())]))
SCHEMA = pa.schema([("id", pa.int64()), ("key", pa.string()), ("status", pa.dictionary(pa.int32(), pa.string())),
                    ("at", pa.timestamp("ms", tz="UTC")), ("links", LINKS)])
KEYS = st.one_of(st.none(), st.sampled_from(["a", "b/c", "50% off", "ü", "", "x=y", "Hollow Pines", "日本/語 ~.-_",
                                            "a+b&c?d#e"]))
EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)


def make_batch(start: int, rows: list[tuple]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict({
        "id": [start + i for i in range(len(rows))],
        "key": [r[0] for r in rows],
        "status": pa.array([r[1] for r in rows]).dictionary_encode().cast(SCHEMA.field("status").type),
        "at": [EPOCH + timedelta(days=r[2]) for r in rows],
        "links": [[{"id": r[2], "type": "HumanUser", "name": r[1]}] if r[2] % 2 else [] for r in rows],
    }, schema=SCHEMA)


row = st.tuples(KEYS, st.sampled_from(["ip", "fin", "omt"]), st.integers(0, 800))


@settings(max_examples=40, deadline=None)
@given(batches=st.lists(st.lists(row, max_size=30), min_size=1, max_size=8),
       partition_by=st.sampled_from([None, "key", "at:month", "at:week", ["status", "at:year"], ["key", "status"]]),
       row_group_size=st.integers(1, 20), max_rows_per_file=st.integers(1, 50),
       buffer_bytes=st.sampled_from([1, 2_000, 1 << 20]), max_open_files=st.integers(1, 3))
def test_every_row_is_written_once_in_its_partition(batches, partition_by, row_group_size, max_rows_per_file,
                                                   buffer_bytes, max_open_files):
    keys = parse_partition_by(partition_by)
    layout = Layout(keys, SCHEMA)
    expected: dict[int, tuple] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with DatasetWriter(root, layout, row_group_size=row_group_size, max_rows_per_file=max_rows_per_file,
                           buffer_bytes=buffer_bytes, max_open_files=max_open_files) as writer:
            start = 0
            for rows in batches:
                writer.write(make_batch(start, rows))
                for i, r in enumerate(rows):
                    expected[start + i] = r
                start += len(rows) + 1
        files = writer.files
        assert sorted(f.path for f in files) == sorted(str(p.relative_to(root)) for p in root.rglob("*.parquet"))
        assert all(re.fullmatch(r"part-0000-\d+\.parquet", Path(f.path).name) for f in files)
        assert all(f.bytes == (root / f.path).stat().st_size for f in files)
        seen: list[int] = []
        for f in files:
            meta = pq.ParquetFile(root / f.path).metadata
            assert meta.num_rows == f.rows <= max_rows_per_file
            assert all(meta.row_group(i).num_rows <= row_group_size for i in range(meta.num_row_groups))
            table = pq.read_table(root / f.path)
            assert [n for n in SCHEMA.names if n in table.column_names] == table.column_names
            parts = Path(f.path).parts[:-1]
            assert [p.split("=", 1)[0] for p in parts] == [k.name for k in keys]
            for record in table.to_pylist():
                source = expected[record["id"]]
                values = {"key": source[0], "status": source[1], "at": EPOCH + timedelta(days=source[2])}
                for part, key in zip(parts, keys):
                    raw = part.split("=", 1)[1]
                    value = None if raw == "__HIVE_DEFAULT_PARTITION__" else unquote(raw)
                    want = values[key.column]
                    if key.period == "month":
                        want = want.strftime("%Y-%m")
                    elif key.period == "week":
                        want = "{}-W{:02d}".format(*want.isocalendar()[:2])
                    elif key.period == "year":
                        want = want.strftime("%Y")
                    assert value == want
                    assert key.column not in record or key.derived  # Hive columns live in the path only
                seen.append(record["id"])
        assert sorted(seen) == sorted(expected)


def test_partition_specs_in_every_form():
    assert parse_partition_by(None) == []
    assert parse_partition_by("project.name") == [PartitionKey("project.name")]
    assert parse_partition_by("updated_at:Month") == [PartitionKey("updated_at", "month")]
    assert parse_partition_by({"updated_at": "month", "due_date": "year"}) == [
        PartitionKey("updated_at", "month"), PartitionKey("due_date", "year")]
    assert parse_partition_by(["project.name", {"updated_at": "day"}]) == [
        PartitionKey("project.name"), PartitionKey("updated_at", "day")]
    assert PartitionKey("updated_at", "month").name == "updated_at_month"
    with pytest.raises(tf.SchemaError, match="twice"):
        parse_partition_by(["key", "key"])
    with pytest.raises(tf.SchemaError, match="Did you mean 'month'"):
        parse_partition_by("updated_at:mnth")
    with pytest.raises(TypeError):
        parse_partition_by([3])


NAMES = ["Hollow Pines", "Odd/Name 50% ü", "日本/語", "a+b&c?d#e", "", None, "~tilde.dot-dash_"]


def test_partition_values_round_trip_through_every_reader(tmp_path):
    """Spaces, '/', '%', unicode, the empty text and nulls: pyarrow, DuckDB and Polars read back each value."""
    duckdb = pytest.importorskip("duckdb")
    schema = pa.schema([("id", pa.int64()), ("project.name", pa.string()), ("at", pa.timestamp("ms", tz="UTC"))])
    layout = Layout(parse_partition_by(["project.name", "at:week"]), schema)
    ids = list(range(len(NAMES) * 3))
    names = [NAMES[i % len(NAMES)] for i in ids]
    stamps = [EPOCH + timedelta(days=9 * i) for i in ids]
    with DatasetWriter(tmp_path, layout) as writer:
        writer.write(pa.record_batch([pa.array(ids), pa.array(names), pa.array(stamps, schema.field("at").type)],
                                     schema=schema))
    want = {i: (n, "{}-W{:02d}".format(*s.isocalendar()[:2])) for i, n, s in zip(ids, names, stamps)}

    table = ds.dataset(tmp_path, format="parquet", partitioning=layout.partitioning()).to_table()
    assert {r["id"]: (r["project.name"], r["at_week"]) for r in table.to_pylist()} == want
    hive = ds.dataset(tmp_path, format="parquet", partitioning="hive").to_table()  # types guessed
    assert {r["id"]: r["project.name"] for r in hive.to_pylist()} == {i: v[0] for i, v in want.items()}
    con = duckdb.connect()
    try:
        rows = con.execute(f"""SELECT id, "project.name", at_week FROM read_parquet('{tmp_path}/**/*.parquet',
                               hive_partitioning = true)""").fetchall()
    finally:
        con.close()
    assert {i: (n, w) for i, n, w in rows} == want
    pl = pytest.importorskip("polars")
    frame = pl.read_parquet(f"{tmp_path}/**/*.parquet", hive_partitioning=True)
    assert {i: (n, w) for i, n, w in frame.select("id", "project.name", "at_week").iter_rows()} == want


def test_memory_stays_bounded_when_rows_come_faster_than_they_are_written(tmp_path):
    """write_dataset alone queues everything it is given; the writer waits while Arrow holds too much.

    48 MB of hard-to-compress text go to a gzip writer much faster than it compresses them; Arrow's memory
    (above what it held at the start) must stay well under the input.
    """
    rng = np.random.default_rng(0)
    schema = pa.schema([("id", pa.int64()), ("text", pa.string())])
    text = pa.array(["".join(map(chr, rng.integers(33, 126, 200))) for _ in range(20_000)])
    batches = 12
    fed = batches * text.nbytes
    peak = [0]
    done = threading.Event()
    start = pa.total_allocated_bytes()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], pa.total_allocated_bytes() - start)
            time.sleep(0.001)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with DatasetWriter(tmp_path, Layout([], schema), compression="gzip", buffer_bytes=2 << 20,
                           row_group_size=1 << 20) as writer:
            for i in range(batches):
                writer.write(pa.record_batch([pa.array(np.arange(i * len(text), (i + 1) * len(text))), text],
                                             schema=schema))
    finally:
        done.set()
        watcher.join()
    assert fed > 45 << 20
    assert peak[0] < 40 << 20, f"Arrow held {peak[0] >> 20} MB for {fed >> 20} MB written"
    assert pq.read_table(tmp_path).num_rows == batches * len(text)


def test_bad_sizes_and_codecs_are_refused(tmp_path):
    layout = Layout([], SCHEMA)
    with pytest.raises(ValueError, match="must be >= 1"):
        DatasetWriter(tmp_path, layout, row_group_size=0)
    with pytest.raises(ValueError, match="Did you mean 'zstd'"):
        DatasetWriter(tmp_path, layout, compression="zstandard")
