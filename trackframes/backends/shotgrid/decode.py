"""ShotGrid JSON:API pages → nested Arrow tables (see :mod:`trackframes.frames`).

The fast path hands the page bytes to ``pyarrow.json`` with an explicit schema
built from the requested fields, so no Python object is made per record. Both
relationship shapes the spec shows are accepted: a bare link
(``{"id", "type", "name"}``) and a wrapped one (``{"data": ..., "links": ...}``);
entity links parse through one union struct, multi-entity lists through the
shape detected on the page.

Anything the fast path cannot type (a value that does not match the schema, a
serializable field) goes through a slower, forgiving path that keeps unknown
values as text and warns.

Server bytes never reach the native parser unchecked: the fast path takes only
bodies that open with ``{"data": [`` and close with ``}`` (a cheap look at the
ends, since ``pyarrow.json`` crashes the interpreter on some top-level values
such as ``null``), and checks that the parse gave exactly one document whose
``data`` is an array of records with ids. Every other body is validated in full
by ``orjson`` first. A page that breaks the promised shape raises
:class:`~trackframes.exceptions.ProtocolError` (see :mod:`trackframes.answers`);
it is never taken for an empty page.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import Any, Sequence

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ...answers import Malformed, Source, json_type, loads, member, reading
from ...schema import ENTITY_STRUCT, URL_PARTS, FieldKind, FieldSpec, UntypedValueWarning

__all__ = ["PageDecoder", "DecodedPage", "RawPage"]

_LINK_KINDS = (FieldKind.ENTITY, FieldKind.MULTI_ENTITY)
_ENTITY_UNION = pa.struct(list(ENTITY_STRUCT) + [pa.field("data", ENTITY_STRUCT)])
_MULTI_BARE = pa.list_(ENTITY_STRUCT)
_MULTI_WRAPPED = pa.struct([pa.field("data", pa.list_(ENTITY_STRUCT))])
_URL = pa.struct([(p, pa.string()) for p in URL_PARTS])
#: the only opening the fast path accepts; anything else is validated by orjson first
_FAST_OPENING = re.compile(rb'\s*\{\s*"data"\s*:\s*\[')
_UNKNOWN_SOURCE = Source("Reading a page", "a list or search request")

#: JSON-side Arrow type per kind (None: not parsed by the fast path)
_WIRE: dict[FieldKind, pa.DataType | None] = {
    FieldKind.TEXT: pa.string(),
    FieldKind.CATEGORY: pa.string(),
    FieldKind.INTEGER: pa.int64(),
    FieldKind.FLOAT: pa.float64(),
    FieldKind.BOOLEAN: pa.bool_(),
    FieldKind.DATE: pa.string(),
    FieldKind.DATETIME: pa.timestamp("ms", tz="UTC"),
    FieldKind.URL: _URL,
    FieldKind.TAG_LIST: pa.list_(pa.string()),
    FieldKind.JSON: None,
    FieldKind.UNKNOWN: None,
}


class DecodedPage:
    """A decoded page: the nested table and the page's ``links``."""

    __slots__ = ("table", "links")

    def __init__(self, table: pa.Table, links: dict[str, Any]):
        self.table = table
        self.links = links


class RawPage:
    """A parsed page waiting to be assembled: the raw parse (or, for a page that took
    the forgiving path, its nested table), its links, row count and record ids in page order."""

    __slots__ = ("raw", "wrapped", "extra", "nested", "links", "rows", "ids")

    def __init__(self, raw: pa.Table | None, wrapped: bool, extra: pa.Table | None, nested: pa.Table | None,
                 links: dict[str, Any], rows: int, ids: pa.Array) -> None:
        self.raw, self.wrapped, self.extra, self.nested = raw, wrapped, extra, nested
        self.links, self.rows, self.ids = links, rows, ids

    @property
    def last_id(self) -> int | None:
        return self.ids[self.rows - 1].as_py() if self.rows else None


