"""The Kitsu backend over a real Zou (``tests/kitsu/server.py`` starts and seeds it).

The site reads through a proxy (a :class:`~trackframes.transport.HandlerAdapter` handler that
forwards to Zou) which counts requests and, inside ``churn``, creates and deletes tasks just
before each task-list request is forwarded: records come and go between the requests of one
read. The churn works in a project of its own, ``TF Contract``, so the production the Kitsu
tests compare with their seed is never touched; the tasks it leaves behind are deleted at the end.
"""

from __future__ import annotations

import random
import threading
from contextlib import contextmanager
from datetime import date
from typing import Any, Iterator

import gazu
import requests

import trackframes as tf
from tests.contract.target import Target
from tests.kitsu.server import Zou, shared_zou
from trackframes.transport import HandlerAdapter

TODAY = date(2026, 2, 16)
PROJECT = "TF Contract"
FODDER = 12  # tasks of the contract project that the churn may delete
#: A list custom field of the contract project's Layout tasks (Kitsu tasks have no other choice field):
#: ``data.review`` is a category, and its relations are checked like those of any other field.
REVIEW = ("Review", ["approved", "pending", "redo"])


class Proxy:
    """Forwards requests to Zou, counts them, and churns tasks before task lists while asked to."""

    def __init__(self, zou: Zou, project: dict[str, Any]) -> None:
        self.zou, self.project = zou, project
        self.session = requests.Session()
        self.session.trust_env = False
        self.admin = requests.Session()
        self.admin.trust_env = False
        token = self.admin.post(f"{zou.url}/auth/login", json={"email": zou.email, "password": zou.password},
                                timeout=60).json()["access_token"]
        self.admin.headers["Authorization"] = f"Bearer {token}"
        self.count = 0
        self.creates = self.deletes = 0
        self.made: list[str] = []
        self.rng = random.Random(11)
        self.lock = threading.Lock()

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        path = request.path_url.split("?")[0]
        if request.method == "GET" and (path.endswith("/data/tasks") or path.endswith("/tasks")):
            self._churn()
        response = self.session.request(request.method or "GET", request.url or "", data=request.body,
                                        headers=dict(request.headers), timeout=300)
        with self.lock:
            self.count += 1
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() not in ("content-encoding", "transfer-encoding")}
        return response.status_code, headers, response.content

    def _churn(self) -> None:
        with self.lock:
            creates, deletes = self.creates, self.deletes
        for _ in range(creates):
            body = {**self.project["template"], "name": f"churn-{self.rng.randrange(10**9)}",
                    "priority": self.rng.randint(0, 3), "data": {"review": self.rng.choice(REVIEW[1])}}
            made = self.admin.post(f"{self.zou.url}/data/tasks", json=body, timeout=60)
            made.raise_for_status()
            with self.lock:
                self.made.append(made.json()["id"])
        for _ in range(deletes):
            victims = self.project["fodder"] or self.made
            if not victims:
                break
            victim = victims.pop(0)
            self.admin.delete(f"{self.zou.url}/data/tasks/{victim}", timeout=60).raise_for_status()

    @contextmanager
    def churn(self, creates: int, deletes: int) -> Iterator[None]:
        with self.lock:
            self.creates, self.deletes = creates, deletes
        try:
            yield
        finally:
            with self.lock:
                self.creates = self.deletes = 0

    def clean(self) -> None:
        """Delete every task of the contract project beyond its fodder."""
        tasks = gazu.task.all_tasks_for_project(self.project["id"], client=self.zou.client())
        for task in tasks:
            if task["name"].startswith("churn-"):
                self.admin.delete(f"{self.zou.url}/data/tasks/{task['id']}", timeout=60)


def _contract_project(zou: Zou) -> dict[str, Any]:
    """``TF Contract`` (made once per database): a sequence, shots and ``FODDER`` tasks to delete."""
    gz = zou.client()
    found = [p for p in gazu.project.all_projects(client=gz) if p["name"] == PROJECT]
    seed = zou.seed
    if found:
        project = found[0]
    else:
        project = gazu.project.new_project(PROJECT, "short", team=[], task_types=list(seed["task_types"].values()),
                                           task_statuses=list(seed["task_statuses"].values()), client=gz)
    sequence = gazu.shot.new_sequence(project["id"], "SQ001", client=gz)  # gazu returns the existing one
    shots = [gazu.shot.new_shot(project["id"], sequence["id"], f"SH{n:03d}", nb_frames=24 + n, client=gz)
             for n in range(1, 4)]
    template = {"project_id": project["id"], "task_type_id": seed["task_types"]["Layout"],
                "task_status_id": seed["task_statuses"]["todo"], "entity_id": shots[0]["id"]}
    name, choices = REVIEW
    if not any(d["entity_type"] == "Task" and d["name"] == name
               for d in gazu.project.all_metadata_descriptors(project["id"], client=gz)):
        gazu.project.add_metadata_descriptor(project["id"], name, "Task", data_type="list", choices=choices,
                                             task_type_id=template["task_type_id"], client=gz)
    tasks = gazu.task.all_tasks_for_project(project["id"], client=gz)
    fodder = [t["id"] for t in tasks if t["name"].startswith("fodder-")]
    for task in tasks:  # fodder made before the field existed gets a value
        if task["name"].startswith("fodder-") and not (task.get("data") or {}).get("review"):
            n = int(task["name"].split("-")[1])
            gazu.client.put(f"data/tasks/{task['id']}", {"data": {"review": choices[n % 3]}}, client=gz)
    names = {t["name"] for t in tasks}
    free = (n for n in range(10 * FODDER) if f"fodder-{n}" not in names)  # the churn deleted the others
    for n in (next(free) for _ in range(len(fodder), FODDER)):
        body = {**template, "name": f"fodder-{n}", "priority": n % 4, "entity_id": shots[n % 3]["id"],
                "data": {"review": choices[n % 3]}}
        fodder.append(gazu.client.post("data/tasks", body, client=gz)["id"])
    return {"id": project["id"], "template": template, "fodder": fodder}


@contextmanager
def target() -> Iterator[Target]:
    zou = shared_zou()
    proxy = Proxy(zou, _contract_project(zou))

    def connect(**options: Any) -> tf.Site:
        site = tf.connect(zou.url, backend="kitsu", auth=tf.UserPassword(zou.email, zou.password),
                          transport_adapter=HandlerAdapter(proxy), progress=False, **options)
        site.today = TODAY
        return site

    site = connect()
    try:
        yield Target(
            name="kitsu", site=site, entities=["Task", "Shot", "TimeSpent", "Project"],
            task_entity="Task", link_field="task_type", number_field="priority", date_field="start_date",
            order_fields=["description", "data.render_layers"],
            requests=lambda: proxy.count, churn=proxy.churn, connect=connect,
            filter_fields=("data.review", "data.render_layers"),
        )
    finally:
        site.close()
        proxy.clean()
