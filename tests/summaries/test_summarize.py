"""site.summarize against the sandbox: every summary and grouping type, recomputed from find() with pandas."""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter
from datetime import date, timedelta
from typing import Any, Callable

import pandas as pd
import pytest

import trackframes as tf
from tests.summaries.conftest import TODAY

TASK_FIELDS = ["content", "entity", "step", "sg_status_list", "task_assignees", "start_date", "due_date",
               "duration", "est_in_mins", "milestone", "created_at", "updated_at", "sg_priority_1",
               "entity.Shot.sg_sequence", "project"]
FIELDS = {
    "Task": TASK_FIELDS,
    "Shot": ["code", "sg_cut_in", "sg_cut_duration", "sg_timecode_in", "sg_sequence"],
    "Asset": ["code", "tag_list"],
    "Note": ["subject", "note_links"],
    "Version": ["code", "sg_uploaded_movie_frame_rate", "client_approved"],
}


@pytest.fixture(scope="module")
def frames(site: tf.Site) -> dict[str, pd.DataFrame]:
    return {entity: site.find(entity, fields=fields) for entity, fields in FIELDS.items()}


def py(value: Any) -> Any:
    """A frame cell as a plain Python value (None for missing, dates for Timestamps)."""
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value.tzinfo is None else value
    if hasattr(value, "item"):
        return value.item()
    return value


def half_up(part: int, whole: int) -> int:
    return math.floor(100 * part / whole + 0.5) if whole else 0


# ---------------------------------------------------------------------------
# every summary type
# ---------------------------------------------------------------------------

TASK_SUMMARIES = [
    ("id", "record_count"), ("due_date", "count"), ("task_assignees", "count"),
    ("est_in_mins", "sum"), ("est_in_mins", "average"), ("est_in_mins", "maximum"), ("est_in_mins", "minimum"),
    ("start_date", "earliest"), ("due_date", "latest"), ("created_at", "earliest"), ("updated_at", "latest"),
    ("milestone", "checked"), ("milestone", "unchecked"), ("milestone", "percentage"),
    ("sg_status_list", "status_percentage"), ("sg_status_list", "status_percentage", "ip"),
    ("sg_status_list", "status_percentage_as_float"), ("sg_status_list", "status_list"),
]


def task_reference(df: pd.DataFrame, valid_statuses: tuple[str, ...]) -> dict[str, Any]:
    """Every TASK_SUMMARIES value for a group of find() rows, with plain pandas."""
    n = len(df)
    checked = int((df["milestone"] == True).sum())  # noqa: E712 - nullable booleans
    status = df["sg_status_list"].astype("object")
    counts = status.dropna().value_counts()
    ordered = [s for s in valid_statuses if s in counts.index] + sorted(set(counts.index) - set(valid_statuses))
    est = df["est_in_mins"].dropna()
    return {
        "id_record_count": n,
        "due_date_count": int(df["due_date"].notna().sum()),
        "task_assignees_count": int(sum(1 for v in df["task_assignees"] if v is not None and len(v))),
        "est_in_mins_sum": float(est.sum()),
        "est_in_mins_average": float(est.mean()) if len(est) else None,
        "est_in_mins_maximum": int(est.max()) if len(est) else None,
        "est_in_mins_minimum": int(est.min()) if len(est) else None,
        "start_date_earliest": py(df["start_date"].min()),
        "due_date_latest": py(df["due_date"].max()),
        "created_at_earliest": py(df["created_at"].min()),
        "updated_at_latest": py(df["updated_at"].max()),
        "milestone_checked": checked,
        "milestone_unchecked": n - checked,
        "milestone_percentage": float(half_up(checked, n)),
        "sg_status_list_status_percentage": float(half_up(int((status == "fin").sum()), n)),
        "sg_status_list_status_percentage_ip": float(half_up(int((status == "ip").sum()), n)),
        "sg_status_list_status_percentage_as_float": 100.0 * int((status == "fin").sum()) / n if n else 0.0,
        "sg_status_list_status_list": [(s, int(counts[s])) for s in ordered],
    }


