"""Entity types, fields and linked ("dotted") field paths of the ShotGrid sandbox's store.

``entity.Shot.sg_sequence`` follows ``entity`` when it points at a Shot and reads
that Shot's ``sg_sequence``; every hop must be an ``entity``/``multi_entity``
field whose valid types include the named type (see :mod:`.query` for the
semantics). :func:`parse_path` checks a path once; :func:`follow` walks it on a
record. Unknown names are 400 errors naming the closest names.

>>> from datetime import date
>>> from trackframes.sandbox.shotgrid.render_production import generate
>>> store = generate(scale=0.01, seed=1, today=date(2026, 3, 2))
>>> parse_path(store, "Task", "entity.Shot.sg_sequence.Sequence.code", param="fields").hops
(('entity', 'Shot', False), ('sg_sequence', 'Sequence', False))
>>> resolve(store, "Task", store.records["Task"][1], "project.Project.name") == store.records["Project"][1]["name"]
True
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .errors import bad_request, show
from .model import EntityDef, FieldDef, Store

__all__ = ["STRING_TYPES", "NUMBER_TYPES", "MULTI_LINK_TYPES", "Path", "entity_def", "id_field", "parse_path",
           "field_spec", "follow", "resolve", "value_getter", "expand_fields"]

# data-type families, for filters and sorting

STRING_TYPES = frozenset({"text", "footage", "uuid", "list", "status_list", "color", "entity_type"})
NUMBER_TYPES = frozenset({"number", "float", "currency", "percent", "duration", "timecode"})
MULTI_LINK_TYPES = frozenset({"multi_entity", "addressing"})


def entity_def(store: Store, entity: str) -> EntityDef:
    edef = store.entities.get(entity) if isinstance(entity, str) else None
    if edef is None:
        close = difflib.get_close_matches(str(entity), list(store.entities), n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise bad_request(f"Entity type '{entity}' does not exist.{hint}", "entity")
    return edef


def id_field(entity: str) -> FieldDef:
    return FieldDef(name="id", data_type="number", display_name="Id", entity_type=entity, editable=False)


def _suggest(name: str, candidates: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)


def _field_def(store: Store, entity: str, name: str, full: str, param: str) -> FieldDef:
    fields = store.entities[entity].fields
    fdef = fields.get(name)
    if fdef is not None:
        return fdef
    if name == "id":
        return id_field(entity)
    close = _suggest(name, [*fields, "id"])
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    where = f" (in '{full}')" if full != name else ""
    raise bad_request(f"Field '{name}'{where} does not exist on entity type '{entity}'.{hint}", param)


@dataclass(frozen=True)
class Path:
    """A plain or dotted field: the hops to follow and the field finally read."""

    text: str
    hops: tuple[tuple[str, str, bool], ...]  # (link field, target type, is multi-entity)
    final: FieldDef

    @property
    def multi(self) -> bool:
        return any(h[2] for h in self.hops)


def parse_path(store: Store, entity: str, field: Any, *, param: str,
                allow_multi: bool = True) -> Path:
    if not isinstance(field, str) or not field:
        raise bad_request(f"Field names must be non-empty strings, not {show(field)}.", param)
    parts = field.split(".")
    if len(parts) % 2 == 0 or any(not p for p in parts):
        raise bad_request(f"Invalid linked field '{field}': write it as link_field.EntityType.field "
                          "(e.g. entity.Shot.code).", param)
    current = entity
    hops: list[tuple[str, str, bool]] = []
    for i in range(0, len(parts) - 1, 2):
        name, target = parts[i], parts[i + 1]
        fdef = _field_def(store, current, name, field, param)
        if fdef.data_type not in ("entity", "multi_entity"):
            raise bad_request(f"Invalid linked field '{field}': '{name}' on '{current}' is of data type "
                              f"'{fdef.data_type}', not an entity link.", param)
        if target not in store.entities:
            close = _suggest(target, store.entities)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise bad_request(f"Invalid linked field '{field}': entity type '{target}' does not exist.{hint}",
                              param)
        if fdef.valid_types and target not in fdef.valid_types:
            raise bad_request(f"Invalid linked field '{field}': '{current}.{name}' cannot link to '{target}' "
                              f"(valid types: {', '.join(fdef.valid_types)}).", param)
        multi = fdef.data_type == "multi_entity"
        if multi and not allow_multi:
            raise bad_request(f"Linked field '{field}' goes through the multi-entity field '{name}'; "
                              "that is only supported in filters.", param)
        hops.append((name, target, multi))
        current = target
    final = _field_def(store, current, parts[-1], field, param)
    return Path(field, tuple(hops), final)


def field_spec(store: Store, entity: str, field: str) -> FieldDef:
    """The :class:`FieldDef` a plain or dotted field reaches; :class:`RequestError` if unknown."""
    entity_def(store, entity)
    return parse_path(store, entity, field, param="fields").final


def follow(store: Store, record: dict[str, Any], hops: tuple[tuple[str, str, bool], ...]
            ) -> list[dict[str, Any]]:
    """The live records reached from ``record`` through ``hops``."""
    current = [record]
    for name, target, multi in hops:
        table = store.records.get(target, {})
        reached: list[dict[str, Any]] = []
        for rec in current:
            value = rec.get(name)
            links = (value or ()) if multi else ((value,) if value else ())
            for link in links:
                if link.get("type") == target:
                    hit = table.get(link.get("id"))
                    if hit is not None:
                        reached.append(hit)
        current = reached
        if not current:
            break
    return current


def resolve(store: Store, entity: str, record: dict[str, Any], field: str) -> Any:
    """The value of a plain or dotted field of ``record``; links come back as stored.

    Through a multi-entity hop the result is the list of the reached non-null values.
    """
    if "." not in field:
        return record.get(field)
    path = parse_path(store, entity, field, param="fields")
    reached = follow(store, record, path.hops)
    final = path.final.name
    if path.multi:
        return [v for v in (r.get(final) for r in reached) if v is not None]
    return reached[0].get(final) if reached else None


def value_getter(store: Store, entity: str, field: str, *, param: str = "fields"
                 ) -> tuple[FieldDef, Callable[[dict[str, Any]], Any]]:
    """The field's :class:`FieldDef` and a fast ``record -> value`` function (single-entity hops only)."""
    entity_def(store, entity)
    path = parse_path(store, entity, field, param=param, allow_multi=False)
    name = path.final.name
    if not path.hops:
        return path.final, lambda rec: rec.get(name)
    hops = path.hops

    def get(rec: dict[str, Any]) -> Any:
        reached = follow(store, rec, hops)
        return reached[0].get(name) if reached else None
    return path.final, get


