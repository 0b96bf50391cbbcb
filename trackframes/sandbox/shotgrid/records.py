"""The ``/entity`` endpoints: list, ``_search``, ``_summarize``, ``_text_search``, one record
and its relationships.

Filtering, sorting, field lists and summaries come from the query and summarize
modules; this module parses requests, pages results, builds the ``links`` and
applies the mutation knobs ("records created and deleted between page requests").
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable

import orjson

from .model import FieldDef, Store
from . import query as engine
from .exchange import Ctx, Response
from .fragments import FragmentCache
from .knobs import Knobs
from .names import EntityNames
from .params import (Options, PageRequest, body_filters, body_list, body_options, body_page, json_body)
from .problems import ApiError, bad_request, not_found
from .render import LINK_TYPES

__all__ = ["RecordEndpoints"]

_ID_CACHE_SIZE = 16


class RecordEndpoints:
    """Endpoints reading records of one store.

    Args:
        store: the production.
        names: entity-name spellings of the store.
        knobs: read for the page-size cap, relationship shape and mutation knobs.
        make_record: ``make_record(store, entity, rng)`` for ``mutate_creates``
            (``trackframes.sandbox.shotgrid.new_records.make_record`` when ``None``).
    """

    def __init__(self, store: Store, names: EntityNames, knobs: Knobs,
                 make_record: Callable[..., dict[str, Any]] | None = None) -> None:
        self.store = store
        self.names = names
        self.knobs = knobs
        self._make_record = make_record
        self._id_cache: OrderedDict[tuple[Any, ...], tuple[int, ...]] = OrderedDict()
        self._ids_lock = threading.Lock()
        self._fragments = FragmentCache()

    # -- helpers ---------------------------------------------------------------
    def entity(self, spelling: str) -> str:
        """The entity type a path segment names; 400 (code 103) when there is none."""
        entity = self.names.resolve(spelling)
        if entity is None:
            raise bad_request(f"Unknown entity type {spelling!r}", "entity", "entity is not valid")
        return entity

    @staticmethod
    def _record_id(raw: str) -> int:
        if not raw.isdigit():
            raise bad_request(f"record_id must be a positive integer, not {raw!r}", "record_id",
                              "record_id is not valid")
        return int(raw)

    def _spec(self, entity: str, name: str) -> FieldDef:
        fdef = self.store.entities[entity].fields.get(name)
        return fdef if fdef is not None else engine.field_spec(self.store, entity, name)

    def _fields(self, entity: str, fields: list[str] | None) -> list[str]:
        if fields is not None and not fields:
            return []
        return list(engine.expand_fields(self.store, entity, fields))

    def _missing(self, entity: str, rid: int, options: Options) -> ApiError:
        state = "retired " if options.retired else ""
        return not_found(f"No {state}{entity} record with id {rid}")

    def mutate(self, entity: str) -> None:
        """Create and retire records of ``entity`` as the mutation knobs ask."""
        creates, deletes = self.knobs.mutate_creates, self.knobs.mutate_deletes
        if not creates and not deletes:
            return
        store, rng = self.store, self.knobs.rng
        with store.lock:
            if creates:
                make = self._make_record
                if make is None:
                    from .new_records import make_record as make
                for _ in range(creates):
                    store.insert(entity, make(store, entity, rng))
            for _ in range(deletes):
                live = store.records[entity]
                if not live:
                    break
                store.retire(entity, rng.choice(list(live)))

    def ids(self, entity: str, filters: Any, sort: list[str] | None, options: Options) -> tuple[int, ...]:
        """Matching ids in order, shared by the page requests of one query.

        Kept as tuples of ints, which the cyclic garbage collector stops tracking,
        so serving page N of a large result neither copies nor rescans the whole list.
        """
        key = (entity, _canonical(filters), tuple(sort or ()), options.retired,
               options.include_archived_projects, options.tz_offset_hours, self.store.version,
               int(time.time() // 60))
        with self._ids_lock:
            hit = self._id_cache.get(key)
            if hit is not None:
                self._id_cache.move_to_end(key)
                return hit
        found = tuple(engine.search(self.store, entity, filters, sort, retired=options.retired,
                                    include_archived_projects=options.include_archived_projects,
                                    tz_offset_hours=options.tz_offset_hours))
        with self._ids_lock:
            self._id_cache[key] = found
            while len(self._id_cache) > _ID_CACHE_SIZE:
                self._id_cache.popitem(last=False)
        return found

    def _page(self, ctx: Ctx, entity: str, filters: Any, fields: list[str] | None, sort: list[str] | None,
              page: PageRequest, options: Options, path: str) -> Response:
        """One page of records plus the ``self``/``next``/``prev`` links."""
        page.size = min(page.size, self.knobs.page_size_cap)
        columns = ctx.renderer.columns(entity, self._fields(entity, fields))
        filters = engine.normalize_filters(filters)
        engine.validate_filters(self.store, entity, filters)
        self.mutate(entity)
        store = self.store
        with store.lock:  # ids and records from one state of the store
            ids = self.ids(entity, filters, sort, options)
            start = (page.number - 1) * page.size
            table = store.retired[entity] if options.retired else store.records[entity]
            recs = [table[i] for i in ids[start:start + page.size] if i in table]
            version = store.version
        # records are replaced, never edited in place, so rendering needs no lock
        shape = self.knobs.relationship_shape
        plan = (ctx.prefix, entity, tuple(columns), shape, options.retired)
        fragments = self._fragments.fragments(
            version, plan, recs, lambda missing: ctx.renderer.records(entity, missing, columns, shape))
        return Response(200, FragmentCache.page(fragments, _links(ctx, path, page, len(ids))))

    # -- endpoints ---------------------------------------------------------------
    def list_records(self, ctx: Ctx, spelling: str) -> Response:
        """``GET /entity/{entity}`` with ``filter[...]``, ``fields``, ``sort``, ``page[...]``, ``options[...]``."""
        entity = self.entity(spelling)
        q = ctx.req.query
        options = q.options()
        page = q.page()
        filters = q.filters(lambda name: self._spec(entity, name), self.names)
        path = f"{ctx.prefix}/entity/{self.names.plural(entity)}"
        return self._page(ctx, entity, filters, q.fields(), q.sort(), page, options, path)

    def search_records(self, ctx: Ctx, spelling: str) -> Response:
        """``POST /entity/{entity}/_search``; query-string settings win over the body's."""
        entity = self.entity(spelling)
        req, q = ctx.req, ctx.req.query
        body = json_body(req.content_type, req.body)
        filters = body_filters(req.content_type, body.get("filters"))
        fields = body_list(body, q, "fields")
        sort = body_list(body, q, "sort")
        page = q.page(body_page(body.get("page")))
        options = q.options(body_options(body.get("options")))
        path = f"{ctx.prefix}/entity/{self.names.plural(entity)}/_search"
        return self._page(ctx, entity, filters, fields, sort, page, options, path)

    def summarize_records(self, ctx: Ctx, spelling: str) -> Response:
        """``POST /entity/{entity}/_summarize`` → ``{"data": {"summaries", "groups"}}``."""
        from .summarize import summarize

        entity = self.entity(spelling)
        req = ctx.req
        body = json_body(req.content_type, req.body)
        filters = body_filters(req.content_type, body.get("filters"))
        summary_fields = body.get("summary_fields")
        if not isinstance(summary_fields, list) or not summary_fields:
            raise bad_request("summary_fields must be a non-empty list of {field, type}", "summary_fields")
        grouping = body.get("grouping")
        if grouping is not None and not isinstance(grouping, list):
            raise bad_request("grouping must be a list of {field, type, direction}", "grouping")
        options = req.query.options(body_options(body.get("options")))
        with self.store.lock:
            result = summarize(self.store, entity, filters, summary_fields, grouping or None,
                               include_archived_projects=options.include_archived_projects)
        return Response(200, {"data": result})

    def read_record(self, ctx: Ctx, spelling: str, raw_id: str) -> Response:
        """``GET /entity/{entity}/{id}``; every field unless ``fields`` says otherwise."""
        entity = self.entity(spelling)
        rid = self._record_id(raw_id)
        q = ctx.req.query
        options = q.options()
        fields = q.fields()
        columns = ctx.renderer.columns(entity, self._fields(entity, ["*"] if fields is None else fields))
        with self.store.lock:
            rec = self.store.get(entity, rid, retired=options.retired)
        if rec is None:
            raise self._missing(entity, rid, options)
        return Response(200, ctx.renderer.single(entity, rec, columns, self.knobs.relationship_shape))

    def relationship(self, ctx: Ctx, spelling: str, raw_id: str, name: str) -> Response:
        """``GET /entity/{entity}/{id}/relationships/{field}`` for entity/multi-entity fields."""
        entity = self.entity(spelling)
        rid = self._record_id(raw_id)
        fdef = self._spec(entity, name)
        if fdef.data_type not in LINK_TYPES:
            raise bad_request(f"{entity}.{name} is a {fdef.data_type} field, not an entity or multi_entity "
                              "field", "related_field", "related_field is not a relationship")
        options = ctx.req.query.options()
        renderer = ctx.renderer
        with self.store.lock:
            rec = self.store.get(entity, rid, retired=options.retired)
        if rec is None:
            raise self._missing(entity, rid, options)
        raw = rec.get(name) if "." not in name else engine.resolve(self.store, entity, rec, name)
        value = renderer.link_value(raw)
        if value is None and fdef.data_type != "entity":
            value = []
        return Response(200, {"data": value, "links": {"self": renderer.relationship_url(entity, rid, name)}})

    def text_search(self, ctx: Ctx) -> Response:
        """``POST /entity/_text_search``: ``text`` matched against each type's name field."""
        req, q = ctx.req, ctx.req.query
        body = json_body(req.content_type, req.body)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("text must be a non-empty string", "text")
        types = body.get("entity_types")
        if not isinstance(types, dict) or not types:
            raise bad_request("entity_types must map entity types to filters", "entity_types")
        if len({isinstance(f, dict) for f in types.values() if f}) > 1:
            raise bad_request("All filters of entity_types must be in the same format", "entity_types")
        sort = body_list(body, q, "sort")
        page = q.page(body_page(body.get("page")))
        page.size = min(page.size, self.knobs.page_size_cap)
        store = self.store
        plans = []
        for spelling, filters in types.items():
            entity = self.entity(spelling)
            filters = body_filters(req.content_type, filters, f"entity_types[{spelling}]")
            condition = [store.entities[entity].name_field, "contains", text.strip()]
            combined = ({"logical_operator": "and", "conditions": [condition, filters]}
                        if isinstance(filters, dict) else [condition, *filters])
            combined = engine.normalize_filters(combined)
            engine.validate_filters(store, entity, combined)
            plans.append((entity, combined))
        hits: list[tuple[str, dict[str, Any]]] = []
        with store.lock:
            for entity, combined in plans:
                table = store.records[entity]
                hits += [(entity, table[i]) for i in self.ids(entity, combined, None, Options()) if i in table]
        hits = _sort_hits(hits, sort)
        start = (page.number - 1) * page.size
        data = []
        for entity, rec in hits[start:start + page.size]:
            columns = ctx.renderer.columns(entity, [store.entities[entity].name_field])
            data.append(ctx.renderer.record(entity, rec, columns, wrapped=False))
        return Response(200, {"data": data, "links": _links(ctx, f"{ctx.prefix}/entity/_text_search", page,
                                                            len(hits))})


