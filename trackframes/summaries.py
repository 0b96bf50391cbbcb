"""Server summaries as tidy frames, and the site's schema as frames.

:func:`summarize` (``site.summarize``) asks the backend for summaries of the
records matching a filter, optionally grouped, and returns a tidy
``DataFrame``:

* one row per innermost group, one column per grouping level named after the
  field (entity groups split into ``<field>.id/.type/.name``; date groups as
  dates), in the order the server sorted the groups;
* one column per summary, named ``<field>_<type>`` (``id_count``,
  ``duration_sum``, ``due_date_latest``), typed to fit the summary;
* the overall summaries in ``df.attrs["total"]``, keyed by the same names.

The vocabulary of summary and grouping types is the public one, like the
filter syntax. A backend with the SUMMARIZE capability provides
``summarize(entity, filters, summaries, grouping, *, include_archived_projects)``
(``filters`` checked by its ``check_filters``) returning a :class:`SummaryResult`;
it validates the types against its own field data types before sending anything.
Without that capability, or when part of the filter runs locally, the local
engine (:mod:`trackframes.engine`) summarizes the matching records.

:func:`summary_frame` is the pure part: a :class:`SummaryResult` plus the
fields' specs → the frame. See ``docs/summaries.md``.

>>> import trackframes as tf
>>> with tf.sandbox.serve(scale=0.02, seed=1) as sb:
...     site = sb.connect(progress=False)
...     s = site.summarize("Task", {"id": "count", "est_in_mins": "sum"}, grouping=["step"])
>>> list(s.columns)
['step.id', 'step.type', 'step.name', 'id_count', 'est_in_mins_sum']
>>> int(s["id_count"].sum()) == s.attrs["total"]["id_count"]
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

from .backends.base import (CLUSTERED_DATES, GROUPING_TYPES, SUMMARY_TYPES, Capability, Grouping, Summary,
                            SummaryGroup, SummaryResult, has, require)
from .queries import split_query
from .query.filters import parse_filters
from .query.summaries import parse_grouping, parse_summaries
from .exceptions import SchemaError
from .schema import FieldKind, FieldSpec, dtype_name

if TYPE_CHECKING:
    import pandas as pd

    from .query.filters import Group

__all__ = [
    "SUMMARY_TYPES",
    "GROUPING_TYPES",
    "CLUSTERED_DATES",
    "Summary",
    "Grouping",
    "SummaryGroup",
    "SummaryResult",
    "parse_summaries",
    "parse_grouping",
    "summarize",
    "summary_frame",
    "entities_frame",
    "schema_frame",
]

_COUNTS = frozenset({"record_count", "count", "checked", "unchecked"})
_FLOATS = frozenset({"sum", "average", "percentage", "status_percentage", "status_percentage_as_float"})
_BUCKETS = frozenset({"tens", "hundreds", "thousands", "tensofthousands", "hundredsofthousands", "millions"})
_PERIODS = frozenset({"day", "week", "month", "quarter", "year"})
_LINK_KINDS = (FieldKind.ENTITY, FieldKind.MULTI_ENTITY)


# ---------------------------------------------------------------------------
# requests: what to summarize and how to group
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# the entry point
# ---------------------------------------------------------------------------

def summarize(site: Any, entity: str, summaries: Any, filters: Any = None, grouping: Any = None, *,
              include_archived_projects: bool = False) -> pd.DataFrame:
    """``site.summarize``: server-side summaries as a tidy DataFrame (see the module docstring)."""
    backend = site.backend
    wanted = parse_summaries(summaries)
    levels = parse_grouping(grouping)
    checked = backend.check_filters(entity, parse_filters(filters))
    specs = _specs(backend, entity, [s.field for s in wanted] + [g.field for g in levels])
    _, residual = split_query(backend, entity, checked.tree)
    server = getattr(backend, "can_summarize", None)  # a backend may compute only some summaries itself
    if has(backend, Capability.SUMMARIZE) and not residual.items and (server is None
                                                                      or server(entity, wanted, levels)):
        result = backend.summarize(entity, checked, wanted, levels,
                                   include_archived_projects=include_archived_projects)
    else:  # fetch the fields and summarize them here, with the same semantics
        result = _local(site, entity, checked.tree, wanted, levels, specs, include_archived_projects)
    df = summary_frame(result, wanted, levels, specs, id_kind=getattr(site, "id_kind", FieldKind.INTEGER))
    df.attrs["trackframes"] = {
        "site": site.url,
        "backend": backend.name,
        "entity": entity,
        "kind": "summary",
        "filters": checked.tree.to_dict(),
        "summaries": [[s.field, s.type] + ([s.value] if s.value is not None else []) for s in wanted],
        "grouping": [[g.field, g.type, g.direction] for g in levels],
        "include_archived_projects": include_archived_projects,
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    _remember(site)
    return df


def _local(site: Any, entity: str, filters: Group, wanted: list[Summary], levels: list[Grouping],
           specs: dict[str, FieldSpec], include_archived_projects: bool) -> SummaryResult:
    """Summaries computed by :mod:`trackframes.engine` over the matching records' fields."""
    from . import engine

    fields = list(dict.fromkeys(s.field for s in wanted if s.field != "id"))
    fields += [g.field for g in levels if g.field not in fields and g.field != "id"]
    table = site.find_arrow(entity, filters, fields or ["id"], include_archived_projects=include_archived_projects)
    names = {e: info.display_name for e, info in site.backend.entities().items()}
    return engine.summarize(table, wanted, levels, list(specs.values()), today=_today(site), type_names=names)