def same(got: Any, want: Any) -> bool:
    got = py(got)
    if isinstance(want, float) and got is not None:
        return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(want, list):  # status_list: JSON text of {status: count}, in status order
        return list(json.loads(got).items()) == [tuple(x) for x in want]
    return got == want


def test_every_summary_type_agrees_with_pandas_per_group_and_in_total(site, frames):
    tasks = frames["Task"]
    valid = site.field_specs("Task")["sg_status_list"].valid_values
    s = site.summarize("Task", TASK_SUMMARIES, grouping=["step"])
    assert list(s.columns) == ["step.id", "step.type", "step.name"] + [
        "_".join(str(x) for x in item) for item in TASK_SUMMARIES]
    by_step = dict(iter(tasks.groupby("step.id")))
    assert sorted(s["step.id"].tolist()) == sorted(by_step)
    for _, row in s.iterrows():
        group = by_step[row["step.id"]]
        assert row["step.name"] == group["step.name"].iloc[0]
        for column, want in task_reference(group, valid).items():
            assert same(row[column], want), (row["step.name"], column, row[column], want)
    total = s.attrs["total"]
    for column, want in task_reference(tasks, valid).items():
        assert same(total[column], want), (column, total[column], want)


def test_summary_columns_are_typed_to_fit_the_summary(site):
    s = site.summarize("Task", TASK_SUMMARIES, grouping=["step"])
    dtypes = {c: str(t) for c, t in s.dtypes.items()}
    for column in ("id_record_count", "due_date_count", "milestone_checked", "milestone_unchecked"):
        assert dtypes[column] == "Int64"
    for column in ("est_in_mins_sum", "est_in_mins_average", "milestone_percentage",
                   "sg_status_list_status_percentage", "sg_status_list_status_percentage_as_float"):
        assert dtypes[column] == "Float64"
    assert dtypes["est_in_mins_maximum"] == dtypes["est_in_mins_minimum"] == "Int64"  # a duration: whole minutes
    assert dtypes["start_date_earliest"] == dtypes["due_date_latest"] == "datetime64[ms]"
    assert dtypes["created_at_earliest"] == dtypes["updated_at_latest"] == "datetime64[ms, UTC]"
    assert dtypes["sg_status_list_status_list"] == "string"
    assert dtypes["step.id"] == "Int64" and dtypes["step.name"] == "string"


def test_float_and_currency_summaries(site, frames):
    versions = frames["Version"]
    rate = versions["sg_uploaded_movie_frame_rate"].dropna()
    s = site.summarize("Version", [("sg_uploaded_movie_frame_rate", t) for t in ("sum", "average", "maximum",
                                                                                 "minimum")]
                       + [("client_approved", "percentage")])
    assert len(s) == 1  # no grouping: one row, equal to the total
    row = s.iloc[0]
    assert math.isclose(row["sg_uploaded_movie_frame_rate_sum"], rate.sum())
    assert math.isclose(row["sg_uploaded_movie_frame_rate_average"], rate.mean())
    assert row["sg_uploaded_movie_frame_rate_maximum"] == rate.max()
    assert str(s.dtypes["sg_uploaded_movie_frame_rate_maximum"]) == "Float64"
    approved = int((versions["client_approved"] == True).sum())  # noqa: E712
    assert row["client_approved_percentage"] == half_up(approved, len(versions))
    assert s.attrs["total"]["sg_uploaded_movie_frame_rate_minimum"] == rate.min()
    projects = site.find("Project", fields=["sg_budget"], include_archived_projects=True)
    p = site.summarize("Project", {"sg_budget": "sum"}, include_archived_projects=True)
    assert math.isclose(p.attrs["total"]["sg_budget_sum"], projects["sg_budget"].dropna().sum())


