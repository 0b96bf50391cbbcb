"""``df.tf``: helpers on frames that came from trackframes, using their provenance.

Registered on ``import trackframes``. Frames from ``site.find``,
``site.summarize``, ``site.tasks`` ... carry ``df.attrs["trackframes"]``: the
site URL, backend, entity, filters and fields they were read with.

* ``df.tf.expand(field, fields)`` fetches the records a link column points at,
  one batched ``id in [...]`` query per linked type (and per chunk of ids), and
  joins their fields as ``<field>.<name>`` columns, typed like ``find``.
* ``df.tf.explode(field)`` gives one row per linked entity of a multi-entity
  (or tag) column, with ``<field>.id/.type/.name`` columns.
* ``df.tf.gantt(by=..., color=...)`` draws the tasks (see :func:`trackframes.plots.gantt`).
* ``df.tf.to_parquet(path)`` writes the frame with its provenance in the
  Parquet metadata (key ``trackframes``).
* ``df.tf.flat(tz="Europe/Paris")`` gives a copy for Excel and CSV: times in
  that zone without a zone, list columns joined as ``"Ana, Bo"`` (see
  :mod:`trackframes.io.flat`).

Which ``Site`` does ``expand`` use? ``site=`` when given; otherwise the open
``Site`` registered for the frame's site URL. Sites are registered with
:func:`register_site` (``site.summarize``, ``site.tasks`` and ``site.timelogs``
register theirs). The registry holds weak references only: a site that is no
longer used elsewhere drops out of it, and a frame never keeps a connection
alive.
"""

from __future__ import annotations

import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from .exceptions import SchemaError
from .values import plain_id

__all__ = ["TrackframesAccessor", "register_site", "registered_site"]

_SITES: "weakref.WeakValueDictionary[str, Any]" = weakref.WeakValueDictionary()
_SITES_LOCK = threading.Lock()


def register_site(site: Any) -> None:
    """Let ``df.tf.expand`` find ``site`` from the URL in a frame's provenance (weakly held)."""
    with _SITES_LOCK:
        _SITES[_url_key(site.url)] = site


def registered_site(url: str) -> Any:
    """The open ``Site`` registered for ``url``, or ``None``."""
    with _SITES_LOCK:
        return _SITES.get(_url_key(url))


def _url_key(url: str) -> str:
    return str(url).rstrip("/").lower()


