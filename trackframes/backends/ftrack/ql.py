"""Building ftrack query-language text safely: quoting, escaping, identifiers, whole queries.

Every value goes through :func:`quote`, every name through :func:`path`, so a
name containing ``"`` or ``\\`` can neither break the expression nor inject into
it. The sandbox's own parser (``trackframes.sandbox.ftrack.expression``) reads
back exactly what this module writes; the tests prove it.

>>> clause = and_(condition("project.name", "is", 'Say "hi" \\\\ bye'), condition("bid", ">=", 3600))
>>> print(clause)
(project.name is "Say \\"hi\\" \\\\ bye") and (bid >= 3600)
>>> print(select("Task", ["name", "status.name"], where=clause, order_by=["-bid", "name"],
...              offset=0, limit=100))
select name, status.name from Task where ((project.name is "Say \\"hi\\" \\\\ bye") and (bid >= 3600)) order by bid descending, name ascending offset 0 limit 100
>>> print(condition("name", "like", like_pattern("50%_off", "contains")))
name like "%50\\\\%\\\\_off%"
>>> select("Task", ["name"], where='name is "x"', limit=-1)
Traceback (most recent call last):
...
trackframes.exceptions.SchemaError: limit must be a whole number >= 0, not -1

Unverified against a real server (the sandbox accepts them as written here):
``true``/``false`` for booleans, ``\\\\`` as an escaped backslash inside strings,
and backslash-escaped ``%`` / ``_`` in ``like`` patterns.
"""

from __future__ import annotations

import difflib
import math
import re
from datetime import date, datetime, timezone
from typing import Any, Iterable

from ...exceptions import SchemaError

__all__ = [
    "Subselect", "OPERATORS", "AGGREGATES", "quote", "identifier", "entity_type", "path", "like_pattern", "condition",
    "and_", "or_", "not_", "has", "any_", "aggregate", "select",
]

#: Comparison operators :func:`condition` writes (ftrack spellings).
OPERATORS = ("is", "is_not", ">", "<", ">=", "<=", "after", "before", "in", "not_in", "like", "not_like")
#: Aggregate functions of the strict API's ``group by`` queries.
AGGREGATES = ("count", "sum", "avg", "min", "max")

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_AGGREGATE = re.compile(r"(count|sum|avg|min|max)\(([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\)\Z")
_KEYWORDS = {"select", "from", "where", "and", "or", "not", "group", "order", "by", "offset", "limit",
             "ascending", "descending"}


class Subselect(str):
    """A complete ``select <one attribute> from ...`` text used as the value of ``in``/``not_in``.

    >>> print(condition("project_id", "in", Subselect(select("Project", ["id"], where='name is "x"'))))
    project_id in (select id from Project where (name is "x"))
    """


