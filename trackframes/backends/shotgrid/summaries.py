"""ShotGrid summaries, per-project schema and work-day rules.

* Which summary types and grouping types fit which field data types
  (:data:`SUMMARY_FITS`, :data:`GROUPING_FITS`): :func:`check_summary` and
  :func:`check_grouping` raise :class:`~trackframes.exceptions.SchemaError`
  listing the valid choices before anything is sent.
* Request bodies for ``POST /entity/{entity}/_summarize``. The response keys
  summaries by field name, so several summaries of one field go out as
  separate requests ("rounds") and their groups are merged back by value.
* ``GET /schema`` and ``GET /schema/{entity}/fields`` with ``project_id``.
* ``GET /schedule/work_day_rules``, at most a year per request.
* :data:`SCHEDULE_FIELDS`: the ShotGrid fields behind the canonical
  schedule frames of :mod:`trackframes.schedule`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Sequence

import orjson

from ...answers import Malformed, json_type
from ...exceptions import SchemaError
from ...schema import FieldSpec
from ..base import EntityInfo, Grouping, ScheduleFields, Summary, SummaryGroup, SummaryResult
from .names import schema_name
from .resolve import hint, suggest
from .schema import parse_entities, parse_fields

__all__ = [
    "SUMMARY_FITS",
    "GROUPING_FITS",
    "UNGROUPABLE",
    "DONE_STATUSES",
    "SCHEDULE_FIELDS",
    "RULE_DAYS_PER_REQUEST",
    "valid_summary_types",
    "valid_grouping_types",
    "check_summary",
    "check_grouping",
    "summary_rounds",
    "summarize",
    "entities_in_project",
    "fields_in_project",
    "work_day_rules",
]

_NUMERIC = frozenset({"number", "float", "currency", "percent", "duration", "timecode"})
_DATES = frozenset({"date", "date_time"})
_LINKS = frozenset({"entity", "multi_entity", "addressing"})

#: Summary type → the data types it fits (``None``: every data type).
SUMMARY_FITS: dict[str, frozenset[str] | None] = {
    "record_count": None,
    "count": None,
    "sum": _NUMERIC,
    "average": _NUMERIC,
    "maximum": _NUMERIC,
    "minimum": _NUMERIC,
    "earliest": _DATES,
    "latest": _DATES,
    "percentage": frozenset({"checkbox"}),
    "checked": frozenset({"checkbox"}),
    "unchecked": frozenset({"checkbox"}),
    "status_percentage": frozenset({"status_list"}),
    "status_percentage_as_float": frozenset({"status_list"}),
    "status_list": frozenset({"status_list"}),
}

#: Data types no grouping fits.
UNGROUPABLE: frozenset[str] = frozenset({"password", "serializable", "summary", "url"})

#: Grouping type → the data types it fits (``None``: every groupable type).
GROUPING_FITS: dict[str, frozenset[str] | None] = {
    "exact": None,
    **{name: _NUMERIC for name in ("tens", "hundreds", "thousands", "tensofthousands", "hundredsofthousands",
                                   "millions")},
    **{name: _DATES for name in ("day", "week", "month", "quarter", "year", "clustered_date")},
    "oneday": frozenset({"duration"}),
    "fivedays": frozenset({"duration"}),
    "entitytype": _LINKS,
    "firstletter": frozenset({"text"}),
}

#: Task statuses after which no more work is expected (final, complete, approved, omitted, ...).
DONE_STATUSES: frozenset[str] = frozenset({"fin", "cmpt", "apr", "omt", "na", "clsd", "dlvr"})

#: The ShotGrid fields behind the canonical tasks and time-log frames.
SCHEDULE_FIELDS = ScheduleFields(
    task_entity="Task",
    task_fields={
        "name": "content",
        "entity": "entity",
        "sequence": "entity.Shot.sg_sequence",
        "step": "step",
        "status": "sg_status_list",
        "assignees": "task_assignees",
        "start_date": "start_date",
        "due_date": "due_date",
        "duration_minutes": "duration",
        "estimate_minutes": "est_in_mins",
        "logged_minutes": "time_logs_sum",
        "project": "project",
    },
    timelog_entity="TimeLog",
    timelog_fields={
        "date": "date",
        "minutes": "duration",
        "user": "user",
        "task": "entity",
        "project": "project",
        "description": "description",
    },
    project_entity="Project",
    project_name_fields=("name",),
    user_entity="HumanUser",
    user_name_fields=("login", "name"),
    done_statuses=DONE_STATUSES,
    hold_statuses=frozenset({"hld"}),
)

#: Days of work-day rules asked for in one request.
RULE_DAYS_PER_REQUEST = 366


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------

def valid_summary_types(data_type: str) -> list[str]:
    """The summary types that fit a field of ``data_type``."""
    return [kind for kind, fits in SUMMARY_FITS.items() if fits is None or data_type in fits]


def valid_grouping_types(data_type: str) -> list[str]:
    """The grouping types that fit a field of ``data_type`` (none for ungroupable types)."""
    if data_type in UNGROUPABLE:
        return []
    return [kind for kind, fits in GROUPING_FITS.items() if fits is None or data_type in fits]


def check_summary(entity: str, summary: Summary, spec: FieldSpec) -> None:
    """Raise SchemaError unless ``summary.type`` fits the field (and its status value is valid)."""
    fits = SUMMARY_FITS.get(summary.type)
    if summary.type not in SUMMARY_FITS:
        hints = suggest(summary.type, SUMMARY_FITS)
        raise SchemaError(f"Unknown summary type {summary.type!r}.{hint(hints)} Valid summary types: "
                          f"{', '.join(SUMMARY_FITS)}.", name=summary.type, suggestions=hints)
    if fits is not None and spec.data_type not in fits:
        valid = valid_summary_types(spec.data_type)
        raise SchemaError(
            f"Summary type {summary.type!r} does not fit {entity}.{summary.field}, a {spec.data_type} field. "
            f"Valid summary types for it: {', '.join(valid)}.", name=summary.type, suggestions=valid)
    if summary.value is not None:
        if summary.type not in ("status_percentage", "status_percentage_as_float"):
            raise SchemaError(f"Only status_percentage summaries take a status value, not {summary.type!r} "
                              f"(on {entity}.{summary.field}).", name=summary.type)
        if spec.valid_values and summary.value not in spec.valid_values:
            hints = suggest(summary.value, spec.valid_values)
            raise SchemaError(
                f"{summary.value!r} is not a status of {entity}.{summary.field}.{hint(hints)} "
                f"Statuses: {', '.join(spec.valid_values)}.", name=summary.value, suggestions=hints)


def check_grouping(entity: str, grouping: Grouping, spec: FieldSpec) -> None:
    """Raise SchemaError unless ``grouping.type`` fits the field's data type."""
    if grouping.type not in GROUPING_FITS:
        hints = suggest(grouping.type, GROUPING_FITS)
        raise SchemaError(f"Unknown grouping type {grouping.type!r}.{hint(hints)} Valid grouping types: "
                          f"{', '.join(GROUPING_FITS)}.", name=grouping.type, suggestions=hints)
    valid = valid_grouping_types(spec.data_type)
    if grouping.type not in valid:
        choices = (f"Valid grouping types for it: {', '.join(valid)}." if valid
                   else f"{spec.data_type} fields cannot be grouped on.")
        raise SchemaError(
            f"Grouping type {grouping.type!r} does not fit {entity}.{grouping.field}, a {spec.data_type} "
            f"field. {choices}", name=grouping.type, suggestions=valid)
    if grouping.direction not in ("asc", "desc"):
        raise SchemaError(f"Grouping direction must be 'asc' or 'desc', not {grouping.direction!r}.",
                          name=str(grouping.direction), suggestions=["asc", "desc"])