def _today(site: Any) -> date | None:
    today = getattr(site, "today", None)
    return today() if callable(today) else today


def _specs(backend: Any, entity: str, names: list[str]) -> dict[str, FieldSpec]:
    out: dict[str, FieldSpec] = {}
    for name in dict.fromkeys(names):
        out[name] = backend.resolve_fields(entity, [name])[-1]
    return out


def _remember(site: Any) -> None:
    from .accessor import register_site

    register_site(site)


# ---------------------------------------------------------------------------
# result → frame
# ---------------------------------------------------------------------------

def summary_frame(result: SummaryResult, summaries: Sequence[Summary], grouping: Sequence[Grouping],
                  specs: Mapping[str, FieldSpec], *, id_kind: FieldKind = FieldKind.INTEGER) -> Any:
    """The tidy frame of a summary result (pure: no I/O). ``specs`` maps field names to their specs;
    link groups' ids are of ``id_kind`` (the site's: whole numbers, or text)."""
    import pandas as pd

    level_names = _level_names(grouping)
    rows: list[tuple[list[SummaryGroup | None], dict[int, Any]]] = []
    if grouping:
        _flatten(result.groups, [], len(grouping), rows)
    else:
        rows.append(([], result.total))
    columns: dict[str, Any] = {}
    for depth, (level, base) in enumerate(zip(grouping, level_names)):
        groups = [path[depth] for path, _ in rows]
        for name, values in _level_columns(level, specs[level.field], base, groups, id_kind).items():
            columns[name] = values
    for i, summary in enumerate(summaries):
        name = summary.column
        if name in columns:
            raise ValueError(f"The summary column {name!r} has the name of a grouping column.")
        convert = _summary_converter(summary, specs[summary.field])
        columns[name] = convert([values.get(i) for _, values in rows])
    df = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    df.attrs["total"] = {s.column: _scalar(_summary_converter(s, specs[s.field])([result.total.get(i)])[0])
                         for i, s in enumerate(summaries)}
    return df


def _level_names(grouping: Sequence[Grouping]) -> list[str]:
    """Column (prefix) of each level: the field, or ``<field>_<type>`` when a field is grouped twice."""
    counts: dict[str, int] = {}
    for level in grouping:
        counts[level.field] = counts.get(level.field, 0) + 1
    names = [level.field if counts[level.field] == 1 else f"{level.field}_{level.type}" for level in grouping]
    if len(set(names)) != len(names):
        raise ValueError(f"The same grouping appears twice: {[(g.field, g.type) for g in grouping]}.")
    return names


