"""Zou's JSON records → nested Arrow tables (see :mod:`trackframes.frames`).

A page of records (a list of objects, parsed with ``orjson``) becomes ``id``
plus one column per requested field:

* plain columns typed by kind; Zou's naive UTC date-times become
  ``timestamp[ms, UTC]`` here (microseconds, when a route sends them, are
  cut to milliseconds), whatever the machine's time zone; a ``DateTime (day)``
  column keeps its calendar day; JSON columns become JSON text;
* a link becomes ``struct<id, type, name>`` and a list of links a list of
  them (``[]`` when empty), with the target's type and name from the
  :class:`~trackframes.backends.kitsu.lookups.Lookups`;
* ``data.<field>`` custom fields are parsed from the strings the Kitsu UI
  writes (:func:`custom_value`);
* dotted paths (``project.name``) are read through the look-ups.

>>> custom_value("number", "2.5"), custom_value("boolean", "false"), custom_value("taglist", "crowd, night")
(2.5, False, ['crowd', 'night'])
>>> custom_value("number", ""), custom_value("checklist", '{"Plate": false, "Camera": true}')
(None, '{"Camera":true,"Plate":false}')
"""

from __future__ import annotations

import warnings
from typing import Any, Iterable, Mapping, Sequence

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ...schema import FieldKind, FieldSpec, UntypedValueWarning
from .lookups import Lookups, route_of
from .models import MODELS
from .planned import planned_dates
from .schema import targets_of

__all__ = ["LINK", "Decoder", "custom_value", "timestamps", "wires_after"]

#: Task's derived planned dates (see :mod:`.planned`).
PLANNED = ("planned_start_date", "planned_due_date")
LINK = pa.struct([("id", pa.string()), ("type", pa.string()), ("name", pa.string())])
_UTC_MS = pa.timestamp("ms", tz="UTC")
_TRUE = frozenset({"true", "1", "yes", "on", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "off", "n", "f"})
_BAD = object()


def timestamps(values: Sequence[Any]) -> pa.Array:
    """Zou's naive UTC date-time strings → ``timestamp[ms, UTC]`` (never the machine's zone)."""
    text = pa.array([v if isinstance(v, str) else None for v in values], pa.string())
    naive = pc.cast(pc.cast(text, pa.timestamp("us")), pa.timestamp("ms"), safe=False)
    return pc.cast(naive, _UTC_MS)


def custom_value(data_type: str, value: Any) -> Any:
    """A custom field's value as its column holds it (``None`` when unset; :data:`_BAD` when unreadable)."""
    if value is None or value == "":
        return [] if data_type == "taglist" else None
    if data_type == "number":
        if isinstance(value, bool):
            return _BAD
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return float(str(value).strip().replace(",", "."))
        except ValueError:
            return _BAD
    if data_type == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        return True if text in _TRUE else False if text in _FALSE else _BAD
    if data_type == "taglist":
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(v).strip() for v in items if str(v).strip()]
    if data_type == "checklist":
        if isinstance(value, str):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                return _BAD
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    if data_type == "date":
        text = str(value).strip()[:10]
        return text if len(text) == 10 and text[4] == "-" and text[7] == "-" else _BAD
    if data_type in ("string", "textarea", "url", "list", "person", "mixed"):
        return value if isinstance(value, str) else orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return value if isinstance(value, str) else orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


