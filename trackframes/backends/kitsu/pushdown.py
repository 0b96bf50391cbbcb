"""Which filter conditions Zou can answer exactly, and the query parameters that send them.

Zou's list routes take ``<column>=<value>`` (equality after casting the text
to the column's type), a JSON list for ``IN``, and ``<relation>=<id>`` for "has
this record in the list" (``assignees=<person>``). Everything else (ranges,
negations, ``or``, nulls, text matching) is left to the local engine
(:mod:`trackframes.engine`). A condition is pushed only when the server's
answer is exactly the engine's:

* ids and other UUID columns, links to one entity type, integers, floats,
  booleans, dates and choice columns: ``is`` and ``in`` (choices matched without
  case, as the engine does, then sent as the server spells them);
* a list of links: ``is``/``contains`` one record.

Never pushed: text (Zou compares case-sensitively, the engine does not), ``name``
(Zou matches it with ``ILIKE``: wildcards and case), date-times (Zou keeps
microseconds, frames show seconds), Task's day-typed ``start_date``/``due_date``,
custom fields, dotted paths, ``None`` (Zou cannot filter on null), and a link to
several types (``entity``) since its type is not in the row. Some of these still
*narrow* the request (:func:`narrowing`): the server returns a superset and the
engine applies the condition exactly, as for every residual condition.

Zou silently ignores a parameter that is not a column, so only the columns of
:mod:`.models` are ever sent. What is pushed but cannot be a parameter (an
``or`` of pushed conditions, a second condition on one column) is checked on
each raw record by :func:`record_matches`, still before any typing.

>>> from trackframes.query import parse_filters
>>> from trackframes.backends.kitsu.schema import model_specs
>>> specs = model_specs("Task")
>>> uid = "0b6b5e53-3a6a-4c1f-9a1e-4b8f0c8f2c11"
>>> tree = parse_filters([["task_type", "is", {"type": "TaskType", "id": uid}], ["priority", "in", [1, 2]],
...                       ["priority", "is", 2], ["name", "is", "main"]])
>>> [c.path for c in tree.items if can_push(c, specs[c.path])]
['task_type', 'priority', 'priority']
>>> native = compile_filters(Group("and", tree.items[:3]), specs)
>>> native.params, native.local
({'task_type_id': '0b6b5e53-3a6a-4c1f-9a1e-4b8f0c8f2c11', 'priority': '[1,2]'}, Group('and', (Condition('priority', 'is', 2),)))
>>> narrowing(Group("and", tree.items[3:]), specs)
{'name': 'main'}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping

import orjson

from ...query.filters import Condition, Group, Node
from ...schema import FieldKind, FieldSpec
from .schema import targets_of

__all__ = ["Native", "can_push", "compile_filters", "record_matches", "narrowing", "is_uuid", "param_value"]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9 .,:;!?'()+=#@&/-]*$")  # ASCII without LIKE wildcards or escapes
_SCALAR_KINDS = (FieldKind.INTEGER, FieldKind.FLOAT, FieldKind.BOOLEAN, FieldKind.DATE, FieldKind.CATEGORY)


def is_uuid(value: Any) -> bool:
    """Whether ``value`` is text Zou reads as a UUID."""
    return isinstance(value, str) and bool(_UUID.match(value))


@dataclass
class Native:
    """A filter tree compiled for Zou: ``params`` to send, and ``local``, what Zou cannot be sent but
    the reader applies exactly to each record as it arrives (``or`` groups, a second condition on one
    column); ``lists`` are the ``in`` parameters (they may be sent in parts); ``tree`` is what was
    compiled."""

    params: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[Any]] = field(default_factory=dict)
    local: Group = field(default_factory=lambda: Group("and", ()))
    tree: Group = field(default_factory=lambda: Group("and", ()))

    @property
    def empty(self) -> bool:
        """Whether nothing was asked for beyond the entity itself."""
        return not self.params and not self.local.items


def _wire(spec: FieldSpec) -> str | None:
    if spec.name == "id":
        return "id"
    if "." in spec.name or spec.extra.get("custom") is not None:
        return None
    return spec.extra.get("wire")


def param_value(spec: FieldSpec, value: Any) -> Any:
    """The value Zou compares exactly with ``spec``'s column, or ``None`` when there is none."""
    kind = spec.kind
    if spec.name == "id" or (kind is FieldKind.TEXT and spec.data_type == "UUID"):
        return value.lower() if is_uuid(value) else None
    if kind is FieldKind.ENTITY:
        targets = targets_of(spec)
        if (len(targets) == 1 and isinstance(value, Mapping) and value.get("type") == targets[0]
                and is_uuid(value.get("id"))):
            return str(value["id"]).lower()
        return None
    if kind is FieldKind.INTEGER:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if kind is FieldKind.FLOAT:
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if kind is FieldKind.BOOLEAN:
        return value if isinstance(value, bool) else None
    if kind is FieldKind.DATE and spec.data_type == "Date":
        if isinstance(value, datetime):
            return None
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value):
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                return None
        return None
    if kind is FieldKind.CATEGORY and spec.valid_values and isinstance(value, str):
        matches = [v for v in spec.valid_values if v.lower() == value.lower()]
        return matches[0] if len(matches) == 1 else None
    return None


