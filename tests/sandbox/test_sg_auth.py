"""POST /auth/access_token and bearer-token checks of the ShotGrid sandbox, as in the reference's curl examples."""

from __future__ import annotations

import base64
import time

import orjson
import requests

from .conftest import assert_error, script_token, token_for

TOKEN_KEYS = {"token_type", "access_token", "expires_in", "refresh_token"}


def claims_of(token: str) -> dict:
    parts = token.split(".")
    assert len(parts) == 3 and all(parts), token
    header = orjson.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    assert header["alg"] == "HS256"
    return orjson.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))


def use(sb, token: str, path: str = "/entity/projects") -> requests.Response:
    return requests.get(sb.api_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_client_credentials_in_the_body(sg_sandbox):
    creds = sg_sandbox.credentials
    resp = token_for(sg_sandbox.api_url, client_id=creds["script_name"], client_secret=creds["script_key"],
                     grant_type="client_credentials")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json"
    body = resp.json()
    assert set(body) == TOKEN_KEYS
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == int(sg_sandbox.knobs.token_lifetime)
    claims = claims_of(body["access_token"])
    assert claims["sub"] == creds["script_name"]
    assert claims["user_type"] == "ApiUser"
    assert claims["iss"] == claims["aud"] == f"127.0.0.1:{sg_sandbox.port}"
    assert claims["iat"] <= time.time() + 1
    assert claims["exp"] - claims["iat"] >= sg_sandbox.knobs.token_lifetime - 1
    assert "sudo_as" not in claims
    assert use(sg_sandbox, body["access_token"]).status_code == 200


def test_client_credentials_in_a_basic_authorization_header(sg_sandbox):
    creds = sg_sandbox.credentials
    basic = base64.b64encode(f"{creds['script_name']}:{creds['script_key']}".encode()).decode()
    resp = requests.post(f"{sg_sandbox.api_url}/auth/access_token", data={"grant_type": "client_credentials"},
                         headers={"Authorization": f"Basic {basic}"}, timeout=30)
    assert resp.status_code == 200, resp.text
    assert use(sg_sandbox, resp.json()["access_token"]).status_code == 200

    wrong = base64.b64encode(f"{creds['script_name']}:nope".encode()).decode()
    resp = requests.post(f"{sg_sandbox.api_url}/auth/access_token", data={"grant_type": "client_credentials"},
                         headers={"Authorization": f"Basic {wrong}"}, timeout=30)
    assert_error(resp, 401, 102, "Invalid credentials")


def test_a_json_body_is_accepted_too(sg_sandbox):
    creds = sg_sandbox.credentials
    resp = requests.post(f"{sg_sandbox.api_url}/auth/access_token", timeout=30,
                         json={"grant_type": "client_credentials", "client_id": creds["script_name"],
                               "client_secret": creds["script_key"]})
    assert resp.status_code == 200
    assert set(resp.json()) == TOKEN_KEYS


def test_wrong_script_credentials(sg_sandbox):
    creds = sg_sandbox.credentials
    for client_id, secret in ((creds["script_name"], creds["script_key"] + "x"), ("someone_else", creds["script_key"])):
        resp = token_for(sg_sandbox.api_url, grant_type="client_credentials", client_id=client_id,
                         client_secret=secret)
        err = assert_error(resp, 401, 102, "Invalid credentials")
        assert err["title"] == "Unauthorized"


def test_password_grant(sg_sandbox):
    user = sg_sandbox.credentials["users"][0]
    resp = token_for(sg_sandbox.api_url, grant_type="password", username=user["login"], password=user["password"])
    assert resp.status_code == 200
    claims = claims_of(resp.json()["access_token"])
    assert claims["sub"] == user["login"]
    assert claims["user_type"] == "HumanUser"
    assert use(sg_sandbox, resp.json()["access_token"]).status_code == 200

    other = sg_sandbox.credentials["users"][1]
    resp = token_for(sg_sandbox.api_url, grant_type="password", username=user["login"], password=other["password"])
    assert_error(resp, 401, 102, "Invalid credentials")
    resp = token_for(sg_sandbox.api_url, grant_type="password", username="nobody", password=user["password"])
    assert_error(resp, 401, 102, "Invalid credentials")


def test_two_factor_user_needs_the_code(sg_sandbox):
    user = sg_sandbox.credentials["two_factor_user"]
    base = dict(grant_type="password", username=user["login"], password=user["password"])
    assert_error(token_for(sg_sandbox.api_url, **base), 401, 102, "2FA token required")
    wrong = f"{(int(user['otp']) + 1) % 10 ** 6:06d}"
    assert_error(token_for(sg_sandbox.api_url, **base, auth_token=wrong), 401, 102, "Invalid 2FA token")
    resp = token_for(sg_sandbox.api_url, **base, auth_token=user["otp"])
    assert resp.status_code == 200
    assert claims_of(resp.json()["access_token"])["sub"] == user["login"]
    # a wrong password is reported as such even with the right code
    resp = token_for(sg_sandbox.api_url, **{**base, "password": "x"}, auth_token=user["otp"])
    assert_error(resp, 401, 102, "Invalid credentials")


def test_session_token_grant(sg_sandbox):
    creds = sg_sandbox.credentials
    resp = token_for(sg_sandbox.api_url, grant_type="session_token", session_token=creds["session_token"])
    assert resp.status_code == 200
    assert claims_of(resp.json()["access_token"])["sub"] == creds["session_login"]
    resp = token_for(sg_sandbox.api_url, grant_type="session_token", session_token="0" * 32)
    assert_error(resp, 401, 102, "Invalid session token")


def test_refresh_tokens_work_once(sg_sandbox):
    user = sg_sandbox.credentials["users"][1]
    first = token_for(sg_sandbox.api_url, grant_type="password", username=user["login"],
                      password=user["password"]).json()
    resp = token_for(sg_sandbox.api_url, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert resp.status_code == 200
    second = resp.json()
    assert set(second) == TOKEN_KEYS
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert claims_of(second["access_token"])["sub"] == user["login"]
    assert use(sg_sandbox, second["access_token"]).status_code == 200
    # the used refresh token is gone; the new one works once
    again = token_for(sg_sandbox.api_url, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert_error(again, 401, 102, "Invalid refresh token")
    assert token_for(sg_sandbox.api_url, grant_type="refresh_token",
                     refresh_token=second["refresh_token"]).status_code == 200
    assert_error(token_for(sg_sandbox.api_url, grant_type="refresh_token", refresh_token="a.b.c"),
                 401, 102, "Invalid refresh token")
    # an access token is no refresh token
    assert_error(token_for(sg_sandbox.api_url, grant_type="refresh_token", refresh_token=first["access_token"]),
                 401, 102, "Invalid refresh token")


def test_expired_refresh_token(sg_http):
    sb = sg_http.sb
    sb.knobs.refresh_token_lifetime = 0.5
    creds = sb.credentials
    pair = token_for(sb.api_url, grant_type="client_credentials", client_id=creds["script_name"],
                     client_secret=creds["script_key"]).json()
    time.sleep(max(0.0, claims_of(pair["refresh_token"])["exp"] - time.time()) + 0.05)
    resp = token_for(sb.api_url, grant_type="refresh_token", refresh_token=pair["refresh_token"])
    assert_error(resp, 401, 102, "Invalid refresh token")


def test_sudo_as_login_scope(sg_sandbox):
    creds = sg_sandbox.credentials
    target = creds["users"][1]["login"]
    resp = token_for(sg_sandbox.api_url, grant_type="client_credentials", client_id=creds["script_name"],
                     client_secret=creds["script_key"], scope=f"sudo_as_login:{target}")
    assert resp.status_code == 200
    claims = claims_of(resp.json()["access_token"])
    assert claims["sudo_as"] == target
    assert claims["sub"] == creds["script_name"]
    assert use(sg_sandbox, resp.json()["access_token"]).status_code == 200
    # the scope survives a refresh
    refreshed = token_for(sg_sandbox.api_url, grant_type="refresh_token",
                          refresh_token=resp.json()["refresh_token"]).json()
    assert claims_of(refreshed["access_token"])["sudo_as"] == target

    resp = token_for(sg_sandbox.api_url, grant_type="client_credentials", client_id=creds["script_name"],
                     client_secret=creds["script_key"], scope="sudo_as_login:no_such_login")
    assert_error(resp, 401, 102, "Unknown sudo_as_login user")


def test_disabled_users_cannot_log_in_or_be_impersonated(sg_http):
    sb = sg_http.sb
    user = sb.credentials["users"][1]
    store = sb.store
    store.update("HumanUser", user["id"], {"sg_status_list": "dis"})
    try:
        resp = token_for(sb.api_url, grant_type="password", username=user["login"], password=user["password"])
        assert_error(resp, 401, 102, "Invalid credentials")
        creds = sb.credentials
        resp = token_for(sb.api_url, grant_type="client_credentials", client_id=creds["script_name"],
                         client_secret=creds["script_key"], scope=f"sudo_as_login:{user['login']}")
        assert_error(resp, 401, 102, "Unknown sudo_as_login user")
    finally:
        store.update("HumanUser", user["id"], {"sg_status_list": "act"})
    resp = token_for(sb.api_url, grant_type="password", username=user["login"], password=user["password"])
    assert resp.status_code == 200


def test_expired_access_token(sg_http):
    sb = sg_http.sb
    sb.knobs.token_lifetime = 1
    creds = sb.credentials
    body = token_for(sb.api_url, grant_type="client_credentials", client_id=creds["script_name"],
                     client_secret=creds["script_key"]).json()
    assert body["expires_in"] == 1
    token = body["access_token"]
    assert use(sb, token).status_code == 200
    time.sleep(max(0.0, claims_of(token)["exp"] - time.time()) + 0.05)
    assert_error(use(sb, token), 401, 102, "Token Expired")


def test_bad_or_missing_tokens(sg_sandbox):
    api = sg_sandbox.api_url
    assert_error(requests.get(f"{api}/entity/projects", timeout=30), 401, 102, "Authorization header missing")
    for header in ("Bearer nonsense", "Bearer a.b.c", "Token abc", "Bearer "):
        resp = requests.get(f"{api}/entity/projects", headers={"Authorization": header}, timeout=30)
        assert_error(resp, 401, 102, "Invalid token")
    # a token whose payload was changed no longer matches its signature
    token = script_token(sg_sandbox)
    head, payload, sig = token.split(".")
    claims = claims_of(token)
    claims["sub"] = "somebody_else"
    forged = base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=").decode()
    assert_error(use(sg_sandbox, f"{head}.{forged}.{sig}"), 401, 102, "Invalid token")
    # and one with an extended expiry neither
    claims = claims_of(token)
    claims["exp"] += 3600
    forged = base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=").decode()
    assert_error(use(sg_sandbox, f"{head}.{forged}.{sig}"), 401, 102, "Invalid token")


def test_grant_type_errors(sg_sandbox):
    api = sg_sandbox.api_url
    err = assert_error(token_for(api, grant_type="authorization_code"), 400, 103)
    assert "grant_type" in err["source"]
    assert_error(token_for(api, username="x"), 400, 103)
    assert_error(requests.get(f"{api}/auth/access_token", timeout=30), 405, 105)


def test_server_info_needs_no_token_and_counts_tokens(sg_sandbox):
    for url in (sg_sandbox.api_url, sg_sandbox.api_url + "/", sg_sandbox.url + "/"):
        resp = requests.get(url, timeout=30)
        assert resp.status_code == 200
        assert resp.json() == {"data": {"shotgun_version": "v8.0.0-sandbox", "api_version": "v1.1"}}
    before = sg_sandbox.stats.tokens_issued
    script_token(sg_sandbox)
    script_token(sg_sandbox)
    assert sg_sandbox.stats.tokens_issued == before + 2
