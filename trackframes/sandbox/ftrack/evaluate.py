"""Evaluating a parsed query over the store: criteria, ``order by``, ``offset`` and ``limit``.

Semantics (the real server's SQL, as far as the specs say; the rest marked):

* criteria use SQL's three-valued logic: a comparison with a null attribute is
  *unknown*, and ``not unknown`` is still unknown, so ``name is_not "x"`` and
  ``not name is "x"`` leave out records whose ``name`` is null (**unverified**);
  ``x is none`` / ``x is_not none`` test for null;
* a dotted path follows references (a null reference makes the value null) and
  collections: ``timelogs.duration > 3600`` holds when *some* time log matches
  (the specs' wording); ``has (...)`` tests the referenced entity, ``any (...)``
  some member of a collection, ``any ()`` a non-empty collection;
* text comparison ignores case (:mod:`.values`);
* ``order by`` puts nulls first ascending and last descending (MySQL's rule,
  **unverified**); ties, and queries without ``order by``, follow the store's
  insertion order, so paging is stable.

>>> from trackframes.sandbox.ftrack.schemas import standard_schemas, standard_relations
>>> from trackframes.sandbox.ftrack.store import Store
>>> store = Store(standard_schemas(), {"Task": [
...     {"id": "t1", "name": "layout", "bid": 7200, "context_type": "task"},
...     {"id": "t2", "name": "Anim", "bid": 3600, "context_type": "task"},
...     {"id": "t3", "name": "comp", "context_type": "task"}]}, standard_relations())
>>> [r.data["name"] for r in evaluate(store, "Task", parse("Task where bid < 7200 or name like \\"C%\\""))]
['Anim', 'comp']
>>> [r.data["name"] for r in evaluate(store, "Task", parse("Task order by bid descending"))]
['layout', 'Anim', 'comp']
>>> evaluate(store, "Task", parse("Task where nmae is x"))
Traceback (most recent call last):
...
trackframes.sandbox.ftrack.errors.ValidationError: Task has no attribute "nmae"; did you mean name?
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any, Callable, Iterable

from .errors import ValidationError
from .expression import parse
from .store import Property, Record, Store
from .syntax import BoolOp, Comparison, Expr, Literal, Not, OrderKey, Path, Query, Relation, Subquery
from .values import coerce, like_matcher, sort_key, text_key

__all__ = ["evaluate", "matching", "compile_where", "order_records", "resolve_path", "path_values",
           "scalar_getter", "check_projections"]

Predicate = Callable[[Record], "bool | None"]


def evaluate(store: Store, entity_type: str, ast: Query | Expr | None = None) -> list[Record]:
    """The records of ``entity_type`` that ``ast`` selects, ordered, with its offset and limit.

    ``ast`` is a parsed :class:`~.syntax.Query` (its ``where``, ``order by``,
    ``offset`` and ``limit`` apply), a criteria expression, or ``None`` (all records).
    """
    if isinstance(ast, Query):
        if ast.entity_type != entity_type:
            raise ValidationError(f"the query is on {ast.entity_type}, not {entity_type}")
        if ast.projections is not None:
            check_projections(store, entity_type, [p for p in ast.projections if isinstance(p, Path)])
        rows = matching(store, entity_type, ast.where, ast.order_by)
        start = ast.offset or 0
        return rows[start:] if ast.limit is None else rows[start:start + ast.limit]
    return matching(store, entity_type, ast)


def matching(store: Store, entity_type: str, where: Expr | None = None,
             order_by: Iterable[OrderKey] = ()) -> list[Record]:
    """Every record matching ``where`` (all when ``None``), in ``order_by`` order.

    A query ordered by ``id`` whose criteria bound ``id`` (``id > "..." and ...``,
    what keyset paging sends) reads only the records inside the bounds, found by
    bisection, instead of every record of the type.
    """
    keys = tuple(order_by)
    if keys == (OrderKey(Path(("id",)), False),) and store.primary_key(entity_type) == ("id",):
        ranged = _id_range(store, entity_type, where)
        if ranged is not None:
            rows, rest = ranged
            if rest is None:
                return rows
            predicate = compile_where(store, entity_type, rest)
            return [r for r in rows if predicate(r) is True]
    rows = store.records(entity_type)
    if where is not None:
        predicate = compile_where(store, entity_type, where)
        rows = [r for r in rows if predicate(r) is True]
    keys = tuple(order_by)
    return order_records(store, entity_type, rows, keys) if keys else rows


def _id_range(store: Store, entity_type: str, where: Expr | None) -> tuple[list[Record], Expr | None] | None:
    """(the records inside the ``id`` bounds of ``where``'s top-level "and", in id order, the other
    criteria) or ``None`` when ``where`` bounds no id with a text value."""
    operands = _conjuncts(where)
    bounds: list[tuple[str, Any]] = []
    rest: list[Expr] = []
    for item in operands:
        if (isinstance(item, Comparison) and item.path.parts == ("id",) and item.op in (">", ">=", "<", "<=")
                and isinstance(item.value, Literal) and item.value.kind in ("string", "word")):
            bounds.append((item.op, sort_key(item.value.text if item.value.kind == "word" else item.value.value)))
        else:
            rest.append(item)
    if not bounds:
        return None
    rows, keys = store.by_id(entity_type)
    start, end = 0, len(rows)
    for op, key in bounds:
        if op in (">", ">="):
            start = max(start, (bisect_right if op == ">" else bisect_left)(keys, key))
        else:
            end = min(end, (bisect_left if op == "<" else bisect_right)(keys, key))
    chosen = rows[start:end] if start < end else []
    if not rest:
        return chosen, None
    return chosen, rest[0] if len(rest) == 1 else BoolOp("and", tuple(rest))


def _conjuncts(where: Expr | None) -> list[Expr]:
    """The operands of ``where``'s "and", nested "and"s flattened (``a and (b and c)``: a, b, c)."""
    if where is None:
        return []
    if isinstance(where, BoolOp) and where.op == "and":
        return [item for operand in where.operands for item in _conjuncts(operand)]
    return [where]


