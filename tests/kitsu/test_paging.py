"""Reading while people work: records present throughout a read appear exactly once.

Zou's pages are ordered by ``updated_at``, so page-number paging loses records
that are edited while it runs (the first test shows it on this server). The
backend reads unpaged snapshots split along values that never change
(``trackframes/backends/kitsu/read.py``); here another client edits, creates and
deletes tasks during the reads, and every task that existed from before the
read to after it must come back exactly once.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import gazu
import pytest
from tests.kitsu.conftest import Zou
from tests.kitsu.helpers import Recorder, connect
from tests.kitsu.test_zou_up import Api


class Editor(threading.Thread):
    """Another user at work: changes task priorities, creates tasks and deletes the ones it created."""

    def __init__(self, zou: Zou, task_ids: list[str], template: dict[str, Any]) -> None:
        super().__init__(daemon=True)
        self.api = Api(zou)
        self.task_ids = task_ids
        self.template = template
        self.stop = threading.Event()
        self.edits: list[float] = []
        self.created: list[str] = []
        self.deleted: list[str] = []
        self.priorities: dict[str, int] = {}
        self.error: BaseException | None = None

    def run(self) -> None:
        rng = random.Random(7)
        try:
            while not self.stop.is_set():
                task_id = rng.choice(self.task_ids)
                response = self.api.session.put(f"{self.api.url}/data/tasks/{task_id}",
                                                json={"priority": rng.randint(0, 3)}, timeout=60)
                response.raise_for_status()
                self.edits.append(time.monotonic())
                if rng.random() < 0.3:
                    made = self.api.post("data/tasks", {**self.template, "name": f"tmp-{rng.randrange(10**9)}"})
                    made.raise_for_status()
                    self.created.append(made.json()["id"])
                if len(self.created) > len(self.deleted) + 2:
                    victim = self.created[len(self.deleted)]
                    self.api.session.delete(f"{self.api.url}/data/tasks/{victim}", timeout=60).raise_for_status()
                    self.deleted.append(victim)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


@pytest.fixture()
def editor(zou: Zou):
    gz = zou.client()
    tasks = gazu.task.all_tasks_for_project(zou.main["id"], client=gz) + \
        gazu.task.all_tasks_for_project(zou.archive["id"], client=gz)
    before = {t["id"]: t["priority"] for t in tasks}
    first = tasks[0]
    template = {k: first[k] for k in ("project_id", "task_type_id", "task_status_id", "entity_id")}
    editor = Editor(zou, sorted(before), template)
    yield editor, before
    editor.stop.set()
    editor.join(60)
    api = Api(zou)
    for task_id in editor.created[len(editor.deleted):]:
        api.session.delete(f"{api.url}/data/tasks/{task_id}", timeout=60)
    now = {t["id"]: t["priority"] for project in (zou.main["id"], zou.archive["id"])
           for t in gazu.task.all_tasks_for_project(project, client=gz)}
    for task_id, priority in before.items():  # put the seed back as it was
        if now.get(task_id) != priority:
            api.session.put(f"{api.url}/data/tasks/{task_id}", json={"priority": priority}, timeout=60)


def test_page_number_paging_loses_an_edited_record(zou: Zou) -> None:
    """Why the backend never pages: on this Zou, a record edited mid-way through the pages goes missing."""
    api = Api(zou)
    params = {"project_id": zou.main["id"], "limit": 100}
    first = api.data("data/tasks", page=1, **params)
    last_page = first["nb_pages"]
    moved = api.data("data/tasks", page=last_page, **params)["data"][-1]
    api.session.put(f"{api.url}/data/tasks/{moved['id']}", json={"priority": moved["priority"]},
                    timeout=60).raise_for_status()  # the same value: only updated_at changes
    seen = {t["id"] for t in first["data"]}
    for page in range(2, last_page + 1):
        seen |= {t["id"] for t in api.data("data/tasks", page=page, **params)["data"]}
    assert moved["id"] not in seen  # it jumped to page 1, which was already read


def test_records_present_throughout_appear_exactly_once(zou: Zou, editor: tuple[Editor, dict]) -> None:
    worker, before = editor
    recorder = Recorder()
    site = connect(zou, recorder=recorder)
    both = [{"type": "Project", "id": zou.main["id"]}, {"type": "Project", "id": zou.archive["id"]}]
    some = sorted(before)[:600]
    worker.start()
    while len(worker.edits) < 3:  # the other user is at work before the first read
        assert worker.error is None and worker.is_alive(), worker.error
        time.sleep(0.05)
    reads = []
    for attempt in range(3):
        started = time.monotonic()
        everything = site.find("Task", [["project", "in", both]], ["priority"], include_archived_projects=True)
        chosen = site.find("Task", [["id", "in", some]], ["name", "priority"], include_archived_projects=True)
        reads.append((started, time.monotonic(), everything, chosen))
    worker.stop.set()
    worker.join(60)
    assert worker.error is None, worker.error
    gone = set(worker.deleted)
    for started, ended, everything, chosen in reads:
        assert any(started <= t <= ended for t in worker.edits)  # edits happened during this read
        ids = list(everything["id"])
        assert len(ids) == len(set(ids))  # nothing twice
        assert set(before) <= set(ids)  # every task present throughout, once
        assert set(ids) - set(before) <= set(worker.created)  # and nothing else but tasks made meanwhile
        assert sorted(chosen["id"]) == some and not gone & set(some)
    # the reads were split: one request per project, and the 600 ids in several parts
    task_reads = [s for s in recorder.sent if s.path == "/api/data/tasks"]
    assert len(task_reads) >= 3 * (2 + 6)
    # no records are read by page: the only pages asked are one-record counts (the task-type split's check)
    assert all("page" not in s.params or s.params.get("limit") == ["1"] for s in task_reads)
