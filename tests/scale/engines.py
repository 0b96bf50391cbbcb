"""How each engine reads an exported dataset, as its users would write it, giving records (dicts by column).

These are the snippets ``docs/scale.md`` shows; nothing here uses trackframes
except :func:`trackframes_records`. ``keys`` are the dataset's partition keys,
all text here: each engine is told so, since engines that guess the types of
partition values from the directory names read a sequence ``010`` as the
number 10.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Sequence

Records = list[dict[str, Any]]


def pyarrow_records(path: Path, keys: Sequence[str]) -> Records:
    import pyarrow as pa
    import pyarrow.dataset as ds

    partitioning = ds.partitioning(pa.schema([(key, pa.string()) for key in keys]), flavor="hive")
    return ds.dataset(path, format="parquet", partitioning=partitioning).to_table().to_pylist()


def duckdb_records(path: Path, keys: Sequence[str]) -> Records:
    import duckdb

    types = ", ".join(f"'{key}': VARCHAR" for key in keys)
    con = duckdb.connect()
    try:
        cursor = con.execute(f"SELECT * FROM read_parquet(?, hive_partitioning = true, hive_types = {{{types}}})",
                             [f"{path}/**/*.parquet"])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def polars_records(path: Path, keys: Sequence[str]) -> Records:
    import polars as pl

    return pl.scan_parquet(f"{path}/**/*.parquet", hive_partitioning=True,
                           hive_schema={key: pl.String for key in keys}).collect().to_dicts()


def dask_records(path: Path, keys: Sequence[str]) -> Records:
    """Plain ``dd.read_parquet``, told that the partition keys are text (a null key needs it: dask issue 9435)."""
    import dask.dataframe as dd
    import pyarrow as pa

    partitioning = {"flavor": "hive", "schema": pa.schema([(key, pa.string()) for key in keys])}
    df = dd.read_parquet(str(path), dataset={"partitioning": partitioning}).compute(scheduler="sync")
    return df.to_dict("records")


def trackframes_records(path: Path) -> Records:
    import trackframes as tf

    return tf.read_parquet(path).to_dict("records")


# -- Spark -----------------------------------------------------------------------------------------------------

def spark_missing() -> str | None:
    """Why Spark cannot run here (``None`` when it can)."""
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (bash scripts/spark-deps.sh)"
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and Path(java_home, "bin", "java").is_file()) and shutil.which("java") is None:
        return "no Java runtime (bash scripts/spark-deps.sh installs openjdk-17-jre-headless)"
    return None


def spark_session() -> Any:
    """A local Spark on one core, quiet, UTC as the session time zone, partition values read as text."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[1]").appName("trackframes-engines")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
             .config("spark.sql.shuffle.partitions", "1")
             .config("spark.driver.memory", "512m")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def spark_records(spark: Any, path: Path) -> Records:
    return [row.asDict(recursive=True) for row in spark.read.parquet(str(path)).collect()]
