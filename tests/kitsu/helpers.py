"""Helpers shared by the Kitsu tests: sites on the real Zou, a recording proxy, gazu's records typed by hand.

``Recorder`` is a :class:`trackframes.transport.HandlerAdapter` handler that
forwards every request to the real server and records it, so tests can count
what trackframes sends (sign-ins, look-ups) without patching anything.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import gazu
import requests

import trackframes as tf
from trackframes.schema import FieldKind, FieldSpec
from trackframes.transport import HandlerAdapter


@dataclass
class Sent:
    method: str
    path: str
    params: dict[str, list[str]]
    status: int


@dataclass
class Recorder:
    """Forwards requests to the real Zou and keeps what was sent (never the headers or the body)."""

    sent: list[Sent] = field(default_factory=list)
    session: requests.Session = field(default_factory=requests.Session)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.session.trust_env = False

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        response = self.session.request(request.method or "GET", request.url or "", data=request.body,
                                        headers=dict(request.headers), timeout=120)
        parts = urlsplit(request.url or "")
        with self.lock:
            self.sent.append(Sent(request.method or "GET", parts.path, parse_qs(parts.query), response.status_code))
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-encoding",
                                                                                  "transfer-encoding")}
        return response.status_code, headers, response.content

    def paths(self, contains: str = "") -> list[str]:
        with self.lock:
            return [s.path for s in self.sent if contains in s.path]

    def clear(self) -> None:
        with self.lock:
            self.sent.clear()


def connect(zou: Any, auth: Any = None, recorder: Recorder | None = None, **options: Any) -> tf.Site:
    """A Kitsu site on the test Zou (the admin by default), optionally through a :class:`Recorder`."""
    auth = auth or tf.UserPassword(zou.email, zou.password)
    adapter = HandlerAdapter(recorder) if recorder is not None else None
    return tf.connect(zou.url, backend="kitsu", auth=auth, transport_adapter=adapter,
                      progress=False, **options)


def gazu_names(zou: Any, gz: Any) -> dict[str, tuple[str, str | None]]:
    """id → (entity type, name) of everything a link can point at, from gazu's lists."""
    out: dict[str, tuple[str, str | None]] = {}
    fetch = gazu.client.fetch_all
    for p in fetch("projects", client=gz):
        out[p["id"]] = ("Project", p["name"])
    for p in fetch("persons", client=gz):
        out[p["id"]] = ("Person", p["full_name"])
    for kind, rows, name_field in [("TaskType", gazu.task.all_task_types(client=gz), "name"),
                              ("TaskStatus", gazu.task.all_task_statuses(client=gz), "name"),
                              ("Department", gazu.person.all_departments(client=gz), "name"),
                              ("AssetType", gazu.asset.all_asset_types(client=gz), "name"),
                              ("ProjectStatus", gazu.project.all_project_status(client=gz), "name")]:
        out.update({r["id"]: (kind, r[name_field]) for r in rows})
    for project in (zou.main["id"], zou.archive["id"]):
        for kind, rows in [("Episode", gazu.shot.all_episodes_for_project(project, client=gz)),
                           ("Sequence", gazu.shot.all_sequences_for_project(project, client=gz)),
                           ("Shot", gazu.shot.all_shots_for_project(project, client=gz)),
                           ("Asset", gazu.asset.all_assets_for_project(project, client=gz))]:
            out.update({r["id"]: (kind, r["name"]) for r in rows})
        out.update({t["id"]: ("Task", t["name"]) for t in gazu.task.all_tasks_for_project(project, client=gz)})
    out.update({p["id"]: ("PreviewFile", p["name"]) for p in fetch("preview-files", client=gz)})
    out.update({c["id"]: ("Comment", None) for c in gazu.task.all_comments_for_project(zou.main["id"], client=gz)})
    return out


def custom_value(data_type: str, raw: Any) -> Any:
    """A custom field as the seed wrote it, read the way its type says (the test's own reading)."""
    if raw in (None, ""):
        return [] if data_type == "taglist" else None
    return {
        "number": lambda v: float(v),
        "boolean": lambda v: v == "true",
        "taglist": lambda v: v.split(","),
        "date": date.fromisoformat,
        "checklist": json.loads,
    }.get(data_type, lambda v: v)(raw)


def typed(spec: FieldSpec, record: dict[str, Any], names: dict) -> Any:
    """One field of a gazu record, typed by hand."""
    custom = spec.extra.get("custom")
    if custom is not None:
        data = record.get("data") or {}
        return custom_value(custom, data.get(spec.extra["key"]))
    raw = record.get(spec.extra.get("wire", spec.name))
    kind = spec.kind
    if kind is FieldKind.ENTITY:
        return None if raw is None else {"id": raw, "type": names[raw][0], "name": names[raw][1]}
    if kind is FieldKind.MULTI_ENTITY:
        return [{"id": i, "type": names[i][0], "name": names[i][1]} for i in raw or []]
    if raw is None:
        return None
    if kind is FieldKind.DATETIME:
        return datetime.fromisoformat(raw).replace(tzinfo=timezone.utc)
    if kind is FieldKind.DATE:
        return date.fromisoformat(raw[:10])
    if kind is FieldKind.JSON:
        return raw
    if kind is FieldKind.FLOAT:
        return float(raw)
    return raw
