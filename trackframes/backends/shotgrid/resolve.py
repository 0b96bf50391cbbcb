"""Checking entity and field names against the site's schema, with suggestions.

Dotted linked fields (``entity.Shot.sg_sequence``) are resolved hop by hop:
the link field must be an entity or multi-entity field, the type must be one
it can point at, and the last field must exist on that type. The result is the
:class:`FieldSpec` of the field reached, renamed to the dotted name, so the
column is typed by what it holds.

A hop through a multi-entity field (``task_assignees.HumanUser.login``) is only
valid in filters, where it matches when any linked record matches; the API
cannot return or sort by it, so in ``fields``, ``order`` and summaries it is
refused before sending.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

from ...exceptions import SchemaError
from ...schema import FieldKind, FieldSpec
from ...suggest import hint, suggest

__all__ = ["suggest", "hint", "check_entity", "resolve_field"]

FieldsOf = Callable[[str], Mapping[str, FieldSpec]]


def check_entity(entity: str, entities: Iterable[str]) -> str:
    """Return ``entity`` if the site has it, else raise SchemaError with the closest names."""
    entities = list(entities)
    if entity in entities:
        return entity
    for known in entities:  # forgive case and snake_case slips, but say what was meant
        if known.lower() == str(entity).replace("_", "").lower():
            raise SchemaError(f"Unknown entity type {entity!r}. Entity types are CamelCase: use {known!r}.",
                              name=str(entity), suggestions=[known])
    hints = suggest(str(entity), entities)
    raise SchemaError(f"Unknown entity type {entity!r}.{hint(hints)}", name=str(entity), suggestions=hints)


def resolve_field(entity: str, name: str, fields_of: FieldsOf, entities: Iterable[str], *,
                  allow_multi: bool = False) -> FieldSpec:
    """The FieldSpec a plain or dotted field name reaches from ``entity``.

    ``allow_multi`` lets the path go through multi-entity fields (filters only).
    """
    if not isinstance(name, str) or not name:
        raise SchemaError(f"Field names must be non-empty text, not {name!r}.", name=str(name))
    entities = set(entities)
    parts = name.split(".")
    if len(parts) % 2 == 0:
        raise SchemaError(
            f"Field {name!r} on {entity} is not a valid linked field: write it as "
            "'<link field>.<EntityType>.<field>' (for example 'entity.Shot.sg_sequence').",
            name=name,
        )
    current = entity
    for i in range(0, len(parts) - 1, 2):
        link, target = parts[i], parts[i + 1]
        spec = _field(current, link, fields_of)
        if spec.kind not in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY):
            raise SchemaError(
                f"{current}.{link} is a {spec.data_type} field, so {name!r} cannot follow it; "
                "only entity and multi-entity fields can be followed.",
                name=name,
            )
        if spec.kind is FieldKind.MULTI_ENTITY and not allow_multi:
            raise SchemaError(
                f"{name!r} goes through {current}.{link}, a multi-entity field: such paths work in filters "
                "only; fields, order, summaries and groupings need single-entity paths. "
                f"Fetch {link!r} instead, then "
                f"df.tf.explode({link!r}).tf.expand({link!r}, [{parts[2]!r}]).",
                name=name, suggestions=[link],
            )
        allowed = spec.valid_types or tuple(sorted(entities))
        if target not in allowed:
            hints = suggest(target, allowed)
            raise SchemaError(
                f"{current}.{link} cannot link to {target!r} (in {name!r}); it links to "
                f"{', '.join(allowed)}.{hint(hints)}",
                name=name, suggestions=hints,
            )
        if target not in entities:
            check_entity(target, entities)
        current = target
    spec = _field(current, parts[-1], fields_of, dotted=name if len(parts) > 1 else None)
    return spec if len(parts) == 1 else spec.renamed(name)


def _field(entity: str, name: str, fields_of: FieldsOf, dotted: str | None = None) -> FieldSpec:
    fields = fields_of(entity)
    if name in fields:
        return fields[name]
    by_display = [f.name for f in fields.values() if f.display_name.lower() == name.lower()]
    hints = by_display or suggest(name, fields)
    where = f" (in {dotted!r})" if dotted else ""
    raise SchemaError(f"Unknown field {name!r} on {entity}{where}.{hint(hints)}", name=name, suggestions=hints)
