"""Shortcuts producers expect: ``site.projects()``, ``site.people()`` and ``find(..., project=...)``.

>>> import trackframes as tf
>>> with tf.sandbox.serve(scale=0.02, seed=1) as sb:
...     site = sb.connect(progress=False)
...     names = list(site.projects()["name"])
...     shots = site.find("Shot", fields=["code", "project"], project="Copper Sky")
...     people = site.people()
>>> names
['Copper Sky', 'Hollow Pines']
>>> set(shots["project.name"])
{'Copper Sky'}
>>> list(people.columns[:4])
['id', 'name', 'login', 'email']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .exceptions import SchemaError
from .schema import FieldKind
from .suggest import hint, suggest
from .values import plain, show

__all__ = ["PROJECT_FIELDS", "PEOPLE_FIELDS", "project_link", "project_field", "project_condition",
           "projects_frame", "people_frame"]

#: Default columns of ``site.projects()`` (those the site has, in this order).
PROJECT_FIELDS = ("name", "sg_status", "sg_type", "start_date", "end_date", "archived")
#: Default columns of ``site.people()`` (those the site has, in this order).
PEOPLE_FIELDS = ("name", "login", "email", "sg_department", "department", "sg_status_list")
_ACTIVE_USER = "act"


def _names(site: Any) -> tuple[str, tuple[str, ...], str]:
    """(project entity, its name fields, person entity) for the site's backend."""
    fn = getattr(site.backend, "schedule_fields", None)
    if fn is None:
        return "Project", ("name",), "HumanUser"
    fields = fn()
    return fields.project_entity, tuple(fields.project_name_fields), fields.user_entity


def project_link(site: Any, project: Any, *, include_archived_projects: bool = False) -> dict[str, Any]:
    """``{"type", "id", "name"}`` of a project given by name, id, link or row (a frame row, a dict).

    Unknown names are refused with the closest project names of the site, and
    an archived project (unless ``include_archived_projects``) with a message
    saying so.
    """
    entity, name_fields, _ = _names(site)
    project = plain(project)
    if isinstance(project, bool) or not isinstance(project, (str, int, Mapping)) and not _is_row(project):
        raise TypeError(f"project must be a project name, an id or a link such as {{'type': {entity!r}, 'id': 1}}, "
                        f"not {show(project)}.")
    known = site.field_specs(entity)
    name_field = next((f for f in name_fields if f in known), None)
    archived_field = "archived" if "archived" in known else None
    wanted = [f for f in (name_field, archived_field) if f]
    if isinstance(project, str):
        if name_field is None:
            raise ValueError(f"{entity} records have no name field to look project={project!r} up by; pass an id.")
        hits = site.find(entity, [[name_field, "is", project]], wanted, limit=2, include_archived_projects=True,
                         progress=False)
        if len(hits) > 1:
            raise ValueError(f"Several {entity} records are named {project!r}; pass project=<id> instead "
                             f"(ids {', '.join(str(i) for i in hits['id'])}).")
        if not len(hits):
            close = _did_you_mean(site, entity, name_field, project)
            raise ValueError(f"project={project!r}: no {entity} has that name.{close}")
    else:
        rid = _project_id(entity, project)
        hits = site.find(entity, [["id", "is", rid]], wanted, limit=1, include_archived_projects=True, progress=False)
        if not len(hits):
            raise ValueError(f"project={show(project)}: there is no {entity} with id {rid}.")
    row = hits.iloc[0]
    label = str(row[name_field]) if name_field else f"id {int(row['id'])}"
    if archived_field and bool(row[archived_field]) and not include_archived_projects:
        raise ValueError(f"project={show(project)}: the {entity} {label!r} (id {int(row['id'])}) is archived; pass "
                         "include_archived_projects=True to read it.")
    return {"type": entity, "id": int(row["id"]), "name": label}


def _is_row(value: Any) -> bool:
    import pandas as pd

    return isinstance(value, pd.Series)


def _project_id(entity: str, project: Any) -> int:
    if isinstance(project, int):
        return project
    kind = project.get("type")
    if kind is not None and str(kind) != entity:
        raise ValueError(f"project= must be a {entity}, not a link to a {kind}: {show(project)}.")
    rid = plain(project.get("id"))
    if isinstance(rid, float) and rid.is_integer():
        rid = int(rid)
    if isinstance(rid, bool) or not isinstance(rid, int):
        raise ValueError(f"project= must have a whole-number id, not {show(rid)} (in {show(project)}).")
    return rid


def _did_you_mean(site: Any, entity: str, name_field: str, name: str) -> str:
    everyone = site.find(entity, None, [name_field], limit=site.page_size, include_archived_projects=True,
                         progress=False)
    names = sorted({str(v) for v in everyone[name_field].dropna()})
    hints = suggest(name, names)
    return hint(hints) if hints else (f" Projects: {', '.join(names[:10])}." if names else "")


def project_field(site: Any, entity: str) -> str:
    """The field of ``entity`` that ``project=`` filters on: ``"project"`` (``"id"`` for projects themselves).

    Checked against the schema before any project is looked up; an entity type
    without a project link is refused, naming the fields that do link to projects.
    """
    project_entity, _, _ = _names(site)
    if entity == project_entity:
        return "id"
    specs = site.field_specs(entity)
    spec = specs.get("project")
    if spec is not None and spec.kind is FieldKind.ENTITY and (not spec.valid_types
                                                               or project_entity in spec.valid_types):
        return "project"
    links = [n for n, s in specs.items() if s.kind in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY)
             and project_entity in s.valid_types]
    how = (f" Filter on {links[0]!r} instead, e.g. [[{links[0]!r}, 'is', {{'type': {project_entity!r}, 'id': 1}}]]."
           if links else "")
    raise SchemaError(f"{entity} records have no 'project' field, so project= cannot be used with them.{how}",
                      name="project", suggestions=links)


def project_condition(field: str, link: Mapping[str, Any]) -> list[Any]:
    """``[field, "is", ...]`` for :func:`project_field`'s field and a :func:`project_link`."""
    if field == "id":
        return ["id", "is", link["id"]]
    return [field, "is", {"type": link["type"], "id": link["id"]}]


def projects_frame(site: Any, *, include_archived_projects: bool = False, fields: Any = None,
                   filters: Any = None) -> Any:
    """``site.projects()``: one row per project (active ones unless ``include_archived_projects``)."""
    entity, name_fields, _ = _names(site)
    known = site.field_specs(entity)
    if fields is None:
        fields = [f for f in (*name_fields, *PROJECT_FIELDS) if f in known]
        fields = list(dict.fromkeys(fields))
    order = [f for f in name_fields if f in known][:1]
    return site.find(entity, filters, fields, order=order, include_archived_projects=include_archived_projects)


def people_frame(site: Any, *, include_inactive: bool = False, fields: Any = None, filters: Any = None) -> Any:
    """``site.people()``: one row per person (active accounts unless ``include_inactive``)."""
    _, _, entity = _names(site)
    known = site.field_specs(entity)
    if fields is None:
        fields = [f for f in PEOPLE_FIELDS if f in known]
    conditions = [] if filters is None else [filters]
    status = known.get("sg_status_list")
    if not include_inactive and status is not None and _ACTIVE_USER in status.valid_values:
        conditions.append([["sg_status_list", "is", _ACTIVE_USER]])
    combined = None if not conditions else {"logical_operator": "and", "conditions": [
        c if isinstance(c, Mapping) else {"logical_operator": "and", "conditions": list(c)} for c in conditions]}
    order = ["name"] if "name" in known else []
    return site.find(entity, combined, fields, order=order)
