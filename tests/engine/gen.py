"""Random filter conditions, orders, summaries and groupings drawn from a sandbox table and its schema.

Values are drawn from the data (so conditions match some rows) and mixed with
near misses, other letter cases and None where the relation takes it. The same
generators serve hypothesis (``Pick.of(data)``) and seeded sweeps
(``Pick.seeded(n)``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from trackframes.query import Condition, Group
from trackframes.sandbox.shotgrid.query import UNFILTERABLE_TYPES, VALID_OPERATORS
from trackframes.schema import FieldKind, FieldSpec


class Pick:
    """Random choices from hypothesis' ``data.draw`` or from a seeded ``random.Random``."""

    def __init__(self, choice: Callable[[Sequence[Any]], Any], integer: Callable[[int, int], int]) -> None:
        self.choice, self.integer = choice, integer

    @classmethod
    def of(cls, data: Any) -> "Pick":
        from hypothesis import strategies as st

        return cls(lambda seq: data.draw(st.sampled_from(list(seq))),
                   lambda lo, hi: data.draw(st.integers(lo, hi)))

    @classmethod
    def seeded(cls, seed: int) -> "Pick":
        rng = random.Random(seed)
        return cls(lambda seq: rng.choice(list(seq)), rng.randint)

    def chance(self, percent: int) -> bool:
        return self.integer(1, 100) <= percent


@dataclass
class Field:
    """A field of the fetched table with the values it holds."""

    spec: FieldSpec
    values: list[Any]          # non-null scalar values (wire form), link dicts, or list elements
    names: list[str]           # link names / text values to cut pieces from

    def __repr__(self) -> str:
        return f"<field {self.spec.name}>"


def wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def fields_of(table: pa.Table, specs: Sequence[FieldSpec]) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for spec in specs:
        if spec.kind is FieldKind.ENTITY:
            ids = table.column(f"{spec.name}.id").to_pylist()
            types = pc.cast(table.column(f"{spec.name}.type"), pa.string()).to_pylist()
            names = table.column(f"{spec.name}.name").to_pylist()
            links = [{"type": t, "id": i} for i, t in zip(ids, types) if i is not None]
            out[spec.name] = Field(spec, links, [n for n in names if n])
        elif spec.kind in (FieldKind.MULTI_ENTITY, FieldKind.TAG_LIST):
            elements = [e for row in table.column(spec.name).to_pylist() if row for e in row]
            if spec.kind is FieldKind.TAG_LIST:
                out[spec.name] = Field(spec, elements, elements)
            else:
                out[spec.name] = Field(spec, [{"type": e["type"], "id": e["id"]} for e in elements],
                                       [e["name"] for e in elements if e["name"]])
        elif spec.kind is FieldKind.URL:
            out[spec.name] = Field(spec, [], [])
        else:
            col = table.column(spec.name)
            if pa.types.is_dictionary(col.type):
                col = pc.cast(col, pa.string())
            values = [wire(v) for v in col.to_pylist() if v is not None]
            out[spec.name] = Field(spec, values, [v for v in values if isinstance(v, str) and v])
    return out


def relations(spec: FieldSpec) -> tuple[str, ...]:
    """The relations the server takes on this field's data type."""
    if spec.data_type in UNFILTERABLE_TYPES:
        return ()
    return VALID_OPERATORS.get(spec.data_type, ())


def _case(pick: Pick, text: str) -> str:
    how = pick.integer(0, 2)
    return text if how == 0 else text.upper() if how == 1 else text.swapcase()


def _piece(pick: Pick, text: str, where: str) -> str:
    if not text:
        return text
    size = pick.integer(1, min(len(text), 6))
    if where == "start":
        piece = text[:size]
    elif where == "end":
        piece = text[-size:]
    else:
        at = pick.integer(0, len(text) - size)
        piece = text[at:at + size]
    return _case(pick, piece)


def _number(pick: Pick, field: Field) -> Any:
    if field.values and pick.chance(80):
        value = pick.choice(field.values)
        return value + pick.choice([0, 0, 1, -1]) if isinstance(value, int) else value
    return pick.integer(-5, 5000) if field.spec.kind is FieldKind.INTEGER else pick.integer(-5, 5000) / 4


