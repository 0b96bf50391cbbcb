"""What a backend cannot send, the site evaluates locally, with the server's results (issue 11, item 3).

The backend here is the real ShotGrid backend behind a stand-in that declines one
relation at a time (:class:`tests.fakes.declining.Declining`): the site must send
the rest, fetch the fields the declined conditions read, filter the rows with the
local engine, and only then order, cut to the limit and count. Every result is
compared with the same call on a site whose server evaluates everything.
"""

from __future__ import annotations

from typing import Any, Iterator

import pandas as pd
import pyarrow as pa
import pytest

import trackframes as tf
from trackframes.query import RELATIONS
from trackframes.site import Site
from tests.fakes.declining import Declining

PAGE = 50  # small pages, so that limits span several of them

#: one condition per relation of the public syntax: (entity, condition)
CASES: dict[str, tuple[str, list[Any]]] = {
    "is": ("Task", ["sg_status_list", "is", "ip"]),
    "is_not": ("Task", ["sg_status_list", "is_not", "fin"]),
    "less_than": ("Task", ["est_in_mins", "less_than", 1000]),
    "greater_than": ("Task", ["duration", "greater_than", 2500]),
    "contains": ("Task", ["content", "contains", "O"]),
    "not_contains": ("Task", ["content", "not_contains", "model"]),
    "starts_with": ("Task", ["content", "starts_with", "l"]),
    "ends_with": ("Task", ["content", "ends_with", "G"]),
    "between": ("Task", ["due_date", "between", ["2025-06-01", "2026-01-31"]]),
    "not_between": ("Task", ["id", "not_between", [100, 400]]),
    "in": ("Task", ["sg_status_list", "in", ["ip", "rev", "hld"]]),
    "not_in": ("Task", ["sg_status_list", "not_in", ["fin", "omt"]]),
    "in_last": ("Task", ["due_date", "in_last", [8, "WEEK"]]),
    "not_in_last": ("Task", ["due_date", "not_in_last", [30, "DAY"]]),
    "in_next": ("Task", ["due_date", "in_next", [2, "MONTH"]]),
    "not_in_next": ("Task", ["due_date", "not_in_next", [1, "YEAR"]]),
    "in_calendar_day": ("Task", ["due_date", "in_calendar_day", -3]),
    "in_calendar_week": ("Task", ["due_date", "in_calendar_week", 1]),
    "in_calendar_month": ("Task", ["due_date", "in_calendar_month", -1]),
    "in_calendar_year": ("Task", ["due_date", "in_calendar_year", 0]),
    "type_is": ("Task", ["entity", "type_is", "Shot"]),
    "type_is_not": ("Task", ["entity", "type_is_not", "Shot"]),
    "name_contains": ("Task", ["entity", "name_contains", "E"]),
    "name_not_contains": ("Task", ["step", "name_not_contains", "o"]),
    "name_is": ("Task", ["step", "name_is", "rig"]),
    "name_starts_with": ("Note", ["addressings_to", "name_starts_with", "ines"]),
    "name_ends_with": ("Note", ["addressings_to", "name_ends_with", "A"]),
}
FIELDS = {"Task": ["content", "sg_status_list"], "Note": ["subject"]}
ORDER = {"Task": ["content", "-id"], "Note": ["subject", "-id"]}


def test_every_relation_is_covered():
    assert sorted(CASES) == sorted(RELATIONS)


@pytest.fixture(scope="module")
def server_site(sb: Any) -> Iterator[tf.Site]:
    with sb.connect(progress=False, page_size=PAGE) as s:
        yield s


@pytest.fixture(scope="module")
def connection(sb: Any) -> Iterator[tf.Site]:
    with sb.connect(progress=False, page_size=PAGE) as s:
        yield s


def declining(connection: tf.Site, *relations: str) -> tuple[Site, Declining]:
    backend = Declining(connection.backend, relations)
    site = Site(backend, url=connection.url, page_size=PAGE, progress=False, today=connection.today)
    return site, backend


def _ids(frame: pd.DataFrame) -> list[int]:
    return [int(i) for i in frame["id"]]


