"""The canonical schedule frames: tasks, time logs and work-day rules, read with ``site.find``.

``site.tasks()``, ``site.timelogs()`` and ``site.work_day_rules()`` return
frames with the same columns on every backend (:data:`TASK_COLUMNS`,
:data:`TIMELOG_COLUMNS`, :data:`WORK_DAY_COLUMNS`; see ``docs/schedules.md``).
Each backend says which of its fields fill them with a :class:`ScheduleFields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Iterable

import pyarrow as pa

from ..backends.base import Capability, ScheduleFields, has, require
from ..query import Condition, Group, and_, parse_filters
from ..exceptions import SchemaError
from ..schema import FieldKind, entity_struct, id_type
from ..values import plain_id
from ..suggest import hint, suggest
from .calendar import Calendar, as_date

__all__ = [
    "TASK_COLUMNS",
    "TIMELOG_COLUMNS",
    "task_columns",
    "timelog_columns",
    "id_kind",
    "plain_id",
    "WORK_DAY_COLUMNS",
    "ScheduleFields",
    "schedule_fields",
    "record_id",
    "work_day_rules",
    "user_calendars",
    "tasks_frame",
    "timelogs_frame",
]

def _link_list(kind: FieldKind = FieldKind.INTEGER) -> str:
    """The pandas dtype text of a list of links with ids of ``kind``."""
    import pandas as pd

    return str(pd.ArrowDtype(pa.list_(entity_struct(id_type(kind)))))


def _id_dtype(kind: FieldKind = FieldKind.INTEGER) -> str:
    """The pandas dtype text of ids of ``kind``: ``Int64``, or ``string`` for text ids (UUIDs)."""
    return "string" if kind is FieldKind.TEXT else "Int64"


def task_columns(id_kind: FieldKind = FieldKind.INTEGER) -> dict[str, str]:
    """The canonical tasks frame for a backend whose ids are of ``id_kind``: column → pandas dtype.

    >>> task_columns(FieldKind.TEXT)["entity.id"], task_columns()["entity.id"]
    ('string', 'Int64')
    """
    ids, links = _id_dtype(id_kind), _link_list(id_kind)
    return {
        "id": ids,
        "name": "string",
        "entity.id": ids,
        "entity.type": "category",
        "entity.name": "string",
        "sequence.id": ids,
        "sequence.name": "string",
        "step.id": ids,
        "step.name": "string",
        "status": "category",
        "done": "boolean",
        "assignees": links,
        "start_date": "datetime64[ms]",
        "due_date": "datetime64[ms]",
        "duration_minutes": "Int64",
        "estimate_minutes": "Int64",
        "logged_minutes": "Int64",
        "project.id": ids,
        "project.name": "string",
    }


def timelog_columns(id_kind: FieldKind = FieldKind.INTEGER) -> dict[str, str]:
    """The canonical time-log frame for a backend whose ids are of ``id_kind``: column → pandas dtype."""
    ids = _id_dtype(id_kind)
    return {
        "id": ids,
        "date": "datetime64[ms]",
        "minutes": "Int64",
        "user.id": ids,
        "user.name": "string",
        "task.id": ids,
        "task.name": "string",
        "project.id": ids,
        "project.name": "string",
        "description": "string",
    }


#: The canonical tasks frame of a backend with whole-number ids (the cross-backend contract; see
#: docs/schedules.md; :func:`task_columns` gives it for text ids).
TASK_COLUMNS: dict[str, str] = task_columns()

#: The canonical time-log frame of a backend with whole-number ids (:func:`timelog_columns`).
TIMELOG_COLUMNS: dict[str, str] = timelog_columns()

#: The work-day rules frame: column → pandas dtype.
WORK_DAY_COLUMNS: dict[str, str] = {
    "date": "datetime64[ms]",
    "working": "boolean",
    "description": "string",
    "reason": "string",
}

_TASK_LINKS = {"entity": ("id", "type", "name"), "sequence": ("id", "name"), "step": ("id", "name"),
               "project": ("id", "name")}
_TIMELOG_LINKS = {"user": ("id", "name"), "task": ("id", "name"), "project": ("id", "name")}


def schedule_fields(site: Any) -> ScheduleFields:
    """The backend's :class:`ScheduleFields` (a :class:`~trackframes.exceptions.CapabilityError` when it has none)."""
    return require(site.backend, Capability.SCHEDULE).schedule_fields()