# ---------------------------------------------------------------------------
# requests
# ---------------------------------------------------------------------------

def _spec(backend: Any, entity: str, name: str) -> FieldSpec:
    """The field a (possibly dotted) name reaches; dotted names may only follow single-entity links."""
    spec = backend.resolve_fields(entity, [name])[-1]
    parts = name.split(".")
    current = entity
    for i in range(0, len(parts) - 1, 2):
        link = backend.fields(current)[parts[i]]
        if link.data_type != "entity":
            raise SchemaError(f"{name!r} follows {current}.{parts[i]}, a {link.data_type} field; summaries and "
                              "groupings can only follow single-entity links.", name=name)
        current = parts[i + 1]
    return spec


def summary_rounds(summaries: Sequence[Summary]) -> list[list[int]]:
    """Indexes of the summaries to send together: each field at most once per request."""
    rounds: list[list[int]] = []
    for i, summary in enumerate(summaries):
        for members in rounds:
            if all(summaries[j].field != summary.field for j in members):
                members.append(i)
                break
        else:
            rounds.append([i])
    return rounds


def _summary_body(summary: Summary) -> dict[str, Any]:
    body: dict[str, Any] = {"field": summary.field, "type": summary.type}
    if summary.value is not None:
        body["value"] = summary.value
    return body


def _grouping_body(grouping: Grouping) -> dict[str, Any]:
    return {"field": grouping.field, "type": grouping.type, "direction": grouping.direction}


