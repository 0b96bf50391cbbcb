"""``_summarize`` of the ShotGrid sandbox against summaries computed here by hand."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from trackframes.sandbox.model import Store
from trackframes.sandbox.shotgrid.errors import RequestError
from trackframes.sandbox.shotgrid.summarize import summarize

from .test_sg_query import NOW, make_store, ref_name, ref_search, ref_values

TODAY = NOW.date()


@pytest.fixture(scope="module")
def store() -> Store:
    return make_store(n_tasks=120, seed=21)


def tasks(store: Store, filters: Any = (), include_archived: bool = False) -> list[dict[str, Any]]:
    ids = ref_search(store, "Task", list(filters), include_archived=include_archived)
    return [store.records["Task"][i] for i in ids]


def percent(part: int, whole: int) -> int:
    if not whole:
        return 0
    return int((Decimal(100 * part) / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def expected_summary(store: Store, records: list[dict[str, Any]], field: str, kind: str) -> Any:
    values = [ref_values(store, r, field)[0] for r in records]
    present = [v for v in values if v is not None and v != []]
    if kind == "record_count":
        return len(records)
    if kind == "count":
        return len(present)
    if kind == "sum":
        total = 0
        for v in present:
            total += v
        return total
    if kind == "average":
        return sum(present) / len(present) if present else None
    if kind in ("maximum", "latest"):
        return sorted(present)[-1] if present else None
    if kind in ("minimum", "earliest"):
        return sorted(present)[0] if present else None
    if kind == "checked":
        return len([v for v in values if v is True])
    if kind == "unchecked":
        return len([v for v in values if v is not True])
    if kind == "percentage":
        return percent(len([v for v in values if v is True]), len(values))
    if kind == "status_percentage":
        return percent(values.count("fin"), len(values))
    if kind == "status_percentage_as_float":
        return values.count("fin") * 100.0 / len(values) if values else 0.0
    if kind == "status_list":
        counts = Counter(v for v in values if v is not None)
        order = list(store.entities["Task"].fields["sg_status_list"].valid_values)
        return {s: counts[s] for s in order if counts[s]}
    raise AssertionError(kind)


SUMMARIES = [
    ("id", "record_count"), ("content", "record_count"), ("content", "count"), ("task_assignees", "count"),
    ("entity", "count"), ("due_date", "count"),
    ("sg_count", "sum"), ("cost", "sum"), ("est_in_mins", "sum"), ("pct", "sum"), ("tc", "sum"), ("ratio", "sum"),
    ("sg_count", "average"), ("cost", "average"), ("ratio", "average"), ("tc", "average"),
    ("sg_count", "maximum"), ("sg_count", "minimum"), ("cost", "maximum"), ("est_in_mins", "minimum"),
    ("pct", "maximum"), ("ratio", "minimum"),
    ("due_date", "earliest"), ("due_date", "latest"), ("updated_at", "earliest"), ("updated_at", "latest"),
    ("milestone", "checked"), ("milestone", "unchecked"), ("milestone", "percentage"),
    ("sg_status_list", "status_percentage"), ("sg_status_list", "status_percentage_as_float"),
    ("sg_status_list", "status_list"),
    ("entity.Shot.sg_cut_in", "sum"), ("entity.Shot.sg_cut_in", "count"), ("entity.Shot.code", "count"),
]
FILTERS = [[], [["sg_status_list", "is_not", "omt"]], [["content", "contains", "lay"]],
           [["content", "is", "no such task"]]]


@pytest.mark.parametrize("field,kind", SUMMARIES, ids=[f"{f}-{k}" for f, k in SUMMARIES])
@pytest.mark.parametrize("filters", FILTERS, ids=["all", "not-omt", "lay", "none"])
def test_each_summary_type(store: Store, field: str, kind: str, filters: list[Any]) -> None:
    out = summarize(store, "Task", filters, [{"field": field, "type": kind}])
    want = expected_summary(store, tasks(store, filters), field, kind)
    got = out["summaries"][field]
    if isinstance(want, float):
        assert got == pytest.approx(want)
    elif isinstance(want, dict):  # status_list: also in the field's valid-values order
        assert list(got.items()) == list(want.items())
    else:
        assert got == want
    assert out["groups"] == []


def test_summary_value_types(store: Store) -> None:
    out = summarize(store, "Task", [], [
        {"field": "cost", "type": "sum"}, {"field": "sg_count", "type": "average"},
        {"field": "sg_status_list", "type": "status_percentage"},
        {"field": "milestone", "type": "percentage"}, {"field": "est_in_mins", "type": "sum"}])["summaries"]
    assert isinstance(out["cost"], float)
    assert isinstance(out["sg_count"], float)
    assert isinstance(out["sg_status_list"], int)
    assert isinstance(out["milestone"], int)
    assert isinstance(out["est_in_mins"], int)


def test_status_percentage_with_a_chosen_status(store: Store) -> None:
    out = summarize(store, "Task", [], [{"field": "sg_status_list", "type": "status_percentage", "value": "ip"}])
    values = [r["sg_status_list"] for r in tasks(store)]
    assert out["summaries"]["sg_status_list"] == percent(values.count("ip"), len(values))


def test_percentages_round_half_up() -> None:
    st_ = make_store(n_tasks=0)
    # 1 of 8 is 12.5 %, 3 of 8 is 37.5 %: both round up
    for i in range(8):
        st_.insert("Task", {"sg_status_list": "fin" if i == 0 else "ip", "milestone": i < 3, "project": None})
    out = summarize(st_, "Task", [], [{"field": "sg_status_list", "type": "status_percentage"},
                                      {"field": "milestone", "type": "percentage"}])["summaries"]
    assert out == {"sg_status_list": 13, "milestone": 38}
    as_float = summarize(st_, "Task", [], [{"field": "sg_status_list", "type": "status_percentage_as_float"}])
    assert as_float["summaries"]["sg_status_list"] == pytest.approx(12.5)


def test_empty_selection_summaries(store: Store) -> None:
    out = summarize(store, "Task", [["id", "is", -1]], [
        {"field": "sg_count", "type": "sum"}, {"field": "cost", "type": "average"},
        {"field": "milestone", "type": "percentage"}, {"field": "due_date", "type": "latest"},
        {"field": "id", "type": "record_count"}], [{"field": "sg_status_list", "type": "exact"}])
    assert out == {"summaries": {"sg_count": 0, "cost": None, "milestone": 0, "due_date": None, "id": 0},
                   "groups": []}


# ---------------------------------------------------------------------------
# grouping, computed independently
# ---------------------------------------------------------------------------

CLUSTER_ORDER = ["Earlier", "Last week", "Earlier this week", "Yesterday", "Today", "Tomorrow",
                 "Later this week", "Next week", "Later"]


def to_day(value: str) -> date:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).date() if "T" in value else date.fromisoformat(value)


def cluster_of(d: date, today: date) -> str:
    if d == today - timedelta(days=1):
        return "Yesterday"
    if d == today:
        return "Today"
    if d == today + timedelta(days=1):
        return "Tomorrow"
    weeks = (date.fromisocalendar(*d.isocalendar()[:2], 1) - date.fromisocalendar(*today.isocalendar()[:2], 1)).days // 7
    if weeks < -1:
        return "Earlier"
    if weeks == -1:
        return "Last week"
    if weeks == 0:
        return "Earlier this week" if d < today else "Later this week"
    return "Next week" if weeks == 1 else "Later"


def memberships(store: Store, rec: dict[str, Any], field: str, kind: str) -> list[tuple[Any, Any, str, Any]]:
    """(identity, group_value, group_name, order) of each group the record belongs to."""
    v = ref_values(store, rec, field)[0]
    sizes = {"tens": 10, "hundreds": 100, "thousands": 1000, "tensofthousands": 10000,
             "hundredsofthousands": 100000, "millions": 1000000}
    if kind == "clustered_date":
        if not v:
            return [(None, None, "No date", None)]
        label = cluster_of(to_day(v), TODAY)
        return [(label, label, label, CLUSTER_ORDER.index(label))]
    if v is None or v == [] or v == "":
        return [(None, None, "", None)]
    if kind == "exact":
        if isinstance(v, dict):
            name = ref_name(store, v) or ""
            return [((v["type"], v["id"]), {"type": v["type"], "id": v["id"], "name": name}, name,
                     (name.lower(), v["type"], v["id"]))]
        if isinstance(v, list) and isinstance(v[0], dict):
            out = []
            for x in v:
                name = ref_name(store, x) or ""
                out.append(((x["type"], x["id"]), {"type": x["type"], "id": x["id"], "name": name}, name,
                            (name.lower(), x["type"], x["id"])))
            return out
        if isinstance(v, list):
            return [(t, t, t, (t.lower(), t)) for t in v]
        if isinstance(v, str) and field not in ("due_date", "updated_at"):
            return [(v, v, v, (v.lower(), v))]
        return [(v, v, str(v), v)]
    if kind in sizes:
        start = math.floor(v / sizes[kind]) * sizes[kind]
        return [(start, start, f"{start} - {start + sizes[kind]}", start)]
    if kind in ("oneday", "fivedays"):
        width = 1 if kind == "oneday" else 5
        first = math.floor(v / (480 * width)) * width
        return [(first, first * 480, f"{first} - {first + width} days", first)]
    if kind in ("day", "week", "month", "quarter", "year"):
        d = to_day(v)
        if kind == "day":
            start, name = d, d.isoformat()
        elif kind == "week":
            start = date.fromisocalendar(d.isocalendar()[0], d.isocalendar()[1], 1)
            name = "Week of " + start.isoformat()
        elif kind == "month":
            start = date(d.year, d.month, 1)
            name = start.strftime("%B %Y")
        elif kind == "quarter":
            q = (d.month + 2) // 3
            start, name = date(d.year, 3 * q - 2, 1), f"Q{q} {d.year}"
        else:
            start, name = date(d.year, 1, 1), str(d.year)
        return [(start, start.isoformat(), name, start)]
    if kind == "entitytype":
        types = [v["type"]] if isinstance(v, dict) else sorted({x["type"] for x in v})
        return [(t, t, store.entities[t].display_name, t.lower()) for t in types]
    if kind == "firstletter":
        return [(v[0].upper(),) * 4]
    raise AssertionError(kind)


def expected_groups(store: Store, records: list[dict[str, Any]], field: str, kind: str,
                    desc: bool = False) -> list[tuple[str, Any, list[int]]]:
    found: dict[Any, tuple[Any, str, Any]] = {}
    members: dict[Any, list[int]] = {}
    for rec in records:
        for ident, value, name, order in memberships(store, rec, field, kind):
            found.setdefault(ident, (value, name, order))
            if rec["id"] not in members.setdefault(ident, []):
                members[ident].append(rec["id"])
    keys = [k for k in found if k is not None]
    keys.sort(key=lambda k: found[k][2], reverse=desc)
    if None in found:
        keys = [None, *keys] if desc else [*keys, None]
    return [(found[k][1], found[k][0], members[k]) for k in keys]


GROUPINGS = [
    ("sg_status_list", "exact"), ("content", "exact"), ("entity", "exact"), ("milestone", "exact"),
    ("task_assignees", "exact"), ("addressees", "exact"), ("tags", "exact"), ("due_date", "exact"),
    ("sg_count", "exact"), ("sg_type", "exact"),
    ("sg_count", "tens"), ("sg_count", "hundreds"), ("sg_count", "thousands"), ("sg_count", "tensofthousands"),
    ("est_in_mins", "hundredsofthousands"), ("tc", "millions"), ("cost", "tens"), ("ratio", "tens"),
    ("due_date", "day"), ("due_date", "week"), ("due_date", "month"), ("due_date", "quarter"), ("due_date", "year"),
    ("updated_at", "day"), ("updated_at", "week"), ("updated_at", "month"), ("updated_at", "quarter"),
    ("updated_at", "year"), ("due_date", "clustered_date"), ("updated_at", "clustered_date"),
    ("est_in_mins", "oneday"), ("est_in_mins", "fivedays"),
    ("entity", "entitytype"), ("task_assignees", "entitytype"), ("addressees", "entitytype"),
    ("content", "firstletter"),
    ("entity.Shot.sg_sequence", "exact"), ("entity.Shot.sg_cut_in", "hundreds"),
]


@pytest.mark.parametrize("field,kind", GROUPINGS, ids=[f"{f}-{k}" for f, k in GROUPINGS])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_each_grouping_type(store: Store, field: str, kind: str, direction: str) -> None:
    filters = [["sg_status_list", "is_not", "omt"]]
    out = summarize(store, "Task", filters, [{"field": "id", "type": "record_count"},
                                             {"field": "sg_count", "type": "sum"}],
                    [{"field": field, "type": kind, "direction": direction}], now=NOW)
    records = tasks(store, filters)
    want = expected_groups(store, records, field, kind, desc=direction == "desc")
    got = [(g["group_name"], g["group_value"], g["summaries"]["id"]) for g in out["groups"]]
    assert got == [(name, value, len(ids)) for name, value, ids in want]
    by_id = store.records["Task"]
    for g, (_, _, ids) in zip(out["groups"], want):
        assert g["summaries"]["sg_count"] == expected_summary(store, [by_id[i] for i in ids], "sg_count", "sum")
        assert "groups" not in g
    assert out["summaries"]["id"] == len(records)
    assert len(want) > 1  # the data spreads over several groups


def test_clustered_dates_hit_every_cluster() -> None:
    st_ = make_store(n_tasks=0)
    offsets = [-60, -9, -8, -7, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 40, None, None]
    for n in offsets:
        st_.insert("Task", {"due_date": None if n is None else (TODAY + timedelta(days=n)).isoformat(),
                            "project": None})
    out = summarize(st_, "Task", [], [{"field": "id", "type": "record_count"}],
                    [{"field": "due_date", "type": "clustered_date"}], now=NOW)
    counts = Counter(cluster_of(TODAY + timedelta(days=n), TODAY) for n in offsets if n is not None)
    assert set(counts) == set(CLUSTER_ORDER)  # the offsets above reach every cluster
    want = [(c, counts[c]) for c in CLUSTER_ORDER] + [("No date", 2)]
    assert [(g["group_name"], g["summaries"]["id"]) for g in out["groups"]] == want
    assert out["groups"][-1]["group_value"] is None


def test_default_direction_is_ascending(store: Store) -> None:
    implicit = summarize(store, "Task", [], [{"field": "id", "type": "record_count"}],
                         [{"field": "sg_count", "type": "tens"}])
    explicit = summarize(store, "Task", [], [{"field": "id", "type": "record_count"}],
                         [{"field": "sg_count", "type": "tens", "direction": "asc"}])
    assert implicit == explicit
    values = [g["group_value"] for g in implicit["groups"] if g["group_value"] is not None]
    assert values == sorted(values)


def test_nested_grouping(store: Store) -> None:
    summary_fields = [{"field": "id", "type": "record_count"}, {"field": "cost", "type": "average"},
                      {"field": "milestone", "type": "checked"}]
    grouping = [{"field": "sg_status_list", "type": "exact"},
                {"field": "due_date", "type": "month", "direction": "desc"},
                {"field": "entity", "type": "entitytype"}]
    out = summarize(store, "Task", [], summary_fields, grouping)
    records = tasks(store)
    by_id = store.records["Task"]

    def check(groups: list[dict[str, Any]], recs: list[dict[str, Any]], level: int) -> int:
        field, kind = grouping[level]["field"], grouping[level]["type"]
        want = expected_groups(store, recs, field, kind, desc=grouping[level].get("direction") == "desc")
        assert [(g["group_name"], g["group_value"]) for g in groups] == [(n, v) for n, v, _ in want]
        leaves = 0
        for g, (_, _, ids) in zip(groups, want):
            members = [by_id[i] for i in ids]
            for sf in summary_fields:
                expect = expected_summary(store, members, sf["field"], sf["type"])
                if isinstance(expect, float):
                    expect = pytest.approx(expect)
                assert g["summaries"][sf["field"]] == expect
            if level + 1 < len(grouping):
                leaves += check(g["groups"], members, level + 1)
            else:
                assert "groups" not in g
                leaves += len(members)
        return leaves

    assert check(out["groups"], records, 0) == len(records)


def test_archived_projects_and_dotted_filters(store: Store) -> None:
    sf = [{"field": "id", "type": "record_count"}]
    assert summarize(store, "Task", [], sf)["summaries"]["id"] == len(tasks(store))
    assert summarize(store, "Task", [], sf, include_archived_projects=True)["summaries"]["id"] == \
        len(store.records["Task"])
    dotted = [["entity.Shot.sg_sequence.Sequence.code", "contains", "sq"]]
    assert summarize(store, "Task", dotted, sf)["summaries"]["id"] == len(tasks(store, dotted))


@pytest.mark.parametrize("summary_fields,grouping,fragment", [
    ([{"field": "content", "type": "sum"}], None, "sum"),
    ([{"field": "due_date", "type": "maximum"}], None, "maximum"),
    ([{"field": "sg_count", "type": "earliest"}], None, "earliest"),
    ([{"field": "content", "type": "checked"}], None, "checked"),
    ([{"field": "sg_priority", "type": "status_list"}], None, "status_list"),
    ([{"field": "milestone", "type": "average"}], None, "average"),
    ([{"field": "sg_count", "type": "percentage"}], None, "percentage"),
    ([{"field": "sg_count", "type": "median"}], None, "median"),
    ([{"field": "nope", "type": "count"}], None, "nope"),
    ([{"field": "sg_count"}], None, "type"),
    ("id", None, "summary_fields"),
    ([{"field": "entity.Shot.assets.Asset.code", "type": "count"}], None, "multi-entity"),
    ([], [{"field": "content", "type": "tens"}], "tens"),
    ([], [{"field": "sg_count", "type": "day"}], "day"),
    ([], [{"field": "sg_count", "type": "oneday"}], "oneday"),
    ([], [{"field": "content", "type": "entitytype"}], "entitytype"),
    ([], [{"field": "sg_count", "type": "firstletter"}], "firstletter"),
    ([], [{"field": "due_date", "type": "clustered"}], "clustered"),
    ([], [{"field": "data", "type": "exact"}], "data"),
    ([], [{"field": "link", "type": "exact"}], "link"),
    ([], [{"field": "sg_count", "type": "tens", "direction": "up"}], "direction"),
    ([], [{"type": "exact"}], "field"),
])
def test_invalid_summaries_and_groupings(store: Store, summary_fields: Any, grouping: Any, fragment: str) -> None:
    with pytest.raises(RequestError) as info:
        summarize(store, "Task", [], summary_fields, grouping)
    assert info.value.status == 400
    assert info.value.errors[0]["code"] == 103
    assert fragment in str(info.value)


def test_bad_filters_are_rejected(store: Store) -> None:
    with pytest.raises(RequestError, match="nope"):
        summarize(store, "Task", [["nope", "is", 1]], [{"field": "id", "type": "count"}])


def test_summaries_follow_store_changes() -> None:
    st_ = make_store(n_tasks=20, seed=5)
    sf = [{"field": "id", "type": "record_count"}]
    grouping = [{"field": "sg_status_list", "type": "exact"}]
    before = summarize(st_, "Task", [], sf, grouping, include_archived_projects=True)
    st_.insert("Task", {"sg_status_list": "brand_new", "project": None})
    after = summarize(st_, "Task", [], sf, grouping, include_archived_projects=True)
    assert after["summaries"]["id"] == before["summaries"]["id"] + 1
    assert ("brand_new", 1) in [(g["group_value"], g["summaries"]["id"]) for g in after["groups"]]
    assert "brand_new" not in [g["group_value"] for g in before["groups"]]
