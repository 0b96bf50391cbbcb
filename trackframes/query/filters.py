"""The typed filter tree: parsed once from the public filter syntax, compiled by each backend.

The public syntax is a list of ``[field, relation, value(s)]`` conditions
(implicitly "and"), or a group ``{"logical_operator": "and"|"or", "conditions":
[...]}``, nested freely. The forms users bring from ``shotgun_api3`` are
accepted too, and may be mixed with the others: ``{"filter_operator":
"all"|"any", "filters": [...]}`` groups and ``{"path", "relation", "values"}``
conditions. Values may be spread out (``["start_date", "in_last", 1, "DAY"]``,
``["status", "in", "ip", "rev"]``).

:func:`parse_filters` checks the shape only (no schema): every field is text,
every relation is text, a group's operator is known, groups nest at most
:data:`MAX_DEPTH` deep, numpy scalars become Python values and NaN or an
infinity is refused. Whether a relation fits a field, and the type of each
value, is the backend's check, which takes the tree and returns it checked.

>>> tree = parse_filters([["status", "is", "ip"],
...                       {"filter_operator": "any", "filters": [["due_date", "in_last", 1, "WEEK"],
...                                                              ["due_date", "is", None]]}])
>>> tree
Group('and', (Condition('status', 'is', 'ip'), Group('or', (Condition('due_date', 'in_last', [1, 'WEEK']), Condition('due_date', 'is', None)))))
>>> paths(tree)
['status', 'due_date']
>>> tree.to_json()
'{"conditions":[["status","is","ip"],{"conditions":[["due_date","in_last",[1,"WEEK"]],["due_date","is",null]],"logical_operator":"or"}],"logical_operator":"and"}'
>>> from_json(tree.to_json()) == tree
True

A backend that can send only part of a tree splits it; the engine applies the rest:

>>> pushed, residual = split(tree, lambda c: c.op == "is")
>>> pushed.to_dict()["conditions"], residual.to_dict()["conditions"][0]["logical_operator"]
([['status', 'is', 'ip']], 'or')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable, Literal, Union

import orjson

from .. import values as V
from ..exceptions import SchemaError

__all__ = [
    "MAX_DEPTH",
    "RELATIONS",
    "Condition",
    "Group",
    "Node",
    "parse_filters",
    "and_",
    "or_",
    "walk",
    "paths",
    "split",
    "to_json",
    "from_json",
]

#: Groups may nest this deep; deeper filters are refused (they are never written by hand, and JSON
#: encoders and servers have recursion limits of their own).
MAX_DEPTH = 32

#: The public relation vocabulary (the public filter syntax's relation names).
RELATIONS: tuple[str, ...] = (
    "is", "is_not", "less_than", "greater_than", "contains", "not_contains", "starts_with", "ends_with",
    "between", "not_between", "in", "not_in", "in_last", "not_in_last", "in_next", "not_in_next",
    "in_calendar_day", "in_calendar_week", "in_calendar_month", "in_calendar_year", "type_is", "type_is_not",
    "name_contains", "name_not_contains", "name_starts_with", "name_ends_with", "name_is",
)

_LIST_OPS = frozenset({"in", "not_in"})
_PAIR_OPS = frozenset({"between", "not_between"})
_RELATIVE = frozenset({"in_last", "not_in_last", "in_next", "not_in_next"})
_GROUP_OPS = {"and": "and", "or": "or", "all": "and", "any": "or"}


# ---------------------------------------------------------------------------
# the tree
# ---------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Condition:
    """One ``[path, op, value]`` condition. ``path`` may be dotted (``entity.Shot.code``)."""

    path: str
    op: str
    value: Any = None

    def to_list(self) -> list[Any]:
        """The public form ``[path, op, value]``."""
        return [self.path, self.op, self.value]

    def __repr__(self) -> str:
        return f"Condition({self.path!r}, {self.op!r}, {self.value!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Condition):
            return NotImplemented
        return _key(self) == _key(other)

    def __hash__(self) -> int:
        return hash(_key(self))


@dataclass(frozen=True, eq=False)
class Group:
    """Conditions and groups joined by ``"and"`` or ``"or"``. An empty group matches everything."""

    op: Literal["and", "or"]
    items: tuple["Node", ...] = ()

    def __post_init__(self) -> None:
        if self.op not in ("and", "or"):
            raise SchemaError(f"A filter group joins its items with 'and' or 'or', not {self.op!r}.",
                              name=str(self.op), suggestions=["and", "or"])
        if not isinstance(self.items, tuple):
            object.__setattr__(self, "items", tuple(self.items))

    def to_dict(self) -> dict[str, Any]:
        """The public hash form ``{"logical_operator", "conditions"}`` (conditions as lists)."""
        return {"logical_operator": self.op,
                "conditions": [i.to_dict() if isinstance(i, Group) else i.to_list() for i in self.items]}

    def to_json(self) -> str:
        """The canonical JSON text of the tree (stable: equal trees give equal text)."""
        return to_json(self)

    def __repr__(self) -> str:
        return f"Group({self.op!r}, {self.items!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Group):
            return NotImplemented
        return _key(self) == _key(other)

    def __hash__(self) -> int:
        return hash(_key(self))

    def __bool__(self) -> bool:
        return True


Node = Union[Condition, Group]


# ---------------------------------------------------------------------------
# canonical form
# ---------------------------------------------------------------------------

def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        moment = moment.astimezone(timezone.utc)
        return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds").replace(
            "+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, frozenset, set)):
        return list(value)
    raise TypeError(f"{type(value).__name__} value {value!r} cannot be written as JSON")


def _dumps(obj: Any) -> bytes:
    # datetimes go through _json_default (orjson would otherwise write its own format)
    return orjson.dumps(obj, default=_json_default,
                        option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS)


def _key(node: Node) -> bytes:
    try:
        return _dumps(node.to_dict() if isinstance(node, Group) else node.to_list())
    except TypeError:  # a value JSON cannot hold (a checked tree never has one): fall back on repr
        return repr(node).encode()


def to_json(tree: Node) -> str:
    """The canonical JSON text of a tree: the hash form, keys sorted, dates as ISO 8601 text.

    >>> to_json(parse_filters([["due_date", "is", date(2026, 3, 2)]]))
    '{"conditions":[["due_date","is","2026-03-02"]],"logical_operator":"and"}'
    """
    group = tree if isinstance(tree, Group) else Group("and", (tree,))
    try:
        return _dumps(group.to_dict()).decode()
    except TypeError as exc:
        raise TypeError(f"This filter cannot be written as JSON: {exc}.") from None


def from_json(data: str | bytes | Mapping[str, Any] | list[Any]) -> Group:
    """The tree of :func:`to_json` text (or of any public form already loaded from JSON)."""
    if isinstance(data, (str, bytes)):
        data = orjson.loads(data)
    return parse_filters(data)


# ---------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------

def _show(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + " ...]"


def parse_filters(filters: Any) -> Group:
    """Any public filter form → a :class:`Group` (no schema checks; see the module docstring).

    >>> parse_filters(None)
    Group('and', ())
    >>> parse_filters([["id", "in", 1, 2, 3]])
    Group('and', (Condition('id', 'in', [1, 2, 3]),))
    >>> parse_filters(["code", "is", "sh010"])
    Traceback (most recent call last):
    ...
    trackframes.exceptions.SchemaError: Filters must be a list of conditions: write [['code', 'is', 'sh010']], not ['code', 'is', 'sh010'].
    """
    return _parse(filters, 0)


def _parse(filters: Any, depth: int) -> Group:
    if depth > MAX_DEPTH:
        raise SchemaError(f"filters nest more than {MAX_DEPTH} groups deep; flatten them (an 'and' inside an "
                          "'and' is the same as one 'and').", name="filters")
    if filters is None:
        return Group("and", ())
    if isinstance(filters, Group):
        return filters
    if isinstance(filters, Condition):
        return Group("and", (filters,))
    if isinstance(filters, Mapping):
        if _is_condition_object(filters):
            return Group("and", (_condition_object(filters),))
        return _group(filters, depth)
    if isinstance(filters, (list, tuple)):
        if len(filters) in (3, 4) and isinstance(filters[0], str) and isinstance(filters[1], str):
            raise SchemaError(
                f"Filters must be a list of conditions: write [{list(filters)!r}], not {list(filters)!r}.",
                name=str(filters[0]),
            )
        return Group("and", tuple(_item(c, depth + 1) for c in filters))
    raise SchemaError(f"Filters must be a list of [field, relation, value] conditions or a filter hash, "
                      f"not {type(filters).__name__}.", name="filters")


def _group(filters: Mapping[str, Any], depth: int) -> Group:
    key = "filter_operator" if "filter_operator" in filters else "logical_operator"
    op = filters.get(key, "and")
    valid = ("all", "any") if key == "filter_operator" else ("and", "or")
    if not isinstance(op, str) or op not in valid:
        raise SchemaError(f"{key} must be {valid[0]!r} or {valid[1]!r}, not {_show(op)}.", name=str(op),
                          suggestions=list(valid))
    conditions = filters.get("conditions", filters.get("filters"))
    if not isinstance(conditions, (list, tuple)):
        example = "{'filter_operator': 'any', 'filters': [...]}" if key == "filter_operator" else \
            "{'logical_operator': 'or', 'conditions': [...]}"
        raise SchemaError(f"A filter group needs a 'conditions' list, such as {example}, "
                          f"not {_show(dict(filters))}.", name="conditions")
    return Group(_GROUP_OPS[op], tuple(_item(c, depth + 1) for c in conditions))


def _item(item: Any, depth: int) -> Node:
    if isinstance(item, (Condition, Group)):
        return item
    if isinstance(item, Mapping):
        if _is_condition_object(item):
            return _condition_object(item)
        return _parse(item, depth)
    if isinstance(item, (list, tuple)) and len(item) >= 3 and isinstance(item[0], str) and isinstance(item[1], str):
        field, relation, *values = item
        if relation in _RELATIVE and len(values) == 2:
            return _condition(field, relation, list(values))  # ['start_date', 'in_last', 1, 'DAY']
        if len(values) != 1:
            if relation in _LIST_OPS:
                return _condition(field, relation, list(values))
            raise SchemaError(f"Condition {_show(list(item))} has too many values.", name=field)
        return _condition(field, relation, values[0])
    raise SchemaError(f"Not a filter condition: {_show(item)}. Conditions look like ['status', 'is', 'ip'].",
                      name="filters")


def _is_condition_object(item: Mapping[str, Any]) -> bool:
    return "path" in item and "relation" in item and not ({"conditions", "filters"} & set(item))


def _condition_object(item: Mapping[str, Any]) -> Condition:
    """shotgun_api3's ``{"path", "relation", "values"}`` condition."""
    field, relation = item["path"], item["relation"]
    if not isinstance(field, str) or not isinstance(relation, str):
        raise SchemaError(f"Not a filter condition: {_show(dict(item))}. Its 'path' and 'relation' must be "
                          "text.", name="filters")
    values = item.get("values", [])
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    if relation in _LIST_OPS or relation in _PAIR_OPS or relation in _RELATIVE:
        return _condition(field, relation, values)
    if len(values) != 1:
        raise SchemaError(f"Condition {_show(dict(item))} needs exactly one value for {relation!r}.", name=field)
    return _condition(field, relation, values[0])