# ---------------------------------------------------------------------------
# reading from the site
# ---------------------------------------------------------------------------

def id_kind(site: Any) -> FieldKind:
    """The kind of the site's record ids (``INTEGER``, or ``TEXT`` for UUIDs)."""
    return site.id_kind


def record_id(site: Any, entity: str, value: Any, *, include_archived_projects: bool = False) -> Any:
    """The id of a record given as an id, a ``{"type", "id"}`` link, a row with ``id``, or a name.

    Names are looked up in the entity's name field(s) (for people: login,
    then name); an unknown name raises ``ValueError`` with the closest names,
    and the name of an archived project raises ``ValueError`` saying so unless
    ``include_archived_projects`` is true. On a backend whose ids are text, a
    text value is an id when a record has it, else a name.
    """
    import numpy as np
    import pandas as pd

    text_ids = id_kind(site) is FieldKind.TEXT
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"Expected a {entity} id, link or name, not {value!r}.")
    if isinstance(value, (int, np.integer)):
        if text_ids:
            raise TypeError(f"Expected a {entity} id (text on this site), link or name, not the number {value!r}.")
        return int(value)
    if isinstance(value, (Mapping, pd.Series)):
        kind = value.get("type")
        if kind is not None and not pd.isna(kind) and str(kind) != entity:
            raise ValueError(f"Expected a {entity}, got a link to a {kind}.")
        rid = value.get("id")
        if rid is None or pd.isna(rid):
            raise ValueError(f"The {entity} given has no id: {dict(value)!r}.")
        return plain_id(rid)
    if isinstance(value, str):
        if text_ids and len(site.find(entity, [["id", "is", value]], ["id"], limit=1, progress=False,
                                      include_archived_projects=True)):
            return value
        return _id_by_name(site, entity, value, include_archived_projects)
    raise TypeError(f"Expected a {entity} id, link or name, not {type(value).__name__}.")


def _name_fields(site: Any, entity: str) -> list[str]:
    try:
        fields = schedule_fields(site)
    except NotImplementedError:
        fields = None
    if fields is not None and entity == fields.project_entity:
        wanted: tuple[str, ...] = fields.project_name_fields
    elif fields is not None and entity == fields.user_entity:
        wanted = fields.user_name_fields
    else:
        wanted = ("name", "code")
    known = site.field_specs(entity)
    return [f for f in wanted if f in known]


def _id_by_name(site: Any, entity: str, name: str, include_archived_projects: bool = False) -> Any:
    fields = _name_fields(site, entity)
    if not fields:
        raise ValueError(f"{entity} records have no name field to look {name!r} up by; pass an id.")
    for f in fields:
        hits = site.find(entity, [[f, "is", name]], [f], limit=2, progress=False,
                         include_archived_projects=include_archived_projects)
        if len(hits) == 1:
            return plain_id(hits["id"].iloc[0])
        if len(hits) > 1:
            raise ValueError(f"Several {entity} records are named {name!r} ({f}); pass an id instead.")
    if not include_archived_projects and _is_project(site, entity):
        for f in fields:
            hits = site.find(entity, [[f, "is", name]], [f], limit=1, progress=False, include_archived_projects=True)
            if len(hits):
                raise ValueError(_archived_message(entity, repr(name)))
    everyone = site.find(entity, None, fields, limit=site.page_size, progress=False,
                         include_archived_projects=True)  # suggest archived projects' names too
    names = sorted({str(v) for f in fields for v in everyone[f].dropna()})
    raise ValueError(f"No {entity} named {name!r}.{hint(suggest(name, names))}")