def _links(ctx: Ctx, path: str, page: PageRequest, total: int) -> dict[str, str]:
    """``self`` always, ``next`` when records remain after this page, ``prev`` after page 1."""
    q = ctx.req.query
    links = {"self": q.url(path, page)}
    if page.number * page.size < total:
        links["next"] = q.url(path, PageRequest(page.number + 1, page.size))
    if page.number > 1:
        links["prev"] = q.url(path, PageRequest(page.number - 1, page.size))
    return links


def _canonical(filters: Any) -> bytes:
    return orjson.dumps(filters, option=orjson.OPT_SORT_KEYS, default=repr)


def _sort_hits(hits: list[tuple[str, dict[str, Any]]], sort: list[str] | None) -> list[tuple[str, dict[str, Any]]]:
    """Text-search hits ordered by ``sort`` (a field missing on a type sorts as null, first)."""
    if not sort:
        return hits
    for key in reversed(sort):
        desc = key.startswith("-")
        name = key.lstrip("-+")

        def value(hit: tuple[str, dict[str, Any]], name: str = name) -> tuple[int, float, str]:
            v = hit[1].get(name)
            if v is None:
                return (0, 0.0, "")
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return (1, float(v), "")
            return (2, 0.0, str(v))

        hits = sorted(hits, key=value, reverse=desc)
    return hits