def _condition(field: str, relation: str, value: Any) -> Condition:
    where = f"Filter {_show([field, relation, value])}"
    return Condition(field, relation, _value(value, where, field))


def _value(value: Any, where: str, field: str, in_array: bool = False) -> Any:
    """Schema-free normalisation: numpy → Python, tuples → lists, NaN/infinity refused.

    Inside a numpy array or a ``pd.Index`` NaN is how a missing value is marked, so it is ``None``
    there. A pandas Series or frame is left to the backend, which reads it with the schema (a
    column of values, or a row standing for a record). The helpers are
    :mod:`trackframes.values`' (one implementation for every value a user passes).
    """
    module = type(value).__module__
    if module == "numpy":
        if type(value).__name__ == "ndarray":
            return [_value(v, where, field, True) for v in value.tolist()]
        if V.is_missing(value):
            return None
        if type(value).__name__ == "datetime64":
            import pandas as pd

            return pd.Timestamp(value).to_pydatetime()
        value = V.plain(value)
    elif module.startswith("pandas"):
        import pandas as pd

        if V.is_missing(value):
            return None
        if isinstance(value, pd.Index):
            return [_value(v, where, field, True) for v in value.tolist()]
        return value
    if in_array and V.missing_in_pandas(value):
        return None
    if isinstance(value, float):
        return V.finite(value, where, field)
    if isinstance(value, (list, tuple)):
        return [_value(v, where, field, in_array) for v in value]
    if type(value) is dict:
        return {k: _value(v, where, field, in_array) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------
# building and reading trees
# ---------------------------------------------------------------------------

def _as_node(node: Any) -> Node | None:
    if node is None or isinstance(node, (Condition, Group)):
        return node
    return parse_filters(node)


def and_(*nodes: Any) -> Group:
    """All of ``nodes`` (conditions, groups or public filter forms; ``None`` is skipped).

    Nested "and" groups are spliced in, so the result stays flat:

    >>> and_(parse_filters([["a", "is", 1]]), Condition("id", "between", [1, 9]))
    Group('and', (Condition('a', 'is', 1), Condition('id', 'between', [1, 9])))
    """
    items: list[Node] = []
    for node in map(_as_node, nodes):
        if node is None:
            continue
        if isinstance(node, Group) and node.op == "and":
            items.extend(node.items)
        else:
            items.append(node)
    return Group("and", tuple(items))


def or_(*nodes: Any) -> Group:
    """Any of ``nodes`` (an empty "or" matches everything, like an empty "and")."""
    return Group("or", tuple(n for n in map(_as_node, nodes) if n is not None))


def walk(tree: Node) -> Iterator[Condition]:
    """Every condition of the tree, depth first, in order."""
    if isinstance(tree, Condition):
        yield tree
        return
    stack: list[Iterator[Node]] = [iter(tree.items)]
    while stack:
        for node in stack[-1]:
            if isinstance(node, Group):
                stack.append(iter(node.items))
                break
            yield node
        else:
            stack.pop()


def paths(tree: Node) -> list[str]:
    """The fields the tree reads, each once, in order of first use."""
    return list(dict.fromkeys(c.path for c in walk(tree)))


def _pushable(node: Node, can_push: Callable[[Condition], bool]) -> bool:
    if isinstance(node, Condition):
        return bool(can_push(node))
    return all(_pushable(item, can_push) for item in node.items)


def split(tree: Node, can_push: Callable[[Condition], bool]) -> tuple[Group, Group]:
    """``(pushed, residual)`` with ``tree`` ≡ ``pushed and residual``.

    ``pushed`` holds what a backend can send (every condition of it passes
    ``can_push``); ``residual`` is what the local engine must apply to the rows
    that come back. Only the conditions of top-level "and" groups are split; an
    "or" group is pushed whole or kept whole.

    >>> tree = parse_filters([["status", "is", "ip"], ["code", "contains", "sh"]])
    >>> [g.to_dict()["conditions"] for g in split(tree, lambda c: c.op == "is")]
    [[['status', 'is', 'ip']], [['code', 'contains', 'sh']]]
    """
    root = tree if isinstance(tree, Group) else Group("and", (tree,))
    if root.op == "or":
        return (root, Group("and", ())) if _pushable(root, can_push) else (Group("and", ()), root)
    pushed: list[Node] = []
    residual: list[Node] = []
    for item in root.items:
        if isinstance(item, Group) and item.op == "and":
            sub_pushed, sub_residual = split(item, can_push)
            pushed.extend(sub_pushed.items)
            residual.extend(sub_residual.items)
        elif _pushable(item, can_push):
            pushed.append(item)
        else:
            residual.append(item)
    return Group("and", tuple(pushed)), Group("and", tuple(residual))
