"""Fixtures that start small ShotGrid sandboxes for the server tests.

``sg_sandbox`` is one server per test module (scale 0.04, a fixed ``today``);
``sg_http`` is a keep-alive session already holding a bearer token for it, and
puts every knob back to its default after each test.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterator

import pytest
import requests

import trackframes.sandbox as tf_sandbox
from trackframes.sandbox.shotgrid.knobs import Knobs, knob_names

TODAY = date(2026, 3, 2)
SCALE = 0.04
SEED = 11


def token_for(api: str, **form: str) -> requests.Response:
    """``POST /auth/access_token`` with a form-encoded body."""
    return requests.post(f"{api}/auth/access_token", data=form,
                         headers={"Accept": "application/json"}, timeout=30)


def script_token(sb: tf_sandbox.Sandbox) -> str:
    creds = sb.credentials
    resp = token_for(sb.api_url, grant_type="client_credentials", client_id=creds["script_name"],
                     client_secret=creds["script_key"])
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


class Http:
    """A session against one sandbox: ``get``/``post`` take paths relative to ``/api/v1.1``."""

    def __init__(self, sb: tf_sandbox.Sandbox) -> None:
        self.sb = sb
        self.api = sb.api_url
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        self.authorize()

    def authorize(self) -> None:
        self.session.headers["Authorization"] = f"Bearer {script_token(self.sb)}"

    def url(self, path: str) -> str:
        if path.startswith("http"):
            return path
        if path.startswith("/api/"):
            return self.sb.url + path
        return self.api + path

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.url(path), timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.post(self.url(path), timeout=30, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url(path), timeout=30, **kwargs)

    def close(self) -> None:
        self.session.close()


DEFAULT_KNOBS = {name: getattr(Knobs(), name) for name in knob_names() if name != "seed"}


def reset_knobs(sb: tf_sandbox.Sandbox) -> None:
    sb.knobs.update(**DEFAULT_KNOBS)
    sb.knobs.seed = SEED


@pytest.fixture(scope="module")
def sg_sandbox() -> Iterator[tf_sandbox.Sandbox]:
    with tf_sandbox.serve("shotgrid", scale=SCALE, seed=SEED, today=TODAY) as sb:
        yield sb


@pytest.fixture
def sg_http(sg_sandbox: tf_sandbox.Sandbox) -> Iterator[Http]:
    http = Http(sg_sandbox)
    try:
        yield http
    finally:
        http.close()
        reset_knobs(sg_sandbox)


@pytest.fixture
def fresh_sandbox() -> Iterator[tf_sandbox.Sandbox]:
    """A sandbox of its own, for tests that change the data."""
    with tf_sandbox.serve("shotgrid", scale=0.02, seed=5, today=TODAY) as sb:
        yield sb


def assert_error(resp: requests.Response, status: int, code: int | None = None,
                 detail: str | None = None) -> dict[str, Any]:
    """The response is an error in the reference's format; returns its first error object."""
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"errors"}
    assert body["errors"], body
    for err in body["errors"]:
        assert set(err) == {"id", "status", "code", "title", "source", "detail", "meta"}
        assert err["status"] == status
        assert isinstance(err["id"], str) and err["id"]
        assert isinstance(err["code"], int)
        assert isinstance(err["title"], str) and err["title"]
    first = body["errors"][0]
    if code is not None:
        assert first["code"] == code
    if detail is not None:
        assert first["detail"] == detail
    return first


def archived_project_ids(sb: tf_sandbox.Sandbox) -> set[int]:
    return {pid for pid, rec in sb.store.records["Project"].items() if rec.get("archived")}


def live_ids(sb: tf_sandbox.Sandbox, entity: str, *, include_archived: bool = False,
             where: Any = None) -> list[int]:
    """Reference: ids of live records, archived projects left out, optionally filtered."""
    archived = set() if include_archived else archived_project_ids(sb)
    out = []
    for rid, rec in sb.store.records[entity].items():
        if entity == "Project" and rid in archived:
            continue
        project = rec.get("project")
        if project and project.get("id") in archived:
            continue
        if where is None or where(rec):
            out.append(rid)
    return sorted(out)


def fields_of(record: dict[str, Any]) -> set[str]:
    return set(record["attributes"]) | set(record["relationships"])