def _flatten(groups: list[SummaryGroup], path: list[SummaryGroup | None], depth: int,
             rows: list[tuple[list[SummaryGroup | None], dict[int, Any]]]) -> None:
    for group in groups:
        here = path + [group]
        if len(here) < depth and group.groups:
            _flatten(group.groups, here, depth, rows)
        else:  # innermost level (or a server that left out the deeper groups)
            rows.append((here + [None] * (depth - len(here)), group.summaries))


# -- grouping columns ------------------------------------------------------------

def _level_columns(level: Grouping, spec: FieldSpec, base: str, groups: list[SummaryGroup | None],
                   id_kind: FieldKind = FieldKind.INTEGER) -> dict[str, Any]:
    import pandas as pd

    values = [None if g is None else g.value for g in groups]
    names = [None if g is None else g.name for g in groups]
    kind = level.type
    if kind == "exact" and spec.kind in _LINK_KINDS:
        links = [_link(v, n, id_kind) for v, n in zip(values, names)]
        return {
            f"{base}.id": pd.array([lk[0] for lk in links],
                                   dtype=pd.StringDtype() if id_kind is FieldKind.TEXT else "Int64"),
            f"{base}.type": pd.Categorical([lk[1] for lk in links]),
            f"{base}.name": _strings([lk[2] for lk in links]),
        }
    if kind in _PERIODS:
        return {base: _dates([_period_start(kind, v, n) for v, n in zip(values, names)])}
    if kind == "clustered_date":
        labels = [_text(v) if v is not None else None for v in values]
        labels = [lb if lb in CLUSTERED_DATES else None for lb in labels]
        return {base: pd.Categorical(labels, categories=list(CLUSTERED_DATES), ordered=True)}
    if kind in _BUCKETS:
        dtype = "Float64" if spec.kind is FieldKind.FLOAT else "Int64"
        return {base: _numbers(values, dtype)}
    if kind in ("oneday", "fivedays"):
        return {base: _numbers(values, "Int64")}
    if kind in ("entitytype", "firstletter"):
        return {base: _strings([_text(v) for v in values])}
    return {base: _exact_values(spec, values, names)}


def _exact_values(spec: FieldSpec, values: list[Any], names: list[Any]) -> Any:
    import pandas as pd

    k = spec.kind
    if k is FieldKind.DATE:
        return _dates([_to_date(v) for v in values])
    if k is FieldKind.DATETIME:
        return _timestamps(values)
    if k is FieldKind.INTEGER:
        return _numbers(values, "Int64")
    if k is FieldKind.FLOAT:
        return _numbers(values, "Float64")
    if k is FieldKind.BOOLEAN:
        return pd.array([_to_bool(v) for v in values], dtype="boolean")
    if k is FieldKind.CATEGORY:
        texts = [_text(v) for v in values]
        observed = sorted({t for t in texts if t is not None} - set(spec.valid_values))
        return pd.Categorical(texts, categories=list(dict.fromkeys([*spec.valid_values, *observed])))
    return _strings([_text(v) for v in values])


def _link(value: Any, name: Any, id_kind: FieldKind = FieldKind.INTEGER) -> tuple[Any, str | None, str | None]:
    if isinstance(value, Mapping):
        rid = _text(value.get("id")) if id_kind is FieldKind.TEXT else _to_int(value.get("id"))
        return rid, _text(value.get("type")), _text(value.get("name", name)) or _text(name)
    if value is None:
        return None, None, None
    return None, None, _text(name) or _text(value)  # a server that gives only the name


_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_QUARTER = re.compile(r"Q([1-4])\D*(\d{4})|(\d{4})\D*Q([1-4])", re.IGNORECASE)
_MONTHS = {m.lower(): i for i, m in enumerate(("January", "February", "March", "April", "May", "June", "July",
                                                "August", "September", "October", "November", "December"), 1)}


