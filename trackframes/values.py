"""Filter values: Python, numpy and pandas values checked against a field and made sendable.

Users build filter values from whatever they have at hand: numpy scalars,
``pd.Timestamp``, ``datetime.date``, a column of one of our own frames. This
module turns each one into the JSON value the API expects for the field's kind,
or refuses it with a sentence that names the field and the bad value:

>>> from trackframes.schema import FieldKind, FieldSpec
>>> import numpy as np, pandas as pd
>>> due = FieldSpec("due_date", FieldKind.DATE, "date")
>>> scalar(due, pd.Timestamp("2026-03-02 17:30"), where="['due_date', 'is', ...]")
'2026-03-02'
>>> cut_in = FieldSpec("cut_in", FieldKind.INTEGER, "number")
>>> scalar(cut_in, np.int64(1001), where="['cut_in', 'is', ...]")
1001
>>> scalar(cut_in, "1", where="['cut_in', 'is', ...]")
Traceback (most recent call last):
...
trackframes.exceptions.SchemaError: ['cut_in', 'is', ...]: '1' is text, but 'cut_in' is a number field; write 1 without quotes.

Missing values: ``None``, ``pd.NA`` and ``pd.NaT`` are ``None`` (an empty field).
A float NaN or an infinity is refused, because JSON has neither and they would be
sent as ``null``; inside a pandas Series/Index or a numpy array NaN is how
pandas marks a missing value, so there it is ``None`` too.

Naive date-times are taken as UTC, like the ``date_time`` columns of our frames.
"""

from __future__ import annotations

import math
import numbers
from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping

from .exceptions import SchemaError
from .schema import FieldKind, FieldSpec
from .suggest import hint, suggest

__all__ = ["INT64_MAX", "is_missing", "missing_in_pandas", "show", "finite", "scalar", "items", "link", "links_from",
           "plain", "plain_id"]

INT64_MAX = 2**63 - 1

_TEXT_TYPES = frozenset({"text", "entity_type", "uuid", "color", "footage"})


