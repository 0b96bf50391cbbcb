"""A plain-Python evaluation of filter conditions on typed values, written from the documented semantics.

It stands apart from the code under test (``trackframes.engine`` and the Kitsu
pushdown): the Kitsu tests evaluate filters with it over gazu's records and
compare the ids with what ``site.find`` returns. The rules (docs/engine.md): text
compares without case; a comparison with a null value is false and each
negative relation is the exact negation of its positive twin (so it matches
nulls); ``is None`` matches nulls and empty lists; links compare type and id,
their ``name_*`` relations the name; on lists of links and tags ``is``/``contains``
mean "any element". Relative dates are for ``date`` values around ``today``.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any

NEGATIONS = {"is_not": "is", "not_in": "in", "not_contains": "contains", "not_between": "between",
             "not_in_last": "in_last", "not_in_next": "in_next", "type_is_not": "type_is",
             "name_not_contains": "name_contains"}


def _low(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _months(day: date, n: int) -> date:
    total = day.year * 12 + day.month - 1 + n
    year, month = divmod(total, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def _shift(day: date, n: int, unit: str) -> date:
    return {"DAY": lambda: day + timedelta(days=n), "WEEK": lambda: day + timedelta(weeks=n),
            "MONTH": lambda: _months(day, n), "YEAR": lambda: _months(day, 12 * n)}[unit]()


def _period(op: str, k: int, today: date) -> tuple[date, date]:
    if op == "in_calendar_day":
        return today + timedelta(days=k), today + timedelta(days=k + 1)
    if op == "in_calendar_week":
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=k)
        return start, start + timedelta(weeks=1)
    if op == "in_calendar_month":
        start = _months(today.replace(day=1), k)
        return start, _months(start, 1)
    return date(today.year + k, 1, 1), date(today.year + k + 1, 1, 1)


def _day(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 and value[4] == "-" else value


def _link_hit(op: str, link: dict[str, Any], wanted: Any) -> bool:
    if op in ("is", "contains"):
        return link["type"] == wanted["type"] and link["id"] == wanted["id"]
    if op == "in":
        return any(_link_hit("is", link, w) for w in wanted if w is not None)
    if op == "type_is":
        return link["type"] == wanted
    name = (link.get("name") or "").lower()
    text = wanted.lower()
    return {"name_contains": text in name, "name_is": name == text, "name_starts_with": name.startswith(text),
            "name_ends_with": name.endswith(text)}[op]


def matches(value: Any, op: str, wanted: Any, *, kind: str = "", today: date | None = None) -> bool:
    """Whether a typed value matches ``[field, op, wanted]``; ``kind`` is ``"link"``, ``"links"``, ``"tags"`` or ""."""
    if op in NEGATIONS:
        return not matches(value, NEGATIONS[op], wanted, kind=kind, today=today)
    if isinstance(value, date) and not isinstance(value, datetime):  # dates are given as 'YYYY-MM-DD'
        wanted = [_day(w) for w in wanted] if isinstance(wanted, list) else _day(wanted)
    if kind in ("link", "links"):
        links = value if isinstance(value, list) else [] if value is None else [value]
        if wanted is None and op in ("is", "contains", "type_is"):
            return not links
        nulls = op == "in" and None in wanted
        return any(_link_hit(op, link, wanted) for link in links) or (nulls and not links)
    if kind == "tags":
        if wanted is None:
            return not value
        text = wanted.lower()
        return any(t.lower() == text if op == "is" else text in t.lower() for t in value)
    if op == "is":
        return value is None if wanted is None else value is not None and _low(value) == _low(wanted)
    if op == "in":
        return (None in wanted and value is None) or (value is not None and _low(value) in
                                                      {_low(w) for w in wanted if w is not None})
    if value is None or (wanted is None and op not in ("between",)):
        return False
    if op == "less_than":
        return value < wanted
    if op == "greater_than":
        return value > wanted
    if op == "between":
        low, high = wanted
        return (low is None or value >= low) and (high is None or value <= high)
    if op == "contains":
        return wanted.lower() in value.lower()
    if op == "starts_with":
        return value.lower().startswith(wanted.lower())
    if op == "ends_with":
        return value.lower().endswith(wanted.lower())
    assert today is not None, "relative dates need today"
    day = value.date() if isinstance(value, datetime) else value
    if op in ("in_last", "in_next"):
        amount, unit = wanted
        if op == "in_last":
            return _shift(today, -amount, unit) <= day <= today
        return today <= day <= _shift(today, amount, unit)
    start, end = _period(op, wanted, today)
    return start <= day < end
