"""ShotGrid field data types → neutral :class:`~trackframes.schema.FieldKind`, and schema parsing.

The table :data:`DATA_TYPE_KINDS` is the single source of truth for how a
ShotGrid field becomes columns; ``docs/dtypes.md`` shows it and a test keeps
the two in step. A data type missing from the table maps to
``FieldKind.UNKNOWN`` (kept as text, with a warning).

The parsers check the shape of what they read and raise
:class:`~trackframes.answers.Malformed` for anything else (the backend turns it
into a ``ProtocolError`` naming the request).
"""

from __future__ import annotations

from typing import Any, Mapping

from ...answers import Malformed, json_type
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


def _text(node: Any, default: str, where: str) -> str:
    value = _value(node, default)
    if value is None:
        return default
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise Malformed(f"JSON of the wrong shape ({where} is {json_type(value)}, not text)")
    return str(value)


def _flag(node: Any, default: bool, where: str) -> bool:
    value = _value(node, default)
    if value is None:
        return default
    if not isinstance(value, (bool, int)):
        raise Malformed(f"JSON of the wrong shape ({where} is {json_type(value)}, not true/false)")
    return bool(value)


def _names(node: Any, where: str) -> tuple[str, ...]:
    value = _value(node, ()) or ()
    if not isinstance(value, (list, tuple)):
        raise Malformed(f"JSON of the wrong shape ({where} is {json_type(value)}, not an array)")
    return tuple(str(v) for v in value)


def _object(node: Any, where: str) -> Mapping[str, Any]:
    if node is None:
        return {}
    if not isinstance(node, Mapping):
        raise Malformed(f"JSON of the wrong shape ({where} is {json_type(node)}, not an object)")
    return node


def parse_entities(data: Mapping[str, Any]) -> dict[str, tuple[str, bool]]:
    """``GET /schema`` data → ``{entity: (display name, visible)}``."""
    out = {}
    for name, info in data.items():
        info = _object(info, f"entity {name!r}")
        out[name] = (_text(info.get("name"), name, f"the name of {name}") or name,
                     _flag(info.get("visible"), True, f"the visibility of {name}"))
    return out


def parse_fields(entity: str, data: Mapping[str, Any]) -> dict[str, FieldSpec]:
    """``GET /schema/{entity}/fields`` data → ``{field: FieldSpec}``."""
    out: dict[str, FieldSpec] = {}
    for name, info in data.items():
        where = f"{entity}.{name}"
        info = _object(info, f"field {where}")
        props = _object(info.get("properties"), f"the properties of {where}")
        data_type = _text(info.get("data_type"), "text", f"the data type of {where}")
        out[name] = FieldSpec(
            name=name,
            kind=kind_of(data_type),
            data_type=data_type,
            display_name=_text(info.get("name"), name, f"the name of {where}") or name,
            entity=entity,
            valid_types=_names(props.get("valid_types"), f"the valid types of {where}"),
            valid_values=_names(props.get("valid_values"), f"the valid values of {where}"),
            editable=_flag(info.get("editable"), True, f"the editable flag of {where}"),
            mandatory=_flag(info.get("mandatory"), False, f"the mandatory flag of {where}"),
            visible=_flag(info.get("visible"), True, f"the visibility of {where}"),
            description=_text(info.get("description"), "", f"the description of {where}"),
        )
    out.setdefault("id", FieldSpec("id", FieldKind.INTEGER, "number", "Id", entity=entity, editable=False))
    return out
