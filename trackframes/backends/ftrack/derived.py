"""Computed fields: values ftrack does not store as the canonical schedule frames want them.

ftrack keeps a task's bid and a time log's duration in **seconds**, dates as
date-times, and a task's assignees as appointments. The canonical frames of
``site.tasks()`` and ``site.timelogs()`` want minutes, calendar days and people.
The conversion happens here, in the backend, as read-only computed fields
(so the shared schedule code stays unit-free and the fields work in ``find``
too):

==================  ===========  ===============================================
field               on           value
==================  ===========  ===============================================
``bid_minutes``     typed        ``bid`` / 60, rounded to whole minutes
                    contexts
``start_day``,      typed        the UTC calendar day of ``start_date`` / ``end_date``
``end_day``         contexts
``sequence``        typed        the parent's parent when it is a ``Sequence``
                    contexts     (a shot task's sequence), else null
``assignees``       typed        the resources of the ``assignment`` appointments
                    contexts     (users named by ``username``, groups by ``name``)
``logged_minutes``  typed        the sum of the time logs' ``duration`` / 60
                    contexts
``duration_minutes``  typed      working days from ``start_day`` to ``end_day``
                    contexts     (the project's calendar, see :mod:`.calendar`) × 8 h
``start_day``       Timelog      the UTC calendar day of ``start``
``duration_minutes``  Timelog    ``duration`` / 60, rounded
``project``         Timelog      the project of the logged context
==================  ===========  ===============================================

A computed field is asked for through the attributes it reads (its
``projections``). Filters on ``start_day``/``end_day`` and on a time log's
``project`` are written on those attributes; other filters on computed
fields run in the local engine.

>>> [d.name for d in DERIVED["TypedContext"]][:3]
['bid_minutes', 'start_day', 'end_day']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from ...query.filters import Condition
from ...schema import FieldKind, FieldSpec
from . import ql

__all__ = ["Derived", "DERIVED", "derived_for", "WORKDAY_MINUTES", "day_clause"]

#: Minutes in a working day (eight hours).
WORKDAY_MINUTES = 480

Reader = Any  # decode._Reader: walk(record, attrs), entity(value), link(value)


@dataclass(frozen=True)
class Derived:
    """One computed field: its name, kind, the attributes it reads and how it computes its value.

    ``needs`` names what :meth:`FtrackBackend.derived_context` must load first
    (``"resources"``, ``"projects"``, ``"calendar"``); ``compute(reader, record, context)``
    gives the value in the decoder's form; ``where(condition) -> clause | None`` writes a
    filter on the attributes it reads (``None``: the local engine evaluates it).
    """

    name: str
    kind: FieldKind
    description: str
    projections: tuple[str, ...]
    compute: Callable[[Reader, dict[str, Any], dict[str, Any]], Any]
    needs: tuple[str, ...] = ()
    where: Callable[[Condition], str | None] | None = None
    valid_types: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def spec(self, entity: str) -> FieldSpec:
        return FieldSpec(self.name, self.kind, f"computed ({self.description})",
                         self.name.replace("_", " ").capitalize(), entity, valid_types=self.valid_types,
                         editable=False, extra={"computed": True})


def _minutes(seconds: Any) -> int | None:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return None
    return int((seconds + 30) // 60)  # whole minutes, halves rounded up


def _moment(value: Any) -> datetime | None:
    text = value.get("value") if isinstance(value, dict) else value
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def utc_day(value: Any) -> date | None:
    """The UTC calendar day of a date-time value as the server sends it."""
    moment = _moment(value)
    return None if moment is None else moment.date()


def _day_text(value: Any) -> str | None:
    day = utc_day(value)
    return None if day is None else day.isoformat()


def _as_day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def day_clause(attribute: str) -> Callable[[Condition], str | None]:
    """Filters on a day computed from date-time ``attribute``, written on the attribute itself."""
    def where(cond: Condition) -> str | None:
        op, value = cond.op, cond.value
        if op in ("is", "less_than", "greater_than") and value is None:
            return ql.condition(attribute, "is", None) if op == "is" else "id is none"
        if op in ("is", "less_than", "greater_than"):
            day = _as_day(value)
            if day is None:
                return None
            if op == "less_than":
                return ql.condition(attribute, "<", _midnight(day))
            if op == "greater_than":
                return ql.condition(attribute, ">=", _midnight(day + timedelta(days=1)))
            return ql.and_(ql.condition(attribute, ">=", _midnight(day)),
                           ql.condition(attribute, "<", _midnight(day + timedelta(days=1))))
        if op == "between" and isinstance(value, (list, tuple)) and len(value) == 2:
            lo, hi = (_as_day(v) if v is not None else None for v in value)
            if (lo is None and value[0] is not None) or (hi is None and value[1] is not None):
                return None
            parts = ([ql.condition(attribute, ">=", _midnight(lo))] if lo else []) + (
                [ql.condition(attribute, "<", _midnight(hi + timedelta(days=1)))] if hi else [])
            return ql.and_(*parts) if parts else ql.condition(attribute, "is_not", None)
        return None
    return where


def _project_where(cond: Condition) -> str | None:
    if cond.op != "is":
        return None
    if cond.value is None:
        return ql.condition("context.project_id", "is", None)
    link = cond.value
    if isinstance(link, dict) and link.get("type") == "Project" and isinstance(link.get("id"), str):
        return ql.condition("context.project_id", "is", link["id"])
    return None


# -- the computations ---------------------------------------------------------------------

def _bid_minutes(reader: Reader, record: dict[str, Any], ctx: dict[str, Any]) -> Any:
    return _minutes(reader.walk(record, ["bid"]))


def _day_of(attribute: str) -> Callable[[Reader, dict[str, Any], dict[str, Any]], Any]:
    return lambda reader, record, ctx: _day_text(reader.walk(record, [attribute]))


def _sequence(reader: Reader, record: dict[str, Any], ctx: dict[str, Any]) -> Any:
    grand = reader.entity(reader.walk(record, ["parent", "parent"]))
    if isinstance(grand, dict) and grand.get("__entity_type__") == "Sequence":
        return reader.link(grand)
    return None


def _assignees(reader: Reader, record: dict[str, Any], ctx: dict[str, Any]) -> Any:
    appointments = reader.walk(record, ["assignments"])
    if not isinstance(appointments, list):
        return []
    resources = ctx.get("resources", {})
    out = []
    for item in appointments:
        rid = reader.walk(item, ["resource_id"])
        if rid is None:
            continue
        kind, name = resources.get(rid, (None, None))
        out.append({"id": str(rid), "type": kind, "name": name})
    return sorted(out, key=lambda link: ((link["name"] or "").lower(), link["id"]))


def _logged_minutes(reader: Reader, record: dict[str, Any], ctx: dict[str, Any]) -> Any:
    logs = reader.walk(record, ["timelogs"])
    if not isinstance(logs, list):
        return None
    seconds = [reader.walk(t, ["duration"]) for t in logs]
    return _minutes(sum(s for s in seconds if isinstance(s, (int, float)) and not isinstance(s, bool)))


def _duration(reader: Reader, record: dict[str, Any], ctx: dict[str, Any]) -> Any:
    start, end = utc_day(reader.walk(record, ["start_date"])), utc_day(reader.walk(record, ["end_date"]))
    if start is None or end is None or end < start:
        return None
    calendar = ctx.get("calendar")
    if calendar is None:
        return None
    project = reader.walk(record, ["project_id"])
    days = sum(1 for i in range((end - start).days + 1)
               if calendar.working(start + timedelta(days=i), project=project))
    return days * WORKDAY_MINUTES


def _timelog_minutes(reader: Reader, record: dict[str, Any], ctx: dict[str, Any]) -> Any:
    return _minutes(reader.walk(record, ["duration"]))


def _timelog_project(reader: Reader, record: dict[str, Any], ctx: dict[str, Any]) -> Any:
    pid = reader.walk(record, ["context", "project_id"])
    if pid is None:
        return None
    return {"id": str(pid), "type": "Project", "name": ctx.get("projects", {}).get(pid)}


def _archived(reader: Reader, record: dict[str, Any], ctx: dict[str, Any]) -> Any:
    status = reader.walk(record, ["status"])
    return None if status is None else status == "hidden"


def _archived_where(cond: Condition) -> str | None:
    if cond.op != "is" or not isinstance(cond.value, bool):
        return None
    hidden = ql.condition("status", "is", "hidden")
    return hidden if cond.value else ql.and_(ql.not_(hidden), ql.condition("status", "is_not", None))


#: Computed fields by the type (or base type) they belong to.
DERIVED: dict[str, tuple[Derived, ...]] = {
    "Project": (
        Derived("archived", FieldKind.BOOLEAN, "status is hidden", ("status",), _archived, where=_archived_where),
    ),
    "TypedContext": (
        Derived("bid_minutes", FieldKind.INTEGER, "bid in minutes", ("bid",), _bid_minutes),
        Derived("start_day", FieldKind.DATE, "UTC day of start_date", ("start_date",), _day_of("start_date"),
                where=day_clause("start_date")),
        Derived("end_day", FieldKind.DATE, "UTC day of end_date", ("end_date",), _day_of("end_date"),
                where=day_clause("end_date")),
        Derived("sequence", FieldKind.ENTITY, "the parent's parent when a Sequence", ("parent.parent.name",),
                _sequence, valid_types=("Sequence",)),
        Derived("assignees", FieldKind.MULTI_ENTITY, "resources of the assignments", ("assignments.resource_id",),
                _assignees, needs=("resources",), valid_types=("User", "Group")),
        Derived("logged_minutes", FieldKind.INTEGER, "time logged in minutes", ("timelogs.duration",),
                _logged_minutes),
        Derived("duration_minutes", FieldKind.INTEGER, "working days from start to end, in minutes",
                ("start_date", "end_date", "project_id"), _duration, needs=("calendar",)),
    ),
    "Timelog": (
        Derived("start_day", FieldKind.DATE, "UTC day of start", ("start",), _day_of("start"),
                where=day_clause("start")),
        Derived("duration_minutes", FieldKind.INTEGER, "duration in minutes", ("duration",), _timelog_minutes),
        Derived("project", FieldKind.ENTITY, "the project of the logged context", ("context.project_id",),
                _timelog_project, needs=("projects",), where=_project_where, valid_types=("Project",)),
    ),
}


def derived_for(model: Any, entity: str) -> dict[str, Derived]:
    """The computed fields of ``entity`` whose attributes it has (a real attribute of the same name wins)."""
    out: dict[str, Derived] = {}
    props = model.props.get(entity, {})
    for base, items in DERIVED.items():
        if base not in model.props or not model.is_a(entity, base):
            continue
        for item in items:
            roots = {p.split(".")[0] for p in item.projections}
            if item.name not in props and roots <= set(props):
                out[item.name] = item
    return out
