"""The public filter vocabulary: which relations each kind of field takes, and which negate which.

One table for every layer: the local engine evaluates these relations, and each
backend checks conditions against them (pushing to its server what it can).

>>> from trackframes.schema import FieldKind
>>> RELATIONS_BY_KIND[FieldKind.BOOLEAN], NEGATIONS["not_in"]
(('is', 'is_not'), 'in')
"""

from __future__ import annotations

from ..schema import FieldKind

__all__ = ["RELATIONS_BY_KIND", "NEGATIONS", "RELATIVE_DATES"]

#: Each negative relation and the positive relation it negates.
NEGATIONS: dict[str, str] = {
    "is_not": "is", "not_in": "in", "not_contains": "contains", "not_between": "between",
    "not_in_last": "in_last", "not_in_next": "in_next", "type_is_not": "type_is",
    "name_not_contains": "name_contains",
}

_TEXT = ("is", "is_not", "in", "not_in", "contains", "not_contains", "starts_with", "ends_with")
_NUMBER = ("is", "is_not", "less_than", "greater_than", "between", "not_between", "in", "not_in")
#: The relations measured from now (dates and date-times).
RELATIVE_DATES = ("in_last", "not_in_last", "in_next", "not_in_next", "in_calendar_day", "in_calendar_week",
                  "in_calendar_month", "in_calendar_year")
_NAMES = ("name_contains", "name_not_contains", "name_starts_with", "name_ends_with", "name_is")
_LINK = ("is", "is_not", "in", "not_in", "type_is", "type_is_not") + _NAMES

#: The relations each field kind takes (none for kinds that cannot be filtered on).
RELATIONS_BY_KIND: dict[FieldKind, tuple[str, ...]] = {
    FieldKind.TEXT: _TEXT,
    FieldKind.CATEGORY: _TEXT,
    FieldKind.INTEGER: _NUMBER,
    FieldKind.FLOAT: _NUMBER,
    FieldKind.BOOLEAN: ("is", "is_not"),
    FieldKind.DATE: _NUMBER + RELATIVE_DATES,
    FieldKind.DATETIME: _NUMBER + RELATIVE_DATES,
    FieldKind.ENTITY: _LINK,
    FieldKind.MULTI_ENTITY: _LINK + ("contains", "not_contains"),
    FieldKind.TAG_LIST: ("is", "is_not", "name_contains", "name_not_contains"),
    FieldKind.URL: (),
    FieldKind.JSON: (),
    FieldKind.UNKNOWN: (),
}
