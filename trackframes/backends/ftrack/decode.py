"""ftrack query answers → nested Arrow tables (see :mod:`trackframes.frames`).

A page is one ``query`` result: ``{"action": "query", "data": [entity, ...],
"metadata": {"next": {"offset": N | null}}}``. An entity is an object with
``__entity_type__`` (its concrete type), its primary key and the attributes
asked for; a reference nests another entity, a collection a list of them.

**References encoded once.** A server may encode an entity fully only once per
answer and refer to it elsewhere by ``{"__entity_type__", <primary key>}``
alone, at any depth and in any order (the operations spec). The decoder first
indexes every encoding of every entity of the answer, merging what each one
carries, then reads each requested path through that index, so a stub resolves
to the full entity wherever the full copy sits.

**Values.** Date-times arrive as ``{"__type__": "datetime", "value": "..."}``
(or ``"date"``): naive text is UTC, as a server with time-zone support stores
it (``is_timezone_support_enabled``; without it the server sends its own local
time, which the API does not name, and the text is read as UTC all the same;
see docs/ftrack.md). A value of an ``__entity_type__`` the schema does not
know is kept, as text, with an :class:`~trackframes.schema.UntypedValueWarning`,
never a crash. Values that do not fit their attribute's type are dropped to
null with the same warning.

The nested table holds ``id`` and one column per field: text, numbers,
booleans and ``timestamp[ms, UTC]`` as such, links as ``struct<id, type, name>``
(the name is the target's ``name``, ``username`` for a User, else null),
collections as ``list<struct<id, type, name>>``, enumerators as ``list<string>``
and JSON-like values as JSON text.

>>> from trackframes.backends.ftrack.schema import Model
>>> model = Model([
...     {"id": "Status", "primary_key": ["id"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
...     {"id": "Task", "primary_key": ["id"], "properties": {"id": {"type": "string"}, "status": {"$ref": "Status"}}}])
>>> decoder = PageDecoder(model, [model.resolve("Task", "status")])
>>> decoder.projections()
['status.name']
>>> body = (b'[{"action": "query", "data": ['
...         b'{"__entity_type__": "Task", "id": "t1", "status": {"__entity_type__": "Status", "id": "s1"}},'
...         b'{"__entity_type__": "Task", "id": "t2", "status": {"__entity_type__": "Status", "id": "s1", "name": "WIP"}}'
...         b'], "metadata": {"next": {"offset": null}}}]')
>>> (page,) = decoder.parse(body)
>>> page.table.to_pylist()
[{'id': 't1', 'status': {'id': 's1', 'type': 'Status', 'name': 'WIP'}}, {'id': 't2', 'status': {'id': 's1', 'type': 'Status', 'name': 'WIP'}}]
>>> page.rows, page.next_offset, page.last_id
(2, None, 't2')
"""

from __future__ import annotations

import warnings
from datetime import datetime, timezone
from typing import Any, Sequence

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ...answers import Malformed, Source, json_type, loads, reading
from ...schema import FieldKind, UntypedValueWarning
from .errors import error_for, error_object
from .schema import CUSTOM, Model, Path

__all__ = ["PageDecoder", "Page", "LINK", "link_of", "index_entities", "resolved"]

#: The Arrow type of a decoded link (ids are UUID text).
LINK = pa.struct([("id", pa.string()), ("type", pa.string()), ("name", pa.string())])
_LINKS = pa.list_(LINK)
_TS = pa.timestamp("ms", tz="UTC")
_UNKNOWN_SOURCE = Source("Reading a page", "POST /api")
_META = "__entity_type__"


class Page:
    """One decoded query result: its nested ``table``, row count, ids and the server's next offset."""

    __slots__ = ("table", "rows", "ids", "next_offset")

    def __init__(self, table: pa.Table, ids: list[str], next_offset: int | None) -> None:
        self.table = table
        self.rows = len(ids)
        self.ids = ids
        self.next_offset = next_offset

    @property
    def last_id(self) -> str | None:
        return self.ids[-1] if self.ids else None

    def __repr__(self) -> str:
        return f"<Page rows={self.rows} next_offset={self.next_offset}>"


