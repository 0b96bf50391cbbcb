"""The engine's summaries equal the server's ``_summarize``: every summary and grouping type, nested."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trackframes.engine import mask, summarize
from trackframes.sandbox.shotgrid.summarize import GROUPING_TYPES, SUMMARY_TYPES
from trackframes.summaries import Grouping, Summary, SummaryGroup, SummaryResult, summary_frame

from .conftest import Data, server_now
from .gen import Pick, tree

ENTITIES = ["Task", "Shot", "Version", "TimeLog", "Asset", "Note", "Project", "CustomNonProjectEntity01"]


def fitting(types: dict[str, Any], data_type: str) -> list[str]:
    if data_type in ("password", "serializable", "summary", "url"):
        return [k for k, fits in types.items() if k in ("record_count", "count")]
    return [k for k, fits in types.items() if fits is None or data_type in fits]


def summaries_of(pick: Pick, d: Data) -> list[Summary]:
    out: list[Summary] = []
    for _ in range(pick.integer(1, 3)):
        spec = pick.choice(d.specs)
        kind = pick.choice(fitting(SUMMARY_TYPES, spec.data_type))
        value = None
        if kind.startswith("status_percentage") and pick.chance(60):
            value = pick.choice(spec.valid_values)
        summary = Summary(spec.name, kind, value)
        if summary not in out:
            out.append(summary)
    return out


def groupings_of(pick: Pick, d: Data, depth: int) -> list[Grouping]:
    groupable = [s for s in d.specs if s.data_type not in ("password", "serializable", "summary", "url")]
    out: list[Grouping] = []
    for _ in range(depth):
        spec = pick.choice(groupable)
        kinds = [k for k, fits in GROUPING_TYPES.items() if fits is None or spec.data_type in fits]
        level = Grouping(spec.name, pick.choice(kinds), pick.choice(["asc", "desc"]))
        if all((g.field, g.type) != (level.field, level.type) for g in out):
            out.append(level)
    return out


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        in_order = all(isinstance(k, str) for k in a)  # a status_list keeps the server's order
        keys_match = list(a) == list(b) if in_order else set(a) == set(b)
        return keys_match and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def assert_same(mine: SummaryResult, theirs: SummaryResult) -> None:
    assert same(mine.total, theirs.total), (mine.total, theirs.total)
    assert_groups(mine.groups, theirs.groups, "")


def assert_groups(mine: list[SummaryGroup] | None, theirs: list[SummaryGroup] | None, where: str) -> None:
    assert (mine is None) == (theirs is None), where
    if mine is None or theirs is None:
        return
    assert [(g.name, g.value) for g in mine] == [(g.name, g.value) for g in theirs], where
    for a, b in zip(mine, theirs):
        assert same(a.summaries, b.summaries), f"{where}/{a.name}: {a.summaries} != {b.summaries}"
        assert_groups(a.groups, b.groups, f"{where}/{a.name}")


def type_names(site: Any) -> dict[str, str]:
    return {name: info.display_name for name, info in site.entity_types().items()}


@pytest.mark.parametrize("entity", ENTITIES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_summaries_match_the_server(sb, site, data, entity, draw):
    d = data[entity]
    pick = Pick.of(draw)
    wanted = summaries_of(pick, d)
    levels = groupings_of(pick, d, pick.integer(0, 2))
    filters = tree(pick, d.fields, sb.store.today) if pick.chance(30) else None
    now = server_now(sb)
    theirs = site.backend.summarize(entity, site.backend.check_filters(entity, None if filters is None
                                                                       else filters.to_dict()), wanted, levels)
    rows = d.table if filters is None else d.table.filter(mask(d.table, filters, d.specs, now=now))
    mine = summarize(rows, wanted, levels, d.specs, today=sb.store.today, type_names=type_names(site))
    assert_same(mine, theirs)


def sweep(d: Data) -> list[tuple[list[Summary], list[Grouping]]]:
    """Every summary type on every field it fits; every grouping type on every field it fits, both directions."""
    cases = []
    for spec in d.specs:
        for kind in fitting(SUMMARY_TYPES, spec.data_type):
            cases.append(([Summary(spec.name, kind)], []))
        if spec.data_type in ("password", "serializable", "summary", "url"):
            continue
        for kind, fits in GROUPING_TYPES.items():
            if fits is None or spec.data_type in fits:
                for direction in ("asc", "desc"):
                    cases.append(([Summary("id", "count"), Summary(spec.name, "count")],
                                  [Grouping(spec.name, kind, direction)]))
    return cases


@pytest.mark.parametrize("entity", ENTITIES)
def test_every_summary_and_grouping_type_matches_the_server(sb, site, data, entity):
    d = data[entity]
    names = type_names(site)
    for wanted, levels in sweep(d):
        theirs = site.backend.summarize(entity, site.backend.check_filters(entity, None), wanted, levels)
        mine = summarize(d.table, wanted, levels, d.specs, today=sb.store.today, type_names=names)
        assert_same(mine, theirs)


def test_the_sweep_covers_every_type(data):
    cases = [c for d in data.values() for c in sweep(d)]
    assert {s.type for wanted, _ in cases for s in wanted} == set(SUMMARY_TYPES)
    assert {g.type for _, levels in cases for g in levels} == set(GROUPING_TYPES)


def test_nested_groupings_and_the_frame_match_site_summarize(sb, site, data):
    d = data["Task"]
    wanted = [Summary("est_in_mins", "sum"), Summary("sg_status_list", "status_list"),
              Summary("due_date", "latest"), Summary("milestone", "percentage")]
    levels = [Grouping("step", "exact", "desc"), Grouping("entity", "entitytype"),
              Grouping("due_date", "month", "asc")]
    mine = summarize(d.table, wanted, levels, d.specs, today=sb.store.today, type_names=type_names(site))
    frame = site.summarize("Task", wanted, None, levels)
    specs = {s.name: s for s in d.specs}
    local = summary_frame(mine, wanted, levels, specs)
    pd.testing.assert_frame_equal(local, frame, check_exact=False)
    assert len(frame) > 5 and frame["due_date"].notna().any()
    assert local.attrs["total"] == frame.attrs["total"]