def show(value: Any, limit: int = 80) -> str:
    """A short repr for error messages (frames and long lists are summarised)."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return f"a DataFrame with columns {list(value.columns)[:6]!r}"
    if isinstance(value, (pd.Series, pd.Index)) or type(value).__name__ == "ndarray":
        head = [plain(v) for v in list(value)[:6]]
        more = ", ..." if len(value) > 6 else ""
        name = f" {value.name!r}" if getattr(value, "name", None) is not None else ""
        return f"the {type(value).__name__}{name} [{repr(head)[1:-1]}{more}]"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + " ...]"


def is_missing(value: Any) -> bool:
    """None, ``pd.NA``, ``pd.NaT`` or ``np.datetime64('NaT')`` (a float NaN is *not*: see the module doc)."""
    if value is None:
        return True
    import pandas as pd

    if value is pd.NA or value is pd.NaT:
        return True
    kind = type(value).__name__
    if kind in ("datetime64", "timedelta64"):
        import numpy as np

        return bool(np.isnat(value))
    return False


def plain(value: Any) -> Any:
    """numpy scalars → the Python scalar (``np.int64(5)`` → ``5``); anything else unchanged."""
    module = type(value).__module__
    if module == "numpy" and hasattr(value, "item") and type(value).__name__ not in ("datetime64", "timedelta64"):
        return value.item()
    return value


def plain_id(value: Any) -> Any:
    """An id as a plain Python value: whole numbers (numpy's, integral floats) as ``int``, text as ``str``.

    >>> import numpy as np
    >>> plain_id(np.int64(7)), plain_id(7.0), plain_id("5f1c-9a")
    (7, 7, '5f1c-9a')
    """
    import numpy as np

    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"An id is a whole number or text, not {value!r}.")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"An id is a whole number or text, not {value!r}.")


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def finite(value: float, where: str, name: str) -> float:
    """``value`` when it is a finite number; NaN and infinities are refused (JSON has neither).

    >>> finite(float("nan"), "['cut_in', 'is', nan]", "cut_in")
    Traceback (most recent call last):
    ...
    trackframes.exceptions.SchemaError: ['cut_in', 'is', nan]: NaN is not a value that can be sent (it would become null); use None to match an empty field.
    """
    if math.isnan(value):
        raise SchemaError(f"{where}: NaN is not a value that can be sent (it would become null); "
                          "use None to match an empty field.", name=name)
    if math.isinf(value):
        raise SchemaError(f"{where}: {value!r} (infinity) cannot be sent; leave the condition out or use a "
                          "finite bound.", name=name)
    return value


def _check_number(value: Any, spec: FieldSpec, where: str) -> Any:
    if isinstance(value, float):
        finite(value, where, spec.name)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT64_MAX:
        raise SchemaError(f"{where}: {show(value)} is out of range; whole numbers must fit in 64 bits "
                          f"(at most {INT64_MAX}).", name=spec.name)
    return value


def scalar(spec: FieldSpec, value: Any, *, where: str, relation: str = "is",
           id_kind: FieldKind = FieldKind.INTEGER) -> Any:
    """One value for ``spec``, as the API takes it (``None`` stays ``None``; callers decide if it is allowed).

    ``id_kind`` is the kind of the ids in links (see :func:`link`).
    """
    value = plain(value)
    if is_missing(value):
        return None
    if isinstance(value, numbers.Number) and not isinstance(value, (int, float)):  # Decimal, Fraction
        value = float(value)
    value = _check_number(value, spec, where)
    kind = spec.kind
    if kind is FieldKind.INTEGER:
        return _integer(spec, value, where)
    if kind is FieldKind.FLOAT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(spec, value, where, "a number", example="1.5")
        return value
    if kind is FieldKind.BOOLEAN:
        if not isinstance(value, bool):
            raise _wrong(spec, value, where, "True or False", example="True")
        return value
    if kind is FieldKind.DATE:
        return _date(spec, value, where)
    if kind is FieldKind.DATETIME:
        return _datetime(spec, value, where)
    if kind is FieldKind.CATEGORY or (kind is FieldKind.TEXT and spec.data_type in _TEXT_TYPES):
        if not isinstance(value, str):
            raise _wrong(spec, value, where, "text", example=repr(str(value)))
        return value
    if kind in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY):
        return link(spec, value, where=where, id_kind=id_kind)
    return _json_safe(spec, value, where)


def _integer(spec: FieldSpec, value: Any, where: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            raise SchemaError(f"{where}: {value!r} is text, but {spec.name!r} is a {spec.data_type} field; "
                              f"write {int(value)} without quotes.", name=spec.name)
        raise _wrong(spec, value, where, "a whole number", example="12")
    if isinstance(value, float) and value.is_integer():
        return _check_number(int(value), spec, where)
    return value


def _wrong(spec: FieldSpec, value: Any, where: str, wanted: str, *, example: str) -> SchemaError:
    what = "text" if isinstance(value, str) else f"{_article(type(value).__name__)} {type(value).__name__}"
    return SchemaError(f"{where}: {show(value)} is {what}, but {spec.name!r} is a "
                       f"{spec.data_type} field, which takes {wanted} (for example {example}).", name=spec.name)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _date(spec: FieldSpec, value: Any, where: str) -> str:
    stamp = _timestamp(value)
    if stamp is not None:
        return stamp.date().isoformat()  # a date-time for a date field: its calendar date, as given
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            try:
                return datetime.fromisoformat(value.strip()).date().isoformat()
            except ValueError:
                pass
    raise SchemaError(f"{where}: {show(value)} is not a date; {spec.name!r} is a date field, which takes "
                      "'YYYY-MM-DD' text, a datetime.date or a pd.Timestamp.", name=spec.name)


def _datetime(spec: FieldSpec, value: Any, where: str) -> str:
    stamp = _timestamp(value)
    if stamp is None and isinstance(value, date):
        stamp = datetime(value.year, value.month, value.day)
    if stamp is None and isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value.strip())
        except ValueError:
            stamp = None
    if stamp is None:
        raise SchemaError(f"{where}: {show(value)} is not a date-time; {spec.name!r} is a date_time field, "
                          "which takes ISO 8601 text ('2026-03-02T17:30:00Z'), a datetime or a pd.Timestamp.",
                          name=spec.name)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)  # naive means UTC, as in our frames
    stamp = stamp.astimezone(timezone.utc)
    text = stamp.isoformat(timespec="microseconds" if stamp.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def _timestamp(value: Any) -> datetime | None:
    """A ``datetime`` for datetime-like values (``pd.Timestamp``, ``np.datetime64``), else None."""
    if type(value).__name__ == "datetime64":
        import pandas as pd

        return pd.Timestamp(value).to_pydatetime()
    if isinstance(value, datetime):
        return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    return None


def _json_safe(spec: FieldSpec, value: Any, where: str) -> Any:
    """Values for kinds that are not checked in detail: only made sendable."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    stamp = _timestamp(value)
    if stamp is not None:
        return _datetime(spec, stamp, where)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json_safe(spec, _check_number(plain(v), spec, where), where) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(spec, _check_number(plain(v), spec, where), where) for v in value]
    raise SchemaError(f"{where}: {show(value)} ({type(value).__name__}) is not a value that can be sent for "
                      f"{spec.name!r}; use text, a number, True/False, a date or None.", name=spec.name)


