"""Checking a filter tree against Kitsu's schema before anything is sent.

Every condition of a Kitsu filter may run on the fetched rows (:mod:`.pushdown`),
so the relations a field accepts are those the local engine evaluates for its
kind (:data:`RELATIONS`; ``tests/kitsu/test_check.py`` keeps the two tables equal).
Each value is checked and made what the condition compares with (numpy and
pandas values become Python ones, a frame's rows become links with text ids);
nothing is sent that would silently change the meaning of a filter: text for a
number, ``None`` with an ordering relation, a link to a type the field cannot
hold, a value a choice field does not have.

>>> from trackframes.backends.kitsu.schema import model_specs
>>> specs = model_specs("Task")
>>> check_condition(Condition("priority", "in", [1, 2.0]), specs["priority"])
Condition('priority', 'in', [1, 2])
>>> check_condition(Condition("priority", "contains", 3), specs["priority"])
Traceback (most recent call last):
...
trackframes.exceptions.SchemaError: Relation 'contains' does not apply to 'priority' (Integer). Valid relations: is, is_not, less_than, greater_than, between, not_between, in, not_in.
"""

from __future__ import annotations

from typing import Any

from ... import values as V
from ...exceptions import SchemaError
from ...query.filters import Condition
from ...query.relations import RELATIONS_BY_KIND
from ...schema import FieldKind, FieldSpec
from ...suggest import hint, suggest

__all__ = ["RELATIONS", "check_condition"]

#: The relations each kind of field takes (those the local engine evaluates).
RELATIONS = RELATIONS_BY_KIND
_UNITS = ("HOUR", "DAY", "WEEK", "MONTH", "YEAR")
_ORDERING = {"less_than", "greater_than"}
_LINKS = (FieldKind.ENTITY, FieldKind.MULTI_ENTITY)


def check_condition(cond: Condition, spec: FieldSpec) -> Condition:
    """``cond`` with its value checked and made plain (``SchemaError`` naming the field otherwise)."""
    field, op = cond.path, cond.op
    valid = RELATIONS.get(spec.kind, ())
    if not valid:
        raise SchemaError(f"Cannot filter on {field!r}: {spec.data_type} fields cannot be filtered on.", name=field)
    if op not in valid:
        hints = suggest(op, valid)
        raise SchemaError(f"Relation {op!r} does not apply to {field!r} ({spec.data_type}).{hint(hints)} "
                          f"Valid relations: {', '.join(valid)}.", name=op, suggestions=hints or list(valid))
    where = f"Filter [{field!r}, {op!r}, {V.show(cond.value)}]"
    return Condition(field, op, _value(op, cond.value, spec, where))


