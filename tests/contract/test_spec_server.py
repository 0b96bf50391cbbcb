"""find() against a spec-following server that is not our sandbox (tests/fakes/spec_server.py)."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import trackframes as tf
from trackframes.frames import UntypedValueWarning
from trackframes.transport import HandlerAdapter
from tests.fakes.spec_server import SCRIPT, SpecServer, make_projects

FIELDS = ["name", "tank_name", "end_date", "duration", "tracking_settings", "is_template", "updated_at", "sg_type",
          "billboard", "users", "layout_project", "sg_budget"]

# The API document's dtype table, written out independently of the code.
EXPECTED_DTYPES = {
    "id": "Int64",
    "name": "string",
    "tank_name": "string",
    "end_date": "datetime64[ms]",
    "duration": "Int64",
    "tracking_settings": "string",
    "is_template": "boolean",
    "updated_at": "datetime64[ms, UTC]",
    "sg_type": "category",
    "billboard.name": "string",
    "billboard.url": "string",
    "billboard.content_type": "string",
    "billboard.link_type": "string",
    "users": "list<item: struct<id: int64, type: string, name: string>>[pyarrow]",
    "layout_project.id": "Int64",
    "layout_project.type": "category",
    "layout_project.name": "string",
    "sg_budget": "Float64",
}


def connect(server: SpecServer, **options):
    return tf.connect("https://spec.example.com", auth=tf.ScriptKey(*SCRIPT),
                      transport_adapter=HandlerAdapter(server), progress=False, **options)


@pytest.mark.parametrize("wrapped", [False, True], ids=["bare-links", "wrapped-links"])
def test_find_returns_the_spec_data_with_the_documented_dtypes(wrapped):
    server = SpecServer(wrapped=wrapped)
    df = connect(server).find("Project", fields=FIELDS)
    expected = make_projects()
    assert list(df.columns) == list(EXPECTED_DTYPES)
    assert {c: str(t) for c, t in df.dtypes.items()} == EXPECTED_DTYPES
    assert df["id"].tolist() == [r["id"] for r in expected]
    for row, rec in zip(df.itertuples(index=False), expected):
        a, rel = rec["attributes"], rec["relationships"]
        assert row.name == a["name"]
        assert (None if pd.isna(row.tank_name) else row.tank_name) == a["tank_name"]
        want_end = None if a["end_date"] is None else pd.Timestamp(a["end_date"])
        assert (None if pd.isna(row.end_date) else row.end_date) == want_end
        assert (None if pd.isna(row.duration) else row.duration) == a["duration"]
        assert json.loads(row.tracking_settings) == a["tracking_settings"]
        assert bool(row.is_template) is a["is_template"]
        assert row.updated_at == pd.Timestamp(a["updated_at"])
        assert row.sg_type == a["sg_type"]
        assert (None if pd.isna(row.sg_budget) else row.sg_budget) == a["sg_budget"]
        assert [u["id"] for u in row.users] == [u["id"] for u in rel["users"]]
        assert [u["name"] for u in row.users] == [u["name"] for u in rel["users"]]
    for row, rec in zip(df.to_dict("records"), expected):
        link = rec["relationships"]["layout_project"]
        for part in ("id", "type", "name"):
            got = row[f"layout_project.{part}"]
            assert (None if pd.isna(got) else got) == (None if link is None else link[part])
    urls = df["billboard.url"].dropna().tolist()
    assert urls == [r["attributes"]["billboard"]["url"] for r in expected if r["attributes"]["billboard"]]


def test_both_relationship_shapes_give_the_same_frame():
    bare = connect(SpecServer(wrapped=False)).find("Project", fields=FIELDS)
    wrapped = connect(SpecServer(wrapped=True)).find("Project", fields=FIELDS)
    pd.testing.assert_frame_equal(bare, wrapped)


def test_pages_capped_below_the_requested_size_still_give_every_record():
    server = SpecServer(page_cap=97)
    df = connect(server, page_size=500).find("Project", fields=["name"])
    assert df["id"].tolist() == [r["id"] for r in make_projects()]
    assert df["id"].is_unique


def test_full_pages_continue_even_when_the_server_sends_no_next_links():
    """Id ranges are sized from the count; ids with gaps make some ranges overfull. Without
    links.next, a full page is the only sign that its range goes on."""
    records = make_projects()[:300] + [dict(r, id=r["id"] + 5000) for r in make_projects()[300:1200]]
    server = SpecServer(records=records, next_links=False)
    df = connect(server, page_size=100).find("Project", fields=["name"])
    assert df["id"].tolist() == [r["id"] for r in records]
    assert df["id"].is_unique


def test_a_data_type_the_schema_table_does_not_know_is_kept_as_text_with_a_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = connect(SpecServer()).find("Project", fields=["sg_weird"])
    assert any(issubclass(w.category, UntypedValueWarning) and "sg_weird" in str(w.message) for w in caught)
    assert str(df["sg_weird"].dtype) == "string"
    expected = [r["attributes"]["sg_weird"] for r in make_projects()]
    got = [None if pd.isna(v) else json.loads(v) for v in df["sg_weird"]]
    assert got == expected


def test_empty_result_keeps_every_column_and_dtype():
    df = connect(SpecServer(records=[])).find("Project", fields=FIELDS)
    assert len(df) == 0
    assert {c: str(t) for c, t in df.dtypes.items()} == EXPECTED_DTYPES


def test_limit_and_order_are_exact():
    site = connect(SpecServer())
    ids = sorted(r["id"] for r in make_projects())
    assert site.find("Project", fields=["name"], order=["-id"], limit=7)["id"].tolist() == ids[::-1][:7]
    assert site.find("Project", fields=["name"], order=["-id"], limit=777)["id"].tolist() == ids[::-1][:777]
    assert site.find("Project", fields=["name"], limit=600)["id"].tolist() == ids[:600]


def test_count_and_find_one():
    site = connect(SpecServer())
    assert site.count("Project") == len(make_projects())
    first = site.find_one("Project", [["name", "is", "Project 0003"]], ["name"])
    assert first["name"] == "Project 0003"
    assert site.find_one("Project", [["name", "is", "nope"]], ["name"]) is None
