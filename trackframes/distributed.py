"""``site.to_dask``: a read as a Dask DataFrame whose partitions Dask workers fetch by themselves.

The backend splits the read into independent parts (the PARTITION capability,
:class:`~trackframes.backends.base.Partitioner`; ShotGrid: id ranges sized from
the count per id bucket). Each Dask partition is one part: a worker reconnects
from the site's picklable :class:`~trackframes.reconnect.Connection` (one site
per worker process, its credential's secrets carried masked and never shown)
and runs ``find`` with the read's filter and the part's condition, in id order.

The frame is indexed by ``id`` (the same ``Int64`` values as ``find``'s
``id`` column) so that Dask knows the divisions when ids are ordered:
``ddf.loc[lo:hi]`` and joins on ``id`` read only the partitions they need.
``ddf.reset_index()`` has exactly ``find``'s columns and dtypes, and
``ddf.compute().reset_index()`` equals ``find``. Category columns are known
to Dask (the schema's valid values, as ``find``); the type column of a link
(``entity.type``) is a category whose values ``find`` takes from the records
it got, so Dask knows it as a category with categories not known until
computed (``ddf["entity.type"].cat.as_known()``); once computed, they are
``find``'s, in the same order.
Nothing is fetched to learn the dtypes: ``meta`` is the empty typed frame of
the schema. The split itself costs a count, two one-record searches and one
count per id bucket, sent when ``to_dask`` is called.

Dask is an optional dependency: ``pip install "trackframes[dask]"``. Workers
need trackframes installed and must reach the site's URL.

>>> import trackframes as tf
>>> with tf.sandbox.serve(scale=0.05, seed=1) as sb:
...     site = sb.connect(progress=False)
...     ddf = site.to_dask("Task", [["content", "contains", "a"]], ["content", "due_date"], partitions=3)
...     got = ddf.compute(scheduler="sync").reset_index()
...     want = site.find("Task", [["content", "contains", "a"]], ["content", "due_date"])
>>> ddf.npartitions, ddf.known_divisions, got.equals(want)
(3, True, True)
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any, Sequence

import pandas as pd

from . import frames
from .backends.base import Capability, Partition, require
from .query import and_
from .schema import FieldKind, FieldSpec, arrow_schema

if TYPE_CHECKING:
    from dask.dataframe import DataFrame as DaskDataFrame

    from .reconnect import Connection
    from .site import Site
else:
    class DaskDataFrame:
        """Stands for ``dask.dataframe.DataFrame`` in annotations read at run time (Dask is imported only when
        ``to_dask`` is called; editors and type checkers see Dask's class)."""

__all__ = ["to_dask", "ROWS_PER_PARTITION", "DaskDataFrame"]

#: The records one partition holds when ``partitions`` is not given (about).
ROWS_PER_PARTITION = 50_000

_INSTALL_HINT = 'site.to_dask needs Dask: pip install "trackframes[dask]"'


def to_dask(site: "Site", entity: str, filters: Any = None, fields: Any = None, partitions: int | None = None, *,
            project: Any = None, include_archived_projects: bool = False) -> DaskDataFrame:
    """The records of ``site.find(entity, filters, fields, ...)`` as a lazy Dask DataFrame indexed by ``id``.

    Args:
        entity, filters, fields, project, include_archived_projects: as :meth:`~trackframes.site.Site.find`.
        partitions: how many partitions (at most one per id of the span); default about
            :data:`ROWS_PER_PARTITION` records each.

    Raises:
        ImportError: Dask is not installed (``pip install "trackframes[dask]"``).
        CapabilityError: the site's backend cannot split a read (capability ``partition``).
        TypeError, ValueError: ``partitions`` is not a whole number >= 1; the site was not made by
            ``tf.connect`` or was connected with a ``transport_adapter`` (workers could not reconnect).
        SchemaError, QueryError: as ``find`` (checked before anything is fetched).
    """
    _check_partitions(partitions)
    dd = _dask_dataframe()
    backend = require(site.backend, Capability.PARTITION)
    connection = _connection(site)
    query, out_specs = site._query(entity, filters, fields, None, None, include_archived_projects, False,
                                   project=project)
    with site._call():
        if partitions is None:
            parts = backend.partitions(query, rows=ROWS_PER_PARTITION)
        else:
            parts = backend.partitions(query, parts=partitions)
    reader = PartReader(connection, site._today, entity, [s.name for s in out_specs if s.name != "id"],
                        out_specs, query.include_archived_projects)
    pieces = [Piece(and_(query.tree, p.condition) if p.condition is not None else query.tree, p)
              for p in parts]
    divisions = _divisions(parts)
    return dd.from_map(reader, pieces, meta=reader.empty(), divisions=divisions, label="find-trackframes",
                       enforce_metadata=False)


def _check_partitions(partitions: Any) -> None:
    if partitions is None:
        return
    if isinstance(partitions, bool) or not isinstance(partitions, int):
        raise TypeError(f"partitions must be a whole number of partitions >= 1 (such as 8), or None for about "
                        f"{ROWS_PER_PARTITION:,} records each; got {type(partitions).__name__} {partitions!r}.")
    if partitions < 1:
        raise ValueError(f"partitions must be a whole number >= 1 (such as 8), or None for about "
                         f"{ROWS_PER_PARTITION:,} records each; not {partitions!r}.")


def _dask_dataframe() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError as exc:
        raise ImportError(f"{_INSTALL_HINT} (it is not installed: {exc}).") from exc
    return dd


def _connection(site: "Site") -> "Connection":
    """The site's connection, if worker processes can use it; else a clear error."""
    connection = getattr(site, "connection", None)
    if connection is None:
        raise ValueError(f"{site!r} was not made by tf.connect, so Dask workers cannot connect to it again: "
                         "connect with tf.connect(url, auth=...) to use site.to_dask.")
    if connection.local_transport:
        raise ValueError(f"{site!r} was connected with a transport_adapter (an in-process transport), which "
                         "Dask workers in other processes cannot use: connect to the site's URL without "
                         "transport_adapter to use site.to_dask.")
    return connection


def _divisions(parts: Sequence[Partition]) -> tuple[Any, ...] | None:
    """Dask divisions when every part has id bounds (in order), else ``None`` (unknown)."""
    if not parts or any(p.low is None or p.high is None for p in parts):
        return None
    return (*(p.low for p in parts), parts[-1].high)


class Piece:
    """One Dask partition's read: the whole filter tree (the read's and the part's condition)."""

    __slots__ = ("filters", "part")

    def __init__(self, filters: Any, part: Partition) -> None:
        self.filters = filters
        self.part = part

    def __repr__(self) -> str:
        return f"Piece(ids {self.part.low}..{self.part.high}, ~{self.part.rows} records)"

    def __dask_tokenize__(self) -> tuple[Any, ...]:
        return ("trackframes.Piece", self.filters.to_json(), self.part.low, self.part.high)


class PartReader:
    """Fetches one :class:`Piece` on a worker; pickled with the graph (its connection's secrets masked)."""

    def __init__(self, connection: "Connection", today: date | None, entity: str, fields: list[str],
                 specs: Sequence[FieldSpec], include_archived_projects: bool) -> None:
        self.connection = connection
        self.today = today
        self.entity = entity
        self.fields = fields
        self.specs = list(specs)
        self.include_archived_projects = include_archived_projects
        self.read = uuid.uuid4().hex  # each to_dask call is its own read (the site's records change)

    def __repr__(self) -> str:
        return f"PartReader({self.entity} of {self.connection!r})"

    def __dask_tokenize__(self) -> tuple[Any, ...]:
        """What names the tasks: this read, never the credential (its pickle is masked at random)."""
        return ("trackframes.PartReader", self.read)

    def __call__(self, piece: Piece) -> pd.DataFrame:
        from .reconnect import site_for

        site = site_for(self.connection, self.today)
        df = site.find(self.entity, piece.filters, self.fields or ["id"], order="id",
                       include_archived_projects=self.include_archived_projects, progress=False)
        return df.set_index("id")

    def empty(self) -> pd.DataFrame:
        """The zero-row frame of ``find``'s dtypes, indexed by ``id``: Dask's ``meta``."""
        from dask.dataframe.utils import clear_known_categories

        table = arrow_schema(self.specs).empty_table()
        meta = frames.to_pandas(table, self.specs).set_index("id")
        seen = [f"{s.name}.type" for s in self.specs if s.kind is FieldKind.ENTITY and f"{s.name}.type" in meta]
        return clear_known_categories(meta, cols=seen) if seen else meta
