"""ShotGrid filters: the spec's operator table, checking a filter tree before sending, and its hash form.

The site parses the public filter forms once (:func:`trackframes.query.parse_filters`:
NaN, infinities, numpy values and nesting are handled there). :func:`check_filters`
validates every condition of the tree against the site's schema, turns each value
into what the API takes (see :mod:`trackframes.values`) and returns the checked
tree; :func:`compile_filters` gives its hash form, which is what ``_search`` and
``_summarize`` send. Nothing that would silently change the meaning of a filter
is sent: ``None`` with an ordering relation, text for a number, a link to a type
the field cannot hold, a status the field does not have.

>>> from trackframes.schema import FieldKind, FieldSpec
>>> fields = {"Shot": {"id": FieldSpec("id", FieldKind.INTEGER, "number"),
...                    "sg_cut_in": FieldSpec("sg_cut_in", FieldKind.INTEGER, "number")}}
>>> import numpy as np
>>> tree = check_filters("Shot", [["sg_cut_in", "greater_than", np.int64(1000)]], fields.get, fields)
>>> tree
Group('and', (Condition('sg_cut_in', 'greater_than', 1000),))
>>> compile_filters(tree)
{'logical_operator': 'and', 'conditions': [['sg_cut_in', 'greater_than', 1000]]}
>>> check_filters("Shot", [["sg_cut_in", "less_than", "1000"]], fields.get, fields)
Traceback (most recent call last):
...
trackframes.exceptions.SchemaError: Filter ['sg_cut_in', 'less_than', '1000'] on Shot: '1000' is text, but 'sg_cut_in' is a number field; write 1000 without quotes.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from ... import values as V
from ...exceptions import SchemaError
from ...query.filters import Condition, Group, Node, parse_filters
from ...schema import FieldKind, FieldSpec
from ...suggest import hint as _hint
from ...suggest import suggest
from .resolve import resolve_field

__all__ = ["VALID_OPERATORS", "ALL_OPERATORS", "operators", "check_filters", "compile_filters", "and_"]

_DATE_OPS = ("is", "is_not", "greater_than", "less_than", "in_last", "not_in_last", "in_next", "not_in_next",
             "in_calendar_day", "in_calendar_week", "in_calendar_month", "in_calendar_year", "between", "in",
             "not_in")

#: The spec's "Valid Operators By Data Type" table. An empty tuple means the
#: type cannot be filtered on. Types the table does not list are not checked.
VALID_OPERATORS: dict[str, tuple[str, ...]] = {
    "addressing": ("is", "is_not", "contains", "not_contains", "in", "type_is", "type_is_not", "name_contains",
                   "name_not_contains", "name_starts_with", "name_ends_with"),
    "checkbox": ("is", "is_not"),
    "currency": ("is", "is_not", "less_than", "greater_than", "between", "not_between", "in", "not_in"),
    "date": _DATE_OPS,
    "date_time": _DATE_OPS,
    "duration": ("is", "is_not", "greater_than", "less_than", "between", "in", "not_in"),
    "entity": ("is", "is_not", "type_is", "type_is_not", "name_contains", "name_not_contains", "name_is", "in",
               "not_in"),
    "float": ("is", "is_not", "greater_than", "less_than", "between", "in", "not_in"),
    "image": ("is", "is_not"),
    "list": ("is", "is_not", "in", "not_in"),
    "multi_entity": ("is", "is_not", "type_is", "type_is_not", "name_contains", "name_not_contains", "in",
                     "not_in"),
    "number": ("is", "is_not", "less_than", "greater_than", "between", "not_between", "in", "not_in"),
    "password": (),
    "percent": ("is", "is_not", "greater_than", "less_than", "between", "in", "not_in"),
    "serializable": (),
    "status_list": ("is", "is_not", "in", "not_in"),
    "summary": (),
    "text": ("is", "is_not", "contains", "not_contains", "starts_with", "ends_with", "in", "not_in"),
    "timecode": ("is", "is_not", "greater_than", "less_than", "between", "in", "not_in"),
    "url": (),
}

ALL_OPERATORS: tuple[str, ...] = tuple(sorted({op for ops in VALID_OPERATORS.values() for op in ops}
                                              | {"name_starts_with", "name_ends_with"}))


_LIST_OPS = {"in", "not_in"}
_PAIR_OPS = {"between", "not_between"}
_ORDERING = {"greater_than", "less_than"}
_TEXT_OPS = {"contains", "not_contains", "starts_with", "ends_with"}
_NAME_OPS = {"name_contains", "name_not_contains", "name_is", "name_starts_with", "name_ends_with"}
_TYPE_OPS = {"type_is", "type_is_not"}
_RELATIVE = {"in_last", "not_in_last", "in_next", "not_in_next"}
_TIME_UNITS = ("HOUR", "DAY", "WEEK", "MONTH", "YEAR")


def and_(*conditions: Any) -> dict[str, Any]:
    """Combine compiled filters (hash forms) and ``[field, relation, value]`` conditions with "and"."""
    return {"logical_operator": "and", "conditions": [c for c in conditions if c is not None]}


def operators(spec: FieldSpec) -> tuple[str, ...]:
    """The relations offered for a field: the spec's table for its data type (empty: it cannot be
    filtered on); ``is`` and ``is_not`` for a data type the table does not list.

    >>> operators(FieldSpec("due_date", FieldKind.DATE, "date"))[:4]
    ('is', 'is_not', 'greater_than', 'less_than')
    """
    return VALID_OPERATORS.get(spec.data_type, ("is", "is_not"))


def compile_filters(tree: Node) -> dict[str, Any]:
    """A checked tree as the API's hash form (``{"logical_operator", "conditions"}``), which is sent as is."""
    group = tree if isinstance(tree, Group) else Group("and", (tree,))
    return group.to_dict()