def summarize(backend: Any, entity: str, filters: Any, summaries: Sequence[Summary],
              grouping: Sequence[Grouping], *, include_archived_projects: bool = False) -> SummaryResult:
    """Validate everything, then ask ``_summarize`` (one request per round) and merge the answers."""
    for summary in summaries:
        check_summary(entity, summary, _spec(backend, entity, summary.field))
    for level in grouping:
        check_grouping(entity, level, _spec(backend, entity, level.field))
    group_body = [_grouping_body(g) for g in grouping] or None
    result = SummaryResult()
    for members in summary_rounds(summaries):
        data = backend.summarize_raw(entity, filters, [_summary_body(summaries[i]) for i in members], group_body,
                                     include_archived_projects)
        data = data if isinstance(data, Mapping) else {}
        keys = {i: summaries[i].field for i in members}
        _merge_values(result.total, data.get("summaries"), keys)
        result.groups = _merge_groups(result.groups, data.get("groups"), keys)
    return result


def _merge_values(into: dict[int, Any], raw: Any, keys: dict[int, str]) -> None:
    raw = raw if isinstance(raw, Mapping) else {}
    for i, name in keys.items():
        into[i] = raw.get(name)


def _group_key(group: Mapping[str, Any]) -> bytes:
    return orjson.dumps([group.get("group_value"), group.get("group_name")], option=orjson.OPT_SORT_KEYS,
                        default=str)


def _merge_groups(groups: list[SummaryGroup], raw: Any, keys: dict[int, str]) -> list[SummaryGroup]:
    """Add one round's groups to those already read, matching groups by value and name."""
    if not isinstance(raw, list):
        return groups
    known = {orjson.dumps([g.value, g.name], option=orjson.OPT_SORT_KEYS, default=str): g for g in groups}
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        key = _group_key(item)
        group = known.get(key)
        if group is None:
            group = SummaryGroup(name=item.get("group_name"), value=item.get("group_value"))
            known[key] = group
            groups.append(group)
        _merge_values(group.summaries, item.get("summaries"), keys)
        if isinstance(item.get("groups"), list):
            group.groups = _merge_groups(group.groups or [], item["groups"], keys)
    return groups


# ---------------------------------------------------------------------------
# per-project schema
# ---------------------------------------------------------------------------

def entities_in_project(backend: Any, project_id: int) -> dict[str, EntityInfo]:
    """``GET /schema?project_id=``: entity types with the project's visibility."""
    parsed = backend.read("GET", "/schema", what="Reading the entity list", expect=dict, parse=parse_entities,
                          params={"project_id": str(project_id)})
    return {name: EntityInfo(name, display, visible) for name, (display, visible) in sorted(parsed.items())}


def fields_in_project(backend: Any, entity: str, project_id: int) -> dict[str, FieldSpec]:
    """``GET /schema/{entity}/fields?project_id=``: fields with the project's visibility."""
    backend.fields(entity)  # checks the entity name against the site-wide list first
    return backend.read("GET", f"/schema/{schema_name(entity)}/fields", what=f"Reading the {entity} schema",
                        expect=dict, parse=lambda data: parse_fields(entity, data),
                        params={"project_id": str(project_id)})


# ---------------------------------------------------------------------------
# work-day rules
# ---------------------------------------------------------------------------

def work_day_rules(backend: Any, start: date, end: date, project_id: int | None = None,
                   user_id: int | None = None) -> list[dict[str, Any]]:
    """``GET /schedule/work_day_rules`` from ``start`` to ``end`` (inclusive), a year per request.

    Each rule is ``{"date": "YYYY-MM-DD", "working": bool, "description", "reason"}``.
    """
    if end < start:
        raise ValueError(f"end ({end}) is before start ({start}).")
    out: list[dict[str, Any]] = []
    lo = start
    while lo <= end:
        hi = min(end, lo + timedelta(days=RULE_DAYS_PER_REQUEST - 1))
        params = {"start_date": lo.isoformat(), "end_date": hi.isoformat()}
        if project_id is not None:
            params["project_id"] = str(project_id)
        if user_id is not None:
            params["user_id"] = str(user_id)
        rules = backend.read("GET", "/schedule/work_day_rules", what="Reading work-day rules", expect=list,
                             parse=_rules, params=params)
        out.extend(rules)
        lo = hi + timedelta(days=1)
    return out


def _rules(data: list[Any]) -> list[dict[str, Any]]:
    """Check each work-day rule of an answer: an object with a ``date`` string and a ``working`` flag."""
    for i, rule in enumerate(data):
        if not isinstance(rule, Mapping):
            raise Malformed(f"JSON of the wrong shape (work-day rule {i} is {json_type(rule)}, not an object)")
        if not isinstance(rule.get("date"), str):
            raise Malformed(f"JSON of the wrong shape (work-day rule {i} has date {rule.get('date')!r}, "
                            "not a date string)")
    return list(data)