@pd.api.extensions.register_dataframe_accessor("tf")
class TrackframesAccessor:
    """The ``df.tf`` namespace (see the module docstring)."""

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df

    # -- provenance -------------------------------------------------------------
    @property
    def provenance(self) -> dict[str, Any]:
        """``df.attrs["trackframes"]``; ``AttributeError`` on a frame that did not come from trackframes."""
        prov = self._df.attrs.get("trackframes")
        if not isinstance(prov, dict) or not prov.get("site"):
            raise AttributeError(
                "This DataFrame did not come from trackframes: it has no df.attrs['trackframes'] provenance "
                "(site, entity, fields). Read it with site.find(...), site.tasks() or site.summarize(...), "
                "or keep the attrs when building it from such a frame.")
        return prov

    def site(self, site: Any = None) -> Any:
        """The ``Site`` the frame was read from: ``site`` if given, else the registered open site."""
        if site is not None:
            return site
        url = self.provenance["site"]
        found = registered_site(url)
        if found is None:
            raise LookupError(
                f"No open trackframes Site is registered for {url}. Pass it: df.tf.expand(..., site=site), "
                "or call trackframes.accessor.register_site(site) once.")
        return found

    # -- expand -----------------------------------------------------------------
    def expand(self, field: str, fields: Sequence[str] | str, *, site: Any = None,
               chunk_size: int | None = None) -> pd.DataFrame:
        """Join fields of the records that link column ``field`` points at, as ``<field>.<name>`` columns.

        One ``find`` per linked type per chunk of ids (``id in [...]``, at most
        ``chunk_size`` ids, default and cap: the site's page size), run
        concurrently. A field may exist on only some of the linked types (a
        field of shots only, for tasks on shots and assets); the other rows
        get nulls. Returns a new frame; the provenance notes the expansion.
        """
        df = self._df
        prov = self.provenance
        site = self.site(site)
        wanted = [fields] if isinstance(fields, str) else list(fields)
        if not wanted:
            raise ValueError("expand needs at least one field name.")
        ids = self._link_ids(field)
        types = self._link_types(field, site, prov, ids)
        chunk = max(1, min(chunk_size or site.page_size, site.page_size))
        per_type = {}
        errors: dict[str, SchemaError] = {}
        for kind in sorted({t for t in types.dropna().unique()}):
            specs = []
            for name in wanted:
                try:
                    specs.append(site.backend.resolve_fields(kind, [name])[-1])
                except SchemaError as exc:
                    errors.setdefault(name, exc)
            keys = sorted({plain_id(i) for i in ids[(types == kind).fillna(False).astype(bool)].dropna()})
            per_type[kind] = (specs, keys)
        for name in wanted:
            if not any(any(s.name == name for s in specs) for specs, _ in per_type.values()) and per_type:
                raise errors.get(name) or SchemaError(f"No linked type of {field!r} has a field {name!r}.",
                                                      name=name)
        lookup = self._fetch(site, per_type, chunk, wanted)
        out = df.copy()
        if lookup is not None:
            row_keys = pd.Series(_keys(types, ids), index=df.index)
            aligned = lookup.reindex(row_keys.to_numpy())
            for column in lookup.columns:
                out[f"{field}.{column}"] = aligned[column].array
        out.attrs["trackframes"] = {**prov, "expanded": {**prov.get("expanded", {}), field: wanted}}
        return out

    def _link_ids(self, field: str) -> pd.Series:
        df = self._df
        column = f"{field}.id"
        if column in df.columns:  # ids stay of their kind: whole numbers, or text (UUIDs)
            ids = df[column]
            return ids if isinstance(ids.dtype, pd.StringDtype) else ids.astype("Int64")
        if field in df.columns and _is_list(df[field]):
            raise ValueError(f"{field!r} holds several links per row: use df.tf.explode({field!r}) first, "
                             f"then expand {field!r}.")
        links = [c[: -len(".id")] for c in df.columns if c.endswith(".id")]
        raise KeyError(f"The frame has no link column {column!r}; link columns: {links}.")

    def _link_types(self, field: str, site: Any, prov: dict[str, Any], ids: pd.Series) -> pd.Series:
        df = self._df
        column = f"{field}.type"
        if column in df.columns:
            return df[column].astype("object").where(df[column].notna() & ids.notna(), None)
        kind = (prov.get("link_types") or {}).get(field)
        if kind is None and prov.get("entity"):
            source = (prov.get("columns") or {}).get(field, field)
            try:
                spec = site.backend.resolve_fields(prov["entity"], [source])[-1]
            except SchemaError:
                spec = None
            if spec is not None and len(spec.valid_types) == 1:
                kind = spec.valid_types[0]
        if kind is None:
            raise ValueError(f"Cannot tell which entity type {field!r} links to: the frame has no "
                             f"{column!r} column and the link may point at several types.")
        return pd.Series([kind] * len(df), index=df.index, dtype="object").where(ids.notna(), None)

    def _fetch(self, site: Any, per_type: dict[str, tuple[list[Any], list[Any]]], chunk: int,
               wanted: list[str]) -> pd.DataFrame | None:
        from .frames import empty_table, to_pandas
        from .schema import columns_for

        jobs = [(kind, specs, keys[i:i + chunk]) for kind, (specs, keys) in per_type.items() if specs
                for i in range(0, len(keys), chunk)]

        def fetch(job: tuple[str, list[Any], list[Any]]) -> pd.DataFrame:
            kind, specs, keys = job
            return site.find(kind, [["id", "in", keys]], [s.name for s in specs], limit=len(keys), progress=False)

        with ThreadPoolExecutor(max(1, min(len(jobs), site.concurrency)), thread_name_prefix="trackframes-expand") \
                as pool:
            results = list(pool.map(fetch, jobs)) if jobs else []
        parts: dict[str, list[pd.DataFrame]] = {}
        for (kind, _, _), frame in zip(jobs, results):
            parts.setdefault(kind, []).append(frame)
        tables = []
        for kind, (specs, _) in per_type.items():
            if not specs:
                continue
            template = to_pandas(empty_table(specs, id_kind=site.id_kind), specs)
            frames = [template] + parts.get(kind, [])
            table = _concat(frames).drop_duplicates("id")
            table.index = [f"{kind}:{i}" for i in table["id"]]
            tables.append(table.drop(columns="id"))
        if not tables:
            return None
        combined = _concat(tables)
        order = []
        for name in wanted:
            spec = next((s for specs, _ in per_type.values() for s in specs if s.name == name), None)
            if spec is not None:
                order.extend(c.name for c in columns_for(spec) if c.name in combined.columns)
        return combined[list(dict.fromkeys(order))]

    # -- explode ------------------------------------------------------------------
    def explode(self, field: str) -> pd.DataFrame:
        """One row per linked entity (or tag) of list column ``field``.

        Links become ``<field>.id`` (Int64, or string for text ids), ``<field>.type`` (category) and
        ``<field>.name`` (string) in place of the list column; tags become one
        text column. Rows with an empty list keep one row of nulls; the index
        repeats like ``DataFrame.explode``.
        """
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        df = self._df
        if field not in df.columns:
            raise KeyError(f"No column {field!r}; columns: {list(df.columns)}.")
        if not _is_list(df[field]):
            raise TypeError(f"Column {field!r} is not a list column (multi-entity or tags); nothing to explode.")
        arr = pa.array(df[field].array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        lengths = np.asarray(pc.fill_null(pc.list_value_length(arr), 0), dtype="int64")
        counts = np.maximum(lengths, 1)
        parents = np.repeat(np.arange(len(df)), counts)
        flat = pc.list_flatten(arr)
        has = np.repeat(lengths > 0, counts)
        positions = np.zeros(len(parents), dtype="int64")
        positions[has] = np.arange(int(has.sum()))
        values = flat.take(pa.array(positions, mask=~has))
        base = df.iloc[parents]
        new: dict[str, Any] = {}
        if pa.types.is_struct(values.type):
            for part in ("id", "type", "name"):
                child = pc.struct_field(values, part) if values.type.get_field_index(part) >= 0 else \
                    pa.nulls(len(values), pa.string())
                if part == "id":  # whole numbers, or text (UUIDs)
                    text = pa.types.is_string(child.type) or pa.types.is_large_string(child.type)
                    new[f"{field}.id"] = pd.array(child.to_pylist(), dtype=pd.StringDtype() if text else "Int64")
                elif part == "type":
                    new[f"{field}.type"] = pd.Categorical(child.to_pylist())
                else:
                    new[f"{field}.name"] = pd.array(child.to_pylist(), dtype=pd.StringDtype())
        else:
            new[field] = pd.array(values.to_pylist(), dtype=pd.StringDtype())
        columns: dict[str, Any] = {}
        for column in df.columns:
            if column == field:
                columns.update(new)
            else:
                columns[column] = base[column].array
        out = pd.DataFrame(columns, index=base.index)
        out.attrs = dict(df.attrs)
        if isinstance(out.attrs.get("trackframes"), dict):
            prov = out.attrs["trackframes"]
            out.attrs["trackframes"] = {**prov, "exploded": [*prov.get("exploded", []), field]}
        return out

    # -- plots and files ---------------------------------------------------------------
    def gantt(self, by: str = "entity.name", color: str | None = "step.name", **kwargs: Any) -> Any:
        """A Gantt chart of the frame's tasks; see :func:`trackframes.plots.gantt` for the options."""
        from .plots import gantt

        return gantt(self._df, by=by, color=color, **kwargs)

    def flat(self, tz: Any = "UTC", *, sep: str = ", ") -> pd.DataFrame:
        """A copy for Excel and CSV: timestamps in ``tz`` (then naive), list columns joined with ``sep``.

        ``tz`` is an IANA zone name (``"Europe/Paris"``) or a ``tzinfo``; default UTC. Linked records
        are joined by name (``"Ana, Bo"``), tags by text; categories, nullable numbers and naive dates
        stay as they are. Works on any frame, not only those from trackframes. See
        :func:`trackframes.io.flat.flat`.

        >>> import pandas as pd
        >>> df = pd.DataFrame({"when": pd.to_datetime(["2026-07-01 12:00"], utc=True),
        ...                    "who": pd.Series([[{"id": 1, "type": "Person", "name": "Ana"},
        ...                                       {"id": 2, "type": "Person", "name": "Bo"}]], dtype=object)})
        >>> df.tf.flat(tz="Europe/Paris").iloc[0].tolist()
        [Timestamp('2026-07-01 14:00:00'), 'Ana, Bo']
        """
        from .io.flat import flat

        return flat(self._df, tz, sep=sep)

    def to_parquet(self, path: str | os.PathLike[str], *, compression: str = "zstd") -> Path:
        """Write the frame to one Parquet file with its provenance (metadata key ``trackframes``).

        It goes the way an export does (:mod:`trackframes.io.atomic`): under
        the writers' lock of ``path``, into a hidden temporary sibling, then
        moved into place in one step, so readers never see half a file and a
        failed or killed write leaves the previous file as it was (a disk that
        fills up raises :class:`~trackframes.io.DatasetWriteError`).
        ``pandas.read_parquet`` restores ``df.attrs`` too (list-of-struct
        columns need ``dtype_backend="pyarrow"``); ``tf.read_parquet`` restores
        the dtypes of ``find``.

        >>> import tempfile
        >>> from datetime import date
        >>> import trackframes as tf
        >>> with tf.sandbox.serve(scale=0.02, seed=1, today=date(2026, 3, 2)) as sb, tempfile.TemporaryDirectory() as tmp:
        ...     shots = sb.connect(progress=False).find("Shot", fields=["code", "created_at"])
        ...     path = shots.tf.to_parquet(f"{tmp}/shots.parquet")
        ...     back = tf.read_parquet(path)
        >>> back.equals(shots), back.attrs["trackframes"]["entity"]
        (True, 'Shot')
        """
        import orjson
        import pyarrow as pa

        from .io.atomic import Staging
        from .io.writer import check_compression, write_file

        prov = self.provenance
        compression = check_compression(compression)
        safe_attrs = orjson.loads(orjson.dumps(self._df.attrs, default=str, option=orjson.OPT_NON_STR_KEYS))
        frame = self._df.copy(deep=False)
        frame.attrs = safe_attrs
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"trackframes"] = orjson.dumps(prov, default=str, option=orjson.OPT_NON_STR_KEYS)
        table = table.replace_schema_metadata(meta)
        target = Path(path)
        with Staging(target, file=True) as stage:
            write_file(table, stage.file, compression)
            stage.commit()
        return target