def check_filters(entity: str, filters: Any, fields_of: Callable[[str], Mapping[str, FieldSpec]],
                  entities: Iterable[str]) -> Group:
    """Validate every condition against the schema; return the tree with values ready to send.

    ``filters`` is any public form (parsed with :func:`trackframes.query.parse_filters`) or a tree.
    """
    tree = parse_filters(filters)
    return _walk(entity, tree, fields_of, list(entities))


def _walk(entity: str, node: Group, fields_of: Callable[[str], Mapping[str, FieldSpec]],
          entities: list[str]) -> Group:
    items: list[Node] = []
    for item in node.items:
        if isinstance(item, Group):
            items.append(_walk(entity, item, fields_of, entities))
        else:
            items.append(_check_condition(entity, item, fields_of, entities))
    return Group(node.op, tuple(items))


def _check_condition(entity: str, cond: Condition, fields_of: Callable[[str], Mapping[str, FieldSpec]],
                     entities: list[str]) -> Condition:
    field, relation, value = cond.path, cond.op, cond.value
    spec = resolve_field(entity, field, fields_of, entities, allow_multi=True)
    where = f"Filter [{field!r}, {relation!r}, {V.show(value)}] on {entity}"
    valid = VALID_OPERATORS.get(spec.data_type)
    if valid is None:  # a type the spec's table does not cover: check the operator's name, send safe values
        if relation not in ALL_OPERATORS:
            hints = suggest(relation, ALL_OPERATORS)
            raise SchemaError(f"Unknown operator {relation!r} in {V.show(cond.to_list())}." + _hint(hints),
                              name=relation,
                              suggestions=hints)
    elif not valid:
        raise SchemaError(f"Field {field!r} is a {spec.data_type} field, and {spec.data_type} fields cannot be "
                          "filtered on.", name=field)
    elif relation not in valid:
        hints = suggest(relation, valid)
        raise SchemaError(
            f"Operator {relation!r} is not valid for {field!r} ({spec.data_type}).{_hint(hints)} "
            f"Valid operators: {', '.join(valid)}.",
            name=relation, suggestions=hints or list(valid),
        )
    value = _value(field, relation, value, spec, where, entities, checked=valid is not None)
    if spec.valid_values and relation in ("is", "is_not", "in", "not_in"):
        _check_valid_values(field, value, spec, where)
    return Condition(field, relation, value)


def _value(field: str, relation: str, value: Any, spec: FieldSpec, where: str, entities: list[str], *,
           checked: bool) -> Any:
    """The value of one condition, shaped and typed for its relation and field."""
    if relation in _LIST_OPS:
        return _list(field, relation, value, spec, where)
    if relation in _PAIR_OPS:
        pair = V.items(value)
        if pair is None or len(pair[0]) != 2:
            raise SchemaError(f"{where}: {relation!r} takes [low, high], not {V.show(value)}.", name=field)
        return [_not_none(field, relation, V.scalar(spec, v, where=where), where) for v in pair[0]]
    if relation in _RELATIVE:
        return _relative(field, relation, value, spec, where)
    if relation.startswith("in_calendar_"):
        offset = V.plain(value)
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise SchemaError(f"{where}: {relation!r} takes a whole-number offset (0 = current, -1 = previous), "
                              f"not {V.show(value)}.", name=field)
        return V.scalar(_OFFSET, offset, where=where)
    if relation in _TYPE_OPS:
        return _entity_type(field, value, spec, where, entities)
    if relation in _NAME_OPS or (relation in _TEXT_OPS and spec.kind is not FieldKind.MULTI_ENTITY):
        text = V.plain(value)
        if not isinstance(text, str):
            raise SchemaError(f"{where}: {relation!r} takes text, not {V.show(value)}.", name=field)
        return text
    if spec.kind in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY) and _is_row(value):
        return V.link(spec, value, where=where)
    if V.items(value) is not None and checked:
        raise SchemaError(f"{where}: {relation!r} takes one value, not a list; to match any of several values "
                          f"write [{field!r}, 'in', {V.show(value)}].", name=field, suggestions=["in"])
    out = V.scalar(spec, value, where=where, relation=relation)
    if relation in _ORDERING or relation in _TEXT_OPS:
        _not_none(field, relation, out, where)
    if spec.data_type == "image" and out is not None:
        raise SchemaError(f"{where}: image fields can only be compared with None (has no thumbnail / has one).",
                          name=field)
    return out


