"""Custom attributes: which keys each entity type has, and the column type of each.

A custom attribute is configured by a ``CustomAttributeConfiguration``: its
``key``, the ``entity_type`` it belongs to (``task`` for every typed context,
narrowed by ``object_type_id``; ``show`` for projects; ``user``,
``assetversion``, ``asset``, ``list``...) and its type (``type.name``:
``number``, ``text``, ``boolean``, ``date``, ``enumerator``...). The type
decides the column (:data:`~.schema.CUSTOM_ATTRIBUTE_KINDS`); a type trackframes
does not know keeps its values as text, with a warning when values arrive.

The configurations are read once per connection, on the first use of a
``custom_attributes.<key>`` field, with :data:`CONFIG_QUERY`.

>>> configs = parse_configurations([
...     {"key": "fstart", "label": "Frame start", "entity_type": "task", "object_type_id": "shot-ot",
...      "project_id": None, "type": {"name": "number"}},
...     {"key": "fps", "label": "FPS", "entity_type": "show", "object_type_id": None, "project_id": None,
...      "type": {"name": "number"}}])
>>> {k: s.kind.value for k, s in specs_for(configs, "Shot", entity_kind="task", object_type_id="shot-ot").items()}
{'fstart': 'float'}
>>> list(specs_for(configs, "Project", entity_kind="show", object_type_id=None))
['fps']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ...schema import FieldKind, FieldSpec
from .schema import CUSTOM, CUSTOM_ATTRIBUTE_KINDS

__all__ = ["Configuration", "CONFIG_QUERY", "ENTITY_KINDS", "parse_configurations", "specs_for", "entity_kind"]

#: The query that reads every configuration (the ``type`` reference nested, so one request suffices).
CONFIG_QUERY = ("select key, label, entity_type, object_type_id, project_id, is_hierarchical, type.name "
                "from CustomAttributeConfiguration")

#: An entity type's ``entity_type`` in configurations, for the types that are not typed contexts.
ENTITY_KINDS = {"Project": "show", "User": "user", "AssetVersion": "assetversion", "Asset": "asset",
                "List": "list", "AssetVersionList": "list", "TypedContextList": "list"}


@dataclass(frozen=True)
class Configuration:
    """One custom attribute configuration, as far as columns need it."""

    key: str
    label: str
    entity_type: str
    object_type_id: str | None
    project_id: str | None
    type_name: str

    @property
    def kind(self) -> FieldKind:
        return CUSTOM_ATTRIBUTE_KINDS.get(self.type_name, FieldKind.UNKNOWN)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_configurations(rows: Iterable[Any]) -> list[Configuration]:
    """Configurations from decoded query rows (rows without a key are skipped)."""
    out = []
    for row in rows:
        if not isinstance(row, dict) or not _text(row.get("key")):
            continue
        kind = row.get("type")
        type_name = kind.get("name") if isinstance(kind, dict) else None
        out.append(Configuration(str(row["key"]), _text(row.get("label")) or str(row["key"]),
                                 _text(row.get("entity_type")) or "", _text(row.get("object_type_id")),
                                 _text(row.get("project_id")), str(type_name or "unknown").lower()))
    return out


def entity_kind(model: Any, entity: str) -> tuple[tuple[str, ...], str | None]:
    """(the configurations' ``entity_type`` values for ``entity``, its object type id): ``task`` for typed
    contexts, ``task`` and ``show`` for an abstract ``Context``."""
    if entity in ENTITY_KINDS:
        return (ENTITY_KINDS[entity],), None
    if model.is_a(entity, "TypedContext"):
        return ("task",), model.object_type_id(entity)
    if entity == "Context":
        return ("task", "show"), None
    return (), None


def specs_for(configs: Iterable[Configuration], entity: str, *, entity_kind: str | tuple[str, ...] | None,
              object_type_id: str | None) -> dict[str, FieldSpec]:
    """``{key: spec}`` of the custom attributes of ``entity`` (spec names are ``custom_attributes.<key>``).

    A ``task`` configuration with an object type applies to that type only; an
    abstract type (``TypedContext``, no object type) has the keys of every typed
    context. A key configured twice with different types becomes text.
    """
    kinds = (entity_kind,) if isinstance(entity_kind, str) else tuple(entity_kind or ())
    out: dict[str, FieldSpec] = {}
    for config in configs:
        if config.entity_type not in kinds:
            continue
        if object_type_id is not None and config.object_type_id not in (None, object_type_id):
            continue
        name = f"{CUSTOM}.{config.key}"
        spec = FieldSpec(name, config.kind, f"custom attribute ({config.type_name})", config.label, entity,
                         extra={"custom_key": config.key})
        seen = out.get(config.key)
        if seen is not None and seen.kind is not spec.kind:
            spec = FieldSpec(name, FieldKind.TEXT, "custom attribute (several types)", config.label, entity,
                             extra={"custom_key": config.key})
        out[config.key] = spec
    return out
