"""Each engine's values as plain Python, so that engines can be compared column by column.

A column becomes ``{id: value}`` where the value is canonical for the
column's Arrow type (the type ``find`` gives it): dates as ``datetime.date``,
timestamps as UTC-aware ``datetime``, categories as ``str``, nullable numbers
as ``int``/``float``, lists as lists, structs (Spark rows, Arrow structs) as
dicts, and every kind of missing value (``None``, ``pd.NA``, ``NaN``,
``NaT``) as ``None``.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping

import pyarrow as pa

Columns = dict[str, dict[int, Any]]


def canonical(value: Any, typ: pa.DataType) -> Any:
    """``value`` (from any engine) in the canonical form of ``typ``."""
    if _missing(value):
        return None
    if pa.types.is_dictionary(typ):
        return canonical(value, typ.value_type)
    if pa.types.is_date(typ):
        if isinstance(value, datetime):  # pandas gives dates as datetime64[ms] (midnight)
            assert (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0), value
            return value.date()
        assert isinstance(value, date), value
        return value
    if pa.types.is_timestamp(typ):
        if hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        assert isinstance(value, datetime), value
        # a naive value is a local wall-clock time (how PySpark hands out timestamps)
        return value.astimezone(timezone.utc)
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        return [canonical(item, typ.value_type) for item in list(value)]
    if pa.types.is_struct(typ):
        if hasattr(value, "asDict"):  # a Spark Row
            value = value.asDict(recursive=True)
        assert isinstance(value, Mapping), value
        return {typ.field(i).name: canonical(value.get(typ.field(i).name), typ.field(i).type)
                for i in range(typ.num_fields)}
    if pa.types.is_integer(typ):
        assert float(value) == int(value), value
        return int(value)
    if pa.types.is_floating(typ):
        return float(value)
    if pa.types.is_boolean(typ):
        return bool(value)
    if pa.types.is_string(typ):
        assert isinstance(value, str), value
        return value
    raise AssertionError(f"no canonical form for {typ}")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover
        return False


def columns_of(records: Iterable[Mapping[str, Any]], schema: pa.Schema) -> Columns:
    """``{column: {id: canonical value}}`` for the columns of ``schema`` that the records hold."""
    out: Columns = {}
    for record in records:
        rid = int(record["id"])
        for name, value in record.items():
            if name in schema.names:
                column = out.setdefault(name, {})
                assert rid not in column, f"id {rid} appears twice"
                column[rid] = canonical(value, schema.field(name).type)
    return out


def frame_columns(df: Any, schema: pa.Schema) -> Columns:
    """:func:`columns_of` for a pandas frame."""
    return columns_of(df.to_dict("records"), schema)


def differences(got: Columns, want: Columns, *, engine: str) -> list[str]:
    """One line per column whose ids or values differ, naming a few of the differing ids."""
    problems = []
    for name in want:
        if name not in got:
            problems.append(f"{engine}: column {name!r} is missing (has {sorted(got)})")
            continue
        if set(got[name]) != set(want[name]):
            extra, lost = sorted(set(got[name]) - set(want[name])), sorted(set(want[name]) - set(got[name]))
            problems.append(f"{engine}: {name!r} has other ids: {len(extra)} extra {extra[:5]}, "
                            f"{len(lost)} missing {lost[:5]}")
            continue
        bad = [i for i in sorted(want[name]) if got[name][i] != want[name][i]]
        if bad:
            shown = "; ".join(f"id {i}: {got[name][i]!r} != {want[name][i]!r}" for i in bad[:3])
            problems.append(f"{engine}: {name!r} differs in {len(bad)} rows ({shown})")
    return problems
