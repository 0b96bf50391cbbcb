"""A minimal, independent ShotGrid REST v1.1 server written from the spec's examples.

It is deliberately not the sandbox: it shares no code with trackframes, keeps
its records as the spec prints them (attributes/relationships already split,
wrapped relationships in single-record shape when ``wrapped=True``), and
implements only what a reader needs: the token endpoint, the schema endpoints,
``_search`` with id ranges and simple conditions, and ``_summarize`` counting.
It is mounted with ``trackframes.transport.HandlerAdapter``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

SCRIPT = ("spec_script", "spec-key-Zq9")

# Field schemas in the spec's {"value", "editable"} shape (GET /schema/project/fields example).
PROJECT_FIELDS = {
    "name": ("text", "Project Name"),
    "tank_name": ("text", "Tank Name"),
    "end_date": ("date", "End Date"),
    "start_date": ("date", "Start Date"),
    "duration": ("duration", "Duration"),
    "tracking_settings": ("serializable", "Tracking Settings"),
    "color": ("color", "Color"),
    "is_template": ("checkbox", "Template"),
    "created_at": ("date_time", "Date Created"),
    "updated_at": ("date_time", "Date Updated"),
    "sg_type": ("list", "Type"),
    "sg_status": ("status_list", "Status"),
    "billboard": ("url", "Billboard"),
    "users": ("multi_entity", "Users"),
    "layout_project": ("entity", "Layout Project"),
    "created_by": ("entity", "Created by"),
    "sg_budget": ("currency", "Budget"),
    "sg_weird": ("some_future_type", "Weird"),
}
LINK_TYPES = {"users": ["HumanUser"], "layout_project": ["Project"], "created_by": ["HumanUser", "ApiUser"]}
LIST_VALUES = {"sg_type": ["Feature", "Episodic", "Commercial"], "sg_status": ["Active", "Hold", "Lost"]}


def make_projects(n: int = 1234) -> list[dict[str, Any]]:
    """Records in the spec's record-object shape, ids with gaps (every third id is missing)."""
    out = []
    pid = 80
    for i in range(n):
        pid += 1 if i % 3 else 2
        attrs = {
            "name": f"Project {i:04d}",
            "tank_name": None if i % 5 == 0 else f"proj{i}",
            "end_date": None if i % 4 == 0 else f"2026-{(i % 12) + 1:02d}-{(i % 27) + 1:02d}",
            "start_date": f"2025-{(i % 12) + 1:02d}-01",
            "duration": None if i % 7 == 0 else i * 10,
            "tracking_settings": {"navchains": {"Asset": "Asset.sg_asset_type", "Shot": "Shot.sg_sequence"}},
            "color": "129,183,255",
            "is_template": i % 2 == 0,
            "created_at": "2016-03-11T01:54:00Z",
            "updated_at": f"2018-02-{(i % 28) + 1:02d}T22:46:35Z",
            "sg_type": ["Feature", "Episodic", "Commercial"][i % 3],
            "sg_status": None if i % 11 == 0 else ["Active", "Hold", "Lost"][i % 3],
            "billboard": None if i % 2 else {"url": f"https://cdn.example.com/{i}.png", "name": f"{i}.png",
                                             "content_type": "image/png", "link_type": "upload",
                                             "type": "Attachment", "id": 1000 + i},
            "sg_budget": None if i % 6 == 0 else round(i * 1000.25, 2),
            "sg_weird": {"x": i} if i % 2 else None,
        }
        rels = {
            "users": [{"id": 19, "name": "Artist 1", "type": "HumanUser"},
                      {"id": 18 + (i % 3), "name": f"Artist {2 + i % 3}", "type": "HumanUser"}][: i % 3],
            "layout_project": None if i % 2 else {"id": 70, "name": "Demo: Animation", "type": "Project"},
            "created_by": {"id": 24, "name": "Flow Production Tracking Support", "type": "HumanUser"},
        }
        out.append({"id": pid, "type": "Project", "attributes": attrs, "relationships": rels})
    return out


