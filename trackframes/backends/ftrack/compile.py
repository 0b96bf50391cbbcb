"""The neutral filter tree → ftrack's query language (the ``where`` clause), with its checks.

Every condition is checked against the schema first (the relation fits the
field, the value fits the relation), then written with :mod:`.ql`, which quotes
and escapes every value, so a name holding ``"`` or ``\\`` can neither break the
expression nor inject into it.

The clause means exactly what the local engine (``trackframes.engine``) means,
whether the server's SQL uses two- or three-valued logic:

* a negative relation (``is_not``, ``not_in``, ``not_contains``, ``not_between``,
  ``type_is_not``, ``name_not_contains``) is the exact negation of its positive
  twin, so it keeps records whose value is null: ``name is_not "x"`` is written
  ``(not (name is "x")) or (name is none)``, and ``any`` tests (never unknown)
  are negated with ``not`` alone;
* text compares without case (the server's collation), ``contains``/``starts_with``/
  ``ends_with`` become ``like`` patterns with ``%``, ``_`` and ``\\`` escaped;
* date-times compare at whole seconds (``is t`` is ``>= t and < t + 1 s``);
* a link is matched by its id (``status.id is "…"``; ids are unique across an
  ftrack server), its name through the target's name attribute (``name``, or
  ``username`` for a User), a collection with ``any (...)``;
* ``custom_attributes.<key>`` becomes ``custom_attributes any (key is "<key>" and value …)``.

What the query language cannot say exactly is not sent (:func:`can_push` is
false) and the local engine applies it to the fetched rows instead: the
relative date relations (``in_last``, ``in_next``, ``in_calendar_*``: they need
the site's clock and time zone), ``type_is``/``type_is_not`` on a link that can
point at several types, and conditions on enumerator, date, JSON and
unknown-typed fields.

>>> from trackframes.query.filters import parse_filters
>>> from trackframes.backends.ftrack.schema import Model
>>> model = Model([{"id": "Task", "primary_key": ["id"], "properties": {
...     "id": {"type": "string"}, "name": {"type": "string"}, "bid": {"type": "number"}}}])
>>> compiler = Compiler(model, "Task")
>>> print(compiler.where(parse_filters([["name", "is_not", 'say "hi"'], ["bid", "between", [3600, None]]])))
((not (name is "say \\"hi\\"")) or (name is none)) and (bid >= 3600)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from ...exceptions import SchemaError
from ...query.filters import Condition, Group, Node
from ...query.relations import NEGATIONS, RELATIONS_BY_KIND, RELATIVE_DATES
from ...schema import FieldKind
from ...suggest import hint, suggest
from . import ql
from .schema import Model, Path

__all__ = ["Compiler", "RELATIONS", "NEGATIONS", "RESIDUAL_RELATIONS", "TRUE", "FALSE", "instant", "ARCHIVED_STATUS",
           "project_path", "archived_clause"]

#: The relations each field kind takes (the public filter vocabulary, as the local engine has it).
RELATIONS = {kind: relations for kind, relations in RELATIONS_BY_KIND.items() if relations}
#: Relations always left to the local engine.
RESIDUAL_RELATIONS = frozenset(RELATIVE_DATES)
#: Always-true and always-false clauses (every entity of the root type has an id).
TRUE = "id is_not none"
FALSE = "id is none"
_SECOND = timedelta(seconds=1)

Resolver = Callable[[str], Path]


class Compiler:
    """Checks and compiles the filters of one entity type (``resolve`` maps a field to its :class:`Path`)."""

    def __init__(self, model: Model, entity: str, resolve: Resolver | None = None) -> None:
        self.model = model
        self.entity = entity
        self.resolve = resolve or (lambda name: model.resolve(entity, name, allow_collections=True))

    # -- checking ----------------------------------------------------------------------
    def check(self, tree: Node) -> None:
        """Raise :class:`SchemaError` for an unknown field, a relation that does not fit, or a bad value."""
        if isinstance(tree, Group):
            for item in tree.items:
                self.check(item)
            return
        path = self.resolve(tree.path)
        valid = RELATIONS.get(path.spec.kind, ())
        if not valid:
            raise SchemaError(f"Cannot filter on {tree.path!r}: {path.spec.data_type} fields cannot be filtered on.",
                              name=tree.path)
        derived = path.extra.get("derived")
        if tree.op not in valid:
            hints = suggest(tree.op, valid)
            raise SchemaError(f"Relation {tree.op!r} does not apply to {tree.path!r}, a {path.spec.data_type} "
                              f"field.{hint(hints)} Valid relations: {', '.join(valid)}.", name=tree.op,
                              suggestions=hints or list(valid))
        if derived is not None:
            return  # a computed field: written on its attributes, or evaluated by the local engine
        if self.can_push(tree):
            self._leaf(path, NEGATIONS.get(tree.op, tree.op), tree)  # values are checked while writing
        elif path.through_collection:
            raise SchemaError(f"Filter {tree.to_list()!r}: {tree.op!r} on {tree.path!r}, a path through a "
                              "collection, cannot be written in ftrack's query language, and the local engine "
                              "reads only the fields of the records themselves.", name=tree.path)

    def can_push(self, condition: Condition) -> bool:
        """Whether the query language says ``condition`` exactly (see the module docstring)."""
        if condition.op in RESIDUAL_RELATIONS:
            return False
        path = self.resolve(condition.path)
        derived = path.extra.get("derived")
        if derived is not None:
            return (derived.where is not None and condition.op not in NEGATIONS
                    and derived.where(condition) is not None)
        kind = path.spec.kind
        if kind in (FieldKind.TAG_LIST, FieldKind.JSON, FieldKind.UNKNOWN, FieldKind.URL):
            return False
        if path.custom_key is not None and kind not in (FieldKind.TEXT, FieldKind.FLOAT, FieldKind.INTEGER,
                                                        FieldKind.BOOLEAN):
            return False
        if NEGATIONS.get(condition.op, condition.op) == "type_is":
            target = path.last.target
            return target is not None and len(self.model.concrete(target)) == 1
        return True

    # -- writing -------------------------------------------------------------------------
    def where(self, tree: Node) -> str | None:
        """The ``where`` clause of a (checked) tree, or ``None`` when it matches everything."""
        if isinstance(tree, Group) and not tree.items:
            return None
        return self.node(tree)

    def node(self, node: Node) -> str:
        if isinstance(node, Group):
            if not node.items:
                return TRUE
            parts = [self.node(item) for item in node.items]
            return ql.and_(*parts) if node.op == "and" else ql.or_(*parts)
        return self.condition(node)

    def condition(self, cond: Condition) -> str:
        if not self.can_push(cond):
            raise SchemaError(f"Filter {cond.to_list()!r} cannot be written in ftrack's query language; "
                              "the local engine evaluates it.", name=cond.path)
        path = self.resolve(cond.path)
        derived = path.extra.get("derived")
        if derived is not None:
            return str(derived.where(cond))
        negative = cond.op in NEGATIONS
        clause, two_valued = self._leaf(path, NEGATIONS.get(cond.op, cond.op), cond)
        if not negative:
            return clause
        if clause == TRUE:
            return FALSE
        if clause == FALSE:
            return TRUE
        if two_valued:
            return ql.not_(clause)
        return ql.or_(ql.not_(clause), _null(path))

    # -- one positive relation ---------------------------------------------------------------------
    def _leaf(self, path: Path, op: str, cond: Condition) -> tuple[str, bool]:
        """(clause, whether it is never unknown) for positive relation ``op`` on ``path``."""
        kind = path.spec.kind
        if path.custom_key is not None:
            return self._custom(path, op, cond), True
        split = _first_collection(path)
        if split is not None and kind not in (FieldKind.MULTI_ENTITY,):
            head, rest = split
            inner = Path(".".join(p.name for p in rest), rest, path.spec.renamed(".".join(p.name for p in rest)))
            clause, _ = self._scalar(inner, op, cond)
            return (clause if clause in (TRUE, FALSE) else ql.any_(head, clause)), True
        if kind is FieldKind.ENTITY:
            return self._reference(path, op, cond)
        if kind is FieldKind.MULTI_ENTITY:
            return self._collection(path, op, cond), True
        return self._scalar(path, op, cond)

    def _scalar(self, path: Path, op: str, cond: Condition) -> tuple[str, bool]:
        kind, name, value = path.spec.kind, path.dotted, cond.value
        if kind is FieldKind.ENTITY:
            return self._reference(path, op, cond)
        if op == "is" and value is None:
            return ql.condition(name, "is", None), True
        if kind is FieldKind.TEXT or kind is FieldKind.CATEGORY:
            return _text(name, op, value, cond), False
        if kind in (FieldKind.INTEGER, FieldKind.FLOAT):
            return _ordered(name, op, value, cond, _number, "a number"), False
        if kind is FieldKind.BOOLEAN:
            if not isinstance(value, bool):
                raise _bad(cond, "True, False or None")
            return ql.condition(name, "is", value), False
        if kind in (FieldKind.DATETIME, FieldKind.DATE):
            return _datetime(name, op, value, cond), False
        raise _bad(cond, "a value this field can be compared with")  # pragma: no cover - checked before

    def _reference(self, path: Path, op: str, cond: Condition) -> tuple[str, bool]:
        name, value, target = path.dotted, cond.value, path.last.target
        valid = path.spec.valid_types
        if op in ("is", "in"):
            links = [value] if op == "is" else _list(cond, "link values")
            ids = [self._link_id(cond, link, valid) for link in links if link is not None]
            has_null = any(link is None for link in links)
            clauses = ([ql.condition(f"{name}.id", "in" if len(ids) > 1 else "is", ids if len(ids) > 1 else ids[0])]
                       if ids else [])
            if has_null:
                clauses.append(ql.condition(f"{name}.id", "is", None))
            if not clauses:
                return FALSE, True
            return (clauses[0] if len(clauses) == 1 else ql.or_(*clauses)), False
        if op == "type_is":
            if value is None:
                return ql.condition(f"{name}.id", "is", None), True
            if not isinstance(value, str):
                raise _bad(cond, "an entity type name or None")
            return (ql.condition(f"{name}.id", "is_not", None) if value in valid else FALSE), True
        attribute = self.model.name_attribute(str(target))
        if attribute is None:
            _text_value(cond)
            return FALSE, True
        return _names(f"{name}.{attribute}", op, cond), False

    def _collection(self, path: Path, op: str, cond: Condition) -> str:
        name, value, target = path.dotted, cond.value, str(path.last.target)
        valid = path.spec.valid_types
        empty = ql.not_(ql.any_(name))
        if op in ("is", "contains", "in"):
            links = _list(cond, "link values") if op == "in" else [value]
            ids = [self._link_id(cond, link, valid) for link in links if link is not None]
            clauses = []
            if ids:
                clauses.append(ql.any_(name, ql.condition("id", "in" if len(ids) > 1 else "is",
                                                          ids if len(ids) > 1 else ids[0])))
            if any(link is None for link in links):
                clauses.append(empty)
            return FALSE if not clauses else clauses[0] if len(clauses) == 1 else ql.or_(*clauses)
        if op == "type_is":
            if value is None:
                return empty
            if not isinstance(value, str):
                raise _bad(cond, "an entity type name or None")
            return ql.any_(name) if value in valid else FALSE
        attribute = self.model.name_attribute(target)
        if attribute is None:
            _text_value(cond)
            return FALSE
        return ql.any_(name, _names(attribute, op, cond))

    def _custom(self, path: Path, op: str, cond: Condition) -> str:
        prefix = ".".join(p.name for p in path.steps)  # ends with custom_attributes
        key = ql.condition("key", "is", path.custom_key)
        value = Path("value", path.steps, path.spec.renamed("value"))
        if op == "is" and cond.value is None:
            return ql.not_(ql.any_(prefix, ql.and_(key, ql.condition("value", "is_not", None))))
        if op == "in":
            members = _list(cond, "values")
            clauses = []
            present = [m for m in members if m is not None]
            if present:
                inner, _ = self._scalar(value, "in", Condition(cond.path, "in", present))
                if inner != FALSE:
                    clauses.append(ql.any_(prefix, ql.and_(key, inner)))
            if len(present) != len(members):
                clauses.append(ql.not_(ql.any_(prefix, ql.and_(key, ql.condition("value", "is_not", None)))))
            return FALSE if not clauses else clauses[0] if len(clauses) == 1 else ql.or_(*clauses)
        inner, _ = self._scalar(value, op, cond)
        if inner in (TRUE, FALSE):
            return inner
        return ql.any_(prefix, ql.and_(key, inner))

    def _link_id(self, cond: Condition, link: Any, valid: tuple[str, ...]) -> str:
        if not isinstance(link, Mapping) or not isinstance(link.get("type"), str) or "id" not in link:
            raise _bad(cond, "a link {'type': ..., 'id': ...} or None")
        rid = link["id"]
        if not isinstance(rid, str) or not rid:
            raise _bad(cond, "a link whose id is text (ftrack ids are UUID strings)")
        if valid and link["type"] not in valid:
            hints = suggest(link["type"], valid)
            raise SchemaError(f"Filter {cond.to_list()!r}: {cond.path!r} links to {', '.join(valid)}, not "
                              f"{link['type']!r}.{hint(hints)}", name=cond.path, suggestions=hints or list(valid))
        return rid


# ---------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------

def _bad(cond: Condition, expected: str) -> SchemaError:
    return SchemaError(f"Filter {cond.to_list()!r}: {cond.value!r} is not a valid value for {cond.op!r} on "
                       f"{cond.path!r}; expected {expected}.", name=cond.path)


def _list(cond: Condition, expected: str) -> list[Any]:
    if not isinstance(cond.value, (list, tuple)):
        raise _bad(cond, f"a list of {expected}")
    return list(cond.value)


def _null(path: Path) -> str:
    if path.spec.kind is FieldKind.ENTITY:
        return ql.condition(f"{path.dotted}.id", "is", None)
    return ql.condition(path.dotted, "is", None)


def _first_collection(path: Path) -> tuple[str, tuple[Any, ...]] | None:
    """(the path up to its first collection, the steps after it) for a path through a collection."""
    for i, step in enumerate(path.steps[:-1]):
        if step.is_many:
            return ".".join(p.name for p in path.steps[: i + 1]), path.steps[i + 1:]
    return None


def _text_value(cond: Condition) -> str:
    if not isinstance(cond.value, str):
        raise _bad(cond, "text")
    return cond.value


def _text(name: str, op: str, value: Any, cond: Condition) -> str:
    if op == "is":
        return ql.condition(name, "is", _text_value(cond))
    if op == "in":
        members = _list(cond, "texts")
        if any(m is not None and not isinstance(m, str) for m in members):
            raise _bad(cond, "a list of texts")
        present = [m for m in members if m is not None]
        clauses = [ql.condition(name, "in", present)] if present else []
        if len(present) != len(members):
            clauses.append(ql.condition(name, "is", None))
        return FALSE if not clauses else clauses[0] if len(clauses) == 1 else ql.or_(*clauses)
    if op == "contains" and value is None:
        return FALSE
    mode = {"contains": "contains", "starts_with": "starts_with", "ends_with": "ends_with"}[op]
    return ql.condition(name, "like", ql.like_pattern(_text_value(cond), mode))


def _names(name: str, op: str, cond: Condition) -> str:
    value = _text_value(cond)
    if op == "name_is":
        return ql.condition(name, "is", value)
    mode = {"name_contains": "contains", "name_starts_with": "starts_with", "name_ends_with": "ends_with"}[op]
    return ql.condition(name, "like", ql.like_pattern(value, mode))


def _number(value: Any) -> Any:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _ordered(name: str, op: str, value: Any, cond: Condition, convert: Callable[[Any], Any], expected: str) -> str:
    if op in ("less_than", "greater_than"):
        if value is None:
            return FALSE
        v = convert(value)
        if v is None:
            raise _bad(cond, f"{expected} or None")
        return ql.condition(name, "<" if op == "less_than" else ">", v)
    if op == "is":
        v = convert(value)
        if v is None:
            raise _bad(cond, f"{expected} or None")
        return ql.condition(name, "is", v)
    if op == "in":
        members = _list(cond, f"{expected}s")
        present = [convert(m) for m in members if m is not None]
        if any(v is None for v in present):
            raise _bad(cond, f"a list of {expected}s")
        clauses = [ql.condition(name, "in", present)] if present else []
        if len(present) != len(members):
            clauses.append(ql.condition(name, "is", None))
        return FALSE if not clauses else clauses[0] if len(clauses) == 1 else ql.or_(*clauses)
    lo, hi = _pair(cond, convert, expected)
    parts = [ql.condition(name, ">=", lo)] if lo is not None else []
    if hi is not None:
        parts.append(ql.condition(name, "<=", hi))
    return ql.and_(*parts) if parts else ql.condition(name, "is_not", None)


def _pair(cond: Condition, convert: Callable[[Any], Any], expected: str) -> tuple[Any, Any]:
    value = cond.value
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _bad(cond, f"[low, high] with two {expected}s (None for an open end)")
    out = [None if v is None else convert(v) for v in value]
    if any(o is None and v is not None for o, v in zip(out, value)):
        raise _bad(cond, f"[low, high] with two {expected}s (None for an open end)")
    return out[0], out[1]


def instant(value: Any) -> datetime | None:
    """A filter value as a whole-second UTC instant (a ``date`` or ``YYYY-MM-DD``: its UTC midnight;
    naive text or datetimes are UTC), or ``None`` when it is not one."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and len(value) >= 10:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def _datetime(name: str, op: str, value: Any, cond: Condition) -> str:
    expected = "an ISO 8601 date-time"
    if op in ("less_than", "greater_than"):
        if value is None:
            return FALSE
        moment = instant(value)
        if moment is None:
            raise _bad(cond, f"{expected} or None")
        return (ql.condition(name, "<", moment) if op == "less_than"
                else ql.condition(name, ">=", moment + _SECOND))
    if op == "is":
        moment = instant(value)
        if moment is None:
            raise _bad(cond, f"{expected} or None")
        return _second(name, moment)
    if op == "in":
        members = _list(cond, "date-times")
        moments = [instant(m) for m in members if m is not None]
        if any(m is None for m in moments):
            raise _bad(cond, "a list of ISO 8601 date-times")
        clauses = [_second(name, m) for m in dict.fromkeys(moments)]  # type: ignore[arg-type]
        if len(moments) != len(members):
            clauses.append(ql.condition(name, "is", None))
        return FALSE if not clauses else clauses[0] if len(clauses) == 1 else ql.or_(*clauses)
    lo, hi = _pair(cond, instant, expected)
    parts = [ql.condition(name, ">=", lo)] if lo is not None else []
    if hi is not None:
        parts.append(ql.condition(name, "<", hi + _SECOND))
    return ql.and_(*parts) if parts else ql.condition(name, "is_not", None)


