"""Signing in to the real Zou: email and password, bot tokens, renewal, refusals and the lock-out.

Accounts whose sign-ins fail are created for the test (Zou locks an account for
a minute after 5 failures), so the seeded accounts are never locked.
"""

from __future__ import annotations

import logging
import time
import uuid

import gazu
import pytest
import requests

import trackframes as tf
from trackframes.backends.kitsu.auth import make_token_provider
from trackframes.transport import HandlerAdapter, Transport
from tests.kitsu.conftest import Zou
from tests.kitsu.helpers import Recorder, connect


@pytest.fixture()
def throwaway(zou: Zou) -> tuple[str, str]:
    """A fresh account (email, password) that may be locked out without harm."""
    email = f"lock-{uuid.uuid4().hex[:10]}@studio.example"
    password = f"pw-{uuid.uuid4().hex}"
    gazu.person.new_person("Lock", "Test", email, password=password, role="user", client=zou.client())
    return email, password


def _logins(recorder: Recorder) -> int:
    return len(recorder.paths("/auth/login"))


def test_email_and_password_read_and_never_show(zou: Zou, caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    caplog.set_level(logging.DEBUG, logger="trackframes")
    site = connect(zou, recorder=recorder)
    assert site.backend.name == "kitsu" and repr(site.backend) == f"<KitsuBackend {zou.url}>"
    names = site.backend.get_json("task-types", {}, "Reading task types")
    assert {t["name"] for t in names} >= {"Layout", "Animation"}
    token = site.backend.tokens.header()
    shown = " ".join([repr(site), repr(site.backend), repr(site.backend.tokens), str(site.backend.__dict__),
                      caplog.text])
    assert zou.password not in shown and token.split()[-1] not in shown
    assert _logins(recorder) == 1  # one sign-in for the whole connection


def test_identity_of_a_user_and_of_a_bot(zou: Zou) -> None:
    me = connect(zou).backend.identity()
    assert me["email"] == zou.email and me["role"] == "admin" and me["is_bot"] is False
    bot = connect(zou, tf.BearerToken(zou.seed["bot"]["token"])).backend.identity()
    assert bot["id"] == zou.seed["bot"]["id"] and bot["is_bot"] is True


def test_a_wrong_password_is_refused_once_and_never_retried(zou: Zou, throwaway: tuple[str, str]) -> None:
    email, password = throwaway
    wrong = password + "-not"
    recorder = Recorder()
    site = connect(zou, tf.UserPassword(email, wrong), recorder=recorder)
    with pytest.raises(tf.AuthError) as first:
        site.backend.identity()
    assert first.value.reason == "invalid" and "wrong email or password" in str(first.value)
    assert wrong not in str(first.value) and password not in str(first.value)
    assert _logins(recorder) == 1
    with pytest.raises(tf.AuthError) as again:  # the refusal is kept: no second sign-in
        site.backend.identity()
    assert "not tried again" in str(again.value) and wrong not in str(again.value)
    assert _logins(recorder) == 1
    # the account still signs in with the right password (one failure does not lock it)
    assert connect(zou, tf.UserPassword(email, password)).backend.identity()["email"] == email


def test_the_lockout_after_five_failures_is_named(zou: Zou, throwaway: tuple[str, str]) -> None:
    email, password = throwaway
    recorder = Recorder()
    for attempt in range(5):  # five separate connections, each failing once
        with pytest.raises(tf.AuthError) as refused:
            connect(zou, tf.UserPassword(email, f"wrong-{attempt}"), recorder=recorder).backend.identity()
        assert refused.value.reason == "invalid"
    with pytest.raises(tf.AuthError) as locked:  # even the right password is refused now
        connect(zou, tf.UserPassword(email, password), recorder=recorder).backend.identity()
    message = str(locked.value)
    assert locked.value.reason == "locked" and "5 failed sign-ins" in message and "a minute" in message
    assert password not in message
    assert _logins(recorder) == 6  # one per connection: nothing retried by itself


def test_a_bot_token_reads_its_projects_and_a_bad_one_is_refused(zou: Zou) -> None:
    site = connect(zou, tf.BearerToken(zou.seed["bot"]["token"]))
    projects = site.backend.get_json("projects", {}, "Reading projects")
    assert zou.main["id"] in {p["id"] for p in projects}
    bad = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.c2lnbmF0dXJl"
    with pytest.raises(tf.AuthError) as refused:
        connect(zou, tf.BearerToken(bad)).backend.identity()
    assert bad not in str(refused.value) and "refused" in str(refused.value)


def test_a_revoked_token_is_renewed_once(zou: Zou) -> None:
    recorder = Recorder()
    site = connect(zou, recorder=recorder)
    site.backend.identity()
    header = site.backend.tokens.header()
    out = requests.get(f"{zou.url}/auth/logout", headers={"Authorization": header}, timeout=30)
    assert out.status_code == 200  # revokes the access token and its refresh token
    recorder.clear()
    assert site.backend.identity()["email"] == zou.email
    paths = recorder.paths()
    # refused once, then renewed (the revoked refresh token is refused too, so it signs in again)
    assert paths.count("/api/auth/authenticated") == 2 and paths.count("/api/auth/login") == 1


def test_a_token_near_its_expiry_is_refreshed_with_the_refresh_token(zou: Zou) -> None:
    recorder = Recorder()
    now = [1000.0]
    transport = Transport(adapter=HandlerAdapter(recorder))
    tokens = make_token_provider(transport, zou.url, tf.UserPassword(zou.email, zou.password), clock=lambda: now[0])
    first = tokens.header()
    now[0] += 7 * 24 * 3600 - 60  # a minute before the 7-day access token expires
    time.sleep(1.1)  # Zou's tokens carry whole seconds: a new one must differ
    second = tokens.header()
    assert second != first
    assert recorder.paths() == ["/api/auth/login", "/api/auth/refresh-token"]
    me = requests.get(f"{zou.url}/auth/authenticated", headers={"Authorization": second}, timeout=30)
    assert me.status_code == 200 and me.json()["user"]["email"] == zou.email