def expand_fields(store: Store, entity: str, fields: str | list[str] | None) -> list[str]:
    """The field names to return: ``"*"`` → all, ``None`` → the name field; validated.

    A comma-separated string is accepted; ``"*"`` may be combined with linked
    fields. Unknown fields give one 400 error naming all of them with suggestions.
    """
    edef = entity_def(store, entity)
    if fields is None:
        return [edef.name_field] if edef.name_field in edef.fields else []
    if isinstance(fields, str):
        names = [f.strip() for f in fields.split(",")]
    elif isinstance(fields, (list, tuple)):
        names = [f.strip() if isinstance(f, str) else f for f in fields]
    else:
        raise bad_request(f"fields must be a list of field names, not {show(fields)}.", "fields")
    out: list[str] = []
    unknown: list[str] = []
    for name in names:
        if name == "":
            continue
        if name == "*":
            out.extend(edef.fields)
            continue
        if not isinstance(name, str):
            raise bad_request(f"Field names must be strings, not {show(name)}.", "fields")
        if "." in name:
            parse_path(store, entity, name, param="fields", allow_multi=False)
        elif name not in edef.fields and name != "id":
            close = _suggest(name, [*edef.fields, "id"])
            unknown.append(f"'{name}'" + (f" (did you mean: {', '.join(close)}?)" if close else ""))
            continue
        out.append(name)
    if unknown:
        raise bad_request(f"Unknown field(s) on entity type '{entity}': {', '.join(unknown)}.", "fields")
    return list(dict.fromkeys(out))