def _date(pick: Pick, field: Field, today: date) -> Any:
    base = date.fromisoformat(pick.choice(field.values)[:10]) if field.values and pick.chance(80) else today
    day = base + timedelta(days=pick.integer(-3, 3))
    if field.spec.kind is FieldKind.DATE:
        return day.isoformat()
    if field.values and pick.chance(50):
        exact = pick.choice(field.values)  # an existing instant, written several ways
        moment = datetime.fromisoformat(exact.replace("Z", "+00:00"))
        how = pick.integer(0, 3)
        if how == 1:
            return moment.astimezone(timezone(timedelta(hours=2))).isoformat()
        if how == 2:
            return moment.replace(tzinfo=None).isoformat()
        if how == 3:
            return (moment + timedelta(milliseconds=400)).isoformat().replace("+00:00", "Z")
        return exact
    if pick.chance(20):
        return day.isoformat()  # a date-only value: its UTC midnight
    return f"{day.isoformat()}T{pick.integer(0, 23):02d}:{pick.integer(0, 59):02d}:00Z"


def _scalar(pick: Pick, field: Field, op: str, today: date) -> Any:
    spec = field.spec
    if spec.kind in (FieldKind.INTEGER, FieldKind.FLOAT):
        return _number(pick, field)
    if spec.kind in (FieldKind.DATE, FieldKind.DATETIME):
        return _date(pick, field, today)
    if spec.kind is FieldKind.BOOLEAN:
        return pick.choice([True, False])
    if spec.kind is FieldKind.CATEGORY:
        return pick.choice(list(spec.valid_values) or field.values or ["x"])
    return _case(pick, pick.choice(field.values)) if field.values and pick.chance(85) else "zz-none"


def _link(pick: Pick, field: Field) -> dict[str, Any]:
    if field.values and pick.chance(85):
        return dict(pick.choice(field.values))
    etype = pick.choice(field.spec.valid_types or ("Project",))
    return {"type": etype, "id": pick.integer(1, 40)}


def value_for(pick: Pick, field: Field, op: str, today: date) -> Any:
    """A value the server accepts for ``op`` on ``field``."""
    spec = field.spec
    kind = spec.kind
    # the client refuses None with any other relation, before sending (tests/shotgrid/test_bad_arguments.py)
    takes_none = op in ("is", "is_not", "type_is", "type_is_not")
    if spec.data_type == "image":
        return None
    if takes_none and pick.chance(15):
        return None
    if op in ("in_last", "not_in_last", "in_next", "not_in_next"):
        return [pick.integer(0, 3), pick.choice(["HOUR", "DAY", "WEEK", "MONTH", "YEAR"])]
    if op.startswith("in_calendar_"):
        return pick.integer(-2, 2)
    if op in ("type_is", "type_is_not"):
        return pick.choice(spec.valid_types or ("Project",))
    if op.startswith("name_"):
        text = pick.choice(field.names) if field.names else "zz"
        if op == "name_is":
            return _case(pick, text)
        return _piece(pick, text, {"name_starts_with": "start", "name_ends_with": "end"}.get(op, "middle"))
    if kind in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY):
        if op in ("in", "not_in"):
            items: list[Any] = [_link(pick, field) for _ in range(pick.integer(0, 3))]
            return items + ([None] if pick.chance(25) else [])
        return _link(pick, field)
    if kind is FieldKind.TAG_LIST:
        tag = pick.choice(field.values) if field.values else "hero"
        return _case(pick, tag) if op in ("is", "is_not") else _piece(pick, tag, "middle")
    if op in ("contains", "not_contains", "starts_with", "ends_with"):
        text = pick.choice(field.names) if field.names else "zz"
        return _piece(pick, text, {"starts_with": "start", "ends_with": "end"}.get(op, "middle"))
    if op in ("in", "not_in"):
        items = [_scalar(pick, field, op, today) for _ in range(pick.integer(0, 3))]
        return items + ([None] if pick.chance(25) else [])
    if op in ("between", "not_between"):
        a, b = _scalar(pick, field, op, today), _scalar(pick, field, op, today)
        return [a, b] if pick.chance(80) else [b, a]
    return _scalar(pick, field, op, today)


def condition(pick: Pick, fields: dict[str, Field], today: date, *, path: str | None = None,
              op: str | None = None) -> Condition:
    usable = [f for f in fields.values() if relations(f.spec)]
    field = fields[path] if path is not None else pick.choice(usable)
    op = op or pick.choice(relations(field.spec))
    return Condition(field.spec.name, op, value_for(pick, field, op, today))


def tree(pick: Pick, fields: dict[str, Field], today: date, depth: int = 0) -> Group:
    items: list[Any] = []
    for _ in range(pick.integer(0 if depth else 1, 3)):
        if depth < 2 and pick.chance(25):
            items.append(tree(pick, fields, today, depth + 1))
        else:
            items.append(condition(pick, fields, today))
    return Group(pick.choice(["and", "or"]) if depth or pick.chance(30) else "and", tuple(items))
