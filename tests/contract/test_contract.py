"""The backend contract: every backend gives the same typed frames, filters, paging, counts,
summaries, canonical schedule frames and Parquet round trips (``tests/contract/targets/``).

Expectations are written here, independently of the code: the dtype of each field kind, PostgreSQL's
null order, a pandas recomputation of summaries, and the local engine's evaluation of a filter over
the whole fetched table (for a backend that filters on its server, that compares two independent
implementations).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import trackframes as tf
from trackframes.engine import mask
from trackframes.schedule import TASK_COLUMNS, TIMELOG_COLUMNS
from trackframes.schema import FieldKind

# -- the dtype each field kind gives, written out from the documented table (docs/dtypes.md) ----------------

def _kind_columns(kind: FieldKind, id_dtype: str) -> list[tuple[str, str]]:
    link_id = "int64" if id_dtype == "Int64" else "string"
    return {
        FieldKind.TEXT: [("", "string")],
        FieldKind.JSON: [("", "string")],
        FieldKind.UNKNOWN: [("", "string")],
        FieldKind.INTEGER: [("", "Int64")],
        FieldKind.FLOAT: [("", "Float64")],
        FieldKind.BOOLEAN: [("", "boolean")],
        FieldKind.DATE: [("", "datetime64[ms]")],
        FieldKind.DATETIME: [("", "datetime64[ms, UTC]")],
        FieldKind.CATEGORY: [("", "category")],
        FieldKind.ENTITY: [(".id", id_dtype), (".type", "category"), (".name", "string")],
        FieldKind.MULTI_ENTITY: [("", f"list<item: struct<id: {link_id}, type: string, name: string>>[pyarrow]")],
        FieldKind.URL: [(".name", "string"), (".url", "string"), (".content_type", "string"),
                        (".link_type", "string")],
        FieldKind.TAG_LIST: [("", "list<item: string>[pyarrow]")],
    }[kind]


def _id_dtype(site: Any, entity: str) -> str:
    return "Int64" if site.field_specs(entity)["id"].kind is FieldKind.INTEGER else "string"


@pytest.fixture(scope="module")
def everything(target: Any) -> dict[str, pd.DataFrame]:
    return {entity: target.site.find(entity, fields="*") for entity in target.entities}


def test_every_column_has_the_dtype_of_its_field_kind(target, everything):
    for entity, df in everything.items():
        id_dtype = _id_dtype(target.site, entity)
        expected = {"id": id_dtype}
        # what "*" means is the backend's (ftrack: the type's own scalar and reference attributes)
        for spec in target.site.backend.resolve_fields(entity, "*"):
            if spec.name != "id":
                expected.update({spec.name + suffix: dtype for suffix, dtype in _kind_columns(spec.kind, id_dtype)})
        got = {column: str(dtype) for column, dtype in df.dtypes.items()}
        assert got == expected, entity
        assert len(df) > 0, f"the {target.name} server has no {entity} records to check"


def test_an_empty_result_has_every_column_with_the_same_dtypes(target, everything):
    for entity, df in everything.items():
        missing = -1 if _id_dtype(target.site, entity) == "Int64" else "00000000-0000-0000-0000-000000000000"
        empty = target.site.find(entity, [["id", "is", missing]], fields="*")
        assert len(empty) == 0
        assert list(empty.columns) == list(df.columns)
        assert {c: str(t) for c, t in empty.dtypes.items()} == {c: str(t) for c, t in df.dtypes.items()}, entity


# -- filters: every relation, against the local engine over the whole table ---------------------------------

RELATIONS: dict[FieldKind, tuple[str, ...]] = {
    FieldKind.INTEGER: ("is", "is_not", "less_than", "greater_than", "between", "in", "not_in"),
    FieldKind.FLOAT: ("is", "is_not", "less_than", "greater_than", "between", "in", "not_in"),
    FieldKind.DATE: ("is", "is_not", "less_than", "greater_than", "between", "in", "not_in"),
    FieldKind.TEXT: ("is", "is_not", "contains", "not_contains", "starts_with", "ends_with", "in", "not_in"),
    FieldKind.CATEGORY: ("is", "is_not", "in", "not_in"),
    FieldKind.ENTITY: ("is", "is_not", "in", "not_in", "name_contains", "name_not_contains", "name_is"),
    FieldKind.BOOLEAN: ("is", "is_not"),
}


def _values(df: pd.DataFrame, name: str, kind: FieldKind) -> list[Any]:
    if kind is FieldKind.ENTITY:
        links = df[[f"{name}.id", f"{name}.type", f"{name}.name"]].dropna()
        return [{"type": r[1], "id": (int(r[0]) if isinstance(r[0], (int, np.integer)) else r[0]), "name": r[2]}
                for r in links.drop_duplicates().itertuples(index=False)]
    series = df[name].dropna()
    values = sorted({v for v in series.tolist()}, key=str)
    if kind is FieldKind.DATE:
        return [pd.Timestamp(v).date() for v in values]
    return values


def _relations(backend: Any, spec: Any) -> tuple[str, ...]:
    """The relations of this kind that the backend accepts for this field (its own operator table)."""
    operators = getattr(backend, "operators", None)
    allowed = RELATIONS[spec.kind]
    return tuple(r for r in allowed if r in operators(spec)) if operators else allowed


def _cases(df: pd.DataFrame, specs: dict[str, Any], backend: Any, dotted: tuple[str, ...] = ()) -> list[list[Any]]:
    cases: list[list[Any]] = []
    for name, spec in specs.items():
        if ("." in name and name not in dotted) or spec.kind not in RELATIONS:
            continue
        values = _values(df, name, spec.kind)
        if len(values) < 2:
            continue
        lo, mid, hi = values[0], values[len(values) // 2], values[-1]
        for relation in _relations(backend, spec):
            if relation in ("in", "not_in"):
                value: Any = [lo, hi]
            elif relation == "between":
                value = [lo, mid]
            elif relation in ("contains", "not_contains", "name_contains", "name_not_contains"):
                text = mid["name"] if isinstance(mid, dict) else str(mid)
                value = text[1:3] if len(text) > 3 else text
            elif relation in ("starts_with", "ends_with"):
                value = str(mid)[:2] if relation == "starts_with" else str(mid)[-2:]
            elif relation == "name_is":
                value = mid["name"]
            else:
                value = mid
            if isinstance(value, dict):
                value = {"type": value["type"], "id": value["id"]}
            elif isinstance(value, list):
                value = [{"type": v["type"], "id": v["id"]} if isinstance(v, dict) else v for v in value]
            cases.append([name, relation, value])
    return cases


def test_every_relation_returns_what_a_local_evaluation_of_the_whole_table_returns(target):
    site, entity = target.site, target.task_entity
    specs = {n: s for n, s in site.field_specs(entity).items() if n != "id"}
    table = site.find_arrow(entity, fields=list(specs))
    df = site.find(entity, fields=list(specs))
    cases = _cases(df, specs, site.backend, target.filter_fields)
    kinds = {specs[c[0]].kind for c in cases}
    # every kind the entity has among these is covered (ftrack has no category: its statuses are links)
    present = {s.kind for s in specs.values()} | {specs[c[0]].kind for c in cases}
    assert {FieldKind.INTEGER, FieldKind.DATE, FieldKind.ENTITY} <= kinds
    assert {FieldKind.CATEGORY} & present <= kinds
    today = site.today
    now = pd.Timestamp(today).tz_localize("UTC").to_pydatetime()
    all_specs = site.backend.resolve_fields(entity, list(specs))
    for case in cases:
        expected = table.filter(mask(table, [case], all_specs, now=now)).column("id").to_pylist()
        got = site.find(entity, [case], ["id"])["id"].tolist()
        assert sorted(got) == sorted(expected), case


# -- paging, counts, order, limit ---------------------------------------------------------------------------

def test_records_present_throughout_a_fetch_appear_exactly_once_while_others_come_and_go(target):
    if target.churn is None:
        pytest.fail(f"the {target.name} server cannot create and delete records between pages")
    site = target.connect(page_size=target.page_size) if target.connect else target.site
    entity = target.task_entity
    before = set(site.find(entity, fields=["id"])["id"].tolist())
    with target.churn(3, 2):
        during = site.find(entity, fields=["id"])["id"].tolist()
    after = set(site.find(entity, fields=["id"])["id"].tolist())
    assert len(during) == len(set(during)), "a record came back twice"
    assert (before & after) <= set(during), "a record present throughout the fetch went missing"
    assert before != after, "the churn changed nothing, so the test proved nothing"


def test_count_is_the_number_of_rows_find_returns(target):
    site, entity = target.site, target.task_entity
    assert site.count(entity) == len(site.find(entity, fields=["id"]))
    f = [[target.number_field, "greater_than", 0]]
    assert site.count(entity, f) == len(site.find(entity, f, ["id"]))


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_order_puts_nulls_where_postgresql_does_and_limit_is_the_head_of_the_order(target, descending):
    site, entity = target.site, target.task_entity
    for field in target.order_fields:
        order = [("-" if descending else "") + field]
        full = site.find(entity, fields=[field], order=order)
        values = full[field]
        assert values.isna().any() and values.notna().any(), f"{field} needs nulls and values for this test"
        nulls = values.isna().to_numpy()
        # PostgreSQL: ascending puts nulls last, descending puts them first
        assert (nulls[: nulls.sum()].all() if descending else nulls[len(nulls) - nulls.sum():].all()), field
        known = values.dropna().tolist()
        if isinstance(known[0], str):  # text sorts case-insensitively, like the trackers
            known = [k.lower() for k in known]
        assert known == sorted(known, reverse=descending), field
        for limit in (1, 7, target.page_size + 3):
            head = site.find(entity, fields=[field], order=order, limit=limit)
            assert head["id"].tolist() == full["id"].head(limit).tolist(), (field, limit)


def test_a_bad_field_is_refused_before_anything_is_sent_with_the_closest_names(target):
    site, entity = target.site, target.task_entity
    site.field_specs(entity)
    sent = target.requests()
    misspelt = target.number_field[:-1] + "x"
    with pytest.raises(tf.SchemaError) as info:
        site.find(entity, fields=[misspelt])
    assert misspelt in str(info.value) and target.number_field in info.value.suggestions
    with pytest.raises(tf.SchemaError):
        site.find(entity, [[target.number_field, "contains", 3]])
    assert target.requests() == sent


# -- summaries, canonical frames, Parquet --------------------------------------------------------------------

def test_summaries_equal_a_pandas_recomputation(target):
    site, entity, link, number = target.site, target.task_entity, target.link_field, target.number_field
    s = site.summarize(entity, {"id": "count", number: "sum"}, grouping=[link])
    df = site.find(entity, fields=[link, number])
    expected = (df.groupby(f"{link}.id", dropna=True)
                .agg(count=("id", "size"), total=(number, lambda x: float(x.sum()))))
    got = s.dropna(subset=[f"{link}.id"]).set_index(f"{link}.id")
    assert dict(got["id_count"]) == dict(expected["count"])
    assert {k: float(v) for k, v in got[f"{number}_sum"].items()} == dict(expected["total"])
    assert s.attrs["total"]["id_count"] == len(df)


def test_canonical_tasks_and_timelogs_have_exactly_the_documented_columns(target):
    site = target.site
    for frame, columns in ((site.tasks(), TASK_COLUMNS), (site.timelogs(), TIMELOG_COLUMNS)):
        assert list(frame.columns) == list(columns)
        assert len(frame) > 0
        id_dtype = str(frame["id"].dtype)
        for column, dtype in columns.items():
            if column == "id" or column.endswith(".id"):
                assert str(frame[column].dtype) == id_dtype, column
            elif "list<" in dtype:
                assert str(frame[column].dtype).startswith("list<item: struct<id: "), column
            else:
                assert str(frame[column].dtype) == dtype, column


def test_export_then_read_parquet_gives_back_find(target, tmp_path):
    site, entity = target.site, target.task_entity
    fields = [target.link_field, target.number_field, target.date_field]
    site.export(entity, tmp_path / "ds", fields=fields, partition_by=[f"{target.link_field}.name"])
    back = tf.read_parquet(tmp_path / "ds").sort_values("id", ignore_index=True)
    found = site.find(entity, fields=fields).sort_values("id", ignore_index=True)
    pd.testing.assert_frame_equal(back[found.columns], found, check_categorical=False)


def test_sync_after_changes_equals_a_fresh_export(target, tmp_path):
    if target.churn is None:
        pytest.fail(f"the {target.name} server cannot change records for this test")
    site, entity = target.site, target.task_entity
    fields = [target.link_field, target.number_field]
    site.export(entity, tmp_path / "synced", fields=fields)
    with target.churn(4, 3):
        site.find(entity, fields=["id"])  # each page request creates and deletes records
    site.sync(tmp_path / "synced")
    site.export(entity, tmp_path / "fresh", fields=fields)
    synced = tf.read_parquet(tmp_path / "synced").sort_values("id", ignore_index=True)
    fresh = tf.read_parquet(tmp_path / "fresh").sort_values("id", ignore_index=True)
    pd.testing.assert_frame_equal(synced, fresh, check_categorical=False)