# ---------------------------------------------------------------------------
# every grouping type
# ---------------------------------------------------------------------------

def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def cluster(day: date, today: date = TODAY) -> str:
    """The clustered_date groups as the sandbox documents them, relative to today."""
    week = monday(today)
    delta = (day - today).days
    if delta in (-1, 0, 1):
        return {-1: "Yesterday", 0: "Today", 1: "Tomorrow"}[delta]
    if day < week - timedelta(weeks=1):
        return "Earlier"
    if day < week:
        return "Last week"
    if day < today:
        return "Earlier this week"
    if day < week + timedelta(weeks=1):
        return "Later this week"
    if day < week + timedelta(weeks=2):
        return "Next week"
    return "Later"


def bucket(size: int) -> Callable[[Any], list[Any]]:
    return lambda v: [None if v is None else int(v // size * size)]


def period(kind: str) -> Callable[[Any], list[Any]]:
    def start(v: Any) -> list[Any]:
        if v is None:
            return [None]
        d = v.date() if isinstance(v, pd.Timestamp) else v
        return [{"day": d, "week": monday(d), "month": d.replace(day=1),
                 "quarter": date(d.year, 3 * ((d.month - 1) // 3) + 1, 1), "year": date(d.year, 1, 1)}[kind]]
    return start


def links(v: Any) -> list[Any]:
    return [(x["type"], x["id"]) for x in v] if v is not None and len(v) else [None]


def link_types(v: Any) -> list[Any]:
    return sorted({x["type"] for x in v}) if v is not None and len(v) else [None]


def tags(v: Any) -> list[Any]:
    return list(v) if v is not None and len(v) else [None]


# (entity, field, grouping type, column read back, row value -> group keys)
GROUPINGS: list[tuple[str, str, str, str, Callable[[Any], list[Any]]]] = [
    ("Task", "content", "exact", "content", lambda v: [v or None]),
    ("Task", "step", "exact", "step.id", lambda v: [v]),
    ("Task", "task_assignees", "exact", "task_assignees.id", links),
    ("Task", "sg_status_list", "exact", "sg_status_list", lambda v: [v]),
    ("Task", "sg_priority_1", "exact", "sg_priority_1", lambda v: [v]),
    ("Task", "due_date", "exact", "due_date", lambda v: [v]),
    ("Task", "milestone", "exact", "milestone", lambda v: [v]),
    ("Shot", "sg_cut_in", "exact", "sg_cut_in", lambda v: [v]),
    ("Asset", "tag_list", "exact", "tag_list", tags),
    ("Shot", "sg_cut_duration", "tens", "sg_cut_duration", bucket(10)),
    ("Shot", "sg_cut_duration", "hundreds", "sg_cut_duration", bucket(100)),
    ("Task", "est_in_mins", "thousands", "est_in_mins", bucket(1_000)),
    ("Task", "est_in_mins", "tensofthousands", "est_in_mins", bucket(10_000)),
    ("Shot", "sg_timecode_in", "hundredsofthousands", "sg_timecode_in", bucket(100_000)),
    ("Shot", "sg_timecode_in", "millions", "sg_timecode_in", bucket(1_000_000)),
    ("Task", "due_date", "day", "due_date", period("day")),
    ("Task", "due_date", "week", "due_date", period("week")),
    ("Task", "due_date", "month", "due_date", period("month")),
    ("Task", "start_date", "quarter", "start_date", period("quarter")),
    ("Task", "due_date", "year", "due_date", period("year")),
    ("Task", "created_at", "month", "created_at", lambda v: period("month")(None if v is None else v.date())),
    ("Task", "due_date", "clustered_date", "due_date", lambda v: ["No date" if v is None else cluster(v)]),
    ("Task", "duration", "oneday", "duration", bucket(480)),
    ("Task", "duration", "fivedays", "duration", bucket(2400)),
    ("Task", "entity", "entitytype", "entity", lambda v: [v]),
    ("Note", "note_links", "entitytype", "note_links", link_types),
    ("Task", "content", "firstletter", "content", lambda v: [v[0].upper() if v else None]),
]


def source_values(df: pd.DataFrame, field: str, kind: str) -> list[Any]:
    """The grouped field's value in each find() row: link ids (or types), lists, or plain values."""
    if kind == "entitytype" and f"{field}.type" in df.columns:
        return [py(v) for v in df[f"{field}.type"]]
    if f"{field}.id" in df.columns:
        return [py(v) for v in df[f"{field}.id"]]
    if isinstance(df[field].dtype, pd.ArrowDtype):  # multi-entity and tag lists
        return list(df[field])
    return [py(v) for v in df[field]]


@pytest.mark.parametrize("entity, field, kind, column, keys", GROUPINGS,
                         ids=[f"{g[0]}.{g[1]}-{g[2]}" for g in GROUPINGS])
def test_every_grouping_type_agrees_with_pandas(site, frames, entity, field, kind, column, keys):
    df = frames[entity]
    want: Counter[Any] = Counter()
    for value in source_values(df, field, kind):
        for key in dict.fromkeys(keys(value)):
            want[key] += 1
    s = site.summarize(entity, {"id": "record_count"}, grouping=[(field, kind)])
    got_keys = [py(v) for v in s[column]]
    if keys is links:  # links of several types: a group is a (type, id) pair
        got_keys = [None if k is None else (t, k) for t, k in zip(s[column[:-3] + ".type"], got_keys)]
    if kind == "clustered_date":
        got_keys = ["No date" if k is None else k for k in got_keys]
    assert len(set(got_keys)) == len(got_keys), "one row per group"
    got = dict(zip(got_keys, (int(c) for c in s["id_record_count"])))
    assert got == dict(want)
    assert s["id_record_count"].sum() >= len(df)
    assert s.attrs["total"]["id_record_count"] == len(df)


def test_group_columns_are_typed_by_grouping(site):
    s = site.summarize("Task", {"id": "count"}, grouping=[("due_date", "month"), ("duration", "oneday"),
                                                          ("entity", "entitytype")])
    assert str(s.dtypes["due_date"]) == "datetime64[ms]"
    assert (s["due_date"].dropna().dt.day == 1).all()
    assert str(s.dtypes["duration"]) == "Int64"
    assert str(s.dtypes["entity"]) == "string"
    c = site.summarize("Task", {"id": "count"}, grouping=[("due_date", "clustered_date")])
    assert isinstance(c.dtypes["due_date"], pd.CategoricalDtype) and c.dtypes["due_date"].ordered
    assert list(c.dtypes["due_date"].categories) == list(tf.summaries.CLUSTERED_DATES)
    e = site.summarize("Task", {"id": "count"}, grouping=["sg_status_list", "created_at"])
    assert isinstance(e.dtypes["sg_status_list"], pd.CategoricalDtype)
    assert str(e.dtypes["created_at"]) == "datetime64[ms, UTC]"


def test_sums_inside_groups_and_null_groups(site, frames):
    tasks = frames["Task"]
    s = site.summarize("Task", {"est_in_mins": "sum", "id": "count"}, grouping=["entity.Shot.sg_sequence"])
    seq = tasks["entity.Shot.sg_sequence.id"].astype("object").where(tasks["entity.Shot.sg_sequence.id"].notna())
    want = tasks.assign(seq=seq).groupby("seq", dropna=False)["est_in_mins"].sum()
    got = {py(k): float(v) for k, v in zip(s["entity.Shot.sg_sequence.id"], s["est_in_mins_sum"])}
    assert got == {(None if pd.isna(k) else int(k)): float(v) for k, v in want.items()}
    assert s["entity.Shot.sg_sequence.id"].isna().sum() == 1  # asset tasks: the null group, last (ascending)
    assert pd.isna(s["entity.Shot.sg_sequence.id"].iloc[-1])


def test_nested_grouping_is_flattened_one_column_per_level(site, frames):
    tasks = frames["Task"]
    s = site.summarize("Task", {"id": "count", "est_in_mins": "sum"},
                       grouping=["project", ("step", "exact", "desc"), ("due_date", "quarter")])
    assert list(s.columns)[:7] == ["project.id", "project.type", "project.name", "step.id", "step.type",
                                   "step.name", "due_date"]
    keyed = tasks.assign(q=tasks["due_date"].dt.to_period("Q").dt.start_time)
    want = keyed.groupby(["project.id", "step.id", "q"], dropna=False).agg(
        n=("id", "count"), est=("est_in_mins", "sum"))
    got = s.set_index(["project.id", "step.id", "due_date"])
    assert len(got) == len(want)
    for key, row in want.iterrows():
        assert got.loc[key, "id_count"] == row["n"]
        assert got.loc[key, "est_in_mins_sum"] == row["est"]
    # steps descending within each project: by name, as the server orders entity groups
    for _, part in s.groupby("project.id", sort=False):
        names = list(dict.fromkeys(part["step.name"]))
        assert names == sorted(names, key=str.lower, reverse=True)


def test_direction_reverses_the_groups(site):
    asc = site.summarize("Task", {"id": "count"}, grouping=[("due_date", "month", "asc")])
    desc = site.summarize("Task", {"id": "count"}, grouping=[("due_date", "month", "desc")])
    assert asc["due_date"].dropna().tolist() == desc["due_date"].dropna().tolist()[::-1]
    assert asc["due_date"].dropna().is_monotonic_increasing


def test_a_field_grouped_twice_and_summarized_twice(site, frames):
    tasks = frames["Task"]
    s = site.summarize("Task", [("est_in_mins", "sum"), ("est_in_mins", "average"), ("due_date", "latest")],
                       grouping=[("due_date", "year"), ("due_date", "month")])
    assert {"due_date_year", "due_date_month", "est_in_mins_sum", "est_in_mins_average",
            "due_date_latest"} <= set(s.columns)
    for _, row in s.dropna(subset=["due_date_month"]).iterrows():
        month = tasks[(tasks["due_date"].dt.year == row["due_date_month"].year)
                      & (tasks["due_date"].dt.month == row["due_date_month"].month)]
        assert row["due_date_year"].year == row["due_date_month"].year
        assert row["est_in_mins_sum"] == month["est_in_mins"].sum()
        assert math.isclose(row["est_in_mins_average"], month["est_in_mins"].mean())
        assert row["due_date_latest"] == month["due_date"].max()


def test_filters_and_archived_projects(site, sb):
    archived = {pid for pid, p in sb.store.records["Project"].items() if p.get("archived")}
    everything = [t for t in sb.store.records["Task"].values()]
    live = [t for t in everything if t["project"]["id"] not in archived]
    ip = [t for t in live if t["sg_status_list"] == "ip"]
    assert site.summarize("Task", {"id": "count"}).attrs["total"]["id_count"] == len(live)
    assert site.summarize("Task", {"id": "count"}, include_archived_projects=True).attrs["total"]["id_count"] \
        == len(everything)
    s = site.summarize("Task", {"id": "count"}, [["sg_status_list", "is", "ip"]], grouping=["sg_status_list"])
    assert s["sg_status_list"].tolist() == ["ip"] and s["id_count"].tolist() == [len(ip)]


def test_empty_result_keeps_typed_columns(site):
    s = site.summarize("Task", {"id": "count", "due_date": "latest"}, [["content", "is", "no such task"]],
                       grouping=["step", ("due_date", "month")])
    assert len(s) == 0
    assert list(s.columns) == ["step.id", "step.type", "step.name", "due_date", "id_count", "due_date_latest"]
    assert str(s.dtypes["id_count"]) == "Int64" and str(s.dtypes["due_date"]) == "datetime64[ms]"
    assert s.attrs["total"]["id_count"] == 0 and s.attrs["total"]["due_date_latest"] is None


def test_asummarize_is_the_async_twin(site):
    want = site.summarize("Task", {"id": "count"}, grouping=["sg_status_list"])
    got = asyncio.run(site.asummarize("Task", {"id": "count"}, grouping=["sg_status_list"]))
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs["total"] == want.attrs["total"]


def test_provenance_of_a_summary(site):
    s = site.summarize("Task", {"id": "count"}, [["sg_status_list", "is", "ip"]], grouping=["step"])
    prov = s.attrs["trackframes"]
    assert prov["site"] == site.url and prov["entity"] == "Task" and prov["kind"] == "summary"
    assert prov["summaries"] == [["id", "count"]] and prov["grouping"] == [["step", "exact", "asc"]]


# ---------------------------------------------------------------------------
# validation before sending
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("entity, summaries, grouping, words", [
    ("Task", {"content": "sum"}, None, ["'sum'", "text", "record_count, count"]),
    ("Task", {"due_date": "average"}, None, ["date", "record_count, count, earliest, latest"]),
    ("Task", {"id": "count"}, [("content", "month")], ["'month'", "text", "exact, firstletter"]),
    ("Task", {"id": "count"}, [("due_date", "tens")], ["'tens'", "date", "clustered_date"]),
    ("Task", {"id": "count"}, [("est_in_mins", "firstletter")], ["duration", "oneday, fivedays"]),
    ("Version", {"id": "count"}, [("sg_uploaded_movie", "exact")], ["url fields cannot be grouped"]),
    ("Task", {"sg_status_list": "checked"}, None, ["status_list", "status_percentage"]),
    ("Task", [("sg_status_list", "status_percentage", "done")], None, ["'done'", "wtg"]),
    ("Task", {"id": "summ"}, None, ["Unknown summary type 'summ'", "'sum'"]),
    ("Task", {"id": "count"}, [("due_date", "monthly")], ["Unknown grouping type", "'month'"]),
    ("Task", {"id": "count"}, [("due_date", "month", "up")], ["'asc' or 'desc'"]),
    ("Task", {"id": "count"}, [("task_assignees.HumanUser.login", "exact")], ["single-entity"]),
    ("Task", {"est_in_min": "sum"}, None, ["'est_in_mins'"]),
    ("Task", {"id": "count"}, [("sg_status", "exact")], ["'sg_status_list'"]),
])
def test_invalid_summaries_raise_schema_error_before_sending(site, sb, entity, summaries, grouping, words):
    site.field_specs(entity)  # schema cached: anything sent now would be the summary itself
    site.field_specs("HumanUser")
    before = sb.stats.requests
    with pytest.raises(tf.SchemaError) as err:
        site.summarize(entity, summaries, grouping=grouping)
    assert sb.stats.requests == before
    for word in words:
        assert word in str(err.value)


def test_schema_error_lists_valid_choices_as_suggestions(site):
    with pytest.raises(tf.SchemaError) as err:
        site.summarize("Task", {"id": "count"}, grouping=[("content", "month")])
    assert err.value.suggestions == ["exact", "firstletter"]
    with pytest.raises(tf.SchemaError) as err:
        site.summarize("Task", {"content": "sum"})
    assert err.value.suggestions == ["record_count", "count"]


def test_bad_filters_are_caught_before_sending(site, sb):
    site.field_specs("Task")
    before = sb.stats.requests
    with pytest.raises(tf.SchemaError):
        site.summarize("Task", {"id": "count"}, [["sg_status_lst", "is", "ip"]])
    assert sb.stats.requests == before


@pytest.mark.parametrize("summaries", [None, "id", 3, [], {}])
def test_malformed_summaries(site, summaries):
    with pytest.raises((TypeError, ValueError)):
        site.summarize("Task", summaries)
