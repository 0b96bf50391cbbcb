"""Bodies of the four ``/schema`` endpoints, in the reference's ``{"value", "editable"}`` shape."""

from __future__ import annotations

from typing import Any

from .model import EntityDef, FieldDef, Store
from .names import EntityNames

__all__ = ["entities_body", "entity_body", "fields_body", "field_body", "field_record", "STATUS_NAMES"]

#: Display names of the usual status codes; other codes display as themselves.
STATUS_NAMES: dict[str, str] = {
    "wtg": "Waiting to Start",
    "rdy": "Ready to Start",
    "ip": "In Progress",
    "rev": "Pending Review",
    "cmpt": "Complete",
    "fin": "Final",
    "hld": "On Hold",
    "omt": "Omit",
    "na": "N/A",
    "act": "Active",
    "dis": "Disabled",
    "apr": "Approved",
    "vwd": "Viewed",
    "rej": "Rejected",
    "clsd": "Closed",
    "opn": "Open",
    "res": "Pending Review",
    "chk": "Checked",
    "rtk": "Retake",
}

_LINK_TYPES = ("entity", "multi_entity", "addressing")


def _v(value: Any, editable: bool = False) -> dict[str, Any]:
    return {"value": value, "editable": editable}


def _visible(hidden_in: frozenset[int], project_id: int | None) -> bool:
    return project_id is None or project_id not in hidden_in


def _entity_record(edef: EntityDef, project_id: int | None) -> dict[str, Any]:
    return {"name": _v(edef.display_name), "visible": _v(_visible(edef.hidden_in_projects, project_id))}


def field_record(fdef: FieldDef, project_id: int | None) -> dict[str, Any]:
    """One field's schema record."""
    properties: dict[str, Any] = {
        "default_value": _v(fdef.default_value),
        "summary_default": _v("none", True),
    }
    if fdef.data_type in _LINK_TYPES:
        properties["valid_types"] = _v(list(fdef.valid_types), True)
    if fdef.data_type in ("list", "status_list"):
        properties["valid_values"] = _v(list(fdef.valid_values), True)
        if fdef.data_type == "status_list":
            shown = {code: STATUS_NAMES.get(code, code) for code in fdef.valid_values}
        else:
            shown = {value: value for value in fdef.valid_values}
        properties["display_values"] = _v(shown)
    return {
        "name": _v(fdef.display_name, True),
        "description": _v(fdef.description, True),
        "entity_type": _v(fdef.entity_type),
        "data_type": _v(fdef.data_type),
        "editable": _v(fdef.editable),
        "mandatory": _v(fdef.mandatory),
        "unique": _v(fdef.unique),
        "properties": properties,
        "visible": _v(_visible(fdef.hidden_in_projects, project_id)),
        "ui_value_displayable": _v(fdef.data_type != "password"),
    }


def entities_body(store: Store, prefix: str, project_id: int | None) -> dict[str, Any]:
    data = {name: _entity_record(edef, project_id) for name, edef in sorted(store.entities.items())}
    return {"data": data, "links": {"self": f"{prefix}/schema"}}


def entity_body(store: Store, names: EntityNames, prefix: str, entity: str, project_id: int | None) -> dict[str, Any]:
    return {"data": _entity_record(store.entities[entity], project_id),
            "links": {"self": f"{prefix}/schema/{names.plural(entity)}"}}


def fields_body(store: Store, names: EntityNames, prefix: str, entity: str, project_id: int | None) -> dict[str, Any]:
    fields = store.entities[entity].fields
    return {"data": {name: field_record(fdef, project_id) for name, fdef in fields.items()},
            "links": {"self": f"{prefix}/schema/{names.plural(entity)}/fields"}}


def field_body(store: Store, names: EntityNames, prefix: str, entity: str, field: str,
               project_id: int | None) -> dict[str, Any]:
    fdef = store.entities[entity].fields[field]
    return {"data": field_record(fdef, project_id),
            "links": {"self": f"{prefix}/schema/{names.plural(entity)}/fields/{field}"}}
