"""ftrack schemas (``query_schemas``) → neutral :class:`~trackframes.schema.FieldSpec`, and attribute paths.

:data:`PROPERTY_KINDS` is the single source of truth for how an ftrack schema
property becomes columns (``docs/dtypes.md`` shows it and a test keeps the two
in step); :data:`CUSTOM_ATTRIBUTE_KINDS` does the same for custom attributes,
typed by their ``CustomAttributeConfiguration``'s type.

An ftrack schema is flat: every concrete type repeats its parents' properties.
The hierarchy the server's polymorphic queries use (a ``Context`` may be a
``Project``, a ``Shot``, a ``Task``...) is recovered for the three abstract
bases, :data:`BASES`: a type is below a base when it has every property of it.

>>> model = Model([
...     {"id": "Status", "primary_key": ["id"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
...     {"id": "Task", "primary_key": ["id"], "properties": {
...         "id": {"type": "string"}, "name": {"type": "string"}, "bid": {"type": "number"},
...         "start_date": {"type": "string", "format": "date-time"}, "status": {"$ref": "Status"},
...         "timelogs": {"type": "array", "items": {"$ref": "Timelog"}}}},
... ])
>>> [(s.name, s.kind.value) for s in model.fields("Task").values()]
[('id', 'text'), ('name', 'text'), ('bid', 'float'), ('start_date', 'datetime'), ('status', 'entity'), ('timelogs', 'multi_entity')]
>>> model.resolve("Task", "status.name").spec.kind.value
'text'
>>> model.resolve("Task", "status.nmae")
Traceback (most recent call last):
...
trackframes.exceptions.SchemaError: Status has no attribute 'nmae' (in 'status.nmae'). Did you mean 'name'?
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ...exceptions import SchemaError
from ...schema import FieldKind, FieldSpec
from ...suggest import hint, suggest

__all__ = ["PROPERTY_KINDS", "CUSTOM_ATTRIBUTE_KINDS", "BASES", "NAME_ATTRIBUTES", "Prop", "Path", "Model",
           "ID_SPEC", "CUSTOM", "display_name"]

#: ftrack property type (as ``data_type``) → the neutral kind that decides its columns.
PROPERTY_KINDS: dict[str, FieldKind] = {
    "string": FieldKind.TEXT,
    "date-time": FieldKind.DATETIME,
    "integer": FieldKind.INTEGER,
    "number": FieldKind.FLOAT,
    "boolean": FieldKind.BOOLEAN,
    "variable": FieldKind.JSON,
    "object": FieldKind.JSON,
    "reference": FieldKind.ENTITY,
    "collection": FieldKind.MULTI_ENTITY,
    "key/value collection": FieldKind.JSON,
}

#: A custom attribute's type name (``CustomAttributeConfiguration.type.name``) → its kind.
CUSTOM_ATTRIBUTE_KINDS: dict[str, FieldKind] = {
    "number": FieldKind.FLOAT,
    "text": FieldKind.TEXT,
    "boolean": FieldKind.BOOLEAN,
    "date": FieldKind.DATETIME,
    "enumerator": FieldKind.TAG_LIST,
    "dynamic enumerator": FieldKind.TAG_LIST,
    "url": FieldKind.TEXT,
    "expression": FieldKind.TEXT,
    "notificationtype": FieldKind.TEXT,
}

#: The abstract bases of ftrack's polymorphic types.
BASES: tuple[str, ...] = ("Context", "TypedContext", "Resource")
#: The attribute that names a record, in order of preference (``User`` has no ``name``).
NAME_ATTRIBUTES: tuple[str, ...] = ("name", "username")
#: The key/value collection of custom attributes.
CUSTOM = "custom_attributes"

ID_SPEC = FieldSpec("id", FieldKind.TEXT, "string", "Id", editable=False)


@dataclass(frozen=True)
class Prop:
    """One property of one type: ``data_type`` is a key of :data:`PROPERTY_KINDS` (or ``"unknown: <t>"``)."""

    owner: str
    name: str
    data_type: str
    target: str | None = None
    immutable: bool = False
    default: Any = None

    @property
    def kind(self) -> FieldKind:
        return PROPERTY_KINDS.get(self.data_type, FieldKind.UNKNOWN)

    @property
    def is_reference(self) -> bool:
        return self.data_type == "reference"

    @property
    def is_many(self) -> bool:
        return self.data_type in ("collection", "key/value collection")


@dataclass(frozen=True)
class Path:
    """A resolved attribute path: the properties walked, the spec of what it reaches (renamed to the
    path), and the custom attribute key when the path ends in ``custom_attributes.<key>``."""

    dotted: str
    steps: tuple[Prop, ...]
    spec: FieldSpec
    custom_key: str | None = None
    through_collection: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def last(self) -> Prop:
        return self.steps[-1]


def display_name(attribute: str) -> str:
    """``full_name`` → ``Full name`` (ftrack schemas carry no display names)."""
    text = attribute.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _data_type(fragment: Mapping[str, Any]) -> tuple[str, str | None]:
    ptype = fragment.get("type")
    if ptype is None and "$ref" in fragment:
        return "reference", str(fragment["$ref"])
    if ptype in ("array", "mapped_array"):
        items = fragment.get("items") or {}
        target = items.get("$ref") if isinstance(items, Mapping) else None
        return ("collection" if ptype == "array" else "key/value collection"), (str(target) if target else None)
    if ptype == "string" and fragment.get("format") == "date-time":
        return "date-time", None
    if isinstance(ptype, str) and ptype in PROPERTY_KINDS:
        return ptype, None
    return f"unknown: {ptype}", None


class Model:
    """The schema of one server: types, properties, the hierarchy, specs and path resolution."""

    def __init__(self, schemas: Iterable[Mapping[str, Any]]) -> None:
        self.schemas: dict[str, Mapping[str, Any]] = {}
        for schema in schemas:
            self.schemas[str(schema["id"])] = schema
        self.props: dict[str, dict[str, Prop]] = {}
        for name, schema in self.schemas.items():
            immutable = set(schema.get("immutable") or ())
            props: dict[str, Prop] = {}
            for attr, fragment in (schema.get("properties") or {}).items():
                if not isinstance(fragment, Mapping) or fragment.get("restricted_projection"):
                    continue
                data_type, target = _data_type(fragment)
                props[attr] = Prop(name, attr, data_type, target, attr in immutable, fragment.get("default"))
            self.props[name] = props
        self._below: dict[str, tuple[str, ...]] = {}
        for base in BASES:
            if base in self.props:
                own = set(self.props[base])
                self._below[base] = tuple(t for t in self.schemas if t != base and own <= set(self.props[t]))
        self._specs: dict[str, dict[str, FieldSpec]] = {}

    # -- types -----------------------------------------------------------------------------
    @property
    def types(self) -> list[str]:
        return list(self.schemas)

    def check_type(self, entity: str) -> str:
        if entity in self.schemas:
            return entity
        hints = suggest(str(entity), self.schemas)
        raise SchemaError(f"Unknown entity type {entity!r}.{hint(hints)}", name=str(entity), suggestions=hints)

    def subtypes(self, entity: str) -> tuple[str, ...]:
        """``entity`` and the types below it."""
        return (entity,) + self._below.get(entity, ())

    def concrete(self, entity: str) -> tuple[str, ...]:
        """The types a record of ``entity`` can be encoded as (abstract bases with types below them left out)."""
        return tuple(t for t in self.subtypes(entity) if not self._below.get(t))

    def is_a(self, entity: str, base: str) -> bool:
        return entity == base or entity in self._below.get(base, ())

    def name_attribute(self, entity: str) -> str | None:
        """The attribute naming a record of ``entity`` (``name``, ``username`` for a User), if any."""
        props = self.props.get(entity, {})
        return next((a for a in NAME_ATTRIBUTES if a in props and not props[a].is_many), None)

    def primary_key(self, entity: str) -> tuple[str, ...]:
        return tuple(self.schemas[entity].get("primary_key") or ("id",))

    def object_type_id(self, entity: str) -> str | None:
        """The object type of a concrete typed context (its ``object_type_id`` default), if any."""
        prop = self.props.get(entity, {}).get("object_type_id")
        return prop.default if prop is not None and isinstance(prop.default, str) else None

    # -- fields ----------------------------------------------------------------------------
    def spec(self, prop: Prop, name: str | None = None) -> FieldSpec:
        valid = self.concrete(prop.target) if prop.target and prop.target in self.schemas else ()
        return FieldSpec(name or prop.name, prop.kind, prop.data_type, display_name(prop.name), prop.owner,
                         valid_types=valid if prop.kind in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY) else (),
                         editable=not prop.immutable and prop.name != "id")

    def fields(self, entity: str) -> dict[str, FieldSpec]:
        """Every property of ``entity`` as a spec, in schema order (``id`` as text)."""
        self.check_type(entity)
        cached = self._specs.get(entity)
        if cached is None:
            cached = {}
            for prop in self.props[entity].values():
                cached[prop.name] = ID_SPEC if prop.name == "id" else self.spec(prop)
            self._specs[entity] = cached
        return cached

    def star(self, entity: str) -> list[str]:
        """What ``"*"`` means: ``id`` and the type's own scalar and reference attributes (no collections)."""
        return ["id"] + [p.name for p in self.props[self.check_type(entity)].values()
                         if p.name != "id" and not p.is_many]

    def prop(self, entity: str, attribute: str, dotted: str | None = None) -> Prop:
        props = self.props.get(entity, {})
        if attribute in props:
            return props[attribute]
        hints = suggest(attribute, props)
        where = f" (in {dotted!r})" if dotted and dotted != attribute else ""
        raise SchemaError(f"{entity} has no attribute {attribute!r}{where}.{hint(hints)}", name=dotted or attribute,
                          suggestions=hints)

    def resolve(self, entity: str, dotted: str, *, custom: Mapping[str, FieldSpec] | None = None,
                allow_collections: bool = False) -> Path:
        """The path ``dotted`` walks from ``entity`` (references, and collections with ``allow_collections``).

        ``custom_attributes.<key>`` ends a path; ``custom`` maps the keys of the
        type reached to their specs (``None``: not loaded, any key is refused).
        """
        self.check_type(entity)
        if not isinstance(dotted, str) or not dotted or any(not p for p in dotted.split(".")):
            raise SchemaError(f"Field names must be non-empty attribute paths, not {dotted!r}.", name=str(dotted))
        parts = dotted.split(".")
        current = entity
        steps: list[Prop] = []
        through = False
        for i, part in enumerate(parts):
            prop = self.prop(current, part, dotted)
            steps.append(prop)
            last = i == len(parts) - 1
            if prop.data_type == "key/value collection" and prop.name == CUSTOM and not last:
                key = ".".join(parts[i + 1:])
                spec = (custom or {}).get(key)
                if spec is None:
                    keys = sorted(custom or {})
                    hints = suggest(key, keys)
                    known = f" Its custom attributes: {', '.join(keys)}." if keys else " It has no custom attributes."
                    raise SchemaError(f"{current} has no custom attribute {key!r} (in {dotted!r}).{hint(hints)}"
                                      f"{known}", name=dotted, suggestions=hints)
                return Path(dotted, tuple(steps), spec.renamed(dotted), key, through)
            if last:
                break
            if not (prop.is_reference or prop.data_type == "collection") or prop.target not in self.schemas:
                raise SchemaError(f"{current}.{part} is a {prop.data_type} attribute, so {dotted!r} cannot follow "
                                  "it; only references and collections can be followed with a dot.", name=dotted)
            if prop.is_many:
                if not allow_collections:
                    raise SchemaError(
                        f"{dotted!r} goes through {current}.{part}, a collection: such paths work in filters "
                        f"only (where some member must match). Fetch {'.'.join(parts[:i + 1])!r} instead.",
                        name=dotted, suggestions=[".".join(parts[:i + 1])])
                through = True
            current = str(prop.target)
        last = steps[-1]
        spec = ID_SPEC.renamed(dotted) if last.name == "id" else self.spec(last, dotted)
        return Path(dotted, tuple(steps), spec, None, through)
