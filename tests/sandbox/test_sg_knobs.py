"""The sandbox's test knobs: rate limits, injected failures, page-size cap, latency, and records
created or retired between page requests."""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import pytest

from trackframes.sandbox.shotgrid.knobs import Knobs

from .conftest import Http, assert_error, live_ids


def statuses(http, n: int, path: str = "/entity/projects") -> list[int]:
    return [http.get(path).status_code for _ in range(n)]


def test_every_nth_authenticated_request_is_rate_limited(sg_http):
    sb = sg_http.sb
    sb.knobs.retry_after = 2
    sb.knobs.rate_limit_every = 3
    before = sb.stats.rate_limited
    responses = [sg_http.get("/entity/projects") for _ in range(9)]
    codes = [r.status_code for r in responses]
    limited = [i for i, c in enumerate(codes) if c == 429]
    assert len(limited) == 3
    assert limited[1] - limited[0] == limited[2] - limited[1] == 3
    assert set(codes) == {200, 429}
    for i in limited:
        assert responses[i].headers["Retry-After"] == "2"
        assert_error(responses[i], 429)
    assert sb.stats.rate_limited == before + 3
    # token requests are not rate limited
    for _ in range(4):
        sg_http.authorize()


def test_rate_limit_probability(sg_http):
    sg_http.sb.knobs.rate_limit_probability = 1.0
    assert statuses(sg_http, 5) == [429] * 5
    sg_http.sb.knobs.rate_limit_probability = 0.5
    codes = Counter(statuses(sg_http, 60))
    assert set(codes) == {200, 429}
    sg_http.sb.knobs.rate_limit_probability = 0.0
    assert statuses(sg_http, 5) == [200] * 5


def test_injected_server_errors(sg_http):
    sb = sg_http.sb
    before = sb.stats.server_errors
    sb.knobs.error_probability = 1.0
    responses = [sg_http.get("/entity/shots") for _ in range(12)]
    assert {r.status_code for r in responses} <= {502, 503, 504}
    assert len({r.status_code for r in responses}) > 1
    for r in responses:
        err = assert_error(r, r.status_code)
        assert err["detail"]
    assert sb.stats.server_errors == before + 12
    sb.knobs.error_probability = 0.5
    codes = statuses(sg_http, 60, "/entity/shots")
    assert 200 in codes and any(c >= 500 for c in codes)


def test_knob_randomness_is_reproducible(sg_http):
    sb = sg_http.sb
    sb.knobs.error_probability = 0.5
    sb.knobs.seed = 123
    first = statuses(sg_http, 30)
    sb.knobs.seed = 123
    assert statuses(sg_http, 30) == first


def test_page_size_cap(sg_http):
    sg_http.sb.knobs.page_size_cap = 5
    body = sg_http.get("/entity/tasks", params={"page[size]": 50, "fields": "content"}).json()
    assert len(body["data"]) == 5
    for name in ("self", "next"):
        assert dict(parse_qsl(urlsplit(body["links"][name]).query))["page[size]"] == "5"
    found = sg_http.post("/entity/tasks/_search", json={"filters": [], "page": {"size": 40}}).json()
    assert len(found["data"]) == 5


def test_latency_knob_keeps_answers_correct(sg_http):
    sg_http.sb.knobs.latency = 0.05
    body = sg_http.get("/entity/shots", params={"page[size]": 3}).json()
    assert [r["id"] for r in body["data"]] == live_ids(sg_http.sb, "Shot")[:3]


def test_knob_values_are_checked():
    knobs = Knobs()
    with pytest.raises(ValueError):
        knobs.relationship_shape = "flat"
    with pytest.raises(ValueError):
        knobs.error_probability = 1.5
    with pytest.raises(ValueError):
        knobs.page_size_cap = 0
    with pytest.raises(TypeError):
        knobs.rate_limit_every = "3"
    with pytest.raises(TypeError):
        knobs.update(no_such_knob=1)


# -- records created and retired between page requests -------------------------------------

def test_mutation_knobs_create_and_retire_records(fresh_sandbox):
    sb = fresh_sandbox
    http = Http(sb)
    try:
        start_live = set(sb.store.records["Task"])
        start_max = max(start_live)
        sb.knobs.mutate_creates = 3
        first = http.get("/entity/tasks", params={"page[size]": 10})
        assert first.status_code == 200
        created = set(sb.store.records["Task"]) - start_live
        assert len(created) == 3 and min(created) > start_max
        for rid in created:
            rec = sb.store.records["Task"][rid]
            assert rec["content"] and rec["project"]["type"] == "Project"
        http.get(first.json()["links"]["next"])
        assert len(set(sb.store.records["Task"]) - start_live) == 6
        sb.knobs.mutate_creates = 0
        sb.knobs.mutate_deletes = 4
        before_live, before_retired = set(sb.store.records["Task"]), set(sb.store.retired["Task"])
        http.post("/entity/tasks/_search", json={"filters": []})
        gone = before_live - set(sb.store.records["Task"])
        assert len(gone) == 4
        assert set(sb.store.retired["Task"]) == before_retired | gone
        # other entity types are untouched; reads of one record do not mutate
        n_shots = len(sb.store.records["Shot"])
        http.get(f"/entity/tasks/{min(sb.store.records['Task'])}")
        assert len(sb.store.records["Shot"]) == n_shots
        assert set(sb.store.records["Task"]) == before_live - gone
    finally:
        http.close()


def naive_paging(http, params) -> list[int]:
    ids: list[int] = []
    url = "/entity/tasks"
    resp = http.get(url, params=params)
    while True:
        assert resp.status_code == 200
        body = resp.json()
        ids += [r["id"] for r in body["data"]]
        if "next" not in body["links"]:
            return ids
        resp = http.get(body["links"]["next"])


def test_page_number_paging_misses_records_when_others_are_deleted(fresh_sandbox):
    sb = fresh_sandbox
    http = Http(sb)
    try:
        initial = set(live_ids(sb, "Task"))
        sb.knobs.mutate_deletes = 3
        seen = naive_paging(http, {"page[size]": 20, "fields": "content"})
        survivors = initial & set(sb.store.records["Task"])
        missed = survivors - set(seen)
        # records that existed from the first to the last page were never served
        assert missed
    finally:
        http.close()


def test_page_number_paging_duplicates_records_when_others_are_created(fresh_sandbox):
    sb = fresh_sandbox
    http = Http(sb)
    try:
        initial = set(live_ids(sb, "Task"))
        sb.knobs.mutate_creates = 3
        seen = naive_paging(http, {"page[size]": 20, "sort": "-id", "fields": "content"})
        twice = {rid for rid, n in Counter(seen).items() if n > 1}
        assert twice & initial
    finally:
        http.close()


def test_id_range_paging_is_exact_under_mutation(fresh_sandbox):
    """What the client does instead: fixed id ranges give every record that lived throughout."""
    sb = fresh_sandbox
    http = Http(sb)
    try:
        initial = set(live_ids(sb, "Task"))
        top = max(initial)
        sb.knobs.mutate_creates = 2
        sb.knobs.mutate_deletes = 2
        seen: list[int] = []
        for lo in range(0, top + 1, 50):
            body = http.post("/entity/tasks/_search", json={
                "filters": [["id", "between", [lo + 1, min(lo + 50, top)]]], "page": {"size": 500}}).json()
            seen += [r["id"] for r in body["data"]]
        survivors = initial & set(sb.store.records["Task"])
        assert survivors <= set(seen)
        assert len(seen) == len(set(seen))
        assert set(seen) <= initial
    finally:
        http.close()
