"""A parser for ftrack's query language, as the operations API and ``ftrack_api`` use it.

Grammar (keywords ignore case)::

    query       := [select projection ("," projection)* from] Type
                   [where expr] [group by path ("," path)*]
                   [order by path [ascending|descending] ("," ...)*]
                   [offset N] [limit N]            (offset and limit in either order)
    projection  := path | (count|sum|avg|min|max) "(" path ")"
    expr        := and_expr ("or" and_expr)*       (and binds tighter than or)
    and_expr    := unary ("and" unary)*
    unary       := "not" unary | "(" expr ")" | condition
    condition   := path op value
                 | path (in|not_in) "(" [value ("," value)* | select ...] ")"
                 | path (has|any) "(" [expr] ")"
    op          := is | "=" | is_not | "!=" | ">" | after | greater_than
                 | "<" | before | less_than | ">=" | "<=" | like | not_like
    value       := "double-quoted string" (\\" is a quote, \\\\ a backslash)
                 | number | true | false | none | null | unquoted-word (e.g. an id)

Tokens need no spaces around quotes, parentheses, commas or symbols, so the
client's ``(configuration_id is "a"and entity_id is "b")`` and ``id in (a,b)`` parse.

>>> q = parse('select name, parent.name from Task where status.name is "In progress" '
...           'and not timelogs any () order by name descending offset 0 limit 2')
>>> q.entity_type, [str(p) for p in q.projections], q.offset, q.limit
('Task', ['name', 'parent.name'], 0, 2)
>>> q.where.op, [type(o).__name__ for o in q.where.operands]
('and', ['Comparison', 'Not'])
>>> q.order_by[0].path.dotted, q.order_by[0].descending
('name', True)
>>> parse('select name from Task where id is 5b0e8f5c-0d6a-4b8e-9a51-0f1d4a6f0001').where.value.value
'5b0e8f5c-0d6a-4b8e-9a51-0f1d4a6f0001'
>>> parse('Task where name is "say \\\\"hi\\\\" \\\\\\\\o/"').where.value.value
'say "hi" \\\\o/'
>>> parse('select name from Task where name iss "x"')
Traceback (most recent call last):
...
trackframes.sandbox.ftrack.errors.ParseError: unknown operator "iss" after name; did you mean is? at position 33:
  select name from Task where name iss "x"
                                   ^
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NoReturn

from .errors import ParseError, suggest
from .syntax import (
    AGGREGATES, Aggregate, BoolOp, Comparison, Expr, Literal, Not, OrderKey, Path, Query, Relation,
    Subquery,
)

__all__ = ["parse", "parse_expression", "tokenize", "Token", "OPERATORS", "MAX_DEPTH"]

#: Every operator spelling and its canonical form.
OPERATORS: dict[str, str] = {
    "is": "is", "=": "is", "is_not": "is_not", "!=": "is_not",
    ">": ">", "after": ">", "greater_than": ">",
    "<": "<", "before": "<", "less_than": "<",
    ">=": ">=", "<=": "<=",
    "in": "in", "not_in": "not_in", "like": "like", "not_like": "not_like",
    "has": "has", "any": "any",
}
#: Deepest nesting of parentheses / ``not`` / subqueries accepted.
MAX_DEPTH = 100

_KEYWORDS = {"select", "from", "where", "and", "or", "not", "group", "order", "by", "offset", "limit",
             "ascending", "descending"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_INTEGER = re.compile(r"[+-]?\d+\Z")
_WORD = re.compile(r"[^\s(),\"'=!<>]+")
_SYMBOL = re.compile(r"!=|>=|<=|=|>|<")
_SPACE = re.compile(r"\s+")
_ESCAPES = {'"': '"', "\\": "\\"}


@dataclass(frozen=True)
class Token:
    """One token: ``kind`` is ``string``, ``word``, ``symbol``, ``(``, ``)``, ``,`` or ``end``."""

    kind: str
    text: str
    value: Any
    position: int

    @property
    def lower(self) -> str:
        return self.text.lower() if self.kind == "word" else ""

    def describe(self) -> str:
        if self.kind == "end":
            return "the end of the expression"
        if self.kind == "string":
            return f'the string "{self.text}"'
        return f'"{self.text}"'


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens (the last one is ``end``).

    >>> [t.text for t in tokenize('id in (a,"b c")and x>=1')]
    ['id', 'in', '(', 'a', ',', 'b c', ')', 'and', 'x', '>=', '1', '']
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while True:
        space = _SPACE.match(text, i)
        if space:
            i = space.end()
        if i >= n:
            tokens.append(Token("end", "", None, n))
            return tokens
        ch = text[i]
        if ch == '"':
            value, end = _read_string(text, i)
            tokens.append(Token("string", value, value, i))
            i = end
        elif ch in "(),":
            tokens.append(Token(ch, ch, ch, i))
            i += 1
        elif ch == "'":
            raise ParseError("strings take double quotes, not single quotes", text, i)
        elif (symbol := _SYMBOL.match(text, i)) is not None:
            tokens.append(Token("symbol", symbol.group(), symbol.group(), i))
            i = symbol.end()
        elif (word := _WORD.match(text, i)) is not None:
            tokens.append(Token("word", word.group(), word.group(), i))
            i = word.end()
        else:  # a lone "!"
            raise ParseError(f'unexpected character "{ch}"; did you mean != or is_not?', text, i)


def _read_string(text: str, start: int) -> tuple[str, int]:
    """The value of the double-quoted string at ``start`` and the offset after it."""
    out: list[str] = []
    i = start + 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\\":
            if i + 1 >= n:
                break
            nxt = text[i + 1]
            if nxt not in _ESCAPES:
                raise ParseError(f'unknown escape "\\{nxt}" in a string; write \\\\ for a backslash and '
                                 '\\" for a quote', text, i)
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ParseError("unterminated string (a closing double quote is missing)", text, start)


def parse(text: str) -> Query:
    """Parse a whole query expression (see the module grammar); ``ParseError`` says where it fails."""
    if not isinstance(text, str):
        raise ParseError(f"the expression must be a string, not {type(text).__name__}")
    parser = _Parser(text)
    if parser.peek.kind == "end":
        raise ParseError("the expression is empty; write e.g. 'select id, name from Project'", text, 0)
    query = parser.query()
    parser.expect_end("query")
    return query


def parse_expression(text: str) -> Expr:
    """Parse only a criteria expression (what follows ``where``).

    >>> parse_expression('name like "%010" or bid > 3600').op
    'or'
    """
    parser = _Parser(text)
    if parser.peek.kind == "end":
        raise ParseError("the criteria expression is empty", text, 0)
    expr = parser.expr(0)
    parser.expect_end("criteria")
    return expr


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    # -- token helpers --------------------------------------------------------
    @property
    def peek(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def fail(self, message: str, token: Token | None = None) -> NoReturn:
        tok = token if token is not None else self.peek
        raise ParseError(message, self.text, tok.position)

    def at_word(self, *words: str) -> bool:
        return self.peek.kind == "word" and self.peek.lower in words

    def take_word(self, *words: str) -> Token | None:
        return self.next() if self.at_word(*words) else None

    def expect(self, kind: str, what: str) -> Token:
        if self.peek.kind != kind:
            self.fail(f"expected {what}, found {self.peek.describe()}")
        return self.next()

    def expect_word(self, word: str, context: str) -> Token:
        if not self.at_word(word):
            self.fail(f'expected "{word}" {context}, found {self.peek.describe()}')
        return self.next()

    def expect_end(self, what: str) -> None:
        if self.peek.kind != "end":
            hint = ""
            if self.peek.kind == "word" and self.peek.lower in ("offset", "limit", "order", "group"):
                hint = " (the order is where, group by, order by, then offset and limit, each once)"
            elif self.peek.kind == "word" and self.peek.lower in ("asc", "desc"):
                hint = "; write ascending or descending"
            self.fail(f"unexpected {self.peek.describe()} after the end of the {what}{hint}")

    # -- query ------------------------------------------------------------------
    def query(self, depth: int = 0, subquery: bool = False) -> Query:
        start = self.peek.position
        projections: tuple[Path | Aggregate, ...] | None = None
        if self.take_word("select"):
            projections = self.projections()
            self.expect_word("from", "after the selected attributes")
        type_token = self.peek
        # a type may be spelled like a keyword (Group): type names are CamelCase, keywords are not
        keyword = type_token.lower in _KEYWORDS and not type_token.text[:1].isupper()
        if type_token.kind != "word" or not _IDENT.match(type_token.text) or keyword:
            self.fail(f"expected an entity type name, found {type_token.describe()}")
        self.next()
        where = group_by = None
        if self.take_word("where"):
            where = self.expr(depth)
        order: tuple[OrderKey, ...] = ()
        if self.at_word("group"):
            self.next()
            self.expect_word("by", 'after "group"')
            group_by = tuple(self.comma_list(self.path))
        if self.at_word("order"):
            self.next()
            self.expect_word("by", 'after "order"')
            order = tuple(self.comma_list(self.order_key))
        offset = limit = None
        while not subquery and self.at_word("offset", "limit"):
            word = self.next()
            if (offset if word.lower == "offset" else limit) is not None:
                self.fail(f'"{word.lower}" appears twice', word)
            count = self.peek
            if count.kind != "word" or not _INTEGER.match(count.text) or int(count.text) < 0:
                self.fail(f'"{word.lower}" needs a whole number >= 0, found {count.describe()}')
            self.next()
            if word.lower == "offset":
                offset = int(count.text)
            else:
                limit = int(count.text)
        end = self.peek.position
        return Query(type_token.text, projections, where, group_by or (), order, offset, limit,
                     text=self.text[start:end].strip())

    def comma_list(self, item: Any) -> list[Any]:
        items = [item()]
        while self.peek.kind == ",":
            self.next()
            items.append(item())
        return items

    def projections(self) -> tuple[Path | Aggregate, ...]:
        if self.at_word("from"):
            self.fail("select needs at least one attribute before from")
        return tuple(self.comma_list(self.projection))

    def projection(self) -> Path | Aggregate:
        tok = self.peek
        if tok.kind == "word" and self.tokens[self.i + 1].kind == "(":
            name = tok.lower
            if name not in AGGREGATES:
                self.fail(f'unknown function "{tok.text}"{suggest(name, AGGREGATES)} '
                          f"(functions: {', '.join(AGGREGATES)})")
            self.next()
            self.next()
            path = self.path()
            self.expect(")", f'")" to close {name}(')
            return Aggregate(name, path)
        return self.path()

    def path(self) -> Path:
        tok = self.peek
        if tok.kind != "word" or not _PATH.match(tok.text) or tok.lower in _KEYWORDS:
            self.fail(f"expected an attribute name, found {tok.describe()}")
        self.next()
        return Path(tuple(tok.text.split(".")), tok.position)

    def order_key(self) -> OrderKey:
        path = self.path()
        if self.at_word("asc", "desc"):
            self.fail(f'write {"ascending" if self.peek.lower == "asc" else "descending"}, '
                      f'not "{self.peek.text}"')
        direction = self.take_word("ascending", "descending")
        return OrderKey(path, direction is not None and direction.lower == "descending")

    # -- criteria -----------------------------------------------------------------
    def expr(self, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            self.fail(f"the expression nests deeper than {MAX_DEPTH} levels")
        operands = [self.and_expr(depth)]
        while self.take_word("or"):
            operands.append(self.and_expr(depth))
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands))

    def and_expr(self, depth: int) -> Expr:
        operands = [self.unary(depth)]
        while self.take_word("and"):
            operands.append(self.unary(depth))
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands))

    def unary(self, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            self.fail(f"the expression nests deeper than {MAX_DEPTH} levels")
        tok = self.peek
        if tok.kind == "word" and tok.lower == "not":
            self.next()
            return Not(self.unary(depth + 1), tok.position)
        if tok.kind == "(":
            self.next()
            if self.peek.kind == ")":
                self.fail("empty parentheses need an attribute and has/any before them")
            inner = self.expr(depth + 1)
            self.expect(")", '")" to close the parenthesis')
            return inner
        if tok.kind == "end":
            self.fail("expected a condition such as name is \"x\", found the end of the expression")
        return self.condition(depth)

    def condition(self, depth: int) -> Expr:
        path = self.path()
        op_token = self.peek
        spelling = op_token.text.lower() if op_token.kind in ("word", "symbol") else ""
        op = OPERATORS.get(spelling)
        if op is None:
            if op_token.kind == "word" and spelling == "not":
                self.fail(f'use is_not, not_in or not_like after {path}, or put "not" before {path}')
            if op_token.kind in ("word", "symbol"):
                self.fail(f'unknown operator "{op_token.text}" after {path}{suggest(spelling, OPERATORS)}')
            self.fail(f"expected an operator (is, is_not, in, like, >, has, any...) after {path}, "
                      f"found {op_token.describe()}")
        self.next()
        if op == "is" and self.at_word("not"):
            self.fail(f'write {path} is_not ..., not "is not"')
        if op in ("has", "any"):
            self.expect("(", f'"(" after {spelling}')
            condition = None if self.peek.kind == ")" else self.expr(depth + 1)
            self.expect(")", f'")" to close {spelling} (...)')
            return Relation(path, op, condition, path.position)
        if op in ("in", "not_in"):
            return Comparison(path, op, self.value_list(depth), spelling, path.position)
        return Comparison(path, op, self.value(f"{path} {spelling}"), spelling, path.position)

    def value_list(self, depth: int) -> tuple[Literal, ...] | Subquery:
        self.expect("(", 'a parenthesised list "(" after in / not_in')
        if self.at_word("select"):
            start = self.peek.position
            inner = self.query(depth + 1, subquery=True)
            if inner.projections is None or len(inner.projections) != 1 or inner.aggregates:
                self.fail("a subquery selects exactly one attribute, e.g. (select id from Project where ...)",
                          self.tokens[self.i - 1] if inner.projections is None else None)
            self.expect(")", '")" to close the subquery')
            return Subquery(inner, start)
        values: list[Literal] = []
        if self.peek.kind != ")":
            values = self.comma_list(lambda: self.value("the list"))
        self.expect(")", '")" to close the list')
        return tuple(values)

    def value(self, after: str) -> Literal:
        tok = self.peek
        if tok.kind == "string":
            self.next()
            return Literal(tok.value, "string", tok.value, tok.position)
        if tok.kind != "word" or tok.lower in ("and", "or", "not"):
            self.fail(f"expected a value after {after}, found {tok.describe()}")
        self.next()
        return literal_of_word(tok.text, tok.position)


def literal_of_word(text: str, position: int = 0) -> Literal:
    """The literal an unquoted word stands for.

    >>> [literal_of_word(w).value for w in ("none", "True", "12", "-1.5", "abc-1")]
    [None, True, 12, -1.5, 'abc-1']
    """
    low = text.lower()
    if low in ("none", "null"):
        return Literal(None, "none", text, position)
    if low in ("true", "false"):
        return Literal(low == "true", "boolean", text, position)
    if _NUMBER.match(text):
        value: Any = int(text) if _INTEGER.match(text) else float(text)
        return Literal(value, "number", text, position)
    return Literal(text, "word", text, position)
