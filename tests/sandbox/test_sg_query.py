"""The ShotGrid sandbox query engine against a plain reference evaluation.

The fixture store is built by hand (every data type, nulls, case variants,
boundary dates, links to other types and to retired records). The reference
evaluator below is written the obvious way: per record, parse values into
Python dates/datetimes and compare, loop over linked records.
"""

from __future__ import annotations

import calendar
import random
import re
from datetime import date, datetime, timedelta, timezone
from functools import cmp_to_key
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trackframes.sandbox.model import EntityDef, FieldDef, Store
from trackframes.sandbox.shotgrid import query
from trackframes.sandbox.shotgrid.errors import RequestError, bad_request, error_object, not_found
from trackframes.sandbox.shotgrid.query import (
    expand_fields,
    field_spec,
    normalize_filters,
    resolve,
    search,
    validate_filters,
)

UTC = timezone.utc
NOW = datetime(2026, 3, 11, 15, 30, 0, tzinfo=UTC)  # a Wednesday afternoon
TODAY = date(2026, 3, 11)

# ---------------------------------------------------------------------------
# the reference's operator table, typed in from the REST API v1.1 reference
# ---------------------------------------------------------------------------
SPEC_OPERATORS = {
    "addressing": "is is_not contains not_contains in type_is type_is_not name_contains "
                  "name_not_contains name_starts_with name_ends_with",
    "checkbox": "is is_not",
    "currency": "is is_not less_than greater_than between not_between in not_in",
    "date": "is is_not greater_than less_than in_last not_in_last in_next not_in_next in_calendar_day "
            "in_calendar_week in_calendar_month in_calendar_year between in not_in",
    "date_time": "is is_not greater_than less_than in_last not_in_last in_next not_in_next in_calendar_day "
                 "in_calendar_week in_calendar_month in_calendar_year between in not_in",
    "duration": "is is_not greater_than less_than between in not_in",
    "entity": "is is_not type_is type_is_not name_contains name_not_contains name_is in not_in",
    "float": "is is_not greater_than less_than between in not_in",
    "image": "is is_not",
    "list": "is is_not in not_in",
    "multi_entity": "is is_not type_is type_is_not name_contains name_not_contains in not_in",
    "number": "is is_not less_than greater_than between not_between in not_in",
    "percent": "is is_not greater_than less_than between in not_in",
    "status_list": "is is_not in not_in",
    "text": "is is_not contains not_contains starts_with ends_with in not_in",
    "timecode": "is is_not greater_than less_than between in not_in",
}
# types the reference's table leaves out (the module documents these choices)
EXTRA_OPERATORS = {
    "color": "is is_not in not_in",
    "entity_type": "is is_not in not_in",
    "footage": "is is_not contains not_contains starts_with ends_with in not_in",
    "tag_list": "is is_not name_contains name_not_contains",
}
TABLE = {k: v.split() for k, v in {**SPEC_OPERATORS, **EXTRA_OPERATORS}.items()}
ALL_OPS = sorted({op for ops in TABLE.values() for op in ops})
UNSUPPORTED = ("password", "serializable", "summary", "url")

# Task field per data type
TASK_FIELD = {
    "text": "content", "status_list": "sg_status_list", "list": "sg_priority", "duration": "est_in_mins",
    "number": "sg_count", "currency": "cost", "float": "ratio", "percent": "pct", "timecode": "tc",
    "checkbox": "milestone", "date": "due_date", "date_time": "updated_at", "entity": "entity",
    "multi_entity": "task_assignees", "addressing": "addressees", "image": "image", "color": "color",
    "tag_list": "tags", "url": "link", "serializable": "data", "password": "secret",
    "entity_type": "sg_type", "footage": "footage", "summary": "sg_rollup",
}


# ---------------------------------------------------------------------------
# fixture store
# ---------------------------------------------------------------------------

def _f(entity: str, name: str, dtype: str, **kw: Any) -> FieldDef:
    return FieldDef(name=name, data_type=dtype, display_name=name.replace("_", " ").title(),
                    entity_type=entity, **kw)


def _entity(name: str, name_field: str, fields: list[FieldDef]) -> EntityDef:
    return EntityDef(name=name, display_name=re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name),
                     fields={f.name: f for f in fields}, name_field=name_field)


