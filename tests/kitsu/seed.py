"""A deterministic production on a real Zou, created through gazu.

``seed_production`` builds, once per fresh database, what the Kitsu tests read:

* ``TF Seed Main`` (a TV show, open): 3 episodes, 12 sequences, 300 shots
  (several ``/data/<model>`` pages at Zou's default page size of 100),
  30 assets of the 4 default asset types, about a thousand tasks of 7 task
  types with statuses, assignees, dates, estimations, priorities and
  difficulties, custom fields of every metadata type on shots, assets and
  Lighting tasks (values stored as the Kitsu UI stores them: strings),
  time spents, comments, preview files, playlists, schedule items and
  milestones;
* ``TF Seed Archive`` (a feature film, closed): a few sequences, shots and
  tasks, so that open/closed filters have something to tell apart;
* eight people in five departments (one inactive), a bot with its API token,
  and day-offs.

``seed_benchmark`` adds ``TF Bench``, a project with a few thousand tasks, on
demand only (tests do not pay for it unless they ask).

Everything is drawn from ``random.Random(SEED)``: the same plan on every fresh
database. Ids are the server's; the returned manifest maps names to ids and
records what was asked for (counts, custom field values), so tests compare
what they read with what the seed intended, never with what the server said.
The manifest is saved next to the database (``$ZOU_HOME/seed-manifest.json``,
mode 600: it holds the test accounts' passwords and the bot's token) and
reused while the server still has the seeded projects.

Run by hand: ``python -m tests.kitsu.seed [--bench N]`` (Zou must be up).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import gazu
from gazu.client import KitsuClient

SEED = 13
MANIFEST_VERSION = 2
MAIN = "TF Seed Main"
ARCHIVE = "TF Seed Archive"
BENCH = "TF Bench"
EMAIL_DOMAIN = "studio.example"
THREADS = 4

SHOT_TASK_TYPES = ["Layout", "Animation", "Lighting", "Compositing"]
ASSET_TASK_TYPES = ["Modeling", "Shading", "Rigging"]
STATUSES = ["todo", "ready", "wip", "wfa", "retake", "done"]
STATUS_WEIGHTS = [30, 10, 25, 10, 5, 20]

# (first, last, role, departments): departments are Zou's default ones.
PEOPLE = [
    ("Ada", "Moreau", "supervisor", ["Animation"]),
    ("Bruno", "Silva", "user", ["Animation"]),
    ("Chloe", "Nakamura", "user", ["Animation", "Layout"]),
    ("Dmitri", "Kovac", "user", ["Layout"]),
    ("Esther", "Okafor", "user", ["Modeling"]),
    ("Felix", "Brandt", "manager", ["Compositing"]),
    ("Gina", "Rossi", "user", ["Compositing", "FX"]),
    ("Hugo", "Lefebvre", "user", ["Modeling"]),
]
INACTIVE = "Hugo"  # deactivated after the seed assigned him tasks

# Who may be assigned a task of each type.
ASSIGNABLE = {
    "Layout": ["Dmitri", "Chloe"],
    "Animation": ["Ada", "Bruno", "Chloe"],
    "Lighting": ["Felix", "Gina"],
    "Compositing": ["Felix", "Gina"],
    "Modeling": ["Esther", "Hugo"],
    "Shading": ["Esther", "Hugo"],
    "Rigging": ["Bruno", "Esther"],
}

ASSET_NAMES = {
    "Character": ["Milo", "Nora", "Grandpa Ivo", "Rex", "Pip", "Luna", "Captain Orr", "Zed"],
    "Environment": ["Harbour", "Lighthouse", "Old Town", "Forest Edge", "Cave", "Rooftops", "Market"],
    "Prop": ["Lantern", "Bicycle", "Compass", "Fishing Rod", "Kite", "Radio", "Umbrella", "Crate"],
    "FX": ["Rain", "Sea Spray", "Smoke", "Fireflies", "Dust", "Snow", "Sparks"],
}

# (name, data type, choices): custom fields of every type the UI offers that
# the Kitsu backend types, on shots.
SHOT_DESCRIPTORS = [
    ("Difficulty", "number", []),
    ("Camera", "string", []),
    ("Hero Shot", "boolean", []),
    ("Cut Status", "list", ["in", "omit", "trim"]),
    ("Tags", "taglist", ["crowd", "fx", "night", "water"]),
    ("Director Notes", "textarea", []),
    ("Checks", "checklist", ["[ ] Plate", "[x] Camera", "[ ] Lens"]),
    ("Delivery", "date", []),
]
ASSET_DESCRIPTORS = [
    ("Budget Days", "number", []),
    ("Complexity", "list", ["simple", "medium", "complex"]),
]
TASK_DESCRIPTORS = [("Render Layers", "number", [])]  # scoped to Lighting

# Working days of the seeded period: tasks start from here, time spents fall in
# January and February 2026, day-offs in March (Zou deletes the time spents a
# new day-off covers).
PERIOD_START = dt.date(2026, 1, 5)


# --- helpers -------------------------------------------------------------------


def login(url: str, email: str, password: str) -> KitsuClient:
    """A gazu client of its own (never gazu's module-wide default), logged in."""
    client = gazu.client.create_client(url)
    gazu.log_in(email, password, client=client)
    return client


def _clone(client: KitsuClient) -> KitsuClient:
    """A client sharing the tokens but not the HTTP session (one per thread)."""
    return gazu.client.create_client(client.host, tokens=dict(client.tokens))


def _parallel(client: KitsuClient, jobs: list[Callable[[KitsuClient], Any]]) -> list[Any]:
    """Run ``job(client)`` for each job on a few threads; results in job order."""
    local = threading.local()

    def run(job: Callable[[KitsuClient], Any]) -> Any:
        if not hasattr(local, "client"):
            local.client = _clone(client)
        return job(local.client)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, jobs))


