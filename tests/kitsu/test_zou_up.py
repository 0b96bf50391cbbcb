"""The real Zou is up, gazu reads back the seeded production, and the REST routes
the Kitsu backend will use answer as the backend expects.

Expected numbers come from the seed's plan (``tests/kitsu/seed.py``), never from
the server: 3 episodes x 4 sequences x 25 shots, the asset names, the task types
each shot and asset gets.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import gazu
import pytest
import requests

from tests.kitsu import seed as plan
from tests.kitsu.conftest import Zou

N_SHOTS = 3 * 4 * 25
N_ASSETS = sum(len(names) for names in plan.ASSET_NAMES.values())
# Layout and Animation on every shot, Lighting on 2 shots in 3, Compositing on 1 in 2;
# Modeling and Shading on every asset, Rigging on characters.
N_SHOT_TASKS = 2 * N_SHOTS + sum(1 for i in range(N_SHOTS) if i % 3) + sum(1 for i in range(N_SHOTS) if i % 2)
N_ASSET_TASKS = 2 * N_ASSETS + len(plan.ASSET_NAMES["Character"])


class Api:
    """Plain HTTP against Zou, as the backend will talk to it (no gazu)."""

    def __init__(self, zou: Zou, email: str | None = None, password: str | None = None) -> None:
        self.url = zou.url
        self.session = requests.Session()
        self.session.trust_env = False  # 127.0.0.1 only, whatever proxy the machine sets
        response = self.post("auth/login", {"email": email or zou.email, "password": password or zou.password})
        assert response.status_code == 200, response.text
        self.tokens = response.json()
        self.session.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(f"{self.url}/{path}", params=params, timeout=60)

    def post(self, path: str, body: dict) -> requests.Response:
        return self.session.post(f"{self.url}/{path}", json=body, timeout=60)

    def data(self, path: str, **params: Any) -> Any:
        response = self.get(path, **params)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
        return response.json()


@pytest.fixture(scope="module")
def api(zou: Zou) -> Api:
    return Api(zou)


@pytest.fixture(scope="module")
def gz(zou: Zou) -> gazu.client.KitsuClient:
    return zou.client()


def test_the_server_is_zou_1_0_97_under_api(zou: Zou) -> None:
    assert zou.url.startswith("http://127.0.0.1:") and zou.url.endswith("/api")
    assert requests.get(f"{zou.url}/", timeout=10).json() == {"api": "Zou", "version": "1.0.97"}
    assert "password" not in repr(zou) and zou.password not in repr(zou)


def test_gazu_reads_back_the_entities(zou: Zou, gz: gazu.client.KitsuClient) -> None:
    main, archive = zou.main["id"], zou.archive["id"]
    open_ids = {p["id"] for p in gazu.project.all_open_projects(client=gz)}
    assert main in open_ids and archive not in open_ids
    by_id = {p["id"]: p for p in gazu.project.all_projects(client=gz)}
    assert {main, archive} <= set(by_id)
    closed = {s["id"] for s in gazu.project.all_project_status(client=gz) if s["name"] == "Closed"}
    assert by_id[archive]["project_status_id"] in closed

    assert len(gazu.shot.all_episodes_for_project(main, client=gz)) == 3
    assert len(gazu.shot.all_sequences_for_project(main, client=gz)) == 12
    shots = gazu.shot.all_shots_for_project(main, client=gz)
    assert len(shots) == N_SHOTS
    assert Counter(s["parent_id"] for s in shots) == {seq: 25 for seq in zou.main["sequences"]}
    assets = gazu.asset.all_assets_for_project(main, client=gz)
    assert sorted(a["name"] for a in assets) == sorted(n for ns in plan.ASSET_NAMES.values() for n in ns)
    assert len(gazu.shot.all_shots_for_project(archive, client=gz)) == 10


def test_gazu_reads_back_the_tasks(zou: Zou, gz: gazu.client.KitsuClient) -> None:
    tasks = gazu.task.all_tasks_for_project(zou.main["id"], client=gz)
    assert len(tasks) == N_SHOT_TASKS + N_ASSET_TASKS
    assert {t["id"] for t in tasks} == set(zou.main["tasks"])
    type_names = {v: k for k, v in zou.seed["task_types"].items()}
    assert Counter(type_names[t["task_type_id"]] for t in tasks) == zou.main["task_counts_by_type"]
    status_names = {v: k for k, v in zou.seed["task_statuses"].items()}
    assert Counter(status_names[t["task_status_id"]] for t in tasks) == zou.main["task_counts_by_status"]
    assert sum(len(t["assignees"]) for t in tasks) == zou.main["assignments"]
    assert {t["id"]: t["data"] for t in tasks if t["data"]} == zou.main["task_data"]


def test_gazu_reads_back_people_and_time(zou: Zou, gz: gazu.client.KitsuClient) -> None:
    # departments come with relations=true only
    persons = {p["email"]: p for p in gazu.client.fetch_all("persons", {"relations": "true"}, client=gz)}
    departments = {d["id"]: d["name"] for d in gazu.person.all_departments(client=gz)}
    for first, _, role, deps in plan.PEOPLE:
        person = persons[zou.person(first)["email"]]
        assert person["role"] == role
        assert person["active"] is (first != plan.INACTIVE)
        assert sorted(departments[d] for d in person["departments"]) == sorted(deps)
    spents = gazu.client.fetch_all("time-spents", client=gz)
    assert {s["id"] for s in spents} == set(zou.main["time_spents"])
    assert sum(s["duration"] for s in spents) == zou.main["time_spent_minutes"]
    assert {d["id"] for d in gazu.client.fetch_all("day-offs", client=gz)} == set(zou.seed["day_offs"])
    items = gazu.client.fetch_all("schedule-items", {"project_id": zou.main["id"]}, client=gz)
    assert {i["id"] for i in items} == set(zou.main["schedule_items"])
    assert {m["id"] for m in gazu.project.get_milestones(zou.main["id"], client=gz)} == set(zou.main["milestones"])
    assert len(gazu.client.fetch_all("comments", client=gz)) >= len(zou.main["comments"])
    assert {p["id"] for p in gazu.client.fetch_all("preview-files", client=gz)} == set(zou.main["preview_files"])
    assert {p["id"] for p in gazu.client.fetch_all("playlists", client=gz)} == set(zou.main["playlists"])


def test_gazu_reads_back_custom_fields(zou: Zou, gz: gazu.client.KitsuClient) -> None:
    descriptors = gazu.project.all_metadata_descriptors(zou.main["id"], client=gz)
    got = {(d["entity_type"], d["field_name"], d["data_type"]) for d in descriptors}
    wanted = {("Shot", plan.field_name(n), t) for n, t, _ in plan.SHOT_DESCRIPTORS}
    wanted |= {("Asset", plan.field_name(n), t) for n, t, _ in plan.ASSET_DESCRIPTORS}
    wanted |= {("Task", plan.field_name(n), t) for n, t, _ in plan.TASK_DESCRIPTORS}
    assert got == wanted
    shots = gazu.shot.all_shots_for_project(zou.main["id"], client=gz)
    assert {s["id"]: s["data"] for s in shots} == zou.main["shot_data"]
    assets = gazu.asset.all_assets_for_project(zou.main["id"], client=gz)
    assert {a["id"]: a["data"] for a in assets} == zou.main["asset_data"]
    # every stored value is a string, as the Kitsu UI writes them (frame_in/out come from gazu)
    values = [v for s in shots for k, v in s["data"].items() if k not in ("frame_in", "frame_out")]
    assert values and all(isinstance(v, str) for v in values)


def test_auth_login_and_refresh(zou: Zou, api: Api) -> None:
    assert {"access_token", "refresh_token", "user"} <= set(api.tokens)
    refreshed = requests.get(f"{zou.url}/auth/refresh-token", timeout=30,
                             headers={"Authorization": f"Bearer {api.tokens['refresh_token']}"})
    assert refreshed.status_code == 200, refreshed.text
    token = refreshed.json()["access_token"]
    me = requests.get(f"{zou.url}/auth/authenticated", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert me.status_code == 200 and me.json()["user"]["email"] == zou.email
    wrong = "not-the-password-" + zou.password[:4]
    refused = api.post("auth/login", {"email": zou.person("Gina")["email"], "password": wrong})
    assert refused.status_code == 400 and refused.json()["login"] is False
    assert wrong not in refused.text
    bot = requests.get(f"{zou.url}/auth/authenticated", timeout=30,
                       headers={"Authorization": f"Bearer {zou.seed['bot']['token']}"})
    assert bot.status_code == 200 and bot.json()["user"]["is_bot"] is True
    # the bot is in the main production's team, so it reads its tasks
    bot_tasks = requests.get(f"{zou.url}/data/tasks", timeout=30,
                             params={"project_id": zou.main["id"], "page": 1, "limit": 1},
                             headers={"Authorization": f"Bearer {zou.seed['bot']['token']}"})
    assert bot_tasks.status_code == 200 and bot_tasks.json()["total"] == N_SHOT_TASKS + N_ASSET_TASKS


def test_crud_routes_page_with_page_and_limit(zou: Zou, api: Api) -> None:
    n_tasks = N_SHOT_TASKS + N_ASSET_TASKS
    first = api.data("data/tasks", project_id=zou.main["id"], page=1)
    assert (first["total"], first["limit"], first["nb_pages"]) == (n_tasks, 100, -(-n_tasks // 100))
    assert len(first["data"]) == 100
    seen: list[str] = []
    for page in range(1, -(-n_tasks // 250) + 1):
        body = api.data("data/tasks", project_id=zou.main["id"], page=page, limit=250, relations="true")
        assert body["page"] == page and body["limit"] == 250
        seen += [t["id"] for t in body["data"]]
        assert all(isinstance(t["assignees"], list) for t in body["data"])
    assert sorted(seen) == sorted(zou.main["tasks"])
    beyond = api.data("data/tasks", project_id=zou.main["id"], page=99, limit=250)
    assert beyond["data"] == [] and beyond["total"] == n_tasks


def test_crud_filters_fields_and_unpaged_routes(zou: Zou, api: Api) -> None:
    types = zou.seed["task_types"]
    wanted = zou.main["task_counts_by_type"]["Layout"] + zou.main["task_counts_by_type"]["Lighting"]
    body = api.data("data/tasks", project_id=zou.main["id"], page=1, limit=10,
                    task_type_id=json.dumps([types["Layout"], types["Lighting"]]),
                    fields="name,task_status_id")
    assert body["total"] == wanted
    assert all(set(t) == {"id", "type", "name", "task_status_id"} for t in body["data"])
    # /data/shots does not page: page and limit are ignored and every shot comes back
    shots = api.data("data/shots", project_id=zou.main["id"], page=1, limit=10)
    assert isinstance(shots, list) and len(shots) == N_SHOTS
    projects = api.data("data/projects")
    assert {zou.main["id"], zou.archive["id"]} <= {p["id"] for p in projects}
    descriptors = api.data(f"data/projects/{zou.main['id']}/metadata-descriptors")
    assert {d["id"] for d in descriptors} == {d["id"] for d in zou.main["descriptors"].values()}


def test_events_feed(zou: Zou, api: Api) -> None:
    events = api.data("data/events/last", limit=5)
    assert len(events) == 5
    assert all({"id", "created_at", "name", "user_id", "project_id", "data"} == set(e) for e in events)
    stamps = [e["created_at"] for e in events]
    assert stamps == sorted(stamps, reverse=True)
    task_events = api.data("data/events/last", project_id=zou.main["id"], name_prefixes="task", limit=50)
    assert task_events and all(e["name"].startswith("task:") for e in task_events)
    # the feed is for managers and admins: an artist is refused
    artist = Api(zou, zou.person("Bruno")["email"], zou.person("Bruno")["password"])
    assert artist.get("data/events/last", limit=5).status_code == 403
