"""All the tasks of one project, read as one request per task type, fetched at once, and checked.

Zou answers ``/data/projects/<id>/tasks`` from one of its workers: serialising a
few thousand tasks takes that worker most of the read. The same route takes
``task_type_id=<id>`` (an equality on the task's column), so the tasks of a
project can be read as one request per task type, which Zou's workers answer
side by side. Each answer is an unpaged snapshot of the tasks of one type.
:meth:`ProjectTasks.read` uses their union only when it has proof that it is
exactly the project's tasks, each once, and otherwise the project read whole:

* **Parts are disjoint, and nothing moved between them.** Kitsu never changes
  a task's type, but Zou's generic ``PUT /data/tasks/<id>`` allows it (and
  allows a null type): a task moved from a type not read yet to one read
  already would be missed, one moved the other way read twice. So each
  answer's ``ETag`` is kept: Zou hashes it from the project's task fingerprint
  (the latest ``updated_at`` of the project's tasks and their count, computed
  just before the answer's own query, whatever the ``task_type_id``). Every
  create, edit (a move included) or delete changes the fingerprint, and it
  never comes back to an earlier value (an edit or a create raises the latest
  ``updated_at`` past every earlier one; a delete lowers the count, which only
  a create, raising the latest ``updated_at``, raises again). When all the
  parts carry the same ``ETag`` and a last request for the whole project with
  ``If-None-Match: <that ETag>`` is answered ``304 Not Modified``, no task of
  the project changed from the first part's fingerprint to that last request:
  the parts are one snapshot, and disjoint, since a task has one type.
* **Parts cover every task.** The parts are the project's task types (the
  ones linked to it in its settings), but a task keeps a type that was
  unlinked from the project, and may have none. So the project's task count
  (``total`` of a one-record page of ``/data/tasks``) is asked once the first
  part is in and before the last request: inside that unchanged window, it
  must equal the number of records the parts hold, or some task lies outside
  them.

When either check fails (someone changed the project's tasks during the read,
or a task has a type the parts did not ask), the last request is (or is made
again without ``If-None-Match``) the whole project's answer: one unpaged
snapshot, used alone, as the unsplit read. Either way a record present for the
whole read appears exactly once (``tests/kitsu/test_split.py`` compares the
split with the unsplit read, with another client creating, editing, moving and
deleting tasks meanwhile). The checks cost one small request alongside the
parts and one after them; a failed check costs the unsplit read it falls back
to.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable

from ... import cancel
from ...workers import Workers, wait_any

if TYPE_CHECKING:
    from .backend import KitsuBackend

__all__ = ["ProjectTasks", "MAX_PARTS"]

Record = dict[str, Any]
Parse = Callable[[bytes], list[Record]]

#: At most this many task types are read as parts; a project with more is read whole.
MAX_PARTS = 16
#: Requests the parts (and the count) of all the reads of one connection have in flight at once: with the
#: waiting fetching thread's own slot, they stay within the connection pool (the site's ``concurrency`` + 4).
PART_SLOTS = 4
#: Seconds the count waits for the first part (past them, the check fails and the project is read whole).
COUNT_WAIT = 600.0


class ProjectTasks:
    """Reads the tasks of one project through ``backend`` (see the module docstring).

    >>> import trackframes as tf
    >>> from trackframes.backends.kitsu.split import ProjectTasks
    >>> ProjectTasks.__name__, ProjectTasks.read.__doc__.split(" (")[0]
    ('ProjectTasks', "The project's tasks, each once")
    """

    def __init__(self, backend: "KitsuBackend") -> None:
        self.backend = backend
        #: Task types a project may have and still be read in parts (0: always read whole, as before the split).
        self.max_parts = MAX_PARTS
        #: How the last reads went (newest last): ``"split"``, ``"whole"`` (not split) or ``"changed"``
        #: (split, then read whole because a check failed).
        self.outcomes: list[str] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(PART_SLOTS)

    def read(self, project: str, what: str, parse: Parse) -> list[Record]:
        """The project's tasks, each once (``parse``: a body to its checked records)."""
        route = f"projects/{project}/tasks"
        types = self._types(project)
        if len(types) < 2 or len(types) > self.max_parts:
            self._note("whole")
            return parse(self.backend.get_bytes(route, {}, what=what))
        first_in = threading.Event()

        def part(task_type: str) -> Callable[[], tuple[str | None, list[Record]]]:
            def call() -> tuple[str | None, list[Record]]:
                try:
                    with self._slots:
                        response = self.backend.request("GET", f"data/{route}", params={"task_type_id": task_type},
                                                        what=what)
                finally:
                    first_in.set()
                return response.headers.get("ETag"), parse(response.content)
            return call

        def count() -> int | None:
            if not first_in.wait(COUNT_WAIT):  # asked after a part's fingerprint, so inside the checked window
                return None
            with self._slots:
                answer = self.backend.get_json("tasks", {"project_id": project, "page": "1", "limit": "1"}, what)
            total = answer.get("total") if isinstance(answer, dict) else None
            return total if isinstance(total, int) and not isinstance(total, bool) else None

        *parts, total = _all([part(t) for t in types] + [count])
        tags = {tag for tag, _ in parts}
        records = [record for _, rows in parts for record in rows]
        if len(tags) == 1 and None not in tags and total == len(records):
            response = self.backend.request("GET", f"data/{route}", params={}, what=what,
                                            headers={"If-None-Match": str(next(iter(tags)))})
            if response.status_code == 304:
                self._note("split")
                return records
            self._note("changed")
            return parse(response.content)
        self._note("changed")
        return parse(self.backend.get_bytes(route, {}, what=what))

    def _types(self, project: str) -> list[str]:
        """The task types linked to ``project`` (from the cached project list: the count check covers
        a type linked or used since)."""
        record = self.backend.lookups.directory("projects").get(project) or {}
        linked = record.get("task_types")
        if not isinstance(linked, list):
            return []
        return sorted({t for t in linked if isinstance(t, str)})

    def _note(self, outcome: str) -> None:
        with self._lock:
            self.outcomes.append(outcome)
            del self.outcomes[:-100]


def _all(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` at once, each in a thread of its own, in the caller's cancel scope; their results in order.

    The pool is closed without being cancelled: a cancelled scope shuts down the sockets its requests last
    used, even once their connections are back in the shared pool (:mod:`trackframes.connections`), so only
    the caller's own cancel (Ctrl-C, the call's deadline) may do that.
    """
    pool = Workers(len(calls), "trackframes-task-parts")
    try:
        futures = [pool.submit(call, scope=cancel.current()) for call in calls]
        pending = set(futures)
        while pending:
            done, pending = wait_any(pending)
            for future in done:
                future.result()  # the first error raises (the other parts end on their own)
        return [future.result() for future in futures]
    finally:
        pool.close()