def _is_list(series: pd.Series) -> bool:
    import pyarrow as pa

    dtype = series.dtype
    return isinstance(dtype, pd.ArrowDtype) and (pa.types.is_list(dtype.pyarrow_dtype)
                                                 or pa.types.is_large_list(dtype.pyarrow_dtype))


def _keys(types: pd.Series, ids: pd.Series) -> list[Any]:
    return [f"{t}:{plain_id(i)}" if t is not None and not pd.isna(i) else None for t, i in zip(types, ids)]


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack frames keeping categories (unioned) and extension dtypes; missing columns become nulls."""
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    out: dict[str, Any] = {}
    for column in columns:
        parts = [f[column] if column in f.columns else None for f in frames]
        present = [p for p in parts if p is not None]
        dtype = present[0].dtype
        filled = [p if p is not None else pd.Series([None] * len(f), dtype="object").astype(dtype)
                  if not isinstance(dtype, pd.CategoricalDtype) else pd.Series(pd.Categorical([None] * len(f)))
                  for p, f in zip(parts, frames)]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in filled):
            categories = list(dict.fromkeys(c for p in filled for c in p.cat.categories))
            values = [v for p in filled for v in p.astype("object").tolist()]
            out[column] = pd.Series(pd.Categorical(values, categories=categories))
        else:
            out[column] = pd.concat([p.reset_index(drop=True) for p in filled], ignore_index=True)
    index = [i for f in frames for i in f.index]
    frame = pd.DataFrame(out)
    frame.index = index
    return frame