def _second(name: str, moment: datetime) -> str:
    return ql.and_(ql.condition(name, ">=", moment), ql.condition(name, "<", moment + _SECOND))



# ---------------------------------------------------------------------------
# archived projects
# ---------------------------------------------------------------------------

#: The ``Project.status`` of an archived project.
ARCHIVED_STATUS = "hidden"


def project_path(model: Model, entity: str) -> str | None:
    """The attribute path from ``entity`` to its project's id (``project_id``, ``context.project_id``...),
    searched through at most two references; ``None`` when records of ``entity`` belong to no project."""
    def direct(type_name: str) -> str | None:
        props = model.props.get(type_name, {})
        prop = props.get("project_id")
        if prop is not None and not prop.is_many and not prop.is_reference:
            return "project_id"
        ref = props.get("project")
        if ref is not None and ref.is_reference and ref.target == "Project":
            return "project.id"
        return None

    found = direct(entity)
    if found:
        return found
    frontier = [(entity, "")]
    for _ in range(2):
        following = []
        for type_name, prefix in frontier:
            for prop in model.props.get(type_name, {}).values():
                if not prop.is_reference or not prop.target or prop.target not in model.props:
                    continue
                here = f"{prefix}{prop.name}"
                tail = direct(prop.target)
                if tail:
                    return f"{here}.{tail}"
                following.append((prop.target, f"{here}."))
        frontier = following
    return None


def archived_clause(model: Model, entity: str) -> str | None:
    """The clause that leaves out records of archived (``hidden``) projects, or ``None`` when ``entity``'s
    records belong to no project. Records without a project are kept."""
    if "Project" not in model.props:
        return None
    if entity == "Project":
        status = ql.condition("status", "is", ARCHIVED_STATUS)
        return ql.or_(ql.not_(status), ql.condition("status", "is", None))
    path = project_path(model, entity)
    if path is None:
        return None
    hidden = ql.Subselect(ql.select("Project", ["id"], where=ql.condition("status", "is", ARCHIVED_STATUS)))
    return ql.or_(ql.not_(ql.condition(path, "in", hidden)), ql.condition(path, "is", None))
