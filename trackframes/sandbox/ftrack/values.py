"""Values in the ftrack sandbox: date-times, literals read against an attribute's type, text rules.

Text comparison follows the model of a MySQL database with its default
case-insensitive collation (ftrack's database; **unverified** against a real
server): ``is``, ``in``, ``<``/``>``, ``like`` and ``order by`` ignore case.
``like`` takes ``%`` (any run of characters) and ``_`` (one character); a
backslash makes the next character literal.

>>> like_matcher("%SH_010")("sh0010"), like_matcher("100\\\\%")("100%"), like_matcher("100\\\\%")("1000")
(True, True, False)
>>> parse_datetime("2024-05-01")
datetime.datetime(2024, 5, 1, 0, 0, tzinfo=datetime.timezone.utc)
>>> parse_datetime("2024-05-01T12:30:00+02:00")
datetime.datetime(2024, 5, 1, 10, 30, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from .errors import ValidationError

if TYPE_CHECKING:
    from .store import Property
    from .syntax import Literal

__all__ = ["parse_datetime", "normalize_datetime", "format_datetime", "coerce", "like_matcher",
           "text_key", "sort_key"]


def parse_datetime(text: str) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text (date only, ``T`` or space, optional
    fraction and offset; naive is UTC), or ``None`` when the text is not one."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def normalize_datetime(value: Any, where: str) -> datetime:
    """A stored date-time: aware ``datetime`` (converted to UTC), ``date`` (midnight UTC) or ISO text."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(f"{where}: {value!r} has no time zone; give an aware datetime")
        return value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed
    raise ValidationError(f"{where} is a date-time; {value!r} is not one (write e.g. \"2024-05-01T09:00:00\")")


def format_datetime(value: datetime) -> str:
    """The naive UTC ISO 8601 text a server with time-zone support sends (seconds, or microseconds
    when there are any)."""
    utc = value.astimezone(timezone.utc).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")


def coerce(prop: "Property", literal: "Literal", where: str) -> Any:
    """``literal`` read as a value of ``prop`` (a scalar property, or a reference's id).

    ``none`` is ``None``; numbers accept numeric text; booleans ``true``/``false``/``1``/``0``;
    date-times ISO 8601 text; text attributes take any literal's text. A value that
    cannot be read raises ``ValidationError`` naming the attribute.
    """
    if literal.kind == "none":
        return None
    if prop.kind == "reference":
        return literal.text if literal.kind != "string" else literal.value
    value = literal.value
    ptype = prop.type
    if prop.is_datetime:
        if isinstance(value, str):
            parsed = parse_datetime(value)
            if parsed is not None:
                return parsed
        raise ValidationError(f'{where}: {prop.owner}.{prop.name} is a date-time; "{literal.text}" is not one '
                              '(write e.g. "2024-05-01" or "2024-05-01T09:00:00")')
    if ptype == "string":
        return value if isinstance(value, str) else literal.text
    if ptype in ("integer", "number"):
        if literal.kind == "number":
            return value
        if isinstance(value, str):
            try:
                return int(value) if re.fullmatch(r"[+-]?\d+", value.strip()) else float(value)
            except ValueError:
                pass
        raise ValidationError(f'{where}: {prop.owner}.{prop.name} is a {ptype}; "{literal.text}" is not a number')
    if ptype == "boolean":
        text = str(literal.text if literal.kind != "string" else value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError(f'{where}: {prop.owner}.{prop.name} is a boolean; "{literal.text}" is not '
                              "true or false")
    return value  # variable, object, untyped: the literal's own value


@lru_cache(maxsize=256)
def like_matcher(pattern: str) -> Callable[[Any], bool]:
    """A case-insensitive matcher for a ``like`` pattern (``%``, ``_``, backslash escapes)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    regex = re.compile("".join(out), re.IGNORECASE | re.DOTALL)
    return lambda value: value is not None and regex.fullmatch(str(value)) is not None


def text_key(value: Any) -> Any:
    """The comparison form of a value: text lower-cased, everything else unchanged."""
    return value.lower() if isinstance(value, str) else value


def sort_key(value: Any) -> tuple[int, Any]:
    """A key that orders values of one attribute (text without case; booleans as 0/1)."""
    if isinstance(value, str):
        return (1, value.lower())
    if isinstance(value, bool):
        return (0, int(value))
    return (0, value)
