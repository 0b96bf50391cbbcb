"""summary_frame and the request parsers, without a server: liberal in what a server may send."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

import trackframes as tf
from trackframes.schema import FieldKind, FieldSpec
from trackframes.summaries import (
    Grouping,
    Summary,
    SummaryGroup,
    SummaryResult,
    parse_grouping,
    parse_summaries,
    summary_frame,
)

SPECS = {
    "id": FieldSpec("id", FieldKind.INTEGER, "number"),
    "due_date": FieldSpec("due_date", FieldKind.DATE, "date"),
    "created_at": FieldSpec("created_at", FieldKind.DATETIME, "date_time"),
    "entity": FieldSpec("entity", FieldKind.ENTITY, "entity", valid_types=("Shot", "Asset")),
    "sg_status_list": FieldSpec("sg_status_list", FieldKind.CATEGORY, "status_list",
                                valid_values=("wtg", "ip", "fin")),
    "est_in_mins": FieldSpec("est_in_mins", FieldKind.INTEGER, "duration"),
}


def frame(groups, summaries, grouping, total=None):
    result = SummaryResult(total=total or {}, groups=groups)
    return summary_frame(result, summaries, grouping, SPECS)


@pytest.mark.parametrize("kind, value, name, want", [
    ("month", "2026-01-01", "January 2026", "2026-01-01"),
    ("month", "2026-02-01T00:00:00Z", "", "2026-02-01"),
    ("month", None, "March 2026", "2026-03-01"),
    ("month", "2026-04", None, "2026-04-01"),
    ("quarter", None, "Q2 2026", "2026-04-01"),
    ("quarter", "2026-Q3", None, "2026-07-01"),
    ("week", None, "Week of 2026-01-05", "2026-01-05"),
    ("year", 2026, "2026", "2026-01-01"),
    ("day", 1767225600, None, "2026-01-01"),  # epoch seconds
    ("day", datetime(2026, 5, 6, 13, 0, tzinfo=timezone.utc), None, "2026-05-06"),
])
def test_date_groups_are_read_liberally(kind, value, name, want):
    df = frame([SummaryGroup(name, value, {0: 4})], [Summary("id", "count")], [Grouping("due_date", kind)])
    assert str(df.dtypes["due_date"]) == "datetime64[ms]"
    assert df["due_date"].iloc[0] == pd.Timestamp(want)
    assert df["id_count"].iloc[0] == 4


def test_null_group_and_unreadable_dates_are_missing():
    groups = [SummaryGroup("", None, {0: 1}), SummaryGroup("whenever", "soon", {0: 2})]
    df = frame(groups, [Summary("id", "count")], [Grouping("due_date", "month")])
    assert df["due_date"].isna().tolist() == [True, True]
    assert df["id_count"].tolist() == [1, 2]


def test_entity_groups_split_and_name_only_values():
    groups = [SummaryGroup("sh010", {"type": "Shot", "id": 7, "name": "sh010"}, {0: 3}),
              SummaryGroup("chair", "chair", {0: 1}),
              SummaryGroup("", None, {0: 5})]
    df = frame(groups, [Summary("id", "count")], [Grouping("entity")])
    assert list(df.columns) == ["entity.id", "entity.type", "entity.name", "id_count"]
    assert df["entity.id"].tolist()[0] == 7 and df["entity.id"].isna().tolist() == [False, True, True]
    assert df["entity.type"].tolist()[0] == "Shot"
    assert df["entity.name"].tolist()[:2] == ["sh010", "chair"] and pd.isna(df["entity.name"].iloc[2])
    assert str(df.dtypes["entity.id"]) == "Int64" and isinstance(df.dtypes["entity.type"], pd.CategoricalDtype)


def test_summary_values_are_coerced_to_their_types():
    summaries = [Summary("id", "count"), Summary("est_in_mins", "average"), Summary("sg_status_list", "status_list"),
                 Summary("created_at", "latest"), Summary("due_date", "earliest")]
    groups = [
        SummaryGroup("a", "wtg", {0: "3", 1: "2.5", 2: {"wtg": 1, "ip": 2}, 3: "2026-01-02T03:04:05Z",
                                  4: "2026-01-02"}),
        SummaryGroup("b", "ip", {0: 4.0, 1: None, 2: "ip: 2", 3: None, 4: None}),
        SummaryGroup("c", "fin", {}),  # a server that left the summaries out
    ]
    df = frame(groups, summaries, [Grouping("sg_status_list")], total={0: 7})
    assert df["id_count"].tolist()[:2] == [3, 4] and pd.isna(df["id_count"].iloc[2])
    assert str(df.dtypes["id_count"]) == "Int64"
    assert df["est_in_mins_average"].iloc[0] == 2.5 and str(df.dtypes["est_in_mins_average"]) == "Float64"
    assert df["sg_status_list_status_list"].iloc[0] == '{"wtg":1,"ip":2}'
    assert df["sg_status_list_status_list"].iloc[1] == "ip: 2"
    assert df["created_at_latest"].iloc[0] == pd.Timestamp("2026-01-02T03:04:05Z")
    assert str(df.dtypes["created_at_latest"]) == "datetime64[ms, UTC]"
    assert df["due_date_earliest"].iloc[0] == pd.Timestamp("2026-01-02")
    assert df.attrs["total"] == {"id_count": 7, "est_in_mins_average": None, "sg_status_list_status_list": None,
                                 "created_at_latest": None, "due_date_earliest": None}
    assert list(df["sg_status_list"].cat.categories) == ["wtg", "ip", "fin"]


def test_a_fractional_count_is_kept_not_lost():
    df = frame([SummaryGroup("a", "wtg", {0: 2.5})], [Summary("id", "count")], [Grouping("sg_status_list")])
    assert df["id_count"].iloc[0] == 2.5


def test_nested_groups_missing_deeper_levels_leave_nulls():
    inner = [SummaryGroup("wtg", "wtg", {0: 1}), SummaryGroup("ip", "ip", {0: 2})]
    groups = [SummaryGroup("January 2026", "2026-01-01", {0: 3}, inner),
              SummaryGroup("February 2026", "2026-02-01", {0: 4}, None)]
    df = frame(groups, [Summary("id", "count")], [Grouping("due_date", "month"), Grouping("sg_status_list")])
    assert df["due_date"].tolist() == [pd.Timestamp("2026-01-01")] * 2 + [pd.Timestamp("2026-02-01")]
    assert df["sg_status_list"].astype("object").tolist()[:2] == ["wtg", "ip"]
    assert pd.isna(df["sg_status_list"].iloc[2])
    assert df["id_count"].tolist() == [1, 2, 4]


def test_parse_summaries_forms():
    assert parse_summaries({"id": "count", "due_date": "latest"}) == [Summary("id", "count"),
                                                                      Summary("due_date", "latest")]
    assert parse_summaries(("id", "count")) == [Summary("id", "count")]
    assert parse_summaries([("x", "sum"), ("x", "average"), ("x", "sum")]) == [Summary("x", "sum"),
                                                                              Summary("x", "average")]
    assert parse_summaries([{"field": "s", "type": "status_percentage", "value": "ip"}]) == [
        Summary("s", "status_percentage", "ip")]
    assert parse_summaries({"id": "COUNT"}) == [Summary("id", "count")]
    assert Summary("s", "status_percentage", "ip").column == "s_status_percentage_ip"
    with pytest.raises(tf.SchemaError) as err:
        parse_summaries({"id": "cnt"})
    assert "count" in err.value.suggestions
    with pytest.raises(TypeError):
        parse_summaries([("id",)])
    with pytest.raises(ValueError):
        parse_summaries({})


def test_parse_grouping_forms():
    assert parse_grouping(None) == []
    assert parse_grouping("step") == [Grouping("step")]
    assert parse_grouping(["step", ("due_date", "month"), ("due_date", "year", "DESC"),
                           {"field": "entity", "type": "entitytype"}]) == [
        Grouping("step"), Grouping("due_date", "month"), Grouping("due_date", "year", "desc"),
        Grouping("entity", "entitytype")]
    with pytest.raises(tf.SchemaError):
        parse_grouping([("due_date", "month", "sideways")])
    with pytest.raises(TypeError):
        parse_grouping([42])


def test_docs_list_every_summary_and_grouping_type():
    from pathlib import Path

    from trackframes.summaries import GROUPING_TYPES, SUMMARY_TYPES

    text = (Path(__file__).resolve().parents[2] / "docs" / "summaries.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    named = {name for line in rows for name in line.split("|")[1].replace("`", "").replace(" ", "").split(",")}
    assert set(SUMMARY_TYPES) <= named
    assert set(GROUPING_TYPES) <= named