class PageDecoder:
    """Decodes pages of one query (its fields are fixed)."""

    def __init__(self, specs: Sequence[FieldSpec]):
        self.specs = [s for s in specs if s.name != "id"]
        self._slow = [s for s in self.specs if s.kind not in _LINK_KINDS and _WIRE[s.kind] is None]
        self._multi = [s for s in self.specs if s.kind is FieldKind.MULTI_ENTITY]
        self._multi_patterns = [re.compile(rb'"' + re.escape(s.name.encode()) + rb'"\s*:\s*(\[|\{|null)')
                                for s in self._multi]
        self._schemas = {wrapped: self._schema(wrapped) for wrapped in (False, True)}
        self._order = ["id"] + [s.name for s in self.specs]

    # -- schema ------------------------------------------------------------
    def _schema(self, wrapped_multi: bool) -> pa.Schema:
        attrs: list[pa.Field] = []
        rels: list[pa.Field] = []
        for spec in self.specs:
            if spec.kind is FieldKind.ENTITY:
                typ: pa.DataType | None = _ENTITY_UNION
            elif spec.kind is FieldKind.MULTI_ENTITY:
                typ = _MULTI_WRAPPED if wrapped_multi else _MULTI_BARE
            else:
                typ = _WIRE[spec.kind]
            if typ is None:
                continue
            is_link = spec.kind in _LINK_KINDS
            # dotted fields: a server may put them under either key; read both
            if is_link or "." in spec.name:
                rels.append(pa.field(spec.name, typ))
            if not is_link or "." in spec.name:
                attrs.append(pa.field(spec.name, typ))
        record = pa.struct([
            pa.field("id", pa.int64()),
            pa.field("attributes", pa.struct(attrs)),
            pa.field("relationships", pa.struct(rels)),
        ])
        links = pa.struct([(k, pa.string()) for k in ("self", "next", "prev")])
        return pa.schema([pa.field("data", pa.list_(record)), pa.field("links", links)])

    # -- decoding ----------------------------------------------------------
    def decode(self, body: bytes, source: Source | None = None) -> DecodedPage:
        """Decode one page of a list or search response."""
        page = self.parse(body, source)
        return DecodedPage(self.assemble([page])[0], page.links)

    def parse(self, body: bytes, source: Source | None = None) -> "RawPage":
        """The part of decoding that runs as each page arrives: the JSON parse itself.

        Only ``pyarrow.json`` (which releases the GIL) runs here; flattening the
        records into columns is left to :meth:`assemble`, which does it once
        for many pages. A body that is not a page raises ``ProtocolError``
        naming ``source`` (the call and the request).
        """
        with reading(source or _UNKNOWN_SOURCE, body):
            return self._parse(body)

    def _parse(self, body: bytes) -> "RawPage":
        parsed: Any = None
        if not (_FAST_OPENING.match(body) and body[-64:].rstrip().endswith(b"}")):
            parsed = loads(body)  # full validation before any native parser sees the bytes
            _page_object(parsed)
        try:
            raw, wrapped = self._read(body)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return self._parse_slow(body, parsed)
        if raw.num_rows != 1 or raw.column("data").null_count:
            _page_object(loads(body))  # says precisely what is wrong (two documents, "data": null, ...)
            raise Malformed("JSON of the wrong shape (not one page object)")
        links = raw.column("links")[0].as_py() or {}
        values = raw.column("data")[0].values
        rows = 0 if values is None else len(values)
        if rows and (values.null_count or values.field("id").null_count):
            return self._parse_slow(body, parsed)  # the slow path names the bad record
        ids = values.field("id") if rows else pa.array([], pa.int64())
        extra = None
        if self._slow:
            records = _page_object(parsed if parsed is not None else loads(body))
            extra = pa.table({spec.name: _text_array(spec, [_value_of(r, spec.name) for r in records])
                              for spec in self._slow})
        return RawPage(raw, wrapped, extra, None, links, rows, ids)

    def _parse_slow(self, body: bytes, parsed: Any) -> "RawPage":
        nested = self._slow_decode(parsed if parsed is not None else loads(body))
        rows = nested.table.num_rows
        return RawPage(None, False, None, nested.table, nested.links, rows,
                       nested.table.column("id").combine_chunks())

    def assemble(self, pages: Sequence["RawPage"]) -> list[pa.Table]:
        """Nested tables (``id`` + one column per field) for parsed pages, in page order
        within each table; more than one table only when pages came in different shapes."""
        out: list[pa.Table] = []
        for wrapped in (False, True):
            group = [p for p in pages if p.raw is not None and p.wrapped == wrapped]
            if not group:
                continue
            table = self._extract(pa.concat_tables([p.raw for p in group]), wrapped)
            if self._slow:
                extra = pa.concat_tables([p.extra for p in group])
                for spec in self._slow:
                    table = table.append_column(spec.name, extra.column(spec.name))
            out.append(table.select(self._order))
        out.extend(p.nested.select(self._order) for p in pages if p.nested is not None)
        if not out:
            out.append(self._slow_decode({"data": []}).table.select(self._order))
        return out

    def _read(self, body: bytes) -> tuple[pa.Table, bool]:
        if b"\n" in body or b"\r" in body:  # raw newlines are only ever whitespace in JSON
            body = body.replace(b"\r", b" ").replace(b"\n", b" ")
        wrapped = self._multi_shape(body)
        opts = pj.ParseOptions(explicit_schema=self._schemas[wrapped], unexpected_field_behavior="ignore")
        raw = pj.read_json(io.BytesIO(body), read_options=pj.ReadOptions(use_threads=False,
                                                                         block_size=max(1 << 20, len(body) + 1)),
                           parse_options=opts)
        return raw, wrapped

    def _extract(self, raw: pa.Table, wrapped: bool) -> pa.Table:
        data = raw.column("data")
        records = pc.list_flatten(data)
        if isinstance(records, pa.ChunkedArray):
            records = records.combine_chunks() if records.num_chunks else pa.array([], data.type.value_type)
        attrs = records.field("attributes")
        rels = records.field("relationships")
        names = ["id"]
        arrays = [records.field("id")]
        for spec in self.specs:
            if spec.kind not in _LINK_KINDS and _WIRE[spec.kind] is None:
                continue
            names.append(spec.name)
            arrays.append(self._pick(spec, attrs, rels, wrapped))
        return pa.Table.from_arrays(arrays, names=names)

    def _multi_shape(self, body: bytes) -> bool:
        for pattern in self._multi_patterns:
            for match in pattern.finditer(body):
                token = match.group(1)
                if token == b"null":
                    continue
                return token == b"{"
        return False

    def _pick(self, spec: FieldSpec, attrs: pa.StructArray, rels: pa.StructArray, wrapped: bool) -> pa.Array:
        is_link = spec.kind in _LINK_KINDS
        candidates = []
        if is_link or "." in spec.name:
            candidates.append(rels.field(spec.name))
        if not is_link or "." in spec.name:
            candidates.append(attrs.field(spec.name))
        if spec.kind is FieldKind.ENTITY:
            candidates = [_unwrap_entity(c) for c in candidates]
        elif spec.kind is FieldKind.MULTI_ENTITY and wrapped:
            candidates = [pc.struct_field(c, "data") for c in candidates]
        if len(candidates) == 1:
            return candidates[0]
        return pc.coalesce(*candidates)

    def _slow_decode(self, parsed: Any) -> DecodedPage:
        records = _page_object(parsed)
        names = ["id"]
        arrays: list[pa.Array] = [pa.array([r.get("id") for r in records], pa.int64())]
        for spec in self.specs:
            values = [_value_of(r, spec.name) for r in records]
            names.append(spec.name)
            arrays.append(_typed_array(spec, values))
        links = parsed.get("links")
        return DecodedPage(pa.Table.from_arrays(arrays, names=names), links if isinstance(links, dict) else {})


