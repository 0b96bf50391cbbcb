"""Headless tests of the login form and field picker logic against the sandbox."""

from __future__ import annotations

import pandas as pd
import pytest

import trackframes as tf
from trackframes.backends.shotgrid.filters import VALID_OPERATORS
from trackframes.schema import FieldKind
from trackframes.widgets.core import FieldPicker, LoginForm, coerce_value, error_message
from trackframes.widgets.prompt import prompt_login


@pytest.fixture(scope="module")
def sb():
    with tf.sandbox.serve(scale=0.03, seed=1) as server:
        yield server


@pytest.fixture(scope="module")
def site(sb):
    c = sb.credentials
    with tf.connect(sb.url, auth=tf.ScriptKey(c["script_name"], c["script_key"]), progress=False) as s:
        yield s


def _form(sb, kind):
    return LoginForm(sb.url, auth_kind=kind, env={}, progress=False, max_retries=0)


def test_fields_per_auth_kind():
    form = LoginForm("https://x.example.com", env={})
    expected = {"script": ("script_name", "script_key"), "user": ("login", "password", "otp"),
                "session": ("session_token",)}
    for kind, fields in expected.items():
        form.auth_kind = kind
        assert form.fields() == fields
    with pytest.raises(ValueError):
        form.auth_kind = "nope"


def test_prefill_from_env_never_secrets():
    env = {"TRACKFRAMES_URL": "https://env.example.com", "TRACKFRAMES_LOGIN": "ann",
           "TRACKFRAMES_PASSWORD": "pw-from-env", "TRACKFRAMES_SCRIPT_KEY": "key-from-env"}
    form = LoginForm(env=env)
    assert form.url == "https://env.example.com"
    assert form.auth_kind == "user" and form.get("login") == "ann"
    assert form.missing() == ["password"]  # the env password is not used
    with pytest.raises(KeyError):
        form.get("password")
    assert "pw-from-env" not in repr(form) and "key-from-env" not in repr(form)


@pytest.mark.parametrize("kind", ["script", "user", "session"])
def test_connect_each_kind_clears_secrets(sb, kind):
    c = sb.credentials
    form = _form(sb, kind)
    values = {"script": {"script_name": c["script_name"], "script_key": c["script_key"]},
              "user": {"login": c["users"][0]["login"], "password": c["users"][0]["password"]},
              "session": {"session_token": c["session_token"]}}[kind]
    seen = []
    form.on_connect(seen.append)
    for name, value in values.items():
        form.set(name, value)
    site = form.connect()
    assert form.status == "connected", form.message
    assert isinstance(site, tf.Site) and seen == [site] and form.site is site
    expected_sub = {"script": c["script_name"], "user": c["users"][0]["login"], "session": c["session_login"]}[kind]
    assert form.identity["sub"] == expected_sub and expected_sub in form.message
    for name in ("script_key", "password", "otp", "session_token"):
        assert form._values[name] == ""
    for secret in (c["script_key"], c["users"][0]["password"], c["session_token"]):
        assert secret not in repr(form) and secret not in form.message
    site.close()


def test_two_factor_flow(sb):
    u = sb.credentials["two_factor_user"]
    form = _form(sb, "user")
    form.set("login", u["login"])
    form.set("password", u["password"])
    assert form.connect() is None and form.status == "error"
    assert "2FA" in form.message and form._values["password"] == ""
    form.set("password", u["password"])
    form.set("otp", "000000" if u["otp"] != "000000" else "111111")
    assert form.connect() is None and "2FA code was not accepted" in form.message
    form.set("password", u["password"])
    form.set("otp", u["otp"])
    assert form.connect() is not None, form.message
    assert form.identity["sub"] == u["login"]


def test_bad_credentials_and_unreachable(sb):
    form = _form(sb, "script")
    form.set("script_name", "nobody")
    form.set("script_key", "wrong-key-123")
    assert form.connect() is None
    assert "refused" in form.message and "wrong-key-123" not in form.message
    form = LoginForm("http://127.0.0.1:9", auth_kind="session", env={}, max_retries=0, progress=False)
    form.set("session_token", "tok-abc")
    assert form.connect() is None and form.message.startswith("Could not connect to http://127.0.0.1:9")
    assert "connection refused" in form.message
    form = LoginForm("", auth_kind="session", env={})
    assert form.connect() is None and "URL" in form.message


def test_missing_fields_message():
    form = LoginForm("https://x.example.com", auth_kind="script", env={})
    form.set("script_name", "reports")
    assert form.connect() is None and "Script key" in form.message


def test_error_message_keeps_the_transports_own_sentence():
    # the transport words each failure precisely (a certificate, a port that does not speak TLS, a redirect):
    # the form must not reword "does not speak TLS" into "could not verify the certificate"
    exc = tf.TransportError("https://host.example.com:8080 does not speak TLS: is it an http:// site?")
    assert error_message(exc, "https://host.example.com") == str(exc)
    assert "2FA" in error_message(tf.AuthError("x", reason="2fa_required"))


