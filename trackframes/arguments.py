"""Checks of the plain keyword arguments of the reading API, before anything is sent.

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
>>> parse_order("-due_date, id")
['-due_date', 'id']
>>> parse_order(["--content"])
Traceback (most recent call last):
...
trackframes.exceptions.SchemaError: order item '--content' is not a field name with an optional leading '-' (descending). Did you mean '-content'?
>>> check_tz("europe/paris")
Traceback (most recent call last):
...
ValueError: tz='europe/paris' is not a time zone name. Did you mean 'Europe/Paris'?
"""

from __future__ import annotations

import functools
from datetime import tzinfo
from typing import Any, Mapping

from .exceptions import SchemaError
from .suggest import hint, suggest
from .values import INT64_MAX, plain, show

__all__ = ["check_flag", "check_progress", "check_limit", "check_entity_name", "check_fields", "parse_order",
           "check_tz", "convert_tz"]


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
        raise TypeError(f"fields must be a list of field names such as ['code', 'sg_status_list'], "
                        f"not {show(fields)}.")
    names = [plain(f) for f in fields]
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"fields must be field names (text); {show(name)} in {show(names)} is not.")
    return names


def parse_order(order: Any) -> list[str]:
    """``order=`` → ``["-due_date", "id"]``: names, ``-`` for descending (shotgun_api3's dicts too)."""
    if order is None:
        return []
    if isinstance(order, str):
        order = [o for o in order.split(",") if o.strip()]
    elif isinstance(order, Mapping) or not hasattr(order, "__iter__"):
        raise TypeError(f"order must be a list of field names such as ['-due_date', 'id'], not {show(order)}.")
    return [_order_item(item) for item in order]


def _order_item(item: Any) -> str:
    if isinstance(item, Mapping):  # shotgun_api3: {"field_name": "due_date", "direction": "desc"}
        name, direction = item.get("field_name"), item.get("direction", "asc")
        if not isinstance(name, str) or direction not in ("asc", "desc"):
            raise TypeError(f"order item {show(dict(item))} must look like {{'field_name': 'due_date', "
                            "'direction': 'asc' or 'desc'}.")
        item = ("-" if direction == "desc" else "") + name
    if not isinstance(item, str):
        raise TypeError(f"order items must be field names such as 'due_date' or '-due_date' (descending), "
                        f"not {show(item)}.")
    text = item.strip()
    name = text[1:].strip() if text.startswith("-") else text
    if not name or name[0] in "-+" or any(c.isspace() for c in name):
        fixed = "_".join(name.lstrip("-+ ").split())
        suggestion = [("-" if text.startswith("-") else "") + fixed] if fixed else []
        raise SchemaError(f"order item {item!r} is not a field name with an optional leading '-' "
                          f"(descending).{hint(suggestion)}", name=item, suggestions=suggestion)
    return ("-" if text.startswith("-") else "") + name


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
