"""The syntax tree of an ftrack query (what :func:`.expression.parse` returns).

Nodes are frozen dataclasses. Positions (0-based offsets into the expression,
for error messages) take no part in equality, so two spellings of the same query
compare equal:

>>> from trackframes.sandbox.ftrack.expression import parse
>>> parse('select name from Task where bid >= 3600') == parse('select  name  from Task where bid>=3600')
True
>>> parse('Task where name = "a"').where == parse('Task where name is "a"').where
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

__all__ = [
    "Path", "Literal", "Subquery", "Comparison", "Relation", "Not", "BoolOp", "Aggregate",
    "OrderKey", "Query", "Expr", "COMPARISON_OPS", "AGGREGATES",
]

#: Canonical comparison operators (synonyms such as ``=``, ``after`` are folded into these).
COMPARISON_OPS = ("is", "is_not", ">", "<", ">=", "<=", "in", "not_in", "like", "not_like")
#: Aggregate functions of the strict API's ``group by`` queries.
AGGREGATES = ("count", "sum", "avg", "min", "max")


@dataclass(frozen=True)
class Path:
    """A dotted attribute path such as ``parent.status.name``."""

    parts: tuple[str, ...]
    position: int = field(default=0, compare=False, repr=False)

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)

    def __str__(self) -> str:
        return self.dotted


@dataclass(frozen=True)
class Literal:
    """A value. ``kind`` is how it was written: ``string`` (double-quoted), ``number``,
    ``boolean``, ``none`` or ``word`` (any other unquoted text, such as an unquoted id).
    ``text`` is the source text without quotes (escapes resolved for strings)."""

    value: Any
    kind: str
    text: str = field(default="", compare=False)
    position: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Subquery:
    """``(select <one attribute> from <Type> [where ...])`` as the value of ``in``/``not_in``."""

    query: "Query"
    position: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Comparison:
    """``<path> <op> <value>``; ``value`` is a tuple of literals or a subquery for ``in``/``not_in``."""

    path: Path
    op: str
    value: Union[Literal, tuple[Literal, ...], Subquery]
    spelling: str = field(default="", compare=False)
    position: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Relation:
    """``<path> has (<expr>)`` (a reference) or ``<path> any (<expr>)`` (a collection);
    ``condition`` is ``None`` for empty parentheses."""

    path: Path
    op: str
    condition: "Expr | None"
    position: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Not:
    operand: "Expr"
    position: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class BoolOp:
    """``and``/``or`` over two or more operands (flattened: ``a and b and c`` is one node)."""

    op: str
    operands: tuple["Expr", ...]


Expr = Union[Comparison, Relation, Not, BoolOp]


@dataclass(frozen=True)
class Aggregate:
    """``count(id)``, ``sum(bid)``...: its result key is ``<function>_<attribute>``."""

    function: str
    path: Path

    @property
    def key(self) -> str:
        return f"{self.function}_{self.path.dotted.replace('.', '_')}"


@dataclass(frozen=True)
class OrderKey:
    path: Path
    descending: bool = False


@dataclass(frozen=True)
class Query:
    """One query. ``projections`` is ``None`` when the expression had no ``select``
    (the server then uses the type's default projections)."""

    entity_type: str
    projections: tuple[Union[Path, Aggregate], ...] | None = None
    where: Expr | None = None
    group_by: tuple[Path, ...] = ()
    order_by: tuple[OrderKey, ...] = ()
    offset: int | None = None
    limit: int | None = None
    text: str = field(default="", compare=False, repr=False)

    @property
    def aggregates(self) -> tuple[Aggregate, ...]:
        return tuple(p for p in self.projections or () if isinstance(p, Aggregate))
