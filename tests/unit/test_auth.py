from __future__ import annotations

import logging
import pickle
import threading
import time

import pytest

import trackframes as tf
from trackframes.auth import Secret, Token, TokenProvider
from trackframes.exceptions import AuthError

SECRET = "pa55-W0rd-Very-Secret"

CREDENTIALS = [
    tf.ScriptKey("reports", SECRET, sudo_as="jane"),
    tf.UserPassword("jane", SECRET, otp="123456"),
    tf.SessionToken(SECRET),
    tf.ApiKey(user="jane", key=SECRET),
    tf.BearerToken(SECRET),
]


@pytest.mark.parametrize("cred", CREDENTIALS, ids=lambda c: type(c).__name__)
def test_credentials_never_show_their_secret(cred, caplog):
    assert SECRET not in repr(cred)
    assert SECRET not in str(cred)
    assert SECRET not in f"{cred!r} {cred!s} {[cred]}"
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("credential %s %r", cred, cred)
    assert SECRET not in caplog.text
    blob = pickle.dumps(cred)
    assert SECRET.encode() not in blob


@pytest.mark.parametrize("cred", CREDENTIALS, ids=lambda c: type(c).__name__)
def test_an_unpickled_credential_refuses_to_pretend_it_has_the_secret(cred):
    clone = pickle.loads(pickle.dumps(cred))
    assert type(clone) is type(cred)
    secret_attr = type(cred)._secret[0]
    with pytest.raises(AuthError, match="unpickled"):
        getattr(clone, secret_attr).reveal()


def test_otp_is_a_secret_too():
    cred = tf.UserPassword("jane", "pw", otp="918273")
    assert "918273" not in repr(cred)
    assert cred.otp.reveal() == "918273"


def test_secret_equality_without_revealing():
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert tf.ScriptKey("s", "k") == tf.ScriptKey("s", "k")
    assert tf.ScriptKey("s", "k") != tf.ScriptKey("s", "other")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeServer:
    """Issues numbered tokens; refresh tokens work once."""

    def __init__(self, clock: FakeClock, lifetime: float = 600) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.issued = 0
        self.used_refresh: set[str] = set()
        self.refresh_calls: list[str] = []
        self.grant_calls = 0
        self.fail_refresh = False

    def _token(self) -> Token:
        self.issued += 1
        return Token.from_response({"access_token": f"A{self.issued}", "expires_in": self.lifetime,
                                    "refresh_token": f"R{self.issued}"}, clock=self.clock)

    def grant(self) -> Token:
        self.grant_calls += 1
        return self._token()

    def refresh(self, token: Secret) -> Token:
        value = token.reveal()
        self.refresh_calls.append(value)
        if self.fail_refresh or value in self.used_refresh:
            raise AuthError("Invalid refresh token", reason="invalid")
        self.used_refresh.add(value)
        return self._token()


def provider(lifetime: float = 600, margin: float = 60):
    clock = FakeClock()
    server = FakeServer(clock, lifetime)
    return TokenProvider(server.grant, server.refresh, margin=margin, clock=clock), server, clock


def test_no_request_until_a_token_is_needed_then_one_grant():
    tokens, server, _ = provider()
    assert server.grant_calls == 0
    assert tokens.header() == "Bearer A1"
    assert tokens.header() == "Bearer A1"
    assert server.grant_calls == 1


def test_refreshes_before_expiry_with_margin_and_uses_each_refresh_token_once():
    tokens, server, clock = provider(lifetime=600, margin=60)
    tokens.header()
    clock.now += 539
    assert tokens.header() == "Bearer A1"
    clock.now += 2  # 59 s left: inside the margin
    assert tokens.header() == "Bearer A2"
    assert server.refresh_calls == ["R1"]
    clock.now += 600
    assert tokens.header() == "Bearer A3"
    assert server.refresh_calls == ["R1", "R2"]
    assert server.grant_calls == 1


def test_short_lived_tokens_are_not_refreshed_on_every_call():
    tokens, server, clock = provider(lifetime=4, margin=60)
    tokens.header()
    clock.now += 1
    assert tokens.header() == "Bearer A1"
    clock.now += 2.5
    assert tokens.header() == "Bearer A2"


def test_a_failed_refresh_falls_back_to_a_new_grant():
    tokens, server, clock = provider()
    tokens.header()
    server.fail_refresh = True
    clock.now += 10_000
    assert tokens.header() == "Bearer A2"
    assert server.grant_calls == 2
    assert server.refresh_calls == ["R1"]


def test_expire_after_401_renews_once_even_when_many_callers_report_it():
    tokens, server, _ = provider()
    seen = tokens.header()
    tokens.expire(seen)
    assert tokens.header() == "Bearer A2"
    tokens.expire(seen)  # a late report about the old token changes nothing
    assert tokens.header() == "Bearer A2"
    assert server.refresh_calls == ["R1"]


def test_thread_safe_single_grant_under_contention():
    calls = []

    def slow_grant() -> Token:
        calls.append(1)
        time.sleep(0.05)
        return Token.from_response({"access_token": "A", "expires_in": 600})

    tokens = TokenProvider(slow_grant)
    results = []
    threads = [threading.Thread(target=lambda: results.append(tokens.header())) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["Bearer A"] * 16
    assert len(calls) == 1


def test_token_repr_hides_the_token():
    token = Token.from_response({"access_token": SECRET, "expires_in": 10, "refresh_token": SECRET})
    assert SECRET not in repr(token)
    tokens = TokenProvider(lambda: token)
    tokens.header()
    assert SECRET not in repr(tokens)


def test_bad_token_response_is_an_auth_error():
    with pytest.raises(AuthError):
        Token.from_response({"token_type": "Bearer"})


def test_the_authorization_value_stays_secret_and_renews_once_when_reported_expired():
    tokens, server, _ = provider()
    value = tokens.authorization()
    assert isinstance(value, Secret) and repr(value) == "***"
    assert value.reveal() == "Bearer A1"
    tokens.expire(value)
    assert tokens.authorization().reveal() == "Bearer A2"
    tokens.expire(value)  # a late report about the old token changes nothing
    assert tokens.authorization().reveal() == "Bearer A2"
    assert server.refresh_calls == ["R1"]


def test_grant_fields_keep_secrets_wrapped_until_sent():
    from trackframes.backends.shotgrid.auth import grant_body
    from trackframes.transport import SecretForm

    fields = grant_body(tf.UserPassword("jane", SECRET, otp="918273"))
    assert isinstance(fields["password"], Secret) and isinstance(fields["auth_token"], Secret)
    assert SECRET not in repr(fields) and SECRET not in repr(SecretForm(fields))
    import requests

    prepared = requests.Request("POST", "https://a.example.com/token", auth=SecretForm(fields)).prepare()
    body = prepared.body if isinstance(prepared.body, bytes) else prepared.body.encode()
    assert f"password={SECRET}".encode() in body and b"auth_token=918273" in body
    assert prepared.headers["Content-Type"] == "application/x-www-form-urlencoded"
