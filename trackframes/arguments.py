"""Checks of the plain keyword arguments of the reading API, before anything is sent.

(``filters=`` and ``order=`` are parsed by :mod:`trackframes.query`.)

Each check accepts the values a notebook naturally has (``np.int64(5)`` for a
limit, a ``pd.Index`` of field names) and refuses the rest with one sentence
that names the argument and the bad value:

>>> import numpy as np
>>> check_limit(np.int64(5))
5
>>> check_progress("no")
Traceback (most recent call last):
...
TypeError: progress must be True, False or None (automatic), not 'no'.
>>> check_fields(np.array(["code", "due_date"]))
['code', 'due_date']
>>> check_tz("europe/paris")
Traceback (most recent call last):
...
ValueError: tz='europe/paris' is not a time zone name. Did you mean 'Europe/Paris'?
"""

from __future__ import annotations

import functools
from datetime import tzinfo
from typing import Any, Mapping, Sequence

from .suggest import hint, suggest
from .values import INT64_MAX, plain, show

__all__ = ["field_names", "check_flag", "check_progress", "check_limit", "check_entity_name", "check_fields", "check_tz",
           "convert_tz"]


def check_flag(name: str, value: Any) -> bool:
    """``True``/``False`` (a numpy bool too); anything else is refused, naming ``name``."""
    value = plain(value)
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {show(value)}.")
    return value


def check_progress(value: Any) -> bool | None:
    """``progress=``: ``True``, ``False`` or ``None`` (the connection's default)."""
    value = plain(value)
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"progress must be True, False or None (automatic), not {show(value)}.")
    return value


def check_limit(value: Any, name: str = "limit") -> int | None:
    """``limit=``: ``None`` or a whole number >= 0 (numpy integers too)."""
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number >= 0 or None, not {show(value)}.")
    if value < 0 or value > INT64_MAX:
        raise ValueError(f"{name} must be a whole number >= 0 or None, not {show(value)}.")
    return value


def check_entity_name(entity: Any) -> str:
    """The entity type argument must be text (the schema check names the closest types)."""
    if not isinstance(entity, str):
        raise TypeError(f"entity must be an entity type name such as 'Shot', not {show(entity)}.")
    return entity


def check_fields(fields: Any) -> list[str] | str | None:
    """``fields=``: ``None``/``"*"``, comma-separated text, or field names (a list, a ``pd.Index`` ...)."""
    if fields is None or isinstance(fields, str):
        return fields
    if isinstance(fields, Mapping) or not hasattr(fields, "__iter__"):
        raise TypeError(f"fields must be a list of field names such as ['code', 'due_date'], "
                        f"not {show(fields)}.")
    names = [plain(f) for f in fields]
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"fields must be field names (text); {show(name)} in {show(names)} is not.")
    return names


def field_names(fields: Sequence[str] | str | None) -> tuple[list[str], bool]:
    """What a backend's ``resolve_fields`` reads from ``fields``: (the names before any ``"*"``, in
    order, without repeats or ``"id"``; whether every field is asked for).

    >>> field_names("code, due_date,code")
    (['code', 'due_date'], False)
    >>> field_names(["code", "*"]), field_names(None)
    ((['code'], True), ([], True))
    """
    if fields is None or fields == "*":
        return [], True
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.split(",") if f.strip()]
    names: list[str] = []
    seen = {"id"}
    for name in fields:
        if not isinstance(name, str):
            raise TypeError(f"Field names must be strings, not {name!r}.")
        if name == "*":
            return names, True
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names, False


@functools.lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    import zoneinfo

    return tuple(sorted(zoneinfo.available_timezones()))


def check_tz(tz: Any) -> tzinfo | None:
    """``tz=``: an IANA zone name (``"Europe/Paris"``), ``"UTC"``, a ``tzinfo``, or ``None``."""
    if tz is None or isinstance(tz, tzinfo):
        return tz
    if not isinstance(tz, str):
        raise TypeError(f"tz must be a time zone name such as 'Europe/Paris', not {show(tz)}.")
    import zoneinfo

    try:
        if tz.strip() and "\x00" not in tz and not tz.startswith(("/", ".")):
            return zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    names = _zone_names()
    by_lower = {n.lower(): n for n in names}
    hints = [by_lower[tz.lower()]] if tz.lower() in by_lower else []
    hints = hints or [n for n in names if n.lower().endswith("/" + tz.lower().replace(" ", "_"))][:3]
    hints = hints or suggest(tz, names)
    raise ValueError(f"tz={tz!r} is not a time zone name.{hint(hints)}" if hints else
                     f"tz={tz!r} is not a time zone name; use an IANA name such as 'Europe/Paris' or 'UTC'.")


def convert_tz(df: Any, tz: tzinfo | None) -> Any:
    """Show the frame's UTC date-time columns in ``tz`` (same instants; calendar dates are untouched)."""
    import pandas as pd

    if tz is None:
        return df
    for column, dtype in df.dtypes.items():
        if isinstance(dtype, pd.DatetimeTZDtype):
            df[column] = df[column].dt.tz_convert(tz)
    return df
