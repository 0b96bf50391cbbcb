"""Field specs for Zou's models: the columns of :mod:`.models`, custom fields, and dotted paths.

* A column becomes a :class:`~trackframes.schema.FieldSpec` whose
  ``data_type`` is Zou's column type (``String``, ``Float``, ``DateTime``...),
  ``ForeignKey`` for a link and ``ManyToMany`` for a list of links; ids are
  text (UUIDs).
* **Custom fields** live in a record's ``data`` object. Each project declares
  them with metadata descriptors; ``data.<field_name>`` is typed from the
  descriptor's type (:data:`CUSTOM_KINDS`). A field declared with different
  types in different projects is kept as text.
* **Dotted paths** go through links: ``project.name``, ``task_status.short_name``,
  ``entity.parent.name``, ``entity.data.camera``. A path through a list of links
  (``assignees.email``) works in filters only.

>>> from trackframes.backends.kitsu.schema import model_specs, resolve
>>> specs = model_specs("Task")
>>> specs["task_type"].kind.value, specs["task_type"].data_type, specs["task_type"].valid_types
('entity', 'ForeignKey', ('TaskType',))
>>> specs["start_date"].kind.value, specs["duration"].kind.value, specs["id"].kind.value
('date', 'float', 'text')
>>> spec = resolve("Task", "task_status.short_name", lambda entity: model_specs(entity))
>>> spec.name, spec.kind.value
('task_status.short_name', 'text')
>>> resolve("Task", "task_stauts.name", lambda entity: model_specs(entity))
Traceback (most recent call last):
...
trackframes.exceptions.SchemaError: Unknown field 'task_stauts' on Task (in 'task_stauts.name'). Did you mean 'task_status' or 'task_type'?
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

from ...exceptions import SchemaError
from ...schema import FieldKind, FieldSpec
from ...suggest import hint, suggest
from .models import MODELS, Column

__all__ = ["ID_SPEC", "CUSTOM_KINDS", "data_type_kinds", "model_specs", "custom_specs", "resolve", "check_entity", "targets_of"]

ID_SPEC = FieldSpec("id", FieldKind.TEXT, "UUID", "Id", editable=False, mandatory=True)

#: A metadata descriptor's ``data_type`` → the kind of its ``data.<field>`` column.
CUSTOM_KINDS: dict[str, FieldKind] = {
    "number": FieldKind.FLOAT,
    "string": FieldKind.TEXT,
    "textarea": FieldKind.TEXT,
    "url": FieldKind.TEXT,
    "boolean": FieldKind.BOOLEAN,
    "list": FieldKind.CATEGORY,
    "taglist": FieldKind.TAG_LIST,
    "date": FieldKind.DATE,
    "checklist": FieldKind.JSON,
    "person": FieldKind.ENTITY,
}

FieldsOf = Callable[[str], Mapping[str, FieldSpec]]


def _display(name: str) -> str:
    return name.replace("_", " ").strip().title()


def _data_type(col: Column) -> str:
    if col.targets:
        return "ManyToMany" if col.many else "ForeignKey"
    if col.as_date:
        return "DateTime (day)"
    return col.zou_type


def model_specs(entity: str) -> dict[str, FieldSpec]:
    """``id`` and the columns of ``entity`` (no custom fields), by field name (a new dict each call)."""
    return dict(_model_specs(entity))


@lru_cache(maxsize=None)
def _model_specs(entity: str) -> dict[str, FieldSpec]:
    model = MODELS[entity]
    specs = {"id": ID_SPEC}
    for col in model.columns:
        specs[col.name] = FieldSpec(
            col.name, col.kind, _data_type(col), _display(col.name), entity=entity, valid_types=col.targets,
            valid_values=col.values, editable=col.name not in ("created_at", "updated_at"),
            extra={"wire": col.wire, "derived": True} if col.derived else {"wire": col.wire})
    return specs


def data_type_kinds() -> dict[str, FieldKind]:
    """Every ``data_type`` a Kitsu field spec can have, and its kind (docs/dtypes.md lists them).

    >>> data_type_kinds()["DateTime (day)"].value, data_type_kinds()["metadata taglist"].value
    ('date', 'tag_list')
    """
    out: dict[str, FieldKind] = {}
    for entity in MODELS:
        for spec in model_specs(entity).values():
            out.setdefault(spec.data_type, spec.kind)
    out.update({f"metadata {name}": kind for name, kind in CUSTOM_KINDS.items()})
    out["metadata mixed"] = FieldKind.TEXT
    return out


def custom_specs(entity: str, descriptors: Iterable[Mapping[str, Any]]) -> dict[str, FieldSpec]:
    """``data.<field_name>`` specs of ``entity`` from metadata descriptors (of every project).

    A field whose descriptors disagree on the type is text (``data_type``
    ``metadata mixed``); a list's valid values are the union of its choices.
    """
    model = MODELS[entity]
    found: dict[str, list[Mapping[str, Any]]] = {}
    for d in descriptors:
        if d.get("entity_type") == model.descriptors and isinstance(d.get("field_name"), str):
            found.setdefault(d["field_name"], []).append(d)
    specs: dict[str, FieldSpec] = {}
    for field_name, group in sorted(found.items()):
        types = {str(d.get("data_type")) for d in group}
        name = f"data.{field_name}"
        label = str(group[0].get("name") or field_name)
        if len(types) != 1:
            specs[name] = FieldSpec(name, FieldKind.TEXT, "metadata mixed", label, entity=entity,
                                    extra={"wire": "data", "key": field_name, "custom": "mixed"})
            continue
        data_type = types.pop()
        kind = CUSTOM_KINDS.get(data_type, FieldKind.UNKNOWN)
        choices: list[str] = []
        for d in group:
            for choice in d.get("choices") or ():
                if isinstance(choice, str) and choice not in choices:
                    choices.append(choice)
        specs[name] = FieldSpec(
            name, kind, f"metadata {data_type}", label, entity=entity,
            valid_types=("Person",) if kind is FieldKind.ENTITY else (),
            valid_values=tuple(choices) if kind in (FieldKind.CATEGORY, FieldKind.TAG_LIST) else (),
            extra={"wire": "data", "key": field_name, "custom": data_type})
    return specs


def check_entity(entity: Any) -> str:
    """``entity`` when Zou has it (as the Kitsu backend names them), else a SchemaError with the closest."""
    if isinstance(entity, str) and entity in MODELS:
        return entity
    for known in MODELS:
        if known.lower() == str(entity).replace("_", "").lower():
            raise SchemaError(f"Unknown entity type {entity!r}. Entity types are CamelCase: use {known!r}.",
                              name=str(entity), suggestions=[known])
    hints = suggest(str(entity), list(MODELS))
    raise SchemaError(f"Unknown entity type {entity!r}.{hint(hints)} Kitsu entity types: {', '.join(MODELS)}.",
                      name=str(entity), suggestions=hints)


def targets_of(spec: FieldSpec) -> tuple[str, ...]:
    """The entity types a link field may point at."""
    return tuple(t for t in spec.valid_types if t in MODELS) or tuple(spec.valid_types)


def resolve(entity: str, name: str, fields_of: FieldsOf, *, allow_multi: bool = False) -> FieldSpec:
    """The spec a plain or dotted field name reaches from ``entity`` (renamed to ``name``).

    ``data.<field>`` is a custom field, also at the end of a path. Each hop
    must be a link; a link to several types (``entity``) may be followed by a
    field that any of them has, or by one of its types, which keeps the links to
    that type only (``entity.Shot.parent``: the sequence of a shot, nothing for
    an asset). ``allow_multi`` lets a path go through a list of links (filters only).
    """
    if not isinstance(name, str) or not name or name.startswith(".") or name.endswith(".") or ".." in name:
        raise SchemaError(f"Field names must be non-empty text such as 'name' or 'project.name', not {name!r}.",
                          name=str(name))
    parts = name.split(".")
    current: tuple[str, ...] = (entity,)
    i = 0
    while True:
        rest = parts[i:]
        here = rest[0] if rest[0] != "data" or len(rest) == 1 else ".".join(rest)
        spec = _field(current, here, fields_of, name)
        if here.startswith("data.") or len(rest) == 1:
            return spec if len(parts) == 1 else spec.renamed(name)
        if spec.kind not in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY):
            raise SchemaError(f"{'/'.join(current)}.{here} is a {spec.data_type} field, so {name!r} cannot go "
                              "through it; only links (ForeignKey, ManyToMany) can be followed.", name=name)
        if spec.kind is FieldKind.MULTI_ENTITY and not allow_multi:
            raise SchemaError(f"{name!r} goes through {here!r}, a list of links: such paths work in filters only. "
                              f"Fetch {here!r} instead, then df.tf.explode({here!r}).", name=name, suggestions=[here])
        current = targets_of(spec)
        i += 1
        if i < len(parts) - 1 and parts[i] in current and parts[i] in MODELS:  # a typed hop
            current = (parts[i],)
            i += 1


def _field(entities: tuple[str, ...], name: str, fields_of: FieldsOf, path: str) -> FieldSpec:
    """``name`` on the first of ``entities`` that has it (links to several types: their union of targets)."""
    found: list[FieldSpec] = []
    known: list[str] = []
    for entity in entities:
        if entity not in MODELS:
            continue
        fields = fields_of(entity)
        known.extend(f for f in fields if f not in known)
        if name in fields:
            found.append(fields[name])
    if not found:
        where = f" (in {path!r})" if path != name else ""
        hints = suggest(name, known)
        raise SchemaError(f"Unknown field {name!r} on {'/'.join(entities)}{where}.{hint(hints)}", name=name,
                          suggestions=hints)
    first = found[0]
    if len(found) == 1 or first.kind not in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY):
        return first
    targets = tuple(dict.fromkeys(t for spec in found for t in spec.valid_types))
    return FieldSpec(first.name, first.kind, first.data_type, first.display_name, first.entity, targets,
                     first.valid_values, first.editable, first.mandatory, first.visible, first.description,
                     first.extra)