class Decoder:
    """Builds the nested table of one query's fields from records, reading links through ``lookups``."""

    def __init__(self, entity: str, specs: Sequence[FieldSpec], lookups: Lookups) -> None:
        self.entity = entity
        self.specs = [s for s in specs if s.name != "id"]
        self.lookups = lookups

    def table(self, records: list[dict[str, Any]]) -> pa.Table:
        self._planned: tuple[list[Any], list[Any]] | None = None
        ids = pa.array([r.get("id") for r in records], pa.string())
        names, arrays = ["id"], [ids]
        for spec in self.specs:
            names.append(spec.name)
            arrays.append(self.column(spec, records))
        return pa.Table.from_arrays(arrays, names=names)

    # -- one field ----------------------------------------------------------------------
    def column(self, spec: FieldSpec, records: list[dict[str, Any]]) -> pa.Array:
        parts = spec.name.split(".")
        if spec.name in PLANNED and self.entity == "Task":
            if self._planned is None:
                self._planned = planned_dates(records, self.lookups)
            return pa.array(self._planned[PLANNED.index(spec.name)], pa.string())
        if len(parts) == 1 or spec.name.startswith("data."):
            return self._typed(self.entity, spec, self._own(spec, records), records)
        return self._dotted(self.entity, spec, parts, records)

    def _own(self, spec: FieldSpec, records: list[dict[str, Any]]) -> list[Any]:
        """The raw values of one of the entity's own fields (custom fields: the ``data`` key)."""
        key = spec.extra.get("key")
        if key is not None:
            return [(r.get("data") or {}).get(key) if isinstance(r.get("data"), dict) else None for r in records]
        wire = spec.extra.get("wire", spec.name)
        return [r.get(wire) for r in records]

    def _dotted(self, entity: str, spec: FieldSpec, parts: list[str], records: list[dict[str, Any]]) -> pa.Array:
        """A dotted path: follow each link through the look-ups, then type the last field."""
        current_records: list[dict[str, Any] | None] = list(records)
        current = (entity,)
        i = 0
        while True:
            rest = parts[i:]
            here = rest[0] if rest[0] != "data" or len(rest) == 1 else ".".join(rest)
            if here.startswith("data.") or len(rest) == 1:
                break
            link = _spec_on(current, here)
            wire = link.extra.get("wire", here)
            ids = [r.get(wire) if r is not None else None for r in current_records]
            targets = targets_of(link)
            typed_hop = len(rest) > 2 and rest[1] in targets and rest[1] in MODELS
            after = rest[2:] if typed_hop else rest[1:]
            found = self._records(targets, ids, wires_after(targets, after))
            current_records = [found.get(x) if isinstance(x, str) else None for x in ids]
            current = targets
            i += 1
            if typed_hop:  # entity.Shot.parent: keep the records of that type only
                current = (rest[1],)
                current_records = [r if r is not None and _kind_of(r, targets, self.lookups) == rest[1] else None
                                   for r in current_records]
                i += 1
        last = _spec_on(current, here, custom=spec)
        values: list[Any] = []
        key = last.extra.get("key")
        wire = last.extra.get("wire", here)
        for r in current_records:
            if r is None:
                values.append(None)
            elif key is not None:
                data = r.get("data")
                values.append(data.get(key) if isinstance(data, dict) else None)
            else:
                values.append(r.get(wire))
        typed_records = [r or {} for r in current_records]
        return self._typed(current[0], last.renamed(spec.name), values, typed_records)

    def _records(self, targets: tuple[str, ...], ids: Iterable[Any], wires: Sequence[str]) -> dict[str, dict]:
        """Records of ``targets`` by id (an id not found in the first route is looked for in the next)."""
        wanted = {i for i in ids if isinstance(i, str)}
        found: dict[str, dict[str, Any]] = {}
        for route in dict.fromkeys(route_of(t) for t in targets):
            left = wanted - set(found)
            if not left:
                break
            found.update(self.lookups.rows(route, left, wires))
        return found

    # -- typing ---------------------------------------------------------------------------
    def _typed(self, entity: str, spec: FieldSpec, values: list[Any], records: list[dict[str, Any]]) -> pa.Array:
        kind = spec.kind
        custom = spec.extra.get("custom")
        if custom is not None:
            values = self._custom(spec, custom, values)
        if kind is FieldKind.ENTITY:
            return self._links(spec, values)
        if kind is FieldKind.MULTI_ENTITY:
            return self._link_lists(spec, values)
        if kind is FieldKind.DATETIME:
            return timestamps(values)
        if kind is FieldKind.DATE:
            return pa.array([v[:10] if isinstance(v, str) else None for v in values], pa.string())
        if kind is FieldKind.TAG_LIST:
            return pa.array([v if isinstance(v, list) else [] for v in values], pa.list_(pa.string()))
        if kind in (FieldKind.JSON, FieldKind.UNKNOWN):
            return pa.array([None if v is None else v if custom and isinstance(v, str)
                             else orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode() for v in values],
                            pa.string())
        if kind in (FieldKind.TEXT, FieldKind.CATEGORY):
            return pa.array([v if v is None or isinstance(v, str) else orjson.dumps(v).decode() for v in values],
                            pa.string())
        wire = {FieldKind.INTEGER: pa.int64(), FieldKind.FLOAT: pa.float64(), FieldKind.BOOLEAN: pa.bool_()}[kind]
        try:
            return pa.array(values, wire)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            warnings.warn(f"Field {spec.name!r} ({spec.data_type}) held values that are not {kind.value}; they "
                          "were dropped to nulls.", UntypedValueWarning, stacklevel=4)
            return pa.array([_fits(v, wire) for v in values], wire)

    def _custom(self, spec: FieldSpec, data_type: str, values: list[Any]) -> list[Any]:
        out, bad = [], 0
        for v in values:
            parsed = custom_value(data_type, v)
            if parsed is _BAD:
                bad += 1
                parsed = [] if data_type == "taglist" else None
            out.append(parsed)
        if bad:
            warnings.warn(f"Custom field {spec.name!r} ({data_type}) held {bad} value(s) that are not a "
                          f"{data_type}; they became nulls.", UntypedValueWarning, stacklevel=5)
        return out

    def _links(self, spec: FieldSpec, ids: list[Any]) -> pa.Array:
        named = self._names(spec, ids)
        keys = [i if isinstance(i, str) else None for i in ids]
        types = [named[k][0] if k is not None and k in named else (_single(spec) if k is not None else None)
                 for k in keys]
        names = [named[k][1] if k is not None and k in named else None for k in keys]
        return pa.StructArray.from_arrays([pa.array(keys, pa.string()), pa.array(types, pa.string()),
                                           pa.array(names, pa.string())], fields=list(LINK),
                                          mask=pa.array([k is None for k in keys], pa.bool_()))

    def _link_lists(self, spec: FieldSpec, lists: list[Any]) -> pa.Array:
        flat: list[str] = []
        offsets = [0]
        for value in lists:
            if isinstance(value, list):
                flat.extend(v for v in value if isinstance(v, str))
            offsets.append(len(flat))
        named = self._names(spec, flat)
        items = pa.StructArray.from_arrays(
            [pa.array(flat, pa.string()),
             pa.array([named[k][0] if k in named else _single(spec) for k in flat], pa.string()),
             pa.array([named[k][1] if k in named else None for k in flat], pa.string())], fields=list(LINK))
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items)

    def _names(self, spec: FieldSpec, ids: Iterable[Any]) -> dict[str, tuple[str, str | None]]:
        """``id → (type, name)`` of the records a link field points at."""
        targets = targets_of(spec)
        name_fields = [MODELS[t].name_field for t in targets if t in MODELS and MODELS[t].name_field]
        found = self._records(targets, ids, list(dict.fromkeys(f for f in name_fields if f)))
        out: dict[str, tuple[str, str | None]] = {}
        for rid, record in found.items():
            kind = _kind_of(record, targets, self.lookups)
            model = MODELS.get(kind)
            field = model.name_field if model is not None else "name"
            name = record.get(field) if field else None
            out[rid] = (kind, name if isinstance(name, str) else None)
        return out


