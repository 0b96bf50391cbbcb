"""Sorting records of the ShotGrid sandbox's store: ``["-due_date", "id"]``.

``-`` means descending. Nulls come last ascending and first descending; ties
are broken by id ascending. Text and list values sort case-insensitively;
entity links sort by display name, multi-entity fields by their sorted names.

>>> from datetime import date
>>> from trackframes.sandbox.shotgrid.render_production import generate
>>> store = generate(scale=0.01, seed=1, today=date(2026, 3, 2))
>>> parse_sort(store, "Task", "-due_date, entity.Shot.code")
[('due_date', True), ('entity.Shot.code', False)]
"""

from __future__ import annotations

from typing import Any, Callable

from .errors import bad_request, show
from .model import FieldDef, Store
from .paths import MULTI_LINK_TYPES, NUMBER_TYPES, STRING_TYPES, follow, parse_path

__all__ = ["parse_sort", "sort_records"]


def parse_sort(store: Store, entity: str, sort: str | list[str] | None) -> list[tuple[str, bool]]:
    """``"-due_date,id"`` or ``["-due_date", "id"]`` → ``[("due_date", True), ("id", False)]``."""
    if sort is None:
        return []
    if isinstance(sort, str):
        items = [s.strip() for s in sort.split(",")]
    elif isinstance(sort, (list, tuple)):
        items = list(sort)
    else:
        raise bad_request(f"sort must be a comma-separated string or a list, not {show(sort)}.", "sort")
    out: list[tuple[str, bool]] = []
    for item in items:
        if item == "":
            continue
        if not isinstance(item, str):
            raise bad_request(f"Sort entries must be field names, not {show(item)}.", "sort")
        desc = item.startswith("-")
        name = item[1:] if desc else item.lstrip("+")
        parse_path(store, entity, name, param="sort", allow_multi=False)
        out.append((name, desc))
    return out


def _sort_value(store: Store, fdef: FieldDef) -> Callable[[Any], Any]:
    """Field value → comparable sort value (``None`` stays ``None``)."""
    dtype = fdef.data_type
    if dtype in STRING_TYPES or dtype == "image":
        return lambda v: None if v is None else str(v).lower()
    if dtype in NUMBER_TYPES or dtype in ("date", "date_time", "checkbox"):
        return lambda v: v

    def link_name(link: dict[str, Any]) -> str:
        return (store.display_name(link["type"], link["id"]) or "").lower()

    if dtype == "entity":
        return lambda v: None if not v else link_name(v)
    if dtype in MULTI_LINK_TYPES:
        return lambda v: tuple(sorted(link_name(x) for x in v)) if v else None
    if dtype == "tag_list":
        return lambda v: tuple(sorted(str(t).lower() for t in v)) if v else None
    if dtype == "url":
        return lambda v: None if not v else str(v.get("name") or v.get("url") or "").lower()
    return lambda v: None if v is None else show(v)


def _sort_key(store: Store, entity: str, field: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    path = parse_path(store, entity, field, param="sort", allow_multi=False)
    to_value = _sort_value(store, path.final)
    name = path.final.name
    hops = path.hops

    def key(rec: dict[str, Any]) -> tuple[bool, Any]:
        if hops:
            reached = follow(store, rec, hops)
            raw = reached[0].get(name) if reached else None
        else:
            raw = rec.get(name)
        value = to_value(raw)
        return (True, 0) if value is None else (False, value)
    return key


def sort_records(store: Store, entity: str, records: list[dict[str, Any]],
                  spec: list[tuple[str, bool]]) -> None:
    """Sort in place (records arrive in id order, which settles ties)."""
    for field, desc in reversed(spec):
        records.sort(key=_sort_key(store, entity, field), reverse=desc)
