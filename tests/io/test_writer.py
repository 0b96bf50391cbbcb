"""DatasetWriter: every row lands once, in its partition, within the file and row-group limits."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa
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
KEYS = st.one_of(st.none(), st.sampled_from(["a", "b/c", "50% off", "ü", "", "x=y"]))
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
       partition_by=st.sampled_from([None, "key", "at:month", ["status", "at:year"], ["key", "status"]]),
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
