"""No secret in the frame locals of any failure's traceback (what Sentry, rich, IPython Verbose and pytest -l show).

Each failure path runs against the sandbox behind the fault proxy; the raised
error's traceback frames, and those of every exception in its
``__cause__``/``__context__`` chain, are searched (containers, dicts, bytes and
object ``__dict__`` s, a few levels deep) for every secret of the run: the script
key, password and 2FA code sent, and the access and refresh tokens the server
issued (read off the wire by the proxy).
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from typing import Any, Callable, Iterator
from urllib.parse import quote, quote_plus

import orjson
import pytest

import trackframes as tf
from tests.faults.proxy import FaultProxy, hang, reset_before_answer, reset_mid_body, respond_with

DEPTH = 9
EXPIRED = orjson.dumps({"errors": [{"status": 401, "code": 102, "title": "Unauthorized", "detail": "Token Expired"}]})
FAILED = orjson.dumps({"errors": [{"status": 500, "code": 0, "title": "Internal Server Error", "detail": "boom"}]})


@pytest.fixture
def proxy(upstream) -> Iterator[FaultProxy]:
    with FaultProxy(upstream.url) as front:
        yield front


def issued_tokens(proxy: FaultProxy) -> list[str]:
    """Access and refresh tokens in the token answers that went through the proxy."""
    out = []
    for path, body in proxy.answers:
        if path.endswith("/auth/access_token"):
            for key in ("access_token", "refresh_token"):
                out += re.findall(rb'"%s"\s*:\s*"([^"]+)"' % key.encode(), body)
    return [t.decode() for t in out]


def failure_of(call: Callable[[], Any]) -> BaseException:
    try:
        call()
    except tf.TrackframesError as exc:
        return exc
    raise AssertionError("the call did not fail")


def chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [item.__cause__, item.__context__]


def leaks(exc: BaseException, secrets: list[str]) -> list[str]:
    """Where any of ``secrets`` (or its URL-encoded form) appears in the frames and objects of the error chain."""
    needles = {s for secret in secrets for s in (secret, quote(secret, safe=""), quote_plus(secret))}
    needles_b = {n.encode() for n in needles}
    found: list[str] = []
    seen: set[int] = set()

    def visit(obj: Any, depth: int, where: str) -> None:
        if isinstance(obj, str):
            if any(n in obj for n in needles):
                found.append(where)
            return
        if isinstance(obj, (bytes, bytearray, memoryview)):
            data = bytes(obj)
            if any(n in data for n in needles_b):
                found.append(where)
            return
        if depth >= DEPTH or id(obj) in seen or obj is None or isinstance(obj, (int, float, bool)):
            return
        if isinstance(obj, (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType,
                            types.MethodType, types.FrameType, types.CodeType)):
            return
        seen.add(id(obj))
        if isinstance(obj, Mapping):
            try:
                items = list(obj.items())
            except Exception:  # noqa: BLE001 - a mapping that refuses iteration: its __dict__ below
                items = []
            for key, value in items:
                visit(key, depth + 1, f"{where}[key]")
                visit(value, depth + 1, f"{where}[{key!r}]"[:200])
            if items:
                return
        if isinstance(obj, (list, tuple, set, frozenset)) or type(obj).__name__ == "deque":
            for i, item in enumerate(list(obj)):
                visit(item, depth + 1, f"{where}[{i}]")
            return
        if isinstance(obj, BaseException):
            visit(obj.args, depth + 1, f"{where}.args")
        attrs = getattr(obj, "__dict__", None)
        if isinstance(attrs, dict):
            visit(attrs, depth + 1, f"{where}.__dict__")

    copies: list[dict[str, Any]] = []  # kept alive for the walk: a freed copy's id could come back for the next
    for err in chain(exc):
        visit(err, 0, f"{type(err).__name__}")
        for text in (str(err), repr(err)):
            visit(text, 0, f"str({type(err).__name__})")
        tb = err.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            copies.append(dict(frame.f_locals))
            visit(copies[-1], 0, f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_code.co_name}")
            tb = tb.tb_next
    return found


def connect(proxy: FaultProxy, credential: tf.auth.Credential, **options: Any) -> tf.Site:
    options.setdefault("progress", False)
    return tf.connect(proxy.url, auth=credential, **options)


def script_key(upstream: Any, key: str | None = None) -> tuple[tf.ScriptKey, list[str]]:
    creds = upstream.credentials
    value = key or creds["script_key"]
    return tf.ScriptKey(creds["script_name"], value), [value]


def assert_no_leak(exc: BaseException, secrets: list[str], proxy: FaultProxy) -> None:
    secrets = [s for s in secrets + issued_tokens(proxy) if s]
    assert secrets, "the test knows what to look for"
    where = leaks(exc, secrets)
    assert not where, f"a secret sits in: {where[:5]}"


# -- the failure paths --------------------------------------------------------------------------
def test_a_bad_script_key(upstream, proxy):
    credential, secrets = script_key(upstream, "wrong-key-7f3a9c1e5d")
    site = connect(proxy, credential)
    exc = failure_of(lambda: site.count("Shot"))
    assert isinstance(exc, tf.AuthError) and exc.reason == "invalid"
    assert_no_leak(exc, secrets, proxy)


def test_two_factor_required(upstream, proxy):
    two = upstream.credentials["two_factor_user"]
    site = connect(proxy, tf.UserPassword(two["login"], two["password"]))
    exc = failure_of(lambda: site.count("Shot"))
    assert isinstance(exc, tf.AuthError) and exc.reason == "2fa_required"
    assert_no_leak(exc, [two["password"]], proxy)


def test_a_wrong_two_factor_code(upstream, proxy):
    two = upstream.credentials["two_factor_user"]
    wrong = "".join(str((int(d) + 1) % 10) for d in two["otp"])
    site = connect(proxy, tf.UserPassword(two["login"], two["password"], otp=wrong))
    exc = failure_of(lambda: site.count("Shot"))
    assert isinstance(exc, tf.AuthError)
    assert_no_leak(exc, [two["password"], wrong], proxy)


def test_a_refused_session_token(upstream, proxy):
    token = "not-a-session-token-5e1f0a9b"
    site = connect(proxy, tf.SessionToken(token))
    exc = failure_of(lambda: site.count("Shot"))
    assert isinstance(exc, tf.AuthError)
    assert_no_leak(exc, [token], proxy)


def test_tokens_that_keep_expiring_through_refreshes(upstream, proxy):
    credential, secrets = script_key(upstream)
    site = connect(proxy, credential)
    site.count("Shot")  # a token and a refresh token are issued
    proxy.add(respond_with(401, EXPIRED, [("Content-Type", "application/json")]), path="/entity/")
    exc = failure_of(lambda: site.count("Shot"))
    assert isinstance(exc, tf.AuthError) and exc.status == 401
    assert len(issued_tokens(proxy)) >= 4, "renewals (refresh grants) happened"
    assert_no_leak(exc, secrets, proxy)


def test_a_network_failure_during_the_token_request(upstream, proxy):
    credential, secrets = script_key(upstream)
    proxy.add(reset_before_answer, path="/auth/access_token")
    site = connect(proxy, credential, max_retries=1)
    exc = failure_of(lambda: site.count("Shot"))
    assert isinstance(exc, tf.TransportError)
    assert_no_leak(exc, secrets, proxy)


@pytest.mark.parametrize("login", [False, True], ids=["script", "password"])
def test_a_network_failure_during_a_search(upstream, proxy, login):
    if login:
        user = upstream.credentials["users"][0]
        credential, secrets = tf.UserPassword(user["login"], user["password"]), [user["password"]]
    else:
        credential, secrets = script_key(upstream)
    proxy.add(reset_mid_body(0.5), path="/_search")
    site = connect(proxy, credential, max_retries=1)
    exc = failure_of(lambda: site.find("Shot", fields=["code"]))
    assert isinstance(exc, tf.TransportError)
    assert_no_leak(exc, secrets, proxy)


def test_a_server_error(upstream, proxy):
    credential, secrets = script_key(upstream)
    proxy.add(respond_with(500, FAILED, [("Content-Type", "application/json")]), path="/_search")
    site = connect(proxy, credential)
    exc = failure_of(lambda: site.find("Shot", fields=["code"]))
    assert isinstance(exc, tf.TrackframesError) and exc.status == 500
    assert_no_leak(exc, secrets, proxy)


def test_a_timeout(upstream, proxy):
    credential, secrets = script_key(upstream)
    proxy.add(hang, path="/_search")
    site = connect(proxy, credential, timeout=0.5, max_retries=0)
    exc = failure_of(lambda: site.find("Shot", fields=["code"]))
    assert isinstance(exc, TimeoutError)
    assert_no_leak(exc, secrets, proxy)


def test_a_tls_failure(upstream, proxy, pki, no_ca_env):
    credential, secrets = script_key(upstream)
    with FaultProxy(upstream.url, tls=pki["ca"].server_context(pki["folder"])) as https:
        site = tf.connect(https.url, auth=credential, progress=False, max_retries=0)
        exc = failure_of(lambda: site.count("Shot"))
    assert "certificate verification failed" in str(exc)
    assert_no_leak(exc, secrets, proxy)


def test_the_walker_finds_a_secret_that_is_there():
    """Guards the walker itself: a plain-text secret in a local, a dict and an object is found."""
    class Holder:
        def __init__(self) -> None:
            self.headers = {"Authorization": "Bearer tok-123"}

    def fail() -> None:
        holder = Holder()  # noqa: F841 - the walker must find it in this frame
        body = b"client_secret=s%2Fecret"  # noqa: F841
        raise tf.TransportError("boom")

    exc = failure_of(fail)
    assert leaks(exc, ["tok-123"]) and leaks(exc, ["s/ecret"])
    assert not leaks(exc, ["absent-value"])
