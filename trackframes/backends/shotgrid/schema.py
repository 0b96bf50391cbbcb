"""ShotGrid field data types → neutral :class:`~trackframes.schema.FieldKind`, and schema parsing.

The table :data:`DATA_TYPE_KINDS` is the single source of truth for how a
ShotGrid field becomes columns; ``docs/dtypes.md`` shows it and a test keeps
the two in step. A data type missing from the table maps to
``FieldKind.UNKNOWN`` (kept as text, with a warning).
"""

from __future__ import annotations

from typing import Any, Mapping

from ...schema import FieldKind, FieldSpec

__all__ = ["DATA_TYPE_KINDS", "kind_of", "parse_entities", "parse_fields", "ID_SPEC"]

DATA_TYPE_KINDS: dict[str, FieldKind] = {
    "text": FieldKind.TEXT,
    "color": FieldKind.TEXT,
    "image": FieldKind.TEXT,
    "footage": FieldKind.TEXT,
    "entity_type": FieldKind.TEXT,
    "uuid": FieldKind.TEXT,
    "serializable": FieldKind.JSON,
    "password": FieldKind.TEXT,
    "number": FieldKind.INTEGER,
    "duration": FieldKind.INTEGER,
    "timecode": FieldKind.INTEGER,
    "percent": FieldKind.INTEGER,
    "float": FieldKind.FLOAT,
    "currency": FieldKind.FLOAT,
    "checkbox": FieldKind.BOOLEAN,
    "date": FieldKind.DATE,
    "date_time": FieldKind.DATETIME,
    "status_list": FieldKind.CATEGORY,
    "list": FieldKind.CATEGORY,
    "entity": FieldKind.ENTITY,
    "multi_entity": FieldKind.MULTI_ENTITY,
    "addressing": FieldKind.MULTI_ENTITY,
    "url": FieldKind.URL,
    "tag_list": FieldKind.TAG_LIST,
}

ID_SPEC = FieldSpec("id", FieldKind.INTEGER, "number", "Id", editable=False)


def kind_of(data_type: str) -> FieldKind:
    return DATA_TYPE_KINDS.get(data_type, FieldKind.UNKNOWN)


def _value(node: Any, default: Any = None) -> Any:
    """Unwrap the schema's ``{"value": ..., "editable": ...}`` objects."""
    if isinstance(node, Mapping) and "value" in node:
        return node["value"]
    return default if node is None else node


def parse_entities(data: Mapping[str, Any]) -> dict[str, tuple[str, bool]]:
    """``GET /schema`` data → ``{entity: (display name, visible)}``."""
    out = {}
    for name, info in data.items():
        info = info or {}
        out[name] = (str(_value(info.get("name"), name) or name), bool(_value(info.get("visible"), True)))
    return out


def parse_fields(entity: str, data: Mapping[str, Any]) -> dict[str, FieldSpec]:
    """``GET /schema/{entity}/fields`` data → ``{field: FieldSpec}``."""
    out: dict[str, FieldSpec] = {}
    for name, info in data.items():
        info = info or {}
        props = info.get("properties") or {}
        data_type = str(_value(info.get("data_type"), "text"))
        valid_types = _value(props.get("valid_types"), ()) or ()
        valid_values = _value(props.get("valid_values"), ()) or ()
        out[name] = FieldSpec(
            name=name,
            kind=kind_of(data_type),
            data_type=data_type,
            display_name=str(_value(info.get("name"), name) or name),
            entity=entity,
            valid_types=tuple(str(v) for v in valid_types),
            valid_values=tuple(str(v) for v in valid_values),
            editable=bool(_value(info.get("editable"), True)),
            mandatory=bool(_value(info.get("mandatory"), False)),
            visible=bool(_value(info.get("visible"), True)),
            description=str(_value(info.get("description"), "") or ""),
        )
    out.setdefault("id", FieldSpec("id", FieldKind.INTEGER, "number", "Id", entity=entity, editable=False))
    return out