def _page_object(parsed: Any) -> list[dict[str, Any]]:
    """The records of a parsed page, after checking the page's shape (raises :class:`Malformed`)."""
    data = member(parsed, "data", list)
    for i, record in enumerate(data):
        if not isinstance(record, dict):
            raise Malformed(f"JSON of the wrong shape (record {i} is {json_type(record)}, not an object)")
        rid = record.get("id")
        if not isinstance(rid, int) or isinstance(rid, bool) or not -(2**63) <= rid < 2**63:
            raise Malformed(f"JSON of the wrong shape (record {i} has id {rid!r}, not a whole number of "
                            "64 bits)")
        for section in ("attributes", "relationships"):
            block = record.get(section)
            if block is not None and not isinstance(block, dict):
                raise Malformed(f"JSON of the wrong shape (record {i}'s {section} is {json_type(block)}, "
                                "not an object)")
    links = parsed.get("links")
    if links is not None and not isinstance(links, dict):
        raise Malformed(f"JSON of the wrong shape (\"links\" is {json_type(links)}, not an object)")
    return data


def _unwrap_entity(arr: pa.Array) -> pa.Array:
    """Links parsed through the union struct → ``struct<id, type, name>``, whichever shape they came in."""
    inner = pc.struct_field(arr, "data")
    if inner.null_count == len(inner):  # bare links only (the usual case for list pages)
        parts = [pc.struct_field(arr, p) for p in ("id", "type", "name")]
    else:
        parts = [pc.coalesce(pc.struct_field(inner, p), pc.struct_field(arr, p)) for p in ("id", "type", "name")]
    return pa.StructArray.from_arrays(parts, fields=list(ENTITY_STRUCT))