def resolve_path(store: Store, entity_type: str, path: Path, *, final: str = "any") -> list[Property]:
    """The properties a dotted path walks through, checked against the schemas.

    ``final`` constrains the last one: ``scalar`` (a scalar or a reference, compared
    by id), ``reference``, ``many`` (a collection), or ``any``.
    """
    steps: list[Property] = []
    current = entity_type
    for i, part in enumerate(path.parts):
        prop = store.prop(current, part)
        if prop.restricted:
            raise ValidationError(f"{current}.{part} cannot be queried (restricted)")
        steps.append(prop)
        last = i == len(path.parts) - 1
        if not last:
            if not prop.is_relation:
                raise ValidationError(f"{path}: {current}.{part} is a {prop.type or 'scalar'} attribute; "
                                      "only references and collections can be followed with a dot")
            current = str(prop.target)
    last_prop = steps[-1]
    if final == "scalar" and last_prop.is_many:
        raise ValidationError(f"{path}: {last_prop.owner}.{last_prop.name} is a collection; compare one of "
                              f"its attributes ({path}.id ...) or use {path} any (...)")
    if final == "reference" and last_prop.kind != "reference":
        hint = f"use {path} any (...)" if last_prop.is_many else "has needs a reference attribute"
        raise ValidationError(f"{path}: {last_prop.owner}.{last_prop.name} is not a reference; {hint}")
    if final == "many" and not last_prop.is_many:
        hint = f"use {path} has (...)" if last_prop.kind == "reference" else "any needs a collection attribute"
        raise ValidationError(f"{path}: {last_prop.owner}.{last_prop.name} is not a collection; {hint}")
    return steps


def _reach(store: Store, record: Record, steps: list[Property]) -> tuple[list[Any], bool]:
    """Follow relation ``steps``: the records reached (``None`` for a null reference) and
    whether a collection was crossed."""
    items: list[Any] = [record]
    many = False
    for prop in steps:
        following: list[Any] = []
        for item in items:
            if item is None:
                following.append(None)
            elif prop.is_many:
                many = True
                following.extend(store.follow(item, prop.name))
            else:
                following.append(store.follow(item, prop.name))
        items = following
    return items, many


def _final_value(store: Store, item: Record | None, prop: Property) -> Any:
    if item is None:
        return None
    if prop.kind == "reference":
        fk = store.foreign_key(item.type, prop.name)
        if fk is not None:
            return item.data.get(fk)
        target = store.follow(item, prop.name)
        return None if target is None else target.key[0]
    return item.data.get(prop.name)


def path_values(store: Store, record: Record, steps: list[Property]) -> tuple[list[Any], bool]:
    """The values a path reaches from ``record`` and whether they came through a collection."""
    items, many = _reach(store, record, steps[:-1])
    return [_final_value(store, item, steps[-1]) for item in items], many


def scalar_getter(store: Store, entity_type: str, path: Path, what: str) -> tuple[Property, Callable[[Record], Any]]:
    """A getter for a path through references only (``order by``, ``group by``, aggregates)."""
    steps = resolve_path(store, entity_type, path, final="scalar")
    if any(p.is_many for p in steps[:-1]):
        raise ValidationError(f"cannot {what} {path}: it goes through a collection")

    def get(record: Record) -> Any:
        values, _ = path_values(store, record, steps)
        return values[0]

    return steps[-1], get


def check_projections(store: Store, entity_type: str, paths: Iterable[Path]) -> None:
    """Every projected path exists (collections and references may be projected too)."""
    for path in paths:
        resolve_path(store, entity_type, path)


def order_records(store: Store, entity_type: str, rows: list[Record], keys: tuple[OrderKey, ...]) -> list[Record]:
    """``rows`` sorted by ``keys`` (nulls first ascending, last descending; stable)."""
    getters = []
    for key in keys:
        prop, get = scalar_getter(store, entity_type, key.path, "order by")
        if prop.kind == "reference":
            raise ValidationError(f"cannot order by {key.path}, a reference; order by one of its "
                                  f"attributes ({key.path}.name ...)")
        getters.append((get, key.descending))
    out = list(rows)
    for get, descending in reversed(getters):
        out.sort(key=lambda r, g=get: (0, (0, 0)) if (v := g(r)) is None else (1, sort_key(v)),
                 reverse=descending)
    return out


