"""ShotGrid filters: the spec's operator table, checking before sending, and normal form.

Filters come as a list of ``[field, relation, value(s)]`` conditions (implicitly
"and") or as ``{"logical_operator": "and"|"or", "conditions": [...]}``, nested.
:func:`check_filters` validates every condition against the site's schema and
returns the hash form, which is what the client sends.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from ...exceptions import SchemaError
from ...schema import FieldSpec
from .resolve import hint as _hint
from .resolve import resolve_field, suggest

__all__ = ["VALID_OPERATORS", "ALL_OPERATORS", "normalize", "check_filters", "and_"]

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
_TIME_UNITS = ("HOUR", "DAY", "WEEK", "MONTH", "YEAR")


def and_(*conditions: Any) -> dict[str, Any]:
    """Combine conditions or filter hashes with "and"."""
    return {"logical_operator": "and", "conditions": [c for c in conditions if c is not None]}


def normalize(filters: Any) -> dict[str, Any]:
    """Either filter form → the hash form (no schema checks; see :func:`check_filters`)."""
    if filters is None:
        return and_()
    if isinstance(filters, Mapping):
        op = filters.get("logical_operator", "and")
        if op not in ("and", "or"):
            raise SchemaError(f"logical_operator must be 'and' or 'or', not {op!r}.", name=str(op),
                              suggestions=["and", "or"])
        conditions = filters.get("conditions")
        if not isinstance(conditions, (list, tuple)):
            raise SchemaError("A filter group needs a 'conditions' list.", name="conditions")
        return {"logical_operator": op, "conditions": [_normalize_item(c) for c in conditions]}
    if isinstance(filters, (list, tuple)):
        if len(filters) in (3, 4) and isinstance(filters[0], str) and isinstance(filters[1], str):
            raise SchemaError(
                f"Filters must be a list of conditions: write [{list(filters)!r}], not {list(filters)!r}.",
                name=str(filters[0]),
            )
        return and_(*[_normalize_item(c) for c in filters])
    raise SchemaError(f"Filters must be a list of [field, relation, value] conditions or a filter hash, "
                      f"not {type(filters).__name__}.")


def _normalize_item(item: Any) -> Any:
    if isinstance(item, Mapping):
        return normalize(item)
    if isinstance(item, (list, tuple)) and len(item) >= 3 and isinstance(item[0], str) and isinstance(item[1], str):
        field, relation, *values = item
        if relation in ("in_last", "not_in_last", "in_next", "not_in_next") and len(values) == 2:
            return [field, relation, list(values)]  # ['start_date', 'in_last', 1, 'DAY'] form
        if len(values) != 1:
            if relation in _LIST_OPS:
                return [field, relation, list(values)]
            raise SchemaError(f"Condition {list(item)!r} has too many values.", name=field)
        value = values[0]
        return [field, relation, list(value) if isinstance(value, tuple) else value]
    raise SchemaError(f"Not a filter condition: {item!r}. Conditions look like ['sg_status_list', 'is', 'ip'].")


def check_filters(entity: str, filters: Any, fields_of: Callable[[str], Mapping[str, FieldSpec]],
                  entities: Iterable[str]) -> dict[str, Any]:
    """Validate every condition against the schema; return the hash form."""
    normal = normalize(filters)
    entities = list(entities)
    _walk(entity, normal, fields_of, entities)
    return normal


def _walk(entity: str, node: Mapping[str, Any], fields_of: Callable[[str], Mapping[str, FieldSpec]],
          entities: list[str]) -> None:
    for item in node["conditions"]:
        if isinstance(item, Mapping):
            _walk(entity, item, fields_of, entities)
        else:
            _check_condition(entity, item, fields_of, entities)


def _check_condition(entity: str, cond: list[Any], fields_of: Callable[[str], Mapping[str, FieldSpec]],
                     entities: list[str]) -> None:
    field, relation, value = cond
    spec = resolve_field(entity, field, fields_of, entities)
    valid = VALID_OPERATORS.get(spec.data_type)
    if valid is None:  # a type the spec's table does not cover: let the server judge
        if relation not in ALL_OPERATORS:
            hints = suggest(relation, ALL_OPERATORS)
            raise SchemaError(f"Unknown operator {relation!r} in {cond!r}." + _hint(hints), name=relation,
                              suggestions=hints)
        return
    if not valid:
        raise SchemaError(f"Field {field!r} is a {spec.data_type} field, and {spec.data_type} fields cannot be "
                          "filtered on.", name=field)
    if relation not in valid:
        hints = suggest(relation, valid)
        raise SchemaError(
            f"Operator {relation!r} is not valid for {field!r} ({spec.data_type}).{_hint(hints)} "
            f"Valid operators: {', '.join(valid)}.",
            name=relation, suggestions=hints or list(valid),
        )
    _check_value(field, relation, value, spec)


def _check_value(field: str, relation: str, value: Any, spec: FieldSpec) -> None:
    if relation in _LIST_OPS and not isinstance(value, list):
        raise SchemaError(f"{relation!r} on {field!r} takes a list of values, not {value!r}.", name=field)
    if relation in _PAIR_OPS and not (isinstance(value, list) and len(value) == 2):
        raise SchemaError(f"{relation!r} on {field!r} takes [low, high], not {value!r}.", name=field)
    if relation in ("in_last", "not_in_last", "in_next", "not_in_next"):
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)
                and str(value[1]).upper() in _TIME_UNITS):
            raise SchemaError(f"{relation!r} on {field!r} takes [count, unit] with unit one of "
                              f"{', '.join(_TIME_UNITS)}, not {value!r}.", name=field)
    if relation.startswith("in_calendar_") and not isinstance(value, int):
        raise SchemaError(f"{relation!r} on {field!r} takes a whole-number offset (0 = current), not {value!r}.",
                          name=field)
    if spec.valid_values and relation in ("is", "is_not", "in", "not_in"):
        values = value if isinstance(value, list) else [value]
        bad = [v for v in values if v is not None and str(v) not in spec.valid_values]
        if bad:
            hints = suggest(str(bad[0]), spec.valid_values)
            raise SchemaError(
                f"{bad[0]!r} is not a valid value of {field!r}.{_hint(hints)} "
                f"Valid values: {', '.join(spec.valid_values)}.",
                name=str(bad[0]), suggestions=hints or list(spec.valid_values),
            )