def _value_of(record: dict[str, Any], name: str) -> Any:
    for section in ("attributes", "relationships"):
        block = record.get(section) or {}
        if name in block:
            value = block[name]
            if isinstance(value, dict) and "data" in value and set(value) <= {"data", "links", "meta"}:
                value = value["data"]
            return value
    return None


def _typed_array(spec: FieldSpec, values: list[Any]) -> pa.Array:
    kind = spec.kind
    if kind is FieldKind.ENTITY:
        links = [_link(v) for v in values]
        _warn_dropped_links(spec, sum(v is not None and link is None for v, link in zip(values, links)))
        return pa.array(links, ENTITY_STRUCT)
    if kind is FieldKind.MULTI_ENTITY:
        lists = [v if isinstance(v, list) else None for v in values]
        many = [None if v is None else [_link(x) for x in v] for v in lists]
        dropped = sum(v is not None and lst is None for v, lst in zip(values, lists))
        dropped += sum(x is None for lst in many if lst for x in lst)
        _warn_dropped_links(spec, dropped)
        return pa.array([None if v is None else [x for x in v if x is not None] for v in many], _MULTI_BARE)
    wire = _WIRE[kind]
    if wire is None:
        return _text_array(spec, values)
    try:
        return pa.array(values, wire)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        if kind is FieldKind.DATETIME:
            return pa.array([v if isinstance(v, str) else None for v in values], pa.string())
        warnings.warn(
            f"Field {spec.name!r} is {spec.data_type} in the schema but the server sent other values; "
            "the column keeps what could be typed and drops the rest to nulls.",
            UntypedValueWarning, stacklevel=3,
        )
        return pa.array([_coerce(v, wire) for v in values], wire)


def _coerce(value: Any, typ: pa.DataType) -> Any:
    try:
        pa.array([value], typ)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return None
    return value


def _link(value: Any) -> Any:
    """A link as ``{"id", "type", "name"}``, or None when the value is not one (no whole-number id)."""
    if not isinstance(value, dict):
        return None
    rid = value.get("id")
    if not isinstance(rid, int) or isinstance(rid, bool) or not -(2**63) <= rid < 2**63:
        return None
    kind, name = value.get("type"), value.get("name")
    return {"id": rid, "type": kind if isinstance(kind, str) else None, "name": name if isinstance(name, str) else None}


def _warn_dropped_links(spec: FieldSpec, dropped: int) -> None:
    if dropped:
        warnings.warn(
            f"Field {spec.name!r} is {spec.data_type} in the schema but the server sent {dropped} value(s) that "
            "are not links (an object with a whole-number id); they are left out.",
            UntypedValueWarning, stacklevel=4,
        )


def _text_array(spec: FieldSpec, values: list[Any]) -> pa.Array:
    if spec.kind is FieldKind.UNKNOWN and any(v is not None for v in values):
        warnings.warn(
            f"Field {spec.name!r} has data type {spec.data_type!r}, which trackframes does not know; "
            "its values are kept as text.",
            UntypedValueWarning, stacklevel=3,
        )
    out = []
    for v in values:
        if v is None or isinstance(v, str):
            out.append(v)
        else:
            out.append(orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode())
    return pa.array(out, pa.string())