def quote(value: Any) -> str:
    """The query-language literal for ``value``.

    Strings are double-quoted with ``\\`` and ``"`` backslash-escaped; ``None`` is
    ``none``; booleans ``true``/``false``; finite numbers as written; an aware
    ``datetime`` becomes a quoted naive ISO 8601 string in UTC; a ``date`` a
    quoted ``YYYY-MM-DD``.

    >>> [quote(v) for v in ("a", 'q"', None, True, 3, 2.5)]
    ['"a"', '"q\\\\""', 'none', 'true', '3', '2.5']
    >>> quote(datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc))
    '"2024-05-01T12:00:00"'
    """
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SchemaError(f"{value!r} cannot be written in a query; use a finite number")
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise SchemaError(f"{value!r} has no time zone; pass an aware datetime (e.g. tzinfo=timezone.utc)")
        utc = value.astimezone(timezone.utc).replace(tzinfo=None)
        return quote(utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds"))
    if isinstance(value, date):
        return quote(value.isoformat())
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise SchemaError(f"cannot write a {type(value).__name__} value in a query "
                      "(use str, int, float, bool, None, datetime or date)")


def identifier(name: str) -> str:
    """``name`` if it is a valid entity type or attribute name, else ``SchemaError``.

    >>> identifier("Task")
    'Task'
    >>> identifier('name" or id is_not none')
    Traceback (most recent call last):
    ...
    trackframes.exceptions.SchemaError: 'name" or id is_not none' is not a valid name (letters, digits and _, not starting with a digit)
    """
    if not isinstance(name, str) or not _IDENT.match(name) or name.lower() in _KEYWORDS:
        raise SchemaError(f"{name!r} is not a valid name (letters, digits and _, not starting with a digit)")
    return name


def entity_type(name: str) -> str:
    """``name`` if it is a valid entity type name; a CamelCase type may be spelled like a keyword (``Group``).

    >>> entity_type("Group")
    'Group'
    >>> entity_type("group")
    Traceback (most recent call last):
    ...
    trackframes.exceptions.SchemaError: 'group' is not a valid entity type name (CamelCase letters, digits and _)
    """
    if not isinstance(name, str) or not _IDENT.match(name) or (name.lower() in _KEYWORDS and not name[:1].isupper()):
        raise SchemaError(f"{name!r} is not a valid entity type name (CamelCase letters, digits and _)")
    return name


def path(dotted: str) -> str:
    """A dotted attribute path (``parent.status.name``), each part checked by :func:`identifier`."""
    if not isinstance(dotted, str) or not dotted:
        raise SchemaError(f"{dotted!r} is not an attribute path")
    for part in dotted.split("."):
        try:
            identifier(part)
        except SchemaError:
            raise SchemaError(f"{dotted!r} is not a valid attribute path ({part!r} is not a name)") from None
    return dotted


def like_pattern(text: str, mode: str = "contains") -> str:
    """A ``like`` pattern matching ``text`` literally: ``%``, ``_`` and ``\\`` are escaped.

    ``mode`` is ``contains``, ``starts_with``, ``ends_with`` or ``exact``.

    >>> like_pattern("10%", "starts_with")
    '10\\\\%%'
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    forms = {"contains": f"%{escaped}%", "starts_with": f"{escaped}%", "ends_with": f"%{escaped}",
             "exact": escaped}
    if mode not in forms:
        raise SchemaError(f"like_pattern mode {mode!r} is not one of {', '.join(forms)}")
    return forms[mode]


def condition(attribute: str, op: str, value: Any) -> str:
    """``<attribute> <op> <value>``; ``in``/``not_in`` take an iterable of values or a :class:`Subselect`.

    >>> condition("id", "in", ["a", "b"])
    'id in ("a", "b")'
    >>> condition("name", "equals", "x")
    Traceback (most recent call last):
    ...
    trackframes.exceptions.SchemaError: unknown operator 'equals'; operators are is, is_not, >, <, >=, <=, after, before, in, not_in, like, not_like
    """
    if op not in OPERATORS:
        close = difflib.get_close_matches(str(op), OPERATORS, n=2)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; operators are {', '.join(OPERATORS)}"
        raise SchemaError(f"unknown operator {op!r}{hint}")
    lhs = path(attribute)
    if op in ("in", "not_in"):
        if isinstance(value, Subselect):
            return f"{lhs} {op} ({value})"
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise SchemaError(f"{op} needs a list of values, not {type(value).__name__}")
        return f"{lhs} {op} ({', '.join(quote(v) for v in value)})"
    if op in ("like", "not_like") and not isinstance(value, str):
        raise SchemaError(f"{op} needs a text pattern, not {type(value).__name__}")
    return f"{lhs} {op} {quote(value)}"


def _join(word: str, clauses: tuple[str, ...]) -> str:
    parts = [c for c in clauses if c]
    if not parts:
        raise SchemaError(f"{word} needs at least one clause")
    if len(parts) == 1:
        return parts[0]
    return f" {word} ".join(f"({c})" for c in parts)


def and_(*clauses: str) -> str:
    """Clauses joined with ``and``, each parenthesised."""
    return _join("and", clauses)


def or_(*clauses: str) -> str:
    """Clauses joined with ``or``, each parenthesised."""
    return _join("or", clauses)


def not_(clause: str) -> str:
    """``not (<clause>)``."""
    return f"not ({clause})"


def has(reference: str, clause: str | None = None) -> str:
    """``<reference> has (<clause>)``: the referenced entity matches ``clause``."""
    return f"{path(reference)} has ({clause or ''})"


def any_(collection: str, clause: str | None = None) -> str:
    """``<collection> any (<clause>)``: some member matches (``any ()``: the collection is not empty)."""
    return f"{path(collection)} any ({clause or ''})"


def aggregate(function: str, attribute: str) -> str:
    """``count(id)``, ``sum(bid)``...; the server returns it as ``<function>_<attribute>``."""
    if function not in AGGREGATES:
        raise SchemaError(f"unknown aggregate {function!r}; aggregates are {', '.join(AGGREGATES)}")
    return f"{function}({path(attribute)})"


def _order_item(item: Any) -> str:
    if isinstance(item, str):
        descending = item.startswith("-")
        name = item[1:] if descending else item
    elif isinstance(item, tuple) and len(item) == 2:
        name, descending = item
    elif hasattr(item, "path") and hasattr(item, "descending"):
        name, descending = item.path, item.descending
    else:
        raise SchemaError(f"order item {item!r} is not 'attr', '-attr', (attr, descending) or an OrderKey")
    return f"{path(name)} {'descending' if descending else 'ascending'}"


def _count(name: str, value: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SchemaError(f"{name} must be a whole number >= 0, not {value!r}")
    return f" {name} {value}"


entity_type_name = entity_type


def select(entity_type: str, projections: Iterable[str], *, where: str | None = None,
           group_by: Iterable[str] = (), order_by: Iterable[Any] = (), offset: int | None = None,
           limit: int | None = None) -> str:
    """``select ... from <Type> [where (...)] [group by ...] [order by ...] [offset N] [limit N]``.

    ``where`` is wrapped in parentheses, so a clause can never reach past it (a
    stray ``limit`` inside it is a syntax error, not a new limit).
    ``projections`` are attribute paths or :func:`aggregate` texts.

    >>> select("Task", [aggregate("count", "id")], group_by=["status_id"])
    'select count(id) from Task group by status_id'
    """
    items = []
    for item in projections:
        items.append(item if isinstance(item, str) and _AGGREGATE.match(item) else path(item))
    if not items:
        raise SchemaError("select needs at least one attribute")
    text = f"select {', '.join(items)} from {entity_type_name(entity_type)}"
    if where:
        text += f" where ({where})"
    groups = [path(g) for g in group_by]
    if groups:
        text += f" group by {', '.join(groups)}"
    keys = [_order_item(k) for k in order_by]
    if keys:
        text += f" order by {', '.join(keys)}"
    return text + _count("offset", offset) + _count("limit", limit)
