"""A small hand-made shaped table with one field of every kind (expected results are worked out by hand)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pyarrow as pa

from trackframes.schema import FieldKind, FieldSpec, arrow_schema

UTC = timezone.utc
D = date
T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731

SPECS = [
    FieldSpec("code", FieldKind.TEXT, "text"),
    FieldSpec("thumb", FieldKind.TEXT, "image"),
    FieldSpec("status", FieldKind.CATEGORY, "status_list", valid_values=("wtg", "ip", "rev", "fin")),
    FieldSpec("cut", FieldKind.INTEGER, "number"),
    FieldSpec("rate", FieldKind.FLOAT, "float"),
    FieldSpec("done", FieldKind.BOOLEAN, "checkbox"),
    FieldSpec("due", FieldKind.DATE, "date"),
    FieldSpec("at", FieldKind.DATETIME, "date_time"),
    FieldSpec("link", FieldKind.ENTITY, "entity", valid_types=("Shot", "Asset")),
    FieldSpec("people", FieldKind.MULTI_ENTITY, "multi_entity", valid_types=("Person", "Team")),
    FieldSpec("tags", FieldKind.TAG_LIST, "tag_list"),
    FieldSpec("web", FieldKind.URL, "url"),
    FieldSpec("link.Shot.code", FieldKind.TEXT, "text"),
]

ROWS = {
    "id": [1, 2, 3, 4, 5],
    "code": ["Alpha", "beta", None, "", "ALPHABET"],
    "thumb": ["http://x", "", None, "y", None],
    "status": ["ip", "fin", None, "rev", "ip"],
    "cut": [10, 20, None, 30, 20],
    "rate": [1.5, None, 2.0, 2.5, -1.0],
    "done": [True, False, None, True, False],
    "due": [D(2026, 3, 1), D(2026, 3, 2), None, D(2026, 2, 23), D(2026, 3, 9)],
    "at": [T(2026, 3, 2, 10), T(2026, 3, 1, 23, 30), None, T(2026, 3, 2, 14, 29, 59), T(2026, 2, 28)],
    "link": [("Shot", 1, "sh010"), ("Asset", 1, "Tree"), None, ("Shot", 2, "SH020"), ("Shot", 1, "sh010")],
    "people": [[("Person", 1, "Ann"), ("Team", 2, "Anim")], [], None, [("Person", 3, "bob")], [("Person", 1, "Ann")]],
    "tags": [["hero", "Shared"], [], None, ["background"], ["HERO"]],
    "web": [("site", "http://a", None, "web"), None, ("", "http://b", None, "web"), None, (None, "http://c", None, "web")],
    "link.Shot.code": ["sh010", None, None, "sh020", "sh010"],
}

#: The instant relative relations are taken from: Monday 2 March 2026, 14:30:15.25 UTC.
NOW = T(2026, 3, 2, 14, 30, 15, 250000)


def _link(v):
    return None if v is None else {"id": v[1], "type": v[0], "name": v[2]}


def table(rows: dict | None = None, specs: list[FieldSpec] = SPECS) -> pa.Table:
    """The shaped table of ``rows`` (default :data:`ROWS`), built column by column like ``shape_table``."""
    rows = rows or ROWS
    schema = arrow_schema(specs)
    arrays = []
    for field in schema:
        name = field.name
        if name in rows:
            values = rows[name]
            if pa.types.is_list(field.type) and pa.types.is_struct(field.type.value_type):
                values = [None if v is None else [_link(x) for x in v] for v in values]
            arrays.append(pa.array(values, field.type))
            continue
        base, part = name.rsplit(".", 1)
        values = rows[base]
        if next(s for s in specs if s.name == base).kind is FieldKind.ENTITY:
            at = {"type": 0, "id": 1, "name": 2}[part]
            arrays.append(pa.array([None if v is None else v[at] for v in values], field.type))
        else:
            at = ("name", "url", "content_type", "link_type").index(part)
            arrays.append(pa.array([None if v is None else v[at] for v in values], field.type))
    return pa.Table.from_arrays(arrays, schema=schema)