def _value(op: str, value: Any, spec: FieldSpec, where: str) -> Any:
    if op in ("in", "not_in"):
        return _members(op, value, spec, where)
    if op in ("between", "not_between"):
        pair = V.items(value)
        if pair is None or len(pair[0]) != 2:
            raise SchemaError(f"{where}: {op!r} takes [low, high] (None for an open end), not {V.show(value)}.",
                              name=spec.name)
        return [_scalar(v, spec, where) for v in pair[0]]
    if op in ("in_last", "not_in_last", "in_next", "not_in_next"):
        pair = V.items(value)
        if pair is not None and len(pair[0]) == 2:
            count, unit = (V.plain(v) for v in pair[0])
            if isinstance(count, int) and not isinstance(count, bool) and isinstance(unit, str) \
                    and unit.upper() in _UNITS:
                return [count, unit.upper()]
        raise SchemaError(f"{where}: {op!r} takes [count, unit] with a unit among {', '.join(_UNITS)}, such as "
                          f"[2, 'WEEK'].", name=spec.name)
    if op.startswith("in_calendar_"):
        offset = V.plain(value)
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise SchemaError(f"{where}: {op!r} takes a whole-number offset (0 = current, -1 = previous).",
                              name=spec.name)
        return offset
    if op in ("type_is", "type_is_not"):
        kind = V.plain(value)
        if kind is not None and (not isinstance(kind, str) or kind not in spec.valid_types):
            hints = suggest(str(kind), spec.valid_types)
            raise SchemaError(f"{where}: {spec.name!r} links to {', '.join(spec.valid_types)}, not "
                              f"{V.show(kind)}.{hint(hints)}", name=str(kind), suggestions=hints or list(spec.valid_types))
        return kind
    if op.startswith("name_") or (op in ("contains", "not_contains", "starts_with", "ends_with")
                                  and spec.kind not in _LINKS):
        text = V.plain(value)
        if not isinstance(text, str):
            raise SchemaError(f"{where}: {op!r} takes text, not {V.show(value)}.", name=spec.name)
        return text
    if V.items(value) is not None and spec.kind is not FieldKind.TAG_LIST:
        raise SchemaError(f"{where}: {op!r} takes one value, not a list; to match any of several values write "
                          f"[{spec.name!r}, 'in', {V.show(value)}].", name=spec.name, suggestions=["in"])
    out = _scalar(value, spec, where)
    if out is None and op in _ORDERING:
        raise SchemaError(f"{where}: {op!r} cannot compare with None (an empty value); to match records where "
                          f"{spec.name!r} is empty write [{spec.name!r}, 'is', None].", name=spec.name)
    return out


def _members(op: str, value: Any, spec: FieldSpec, where: str) -> list[Any]:
    if spec.kind in _LINKS:
        links = V.links_from(spec, value, where=where, id_kind=FieldKind.TEXT)
        if links is not None:
            return [_check_type(v, spec, where) for v in links]
    elements = V.items(value)
    if elements is None:
        raise SchemaError(f"{where}: {op!r} takes a list of values (a list, a numpy array or a pandas Series), "
                          f"not {V.show(value)}.", name=spec.name)
    values, from_pandas = elements
    return [None if from_pandas and V.missing_in_pandas(v) else _scalar(v, spec, where) for v in values]


def _scalar(value: Any, spec: FieldSpec, where: str) -> Any:
    """One value of ``spec``'s kind (``None`` stays ``None``)."""
    kind = spec.kind
    plain = V.plain(value)
    if V.is_missing(plain):
        return None
    if kind in (FieldKind.TEXT, FieldKind.TAG_LIST):
        if not isinstance(plain, str):
            raise SchemaError(f"{where}: {V.show(value)} is not text, but {spec.name!r} is a {spec.data_type} "
                              f"field; write {str(plain)!r}.", name=spec.name)
        return plain
    if kind is FieldKind.CATEGORY:
        if not isinstance(plain, str):
            raise SchemaError(f"{where}: {V.show(value)} is not text, but {spec.name!r} is a choice field.",
                              name=spec.name)
        if spec.data_type == "Choice" and plain.lower() not in {v.lower() for v in spec.valid_values}:
            hints = suggest(plain, spec.valid_values)
            raise SchemaError(f"{where}: {plain!r} is not a value of {spec.name!r}.{hint(hints)} Values: "
                              f"{', '.join(spec.valid_values)}.", name=plain, suggestions=hints or list(spec.valid_values))
        return plain
    if kind in _LINKS:
        return _check_type(V.link(spec, value, where=where, id_kind=FieldKind.TEXT), spec, where)
    return V.scalar(spec, value, where=where)


def _check_type(link: Any, spec: FieldSpec, where: str) -> Any:
    kind = link.get("type") if isinstance(link, dict) else None
    if kind is not None and spec.valid_types and kind not in spec.valid_types:
        hints = suggest(kind, spec.valid_types)
        raise SchemaError(f"{where}: {spec.name!r} links to {', '.join(spec.valid_types)}, not {kind!r}."
                          f"{hint(hints)}", name=kind, suggestions=hints or list(spec.valid_types))
    return link