def _is_project(site: Any, entity: str) -> bool:
    if not has(site.backend, Capability.SCHEDULE):
        return False
    return entity == schedule_fields(site).project_entity


def _archived_message(entity: str, which: str) -> str:
    return (f"{entity} {which} is archived, and archived projects are left out by default; "
            f"pass include_archived_projects=True to include it.")


def _check_not_archived(site: Any, entity: str, pid: Any) -> None:
    """Raise ``ValueError`` when project ``pid`` is archived (called when a query of it came back empty)."""
    hidden = site.find(entity, [["id", "is", pid]], ["id"], limit=1, progress=False)
    if len(hidden):
        return
    archived = site.find(entity, [["id", "is", pid]], ["id"], limit=1, progress=False, include_archived_projects=True)
    if len(archived):
        raise ValueError(_archived_message(entity, f"id {pid}"))


def work_day_rules(site: Any, start: Any, end: Any, project: Any = None, user: Any = None) -> Any:
    """``site.work_day_rules``: one row per day from ``start`` to ``end`` (inclusive).

    Columns: ``date`` (``datetime64[ms]``, like date fields), ``working``
    (boolean), ``description`` and ``reason`` (text).
    """
    import pandas as pd

    lo, hi = as_date(start), as_date(end)
    fields = schedule_fields(site)
    pid = record_id(site, fields.project_entity, project)
    uid = record_id(site, fields.user_entity, user)
    rules = require(site.backend, Capability.SCHEDULE).work_day_rules(lo, hi, project_id=pid, user_id=uid)
    days = [_rule_day(r.get("date")) for r in rules]
    keep = [i for i, d in enumerate(days) if d is not None]
    df = pd.DataFrame({
        "date": pd.Series([pd.Timestamp(days[i]) for i in keep], dtype="datetime64[ms]"),
        "working": pd.array([_bool(rules[i].get("working")) for i in keep], dtype="boolean"),
        "description": pd.array([_str(rules[i].get("description")) for i in keep], dtype=pd.StringDtype()),
        "reason": pd.array([_str(rules[i].get("reason")) for i in keep], dtype=pd.StringDtype()),
    })
    df = df.sort_values("date", kind="stable").reset_index(drop=True)
    df.attrs["trackframes"] = {"site": site.url, "backend": site.backend.name, "kind": "work_day_rules",
                               "start": lo.isoformat(), "end": hi.isoformat(), "project": pid, "user": uid}
    return df


def _rule_day(raw: Any) -> date | None:
    try:
        return as_date(raw)
    except (TypeError, ValueError):
        return None


def _bool(raw: Any) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        return raw.strip().lower() in ("true", "yes", "1")
    return bool(raw)


def _str(raw: Any) -> str | None:
    return None if raw is None or raw == "" else str(raw)


def user_calendars(site: Any, users: Iterable[Any], start: Any, end: Any, project: Any = None
                   ) -> dict[Any, Calendar]:
    """Each person's calendar (their own rules over the project's or the studio's), fetched concurrently."""
    from concurrent.futures import ThreadPoolExecutor

    ids = sorted({plain_id(u) for u in users})
    if not ids:
        return {}
    fields = schedule_fields(site)
    pid = record_id(site, fields.project_entity, project)
    lo, hi = as_date(start), as_date(end)
    day = _day_length(fields)

    def one(uid: Any) -> Calendar:
        return Calendar.from_rules(site.backend.work_day_rules(lo, hi, project_id=pid, user_id=uid), **day)

    with ThreadPoolExecutor(max(1, min(len(ids), site.concurrency)), thread_name_prefix="trackframes-rules") as pool:
        return dict(zip(ids, pool.map(one, ids)))


def _day_length(fields: ScheduleFields) -> dict[str, int]:
    """``minutes_per_day`` for a calendar when the backend says how long its working days are."""
    minutes = getattr(fields, "minutes_per_day", None)
    return {"minutes_per_day": int(minutes)} if minutes else {}


