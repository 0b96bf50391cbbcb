"""The API key never shows: repr, logs, exceptions, frame attrs, the login form's state, Parquet metadata."""

from __future__ import annotations

import logging

import pyarrow.parquet as pq
import pytest

import trackframes as tf
from trackframes.sandbox.ftrack import FtrackServer
from trackframes.widgets.core import LoginForm

from ..sandbox_ftrack.production import API_USER, build_store

KEY = "ftrack-key-7Hq2-never-shown"


@pytest.fixture(scope="module")
def server():
    with FtrackServer(build_store(), api_user=API_USER, api_key=KEY) as running:
        yield running


def test_the_key_never_shows_anywhere(server, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    site = tf.connect(server.url, backend="ftrack", auth=tf.ApiKey(API_USER, KEY), progress=False)
    df = site.find("Task", fields=["name", "status", "timelogs"])
    summary = site.summarize("Task", [["bid", "sum"]], grouping=[["status", "exact"]])
    tasks = site.tasks()
    df.tf.to_parquet(tmp_path / "tasks.parquet")
    site.export("Timelog", tmp_path / "logs", fields=["start_day", "duration_minutes"])
    shown = [repr(site), repr(site.backend), repr(site.backend.operations), str(df.attrs), str(summary.attrs),
             str(tasks.attrs), caplog.text]
    for path in [tmp_path / "tasks.parquet", *(tmp_path / "logs").rglob("*.parquet")]:
        shown.append(str(pq.read_schema(path).metadata))
    assert len(df) and len(tasks) and len(shown) > 8
    assert not [text for text in shown if KEY in text]


def test_a_wrong_key_is_refused_without_quoting_it(server):
    wrong = "wrong-" + KEY
    site = tf.connect(server.url, backend="ftrack", auth=tf.ApiKey(API_USER, wrong), progress=False)
    with pytest.raises(tf.AuthError) as caught:
        site.find("Task", fields=["name"])
    assert wrong not in str(caught.value) + repr(caught.value.errors)


def test_the_login_form_offers_ftrack_and_forgets_the_key(server):
    form = LoginForm(server.url, backend="ftrack", env={}, progress=False)
    assert form.fields() == ("api_user", "api_key")
    assert (form.label("api_user"), form.label("api_key")) == ("API user", "API key")
    form.set("api_user", API_USER)
    form.set("api_key", KEY)
    site = form.connect()
    assert form.status == "connected", form.message
    assert "as jane (User)" in form.message
    assert site is not None and site.backend.name == "ftrack"
    with pytest.raises(KeyError):
        form.get("api_key")
    assert KEY not in repr(form) + form.message + str(vars(form))


def test_a_server_error_is_raised_without_the_key(server):
    server.knobs.error_probability = 1.0
    try:
        site = tf.connect(server.url, backend="ftrack", auth=tf.ApiKey(API_USER, KEY), progress=False,
                          max_retries=0)
        with pytest.raises(tf.TrackframesError) as caught:
            site.find("Task", fields=["name"])
    finally:
        server.knobs.error_probability = 0.0
    error, texts = caught.value, []
    while error is not None:  # the whole chain, as a traceback would print it
        texts += [str(error), repr(error), repr(getattr(error, "errors", None)), repr(vars(error))]
        error = error.__cause__ or error.__context__
    assert len(texts) >= 4
    assert not [text for text in texts if KEY in text]


def test_the_login_widget_state_never_holds_the_key(server):
    widgets = pytest.importorskip("ipywidgets")
    from trackframes.widgets import login

    form = login(server.url, widget=True, backend="ftrack", env={}, progress=False)
    visible = {name for name, box in form.inputs.items() if box.layout.display != "none"}
    assert visible == {"api_user", "api_key"}
    form.inputs["api_user"].value = API_USER
    form.inputs["api_key"].value = KEY
    form.connect_button.click()
    assert form.site is not None and form.site.backend.name == "ftrack", form.status.value
    seen, stack = [], [form]
    while stack:  # every widget reachable from the form
        w = stack.pop()
        if any(w is s for s in seen):
            continue
        seen.append(w)
        for attr in ("children", "layout", "style"):
            value = getattr(w, attr, None)
            stack += [value] if isinstance(value, widgets.Widget) else \
                [v for v in value if isinstance(v, widgets.Widget)] if isinstance(value, (list, tuple)) else []
    assert len(seen) > 5
    shown = [repr(w.get_state()) + repr(w) + str(getattr(w, "value", "")) for w in seen]
    assert not [text for text in shown if KEY in text]