def _fits(value: Any, typ: pa.DataType) -> Any:
    try:
        pa.array([value], typ)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return None
    return value


def _single(spec: FieldSpec) -> str | None:
    """The type of a link that can point at one type only (else ``None`` until looked up)."""
    targets = targets_of(spec)
    return targets[0] if len(targets) == 1 else None


def _kind_of(record: Mapping[str, Any], targets: tuple[str, ...], lookups: Lookups) -> str:
    """The entity type of a looked-up record (the concrete Shot/Asset/... for the entity table)."""
    kind = record.get("type")
    if isinstance(kind, str) and kind in targets:
        return kind
    if any(MODELS[t].entity_table for t in targets if t in MODELS) and (
            "entity_type_id" in record or kind in ("Entity", "Shot", "Asset", "Sequence", "Episode")):
        return lookups.entity_kind(record)
    if isinstance(kind, str) and kind:
        return "AssetType" if kind == "EntityType" else kind
    return targets[0] if targets else ""


def _spec_on(entities: tuple[str, ...], name: str, custom: FieldSpec | None = None) -> FieldSpec:
    """The spec of ``name`` on the first of ``entities`` that has it (custom fields: the resolved spec)."""
    from .schema import model_specs

    if name.startswith("data.") and custom is not None:
        return custom.renamed(name)
    for entity in entities:
        if entity in MODELS:
            specs = model_specs(entity)
            if name in specs:
                return specs[name]
    raise KeyError(name)  # resolve() checked the path before anything was fetched


def wires_after(targets: tuple[str, ...], rest: Sequence[str]) -> list[str]:
    """The wire columns the next hop of a path reads on ``targets``."""
    from .schema import model_specs

    if not rest:
        return []
    head = rest[0]
    if head == "data":
        return ["data"]
    for entity in targets:
        if entity in MODELS:
            spec = model_specs(entity).get(head)
            if spec is not None:
                return [spec.extra.get("wire", head)]
    return [head]
