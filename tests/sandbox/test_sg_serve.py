"""serve(), the Sandbox handle and the foreground helper: loopback only, ports freed on close,
credentials, secrets kept out of repr."""

from __future__ import annotations

import io
import re
import socket
import threading
import time

import pytest
import requests

import trackframes.sandbox as tf_sandbox
from trackframes.sandbox.model import Store
from trackframes.sandbox import serve_forever

from .conftest import TODAY, assert_error, live_ids, script_token, token_for

TINY = dict(scale=0.01, seed=3, today=TODAY)


def can_bind(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
    return True


def test_unknown_backend_names_the_available_ones():
    with pytest.raises(ValueError, match="Did you mean 'ftrack'.*shotgrid"):
        tf_sandbox.serve("ftrak", **TINY)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", ""])
def test_only_loopback_hosts(host):
    with pytest.raises(ValueError, match="127.0.0.1"):
        tf_sandbox.serve(host=host, **TINY)


def test_unknown_knobs_are_refused():
    with pytest.raises(TypeError, match="no_such_knob"):
        tf_sandbox.serve(no_such_knob=1, **TINY)


def test_bound_to_127_0_0_1_only_and_port_freed_on_close():
    sb = tf_sandbox.serve(**TINY)
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sb.url)
        port = sb.port
        assert requests.get(sb.api_url, timeout=10).status_code == 200
        # another loopback address reaches a server bound to every interface, but not ours
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.2", port), timeout=2).close()
        # a keep-alive client stays connected while we close
        session = requests.Session()
        assert session.get(sb.api_url, timeout=10).status_code == 200
        assert not can_bind(port)
    finally:
        sb.close()
    assert sb.closed
    assert can_bind(port)
    with pytest.raises(requests.ConnectionError):
        session.get(sb.api_url, timeout=5)
    session.close()
    sb.close()  # closing twice is harmless
    again = tf_sandbox.serve(port=port, **TINY)
    try:
        assert again.port == port
        assert requests.get(again.api_url, timeout=10).status_code == 200
    finally:
        again.close()


def test_context_manager_closes():
    with tf_sandbox.serve(**TINY) as sb:
        url = sb.api_url
        assert requests.get(url, timeout=10).status_code == 200
    assert sb.closed
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)


def test_credentials_and_repr():
    with tf_sandbox.serve(script_name="reports", script_key="k3y-for-tests", page_size_cap=7, **TINY) as sb:
        creds = sb.credentials
        assert creds["script_name"] == "reports" and creds["script_key"] == "k3y-for-tests"
        assert len(creds["users"]) == 2
        assert creds["two_factor_user"]["otp"].isdigit() and len(creds["two_factor_user"]["otp"]) == 6
        logins = {u["login"] for u in sb.store.records["HumanUser"].values()}
        assert {u["login"] for u in creds["users"]} | {creds["two_factor_user"]["login"]} <= logins
        assert creds["session_token"]
        text = repr(sb)
        secrets = [creds["script_key"], creds["session_token"], creds["two_factor_user"]["password"],
                   creds["two_factor_user"]["otp"], *[u["password"] for u in creds["users"]]]
        assert not any(s in text for s in secrets)
        assert sb.url in text
        assert sb.knobs.page_size_cap == 7
        assert sb.store.today == TODAY
        auth = sb.auth
        assert type(auth).__name__ == "ScriptKey" and auth.script_name == "reports"
        assert "k3y-for-tests" not in repr(auth)
        # changing the copy changes nothing
        creds["users"].clear()
        assert len(sb.credentials["users"]) == 2


def test_random_keys_differ_and_tokens_do_not_cross_servers():
    with tf_sandbox.serve(**TINY) as a, tf_sandbox.serve(**TINY) as b:
        assert a.credentials["script_key"] != b.credentials["script_key"]
        # same data seed, same users, different secrets
        assert a.credentials["users"][0]["login"] == b.credentials["users"][0]["login"]
        assert a.credentials["users"][0]["password"] != b.credentials["users"][0]["password"]
        token = script_token(a)
        resp = requests.get(f"{b.api_url}/entity/projects", headers={"Authorization": f"Bearer {token}"},
                            timeout=10)
        assert_error(resp, 401, 102, "Invalid token")
        creds = a.credentials
        resp = token_for(b.api_url, grant_type="client_credentials", client_id=creds["script_name"],
                         client_secret=creds["script_key"])
        assert_error(resp, 401, 102, "Invalid credentials")


def test_serving_a_given_store():
    from trackframes.sandbox.data import generate

    store = generate(scale=0.01, seed=9, today=TODAY)
    assert isinstance(store, Store)
    with tf_sandbox.serve(store=store) as sb:
        assert sb.store is store
        token = script_token(sb)
        body = requests.get(f"{sb.api_url}/entity/steps", headers={"Authorization": f"Bearer {token}"},
                            timeout=10).json()
        assert {r["id"] for r in body["data"]} == set(store.records["Step"])


def test_connect_reads_the_sandbox_with_the_real_client():
    import trackframes

    if not hasattr(trackframes, "connect"):
        pytest.skip("trackframes.connect is not available in this checkout yet")
    with tf_sandbox.serve(**TINY) as sb:
        site = sb.connect(progress=False)
        df = site.find("Shot", fields=["code"])
        assert df["id"].tolist() == live_ids(sb, "Shot")
        assert df["code"].tolist() == [sb.store.records["Shot"][i]["code"] for i in live_ids(sb, "Shot")]


def test_serve_forever_prints_how_to_connect_and_stops():
    out = io.StringIO()
    stop = threading.Event()
    thread = threading.Thread(target=serve_forever, kwargs=dict(port=0, out=out, stop=stop, **TINY))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while "Ctrl-C" not in out.getvalue() and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.02)
        text = out.getvalue()
        url = re.search(r"serving at (http://127\.0\.0\.1:\d+)", text).group(1)
        key = re.search(r"key (\S+)", text).group(1)
        assert requests.get(url + "/api/v1.1/", timeout=10).status_code == 200
        name = re.search(r"script:\s+(\S+)", text).group(1)
        resp = token_for(url + "/api/v1.1", grant_type="client_credentials", client_id=name, client_secret=key)
        assert resp.status_code == 200
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert can_bind(int(url.rsplit(":", 1)[1]))
