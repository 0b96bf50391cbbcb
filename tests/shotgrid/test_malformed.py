"""Malformed 200 answers on every endpoint the client reads: a clear ProtocolError, never a crash or lost rows.

The fuzz cases run in a subprocess (``tests/shotgrid/bad_answers.py``), so that
a crash of the interpreter (``pyarrow.json`` segfaults on a top-level ``null``)
fails the test with the case that caused it instead of killing pytest.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import trackframes as tf
from tests.shotgrid.bad_answers import ENDPOINTS, RECORDS, Corrupting, connect, run_case

ROOT = Path(__file__).resolve().parents[2]

FIXED_BODIES = [
    b"", b"   \n", b"null", b" null\n", b"[]", b"[1,2]", b"{}", b'{"data": null}', b'{"data": {}}', b'{"data": 7}',
    b'{"errors": [{"id": "e1", "status": 500, "detail": "backend overloaded"}]}',
    b'{"data": [{"id": 1, "type": "Project", "attri',  # truncated
    b"<!DOCTYPE html><html><head><title>Sign in - Example SSO</title></head><body>...</body></html>",
    b"\xff\xfe\x00 not utf-8",
    b'{"data": [null]}', b'{"data": [{"id": "7"}]}', b'{"data": [{"type": "Project"}]}',
    b'{"data": [], "links": 3}{"data": []}', b'{"data": []} null',
    b'{"data": [{"id": 18446744073709551615}]}',  # beyond int64
]

#: bodies that are well-formed for an endpoint and so may end in another TrackframesError there
WELL_FORMED_ELSEWHERE = {
    ("schema", b'{"data": {}}'): tf.SchemaError,  # a site with no entity types: "Unknown entity type"
    ("fields", b'{"data": {}}'): tf.SchemaError,  # an entity without fields: "Unknown field"
}


def _run(args: list[str], stdin: str = "") -> tuple[subprocess.CompletedProcess[str], list[dict]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "tests.shotgrid.bad_answers", *args], input=stdin, cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc, lines


def _crash_report(proc: subprocess.CompletedProcess[str], lines: list[dict]) -> str:
    last = next((r for r in reversed(lines) if "start" in r), None)
    case = f"{last['start']} with {base64.b64decode(last['body'])!r}" if last else "before the first case"
    return f"exit status {proc.returncode} while running {case}\n{proc.stderr[-3000:]}"


def test_every_endpoint_turns_every_malformed_body_into_a_trackframes_error_without_crashing():
    stdin = json.dumps([base64.b64encode(b).decode() for b in FIXED_BODIES])
    proc, lines = _run([], stdin)
    assert proc.returncode == 0, _crash_report(proc, lines)
    results = [r for r in lines if "outcome" in r]
    assert len(results) == len(FIXED_BODIES) * len(ENDPOINTS)
    for r in results:
        body = base64.b64decode(r["body"])
        case = f"{r['endpoint']} with {body!r}: {r}"
        assert r["served_bad"] == 1, f"the bad body was never served, so the case tested nothing: {case}"
        assert r["outcome"] == "error", case
        expected = WELL_FORMED_ELSEWHERE.get((r["endpoint"], body), tf.ProtocolError)
        assert r["type"] == expected.__name__, case


def test_random_and_truncated_bodies_never_crash_and_never_leak_a_parser_exception():
    proc, lines = _run(["--random", "250"])
    assert proc.returncode == 0, _crash_report(proc, lines)
    results = [r for r in lines if "outcome" in r]
    assert len(results) >= 250
    for r in results:
        assert r["outcome"] in ("error", "ok"), r
        if r["outcome"] == "ok":  # only a body that happens to be a well-formed answer may pass
            parsed = json.loads(base64.b64decode(r["body"]))
            assert isinstance(parsed, dict) and isinstance(parsed.get("data"), (list, dict)), r


# -- the messages --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint, request_line", [
    ("search page", "POST /api/v1.1/entity/projects/_search"),
    ("id probes", "POST /api/v1.1/entity/projects/_search"),
    ("count probe", "POST /api/v1.1/entity/projects/_summarize"),
    ("schema", "GET /api/v1.1/schema"),
    ("fields", "GET /api/v1.1/schema/project/fields"),
])
def test_a_login_page_is_recognisable_and_the_message_names_the_users_call_and_the_request(endpoint, request_line):
    page = b"<html><head><title>Sign in - Example SSO</title></head><body>" + b"x" * 500 + b"</body></html>"
    result = run_case(endpoint, page)
    assert result["type"] == "ProtocolError"
    message = result["message"]
    assert message.startswith("find('Project'): "), "the user's call, not an internal probe"
    assert request_line in message
    assert "an HTML page" in message
    assert "Sign in - Example SSO" in message, "the first bytes are shown"
    assert "x" * 100 not in message, "only the first bytes"


@pytest.mark.parametrize("body, kind", [
    (b'{"data": [{"id": 1, "type": "Project", "attributes": {"na', "truncated JSON"),
    (b"", "an empty body"),
    (b'{"data": null}', "JSON of the wrong shape"),
    (b"Service Unavailable", "text that is not JSON"),
])
def test_each_kind_of_body_is_named(body, kind):
    handler = Corrupting(ENDPOINTS["search page"][0], body, nth=2)
    with connect(handler) as site:
        with pytest.raises(tf.ProtocolError) as info:
            site.find("Project", fields=["name"])
    err = info.value
    assert kind in str(err) and err.body_kind.startswith(kind.split(" (")[0])
    assert err.url == "/api/v1.1/entity/projects/_search"
    assert isinstance(err, tf.TrackframesError)
    assert "Bearer" not in str(err) and "Authorization" not in str(err), "request headers are never echoed"


def test_a_token_answer_of_the_wrong_shape_is_never_echoed():
    secret = "s3cr3t-access-token"
    for body in (json.dumps({"access_token": secret, "expires_in": "soon"}).encode(),
                 f"access_token={secret}&expires_in=600".encode(),  # a form-encoded answer
                 json.dumps({"token_type": "Bearer", "access_token": secret})[:-10].encode(),
                 json.dumps([{"access_token": secret}]).encode()):
        handler = Corrupting(ENDPOINTS["token"][0], body)
        with connect(handler) as site:
            with pytest.raises(tf.ProtocolError) as info:
                site.count("Project")
        assert secret[:6] not in str(info.value) and secret[:6] not in repr(info.value.__dict__)
        assert "/auth/access_token" in str(info.value)


# -- item 2: a page without data is an error, never an empty page ---------------------------------------------

@pytest.mark.parametrize("body", [b"{}", b'{"errors": [{"id": "f00", "status": 503, "detail": "try later"}]}',
                                  b'{"data": null}'])
def test_a_page_without_a_data_array_fails_the_find_instead_of_dropping_its_rows(body):
    clean = connect(Corrupting(lambda *a: False, b"")).find("Project", fields=["name"])
    assert len(clean) == len(RECORDS)
    handler = Corrupting(ENDPOINTS["search page"][0], body, nth=2)
    with connect(handler) as site:
        with pytest.raises(tf.ProtocolError) as info:
            site.find("Project", fields=["name"])
    assert handler.served_bad == 1
    if b"errors" in body:
        assert info.value.errors == [{"id": "f00", "status": 503, "detail": "try later"}]
        assert "try later" in str(info.value)


def test_a_summary_without_summaries_is_an_error_not_zero():
    handler = Corrupting(ENDPOINTS["count"][0], b'{"data": {}}')
    with connect(handler) as site:
        with pytest.raises(tf.ProtocolError, match="summaries"):
            site.count("Project")


# -- issue 10 item 17: messages name the user's call, not an internal probe --------------------------------------

class _Rejecting(Corrupting):
    """A 400 with a JSON:API error object on the chosen endpoint."""

    def __init__(self, endpoint: str) -> None:
        error = {"id": "bad1", "status": 400, "code": 103, "title": "Bad Request",
                 "detail": "Invalid value for filter sg_status"}
        super().__init__(ENDPOINTS[endpoint][0], json.dumps({"errors": [error]}).encode(), status=400)


@pytest.mark.parametrize("endpoint, call, label", [
    ("count probe", lambda s: s.find("Project", fields=["name"]), "find('Project')"),
    ("id probes", lambda s: s.find("Project", fields=["name"]), "find('Project')"),
    ("search page", lambda s: s.find("Project", fields=["name"]), "find('Project')"),
    ("id probes", lambda s: s.find_one("Project", None, ["name"]), "find_one('Project')"),  # page[size]=1
    ("count probe", lambda s: list(s.iter_batches("Project", fields=["name"])), "iter_batches('Project')"),
    ("count", lambda s: s.count("Project"), "count('Project')"),
    ("summarize", lambda s: s.summarize("Project", [("id", "record_count")]), "summarize('Project')"),
    ("fields", lambda s: s.schema("Project"), "schema('Project')"),
])
def test_a_rejected_request_names_the_users_call_and_keeps_the_servers_error_objects(endpoint, call, label):
    with connect(_Rejecting(endpoint)) as site:
        with pytest.raises(tf.QueryError) as info:
            call(site)
    message = str(info.value)
    assert message.startswith(f"{label} failed: Invalid value for filter sg_status"), message
    for internal in ("Summarizing", "Searching", "Counting", "Reading the"):
        assert internal not in message
    assert info.value.errors[0]["id"] == "bad1" and info.value.status == 400


def test_outside_a_users_call_the_request_describes_itself():
    with connect(_Rejecting("count")) as site:
        query = site._query("Project", None, ["name"], None, None, False, False)[0]
        with pytest.raises(tf.QueryError, match=r"^Counting Project failed"):
            site.backend.count(query)