def _period_start(kind: str, value: Any, name: Any) -> date | None:
    """The first day of a date group, read liberally from its value, else its name."""
    for candidate in (value, name):
        day = _period_from(kind, candidate)
        if day is not None:
            return day
    return None


def _period_from(kind: str, raw: Any) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if kind == "year" and 1000 <= raw <= 9999:
            return date(int(raw), 1, 1)
        if raw > 10_000_000:  # epoch seconds (or milliseconds)
            seconds = raw / 1000 if raw > 10_000_000_000 else raw
            return datetime.fromtimestamp(seconds, tz=timezone.utc).date()
        return None
    text = str(raw).strip()
    hit = _ISO_DAY.search(text)
    if hit:
        try:
            return date(int(hit.group(1)), int(hit.group(2)), int(hit.group(3)))
        except ValueError:
            return None
    hit = _QUARTER.search(text)
    if hit:
        q, year = (hit.group(1), hit.group(2)) if hit.group(1) else (hit.group(4), hit.group(3))
        return date(int(year), 3 * int(q) - 2, 1)
    hit = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if hit and 1 <= int(hit.group(2)) <= 12:
        return date(int(hit.group(1)), int(hit.group(2)), 1)
    hit = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{4})", text)
    if hit:
        month = _MONTHS.get(hit.group(1).lower()) or next(
            (i for m, i in _MONTHS.items() if m.startswith(hit.group(1).lower()[:3])), None)
        if month:
            return date(int(hit.group(2)), month, 1)
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 1, 1)
    return None


# -- summary columns -----------------------------------------------------------------

def _summary_converter(summary: Summary, spec: FieldSpec) -> Callable[[list[Any]], Any]:
    kind = summary.type
    if kind in _COUNTS:
        return lambda values: _numbers(values, "Int64")
    if kind in _FLOATS:
        return lambda values: _numbers(values, "Float64")
    if kind in ("maximum", "minimum"):
        dtype = "Int64" if spec.kind is FieldKind.INTEGER else "Float64"
        return lambda values: _numbers(values, dtype)
    if kind in ("earliest", "latest"):
        if spec.kind is FieldKind.DATE:
            return lambda values: _dates([_to_date(v) for v in values])
        if spec.kind is FieldKind.DATETIME:
            return _timestamps
    return lambda values: _strings([_text(v) for v in values])  # status_list and anything unexpected


# -- value conversion (liberal in what servers send) -----------------------------------

def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    import orjson

    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return str(value)


def _strings(values: list[Any]) -> Any:
    import pandas as pd

    return pd.array(values, dtype=pd.StringDtype())


def _to_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number == number and number.is_integer() else None


def _to_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def _numbers(values: list[Any], dtype: str) -> Any:
    import pandas as pd

    if dtype == "Int64":
        ints = [_to_int(v) for v in values]
        if all(i is not None or _to_float(v) is None for i, v in zip(ints, values)):
            return pd.array(ints, dtype="Int64")
        # a fractional value where a whole number was expected: keep it rather than lose it
    return pd.array([_to_float(v) for v in values], dtype="Float64")


def _to_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "yes", "1", "checked"):
            return True
        if low in ("false", "no", "0", "unchecked"):
            return False
        return None
    return bool(value)


def _to_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    hit = _ISO_DAY.match(str(value).strip())
    if not hit:
        return None
    try:
        return date(int(hit.group(1)), int(hit.group(2)), int(hit.group(3)))
    except ValueError:
        return None


def _dates(days: list[date | None]) -> Any:
    """Calendar dates as ``datetime64[ms]`` (naive), the same dtype ``find`` gives date fields."""
    import numpy as np
    import pandas as pd

    arr = np.array([np.datetime64(d.isoformat(), "ms") if d is not None else np.datetime64("NaT", "ms")
                    for d in days], dtype="datetime64[ms]")
    return pd.Series(arr, dtype="datetime64[ms]").array


