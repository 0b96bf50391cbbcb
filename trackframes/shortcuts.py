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

from .backends.base import Directory
from .exceptions import SchemaError
from .query import Condition, and_, parse_filters
from .schema import FieldKind
from .suggest import hint, suggest
from .values import plain, show

__all__ = ["directory", "project_link", "project_field", "project_condition", "projects_frame", "people_frame"]


def directory(site: Any) -> Directory:
    """The backend's :class:`~trackframes.backends.base.Directory`: its project and people entities and fields."""
    return site.backend.directory()


def project_link(site: Any, project: Any, *, include_archived_projects: bool = False) -> dict[str, Any]:
    """``{"type", "id", "name"}`` of a project given by name, id, link or row (a frame row, a dict).

    Unknown names are refused with the closest project names of the site, and
    an archived project (unless ``include_archived_projects``) with a message
    saying so.
    """
    names = directory(site)
    entity, name_fields = names.project_entity, names.project_name_fields
    project = plain(project)
    if isinstance(project, bool) or not isinstance(project, (str, int, Mapping)) and not _is_row(project):
        raise TypeError(f"project must be a project name, an id or a link such as {{'type': {entity!r}, 'id': 1}}, "
                        f"not {show(project)}.")
    known = site.field_specs(entity)
    name_field = next((f for f in name_fields if f in known), None)
    archived_field = names.archived_field if names.archived_field in known else None
    wanted = [f for f in (name_field, archived_field) if f]
    text_ids = getattr(site.backend, "id_kind", FieldKind.INTEGER) is FieldKind.TEXT
    if isinstance(project, str) and not (text_ids and _is_id(site, entity, project)):
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
        rid = _project_id(entity, project, FieldKind.TEXT if text_ids else FieldKind.INTEGER)
        hits = site.find(entity, [["id", "is", rid]], wanted, limit=1, include_archived_projects=True, progress=False)
        if not len(hits):
            raise ValueError(f"project={show(project)}: there is no {entity} with id {rid}.")
    row = hits.iloc[0]
    rid = plain(row["id"])
    label = str(row[name_field]) if name_field else f"id {rid}"
    if archived_field and bool(row[archived_field]) and not include_archived_projects:
        raise ValueError(f"project={show(project)}: the {entity} {label!r} (id {rid}) is archived; pass "
                         "include_archived_projects=True to read it.")
    return {"type": entity, "id": rid, "name": label}


def _is_id(site: Any, entity: str, text: str) -> bool:
    """Whether ``text`` is the id of a record of ``entity`` (on a backend whose ids are text)."""
    return len(site.find(entity, [["id", "is", text]], ["id"], limit=1, include_archived_projects=True,
                         progress=False)) == 1


def _is_row(value: Any) -> bool:
    import pandas as pd

    return isinstance(value, pd.Series)


def _project_id(entity: str, project: Any, id_kind: FieldKind) -> Any:
    """The id of a project given as an id or a link/row; its type is the backend's id kind."""
    text_ids = id_kind is FieldKind.TEXT
    if isinstance(project, (int, str)):
        rid: Any = project
    else:
        kind = project.get("type")
        if kind is not None and str(kind) != entity:
            raise ValueError(f"project= must be a {entity}, not a link to a {kind}: {show(project)}.")
        rid = plain(project.get("id"))
    if not text_ids and isinstance(rid, float) and rid.is_integer():
        rid = int(rid)
    if text_ids and (not isinstance(rid, str) or not rid):
        raise ValueError(f"project= must have a text id, not {show(rid)} (in {show(project)}).")
    if not text_ids and (isinstance(rid, bool) or not isinstance(rid, int)):
        raise ValueError(f"project= must have a whole-number id, not {show(rid)} (in {show(project)}).")
    return rid


def _did_you_mean(site: Any, entity: str, name_field: str, name: str) -> str:
    everyone = site.find(entity, None, [name_field], limit=site.page_size, include_archived_projects=True,
                         progress=False)
    names = sorted({str(v) for v in everyone[name_field].dropna()})
    hints = suggest(name, names)
    return hint(hints) if hints else (f" Projects: {', '.join(names[:10])}." if names else "")


def project_field(site: Any, entity: str) -> str:
    """The field of ``entity`` that ``project=`` filters on: the project link (``"id"`` for projects themselves).

    Checked against the schema before any project is looked up; an entity type
    without a project link is refused, naming the fields that do link to projects.
    """
    names = directory(site)
    project_entity, link_field = names.project_entity, names.project_link_field
    if entity == project_entity:
        return "id"
    specs = site.field_specs(entity)
    spec = specs.get(link_field)
    if spec is not None and spec.kind is FieldKind.ENTITY and (not spec.valid_types
                                                               or project_entity in spec.valid_types):
        return link_field
    links = [n for n, s in specs.items() if s.kind in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY)
             and project_entity in s.valid_types]
    how = (f" Filter on {links[0]!r} instead, e.g. [[{links[0]!r}, 'is', {{'type': {project_entity!r}, 'id': 1}}]]."
           if links else "")
    raise SchemaError(f"{entity} records have no {link_field!r} field, so project= cannot be used with them.{how}",
                      name=link_field, suggestions=links)


def project_condition(field: str, link: Mapping[str, Any]) -> Condition:
    """``field is <project>`` for :func:`project_field`'s field and a :func:`project_link`."""
    if field == "id":
        return Condition("id", "is", link["id"])
    return Condition(field, "is", {"type": link["type"], "id": link["id"]})


def projects_frame(site: Any, *, include_archived_projects: bool = False, fields: Any = None,
                   filters: Any = None) -> Any:
    """``site.projects()``: one row per project (active ones unless ``include_archived_projects``)."""
    names = directory(site)
    known = site.field_specs(names.project_entity)
    if fields is None:
        fields = [f for f in dict.fromkeys((*names.project_name_fields, *names.project_fields)) if f in known]
    order = [f for f in names.project_name_fields if f in known][:1]
    return site.find(names.project_entity, filters, fields, order=order,
                     include_archived_projects=include_archived_projects)


def people_frame(site: Any, *, include_inactive: bool = False, fields: Any = None, filters: Any = None) -> Any:
    """``site.people()``: one row per person (active accounts unless ``include_inactive``)."""
    names = directory(site)
    known = site.field_specs(names.user_entity)
    if fields is None:
        fields = [f for f in names.people_fields if f in known]
    conditions = []
    if not include_inactive:
        for field, relation, value in names.active_people:
            spec = known.get(field)
            if spec is not None and (not spec.valid_values or value in spec.valid_values):
                conditions.append(Condition(field, relation, value))
    order = ["name"] if "name" in known else []
    return site.find(names.user_entity, and_(parse_filters(filters), *conditions), fields, order=order)
