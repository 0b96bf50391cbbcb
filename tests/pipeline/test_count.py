"""count() is the real number of matching records, retired ones included (``_summarize`` cannot count those)."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

import trackframes as tf
from tests.pipeline.conftest import archived


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    """Every third Shot and every seventh Task retired: several pages of retired records, some in archived
    projects."""
    with tf.sandbox.serve(scale=0.2, seed=6) as sandbox:
        for entity, step in (("Shot", 3), ("Task", 7)):
            for rid in sorted(sandbox.store.records[entity])[::step]:
                sandbox.store.retire(entity, rid)
        yield sandbox


def _retired(sb: Any, entity: str, *, include_archived: bool = False, keep: Any = None) -> int:
    hidden = set() if include_archived else archived(sb)
    return sum(1 for rec in sb.store.retired[entity].values()
               if (rec.get("project") or {}).get("id") not in hidden and (keep is None or keep(rec)))


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("entity", ["Shot", "Task"])
def test_count_of_retired_records_is_the_real_count(sb, entity, concurrency):
    with sb.connect(progress=False, page_size=50, concurrency=concurrency) as site:
        assert _retired(sb, entity) > 100  # more than two pages of them
        assert site.count(entity, retired=True) == _retired(sb, entity)
        assert site.count(entity, retired=True, include_archived_projects=True) == \
            _retired(sb, entity, include_archived=True)
        assert site.count(entity, retired=True) == len(site.find(entity, fields=["id"], retired=True))


def test_count_of_retired_records_honours_the_filters(sb):
    with sb.connect(progress=False, page_size=50) as site:
        got = site.count("Task", [["sg_status_list", "is", "ip"]], retired=True)
        assert got == _retired(sb, "Task", keep=lambda rec: rec.get("sg_status_list") == "ip")
        assert site.count("Task", [["id", "less_than", 0]], retired=True) == 0


def test_live_counts_are_unchanged(sb):
    with sb.connect(progress=False) as site:
        hidden = archived(sb)
        live = sum(1 for rec in sb.store.records["Shot"].values()
                   if (rec.get("project") or {}).get("id") not in hidden)
        assert site.count("Shot") == live