def test_coerce_value():
    assert coerce_value("integer", "is", " 42 ") == 42
    assert coerce_value("float", "between", "1.5, 2") == [1.5, 2.0]
    assert coerce_value("boolean", "is", "yes") is True
    assert coerce_value("entity", "is", "Sequence:7") == {"type": "Sequence", "id": 7}
    assert coerce_value(FieldKind.MULTI_ENTITY, "in", "Person:9f3c, Person:7a1b", id_kind=FieldKind.TEXT) == \
        [{"type": "Person", "id": "9f3c"}, {"type": "Person", "id": "7a1b"}]
    assert coerce_value("text", "in", "a, b,,c") == ["a", "b", "c"]
    assert coerce_value("date", "in_next", "2 week") == [2, "WEEK"]
    with pytest.raises(ValueError):
        coerce_value("integer", "between", "1")
    with pytest.raises(ValueError):
        coerce_value("integer", "is", "many")
    with pytest.raises(ValueError):
        coerce_value("number", "is", "1")  # a tracker's data type is not a kind


def test_picker_options_match_schema(site):
    picker = FieldPicker(site, "Shot")
    schema = site.schema("Shot")
    assert {o.name for o in picker.options()} == set(schema["name"])
    by_name = {o.name: o for o in picker.options()}
    for name, display, dtype in zip(schema["name"], schema["display_name"], schema["data_type"]):
        assert by_name[name].data_type == dtype
        assert by_name[name].display_name == display
    assert {n for _, n in picker.entity_options} <= set(site.entities()["name"])
    assert picker.search("zzzz-not-there") == []
    text_fields = {o.name for o in picker.search("text")}
    assert text_fields == {n for n, t in zip(schema["name"], schema["data_type"]) if "text" in t} | {
        o.name for o in picker.options() if "text" in o.label.lower()}


def test_picker_linked_fields_and_operators(site):
    picker = FieldPicker(site, "Shot")
    linked = picker.expand("sg_sequence")
    seq_fields = site.schema("Sequence")
    expected = {f"sg_sequence.Sequence.{n}" for n, t in zip(seq_fields["name"], seq_fields["data_type"])
                if n != "id" and t != "multi_entity"}
    assert {o.name for o in linked} == expected
    assert "sg_sequence.Sequence.code" in {o.name for o in picker.search("sequence code")}
    with pytest.raises(ValueError):
        picker.expand("code")
    schema = dict(zip(seq_fields["name"], seq_fields["data_type"]))
    assert picker.operators("sg_sequence.Sequence.code") == VALID_OPERATORS[schema["code"]]
    assert picker.operators("sg_status_list") == VALID_OPERATORS["status_list"]
    with pytest.raises(ValueError):
        picker.set_filter("sg_status_list", "contains", "x")
    with pytest.raises(ValueError):
        picker.add("no_such_field")


def test_picker_code_exec_matches_find(site):
    picker = FieldPicker(site, "Shot")
    picker.add("code", "sg_sequence", "sg_sequence.Sequence.code", "code")
    picker.set_filter("sg_status_list", "is_not", "omt")
    assert picker.entity == "Shot"
    assert picker.fields == ["code", "sg_sequence", "sg_sequence.Sequence.code"]
    assert picker.filters == [["sg_status_list", "is_not", "omt"]]
    namespace = {"site": site}
    exec("result = " + picker.code, namespace)
    direct = site.find("Shot", [["sg_status_list", "is_not", "omt"]],
                       ["code", "sg_sequence", "sg_sequence.Sequence.code"], progress=False)
    pd.testing.assert_frame_equal(namespace["result"], direct)
    assert len(direct) > 0
    preview = picker.preview(limit=5)
    assert len(preview) == min(5, len(direct))
    pd.testing.assert_frame_equal(preview.reset_index(drop=True),
                                  direct.sort_values("id").head(len(preview)).reset_index(drop=True),
                                  check_like=False)
    assert (direct["sg_sequence.Sequence.code"] == direct["sg_sequence.name"]).all()


def test_entity_change_resets(site):
    picker = FieldPicker(site, "Shot")
    picker.add("code")
    picker.entity = "Asset"
    assert picker.fields == [] and picker.filters == []
    assert picker.search_entities("shot")[0][1] == "Shot"
    with pytest.raises(ValueError):
        picker.entity = "Nope"


def test_prompt_login_retries_with_getpass(sb):
    u = sb.credentials["two_factor_user"]
    answers = iter(["", "user", u["login"]])
    secrets = iter([u["password"], "", u["password"], u["otp"]])
    said = []
    site = prompt_login(sb.url, env={}, ask=lambda _q: next(answers), ask_secret=lambda _q: next(secrets),
                        say=said.append, progress=False)
    assert isinstance(site, tf.Site) and site.backend.identity()["sub"] == u["login"]
    assert "2FA" in said[0] and said[-1].startswith("Connected")
    assert not any(u["password"] in s or u["otp"] in s for s in said)
    site.close()


def test_prompt_login_gives_up(sb):
    with pytest.raises(ConnectionError, match="refused"):
        prompt_login(sb.url, auth_kind="script", attempts=2, env={},
                     ask=lambda q: "" if q.startswith("Site URL") else "nobody",
                     ask_secret=lambda _q: "bad", say=lambda _m: None, progress=False, max_retries=0)