# -- lists -------------------------------------------------------------------------------------------

def _pandas_like(value: Any) -> bool:
    module = type(value).__module__ or ""
    return module.startswith(("pandas", "numpy"))


def items(value: Any) -> tuple[list[Any], bool] | None:
    """``(elements, from pandas or numpy)`` for list-likes; ``None`` for a scalar (or a mapping, or text)."""
    import numpy as np
    import pandas as pd

    if isinstance(value, (str, bytes, Mapping)):
        return None
    if isinstance(value, pd.DataFrame):
        return None  # frames are rows of links (see links_from) or one column (see filters)
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value), False
    if isinstance(value, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray, np.ndarray)):
        if isinstance(value, np.ndarray) and value.ndim != 1:
            return None
        return list(value), True
    return None


def missing_in_pandas(value: Any) -> bool:
    """Whether an element taken out of a pandas/numpy container is pandas' missing marker."""
    return is_missing(value) or _is_nan(plain(value))


# -- links -------------------------------------------------------------------------------------------

def _frame_entity(obj: Any) -> str | None:
    prov = getattr(obj, "attrs", {}).get("trackframes") or {}
    entity = prov.get("entity")
    return entity if isinstance(entity, str) else None


def _example(spec: FieldSpec, id_kind: FieldKind = FieldKind.INTEGER) -> str:
    kind = spec.valid_types[0] if spec.valid_types else "Shot"
    rid = "'9f3c2a1e-...'" if id_kind is FieldKind.TEXT else "12"
    return f"{{'type': {kind!r}, 'id': {rid}}}"


def _link_id(spec: FieldSpec, value: Mapping[str, Any], rid: Any, where: str, id_kind: FieldKind) -> Any:
    """The id of a link, of the backend's id kind: a whole number (64 bits), or non-empty text."""
    if id_kind is FieldKind.TEXT:
        if not isinstance(rid, str) or not rid:
            raise SchemaError(f"{where}: the link {show(dict(value))} for {spec.name!r} needs a text id, "
                              f"not {show(rid)}; write it as {_example(spec, id_kind)}.", name=spec.name)
        return rid
    if isinstance(rid, float) and rid.is_integer():
        rid = int(rid)
    if isinstance(rid, bool) or not isinstance(rid, int):
        raise SchemaError(f"{where}: the link {show(dict(value))} for {spec.name!r} needs a whole-number id, "
                          f"not {show(rid)}; write it as {_example(spec)}.", name=spec.name)
    return _check_number(rid, spec, where)


def link(spec: FieldSpec, value: Any, *, where: str, default_type: str | None = None,
         id_kind: FieldKind = FieldKind.INTEGER) -> dict[str, Any] | None:
    """A ``{"type", "id"}`` link from a dict, a frame row (Series with ``id``) or, with a known type, an id.

    ``id_kind`` is the backend's (:attr:`trackframes.backends.base.Backend.id_kind`): link ids are
    whole numbers, or text (UUIDs).

    >>> shot = FieldSpec("entity", FieldKind.ENTITY, "entity", valid_types=("Shot",))
    >>> link(shot, {"type": "Shot", "id": "9f3c"}, where="['entity', 'is', ...]", id_kind=FieldKind.TEXT)
    {'type': 'Shot', 'id': '9f3c'}
    """
    import pandas as pd

    value = plain(value)
    if is_missing(value):
        return None
    if isinstance(value, pd.Series):
        row = value
        kind = row.get("type")
        kind = None if kind is None or is_missing(kind) else str(kind)
        value = {"type": kind or default_type or _frame_entity(row) or _single_type(spec), "id": row.get("id")}
        if "id" not in row.index:
            raise SchemaError(f"{where}: the row given for {spec.name!r} has no 'id'; a link looks like "
                              f"{_example(spec, id_kind)}.", name=spec.name)
    if isinstance(value, Mapping):
        kind, rid = value.get("type"), plain(value.get("id"))
        if kind is None and default_type is not None:
            kind = default_type
        if not isinstance(kind, str) or not kind:
            raise SchemaError(f"{where}: the link {show(dict(value))} for {spec.name!r} has no entity type; "
                              f"write it as {_example(spec, id_kind)}.", name=spec.name)
        rid = _link_id(spec, value, rid, where, id_kind)
        check_link_type(spec, kind, where)
        return {"type": kind, "id": rid}
    bare = str if id_kind is FieldKind.TEXT else (int, float)
    if default_type is not None and isinstance(value, bare) and not isinstance(value, bool):
        return link(spec, {"type": default_type, "id": value}, where=where, id_kind=id_kind)
    if isinstance(value, int) and not isinstance(value, bool):
        raise SchemaError(f"{where}: {value!r} is a bare id, not a link; {spec.name!r} is {_article(spec.data_type)} "
                          f"{spec.data_type} field, so write the link as {_example(spec).replace('12', str(value))}.",
                          name=spec.name)
    if isinstance(value, str):
        by_name = "name_is" if spec.kind is FieldKind.ENTITY else "name_contains"
        raise SchemaError(f"{where}: {value!r} is text, not a link; {spec.name!r} is {_article(spec.data_type)} "
                          f"{spec.data_type} field, so write a link such as {_example(spec, id_kind)}, or match by "
                          f"name with [{spec.name!r}, {by_name!r}, {value!r}].", name=spec.name)
    raise SchemaError(f"{where}: {show(value)} is not a link; {spec.name!r} takes links such as "
                      f"{_example(spec, id_kind)}.", name=spec.name)