def _and(site: Any, entity: str, filters: Any, conditions: list[Condition]) -> Group:
    """The user's filters (checked like ``find`` checks them) and ours, combined with "and"."""
    tree = parse_filters(filters)
    if filters is not None:
        tree = site.backend.check_filters(entity, tree).tree
    return and_(tree, *conditions)


def _resolvable(site: Any, entity: str, mapping: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    present, missing = {}, []
    for column, source in mapping.items():
        try:
            site.backend.resolve_fields(entity, [source])
        except SchemaError:
            missing.append(column)
        else:
            present[column] = source
    return present, missing


def _canonical(raw: Any, columns: Mapping[str, str], sources: Mapping[str, str],
               links: Mapping[str, tuple[str, ...]]) -> Any:
    """Rename and type a ``find`` frame into a canonical frame (missing sources become nulls)."""
    import pandas as pd

    n = len(raw)
    out: dict[str, Any] = {}
    for column, dtype in columns.items():
        if column == "id":
            out[column] = raw["id"].astype(dtype)
            continue
        prefix, _, part = column.partition(".")
        if part and prefix in links:
            src = sources.get(prefix)
            source_col = f"{src}.{part}" if src else None
        else:
            source_col = sources.get(column)
        if source_col is not None and source_col in raw.columns:
            values = raw[source_col]
            out[column] = values if str(values.dtype) == dtype else _cast(values, dtype)
        else:
            out[column] = _nulls(n, dtype)
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def _list_dtype(dtype: str) -> Any:
    """The ``pd.ArrowDtype`` of a list-of-links dtype text (``None`` for any other dtype)."""
    import pandas as pd

    for kind in (FieldKind.INTEGER, FieldKind.TEXT):
        if dtype == _link_list(kind):
            return pd.ArrowDtype(pa.list_(entity_struct(id_type(kind))))
    return None


def _cast(values: Any, dtype: str) -> Any:
    import pandas as pd

    if dtype == "string":
        return values.astype(pd.StringDtype())
    if dtype == "category":
        return values.astype("category")
    links = _list_dtype(dtype)
    return values.astype(links if links is not None else dtype)


def _nulls(n: int, dtype: str) -> Any:
    import pandas as pd

    links = _list_dtype(dtype)
    if links is not None:
        return pd.Series(pd.array([None] * n, dtype=links))
    if dtype == "string":
        return pd.Series(pd.array([None] * n, dtype=pd.StringDtype()))
    if dtype == "category":
        return pd.Series(pd.Categorical([None] * n))
    return pd.Series([None] * n, dtype="object").astype(dtype)


def _link_types(site: Any, entity: str, sources: Mapping[str, str], links: Iterable[str]) -> dict[str, str]:
    """Link prefix → the one entity type it points at (for ``df.tf.expand`` on columns without ``.type``)."""
    out = {}
    for prefix in links:
        src = sources.get(prefix)
        if src is None:
            continue
        spec = site.backend.resolve_fields(entity, [src])[-1]
        if len(spec.valid_types) == 1:
            out[prefix] = spec.valid_types[0]
    return out


def tasks_frame(site: Any, project: Any = None, filters: Any = None, *,
                include_archived_projects: bool = False) -> Any:
    """``site.tasks``: the canonical schedule frame (:data:`TASK_COLUMNS`).

    ``filters`` use the backend's own field names and are combined with the
    project with "and". Tasks of archived projects are left out unless
    ``include_archived_projects`` is true; naming an archived project without
    it raises ``ValueError`` saying so. The frame's provenance carries the
    work-day calendar over the tasks' dates (the project's rules, or the
    studio's), which the helpers and ``df.tf.gantt`` use, and the site's today.
    """
    import pandas as pd

    fields = schedule_fields(site)
    entity = fields.task_entity
    pid = record_id(site, fields.project_entity, project, include_archived_projects=include_archived_projects)
    sources, missing = _resolvable(site, entity, fields.task_fields)
    conditions = [] if pid is None else [Condition(sources.get("project", "project"), "is",
                                                   {"type": fields.project_entity, "id": pid})]
    raw = site.find(entity, _and(site, entity, filters, conditions), list(dict.fromkeys(sources.values())),
                    include_archived_projects=include_archived_projects)
    if pid is not None and raw.empty and not include_archived_projects:
        _check_not_archived(site, fields.project_entity, pid)
    df = _canonical(raw, task_columns(id_kind(site)), sources, _TASK_LINKS)
    df["done"] = pd.array(df["status"].astype("object").isin(list(fields.done_statuses)).to_numpy(),
                          dtype="boolean")
    calendar = None
    starts, dues = df["start_date"].dropna(), df["due_date"].dropna()
    if len(starts) or len(dues):
        lo = min(x.min() for x in (starts, dues) if len(x)).date() - timedelta(days=7)
        hi = max(x.max() for x in (starts, dues) if len(x)).date() + timedelta(days=7)
        calendar = Calendar.from_rules(site.backend.work_day_rules(lo, hi, project_id=pid), **_day_length(fields))
    df.attrs["trackframes"] = {
        **raw.attrs.get("trackframes", {}),
        "kind": "tasks",
        "project": pid,
        "columns": dict(sources),
        "missing": missing,
        "link_types": _link_types(site, entity, sources, ("step", "project", "sequence")),
        "user_entity": fields.user_entity,
        "hold_statuses": sorted(fields.hold_statuses),
        "calendar": None if calendar is None else calendar.to_dict(),
        "today": _today(site),
    }
    _remember(site)
    return df


def timelogs_frame(site: Any, project: Any = None, start: Any = None, end: Any = None, *, user: Any = None,
                   include_archived_projects: bool = False) -> Any:
    """``site.timelogs``: the canonical time-log frame (:data:`TIMELOG_COLUMNS`), dates inclusive.

    ``user`` keeps one person's time logs (an id, a link, a login or a name).
    Archived projects are handled like :func:`tasks_frame` does.
    """
    fields = schedule_fields(site)
    entity = fields.timelog_entity
    pid = record_id(site, fields.project_entity, project, include_archived_projects=include_archived_projects)
    uid = record_id(site, fields.user_entity, user)
    sources, missing = _resolvable(site, entity, fields.timelog_fields)
    day = sources.get("date", "date")
    conditions: list[Condition] = []
    if pid is not None:
        conditions.append(Condition(sources.get("project", "project"), "is",
                                    {"type": fields.project_entity, "id": pid}))
    if uid is not None:
        conditions.append(Condition(sources.get("user", "user"), "is", {"type": fields.user_entity, "id": uid}))
    if start is not None:
        conditions.append(Condition(day, "greater_than", (as_date(start) - timedelta(days=1)).isoformat()))
    if end is not None:
        conditions.append(Condition(day, "less_than", (as_date(end) + timedelta(days=1)).isoformat()))
    raw = site.find(entity, and_(*conditions), list(dict.fromkeys(sources.values())),
                    include_archived_projects=include_archived_projects)
    if pid is not None and raw.empty and not include_archived_projects:
        _check_not_archived(site, fields.project_entity, pid)
    df = _canonical(raw, timelog_columns(id_kind(site)), sources, _TIMELOG_LINKS)
    df.attrs["trackframes"] = {
        **raw.attrs.get("trackframes", {}),
        "kind": "timelogs",
        "project": pid,
        "user": uid,
        "today": _today(site),
        "columns": dict(sources),
        "missing": missing,
        "link_types": _link_types(site, entity, sources, ("user", "task", "project")),
        "user_entity": fields.user_entity,
    }
    _remember(site)
    return df


def _today(site: Any) -> str:
    """The site's today (``site.today``, else the real date), as an ISO date."""
    today = getattr(site, "today", None)
    return (as_date(today) if today is not None else date.today()).isoformat()


def _remember(site: Any) -> None:
    from ..accessor import register_site

    register_site(site)
