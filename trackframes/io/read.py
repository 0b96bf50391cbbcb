"""``read_parquet``: a dataset (or file) back into the frame ``find`` gives, with exactly its dtypes.

The Arrow schema and field specs stored in ``_trackframes.json`` drive the
read: every column gets the type it was written with (Hive partition
columns included: they are parsed from the directory names with their
original type), rows come back in id order, and the frame is made by the same
:func:`trackframes.frames.to_pandas` as ``find`` (same ``types_mapper``,
``date_as_object=False``, categories from the site's valid values).

Plain ``pandas.read_parquet`` cannot read list-of-struct columns (the
multi-entity fields) into the default NumPy-backed dtypes: it fails unless
``dtype_backend="pyarrow"`` is passed (pandas issue 57411), and even then gives
Arrow-backed dtypes everywhere, not those of ``find``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from .. import frames
from ..exceptions import SchemaError
from .atomic import METADATA_FILE, is_dataset
from .errors import NotADatasetError
from .metadata import listed_files, read_metadata, schema_from_json, specs_from_json
from .partition import Layout, PartitionKey
from .scan import reading, scan, to_expression

__all__ = ["read_parquet", "read_arrow"]


def read_parquet(path: str | Path, columns: Sequence[str] | None = None, filters: Any = None) -> Any:
    """The pandas frame stored at ``path``: a dataset written by ``export``/``sync``, or a Parquet file.

    Args:
        path: a dataset directory (with ``_trackframes.json``), a Parquet file (for example one
            written by ``df.to_parquet`` or ``df.tf.to_parquet``), or a directory of Parquet files
            (Hive partitions allowed).
        columns: only these columns (and ``id``, which always comes first, as in ``find``); default all.
        filters: only the rows that pass, given as for ``pyarrow.parquet.read_table``: a
            ``pyarrow.compute`` expression (``pc.field("status") == "ip"``), a list of
            ``(column, op, value)`` tuples that must all hold, or a list of such lists (any may hold).
            A filter on a partition key (``("project.name", "=", "Copper Sky")``, or
            ``("updated_at_month", ">=", "2026-01")`` for a period key) reads only the matching
            directories.

    For a dataset the frame has exactly the columns and dtypes of
    ``site.find(entity, filters, fields)``, rows in id order, and
    ``attrs["trackframes"]`` holds the provenance (site, entity, filters,
    fields, fetch time, watermark). Other files get the same dtype mapping,
    their rows in stored order, categories as stored, and the provenance a
    ``trackframes`` metadata key holds.

    Raises:
        NotADatasetError: ``path`` does not exist, or is a directory with neither ``_trackframes.json``
            nor Parquet files.
        CorruptDatasetError: ``_trackframes.json`` or a Parquet file cannot be read (the file is named).
        SchemaError: a column of ``columns`` or ``filters`` does not exist (with the closest names).

    >>> import tempfile
    >>> from datetime import date
    >>> import trackframes as tf
    >>> with tf.sandbox.serve(scale=0.02, seed=1, today=date(2026, 3, 2)) as sb, tempfile.TemporaryDirectory() as tmp:
    ...     site = sb.connect(progress=False)
    ...     _ = site.export("Task", f"{tmp}/tasks", fields=["content", "due_date"], partition_by="project.name")
    ...     project = site.find("Project", fields=["name"])["name"].iloc[0]
    ...     some = tf.read_parquet(f"{tmp}/tasks", columns=["content"], filters=[("project.name", "=", project)])
    ...     want = site.find("Task", [["project.Project.name", "is", project]], ["content"])
    >>> list(some.columns), some.equals(want)
    (['id', 'content'], True)
    """
    table, specs, provenance = _read(Path(path), columns, filters)
    df = frames.to_pandas(table, specs)
    if provenance is not None:
        df.attrs["trackframes"] = provenance
    return df


def read_arrow(path: str | Path, columns: Sequence[str] | None = None, filters: Any = None) -> pa.Table:
    """:func:`read_parquet` as the typed ``pyarrow.Table`` (what ``find_arrow`` gives)."""
    return _read(Path(path), columns, filters)[0]


def _read(path: Path, columns: Sequence[str] | None,
          filters: Any) -> tuple[pa.Table, list[Any], dict[str, Any] | None]:
    if path.is_dir() and is_dataset(path):
        return _read_dataset(path, columns, filters)
    if path.is_file():
        files = [str(path)]
    elif path.is_dir():
        files = _parquet_files(path)
    else:
        raise NotADatasetError(f"{path} does not exist.", path=path)
    with reading(path, files):
        dataset = ds.dataset(str(path) if path.is_file() else files, format="parquet",
                             partitioning="hive" if path.is_dir() else None,
                             partition_base_dir=str(path) if path.is_dir() else None)
    table = scan(dataset, root=path, columns=_with_id(columns, dataset.schema.names), filters=filters)
    if path.is_file():
        table = table.replace_schema_metadata(dataset.schema.metadata)
    return _item_lists(table), [], _stored_provenance(dataset.schema)


def _with_id(columns: Sequence[str] | None, names: Sequence[str]) -> list[str] | None:
    """``columns`` with ``id`` first (when the data has one), each once; ``None`` stays ``None``."""
    if columns is None:
        return None
    if isinstance(columns, str):
        raise TypeError(f"columns must be a list of column names, not the string {columns!r}; "
                        f"write columns=[{columns!r}].")
    wanted = list(dict.fromkeys(columns))
    if "id" in names and "id" in wanted:
        wanted.remove("id")
    return (["id"] if "id" in names else []) + wanted


def _parquet_files(path: Path) -> list[str]:
    """The data files of a directory of Parquet files (names starting with ``_`` or ``.`` skipped, as readers do).

    ``NotADatasetError`` when there is none.
    """
    found = []
    for dirpath, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
        found += [os.path.join(dirpath, f) for f in sorted(files) if not f.startswith(("_", "."))]
    if not any(f.lower().endswith(".parquet") for f in found):
        seen = ", ".join(os.path.relpath(f, path) for f in found[:3]) + (", ..." if len(found) > 3 else "")
        holds = f"holds no Parquet files ({seen})" if found else "is empty"
        raise NotADatasetError(f"{path} {holds}: it is not a dataset written by trackframes export (no "
                               f"{METADATA_FILE}) nor a directory of Parquet files.", path=path)
    return found


def _stored_provenance(schema: pa.Schema) -> dict[str, Any] | None:
    raw = (schema.metadata or {}).get(b"trackframes")
    if raw is None:
        return None
    import orjson

    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _read_dataset(path: Path, columns: Sequence[str] | None,
                  filters: Any) -> tuple[pa.Table, list[Any], dict[str, Any]]:
    meta = read_metadata(path)
    schema = schema_from_json(meta["arrow_schema"])
    specs = specs_from_json(meta["field_specs"])
    layout = Layout([PartitionKey.from_json(k) for k in meta["partition_by"]], schema)
    wanted = list(schema.names) if columns is None else _with_id(columns, schema.names)
    unknown = [c for c in wanted if c not in schema.names]
    if unknown:
        import difflib

        hints = difflib.get_close_matches(unknown[0], schema.names, n=3)
        raise SchemaError(f"{path} has no column {unknown[0]!r}." + (f" Did you mean {', '.join(hints)}?"
                                                                     if hints else ""),
                          name=unknown[0], suggestions=hints)
    files = listed_files(path, meta)
    dataset = ds.dataset(files, schema=layout.stored_schema, format="parquet", partitioning=layout.partitioning(),
                         partition_base_dir=str(path))
    read = wanted if "id" in wanted else ["id"] + wanted
    table = scan(dataset, root=path, columns=read, filters=filters)
    arrays = []
    for name in read:
        col = table.column(name)
        target = schema.field(name).type
        arrays.append(col if col.type == target else pc.cast(col, target))
    table = _by_id(pa.Table.from_arrays(arrays, schema=pa.schema([schema.field(n) for n in read])))
    table = table.select(wanted)
    provenance = {
        "site": meta["site"],
        "backend": meta["backend"],
        "entity": meta["entity"],
        "filters": meta["filters"],
        "fields": meta["fields"],
        "order": [],
        "limit": None,
        "include_archived_projects": meta["include_archived_projects"],
        "retired": False,
        "fetched_at": meta["fetched_at"],
        "watermark": meta["watermark"],
        "path": str(path),
    }
    if filters is not None:
        provenance["read_filters"] = str(to_expression(filters))
    return table, specs, provenance


def _by_id(table: pa.Table) -> pa.Table:
    """Rows in id order, as ``find`` returns them, with category values numbered as ``find`` numbers them.

    ``find`` encodes each category column once over the rows in id order, so
    values not in the site's list of valid values come in order of first
    appearance; re-encoding after the sort gives the same category order.
    """
    if "id" not in table.column_names or table.num_rows < 2:
        return table
    table = table.take(pc.sort_indices(table.column("id")))
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            encoded = pc.dictionary_encode(pc.cast(table.column(i), field.type.value_type))
            table = table.set_column(i, field, pc.cast(encoded, field.type))
    return table


def _item_lists(table: pa.Table) -> pa.Table:
    """List columns with the child name ``item`` (Parquet readers say ``element``), as ``find`` has them."""
    target = pa.schema([f.with_type(_item_type(f.type)) for f in table.schema], metadata=table.schema.metadata)
    return table if target.equals(table.schema) else table.cast(target)


def _item_type(typ: pa.DataType) -> pa.DataType:
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        inner = _item_type(typ.value_type)
        return pa.list_(inner) if pa.types.is_list(typ) else pa.large_list(inner)
    if pa.types.is_struct(typ):
        return pa.struct([typ.field(i).with_type(_item_type(typ.field(i).type)) for i in range(typ.num_fields)])
    return typ
