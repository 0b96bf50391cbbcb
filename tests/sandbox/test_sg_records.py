"""Reading records from the ShotGrid sandbox: list, read one, relationships, search, summarize, text search.

Expected results are computed straight from the sandbox's store, independently of
the server's query engine.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from .conftest import archived_project_ids, assert_error, fields_of, live_ids

ARRAY = "application/vnd+shotgun.api3_array+json"
HASH = "application/vnd+shotgun.api3_hash+json"


def link(store, ref):
    if ref is None:
        return None
    return {"id": ref["id"], "name": store.display_name(ref["type"], ref["id"]), "type": ref["type"]}


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def follow(http, first_url: str, *, params=None, json=None, headers=None) -> tuple[list[int], list[dict]]:
    """Follow ``links.next`` to the end; returns all ids and every page body."""
    ids: list[int] = []
    bodies = []
    if json is None:
        resp = http.get(first_url, params=params)
    else:
        resp = http.post(first_url, params=params, json=json, headers=headers)
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        bodies.append(body)
        ids += [rec["id"] for rec in body["data"]]
        nxt = body["links"].get("next")
        if not nxt:
            return ids, bodies
        assert nxt.startswith("/api/v1.1/")
        resp = http.get(nxt) if json is None else http.post(nxt, json=json, headers=headers)


# -- list ---------------------------------------------------------------------------

def test_paging_through_links_gives_every_record_once(sg_http):
    sb = sg_http.sb
    expected = live_ids(sb, "Task")
    assert len(expected) > 40
    ids, bodies = follow(sg_http, "/entity/tasks", params={"page[size]": 17, "fields": "content"})
    assert ids == expected
    assert len(bodies) == -(-len(expected) // 17)
    for number, body in enumerate(bodies, start=1):
        links = body["links"]
        assert links["self"].startswith("/api/v1.1/entity/tasks?page%5Bnumber%5D=")
        assert query_of(links["self"]) == {"page[number]": str(number), "page[size]": "17", "fields": "content"}
        assert ("prev" in links) == (number > 1)
        assert ("next" in links) == (number < len(bodies))
        if number > 1:
            assert query_of(links["prev"])["page[number]"] == str(number - 1)
        assert len(body["data"]) == (17 if number < len(bodies) else len(expected) - 17 * (len(bodies) - 1))


def test_exactly_full_last_page_has_no_next(sg_http):
    n = len(live_ids(sg_http.sb, "Shot"))
    body = sg_http.get("/entity/shots", params={"page[size]": n}).json()
    assert len(body["data"]) == n
    assert "next" not in body["links"] and "prev" not in body["links"]
    beyond = sg_http.get("/entity/shots", params={"page[size]": n, "page[number]": 3}).json()
    assert beyond["data"] == []
    assert "next" not in beyond["links"]
    assert query_of(beyond["links"]["prev"])["page[number]"] == "2"


def test_default_page_size_is_500(sg_http):
    expected = live_ids(sg_http.sb, "Version")
    assert len(expected) > 500
    body = sg_http.get("/entity/versions").json()
    assert [r["id"] for r in body["data"]] == expected[:500]
    assert query_of(body["links"]["next"]) == {"page[number]": "2", "page[size]": "500"}


def test_links_keep_every_other_parameter(sg_http):
    params = {"filter[sg_status_list]": "ip,fin", "fields": "content,entity", "sort": "-id", "page[size]": "5",
              "options[include_archived_projects]": "false", "custom": "kept"}
    body = sg_http.get("/entity/tasks", params=params).json()
    for name in ("self", "next"):
        got = query_of(body["links"][name])
        assert {k: v for k, v in got.items() if not k.startswith("page")} == {
            k: v for k, v in params.items() if not k.startswith("page")}
        assert got["page[size]"] == "5"


def test_filters_in_the_query_string(sg_http):
    sb = sg_http.sb
    store = sb.store
    project = min(set(store.records["Project"]) - archived_project_ids(sb))
    shot = next(iter(store.records["Shot"].values()))

    def check(params, where, entity="tasks", kind="Task"):
        ids, _ = follow(sg_http, f"/entity/{entity}", params={**params, "page[size]": 500})
        assert ids == live_ids(sb, kind, where=where), params

    check({"filter[sg_status_list]": "ip"}, lambda r: r["sg_status_list"] == "ip")
    check({"filter[sg_status_list]": "ip,fin,wtg"}, lambda r: r["sg_status_list"] in ("ip", "fin", "wtg"))
    on_project = lambda r: r["project"] == {"type": "Project", "id": project}  # noqa: E731
    check({"filter[project]": f"Project:{project}"}, on_project)
    check({"filter[project]": str(project)}, on_project)
    check({"filter[project.Project.id]": str(project)}, on_project)
    check({"filter[entity]": f"Shot:{shot['id']}"}, lambda r: r["entity"] == {"type": "Shot", "id": shot["id"]})
    check({"filter[entity.Shot.code]": shot["code"]},
          lambda r: r["entity"] is not None and r["entity"]["type"] == "Shot"
          and store.records["Shot"][r["entity"]["id"]]["code"].lower() == shot["code"].lower())
    check({"filter[milestone]": "true"}, lambda r: r["milestone"] is True)
    check({"filter[sg_status_list]": "ip", "filter[project]": f"Project:{project}"},
          lambda r: r["sg_status_list"] == "ip" and on_project(r))
    some = sorted(store.records["Task"])[:3]
    check({"filter[id]": ",".join(map(str, some))}, lambda r: r["id"] in some)
    user = next(iter(store.records["HumanUser"].values()))
    check({"filter[task_assignees]": f"HumanUser:{user['id']}"},
          lambda r: {"type": "HumanUser", "id": user["id"]} in r["task_assignees"])


def test_bad_query_filters_are_400(sg_http):
    for params in ({"filter[duration]": "abc"}, {"filter[no_such_field]": "1"}, {"filter[entity]": "5"},
                   {"filter[entity]": "Nope:5"}, {"filter[milestone]": "maybe"}, {"filter[entity.Shot.nope]": "x"},
                   {"page[size]": "0"}, {"page[number]": "x"}, {"page[nope]": "1"}, {"sort": "no_such_field"},
                   {"fields": "content,no_such_field"}, {"options[return_only]": "all"},
                   {"options[include_archived_projects]": "perhaps"}, {"local_timezone_offset": "99"}):
        err = assert_error(sg_http.get("/entity/tasks", params=params), 400, 103)
        assert err["detail"]
    # url fields cannot be filtered on
    assert_error(sg_http.get("/entity/versions", params={"filter[sg_uploaded_movie]": "x"}), 400, 103)
    assert sg_http.get("/entity/tasks", params={"page[size]": 1}).status_code == 200


def test_fields_and_rendering(sg_http):
    store = sg_http.sb.store
    fields = ["content", "entity", "task_assignees", "due_date", "entity.Shot.sg_sequence", "entity.Shot.code",
              "project.Project.name"]
    body = sg_http.get("/entity/tasks", params={"fields": ",".join(fields), "page[size]": 50}).json()
    assert body["data"]
    for rec in body["data"]:
        stored = store.records["Task"][rec["id"]]
        assert rec["type"] == "Task"
        assert rec["links"] == {"self": f"/api/v1.1/entity/tasks/{rec['id']}"}
        assert set(rec["attributes"]) == {"content", "due_date", "entity.Shot.code", "project.Project.name"}
        assert set(rec["relationships"]) == {"entity", "task_assignees", "entity.Shot.sg_sequence"}
        assert rec["attributes"]["content"] == stored["content"]
        assert rec["attributes"]["due_date"] == stored["due_date"]
        assert rec["relationships"]["entity"] == link(store, stored["entity"])
        assert rec["relationships"]["task_assignees"] == [link(store, r) for r in stored["task_assignees"]]
        project = store.records["Project"][stored["project"]["id"]]
        assert rec["attributes"]["project.Project.name"] == project["name"]
        target = stored["entity"]
        shot = store.records["Shot"].get(target["id"]) if target and target["type"] == "Shot" else None
        assert rec["attributes"]["entity.Shot.code"] == (shot["code"] if shot else None)
        assert rec["relationships"]["entity.Shot.sg_sequence"] == (link(store, shot["sg_sequence"]) if shot else None)


def test_all_fields_and_masked_passwords(sg_http):
    store = sg_http.sb.store
    body = sg_http.get("/entity/human_users", params={"fields": "*"}).json()
    edef = store.entities["HumanUser"]
    for rec in body["data"]:
        assert fields_of(rec) == set(edef.fields) - {"id"}
        stored = store.records["HumanUser"][rec["id"]]
        pw = rec["attributes"]["password_proxy"]
        assert pw == (None if stored["password_proxy"] is None else "*******")
        for fname, fdef in edef.fields.items():
            if fdef.data_type in ("entity", "multi_entity", "addressing"):
                assert fname in rec["relationships"]


def test_empty_fields_parameter_gives_no_fields(sg_http):
    rec = sg_http.get("/entity/tasks", params={"fields": "", "page[size]": 1}).json()["data"][0]
    assert rec["attributes"] == {} and rec["relationships"] == {}


def test_sort(sg_http):
    sb = sg_http.sb
    store = sb.store
    ids, _ = follow(sg_http, "/entity/tasks", params={"sort": "-id", "page[size]": 100, "fields": "content"})
    assert ids == sorted(live_ids(sb, "Task"), reverse=True)
    ids, _ = follow(sg_http, "/entity/tasks", params={"sort": "sg_status_list,-id", "page[size]": 100})
    expected = sorted(live_ids(sb, "Task"), key=lambda i: (store.records["Task"][i]["sg_status_list"], -i))
    assert ids == expected


def test_page_size_above_the_cap_is_capped(sg_http):
    body = sg_http.get("/entity/versions", params={"page[size]": 5000}).json()
    assert len(body["data"]) == 500
    assert query_of(body["links"]["self"])["page[size]"] == "500"
    assert query_of(body["links"]["next"])["page[size]"] == "500"


def test_retired_records(sg_http):
    sb = sg_http.sb
    store = sb.store
    victims = sorted(store.records["Shot"])[:2]
    for rid in victims:
        store.retire("Shot", rid)
    try:
        active, _ = follow(sg_http, "/entity/shots", params={"options[return_only]": "active"})
        assert not set(victims) & set(active)
        assert active == live_ids(sb, "Shot")
        retired, _ = follow(sg_http, "/entity/shots", params={"options[return_only]": "retired"})
        assert set(victims) <= set(retired)
        assert set(retired) <= set(store.retired["Shot"])
        assert_error(sg_http.get(f"/entity/shots/{victims[0]}"), 404, 104)
        one = sg_http.get(f"/entity/shots/{victims[0]}", params={"options[return_only]": "retired"})
        assert one.status_code == 200
        assert one.json()["data"]["attributes"]["code"] == store.retired["Shot"][victims[0]]["code"]
        found = sg_http.post("/entity/shots/_search", json={"filters": [], "options": {"return_only": "retired"}})
        assert set(victims) <= {r["id"] for r in found.json()["data"]}
    finally:
        for rid in victims:
            store.revive("Shot", rid)


def test_archived_projects_are_left_out_unless_asked(sg_http):
    sb = sg_http.sb
    archived = archived_project_ids(sb)
    assert archived, "the demo production has an archived project"
    default, _ = follow(sg_http, "/entity/tasks", params={"page[size]": 500})
    assert default == live_ids(sb, "Task")
    everything, _ = follow(sg_http, "/entity/tasks",
                           params={"page[size]": 500, "options[include_archived_projects]": "true"})
    assert everything == live_ids(sb, "Task", include_archived=True)
    assert len(everything) > len(default)
    projects = sg_http.get("/entity/projects").json()["data"]
    assert not archived & {p["id"] for p in projects}


# -- one record, relationships ----------------------------------------------------------

def test_read_one_record(sg_http):
    store = sg_http.sb.store
    rid = live_ids(sg_http.sb, "Task")[3]
    stored = store.records["Task"][rid]
    body = sg_http.get(f"/entity/tasks/{rid}").json()
    assert body["links"] == {"self": f"/api/v1.1/entity/tasks/{rid}"}
    rec = body["data"]
    assert (rec["id"], rec["type"]) == (rid, "Task")
    assert fields_of(rec) == set(store.entities["Task"].fields) - {"id"}
    for fname, fdef in store.entities["Task"].fields.items():
        if fname == "id":
            continue
        if fdef.data_type == "entity":
            rel = rec["relationships"][fname]
            assert rel["data"] == link(store, stored[fname])
            assert rel["links"]["self"] == f"/api/v1.1/entity/tasks/{rid}/relationships/{fname}"
            if stored[fname] is not None:
                target = stored[fname]
                plural = {"Shot": "shots", "Asset": "assets", "Step": "steps", "Project": "projects",
                          "HumanUser": "human_users"}[target["type"]]
                assert rel["links"]["related"] == f"/api/v1.1/entity/{plural}/{target['id']}"
        elif fdef.data_type == "multi_entity":
            assert rec["relationships"][fname]["data"] == [link(store, r) for r in stored[fname]]
        else:
            assert rec["attributes"][fname] == stored[fname]
    some = sg_http.get(f"/entity/Task/{rid}", params={"fields": "content,step"}).json()["data"]
    assert fields_of(some) == {"content", "step"}


def test_read_one_errors(sg_http):
    missing = max(sg_http.sb.store.records["Task"]) + 1000
    assert_error(sg_http.get(f"/entity/tasks/{missing}"), 404, 104)
    assert_error(sg_http.get("/entity/tasks/abc"), 400, 103)
    assert_error(sg_http.get("/entity/tasks/1", params={"fields": "nope"}), 400, 103)
    assert_error(sg_http.get("/entity/nopes/1"), 400, 103)


def test_relationship_endpoint(sg_http):
    store = sg_http.sb.store
    rid = next(i for i in live_ids(sg_http.sb, "Task") if store.records["Task"][i]["task_assignees"])
    stored = store.records["Task"][rid]
    one = sg_http.get(f"/entity/tasks/{rid}/relationships/entity").json()
    assert one == {"data": link(store, stored["entity"]),
                   "links": {"self": f"/api/v1.1/entity/tasks/{rid}/relationships/entity"}}
    many = sg_http.get(f"/entity/tasks/{rid}/relationships/task_assignees").json()
    assert many["data"] == [link(store, r) for r in stored["task_assignees"]]
    assert_error(sg_http.get(f"/entity/tasks/{rid}/relationships/content"), 400, 103)
    assert_error(sg_http.get(f"/entity/tasks/{rid}/relationships/nope"), 400, 103)
    assert_error(sg_http.get(f"/entity/tasks/{max(store.records['Task']) + 99}/relationships/entity"), 404, 104)


@pytest.mark.parametrize("shape", ["spec", "wrapped", "bare"])
def test_relationship_shape_knob(sg_http, shape):
    sg_http.sb.knobs.relationship_shape = shape
    store = sg_http.sb.store
    rid = live_ids(sg_http.sb, "Task")[0]
    listed = sg_http.get("/entity/tasks", params={"fields": "entity,task_assignees", "filter[id]": rid}).json()
    single = sg_http.get(f"/entity/tasks/{rid}", params={"fields": "entity,task_assignees"}).json()
    stored = store.records["Task"][rid]
    bare = {"entity": link(store, stored["entity"]),
            "task_assignees": [link(store, r) for r in stored["task_assignees"]]}
    list_rel = listed["data"][0]["relationships"]
    one_rel = single["data"]["relationships"]
    for name, value in bare.items():
        rel_url = f"/api/v1.1/entity/tasks/{rid}/relationships/{name}"
        if shape == "wrapped":
            assert list_rel[name]["data"] == value
            assert list_rel[name]["links"]["self"] == rel_url
        else:
            assert list_rel[name] == value
        if shape == "bare":
            assert one_rel[name] == value
        else:
            assert one_rel[name]["data"] == value
            assert one_rel[name]["links"]["self"] == rel_url
    if shape != "bare" and stored["entity"] is not None:
        assert one_rel["entity"]["links"]["related"].endswith(f"/{stored['entity']['id']}")


# -- search ---------------------------------------------------------------------------

def test_search_with_array_and_hash_filters(sg_http):
    sb = sg_http.sb
    array = [["sg_status_list", "in", ["ip", "rev"]], ["milestone", "is", False]]
    want = live_ids(sb, "Task", where=lambda r: r["sg_status_list"] in ("ip", "rev") and r["milestone"] is False)
    for ctype in (ARRAY, "application/json"):
        ids, bodies = follow(sg_http, "/entity/tasks/_search", json={"filters": array, "page": {"size": 9}},
                             headers={"Content-Type": ctype})
        assert ids == want
        assert bodies[0]["links"]["self"].startswith("/api/v1.1/entity/tasks/_search?")
    hash_filters = {"logical_operator": "or", "conditions": [
        ["sg_status_list", "is", "hld"],
        {"logical_operator": "and", "conditions": [["sg_status_list", "is", "ip"], ["milestone", "is", True]]},
    ]}
    want = live_ids(sb, "Task", where=lambda r: r["sg_status_list"] == "hld"
                    or (r["sg_status_list"] == "ip" and r["milestone"] is True))
    for ctype in (HASH, "application/json"):
        ids, _ = follow(sg_http, "/entity/tasks/_search", json={"filters": hash_filters},
                        headers={"Content-Type": ctype})
        assert ids == want


def test_search_content_type_must_match_the_filters(sg_http):
    array = [["sg_status_list", "is", "ip"]]
    hash_filters = {"logical_operator": "and", "conditions": array}
    assert_error(sg_http.post("/entity/tasks/_search", json={"filters": hash_filters},
                              headers={"Content-Type": ARRAY}), 400, 103)
    assert_error(sg_http.post("/entity/tasks/_search", json={"filters": array},
                              headers={"Content-Type": HASH}), 400, 103)
    assert_error(sg_http.post("/entity/tasks/_search", data=b"{}", headers={"Content-Type": "text/plain"}), 400, 103)


def test_search_fields_sort_and_page_from_body_or_query(sg_http):
    sb = sg_http.sb
    want = sorted(live_ids(sb, "Task"), reverse=True)
    body = {"filters": [], "fields": ["content", "due_date"], "sort": "-id", "page": {"number": 2, "size": 4}}
    resp = sg_http.post("/entity/tasks/_search", json=body).json()
    assert [r["id"] for r in resp["data"]] == want[4:8]
    assert all(set(r["attributes"]) == {"content", "due_date"} for r in resp["data"])
    # the query string wins over the body
    resp = sg_http.post("/entity/tasks/_search", params={"page[number]": 3, "fields": "content", "sort": "id"},
                        json=body).json()
    assert [r["id"] for r in resp["data"]] == sorted(want)[8:12]
    assert all(set(r["attributes"]) == {"content"} for r in resp["data"])


def test_search_bad_input(sg_http):
    for payload in ({"filters": [["content", "no_such_op", "x"]]}, {"filters": [["nope", "is", 1]]},
                    {"filters": [["duration", "is", "abc"]]}, {"filters": "content is x"},
                    {"filters": [], "page": {"size": -1}}, {"filters": [], "options": {"return_only": 3}},
                    {"filters": [], "fields": 7}):
        assert_error(sg_http.post("/entity/tasks/_search", json=payload), 400, 103)
    for raw in (b"{not json", b"[1, 2]", b"\xff\xfe"):
        assert_error(sg_http.post("/entity/tasks/_search", data=raw,
                                  headers={"Content-Type": "application/json"}), 400, 103)
    assert_error(sg_http.get("/entity/tasks/_search"), 405, 105)


# -- summarize, text search ---------------------------------------------------------------

def test_summarize_shape(sg_http):
    sb = sg_http.sb
    store = sb.store
    resp = sg_http.post("/entity/tasks/_summarize", json={
        "filters": [["sg_status_list", "in", ["ip", "fin"]]],
        "summary_fields": [{"field": "id", "type": "count"}],
        "grouping": [{"field": "sg_status_list", "type": "exact", "direction": "asc"}],
    })
    assert resp.status_code == 200
    data = resp.json()["data"]
    assert set(data) == {"summaries", "groups"}
    want = live_ids(sb, "Task", where=lambda r: r["sg_status_list"] in ("ip", "fin"))
    assert data["summaries"] == {"id": len(want)}
    counts = {g["group_value"]: g["summaries"]["id"] for g in data["groups"]}
    assert counts == {s: sum(store.records["Task"][i]["sg_status_list"] == s for i in want) for s in ("ip", "fin")
                      if any(store.records["Task"][i]["sg_status_list"] == s for i in want)}
    for group in data["groups"]:
        assert set(group) >= {"group_name", "group_value", "summaries"}
    assert_error(sg_http.post("/entity/tasks/_summarize", json={"summary_fields": [{"field": "id", "type": "nope"}]}),
                 400, 103)
    assert_error(sg_http.post("/entity/tasks/_summarize", json={"filters": []}), 400, 103)
    assert_error(sg_http.post("/entity/tasks/_summarize", headers={"Content-Type": HASH},
                              json={"filters": [], "summary_fields": [{"field": "id", "type": "count"}]}), 400, 103)


def test_text_search(sg_http):
    store = sg_http.sb.store
    shot_code = next(iter(store.records["Shot"].values()))["code"]
    text = shot_code[:4].lower()
    body = {"text": text, "entity_types": {"Shot": [], "Asset": []}, "page": {"size": 500}}
    resp = sg_http.post("/entity/_text_search", json=body)
    assert resp.status_code == 200
    data = resp.json()["data"]
    archived = archived_project_ids(sg_http.sb)
    want = {(kind, rid) for kind in ("Shot", "Asset") for rid, rec in store.records[kind].items()
            if text in (rec["code"] or "").lower() and rec["project"]["id"] not in archived}
    assert {(r["type"], r["id"]) for r in data} == want
    assert all(set(r["attributes"]) == {"code"} for r in data)
    assert_error(sg_http.post("/entity/_text_search", json={"entity_types": {"Shot": []}}), 400, 103)
    assert_error(sg_http.post("/entity/_text_search", json={"text": "a", "entity_types": {"Nope": []}}), 400, 103)