def _timestamps(values: list[Any]) -> Any:
    import pandas as pd

    parsed = []
    for v in values:
        if isinstance(v, datetime):
            parsed.append(v if v.tzinfo else v.replace(tzinfo=timezone.utc))
        elif isinstance(v, str) and v:
            try:
                ts = datetime.fromisoformat(v.replace("Z", "+00:00"))
            except ValueError:
                ts = None
            parsed.append(None if ts is None else (ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)))
        else:
            parsed.append(None)
    return pd.to_datetime(pd.Series(parsed, dtype="object"), utc=True).astype("datetime64[ms, UTC]").array


def _scalar(value: Any) -> Any:
    """A plain Python value for ``attrs["total"]`` (None for missing, Timestamp for dates)."""
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


# ---------------------------------------------------------------------------
# entity and schema frames
# ---------------------------------------------------------------------------

def entities_frame(site: Any, project: Any = None) -> pd.DataFrame:
    """``site.entities``: one row per entity type: ``name``, ``display_name``, ``visible``.

    With ``project`` (an id, a ``{"type", "id"}`` link, a row with an ``id`` or a
    project name) visibility is the project's.
    """
    import pandas as pd

    pid = _project_id(site, project)
    if pid is None:
        infos = site.entity_types()
    else:
        infos = _backend_call(site, "entities_in_project", pid)
    rows = sorted(infos.values(), key=lambda e: e.name)
    df = pd.DataFrame({
        "name": _strings([e.name for e in rows]),
        "display_name": _strings([e.display_name for e in rows]),
        "visible": pd.array([bool(e.visible) for e in rows], dtype="boolean"),
    })
    df.attrs["trackframes"] = _frame_provenance(site, "entities", project=pid)
    _remember(site)
    return df


def schema_frame(site: Any, entity: str, project: Any = None) -> pd.DataFrame:
    """``site.schema``: one row per field of ``entity`` (``id`` first, then the server's order).

    Columns: ``name``, ``display_name``, ``data_type`` (the tracker's), ``kind``
    (trackframes' neutral kind), ``dtype`` (the pandas dtype(s) ``find`` gives
    the field), ``editable``, ``mandatory``, ``visible``, ``valid_types``,
    ``valid_values`` (lists) and ``description``.
    """
    import pandas as pd
    import pyarrow as pa

    pid = _project_id(site, project)
    specs = site.field_specs(entity) if pid is None else _backend_call(site, "fields_in_project", entity, pid)
    ordered = sorted(specs.values(), key=lambda s: s.name != "id")
    text_list = pd.ArrowDtype(pa.list_(pa.string()))
    df = pd.DataFrame({
        "name": _strings([s.name for s in ordered]),
        "display_name": _strings([s.display_name or s.name for s in ordered]),
        "data_type": _strings([s.data_type for s in ordered]),
        "kind": _strings([s.kind.value for s in ordered]),
        "dtype": _strings([dtype_name(s) for s in ordered]),
        "editable": pd.array([bool(s.editable) for s in ordered], dtype="boolean"),
        "mandatory": pd.array([bool(s.mandatory) for s in ordered], dtype="boolean"),
        "visible": pd.array([bool(s.visible) for s in ordered], dtype="boolean"),
        "valid_types": pd.array([list(s.valid_types) for s in ordered], dtype=text_list),
        "valid_values": pd.array([list(s.valid_values) for s in ordered], dtype=text_list),
        "description": _strings([s.description or None for s in ordered]),
    })
    df.attrs["trackframes"] = _frame_provenance(site, "schema", entity=entity, project=pid)
    _remember(site)
    return df


def _project_id(site: Any, project: Any) -> Any:
    if project is None:
        return None
    from .schedule import record_id

    return record_id(site, site.backend.directory().project_entity, project)


def _backend_call(site: Any, method: str, *args: Any) -> Any:
    return getattr(require(site.backend, Capability.PROJECT_SCHEMA), method)(*args)


def _frame_provenance(site: Any, kind: str, **extra: Any) -> dict[str, Any]:
    return {"site": site.url, "backend": site.backend.name, "kind": kind, **extra,
            "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
