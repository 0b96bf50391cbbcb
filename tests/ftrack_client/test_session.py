"""The operations transport: headers, no I/O on connect, the schema cache, both error styles, secrets."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest

import trackframes as tf
from trackframes.auth import Secret
from trackframes.backends.ftrack.cache import SchemaCache
from trackframes.exceptions import AuthError, ProtocolError, QueryError, RateLimitError, ServerError
from trackframes.sandbox.ftrack import FtrackServer
from trackframes.transport import HandlerAdapter, HeaderAuth, Transport

from ..sandbox_ftrack.production import API_KEY, API_USER, build_store
from .conftest import connect

KEY = "k3y-never-shown-4411"


class Recorder:
    """A fake server that records what it receives and answers with ``reply(operations)``."""

    def __init__(self, reply: Any) -> None:
        self.reply = reply
        self.requests: list[Any] = []

    def __call__(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        self.requests.append(request)
        out = self.reply(orjson.loads(request.body))
        if isinstance(out, tuple):
            return out
        return 200, {"Content-Type": "application/json"}, orjson.dumps(out)


def fake_site(reply: Any, **options: Any) -> tuple[tf.Site, Recorder]:
    recorder = Recorder(reply)
    site = tf.connect("https://studio.example.com", backend="ftrack", auth=tf.ApiKey("jane", KEY),
                      transport_adapter=HandlerAdapter(recorder), progress=False, **options)
    return site, recorder


def test_connect_sends_nothing_and_shows_no_key():
    site, recorder = fake_site(lambda ops: [])
    assert recorder.requests == []
    assert KEY not in repr(site) + repr(site.backend) + repr(site.backend.operations)


def test_every_request_posts_operations_with_the_user_and_key_headers():
    calls: list[Any] = []
    with FtrackServer(build_store(), api_user=API_USER, api_key=API_KEY) as srv:
        site = connect(srv)
        transport = site.backend.transport
        original = transport.request

        def spy(method: str, url: str, **kwargs: Any) -> Any:
            response = original(method, url, **kwargs)
            calls.append((method, url, kwargs["headers"], response.request.headers))
            return response

        transport.request = spy  # type: ignore[method-assign]
        assert site.count("Project") == 1  # nickel is archived
        url = srv.url + "/api"
    assert calls and all(m == "POST" and u == url for m, u, _, _ in calls)
    for _, _, headers, sent in calls:
        assert headers["ftrack-user"] == API_USER and headers["Content-Type"] == "application/json"
        assert "ftrack-api-key" not in headers  # it travels as HeaderAuth, a Secret until the wire
        assert "ftrack-api-key" not in sent  # and the sent request forgets it


def test_a_header_auth_secret_is_dropped_from_the_sent_request():
    seen = []

    def handler(request: Any) -> tuple[int, dict[str, str], bytes]:
        seen.append(request.headers.get("ftrack-api-key"))
        return 200, {}, b"[]"

    transport = Transport(adapter=HandlerAdapter(handler))
    response = transport.request("POST", "https://x.example.com/api", data=b"[]",
                                 auth=HeaderAuth(Secret(KEY), name="ftrack-api-key"))
    assert seen == [KEY]
    assert "ftrack-api-key" not in response.request.headers


def test_the_first_use_reads_server_information_then_schemas_and_the_cache_skips_schemas(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKFRAMES_CACHE_DIR", str(tmp_path))
    with FtrackServer(build_store(), api_user=API_USER, api_key=API_KEY) as srv:
        sent: list[list[str]] = []
        original = srv._httpd.api.handle  # type: ignore[union-attr]

        def record(headers: Any, body: bytes) -> Any:
            sent.append([op["action"] for op in orjson.loads(body)])
            return original(headers, body)

        srv._httpd.api.handle = record  # type: ignore[union-attr]
        connect(srv).field_specs("Task")
        assert sent == [["query_server_information"], ["query_schemas"]]
        files = list((tmp_path / "ftrack-schemas").glob("*.json"))
        assert [f.stem for f in files] == [srv.store.schema_hash]
        sent.clear()
        connect(srv).field_specs("Task")
        assert sent == [["query_server_information"]]
        files[0].write_bytes(files[0].read_bytes().replace(b'"Task"', b'"Tusk"'))  # damaged: not trusted
        sent.clear()
        assert "bid" in connect(srv).field_specs("Task")
        assert sent == [["query_server_information"], ["query_schemas"]]


def test_the_cache_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("TRACKFRAMES_CACHE_DIR", "off")
    site, _ = fake_site(lambda ops: [])
    assert site.backend.operations.cache.directory is None
    assert SchemaCache(None).get("any") is None


ERROR = {"exception": "ValidationError", "content": 'Task has no attribute "nmae"; did you mean name?',
         "error_code": None}


def _info_then(error: tuple[int, dict[str, str], bytes]) -> Any:
    def reply(ops: list[dict[str, Any]]) -> Any:
        if ops[0]["action"] == "query_server_information":
            return [{"version": "4.13.8", "schema_hash": "h1"}]
        return error
    return reply


@pytest.mark.parametrize("status", [200, 400], ids=["non-strict-200", "strict-400"])
def test_both_error_styles_raise_a_query_error_carrying_the_servers_exception_and_content(status):
    site, _ = fake_site(_info_then((status, {}, orjson.dumps(ERROR))))
    with pytest.raises(QueryError) as caught:
        site.field_specs("Task")
    err = caught.value
    assert err.errors == [ERROR]
    assert "ValidationError" in str(err) and 'Task has no attribute "nmae"' in str(err)
    assert err.status == (None if status == 200 else 400)


def test_a_bad_key_is_an_auth_error_that_never_quotes_the_key(server, caplog):
    caplog.set_level(logging.DEBUG)
    site = tf.connect(server.url, backend="ftrack", auth=tf.ApiKey(API_USER, KEY), progress=False)
    with pytest.raises(AuthError) as caught:
        site.count("Task")
    assert caught.value.status == 401 and caught.value.errors[0]["exception"] == "InvalidCredentialsError"
    assert caught.value.credential == "ApiKey"
    assert KEY not in str(caught.value) + repr(caught.value.__dict__) + caplog.text


def test_a_429_is_retried_after_its_retry_after_and_5xx_pages_end_as_server_errors():
    answers = iter([(429, {"Retry-After": "0"}, orjson.dumps({"exception": "TooManyRequestsError", "content": "x"})),
                    (200, {}, orjson.dumps([{"version": "4.13.8"}]))])
    site, recorder = fake_site(lambda ops: next(answers))
    assert site.backend.operations.server_information() == {"version": "4.13.8"}
    assert len(recorder.requests) == 2
    site, recorder = fake_site(lambda ops: (503, {"Content-Type": "text/html"}, b"<html>down</html>"), max_retries=1)
    with pytest.raises(ServerError) as caught:
        site.backend.operations.server_information()
    assert caught.value.status == 503 and len(recorder.requests) == 2
    site, _ = fake_site(lambda ops: (429, {"Retry-After": "0"}, orjson.dumps({"exception": "TooManyRequestsError",
                                                                               "content": "slow down"})),
                        max_retries=0)
    with pytest.raises(RateLimitError):
        site.backend.operations.server_information()


@pytest.mark.parametrize("body, kind", [(b"<html>login</html>", "an HTML page"), (b'{"data": []}', "wrong shape"),
                                        (b"[1, 2]", "2 results for 1 operations")])
def test_an_answer_of_the_wrong_shape_is_a_protocol_error(body, kind):
    site, _ = fake_site(lambda ops: (200, {}, body))
    with pytest.raises(ProtocolError) as caught:
        site.backend.operations.server_information()
    assert kind in str(caught.value)


def test_identity_is_the_api_user(site):
    who = site.backend.identity()
    assert (who["sub"], who["user_type"], who["name"], who["email"]) == ("jane", "User", "Jane Doe", "jane@example.com")


def test_the_cache_directory_follows_the_environment(monkeypatch, tmp_path):
    from trackframes.backends.ftrack.cache import cache_dir

    assert cache_dir({"TRACKFRAMES_CACHE_DIR": str(tmp_path)}) == tmp_path / "ftrack-schemas"
    assert cache_dir({"TRACKFRAMES_CACHE_DIR": "off"}) is None
    default = cache_dir({})
    assert default is not None and default.parts[-2:] == ("trackframes", "ftrack-schemas")
