"""Every credential kind against the sandbox, and secrets never leaking."""

from __future__ import annotations

import json
import logging
import pickle

import pytest

import trackframes as tf


def test_script_key(sb):
    with tf.connect(sb.url, auth=tf.ScriptKey(sb.credentials["script_name"], sb.credentials["script_key"]),
                    progress=False) as site:
        assert site.count("Project") > 0
        assert site.backend.identity().get("sub") == sb.credentials["script_name"]


def test_user_password_and_two_factor(sb):
    user = sb.credentials["users"][0]
    login, password = user["login"], user["password"]
    with tf.connect(sb.url, auth=tf.UserPassword(login, password), progress=False) as site:
        assert site.count("Shot") > 0
    two = sb.credentials["two_factor_user"]
    with tf.connect(sb.url, auth=tf.UserPassword(two["login"], two["password"]), progress=False) as site:
        with pytest.raises(tf.AuthError) as info:
            site.count("Shot")
        assert info.value.reason == "2fa_required"
        assert info.value.credential == "UserPassword"
    with tf.connect(sb.url, auth=tf.UserPassword(two["login"], two["password"], otp=two["otp"]),
                    progress=False) as site:
        assert site.count("Shot") > 0


def test_session_token_and_sudo_as(sb):
    with tf.connect(sb.url, auth=tf.SessionToken(sb.credentials["session_token"]), progress=False) as site:
        assert site.count("Shot") > 0
    login = sb.credentials["users"][1]["login"]
    key = tf.ScriptKey(sb.credentials["script_name"], sb.credentials["script_key"], sudo_as=login)
    with tf.connect(sb.url, auth=key, progress=False) as site:
        assert site.count("Shot") > 0
        assert site.backend.identity().get("sudo_as") == login


SECRET = "definitely-not-the-key-4242"


def test_bad_credentials_say_which_kind_failed_and_never_quote_the_secret(sb, caplog):
    with caplog.at_level(logging.DEBUG):
        with tf.connect(sb.url, auth=tf.ScriptKey(sb.credentials["script_name"], SECRET), progress=False) as site:
            with pytest.raises(tf.AuthError) as info:
                site.find("Shot", fields=["code"])
    err = info.value
    assert err.credential == "ScriptKey" and err.reason == "invalid" and err.status == 401
    text = " ".join([str(err), repr(err), repr(err.errors), repr(site), caplog.text])
    assert SECRET not in text
    assert SECRET.encode() not in pickle.dumps(err)


def test_the_real_key_never_appears_anywhere_a_user_can_see(sb, caplog):
    key = sb.credentials["script_key"]
    with caplog.at_level(logging.DEBUG):
        site = sb.connect(progress=False)
        df = site.find("Shot", fields=["code"], limit=3)
    text = " ".join([repr(site), str(site), repr(sb), json.dumps(df.attrs, default=str), caplog.text,
                     repr(site.backend), repr(site.backend.tokens)])
    assert key not in text
    token = site.backend.tokens.identity_token()
    assert token not in text
    assert key.encode() not in pickle.dumps(sb.auth)
    site.close()


def test_tls_verification_is_on_by_default(sb):
    site = sb.connect()
    assert site.backend.transport.session.verify is True
