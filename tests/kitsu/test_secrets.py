"""Kitsu's secrets (passwords, access and refresh tokens, bot tokens) never show: not in a repr, a log
line, an error message, a frame's attrs, an exported dataset's metadata or the login widget's state."""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path

import ipywidgets as widgets
import pytest
import requests

import trackframes as tf
from trackframes.widgets import login
from tests.kitsu.conftest import Zou
from tests.kitsu.helpers import connect


def _widgets(root: widgets.Widget) -> list[widgets.Widget]:
    seen, stack = [], [root]
    while stack:
        w = stack.pop()
        if any(w is s for s in seen):
            continue
        seen.append(w)
        children = getattr(w, "children", ())
        stack.extend(c for c in children if isinstance(c, widgets.Widget))
    return seen


def test_no_secret_in_reprs_logs_errors_attrs_or_datasets(zou: Zou, tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    credential = tf.UserPassword(zou.email, zou.password)
    site = connect(zou, credential)
    df = site.find("Task", fields=["name", "task_type"], project="TF Seed Main", limit=5)
    summary = site.summarize("Task", {"id": "count"}, grouping=["task_type"])
    plan = site.tasks(project="TF Seed Main")
    site.export("Task", tmp_path / "ds", [["project", "is", {"type": "Project", "id": zou.main["id"]}]], ["name"])
    errors = []
    for call in (lambda: site.find("Task", fields=["nmae"]),
                 lambda: site.backend.get_json("no-such-route", {}, "Reading nothing"),
                 # an unknown email: refused like a wrong password, without counting towards anyone's lock-out
                 lambda: connect(zou, tf.UserPassword("nobody@studio.example", zou.password)).backend.identity()):
        with pytest.raises(tf.TrackframesError) as info:
            call()
        errors.append(f"{info.value!s} {info.value!r} {info.value.__dict__}")
    access = site.backend.tokens.header().split()[-1]
    refresh = site.backend.tokens._token.refresh_token.reveal()  # the refresh token held for renewals
    assert access and refresh
    shown = " ".join([
        repr(site), repr(site.backend), repr(site.backend.tokens), repr(site.backend.transport), repr(credential),
        str(credential), json.dumps(df.attrs, default=str), json.dumps(summary.attrs, default=str),
        json.dumps(plan.attrs, default=str), caplog.text, *errors,
        *(p.read_text(errors="replace") for p in (tmp_path / "ds").rglob("*.json")),
    ])
    for secret in (zou.password, access, refresh):
        assert secret not in shown
    assert zou.password not in repr(pickle.loads(pickle.dumps(credential)).__dict__)


def test_no_secret_in_the_login_widget(zou: Zou) -> None:
    form = login(zou.url, widget=True, env={}, progress=False)
    form.backend.value = "kitsu"
    form.auth_kind.value = "bot"
    token = zou.seed["bot"]["token"]
    form.inputs["bot_token"].value = token
    form.connect_button.click()
    assert isinstance(form.site, tf.Site) and "Connected" in form.status.value
    form.auth_kind.value = "user"
    form.inputs["login"].value = zou.email
    form.inputs["password"].value = zou.password
    form.connect_button.click()
    assert zou.email in form.status.value
    access = form.site.backend.tokens.header().split()[-1]
    for w in _widgets(form):
        state = repr(w.get_state()) + repr(w) + str(getattr(w, "value", ""))
        for secret in (token, zou.password, access):
            assert secret not in state, type(w).__name__
    me = requests.get(f"{zou.url}/auth/authenticated", headers={"Authorization": f"Bearer {access}"}, timeout=30)
    assert me.status_code == 200  # the token checked above is the live one
