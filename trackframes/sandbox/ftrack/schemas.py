"""ftrack entity schemas in the ``query_schemas`` format, for the sandbox's store.

The property shapes follow a real server's ``query_schemas`` reply (recorded in
ftrack's JavaScript client test fixtures): ``{"type": "string"}``, date-times as
``{"type": "string", "format": "date-time"}``, references as ``{"$ref": T}``
without a ``type``, collections as ``{"type": "array", "items": {"$ref": T}}``,
custom attributes as a ``mapped_array`` of ``...CustomAttributeValue``. Only a
subset of each real type's properties is kept: the ones a production tracker
reads.

Schemas are *authored* with ``"$mixin": {"$ref": Parent}`` for the hierarchy
(``Task`` → ``TypedContext`` → ``Context``; ``User`` → ``Resource``); the store
flattens them, as the real server's reply is flat (every concrete type repeats
its parents' properties, and no ``$mixin`` appears).

>>> names = [s["id"] for s in standard_schemas()]
>>> {"Location", "Context", "TypedContext", "Task", "Shot", "User", "Timelog"} <= set(names)
True
>>> OBJECT_TYPE_IDS["Shot"]
'bad911de-3bd6-47b9-8b46-3476e237cb36'
"""

from __future__ import annotations

from typing import Any

from .store import Relation, Store

__all__ = ["standard_schemas", "standard_relations", "OBJECT_TYPE_IDS", "TYPED_CONTEXTS",
           "string", "number", "integer", "boolean", "datetime_", "variable", "fk", "ref", "array",
           "mapped", "entity"]

#: Object type ids of the built-in typed contexts (the real server's values).
OBJECT_TYPE_IDS = {
    "Task": "11c137c0-ee7e-4f9c-91c5-8c77cec22b2c",
    "Shot": "bad911de-3bd6-47b9-8b46-3476e237cb36",
    "Sequence": "e5139355-61da-4c8f-9db4-3abc870166bc",
    "Episode": "22139355-61da-4c8f-9db4-3abc870166bc",
    "AssetBuild": "4be63b64-5010-42fb-bf1f-428af9d638f0",
    "Folder": "3c133785-51cb-11e3-980a-20c9d0831e59",
    "Milestone": "01decdd1-51cb-11e3-9d5b-20c9d0831e59",
}
#: The concrete typed contexts (every one is a ``TypedContext``).
TYPED_CONTEXTS = tuple(OBJECT_TYPE_IDS)


