"""Planned dates: a task's own start and due dates, else those of its schedule item.

Kitsu plans a production with schedule items (``/data/projects/<id>/schedule-items``):
one per task type for the whole project, and per task type for a sequence, an
episode or an asset type. A task without dates of its own takes the dates of
the most specific item that covers it:

* a shot's task: its sequence's item, else its episode's, else the project's;
* a sequence's task: its own item, else its episode's, else the project's;
* an episode's task: its own item, else the project's;
* an asset's task: its asset type's item, else the project's.

Items are read with the project route (every project member may read it);
Zou's routes that *create* missing items when read are never called.
"""

from __future__ import annotations

from typing import Any, Iterable

from .lookups import Lookups

__all__ = ["planned_dates", "candidates"]


def _day(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def candidates(entity: dict[str, Any] | None, entities: dict[str, dict[str, Any]], kind: str) -> list[str | None]:
    """The objects whose schedule item may plan a task of ``entity`` (most specific first; ``None``: the project)."""
    if entity is None:
        return [None]
    out: list[str | None] = []
    if kind == "Shot":
        sequence = entity.get("parent_id")
        out.append(sequence)
        episode = entities.get(sequence, {}).get("parent_id") if isinstance(sequence, str) else None
        out.append(episode)
    elif kind == "Sequence":
        out += [entity.get("id"), entity.get("parent_id")]
    elif kind == "Episode":
        out.append(entity.get("id"))
    elif kind == "Asset":
        out.append(entity.get("entity_type_id"))
    else:
        out.append(entity.get("id"))
    return [o for o in out if isinstance(o, str)] + [None]


def planned_dates(records: Iterable[dict[str, Any]], lookups: Lookups) -> tuple[list[str | None], list[str | None]]:
    """Each task's ``(planned start, planned due)`` as ``YYYY-MM-DD`` text (or ``None``)."""
    records = list(records)
    undated = [r for r in records if _day(r.get("start_date")) is None or _day(r.get("due_date")) is None]
    items: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
    entities: dict[str, dict[str, Any]] = {}
    if undated:
        for project in {r.get("project_id") for r in undated if isinstance(r.get("project_id"), str)}:
            for item in lookups.project_rows(project, "schedule-items"):
                items[(item.get("project_id"), item.get("task_type_id"), item.get("object_id"))] = item
        ids = {r.get("entity_id") for r in undated if isinstance(r.get("entity_id"), str)}
        entities = lookups.rows("entities", ids, ["parent_id", "entity_type_id"])
        parents = {e.get("parent_id") for e in entities.values() if isinstance(e.get("parent_id"), str)}
        entities.update(lookups.rows("entities", parents - set(entities), ["parent_id", "entity_type_id"]))
    starts: list[str | None] = []
    dues: list[str | None] = []
    for record in records:
        start, due = _day(record.get("start_date")), _day(record.get("due_date"))
        if start is None or due is None:
            entity = entities.get(record.get("entity_id"))  # type: ignore[arg-type]
            kind = lookups.entity_kind(entity) if entity is not None else ""
            for obj in candidates(entity, entities, kind):
                item = items.get((record.get("project_id"), record.get("task_type_id"), obj))
                if item is not None:
                    start = start or _day(item.get("start_date"))
                    due = due or _day(item.get("end_date"))
                    break
        starts.append(start)
        dues.append(due)
    return starts, dues