def _working_days(start: dt.date, count: int) -> list[dt.date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _add_working_days(start: dt.date, count: int) -> dt.date:
    return _working_days(start, count + 1)[-1]


def _midnight(day: dt.date) -> str:
    """Task dates as Kitsu's UI sends them: midnight timestamps."""
    return f"{day.isoformat()}T00:00:00"


def field_name(name: str) -> str:
    """The ``data`` key Zou derives from a descriptor name (slugified, ``_``)."""
    return "_".join(name.lower().split())


# --- the plan ------------------------------------------------------------------


def _shot_metadata(rng: random.Random) -> dict[str, str]:
    """Custom field values as the Kitsu UI writes them: all strings, some unset."""
    values: dict[str, str] = {}
    if rng.random() < 0.85:
        values["difficulty"] = rng.choice(["1", "2", "3", "4", "5", "2.5", "3.5"])
    if rng.random() < 0.7:
        values["camera"] = rng.choice(["A-cam", "B-cam", "crane", "handheld", "drone"])
    values["hero_shot"] = "true" if rng.random() < 0.2 else "false"
    if rng.random() < 0.9:
        values["cut_status"] = rng.choices(["in", "omit", "trim"], [80, 10, 10])[0]
    tags = sorted(rng.sample(["crowd", "fx", "night", "water"], rng.randint(0, 3)))
    if tags:
        values["tags"] = ",".join(tags)
    if rng.random() < 0.3:
        values["director_notes"] = rng.choice(
            ["Hold longer on the reaction.\nCheck the eyeline.", "Faster pan.", "Keep the rain subtle."]
        )
    if rng.random() < 0.5:
        values["checks"] = json.dumps(
            {"Plate": rng.random() < 0.5, "Camera": True, "Lens": rng.random() < 0.3}
        )
    if rng.random() < 0.6:
        values["delivery"] = (PERIOD_START + dt.timedelta(days=rng.randint(20, 150))).isoformat()
    return values


def _task_fields(rng: random.Random, type_name: str, people: dict[str, dict]) -> dict[str, Any]:
    status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
    candidates = ASSIGNABLE[type_name]
    n_assignees = rng.choices([0, 1, 2], [15, 70, 15])[0]
    assignees = sorted(rng.sample(candidates, min(n_assignees, len(candidates))))
    fields: dict[str, Any] = {
        "status": status,
        "assignees": [people[first]["id"] for first in assignees],
        "priority": rng.choices([0, 1, 2, 3], [60, 20, 15, 5])[0],
        "difficulty": rng.randint(1, 5),
    }
    if rng.random() < 0.85:
        start = _working_days(PERIOD_START, rng.randint(1, 80))[-1]
        days = rng.randint(1, 15)
        fields["start_date"] = _midnight(start)
        fields["due_date"] = _midnight(_add_working_days(start, days))
        fields["estimation"] = days * 8 * 60 if rng.random() < 0.8 else 0
    if rng.random() < 0.15:
        fields["description"] = rng.choice(["Blocking first.", "Match the previous shot.", "Client note."])
    return fields


# --- creation ------------------------------------------------------------------


def _people(client: KitsuClient, rng: random.Random) -> tuple[dict[str, dict], dict[str, str]]:
    departments = {d["name"]: d["id"] for d in gazu.person.all_departments(client=client)}
    people: dict[str, dict] = {}
    for first, last, role, deps in PEOPLE:
        email = f"{first.lower()}.{last.lower()}@{EMAIL_DOMAIN}"
        password = f"tf-{first.lower()}-{rng.randrange(16**8):08x}"
        person = gazu.person.new_person(
            first, last, email, role=role, password=password,
            departments=[departments[d] for d in deps], client=client,
        )
        people[first] = {
            "id": person["id"], "email": email, "password": password, "role": role,
            "full_name": f"{first} {last}", "departments": deps,
        }
    return people, departments


def _project(client: KitsuClient, name: str, production_type: str, team: list[str],
             task_types: dict[str, str], statuses: dict[str, str], asset_types: dict[str, str],
             fps: str, start: dt.date, end: dt.date) -> dict:
    project = gazu.project.new_project(
        name, production_type, team=team, asset_types=list(asset_types.values()),
        task_statuses=list(statuses.values()), task_types=list(task_types.values()),
        production_style="3d", client=client,
    )
    return gazu.client.put(
        f"data/projects/{project['id']}",
        {"fps": fps, "start_date": start.isoformat(), "end_date": end.isoformat(),
         "data": {"client": "Harbour Films" if "Main" in name else "Archive Pictures"}},
        client=client,
    )


def _descriptors(client: KitsuClient, project_id: str, task_types: dict[str, str],
                 departments: dict[str, str]) -> dict[str, dict]:
    made: dict[str, dict] = {}
    specs = [("Shot", d, None) for d in SHOT_DESCRIPTORS]
    specs += [("Asset", d, None) for d in ASSET_DESCRIPTORS]
    specs += [("Task", d, task_types["Lighting"]) for d in TASK_DESCRIPTORS]
    for entity_type, (name, data_type, choices), task_type_id in specs:
        deps = [departments["Compositing"]] if name == "Render Layers" else []
        descriptor = gazu.project.add_metadata_descriptor(
            project_id, name, entity_type, data_type=data_type, choices=choices,
            departments=deps, task_type_id=task_type_id, client=client,
        )
        if descriptor["field_name"] != field_name(name):
            raise RuntimeError(f"Zou named the field of {name!r} {descriptor['field_name']!r}, "
                               f"the seed writes its values under {field_name(name)!r}")
        made[f"{entity_type}.{descriptor['field_name']}"] = {
            "id": descriptor["id"], "name": name, "data_type": data_type,
            "entity_type": entity_type, "field_name": descriptor["field_name"],
        }
    return made


def _create_tasks(client: KitsuClient, plans: list[dict]) -> list[str]:
    def job(plan: dict) -> Callable[[KitsuClient], str]:
        body = {key: value for key, value in plan.items() if not key.startswith("_")}
        return lambda c: gazu.client.post("data/tasks", body, client=c)["id"]

    return _parallel(client, [job(plan) for plan in plans])


def _task_plan(rng: random.Random, project_id: str, entity_id: str, type_name: str,
               task_types: dict[str, str], statuses: dict[str, str],
               people: dict[str, dict]) -> dict:
    fields = _task_fields(rng, type_name, people)
    plan = {
        "project_id": project_id, "entity_id": entity_id, "name": "main",
        "task_type_id": task_types[type_name], "task_status_id": statuses[fields.pop("status")],
        "_type": type_name,
    }
    plan.update(fields)
    return plan


def _seed_main(client: KitsuClient, rng: random.Random, base: dict) -> dict:
    people, task_types, statuses, asset_types = (
        base["people"], base["task_types"], base["task_statuses"], base["asset_types"])
    project = _project(
        client, MAIN, "tvshow", [p["id"] for p in people.values()] + [base["bot"]["id"]],
        {n: task_types[n] for n in SHOT_TASK_TYPES + ASSET_TASK_TYPES}, statuses, asset_types,
        "24", dt.date(2026, 1, 5), dt.date(2026, 6, 26),
    )
    pid = project["id"]
    out: dict[str, Any] = {"id": pid, "name": MAIN}
    out["descriptors"] = _descriptors(client, pid, task_types, base["departments"])

    episodes = [gazu.shot.new_episode(pid, f"E{n:02d}", client=client) for n in range(1, 4)]
    sequences = [
        gazu.shot.new_sequence(pid, f"SQ{n * 10:03d}", episode=ep["id"], client=client)
        for ep in episodes for n in range(1, 5)
    ]
    out["episodes"] = [e["id"] for e in episodes]
    out["sequences"] = [s["id"] for s in sequences]

    shot_plans = []
    for seq in sequences:
        for n in range(1, 26):
            nb_frames = rng.randint(24, 240)
            shot_plans.append({
                "sequence": seq["id"], "name": f"SH{n * 10:04d}", "nb_frames": nb_frames,
                "frame_in": 1001, "frame_out": 1000 + nb_frames, "data": _shot_metadata(rng),
            })

    def shot_job(plan: dict) -> Callable[[KitsuClient], dict]:
        return lambda c: gazu.shot.new_shot(
            pid, plan["sequence"], plan["name"], nb_frames=plan["nb_frames"],
            frame_in=plan["frame_in"], frame_out=plan["frame_out"], data=plan["data"], client=c)

    shots = _parallel(client, [shot_job(p) for p in shot_plans])
    out["shots"] = [s["id"] for s in shots]
    # what the seed wrote in each shot's data (frame_in/out included, as gazu adds them)
    out["shot_data"] = {
        s["id"]: {**p["data"], "frame_in": p["frame_in"], "frame_out": p["frame_out"]}
        for s, p in zip(shots, shot_plans)
    }

    assets, asset_data = [], {}
    for type_name, names in ASSET_NAMES.items():
        for name in names:
            data = {"budget_days": str(rng.randint(2, 30))}
            if rng.random() < 0.8:
                data["complexity"] = rng.choice(["simple", "medium", "complex"])
            asset = gazu.asset.new_asset(pid, asset_types[type_name], name, extra_data=data,
                                         description=f"{type_name} {name}", client=client)
            assets.append((asset, type_name))
            asset_data[asset["id"]] = data
    out["assets"] = [a["id"] for a, _ in assets]
    out["asset_data"] = asset_data

    task_plans = []
    for i, shot in enumerate(shots):
        types = ["Layout", "Animation"] + (["Lighting"] if i % 3 else []) + (["Compositing"] if i % 2 else [])
        for type_name in types:
            plan = _task_plan(rng, pid, shot["id"], type_name, task_types, statuses, people)
            if type_name == "Lighting" and rng.random() < 0.6:
                plan["data"] = {"render_layers": str(rng.randint(1, 12))}
            task_plans.append(plan)
    for asset, type_name in assets:
        types = ["Modeling", "Shading"] + (["Rigging"] if type_name == "Character" else [])
        for task_type in types:
            task_plans.append(_task_plan(rng, pid, asset["id"], task_type, task_types, statuses, people))
    task_ids = _create_tasks(client, task_plans)
    out["tasks"] = task_ids
    status_names = {v: k for k, v in statuses.items()}
    out["task_counts_by_type"] = dict(Counter(p["_type"] for p in task_plans))
    out["task_counts_by_status"] = dict(Counter(status_names[p["task_status_id"]] for p in task_plans))
    out["assignments"] = sum(len(p["assignees"]) for p in task_plans)
    out["task_data"] = {tid: p["data"] for tid, p in zip(task_ids, task_plans) if "data" in p}

    # time spents: on assigned tasks, by their assignees, on working days of Jan-Feb
    days = _working_days(PERIOD_START, 40)
    spent_jobs, spent_plan = [], []
    assigned = [(tid, p) for tid, p in zip(task_ids, task_plans) if p["assignees"]]
    for tid, plan in rng.sample(assigned, 100):
        person = rng.choice(plan["assignees"])
        for day in sorted(rng.sample(days, rng.randint(1, 3))):
            minutes = rng.choice([30, 60, 90, 120, 180, 240, 300, 360, 420, 480])
            spent_plan.append((tid, person, day.isoformat(), minutes))
    # The first ones through the timesheet route (it also updates the person's
    # last presence, slowly); the rest through the CRUD route, which is quicker
    # and, like the other, sums the task's duration.
    for n, (tid, person, day, minutes) in enumerate(spent_plan):
        if n < 20:
            spent_jobs.append(lambda c, a=(tid, person, day, minutes): gazu.task.set_time_spent(
                a[0], a[1], a[2], a[3], client=c)["id"])
        else:
            spent_jobs.append(lambda c, a=(tid, person, day, minutes): gazu.client.post(
                "data/time-spents", {"task_id": a[0], "person_id": a[1], "date": a[2], "duration": a[3]},
                client=c)["id"])
    out["time_spents"] = _parallel(client, spent_jobs)
    out["time_spent_minutes"] = sum(m for *_, m in spent_plan)

    # comments (each keeps its task's status) and preview files on some of them
    comments, previews = [], []
    for tid, plan in rng.sample(list(zip(task_ids, task_plans)), 40):
        author = plan["assignees"][0] if plan["assignees"] else people["Felix"]["id"]
        comment = gazu.task.add_comment(
            tid, plan["task_status_id"], rng.choice(["Looks good.", "Please fix the timing.", "v2 up."]),
            person=author, client=client)
        comments.append(comment["id"])
        if len(previews) < 12:
            previews.append(gazu.task.create_preview(tid, comment["id"], client=client)["id"])
    out["comments"], out["preview_files"] = comments, previews

    out["playlists"] = [
        gazu.playlist.new_playlist(pid, f"Dailies {ep_name}", episode=ep["id"], client=client)["id"]
        for ep, ep_name in zip(episodes, ["E01", "E02", "E03"])
    ]

    # schedule items: one per task type of the project, one per sequence for Animation
    items = []
    for n, type_name in enumerate(SHOT_TASK_TYPES + ASSET_TASK_TYPES):
        start = _add_working_days(dt.date(2026, 1, 5), 10 * n)
        items.append({"task_type_id": task_types[type_name], "object_id": None,
                      "start_date": start.isoformat(),
                      "end_date": _add_working_days(start, 30).isoformat(), "man_days": 30 + 5 * n})
    for n, seq in enumerate(sequences):
        start = _add_working_days(dt.date(2026, 2, 2), 5 * n)
        items.append({"task_type_id": task_types["Animation"], "object_id": seq["id"],
                      "start_date": start.isoformat(),
                      "end_date": _add_working_days(start, 8).isoformat(), "man_days": 8})
    out["schedule_items"] = [
        gazu.client.post("data/schedule-items", {"project_id": pid, **item}, client=client)["id"]
        for item in items
    ]
    milestones = [("Animatic lock", "2026-02-13", None), ("Anim final", "2026-04-24", "Animation"),
                  ("Delivery", "2026-06-26", None)]
    out["milestones"] = [
        gazu.client.post("data/milestones", {
            "project_id": pid, "name": name, "date": day,
            "task_type_id": task_types[tt] if tt else None}, client=client)["id"]
        for name, day, tt in milestones
    ]
    return out


def _seed_archive(client: KitsuClient, rng: random.Random, base: dict) -> dict:
    people, task_types, statuses = base["people"], base["task_types"], base["task_statuses"]
    project = _project(
        client, ARCHIVE, "featurefilm", [people[n]["id"] for n in ("Ada", "Bruno", "Felix")],
        {"Animation": task_types["Animation"]}, statuses, {"Prop": base["asset_types"]["Prop"]},
        "25", dt.date(2025, 3, 3), dt.date(2025, 9, 26),
    )
    pid = project["id"]
    sequences = [gazu.shot.new_sequence(pid, f"SQ{n * 10:03d}", client=client) for n in (1, 2)]
    shots = [
        gazu.shot.new_shot(pid, seq["id"], f"SH{n * 10:04d}", nb_frames=48, frame_in=1001,
                           frame_out=1048, client=client)
        for seq in sequences for n in range(1, 6)
    ]
    asset = gazu.asset.new_asset(pid, base["asset_types"]["Prop"], "Old Lantern", client=client)
    plans = [_task_plan(rng, pid, s["id"], "Animation", task_types, statuses, people) for s in shots]
    tasks = _create_tasks(client, plans)
    gazu.project.close_project(pid, client=client)
    return {"id": pid, "name": ARCHIVE, "sequences": [s["id"] for s in sequences],
            "shots": [s["id"] for s in shots], "assets": [asset["id"]], "tasks": tasks}


def _day_offs(client: KitsuClient, people: dict[str, dict]) -> list[str]:
    offs = [("Ada", "2026-03-02", "2026-03-06", "Holiday"), ("Bruno", "2026-03-09", "2026-03-09", None),
            ("Chloe", "2026-03-16", "2026-03-20", "Holiday"), ("Felix", "2026-03-11", "2026-03-12", "Training"),
            ("Gina", "2026-03-23", "2026-03-23", None), ("Esther", "2026-03-30", "2026-04-03", "Holiday")]
    return [gazu.person.new_day_off(people[who]["id"], start, end, description=desc, client=client)["id"]
            for who, start, end, desc in offs]


def _base(client: KitsuClient, rng: random.Random) -> dict:
    people, departments = _people(client, rng)
    task_types = {
        t["name"]: t["id"] for t in gazu.task.all_task_types(client=client)
        if t["name"] in SHOT_TASK_TYPES + ASSET_TASK_TYPES
    }
    statuses = {s["short_name"]: s["id"] for s in gazu.task.all_task_statuses(client=client)
                if s["short_name"] in STATUSES}
    asset_types = {a["name"]: a["id"] for a in gazu.asset.all_asset_types(client=client)}
    return {"people": people, "departments": departments, "task_types": task_types,
            "task_statuses": statuses, "asset_types": asset_types}


# --- entry points ----------------------------------------------------------------


def _read(path: Path) -> dict | None:
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("version") == MANIFEST_VERSION else None


def _write(path: Path, manifest: dict) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    tmp.replace(path)


def _project_exists(client: KitsuClient, project_id: str) -> bool:
    return any(p["id"] == project_id for p in gazu.project.all_projects(client=client))


def seed_production(client: KitsuClient, manifest_path: Path) -> dict:
    """Seed the production once per database; later calls return the saved manifest.

    Raises ``RuntimeError`` when the server holds seeded projects the manifest
    does not describe (the database outlived its manifest): ``scripts/zou.sh
    reset`` starts from an empty database.
    """
    manifest = _read(manifest_path)
    if manifest and _project_exists(client, manifest["projects"]["main"]["id"]):
        return manifest
    names = {p["name"] for p in gazu.project.all_projects(client=client)}
    if names & {MAIN, ARCHIVE}:
        raise RuntimeError(
            f"Zou already holds {sorted(names & {MAIN, ARCHIVE})} but {manifest_path} does not "
            "describe them: run `bash scripts/zou.sh reset` for a fresh database")
    rng = random.Random(SEED)
    started = time.perf_counter()
    base = _base(client, rng)
    # a bot reads only the productions whose team it is in: it joins the main one
    bot = gazu.person.new_bot("TF Bot", f"bot@{EMAIL_DOMAIN}", role="manager", client=client)
    base["bot"] = {"id": bot["id"], "token": bot["access_token"]}
    main = _seed_main(client, rng, base)
    archive = _seed_archive(client, rng, base)
    day_offs = _day_offs(client, base["people"])
    gazu.client.put(f"data/persons/{base['people'][INACTIVE]['id']}", {"active": False}, client=client)
    base["people"][INACTIVE]["active"] = False
    manifest = {
        "version": MANIFEST_VERSION, "seed": SEED, **base,
        "projects": {"main": main, "archive": archive},
        "day_offs": day_offs,
        "seconds": round(time.perf_counter() - started, 1),
    }
    _write(manifest_path, manifest)
    return manifest


def seed_benchmark(client: KitsuClient, manifest_path: Path, n_tasks: int = 3000) -> dict:
    """Add ``TF Bench`` (``n_tasks`` shot tasks, 3 per shot) once; returns its part of the manifest."""
    manifest = _read(manifest_path)
    if manifest is None:
        raise RuntimeError(f"seed the production first ({manifest_path} is missing)")
    bench = manifest.get("bench")
    if bench and bench["n_tasks"] == n_tasks and _project_exists(client, bench["id"]):
        return bench
    if BENCH in {p["name"] for p in gazu.project.all_projects(client=client)}:
        raise RuntimeError(f"Zou already holds {BENCH!r} with another size: run `bash scripts/zou.sh reset`")
    rng = random.Random(SEED + n_tasks)
    started = time.perf_counter()
    types = ["Layout", "Animation", "Lighting"]
    task_types = {n: manifest["task_types"][n] for n in types}
    project = _project(client, BENCH, "featurefilm", [p["id"] for p in manifest["people"].values()],
                       task_types, manifest["task_statuses"], {}, "24",
                       dt.date(2026, 1, 5), dt.date(2026, 12, 18))
    pid = project["id"]
    n_shots = -(-n_tasks // len(types))
    n_sequences = -(-n_shots // 50)
    sequences = [gazu.shot.new_sequence(pid, f"SQ{n * 10:04d}", client=client)
                 for n in range(1, n_sequences + 1)]
    shot_jobs = [
        (lambda c, seq=sequences[i // 50]["id"], name=f"SH{i:05d}": gazu.client.post(
            f"data/projects/{pid}/shots", {"name": name, "sequence_id": seq, "nb_frames": 100,
                                             "data": {"frame_in": 1001, "frame_out": 1100}}, client=c)["id"])
        for i in range(n_shots)
    ]
    shots = _parallel(client, shot_jobs)
    plans = [
        _task_plan(rng, pid, shots[i // len(types)], types[i % len(types)], manifest["task_types"],
                   manifest["task_statuses"], manifest["people"])
        for i in range(n_tasks)
    ]
    tasks = _create_tasks(client, plans)
    bench = {"id": pid, "name": BENCH, "n_tasks": len(tasks), "n_shots": len(shots),
             "seconds": round(time.perf_counter() - started, 1)}
    manifest["bench"] = bench
    _write(manifest_path, manifest)
    return bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env-file", default=os.environ.get(
        "ZOU_ENV_FILE", os.path.join(os.environ.get("TRACKFRAMES_ZOU_HOME", "/tmp/trackframes-zou"), "zou.env")))
    parser.add_argument("--bench", type=int, default=0, metavar="N",
                        help="also add the benchmark project with N tasks")
    args = parser.parse_args()
    env = dict(line.split("=", 1) for line in Path(args.env_file).read_text().splitlines() if "=" in line)
    client = login(env["ZOU_URL"], env["ZOU_ADMIN_EMAIL"], env["ZOU_ADMIN_PASSWORD"])
    path = Path(env["ZOU_HOME"]) / "seed-manifest.json"
    manifest = seed_production(client, path)
    print(f"production seeded in {manifest['seconds']} s: {len(manifest['projects']['main']['tasks'])} "
          f"tasks in {MAIN} ({path})")
    if args.bench:
        bench = seed_benchmark(client, path, args.bench)
        print(f"benchmark project seeded in {bench['seconds']} s: {bench['n_tasks']} tasks")


if __name__ == "__main__":
    main()
