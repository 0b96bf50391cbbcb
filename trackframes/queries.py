"""Building a site's queries, and finishing what the backend could not do.

:func:`build_query` checks every argument of a read before anything is sent,
parses the filters and the order once into the neutral model
(:mod:`trackframes.query`), has the backend check the tree against its schema
and compile it, and splits it (:func:`split_query`) into the part the backend
sends and the *residual* its server cannot evaluate. The residual's fields are
fetched too, and the limit is then not sent: :func:`finish_table` and
:func:`finish_batches` filter the fetched rows with the local engine
(:mod:`trackframes.engine`), cut to the limit and drop the extra columns, so
results, ``order``, ``limit`` and ``count`` are the server's.

>>> import trackframes as tf
>>> with tf.sandbox.serve(scale=0.02, seed=1) as sb:
...     site = sb.connect(progress=False)
...     query, out = build_query(site, "Task", [["content", "contains", "anim"]], ["content"], "-due_date", 5,
...                              False, False)
>>> query.tree.to_dict(), query.order, query.limit, query.residual.items
({'logical_operator': 'and', 'conditions': [['content', 'contains', 'anim']]}, ('-due_date',), 5, ())
>>> [s.name for s in query.fields], [s.name for s in out]
(['id', 'content', 'due_date'], ['id', 'content'])
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Iterator

import pyarrow as pa

from .arguments import check_entity_name, check_fields, check_flag, check_limit, check_progress
from .backends.base import Query
from .exceptions import SchemaError
from .query import Condition, Group, and_, parse_filters, parse_order, paths, split
from .schema import FieldKind, FieldSpec, arrow_schema

__all__ = ["build_query", "split_query", "relative_now", "residual_mask", "finish_table", "finish_batches"]


def build_query(site: Any, entity: Any, filters: Any, fields: Any, order: Any, limit: Any,
                include_archived_projects: Any, retired: Any, *, project: Any = None,
                progress: Any = None) -> tuple[Query, list[FieldSpec]]:
    """``(query, the output fields' specs)`` of a read; nothing is sent but schema reads and a project lookup."""
    backend = site.backend
    entity = check_entity_name(entity)
    limit = check_limit(limit)
    check_progress(progress)
    include_archived_projects = check_flag("include_archived_projects", include_archived_projects)
    retired = check_flag("retired", retired)
    keys = parse_order(order)
    fields = check_fields(fields)
    tree = parse_filters(filters)
    checked = backend.check_filters(entity, tree)
    out_specs = backend.resolve_fields(entity, fields)
    specs = list(out_specs)
    have = {s.name for s in specs}
    for key in keys:  # order by a field that was not asked for: fetch it, drop it later
        spec = next((s for s in specs if s.name == key.path), None)
        if spec is None:
            spec = backend.resolve_fields(entity, [key.path])[-1]
        if spec.kind is FieldKind.MULTI_ENTITY:
            raise SchemaError(f"Cannot order by {key.path!r}: it is a multi-entity field.", name=key.path)
        if key.path not in have:
            specs.append(spec)
            have.add(key.path)
    if project is not None:  # the schema allows it: now look the project up
        from .shortcuts import project_condition, project_field, project_link

        field = project_field(site, entity)
        link = project_link(site, project, include_archived_projects=include_archived_projects)
        checked = backend.check_filters(entity, and_(checked.tree, project_condition(field, link)))
    pushed, residual = split_query(backend, entity, checked.tree)
    native = checked.native
    if residual.items:  # the rest runs here: fetch its fields too, and cut to the limit after filtering
        native = backend.check_filters(entity, pushed).native
        for path in paths(residual):
            if path not in have:
                specs.append(backend.resolve_fields(entity, [path])[-1])
                have.add(path)
    query = Query(entity, native, tuple(specs), tuple(k.text for k in keys),
                  None if residual.items else limit, include_archived_projects, retired,
                  tree=checked.tree, residual=residual, local_limit=limit if residual.items else None)
    return query, out_specs


def split_query(backend: Any, entity: str, tree: Group) -> tuple[Group, Group]:
    """``(pushed, residual)``: what ``backend`` evaluates (its ``can_push``), and what the site applies.

    A condition on a path the site cannot fetch (through a multi-entity field)
    can only be evaluated by the server; when the backend declines one, the
    read is refused before sending, naming the condition.
    """
    name = getattr(backend, "name", type(backend).__name__)
    specs: dict[str, FieldSpec | None] = {}

    def spec_of(path: str) -> FieldSpec | None:
        if path not in specs:
            try:
                specs[path] = backend.resolve_fields(entity, [path])[-1]
            except SchemaError:
                specs[path] = None
        return specs[path]

    def can_push(condition: Condition) -> bool:
        spec = spec_of(condition.path)
        if backend.can_push(condition, spec):
            return True
        if spec is None:
            raise SchemaError(f"The {name} backend cannot evaluate {condition.to_list()!r} on the server, and "
                              f"{condition.path!r} cannot be fetched to evaluate it here (it goes through a "
                              "multi-entity field). Filter on a field of the linked records instead.",
                              name=condition.path)
        return False

    return split(tree, can_push)


def relative_now(today: date | None) -> datetime | None:
    """The instant relative dates are measured from: now, moved to ``today`` when it is set (else ``None``)."""
    if today is None:
        return None
    return datetime.combine(today, datetime.now(timezone.utc).timetz())


def residual_mask(data: pa.Table | pa.RecordBatch, query: Query, now: datetime | None = None) -> pa.BooleanArray:
    """Which fetched rows match the query's residual filter (evaluated by the local engine)."""
    from .engine import mask

    table = data if isinstance(data, pa.Table) else pa.Table.from_batches([data])
    return mask(table, query.residual, list(query.fields), now=now)


def finish_table(table: pa.Table, query: Query, out_specs: list[FieldSpec], now: datetime | None = None) -> pa.Table:
    """A query's fetched (ordered) table with its residual applied: filtered, cut to the limit, extra columns dropped."""
    if not query.residual.items:
        return table
    table = table.filter(residual_mask(table, query, now))
    if query.local_limit is not None:
        table = table.slice(0, query.local_limit)
    return table.select(arrow_schema(out_specs).names)


def finish_batches(batches: Iterator[pa.RecordBatch], query: Query, out_specs: list[FieldSpec],
                   now: datetime | None = None) -> Iterator[pa.RecordBatch]:
    """:func:`finish_table` for a stream of record batches (streams are never cut to a limit)."""
    names = arrow_schema(out_specs).names
    for batch in batches:
        yield batch.filter(residual_mask(batch, query, now)).select(names) if query.residual.items else batch
