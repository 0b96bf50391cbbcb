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