def string(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


def number(**extra: Any) -> dict[str, Any]:
    return {"type": "number", **extra}


def integer(**extra: Any) -> dict[str, Any]:
    return {"type": "integer", **extra}


def boolean(**extra: Any) -> dict[str, Any]:
    return {"type": "boolean", **extra}


def datetime_(**extra: Any) -> dict[str, Any]:
    return {"type": "string", "format": "date-time", **extra}


def variable(**extra: Any) -> dict[str, Any]:
    return {"type": "variable", **extra}


def fk(target: str, **extra: Any) -> dict[str, Any]:
    """A foreign-key string property, described the way the real server describes it."""
    return {"type": "string", "format": "foreign_key", "description": f"Foreign key(s): {target}.id", **extra}


def ref(target: str) -> dict[str, Any]:
    return {"$ref": target}


def array(target: str) -> dict[str, Any]:
    return {"type": "array", "items": {"$ref": target}}


def mapped(target: str) -> dict[str, Any]:
    """A key/value collection (custom attributes, metadata)."""
    return {"type": "mapped_array", "items": {"$ref": target},
            "key_value_attributes": {"key": "key", "value": "value"}}


def entity(type_id: str, properties: dict[str, Any], *, mixin: str | None = None,
           primary_key: tuple[str, ...] = ("id",), default_projections: tuple[str, ...] = ("id",),
           required: tuple[str, ...] = ("id",), immutable: tuple[str, ...] = ("id",),
           **extra: Any) -> dict[str, Any]:
    """One authored schema (``extra`` holds e.g. ``system_projections``, ``computed``, ``alias_for``)."""
    schema: dict[str, Any] = {"id": type_id, "type": "object"}
    if mixin:
        schema["$mixin"] = {"$ref": mixin}
    schema.update(primary_key=list(primary_key), default_projections=list(default_projections),
                  required=list(required), immutable=list(immutable), properties=properties)
    schema.update({k: list(v) if isinstance(v, tuple) else v for k, v in extra.items()})
    return schema


def _id() -> dict[str, Any]:
    return string(default="{uid}")


def _custom_value(type_id: str, owner: str) -> dict[str, Any]:
    return entity(type_id, {
        "configuration_id": fk("CustomAttributeConfiguration"), "entity_id": fk(owner),
        "key": string(), "value": variable(), "configuration": ref("CustomAttributeConfiguration"),
    }, primary_key=("configuration_id", "entity_id"), default_projections=("configuration_id", "entity_id", "key"),
        required=("configuration_id", "entity_id"), immutable=("configuration_id", "entity_id"),
        system_projections=("entity_id", "key"))


def standard_schemas() -> list[dict[str, Any]]:
    """The authored schemas of the sandbox's ftrack model (a fresh list each call)."""
    context_props = {
        "id": _id(), "name": string(default=""), "context_type": string(),
        "parent_id": fk("Context"), "parent": ref("Context"),
        "project_id": fk("Project", alias_for="showid"),
        "created_at": datetime_(), "created_by_id": fk("User"), "created_by": ref("User"),
        "children": array("Context"), "timelogs": array("Timelog"), "notes": array("Note"),
        "appointments": array("Appointment"), "assignments": array("Appointment"),
        "allocations": array("Appointment"), "assets": array("Asset"),
        "custom_attributes": mapped("ContextCustomAttributeValue"), "metadata": mapped("Metadata"),
    }
    context_extra = dict(default_projections=("context_type", "id", "name"),
                         required=("context_type", "id", "name"), system_projections=("context_type",))
    typed_props = {
        "bid": number(), "description": string(), "sort": number(),
        "start_date": datetime_(), "end_date": datetime_(),
        "status_id": fk("Status"), "status": ref("Status"),
        "type_id": fk("Type"), "type": ref("Type"),
        "priority_id": fk("Priority"), "priority": ref("Priority"),
        "object_type_id": fk("ObjectType"), "object_type": ref("ObjectType"),
        "project": ref("Project"), "ancestors": array("TypedContext"), "descendants": array("TypedContext"),
    }
    typed_extra = dict(context_extra, system_projections=("showid", "context_type"))
    schemas = [
        entity("Location", {"id": _id(), "name": string(), "label": string(), "description": string()},
               required=("name", "id")),
        entity("Context", context_props, **context_extra),
        entity("Project", {
            "full_name": string(), "status": string(), "start_date": datetime_(), "end_date": datetime_(),
            "root": string(), "is_global": boolean(default=False), "is_private": boolean(default=False),
            "project_schema_id": fk("ProjectSchema"), "project_schema": ref("ProjectSchema"),
            "descendants": array("TypedContext"),
        }, mixin="Context", alias_for="Show", **context_extra),
        entity("ProjectSchema", {"id": _id(), "name": string()}),
        entity("TypedContext", typed_props, mixin="Context", alias_for="Task", **typed_extra),
    ]
    for name, object_type in OBJECT_TYPE_IDS.items():
        schemas.append(entity(name, {"object_type_id": fk("ObjectType", default=object_type)},
                              mixin="TypedContext", alias_for={"id": "Task", "classifiers":
                                                               {"object_typeid": object_type}},
                              **typed_extra))
    schemas += [
        entity("ObjectType", {
            "id": _id(), "name": string(), "sort": integer(default=0), "icon": string(default="default"),
            "is_leaf": boolean(default=False), "is_statusable": boolean(default=True),
            "is_typeable": boolean(default=True), "is_time_reportable": boolean(default=False),
            "tasks": array("Task"),
        }),
        entity("Status", {
            "id": _id(), "name": string(), "color": string(), "is_active": boolean(default=True),
            "sort": integer(default=0), "state": ref("State"), "tasks": array("Task"),
        }, required=("id", "is_active"), alias_for="TaskStatus"),
        entity("State", {"id": _id(), "name": string(), "short": string()}, alias_for="StatusType"),
        entity("Type", {
            "id": _id(), "name": string(), "color": string(default="#510100"), "sort": integer(default=0),
            "is_billable": boolean(default=True), "tasks": array("Task"),
        }, alias_for="TaskType"),
        entity("Priority", {
            "id": _id(), "name": string(), "color": string(), "sort": integer(default=0),
            "value": number(default=0), "tasks": array("Task"),
        }, alias_for="PriorityType"),
        entity("Resource", {
            "id": _id(), "resource_type": string(), "appointments": array("Appointment"),
            "assignments": array("Appointment"), "allocations": array("Appointment"),
        }, required=("resource_type", "id"), system_projections=("resource_type",)),
        entity("User", {
            "resource_type": string(default="user"), "username": string(), "first_name": string(),
            "last_name": string(), "email": string(), "is_active": boolean(default=True),
            "timelogs": array("Timelog"), "custom_attributes": mapped("UserCustomAttributeValue"),
        }, mixin="Resource", required=("username", "is_active", "resource_type", "id"),
            system_projections=("resource_type",)),
        entity("Group", {"resource_type": string(default="group"), "name": string(default=""),
                         "local": boolean(), "parent_id": fk("Group"), "parent": ref("Group"),
                         "children": array("Group")},
               mixin="Resource", system_projections=("resource_type",)),
        entity("Appointment", {
            "id": _id(), "type": string(), "context_id": fk("Context"), "context": ref("Context"),
            "resource_id": fk("Resource"), "resource": ref("Resource"),
        }, required=("id", "type", "resource_id", "context_id")),
        entity("Timelog", {
            "id": _id(), "name": string(), "comment": string(default=""), "start": datetime_(),
            "duration": number(), "time_zone_offset": number(), "user_id": fk("User"), "user": ref("User"),
            "context_id": fk("Context"), "context": ref("Context"),
        }, required=("comment", "start", "duration", "id"), system_projections=("user_id", "context_id")),
        entity("Note", {
            "id": _id(), "content": string(), "date": datetime_(), "is_todo": boolean(default=False),
            "user_id": fk("User"), "author": ref("User"), "parent_id": string(), "parent_type": string(),
            "in_reply_to_id": fk("Note"), "in_reply_to": ref("Note"), "replies": array("Note"),
        }, required=("id", "user_id")),
        entity("Asset", {
            "id": _id(), "name": string(), "context_id": fk("Context"), "parent": ref("Context"),
            "versions": array("AssetVersion"),
        }, system_projections=("context_id",)),
        entity("AssetVersion", {
            "id": _id(), "version": integer(), "comment": string(default=""), "date": datetime_(),
            "is_published": boolean(default=True), "asset_id": fk("Asset"), "asset": ref("Asset"),
            "task_id": fk("Task"), "task": ref("Task"), "status_id": fk("Status"), "status": ref("Status"),
            "user_id": fk("User"), "user": ref("User"), "notes": array("Note"),
            "custom_attributes": mapped("AssetVersionCustomAttributeValue"),
        }, required=("id", "is_published", "status_id"), system_projections=("asset_id",)),
        entity("CalendarEvent", {
            "id": _id(), "name": string(), "start": datetime_(), "end": datetime_(),
            "leave": boolean(default=False), "everyone": boolean(default=False), "forecast": boolean(default=False),
            "project_id": fk("Project"), "project": ref("Project"),
            "calendar_event_resources": array("CalendarEventResource"),
        }, required=("id", "start", "end")),
        entity("CalendarEventResource", {
            "id": _id(), "calendar_event_id": fk("CalendarEvent"), "calendar_event": ref("CalendarEvent"),
            "resource_id": fk("Resource"), "resource": ref("Resource"),
        }, required=("id", "calendar_event_id", "resource_id")),
        entity("CustomAttributeType", {"id": _id(), "name": string(), "core": boolean(default=False)},
               required=("id", "core")),
        entity("CustomAttributeConfiguration", {
            "id": _id(), "key": string(), "label": string(), "config": string(), "default": variable(),
            "entity_type": string(), "object_type_id": string(), "project_id": string(),
            "is_hierarchical": boolean(default=False), "core": boolean(default=False),
            "sort": integer(default=0), "type_id": fk("CustomAttributeType"), "type": ref("CustomAttributeType"),
        }, required=("id", "core", "config")),
        _custom_value("ContextCustomAttributeValue", "Context"),
        _custom_value("UserCustomAttributeValue", "User"),
        _custom_value("AssetVersionCustomAttributeValue", "AssetVersion"),
        entity("Metadata", {"parent_id": string(), "key": string(), "value": string(), "parent_type": string()},
               primary_key=("parent_id", "key"), default_projections=("parent_id", "key", "value", "parent_type"),
               required=("parent_id", "key", "value", "parent_type"), immutable=("parent_id", "key")),
    ]
    return schemas


def _ancestors(store: Store, record: Any) -> list[Any]:
    out, seen = [], {record.key}
    parent = store.follow(record, "parent")
    while parent is not None and parent.key not in seen and store.is_a(parent.type, "TypedContext"):
        out.append(parent)
        seen.add(parent.key)
        parent = store.follow(parent, "parent")
    return out


def _descendants(store: Store, record: Any) -> list[Any]:
    out, seen, todo = [], {record.key}, [record]
    while todo:
        for child in store.follow(todo.pop(), "children"):
            if child.key not in seen and store.is_a(child.type, "TypedContext"):
                seen.add(child.key)
                out.append(child)
                todo.append(child)
    return out


def standard_relations() -> dict[str, Relation]:
    """How the standard schemas' relations resolve where the default rules cannot tell.

    The defaults: a reference ``r`` reads the foreign key ``r_id``; a collection
    of ``T`` holds the ``T`` records whose only reference back to the owner's
    type points at the owner.
    """
    def appointments(kind: str | None, inverse: str) -> Relation:
        return Relation(inverse=inverse, where={"type": kind} if kind else {})

    return {
        "Context.appointments": appointments(None, "context_id"),
        "Context.assignments": appointments("assignment", "context_id"),
        "Context.allocations": appointments("allocation", "context_id"),
        "Resource.appointments": appointments(None, "resource_id"),
        "Resource.assignments": appointments("assignment", "resource_id"),
        "Resource.allocations": appointments("allocation", "resource_id"),
        "Context.children": Relation(inverse="parent_id"),
        "Context.notes": Relation(inverse="parent_id"),
        "Context.assets": Relation(inverse="context_id"),
        "Context.custom_attributes": Relation(inverse="entity_id"),
        "Context.metadata": Relation(inverse="parent_id"),
        "User.custom_attributes": Relation(inverse="entity_id"),
        "AssetVersion.custom_attributes": Relation(inverse="entity_id"),
        "AssetVersion.notes": Relation(inverse="parent_id"),
        "TypedContext.ancestors": Relation(resolve=_ancestors),
        "TypedContext.descendants": Relation(resolve=_descendants),
        "Project.descendants": Relation(resolve=_descendants),
        "Note.author": Relation(foreign_key="user_id"),
        "Note.replies": Relation(inverse="in_reply_to_id"),
        "Asset.parent": Relation(foreign_key="context_id"),
    }
