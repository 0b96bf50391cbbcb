"""Headless tests of the ipywidgets views: set values, click the buttons, inspect widget state."""

from __future__ import annotations

import pandas as pd
import pytest

import trackframes as tf

widgets = pytest.importorskip("ipywidgets")

from trackframes.widgets import login, pick_fields  # noqa: E402


@pytest.fixture(scope="module")
def sb():
    with tf.sandbox.serve(scale=0.03, seed=1) as server:
        yield server


def _all_widgets(root):
    """Every widget reachable from ``root`` through children (and layouts/styles)."""
    seen, stack = [], [root]
    while stack:
        w = stack.pop()
        if any(w is s for s in seen):
            continue
        seen.append(w)
        for attr in ("children", "layout", "style"):
            value = getattr(w, attr, None)
            if isinstance(value, widgets.Widget):
                stack.append(value)
            elif isinstance(value, (list, tuple)):
                stack.extend(v for v in value if isinstance(v, widgets.Widget))
    return seen


def _assert_no_secret(root, secrets):
    for w in _all_widgets(root):
        state = repr(w.get_state())
        for secret in secrets:
            assert secret not in state, f"secret found in {type(w).__name__} state"
            assert secret not in repr(w)
            assert secret not in str(getattr(w, "value", ""))


def test_login_widget_connects_and_forgets_secrets(sb):
    c = sb.credentials
    form = login(sb.url, widget=True, env={}, progress=False)
    assert repr(form).startswith("<LoginWidget")
    form.auth_kind.value = "script"
    visible = {n for n, box in form.inputs.items() if box.layout.display != "none"}
    assert visible == {"script_name", "script_key"}
    form.inputs["script_name"].value = c["script_name"]
    form.inputs["script_key"].value = c["script_key"]
    seen = []
    form.on_connect(seen.append)
    form.connect_button.click()
    assert isinstance(form.site, tf.Site) and seen == [form.site]
    assert c["script_name"] in form.status.value and "Connected" in form.status.value
    assert form.site.count("Shot") == len(form.site.find("Shot", fields=["code"], progress=False))
    _assert_no_secret(form, [c["script_key"]])


def test_login_widget_2fa_and_errors_in_status(sb):
    u = sb.credentials["two_factor_user"]
    form = login(sb.url, widget=True, env={}, auth_kind="user", progress=False, max_retries=0)
    visible = {n for n, box in form.inputs.items() if box.layout.display != "none"}
    assert visible == {"login", "password", "otp"}
    form.inputs["login"].value = u["login"]
    form.inputs["password"].value = u["password"]
    form.connect_button.click()  # no traceback: the message is in the widget
    assert form.site is None and "2FA" in form.status.value
    _assert_no_secret(form, [u["password"]])
    form.inputs["password"].value = u["password"]
    form.inputs["otp"].value = u["otp"]
    form.connect_button.click()
    assert form.site is not None and u["login"] in form.status.value
    _assert_no_secret(form, [u["password"], u["otp"]])

    bad = login("http://127.0.0.1:9", widget=True, env={}, auth_kind="session", max_retries=0, progress=False)
    bad.inputs["session_token"].value = "tok-xyz-secret"
    bad.connect_button.click()
    assert bad.site is None and "Could not connect to http://127.0.0.1:9" in bad.status.value
    _assert_no_secret(bad, ["tok-xyz-secret"])


def test_login_prefills_env_but_not_secrets():
    env = {"TRACKFRAMES_URL": "https://env.example.com", "TRACKFRAMES_SCRIPT_NAME": "reports",
           "TRACKFRAMES_SCRIPT_KEY": "env-key-value"}
    form = login(widget=True, env=env)
    assert form.url.value == "https://env.example.com"
    assert form.inputs["script_name"].value == "reports"
    _assert_no_secret(form, ["env-key-value"])


def test_field_picker_widget(sb):
    c = sb.credentials
    site = tf.connect(sb.url, auth=tf.ScriptKey(c["script_name"], c["script_key"]), progress=False)
    picker = pick_fields(site, "Shot", limit=5)
    schema = site.schema("Shot")
    assert {v for _, v in picker.available.options} == set(schema["name"])
    children_before = list(picker.children)
    picker.field_search.value = "code"
    narrowed = {v for _, v in picker.available.options}
    assert "code" in narrowed and narrowed < set(schema["name"])
    assert list(picker.children) == children_before  # same widgets, only options changed
    picker.available.value = ("code",)
    picker.add_button.click()
    picker.field_search.value = ""
    picker.available.value = ("sg_sequence",)
    picker.expand_button.click()
    picker.field_search.value = "sg_sequence.Sequence.code"
    assert [v for _, v in picker.available.options] == ["sg_sequence.Sequence.code"]
    picker.available.value = ("sg_sequence.Sequence.code",)
    picker.add_button.click()
    picker.filter_field.value = "sg_status_list"
    assert tuple(picker.filter_operator.options) == picker.picker.operators("sg_status_list")
    picker.filter_operator.value = "is_not"
    picker.filter_value.value = "omt"
    assert picker.fields == ["code", "sg_sequence.Sequence.code"]
    assert picker.filters == [["sg_status_list", "is_not", "omt"]]
    assert picker.entity == "Shot"
    picker.preview_button.click()
    direct = site.find("Shot", picker.filters, picker.fields, progress=False)
    assert picker.frame is not None and len(picker.frame) == min(5, len(direct))
    assert "<table" in picker.table.value and str(direct["code"].iloc[0]) in picker.table.value
    namespace = {"site": site}
    exec("df = " + picker.code, namespace)
    pd.testing.assert_frame_equal(namespace["df"], direct)
    picker.entity_dropdown.value = "Asset"
    assert picker.fields == [] and picker.filters == []
    site.close()


@pytest.mark.notebook
def test_widgets_notebook_runs(tmp_path):
    from pathlib import Path

    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    root = Path(__file__).resolve().parents[2]
    nb = nbformat.read(root / "notebooks" / "04-widgets.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not any(o.get("output_type") == "error" for o in outputs)
    mimes = {m for o in outputs for m in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in mimes
    assert any("site.find('Shot'" in str(o.get("text", "")) for o in outputs)
