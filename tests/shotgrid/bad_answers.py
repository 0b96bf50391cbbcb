"""A spec-following fake ShotGrid with one endpoint answering 200 with a bad body, and the calls that read it.

Run as a module it drives every endpoint with bodies read from stdin (one JSON
list of base64 bodies) or, with ``--random N``, with N bodies made by
hypothesis; it prints one JSON line per case *before* running it, so that a
crash of the interpreter names the case that caused it. It exits 0 only if
every case ended in a ``TrackframesError`` (or, for random bodies that happen
to be a valid answer, in a result).
"""

from __future__ import annotations

import base64
import json
import sys
from datetime import date
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import trackframes as tf
from trackframes.transport import HandlerAdapter
from tests.fakes.spec_server import SCRIPT, SpecServer, make_projects

RECORDS = make_projects(40)
PAGE_SIZE = 10


def _is(path_end: str, method: str | None = None) -> Callable[[Any, str, dict[str, str]], bool]:
    def match(request: Any, path: str, query: dict[str, str]) -> bool:
        return path.endswith(path_end) and (method is None or request.method == method)
    return match


def _search(sizes: str) -> Callable[[Any, str, dict[str, str]], bool]:
    def match(request: Any, path: str, query: dict[str, str]) -> bool:
        if not path.endswith("/_search"):
            return False
        probe = query.get("page[size]") == "1"
        return probe if sizes == "probe" else not probe
    return match


def _find(site: tf.Site) -> Any:
    return site.find("Project", fields=["name", "users", "layout_project"])


#: endpoint name -> (which requests get the bad body, which call of the user's reads it, nth match)
ENDPOINTS: dict[str, tuple[Callable[[Any, str, dict[str, str]], bool], Callable[[tf.Site], Any], int]] = {
    "token": (_is("/auth/access_token"), lambda s: s.count("Project"), 1),
    "schema": (_is("/schema"), _find, 1),
    "fields": (_is("/schema/project/fields"), _find, 1),
    "count probe": (_is("/_summarize"), _find, 1),
    "id probes": (_search("probe"), _find, 1),
    "search page": (_search("page"), _find, 2),  # the second page: the first one was fine
    "limited search": (_search("page"), lambda s: s.find("Project", fields=["name"], limit=5), 1),
    "count": (_is("/_summarize"), lambda s: s.count("Project"), 1),
    "summarize": (_is("/_summarize"), lambda s: s.summarize("Project", [("id", "record_count")]), 1),
    "work_day_rules": (_is("/schedule/work_day_rules"),
                       lambda s: s.work_day_rules(date(2026, 1, 1), date(2026, 1, 7)), 1),
}


class Corrupting:
    """Delegates to :class:`SpecServer`, except that the ``nth`` request matching ``target`` gets ``body``."""

    def __init__(self, target: Callable[[Any, str, dict[str, str]], bool], body: bytes, nth: int = 1,
                 status: int = 200, content_type: str = "application/json") -> None:
        self.good = SpecServer(records=RECORDS)
        self.target, self.body, self.nth, self.status = target, body, nth, status
        self.content_type = content_type
        self.matched = 0
        self.served_bad = 0

    def __call__(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(request.url)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if self.target(request, url.path, query):
            self.matched += 1
            if self.matched == self.nth:
                self.served_bad += 1
                return self.status, {"Content-Type": self.content_type}, self.body
        if url.path.endswith("/schedule/work_day_rules"):
            days = [{"date": f"2026-01-0{d}", "working": d % 7 not in (3, 4), "description": None,
                     "reason": "STUDIO_WORK_WEEK"} for d in range(1, 8)]
            return 200, {"Content-Type": "application/json"}, json.dumps({"data": days}).encode()
        return self.good(request)


def connect(handler: Any, **options: Any) -> tf.Site:
    options.setdefault("page_size", PAGE_SIZE)
    options.setdefault("concurrency", 3)
    return tf.connect("https://spec.example.com", auth=tf.ScriptKey(*SCRIPT), transport_adapter=HandlerAdapter(handler),
                      progress=False, max_retries=0, **options)


def run_case(endpoint: str, body: bytes) -> dict[str, Any]:
    """Drive ``endpoint`` with ``body``; what happened, as a JSON-able dict."""
    target, call, nth = ENDPOINTS[endpoint]
    handler = Corrupting(target, body, nth)
    try:
        with connect(handler) as site:
            call(site)
    except tf.TrackframesError as exc:
        return {"outcome": "error", "type": type(exc).__name__, "message": str(exc),
                "served_bad": handler.served_bad}
    except BaseException as exc:  # noqa: BLE001 - this is what the test is looking for
        return {"outcome": "other", "type": type(exc).__name__, "message": str(exc)[:300],
                "served_bad": handler.served_bad}
    return {"outcome": "ok", "served_bad": handler.served_bad}


def _emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def _run_fixed() -> None:
    bodies = [base64.b64decode(b) for b in json.load(sys.stdin)]
    for body in bodies:
        for endpoint in ENDPOINTS:
            _emit({"start": endpoint, "body": base64.b64encode(body).decode()})
            _emit({"endpoint": endpoint, "body": base64.b64encode(body).decode(), **run_case(endpoint, body)})


def _run_random(examples: int) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    good_page = json.dumps({"data": [{"id": r["id"], "type": "Project", "attributes": {"name": r["attributes"]["name"]},
                                      "relationships": {}} for r in RECORDS[:3]], "links": {"self": "/x"}}).encode()
    scalars = (st.none() | st.booleans() | st.integers() | st.integers(2**63 - 2, 2**64) | st.floats(allow_nan=False)
               | st.text(max_size=8))
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.sampled_from(["data", "links", "id", "errors", "summaries",
                                                             "access_token", "attributes"]), inner, max_size=3),
                          max_leaves=8)
    records = st.fixed_dictionaries({
        "id": st.integers(1, 40) | values,
        "attributes": st.fixed_dictionaries({"name": values}) | values,
        "relationships": st.fixed_dictionaries({"users": values, "layout_project": values}) | values,
    })
    pages = st.lists(records, max_size=3).map(lambda rs: json.dumps({"data": rs, "links": {}}).encode())
    bodies = st.one_of(
        pages,  # well-formed pages holding values of every kind, for the forgiving path
        st.binary(max_size=64),
        values.map(lambda v: json.dumps(v).encode()),
        st.integers(0, len(good_page) - 1).map(lambda n: good_page[:n]),  # a good answer cut short
        st.sampled_from([b"null", b" null ", b"\nnull\n", b"[]", b"[1,2]", b"{}", b'{"data": null}']),
    )

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(body=bodies, endpoint=st.sampled_from(sorted(ENDPOINTS)))
    def check(body: bytes, endpoint: str) -> None:
        _emit({"start": endpoint, "body": base64.b64encode(body).decode()})
        result = run_case(endpoint, body)
        _emit({"endpoint": endpoint, "body": base64.b64encode(body).decode(), **result})
        assert result["outcome"] != "other", f"{endpoint} with {body!r}: {result}"

    check()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--random":
        _run_random(int(sys.argv[2]))
    else:
        _run_fixed()
