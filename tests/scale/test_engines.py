"""The same exported datasets read by pyarrow, DuckDB, Polars, Dask, Spark and trackframes: same rows, same values.

Each engine reads each dataset the way its users would (``engines.py``); the
records are brought to plain Python (``normalise.py``) and compared column by
column with what ``site.find`` gave for the same query: row count, ids, every
value (list<struct> columns as lists of dicts, dates, UTC instants, nulls), and
the Hive partition columns restored with their original values, spaces, ``/``,
``%`` and non-ASCII characters included.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import pyarrow as pa
import pytest

import trackframes as tf
from trackframes.io import read_metadata
from trackframes.io.metadata import schema_from_json

from . import engines
from .conftest import PROJECT_NAMES, SEQUENCE_CODES, SPECS, Exported
from .normalise import Columns, canonical, columns_of, differences, frame_columns

DATASETS = [spec.name for spec in SPECS]


def _schema(path: Path) -> pa.Schema:
    return schema_from_json(read_metadata(path)["arrow_schema"])


def _period_value(value: date | datetime | None, period: str) -> str | None:
    """The directory value of a period key, computed here independently of the writer."""
    if value is None:
        return None
    iso = value.isocalendar()
    return {"year": f"{value.year}", "month": f"{value.year}-{value.month:02d}",
            "week": f"{iso[0]}-W{iso[1]:02d}", "day": value.strftime("%Y-%m-%d")}[period]


def check(records: list[dict[str, Any]], exported: Exported, name: str, engine: str) -> None:
    """``records`` hold exactly the rows and values of ``find``, plus each period key, right.

    ``tf.read_parquet`` leaves the period keys out (they are not columns of ``find``); other engines show them.
    """
    path, found, spec = exported.paths[name], exported.found[name], exported.specs[name]
    schema = _schema(path)
    assert len(records) == len(found) > 0, f"{engine} read {len(records)} rows of {name}, find gave {len(found)}"
    periods = {f"{key.split(':')[0]}_{key.split(':')[1]}": key.split(":") for key in spec.partition_by
               if ":" in key and engine != "trackframes"}
    assert set(records[0]) == set(found.columns) | set(periods), f"{engine}: columns of {name}"
    want = frame_columns(found, schema)
    got = columns_of(records, schema)
    problems = differences(got, want, engine=engine)
    for key, (column, period) in periods.items():
        by_id = {int(r["id"]): r[key] for r in records}
        wrong = [i for i, v in by_id.items() if v != _period_value(want[column][i], period)]
        if wrong:
            problems.append(f"{engine}: period key {key!r} wrong for ids {wrong[:5]}")
    assert not problems, "\n".join(problems)


def test_the_datasets_hold_the_awkward_partition_values(exported):
    """The fixture does what it promises: the hard names are partition values (or the test proves nothing)."""
    tasks = exported.found["tasks"]
    assert set(tasks["project.name"]) == set(PROJECT_NAMES.values())
    shots = exported.found["shots"]
    assert set(shots["sg_sequence.name"].dropna()) == set(SEQUENCE_CODES.values())
    assert shots["sg_sequence.name"].isna().sum() == 1
    for spec in SPECS:
        found = exported.found[spec.name]
        assert len(found) > 10
    assert exported.found["tasks"]["est_in_mins"].isna().any()
    assert exported.found["versions"]["sg_uploaded_movie_frame_rate"].isna().any()
    assert (exported.found["assets"]["tag_list"].map(len) == 0).any()
    dirs = {p.name for p in exported.paths["shots"].rglob("*") if p.is_dir()}
    assert "sg_sequence.name=__HIVE_DEFAULT_PARTITION__" in dirs
    assert any("/" not in d and "%2F" in d for d in dirs)


def _keys(path: Path) -> list[str]:
    """The partition keys of a dataset (all of them text in these datasets)."""
    return [key["name"] for key in read_metadata(path)["partition_by"]]


READERS: dict[str, Callable[[Path], list[dict[str, Any]]]] = {
    "pyarrow": lambda path: engines.pyarrow_records(path, _keys(path)),
    "duckdb": lambda path: engines.duckdb_records(path, _keys(path)),
    "polars": lambda path: engines.polars_records(path, _keys(path)),
    "dask": lambda path: engines.dask_records(path, _keys(path)),
    "trackframes": engines.trackframes_records,
}


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("engine", list(READERS))
def test_every_engine_reads_the_values_find_gave(exported, engine, name):
    check(READERS[engine](exported.paths[name]), exported, name, engine)


def test_guessing_partition_types_turns_a_sequence_010_into_a_number(exported):
    """Why the readers above name the key types: left to guess, pyarrow (so Dask) and Polars read 10."""
    import polars as pl
    import pyarrow.dataset as ds

    path = exported.paths["shots_010"]
    assert {p.name for p in path.iterdir() if p.is_dir()} == {"sg_sequence.name=010",
                                                              "sg_sequence.name=__HIVE_DEFAULT_PARTITION__"}
    guessed = ds.dataset(path, format="parquet", partitioning="hive").to_table().column("sg_sequence.name")
    assert pa.types.is_integer(guessed.type) and 10 in guessed.to_pylist()
    guessed = pl.scan_parquet(f"{path}/**/*.parquet", hive_partitioning=True).collect()["sg_sequence.name"]
    assert guessed.dtype.is_integer() and 10 in guessed.to_list()
    assert set(tf.read_parquet(path)["sg_sequence.name"].dropna()) == {"010"}


@pytest.mark.parametrize("name", DATASETS)
def test_read_parquet_gives_finds_frame_exactly(exported, name):
    got = tf.read_parquet(exported.paths[name])
    pd.testing.assert_frame_equal(got, exported.found[name])


# -- Spark -----------------------------------------------------------------------------------------------------


def test_spark_reads_every_dataset(exported, spark):
    """One Spark session (a JVM start is the slow part) reads all the datasets."""
    for name in DATASETS:
        check(engines.spark_records(spark, exported.paths[name]), exported, name, "spark")


def test_spark_and_hive_decode_every_partition_directory_to_its_value(exported):
    """Spark and Hive decode ``%XX`` one byte per character; a UTF-8 escape of ``é`` would come back wrong.

    Spark's ``ExternalCatalogUtils.unescapePathName``, rewritten here, applied to every directory written.
    """

    def unescape(text: str) -> str:
        out, i = [], 0
        while i < len(text):
            if text[i] == "%" and i + 2 < len(text) and _hex(text[i + 1:i + 3]):
                out.append(chr(int(text[i + 1:i + 3], 16)))
                i += 3
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    seen: dict[str, set[Any]] = {}
    for spec in SPECS:
        root = exported.paths[spec.name]
        for directory in root.rglob("*"):
            if directory.is_dir():
                key, _, raw = directory.name.partition("=")
                value = None if raw == "__HIVE_DEFAULT_PARTITION__" else unescape(raw)
                seen.setdefault(f"{spec.name}.{key}", set()).add(value)
    assert seen["tasks.project.name"] == set(PROJECT_NAMES.values())
    assert seen["shots.project.name"] == set(PROJECT_NAMES.values())
    assert seen["shots.sg_sequence.name"] == set(SEQUENCE_CODES.values()) | {None}


def _hex(text: str) -> bool:
    return len(text) == 2 and all(c in "0123456789abcdefABCDEF" for c in text)


def test_canonical_forms_tell_values_apart():
    """The normaliser itself: equal only when the values are (it would hide differences otherwise)."""
    ts = pa.timestamp("ms", tz="UTC")
    assert canonical(pd.Timestamp("2026-03-02 10:00", tz="Europe/Paris"), ts) == \
        canonical(datetime.fromisoformat("2026-03-02T09:00:00+00:00"), ts)
    assert canonical(pd.Timestamp("2026-03-02 10:00", tz="UTC"), ts) != \
        canonical(datetime.fromisoformat("2026-03-02T09:00:00+00:00"), ts)
    assert canonical([], pa.list_(pa.string())) != canonical(None, pa.list_(pa.string()))
    assert canonical(pd.NA, pa.int64()) is None and canonical(float("nan"), pa.float64()) is None
    assert canonical(pd.Timestamp("2026-03-02"), pa.date32()) == date(2026, 3, 2)
    got: Columns = {"a": {1: 1, 2: 2}}
    assert differences(got, {"a": {1: 1, 2: 3}}, engine="x") and differences(got, {"a": {1: 1}}, engine="x")
    assert not differences(got, {"a": {1: 1, 2: 2}}, engine="x")