def index_entities(data: Any, model: Model, unknown: set[str]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Every entity encoded anywhere in ``data``, by ``(type, primary key...)``, its encodings merged.

    Types the schema does not know are added to ``unknown`` (and indexed by ``id``).
    """
    index: dict[tuple[Any, ...], dict[str, Any]] = {}
    keys: dict[str, tuple[str, ...]] = {}
    stack = [data]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        if item.__class__ is list:
            extend(item)
            continue
        if item.__class__ is not dict:
            continue
        kind = item.get(_META)
        if kind is not None and kind.__class__ is str:
            pk = keys.get(kind)
            if pk is None:
                if kind in model.schemas:
                    pk = model.primary_key(kind)
                else:
                    unknown.add(kind)
                    pk = _ID
                keys[kind] = pk
            ident = _ident(kind, pk, item)
            merged = index.get(ident)
            if merged is None:
                index[ident] = item.copy()
            elif len(item) > len(pk) + 1:
                for attr, value in item.items():
                    if attr not in merged or (merged[attr] is None and value is not None):
                        merged[attr] = value
        for value in item.values():
            if value.__class__ is dict or value.__class__ is list:
                push(value)
    return index


_ID = ("id",)
_SIMPLE = (str, int)


def _ident(kind: str, pk: tuple[str, ...], item: dict[str, Any]) -> tuple[Any, ...]:
    if pk is _ID or pk == _ID:
        value = item.get("id")
        return (kind, value if value.__class__ in _SIMPLE or value is None else _hashable(value))
    return (kind, *(_hashable(item.get(k)) for k in pk))


def resolved(data: list[Any], model: Model) -> list[Any]:
    """``data`` with every stub replaced by its entity's merged encoding, at any depth (for small answers
    read as Python objects: configurations, summaries, lookups).

    >>> model = Model([{"id": "Type", "primary_key": ["id"], "properties": {"id": {"type": "string"}}}])
    >>> resolved([{"type": {"__entity_type__": "Type", "id": "n", "name": "number"}},
    ...           {"type": {"__entity_type__": "Type", "id": "n"}}], model)[1]
    {'type': {'__entity_type__': 'Type', 'id': 'n', 'name': 'number'}}
    """
    reader = _Reader(model, index_entities(data, model, set()))
    done: dict[int, Any] = {}

    def swap(value: Any) -> Any:
        if isinstance(value, list):
            return [swap(v) for v in value]
        if not isinstance(value, dict):
            return value
        entity = reader.entity(value)
        key = id(entity)
        if key in done:
            return done[key]
        out: dict[str, Any] = {}
        done[key] = out
        for attr, item in entity.items():
            out[attr] = swap(item)
        return out

    return [swap(item) for item in data]


def _hashable(value: Any) -> Any:
    return value if not isinstance(value, (dict, list)) else orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


class _Reader:
    """Reads paths through the entities of one answer (stubs resolved through the index)."""

    def __init__(self, model: Model, index: dict[tuple[Any, ...], dict[str, Any]]) -> None:
        self.model = model
        self.index = index
        self._pk: dict[str, tuple[str, ...]] = {}

    def entity(self, value: Any) -> Any:
        if value.__class__ is dict:
            kind = value.get(_META)
            if kind is not None and kind.__class__ is str:
                pk = self._pk.get(kind)
                if pk is None:
                    pk = self.model.primary_key(kind) if kind in self.model.schemas else _ID
                    self._pk[kind] = pk
                return self.index.get(_ident(kind, pk, value), value)
        return value

    def walk(self, record: dict[str, Any], attrs: Sequence[str]) -> Any:
        value: Any = record
        entity = self.entity
        for attr in attrs:
            value = entity(value)
            if value.__class__ is not dict:
                return None
            value = value.get(attr)
        return value

    def link(self, value: Any) -> dict[str, Any] | None:
        value = self.entity(value)
        if not isinstance(value, dict):
            return None
        return link_of(value, self.model)


def link_of(entity: dict[str, Any], model: Model) -> dict[str, Any] | None:
    """``{"id", "type", "name"}`` of an (indexed) entity; ``None`` without an id."""
    rid = entity.get("id")
    if rid is None or isinstance(rid, (dict, list, bool)):
        return None
    kind = entity.get(_META)
    name = None
    for attr in ("name", "username"):
        value = entity.get(attr)
        if isinstance(value, str):
            name = value
            break
    return {"id": str(rid), "type": kind if isinstance(kind, str) else None, "name": name}


class PageDecoder:
    """Decodes the pages of one query (its paths are fixed); thread-safe."""

    def __init__(self, model: Model, paths: Sequence[Path], context: dict[str, Any] | None = None) -> None:
        self.model = model
        self.paths = [p for p in paths if p.dotted != "id"]
        self.context = context or {}

    # -- what to ask for ---------------------------------------------------------------
    def projections(self) -> list[str]:
        """The ``select`` list that brings every field (``id`` comes with every entity)."""
        out: list[str] = []
        for path in self.paths:
            out.extend(_projections(self.model, path))
        return list(dict.fromkeys(out)) or ["id"]

    # -- decoding --------------------------------------------------------------------
    def parse(self, body: bytes, source: Source | None = None, count: int = 1) -> list[Page]:
        """The pages of one answer holding ``count`` query results (errors in the answer raised)."""
        source = source or _UNKNOWN_SOURCE
        obj = error_object(body) if body.lstrip()[:1] == b"{" else None
        if obj is not None:
            raise error_for(obj, None, what=source.call, url="/api")
        with reading(source, body):
            parsed = loads(body)
            if not isinstance(parsed, list) or len(parsed) != count:
                raise Malformed(f"JSON of the wrong shape ({json_type(parsed)} instead of a list of {count} "
                                "result(s))" if not isinstance(parsed, list) else
                                f"JSON of the wrong shape ({len(parsed)} results for {count} operations)")
            return [self._page(result, i) for i, result in enumerate(parsed)]

    def _page(self, result: Any, i: int) -> Page:
        if not isinstance(result, dict):
            raise Malformed(f"JSON of the wrong shape (result {i} is {json_type(result)}, not an object)")
        data = result.get("data")
        if not isinstance(data, list):
            raise Malformed(f"JSON of the wrong shape (result {i} has \"data\" {json_type(data)}, not an array)")
        next_offset = _next_offset(result.get("metadata"), i)
        ids: list[str] = []
        for n, record in enumerate(data):
            if not isinstance(record, dict):
                raise Malformed(f"JSON of the wrong shape (record {n} is {json_type(record)}, not an object)")
            rid = record.get("id")
            if not isinstance(rid, str) or not rid:
                raise Malformed(f"JSON of the wrong shape (record {n} has id {rid!r}, not an id string)")
            ids.append(rid)
        return Page(self.table(data, ids), ids, next_offset)

    def table(self, data: list[dict[str, Any]], ids: list[str] | None = None) -> pa.Table:
        """The nested table of some decoded records (``data``: the ``data`` array of one result)."""
        unknown: set[str] = set()
        reader = _Reader(self.model, index_entities(data, self.model, unknown))
        if unknown:
            known = {p.spec.name for p in self.paths}
            warnings.warn(UntypedValueWarning(
                f"The server sent entities of type(s) {', '.join(sorted(unknown))}, which its schema does not "
                f"list; they are kept as text (their links name the type as sent). Fields: "
                f"{', '.join(sorted(known)) or 'id'}."), stacklevel=4)
        names = ["id"]
        arrays: list[pa.Array] = [pa.array(ids if ids is not None else [r.get("id") for r in data], pa.string())]
        for path in self.paths:
            names.append(path.spec.name)
            arrays.append(self._column(reader, data, path))
        return pa.Table.from_arrays(arrays, names=names)

    def empty(self) -> pa.Table:
        return self.table([], [])

    def assemble(self, pages: Sequence[Page]) -> list[pa.Table]:
        """One nested table for many pages, in page order."""
        tables = [p.table for p in pages if p.rows]
        if not tables:
            return [self.empty()]
        return [tables[0] if len(tables) == 1 else pa.concat_tables(tables)]

    # -- columns -------------------------------------------------------------------------
    def _column(self, reader: _Reader, data: list[dict[str, Any]], path: Path) -> pa.Array:
        kind = path.spec.kind
        derived = path.extra.get("derived")
        if derived is not None:
            raw = [derived.compute(reader, r, self.context) for r in data]
            if kind is FieldKind.ENTITY:
                return pa.array(raw, LINK)
            if kind is FieldKind.MULTI_ENTITY:
                return pa.array(raw, _LINKS)
            if kind is FieldKind.DATE:
                return pc.cast(pa.array(raw, pa.string()), pa.date32())
            return _typed(path, kind, raw)
        if path.custom_key is not None:
            owner = [p.name for p in path.steps[:-1]]
            raw = [_custom_value(reader, reader.walk(r, owner) if owner else r, path.custom_key) for r in data]
        else:
            attrs = [p.name for p in path.steps]
            raw = [reader.walk(r, attrs) for r in data]
        if kind is FieldKind.ENTITY:
            return pa.array([reader.link(v) for v in raw], LINK)
        if kind is FieldKind.MULTI_ENTITY:
            lists = [None if not isinstance(v, list) else [x for x in map(reader.link, v) if x is not None]
                     for v in raw]
            return pa.array(lists, _LINKS)
        if path.steps[-1].name == CUSTOM and path.custom_key is None:
            return _json([_key_values(reader, v) for v in raw])
        return _typed(path, kind, raw)


def _projections(model: Model, path: Path) -> list[str]:
    derived = path.extra.get("derived")
    if derived is not None:
        return list(derived.projections)
    dotted = ".".join(p.name for p in path.steps)
    last = path.steps[-1]
    if last.name == CUSTOM:
        return [f"{dotted}.key", f"{dotted}.value"]
    if path.spec.kind in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY) and last.target:
        name = model.name_attribute(last.target)
        return [f"{dotted}.{name or 'id'}"]
    return [dotted]


def _next_offset(metadata: Any, i: int) -> int | None:
    if not isinstance(metadata, dict):
        raise Malformed(f"JSON of the wrong shape (result {i} has no \"metadata\" object)")
    following = metadata.get("next")
    if following is None:
        return None
    if not isinstance(following, dict):
        raise Malformed(f"JSON of the wrong shape (result {i}'s metadata.next is {json_type(following)})")
    offset = following.get("offset")
    if offset is None:
        return None
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise Malformed(f"JSON of the wrong shape (metadata.next.offset is {offset!r}, not a whole number)")
    return offset


def _members(reader: _Reader, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [m for m in map(reader.entity, value) if isinstance(m, dict)]


def _custom_value(reader: _Reader, owner: Any, key: str) -> Any:
    owner = reader.entity(owner)
    if not isinstance(owner, dict):
        return None
    for member in _members(reader, owner.get(CUSTOM)):
        if member.get("key") == key:
            return member.get("value")
    return None


def _key_values(reader: _Reader, value: Any) -> Any:
    if not isinstance(value, list):
        return None
    return {str(m.get("key")): _plain(m.get("value")) for m in _members(reader, value) if m.get("key") is not None}


def _plain(value: Any) -> Any:
    """A value with the ``{"__type__": ..., "value": ...}`` wrappers unwrapped (for JSON text)."""
    if isinstance(value, dict):
        if "__type__" in value and "value" in value:
            return value["value"]
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _warn(path: Path, what: str) -> None:
    warnings.warn(UntypedValueWarning(
        f"Field {path.spec.name!r} is {path.spec.data_type} in the schema but the server sent {what}; "
        "those values became nulls."), stacklevel=5)


def _typed(path: Path, kind: FieldKind, raw: list[Any]) -> pa.Array:
    if kind is FieldKind.TEXT:
        return _text(raw)
    if kind in (FieldKind.JSON, FieldKind.UNKNOWN):
        if kind is FieldKind.UNKNOWN and any(v is not None for v in raw):
            warnings.warn(UntypedValueWarning(
                f"Field {path.spec.name!r} has type {path.spec.data_type!r}, which trackframes does not know; its "
                "values are kept as text."), stacklevel=5)
        return _json(raw)
    if kind is FieldKind.INTEGER:
        ok = [v if isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63 else None for v in raw]
        if sum(o is None for o in ok) != sum(v is None for v in raw):
            _warn(path, "values that are not whole numbers")
        return pa.array(ok, pa.int64())
    if kind is FieldKind.FLOAT:
        ok = [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None for v in raw]
        if sum(o is None for o in ok) != sum(v is None for v in raw):
            _warn(path, "values that are not numbers")
        return pa.array(ok, pa.float64())
    if kind is FieldKind.BOOLEAN:
        ok = [v if isinstance(v, bool) else None for v in raw]
        if sum(o is None for o in ok) != sum(v is None for v in raw):
            _warn(path, "values that are not booleans")
        return pa.array(ok, pa.bool_())
    if kind in (FieldKind.DATETIME, FieldKind.DATE):
        return _datetimes(path, raw)
    if kind is FieldKind.TAG_LIST:
        return pa.array([None if v is None else [str(x) for x in (v if isinstance(v, list) else [v])
                                                  if x is not None] for v in raw], pa.list_(pa.string()))
    return _text(raw)  # pragma: no cover - every kind is handled above


def _text(raw: list[Any]) -> pa.Array:
    return pa.array([v if v is None or isinstance(v, str) else
                     orjson.dumps(_plain(v), option=orjson.OPT_SORT_KEYS).decode() for v in raw], pa.string())


def _json(raw: list[Any]) -> pa.Array:
    return _text(raw)


def _datetimes(path: Path, raw: list[Any]) -> pa.Array:
    texts = [v["value"] if isinstance(v, dict) and isinstance(v.get("value"), str) else v for v in raw]
    if all(v is None or isinstance(v, str) for v in texts):
        strings = pa.array(texts, pa.string())
        for target in (pa.timestamp("us"), pa.timestamp("us", tz="UTC")):
            try:
                return pc.cast(pc.cast(strings, target), _TS, safe=False)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
    out = [_instant(v) for v in texts]
    if sum(o is None for o in out) != sum(v is None for v in texts):
        _warn(path, "values that are not ISO 8601 date-times")
    return pa.array(out, _TS)


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