def can_push(cond: Condition, spec: FieldSpec) -> bool:
    """Whether Zou answers ``cond`` on ``spec`` exactly as the engine would (see the module docstring)."""
    wire = _wire(spec)
    if wire is None or wire == "name" or (spec.extra.get("derived") and wire != "project_id"):
        return False
    if spec.kind is FieldKind.MULTI_ENTITY:
        if cond.op not in ("is", "contains"):
            return False
        targets = targets_of(spec)
        value = cond.value
        return (len(targets) == 1 and isinstance(value, Mapping) and value.get("type") == targets[0]
                and is_uuid(value.get("id")))
    if spec.kind not in (*_SCALAR_KINDS, FieldKind.ENTITY, FieldKind.TEXT):
        return False
    if spec.kind is FieldKind.DATE and spec.data_type != "Date":
        return False
    if cond.op == "is":
        return param_value(spec, cond.value) is not None
    if cond.op == "in":
        values = cond.value
        return (isinstance(values, list) and bool(values) and all(param_value(spec, v) is not None for v in values)
                and spec.kind is not FieldKind.BOOLEAN)
    return False


def _encode(values: list[Any]) -> str:
    return orjson.dumps(values).decode()


def compile_filters(tree: Group, specs: Mapping[str, FieldSpec]) -> Native:
    """Compile a tree whose every condition :func:`can_push`: parameters, and the local rest.

    The top-level "and" conditions become parameters, one per column (Zou
    reads one value per parameter); anything else (a second condition on a
    column, an ``or`` group) is kept in ``local`` and checked on each record
    by :func:`record_matches`, which compares the raw values exactly as the
    server would.
    """
    out = Native(tree=tree)
    local: list[Node] = []
    for item in tree.items if tree.op == "and" else (tree,):
        if isinstance(item, Group) and item.op == "and":
            inner = compile_filters(item, specs)
            for key, value in inner.params.items():
                if key in out.params:
                    local.append(_as_condition(key, value, item, specs))
                else:
                    out.params[key] = value
            out.lists.update({k: v for k, v in inner.lists.items() if k not in out.lists})
            local.extend(inner.local.items)
            continue
        if isinstance(item, Group):
            local.append(item)
            continue
        spec = specs[item.path]
        wire = _wire(spec)
        if wire is None or wire in out.params:
            local.append(item)
            continue
        if spec.kind is FieldKind.MULTI_ENTITY:
            out.params[wire] = str(item.value["id"]).lower()
        elif item.op == "in":
            values = list(dict.fromkeys(param_value(spec, v) for v in item.value))
            out.lists[wire] = values
            out.params[wire] = _encode(values)
        else:
            out.params[wire] = _text(param_value(spec, item.value))
    out.local = Group("and", tuple(local))
    return out


def _as_condition(key: str, value: str, group: Group, specs: Mapping[str, FieldSpec]) -> Node:
    """The condition of ``group`` that produced parameter ``key`` (kept local when the key was taken)."""
    for item in group.items:
        if isinstance(item, Condition) and _wire(specs[item.path]) == key:
            return item
    return group


def record_matches(record: Mapping[str, Any], node: Node, specs: Mapping[str, FieldSpec]) -> bool:
    """Whether a raw Zou record matches ``node`` (conditions that :func:`can_push`), as the server would."""
    if isinstance(node, Group):
        if not node.items:
            return True
        hits = (record_matches(record, item, specs) for item in node.items)
        return any(hits) if node.op == "or" else all(hits)
    spec = specs[node.path]
    raw = record.get(_wire(spec) or node.path)
    if spec.kind is FieldKind.MULTI_ENTITY:
        wanted = str(node.value["id"]).lower()
        return isinstance(raw, list) and any(isinstance(v, str) and v.lower() == wanted for v in raw)
    value = _raw_value(spec, raw)
    if value is None:
        return False
    if node.op == "in":
        return value in {param_value(spec, v) for v in node.value}
    return value == param_value(spec, node.value)


def _raw_value(spec: FieldSpec, raw: Any) -> Any:
    """A raw record value in the form :func:`param_value` gives the filter's value."""
    if raw is None:
        return None
    kind = spec.kind
    if spec.name == "id" or kind in (FieldKind.ENTITY, FieldKind.TEXT):
        return raw.lower() if isinstance(raw, str) else None
    if kind is FieldKind.FLOAT:
        return float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None
    if kind is FieldKind.DATE:
        return raw[:10] if isinstance(raw, str) else None
    return raw


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)


def narrowing(residual: Group, specs: Mapping[str, FieldSpec], taken: Mapping[str, Any] = ()) -> dict[str, str]:
    """Parameters that return a superset of what the residual's top-level conditions match.

    ``name is <text>`` becomes Zou's case-insensitive ``name`` match when the
    text has no wildcard or escape character, and a link to several types
    (``entity is {...}``) its foreign key. The engine still applies them.
    """
    out: dict[str, str] = {}
    for item in residual.items:
        if not isinstance(item, Condition) or item.op != "is":
            continue
        spec = specs.get(item.path)
        if spec is None or "." in item.path:
            continue
        wire = _wire(spec)
        if wire is None or wire in out or wire in taken:
            continue
        if wire == "name" and isinstance(item.value, str) and item.value and _PLAIN_NAME.match(item.value):
            out[wire] = item.value
        elif (spec.kind is FieldKind.ENTITY and isinstance(item.value, Mapping) and is_uuid(item.value.get("id"))
              and item.value.get("type") in spec.valid_types):
            out[wire] = str(item.value["id"]).lower()
    return out
