"""The ftrack sandbox's in-memory store: schemas, records by type, relations through foreign keys.

Schemas are in the ``query_schemas`` format (see :mod:`.schemas`); a schema may
name its parent type with ``"$mixin": {"$ref": "Parent"}``. The store flattens
the hierarchy (parent properties first) and serves the flat schemas without
``$mixin``, as a real server does. Records live under their concrete type; a
query on a parent type (``TypedContext``, ``Context``, ``Resource``) sees the
records of every type below it.

Relations resolve through foreign keys:

* a reference ``r`` (``{"$ref": T}``) reads the record's ``r_id`` value (a
  declared property, or a hidden key of the record when the schema has none,
  like ``Status.state``) and finds the ``T`` record with that primary key;
* a collection ``c`` (``{"type": "array" | "mapped_array", "items": {"$ref": T}}``)
  holds the ``T`` records whose one reference back to the owner's type points at
  the owner. When that is ambiguous or needs a filter (``Task.assignments`` are
  the appointments of type ``assignment``), a :class:`Relation` under
  ``"Type.attribute"`` says how; it applies to the types below ``Type`` too.

>>> from trackframes.sandbox.ftrack.schemas import standard_schemas, standard_relations
>>> store = Store(standard_schemas(), {
...     "Project": [{"id": "p1", "name": "copper", "full_name": "Copper Sky", "context_type": "show"}],
...     "Sequence": [{"id": "s1", "name": "sq010", "parent_id": "p1", "project_id": "p1",
...                   "context_type": "task"}],
... }, standard_relations())
>>> [r.data["name"] for r in store.records("Context")]
['copper', 'sq010']
>>> store.follow(store.get("Sequence", "s1"), "parent").data["full_name"]
'Copper Sky'
>>> [c.type for c in store.follow(store.get("Project", "p1"), "children")]
['Sequence']
>>> store.get("TypedContext", "s1").type, store.get("Project", "s1")
('Sequence', None)
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping

from .errors import ValidationError, suggest
from .values import normalize_datetime, sort_key

__all__ = ["Store", "Record", "Property", "Relation", "SCALAR_TYPES", "schema_hash"]

#: Scalar property types of the ``query_schemas`` format.
SCALAR_TYPES = ("string", "integer", "number", "boolean", "variable", "object")


@dataclass(frozen=True)
class Relation:
    """How a reference or collection attribute finds its records.

    Attributes:
        foreign_key: (reference) the owner's attribute holding the target's id
            (default ``<attribute>_id``).
        inverse: (collection) the members' attribute holding the owner's id.
        where: (collection) values the members must also have, e.g. ``{"type": "assignment"}``.
        resolve: (either) ``resolve(store, record)`` computes the value instead
            (a record or ``None`` for a reference, a list for a collection).
    """

    foreign_key: str | None = None
    inverse: str | None = None
    where: Mapping[str, Any] = field(default_factory=dict)
    resolve: Callable[["Store", "Record"], Any] | None = None


@dataclass(frozen=True)
class Property:
    """One schema property. ``kind`` is ``scalar``, ``reference``, ``collection`` or ``mapped``."""

    owner: str
    name: str
    kind: str
    type: str | None = None
    format: str | None = None
    target: str | None = None
    default: Any = None
    restricted: bool = False

    @property
    def is_datetime(self) -> bool:
        return self.type == "string" and self.format == "date-time"

    @property
    def is_relation(self) -> bool:
        return self.kind != "scalar"

    @property
    def is_many(self) -> bool:
        return self.kind in ("collection", "mapped")


class Record:
    """One stored entity: its concrete ``type``, ``data`` (scalars and foreign keys), primary ``key``."""

    __slots__ = ("type", "data", "key", "seq")

    def __init__(self, type_: str, data: dict[str, Any], key: tuple[Any, ...], seq: int) -> None:
        self.type = type_
        self.data = data
        self.key = key
        self.seq = seq

    def __repr__(self) -> str:
        return f"Record({self.type}, {self.key if len(self.key) > 1 else self.key[0]!r})"


@dataclass(frozen=True)
class _Link:
    kind: str
    target: str
    foreign_key: str | None = None
    inverse: str | None = None
    where: tuple[tuple[str, Any], ...] = ()
    resolve: Callable[["Store", Record], Any] | None = None


def schema_hash(schemas: list[dict[str, Any]]) -> str:
    """What a real server sends as ``schema_hash``: MD5 of the schemas dumped with sorted keys
    (``ftrack_api`` computes the same digest of its cache, so its cache then works)."""
    return hashlib.md5(json.dumps(schemas, sort_keys=True).encode("utf-8")).hexdigest()


class Store:
    """Schemas, records and relations of an ftrack production (thread-safe; see the module doc).

    Args:
        schemas: authored schemas (``$mixin`` allowed).
        records: ``{type: [data, ...]}``: scalar values and foreign keys by attribute
            name; date-times as aware ``datetime`` or ISO 8601 text (naive text is UTC).
        relations: ``{"Type.attribute": Relation}`` where the defaults cannot tell.
    """

    def __init__(self, schemas: Iterable[Mapping[str, Any]],
                 records: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
                 relations: Mapping[str, Relation] | None = None) -> None:
        self._lock = threading.RLock()
        self._version = 0
        self._seq = 0
        authored = [copy.deepcopy(dict(s)) for s in schemas]
        self._parent: dict[str, str] = {}
        self._schemas: dict[str, dict[str, Any]] = {}
        for schema in authored:
            name = schema.get("id")
            if not isinstance(name, str) or not name:
                raise ValidationError(f"every schema needs an id, not {name!r}")
            if name in self._schemas:
                raise ValidationError(f"schema {name} appears twice")
            self._schemas[name] = schema
        self._flat = {name: self._flatten(name, ()) for name in self._schemas}
        self._props = {name: self._read_properties(name) for name in self._flat}
        self._relations = dict(relations or {})
        self._check_relation_names()
        self._links = {(t, p.name): self._link(t, p) for t, props in self._props.items()
                       for p in props.values() if p.is_relation}
        self._roots = {name: self.root_of(name) for name in self._flat}
        self._positions = {name: {attr: i for i, attr in enumerate(props)} for name, props in self._props.items()}
        self.unresolved = sorted(f"{t}.{a}" for (t, a), link in self._links.items() if link.kind == "empty")
        self._served = [self._flat[name] for name in self._schemas]
        self.schema_hash = schema_hash(self._served)
        self._records: dict[str, list[Record]] = {name: [] for name in self._schemas}
        self._by_key: dict[str, dict[tuple[Any, ...], Record]] = {}
        self._cache: dict[Any, tuple[int, Any]] = {}
        for type_name, rows in (records or {}).items():
            for data in rows:
                self.add(type_name, data)

    # -- schemas ----------------------------------------------------------------
    def _flatten(self, name: str, seen: tuple[str, ...]) -> dict[str, Any]:
        if name in seen:
            raise ValidationError(f"schema {name} inherits from itself through $mixin ({' -> '.join(seen)})")
        schema = self._schemas[name]
        mixin = schema.get("$mixin")
        if mixin is None:
            return {k: v for k, v in schema.items() if k != "$mixin"}
        parent = mixin.get("$ref") if isinstance(mixin, Mapping) else None
        if parent not in self._schemas:
            raise ValidationError(f"schema {name} has $mixin {mixin!r}: unknown type{suggest(str(parent), self._schemas)}")
        self._parent[name] = parent
        base = self._flatten(parent, seen + (name,))
        flat = {k: copy.deepcopy(v) for k, v in base.items() if k not in ("id", "alias_for")}
        for key, value in schema.items():
            if key == "$mixin":
                continue
            if key == "properties":
                flat["properties"] = {**base.get("properties", {}), **value}
            elif key in ("required", "immutable", "computed"):
                flat[key] = list(dict.fromkeys([*base.get(key, []), *value]))
            else:
                flat[key] = value
        return {"id": name, **{k: v for k, v in flat.items() if k != "id"}}

    def _read_properties(self, name: str) -> dict[str, Property]:
        schema = self._flat[name]
        props: dict[str, Property] = {}
        for prop_name, frag in (schema.get("properties") or {}).items():
            kind, target = "scalar", None
            ptype = frag.get("type")
            if "$ref" in frag and ptype is None:
                kind, target = "reference", frag["$ref"]
            elif ptype in ("array", "mapped_array"):
                kind = "collection" if ptype == "array" else "mapped"
                target = (frag.get("items") or {}).get("$ref")
            elif ptype is not None and ptype not in SCALAR_TYPES:
                raise ValidationError(f"{name}.{prop_name} has unknown type {ptype!r}{suggest(ptype, SCALAR_TYPES)}")
            if kind != "scalar" and target not in self._schemas:
                raise ValidationError(f"{name}.{prop_name} refers to unknown type {target!r}"
                                      f"{suggest(str(target), self._schemas)}")
            default = frag.get("default")
            props[prop_name] = Property(name, prop_name, kind, ptype if kind == "scalar" else None,
                                        frag.get("format"), target, None if default == "{uid}" else default,
                                        bool(frag.get("restricted_projection")))
        keys = schema.get("primary_key")
        if not keys or any(k not in props or props[k].is_relation for k in keys):
            raise ValidationError(f"schema {name} needs a primary_key of its scalar properties, not {keys!r}")
        for listed in ("default_projections",):
            for attr in schema.get(listed, []):
                if attr.split(".")[0] not in props:
                    raise ValidationError(f"{name}.{listed} names unknown attribute {attr!r}")
        return props

    @property
    def schemas(self) -> list[dict[str, Any]]:
        """The ``query_schemas`` reply: flat schemas in authored order (do not modify)."""
        return self._served

    @property
    def type_names(self) -> list[str]:
        return list(self._schemas)

    def schema(self, name: str) -> dict[str, Any]:
        """The flat schema of ``name``; ``ValidationError`` with the closest names for an unknown type."""
        try:
            return self._flat[name]
        except (KeyError, TypeError):
            raise ValidationError(f'unknown entity type "{name}"{suggest(str(name), self._flat)}') from None

    def properties(self, name: str) -> dict[str, Property]:
        self.schema(name)
        return self._props[name]

    def prop(self, name: str, attribute: str) -> Property:
        """One property; ``ValidationError`` naming the type and the closest attributes when unknown."""
        props = self.properties(name)
        try:
            return props[attribute]
        except KeyError:
            raise ValidationError(f'{name} has no attribute "{attribute}"{suggest(attribute, props)}') from None

    def primary_key(self, name: str) -> tuple[str, ...]:
        return tuple(self.schema(name)["primary_key"])

    def default_projections(self, name: str) -> list[str]:
        return list(self.schema(name).get("default_projections") or ())

    def system_projections(self, name: str) -> list[str]:
        """Attributes encoded with every entity of ``name`` (the schema's internal names mapped to
        property names through ``alias_for``; names matching nothing are skipped)."""
        key = ("system", name)
        cached = self._cache.get(key)
        if cached is not None:
            return cached[1]
        schema = self.schema(name)
        props = schema.get("properties") or {}
        aliases = {frag.get("alias_for"): prop for prop, frag in props.items() if isinstance(frag.get("alias_for"), str)}
        out = []
        for item in schema.get("system_projections") or ():
            prop = item if item in props else aliases.get(item)
            if prop is not None and not self._props[name][prop].is_relation:
                out.append(prop)
        self._cache[key] = (-1, out)
        return out

    def parent_of(self, name: str) -> str | None:
        return self._parent.get(name)

    def is_a(self, name: str, ancestor: str) -> bool:
        """True when ``name`` is ``ancestor`` or below it in the ``$mixin`` hierarchy."""
        current: str | None = name
        while current is not None:
            if current == ancestor:
                return True
            current = self._parent.get(current)
        return False

    def subtypes(self, name: str) -> list[str]:
        """``name`` and every type below it, in authored order."""
        self.schema(name)
        return [t for t in self._schemas if self.is_a(t, name)]

    def root_of(self, name: str) -> str:
        while name in self._parent:
            name = self._parent[name]
        return name

    # -- relations ----------------------------------------------------------------
    def _check_relation_names(self) -> None:
        for dotted in self._relations:
            type_name, _, attr = dotted.partition(".")
            if type_name not in self._props:
                raise ValidationError(f'relation "{dotted}": unknown entity type{suggest(type_name, self._props)}')
            if attr not in self._props[type_name] or not self._props[type_name][attr].is_relation:
                relations = [p for p, v in self._props[type_name].items() if v.is_relation]
                raise ValidationError(f'relation "{dotted}": {type_name} has no reference or collection '
                                      f'"{attr}"{suggest(attr, relations)}')

    def _declared(self, type_name: str, attr: str) -> Relation | None:
        current: str | None = type_name
        while current is not None:
            found = self._relations.get(f"{current}.{attr}")
            if found is not None:
                return found
            current = self._parent.get(current)
        return None

    def _link(self, type_name: str, prop: Property) -> _Link:
        declared = self._declared(type_name, prop.name) or Relation()
        target = str(prop.target)
        if declared.resolve is not None:
            return _Link("computed", target, resolve=declared.resolve)
        if prop.kind == "reference":
            if len(self._flat[target]["primary_key"]) != 1:
                raise ValidationError(f"{type_name}.{prop.name} refers to {target}, whose primary key has "
                                      "several attributes; declare a Relation with resolve=")
            return _Link("reference", target, foreign_key=declared.foreign_key or f"{prop.name}_id")
        if declared.inverse is not None:
            return _Link("collection", target, inverse=declared.inverse, where=tuple(declared.where.items()))
        back = [p for p in self._props[target].values() if p.kind == "reference" and self.is_a(type_name, str(p.target))]
        if not back:
            return _Link("empty", target)
        if len(back) > 1:
            raise ValidationError(
                f"cannot tell how {type_name}.{prop.name} finds its {target} records: {target} has references "
                f"{', '.join(p.name for p in back)} back to {type_name}; declare "
                f'relations={{"{type_name}.{prop.name}": Relation(inverse=...)}}')
        fk = (self._declared(target, back[0].name) or Relation()).foreign_key or f"{back[0].name}_id"
        return _Link("collection", target, inverse=fk, where=tuple(declared.where.items()))

    def foreign_key(self, type_name: str, attr: str) -> str | None:
        """The attribute a reference reads (``None`` for a computed one)."""
        return self._links[(type_name, attr)].foreign_key

    def follow(self, record: Record, attr: str) -> Any:
        """The record a reference points at (or ``None``), or the list of a collection's members."""
        link = self._links.get((record.type, attr))
        if link is None:
            prop = self.prop(record.type, attr)
            raise ValidationError(f"{record.type}.{attr} is a {prop.type or prop.kind} attribute, not a relation")
        if link.kind == "computed":
            return link.resolve(self, record)  # type: ignore[misc]
        if link.kind == "reference":
            value = record.data.get(link.foreign_key)  # type: ignore[arg-type]
            return None if value is None else self.get(link.target, value)
        if link.kind == "empty":
            return []
        members = self._members(link.target, str(link.inverse)).get(record.key[0], ())
        return [m for m in members if all(m.data.get(k) == v for k, v in link.where)]

    def _members(self, target: str, inverse: str) -> dict[Any, list[Record]]:
        key = ("members", target, inverse)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] == self._version:
                return cached[1]
            index: dict[Any, list[Record]] = {}
            for rec in self.records(target):
                value = rec.data.get(inverse)
                if value is not None:
                    index.setdefault(value, []).append(rec)
            self._cache[key] = (self._version, index)
            return index

    # -- records --------------------------------------------------------------------
    @property
    def version(self) -> int:
        """Bumped by every change (creates and deletes)."""
        return self._version

    def records(self, name: str) -> list[Record]:
        """Every record of ``name`` and the types below it, in insertion order (a new list)."""
        key = ("records", name)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] == self._version:
                return list(cached[1])
            types = self.subtypes(name)
            rows = self._records[types[0]] if len(types) == 1 else sorted(
                (r for t in types for r in self._records[t]), key=lambda r: r.seq)
            self._cache[key] = (self._version, list(rows))
            return list(rows)

    def by_id(self, name: str) -> tuple[list[Record], list[Any]]:
        """The records of ``name`` (a type with the primary key ``id``) sorted by id as ``order by id`` sorts
        it (text without case), and their sort keys: for id-range queries (a bisect instead of a scan)."""
        key = ("by_id", name)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] == self._version:
                return cached[1]
            rows = sorted(self.records(name), key=lambda r: sort_key(r.key[0]))
            out = (rows, [sort_key(r.key[0]) for r in rows])
            self._cache[key] = (self._version, out)
            return out

    def count(self, name: str) -> int:
        return len(self.records(name))

    def get(self, name: str, key: Any) -> Record | None:
        """The record of ``name`` (or a type below it) with primary key ``key`` (a value or a tuple)."""
        if name not in self._roots:
            self.schema(name)
        keys = key if isinstance(key, tuple) else (key,)
        found = self._by_key.get(self._roots[name], {}).get(keys)
        return found if found is not None and (found.type == name or self.is_a(found.type, name)) else None

    def property_positions(self, name: str) -> dict[str, int]:
        """``{attribute: index}`` in the order of the schema's ``properties``."""
        return self._positions[name]

    def add(self, name: str, data: Mapping[str, Any]) -> Record:
        """Validate ``data`` against the schema of ``name``, fill defaults, store and return the record."""
        props = self.properties(name)
        hidden = {f"{p.name}_id" for p in props.values() if p.kind == "reference"}
        clean: dict[str, Any] = {}
        for attr, value in data.items():
            prop = props.get(attr)
            if prop is None:
                if attr in hidden:
                    clean[attr] = value
                    continue
                raise ValidationError(f'{name} has no attribute "{attr}"{suggest(attr, [*props, *hidden])}')
            if prop.is_relation:
                fk = self._links[(name, attr)].foreign_key
                hint = f"give {fk} instead" if fk else "it is computed from the other records"
                raise ValidationError(f"{name}.{attr} is a relation; {hint}")
            clean[attr] = _check_value(prop, value)
        for prop in props.values():
            if prop.kind == "scalar" and prop.name not in clean and prop.default is not None:
                clean[prop.name] = prop.default
        pk = self.primary_key(name)
        missing = [k for k in pk if clean.get(k) is None]
        if missing:
            raise ValidationError(f"a {name} record needs its primary key {', '.join(missing)}")
        key = tuple(clean[k] for k in pk)
        with self._lock:
            index = self._by_key.setdefault(self.root_of(name), {})
            if key in index:
                raise ValidationError(f"{name} {key if len(key) > 1 else key[0]!r} exists already "
                                      f"(as a {index[key].type})")
            self._seq += 1
            record = Record(name, clean, key, self._seq)
            index[key] = record
            self._records[name].append(record)
            self._version += 1
        return record

    def remove(self, record: Record) -> bool:
        """Delete ``record``; references to it then resolve to ``None``. False if it was gone."""
        with self._lock:
            index = self._by_key.get(self.root_of(record.type), {})
            if index.get(record.key) is not record:
                return False
            del index[record.key]
            self._records[record.type].remove(record)
            self._version += 1
            return True


def _check_value(prop: Property, value: Any) -> Any:
    if value is None:
        return None
    where = f"{prop.owner}.{prop.name}"
    if prop.is_datetime:
        return normalize_datetime(value, where)
    expected = {"string": str, "integer": int, "number": (int, float), "boolean": bool}.get(prop.type or "")
    if expected is not None:
        if isinstance(value, bool) and prop.type != "boolean":
            raise ValidationError(f"{where} is {prop.type}, not a boolean ({value!r})")
        if not isinstance(value, expected) or isinstance(value, datetime):
            raise ValidationError(f"{where} is {prop.type}, not {type(value).__name__} ({value!r})")
    return value
