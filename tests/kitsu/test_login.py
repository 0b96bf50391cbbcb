"""The login form offers Kitsu: email and password, or a bot token; secrets never stay in it."""

from __future__ import annotations

import pytest

from trackframes.widgets.core import LoginForm
from tests.kitsu.conftest import Zou


def test_the_form_lists_kitsu_with_its_two_ways_to_sign_in() -> None:
    form = LoginForm("https://kitsu.studio.example/api", "kitsu", env={})
    kinds = form.auth_kinds()
    assert set(kinds) == {"user", "bot"}
    assert form.fields() == ("login", "password") and form.label("login") == "Email"
    form.auth_kind = "bot"
    assert form.fields() == ("bot_token",) and form.label("bot_token") == "Bot token"


def test_email_and_password_connect_and_are_cleared(zou: Zou) -> None:
    form = LoginForm(zou.url, "kitsu", env={}, progress=False)
    form.set("login", zou.email)
    form.set("password", zou.password)
    site = form.connect()
    assert site is not None and form.status == "connected", form.message
    assert zou.email in form.message and "admin" in form.message
    with pytest.raises(KeyError):
        form.get("password")
    shown = repr(form) + form.message + repr(form.__dict__) + str(form.identity)
    assert zou.password not in shown and site.backend.tokens.header().split()[-1] not in shown
    assert len(site.find("Task", [["project", "is", {"type": "Project", "id": zou.main["id"]}]], ["id"])) == len(
        zou.main["tasks"])


def test_a_bot_token_connects_and_a_wrong_password_says_so(zou: Zou) -> None:
    token = zou.seed["bot"]["token"]
    form = LoginForm(zou.url, "kitsu", auth_kind="bot", env={}, progress=False)
    form.set("bot_token", token)
    assert form.connect() is not None and "bot" in form.message
    assert token not in repr(form) + form.message + repr(form.__dict__)
    wrong = LoginForm(zou.url, "kitsu", env={}, progress=False)
    wrong.set("login", zou.person("Dmitri")["email"])
    wrong.set("password", "not-" + zou.person("Dmitri")["password"])
    assert wrong.connect() is None and wrong.status == "error"
    assert "refused" in wrong.message and zou.person("Dmitri")["password"] not in wrong.message


def test_a_locked_account_is_named_in_the_form(zou: Zou) -> None:
    """After 5 failed sign-ins Zou locks the account for a minute: the form says so, not 'try again'."""
    import uuid

    import gazu

    email = f"form-lock-{uuid.uuid4().hex[:10]}@studio.example"
    password = f"pw-{uuid.uuid4().hex}"
    gazu.person.new_person("Form", "Lock", email, password=password, role="user", client=zou.client())
    for attempt in range(5):
        form = LoginForm(zou.url, "kitsu", env={}, progress=False)
        form.set("login", email)
        form.set("password", f"wrong-{attempt}")
        assert form.connect() is None
    form = LoginForm(zou.url, "kitsu", env={}, progress=False)
    form.set("login", email)
    form.set("password", password)
    assert form.connect() is None and form.status == "error"
    assert "5 failed sign-ins" in form.message and "a minute" in form.message and "try again" not in form.message
    assert password not in form.message