@pytest.mark.parametrize("relation", sorted(CASES))
def test_a_declined_relation_gives_the_servers_rows(server_site, connection, relation):
    entity, condition = CASES[relation]
    site, backend = declining(connection, relation)
    for filters in ([condition],
                    {"filter_operator": "any", "filters": [condition, ["id", "less_than", 20]]},
                    [condition, ["id", "greater_than", 3]]):
        want = server_site.find(entity, filters, FIELDS[entity])
        got = site.find(entity, filters, FIELDS[entity])
        pd.testing.assert_frame_equal(got, want)
        assert site.count(entity, filters) == server_site.count(entity, filters) == len(want)
        batches = list(site.iter_batches(entity, filters, FIELDS[entity]))
        streamed = pa.Table.from_batches(batches) if batches else None
        assert sorted(streamed.column("id").to_pylist() if streamed else []) == sorted(_ids(want))
        if streamed is not None:
            assert streamed.column_names == list(want.columns)
    assert relation not in backend.sent_relations()
    assert backend.queries and all(q.limit is None for q in backend.queries)


@pytest.mark.parametrize("relation", ["contains", "in_last", "name_is", "not_in"])
@pytest.mark.parametrize("limit", [1, 7, PAGE + 13])
def test_order_and_limit_apply_after_the_residual(server_site, connection, relation, limit):
    entity, condition = CASES[relation]
    site, backend = declining(connection, relation)
    want = server_site.find(entity, [condition], FIELDS[entity], order=ORDER[entity], limit=limit)
    got = site.find(entity, [condition], FIELDS[entity], order=ORDER[entity], limit=limit)
    pd.testing.assert_frame_equal(got, want)
    everything = server_site.find(entity, [condition], FIELDS[entity], order=ORDER[entity])
    assert _ids(got) == _ids(everything)[:limit]  # the first rows of the whole, filtered result
    assert all(q.limit is None for q in backend.queries)


def test_some_relations_match_rows_and_others_do_not(server_site):
    """The cases are not vacuous: most conditions keep some rows and drop others."""
    sizes = {r: (server_site.count(e, [c]), server_site.count(e)) for r, (e, c) in CASES.items()}
    discriminating = [r for r, (n, total) in sizes.items() if 0 < n < total]
    assert len(discriminating) >= len(CASES) - 3, sizes


def test_residual_fields_are_fetched_then_dropped(server_site, connection):
    site, _ = declining(connection, "in_last")
    filters = [["due_date", "in_last", [8, "WEEK"]], ["sg_status_list", "is_not", "omt"]]
    got = site.find("Task", filters, ["content"], order=["-content"])
    assert list(got.columns) == ["id", "content"]
    pd.testing.assert_frame_equal(got, server_site.find("Task", filters, ["content"], order=["-content"]))
    arrow = site.find_arrow("Task", filters, ["content"])
    assert arrow.column_names == ["id", "content"]


def test_project_and_residual_together(server_site, connection):
    site, _ = declining(connection, "contains")
    filters = [["content", "contains", "i"]]
    want = server_site.find("Task", filters, ["content"], project="Copper Sky")
    assert len(want)
    pd.testing.assert_frame_equal(site.find("Task", filters, ["content"], project="Copper Sky"), want)


def test_summaries_with_a_residual_are_computed_from_the_matching_rows(server_site, connection):
    site, backend = declining(connection, "name_contains")
    filters = [["entity", "name_contains", "E"]]
    want = server_site.summarize("Task", {"id": "count", "est_in_mins": "sum"}, filters, ["step"])
    got = site.summarize("Task", {"id": "count", "est_in_mins": "sum"}, filters, ["step"])
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs["total"] == want.attrs["total"]
    assert "name_contains" not in backend.sent_relations()


def test_a_declined_condition_through_a_multi_entity_path_is_refused_before_sending(connection):
    site, backend = declining(connection, "is")
    with pytest.raises(tf.SchemaError) as info:
        site.find("Task", [["task_assignees.HumanUser.login", "is", "ana"]], ["content"])
    message = str(info.value)
    assert "task_assignees.HumanUser.login" in message and "cannot be fetched" in message
    assert not backend.queries