def _single_type(spec: FieldSpec) -> str | None:
    return spec.valid_types[0] if len(spec.valid_types) == 1 else None


def check_link_type(spec: FieldSpec, kind: str, where: str) -> None:
    """Refuse a link to a type the field cannot hold (the schema's ``valid_types``)."""
    if spec.valid_types and kind not in spec.valid_types:
        hints = suggest(kind, spec.valid_types)
        raise SchemaError(f"{where}: {spec.name!r} cannot hold a link to a {kind!r}; it links to "
                          f"{', '.join(spec.valid_types)}.{hint(hints)}", name=kind,
                          suggestions=hints or list(spec.valid_types))


def links_from(spec: FieldSpec, value: Any, *, where: str,
               id_kind: FieldKind = FieldKind.INTEGER) -> list[dict[str, Any] | None] | None:
    """Links built from one of our frames (or a column of ids from one), for ``in``/``not_in``.

    A frame with an ``id`` column (and ``type``, or the entity it was read from
    in its provenance) gives one link per row; so does a pair of ``<x>.id`` /
    ``<x>.type`` columns. A Series of ids needs its type from the frame's
    provenance (a frame's ``id`` column) or from a field that links to one type
    only. Returns ``None`` when ``value`` is not such a container.
    """
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        ids, types = _id_columns(spec, value, where)
        default = _frame_entity(value) or _single_type(spec)
        out = []
        for i, rid in enumerate(ids):
            if missing_in_pandas(rid):
                out.append(None)
                continue
            kind = None if types is None else types[i]
            kind = None if kind is None or missing_in_pandas(kind) else str(kind)
            kind = kind or default
            if kind is None:
                raise SchemaError(f"{where}: the frame's rows do not say which entity type their ids are, and "
                                  f"{spec.name!r} links to {', '.join(spec.valid_types) or 'several types'}; "
                                  "add a 'type' column or pass links such as " + _example(spec, id_kind) + ".",
                                  name=spec.name)
            out.append(link(spec, {"type": kind, "id": rid}, where=where, id_kind=id_kind))
        return out
    if isinstance(value, pd.Series):
        default = (_frame_entity(value) if value.name == "id" else None) or _single_type(spec)
        out = []
        for element in value:
            if missing_in_pandas(element):
                out.append(None)
            elif isinstance(element, (Mapping, pd.Series)):
                out.append(link(spec, element, where=where, id_kind=id_kind))
            elif default is None:
                raise SchemaError(f"{where}: the Series {value.name!r} holds ids but not their entity type, and "
                                  f"{spec.name!r} links to {', '.join(spec.valid_types) or 'several types'}; "
                                  f"pass the frame (df[['id']]) or links such as {_example(spec, id_kind)}.", name=spec.name)
            else:
                out.append(link(spec, element, where=where, default_type=default, id_kind=id_kind))
        return out
    return None


def _id_columns(spec: FieldSpec, frame: Any, where: str) -> tuple[list[Any], list[Any] | None]:
    columns = [str(c) for c in frame.columns]
    if "id" in columns:
        types = list(frame["type"]) if "type" in columns else None
        return list(frame["id"]), types
    pairs = [c[:-3] for c in columns if c.endswith(".id") and f"{c[:-3]}.type" in columns]
    if len(pairs) == 1:
        return list(frame[f"{pairs[0]}.id"]), list(frame[f"{pairs[0]}.type"])
    raise SchemaError(f"{where}: the frame given for {spec.name!r} has no 'id' column (columns: "
                      f"{', '.join(columns[:8])}); pass a frame with 'id' (and 'type') columns.", name=spec.name)


def iter_plain(values: Iterable[Any]) -> list[Any]:
    """numpy scalars in ``values`` → Python scalars."""
    return [plain(v) for v in values]
