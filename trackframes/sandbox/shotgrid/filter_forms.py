"""The forms a ShotGrid filter may take, turned into one: :func:`normalize_filters`.

The array form (a list of ``[field, operator, value]`` conditions, AND-ed), the
hash form (``{"logical_operator": "and" | "or", "conditions": [...]}``, nested
freely, also with shotgun_api3's ``"filter_operator": "all" | "any"``),
conditions with their values spread out (``["due_date", "in_last", 1, "DAY"]``)
and ``{"path", "relation", "values"}`` objects all come out in the hash form,
with ``[field, operator, value]`` conditions (operators lower-cased).

>>> normalize_filters([["id", "between", 1, 9], {"path": "code", "relation": "in", "values": ["a"]}])
{'logical_operator': 'and', 'conditions': [['id', 'between', [1, 9]], ['code', 'in', ['a']]]}
"""

from __future__ import annotations

from typing import Any

from .errors import bad_request, show

__all__ = ["CLOCK_OPS", "LIST_VALUE_OPS", "normalize_filters", "uses_clock"]

CLOCK_OPS = frozenset({"in_last", "not_in_last", "in_next", "not_in_next", "in_calendar_day",
                        "in_calendar_week", "in_calendar_month", "in_calendar_year"})
# operators whose value is a list, when a condition spreads its values out
LIST_VALUE_OPS = frozenset({"in", "not_in", "between", "not_between", "in_last", "not_in_last",
                             "in_next", "not_in_next"})


def normalize_filters(filters: Any) -> dict[str, Any]:
    """Array or hash form → ``{"logical_operator": "and"|"or", "conditions": [...]}``.

    Conditions come out as ``[field, operator, value]`` lists (operator
    lower-cased) and nested groups in the same hash form. Malformed input raises
    :class:`RequestError`.
    """
    if filters is None:
        return {"logical_operator": "and", "conditions": []}
    if isinstance(filters, dict):
        return _normalize_group(filters)
    if isinstance(filters, (list, tuple)):
        if filters and isinstance(filters[0], str):
            raise bad_request("filters must be a list of conditions ([[field, operator, value], ...]) "
                              f"or a hash; got the single condition {show(filters)}.", "filters")
        return {"logical_operator": "and", "conditions": [_normalize_item(c) for c in filters]}
    raise bad_request(f"filters must be a list of conditions or a hash, not {show(filters)}.", "filters")


def _normalize_group(group: dict[str, Any]) -> dict[str, Any]:
    op = group.get("logical_operator", group.get("filter_operator", "and"))
    op = {"all": "and", "any": "or"}.get(op.lower(), op.lower()) if isinstance(op, str) else op
    if op not in ("and", "or"):
        raise bad_request(f"logical_operator must be 'and' or 'or', not {show(op)}.", "filters")
    if "conditions" not in group:
        raise bad_request("A filter hash needs 'logical_operator' and 'conditions' keys; got "
                          f"{show(group)}.", "filters")
    conditions = group["conditions"]
    if conditions is None:
        conditions = []
    if not isinstance(conditions, (list, tuple)):
        raise bad_request(f"'conditions' must be a list, not {show(conditions)}.", "filters")
    return {"logical_operator": op, "conditions": [_normalize_item(c) for c in conditions]}


def _normalize_item(item: Any) -> Any:
    if isinstance(item, dict):
        if "conditions" in item or "logical_operator" in item or "filter_operator" in item:
            return _normalize_group(item)
        if "path" in item and "relation" in item:
            values = item.get("values", [])
            op = item["relation"]
            if not isinstance(values, (list, tuple)):
                values = [values]
            if not values and isinstance(op, str) and op.strip().lower() in LIST_VALUE_OPS:
                return _condition([item["path"], op, []], [item["path"], op, []])
            return _condition([item["path"], op, *values], item)
        raise bad_request(f"Invalid filter entry {show(item)}: expected a condition or a filter hash.",
                          "filters")
    if isinstance(item, (list, tuple)):
        return _condition(list(item), item)
    raise bad_request(f"Invalid filter entry {show(item)}: expected [field, operator, value].", "filters")


def _condition(parts: list[Any], original: Any) -> list[Any]:
    if len(parts) < 3:
        raise bad_request(f"Invalid condition {show(original)}: expected [field, operator, value].",
                          "filters")
    field, op = parts[0], parts[1]
    if not isinstance(field, str) or not field:
        raise bad_request(f"Invalid condition {show(original)}: the field must be a non-empty string.",
                          "filters")
    if not isinstance(op, str):
        raise bad_request(f"Invalid condition {show(original)}: the operator must be a string.", "filters")
    op = op.strip().lower()
    value = parts[2] if len(parts) == 3 else list(parts[2:])
    # {"path","relation","values"} form: a single-item list for a list operator stays a list
    if isinstance(original, dict) and op in LIST_VALUE_OPS and len(parts) == 3:
        value = parts[2] if isinstance(parts[2], list) and op in ("in", "not_in") else [parts[2]]
    return [field, op, value]


def uses_clock(node: dict[str, Any]) -> bool:
    for c in node["conditions"]:
        if isinstance(c, dict):
            if uses_clock(c):
                return True
        elif c[1] in CLOCK_OPS:
            return True
    return False
