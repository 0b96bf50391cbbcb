"""``read_dask``: an exported dataset as a Dask DataFrame with exactly the dtypes of ``find``.

Each Dask partition reads one Parquet file of the dataset, or a run of its row
groups (at most ``rows_per_partition`` rows, 500,000 by default), with the same typing as
:func:`trackframes.read_parquet`: the Arrow schema stored in
``_trackframes.json`` types every column (Hive partition columns too), rows
come in id order within each partition, and the frame is made by the same
conversion as ``find``. So list<struct> columns (multi-entity fields) are
``ArrowDtype``, dates ``datetime64[ms]``, timestamps ``datetime64[ms, UTC]``,
numbers nullable, and categories **known**: the site's valid values, then any
other value the dataset holds, in the order ``find`` would give them. To learn
those, ``read_dask`` reads the ``id`` and category columns of the dataset once
(streamed, a small fraction of the data); nothing else is read until you
compute.

``filters`` drop whole partition directories and the row groups whose
statistics rule them out before any task is made, then the rows that do not
pass inside each task. Dask's own column projection is supported:
``ddf[["id", "content"]]`` reads only those columns.

Dask is an optional dependency: ``pip install "trackframes[dask]"``. Workers
need trackframes installed and the dataset path readable (a shared disk).

>>> import tempfile
>>> from datetime import date
>>> import trackframes as tf
>>> fields = ["content", "project", "task_assignees", "due_date", "updated_at"]
>>> with tf.sandbox.serve(scale=0.02, seed=1, today=date(2026, 3, 2)) as sb, tempfile.TemporaryDirectory() as tmp:
...     site = sb.connect(progress=False)
...     _ = site.export("Task", f"{tmp}/tasks", fields=fields, partition_by="project.name")
...     tasks = tf.read_dask(f"{tmp}/tasks")
...     same_dtypes = dict(tasks.dtypes) == dict(site.find("Task", fields=fields).dtypes)
...     one = tf.read_dask(f"{tmp}/tasks", columns=["content"], filters=[("project.name", "=", "Copper Sky")])
...     got = one.compute().sort_values("id", ignore_index=True)
...     want = site.find("Task", fields=["content"], project="Copper Sky")
>>> same_dtypes, tasks.npartitions > one.npartitions, got.equals(want)
(True, True, True)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from . import frames
from .exceptions import SchemaError
from .io.errors import NotADatasetError
from .io.metadata import listed_files, read_metadata, schema_from_json, specs_from_json
from .io.partition import Layout, PartitionKey
from .io.read import _with_id
from .io.scan import _bad_filter, reading, to_expression
from .schema import FieldKind, FieldSpec
from .suggest import hint, suggest

if TYPE_CHECKING:
    import dask.dataframe
    import pandas as pd

__all__ = ["read_dask", "ROWS_PER_PARTITION"]

#: The most rows one Dask partition reads by default (whole row groups: 64k rows each by default).
ROWS_PER_PARTITION = 500_000

_INSTALL_HINT = 'tf.read_dask needs Dask: pip install "trackframes[dask]"'


def read_dask(path: str | Path, columns: Sequence[str] | None = None, filters: Any = None, *,
              rows_per_partition: int = ROWS_PER_PARTITION) -> "dask.dataframe.DataFrame":
    """The dataset at ``path`` (written by ``export``/``sync``) as a lazy Dask DataFrame.

    Args:
        path: a dataset directory (with ``_trackframes.json``).
        columns: only these columns (and ``id``, which always comes first, as in ``find``); default all.
        filters: only the rows that pass, in the forms :func:`trackframes.read_parquet` takes (a
            ``pyarrow.compute`` expression, ``(column, op, value)`` tuples, or lists of them). A filter on a
            partition key (``("project.name", "=", "Copper Sky")``) leaves the other directories out of the
            task graph.
        rows_per_partition: the most rows one Dask partition reads; a partition is whole row groups of one
            file (64k rows each by default), so a single row group larger than this is one partition.

    The frame has exactly the columns and dtypes of ``site.find(entity, filters, fields)`` (categories
    known); ``ddf.compute()`` holds the rows ``read_parquet`` gives, in id order within each partition
    (``.sort_values("id", ignore_index=True)`` gives ``read_parquet``'s frame).

    Raises:
        ImportError: Dask is not installed (``pip install "trackframes[dask]"``).
        NotADatasetError: ``path`` is not a dataset written by trackframes export.
        CorruptDatasetError: ``_trackframes.json`` or a Parquet file cannot be read (the file is named).
        SchemaError: a column of ``columns`` or ``filters`` does not exist (with the closest names).
        ValueError: ``rows_per_partition`` is not a whole number >= 1.
    """
    if isinstance(rows_per_partition, bool) or not isinstance(rows_per_partition, int) or rows_per_partition < 1:
        raise ValueError(f"rows_per_partition must be a whole number of rows >= 1 (such as {ROWS_PER_PARTITION}), "
                         f"not {rows_per_partition!r}.")
    dd = _dask_dataframe()
    reader, pieces = _plan(Path(path), columns, filters, rows_per_partition)
    meta = reader.empty()
    if not pieces:
        return dd.from_pandas(meta, npartitions=1, sort=False)
    return dd.from_map(reader, pieces, meta=meta, label="read-trackframes", enforce_metadata=False)


def _dask_dataframe() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError as exc:
        raise ImportError(f"{_INSTALL_HINT} (it is not installed: {exc}).") from exc
    return dd


class _Reader:
    """Reads one piece (a Parquet fragment) into a pandas frame; pickled to the workers, so it holds plain data."""

    def __init__(self, root: str, stored: pa.Schema, target: pa.Schema, specs: Sequence[FieldSpec],
                 expression: pc.Expression | None, categories: dict[str, list[str]]) -> None:
        self.root = root
        self.stored = stored  # what the files and directory names hold
        self.target = target  # the frame's columns and types (those of find)
        self.specs = list(specs)
        self.expression = expression
        self.categories = categories

    def __call__(self, fragment: ds.ParquetFileFragment, columns: Sequence[str] | None = None) -> "pd.DataFrame":
        names = self._columns(columns)
        read = names if "id" in names else ["id", *names]
        with reading(Path(self.root), [fragment.path], read):
            table = fragment.to_table(schema=self.stored, columns=read, filter=self.expression)
        arrays = []
        for name in read:
            col, typ = table.column(name), self.target.field(name).type
            arrays.append(col if col.type == typ else pc.cast(col, typ))
        table = pa.Table.from_arrays(arrays, schema=pa.schema([self.target.field(n) for n in read]))
        table = table.take(pc.sort_indices(table.column("id"))).select(names)
        return self._frame(table)

    def empty(self, columns: Sequence[str] | None = None) -> "pd.DataFrame":
        """The zero-row frame of the right dtypes: Dask's ``meta``."""
        names = self._columns(columns)
        return self._frame(pa.schema([self.target.field(n) for n in names]).empty_table())

    def _columns(self, columns: Sequence[str] | None) -> list[str]:
        if columns is None:
            return list(self.target.names)
        return [columns] if isinstance(columns, str) else list(columns)

    def _frame(self, table: pa.Table) -> "pd.DataFrame":
        df = frames.to_pandas(table, self.specs)
        for name, categories in self.categories.items():
            if name in df.columns:
                df[name] = df[name].cat.set_categories(categories)
        return df


def _plan(path: Path, columns: Sequence[str] | None, filters: Any,
          rows_per_partition: int) -> tuple[_Reader, list[ds.ParquetFileFragment]]:
    """The reader and the pieces (fragments, pruned by ``filters``) of the dataset at ``path``."""
    try:
        meta = read_metadata(path)
    except NotADatasetError as exc:
        raise NotADatasetError(f"{exc} tf.read_dask reads datasets written by export; read other Parquet "
                               "files with dask.dataframe.read_parquet.", path=path) from None
    schema = schema_from_json(meta["arrow_schema"])
    specs = specs_from_json(meta["field_specs"])
    layout = Layout([PartitionKey.from_json(k) for k in meta["partition_by"]], schema)
    wanted = list(schema.names) if columns is None else _with_id(columns, schema.names)
    for name in wanted:
        if name not in schema.names:
            close = suggest(name, schema.names)
            raise SchemaError(f"{path} has no column {name!r}.{hint(close)}", name=name, suggestions=close)
    hive = layout.hive_schema
    stored = pa.schema(list(layout.file_schema) + [f for f in hive if f.name not in layout.file_schema.names])
    files = listed_files(path, meta)
    partitioning = ds.partitioning(hive, flavor="hive") if layout.keys else None
    dataset = ds.dataset(files, schema=stored, format="parquet", partitioning=partitioning,
                         partition_base_dir=str(path))
    expression = to_expression(filters)
    target = pa.schema([schema.field(n) for n in wanted])
    valid = {s.name: list(s.valid_values) for s in specs if s.kind is FieldKind.CATEGORY}
    category_columns = [f.name for f in target if pa.types.is_dictionary(f.type)]
    try:
        scanner = ds.Scanner.from_dataset(dataset, columns=["id", *category_columns], filter=expression)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise _bad_filter(path, filters, exc, dataset.schema) from None
    with reading(path, files):
        categories = _categories(scanner, category_columns, valid)
        pieces = _pieces(dataset, stored, expression, rows_per_partition)
    return _Reader(os.fspath(path), stored, target, specs, expression, categories), pieces


def _categories(scanner: ds.Scanner, names: Sequence[str], valid: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each category column's categories as ``find`` orders them: valid values, then others by first id."""
    first: dict[str, dict[str, int]] = {name: {} for name in names}
    if names:
        for batch in scanner.to_batches():
            ids = batch.column("id")
            for name in names:
                values = batch.column(name)
                if pa.types.is_dictionary(values.type):
                    values = values.dictionary_decode()
                seen = pa.table({"value": values, "id": ids}).group_by("value").aggregate([("id", "min")])
                known = first[name]
                for value, rid in zip(seen.column("value").to_pylist(), seen.column("id_min").to_pylist()):
                    if value is not None and (value not in known or rid < known[value]):
                        known[value] = rid
    return {name: list(dict.fromkeys(valid.get(name, []) + sorted(first[name], key=first[name].__getitem__)))
            for name in names}


def _pieces(dataset: ds.Dataset, stored: pa.Schema, expression: pc.Expression | None, limit: int) -> list[Any]:
    """Fragments of at most ``limit`` rows (whole row groups), pruned by ``expression``."""
    pieces = []
    for fragment in dataset.get_fragments(filter=expression):
        groups = fragment.split_by_row_group(expression, schema=stored)  # row groups the statistics keep
        run: list[int] = []
        rows = 0
        for group in groups:
            info = group.row_groups[0]
            if run and rows + info.num_rows > limit:
                pieces.append(fragment.subset(row_group_ids=run, schema=stored))
                run, rows = [], 0
            run.append(info.id)
            rows += info.num_rows
        if run:
            pieces.append(fragment.subset(row_group_ids=run, schema=stored))
    return pieces