_OFFSET = FieldSpec("offset", FieldKind.INTEGER, "number")


def _is_row(value: Any) -> bool:
    """A row of a frame (``df.iloc[0]``): a Series labelled by column names, with an ``id``."""
    import pandas as pd

    return isinstance(value, pd.Series) and "id" in value.index


def _not_none(field: str, relation: str, value: Any, where: str) -> Any:
    if value is None:
        raise SchemaError(f"{where}: {relation!r} cannot compare with None (an empty value); to match records "
                          f"where {field!r} is empty write [{field!r}, 'is', None].", name=field)
    return value


def _list(field: str, relation: str, value: Any, spec: FieldSpec, where: str) -> list[Any]:
    if spec.kind in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY):
        links = V.links_from(spec, value, where=where)
        if links is not None:
            return links
    else:
        value = _one_column(field, value, spec, where)
    elements = V.items(value)
    if elements is None:
        raise SchemaError(f"{where}: {relation!r} takes a list of values (a list, a numpy array or a pandas "
                          f"Series), not {V.show(value)}.", name=field)
    values, from_pandas = elements
    out = []
    for v in values:
        if from_pandas and V.missing_in_pandas(v):
            out.append(None)  # NaN/NA/NaT in a pandas or numpy container: pandas' missing value
        else:
            out.append(V.scalar(spec, v, where=where, relation=relation))
    return out


def _one_column(field: str, value: Any, spec: FieldSpec, where: str) -> Any:
    """A frame given as a list of values: its only column, or the column named like the field."""
    import pandas as pd

    if not isinstance(value, pd.DataFrame):
        return value
    names = [str(c) for c in value.columns]
    if len(names) == 1:
        return value.iloc[:, 0]
    for name in (field, field.rsplit(".", 1)[-1]):
        if name in names:
            return value[name]
    raise SchemaError(f"{where}: the frame given has several columns ({', '.join(names[:8])}) and none is "
                      f"{field!r}; pass one column, e.g. df[{names[0]!r}].", name=field)


def _relative(field: str, relation: str, value: Any, spec: FieldSpec, where: str) -> list[Any]:
    pair = V.items(value)
    if pair is not None and len(pair[0]) == 2:
        count, unit = (V.plain(v) for v in pair[0])
        if isinstance(count, int) and not isinstance(count, bool) and isinstance(unit, str) \
                and unit.upper() in _TIME_UNITS:
            return [V.scalar(_OFFSET, count, where=where), unit.upper()]
    raise SchemaError(f"{where}: {relation!r} takes [count, unit] with unit one of {', '.join(_TIME_UNITS)}, "
                      f"for example [{field!r}, {relation!r}, [2, 'WEEK']], not {V.show(value)}.", name=field)


def _entity_type(field: str, value: Any, spec: FieldSpec, where: str, entities: list[str]) -> str | None:
    kind = V.plain(value)
    if V.is_missing(kind):
        return None
    choices = list(spec.valid_types) or entities
    if not isinstance(kind, str) or kind not in choices:
        hints = suggest(str(kind), choices)
        raise SchemaError(f"{where}: {V.show(kind)} is not an entity type {field!r} can link to; it links to "
                          f"{', '.join(choices)}.{_hint(hints)}", name=str(kind), suggestions=hints or choices)
    return kind


def _check_valid_values(field: str, value: Any, spec: FieldSpec, where: str) -> None:
    values = value if isinstance(value, list) else [value]
    bad = [v for v in values if v is not None and str(v) not in spec.valid_values]
    if bad:
        hints = suggest(str(bad[0]), spec.valid_values)
        raise SchemaError(
            f"{where}: {bad[0]!r} is not a valid value of {field!r}.{_hint(hints)} "
            f"Valid values: {', '.join(spec.valid_values)}.",
            name=str(bad[0]), suggestions=hints or list(spec.valid_values),
        )