def make_store(n_tasks: int = 90, seed: int = 7) -> Store:
    """A small production with every data type on Task."""
    T = "Task"
    ents = {
        "Project": _entity("Project", "name", [_f("Project", "name", "text"),
                                               _f("Project", "archived", "checkbox", default_value=False)]),
        "Sequence": _entity("Sequence", "code", [_f("Sequence", "code", "text"),
                                                 _f("Sequence", "project", "entity", valid_types=("Project",))]),
        "Asset": _entity("Asset", "code", [
            _f("Asset", "code", "text"), _f("Asset", "project", "entity", valid_types=("Project",)),
            _f("Asset", "sg_asset_type", "list", valid_values=("Character", "Prop", "Environment"))]),
        "Shot": _entity("Shot", "code", [
            _f("Shot", "code", "text"), _f("Shot", "sg_sequence", "entity", valid_types=("Sequence",)),
            _f("Shot", "project", "entity", valid_types=("Project",)),
            _f("Shot", "assets", "multi_entity", valid_types=("Asset",)), _f("Shot", "sg_cut_in", "number")]),
        "HumanUser": _entity("HumanUser", "name", [_f("HumanUser", "name", "text")]),
        "Group": _entity("Group", "code", [_f("Group", "code", "text")]),
        T: _entity(T, "content", [
            _f(T, "content", "text"),
            _f(T, "sg_status_list", "status_list", valid_values=("wtg", "ip", "fin", "omt")),
            _f(T, "sg_priority", "list", valid_values=("low", "Medium", "HIGH")),
            _f(T, "est_in_mins", "duration"), _f(T, "sg_count", "number"), _f(T, "cost", "currency"),
            _f(T, "ratio", "float"), _f(T, "pct", "percent"), _f(T, "tc", "timecode"),
            _f(T, "milestone", "checkbox", default_value=False), _f(T, "start_date", "date"),
            _f(T, "due_date", "date"), _f(T, "updated_at", "date_time"),
            _f(T, "entity", "entity", valid_types=("Shot", "Asset")),
            _f(T, "task_assignees", "multi_entity", valid_types=("HumanUser", "Group")),
            _f(T, "addressees", "addressing", valid_types=("HumanUser", "Group")),
            _f(T, "image", "image"), _f(T, "color", "color"), _f(T, "tags", "tag_list"),
            _f(T, "link", "url"), _f(T, "data", "serializable"), _f(T, "secret", "password"),
            _f(T, "sg_type", "entity_type"), _f(T, "footage", "footage"), _f(T, "sg_rollup", "summary"),
            _f(T, "project", "entity", valid_types=("Project",)),
        ]),
    }
    store = Store(ents, today=TODAY)
    link = lambda rec: {"type": rec["type"], "id": rec["id"]}  # noqa: E731
    projects = [store.insert("Project", {"name": n, "archived": a})
                for n, a in [("Alpha", False), ("beta", False), ("Gamma", True)]]
    p1, p2, p3 = (link(p) for p in projects)
    seqs = [store.insert("Sequence", {"code": c, "project": p})
            for c, p in [("SQ010", p1), ("sq020", p1), ("SQ030", p2), ("arch_seq", p3), ("gone", p1)]]
    assets = [store.insert("Asset", {"code": c, "project": p, "sg_asset_type": t})
              for c, p, t in [("Hero", p1, "Character"), ("hero_sword", p1, "Prop"), ("Forest", p2, "Environment"),
                              ("Rock", p2, None), ("Ghost", p3, "Character")]]
    shot_specs = [("SQ010_0010", 0, [0, 1], 101), ("SQ010_0020", 0, [], 5), ("sq020_0010", 1, [2], None),
                  ("SQ030_0010", 2, [0, 2, 3], 1001), ("dup", 2, [3], 7), ("dup", None, [1], 7),
                  ("orphan_link", 4, [], 0), ("arch_0010", 3, [4], 12)]
    shots = [store.insert("Shot", {"code": c, "sg_sequence": link(seqs[s]) if s is not None else None,
                                   "project": p1 if s not in (2, 3) else (p2 if s == 2 else p3),
                                   "assets": [link(assets[a]) for a in al], "sg_cut_in": cut})
             for c, s, al, cut in shot_specs]
    users = [store.insert("HumanUser", {"name": n}) for n in ("Ann Lee", "bob stone", "Carla", "Dan")]
    groups = [store.insert("Group", {"code": n}) for n in ("Lighting", "anim")]
    people = [link(u) for u in users] + [link(g) for g in groups]
    store.retire("Sequence", seqs[4]["id"])  # "orphan_link" now points at a retired Sequence
    retired_shot = store.insert("Shot", {"code": "retired_shot", "sg_sequence": link(seqs[0]), "project": p1})
    store.retire("Shot", retired_shot["id"])

    rng = random.Random(seed)
    day = lambda n: (TODAY + timedelta(days=n)).isoformat()  # noqa: E731
    dates = [day(n) for n in (-400, -40, -9, -8, -7, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 20, 31, 45, 366)]
    dates += ["2026-02-28", "2026-03-01", "2026-03-31", "2026-04-01", "2025-12-31", "2027-01-01",
              "2026-03-09", "2026-03-15", "2026-03-16", "2026-03-08"]
    stamps = [(NOW + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ")
              for h in (-9000, -800, -170, -24, -23.5, -15.5, -1, -0.5, 0, 0.25, 1, 8.4, 8.5, 8.6, 24, 26, 200, 800)]
    stamps += ["2026-03-11T00:00:00Z", "2026-03-10T23:59:59Z", "2026-03-12T00:00:00Z", "2026-03-09T00:00:00Z",
               "2026-03-16T03:00:00Z", "2026-03-01T02:00:00Z", "2026-02-28T22:00:00Z", "2026-12-31T23:00:00Z"]
    targets = [link(s) for s in shots] + [link(a) for a in assets] + [{"type": "Shot", "id": retired_shot["id"]}]

    def pick(pool: list[Any], null: float = 0.15) -> Any:
        return None if rng.random() < null else rng.choice(pool)

    for i in range(n_tasks):
        store.insert(T, {
            "content": pick(["Layout", "layout", "Anim", "Lighting FX", "comp", "", "Ünïcode", "FX_sim", "LAYOUT v2"]),
            "sg_status_list": pick(["wtg", "ip", "fin", "fin", "omt"]),
            "sg_priority": pick(["low", "Medium", "HIGH"]),
            "est_in_mins": pick([0, 30, 479, 480, 960, 2399, 2400, 2401, 10000]),
            "sg_count": pick([-5, 0, 1, 9, 10, 11, 99, 100, 1000, 12345]),
            "cost": pick([0.0, 10.5, 99.99, 1500.0, -3.25]),
            "ratio": pick([0.0, 0.5, 1.0, 2.25, -1.5]),
            "pct": pick([0, 25, 50, 100]),
            "tc": pick([0, 1000, 41708, 3600000]),
            "milestone": pick([True, False, False], null=0.08),
            "start_date": pick(dates),
            "due_date": pick(dates),
            "updated_at": pick(stamps),
            "entity": pick(targets),
            "task_assignees": rng.sample(people, rng.choice([0, 0, 1, 1, 2, 3])),
            "addressees": rng.sample(people, rng.choice([0, 1, 2])),
            "image": pick(["https://img.example/1.jpg", "https://img.example/2.jpg"], null=0.5),
            "color": pick(["255,0,0", "pipeline_step", "0,128,255"]),
            "tags": rng.sample(["hero", "Urgent", "bg", "fx_heavy"], rng.choice([0, 1, 2])),
            "link": None if rng.random() < 0.5 else {"url": f"https://ex.com/{i}", "name": f"ref {i}",
                                                      "content_type": None, "link_type": "web",
                                                      "type": "Attachment", "id": i},
            "data": None if rng.random() < 0.5 else {"k": i},
            "secret": "hunter2",
            "sg_type": pick(["Shot", "Asset", "Sequence"]),
            "footage": pick(["12-05", "0-00", "100-15"]),
            "project": rng.choice([p1, p1, p2, p3]),
        })
    return store


@pytest.fixture(scope="module")
def store() -> Store:
    return make_store()


# ---------------------------------------------------------------------------
# reference evaluation
# ---------------------------------------------------------------------------
NEGATIVE = {"is_not": "is", "not_in": "in", "not_contains": "contains", "not_between": "between",
            "not_in_last": "in_last", "not_in_next": "in_next", "type_is_not": "type_is",
            "name_not_contains": "name_contains"}
STRINGY = {"text", "footage", "list", "status_list", "color", "entity_type", "uuid"}
NUMERIC = {"number", "float", "currency", "percent", "duration", "timecode"}


def ref_name(store: Store, link: dict[str, Any]) -> str | None:
    rec = store.records[link["type"]].get(link["id"]) or store.retired[link["type"]].get(link["id"])
    if rec is None:
        return None
    return rec[store.entities[link["type"]].name_field]


def ref_dtype(store: Store, entity: str, field: str) -> str:
    parts = field.split(".")
    for i in range(1, len(parts) - 1, 2):
        entity = parts[i]
    return "number" if parts[-1] == "id" else store.entities[entity].fields[parts[-1]].data_type


def ref_values(store: Store, rec: dict[str, Any], field: str) -> list[Any]:
    """Values reached by a plain or dotted field; [None] when no record is reached."""
    parts = field.split(".")
    records = [rec]
    for i in range(0, len(parts) - 1, 2):
        link_field, target = parts[i], parts[i + 1]
        nxt = []
        for r in records:
            v = r.get(link_field)
            for lk in (v if isinstance(v, list) else [v] if v else []):
                if lk["type"] == target and lk["id"] in store.records[target]:
                    nxt.append(store.records[target][lk["id"]])
        records = nxt
    return [r.get(parts[-1]) for r in records] or [None]


def months_later(moment: Any, n: int) -> Any:
    y, m = moment.year, moment.month + n
    while m > 12:
        m, y = m - 12, y + 1
    while m < 1:
        m, y = m + 12, y - 1
    return moment.replace(year=y, month=m, day=min(moment.day, calendar.monthrange(y, m)[1]))


def shifted(moment: datetime, n: int, unit: str) -> datetime:
    unit = unit.upper()
    if unit == "HOUR":
        return moment + timedelta(hours=n)
    if unit == "DAY":
        return moment + timedelta(days=n)
    if unit == "WEEK":
        return moment + timedelta(days=7 * n)
    if unit == "MONTH":
        return months_later(moment, n)
    return months_later(moment, 12 * n)


def in_period(d: date, op: str, k: int, today: date) -> bool:
    if op == "in_calendar_day":
        return d == today + timedelta(days=k)
    if op == "in_calendar_week":
        return d - timedelta(days=d.weekday()) == today - timedelta(days=today.weekday()) + timedelta(days=7 * k)
    if op == "in_calendar_month":
        return d.year * 12 + d.month == today.year * 12 + today.month + k
    return d.year == today.year + k


def parse_dt(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def ref_op(store: Store, dtype: str, op: str, v: Any, arg: Any, now: datetime, tz: int) -> bool:
    if op in NEGATIVE:
        return not ref_op(store, dtype, NEGATIVE[op], v, arg, now, tz)
    if op == "in" and dtype not in ("multi_entity", "addressing"):
        return any(ref_op(store, dtype, "is", v, a, now, tz) for a in arg)
    local_now = now + timedelta(hours=tz)
    today = local_now.date()
    if dtype in STRINGY:
        if op == "is":
            return v is None if arg is None else (v is not None and v.lower() == arg.lower())
        if v is None or arg is None:
            return False
        if op == "contains":
            return arg.lower() in v.lower()
        if op == "starts_with":
            return v.lower().startswith(arg.lower())
        return v.lower().endswith(arg.lower())
    if dtype in NUMERIC or dtype == "checkbox":
        if op == "is":
            return v is None if arg is None else (v is not None and v == arg)
        if v is None:
            return False
        if op == "between":
            lo, hi = arg
            return (lo is None or v >= lo) and (hi is None or v <= hi)
        if arg is None:
            return False
        return v < arg if op == "less_than" else v > arg
    if dtype == "date":
        d = date.fromisoformat(v) if v is not None else None
        conv = lambda a: None if a is None else date.fromisoformat(a)  # noqa: E731
        if op == "is":
            return d is None if arg is None else d == conv(arg)
        if d is None:
            return False
        if op in ("less_than", "greater_than"):
            if arg is None:
                return False
            return d < conv(arg) if op == "less_than" else d > conv(arg)
        if op == "between":
            lo, hi = conv(arg[0]), conv(arg[1])
            return (lo is None or d >= lo) and (hi is None or d <= hi)
        if op == "in_last":
            return shifted(local_now, -arg[0], arg[1]).date() <= d <= today
        if op == "in_next":
            return today <= d <= shifted(local_now, arg[0], arg[1]).date()
        return in_period(d, op, arg, today)
    if dtype == "date_time":
        t = datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if v is not None else None
        conv = lambda a: None if a is None else parse_dt(a)  # noqa: E731
        if op == "is":
            return t is None if arg is None else t == conv(arg)
        if t is None:
            return False
        if op in ("less_than", "greater_than"):
            if arg is None:
                return False
            return t < conv(arg) if op == "less_than" else t > conv(arg)
        if op == "between":
            lo, hi = conv(arg[0]), conv(arg[1])
            return (lo is None or t >= lo) and (hi is None or t <= hi)
        if op == "in_last":
            return shifted(now, -arg[0], arg[1]) <= t <= now
        if op == "in_next":
            return now <= t <= shifted(now, arg[0], arg[1])
        return in_period((t + timedelta(hours=tz)).date(), op, arg, today)
    if dtype == "entity":
        if op == "is":
            return v is None if arg is None else (v is not None and (v["type"], v["id"]) == (arg["type"], arg["id"]))
        if op == "type_is":
            return v is None if arg is None else (v is not None and v["type"] == arg)
        if v is None:
            return False
        return ref_name_op(op, ref_name(store, v), arg)
    if dtype in ("multi_entity", "addressing"):
        links = v or []
        if op in ("is", "contains"):
            return not links if arg is None else any((x["type"], x["id"]) == (arg["type"], arg["id"]) for x in links)
        if op == "in":
            return any(ref_op(store, dtype, "is", v, a, now, tz) for a in arg)
        if op == "type_is":
            return not links if arg is None else any(x["type"] == arg for x in links)
        return any(ref_name_op(op, ref_name(store, x), arg) for x in links)
    if dtype == "tag_list":
        tags = v or []
        if op == "is":
            return not tags if arg is None else any(t.lower() == arg.lower() for t in tags)
        return any(arg.lower() in t.lower() for t in tags)
    if dtype == "image":
        return not v  # only "is None" is valid
    raise AssertionError((dtype, op))


def ref_name_op(op: str, name: str | None, arg: str) -> bool:
    if name is None:
        return False
    name, arg = name.lower(), arg.lower()
    return {"name_contains": arg in name, "name_is": name == arg,
            "name_starts_with": name.startswith(arg), "name_ends_with": name.endswith(arg)}[op]


def ref_matches(store: Store, entity: str, rec: dict[str, Any], node: Any, now: datetime, tz: int) -> bool:
    if isinstance(node, dict):
        results = [ref_matches(store, entity, rec, c, now, tz) for c in node["conditions"]]
        if not results:
            return True
        return all(results) if node["logical_operator"] == "and" else any(results)
    if isinstance(node, list) and (not node or not isinstance(node[0], str)):
        return all(ref_matches(store, entity, rec, c, now, tz) for c in node)
    field, op, arg = node
    dtype = ref_dtype(store, entity, field)
    return any(ref_op(store, dtype, op, v, arg, now, tz) for v in ref_values(store, rec, field))


def ref_search(store: Store, entity: str, filters: Any, *, now: datetime = NOW, tz: int = 0,
               include_archived: bool = False, retired: bool = False) -> list[int]:
    archived = {pid for pid, p in store.records["Project"].items() if p.get("archived")}
    table = store.retired if retired else store.records
    out = []
    for rid in sorted(table[entity]):
        rec = table[entity][rid]
        if not include_archived:
            if entity == "Project" and rid in archived:
                continue
            if rec.get("project") and rec["project"]["id"] in archived:
                continue
        if ref_matches(store, entity, rec, filters, now, tz):
            out.append(rid)
    return out


# ---------------------------------------------------------------------------
# arguments per operator
# ---------------------------------------------------------------------------

def distinct(store: Store, field: str) -> list[Any]:
    seen: list[Any] = []
    for rec in store.records["Task"].values():
        v = rec.get(field)
        if v not in seen:
            seen.append(v)
    return seen


def entity_args(store: Store) -> list[Any]:
    shots = list(store.records["Shot"])
    assets = list(store.records["Asset"])
    return [None, {"type": "Shot", "id": shots[0]}, {"type": "Shot", "id": shots[3], "name": "ignored"},
            {"type": "Asset", "id": assets[0]}, {"type": "Asset", "id": shots[0]}, {"type": "Shot", "id": 99999}]


def people_args(store: Store) -> list[Any]:
    users = list(store.records["HumanUser"])
    groups = list(store.records["Group"])
    return [None, {"type": "HumanUser", "id": users[0]}, {"type": "HumanUser", "id": users[2]},
            {"type": "Group", "id": groups[1]}, {"type": "Group", "id": users[0]}]


NAME_ARGS = ["sq", "SQ010", "hero", "ANN", "", "zz", "0010", "dup", "Lighting", "bob stone", "o"]
RELATIVE = [[0, "DAY"], [1, "DAY"], [2, "day"], [7, "DAY"], [1, "WEEK"], [2, "WEEK"], [1, "MONTH"],
            [3, "MONTH"], [1, "YEAR"], [5, "HOUR"], [30, "HOUR"], [0, "HOUR"]]


def args_for(store: Store, dtype: str, op: str) -> list[Any]:
    op = NEGATIVE.get(op, op)
    field = TASK_FIELD[dtype]
    if dtype in STRINGY or dtype == "footage":
        pool = [v for v in distinct(store, field) if v is not None]
        if op == "is":
            return [None, *pool, *(v.upper() for v in pool), "nothing-like-it"]
        if op == "in":
            return [[], [None], pool[:2], [pool[0].upper(), None], ["zzz"], pool]
        if op == "contains":
            return ["lay", "FX", "", "x", "o", None, "zzz", "255", "-0"]
        if op == "starts_with":
            return ["la", "L", "light", "", "12", "zzz"]
        return ["out", "FX", "sim", "", "5", "zzz"]
    if dtype in NUMERIC:
        pool = [v for v in distinct(store, field) if v is not None]
        lo, hi = min(pool), max(pool)
        mid = sorted(pool)[len(pool) // 2]
        if op == "is":
            return [None, *pool, 7777]
        if op == "in":
            return [[], [None], pool[:2], [pool[-1], None], [424242]]
        if op == "between":
            return [[lo, mid], [mid, hi], [None, mid], [mid, None], [None, None], [hi, lo], [mid, mid]]
        return [None, lo, mid, hi, mid + 0.5]
    if dtype == "checkbox":
        return [True, False, None]
    if dtype == "date":
        pool = [v for v in distinct(store, field) if v is not None]
        if op == "is":
            return [None, "2026-03-11", "2026-03-01", "1999-01-01", *pool[:4]]
        if op == "in":
            return [[], ["2026-03-11", None], pool[:3]]
        if op == "between":
            return [["2026-03-01", "2026-03-31"], [None, "2026-03-11"], ["2026-03-11", None],
                    [None, None], ["2026-04-01", "2026-03-01"]]
        if op in ("less_than", "greater_than"):
            return ["2026-03-11", "2026-03-01", "2027-01-01", None]
        if op in ("in_last", "in_next"):
            return RELATIVE
        return [-2, -1, 0, 1, 2]
    if dtype == "date_time":
        pool = [v for v in distinct(store, field) if v is not None]
        if op == "is":
            return [None, pool[0], pool[1], "2026-03-11T15:30:00+00:00", "2026-03-11T16:30:00+01:00",
                    "2000-01-01T00:00:00Z"]
        if op == "in":
            return [[], [pool[0], None], pool[:3]]
        if op == "between":
            return [["2026-03-10T00:00:00Z", "2026-03-12T00:00:00Z"], [None, "2026-03-11T15:30:00Z"],
                    ["2026-03-11T15:30:00Z", None], ["2026-03-11", "2026-03-12"], [None, None]]
        if op in ("less_than", "greater_than"):
            return ["2026-03-11T15:30:00Z", "2026-03-11T00:00:00Z", "2026-03-11T12:00:00-05:00", None]
        if op in ("in_last", "in_next"):
            return RELATIVE
        return [-2, -1, 0, 1, 2]
    if dtype == "entity":
        if op == "is":
            return entity_args(store)
        if op == "in":
            ea = entity_args(store)
            return [[], [None], ea[1:3], [ea[3], None], ea]
        if op == "type_is":
            return ["Shot", "Asset", "Sequence", None]
        return NAME_ARGS
    if dtype in ("multi_entity", "addressing"):
        if op in ("is", "contains"):
            return people_args(store)
        if op == "in":
            pa = people_args(store)
            return [[], [None], pa[1:3], [pa[3], None], pa]
        if op == "type_is":
            return ["HumanUser", "Group", "Shot", None]
        return NAME_ARGS
    if dtype == "tag_list":
        if op == "is":
            return ["hero", "URGENT", "nope", None]
        return ["h", "fx", "URG", "", "zz"]
    if dtype == "image":
        return [None]
    raise AssertionError(dtype)


VALID_PAIRS = [(dtype, op) for dtype, ops in TABLE.items() for op in ops]


# ---------------------------------------------------------------------------
# tests: the operator table
# ---------------------------------------------------------------------------

def test_operator_table_matches_the_reference() -> None:
    for dtype, ops in TABLE.items():
        assert sorted(query.VALID_OPERATORS[dtype]) == sorted(ops), dtype
    assert set(UNSUPPORTED) <= query.UNFILTERABLE_TYPES


@pytest.mark.parametrize("dtype,op", VALID_PAIRS, ids=[f"{d}-{o}" for d, o in VALID_PAIRS])
def test_every_valid_operator_matches_reference(store: Store, dtype: str, op: str) -> None:
    field = TASK_FIELD[dtype]
    clocked = op.startswith(("in_last", "in_next", "not_in_last", "not_in_next", "in_calendar"))
    offsets = (0, -8, 5, 13) if clocked else (0,)
    nows = (NOW, datetime(2026, 3, 15, 23, 10, 0, tzinfo=UTC)) if clocked else (NOW,)
    checked = 0
    for arg in args_for(store, dtype, op):
        for tz in offsets:
            for now in nows:
                filters = [[field, op, arg]]
                got = search(store, "Task", filters, now=now, tz_offset_hours=tz, include_archived_projects=True)
                want = ref_search(store, "Task", filters, now=now, tz=tz, include_archived=True)
                assert got == want, (field, op, arg, tz, now)
                checked += 1
    assert checked


def test_reference_data_is_not_degenerate(store: Store) -> None:
    # the op tests would prove little if every filter matched all or nothing
    n = len(store.records["Task"])
    for filters in ([["content", "contains", "lay"]], [["due_date", "in_calendar_week", 0]],
                    [["updated_at", "in_last", [1, "DAY"]]], [["entity", "name_contains", "sq"]],
                    [["task_assignees", "type_is", "Group"]], [["tags", "is", "hero"]]):
        hits = len(ref_search(store, "Task", filters, include_archived=True))
        assert 0 < hits < n, filters


INVALID_PAIRS = [(d, op) for d in TABLE for op in ALL_OPS if op not in TABLE[d]]


@pytest.mark.parametrize("dtype,op", INVALID_PAIRS, ids=[f"{d}-{o}" for d, o in INVALID_PAIRS])
def test_invalid_operator_for_type_is_rejected(store: Store, dtype: str, op: str) -> None:
    field = TASK_FIELD[dtype]
    with pytest.raises(RequestError) as info:
        search(store, "Task", [[field, op, None]])
    err = info.value
    assert err.status == 400
    assert err.errors[0]["code"] == 103
    text = err.errors[0]["detail"]
    assert field in text and op in text and dtype in text
    for valid in TABLE[dtype]:  # lists the valid operators
        assert valid in text


@pytest.mark.parametrize("dtype", UNSUPPORTED)
def test_unfilterable_types_are_rejected(store: Store, dtype: str) -> None:
    with pytest.raises(RequestError) as info:
        validate_filters(store, "Task", [[TASK_FIELD[dtype], "is", None]])
    assert info.value.status == 400
    assert TASK_FIELD[dtype] in str(info.value) and "not supported" in str(info.value)


def test_unknown_operator_is_rejected(store: Store) -> None:
    with pytest.raises(RequestError) as info:
        search(store, "Task", [["content", "equals", "x"]])
    assert "'equals'" in str(info.value) and "'content'" in str(info.value)


def test_unknown_field_suggests_close_names(store: Store) -> None:
    with pytest.raises(RequestError) as info:
        search(store, "Task", [["sg_status", "is", "ip"]])
    assert info.value.status == 400
    assert "sg_status" in str(info.value) and "sg_status_list" in str(info.value)


@pytest.mark.parametrize("condition,expect", [
    (["sg_count", "is", "12"], "sg_count"),
    (["sg_count", "in", 12], "list"),
    (["sg_count", "between", 12], "sg_count"),
    (["sg_count", "between", [1, 2, 3]], "between"),
    (["ratio", "less_than", "1.0"], "ratio"),
    (["milestone", "is", "yes"], "milestone"),
    (["content", "is", 3], "content"),
    (["content", "starts_with", None], "starts_with"),
    (["due_date", "is", "2026-13-01"], "due_date"),
    (["due_date", "is", "11/03/2026"], "due_date"),
    (["due_date", "is", "2026-03-11T00:00:00Z"], "due_date"),
    (["updated_at", "greater_than", "yesterday"], "updated_at"),
    (["due_date", "in_last", [1, "FORTNIGHT"]], "in_last"),
    (["due_date", "in_last", 1], "in_last"),
    (["due_date", "in_calendar_day", "today"], "in_calendar_day"),
    (["entity", "is", {"type": "Shot"}], "entity"),
    (["entity", "is", "Shot 1"], "entity"),
    (["entity", "is", {"type": "Bogus", "id": 1}], "Bogus"),
    (["entity", "type_is", "Bogus"], "Bogus"),
    (["entity", "in", {"type": "Shot", "id": 1}], "list"),
    (["task_assignees", "is", [{"type": "HumanUser", "id": 1}]], "task_assignees"),
    (["image", "is", "https://img.example/1.jpg"], "image"),
    (["entity", "name_contains", 3], "name_contains"),
    (["id", "between", ["1", 5]], "id"),
    (["id", "greater_than", "5"], "id"),
])
def test_bad_values_are_rejected(store: Store, condition: list[Any], expect: str) -> None:
    with pytest.raises(RequestError) as info:
        search(store, "Task", [condition])
    assert info.value.status == 400
    assert expect in str(info.value)


@pytest.mark.parametrize("filters", [
    ["content", "is", "x"],                     # a single condition, not a list of them
    [["content", "is"]],                        # too short
    [[3, "is", "x"]],                           # field not a string
    [["content", 3, "x"]],                      # operator not a string
    {"logical_operator": "xor", "conditions": []},
    {"logical_operator": "and"},
    {"logical_operator": "and", "conditions": "nope"},
    [{"nonsense": 1}],
    "content is x",
    [42],
])
def test_malformed_filters_are_rejected(store: Store, filters: Any) -> None:
    with pytest.raises(RequestError) as info:
        search(store, "Task", filters)
    assert info.value.status == 400
    assert info.value.errors[0]["source"] is not None


def test_id_field_filters(store: Store) -> None:
    ids = sorted(store.records["Task"])
    for filters in ([["id", "is", ids[3]]], [["id", "in", ids[2:6]]], [["id", "not_in", ids[2:6]]],
                    [["id", "between", [ids[5], ids[9]]]], [["id", "not_between", [ids[5], ids[9]]]],
                    [["id", "greater_than", ids[-3]]], [["id", "less_than", ids[2]]],
                    [["id", "is_not", ids[0]]]):
        assert search(store, "Task", filters, include_archived_projects=True) == \
            ref_search(store, "Task", filters, include_archived=True), filters


# ---------------------------------------------------------------------------
# formats and logic
# ---------------------------------------------------------------------------

def test_array_and_hash_forms_agree(store: Store) -> None:
    conds = [["sg_status_list", "in", ["ip", "fin"]], ["content", "contains", "lay"]]
    array = search(store, "Task", conds)
    hashed = search(store, "Task", {"logical_operator": "and", "conditions": conds})
    assert array == hashed == ref_search(store, "Task", conds)
    assert array  # the data has such tasks


def test_nested_and_or(store: Store) -> None:
    tree = {"logical_operator": "or", "conditions": [
        {"logical_operator": "and", "conditions": [["sg_status_list", "is", "fin"], ["milestone", "is", True]]},
        {"logical_operator": "and", "conditions": [
            ["sg_count", "greater_than", 50],
            {"logical_operator": "or", "conditions": [["tags", "is", "hero"], ["cost", "less_than", 0]]}]},
        ["entity", "type_is", "Asset"],
    ]}
    got = search(store, "Task", tree)
    assert got == ref_search(store, "Task", tree)
    assert got
    empty_or = {"logical_operator": "or", "conditions": []}
    assert search(store, "Task", empty_or) == ref_search(store, "Task", [])


def test_normalize_forms(store: Store) -> None:
    assert normalize_filters(None) == {"logical_operator": "and", "conditions": []}
    assert normalize_filters([["due_date", "in_last", 1, "DAY"]])["conditions"] == [["due_date", "in_last", [1, "DAY"]]]
    assert normalize_filters([["id", "between", 1, 9]])["conditions"] == [["id", "between", [1, 9]]]
    assert normalize_filters([["sg_status_list", "IN", "ip", "fin"]])["conditions"] == \
        [["sg_status_list", "in", ["ip", "fin"]]]
    spread = {"filter_operator": "any", "conditions": [
        {"path": "sg_status_list", "relation": "in", "values": ["ip"]},
        {"path": "content", "relation": "is", "values": ["Layout"]},
        {"path": "due_date", "relation": "in_last", "values": [7, "DAY"]}]}
    norm = normalize_filters(spread)
    assert norm == {"logical_operator": "or", "conditions": [
        ["sg_status_list", "in", ["ip"]], ["content", "is", "Layout"], ["due_date", "in_last", [7, "DAY"]]]}
    assert search(store, "Task", spread, now=NOW) == ref_search(store, "Task", norm)
    four = [["updated_at", "in_last", 2, "DAY"]]
    assert search(store, "Task", four, now=NOW) == ref_search(store, "Task", [["updated_at", "in_last", [2, "DAY"]]])


def test_validate_filters_accepts_good_input(store: Store) -> None:
    validate_filters(store, "Task", [["entity.Shot.sg_sequence.Sequence.code", "contains", "sq"],
                                     {"logical_operator": "or", "conditions": [["id", "in", [1, 2]]]}])
    with pytest.raises(RequestError):
        validate_filters(store, "Nope", [])


# ---------------------------------------------------------------------------
# dotted fields
# ---------------------------------------------------------------------------

DOTTED = [
    ("entity.Shot.code", "contains", "sq0"),
    ("entity.Shot.code", "is", None),
    ("entity.Shot.code", "is_not", "dup"),
    ("entity.Shot.sg_sequence", "name_contains", "sq"),
    ("entity.Shot.sg_sequence", "is", None),
    ("entity.Shot.sg_cut_in", "greater_than", 10),
    ("entity.Shot.sg_sequence.Sequence.code", "is", "sq020"),
    ("entity.Shot.sg_sequence.Sequence.code", "not_contains", "0"),
    ("entity.Shot.sg_sequence.Sequence.project", "name_is", "alpha"),
    ("entity.Asset.sg_asset_type", "in", ["Prop", None]),
    ("entity.Shot.assets.Asset.code", "starts_with", "hero"),
    ("entity.Shot.assets.Asset.code", "is_not", "Rock"),
    ("entity.Shot.assets.Asset.sg_asset_type", "is", None),
    ("entity.Shot.assets.Asset.project", "name_contains", "beta"),
    ("task_assignees.HumanUser.name", "contains", "a"),
    ("task_assignees.Group.code", "is", "anim"),
    ("project.Project.archived", "is", True),
]


@pytest.mark.parametrize("field,op,arg", DOTTED)
def test_dotted_filters_match_reference(store: Store, field: str, op: str, arg: Any) -> None:
    filters = [[field, op, arg]]
    got = search(store, "Task", filters, include_archived_projects=True)
    assert got == ref_search(store, "Task", filters, include_archived=True)


def test_dotted_one_and_two_hops_are_not_trivial(store: Store) -> None:
    one = search(store, "Task", [["entity.Shot.code", "is", "dup"]], include_archived_projects=True)
    two = search(store, "Task", [["entity.Shot.sg_sequence.Sequence.code", "is", "SQ030"]],
                 include_archived_projects=True)
    multi = search(store, "Task", [["entity.Shot.assets.Asset.code", "is", "Rock"]], include_archived_projects=True)
    assert one and two and multi
    shots = store.records["Shot"]
    for tid in multi:
        link = store.records["Task"][tid]["entity"]
        codes = [store.records["Asset"][a["id"]]["code"] for a in shots[link["id"]]["assets"]]
        assert "Rock" in codes


@pytest.mark.parametrize("field,fragment", [
    ("content.Shot.code", "not an entity link"),
    ("entity.Sequence.code", "cannot link to"),
    ("entity.Shot.nope", "nope"),
    ("entity.Shot", "link_field.EntityType.field"),
    ("entity.Nope.code", "Nope"),
    ("entity..code", "link_field.EntityType.field"),
])
def test_bad_dotted_fields_are_rejected(store: Store, field: str, fragment: str) -> None:
    with pytest.raises(RequestError, match=re.escape(fragment)):
        search(store, "Task", [[field, "is", None]])
    with pytest.raises(RequestError):
        field_spec(store, "Task", field)


def test_resolve_and_field_spec(store: Store) -> None:
    shots = store.records["Shot"]
    seqs = store.records["Sequence"]
    for rec in store.records["Task"].values():
        link = rec["entity"]
        shot = shots.get(link["id"]) if link and link["type"] == "Shot" else None
        assert resolve(store, "Task", rec, "content") == rec["content"]
        assert resolve(store, "Task", rec, "entity.Shot.sg_sequence") == (shot["sg_sequence"] if shot else None)
        seq_link = shot["sg_sequence"] if shot else None
        seq = seqs.get(seq_link["id"]) if seq_link else None
        assert resolve(store, "Task", rec, "entity.Shot.sg_sequence.Sequence.code") == (seq["code"] if seq else None)
        codes = [store.records["Asset"][a["id"]]["code"] for a in shot["assets"]] if shot else []
        assert resolve(store, "Task", rec, "entity.Shot.assets.Asset.code") == codes
    assert field_spec(store, "Task", "entity.Shot.sg_sequence").data_type == "entity"
    assert field_spec(store, "Task", "entity.Shot.sg_sequence").valid_types == ("Sequence",)
    assert field_spec(store, "Task", "entity.Shot.sg_sequence.Sequence.code").data_type == "text"
    assert field_spec(store, "Task", "id").data_type == "number"
    assert field_spec(store, "Task", "due_date") is store.entities["Task"].fields["due_date"]


# ---------------------------------------------------------------------------
# sorting
# ---------------------------------------------------------------------------

def ref_sort_value(store: Store, rec: dict[str, Any], field: str) -> Any:
    v = ref_values(store, rec, field)[0]
    dtype = ref_dtype(store, "Task", field)
    if v is None:
        return None
    if dtype == "entity":
        return (ref_name(store, v) or "").lower()
    if isinstance(v, str) and dtype not in ("date", "date_time"):
        return v.lower()
    return v


def ref_sorted(store: Store, ids: list[int], spec: list[str]) -> list[int]:
    def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
        for item in spec:
            desc = item.startswith("-")
            field = item.lstrip("-")
            va, vb = ref_sort_value(store, a, field), ref_sort_value(store, b, field)
            if va == vb:
                continue
            if va is None:
                return -1 if desc else 1
            if vb is None:
                return 1 if desc else -1
            c = -1 if va < vb else 1
            return -c if desc else c
        return a["id"] - b["id"]
    recs = [store.records["Task"][i] for i in ids]
    return [r["id"] for r in sorted(recs, key=cmp_to_key(compare))]


SORTS = [["content"], ["-content"], ["due_date"], ["-due_date"], ["-due_date", "id"], ["sg_count", "-cost"],
         ["entity"], ["-entity"], ["entity.Shot.sg_sequence"], ["-entity.Shot.code", "-id"], ["milestone"],
         ["-updated_at"], ["sg_status_list", "-ratio", "content"], ["id"], ["-id"],
         ["entity.Shot.sg_sequence.Sequence.code", "due_date"]]


@pytest.mark.parametrize("spec", SORTS, ids=[",".join(s) for s in SORTS])
def test_sort_matches_reference(store: Store, spec: list[str]) -> None:
    filters = [["sg_status_list", "is_not", "omt"]]
    got = search(store, "Task", filters, sort=spec)
    assert got == ref_sorted(store, ref_search(store, "Task", filters), spec)
    assert search(store, "Task", filters, sort=",".join(spec)) == got


def test_sort_puts_nulls_last_ascending_first_descending(store: Store) -> None:
    ids = search(store, "Task", [], sort=["due_date"])
    values = [store.records["Task"][i]["due_date"] for i in ids]
    n_null = values.count(None)
    assert n_null and values[-n_null:] == [None] * n_null
    ids = search(store, "Task", [], sort=["-due_date"])
    values = [store.records["Task"][i]["due_date"] for i in ids]
    assert values[:n_null] == [None] * n_null
    # ties broken by ascending id, even when descending
    pairs = list(zip(ids, values))
    for (a, va), (b, vb) in zip(pairs, pairs[1:]):
        if va == vb:
            assert a < b


def test_sort_rejects_bad_fields(store: Store) -> None:
    with pytest.raises(RequestError, match="nope"):
        search(store, "Task", [], sort=["-nope"])
    with pytest.raises(RequestError, match="multi-entity"):
        search(store, "Task", [], sort=["entity.Shot.assets.Asset.code"])


# ---------------------------------------------------------------------------
# fields
# ---------------------------------------------------------------------------

def test_expand_fields(store: Store) -> None:
    task_fields = list(store.entities["Task"].fields)
    assert expand_fields(store, "Task", "*") == task_fields
    assert expand_fields(store, "Task", ["*"]) == task_fields
    assert expand_fields(store, "Task", None) == ["content"]
    assert expand_fields(store, "Task", "content, due_date,,entity.Shot.code") == \
        ["content", "due_date", "entity.Shot.code"]
    assert expand_fields(store, "Task", ["id", "content", "content"]) == ["id", "content"]
    with pytest.raises(RequestError) as info:
        expand_fields(store, "Task", ["content", "du_date", "zzzzzz"])
    text = str(info.value)
    assert "du_date" in text and "due_date" in text and "zzzzzz" in text
    with pytest.raises(RequestError):
        expand_fields(store, "Task", ["entity.Shot.nope"])
    with pytest.raises(RequestError):
        expand_fields(store, "Task", 5)


# ---------------------------------------------------------------------------
# archived projects, retired records, cache invalidation
# ---------------------------------------------------------------------------

def test_archived_projects_are_excluded_by_default(store: Store) -> None:
    archived = [pid for pid, p in store.records["Project"].items() if p["archived"]]
    tasks = search(store, "Task", [])
    assert all(store.records["Task"][t]["project"]["id"] not in archived for t in tasks)
    everything = search(store, "Task", [], include_archived_projects=True)
    assert everything == sorted(store.records["Task"])
    assert len(everything) > len(tasks)
    assert search(store, "Project", []) == [p for p in sorted(store.records["Project"]) if p not in archived]
    assert search(store, "Project", [], include_archived_projects=True) == sorted(store.records["Project"])
    # an explicit filter on the archived project still cannot see it
    pfilter = [["project", "is", {"type": "Project", "id": archived[0]}]]
    assert search(store, "Task", pfilter) == []
    assert search(store, "Task", pfilter, include_archived_projects=True) == \
        ref_search(store, "Task", pfilter, include_archived=True)


def test_retired_records_and_cache_invalidation() -> None:
    st_ = make_store(n_tasks=30, seed=3)
    filters = [["sg_status_list", "is", "fin"]]
    before = search(st_, "Task", filters, include_archived_projects=True)
    assert before == ref_search(st_, "Task", filters, include_archived=True)
    again = search(st_, "Task", filters + [["id", "between", [0, 10**9]]], include_archived_projects=True)
    assert again == before  # served from the cache
    victim = before[0]
    st_.retire("Task", victim)
    after = search(st_, "Task", filters, include_archived_projects=True)
    assert victim not in after and after == before[1:]
    assert search(st_, "Task", filters, retired=True, include_archived_projects=True) == [victim]
    assert search(st_, "Shot", [], retired=True, include_archived_projects=True) == sorted(st_.retired["Shot"])
    new = st_.insert("Task", {"sg_status_list": "fin", "project": None})
    assert search(st_, "Task", filters, include_archived_projects=True) == after + [new["id"]]
    st_.update("Task", new["id"], {"sg_status_list": "ip"})
    assert search(st_, "Task", filters, include_archived_projects=True) == after
    # a change to a linked record shows through a dotted filter
    shot_id = next(iter(st_.records["Shot"]))
    dotted = [["entity.Shot.code", "is", "renamed"]]
    assert search(st_, "Task", dotted, include_archived_projects=True) == []
    st_.update("Shot", shot_id, {"code": "renamed"})
    assert search(st_, "Task", dotted, include_archived_projects=True) == \
        ref_search(st_, "Task", dotted, include_archived=True)
    st_.revive("Task", victim)
    assert victim in search(st_, "Task", filters, include_archived_projects=True)


def test_archiving_a_project_changes_results() -> None:
    st_ = make_store(n_tasks=30, seed=4)
    alpha = next(pid for pid, p in st_.records["Project"].items() if p["name"] == "Alpha")
    before = search(st_, "Task", [])
    st_.update("Project", alpha, {"archived": True})
    after = search(st_, "Task", [])
    assert after == ref_search(st_, "Task", [])
    assert len(after) < len(before)


def test_relative_filters_follow_now(store: Store) -> None:
    filters = [["updated_at", "in_last", [1, "HOUR"]]]
    first = search(store, "Task", filters, now=NOW)
    later = NOW + timedelta(days=2)
    second = search(store, "Task", filters, now=later)
    assert first == ref_search(store, "Task", filters, now=NOW)
    assert second == ref_search(store, "Task", filters, now=later)
    assert first != second


def test_default_now_is_on_store_today(store: Store) -> None:
    # with no `now`, "today" is the store's today whatever the wall clock says
    filters = [["due_date", "in_calendar_day", 0]]
    assert search(store, "Task", filters, include_archived_projects=True) == \
        [t for t, r in sorted(store.records["Task"].items()) if r["due_date"] == TODAY.isoformat()]


# ---------------------------------------------------------------------------
# property tests
# ---------------------------------------------------------------------------

PROPERTY_STORE = make_store(n_tasks=60, seed=11)
_FIELDS = [(TASK_FIELD[d], d) for d in TABLE if d != "image"] + [("image", "image")]


def _condition_strategy() -> st.SearchStrategy[list[Any]]:
    choices = []
    for field, dtype in _FIELDS:
        for op in TABLE[dtype]:
            for arg in args_for(PROPERTY_STORE, dtype, op):
                choices.append([field, op, arg])
    for field, op, arg in DOTTED:
        choices.append([field, op, arg])
    return st.sampled_from(choices)


CONDITIONS = _condition_strategy()
TREES = st.recursive(
    CONDITIONS,
    lambda inner: st.builds(lambda op, conds: {"logical_operator": op, "conditions": conds},
                            st.sampled_from(["and", "or"]), st.lists(inner, max_size=4)),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=TREES, tz=st.sampled_from([0, -7, 9]), archived=st.booleans())
def test_property_search_equals_reference(tree: Any, tz: int, archived: bool) -> None:
    filters = tree if isinstance(tree, dict) else [tree]
    got = search(PROPERTY_STORE, "Task", filters, now=NOW, tz_offset_hours=tz, include_archived_projects=archived)
    assert got == ref_search(PROPERTY_STORE, "Task", filters, now=NOW, tz=tz, include_archived=archived)


ALL_IDS = sorted(PROPERTY_STORE.records["Task"])
ID_VALUES = st.one_of(st.sampled_from(ALL_IDS), st.integers(min_value=-5, max_value=ALL_IDS[-1] + 5))
ID_CONDS = st.one_of(
    st.builds(lambda a, b: ["id", "between", [a, b]], st.one_of(st.none(), ID_VALUES), st.one_of(st.none(), ID_VALUES)),
    st.builds(lambda a: ["id", "greater_than", a], ID_VALUES),
    st.builds(lambda a: ["id", "less_than", a], ID_VALUES),
    st.builds(lambda a: ["id", "is", a], ID_VALUES),
    st.builds(lambda xs: ["id", "in", xs], st.lists(ID_VALUES, max_size=6)),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=TREES, ranges=st.lists(ID_CONDS, min_size=1, max_size=3),
       sort=st.sampled_from([None, ["id"], ["-id"], ["-due_date"], ["content", "-id"]]))
def test_property_id_range_fast_path_equals_slow_path(tree: Any, ranges: list[list[Any]], sort: Any) -> None:
    base = [tree]
    fast = search(PROPERTY_STORE, "Task", base + ranges, sort=sort, now=NOW)
    # the same conditions nested one level down are evaluated record by record
    slow_tree = {"logical_operator": "and", "conditions": [
        {"logical_operator": "and", "conditions": base + ranges}]}
    slow = search(PROPERTY_STORE, "Task", slow_tree, sort=sort, now=NOW)
    assert fast == slow
    full = search(PROPERTY_STORE, "Task", base, sort=sort, now=NOW)
    ref = [i for i in full if ref_matches(PROPERTY_STORE, "Task", PROPERTY_STORE.records["Task"][i], ranges, NOW, 0)]
    assert fast == ref


def test_id_range_pages_partition_the_result(store: Store) -> None:
    filters = [["sg_status_list", "in", ["ip", "fin", "wtg"]]]
    full = search(store, "Task", filters)
    ids = sorted(store.records["Task"])
    pages = []
    for lo in range(ids[0], ids[-1] + 1, 7):
        pages.extend(search(store, "Task", filters + [["id", "between", [lo, lo + 6]]]))
    assert pages == full
    pages_desc = []
    for lo in range(ids[0], ids[-1] + 1, 7):
        pages_desc.extend(search(store, "Task", filters + [["id", "greater_than", lo - 1], ["id", "less_than", lo + 7]],
                                 sort=["-id"]))
    assert sorted(pages_desc) == full


# ---------------------------------------------------------------------------
# errors module
# ---------------------------------------------------------------------------

def test_error_objects_follow_the_reference_format() -> None:
    err = bad_request("field 'x' does not exist", "filters")
    assert isinstance(err, RequestError) and err.status == 400
    (obj,) = err.errors
    assert set(obj) == {"id", "status", "code", "title", "source", "detail", "meta"}
    assert re.fullmatch(r"[0-9a-f]{32}", obj["id"])
    assert (obj["status"], obj["code"], obj["title"]) == (400, 103, "Request Parameters invalid.")
    assert obj["source"] == {"filters": ["field 'x' does not exist"]}
    assert obj["detail"] == "field 'x' does not exist" and obj["meta"] is None
    assert err.body() == {"errors": [obj]}
    assert bad_request("x").errors[0]["source"] is None
    assert bad_request("x", {"entity": ["bad"]}).errors[0]["source"] == {"entity": ["bad"]}
    missing = not_found("no such Shot")
    assert missing.status == 404 and missing.errors[0]["status"] == 404
    assert error_object(400)["id"] != error_object(400)["id"]
    assert RequestError([error_object(400, "a"), error_object(400, "b")]).status == 400
