"""Fetching through the ftrack backend's own plan (no Site), and the shaped table the local engine reads."""

from __future__ import annotations

from typing import Any, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from trackframes.backends.base import Query
from trackframes.paging import fetch_pages
from trackframes.schema import FieldKind, FieldSpec


def nested(site: Any, entity: str, fields: Sequence[str], filters: Any = None, *, page_size: int = 500,
           limit: int | None = None, include_archived_projects: bool = True, concurrency: int = 4
           ) -> tuple[pa.Table, list[FieldSpec]]:
    """The nested table of a query, pages in key order, and its specs."""
    backend = site.backend
    specs = backend.resolve_fields(entity, list(fields))
    tree = backend.check_filters(entity, filters).tree  # sent whole: the plan refuses what the server cannot take
    query = Query(entity, tree, tuple(specs), (), limit, include_archived_projects, False)
    plan = backend.plan(query, page_size)
    pages = sorted(fetch_pages(plan.requests, plan.fetch, concurrency=concurrency), key=lambda p: p.key)
    table = plan.assemble([p.data for p in pages])[0]
    return table, specs


def shaped(table: pa.Table, specs: Sequence[FieldSpec]) -> pa.Table:
    """Links flattened into ``.id/.type/.name`` columns, as frames are (the engine reads that shape)."""
    names, arrays = ["id"], [table.column("id")]
    for spec in specs:
        if spec.name == "id":
            continue
        col = table.column(spec.name).combine_chunks()
        if spec.kind is FieldKind.ENTITY:
            for part in ("id", "type", "name"):
                names.append(f"{spec.name}.{part}")
                arrays.append(pc.struct_field(col, part))  # nulls of the link stay null
        else:
            names.append(spec.name)
            arrays.append(col)
    return pa.Table.from_arrays(arrays, names=names)


def ids(site: Any, entity: str, filters: Any = None, **options: Any) -> list[str]:
    table, _ = nested(site, entity, ["id"], filters, **options)
    return table.column("id").to_pylist()