class SpecServer:
    """Callable handler for ``HandlerAdapter``: ``(PreparedRequest) -> (status, headers, body)``."""

    def __init__(self, records: list[dict[str, Any]] | None = None, *, wrapped: bool = False, page_cap: int = 500,
                 next_links: bool = True):
        self.records = records if records is not None else make_projects()
        self.wrapped = wrapped
        self.page_cap = page_cap
        self.next_links = next_links
        self.tokens: set[str] = set()
        self.requests: list[tuple[str, str]] = []

    def __call__(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(request.url)
        path = url.path
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.requests.append((request.method, path))
        if path == "/api/v1.1/auth/access_token":
            return self._token(request)
        if request.headers.get("Authorization") not in {f"Bearer {t}" for t in self.tokens}:
            return self._error(401, 102, "Unauthorized", "Invalid token")
        if path == "/api/v1.1/schema":
            return self._json({"data": {"Project": {"name": {"value": "Project", "editable": False},
                                                    "visible": {"value": True, "editable": False}},
                                        "HumanUser": {"name": {"value": "Person", "editable": False},
                                                      "visible": {"value": True, "editable": False}}},
                               "links": {"self": "/api/v1.1/schema"}})
        if path == "/api/v1.1/schema/project/fields":
            return self._json({"data": self._fields(), "links": {"self": path}})
        if path == "/api/v1.1/schema/human_user/fields":
            return self._json({"data": {"name": _field("HumanUser", "text", "Name")}, "links": {"self": path}})
        if path == "/api/v1.1/entity/projects/_search" and request.method == "POST":
            return self._search(json.loads(request.body), query)
        if path == "/api/v1.1/entity/projects/_summarize" and request.method == "POST":
            body = json.loads(request.body)
            rows = [r for r in self.records if _match(r, body.get("filters"))]
            return self._json({"data": {"summaries": {"id": len(rows)}, "groups": []}})
        return self._error(404, 104, "Not Found", f"No route {path}")

    def _token(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        form = {k: v[-1] for k, v in parse_qs(request.body if isinstance(request.body, str)
                                                else (request.body or b"").decode()).items()}
        if (form.get("client_id"), form.get("client_secret")) != SCRIPT:
            return self._error(401, 102, "Unauthorized", "Invalid credentials")
        token = f"tok{len(self.tokens)}"
        self.tokens.add(token)
        return self._json({"token_type": "Bearer", "access_token": token, "expires_in": 3600,
                           "refresh_token": "r" + token})

    def _fields(self) -> dict[str, Any]:
        out = {"id": _field("Project", "number", "Id")}
        for name, (dtype, display) in PROJECT_FIELDS.items():
            spec = _field("Project", dtype, display)
            if name in LINK_TYPES:
                spec["properties"]["valid_types"] = {"value": LINK_TYPES[name], "editable": False}
            if name in LIST_VALUES:
                spec["properties"]["valid_values"] = {"value": LIST_VALUES[name], "editable": False}
            out[name] = spec
        return out

    def _search(self, body: dict[str, Any], query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        rows = [r for r in self.records if _match(r, body.get("filters"))]
        sort = query.get("sort", "id")
        desc = sort.startswith("-")
        rows.sort(key=lambda r: r["id"], reverse=desc)
        size = min(int(query.get("page[size]", 500)), self.page_cap)
        number = int(query.get("page[number]", 1))
        chunk = rows[(number - 1) * size: number * size]
        fields = query.get("fields", "").split(",")
        data = [self._render(r, fields) for r in chunk]
        links = {"self": f"/api/v1.1/entity/projects/_search?page%5Bnumber%5D={number}&page%5Bsize%5D={size}"}
        if self.next_links and number * size < len(rows):
            links["next"] = f"/api/v1.1/entity/projects/_search?page%5Bnumber%5D={number + 1}&page%5Bsize%5D={size}"
        if number > 1:
            links["prev"] = f"/api/v1.1/entity/projects/_search?page%5Bnumber%5D={number - 1}&page%5Bsize%5D={size}"
        return self._json({"data": data, "links": links})

    def _render(self, record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        attrs = {k: v for k, v in record["attributes"].items() if k in fields}
        rels = {}
        for k, v in record["relationships"].items():
            if k not in fields:
                continue
            if self.wrapped:
                rels[k] = {"data": v, "links": {"self": f"/api/v1.1/entity/projects/{record['id']}/relationships/{k}"}}
            else:
                rels[k] = v
        return {"id": record["id"], "type": "Project", "attributes": attrs, "relationships": rels,
                "links": {"self": f"/api/v1.1/entity/projects/{record['id']}"}}

    @staticmethod
    def _json(body: Any, status: int = 200) -> tuple[int, dict[str, str], bytes]:
        # pretty-printed on purpose: real servers may send newlines
        return status, {"Content-Type": "application/json"}, json.dumps(body, indent=1).encode()

    def _error(self, status: int, code: int, title: str, detail: str) -> tuple[int, dict[str, str], bytes]:
        return self._json({"errors": [{"id": "a4c9279479129dcd4413145f1fcdbd78", "status": status, "code": code,
                                       "title": title, "source": None, "detail": detail, "meta": None}]}, status)


def _field(entity: str, data_type: str, display: str) -> dict[str, Any]:
    return {
        "name": {"value": display, "editable": True},
        "description": {"value": "", "editable": True},
        "entity_type": {"value": entity, "editable": False},
        "data_type": {"value": data_type, "editable": False},
        "editable": {"value": True, "editable": False},
        "mandatory": {"value": False, "editable": False},
        "unique": {"value": False, "editable": False},
        "properties": {"default_value": {"value": None, "editable": False},
                       "summary_default": {"value": "none", "editable": True}},
        "visible": {"value": True, "editable": False},
        "ui_value_displayable": {"value": True, "editable": False},
    }


def _match(record: dict[str, Any], node: Any) -> bool:
    """Only what a reader sends: and/or groups, id between/is/greater_than/less_than, and 'is' on attributes."""
    if node is None:
        return True
    if isinstance(node, dict):
        results = [_match(record, c) for c in node.get("conditions", [])]
        return all(results) if node.get("logical_operator", "and") == "and" else any(results)
    if isinstance(node, list) and node and isinstance(node[0], list):
        return all(_match(record, c) for c in node)
    field, op, value = node
    current = record["id"] if field == "id" else record["attributes"].get(field)
    if op == "between":
        lo, hi = value
        return current is not None and (lo is None or current >= lo) and (hi is None or current <= hi)
    if op == "is":
        return current == value
    if op == "is_not":
        return current != value
    if op in ("greater_than", "less_than"):  # keyset paging on id
        return current is not None and (current > value if op == "greater_than" else current < value)
    raise ValueError(f"spec server does not implement {op}")
