"""``df.tf.flat(tz=...)``: a frame for Excel and CSV, the files producers hand to people.

``find`` frames keep what a program needs: UTC-aware timestamps and list
columns of linked records. Excel refuses the first (``Excel does not support
datetimes with timezones``) and CSV writes the second as Python reprs
(``[{'id': 12, 'type': 'Person', 'name': 'Ana'}]``). :func:`flat` gives a
copy in which

* every timezone-aware timestamp is converted to ``tz`` (an IANA name such as
  ``"Europe/Paris"``; default ``"UTC"``) and then made naive: the wall-clock
  time of that zone, which Excel shows as is;
* every list column becomes text: linked records by name (``"Ana, Bo"``;
  a record without a name as ``"Person 12"``), tags and other values by
  their text, joined with ``sep``; an empty list gives ``""`` and a missing
  one stays missing;
* any other Arrow-backed column becomes the matching pandas dtype;
* categories, nullable integers, floats and booleans, naive dates and
  durations stay as they are (Excel and CSV write them directly; missing
  values become empty cells).

The index, column order and ``attrs`` are kept; ``attrs["trackframes"]``
notes ``flat`` with the zone.

>>> from datetime import date
>>> import trackframes as tf
>>> with tf.sandbox.serve(scale=0.02, seed=1, today=date(2026, 3, 2)) as sb:
...     tasks = sb.connect(progress=False).find("Task", fields=["content", "task_assignees", "updated_at"])
>>> flat = tasks.tf.flat(tz="Europe/Paris")
>>> str(tasks["updated_at"].dtype), str(flat["updated_at"].dtype)
('datetime64[ms, UTC]', 'datetime64[ms]')
>>> paris = tasks["updated_at"].dt.tz_convert("Europe/Paris")       # the same moments, on Paris clocks
>>> bool((flat["updated_at"] == paris.dt.tz_localize(None)).all())
True
>>> people = [", ".join(p["name"] for p in row) for row in tasks["task_assignees"]]
>>> flat["task_assignees"].tolist() == people                          # "Ana, Bo"
True
"""

from __future__ import annotations

import json
from datetime import tzinfo
from typing import Any

import pandas as pd
import pyarrow as pa

from ..timezones import check_timezone

__all__ = ["flat"]


def flat(df: pd.DataFrame, tz: str | tzinfo = "UTC", *, sep: str = ", ") -> pd.DataFrame:
    """A copy of ``df`` for Excel and CSV: times in ``tz`` without a zone, lists joined into text.

    Args:
        df: any frame (from ``find``, ``tasks``, ``read_parquet``, ...).
        tz: the zone to show times in: an IANA name (``"Europe/Paris"``, ``"America/Los_Angeles"``,
            ``"UTC"``) or a ``tzinfo``. A wrong name is refused with the closest valid ones.
        sep: what goes between the items of a list column.

    Returns:
        A new frame with the same index, columns and attrs (see the module documentation).
    """
    zone = check_timezone(tz)
    if not isinstance(sep, str):
        raise TypeError(f"sep must be a string such as ', ', not {sep!r}.")
    out = {position: _flat_column(df.iloc[:, position], zone, sep) for position in range(df.shape[1])}
    result = pd.DataFrame(out, index=df.index)
    result.columns = df.columns
    result.attrs = dict(df.attrs)
    prov = result.attrs.get("trackframes")
    if isinstance(prov, dict):
        result.attrs["trackframes"] = {**prov, "flat": {"tz": str(getattr(zone, "key", zone)), "sep": sep}}
    return result


def _flat_column(column: pd.Series, zone: tzinfo, sep: str) -> pd.Series:
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return column.dt.tz_convert(zone).dt.tz_localize(None)
    if isinstance(dtype, pd.ArrowDtype):
        typ = dtype.pyarrow_dtype
        if pa.types.is_list(typ) or pa.types.is_large_list(typ) or pa.types.is_fixed_size_list(typ):
            return _joined(column, sep)
        if pa.types.is_struct(typ) or pa.types.is_map(typ):
            return pd.Series([_text(v) for v in column.tolist()], index=column.index, dtype=pd.StringDtype())
        return _flat_column(_from_arrow(column), zone, sep)
    if dtype == object:
        values = column.tolist()
        if any(isinstance(v, (list, tuple, dict)) for v in values):
            return _joined(column, sep)
    return column


def _from_arrow(column: pd.Series) -> pd.Series:
    """An Arrow-backed scalar column in the pandas dtype ``find`` gives that Arrow type."""
    from ..frames import to_pandas

    converted = to_pandas(pa.table({"value": pa.array(column.array)}))["value"]
    converted.index = column.index
    return converted


def _joined(column: pd.Series, sep: str) -> pd.Series:
    values = column.tolist()
    out = [None if _missing(v) else sep.join(_item(i) for i in v if not _missing(i)) if isinstance(v, (list, tuple))
           else _item(v) for v in values]
    return pd.Series(out, index=column.index, dtype=pd.StringDtype())


def _item(value: Any) -> str:
    """One list item as text: a linked record by its name (else ``Type id``), anything else as text."""
    if isinstance(value, dict):
        name = value.get("name")
        if name not in (None, ""):
            return str(name)
        if value.get("type") is not None and value.get("id") is not None:
            return f"{value['type']} {value['id']}"
        return _text(value)
    return str(value)


def _text(value: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, dict):
        name = value.get("name")
        return str(name) if name not in (None, "") else json.dumps(value, default=str, sort_keys=True)
    return str(value)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, (list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False