# -- criteria ------------------------------------------------------------------------------


def compile_where(store: Store, entity_type: str, expr: Expr) -> Predicate:
    """A predicate returning ``True``, ``False`` or ``None`` (unknown) for each record."""
    if isinstance(expr, BoolOp):
        parts = [compile_where(store, entity_type, e) for e in expr.operands]
        return _and(parts) if expr.op == "and" else _or(parts)
    if isinstance(expr, Not):
        inner = compile_where(store, entity_type, expr.operand)

        def negate(record: Record) -> bool | None:
            value = inner(record)
            return None if value is None else not value
        return negate
    if isinstance(expr, Relation):
        return _relation(store, entity_type, expr)
    if isinstance(expr, Comparison):
        return _comparison(store, entity_type, expr)
    raise ValidationError(f"cannot evaluate {expr!r}")


def _and(parts: list[Predicate]) -> Predicate:
    def both(record: Record) -> bool | None:
        unknown = False
        for part in parts:
            value = part(record)
            if value is False:
                return False
            unknown = unknown or value is None
        return None if unknown else True
    return both


def _or(parts: list[Predicate]) -> Predicate:
    def either(record: Record) -> bool | None:
        unknown = False
        for part in parts:
            value = part(record)
            if value is True:
                return True
            unknown = unknown or value is None
        return None if unknown else False
    return either


def _relation(store: Store, entity_type: str, expr: Relation) -> Predicate:
    steps = resolve_path(store, entity_type, expr.path, final="reference" if expr.op == "has" else "many")
    target = str(steps[-1].target)
    inner = None if expr.condition is None else compile_where(store, target, expr.condition)

    def test(record: Record) -> bool:
        items, _ = _reach(store, record, steps)
        return any(item is not None and (inner is None or inner(item) is True) for item in items)
    return test


def _comparison(store: Store, entity_type: str, expr: Comparison) -> Predicate:
    steps = resolve_path(store, entity_type, expr.path, final="scalar")
    prop = steps[-1]
    where = f"{expr.path} {expr.spelling or expr.op}"
    op = expr.op
    if op in ("like", "not_like"):
        if prop.kind == "reference" or prop.type not in ("string", "variable", "object", None) or prop.is_datetime:
            raise ValidationError(f"{where}: like compares text; {prop.owner}.{prop.name} is "
                                  f"{'a reference' if prop.kind == 'reference' else prop.type}")
        assert isinstance(expr.value, Literal)
        match = like_matcher(expr.value.text if expr.value.kind != "string" else expr.value.value)
        test = _like(match, op == "not_like")
    elif op in ("in", "not_in"):
        if isinstance(expr.value, Subquery):
            options = _subquery_values(store, expr.value)
        else:
            options = [coerce(prop, v, where) for v in expr.value]  # type: ignore[union-attr]
        test = _membership(options, op == "not_in")
    else:
        if prop.kind == "reference" and op not in ("is", "is_not"):
            raise ValidationError(f"{where}: a reference compares with is, is_not, in or not_in only")
        assert isinstance(expr.value, Literal)
        test = _compare(op, coerce(prop, expr.value, where))

    def evaluate_one(record: Record) -> bool | None:
        values, many = path_values(store, record, steps)
        if not many:
            return test(values[0])
        return any(test(v) is True for v in values)
    return evaluate_one


def _subquery_values(store: Store, sub: Subquery) -> list[Any]:
    query = sub.query
    (path,) = query.projections or ()
    if not isinstance(path, Path):
        raise ValidationError("a subquery selects one attribute, not an aggregate")
    steps = resolve_path(store, query.entity_type, path, final="scalar")
    out: list[Any] = []
    for record in matching(store, query.entity_type, query.where):
        out.extend(path_values(store, record, steps)[0])
    return out


def _compare(op: str, target: Any) -> Callable[[Any], bool | None]:
    if op in ("is", "is_not"):
        want = op == "is"
        if target is None:
            return lambda v: (v is None) == want
        key = text_key(target)
        return lambda v: None if v is None else (text_key(v) == key) == want
    key = text_key(target)
    compare = {">": lambda a: a > key, "<": lambda a: a < key, ">=": lambda a: a >= key,
               "<=": lambda a: a <= key}[op]

    def ordered(v: Any) -> bool | None:
        if v is None or target is None:
            return None
        try:
            return bool(compare(text_key(v)))
        except TypeError:  # mixed types in a variable attribute
            return None
    return ordered


def _membership(options: list[Any], negate: bool) -> Callable[[Any], bool | None]:
    keys = {text_key(o) for o in options if o is not None}
    has_null = any(o is None for o in options)

    def test(v: Any) -> bool | None:
        if v is None:
            return None
        found: bool | None = True if text_key(v) in keys else (None if has_null else False)
        if found is None:
            return None
        return (not found) if negate else found
    return test


def _like(match: Callable[[Any], bool], negate: bool) -> Callable[[Any], bool | None]:
    return lambda v: None if v is None else (match(v) != negate)
