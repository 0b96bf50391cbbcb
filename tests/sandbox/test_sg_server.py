"""HTTP behaviour of the ShotGrid sandbox server: routing, error objects for bad input, v1 paths,
protocol-level garbage, unexpected failures and concurrent keep-alive clients."""

from __future__ import annotations

import socket
import threading

import requests

from .conftest import assert_error, live_ids


def raw_exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_unknown_routes_and_methods(sg_http):
    for path in ("/nope", "/entity", "/entity/tasks/1/whatever", "/entity/tasks/_nope", "/schedule/other"):
        err = assert_error(sg_http.get(path), 404, 104)
        assert err["title"]
    assert_error(sg_http.get(sg_http.sb.url + "/not/the/api"), 404, 104)
    resp = sg_http.request("PUT", "/entity/tasks/1", json={"content": "x"})
    assert_error(resp, 405, 105)
    assert resp.headers["Allow"] == "GET"
    assert_error(sg_http.request("DELETE", "/entity/tasks/1"), 405, 105)
    assert_error(sg_http.post("/entity/tasks", json={"content": "x"}), 405, 105)
    assert_error(sg_http.request("PATCH", "/schema"), 405, 105)
    assert_error(sg_http.get("/entity/tasks/_summarize"), 405, 105)
    assert sg_http.get("/entity/tasks", params={"page[size]": 1}).status_code == 200


def test_every_answer_is_json(sg_http):
    for resp in (sg_http.get("/"), sg_http.get("/schema/tasks"), sg_http.get("/nope"),
                 sg_http.post("/entity/tasks/_search", data=b"{", headers={"Content-Type": "application/json"})):
        assert resp.headers["Content-Type"] == "application/json"
        resp.json()


def test_version_1_paths_answer_with_version_1_links(sg_http):
    body = sg_http.get("/api/v1/entity/shots", params={"page[size]": 2}).json()
    assert body["links"]["self"].startswith("/api/v1/entity/shots?")
    assert body["links"]["next"].startswith("/api/v1/entity/shots?")
    assert body["data"][0]["links"]["self"].startswith("/api/v1/entity/shots/")
    assert sg_http.get("/api/v1/").json()["data"]["api_version"] == "v1"


def test_protocol_garbage_gets_a_json_error_and_the_server_lives_on(sg_sandbox):
    port = sg_sandbox.port
    answer = raw_exchange(port, b"THIS IS NOT HTTP\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"application/json" in head
    assert b'"errors"' in body
    answer = raw_exchange(port, b"BREW /api/v1.1/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.split(b"\r\n", 1)[0].split()[1] in (b"405", b"501")
    answer = raw_exchange(port, b"POST /api/v1.1/auth/access_token HTTP/1.1\r\nHost: x\r\n"
                                b"Content-Length: nope\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    answer = raw_exchange(port, b"POST /api/v1.1/auth/access_token HTTP/1.1\r\nHost: x\r\n"
                                b"Content-Length: 99999999999\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413")
    assert requests.get(sg_sandbox.api_url, timeout=10).status_code == 200


def test_chunked_bodies_are_read(sg_http):
    def gen():
        yield b'{"filters": [["sg_status_list", '
        yield b'"is", "ip"]]}'
    resp = sg_http.post("/entity/tasks/_search", data=gen(), headers={"Content-Type": "application/json"})
    assert resp.status_code == 200
    want = live_ids(sg_http.sb, "Task", where=lambda r: r["sg_status_list"] == "ip")
    assert [r["id"] for r in resp.json()["data"]] == want[:500]


def test_an_unexpected_failure_is_a_500_error_object(sg_http):
    store = sg_http.sb.store
    rid = live_ids(sg_http.sb, "Task")[0]
    good = store.records["Task"][rid]["entity"]
    store.records["Task"][rid]["entity"] = "corrupt link"   # a value no ShotGrid server could hold
    try:
        before = sg_http.sb.stats.server_errors
        err = assert_error(sg_http.get(f"/entity/tasks/{rid}"), 500)
        assert err["title"] == "Internal Server Error"
        assert sg_http.sb.stats.server_errors == before + 1
    finally:
        store.records["Task"][rid]["entity"] = good
    assert sg_http.get(f"/entity/tasks/{rid}").status_code == 200


def test_concurrent_keep_alive_clients(sg_sandbox):
    from .conftest import Http

    expected = live_ids(sg_sandbox, "Task")
    results: list[list[int]] = []
    failures: list[BaseException] = []

    def worker() -> None:
        http = Http(sg_sandbox)
        try:
            ids: list[int] = []
            url = "/entity/tasks?page%5Bsize%5D=25&fields=content,entity,task_assignees"
            while url:
                resp = http.get(url)
                assert resp.status_code == 200, resp.text
                body = resp.json()
                ids += [r["id"] for r in body["data"]]
                url = body["links"].get("next")
            results.append(ids)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            http.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures
    assert results == [expected] * 8


def test_request_counter(sg_http):
    before = sg_http.sb.stats.requests
    for _ in range(3):
        sg_http.get("/")
    assert sg_http.sb.stats.requests == before + 3
