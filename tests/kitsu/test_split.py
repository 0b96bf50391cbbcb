"""A project's tasks read as one request per task type (``trackframes/backends/kitsu/split.py``).

The split must return exactly what the unsplit read (``/data/projects/<id>/tasks``,
gazu's route) returns: when nobody works, and when another client creates,
edits, deletes and moves tasks between types during the reads (Zou's API allows
a move, and a null type, though Kitsu itself never does either).
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from tests.kitsu.conftest import Zou
from tests.kitsu.helpers import Recorder, connect
from tests.kitsu.test_zou_up import Api


def _whole(api: Api, project: str) -> list[dict[str, Any]]:
    return api.data(f"data/projects/{project}/tasks")


def test_the_split_returns_what_the_unsplit_read_returns(zou: Zou) -> None:
    api = Api(zou)
    recorder = Recorder()
    site = connect(zou, recorder=recorder)
    project = zou.main["id"]
    frame = site.find("Task", fields=["priority", "task_type", "entity", "updated_at"], project=project)
    assert site.backend.reader.split.outcomes == ["split"]
    whole = _whole(api, project)
    ids = list(frame["id"])
    assert len(ids) == len(set(ids)) and sorted(ids) == sorted(t["id"] for t in whole)
    by_id = {t["id"]: t for t in whole}
    assert all(by_id[i]["task_type_id"] == t for i, t in zip(frame["id"], frame["task_type.id"]))
    assert all(by_id[i]["priority"] == p for i, p in zip(frame["id"], frame["priority"]))
    # one request per task type linked to the project, then the whole project with If-None-Match: 304
    parts = [s for s in recorder.sent if s.path.endswith(f"/projects/{project}/tasks")]
    types = {s.params["task_type_id"][0] for s in parts if "task_type_id" in s.params}
    linked = set(api.data(f"data/projects/{project}")["task_types"])
    assert types == linked and len(types) >= 2
    assert [s.status for s in parts if "task_type_id" not in s.params] == [304]


class Worker(threading.Thread):
    """Another client at work on one project: edits priorities, creates and deletes tasks, and moves a task
    of its own between two task types (and, with ``untype``, leaves a task of its own without a type)."""

    def __init__(self, zou: Zou, project: str, untype: bool = False) -> None:
        super().__init__(daemon=True)
        self.api = Api(zou)
        tasks = _whole(self.api, project)
        self.ids = sorted(t["id"] for t in tasks)
        self.priorities = {t["id"]: t["priority"] for t in tasks}
        first = tasks[0]
        self.template = {k: first[k] for k in ("project_id", "task_type_id", "task_status_id", "entity_id")}
        kind = self.api.data(f"data/task-types/{first['task_type_id']}")["for_entity"]
        other = [t["id"] for t in self.api.data("data/task-types") if t.get("for_entity") == kind
                 and t["id"] != first["task_type_id"]]
        self.types = [first["task_type_id"], other[0]]
        self.mover = self._post(f"mover-{random.randrange(10**9)}")  # exists before and after the reads
        self.untyped = None
        if untype:
            self.untyped = self._post(f"untyped-{random.randrange(10**9)}")
            self._put(self.untyped, {"task_type_id": None})
        self.stop = threading.Event()
        self.moves: list[float] = []
        self.created: list[str] = []
        self.deleted: list[str] = []
        self.error: BaseException | None = None

    def _post(self, name: str) -> str:
        made = self.api.post("data/tasks", {**self.template, "name": name})
        made.raise_for_status()
        return made.json()["id"]

    def _put(self, task_id: str, body: dict[str, Any]) -> None:
        self.api.session.put(f"{self.api.url}/data/tasks/{task_id}", json=body, timeout=60).raise_for_status()

    def run(self) -> None:
        rng = random.Random(11)
        try:
            while not self.stop.is_set():
                self._put(self.mover, {"task_type_id": self.types[len(self.moves) % 2 - 1]})
                self.moves.append(time.monotonic())
                self._put(rng.choice(self.ids), {"priority": rng.randint(0, 3)})
                if rng.random() < 0.3:
                    self.created.append(self._post(f"tmp-{rng.randrange(10**9)}"))
                if len(self.created) > len(self.deleted) + 2:
                    victim = self.created[len(self.deleted)]
                    self.api.session.delete(f"{self.api.url}/data/tasks/{victim}", timeout=60).raise_for_status()
                    self.deleted.append(victim)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc

    def tidy(self) -> None:
        self.stop.set()
        if self.is_alive():
            self.join(60)
        for task_id in self.created[len(self.deleted):] + [self.mover] + [t for t in [self.untyped] if t]:
            self.api.session.delete(f"{self.api.url}/data/tasks/{task_id}", timeout=60)
        now = {t["id"]: t["priority"] for t in _whole(self.api, self.template["project_id"])}
        for task_id, priority in self.priorities.items():  # put the seed back as it was
            if now.get(task_id) != priority:
                self._put(task_id, {"priority": priority})


@pytest.fixture()
def worker(zou: Zou):
    made: list[Worker] = []

    def start(untype: bool = False) -> Worker:
        made.append(Worker(zou, zou.main["id"], untype))
        return made[-1]

    yield start
    for one in made:
        one.tidy()


def test_a_task_without_type_is_read_whole(zou: Zou, worker: Any) -> None:
    """A task with a null type is in no part: the count check sends the whole read, which has it."""
    busy = worker(untype=True)
    site = connect(zou)
    frame = site.find("Task", fields=["task_type"], project=zou.main["id"])
    assert site.backend.reader.split.outcomes == ["changed"]
    assert sorted(frame["id"]) == sorted(t["id"] for t in _whole(busy.api, zou.main["id"]))
    assert frame.loc[frame["id"] == busy.untyped, "task_type.id"].isna().all()
    assert (frame["id"] == busy.untyped).sum() == 1


def test_tasks_present_throughout_appear_exactly_once_while_another_client_works(zou: Zou, worker: Any) -> None:
    busy = worker()
    before = set(busy.ids) | {busy.mover}
    site = connect(zou)
    busy.start()
    while len(busy.moves) < 2:  # the other client is at work before the first read
        assert busy.error is None and busy.is_alive(), busy.error
        time.sleep(0.05)
    reads = []
    for _ in range(4):
        started = time.monotonic()
        frame = site.find("Task", fields=["priority", "task_type"], project=zou.main["id"])
        reads.append((started, time.monotonic(), frame))
    busy.stop.set()
    busy.join(60)
    assert busy.error is None, busy.error
    for started, ended, frame in reads:
        assert any(started <= t <= ended for t in busy.moves)  # a task changed type during this read
        ids = list(frame["id"])
        assert len(ids) == len(set(ids))  # nothing twice
        assert before <= set(ids)  # every task present throughout, the moving one included
        assert set(ids) - before <= set(busy.created)  # nothing else but tasks made meanwhile
        assert frame.loc[frame["id"] == busy.mover, "task_type.id"].isin(busy.types).all()
    # the reads were checked: each split whose parts straddled a change was read whole instead
    assert "changed" in site.backend.reader.split.outcomes
