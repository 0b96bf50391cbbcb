"""Encoding query results the way an ftrack server does.

Each entity is a dict with ``__entity_type__`` (always the *concrete* type, e.g.
``Shot`` for a ``TypedContext`` query), its primary key, the schema's system
projections and the projected attributes; nested projections nest dicts
(references) and lists (collections); a null reference is ``null``;
date-times are ``{"__type__": "datetime", "value": "<naive UTC ISO 8601>"}``.

With ``references_once`` (the default, and what a real server does) an entity is
encoded fully only once per reply, carrying every attribute asked of it anywhere
in the reply; everywhere else it is ``{"__entity_type__": T, <primary key>}``.
The full copy goes to the *first* occurrence in the order ``ftrack_api`` merges a
reply (records in order; inside an entity its references and collections in
the schema's property order, depth first), because ``ftrack_api`` ignores a full
copy that comes after a reference to the same entity.

>>> from trackframes.sandbox.ftrack.schemas import standard_schemas, standard_relations
>>> from trackframes.sandbox.ftrack.store import Store
>>> store = Store(standard_schemas(), {
...     "Status": [{"id": "st1", "name": "In progress"}],
...     "Task": [{"id": "t1", "name": "anim", "status_id": "st1", "context_type": "task"},
...              {"id": "t2", "name": "comp", "status_id": "st1", "context_type": "task"}],
... }, standard_relations())
>>> tree = projection_tree(store, "Task", ["name", "status.name"])
>>> for row in encode_records(store, store.records("Task"), tree):
...     print(row)
{'__entity_type__': 'Task', 'id': 't1', 'project_id': None, 'context_type': 'task', 'name': 'anim', 'status': {'__entity_type__': 'Status', 'id': 'st1', 'name': 'In progress'}}
{'__entity_type__': 'Task', 'id': 't2', 'project_id': None, 'context_type': 'task', 'name': 'comp', 'status': {'__entity_type__': 'Status', 'id': 'st1'}}
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable

from .errors import ValidationError
from .store import Record, Store
from .values import format_datetime

__all__ = ["projection_tree", "encode_records", "encode_value", "entity_reference"]

Tree = dict[str, "Tree"]
_PLAIN = (str, int, float, bool)


def projection_tree(store: Store, entity_type: str, paths: Iterable[str]) -> Tree:
    """Dotted projections as a nested dict, checked against the schemas.

    A key/value collection (custom attributes, metadata) always brings its
    members' key and value attributes along.

    >>> from trackframes.sandbox.ftrack.schemas import standard_schemas, standard_relations
    >>> projection_tree(Store(standard_schemas(), {}, standard_relations()), "Task", ["name", "parent.name", "parent.id"])
    {'name': {}, 'parent': {'name': {}, 'id': {}}}
    """
    tree: Tree = {}
    for dotted in paths:
        node = tree
        current = entity_type
        parts = dotted.split(".")
        for i, part in enumerate(parts):
            prop = store.prop(current, part)
            if prop.restricted:
                raise ValidationError(f"{current}.{part} cannot be projected (restricted)")
            if not prop.is_relation and i < len(parts) - 1:
                raise ValidationError(f"{dotted}: {current}.{part} is a {prop.type or 'scalar'} attribute; "
                                      "only references and collections can be followed with a dot")
            node = node.setdefault(part, {})
            if prop.kind == "mapped":
                for attr in _key_value_attributes(store, current, part):
                    node.setdefault(attr, {})
            if prop.is_relation:
                current = str(prop.target)
    return tree


def _key_value_attributes(store: Store, owner: str, attr: str) -> list[str]:
    fragment = store.schema(owner)["properties"][attr]
    pairs = fragment.get("key_value_attributes") or {"key": "key", "value": "value"}
    target = store.properties(str(store.prop(owner, attr).target))
    return [name for name in (pairs.get("key"), pairs.get("value")) if name in target]


def encode_value(value: Any) -> Any:
    """A stored scalar as JSON data (date-times as the ``__type__`` form, at any depth)."""
    if isinstance(value, datetime):
        return {"__type__": "datetime", "value": format_datetime(value)}
    if isinstance(value, date):
        return {"__type__": "date", "value": value.isoformat()}
    if isinstance(value, dict):
        return {k: encode_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    return value


def entity_reference(store: Store, record: Record) -> dict[str, Any]:
    """``{"__entity_type__": T, <primary key attributes>}``."""
    out: dict[str, Any] = {"__entity_type__": record.type}
    out.update(zip(store.primary_key(record.type), record.key))
    return out


def _merge(into: Tree, tree: Tree) -> bool:
    changed = False
    for attr, sub in tree.items():
        if attr not in into:
            into[attr] = {}
            changed = True
        changed = _merge(into[attr], sub) or changed
    return changed


def _union_trees(store: Store, records: list[Record], tree: Tree) -> dict[tuple[str, tuple[Any, ...]], Tree]:
    """Every attribute asked of each entity anywhere in the reply."""
    wanted: dict[tuple[str, tuple[Any, ...]], Tree] = {}
    todo: list[tuple[Record, Tree]] = [(r, tree) for r in records]
    while todo:
        record, sub = todo.pop()
        ident = (record.type, record.key)
        seen = ident in wanted
        current = wanted.setdefault(ident, {})
        if not _merge(current, sub) and seen:
            continue
        props = store.properties(record.type)
        for attr, child_tree in sub.items():
            if props[attr].is_relation:
                found = store.follow(record, attr)
                for child in (found if isinstance(found, list) else [found]):
                    if child is not None:
                        todo.append((child, child_tree))
    return wanted


def encode_records(store: Store, records: Iterable[Record], tree: Tree, *,
                   references_once: bool = True) -> list[dict[str, Any]]:
    """``records`` encoded with projection ``tree`` (see the module doc)."""
    rows = list(records)
    wanted = _union_trees(store, rows, tree) if references_once else None
    emitted: set[tuple[str, tuple[Any, ...]]] = set()

    def encode(record: Record, here: Tree) -> dict[str, Any]:
        ident = (record.type, record.key)
        if wanted is not None:
            if ident in emitted:
                return entity_reference(store, record)
            emitted.add(ident)
            here = wanted[ident]
        out = entity_reference(store, record)
        for attr in store.system_projections(record.type):
            out.setdefault(attr, encode_value(record.data.get(attr)))
        props = store.properties(record.type)
        data = record.data
        for attr in here:
            if not props[attr].is_relation:
                value = data.get(attr)
                out[attr] = value if value is None or type(value) in _PLAIN else encode_value(value)
        relations = [attr for attr in here if props[attr].is_relation]
        if len(relations) > 1:  # in the client's merge order: the schema's property order
            position = store.property_positions(record.type)
            relations.sort(key=position.__getitem__)
        for attr in relations:
            found = store.follow(record, attr)
            if props[attr].is_many:
                out[attr] = [encode(child, here[attr]) for child in found]
            else:
                out[attr] = None if found is None else encode(found, here[attr])
        return out

    return [encode(r, tree) for r in rows]
