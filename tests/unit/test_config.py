from __future__ import annotations

import pytest

import trackframes as tf
from trackframes.config import credential_from_env, resolve


def test_keyword_options_win_over_the_environment():
    env = {"TRACKFRAMES_URL": "https://env.example.com", "TRACKFRAMES_CONCURRENCY": "3",
           "TRACKFRAMES_PAGE_SIZE": "250", "TRACKFRAMES_VERIFY": "false"}
    s = resolve(None, env=env, concurrency=5)
    assert s.url == "https://env.example.com"
    assert s.concurrency == 5 and s.page_size == 250 and s.verify is False


def test_defaults_verify_tls_and_sensible_sizes():
    s = resolve("https://a.example.com/", env={})
    assert s.verify is True and s.page_size == 500 and s.concurrency == 8
    assert s.url == "https://a.example.com"


def test_ca_bundle_path_from_env(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert resolve("https://a.example.com", env={"TRACKFRAMES_VERIFY": str(bundle)}).verify == str(bundle)


@pytest.mark.parametrize("options, message", [
    ({"concurency": 4}, "did you mean 'concurrency'"),
    ({"page_size": 0}, "page_size"),
    ({"timeout": -1}, "timeout"),
    ({"backend": "shotgun"}, "Did you mean 'shotgrid'"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises((TypeError, ValueError), match=message):
        resolve("https://a.example.com", env={}, **options)


def test_bad_env_values_are_named():
    with pytest.raises(ValueError, match="TRACKFRAMES_PAGE_SIZE"):
        resolve("https://a.example.com", env={"TRACKFRAMES_PAGE_SIZE": "lots"})


def test_url_is_required_and_must_be_http():
    with pytest.raises(ValueError, match="TRACKFRAMES_URL"):
        resolve(None, env={})
    with pytest.raises(ValueError, match="https://"):
        resolve("studio.example.com", env={})


def test_credentials_from_env():
    cred = credential_from_env({"TRACKFRAMES_SCRIPT_NAME": "r", "TRACKFRAMES_SCRIPT_KEY": "k", "TRACKFRAMES_SUDO_AS": "j"})
    assert isinstance(cred, tf.ScriptKey) and cred.sudo_as == "j" and cred.script_key.reveal() == "k"
    cred = credential_from_env({"TRACKFRAMES_LOGIN": "j", "TRACKFRAMES_PASSWORD": "p", "TRACKFRAMES_OTP": "1"})
    assert isinstance(cred, tf.UserPassword) and cred.otp.reveal() == "1"
    assert isinstance(credential_from_env({"TRACKFRAMES_SESSION_TOKEN": "s"}), tf.SessionToken)
    with pytest.raises(ValueError, match="SCRIPT_KEY"):
        credential_from_env({"TRACKFRAMES_SCRIPT_NAME": "r"})
    with pytest.raises(ValueError, match="No credentials"):
        credential_from_env({})


def test_connect_does_no_io(monkeypatch):
    import socket

    def refuse(*a, **k):
        raise AssertionError("connect() must not open a socket")

    monkeypatch.setattr(socket, "create_connection", refuse)
    site = tf.connect("https://studio.example.com", auth=tf.ScriptKey("r", "k"))
    assert "studio.example.com" in repr(site)


def test_connect_reads_everything_from_env(monkeypatch):
    monkeypatch.setenv("TRACKFRAMES_URL", "https://env.example.com")
    monkeypatch.setenv("TRACKFRAMES_SCRIPT_NAME", "reports")
    monkeypatch.setenv("TRACKFRAMES_SCRIPT_KEY", "zz-top-secret")
    site = tf.connect()
    assert site.url == "https://env.example.com"
    assert "zz-top-secret" not in repr(site)


# -- every connect option is checked before any I/O, with one sentence naming it -------------------------
NAN = float("nan")
BAD_OPTIONS = [
    # (options, exception type, words the message must hold)
    ({"timeout": "10"}, TypeError, ["timeout", "number of seconds", "str '10'"]),
    ({"timeout": (1, 2)}, TypeError, ["timeout", "tuple (1, 2)"]),
    ({"timeout": NAN}, ValueError, ["timeout", "nan"]),
    ({"timeout": float("inf")}, ValueError, ["timeout", "finite"]),
    ({"timeout": 0}, ValueError, ["timeout", "greater than 0"]),
    ({"timeout": True}, TypeError, ["timeout", "bool True"]),
    ({"deadline": "600"}, TypeError, ["deadline", "str '600'"]),
    ({"deadline": NAN}, ValueError, ["deadline", "nan"]),
    ({"deadline": -5}, ValueError, ["deadline", "greater than 0"]),
    ({"proxies": "http://x"}, TypeError, ["proxies", "dict", "str 'http://x'"]),
    ({"proxies": ["http://x"]}, TypeError, ["proxies", "dict"]),
    ({"proxies": {"https": 3128}}, TypeError, ["proxies", "int value"]),
    ({"proxies": {"https": "proxy.example.com"}}, ValueError, ["proxies['https']", "proxy URL"]),
    ({"max_retries": -1}, ValueError, ["max_retries", ">= 0"]),
    ({"max_retries": 2.5}, TypeError, ["max_retries", "whole number", "float 2.5"]),
    ({"max_retries": "3"}, TypeError, ["max_retries", "str '3'"]),
    ({"max_retries": True}, TypeError, ["max_retries", "bool"]),
    ({"concurrency": 0}, ValueError, ["concurrency", ">= 1"]),
    ({"concurrency": "8"}, TypeError, ["concurrency", "str '8'"]),
    ({"verify": "false"}, ValueError, ["verify='false'", "verify=False"]),
    ({"verify": "/no/such/ca.pem"}, ValueError, ["verify='/no/such/ca.pem'", "no such CA bundle"]),
    ({"verify": 1}, TypeError, ["verify", "int 1"]),
    ({"progress": "no"}, TypeError, ["progress", "True, False or None", "str 'no'"]),
    ({"progress": 1}, TypeError, ["progress", "int 1"]),
    ({"backend": 3}, TypeError, ["backend", "'shotgrid'"]),
]


@pytest.mark.parametrize("options, kind, words", BAD_OPTIONS, ids=lambda v: repr(v)[:40] if isinstance(v, dict) else "")
def test_a_bad_connect_option_is_one_clear_sentence_before_any_request(options, kind, words):
    from trackframes.transport import HandlerAdapter

    sent = []
    adapter = HandlerAdapter(lambda request: sent.append(request) or (200, {}, b"{}"))
    with pytest.raises(kind) as info:
        tf.connect("https://studio.example.com", auth=tf.ScriptKey("r", "k"), transport_adapter=adapter, **options)
    message = str(info.value)
    for word in words:
        assert word in message
    assert message.count(". ") <= 1 and "\n" not in message, "one sentence"
    assert sent == []


@pytest.mark.parametrize("options", [
    {"timeout": 5}, {"timeout": 2.5}, {"deadline": float("inf")}, {"deadline": 30},
    {"proxies": {"https": "http://proxy.example.com:3128"}}, {"max_retries": 0}, {"progress": False},
    {"verify": False},
])
def test_valid_connect_options_are_accepted(options):
    site = tf.connect("https://studio.example.com", auth=tf.ScriptKey("r", "k"), **options)
    transport = site.backend.transport
    name, value = next(iter(options.items()))
    if name in ("timeout", "deadline", "max_retries", "verify", "proxies"):
        assert getattr(transport, name) == value


def test_numpy_numbers_are_valid_option_values():
    np = pytest.importorskip("numpy")
    site = tf.connect("https://studio.example.com", auth=tf.ScriptKey("r", "k"), timeout=np.float64(7),
                      max_retries=np.int64(2), concurrency=np.int32(3))
    assert site.backend.transport.timeout == 7.0 and site.backend.transport.max_retries == 2
    assert type(site.concurrency) is int and site.concurrency == 3


@pytest.mark.parametrize("variable, raw, words", [
    ("TRACKFRAMES_TIMEOUT", "nan", ["TRACKFRAMES_TIMEOUT='nan'", "greater than 0"]),
    ("TRACKFRAMES_TIMEOUT", "ten", ["TRACKFRAMES_TIMEOUT='ten'", "number of seconds"]),
    ("TRACKFRAMES_DEADLINE", "0", ["TRACKFRAMES_DEADLINE='0'", "greater than 0"]),
    ("TRACKFRAMES_MAX_RETRIES", "-2", ["TRACKFRAMES_MAX_RETRIES='-2'", ">= 0"]),
    ("TRACKFRAMES_PROGRESS", "maybe", ["TRACKFRAMES_PROGRESS='maybe'", "true/false"]),
])
def test_bad_environment_values_are_named(variable, raw, words):
    with pytest.raises(ValueError) as info:
        resolve("https://a.example.com", env={variable: raw})
    for word in words:
        assert word in str(info.value)


def test_the_deadline_comes_from_the_environment_and_defaults_to_ten_minutes():
    assert resolve("https://a.example.com", env={}).deadline == 600
    assert resolve("https://a.example.com", env={"TRACKFRAMES_DEADLINE": "90"}).deadline == 90
    assert resolve("https://a.example.com", env={"TRACKFRAMES_DEADLINE": "inf"}).deadline == float("inf")
