"""What to summarize and how to group: the public forms ``site.summarize`` accepts, parsed once.

>>> parse_summaries({"id": "count", "est_in_mins": "SUM"})
[Summary(field='id', type='count', value=None), Summary(field='est_in_mins', type='sum', value=None)]
>>> parse_grouping(["step", ("due_date", "month", "desc")])
[Grouping(field='step', type='exact', direction='asc'), Grouping(field='due_date', type='month', direction='desc')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..backends.base import GROUPING_TYPES, SUMMARY_TYPES, Grouping, Summary
from ..exceptions import SchemaError
from ..suggest import hint, suggest

__all__ = ["parse_summaries", "parse_grouping"]


def _check_type(kind: str, choices: Sequence[str], what: str, field_name: str) -> str:
    if not isinstance(kind, str):
        raise TypeError(f"The {what} type of {field_name!r} must be a string, not {kind!r}.")
    if kind in choices:
        return kind
    if kind.lower() in choices:
        return kind.lower()
    hints = suggest(kind, choices)
    raise SchemaError(f"Unknown {what} type {kind!r} for {field_name!r}.{hint(hints)} "
                      f"Valid {what} types: {', '.join(choices)}.", name=kind, suggestions=hints)


def parse_summaries(summaries: Any) -> list[Summary]:
    """``{field: type}``, ``[(field, type), ...]`` or ``[(field, type, value), ...]`` → summaries.

    A field may appear with several types in the list form; exact repeats are dropped.
    """
    if isinstance(summaries, Mapping):
        items: list[Any] = list(summaries.items())
    elif isinstance(summaries, (list, tuple)):
        items = list(summaries)
        if len(items) in (2, 3) and all(isinstance(x, str) for x in items) and items[1] in SUMMARY_TYPES:
            items = [tuple(items)]  # a single ("field", "type") pair
    else:
        raise TypeError("summaries must be a dict {field: type} or a list of (field, type) pairs, "
                        f"not {type(summaries).__name__}.")
    out: list[Summary] = []
    for item in items:
        if isinstance(item, Summary):
            parsed = item
        elif isinstance(item, Mapping):
            parsed = Summary(item.get("field"), item.get("type"), item.get("value"))  # type: ignore[arg-type]
        elif isinstance(item, (list, tuple)) and len(item) in (2, 3):
            parsed = Summary(*item)
        else:
            raise TypeError(f"Each summary must be a (field, type) pair, not {item!r}.")
        if not isinstance(parsed.field, str) or not parsed.field:
            raise TypeError(f"A summary's field must be a field name, not {parsed.field!r}.")
        kind = _check_type(parsed.type, SUMMARY_TYPES, "summary", parsed.field)
        if parsed.value is not None and not isinstance(parsed.value, str):
            raise TypeError(f"The value of summary {kind!r} on {parsed.field!r} must be a status string.")
        parsed = Summary(parsed.field, kind, parsed.value)
        if parsed not in out:
            out.append(parsed)
    if not out:
        raise ValueError("summarize needs at least one summary, e.g. {'id': 'count'}.")
    return out


def parse_grouping(grouping: Any) -> list[Grouping]:
    """Field names, ``(field, type[, direction])`` tuples or ``{"field", "type", "direction"}`` dicts."""
    if grouping is None:
        return []
    if isinstance(grouping, (str, Mapping, Grouping)):
        grouping = [grouping]
    if not isinstance(grouping, (list, tuple)):
        raise TypeError(f"grouping must be a list of field names or (field, type[, direction]) tuples, "
                        f"not {type(grouping).__name__}.")
    out: list[Grouping] = []
    for item in grouping:
        if isinstance(item, Grouping):
            parsed = item
        elif isinstance(item, str):
            parsed = Grouping(item)
        elif isinstance(item, Mapping):
            parsed = Grouping(item.get("field"), item.get("type", "exact"),  # type: ignore[arg-type]
                              item.get("direction", "asc"))
        elif isinstance(item, (list, tuple)) and 1 <= len(item) <= 3:
            parsed = Grouping(*item)
        else:
            raise TypeError(f"Each grouping must be a field name or a (field, type[, direction]) tuple, "
                            f"not {item!r}.")
        if not isinstance(parsed.field, str) or not parsed.field:
            raise TypeError(f"A grouping's field must be a field name, not {parsed.field!r}.")
        kind = _check_type(parsed.type, GROUPING_TYPES, "grouping", parsed.field)
        direction = parsed.direction.lower() if isinstance(parsed.direction, str) else parsed.direction
        if direction not in ("asc", "desc"):
            raise SchemaError(f"Grouping direction must be 'asc' or 'desc', not {parsed.direction!r}.",
                              name=str(parsed.direction), suggestions=["asc", "desc"])
        out.append(Grouping(parsed.field, kind, direction))
    return out
