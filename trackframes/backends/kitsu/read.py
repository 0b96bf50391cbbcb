"""How a query is read from Zou: the requests of a :class:`~trackframes.backends.base.Plan`.

**Snapshots, not pages.** Zou's ``/data/<model>`` routes page by ``page`` and
``limit`` in ``updated_at`` order, so rows move between pages while people
work: an edited record jumps to the first page and can be missed, a deleted
one shifts the rest and can hide another. The same routes, given any filter
and no ``page``, answer every matching row from one SQL query: one consistent
snapshot. So each request here is unpaged, and a read is split only along
values that never change while people work, so the parts are disjoint and
each is a snapshot:

* ``project_id`` (a record never changes project), or the values of a long
  ``in`` filter, sent in parts that keep the URL under Zou's limit;
* one request per project for the types Zou lists per project
  (``TimeSpent``, ``Comment``, and those an account may not list whole), and
  for all the tasks of a few projects (``/data/projects/<id>/tasks``: the
  same records, which Zou answers faster than its task list), each read as
  one request per task type, at once, and checked (:mod:`.split` says why
  the parts are exact).

A record present for the whole read is therefore in exactly one part, and in
its snapshot: it appears exactly once (``tests/kitsu/test_paging.py`` proves it
with another client editing records during the read). Parts are fetched
concurrently (the site's ``concurrency``), and so are, alongside them, the
records the query's links name (:class:`Prefetch`): directories, a project's
schedule items, and its shots, sequences, episodes and assets from Zou's
per-kind lists.

**Counting.** When Zou answers the whole filter, ``count`` asks each part for
a one-record page and adds their ``total`` (:meth:`Reader.count`).

**Archived projects.** Like on every backend, records of closed projects are
left out unless ``include_archived_projects=True``: by ``project_id`` on the
server where the type has it, else by the project of the record's task.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from ...answers import Malformed, Source, json_type, loads, reading
from ...exceptions import AuthError
from ...paging import Page
from ...query.filters import Group, walk
from ...schema import FieldSpec
from ..base import Plan, Query
from .decode import Decoder, wires_after
from .lookups import DIRECTORIES, LOOKUP_FIELDS, REREAD_AFTER, URL_BUDGET, chunks, in_value, route_of
from .models import KIND_OF_TYPE, MODELS, Model
from .pushdown import Native, compile_filters, narrowing, record_matches
from .split import ProjectTasks

if TYPE_CHECKING:
    from .backend import KitsuBackend

__all__ = ["Records", "Request", "Reader"]


class Records:
    """A fetched part, parsed: its records (after the record checks) and their number."""

    __slots__ = ("records", "rows")

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.rows = len(records)


class Request:
    """One unpaged request: a path under ``/data/``, its parameters, and the project it reads, if any."""

    __slots__ = ("path", "params", "project", "key")

    def __init__(self, path: str, params: Mapping[str, str], project: str | None, key: int) -> None:
        self.path, self.params, self.project, self.key = path, dict(params), project, key

    def __repr__(self) -> str:
        return f"Request({self.path!r}, {sorted(self.params)!r}, project={self.project!r})"


class TaskSplit(Request):
    """All the tasks of one project, read in parts by task type and checked (:class:`ProjectTasks`)."""

    __slots__ = ("split_project",)

    def __init__(self, project: str, key: int) -> None:
        super().__init__(f"projects/{project}/tasks", {}, None, key)
        self.split_project = project


class Prefetch:
    """Records of another route read while the query's own requests run, so that their names are at hand
    (``whole``: a directory or a project's list, read whole and kept as such)."""

    __slots__ = ("route", "params", "key", "whole", "path")

    def __init__(self, route: str, params: Mapping[str, str], *, whole: bool = False, path: str | None = None) -> None:
        self.route, self.params, self.key, self.whole, self.path = route, dict(params), -1, whole, path

    def __repr__(self) -> str:
        return f"Prefetch({self.route!r})"


#: The route listing one kind of entity by project, for prefetching the names of linked entities (ids those lists
#: lack, such as a shot without a sequence, are then read by id from the entity list).
KIND_ROUTES = {"Shot": "shots", "Sequence": "sequences", "Episode": "episodes", "Asset": "assets"}
#: A query limited to at most this many projects reads the entities and tasks its links name by project,
#: alongside its own requests (more projects: by id, once the records are in).
PREFETCH_PROJECTS = 4


class _Empty(Exception):
    """A constraint that no record can meet: the plan has no request."""


def _merge(params: dict[str, Any], key: str, allowed: list[str]) -> None:
    """Intersect parameter ``key`` (a value or a list) with ``allowed`` (raises :class:`_Empty`)."""
    have = params.get(key)
    if have is None:
        params[key] = list(allowed)
    elif isinstance(have, list):
        keep = set(allowed)
        params[key] = [v for v in have if v in keep]
    else:
        params[key] = [have] if have in set(allowed) else []
    if not params[key]:
        raise _Empty(key)


class Reader:
    """Builds plans for one backend (see the module docstring)."""

    def __init__(self, backend: "KitsuBackend") -> None:
        self.backend = backend
        self.lookups = backend.lookups
        self.split = ProjectTasks(backend)
        self.refused: set[str] = set()  # CRUD routes this account may not list
        self.allowed: set[str] = set()
        self._lock = threading.Lock()

    # -- the plan ------------------------------------------------------------------------
    def plan(self, query: Query, *, whole: bool = False) -> Plan:
        """The plan of ``query`` (``whole``: records with every column, not only the query's fields)."""
        model = MODELS[query.entity]
        specs = self.backend.filter_specs(query.entity)
        if not isinstance(query.filters, Native):
            raise TypeError("The Kitsu reader takes filters compiled by KitsuBackend.check_filters, not "
                            f"{type(query.filters).__name__}.")
        native, residual = query.filters, query.residual
        decoder = Decoder(query.entity, list(query.fields), self.lookups)
        seen: set[str] = set()
        lock = threading.Lock()

        def assemble(parts: list[Records]) -> list[pa.Table]:
            records: list[dict[str, Any]] = []
            with lock:
                for part in parts:
                    for record in part.records:
                        if record["id"] not in seen:
                            seen.add(record["id"])
                            records.append(record)
            table = decoder.table(records)
            if table.num_rows > 1:
                table = table.take(pc.sort_indices(table, sort_keys=[("id", "ascending")]))
            return [table]

        if query.retired:  # Zou deletes records for good: there are no retired records to read
            return Plan([], _nothing, total=0, assemble=assemble)
        try:
            requests, check = self._requests(query, model, native, residual, specs, whole)
        except _Empty:
            return Plan([], _nothing, total=0, assemble=assemble)
        source = {"call": f"Reading {query.entity}"}

        def fetch(request: Request | Prefetch) -> Page[Any]:
            if isinstance(request, Prefetch):
                if not request.whole:
                    self.lookups.prime(request.route, request.params, f"{source['call']}: reading linked records",
                                       path=request.path)
                elif request.route.startswith("projects/"):
                    project, _, route = request.route[len("projects/"):].partition("/")
                    self.lookups.project_rows(project, route)
                else:
                    self.lookups.directory(request.route)
                return Page((request, b""), 0, key=(request.key,))
            if isinstance(request, TaskSplit):
                parsed = self.split.read(request.split_project, source["call"], lambda b: self._parse(request, b))
                return Page((request, parsed), 0, key=(request.key,))
            body = self.backend.get_bytes(request.path, request.params, what=source["call"])
            return Page((request, body), 0, key=(request.key,))

        def finish(data: Any) -> tuple[Records, None]:
            request, body = data
            if isinstance(request, Prefetch):
                return Records([]), None
            records = body if isinstance(body, list) else self._parse(request, body)
            return Records([r for r in records if check(r)]), None

        return Plan(requests, fetch, total=None, assemble=assemble, finish=finish)

    def count(self, query: Query) -> int | None:
        """How many records match, from Zou's own count (``total`` of a one-record page of each part), when
        the server answers the whole filter; ``None`` when the records must be read to be counted."""
        model = MODELS[query.entity]
        if query.retired:
            return 0
        if not isinstance(query.filters, Native) or query.residual.items or model.by_project:
            return None
        specs = self.backend.filter_specs(query.entity)
        try:
            requests, check = self._requests(query, model, query.filters, query.residual, specs, counting=True)
        except _Empty:
            return 0
        if check is not _always or any(not isinstance(r, Request) or r.project is not None for r in requests):
            return None
        from ...paging import gather

        def total(request: Request) -> Callable[[], int]:
            params = {k: v for k, v in request.params.items() if k not in ("fields", "relations")}
            return lambda: _total(self.backend.get_json(request.path, {**params, "page": "1", "limit": "1"},
                                                        f"Counting {query.entity}"), request.path)

        calls = [total(r) for r in requests]
        return sum(gather(calls)) if len(calls) > 1 else calls[0]()

    def records(self, entity: str, tree: Group | None = None, *,
                include_archived_projects: bool = True) -> list[dict[str, Any]]:
        """The raw records of ``entity`` matching ``tree`` (every condition of which Zou answers exactly),
        read like a query's, for the backend's own use (schedules, change feed)."""
        from ...paging import fetch_pages
        from .schema import ID_SPEC

        tree = tree or Group("and", ())
        specs = self.backend.filter_specs(entity)
        native = compile_filters(tree, {**specs, **{c.path: specs[c.path] for c in walk(tree)}})
        query = Query(entity, native, (ID_SPEC,), include_archived_projects=include_archived_projects)
        plan = self.plan(query, whole=True)
        out: dict[str, dict[str, Any]] = {}
        for page in fetch_pages(plan.requests, plan.fetch, concurrency=self.backend.concurrency):
            parsed, _ = plan.finish(page.data)
            out.update((r["id"], r) for r in parsed.records)
        return list(out.values())

    def _requests(self, query: Query, model: Model, native: Native, residual: Group,
                  specs: Mapping[str, FieldSpec], whole: bool = False, counting: bool = False
                  ) -> tuple[list[Any], Callable[[dict[str, Any]], bool]]:
        """The requests of a query and the check each raw record must pass."""
        params: dict[str, Any] = {k: (native.lists[k] if k in native.lists else v) for k, v in native.params.items()}
        local = native.local
        closed: set[str] = set()
        if not query.include_archived_projects:
            closed = self._closed_projects()
        by_project = model.by_project or (model.project_route is not None and not self._may_list(model.route))
        if model.entity_table:
            _merge(params, "entity_type_id", self._kind_ids(model.name))
        if not by_project:
            params.update({k: v for k, v in narrowing(residual, specs, params).items() if k not in params})
        if by_project:
            requests = self._project_requests(model, params, closed)
            requests = requests + self._prefetch(query, model, [r.project for r in requests])
            pushed = native.tree if native.tree.items else Group("and", ())
            return requests, self._check(model, pushed, closed, specs, on_server=False)
        if model.get("project") is not None and model.get("project").wire == "project_id" and closed:
            _merge(params, "project_id", sorted(self._visible_projects(_asked(params)) - closed))
        if model.relations:
            params["relations"] = "true"
        fields = [] if whole else self._wires(model, query, local, specs)
        if fields:
            params["fields"] = ",".join(fields)
        projects = params.get("project_id")
        prefetch = self._prefetch(query, model, projects if isinstance(projects, list) else [projects])
        if counting:
            return self._split(model.route, params), self._check(model, local, closed, specs, on_server=True)
        own = self._project_tasks(model, params) or self._split(model.route, params)
        # the query's own requests first: the prefetches are small and fill the free slots
        return own + prefetch, self._check(model, local, closed, specs, on_server=True)

    def _project_tasks(self, model: Model, params: dict[str, Any]) -> list[Request]:
        """All the tasks of a few projects: ``/data/projects/<id>/tasks`` per project, which Zou answers
        faster than its task list (the same records, assignees included, one query each); only for a query
        that asks for nothing else, and for accounts whose view of a project's tasks is the project's."""
        projects = _asked(params)
        if (model.name != "Task" or not projects or len(projects) > PREFETCH_PROJECTS
                or set(params) - {"project_id", "relations", "fields"}
                or self.backend.role() not in ("admin", "manager", "supervisor", "user")):
            return []
        return [TaskSplit(p, i) for i, p in enumerate(sorted(projects))]

    def _split(self, route: str, params: dict[str, Any]) -> list[Request]:
        """Requests of ``params``: the longest list parameter sent in parts (and in parts per project)."""
        lists = {k: v for k, v in params.items() if isinstance(v, list)}
        single = {k: v for k, v in params.items() if not isinstance(v, list)}
        if not lists:
            return [Request(route, single, None, 0)]
        key = "project_id" if "project_id" in lists else max(lists, key=lambda k: len(lists[k]))
        fixed = {**single, **{k: in_value(v) for k, v in lists.items() if k != key}}
        used = sum(len(k) + len(str(v)) * 2 + 2 for k, v in fixed.items())
        parts = chunks(lists[key], max(400, URL_BUDGET - used))
        if key == "project_id":  # one part per project where there are few: disjoint snapshots, fetched at once
            parts = [p for part in parts for p in _spread(part, self.backend.concurrency)]
        return [Request(route, {**fixed, key: in_value(part)}, None, i) for i, part in enumerate(parts)]

    def _project_requests(self, model: Model, params: dict[str, Any], closed: set[str]) -> list[Request]:
        """One request per project (``/data/projects/<id>/<route>``), for the projects the filter allows."""
        projects = self._visible_projects(_asked(params)) - closed
        asked = params.get("project_id")
        if asked is not None:
            projects &= set(asked if isinstance(asked, list) else [asked])
        route = model.project_route or model.route
        return [Request(f"projects/{p}/{route}", {}, p, i) for i, p in enumerate(sorted(projects))]

    def _prefetch(self, query: Query, model: Model, projects: list[Any]) -> list[Any]:
        """Prefetches of the entities and tasks the query's links name, by project (see :data:`PREFETCH_PROJECTS`)."""
        projects = [p for p in projects if isinstance(p, str)]
        if not projects or len(projects) > PREFETCH_PROJECTS:
            return []
        wants: dict[str, set[str]] = {}
        directories: set[str] = set()
        kinds: set[str] = set()
        for spec in query.fields:
            parts = spec.name.split(".")
            head = model.get(parts[0])
            if spec.name in ("planned_start_date", "planned_due_date"):
                directories.update(f"projects/{p}/schedule-items" for p in projects)
            if head is None or not head.targets:
                continue
            routes = {route_of(t) for t in head.targets}
            directories.update(routes & DIRECTORIES)
            kinds.update(KIND_ROUTES[t] for t in head.targets if t in KIND_ROUTES)
            for route in routes & {"entities", "tasks"}:
                wires = wants.setdefault(route, set(LOOKUP_FIELDS))
                wires.update(wires_after(head.targets, parts[1:]))
        out: list[Any] = []
        for route, wires in sorted(wants.items()):
            if route == "entities":  # per kind and project: Zou answers these lists much faster than its entity list
                out += [Prefetch(route, {"project_id": p}, path=path) for path in sorted(kinds) for p in projects]
            else:
                out.append(Prefetch(route, {"project_id": in_value(projects), "fields": ",".join(sorted(wires))}))
        return out + [Prefetch(route, {}, whole=True) for route in sorted(directories)]

    # -- per-record checks -------------------------------------------------------------------
    def _check(self, model: Model, local: Group, closed: set[str], specs: Mapping[str, FieldSpec],
               on_server: bool) -> Callable[[dict[str, Any]], bool]:
        """What each raw record must pass besides the server's filters (pushed conditions it could not
        send, the archived projects of types without ``project_id``, closed projects themselves)."""
        checks: list[Callable[[dict[str, Any]], bool]] = []
        if local.items:
            checks.append(lambda r: record_matches(r, local, specs))
        if closed and model.name == "Project":
            status = self._closed_status_ids()
            checks.append(lambda r: r.get("project_status_id") not in status)
        elif closed and model.name == "PreviewFile":
            checks.append(lambda r: self._task_project(r.get("task_id")) not in closed)
        if not checks:
            return _always
        return lambda r: all(check(r) for check in checks)

    def _task_project(self, task_id: Any) -> str | None:
        if not isinstance(task_id, str):
            return None
        found = self.lookups.rows("tasks", [task_id], ["project_id"])
        return found.get(task_id, {}).get("project_id")

    # -- parsing ---------------------------------------------------------------------------
    def _parse(self, request: Request, body: bytes) -> list[dict[str, Any]]:
        """A list answer's records, checked (a per-person dict of lists, for day-offs, flattened)."""
        with reading(Source(f"Reading {request.path}", f"GET /data/{request.path}"), body):
            parsed = loads(body)
            if isinstance(parsed, dict) and request.path.endswith("day-offs"):
                parsed = [r for rows in parsed.values() if isinstance(rows, list) for r in rows]
            if not isinstance(parsed, list):
                raise Malformed(f"JSON of the wrong shape ({json_type(parsed)} instead of a list of records)")
            for i, record in enumerate(parsed):
                if not isinstance(record, dict):
                    raise Malformed(f"JSON of the wrong shape (record {i} is {json_type(record)}, not an object)")
                if not isinstance(record.get("id"), str):
                    raise Malformed(f"JSON of the wrong shape (record {i} has id {record.get('id')!r}, not text)")
        if request.project is not None:
            for record in parsed:
                record.setdefault("project_id", request.project)
        if request.path == "projects":
            closed = self._closed_status_ids()
            for record in parsed:
                status = record.get("project_status_id")
                record["archived"] = None if status is None else status in closed
        return parsed

    # -- what to ask for ---------------------------------------------------------------------
    def _wires(self, model: Model, query: Query, local: Group, specs: Mapping[str, FieldSpec]) -> list[str]:
        """The columns to ask for (``fields=``): those the query's fields and local checks read."""
        wires: list[str] = []
        for spec in query.fields:
            if spec.name == "id":
                continue
            head = spec.name.split(".")[0]
            own = model.get(head)
            if head in ("planned_start_date", "planned_due_date"):
                wires += ["start_date", "due_date", "project_id", "task_type_id", "entity_id"]
            elif head == "data":
                wires.append("data")
            elif own is not None:
                wires.append(own.wire)
            else:
                return []  # a field the table does not know: ask for everything
        from ...query.filters import paths

        for path in paths(local):
            spec = specs.get(path)
            wires.append(spec.extra.get("wire", path) if spec is not None else path)
        for extra in ("project_id", "entity_type_id", "project_status_id", "task_id"):
            if model.get(extra.removesuffix("_id")) is not None or extra == "entity_type_id" and model.entity_table:
                wires.append(extra)
        return list(dict.fromkeys(w for w in wires if w != "id"))

    def _kind_ids(self, kind: str) -> list[str]:
        """Ids of the entity types whose records are ``kind`` (Asset: every asset type, read again unless
        read a moment ago, so that the assets of a type created since are not left out)."""
        types = self.lookups.directory("entity-types", fresh=kind == "Asset" and self.lookups.age(
            "entity-types") > REREAD_AFTER)
        if kind == "Asset":
            return sorted(i for i, t in types.items() if t.get("name") not in KIND_OF_TYPE)
        return sorted(i for i, t in types.items() if t.get("name") == kind)

    def _visible_projects(self, asked: set[str] | None = None) -> set[str]:
        """The projects this account sees. With ``asked`` (the projects the query names), the list held is
        enough when it has them all; otherwise it is read again unless read a moment ago, so that a project
        created since is not left out."""
        held = self.lookups.directory("projects")
        if asked is not None and asked <= set(held):
            return set(held)
        return set(self.lookups.directory("projects", fresh=self.lookups.age("projects") > REREAD_AFTER))

    def _closed_status_ids(self) -> set[str]:
        statuses = self.lookups.directory("project-status")
        return {i for i, s in statuses.items() if str(s.get("name", "")).lower() == "closed"}

    def _closed_projects(self) -> set[str]:
        """Ids of the closed projects (a project created since the list was read is open, as new ones are)."""
        status = self._closed_status_ids()
        projects = self.lookups.directory("projects")
        return {i for i, p in projects.items() if p.get("project_status_id") in status}

    def _may_list(self, route: str) -> bool:
        """Whether this account may list ``/data/<route>`` (Zou keeps some lists for admins): asked once,
        with a one-record page; when refused, the project routes are read instead."""
        with self._lock:
            if route in self.allowed:
                return True
            if route in self.refused:
                return False
        try:
            self.backend.get_bytes(route, {"page": "1", "limit": "1"}, what=f"Checking access to {route}")
        except AuthError as exc:
            if exc.reason != "forbidden":
                raise
            with self._lock:
                self.refused.add(route)
            return False
        with self._lock:
            self.allowed.add(route)
        return True


def _total(answer: Any, path: str) -> int:
    """The ``total`` of a paged answer (checked: a whole number)."""
    with reading(Source("Counting", f"GET /data/{path}"), b""):
        value = answer.get("total") if isinstance(answer, dict) else None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Malformed(f"JSON of the wrong shape (a paged answer whose total is {value!r})")
        return value


def _asked(params: Mapping[str, Any]) -> set[str] | None:
    """The project ids a query's parameters name (``None``: it names none)."""
    value = params.get("project_id")
    if value is None:
        return None
    return set(value) if isinstance(value, list) else {value}


def _spread(part: list[str], concurrency: int) -> list[list[str]]:
    """A part of project ids split into up to ``concurrency`` smaller parts, one project at least each."""
    n = max(1, min(len(part), concurrency))
    return [part[i::n] for i in range(n)]


def _always(record: dict[str, Any]) -> bool:
    return True


def _nothing(request: Any) -> Page[Any]:  # pragma: no cover - a plan without requests fetches nothing
    raise AssertionError("nothing to fetch")

