"""Reading Parquet files safely: ``filters`` for partition pruning, and unreadable files named.

:func:`scan` reads a ``pyarrow.dataset`` with an optional row filter (a
``pyarrow.compute`` expression, or the DNF list of tuples that
``pyarrow.parquet.read_table`` takes). The filter is bound to the dataset's
schema before any file is opened, so a filter naming an unknown column or
comparing a column with a value of another type fails at once with a message
about ``filters``; a filter on a Hive partition key skips whole directories.

When reading fails, the file that cannot be read is found (its footer first,
then its data) and named in a :class:`~trackframes.io.errors.CorruptDatasetError`.

>>> import pyarrow.compute as pc
>>> to_expression([("status", "in", ["ip", "rev"]), ("project.name", "=", "Copper Sky")])
<pyarrow.compute.Expression (is_in(status, {value_set=string:[
  "ip",
  "rev"
], null_matching_behavior=MATCH}) and (project.name == "Copper Sky"))>
>>> to_expression(pc.field("id") > 10)
<pyarrow.compute.Expression (id > 10)>
"""

from __future__ import annotations

import difflib
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..exceptions import SchemaError
from .errors import CorruptDatasetError

__all__ = ["to_expression", "scan", "reading", "unreadable"]

_UNKNOWN_FIELD = re.compile(r"No match for FieldRef\.Name\((.*?)\)")


def to_expression(filters: Any) -> pc.Expression | None:
    """``filters`` as one ``pyarrow.compute.Expression`` (``None`` stays ``None``).

    Accepts an expression, one ``(column, op, value)`` tuple, a list of tuples (all must hold) or a list of
    such lists (any may hold), with the operators of ``pyarrow.parquet.read_table``: ``=``, ``==``, ``!=``,
    ``<``, ``>``, ``<=``, ``>=``, ``in``, ``not in``.
    """
    if filters is None or isinstance(filters, pc.Expression):
        return filters
    if isinstance(filters, tuple) and len(filters) == 3 and isinstance(filters[0], str):
        filters = [filters]
    if not isinstance(filters, (list, tuple)) or not filters:
        raise TypeError("filters must be a pyarrow.compute expression (pc.field('x') == 1), a list of "
                        f"(column, op, value) tuples, or a list of such lists; not {filters!r}")
    try:
        return pq.filters_to_expression(list(filters))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"filters {filters!r} are not (column, op, value) tuples or lists of them: {exc}") from None


def scan(dataset: ds.Dataset, *, root: Path, columns: Sequence[str] | None, filters: Any) -> pa.Table:
    """The rows of ``dataset`` that pass ``filters``, in ``columns``; errors name ``root`` and the bad file."""
    expression = to_expression(filters)
    try:
        scanner = ds.Scanner.from_dataset(dataset, columns=None if columns is None else list(columns),
                                          filter=expression)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise _bad_filter(root, filters, exc, dataset.schema) from None
    files = list(getattr(dataset, "files", []) or [])
    with reading(root, files, columns):
        return scanner.to_table()


def _bad_filter(root: Path, filters: Any, exc: Exception, schema: pa.Schema) -> Exception:
    found = _UNKNOWN_FIELD.search(str(exc))
    if found:
        name = found.group(1)
        hints = difflib.get_close_matches(name, schema.names, n=3)
        hint = f" Did you mean {', '.join(map(repr, hints))}?" if hints else ""
        return SchemaError(f"filters name the column {name!r}, which {root} does not have.{hint}", name=name,
                           suggestions=hints)
    reason = str(exc).splitlines()[0]
    return ValueError(f"filters {filters!r} do not fit the columns of {root}: {reason}. Compare each column with "
                      "a value of its type (dates as datetime.date, timestamps as aware datetimes).")


@contextmanager
def reading(root: Path, files: Sequence[str], columns: Sequence[str] | None = None) -> Iterator[None]:
    """Turn an error reading ``files`` (of the dataset ``root``) into a ``CorruptDatasetError`` naming the file.

    Errors that are not about a file's content (permissions, a missing disk) pass through unchanged.
    """
    try:
        yield
    except (pa.ArrowException, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None and not isinstance(exc, FileNotFoundError):
            raise
        error = unreadable(root, files, exc, columns)
        if error is exc:
            raise
        raise error from exc


def unreadable(root: Path, files: Sequence[str], exc: BaseException, columns: Sequence[str] | None = None) -> \
        BaseException:
    """A ``CorruptDatasetError`` naming the first of ``files`` that cannot be read; ``exc`` when all can."""
    named = [f for f in files if str(f) in str(exc)]
    culprit = (named[0], exc) if named else _find_unreadable(files, columns)
    if culprit is None:
        return exc
    file, error = culprit
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    where = f"the dataset {root}" if Path(file) != Path(root) else "it"
    return CorruptDatasetError(f"{file} cannot be read as Parquet ({reason}); {where} is damaged. Export it again "
                               "to rebuild it.", path=root, file=file)


def _find_unreadable(files: Sequence[str], columns: Sequence[str] | None) -> tuple[str, BaseException] | None:
    """The first file whose footer, then the first whose data, cannot be read (``None``: all read)."""
    for file in files:
        try:
            pq.read_metadata(file)
        except (pa.ArrowException, OSError) as exc:
            return str(file), exc
    for file in files:
        try:
            with pq.ParquetFile(file) as reader:
                names = reader.schema_arrow.names
                reader.read(columns=None if columns is None else [c for c in columns if c in names])
        except (pa.ArrowException, OSError) as exc:
            return str(file), exc
    return None
